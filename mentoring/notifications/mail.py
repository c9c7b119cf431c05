"""Plain SMTP. Configured by MENTORING_SMTP_HOST / _PORT / _USER / _PASSWORD /
_STARTTLS and MENTORING_MAIL_FROM; without a host, nothing is queued."""
import smtplib
from email.message import EmailMessage

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg.get("MENTORING_MAIL_FROM", "no-reply@mentoring.local")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(cfg["MENTORING_SMTP_HOST"], int(cfg.get("MENTORING_SMTP_PORT", 25)), timeout=30) as smtp:
        if cfg.get("MENTORING_SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("MENTORING_SMTP_USER"):
            smtp.login(cfg["MENTORING_SMTP_USER"], cfg.get("MENTORING_SMTP_PASSWORD", ""))
        smtp.send_message(message)
