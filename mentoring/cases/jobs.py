"""Scheduler doors for cases: claim due timer rows and act through the same
services as the buttons. Each run commits once (mentoring.scheduler)."""
from mentoring.cases import services


def escalate_overdue_cases() -> None:
    services.run_due_escalations()


def send_outcome_reminders() -> None:
    services.run_due_outcome_reminders()


JOBS = [("cases.escalate_overdue", escalate_overdue_cases, 60),
        ("cases.outcome_reminders", send_outcome_reminders, 15 * 60)]
