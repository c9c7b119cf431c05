import io
import re

from PIL import Image
from sqlalchemy import func, select

from mentoring.cases.models import Case, CaseAttachment
from mentoring.extensions import db
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user, login

FORM = {"age_years": "54", "sex": "female", "complaint": "Đau đầu, chóng mặt 3 ngày",
        "question": "Có nên tăng liều amlodipine không?", "urgency": "routine", "icd10": "I10",
        "vitals.systolic": "172", "vitals.diastolic": "104", "vitals.pulse": "88",
        "patient_consent": "y", "action": "send"}


def test_form_rerenders_with_text_and_field_messages(client):
    group, people = gen_group()
    login(client, people["commune"][0])
    assert client.get("/cases/new").status_code == 200
    bad = {**FORM, "group_id": str(group.id), "complaint": "BN Lan, CCCD 001089012345, đau đầu",
           "vitals.systolic": "999", "icd10": "I10, ZZZ", "question": ""}
    bad.pop("patient_consent")
    r = client.post("/cases/new", data=bad)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "BN Lan, CCCD 001089012345, đau đầu" in html  # the text is kept
    assert re.search(r'id="complaint-error"[^>]*>[^<]*số CCCD', html)  # in the user's Vietnamese
    assert 'id="vitals.systolic-error"' in html
    assert 'id="icd10-error"' in html and "ZZZ" in html
    assert 'id="question-error"' in html and 'id="patient_consent-error"' in html
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == 0


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_new_case_with_photo_strips_exif_and_serves_after_policy(client):
    group, people = gen_group()
    other, other_people = gen_group()
    asker = people["commune"][0]
    login(client, asker)
    photo = _jpeg_with_gps()
    assert b"PhoneMaker" in photo
    r = client.post("/cases/new", data={**FORM, "group_id": str(group.id),
                                        "file": (io.BytesIO(photo), "nguyen-van-tam.jpg")},
                    content_type="multipart/form-data")
    assert r.status_code == 422   # a file named after the patient: the scan likely shows the name
    assert re.search(r'id="file-error"[^>]*>[^<]*tên người', r.get_data(as_text=True))
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == 0
    r = client.post("/cases/new", data={**FORM, "group_id": str(group.id),
                                        "file": (io.BytesIO(photo), "IMG_20261102_083015.jpg")},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    case = db.session.execute(select(Case).order_by(Case.id.desc())).scalars().first()
    att = db.session.execute(select(CaseAttachment).where(CaseAttachment.case_id == case.id)).scalar_one()
    assert "nguyen" not in att.stored_name
    served = client.get(f"/cases/{case.id}/attachments/{att.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert b"PhoneMaker" not in served.data
    assert not Image.open(io.BytesIO(served.data)).getexif()
    assert client.get(f"/cases/{case.id}/attachments/{att.id}/thumb").status_code == 200
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and "Đau đầu" in page.get_data(as_text=True)

    client.post("/logout")
    login(client, other_people["commune"][0])
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/attachments/{att.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/attachments/{att.id}/thumb").status_code == 404


def test_detail_actions_reply_close_nominate(client):
    group, people = gen_group()
    asker, district, doctor = people["commune"][0], people["district"][0], people["mentor"]
    case = gen_case(group, asker)
    db.session.commit()
    login(client, district)
    assert client.post(f"/cases/{case.id}/claim", data={"action": "claim"}).status_code == 302
    r = client.post(f"/cases/{case.id}/reply", data={"body": ""})
    assert r.status_code == 422 and 'id="body-error"' in r.get_data(as_text=True)
    r = client.post(f"/cases/{case.id}/reply", data={"body": "Tăng amlodipine 10 mg", "recommendation": "y"})
    assert r.status_code == 302
    client.post("/logout")
    login(client, asker)
    assert client.post(f"/cases/{case.id}/answered").status_code == 302
    r = client.post(f"/cases/{case.id}/close", data={"outcome": ""})
    assert r.status_code == 422
    assert client.post(f"/cases/{case.id}/close", data={"outcome": "HA 135/85 sau 2 tuần"}).status_code == 302
    client.post("/logout")
    login(client, doctor)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "HA 135/85 sau 2 tuần" in page
    assert client.post(f"/cases/{case.id}/nominate", data={"note": "Ca hay"}).status_code == 302
    assert "cases" in client.get("/cases/library").get_data(as_text=True)
    r = client.post(f"/cases/{case.id}/reply", data={"body": "late"})
    assert r.status_code == 409


def test_pages_render_for_each_role(client):
    group, people = gen_group()
    gen_case(group, people["commune"][0])
    db.session.commit()
    for user in (people["district"][0], people["mentor"], people["commune"][0]):
        login(client, user)
        for url in ("/cases", "/cases/search?q=dau&icd10=I10&chapter=IX&status=open", "/cases/library"):
            assert client.get(url).status_code == 200, url
        assert client.get("/cases/report").status_code == 403
        assert client.get("/cases/audit").status_code == 403
        client.post("/logout")
    admin = gen_user("admin")
    login(client, admin)
    assert client.get("/cases/report").status_code == 200
    audit = client.get("/cases/audit")
    assert audit.status_code == 200 and "đã gửi" in audit.get_data(as_text=True)
    assert client.get("/cases/search?date_from=notadate").status_code == 422


def test_every_field_error_at_once(client):
    """Shape errors (a word in a number field) and rule errors (a phone number,
    a value out of range, a missing question, a bad reading) in one round."""
    group, people = gen_group()
    login(client, people["commune"][0])
    bad = {**FORM, "group_id": str(group.id), "age_years": "năm mươi", "vitals.pulse": "nhanh",
           "vitals.systolic": "999", "complaint": "Gọi 0912 345 678", "question": "",
           "ncd.kind": "hypertension", "ncd.readings.0.taken_on": "2026-13-45",
           "ncd.readings.1.taken_on": "2026-10-01", "ncd.readings.1.systolic": "500"}
    r = client.post("/cases/new", data=bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for field in ("age_years", "vitals.pulse", "vitals.systolic", "complaint", "question",
                  "ncd.readings.0.taken_on", "ncd.readings.1.systolic"):
        assert f'id="{field}-error"' in html, field
    assert "Gọi 0912 345 678" in html and 'value="năm mươi"' in html   # nothing typed is lost
    assert html.count('class="alert-link"') >= 7                        # one summary line per field


def test_a_draft_never_demands_what_only_a_sent_case_needs(client):
    group, people = gen_group()
    login(client, people["commune"][0])
    r = client.post("/cases/new", data={"group_id": str(group.id), "complaint": "Sốt 3 ngày, chưa đo nhiệt",
                                        "action": "draft"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    draft = db.session.execute(select(Case).order_by(Case.id.desc())).scalars().first()
    assert draft.status == "draft" and draft.sex is None and draft.age_years is None
    r = client.post(f"/cases/{draft.id}/edit", data={"group_id": str(group.id), "complaint": "Sốt 3 ngày",
                                                     "action": "send"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for field in ("age_years", "sex", "question", "patient_consent"):
        assert f'id="{field}-error"' in html, field
    assert draft.status == "draft"


def test_long_fields_show_their_limit_and_the_form_keeps_a_copy_on_the_phone(client):
    group, people = gen_group()
    user = people["commune"][0]
    login(client, user)
    html = client.get("/cases/new").get_data(as_text=True)
    assert 'data-limit="2000"' in html and 'data-count-for="complaint"' in html
    assert "tối đa 2000 ký tự" in html
    assert f'data-draft-key="mentoring.cases.draft.{user.id}.new"' in html
    r = client.post("/cases/new", data={**FORM, "group_id": str(group.id)})
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f"mentoring.cases.draft.{user.id}.new" in page   # the case page tells the phone to drop its copy


def test_case_page_reads_as_a_conversation(client):
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    db.session.commit()
    login(client, district)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    question, replies, composer = (html.index('id="question"'), html.index('data-testid="replies"'),
                                   html.index('id="composer"'))
    assert question < replies < composer
    menu = html.index('data-testid="case-menu"')
    assert menu < html.index("Tôi sẽ xử lý") < question   # claim and escalate sit in the menu
    assert html.count("<textarea") == 1                    # one composer
