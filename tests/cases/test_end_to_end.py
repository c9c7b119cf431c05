"""The issue's "done when": in the demo, commune@demo.test posts a case with
a photo; district@demo.test sees it in the inbox and is notified live; the
central doctor sees it only after the limit passes; the reply reaches the
asker; commune2@demo.test cannot open it in any way."""
import io
from datetime import datetime, timedelta, timezone

from flask import g
from PIL import Image
from sqlalchemy import select

from mentoring import clock
from mentoring.auth.models import User
from mentoring.cases import jobs
from mentoring.cases.models import Case, CaseAttachment
from mentoring.demo import PASSWORD, seed
from mentoring.extensions import db, socketio
from mentoring.notifications.models import Notification
from tests.factories import login, token_headers


def _user(email):
    return db.session.execute(select(User).where(User.email == email)).unique().scalar_one()


class As:
    """A test client for one person. The test's app context is shared by every
    request, so flask.g (where Flask-Login caches the user) would carry one
    client's login into another's request; each call starts clean."""
    def __init__(self, app, user):
        self.client = app.test_client()
        self.user = user
        g.pop("_login_user", None)
        login(self.client, user, PASSWORD)

    def get(self, *a, **kw):
        g.pop("_login_user", None)
        return self.client.get(*a, **kw)

    def post(self, *a, **kw):
        g.pop("_login_user", None)
        return self.client.post(*a, **kw)


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 60, 60)).save(out, "JPEG")
    return out.getvalue()


def test_demo_case_flow(app):
    seed()
    db.session.commit()
    commune, district = _user("commune@demo.test"), _user("district@demo.test")
    doctor, commune2 = _user("doctor@demo.test"), _user("commune2@demo.test")
    from mentoring.org.models import MentoringGroup
    from mentoring.demo import GROUP_A
    group_a = db.session.execute(select(MentoringGroup).where(MentoringGroup.name == GROUP_A)).scalar_one()

    asker_client, district_client = As(app, commune), As(app, district)
    doctor_client, outsider_client = As(app, doctor), As(app, commune2)
    g.pop("_login_user", None)
    live = socketio.test_client(app, flask_test_client=district_client.client)
    assert live.is_connected()
    live.get_received()
    clock.freeze(datetime.now(timezone.utc))

    # The commune worker posts a case with a photo (one form, one commit).
    r = asker_client.post("/cases/new", data={
        "group_id": str(group_a.id), "age_years": "67", "sex": "male", "urgency": "routine",
        "complaint": "Phù hai chân, khó thở khi nằm", "question": "Có cần tăng lợi tiểu không?",
        "icd10": "I10, I50.0", "vitals.systolic": "158", "vitals.diastolic": "92",
        "patient_consent": "y", "action": "send",
        "file": (io.BytesIO(_photo()), "anh-benh-nhan.jpg")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    case = db.session.execute(select(Case).where(Case.complaint == "Phù hai chân, khó thở khi nằm")).scalar_one()
    attachment = db.session.execute(select(CaseAttachment).where(CaseAttachment.case_id == case.id)).scalar_one()

    # The district worker is told live and finds it in the inbox.
    pushed = [m for m in live.get_received() if m["name"] == "notification"]
    assert pushed and pushed[0]["args"][0]["kind"] == "case.new"
    assert pushed[0]["args"][0]["link"] == f"/cases/{case.id}"
    inbox = district_client.get("/cases").get_data(as_text=True)
    assert f'data-case-id="{case.id}"' in inbox
    assert district_client.get(f"/cases/{case.id}/attachments/{attachment.id}").status_code == 200

    # The central doctor does not see it waiting... until the limit passes.
    assert f'data-case-id="{case.id}"' not in doctor_client.get("/cases").get_data(as_text=True)
    clock.advance(timedelta(hours=47))
    jobs.escalate_overdue_cases(); db.session.commit()
    assert f'data-case-id="{case.id}"' not in doctor_client.get("/cases").get_data(as_text=True)
    clock.advance(timedelta(hours=1, minutes=1))
    jobs.escalate_overdue_cases(); db.session.commit()   # district -> provincial
    assert case.current_tier_code == "provincial"
    assert f'data-case-id="{case.id}"' not in doctor_client.get("/cases").get_data(as_text=True)
    clock.advance(timedelta(hours=48, minutes=1))
    jobs.escalate_overdue_cases(); db.session.commit()   # provincial -> central
    assert f'data-case-id="{case.id}"' in doctor_client.get("/cases").get_data(as_text=True)

    # The doctor replies; the asker gets it.
    r = doctor_client.post(f"/cases/{case.id}/reply", data={"body": "Thêm furosemide 20 mg, làm điện tim.",
                                                           "recommendation": "y"})
    assert r.status_code == 302
    note = db.session.execute(select(Notification).where(
        Notification.user_id == commune.id, Notification.kind == "case.reply",
        Notification.link == f"/cases/{case.id}")).scalars().first()
    assert note is not None and note.link == f"/cases/{case.id}"
    assert "furosemide" in asker_client.get(f"/cases/{case.id}").get_data(as_text=True)

    # commune2 (group B) cannot open it in any way.
    assert outsider_client.get(f"/cases/{case.id}").status_code == 404
    assert outsider_client.get(f"/cases/{case.id}/attachments/{attachment.id}").status_code == 404
    assert outsider_client.get(f"/cases/{case.id}/attachments/{attachment.id}/thumb").status_code == 404
    assert outsider_client.post(f"/cases/{case.id}/reply", data={"body": "x"}).status_code == 404
    assert outsider_client.post(f"/cases/{case.id}/close", data={"outcome": "x"}).status_code == 404
    assert f'data-case-id="{case.id}"' not in outsider_client.get("/cases").get_data(as_text=True)
    assert f"#{case.id} " not in outsider_client.get("/cases/search?q=phu").get_data(as_text=True)
    assert f"#{case.id} " not in outsider_client.get("/cases/library").get_data(as_text=True)
    api = token_headers(commune2)
    assert outsider_client.get(f"/api/v1/cases/{case.id}", headers=api).status_code == 404
    assert case.id not in [c["id"] for c in outsider_client.get("/api/v1/cases?per_page=100", headers=api).get_json()["items"]]
    assert outsider_client.post(f"/api/v1/cases/{case.id}/attachments", headers=api,
                                data={"file": (io.BytesIO(_photo()), "x.jpg")}).status_code == 404
    live.disconnect()


def test_demo_seed_is_idempotent(app):
    seed()
    db.session.flush()
    count = db.session.execute(select(Case.id)).all()
    seed()
    db.session.flush()
    assert len(db.session.execute(select(Case.id)).all()) == len(count)
    statuses = {c.status for c in db.session.execute(select(Case)).scalars()}
    assert {"open", "answered", "closed"} <= statuses
