"""Plain SMTP. Configured by MENTORING_SMTP_HOST / _PORT / _USER / _PASSWORD /
_STARTTLS and MENTORING_MAIL_FROM; without a host, nothing is queued."""
import smtplib
from email.message import EmailMessage

from flask import current_app


SUBJECT_MAX = 120


def one_line(text: str, most: int | None = None) -> str:
    """Header text folded to one line: CR, LF and every other run of
    whitespace become one space (a complaint with a line break once made
    EmailMessage raise, and a raw one would let it add headers)."""
    line = " ".join(str(text).split())
    line = "".join(c for c in line if c.isprintable())
    if most is not None and len(line) > most:
        line = line[:most - 1] + "…"
    return line


def send_mail(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = one_line(cfg.get("MENTORING_MAIL_FROM", "no-reply@mentoring.local"))
    # An address is never folded: one that needs it is refused (ValueError), not rewritten.
    message["To"] = to
    message["Subject"] = one_line(subject, SUBJECT_MAX)
    message.set_content(body)
    with smtplib.SMTP(cfg["MENTORING_SMTP_HOST"], int(cfg.get("MENTORING_SMTP_PORT", 25)), timeout=30) as smtp:
        if cfg.get("MENTORING_SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("MENTORING_SMTP_USER"):
            smtp.login(cfg["MENTORING_SMTP_USER"], cfg.get("MENTORING_SMTP_PASSWORD", ""))
        smtp.send_message(message)
