"""Routing, escalation by the clock, reminders, report: through the services
and the scheduler's job functions, with the controllable clock."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from mentoring import clock
from mentoring.cases import jobs, outcomes, reports, services
from mentoring.cases.models import CaseEvent, CaseTimer
from mentoring.errors import Conflict, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from mentoring.org import services as org_services
from tests.cases.helpers import gen_case
from tests.factories import gen_group

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


def _notes(user, kind):
    return db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)).scalars().all()


def test_routing_skips_empty_tiers_and_emergency_goes_to_central(app):
    clock.freeze(T0)
    group, people = gen_group(complete=False)
    for m in group.memberships:
        if m.tier_code == "district":
            org_services.remove_member(m)
    case = gen_case(group, people["commune"][0])
    assert case.current_tier_code == "provincial"
    emergency = gen_case(group, people["commune"][0], urgency="emergency")
    assert emergency.current_tier_code == "central"
    assert emergency.due_at == emergency.sent_at + timedelta(minutes=30)
    assert _notes(people["mentor"], "case.new")
    assert _notes(people["commune"][0], "case.emergency")


def test_escalates_once_when_limit_passes_and_job_runs_twice(app):
    clock.freeze(T0)
    group, people = gen_group()
    case = gen_case(group, people["commune"][0], urgency="urgent")
    assert case.current_tier_code == "district"
    assert all(_notes(u, "case.new") for u in people["district"])
    clock.advance(timedelta(hours=3, minutes=59))
    jobs.escalate_overdue_cases()
    assert case.current_tier_code == "district"
    clock.advance(timedelta(minutes=2))
    jobs.escalate_overdue_cases()
    jobs.escalate_overdue_cases()
    assert case.current_tier_code == "provincial"
    escalations = db.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "escalated")).scalars().all()
    assert len(escalations) == 1 and escalations[0].user_id is None
    assert all(_notes(u, "case.escalated") for u in people["provincial"])
    clock.advance(timedelta(hours=4, minutes=1))
    jobs.escalate_overdue_cases()
    assert case.current_tier_code == "central"
    clock.advance(timedelta(days=3))
    jobs.escalate_overdue_cases()  # nothing above central
    assert case.current_tier_code == "central"
    assert _notes(people["mentor"], "case.escalated")


def test_an_answer_stops_the_clock_and_ask_again_restarts_it(app):
    clock.freeze(T0)
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    services.add_reply(case, district, "Tăng liều lên 10 mg.")
    clock.advance(timedelta(hours=49))
    jobs.escalate_overdue_cases()
    assert case.current_tier_code == "district"
    services.ask_again(case, asker, "Đã tăng mà vẫn 160/100?")
    clock.advance(timedelta(hours=48, minutes=1))
    jobs.escalate_overdue_cases()
    assert case.current_tier_code == "provincial"


def test_manual_escalation_cancels_the_pending_deadline(app):
    clock.freeze(T0)
    group, people = gen_group()
    case = gen_case(group, people["commune"][0])
    services.escalate_case(case, by=people["district"][0])
    assert case.current_tier_code == "provincial"
    pending = db.session.execute(select(CaseTimer).where(
        CaseTimer.case_id == case.id, CaseTimer.done_at.is_(None))).scalars().all()
    assert [t.tier_code for t in pending] == ["provincial"]


def test_claim_conflict_and_reply_rules(app):
    group, people = gen_group()
    case = gen_case(group, people["commune"][0])
    services.claim_case(case, people["district"][0])
    with pytest.raises(Conflict):
        services.claim_case(case, people["district"][1])
    with pytest.raises(ValidationFailed):
        services.add_reply(case, people["district"][0], "   ")
    with pytest.raises(ValidationFailed):
        services.add_reply(case, people["district"][0], "gọi cho tôi 0987654321")
    with pytest.raises(Conflict):
        outcomes.confirm_answered(case, people["commune"][0])  # nobody answered yet


def test_outcome_reminders_at_7_and_30_days_and_outcome_reaches_answerers(app):
    clock.freeze(T0)
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    services.add_reply(case, district, "Thêm metformin.", recommendation=True)
    outcomes.confirm_answered(case, asker)
    clock.advance(timedelta(days=7, minutes=1))
    jobs.send_outcome_reminders()
    jobs.send_outcome_reminders()
    assert len(_notes(asker, "case.outcome_reminder")) == 1
    outcomes.close_case(case, asker, "Đường huyết ổn định.")
    assert _notes(district, "case.outcome")
    clock.advance(timedelta(days=23))
    jobs.send_outcome_reminders()
    assert len(_notes(asker, "case.outcome_reminder")) == 2  # 30 days: did it last?
    with pytest.raises(Conflict):
        services.add_reply(case, district, "late")


def test_response_report(app):
    clock.freeze(T0)
    group, people = gen_group()
    fast = gen_case(group, people["commune"][0])
    slow = gen_case(group, people["commune"][1])
    gen_case(group, people["commune"][1])  # never answered
    clock.advance(timedelta(hours=1))
    services.add_reply(fast, people["district"][0], "ok")
    clock.advance(timedelta(hours=59))
    services.add_reply(slow, people["district"][1], "muộn")
    by_tier, by_province = reports.response_report(T0 - timedelta(days=1), T0 + timedelta(days=10))
    row = next(r for r in by_tier if r.tier == "district")
    assert row.cases == 3 and row.answered == 2
    assert row.median_minutes == 60 and row.p90_minutes == 60 * 60
    assert row.within_limit_share == pytest.approx(1 / 3)
    assert by_province and by_province[0].cases == 3


def test_time_limits_are_configurable(app):
    clock.freeze(T0)
    app.config["MENTORING_CASE_LIMIT_MINUTES"] = {"routine": 60}
    try:
        group, people = gen_group()
        case = gen_case(group, people["commune"][0])
        assert case.due_at == T0 + timedelta(minutes=60)
        urgent = gen_case(group, people["commune"][0], urgency="urgent")
        assert urgent.due_at == T0 + timedelta(hours=4)  # not configured: the default
        clock.advance(timedelta(minutes=61))
        jobs.escalate_overdue_cases()
        assert case.current_tier_code == "provincial"
    finally:
        app.config["MENTORING_CASE_LIMIT_MINUTES"] = {"routine": 48 * 60, "urgent": 4 * 60, "emergency": 30}
