"""Accounts: creating, editing, authenticating people, and their API tokens.

Services flush, doors commit (docs/architecture.md)."""
import functools
import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import lazyload
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from mentoring import clock
from mentoring.audit.services import record as audit_record
from mentoring.auth.models import LANGUAGES, ROLE_VALUES, ApiToken, User
from mentoring.errors import Conflict, ValidationFailed
from mentoring.extensions import db

# A hash to compare against when the e-mail is unknown, so both failures take
# the same time and an attacker cannot tell which e-mails have accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password-" + secrets.token_hex(8))

# Roles that work inside the cascade, and so need a tier.
_TIERED_ROLES = {"worker", "mentor"}


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["MENTORING_PASSWORD_HASH_METHOD"])


def normalise_email(raw: str) -> str:
    return (raw or "").strip().lower()


def check_email(raw: str) -> tuple[str | None, str | None]:
    """(normalised e-mail, None) or (None, message)."""
    try:
        # No DNS lookup: stations are often offline and demo domains are .test.
        info = validate_email((raw or "").strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return None, _("Enter a valid e-mail address.")
    return info.normalized.lower(), None


def password_problem(password: str, email: str = "", full_name: str = "") -> str | None:
    """Why a password is too weak, or None. Length first (NIST SP 800-63B),
    then zxcvbn's estimate of how many guesses it takes, with the person's
    name and e-mail as words an attacker would try first. The message names
    the weakness zxcvbn found, so the nurse knows what to change."""
    minimum = current_app.config["MENTORING_MIN_PASSWORD_LENGTH"]
    if not password or len(password) < minimum:
        return _("Use at least %(n)d characters.", n=minimum)
    if len(password) > 256:
        return _("Use at most 256 characters.")
    words = _personal_words(email, full_name)
    folded = _unaccented(password.lower())
    # A longer word of one's own inside the password is refused outright,
    # however many other words surround it (zxcvbn may still score it high).
    if any(len(w) >= 4 and " " not in w and "@" not in w and w in folded for w in words):
        return _("Do not use your name or e-mail address in the password.")
    # zxcvbn's cost grows with the length; past 64 characters a password is
    # judged on its first 64, which already hold more than enough guesses.
    result = zxcvbn(password[:64], user_inputs=words)
    if result["score"] >= current_app.config["MENTORING_MIN_PASSWORD_SCORE"]:
        return None
    return _weakness(result["sequence"])


def _personal_words(email: str, full_name: str) -> list[str]:
    name = (full_name or "").strip().lower()
    mail = normalise_email(email)
    local = mail.split("@")[0]
    words = {name, name.replace(" ", ""), mail, local, *name.split(), *re.split(r"[._+-]", local)}
    # "Nguyễn Văn An" is typed "nguyenvanan" as often as with its accents.
    words |= {_unaccented(w) for w in words}
    return [w for w in words if len(w) >= 3]


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _weakness(sequence: list[dict]) -> str:
    """The first weakness worth naming, in the order a person can fix it."""
    patterns = [(m.get("pattern"), m.get("dictionary_name")) for m in sequence]
    if ("dictionary", "user_inputs") in patterns:
        return _("Do not use your name or e-mail address in the password.")
    if ("dictionary", "passwords") in patterns:
        return _("This password (or one very like it) is among the most common passwords.")
    kinds = {kind for kind, _name in patterns}
    if "sequence" in kinds:
        return _("Runs like 12345 or abcde are guessed first.")
    if "spatial" in kinds:
        return _("Rows of keys like qwerty are guessed first.")
    if "repeat" in kinds:
        return _("Repeated characters or words are guessed first.")
    if kinds & {"date", "regex"}:
        return _("Dates and years are guessed first.")
    return _("This password is too easy to guess. Add a few more words.")


def _check_profile(data: dict, errors: dict) -> None:
    from mentoring.org.models import Facility, Tier
    role = data.get("role")
    if role not in ROLE_VALUES:
        errors["role"] = _("Choose a role.")
    tier_code = data.get("tier_code") or None
    if role in _TIERED_ROLES and not tier_code:
        errors["tier_code"] = _("Health workers and mentors need a tier.")
    if tier_code and db.session.get(Tier, tier_code) is None:
        errors["tier_code"] = _("Unknown tier.")
    if role == "mentor" and tier_code and tier_code != "central":
        errors["tier_code"] = _("Mentors are central-level doctors.")
    facility_id = data.get("facility_id")
    if facility_id:
        facility = db.session.get(Facility, facility_id)
        if facility is None:
            errors["facility_id"] = _("Unknown facility.")
        elif tier_code and facility.tier_code != tier_code:
            errors["facility_id"] = _("This facility is not at the chosen tier.")
    if data.get("language", "vi") not in LANGUAGES:
        errors["language"] = _("Choose Vietnamese or English.")
    if data.get("timezone") and data["timezone"] not in _timezones():
        errors["timezone"] = _("Unknown time zone.")


def _timezones() -> set[str]:
    global _TZ_CACHE
    if _TZ_CACHE is None:
        _TZ_CACHE = available_timezones()
    return _TZ_CACHE


_TZ_CACHE = None


def email_taken(email: str, except_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == email)
    if except_id:
        stmt = stmt.where(User.id != except_id)
    return db.session.execute(stmt).first() is not None


def create_user(*, email: str, full_name: str, password: str, role: str,
                tier_code: str | None = None, facility_id: int | None = None,
                language: str = "vi", timezone: str | None = None,
                known_demo_password: bool = False) -> User:
    """`known_demo_password`: seed-demo only. The demo accounts share one
    published password on purpose (README), so its strength is not judged."""
    errors: dict = {}
    normalised, problem = check_email(email)
    if problem:
        errors["email"] = problem
    elif email_taken(normalised):
        raise Conflict(_("An account with this e-mail already exists."),
                       fields={"email": _("An account with this e-mail already exists.")})
    if not (full_name or "").strip():
        errors["full_name"] = _("Enter the full name.")
    weak = None if known_demo_password else password_problem(password, email, full_name)
    if weak:
        errors["password"] = weak
    data = dict(role=role, tier_code=tier_code, facility_id=facility_id, language=language,
                timezone=timezone)
    _check_profile(data, errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    user = User(email=normalised, full_name=full_name.strip(),
                password_hash=_hash(password), role=role,
                tier_code=tier_code or None, facility_id=facility_id or None,
                language=language or "vi",
                timezone=timezone or current_app.config["MENTORING_DEFAULT_TIMEZONE"],
                active=True, auth_version=1)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, **changes) -> User:
    """Admin edit of a profile (not the password)."""
    errors: dict = {}
    if "email" in changes:
        normalised, problem = check_email(changes["email"])
        if problem:
            errors["email"] = problem
        elif email_taken(normalised, except_id=user.id):
            raise Conflict(_("An account with this e-mail already exists."),
                           fields={"email": _("An account with this e-mail already exists.")})
        else:
            changes["email"] = normalised
    if "full_name" in changes and not (changes["full_name"] or "").strip():
        errors["full_name"] = _("Enter the full name.")
    merged = {k: changes.get(k, getattr(user, k))
              for k in ("role", "tier_code", "facility_id", "language", "timezone")}
    _check_profile(merged, errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    for key, value in changes.items():
        if key in ("email", "full_name", "role", "tier_code", "facility_id", "language", "timezone"):
            setattr(user, key, value.strip() if isinstance(value, str) else (value or None))
    if not user.language:
        user.language = "vi"
    db.session.flush()
    if {"role", "tier_code", "facility_id"} & set(changes):
        _recheck_sockets(user)  # what they may read can change with them
    return user


def set_preferences(user: User, *, language: str, timezone: str) -> User:
    errors: dict = {}
    if language not in LANGUAGES:
        errors["language"] = _("Choose Vietnamese or English.")
    if timezone not in _timezones():
        errors["timezone"] = _("Unknown time zone.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    user.language, user.timezone = language, timezone
    db.session.flush()
    return user


def deactivate_user(user: User) -> None:
    user.active = False
    end_sessions(user)
    revoke_tokens(user)


def end_sessions(user: User) -> None:
    """Every login cookie (session and remember-me) of this person stops
    working: they carry the version in their id (User.get_id), and the
    version moves on. Open sockets opened with such a cookie are dropped
    once the change is committed."""
    user.auth_version += 1
    db.session.flush()
    _recheck_sockets(user)


def revoke_tokens(user: User) -> None:
    """Every bearer token of this person stops working (and its sockets close)."""
    now = clock.now()
    for token in db.session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).scalars():
        token.revoked_at = now
    db.session.flush()
    _recheck_sockets(user)


def _recheck_sockets(user: User) -> None:
    from mentoring.realtime import recheck_after_commit
    recheck_after_commit(user.id)


def reactivate_user(user: User) -> None:
    user.active = True
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. The caller shows one message
    for every failure: unknown e-mail, wrong password, deactivated account."""
    user = db.session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        audit_record("auth.login_failed", actor=None, durable=True, email=normalise_email(email))
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        audit_record("auth.login_failed", actor=None, durable=True, email=user.email, target_kind="user",
                     target_id=user.id)
        return None
    user.last_login_at = clock.now()
    db.session.flush()
    audit_record("auth.login", actor=user, target_kind="user", target_id=user.id)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"current_password": _("This is not your current password.")})
    set_password(user, new, field="new_password")


def set_password(user: User, new: str, field: str = "password") -> None:
    weak = password_problem(new, user.email, user.full_name)
    if weak:
        raise ValidationFailed(_("Please correct the marked fields."), fields={field: weak})
    user.password_hash = _hash(new)
    # Other devices must log in again: their cookies and their tokens end.
    # The door that changed it logs its own device in again.
    end_sessions(user)
    revoke_tokens(user)


def load_user_from_session_id(session_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.auth_version != version:
        return None
    return user


# --- API tokens -------------------------------------------------------------

def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    hours = current_app.config["MENTORING_TOKEN_LIFETIME_HOURS"]
    token = ApiToken(user_id=user.id, token_hash=token_hash(raw), created_at=clock.now(),
                     expires_at=clock.now() + timedelta(hours=hours))
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_token(raw: str) -> User | None:
    """The account behind a bearer token (every API request, every socket
    connect): the token and its account in one statement."""
    if not raw:
        return None
    row = db.session.execute(
        select(User, ApiToken.revoked_at, ApiToken.expires_at).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(raw))).first()
    return _live_token_user(row)


def _live_token_user(row) -> User | None:
    """(user, revoked_at, expires_at) of a token lookup: the user while the
    token holds (not revoked, not expired, the account active), else None."""
    if row is None:
        return None
    user, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= clock.now() or not user.active:
        return None
    return user


def revoke_token(raw: str) -> bool:
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash(raw))).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = clock.now()
    db.session.flush()
    _recheck_sockets(token.user)
    audit_record("auth.token_revoked", actor=token.user, target_kind="user", target_id=token.user_id)
    return True


@functools.cache
def _socket_user_statements():
    """Built once: this runs on every chat event, and building a statement
    (and its cache key) costs as much as the ORM's work on the row. The
    account loads alone: the tier and facility that pages join in load
    lazily if a rule needs them (chat rules do not)."""
    alone = (lazyload(User.tier), lazyload(User.facility))
    by_token = (select(User, ApiToken.revoked_at, ApiToken.expires_at)
                .join(ApiToken, ApiToken.user_id == User.id)
                .where(User.id == bindparam("user_id"), ApiToken.token_hash == bindparam("token_hash"))
                .options(*alone))
    by_id = select(User).where(User.id == bindparam("user_id")).options(*alone)
    return by_token, by_id


def user_for_credential(user_id: int, kind: str, value) -> User | None:
    """The user behind an open socket if what it logged in with still holds:
    ("session", auth_version) for a login cookie, ("token", sha256) for a
    bearer token. None once logged out, deactivated, revoked or expired.
    Asked on every chat event."""
    by_token, by_id = _socket_user_statements()
    if kind == "token":
        return _live_token_user(db.session.execute(by_token, {"user_id": user_id, "token_hash": value}).first())
    user = db.session.execute(by_id, {"user_id": user_id}).scalar()
    if user is None or not user.active:
        return None
    if kind == "session":
        return user if user.auth_version == value else None
    return None
