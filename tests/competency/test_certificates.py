"""Certificates: issued once when requirements are met (event and nightly),
unguessable codes, renewal warnings exactly once, revocation with a reason,
no re-issue without a new decision, the PDF in Vietnamese, public
verification that shows only what the paper shows, Open Badges that resolve."""
import io
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from mentoring import clock
from mentoring.audit.models import AuditEvent
from mentoring.competency import certificates, jobs
from mentoring.competency.models import Certificate
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from tests.competency.helpers import approved_course, rate_all
from tests.factories import gen_group, gen_user, login, token_headers

NAME = "Nguyễn Thị Hồng Nhung"


def _certs(user, programme="cme-120h-5y"):
    return db.session.execute(select(Certificate).join(Certificate.programme).where(
        Certificate.user_id == user.id, Certificate.programme.has(code=programme))).unique().scalars().all()


def _certified(loaded):
    worker, coordinator = gen_user(full_name=NAME), gen_user("coordinator")
    approved_course(worker, coordinator, hours=100, days_ago=400, title="Khóa 1")
    assert _certs(worker) == []
    approved_course(worker, coordinator, hours=24, days_ago=20, title="Khóa 2")
    [cert] = _certs(worker)
    return worker, coordinator, cert


def test_the_last_requirement_met_issues_at_once_and_only_once(loaded):
    worker, coordinator, cert = _certified(loaded)
    assert cert.hours == 124 and cert.expires_on == cert.issued_on + timedelta(days=1826)
    assert re.fullmatch(r"[A-Z2-7]{24}", cert.code)
    assert certificates.issue_if_met([worker.id]) == []
    assert certificates.issue_due_certificates() == 0
    jobs.nightly_certification()
    assert len(_certs(worker)) == 1
    note = db.session.execute(select(Notification).where(Notification.user_id == worker.id,
                                                         Notification.kind == "competency.certificate_issued")).scalar_one()
    assert note.link == "/progress"


def test_the_nightly_job_issues_what_events_missed(loaded):
    worker, coordinator = gen_user(), gen_user("coordinator")
    from mentoring.competency.models import OutsideCourse
    course = approved_course(worker, coordinator, hours=23, days_ago=20)
    # Raise the hours behind the services' back: nothing was told, so nothing was issued.
    db.session.execute(OutsideCourse.__table__.update().values(hours=130).where(OutsideCourse.id == course.id))
    db.session.expire_all()
    assert _certs(worker) == []
    jobs.nightly_certification()
    assert len(_certs(worker)) == 1


def test_codes_are_unique_random_and_forgiving_to_type():
    codes = {certificates.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert certificates.normalise_code(certificates.display_code(code).lower()) == code


def test_renewal_warning_exactly_once_to_worker_and_coordinators(loaded):
    worker, coordinator, cert = _certified(loaded)
    second = gen_user("coordinator")
    warn_day = datetime.combine(cert.expires_on - timedelta(days=59), datetime.min.time(), timezone.utc)
    clock.freeze(warn_day - timedelta(days=2))
    jobs.send_renewal_warnings()
    clock.freeze(warn_day)
    jobs.send_renewal_warnings()
    jobs.send_renewal_warnings()
    db.session.commit()
    rows = db.session.execute(select(Notification.user_id).where(
        Notification.kind == "competency.certificate_expiring")).scalars().all()
    assert sorted(rows) == sorted([worker.id, coordinator.id, second.id])


def test_revocation_needs_a_reason_is_audited_and_blocks_reissue(client, loaded):
    worker, coordinator, cert = _certified(loaded)
    headers = token_headers(coordinator)
    r = client.post(f"/api/v1/certificates/{cert.code}/revoke", json={"reason": ""}, headers=headers)
    assert r.status_code == 422 and r.get_json()["error"]["fields"]["reason"] == ["Nêu lý do."]
    r = client.post(f"/api/v1/certificates/{cert.code}/revoke", json={"reason": "Hồ sơ khóa học giả mạo"},
                    headers=token_headers(worker))
    assert r.status_code == 403
    r = client.post(f"/api/v1/certificates/{cert.code}/revoke", json={"reason": "Hồ sơ khóa học giả mạo"},
                    headers=headers)
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    audit = db.session.execute(select(AuditEvent).where(AuditEvent.action == "certificate.revoked")).scalar_one()
    assert audit.actor_id == coordinator.id and audit.target_id == cert.id
    assert audit.detail["reason"] == "Hồ sơ khóa học giả mạo"
    # Requirements are still met, but nothing re-issues it without a new decision.
    jobs.nightly_certification()
    assert certificates.issue_if_met([worker.id]) == []
    assert len(_certs(worker)) == 1
    url = f"/api/v1/workers/{worker.id}/certificates"
    r = client.post(url, json={"programme": "cme-120h-5y"}, headers=headers)
    assert r.status_code == 422 and r.get_json()["error"]["fields"]["reason"] == ["Nêu lý do."]
    r = client.post(url, json={"programme": "cme-120h-5y", "reason": "Đã xác minh lại hồ sơ"}, headers=headers)
    assert r.status_code == 201 and r.get_json()["issued"] is True
    assert len(_certs(worker)) == 2
    r = client.post(url, json={"programme": "cme-120h-5y", "reason": "Lần nữa"}, headers=headers)
    assert r.status_code == 409


def test_reissue_refusal_for_a_revoked_certificate_is_a_field_message(loaded):
    worker, coordinator, cert = _certified(loaded)
    certificates.revoke_certificate(cert, coordinator, "Sai sót")
    from mentoring.errors import Conflict
    with pytest.raises(Conflict) as err:
        certificates.refuse_reissue_without_decision(worker, cert.programme)
    assert "reason" in err.value.fields


def test_the_pdf_is_vietnamese_with_its_diacritics(client, loaded):
    worker, coordinator, cert = _certified(loaded)
    login(client, worker)
    r = client.get(f"/certificates/{cert.code}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(r.data))
    text = reader.pages[0].extract_text()
    for expected in ("GIẤY CHỨNG NHẬN", NAME, "Cập nhật kiến thức y khoa liên tục", "Số giờ đào tạo được tính: 124 giờ",
                     "Mã xác thực", certificates.display_code(cert.code), f"/certificates/{cert.code}"):
        assert expected in text, expected
    fonts = {f["/BaseFont"] for f in (p["/Resources"]["/Font"][k].get_object() for p in reader.pages
                                      for k in p["/Resources"]["/Font"])}
    assert any("BeVietnamPro" in str(name) for name in fonts)
    stranger = gen_user()
    client.post("/logout")
    login(client, stranger)
    assert client.get(f"/certificates/{cert.code}/pdf").status_code == 404


def test_public_verification_says_valid_expired_revoked_and_nothing_else(client, loaded):
    worker, coordinator, cert = _certified(loaded)
    r = client.get(f"/api/v1/certificates/{cert.code}")
    body = r.get_json()
    assert r.status_code == 200 and body["status"] == "valid" and body["name"] == NAME
    assert set(body) == {"status", "name", "programme", "hours", "issued_on", "expires_on", "revoked_on"}
    page = client.get(f"/certificates/{certificates.display_code(cert.code).lower()}").get_data(as_text=True)
    assert "Giấy chứng nhận này còn hiệu lực." in page and NAME in page
    assert worker.email not in page and worker.facility.name not in page
    clock.freeze(datetime.combine(cert.expires_on + timedelta(days=1), datetime.min.time(), timezone.utc))
    assert client.get(f"/api/v1/certificates/{cert.code}").get_json()["status"] == "expired"
    assert "Giấy chứng nhận này đã hết hạn." in client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    clock.unfreeze()
    certificates.revoke_certificate(cert, coordinator, "Sai sót")
    db.session.commit()
    assert client.get(f"/api/v1/certificates/{cert.code}").get_json()["status"] == "revoked"
    assert "Giấy chứng nhận này đã bị thu hồi." in client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert client.get("/api/v1/certificates/AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/certificates/" + "A" * 70).status_code == 404


def test_verification_is_rate_limited(tmp_path, database_url, loaded):
    """Codes carry 120 random bits; the limit only slows a scanner down (a process-wide limiter)."""
    from mentoring import create_app
    from mentoring.config import TestConfig
    from mentoring.extensions import limiter
    from tests.conftest import _config_dict
    config = _config_dict(TestConfig)
    config.update(RATELIMIT_ENABLED=True, SQLALCHEMY_DATABASE_URI=database_url, INSTANCE_PATH=str(tmp_path))
    strict = create_app(config)
    try:
        client = strict.test_client()
        statuses = [client.get("/api/v1/certificates/AAAAAAAAAAAAAAAAAAAAAAAB").status_code for _ in range(31)]
        page = client.get("/certificates/AAAAAAAAAAAAAAAAAAAAAAAB").status_code
    finally:
        limiter.reset()
        limiter.enabled = False
    assert statuses[:30] == [404] * 30 and statuses[30] == 429
    assert page == 404  # the page and the API count separately


def test_open_badges_urls_resolve(client, loaded):
    worker, coordinator, cert = _certified(loaded)

    def fetch(url, status=200):
        response = client.get(urlsplit(url).path)
        assert response.status_code == status, url
        return response

    assertion = client.get(f"/certificates/{cert.code}/assertion.json").get_json()
    assert assertion["type"] == "Assertion" and assertion["verification"] == {"type": "hosted"}
    assert assertion["id"].endswith(f"/certificates/{cert.code}/assertion.json")
    assert worker.email not in str(assertion) and assertion["recipient"]["identity"].startswith("sha256$")
    badge = fetch(assertion["badge"]).get_json()
    assert badge["type"] == "BadgeClass" and badge["id"] == assertion["badge"]
    assert fetch(badge["image"]).mimetype == "image/svg+xml"
    issuer = fetch(badge["issuer"]).get_json()
    assert issuer["type"] == "Issuer" and issuer["id"] == badge["issuer"]
    certificates.revoke_certificate(cert, coordinator, "Sai sót")
    db.session.commit()
    gone = fetch(assertion["id"], 410).get_json()
    assert gone["revoked"] is True


def test_ehr_programme_needs_every_competency_at_competent_by_a_mentor(loaded):
    group, people = gen_group()
    mentor, worker = people["mentor"], people["commune"][0]
    from mentoring.competency import assessments
    for comp in ("EHR-VISIT", "EHR-BOOK", "EHR-NCD", "EHR-REPORT", "EHR-PRIVACY"):
        assessments.assess(worker, worker, {"competency": comp, "level": 4})
    assert _certs(worker, "ehr-ready") == []
    rate_all(mentor, worker, "ehr-rollout", level=2)
    assert _certs(worker, "ehr-ready") == []
    rate_all(mentor, worker, "ehr-rollout", level=3)
    [cert] = _certs(worker, "ehr-ready")
    assert cert.hours == 0
    assert db.session.execute(select(func.count()).select_from(Certificate)).scalar() == 1
