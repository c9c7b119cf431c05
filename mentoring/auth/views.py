"""Login, logout, the account page and the admin's account pages."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from mentoring.auth import policy, services, throttle
from mentoring.auth.models import User
from mentoring.auth.schemas import LoginFormSchema, PasswordChangeSchema, PreferencesSchema, UserFormSchema
from mentoring.auth.throttle import login_limits
from mentoring.bounds import local_path
from mentoring.errors import ServiceError
from mentoring.extensions import db
from mentoring.forms import FormResult, parse_form
from mentoring.org import services as org_services
from mentoring.org.models import Facility
from mentoring.search import ESCAPE, containing

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: never bounce a user to another site after login.
    return local_path(target) or url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = FormResult({"next": request.args.get("next", "")})
    if request.method == "POST":
        form = parse_form(LoginFormSchema(), request.form, checkboxes=("remember",))
        if form.ok:
            user = services.authenticate(form.data["email"], form.data["password"])
            if user is not None:
                db.session.commit()
                login_user(user, remember=form.data["remember"])
                return redirect(_safe_next(form.data.get("next")))
            # One message for every failure: nobody learns which e-mails exist.
            throttle.failed()
            form.errors["password"] = [_("E-mail or password is wrong.")]
        form.values.pop("password", None)
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    # Logging out ends every login cookie of this person, not only the one in
    # this browser: a copied session or remember-me cookie must not outlive
    # the "Log out" the person pressed (bearer tokens are devices of their
    # own, logged out by DELETE /api/v1/auth/token).
    if current_user.is_authenticated:
        services.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """The language switch on the login page, before anyone is logged in."""
    from flask import session
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
        if current_user.is_authenticated:
            services.set_preferences(current_user, language=code, timezone=current_user.timezone)
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    password_form = FormResult({})
    prefs_form = FormResult({"language": current_user.language, "timezone": current_user.timezone})
    if request.method == "POST" and request.form.get("action") == "password":
        password_form = parse_form(PasswordChangeSchema(), request.form)
        if password_form.ok and password_form.data["new_password"] != password_form.data["confirm_password"]:
            password_form.errors["confirm_password"] = [_("The two new passwords differ.")]
        if password_form.ok:
            try:
                services.change_password(current_user, password_form.data["current_password"],
                                         password_form.data["new_password"])
            except ServiceError as err:
                db.session.rollback()
                password_form.errors.update(err.fields)
            else:
                db.session.commit()
                # Keep this device logged in, with a new cookie of the new
                # version (and a new remember-me cookie if it had one).
                remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
                login_user(current_user._get_current_object(), remember=remembered)
                flash(_("Your password was changed. Other devices must log in again."), "success")
                return redirect(url_for("auth.account"))
        password_form.values = {}
    elif request.method == "POST" and request.form.get("action") == "preferences":
        prefs_form = parse_form(PreferencesSchema(), request.form)
        if prefs_form.ok:
            try:
                services.set_preferences(current_user, **prefs_form.data)
            except ServiceError as err:
                db.session.rollback()
                prefs_form.errors.update(err.fields)
            else:
                db.session.commit()
                flash(_("Your preferences were saved."), "success")
                return redirect(url_for("auth.account"))
    status = 422 if (password_form.errors or prefs_form.errors) else 200
    return render_template("auth/account.html", password_form=password_form,
                           prefs_form=prefs_form, timezones=_common_timezones()), status


def _common_timezones() -> list[str]:
    return ["Asia/Ho_Chi_Minh", "Asia/Bangkok", "UTC", "Europe/Paris", "America/New_York"]


# --- admin: accounts --------------------------------------------------------

@bp.route("/admin/users")
@login_required
def admin_users():
    policy.require(current_user, "user.manage")
    q = request.args.get("q", "").strip()
    stmt = select(User)
    if q:
        like = containing(q.lower())
        stmt = stmt.where(User.email.ilike(like, escape=ESCAPE) | User.full_name.ilike(like, escape=ESCAPE))
    page = org_services.paginate(stmt.order_by(User.email), request.args.get("page", 1, type=int), 50)
    return render_template("auth/admin_users.html", page=page, q=q)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def admin_user_new():
    policy.require(current_user, "user.manage")
    form = FormResult({"language": "vi", "timezone": "Asia/Ho_Chi_Minh"})
    if request.method == "POST":
        form = parse_form(UserFormSchema(), request.form)
        if form.ok:
            try:
                user = services.create_user(**form.data)
            except ServiceError as err:
                db.session.rollback()
                form.errors.update(err.fields)
            else:
                db.session.commit()
                flash(_("Account %(email)s created.", email=user.email), "success")
                return redirect(url_for("auth.admin_users"))
        form.values.pop("password", None)
    return _user_form(form, None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_user_edit(user_id: int):
    policy.require(current_user, "user.manage")
    user = db.session.get(User, user_id)
    if user is None:
        return render_template("errors/error.html", status=404, message=_("Not found.")), 404
    form = FormResult({k: getattr(user, k) for k in
                       ("email", "full_name", "role", "tier_code", "facility_id", "language", "timezone")})
    if request.method == "POST":
        action = request.form.get("action", "save")
        if action in ("deactivate", "reactivate"):
            if user.id == current_user.id:
                flash(_("You cannot deactivate your own account."), "danger")
            else:
                (services.deactivate_user if action == "deactivate" else services.reactivate_user)(user)
                db.session.commit()
                flash(_("Account updated."), "success")
            return redirect(url_for("auth.admin_user_edit", user_id=user.id))
        form = parse_form(UserFormSchema(), request.form)
        if form.ok:
            data = dict(form.data)
            new_password = data.pop("password", None)
            try:
                services.update_user(user, **data)
                if new_password:
                    services.set_password(user, new_password)
            except ServiceError as err:
                db.session.rollback()
                form.errors.update(err.fields)
            else:
                db.session.commit()
                flash(_("Account updated."), "success")
                return redirect(url_for("auth.admin_users"))
        form.values.pop("password", None)
    return _user_form(form, user)


def _user_form(form: FormResult, user: User | None):
    facilities = db.session.execute(select(Facility).order_by(Facility.tier_code, Facility.name)
                                    ).unique().scalars().all()
    return render_template("auth/admin_user_form.html", form=form, user=user,
                           facilities=facilities, tiers=org_services.tiers()), \
        (422 if form.errors else 200)
