"""Competencies, training hours and certificates.

Workers see only their own progress; a mentor sees the progress of the
members of the groups they lead (their mentees) and assesses them;
coordinators and admins see everyone's. Anyone else asking about a worker
gets "not found" (the doors use hide=True)."""
from sqlalchemy import exists, select

from mentoring.auth.policy import is_staff, rule
from mentoring.extensions import db


def mentees_of(user):
    """A select of the user ids of the current members of the groups `user` leads."""
    from mentoring.org.models import GroupMembership
    led = select(GroupMembership.group_id).where(GroupMembership.user_id == user.id,
                                                 GroupMembership.role == "mentor",
                                                 GroupMembership.left_on.is_(None))
    return select(GroupMembership.user_id).where(GroupMembership.group_id.in_(led),
                                                 GroupMembership.role == "member",
                                                 GroupMembership.left_on.is_(None))


def is_mentor_of(user, worker) -> bool:
    if user.role != "mentor" or worker is None or user.id == worker.id:
        return False
    return db.session.execute(select(exists().where(
        mentees_of(user).subquery().c.user_id == worker.id))).scalar()


@rule("competency.progress.view")
def _view_progress(user, worker) -> bool:
    if worker is None:
        return False
    return user.id == worker.id or is_staff(user) or is_mentor_of(user, worker)


@rule("competency.assess")
def _assess(user, worker) -> bool:
    """Rate a worker: a mentor of that worker only (coordinators track, they do not rate)."""
    return worker is not None and worker.role == "worker" and is_mentor_of(user, worker)


@rule("competency.self_assess")
def _self_assess(user, worker) -> bool:
    return worker is not None and user.id == worker.id and user.role == "worker"


@rule("competency.course.submit")
def _submit_course(user, target=None) -> bool:
    return user.role == "worker"


@rule("competency.course.view")
def _view_course(user, course) -> bool:
    return course is not None and (course.user_id == user.id or is_staff(user))


@rule("competency.course.decide")
def _decide_course(user, course=None) -> bool:
    """Coordinators and admins; the service refuses one's own course with a message."""
    return is_staff(user)


@rule("competency.dashboard")
def _dashboard(user, target=None) -> bool:
    return is_staff(user)


@rule("competency.readiness")
def _readiness(user, target=None) -> bool:
    return is_staff(user)


@rule("certificate.view")
def _view_certificate(user, cert) -> bool:
    from mentoring.auth.models import User
    if cert is None:
        return False
    return _view_progress(user, db.session.get(User, cert.user_id))


@rule("certificate.revoke")
def _revoke_certificate(user, cert=None) -> bool:
    return is_staff(user)


@rule("certificate.decide")
def _decide_certificate(user, worker=None) -> bool:
    """Record a new decision after a revocation (and issue again)."""
    return is_staff(user)


@rule("competency.progress.own")
def _own_progress(user, target=None) -> bool:
    """Navigation: people with a progress page of their own."""
    return user.role == "worker"
