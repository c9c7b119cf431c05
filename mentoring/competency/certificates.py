"""Certificates: issued when a programme's requirements are met (on the
event that met them, and by the nightly job, idempotently), verified by an
unguessable code, warned about 60 days before expiry (a deadline row, acted
on once), revoked by a coordinator with a reason. A revoked certificate is
not issued again until a coordinator records a new decision."""
import base64
import re
import secrets
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select, update

from mentoring import clock, deadlines
from mentoring.audit.services import record
from mentoring.competency.models import Certificate, CertificateDeadline, Programme, TrainingCredit
from mentoring.errors import Conflict, NotFound, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.services import notify, register_kind

RENEWAL_WARNING_DAYS = 60
CODE_BYTES = 15  # 24 base32 characters: 120 random bits, not guessable at any request rate

register_kind("competency.certificate_issued", _l("Certificate issued: %(programme)s. Code %(code)s"))
register_kind("competency.certificate_expiring",
              _l("The certificate “%(programme)s” of %(name)s expires on %(date)s: plan the renewal."))
register_kind("competency.certificate_revoked", _l("Your certificate “%(programme)s” was revoked: %(reason)s"))


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()


def normalise_code(raw: str) -> str:
    """Codes are read aloud and typed from paper: any case, spaces or dashes."""
    return re.sub(r"[^A-Z2-7]", "", (raw or "").upper())[:40]


def display_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def current_certificate(user_id: int, programme_id: int, today: date | None = None) -> Certificate | None:
    today = today or clock.now().date()
    return db.session.execute(select(Certificate).where(
        Certificate.user_id == user_id, Certificate.programme_id == programme_id,
        Certificate.revoked_at.is_(None), Certificate.expires_on > today)
        .order_by(Certificate.expires_on.desc()).limit(1)).unique().scalar_one_or_none()


def blocked_by_revocation(user_id: int, programme_id: int) -> Certificate | None:
    """The revoked certificate that no coordinator has cleared yet, if any."""
    return db.session.execute(select(Certificate).where(
        Certificate.user_id == user_id, Certificate.programme_id == programme_id,
        Certificate.revoked_at.is_not(None), Certificate.cleared_at.is_(None)).limit(1)).unique().scalar_one_or_none()


def certificates_of(user_id: int) -> list[Certificate]:
    return list(db.session.execute(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.issued_on.desc(), Certificate.id.desc())).unique().scalars())


def get_by_code(raw: str) -> Certificate:
    code = normalise_code(raw)
    found = db.session.execute(select(Certificate).where(Certificate.code == code)).unique().scalar_one_or_none() \
        if len(code) >= 16 else None
    if found is None:
        raise NotFound(_("No certificate has this code."))
    return found


def _coordinators():
    from mentoring.auth.models import User
    return db.session.execute(select(User).where(User.role == "coordinator", User.active.is_(True))
                              .order_by(User.id)).unique().scalars().all()


def issue_certificate(user, programme: Programme, *, hours: float, by=None,
                      issued_on: date | None = None) -> Certificate:
    """Write the certificate and its renewal warning. The caller has checked
    the requirements (issue_if_met, or a coordinator's decision)."""
    issued_on = issued_on or clock.now().date()
    expires_on = issued_on + timedelta(days=programme.validity_days)
    cert = Certificate(code=new_code(), user_id=user.id, programme_id=programme.id, issued_on=issued_on,
                       expires_on=expires_on, hours=round(hours, 2), badge_salt=secrets.token_hex(8),
                       issued_by_id=getattr(by, "id", None), created_at=clock.now())
    db.session.add(cert)
    db.session.flush()
    warn_at = datetime.combine(expires_on - timedelta(days=RENEWAL_WARNING_DAYS), time(1), timezone.utc)
    db.session.add(CertificateDeadline(certificate_id=cert.id, kind="renewal_warning", due_at=warn_at,
                                       created_at=clock.now()))
    record("certificate.issued", actor=by, target_kind="certificate", target_id=cert.id, user_id=user.id,
           programme=programme.code)
    notify([user], "competency.certificate_issued",
           {"programme": programme.title_vi, "code": display_code(cert.code)}, "/progress")
    db.session.flush()
    return cert


def certified_hours(progress) -> float:
    """The hours a certificate states: those counted toward an hours requirement, else none."""
    return progress.hours_counted if progress.hours_required else 0.0


def issue_if_met(user_ids, programme_codes=None) -> list[Certificate]:
    """Issue every certificate these people now qualify for and do not hold.
    Safe to call again and again: a held or blocked certificate is skipped."""
    from mentoring.auth.models import User
    from mentoring.competency import programmes as progs
    if not user_ids:
        return []
    users = db.session.execute(select(User).where(User.id.in_(list(user_ids)))).unique().scalars().all()
    issued = []
    all_programmes = [p for p in progs.programmes() if programme_codes is None or p.code in programme_codes]
    today = clock.now().date()
    for user in users:
        names = progs._group_names(user)
        for programme in all_programmes:
            if not progs.in_audience(user, programme, names):
                continue
            if current_certificate(user.id, programme.id, today) or blocked_by_revocation(user.id, programme.id):
                continue
            progress = progs.evaluate(user, programme)
            if progress.met:
                issued.append(issue_certificate(user, programme, hours=certified_hours(progress)))
    return issued


def nightly_candidates(programme: Programme, limit: int = 5000) -> list[int]:
    """Workers who may qualify and hold no live certificate: a necessary
    condition in SQL, so the nightly check evaluates few people one by one."""
    from mentoring.auth.models import User
    from mentoring.competency import programmes as progs
    today = clock.now().date()
    held = exists().where(Certificate.user_id == User.id, Certificate.programme_id == programme.id,
                          Certificate.revoked_at.is_(None), Certificate.expires_on > today)
    stmt = select(User.id).where(User.role == "worker", User.active.is_(True), ~held)
    hours = (programme.requirements or {}).get("hours")
    if hours:
        total = (select(func.coalesce(func.sum(TrainingCredit.hours), 0))
                 .where(TrainingCredit.user_id == User.id,
                        TrainingCredit.earned_at >= progs.window_start(programme)).scalar_subquery())
        stmt = stmt.where(total >= hours["required"])
    wanted = progs.required_competencies(programme)
    if wanted:
        from mentoring.competency.assessments import latest_levels
        latest = latest_levels(None, False, [c.id for c, _ in wanted]).subquery()
        from mentoring.org.services import member_tiers
        fewest = min(len(progs.required_competencies(programme, tier)) for tier in member_tiers())
        enough = select(latest.c.user_id).where(latest.c.level >= min(lv for _, lv in wanted)).group_by(
            latest.c.user_id).having(func.count() >= fewest)
        stmt = stmt.where(User.id.in_(enough))
    return list(db.session.execute(stmt.order_by(User.id).limit(limit)).scalars())


def issue_due_certificates() -> int:
    from mentoring.competency import programmes as progs
    issued = 0
    for programme in progs.programmes():
        issued += len(issue_if_met(nightly_candidates(programme), [programme.code]))
    return issued


# --- revocation and new decisions -----------------------------------------------

def _reason(reason: str | None, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Please correct the marked fields."), fields={field: _("Give the reason.")})
    if len(reason) > 2000:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={field: _("At most %(n)d characters.", n=2000)})
    return reason


def revoke_certificate(cert: Certificate, by, reason: str) -> Certificate:
    reason = _reason(reason)
    if cert.revoked_at is not None:
        raise Conflict(_("This certificate is already revoked."))
    cert.revoked_at, cert.revoked_by_id, cert.revoke_reason = clock.now(), by.id, reason
    db.session.execute(update(CertificateDeadline).where(
        CertificateDeadline.certificate_id == cert.id, CertificateDeadline.done_at.is_(None)
    ).values(done_at=clock.now()))
    record("certificate.revoked", actor=by, target_kind="certificate", target_id=cert.id, user_id=cert.user_id,
           programme=cert.programme.code, reason=reason)
    notify([cert.user], "competency.certificate_revoked", {"programme": cert.programme.title_vi, "reason": reason},
           "/progress")
    db.session.flush()
    return cert


def reissue_decision(user, programme: Programme, by, reason: str | None) -> Certificate | None:
    """A coordinator's new decision after a revocation: clears the block and
    issues at once when the requirements are met (else when they are)."""
    from mentoring.competency import programmes as progs
    blocked = blocked_by_revocation(user.id, programme.id)
    if blocked is None:
        if current_certificate(user.id, programme.id):
            raise Conflict(_("This worker already holds a valid certificate for this programme."))
        raise Conflict(_("There is no revoked certificate to decide on."))
    reason = _reason(reason)
    blocked.cleared_at, blocked.cleared_by_id, blocked.clear_reason = clock.now(), by.id, reason
    record("certificate.reissue_allowed", actor=by, target_kind="certificate", target_id=blocked.id,
           user_id=user.id, programme=programme.code, reason=reason)
    db.session.flush()
    progress = progs.evaluate(user, programme)
    if not progress.met:
        return None
    return issue_certificate(user, programme, hours=certified_hours(progress), by=by)


def refuse_reissue_without_decision(user, programme: Programme) -> None:
    if blocked_by_revocation(user.id, programme.id):
        message = _("This worker's certificate was revoked; a new certificate needs a new decision with its reason.")
        raise Conflict(message, fields={"reason": message})


# --- renewal warnings ------------------------------------------------------------

def _claim_due(limit: int) -> list[CertificateDeadline]:
    return deadlines.claim_due(CertificateDeadline, limit=limit)


def send_renewal_warnings(limit: int = 200) -> int:
    sent = 0
    coordinators = None
    for deadline in _claim_due(limit):
        cert = db.session.get(Certificate, deadline.certificate_id)
        if cert.revoked_at is not None or cert.expires_on <= clock.now().date():
            continue
        coordinators = coordinators if coordinators is not None else _coordinators()
        notify([cert.user, *coordinators], "competency.certificate_expiring",
               {"programme": cert.programme.title_vi, "name": cert.user.full_name,
                "date": cert.expires_on.strftime("%d/%m/%Y")}, f"/workers/{cert.user_id}/progress")
        sent += 1
    return sent


def expiring_count(days: int = RENEWAL_WARNING_DAYS) -> int:
    today = clock.now().date()
    return db.session.execute(select(func.count()).select_from(Certificate).where(and_(
        Certificate.revoked_at.is_(None), Certificate.expires_on > today,
        Certificate.expires_on <= today + timedelta(days=days)))).scalar()
