"""Builders for test data (CTFd's gen_* style), through the real services so
tests build what the application would. Loaded as a pytest plugin."""
import itertools

import pytest
from sqlalchemy import select

from mentoring.auth import services as auth_services
from mentoring.extensions import db
from mentoring.org import services as org_services
from mentoring.org.models import Commune

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)

_KIND = {"central": "central_hospital", "provincial": "provincial_hospital",
         "district": "regional_health_centre", "commune": "commune_health_station"}


def gen_facility(tier: str = "commune", province_code: int = 25, name: str | None = None):
    commune_code = None
    if tier == "commune":
        commune_code = db.session.execute(select(Commune.code).where(
            Commune.province_code == province_code).order_by(Commune.code)).scalars().first()
    n = next(_seq)
    return org_services.create_facility(name=name or f"Facility {tier} {n}", kind=_KIND[tier],
                                        province_code=province_code, commune_code=commune_code)


def gen_user(role: str = "worker", tier: str | None = "commune", facility=None, email: str | None = None,
             language: str = "vi", full_name: str | None = None):
    if role in ("coordinator", "admin"):
        tier = None
    if role == "mentor":
        tier = "central"
    if facility is None and tier:
        facility = gen_facility(tier)
    n = next(_seq)
    user = auth_services.create_user(
        email=email or f"{role}{n}@example.test", full_name=full_name or f"Test {role.title()} {n}",
        password=PASSWORD, role=role, tier_code=tier, facility_id=facility.id if facility else None,
        language=language)
    db.session.commit()
    return user


def gen_group(complete: bool = True, name: str | None = None, mentor=None):
    """A group with a mentor and (by default) exactly 4 + 4 + 2 members.
    Returns (group, {"mentor": user, "provincial": [...], "district": [...], "commune": [...]})."""
    mentor = mentor or gen_user("mentor")
    group = org_services.create_group(name=name or f"Group {next(_seq)}", mentor=mentor)
    people = {"mentor": mentor, "provincial": [], "district": [], "commune": []}
    sizes = {"provincial": 4, "district": 4, "commune": 2} if complete else \
        {"provincial": 1, "district": 1, "commune": 1}
    for tier, count in sizes.items():
        facility = gen_facility(tier)
        for _ in range(count):
            user = gen_user("worker", tier, facility=facility)
            org_services.add_member(group, user, tier_code=tier)
            people[tier].append(user)
    db.session.commit()
    return group, people


def login(client, user, password: str = PASSWORD):
    # Commit the test's setup first: a request shares the test's session, and a
    # view that rolls back after a refused form must not undo the test's data.
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


def token_headers(user) -> dict:
    raw, _ = auth_services.issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def group_a():
    return gen_group(name="Group A")


@pytest.fixture
def group_b():
    return gen_group(name="Group B")


def gen_pdf(text: str = "", *, author: str | None = None, javascript: str | None = None) -> bytes:
    """A real PDF (reportlab): one page with `text` (Latin-1 only: Helvetica),
    optionally an author in its metadata and a script run when it opens."""
    import io

    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    if author:
        pdf.setAuthor(author)
        pdf.setTitle(f"Notes by {author}")
    for n, line in enumerate(text.splitlines() or [""]):
        pdf.drawString(72, 760 - 16 * n, line)
    pdf.showPage()
    pdf.save()
    if javascript is None:
        return out.getvalue()
    from pypdf import PdfReader, PdfWriter
    from pypdf.actions import JavaScript
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    writer.add_open_action(JavaScript(javascript))
    scripted = io.BytesIO()
    writer.write(scripted)
    return scripted.getvalue()
