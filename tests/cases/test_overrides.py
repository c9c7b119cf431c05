"""A suspected name or address: a warning the asker may override once with a
reason; hard identifiers never pass; an overridden case stays out of the
library until a mentor reviews it."""
import re

from sqlalchemy import func, select

from mentoring.cases import outcomes, queries
from mentoring.cases.models import Case
from mentoring.extensions import db
from tests.cases.helpers import case_body, gen_case
from tests.factories import gen_group, login, token_headers

NAMED = "Bà Hoa 67 tuổi, đau ngực trái khi gắng sức"


def _count():
    return db.session.execute(select(func.count()).select_from(Case)).scalar()


def test_api_warns_then_accepts_a_reason(client):
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    before = _count()
    r = client.post("/api/v1/cases", json=case_body(group, complaint=NAMED), headers=headers)
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "identifier_warning"
    assert "tên người “Hoa”" in error["fields"]["complaint"][0]
    assert "identifier_override_reason" in error["fields"]
    r = client.post("/api/v1/cases", json=case_body(group, complaint=NAMED, identifier_override_reason="   "),
                    headers=headers)
    assert r.status_code == 422 and "identifier_override_reason" in r.get_json()["error"]["fields"]
    assert _count() == before
    r = client.post("/api/v1/cases", json=case_body(
        group, complaint=NAMED, identifier_override_reason="“Bà Hoa” là cách gọi trong thôn, không phải tên thật."),
        headers=headers)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["awaiting_review"] is True


def test_a_reason_never_lets_a_hard_identifier_through(client):
    group, people = gen_group()
    r = client.post("/api/v1/cases", headers=token_headers(people["commune"][0]), json=case_body(
        group, complaint=NAMED + ", SĐT 0912 345 678", identifier_override_reason="Người nhà đồng ý"))
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert "số điện thoại" in error["fields"]["complaint"][0] and "tên người" in error["fields"]["complaint"][0]


def test_the_form_asks_once_and_a_changed_text_asks_again(client):
    group, people = gen_group()
    login(client, people["commune"][0])
    form = {"group_id": str(group.id), "age_years": "67", "sex": "female", "complaint": NAMED,
            "question": "Có cần chuyển tuyến không?", "patient_consent": "y", "action": "send"}
    r = client.post("/cases/new", data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="identifier_override_reason"' in html
    signature = re.search(r'name="identifier_signature" value="([0-9a-f]{16})"', html).group(1)
    # The text changed after the warning (another name appeared): the reason does not cover it.
    r = client.post("/cases/new", data={**form, "complaint": NAMED + ", con trai là anh Tuấn",
                                        "identifier_override_reason": "Tên gọi trong thôn",
                                        "identifier_signature": signature})
    assert r.status_code == 422 and "Tuấn" in r.get_data(as_text=True)
    r = client.post("/cases/new", data={**form, "identifier_override_reason": "Tên gọi trong thôn",
                                        "identifier_signature": signature})
    assert r.status_code == 302
    case = db.session.execute(select(Case).order_by(Case.id.desc())).scalars().first()
    assert case.identifier_override_reason == "Tên gọi trong thôn" and case.identifier_override_kinds == ["name"]


def test_a_draft_is_saved_without_the_warning_and_sending_asks(client):
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    r = client.post("/api/v1/cases", json=case_body(group, complaint=NAMED, draft=True), headers=headers)
    assert r.status_code == 201
    case_id = r.get_json()["id"]
    r = client.post(f"/api/v1/cases/{case_id}/send", json={}, headers=headers)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "identifier_warning"
    r = client.post(f"/api/v1/cases/{case_id}/send", json={"identifier_override_reason": "Không phải tên thật"},
                    headers=headers)
    assert r.status_code == 200 and r.get_json()["status"] == "open" and r.get_json()["awaiting_review"]


def test_the_library_waits_for_a_mentors_review(client):
    group, people = gen_group()
    asker, district, doctor = people["commune"][0], people["district"][0], people["mentor"]
    plain = gen_case(group, asker)
    kept = gen_case(group, asker, complaint=NAMED, identifier_override_reason="Tên gọi trong thôn")
    for case in (plain, kept):
        outcomes.close_case(case, asker, code="managed_at_station")
    assert {c.id for c in queries.library(doctor).items} == {plain.id}
    db.session.commit()
    login(client, asker)
    assert client.post(f"/cases/{kept.id}/review", data={"decision": "cleared"}).status_code == 403
    client.post("/logout")
    login(client, district)
    page = client.get(f"/cases/{kept.id}").get_data(as_text=True)
    assert "Tên gọi trong thôn" in page and 'value="cleared"' in page
    assert client.post(f"/cases/{kept.id}/nominate", data={"note": "Ca hay"}).status_code == 409
    assert client.post(f"/cases/{kept.id}/review", data={"decision": "maybe"}).status_code == 422
    assert client.post(f"/cases/{kept.id}/review", data={"decision": "withheld"}).status_code == 302
    assert f'data-case-id="{kept.id}"' not in client.get("/cases/library").get_data(as_text=True)
    assert client.post(f"/cases/{kept.id}/review", data={"decision": "cleared"}).status_code == 302
    assert f'data-case-id="{kept.id}"' in client.get("/cases/library").get_data(as_text=True)
    assert client.post(f"/cases/{plain.id}/review", data={"decision": "cleared"}).status_code == 409
