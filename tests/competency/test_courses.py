"""Outside courses through the doors: a PDF or image certificate, hours
bounded, approval by someone else with a reason to refuse; nothing
half-saved when refused."""
import io
from datetime import timedelta

from sqlalchemy import func, select

from mentoring import clock
from mentoring.audit.models import AuditEvent
from mentoring.competency.models import OutsideCourse, TrainingCredit
from mentoring.extensions import db
from tests.competency.helpers import png
from tests.factories import gen_pdf, gen_user, login, token_headers


def _form(**over):
    ended = clock.now().date() - timedelta(days=3)
    data = {"title": "Cập nhật điều trị đái tháo đường", "provider": "Bệnh viện Nội tiết Trung ương",
            "started_on": (ended - timedelta(days=1)).isoformat(), "ended_on": ended.isoformat(), "hours": "12"}
    data.update(over)
    return data


def _post(client, headers, file=(b"", "x"), **over):
    data = _form(**over)
    data["file"] = (io.BytesIO(file[0]), file[1])
    return client.post("/api/v1/outside-courses", data=data, headers=headers, content_type="multipart/form-data")


def _count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_submit_approve_credit(client, loaded):
    worker, coordinator = gen_user(), gen_user("coordinator")
    r = _post(client, token_headers(worker), (gen_pdf("Certificate of attendance"), "chung-chi.pdf"))
    assert r.status_code == 201, r.get_json()
    course_id = r.get_json()["id"]
    assert r.get_json()["status"] == "pending" and r.get_json()["content_type"] == "application/pdf"
    r = client.post(f"/api/v1/outside-courses/{course_id}/decision", json={"approve": True},
                    headers=token_headers(coordinator))
    assert r.status_code == 200 and r.get_json()["status"] == "approved"
    credit = db.session.execute(select(TrainingCredit).where(TrainingCredit.user_id == worker.id)).scalar_one()
    assert (credit.source_kind, credit.source_id, credit.hours) == ("outside_course", course_id, 12)
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "competency.course_approved")).first()
    r = client.post(f"/api/v1/outside-courses/{course_id}/decision", json={"approve": True},
                    headers=token_headers(coordinator))
    assert r.status_code == 409


def test_bad_files_and_hours_are_refused_and_nothing_is_kept(client, loaded):
    worker = gen_user()
    headers = token_headers(worker)
    r = _post(client, headers, (b"MZ\x90\x00 not a certificate", "chung-chi.exe"))
    assert r.status_code == 415
    assert r.get_json()["error"]["fields"]["file"] == ["Chỉ nhận ảnh JPEG, PNG, WebP và tệp PDF."]
    for hours, message in (("-3", "Nhập số giờ, lớn hơn 0."), ("0", "Nhập số giờ, lớn hơn 0."),
                           ("49", "Tối đa 24 giờ mỗi ngày: 2 ngày chỉ được tính tối đa 48 giờ.")):
        r = _post(client, headers, (png(), "anh.png"), hours=hours)
        assert r.status_code == 422, hours
        assert r.get_json()["error"]["fields"]["hours"] == [message]
    r = _post(client, headers, (png(), "anh.png"), hours="nhiều")
    assert r.status_code == 422 and "hours" in r.get_json()["error"]["fields"]
    r = _post(client, headers, (png(), "anh.png"), ended_on="2020-01-01", started_on="2020-02-01")
    assert r.get_json()["error"]["fields"]["ended_on"] == ["Ngày kết thúc không thể trước ngày bắt đầu."]
    r = _post(client, headers, (png(), "anh.png"), title="x" * 301)
    assert r.status_code == 422 and "title" in r.get_json()["error"]["fields"]
    assert _count(OutsideCourse) == 0


def test_nobody_approves_their_own_course_and_refusal_needs_a_reason(client, loaded):
    coordinator, other = gen_user("coordinator"), gen_user("coordinator")
    worker = gen_user()
    from mentoring.competency import courses
    own = courses.submit_course(coordinator, {"title": "Quản lý đào tạo", "provider": "Bộ Y tế",
                                              "started_on": clock.now().date() - timedelta(days=2),
                                              "ended_on": clock.now().date() - timedelta(days=1),
                                              "hours": 8}, io.BytesIO(png()))
    theirs = courses.submit_course(worker, {"title": "Tiêm chủng an toàn", "provider": "CDC tỉnh",
                                            "started_on": clock.now().date() - timedelta(days=2),
                                            "ended_on": clock.now().date() - timedelta(days=1),
                                            "hours": 8}, io.BytesIO(png()))
    db.session.commit()
    r = client.post(f"/api/v1/outside-courses/{own.id}/decision", json={"approve": True},
                    headers=token_headers(coordinator))
    assert r.status_code == 403
    assert r.get_json()["error"]["fields"]["approve"] == ["Không ai được tự duyệt khóa học của chính mình."]
    r = client.post(f"/api/v1/outside-courses/{theirs.id}/decision", json={"approve": False},
                    headers=token_headers(other))
    assert r.status_code == 422 and r.get_json()["error"]["fields"]["reason"] == ["Nêu lý do không duyệt khóa học."]
    r = client.post(f"/api/v1/outside-courses/{theirs.id}/decision", json={"approve": True},
                    headers=token_headers(worker))
    assert r.status_code == 403
    r = client.post(f"/api/v1/outside-courses/{theirs.id}/decision",
                    json={"approve": False, "reason": "Giấy chứng nhận không rõ đơn vị cấp"},
                    headers=token_headers(other))
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert _count(TrainingCredit) == 0


def test_html_course_form_and_queue(client, loaded):
    worker, coordinator = gen_user(), gen_user("coordinator")
    login(client, worker)
    data = _form(hours="-1")
    data["file"] = (io.BytesIO(png()), "anh.png")
    r = client.post("/progress/courses", data=data, content_type="multipart/form-data")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Nhập số giờ, lớn hơn 0." in page and "Cập nhật điều trị đái tháo đường" in page
    assert "Vui lòng chọn lại tệp: tệp chưa được lưu." in page
    data = _form()
    data["file"] = (io.BytesIO(png()), "anh.png")
    assert client.post("/progress/courses", data=data, content_type="multipart/form-data").status_code == 302
    course = db.session.execute(select(OutsideCourse)).scalar_one()
    assert client.get(f"/competency/courses/{course.id}/file").status_code == 200
    client.post("/logout")
    login(client, coordinator)
    assert "Cập nhật điều trị đái tháo đường" in client.get("/competency/courses").get_data(as_text=True)
    r = client.post(f"/competency/courses/{course.id}/decision", data={"approve": "false"})
    assert r.status_code == 422 and "Nêu lý do không duyệt khóa học." in r.get_data(as_text=True)
    r = client.post(f"/competency/courses/{course.id}/decision", data={"approve": "true"})
    assert r.status_code == 302
    assert client.get(f"/competency/courses/{course.id}/file").status_code == 200
    stranger = gen_user()
    client.post("/logout")
    login(client, stranger)
    assert client.get(f"/competency/courses/{course.id}/file").status_code == 404
