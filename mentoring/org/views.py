"""Pages of the cascade: groups as a tree, one group, the coordinator's
overview against 1-4-4-2, facilities with search."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.bounds import id_arg
from mentoring.errors import ServiceError
from mentoring.extensions import db
from mentoring.forms import FormResult, parse_form
from mentoring.org import composition, services
from mentoring.org.models import KIND_TIER, GroupMembership, MentoringGroup, Province
from mentoring.org.schemas import FacilityFormSchema, GroupFormSchema, MemberFormSchema

bp = Blueprint("org", __name__)


@bp.route("/groups")
@login_required
def groups():
    stmt = policy.scope_groups(current_user, select(MentoringGroup))
    page = services.groups_page(stmt, request.args.get("page", 1, type=int), 25)
    comps = composition.compositions([g.id for g in page.items])
    return render_template("org/groups.html", page=page,
                           groups=[(g, comps.get(g.id) or composition.empty()) for g in page.items])


# The overview lists this many incomplete groups (by name) and counts them all.
OVERVIEW_INCOMPLETE_SHOWN = 100


@bp.route("/groups/overview")
@login_required
def overview():
    policy.require(current_user, "group.overview")
    # 10,000 groups at national size: the database pages the table and finds
    # the incomplete groups; only a page of each reaches Python.
    page = services.paginate(select(MentoringGroup).order_by(MentoringGroup.name, MentoringGroup.id),
                             request.args.get("page", 1, type=int), 100)
    comps = composition.compositions([g.id for g in page.items], load_mentors=False)
    page.items = [(g, comps.get(g.id) or composition.empty()) for g in page.items]
    incomplete, incomplete_total = composition.incomplete_groups(limit=OVERVIEW_INCOMPLETE_SHOWN)
    return render_template("org/overview.html", page=page, incomplete=incomplete,
                           incomplete_total=incomplete_total, total=page.total,
                           minimum=composition.group_minimum())


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def group_new():
    policy.require(current_user, "group.manage")
    form = FormResult({})
    if request.method == "POST":
        form = parse_form(GroupFormSchema(), request.form)
        if form.ok:
            try:
                group = services.create_group(name=form.data["name"],
                                              mentor=db.session.get(User, form.data["mentor_id"]),
                                              description=form.data["description"])
            except ServiceError as err:
                db.session.rollback()
                form.errors.update(err.fields)
            else:
                db.session.commit()
                flash(_("Group created."), "success")
                return redirect(url_for("org.group", group_id=group.id))
    mentors = db.session.execute(select(User).where(User.role == "mentor", User.active.is_(True))
                                 .order_by(User.full_name)).unique().scalars().all()
    return render_template("org/group_form.html", form=form, mentors=mentors), \
        (422 if form.errors else 200)


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@login_required
def group(group_id: int):
    try:
        group = services.get_group(group_id)
        policy.require(current_user, "group.view", group, hide=True)
    except ServiceError:
        abort(404)
    form = FormResult({})
    if request.method == "POST":
        policy.require(current_user, "group.manage", group)
        action = request.form.get("action")
        if action == "remove":
            membership = _membership(group, request.form.get("membership_id", type=id_arg))
            try:
                services.remove_member(membership)
            except ServiceError as err:
                db.session.rollback()
                flash(err.message, "danger")
            else:
                db.session.commit()
                flash(_("%(name)s left the group.", name=membership.user.full_name), "success")
            return redirect(url_for("org.group", group_id=group.id))
        if action == "supervise":
            membership = _membership(group, request.form.get("membership_id", type=id_arg))
            supervisor_id = request.form.get("supervisor_id", type=id_arg)
            try:
                services.set_supervisor(membership, _membership(group, supervisor_id) if supervisor_id else None)
            except ServiceError as err:
                db.session.rollback()
                flash(err.message, "danger")
            else:
                db.session.commit()
                flash(_("Saved."), "success")
            return redirect(url_for("org.group", group_id=group.id))
        form = parse_form(MemberFormSchema(), request.form)
        if form.ok:
            user = db.session.get(User, form.data["user_id"])
            supervisor = _membership(group, form.data["supervisor_id"]) if form.data["supervisor_id"] else None
            try:
                if user is None:
                    raise services.ValidationFailed(_("Please correct the marked fields."),
                                                    fields={"user_id": _("Choose a health worker.")})
                services.add_member(group, user, tier_code=form.data["tier_code"],
                                    joined_on=form.data["joined_on"], supervisor=supervisor)
            except ServiceError as err:
                db.session.rollback()
                form.errors.update(err.fields or {"user_id": [err.message]})
            else:
                db.session.commit()
                flash(_("%(name)s joined the group.", name=user.full_name), "success")
                return redirect(url_for("org.group", group_id=group.id))
        group = services.get_group(group_id)
    candidates = []
    if policy.allowed(current_user, "group.manage", group):
        in_group = {m.user_id for m in group.memberships if m.left_on is None}
        candidates = [u for u in db.session.execute(
            select(User).where(User.role == "worker", User.active.is_(True),
                               User.tier_code.in_(services.member_tiers()))
            .order_by(User.tier_code, User.full_name)).unique().scalars() if u.id not in in_group]
    return render_template("org/group.html", group=group, comp=composition.composition(group),
                           form=form, candidates=candidates,
                           tree=_tree(group)), (422 if form.errors else 200)


def _membership(group: MentoringGroup, membership_id: int | None) -> GroupMembership:
    found = next((m for m in group.memberships if m.id == membership_id), None)
    if found is None:
        abort(404)
    return found


def _tree(group: MentoringGroup) -> dict:
    """Current members by tier, for drawing the cascade top-down."""
    tree = {tier: [] for tier in services.tier_codes()}
    for m in group.memberships:
        if m.left_on is None:
            tree[m.tier_code].append(m)
    return tree


@bp.route("/facilities", methods=["GET", "POST"])
@login_required
def facilities():
    policy.require(current_user, "facility.view")
    form = FormResult({})
    if request.method == "POST":
        policy.require(current_user, "facility.manage")
        form = parse_form(FacilityFormSchema(), request.form)
        if form.ok:
            try:
                facility = services.create_facility(**form.data)
            except ServiceError as err:
                db.session.rollback()
                form.errors.update(err.fields)
            else:
                db.session.commit()
                flash(_("Facility %(name)s added.", name=facility.name), "success")
                return redirect(url_for("org.facilities", q=facility.name))
    q = request.args.get("q", "").strip()
    province_code = request.args.get("province", type=id_arg)
    tier_code = request.args.get("tier") or None
    page = services.search_facilities(q, province_code, tier_code,
                                      request.args.get("page", 1, type=int), 25)
    provinces = db.session.execute(select(Province).order_by(Province.name)).scalars().all()
    form_communes = []
    try:  # re-rendered form: keep its commune list
        form_communes = services.communes_of(id_arg(form.values.get("province_code", "")))
    except ValueError:
        pass
    return render_template("org/facilities.html", page=page, q=q, province_code=province_code,
                           tier_code=tier_code, provinces=provinces, kinds=list(KIND_TIER),
                           tiers=services.tiers(), form=form, form_communes=form_communes), \
        (422 if form.errors else 200)


@bp.route("/facilities/communes")
@login_required
def communes():
    """Communes of a province, for the facility form's second select (small JSON)."""
    rows = services.communes_of(request.args.get("province", type=id_arg))
    return {"items": [{"code": c.code, "name": c.name} for c in rows]}
