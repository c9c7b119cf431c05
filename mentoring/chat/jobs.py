from mentoring.chat import acknowledgements


def remind_urgent() -> None:
    """Remind recipients who have not acknowledged an urgent message (every 5 minutes each)."""
    acknowledgements.send_due_reminders()


JOBS = [("chat.remind_urgent", remind_urgent, 60)]
