"""Scheduler doors for sessions: claim due deadline rows (reminders, slides
reminders, session ends) and keep open-ended series materialised. Each run
commits once (mentoring.scheduler) and is safe to run twice."""
from mentoring.sessions import recurrence, reminders


def send_session_reminders() -> None:
    reminders.run_due()


def extend_series() -> None:
    recurrence.extend_open_series()


JOBS = [("sessions.reminders", send_session_reminders, 60),
        ("sessions.extend_series", extend_series, 24 * 60 * 60)]
