"""Scheduler doors for competency: renewal warnings (deadline rows, claimed
once), and the nightly pass that derives everyone's credits again and issues
the certificates now earned. Each run commits once (mentoring.scheduler);
each is safe to run twice."""
from mentoring.competency import certificates, ledger


def send_renewal_warnings() -> None:
    certificates.send_renewal_warnings()


def nightly_certification() -> None:
    ledger.resync_everyone()
    certificates.issue_due_certificates()


JOBS = [("competency.renewal_warnings", send_renewal_warnings, 60 * 60),
        ("competency.nightly_certification", nightly_certification, 24 * 60 * 60)]
