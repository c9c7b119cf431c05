"""Session pages: forms re-render with the user's text and a message per
field; the calendar (agenda and week); RSVP, join, the room's window, the
register's corrections and export, slides review, ratings."""
import io
from datetime import timedelta

from sqlalchemy import select

from mentoring import clock
from mentoring.audit.models import AuditEvent
from mentoring.extensions import db
from mentoring.sessions.models import SessionMaterial, TeachingSession
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_pdf, login
from tests.sessions.helpers import client_for, freeze, gen_session


def _form(group, **over):
    return {"title": "Hội chẩn đái tháo đường", "group_ids": [str(group.id)], "starts_on": "2027-01-12",
            "start_time": "14:00", "end_time": "15:30", "timezone": "Asia/Ho_Chi_Minh",
            "video_url": "https://meet.example.org/dtd", "recurrence": "none", **over}


def test_schedule_through_the_form(client):
    freeze()
    group, people = gen_group(complete=False)
    login(client, people["mentor"])
    assert client.get("/sessions/new").status_code == 200
    response = client.post("/sessions/new", data=_form(group))
    assert response.status_code == 302
    session = db.session.execute(select(TeachingSession)).scalar_one()
    assert session.duration_minutes == 90 and session.starts_at.hour == 7  # 14:00 in Hà Nội is 07:00 UTC


def test_bad_form_keeps_the_text_and_says_why(client):
    freeze()
    group, people = gen_group(complete=False)
    login(client, people["mentor"])
    response = client.post("/sessions/new", data=_form(group, end_time="13:00",
                                                        video_url="http://meet.example.org/x",
                                                        description="Mô tả dài của tôi"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Giờ kết thúc phải sau giờ bắt đầu." in page
    assert "Hãy nhập liên kết bảo mật bắt đầu bằng https://" in page
    assert "Mô tả dài của tôi" in page and "http://meet.example.org/x" in page
    past = client.post("/sessions/new", data=_form(group, starts_on="2026-12-01"))
    assert past.status_code == 422 and "Giờ bắt đầu phải ở thời điểm sắp tới." in past.get_data(as_text=True)
    assert db.session.execute(select(TeachingSession)).first() is None


def test_a_worker_cannot_open_the_form(client):
    group, people = gen_group(complete=False)
    login(client, people["commune"][0])
    assert client.get("/sessions/new").status_code == 403


def test_calendar_agenda_and_week(client):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    worker = people["commune"][0]
    login(client, worker)
    agenda = client.get("/sessions").get_data(as_text=True)
    assert f'data-session-id="{session.id}"' in agenda and "chưa trả lời" in agenda
    week = client.get("/sessions?view=week&date=2027-01-11").get_data(as_text=True)
    assert 'data-testid="week"' in week and f'data-session-id="{session.id}"' in week
    empty = client.get("/sessions?view=week&date=2027-02-01").get_data(as_text=True)
    assert f'data-session-id="{session.id}"' not in empty
    assert client.get("/sessions?date=not-a-date").status_code == 200


def test_rsvp_waiting_list_and_join_through_the_page(client):
    freeze()
    group, people = gen_group()
    session = gen_session(group, people["mentor"], capacity=1)
    first, second = people["commune"]
    client_for(client.application, first).post(f"/sessions/{session.id}/rsvp", data={"response": "yes"})
    client = client_for(client.application, second)
    page = client.post(f"/sessions/{session.id}/rsvp", data={"response": "yes"}, follow_redirects=True)
    assert "Bạn đang trong danh sách chờ" in page.get_data(as_text=True)
    early = client.post(f"/sessions/{session.id}/join", follow_redirects=True).get_data(as_text=True)
    assert "Bạn có thể tham gia từ 15 phút trước giờ bắt đầu." in early
    clock.freeze(session.starts_at - timedelta(minutes=10))
    response = client.post(f"/sessions/{session.id}/join")
    assert response.status_code == 302 and response.headers["Location"] == "https://meet.example.org/abc"


def test_session_room_takes_questions_only_in_its_window(client):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    worker = people["commune"][0]
    login(client, worker)
    room_url = client.get(f"/sessions/{session.id}/room").headers["Location"]
    early = client.post(room_url, data={"body": "Em hỏi trước"}, follow_redirects=True).get_data(as_text=True)
    assert "Phòng trao đổi của buổi sinh hoạt mở từ 15 phút trước giờ bắt đầu" in early
    clock.freeze(session.starts_at + timedelta(minutes=20))
    assert client.post(room_url, data={"body": "Liều amlodipine tối đa là bao nhiêu?"}).status_code == 302
    clock.freeze(session.ends_at + timedelta(hours=2))
    late = client.post(room_url, data={"body": "Còn một câu"}, follow_redirects=True).get_data(as_text=True)
    assert "Phòng trao đổi của buổi sinh hoạt mở" in late
    assert "Liều amlodipine tối đa là bao nhiêu?" in client.get(room_url).get_data(as_text=True)


def test_register_correction_needs_a_reason_and_export_is_audited(client):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    worker = people["commune"][0]
    login(client, people["mentor"])
    clock.freeze(session.ends_at + timedelta(minutes=5))
    page = client.post(f"/sessions/{session.id}/register", data={"user_id": worker.id, "minutes": "60"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Hãy nêu lý do điều chỉnh." in page
    page = client.post(f"/sessions/{session.id}/register", data={
        "user_id": worker.id, "minutes": "60", "reason": "Dự tại hội trường, không dùng nút"},
        follow_redirects=True).get_data(as_text=True)
    assert "Dự tại hội trường, không dùng nút" in page
    csv = client.get(f"/sessions/{session.id}/register.csv")
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and f"{worker.id}," in text and ",60,yes,yes," in text
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "session.register_exported",
                                                       AuditEvent.target_id == session.id)).scalar_one()


def test_case_presentation_and_slides_review(client):
    freeze()
    group, people = gen_group(complete=False)
    from mentoring.cases import services as cases
    case = gen_case(group, people["commune"][0])
    cases.add_reply(case, people["district"][0], "Tăng liều")
    cases.close_case(case, people["commune"][0], "Ổn định")
    session = gen_session(group, people["mentor"])
    presenter = people["commune"][0]
    login(client, people["mentor"])
    bad = client.post(f"/sessions/{session.id}/agenda", data={"kind": "case", "title": "Ca bệnh",
                                                              "minutes": "20"}, follow_redirects=True)
    assert "Hãy chọn ca bệnh sẽ trình bày." in bad.get_data(as_text=True)
    client.post(f"/sessions/{session.id}/agenda", data={"kind": "case", "title": "Ca tăng huyết áp",
                                                        "minutes": "20", "case_id": case.id,
                                                        "presenter_id": presenter.id})
    client = client_for(client.application, presenter)
    refused = client.post(f"/sessions/{session.id}/materials", data={
        "file": (io.BytesIO(gen_pdf("Benh nhan SDT 0912345678")), "slides.pdf")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "số điện thoại" in refused
    client.post(f"/sessions/{session.id}/materials", data={
        "file": (io.BytesIO(gen_pdf("Ca lam sang: nam 62 tuoi")), "slides.pdf")},
        content_type="multipart/form-data")
    material = db.session.execute(select(SessionMaterial)).scalar_one()
    assert material.review_status == "in_review"
    district = client_for(client.application, people["district"][0])
    assert district.get(f"/sessions/{session.id}/materials/{material.id}").status_code == 404
    client_for(client.application, people["mentor"]).post(
        f"/sessions/{session.id}/materials/{material.id}/review", data={"decision": "approve"})
    assert district.get(f"/sessions/{session.id}/materials/{material.id}").status_code == 200


def test_rating_form_once(client):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    worker = people["commune"][0]
    login(client, worker)
    clock.freeze(session.starts_at)
    client.post(f"/sessions/{session.id}/join")
    clock.freeze(session.ends_at + timedelta(minutes=1))
    from mentoring.sessions import services
    services.mark_held(db.session.get(TeachingSession, session.id))
    db.session.commit()
    assert "Đánh giá buổi sinh hoạt" in client.get(f"/sessions/{session.id}").get_data(as_text=True)
    bad = client.post(f"/sessions/{session.id}/feedback", data={"rating": "9"}, follow_redirects=True)
    assert "Hãy chọn điểm từ 1 đến 5." in bad.get_data(as_text=True)
    client.post(f"/sessions/{session.id}/feedback", data={"rating": "4", "comment": "Hữu ích"})
    again = client.post(f"/sessions/{session.id}/feedback", data={"rating": "5"}, follow_redirects=True)
    assert "Bạn đã đánh giá buổi sinh hoạt này rồi." in again.get_data(as_text=True)
    summary = client_for(client.application, people["mentor"]).get("/sessions/feedback").get_data(as_text=True)
    assert "4.0/5 (1)" in summary
