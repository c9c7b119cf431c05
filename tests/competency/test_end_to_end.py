"""The issue's "done when", through the HTTP doors on the demo: for
commune@demo.test, attended sessions (the real sessions domain: scheduled,
register taken, marked held by the doctor) and an approved
outside course add up on the progress page; the last missing requirement
met issues a certificate at once; its PDF has the Vietnamese; the public
page verifies it; coordinator@demo.test sees the worker move from in
progress to certified, sees group A's facilities' readiness, and exports
the table as XLSX that openpyxl reads back with the rows."""
import io
import re
from datetime import timedelta

from flask import g
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from mentoring import clock
from mentoring.auth.models import User
from mentoring.demo import PASSWORD, seed
from mentoring.extensions import db
from tests.factories import gen_pdf, login


def _user(email):
    return db.session.execute(select(User).where(User.email == email)).unique().scalar_one()


class As:
    """One person's client; each request starts without another client's login in flask.g."""
    def __init__(self, app, user):
        self.client = app.test_client()
        g.pop("_login_user", None)
        login(self.client, user, PASSWORD)

    def get(self, *a, **kw):
        g.pop("_login_user", None)
        return self.client.get(*a, **kw)

    def post(self, *a, **kw):
        g.pop("_login_user", None)
        return self.client.post(*a, **kw)


def _hours(page: str) -> str:
    return re.search(r'data-testid="hours-window">([^<]+)<', page).group(1)


def _status_in_dashboard(coordinator, user_id: int) -> str:
    page = coordinator.get(f"/competency/dashboard?tier=commune").get_data(as_text=True)
    return re.search(rf'data-user-id="{user_id}" data-status="(\w+)"', page).group(1)


def _held_session(doctor, group_id: int, title: str, minutes: int, attended: list[tuple[int, bool]]) -> int:
    """The doctor schedules a session, takes the register after it and marks it held."""
    starts = (clock.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    r = doctor.post("/api/v1/sessions", json={"group_id": group_id, "title": title, "starts_at": starts.isoformat(),
                                              "duration_minutes": minutes,
                                              "video_url": "https://meet.example.org/giao-ban"})
    assert r.status_code == 201, r.get_json()
    session_id = r.get_json()["id"]
    clock.freeze(starts + timedelta(minutes=minutes + 5))
    for user_id, was_there in attended:
        r = doctor.post(f"/api/v1/sessions/{session_id}/attendance", json={"user_id": user_id, "attended": was_there})
        assert r.status_code in (200, 201), r.get_json()
    assert doctor.post(f"/sessions/{session_id}/held").status_code == 302
    return session_id


def test_done_when(app):
    seed()
    db.session.commit()
    commune, coordinator_user = _user("commune@demo.test"), _user("coordinator@demo.test")
    doctor_user = _user("doctor@demo.test")
    from mentoring.demo import GROUP_A
    from mentoring.org.models import MentoringGroup
    group_a = db.session.execute(select(MentoringGroup).where(MentoringGroup.name == GROUP_A)).scalar_one()
    worker, coordinator, doctor = As(app, commune), As(app, coordinator_user), As(app, doctor_user)

    # The demo: a valid certificate whose code is in their progress, and 91 of 120 hours
    # (two approved courses and a teaching session of the sessions demo).
    progress = worker.get(f"/api/v1/workers/{commune.id}/progress").get_json()
    [demo_cert] = [c for c in progress["certificates"] if c["status"] == "valid"]
    assert demo_cert["pdf_url"] == f"/certificates/{demo_cert['code']}/pdf"
    page = worker.get("/progress").get_data(as_text=True)
    assert _hours(page) == "91"
    assert "Cần thêm 29 giờ trong 5 năm gần nhất (đã tính 91/120 giờ)." in page
    assert _status_in_dashboard(coordinator, commune.id) == "in_progress"

    # Two teaching sessions attended, one missed: 2 h + 1.5 h.
    _held_session(doctor, group_a.id, "Quản lý tăng huyết áp", 120, [(commune.id, True)])
    _held_session(doctor, group_a.id, "Hen phế quản", 60, [(commune.id, False)])
    _held_session(doctor, group_a.id, "Sàng lọc trầm cảm", 90, [(commune.id, True)])
    page = worker.get("/progress").get_data(as_text=True)
    assert _hours(page) == "94,5" and "Quản lý tăng huyết áp" in page and "Hen phế quản" not in page

    # An outside course with its certificate, approved by the coordinator: the last 25.5 hours.
    ended = clock.now().date() - timedelta(days=2)
    r = worker.post("/progress/courses", data={
        "title": "Xử trí lồng ghép bệnh trẻ em (IMCI)", "provider": "Bệnh viện Nhi Trung ương",
        "started_on": (ended - timedelta(days=3)).isoformat(), "ended_on": ended.isoformat(), "hours": "25.5",
        "file": (io.BytesIO(gen_pdf("Certificate of completion: IMCI")), "chung-nhan.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    queue = coordinator.get("/competency/courses").get_data(as_text=True)
    course_id = re.search(r'data-course-id="(\d+)"[^>]*>\s*<div class="fw-semibold">Xử trí lồng ghép', queue).group(1)
    assert _status_in_dashboard(coordinator, commune.id) == "in_progress"
    r = coordinator.post(f"/competency/courses/{course_id}/decision", data={"approve": "true"})
    assert r.status_code == 302

    # The certificate exists at once.
    page = worker.get("/progress").get_data(as_text=True)
    assert _hours(page) == "120"
    progress = worker.get(f"/api/v1/workers/{commune.id}/progress").get_json()
    [cme] = [c for c in progress["certificates"] if c["programme"] == "cme-120h-5y"]
    assert cme["status"] == "valid"
    assert f'data-code="{cme["code"]}" data-status="valid"' in page

    # Its PDF renders Vietnamese with diacritics.
    pdf = worker.get(cme["pdf_url"])
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert commune.full_name in text and "Cập nhật kiến thức y khoa liên tục: 120 giờ trong 5 năm" in text
    assert "Số giờ đào tạo được tính: 120 giờ" in text and "Ngày cấp" in text

    # The public page verifies it, for anyone.
    public = app.test_client().get(cme["verify_url"]).get_data(as_text=True)
    assert "Giấy chứng nhận này còn hiệu lực." in public and commune.full_name in public
    assert commune.email not in public

    # The coordinator sees the move, group A's facilities' readiness, and exports the table.
    assert _status_in_dashboard(coordinator, commune.id) == "certified"
    readiness = coordinator.get("/competency/readiness").get_data(as_text=True)
    for name in ("Trạm Y tế xã Hy Cương", "Trạm Y tế xã Lâm Thao", "Trung tâm Y tế khu vực Lâm Thao",
                 "Bệnh viện Đa khoa tỉnh Phú Thọ"):
        assert name in readiness
    assert 'data-state="ready"' in readiness and 'data-state="at_risk"' in readiness
    assert 'data-state="late"' in readiness
    r = coordinator.get("/competency/dashboard.xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.data), read_only=True).active.values)
    mine = [row for row in rows if row[0] == commune.id]
    assert mine and mine[0][1] == commune.full_name and mine[0][5] == "đã được chứng nhận"
    assert len(rows) - 1 == db.session.execute(select(db.func.count()).select_from(User).where(
        User.role == "worker", User.active.is_(True))).scalar()
