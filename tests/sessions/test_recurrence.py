"""Recurring sessions: expanded in the session's zone (14:00 stays 14:00
across daylight saving), materialised as rows in bulk, changed or cancelled
one occurrence at a time or from one onwards."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from mentoring import clock
from mentoring.extensions import db
from mentoring.sessions import recurrence, rsvp, services
from mentoring.sessions.models import SessionAudience, SessionReminder, SessionSeries, TeachingSession
from tests.factories import gen_group
from tests.sessions.helpers import body, freeze

PARIS = ZoneInfo("Europe/Paris")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _rows(series_id):
    return db.session.execute(select(TeachingSession).where(TeachingSession.series_id == series_id)
                              .order_by(TeachingSession.starts_at)).scalars().all()


def test_weekly_in_a_dst_zone_keeps_the_wall_clock_time():
    clock.freeze(datetime(2027, 3, 1, tzinfo=timezone.utc))
    start = datetime(2027, 3, 16, 14, 0, tzinfo=PARIS)  # DST begins 28 March
    starts = recurrence.expand(recurrence.FREQUENCIES["weekly"], "Europe/Paris", start,
                               start + timedelta(days=35))
    local = [s.astimezone(PARIS) for s in starts]
    assert [(d.hour, d.minute) for d in local] == [(14, 0)] * 6
    assert [s.hour for s in starts] == [13, 13, 12, 12, 12, 12]  # UTC moves, the wall clock does not
    assert {s.tzinfo for s in starts} == {timezone.utc}


def test_hanoi_has_no_dst_and_biweekly_monthly_rules():
    start = datetime(2027, 1, 5, 14, 0, tzinfo=HANOI)
    every_two = recurrence.expand(recurrence.FREQUENCIES["biweekly"], "Asia/Ho_Chi_Minh", start,
                                  start + timedelta(days=60))
    assert [s.astimezone(HANOI).date() for s in every_two] == [date(2027, 1, 5), date(2027, 1, 19),
                                                                 date(2027, 2, 2), date(2027, 2, 16),
                                                                 date(2027, 3, 2)]
    monthly = recurrence.expand(recurrence.FREQUENCIES["monthly"], "Asia/Ho_Chi_Minh", start,
                                start + timedelta(days=100))
    assert [s.astimezone(HANOI).day for s in monthly] == [5, 5, 5, 5]
    assert all(s.astimezone(HANOI).hour == 14 for s in monthly)


def test_a_series_is_materialised_with_audience_and_reminders():
    freeze()
    group, people = gen_group(complete=False)
    start = datetime(2027, 3, 16, 14, 0, tzinfo=PARIS)
    first, _ = services.schedule_session(people["mentor"], body(
        group, starts_at=start, timezone="Europe/Paris", recurrence="weekly", count=10))
    rows = _rows(first.series_id)
    assert len(rows) == 10 and rows[0].id == first.id
    assert all(r.starts_at.astimezone(PARIS).hour == 14 for r in rows)
    assert db.session.execute(select(func.count()).select_from(SessionAudience).where(
        SessionAudience.session_id.in_([r.id for r in rows]))).scalar() == 10
    assert db.session.execute(select(func.count()).select_from(SessionReminder).where(
        SessionReminder.session_id.in_([r.id for r in rows]))).scalar() == 30  # 24 h, 15 min, end


def test_expanding_a_year_is_a_fixed_number_of_queries(count_queries):
    freeze()
    group, people = gen_group(complete=False)
    counts = {}
    services.schedule_session(people["mentor"], body(group, recurrence="weekly", count=2, title="Warm-up"))
    for n in (5, 52):
        with count_queries() as counted:
            services.schedule_session(people["mentor"], body(group, recurrence="weekly", count=n,
                                                             title=f"Series {n}"))
        counts[n] = counted.n
    assert counts[5] == counts[52], counts


def test_open_ended_series_grows_with_the_horizon(app):
    freeze()
    group, people = gen_group(complete=False)
    first, _ = services.schedule_session(people["mentor"], body(group, recurrence="weekly"))
    before = len(_rows(first.series_id))
    assert 25 <= before <= 28  # about six months
    assert recurrence.extend_open_series() == 0  # nothing due yet: idempotent
    clock.advance(timedelta(days=30))
    added = recurrence.extend_open_series()
    assert added >= 4 and len(_rows(first.series_id)) == before + added
    assert recurrence.extend_open_series() == 0


def test_change_this_occurrence_only():
    freeze()
    group, people = gen_group(complete=False)
    first, _ = services.schedule_session(people["mentor"], body(group, recurrence="weekly", count=4))
    rows = _rows(first.series_id)
    third = rows[2]
    moved = third.starts_at + timedelta(hours=2)
    services.update_session(third, people["mentor"], {**services.input_of(third), "starts_at": moved,
                                                      "title": "Buổi đặc biệt"})
    rows = _rows(first.series_id)
    assert [r.title for r in rows] == ["Giao ban tăng huyết áp"] * 2 + ["Buổi đặc biệt", "Giao ban tăng huyết áp"]
    assert rows[2].starts_at == moved and rows[2].original_start == moved - timedelta(hours=2)
    assert recurrence.extend_open_series() == 0  # the moved one is not re-created


def test_change_this_and_all_later_splits_the_series_and_keeps_rsvps():
    freeze()
    group, people = gen_group(complete=False)
    first, _ = services.schedule_session(people["mentor"], body(group, recurrence="weekly", count=6))
    rows = _rows(first.series_id)
    worker = people["commune"][0]
    rsvp.respond(rows[3], worker, "yes")
    third = rows[2]
    new_start = third.starts_at + timedelta(hours=1)
    services.update_session(third, people["mentor"], {**services.input_of(third), "starts_at": new_start,
                                                      "title": "Giờ mới"}, scope="following")
    old = _rows(first.series_id)
    assert [r.title for r in old] == ["Giao ban tăng huyết áp"] * 2
    new_series = db.session.get(TeachingSession, third.id).series_id
    assert new_series != first.series_id
    later = _rows(new_series)
    assert [r.id for r in later] == [r.id for r in rows[2:]]  # the same rows, RSVPs kept
    assert all(r.title == "Giờ mới" for r in later)
    assert [r.starts_at for r in later] == [new_start + timedelta(weeks=i) for i in range(4)]
    assert rsvp.my_rsvps(worker, [rows[3].id])[rows[3].id].response == "yes"
    assert db.session.get(SessionSeries, first.series_id).until < third.original_start


def test_every_two_weeks_from_now_on_cancels_the_rows_no_longer_needed():
    freeze()
    group, people = gen_group(complete=False)
    first, _ = services.schedule_session(people["mentor"], body(group, recurrence="weekly", count=6))
    rows = _rows(first.series_id)
    services.update_session(rows[0], people["mentor"], {**services.input_of(rows[0]), "recurrence": "biweekly",
                                                        "count": 3}, scope="following")
    rows = _rows(first.series_id)
    scheduled = [r for r in rows if r.status == "scheduled"]
    assert [r.starts_at for r in scheduled] == [first.starts_at + timedelta(weeks=2 * i) for i in range(3)]
    assert sum(1 for r in db.session.execute(select(TeachingSession)).scalars() if r.status == "cancelled") == 3


def test_cancel_this_and_all_later():
    freeze()
    group, people = gen_group(complete=False)
    first, _ = services.schedule_session(people["mentor"], body(group, recurrence="weekly", count=5))
    rows = _rows(first.series_id)
    assert services.cancel_session(rows[1], people["mentor"], scope="following") == 4
    assert [r.status for r in _rows(first.series_id)] == ["scheduled"] + ["cancelled"] * 4
    assert recurrence.extend_open_series() == 0
