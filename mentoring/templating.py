"""Template globals: navigation by role, formatting in the user's language and zone."""
from flask import request, url_for
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mentoring.auth import policy
from mentoring.auth.models import ROLE_VALUES
from mentoring.i18n import duration, zone_label
from mentoring.org.services import tier_codes, tier_label


def navigation(user) -> list[tuple[str, str, str]]:
    """(endpoint, label, icon) for what this person uses most, phone-first."""
    if not user.is_authenticated:
        return []
    items = [("main.home", _l("Home"), "house")]
    items.append(("org.groups", _l("Groups"), "people"))
    items.extend(_case_navigation(user))
    items.append(("chat.index", _l("Chat"), "chat"))
    items.append(("sessions.index", _l("Sessions"), "calendar"))
    if policy.allowed(user, "competency.progress.own"):
        items.append(("competency.my_progress", _l("My progress"), "award"))
    if policy.allowed(user, "competency.dashboard"):
        items.append(("competency.dashboard", _l("Certification"), "bar-chart"))
    if policy.allowed(user, "competency.readiness"):
        items.append(("competency.readiness", _l("EHR readiness"), "clipboard-check"))
    if policy.allowed(user, "group.overview"):
        items.append(("org.overview", _l("Cascade overview"), "diagram"))
    items.append(("org.facilities", _l("Facilities"), "hospital"))
    if policy.allowed(user, "user.manage"):
        items.append(("auth.admin_users", _l("Accounts"), "person-gear"))
    if policy.allowed(user, "audit.view"):
        items.append(("audit.index", _l("Audit log"), "shield-check"))
    return items


def register(app) -> None:
    @app.context_processor
    def _globals():
        return {
            "nav_items": navigation(current_user),
            "allowed": lambda action, target=None: policy.allowed(current_user, action, target),
            "current_endpoint": request.endpoint,
            "unread_notifications": _unread(current_user),
        }

    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["date"] = lambda v, fmt="medium": format_date(v, fmt) if v else ""
    app.jinja_env.globals.update(
        url_for=url_for,
        get_locale=get_locale,
        tier_label=tier_label,
        tier_codes=tier_codes,
        role_label=role_label,
        kind_label=kind_label,
        pairs=lambda values: [(v, v) for v in values],
        zone_label=zone_label,
        zone_options=lambda zones: [(z, zone_label(z)) for z in zones],
        role_options=lambda: [(r, role_label(r)) for r in ROLE_VALUES],
        tier_options=lambda tiers: [(t.code, tier_label(t.code)) for t in tiers],
        kind_options=lambda kinds: [(k, kind_label(k)) for k in kinds],
        province_options=lambda provinces: [(p.code, p.name) for p in provinces],
        commune_options=lambda communes: [(c.code, c.name) for c in communes],
        mentor_options=lambda users: [(u.id, f"{u.full_name} <{u.email}>") for u in users],
        candidates_options=lambda users: [
            (u.id, f"{u.full_name} ({tier_label(u.tier_code)}, {u.email})") for u in users],
        supervisor_options=lambda group: [
            (m.id, f"{m.user.full_name} ({tier_label(m.tier_code)})") for m in group.memberships
            if m.left_on is None and m.role == "member" and m.tier_code in ("provincial", "district")],
        facility_options=lambda facilities: [
            (f.id, f"{f.name} ({tier_label(f.tier_code)})") for f in facilities],
    )


def _datetime(value, fmt="short") -> str:
    if not value:
        return ""
    if fmt == "full":
        # Babel's full time ends in "GMT+07:00"; pages name the zone apart, as people say it (zone_label)
        return f"{format_date(value, 'full')}, {format_time(value, 'short')}"
    return format_datetime(value, fmt)


def _unread(user) -> int:
    if not user.is_authenticated:
        return 0
    from mentoring.notifications.services import unread_count
    return unread_count(user)


def role_label(role: str | None) -> str:
    return {"worker": _l("Health worker"), "mentor": _l("Central doctor (mentor)"),
            "coordinator": _l("Training coordinator"), "admin": _l("Administrator")
            }.get(role or "", role or "")


def kind_label(kind: str | None) -> str:
    return {"central_hospital": _l("Central hospital"),
            "provincial_hospital": _l("Provincial hospital"),
            "provincial_cdc": _l("Provincial CDC"),
            "regional_health_centre": _l("Regional health centre"),
            "commune_health_station": _l("Commune health station")}.get(kind or "", kind or "")


def _case_navigation(user) -> list[tuple[str, str, str]]:
    """Cases, with how many wait for this person; the report and audit for staff."""
    from flask_babel import gettext
    from mentoring.cases.queries import inbox_count
    # Cases wait one tier above their asker: nothing ever waits at the bottom
    # tier, so a commune worker's page skips the count (one query on every page).
    at_bottom = user.tier_code == tier_codes()[-1]
    waiting = inbox_count(user) if policy.allowed(user, "case.inbox") and not at_bottom else 0
    items = [("cases.inbox", gettext("Cases (%(n)d)", n=waiting) if waiting else gettext("Cases"), "clipboard")]
    if policy.allowed(user, "case.report"):
        items.append(("cases.report", _l("Response times"), "stopwatch"))
    if policy.allowed(user, "case.audit"):
        items.append(("cases.audit", _l("Case audit"), "journal"))
    return items
