import io

from PIL import Image

from mentoring.cases.models import Case, CaseEvent
from mentoring.extensions import db
from sqlalchemy import func, select
from tests.cases.helpers import case_body, gen_case
from tests.factories import gen_group, gen_pdf, token_headers


def test_smallest_body_is_accepted_and_sent(client):
    group, people = gen_group()
    asker = people["commune"][0]
    r = client.post("/api/v1/cases", json=case_body(group), headers=token_headers(asker))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "open" and body["id"]
    assert body["current_tier"] == "district"
    assert body["icd10"] == ["I10"]
    case = db.session.get(Case, body["id"])
    assert case.patient_consent and case.consent_at is not None


def test_draft_and_consent(client):
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    r = client.post("/api/v1/cases", json=case_body(group, draft=True, patient_consent=False),
                    headers=headers)
    assert r.status_code == 201 and r.get_json()["status"] == "draft"
    r = client.post("/api/v1/cases", json=case_body(group, patient_consent=False), headers=headers)
    assert r.status_code == 422
    assert "patient_consent" in r.get_json()["error"]["fields"]


def test_bad_input_is_refused_and_nothing_saved(client):
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    before = db.session.execute(select(func.count()).select_from(Case)).scalar()
    r = client.post("/api/v1/cases", json=case_body(
        group, vitals={"systolic": 400, "diastolic": 104}, icd10=["X99.99"], question="",
        complaint="Gọi 0912 345 678 để hỏi thêm"), headers=headers)
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert set(fields) >= {"vitals.systolic", "icd10", "question", "complaint"}
    assert "số điện thoại" in fields["complaint"][0]  # the token user reads Vietnamese
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == before


def test_wrong_types_are_422_not_500(client):
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    r = client.post("/api/v1/cases", json=case_body(group, vitals={"pulse": "fast"}), headers=headers)
    assert r.status_code == 422
    assert r.get_json()["error"]["code"]
    r = client.post("/api/v1/cases", data="nonsense", headers={**headers, "Content-Type": "application/json"})
    assert r.status_code in (400, 422)


def test_reply_escalate_close_and_reply_to_closed(client):
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    db.session.commit()
    r = client.post(f"/api/v1/cases/{case.id}/replies", json={"body": "Tăng lên 10 mg."},
                    headers=token_headers(district))
    assert r.status_code == 201 and r.get_json()["id"]
    r = client.post(f"/api/v1/cases/{case.id}/escalate", json={}, headers=token_headers(district))
    assert r.status_code == 200 and r.get_json()["current_tier"] == "provincial"
    r = client.post(f"/api/v1/cases/{case.id}/escalate", json={}, headers=token_headers(asker))
    assert r.status_code == 403
    r = client.post(f"/api/v1/cases/{case.id}/close", json={"outcome": "Huyết áp ổn định 130/80."},
                    headers=token_headers(asker))
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    r = client.post(f"/api/v1/cases/{case.id}/replies", json={"body": "Thêm nữa"},
                    headers=token_headers(district))
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "conflict"
    actions = set(db.session.execute(select(CaseEvent.action).where(CaseEvent.case_id == case.id)).scalars())
    assert {"created", "sent", "replied", "escalated", "closed"} <= actions


def test_other_group_cannot_guess_ids(client):
    group, people = gen_group()
    other, other_people = gen_group()
    case = gen_case(group, people["commune"][0])
    db.session.commit()
    outsider = token_headers(other_people["commune"][0])
    assert client.get(f"/api/v1/cases/{case.id}", headers=outsider).status_code == 404
    assert client.post(f"/api/v1/cases/{case.id}/replies", json={"body": "x"}, headers=outsider).status_code == 404
    assert client.post(f"/api/v1/cases/{case.id}/close", json={"outcome": "x"}, headers=outsider).status_code == 404
    listed = client.get("/api/v1/cases", headers=outsider).get_json()
    assert case.id not in [c["id"] for c in listed["items"]]
    r = client.post("/api/v1/cases", json=case_body(group), headers=outsider)
    assert r.status_code == 422 and "group_id" in r.get_json()["error"]["fields"]


def _png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_attachment_upload_types_and_size(client):
    group, people = gen_group()
    asker = people["commune"][0]
    case = gen_case(group, asker)
    db.session.commit()
    headers = token_headers(asker)
    url = f"/api/v1/cases/{case.id}/attachments"
    r = client.post(url, data={"file": (io.BytesIO(_png()), "x.png")}, headers=headers)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["content_type"] == "image/png"
    r = client.post(url, data={"file": (io.BytesIO(b"MZ\x90\x00 not an image"), "photo.jpg")}, headers=headers)
    assert r.status_code == 415
    r = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4" + b"0" * (10 * 1024 * 1024)), "a.pdf")},
                    headers=headers)
    assert r.status_code == 413
    assert "10 MB" in r.get_json()["error"]["message"]


def test_edge_inputs_never_500(client):
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    db.session.commit()
    h = token_headers(district)
    assert client.post(f"/api/v1/cases/{case.id}/escalate", headers=h).status_code in (200, 400, 422)
    assert client.post(f"/api/v1/cases/{case.id}/close", json={}, headers=h).status_code == 422
    assert client.post(f"/api/v1/cases/{case.id}/replies", json={"body": None}, headers=h).status_code == 422
    assert client.post(f"/api/v1/cases/{case.id}/replies", json={"body": "x", "parent_id": 999999},
                       headers=h).status_code == 422
    assert client.post(f"/api/v1/cases/{case.id}/attachments", headers=h).status_code == 422
    assert client.get("/api/v1/cases?status=bogus", headers=h).status_code == 422
    assert client.get("/api/v1/cases/999999", headers=h).status_code == 404
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/cases").status_code == 401
    r = client.post("/api/v1/cases", json={"group_id": group.id, "sex": "female", "age_years": 50,
                                           "complaint": "x", "question": "y", "icd10": "I10",
                                           "patient_consent": True}, headers=token_headers(asker))
    assert r.status_code == 422  # icd10 must be a list
    coordinator_headers = token_headers(__import__("tests.factories", fromlist=["gen_user"]).gen_user("coordinator"))
    r = client.post("/api/v1/cases", json=case_body(group), headers=coordinator_headers)
    assert r.status_code == 422 and "group_id" in r.get_json()["error"]["fields"]


def test_pdf_webp_and_broken_image(client):
    group, people = gen_group()
    asker = people["commune"][0]
    case = gen_case(group, asker)
    db.session.commit()
    headers = token_headers(asker)
    url = f"/api/v1/cases/{case.id}/attachments"
    r = client.post(url, data={"file": (io.BytesIO(gen_pdf("HbA1c 9.2%")), "ketqua.pdf")}, headers=headers)
    assert r.status_code == 201 and r.get_json()["content_type"] == "application/pdf"
    assert r.get_json()["thumbnail_url"] is None
    webp = io.BytesIO()
    Image.new("RGB", (40, 40), (1, 2, 3)).save(webp, "WEBP")
    r = client.post(url, data={"file": (io.BytesIO(webp.getvalue()), "a.bin")}, headers=headers)
    assert r.status_code == 201 and r.get_json()["content_type"] == "image/webp"
    broken = _png()[:40]
    r = client.post(url, data={"file": (io.BytesIO(broken), "a.png")}, headers=headers)
    assert r.status_code == 422 and "file" in r.get_json()["error"]["fields"]
    r = client.post(url, data={"file": (io.BytesIO(b"GIF89a......"), "a.gif")}, headers=headers)
    assert r.status_code == 415


def test_shape_and_rule_errors_come_in_one_answer(client):
    """A wrong type in one field and a phone number in another: both messages
    in the same 422, not one round each (as on the form)."""
    group, people = gen_group()
    before = db.session.execute(select(func.count()).select_from(Case)).scalar()
    r = client.post("/api/v1/cases", json=case_body(group, age_years="năm mươi",
                                                    complaint="Gọi 0912 345 678 khi cần", patient_consent=False),
                    headers=token_headers(people["commune"][0]))
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert {"age_years", "complaint", "patient_consent"} <= set(fields), fields
    assert "số điện thoại" in " ".join(fields["complaint"]).lower()
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == before
    # Anonymous callers get the shape errors only (no rules run for nobody), then 401 for the rest.
    assert client.post("/api/v1/cases", json={"group_id": "x"}).status_code in (401, 422)
