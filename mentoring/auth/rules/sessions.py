"""Teaching sessions.

The host must lead (be the mentor of) every group in the audience;
coordinators and admins may schedule for any group, naming a mentor as host.
The audience (and the host) see a session, its video link, materials, room
and calendar entry; staff see every session; anyone else gets "not found".
The host or a coordinator manages it (edits, agenda, slides review, register
corrections, export)."""
from sqlalchemy import exists, select

from mentoring.auth.policy import is_group_mentor, is_staff, rule
from mentoring.extensions import db


def _in_audience(user, session) -> bool:
    from mentoring.sessions.audience import in_audience
    return in_audience(user, session)


@rule("session.create")
def _create_session(user, group=None) -> bool:
    """group=None: may this person schedule at all (navigation, the form)."""
    if is_staff(user):
        return True
    if group is None:
        return user.role == "mentor"
    return is_group_mentor(user, group.id)


@rule("session.view")
def _view_session(user, session) -> bool:
    if session is None:
        return False
    return is_staff(user) or session.host_id == user.id or _in_audience(user, session)


@rule("session.manage")
def _manage_session(user, session) -> bool:
    return session is not None and (is_staff(user) or session.host_id == user.id)


@rule("session.rsvp")
def _rsvp_session(user, session) -> bool:
    """Answer an invitation: someone in the audience other than the host."""
    return session is not None and session.host_id != user.id and _in_audience(user, session)


@rule("session.join")
def _join_session(user, session) -> bool:
    return _view_session(user, session)


@rule("session.feedback")
def _give_feedback(user, session) -> bool:
    """Rate a session: those invited, not the host (the service checks they attended)."""
    return _rsvp_session(user, session)


@rule("session.material.upload")
def _upload_material(user, session) -> bool:
    if session is None:
        return False
    if _manage_session(user, session):
        return True
    from mentoring.sessions.models import AgendaItem
    return bool(db.session.execute(select(exists().where(
        AgendaItem.session_id == session.id, AgendaItem.presenter_id == user.id))).scalar())


@rule("session.feedback.summary")
def _feedback_summary(user, host=None) -> bool:
    """Ratings per session and per host: coordinators for everyone, a host for their own."""
    if is_staff(user):
        return True
    return user.role == "mentor" and (host is None or host.id == user.id)


@rule("workshop.manage")
def _manage_workshop(user, workshop=None) -> bool:
    if is_staff(user):
        return True
    return user.role == "mentor" and (workshop is None or workshop.created_by_id == user.id)
