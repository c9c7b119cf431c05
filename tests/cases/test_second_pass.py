"""The issue's "done when", through the HTTP doors a user has: a commune
worker types "tang huyet ap" and picks I10, named in Vietnamese; submits a
hypertension follow-up with three readings; the doctor's answer turns the
case to answered at once; the worker records "managed at the station" at
the 7-day follow-up; the response report shows the share managed at the
station by province; "Bệnh nhân Nguyễn Văn Tám" in a case or chat message is
caught, and the corpus's clinical sentences all pass."""
from datetime import datetime, timedelta, timezone

from flask import g
from sqlalchemy import select

from mentoring import clock
from mentoring.cases import jobs
from mentoring.cases.models import Case
from mentoring.chat import rooms as chat_rooms
from mentoring.chat.models import ChatMessage
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from tests.cases.deident_corpus import CLINICAL
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user, login, token_headers

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


class As:
    """One person's browser: a client of its own, the login kept apart."""
    def __init__(self, app, user):
        self.client = app.test_client()
        g.pop("_login_user", None)
        login(self.client, user)

    def get(self, *a, **kw):
        g.pop("_login_user", None)
        return self.client.get(*a, **kw)

    def post(self, *a, **kw):
        g.pop("_login_user", None)
        return self.client.post(*a, **kw)


def _form(group, **over):
    base = {"group_id": str(group.id), "age_years": "62", "sex": "female", "urgency": "routine",
            "complaint": "Tái khám tăng huyết áp, đau đầu nhẹ buổi sáng",
            "question": "Huyết áp chưa đạt, có nên thêm losartan 50 mg không?",
            "icd10": "I10", "patient_consent": "y", "action": "send"}
    return {**base, **over}


def test_second_pass_journey(app):
    clock.freeze(T0)
    group, people = gen_group()
    worker, district, doctor = people["commune"][0], people["district"][0], people["mentor"]
    coordinator = gen_user("coordinator")
    earlier = gen_case(group, worker, complaint="Đau đầu, HA 170/100 lần đầu phát hiện")
    db.session.commit()
    asker, answerer, overseer = As(app, worker), As(app, district), As(app, coordinator)

    # "tang huyet ap" finds I10, named in Vietnamese.
    found = asker.get("/cases/icd10?q=tang+huyet+ap").get_json()["items"]
    assert found[0]["code"] == "I10"
    assert found[0]["description"] == "Tăng huyết áp vô căn (nguyên phát)"

    # A hypertension follow-up with three readings, linked to the worker's own earlier case.
    readings = {}
    for n, (days_ago, sbp, dbp) in enumerate(((28, 162, 98), (14, 152, 94), (1, 148, 92))):
        readings.update({f"ncd.readings.{n}.taken_on": (T0 - timedelta(days=days_ago)).date().isoformat(),
                         f"ncd.readings.{n}.systolic": str(sbp), f"ncd.readings.{n}.diastolic": str(dbp)})
    r = asker.post("/cases/new", data=_form(
        group, **readings, **{"ncd.kind": "hypertension", "ncd.adherence": "good",
                              "ncd.medications.0.name": "Amlodipine", "ncd.medications.0.dose": "10 mg",
                              "ncd.medications.0.frequency": "1 lần/ngày",
                              "ncd.complications_screened": ["ecg", "creatinine"],
                              "follow_up_of": str(earlier.id)}))
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    case = db.session.execute(select(Case).where(Case.ncd_kind == "hypertension")).scalar_one()
    assert len(case.readings) == 3 and case.follow_up_of_id == earlier.id
    page = asker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Tăng huyết áp vô căn (nguyên phát)" in page
    assert "chưa đạt mục tiêu" in page and "148/92" in page

    # The district worker's answer turns the case to "answered" at once, for everyone.
    r = answerer.post(f"/cases/{case.id}/reply", data={
        "body": "Nên thêm losartan 50 mg/ngày, kiểm tra creatinin và kali sau 2 tuần.", "recommendation": "y"})
    assert r.status_code == 302
    db.session.refresh(case)
    assert case.status == "answered" and case.answer_confirmed_at is None
    for viewer in (asker, answerer):
        assert "đã trả lời, có khuyến nghị" in viewer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'data-case-id="{case.id}"' not in answerer.get("/cases").get_data(as_text=True)
    assert "Tôi sẽ xử lý" not in answerer.get(f"/cases/{case.id}").get_data(as_text=True)
    api = asker.get(f"/api/v1/cases/{case.id}", headers=token_headers(worker)).get_json()
    assert api["status"] == "answered" and api["recommendation_given"] is True
    assert api["ncd"]["target_reached"] is False and len(api["ncd"]["readings"]) == 3

    # Seven days later the follow-up reaches the worker, who records "managed at the station".
    clock.advance(timedelta(days=7, minutes=1))
    jobs.send_outcome_reminders()
    db.session.commit()
    assert db.session.execute(select(Notification).where(
        Notification.user_id == worker.id, Notification.kind == "case.outcome_reminder")).scalars().first()
    r = asker.post(f"/cases/{case.id}/outcome", data={"outcome_code": "managed_at_station",
                                                      "outcome": "HA 132/84 sau thêm losartan, tiếp tục quản lý tại trạm."})
    assert r.status_code == 302
    db.session.refresh(case)
    assert case.status == "closed" and case.outcome_code == "managed_at_station"
    assert "xử trí tại trạm" in asker.get(f"/cases/{case.id}").get_data(as_text=True)
    # A mentor may not record the patient's outcome.
    assert answerer.post(f"/cases/{case.id}/outcome", data={"outcome_code": "died"}).status_code == 403

    # The response report shows the share managed at the station, by province.
    report = overseer.get("/cases/report").get_data(as_text=True)
    province = worker.facility.province.name
    assert "Xử trí tại trạm" in report and province in report
    row = report[report.index('data-testid="outcomes"'):]
    assert "100 %" in row

    # A name is caught in a case and in a chat message...
    r = asker.post("/cases/new", data=_form(group, complaint="Bệnh nhân Nguyễn Văn Tám, 45 tuổi, đau ngực"))
    assert r.status_code == 422
    assert "tên người “Nguyễn Văn Tám”" in r.get_data(as_text=True)
    room = chat_rooms.room_for_group(group)
    db.session.commit()
    r = asker.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "Bệnh nhân Nguyễn Văn Tám hỏi lại",
                                                              "client_id": "c-name"},
                   headers=token_headers(worker))
    assert r.status_code == 422 and "Nguyễn Văn Tám" in r.get_json()["error"]["fields"]["body"][0]
    assert db.session.execute(select(ChatMessage).where(ChatMessage.room_id == room.id)).first() is None

    # ... and every clinical sentence of the corpus passes, in a case and in chat.
    r = asker.post("/cases/new", data=_form(group, history="\n".join(CLINICAL)[:8000]))
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    for n in range(0, len(CLINICAL), 15):   # a few messages: chat has a rate limit
        body = "\n".join(CLINICAL[n:n + 15])
        r = asker.post(f"/api/v1/rooms/{room.id}/messages", json={"body": body, "client_id": f"c-{n}"},
                       headers=token_headers(worker))
        assert r.status_code in (200, 201), (body, r.get_json())
