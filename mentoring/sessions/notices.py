"""What sessions tell people, through notifications.notify only (in-app, live
after commit, e-mail where configured). Times in a notice are written in the
session's own zone, named, so a reader in another zone is not misled."""
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from mentoring.notifications.services import notify, register_kind

register_kind("session.invited", _l("New teaching session: %(title)s, %(when)s"))
register_kind("session.series_invited", _l("New weekly or monthly teaching sessions: %(title)s, "
                                           "first on %(when)s"))
register_kind("session.reminder", _l("Reminder: %(title)s starts %(when)s"))
register_kind("session.changed", _l("Session moved: %(title)s is now %(when)s"))
register_kind("session.series_changed", _l("Sessions changed: %(title)s, from %(when)s onwards"))
register_kind("session.cancelled", _l("Session cancelled: %(title)s (%(when)s)"))
register_kind("session.series_cancelled", _l("Sessions cancelled: %(title)s, from %(when)s onwards"))
register_kind("session.promoted", _l("A seat freed up: you now have a place at %(title)s, %(when)s"))
register_kind("session.presenter", _l("You present \"%(item)s\" at %(title)s, %(when)s. "
                                      "Upload your slides for the host to review."))
register_kind("session.slides_reminder", _l("Reminder: upload your slides for \"%(item)s\" "
                                            "(%(title)s, %(when)s)"))
register_kind("session.slides_uploaded", _l("Slides to review for %(title)s: \"%(item)s\""))
register_kind("session.slides_approved", _l("Your slides for %(title)s were approved"))
register_kind("session.slides_rejected", _l("Your slides for %(title)s were not approved: %(reason)s"))


def when_text(session) -> str:
    local = session.starts_at.astimezone(ZoneInfo(session.timezone))
    return f"{local:%H:%M %d/%m/%Y} ({session.timezone})"


def link(session) -> str:
    return f"/sessions/{session.id}"


def tell(users, kind: str, session, **extra) -> None:
    params = {"title": session.title, "when": when_text(session), "session_id": session.id, **extra}
    notify(users, kind, params, link(session))
