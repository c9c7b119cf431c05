"""Notifications: in-app (the bell), pushed live over Socket.IO after the
commit, and e-mailed by a scheduler job where SMTP is configured.

Other domains register the kinds they send with `register_kind` and call
`notify(...)`; they never emit or send mail themselves."""
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from mentoring import clock
from mentoring.auth.models import User
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from mentoring.realtime import emit_after_commit, user_room

_KINDS: dict[str, object] = {
    "system.message": _l("%(text)s"),
}


def register_kind(kind: str, message) -> None:
    """message: a lazy_gettext string with %(name)s placeholders filled from params."""
    _KINDS[kind] = message


def render(notification: Notification, language: str | None = None) -> str:
    template = _KINDS.get(notification.kind)
    if template is None:
        return notification.kind
    with force_locale(language or "vi"):
        try:
            return str(template) % (notification.params or {})
        except (KeyError, TypeError, ValueError):
            return str(template)


def smtp_configured() -> bool:
    return bool(current_app.config.get("MENTORING_SMTP_HOST"))


def notify(users, kind: str, params: dict | None = None, link: str | None = None,
           email: bool = True) -> list[Notification]:
    """Tell each of `users` (User objects); skips inactive accounts and duplicates."""
    if kind not in _KINDS:
        raise ValueError(f"unregistered notification kind {kind!r}")
    created = []
    seen = set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        note = Notification(user_id=user.id, kind=kind, params=params or {}, link=link,
                            created_at=clock.now(), email_pending=bool(email and smtp_configured()))
        db.session.add(note)
        created.append((note, user))
    db.session.flush()
    for note, user in created:
        emit_after_commit("notification", _payload(note, user.language), room=user_room(user.id))
    return [note for note, _ in created]


def _payload(note: Notification, language: str) -> dict:
    return {"id": note.id, "kind": note.kind, "text": render(note, language), "link": note.link,
            "created_at": note.created_at.isoformat()}


def unread_count(user) -> int:
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalar()


def recent(user, limit: int = 50) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)).scalars())


def mark_read(user, notification_ids: list[int] | None = None) -> int:
    """Mark some (or all) of the user's own notifications read."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(notification_ids))
    result = db.session.execute(stmt.values(read_at=clock.now()))
    db.session.flush()
    return result.rowcount


# --- the e-mail queue (the job in jobs.py claims, sends and commits per mail) ---

def claim_next_email(after_id: int = 0) -> tuple[Notification, User] | None:
    """The next mail waiting after `after_id`, locked for this transaction:
    on PostgreSQL a row another run holds is skipped (SKIP LOCKED); on
    SQLite the job's transaction began with BEGIN IMMEDIATE, so one run at a
    time. A mail whose recipient is gone leaves the queue."""
    while True:
        stmt = (select(Notification).where(Notification.email_pending.is_(True),
                                           Notification.emailed_at.is_(None), Notification.id > after_id)
                .order_by(Notification.id).limit(1))
        if db.engine.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        note = db.session.execute(stmt).scalars().first()
        if note is None:
            return None
        user = db.session.get(User, note.user_id)
        if user is not None and user.active:
            return note, user
        note.email_pending = False
        after_id = note.id


def compose_email(note: Notification, user: User) -> tuple[str, str, str]:
    """(to, subject, body) in the reader's language. The subject is the
    notification's text, which may quote what a person typed: mail.py folds
    it to one line."""
    text = render(note, user.language)
    link = note.link or ""
    base = current_app.config.get("MENTORING_BASE_URL", "").rstrip("/")
    return user.email, text, text + ("\n\n" + base + link if link else "")


def mark_emailed(note: Notification) -> None:
    note.email_attempts = (note.email_attempts or 0) + 1
    note.emailed_at = clock.now()
    note.email_error = None
    db.session.flush()


def record_email_failure(note: Notification, error: Exception, max_attempts: int) -> bool:
    """Count a failed try and keep its error; after `max_attempts` the mail
    is failed and leaves the queue. True when it has just failed for good."""
    note.email_attempts = (note.email_attempts or 0) + 1
    note.email_error = f"{type(error).__name__}: {error}"[:500]
    gave_up = note.email_attempts >= max_attempts
    if gave_up:
        note.email_pending = False
        note.email_failed_at = clock.now()
    db.session.flush()
    return gave_up
