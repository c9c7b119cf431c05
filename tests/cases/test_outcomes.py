"""Status that says what happened, coded outcomes, who records them, closing
a stale case, the 7- and 30-day follow-ups however a case is closed, and
time limits per urgency and tier."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from mentoring import clock
from mentoring.auth import policy
from mentoring.cases import jobs, outcomes, services
from mentoring.cases.models import CaseTimer
from mentoring.errors import Conflict, Forbidden, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from mentoring.org.services import tier_codes
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user, login, token_headers

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


def _notes(user, kind):
    return db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)).scalars().all()


def test_the_first_reply_makes_it_answered_and_the_asker_confirms(app):
    clock.freeze(T0)
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    services.add_reply(case, asker, "Bổ sung: đã uống thuốc sáng nay.")   # the asker's own words: still open
    assert case.status == "open"
    services.add_reply(case, district, "Tăng amlodipine lên 10 mg.")
    assert case.status == "answered" and case.answered_at == T0 and case.due_at is None
    assert case.recommended_at is None
    services.mark_recommendation(case, district, services.add_reply(case, district, "Hẹn đo lại sau 2 tuần.").id)
    assert case.recommended_at is not None
    outcomes.confirm_answered(case, asker)
    assert case.status == "answered" and case.answer_confirmed_at == T0
    services.ask_again(case, asker, "Đã tăng liều nhưng HA vẫn 160/100?")
    assert case.status == "open" and case.answer_confirmed_at is None and case.due_at is not None


def test_coded_outcomes_and_who_records_them(app):
    clock.freeze(T0)
    group, people = gen_group()
    asker, district, doctor = people["commune"][0], people["district"][0], people["mentor"]
    case = gen_case(group, asker)
    services.add_reply(case, district, "Chuyển tuyến huyện nếu không đỡ.")
    with pytest.raises(ValidationFailed) as caught:
        outcomes.record_outcome(case, asker, code="cured")
    assert "outcome_code" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        outcomes.record_outcome(case, asker, code="referred")
    assert "referred_tier" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        outcomes.record_outcome(case, asker, code="referred", referred_tier="commune")   # not above the asker
    assert "referred_tier" in caught.value.fields
    with pytest.raises(ValidationFailed):
        outcomes.record_outcome(case, asker)   # neither a code nor words
    with pytest.raises(Forbidden):
        outcomes.record_outcome(case, district, code="died")
    assert case.status == "answered" and case.outcome_code is None
    outcomes.record_outcome(case, asker, "Chuyển Trung tâm Y tế huyện.", code="referred", referred_tier="district")
    assert (case.status, case.outcome_code, case.referred_tier_code) == ("closed", "referred", "district")
    assert _notes(district, "case.outcome")
    outcomes.record_outcome(case, asker, code="managed_at_station", referred_tier="district", close=False)
    assert case.outcome_code == "managed_at_station" and case.referred_tier_code is None
    assert case.outcome == "Chuyển Trung tâm Y tế huyện."   # the words stay until new ones are written
    coordinator = gen_user("coordinator")
    assert policy.allowed(coordinator, "case.outcome", case) and not policy.allowed(doctor, "case.outcome", case)
    outcomes.record_outcome(case, coordinator, code="lost_to_follow_up", close=False)
    assert case.outcome_code == "lost_to_follow_up"


def test_a_mentor_closes_a_stale_case_with_a_reason_and_the_asker_is_still_followed_up(app):
    clock.freeze(T0)
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    services.add_reply(case, district, "Cần thêm kết quả xét nghiệm.")
    with pytest.raises(ValidationFailed) as caught:
        outcomes.close_case(case, district)
    assert "reason" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        outcomes.close_case(case, district, code="managed_at_station", reason="Không phản hồi")
    assert "outcome_code" in caught.value.fields
    outcomes.close_case(case, district, reason="Không phản hồi sau 3 tuần.")
    assert case.status == "closed" and case.close_reason == "Không phản hồi sau 3 tuần."
    assert case.outcome_code is None and _notes(asker, "case.closed")
    with pytest.raises(Conflict):
        outcomes.close_case(case, district, reason="lại")
    for days in (7, 30):
        clock.freeze(T0 + timedelta(days=days, minutes=1))
        jobs.send_outcome_reminders()
    assert len(_notes(asker, "case.outcome_reminder")) == 2


def test_a_case_answered_then_closed_straight_from_open_gets_its_follow_ups(app):
    """Before: reminders were set only when the asker pressed "answered"."""
    clock.freeze(T0)
    group, people = gen_group()
    asker = people["commune"][0]
    case = gen_case(group, asker)
    services.add_reply(case, people["district"][0], "Theo dõi thêm.")
    outcomes.close_case(case, asker, "Đỡ nhiều.")
    timers = db.session.execute(select(CaseTimer.days).where(
        CaseTimer.case_id == case.id, CaseTimer.kind == "outcome_reminder")).scalars().all()
    assert sorted(timers) == [7, 30]
    unanswered = gen_case(group, asker)
    outcomes.close_case(unanswered, asker, "Người bệnh tự khỏi.")
    assert not db.session.execute(select(CaseTimer.id).where(
        CaseTimer.case_id == unanswered.id, CaseTimer.kind == "outcome_reminder")).first()


def test_limits_per_urgency_and_tier(app):
    clock.freeze(T0)
    old = app.config["MENTORING_CASE_LIMIT_MINUTES"]
    app.config["MENTORING_CASE_LIMIT_MINUTES"] = {
        "routine": {"district": 72 * 60, "provincial": 24 * 60}, "urgent": 120}
    try:
        group, people = gen_group()
        case = gen_case(group, people["commune"][0])
        assert case.due_at == T0 + timedelta(hours=72)
        urgent = gen_case(group, people["commune"][0], urgency="urgent")
        assert urgent.due_at == T0 + timedelta(minutes=120)   # the old shape still works
        clock.advance(timedelta(hours=71))
        jobs.escalate_overdue_cases()
        assert case.current_tier_code == "district"
        clock.advance(timedelta(hours=1, minutes=1))
        jobs.escalate_overdue_cases()
        assert case.current_tier_code == "provincial"
        assert case.due_at == clock.now() + timedelta(hours=24)
        limits = services.limits_by_tier()
        assert [tier for tier, _ in limits] == tier_codes()[:-1]
        central = dict(limits)["central"]
        assert central["routine"] == timedelta(hours=48)   # not listed: the default
    finally:
        app.config["MENTORING_CASE_LIMIT_MINUTES"] = old


def test_pages_and_api_for_outcomes(client):
    clock.freeze(T0)
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    db.session.commit()
    login(client, district)
    client.post(f"/cases/{case.id}/reply", data={"body": "Tăng liều."})
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "đã được trả lời" in page and "Tôi sẽ xử lý" not in page
    assert 'name="outcome_code"' not in page    # a mentor closes with a reason, never the outcome
    r = client.post(f"/cases/{case.id}/close", data={"reason": ""})
    assert r.status_code == 422 and 'id="reason-error"' in r.get_data(as_text=True)
    client.post("/logout")
    headers = token_headers(asker)
    r = client.post(f"/api/v1/cases/{case.id}/outcome", json={"outcome_code": "teleported"}, headers=headers)
    assert r.status_code == 422 and "outcome_code" in r.get_json()["error"]["fields"]
    r = client.post(f"/api/v1/cases/{case.id}/outcome", json={"outcome_code": "referred",
                                                               "referred_tier": "provincial"}, headers=headers)
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    assert r.get_json()["referred_tier"] == "provincial"
    r = client.post(f"/api/v1/cases/{case.id}/outcome", json={"outcome_code": "died"},
                    headers=token_headers(district))
    assert r.status_code == 403
