"""Who a session is for. The audience is one or more groups, each optionally
narrowed to tiers; a group's mentor is always in it, and so is the host. The
same SQL clause scopes lists and answers the policy for one session, so a
list never shows what the session page would refuse."""
from sqlalchemy import and_, exists, false, or_, select, true, union

from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.extensions import db
from mentoring.org.models import GroupMembership
from mentoring.sessions.models import SessionAudience, SessionRsvp, TeachingSession


def _membership_matches():
    m = GroupMembership
    return and_(m.group_id == SessionAudience.group_id, m.left_on.is_(None),
                or_(SessionAudience.tier_code.is_(None), SessionAudience.tier_code == m.tier_code,
                    m.role == "mentor"))


def my_session_ids(user_id):
    """The ids of the sessions the user hosts or is invited to, found from
    the user's side: their current memberships (ix_group_memberships_user_id),
    then their groups' audience rows (ix_session_audiences_group), and what
    they host (ix_teaching_sessions_host_time). Not correlated with an outer
    teaching_sessions: at national size (140,000 sessions) the OR of "hosts"
    and "is invited" made PostgreSQL read every session and test each one."""
    m = GroupMembership
    invited = (select(SessionAudience.session_id)
               .join(m, and_(m.user_id == user_id, _membership_matches())).correlate(None))
    hosted = select(TeachingSession.id).where(TeachingSession.host_id == user_id).correlate(None)
    return union(invited, hosted)


def mine_clause(user):
    """Sessions the user hosts or is invited to (their own calendar)."""
    return TeachingSession.id.in_(my_session_ids(user.id))


def visible_clause(user):
    """What `user` may see: their own calendar; staff see every session."""
    if user is None or not getattr(user, "is_authenticated", False):
        return false()
    return true() if policy.is_staff(user) else mine_clause(user)


def scope_sessions(user, stmt):
    return stmt.where(visible_clause(user))


def in_audience(user, session: TeachingSession) -> bool:
    if session is None or session.id is None:
        return False
    return bool(db.session.execute(select(exists().where(
        SessionAudience.session_id == session.id, GroupMembership.user_id == user.id,
        _membership_matches()))).scalar())


def invited_ids(session_ids: list[int]) -> dict[int, set[int]]:
    """{session id: ids of the audience and the host}, in two queries for any number of sessions."""
    if not session_ids:
        return {}
    out: dict[int, set[int]] = {sid: set() for sid in session_ids}
    rows = db.session.execute(select(SessionAudience.session_id, GroupMembership.user_id)
                              .join(GroupMembership, _membership_matches())
                              .where(SessionAudience.session_id.in_(session_ids))).all()
    for session_id, user_id in rows:
        out[session_id].add(user_id)
    for session_id, host_id in db.session.execute(select(TeachingSession.id, TeachingSession.host_id)
                                                  .where(TeachingSession.id.in_(session_ids))).all():
        out[session_id].add(host_id)
    return out


def invited_users(session: TeachingSession, *, without_declined: bool = False) -> list[User]:
    """The audience and the host, as active users; optionally without those who said no."""
    ids = invited_ids([session.id]).get(session.id, set())
    if without_declined:
        ids -= set(db.session.execute(select(SessionRsvp.user_id).where(
            SessionRsvp.session_id == session.id, SessionRsvp.response == "no")).scalars())
    if not ids:
        return []
    return list(db.session.execute(select(User).where(User.id.in_(ids), User.active.is_(True))
                                   .order_by(User.id)).unique().scalars())
