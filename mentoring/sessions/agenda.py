"""The agenda, as in Project ECHO: a short didactic talk, then case
presentations; and the session's files. A case presentation links a case
from the case library (closed, de-identified, of the audience's groups) or
one nominated for teaching. An assigned presenter is told, and reminded
before the session if no slides have come; their upload stays "in review"
until the host approves it as free of identifiers. A PDF whose text holds
an identifier is refused outright with the message saying what was found."""
from dataclasses import replace

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from mentoring import clock, signals, uploads
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.cases import deident
from mentoring.cases.models import Case, TeachingNomination
from mentoring.errors import Conflict, NotFound, ValidationFailed
from mentoring.extensions import db
from mentoring.sessions import notices, reminders
from mentoring.sessions.audience import invited_ids
from mentoring.sessions.models import AGENDA_KINDS, AgendaItem, SessionAudience, SessionMaterial, TeachingSession

def _fields_error(errors: dict):
    return ValidationFailed(_("Please correct the marked fields."), fields=errors)


def items(session: TeachingSession) -> list[AgendaItem]:
    return list(db.session.execute(select(AgendaItem).where(AgendaItem.session_id == session.id)
                                   .options(selectinload(AgendaItem.presenter))
                                   .order_by(AgendaItem.position, AgendaItem.id)).scalars())


def _check_case(session: TeachingSession, actor: User, case_id, errors: dict) -> int | None:
    if case_id is None:
        errors["case_id"] = _("Choose the case to present.")
        return None
    case = db.session.get(Case, case_id)
    nominated = case is not None and db.session.execute(select(TeachingNomination.id).where(
        TeachingNomination.case_id == case.id)).first() is not None
    groups = set(session.group_ids)
    if case is None or case.group_id not in groups or not policy.allowed(actor, "case.view", case) \
            or not (case.status == "closed" or nominated):
        errors["case_id"] = _("Choose a closed case of the audience's groups, or one nominated for teaching.")
        return None
    # A case sent despite a name or address warning is shown to nobody beyond
    # its group until a mentor clears it (the library applies the same rule).
    if case.awaiting_review:
        errors["case_id"] = _("Review the identifier warning of this case first.")
        return None
    return case.id


def add_item(session: TeachingSession, actor: User, data: dict) -> AgendaItem:
    if session.status != "scheduled":
        raise Conflict(_("This session was cancelled or has already been held; it cannot be changed."))
    errors: dict = {}
    kind = data.get("kind") or "didactic"
    if kind not in AGENDA_KINDS:
        errors["kind"] = _("Choose a talk or a case presentation.")
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the item a title.")
    elif len(title) > 200:
        errors["title"] = _("At most %(n)d characters.", n=200)
    elif message := deident.identifier_in(title):
        errors["title"] = message
    minutes = data.get("minutes") or 15
    if not isinstance(minutes, int) or not 1 <= minutes <= session.duration_minutes:
        errors["minutes"] = _("Between 1 and %(n)d minutes.", n=session.duration_minutes)
    presenter_id = data.get("presenter_id")
    if presenter_id is not None and presenter_id not in invited_ids([session.id])[session.id]:
        errors["presenter_id"] = _("The presenter must be the host or someone invited.")
    case_id = _check_case(session, actor, data.get("case_id"), errors) if kind == "case" else None
    if errors:
        raise _fields_error(errors)
    last = db.session.execute(select(func.max(AgendaItem.position)).where(
        AgendaItem.session_id == session.id)).scalar()
    item = AgendaItem(session_id=session.id, position=(last or 0) + 1, kind=kind, title=title,
                      minutes=minutes, case_id=case_id)
    db.session.add(item)
    db.session.flush()
    if presenter_id is not None:
        assign_presenter(session, item, presenter_id)
    return item


def assign_presenter(session: TeachingSession, item: AgendaItem, presenter_id: int | None) -> AgendaItem:
    """Set or clear the presenter: they are told and reminded to upload slides."""
    if session.status != "scheduled":
        raise Conflict(_("This session was cancelled or has already been held; it cannot be changed."))
    if presenter_id is not None and presenter_id not in invited_ids([session.id])[session.id]:
        message = _("The presenter must be the host or someone invited.")
        raise ValidationFailed(message, fields={"presenter_id": message})
    previous = item.presenter_id
    if previous == presenter_id:
        return item
    item.presenter_id = presenter_id
    db.session.flush()
    reminders.drop(session, ("slides",), agenda_item_id=item.id)
    if presenter_id is not None:
        presenter = db.session.get(User, presenter_id)
        if presenter_id != session.host_id:
            notices.tell([presenter], "session.presenter", session, item=item.title)
            reminders.schedule_slides(session, item)
    signals.presentation_changed.send(session.id, user_ids=[i for i in (previous, presenter_id) if i])
    db.session.flush()
    return item


def remove_item(session: TeachingSession, item: AgendaItem) -> None:
    if session.status != "scheduled":
        raise Conflict(_("This session was cancelled or has already been held; it cannot be changed."))
    presenter = item.presenter_id
    reminders.drop(session, ("slides",), agenda_item_id=item.id)
    db.session.delete(item)
    db.session.flush()
    if presenter:
        signals.presentation_changed.send(session.id, user_ids=[presenter])


def get_item(session: TeachingSession, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.session_id != session.id:
        raise NotFound(_("No such agenda item."))
    return item


def case_choices(session: TeachingSession, actor: User, limit: int = 50) -> list[tuple[Case, bool]]:
    """Cases the host may present: nominated ones first, then the library
    (closed cases) of the audience's groups. (case, nominated) pairs."""
    groups = select(SessionAudience.group_id).where(SessionAudience.session_id == session.id)
    nominated = select(TeachingNomination.case_id)
    stmt = policy.scope_cases(actor, select(Case)).where(
        Case.group_id.in_(groups), or_(Case.status == "closed", Case.id.in_(nominated)))
    rows = list(db.session.execute(stmt.order_by(Case.id.desc()).limit(limit)).unique().scalars())
    marked = set(db.session.execute(select(TeachingNomination.case_id).where(
        TeachingNomination.case_id.in_([c.id for c in rows]))).scalars()) if rows else set()
    return sorted(((c, c.id in marked) for c in rows), key=lambda pair: (not pair[1], -pair[0].id))


# --- materials --------------------------------------------------------------

def upload_material(session: TeachingSession, user: User, stream, title: str | None = None,
                    agenda_item_id: int | None = None) -> SessionMaterial:
    if session.status == "cancelled":
        raise Conflict(_("This session was cancelled."))
    title = (title or "").strip()
    if len(title) > 200:
        raise ValidationFailed(_("At most %(n)d characters.", n=200),
                               fields={"title": _("At most %(n)d characters.", n=200)})
    item = get_item(session, agenda_item_id) if agenda_item_id else None
    manager = policy.allowed(user, "session.manage", session)
    if item is not None and not manager and item.presenter_id != user.id:
        raise ValidationFailed(_("You can upload slides only for the items you present."),
                               fields={"agenda_item_id": _("You can upload slides only for the items you present.")})
    clean = uploads.read_upload(stream)
    if clean.content_type == uploads.PDF and (message := deident.identifier_in(clean.text)):
        raise ValidationFailed(message, fields={"file": message})
    name, _thumb = uploads.store(replace(clean, thumb=None), prefix="session-")
    material = SessionMaterial(session_id=session.id, agenda_item_id=item.id if item else None,
                               uploaded_by_id=user.id, title=title or (item.title if item else _("Material")),
                               content_type=clean.content_type, stored_name=name, size=len(clean.body),
                               review_status="approved" if manager else "in_review",
                               reviewed_by_id=user.id if manager else None,
                               reviewed_at=clock.now() if manager else None, created_at=clock.now())
    db.session.add(material)
    db.session.flush()
    if not manager:
        notices.tell([session.host], "session.slides_uploaded", session, item=material.title)
    return material


def review_material(session: TeachingSession, material: SessionMaterial, actor: User, approve: bool,
                    reason: str | None = None) -> SessionMaterial:
    """The host approves slides as free of identifiers, or sends them back with a reason."""
    reason = (reason or "").strip()
    if not approve and not reason:
        message = _("Say what must change (for example, a name on slide 3).")
        raise ValidationFailed(message, fields={"reason": message})
    if len(reason) > 500:
        raise ValidationFailed(_("At most %(n)d characters.", n=500),
                               fields={"reason": _("At most %(n)d characters.", n=500)})
    material.review_status = "approved" if approve else "rejected"
    material.reviewed_by_id, material.reviewed_at = actor.id, clock.now()
    db.session.flush()
    if material.uploaded_by_id != actor.id:
        uploader = db.session.get(User, material.uploaded_by_id)
        if approve:
            notices.tell([uploader], "session.slides_approved", session)
        else:
            notices.tell([uploader], "session.slides_rejected", session, reason=reason)
    return material


def materials_for(session: TeachingSession, user: User) -> list[SessionMaterial]:
    """Approved files for the audience; the host and coordinators see every
    file; an uploader also sees their own under review."""
    stmt = select(SessionMaterial).where(SessionMaterial.session_id == session.id)
    if not policy.allowed(user, "session.manage", session):
        stmt = stmt.where(or_(SessionMaterial.review_status == "approved",
                              SessionMaterial.uploaded_by_id == user.id))
    return list(db.session.execute(stmt.options(selectinload(SessionMaterial.uploaded_by))
                                   .order_by(SessionMaterial.id)).scalars())


def get_material(session: TeachingSession, user: User, material_id: int) -> SessionMaterial:
    found = next((m for m in materials_for(session, user) if m.id == material_id), None)
    if found is None:
        raise NotFound(_("No such file."))
    return found
