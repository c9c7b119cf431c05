from mentoring.notifications import services


def send_due_emails() -> None:
    services.send_due_emails()


JOBS = [("notifications.send_due_emails", send_due_emails, 60)]
