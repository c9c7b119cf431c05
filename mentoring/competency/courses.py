"""Outside courses: a worker submits a course taken elsewhere with its
certificate (a PDF or an image, through the one upload pipeline); a
coordinator who is not that worker approves it (it becomes a credit) or
rejects it with a reason."""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mentoring import clock, uploads
from mentoring.audit.services import record
from mentoring.competency import ledger
from mentoring.competency.models import OutsideCourse
from mentoring.errors import Conflict, Forbidden, NotFound, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.services import notify, register_kind

register_kind("competency.course_approved", _l("Your outside course was approved: %(title)s (%(hours)s h)"))
register_kind("competency.course_rejected", _l("Your outside course was not approved: %(title)s. Reason: %(reason)s"))
register_kind("competency.course_submitted", _l("An outside course waits for approval: %(title)s"))

FIELDS_MSG = _l("Please correct the marked fields.")
MAX_TITLE = 300


def _text(data: dict, name: str, errors: dict, required: bool = True, limit: int = MAX_TITLE) -> str:
    value = (data.get(name) or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)d characters.", n=limit)
    return value


def submit_course(user, data: dict, upload) -> OutsideCourse:
    """data: title, provider, started_on, ended_on (dates), hours (number)."""
    from mentoring.cases import deident
    errors: dict = {}
    title = _text(data, "title", errors)
    provider = _text(data, "provider", errors)
    started, ended = data.get("started_on"), data.get("ended_on")
    today = clock.now().date()
    if not isinstance(started, date):
        errors["started_on"] = _("Enter the date the course started.")
    if not isinstance(ended, date):
        errors["ended_on"] = _("Enter the date the course ended.")
    elif isinstance(started, date) and ended < started:
        errors["ended_on"] = _("The course cannot end before it starts.")
    elif ended > today:
        errors["ended_on"] = _("A course counts once it has ended.")
    hours = data.get("hours")
    if "started_on" not in errors and "ended_on" not in errors:
        problem = ledger.check_hours(hours, started, ended)
        if problem:
            errors["hours"] = problem
    elif hours is None or hours <= 0:
        errors["hours"] = _("Enter the hours, more than 0.")
    if errors:
        raise ValidationFailed(str(FIELDS_MSG), fields=errors)
    clean = uploads.read_upload(upload)  # type from content: a PDF or an image, else 415
    if clean.text and (message := deident.identifier_in(clean.text)):
        raise ValidationFailed(message, fields={"file": message})
    name, _thumb = uploads.store(clean, prefix="course-")
    course = OutsideCourse(user_id=user.id, title=title, provider=provider, started_on=started, ended_on=ended,
                           hours=round(float(hours), 2), stored_name=name, content_type=clean.content_type,
                           status="pending", created_at=clock.now())
    db.session.add(course)
    db.session.flush()
    from mentoring.auth.models import User
    coordinators = db.session.execute(select(User).where(User.role == "coordinator", User.active.is_(True))
                                      ).unique().scalars().all()
    notify(coordinators, "competency.course_submitted", {"title": title}, "/competency/courses", email=False)
    return course


def get_course(course_id: int) -> OutsideCourse:
    course = db.session.get(OutsideCourse, course_id)
    if course is None:
        raise NotFound(_("No such course."))
    return course


def decide_course(course: OutsideCourse, by, approve: bool, reason: str | None = None) -> OutsideCourse:
    if course.user_id == by.id:
        raise Forbidden(_("Nobody approves their own course."),
                        fields={"approve": _("Nobody approves their own course.")})
    if course.status != "pending":
        raise Conflict(_("This course has already been decided."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed(str(FIELDS_MSG), fields={"reason": _("Say why the course is not approved.")})
    if len(reason) > 2000:
        raise ValidationFailed(str(FIELDS_MSG), fields={"reason": _("At most %(n)d characters.", n=2000)})
    course.status = "approved" if approve else "rejected"
    course.decided_by_id, course.decided_at, course.reason = by.id, clock.now(), reason or None
    db.session.flush()
    record("competency.course_" + course.status, actor=by, target_kind="outside_course", target_id=course.id,
           user_id=course.user_id, hours=course.hours)
    if approve:
        notify([course.user], "competency.course_approved", {"title": course.title, "hours": f"{course.hours:g}"},
               "/progress")
        ledger.resync_users([course.user_id], ("outside_course",))
    else:
        notify([course.user], "competency.course_rejected", {"title": course.title, "reason": reason}, "/progress")
    return course


def pending_courses(limit: int = 200) -> list[OutsideCourse]:
    return list(db.session.execute(select(OutsideCourse).where(OutsideCourse.status == "pending")
                                   .order_by(OutsideCourse.created_at, OutsideCourse.id).limit(limit)
                                   ).unique().scalars())


def courses_of(user_id: int) -> list[OutsideCourse]:
    return list(db.session.execute(select(OutsideCourse).where(OutsideCourse.user_id == user_id)
                                   .order_by(OutsideCourse.created_at.desc(), OutsideCourse.id.desc())
                                   ).unique().scalars())
