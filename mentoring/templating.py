"""Template globals: navigation by role, formatting in the user's language and zone."""
import functools

from flask import request, url_for
from flask_babel import (format_date, format_datetime, format_decimal, format_number, format_time, get_locale,
                         get_timezone)
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from flask_login import current_user
from markupsafe import Markup, escape

from mentoring.auth import policy
from mentoring.auth.models import ROLE_VALUES
from mentoring.i18n import duration, zone_label
from mentoring.org.services import tier_codes, tier_label


def navigation(user) -> list[tuple[str, str, str]]:
    """(endpoint, label, icon) of every page this person may open from the menu;
    icons are ids in the sprite (scripts/icons.txt)."""
    if not user.is_authenticated:
        return []
    items = [("main.home", _l("Home"), "house-door")]
    items.append(("org.groups", _l("Groups"), "people"))
    items.extend(_case_navigation(user))
    items.append(("chat.index", _l("Chat"), "chat-dots"))
    items.append(("sessions.index", _l("Sessions"), "calendar-event"))
    if policy.allowed(user, "competency.progress.own"):
        items.append(("competency.my_progress", _l("My progress"), "award"))
    if policy.allowed(user, "competency.dashboard"):
        items.append(("competency.dashboard", _l("Certification"), "bar-chart"))
    if policy.allowed(user, "competency.readiness"):
        items.append(("competency.readiness", _l("EHR readiness"), "clipboard-check"))
    if policy.allowed(user, "group.overview"):
        items.append(("org.overview", _l("Cascade overview"), "diagram-3"))
    items.append(("org.facilities", _l("Facilities"), "hospital"))
    if policy.allowed(user, "user.manage"):
        items.append(("auth.admin_users", _l("Accounts"), "person-gear"))
    if policy.allowed(user, "audit.view"):
        items.append(("audit.index", _l("Audit log"), "shield-check"))
    return items


# The bottom bar: the four or five places each role goes to every day, with a
# label short enough to sit under its icon at 360 px. Everything else is in
# the "More" menu of the top bar.
_TABS = {
    "worker": ("main.home", "cases.inbox", "chat.index", "sessions.index", "competency.my_progress"),
    "mentor": ("main.home", "cases.inbox", "chat.index", "sessions.index", "org.groups"),
    "coordinator": ("main.home", "competency.dashboard", "competency.readiness", "sessions.index",
                    "org.overview"),
    "admin": ("main.home", "org.overview", "org.facilities", "auth.admin_users", "sessions.index"),
}
# Labels in context "tab": one or two short words under an icon, which may
# differ from the page's title (Vietnamese titles run long).
_TAB_LABELS = {
    "main.home": _p("tab", "Home"), "chat.index": _p("tab", "Chat"), "sessions.index": _p("tab", "Sessions"),
    "competency.my_progress": _p("tab", "Progress"), "org.groups": _p("tab", "Groups"),
    "competency.dashboard": _p("tab", "Dashboard"), "competency.readiness": _p("tab", "EHR go-live"),
    "org.overview": _p("tab", "Cascade"), "org.facilities": _p("tab", "Facilities"),
    "auth.admin_users": _p("tab", "Accounts"),
}


def tabs(user, items) -> list[tuple[str, str, str]]:
    """(endpoint, short label, icon) for the bottom bar, among the items the
    person may open (so a role without a page never gets its tab)."""
    wanted = _TABS.get(getattr(user, "role", None) or "", ())
    by_endpoint = {endpoint: (label, icon) for endpoint, label, icon in items}
    out = []
    for endpoint in wanted:
        if endpoint not in by_endpoint:
            continue
        label, icon = by_endpoint[endpoint]
        if endpoint == "cases.inbox":
            label = _p("tab", "Inbox") if user.role == "mentor" else _p("tab", "Cases")
        else:
            label = _TAB_LABELS.get(endpoint, label)
        out.append((endpoint, label, icon))
    return out


def register(app) -> None:
    @app.context_processor
    def _globals():
        items = navigation(current_user)
        bar = tabs(current_user, items)
        in_bar = {endpoint for endpoint, _label, _icon in bar}
        return {
            "nav_items": items,
            "tab_items": bar,
            "more_items": [item for item in items if item[0] not in in_bar],
            "cases_waiting": _waiting(current_user),
            "active_tab": active_tab(request.endpoint, bar),
            "allowed": lambda action, target=None: policy.allowed(current_user, action, target),
            "current_endpoint": request.endpoint,
            "unread_notifications": _unread(current_user),
        }

    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["decimal"] = lambda v, digits=1: format_decimal(round(v or 0, digits))
    app.jinja_env.filters["number"] = format_number  # 10.000 in Vietnamese, 10,000 in English
    app.jinja_env.filters["date"] = lambda v, fmt="medium": format_date(v, fmt) if v else ""
    app.jinja_env.globals.update(
        icon=icon,
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


def icon(name: str, size: int = 20) -> Markup:
    """An icon from the sprite built at setup (scripts/icons.txt), decorative:
    the link or button around it carries the words."""
    href = url_for("static", filename="vendor/icons.svg")
    return Markup(f'<svg class="bi" width="{size}" height="{size}" aria-hidden="true" focusable="false">'
                  f'<use href="{escape(href)}#{escape(name)}"></use></svg>')


def active_tab(endpoint: str | None, bar) -> str | None:
    """The tab a page belongs to: its own, else the tab of its blueprint (a
    case page lights up Cases), else none."""
    endpoints = [e for e, _label, _icon in bar]
    if endpoint in endpoints:
        return endpoint
    blueprint = (endpoint or "").partition(".")[0]
    return next((e for e in endpoints if e != "main.home" and e.partition(".")[0] == blueprint), None)


def _waiting(user) -> int:
    """Cases waiting for this person (the badge on the Cases tab)."""
    if not user.is_authenticated or not policy.allowed(user, "case.inbox"):
        return 0
    from mentoring.cases.queries import inbox_count
    return inbox_count(user)


def _datetime(value, fmt="short") -> str:
    if not value:
        return ""
    return _format_instant(value, fmt, str(get_locale()), str(get_timezone()))


@functools.lru_cache(maxsize=4096)
def _format_instant(value, fmt: str, locale: str, zone: str) -> str:
    """One instant as people read it in `locale` and `zone` (both part of the
    key: Babel below reads them from the request). Babel takes about 0.1 ms a
    call, a list page formats one or two instants a row, and the same cases
    are listed again and again (an inbox refreshed all day), so the texts are
    kept."""
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
    """Cases; the report and audit for staff (the count waiting is the tab's badge)."""
    items = [("cases.inbox", _l("Cases"), "clipboard2-pulse")]
    if policy.allowed(user, "case.report"):
        items.append(("cases.report", _l("Response times"), "stopwatch"))
    if policy.allowed(user, "case.audit"):
        items.append(("cases.audit", _l("Case audit"), "journal-text"))
    return items
