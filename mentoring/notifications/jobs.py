"""The e-mail job: each mail in its own short transaction.

Claim one row (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite the job's
transactions begin with BEGIN IMMEDIATE), send it, mark it sent, commit;
then the next. A mail that fails is counted and keeps its error, and the
others go on: one bad row can neither re-send the mails before it (the old
job rolled back a whole batch after SMTP had taken part of it) nor hold up
the ones after it. After MENTORING_MAIL_MAX_ATTEMPTS runs it is failed."""
import logging
import smtplib

from flask import current_app, g

from mentoring.extensions import db
from mentoring.notifications import services

log = logging.getLogger(__name__)

# The mail server itself is away: no mail is to blame, so none is counted;
# the next run tries again.
_SERVER_AWAY = (ConnectionError, TimeoutError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)
MAILS_PER_RUN = 500


def send_due_emails() -> int:
    """Send what is due; returns how many mails went out."""
    from mentoring.notifications.mail import send_mail
    if not services.smtp_configured():
        return 0
    g.writes_data = True   # SQLite: every claim takes the write lock at BEGIN
    db.session.commit()    # nothing of the caller's may ride along with a claim
    max_attempts = max(1, int(current_app.config.get("MENTORING_MAIL_MAX_ATTEMPTS", 5)))
    sent, after_id = 0, 0
    for _ in range(MAILS_PER_RUN):
        claimed = services.claim_next_email(after_id)
        if claimed is None:
            break
        note, user = claimed
        after_id = note.id   # each mail at most once per run, failed or not
        try:
            send_mail(*services.compose_email(note, user))
        except _SERVER_AWAY as err:
            db.session.rollback()
            log.warning("mail server unavailable, %s will be tried next run: %s", note.id, err)
            break
        except Exception as err:  # noqa: BLE001 - whatever this mail did, the others go on
            failed = services.record_email_failure(note, err, max_attempts)
            db.session.commit()
            log.warning("e-mail of notification %s failed (try %s%s): %s", note.id, note.email_attempts,
                        ", given up" if failed else "", err)
            continue
        services.mark_emailed(note)
        db.session.commit()
        sent += 1
    db.session.commit()   # a claim that found only departed recipients
    return sent


JOBS = [("notifications.send_due_emails", send_due_emails, 60)]
