"""Calendars that real programs import: icalendar parses them back with the
zone-aware start, stable UIDs, SEQUENCE bumped on change, STATUS:CANCELLED."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from mentoring.extensions import db
from mentoring.sessions import ical, services
from tests.factories import gen_group, login
from tests.sessions.helpers import freeze, gen_session

PARIS = ZoneInfo("Europe/Paris")


def _event(raw: bytes):
    cal = Calendar.from_ical(raw)
    [event] = cal.walk("VEVENT")
    return cal, event


def test_ics_parses_back_with_its_zone_and_bumps_sequence():
    freeze()
    group, people = gen_group(complete=False)
    start = datetime(2027, 4, 6, 14, 0, tzinfo=PARIS)  # summer time
    session = gen_session(group, people["mentor"], starts_at=start, timezone="Europe/Paris",
                          place="Phòng họp A")
    cal, event = _event(ical.calendar_bytes([session]))
    dtstart = event.decoded("dtstart")
    assert dtstart == start and dtstart.utcoffset() == timedelta(hours=2)
    assert str(dtstart.tzinfo) in ("Europe/Paris", "CEST") or getattr(dtstart.tzinfo, "key", "") == "Europe/Paris"
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert event.decoded("dtend") - dtstart == timedelta(hours=1)
    assert str(event["uid"]) == f"teaching-session-{session.id}@mentoring-1442"
    assert event["status"] == "CONFIRMED" and int(event["sequence"]) == 0
    services.update_session(session, people["mentor"], {**services.input_of(session),
                                                        "starts_at": start + timedelta(days=1)})
    _cal, moved = _event(ical.calendar_bytes([session]))
    assert str(moved["uid"]) == str(event["uid"]) and int(moved["sequence"]) == 1
    services.cancel_session(session, people["mentor"])
    _cal, gone = _event(ical.calendar_bytes([session]))
    assert gone["status"] == "CANCELLED" and int(gone["sequence"]) == 2


def test_subscription_feed_secret_and_revocation(client):
    freeze()
    group, people = gen_group(complete=False)
    mine = gen_session(group, people["mentor"])
    _other, outsiders = gen_group(complete=False)
    theirs = gen_session(_other, outsiders["mentor"])
    worker = people["commune"][0]
    raw = ical.issue_feed_token(worker)
    db.session.commit()
    assert raw not in str(ical.active_token(worker).token_hash)
    response = client.get(f"/sessions/feed/{raw}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    uids = [str(e["uid"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]
    assert uids == [ical.uid_of(mine)] and ical.uid_of(theirs) not in uids
    newer = ical.issue_feed_token(worker)
    db.session.commit()
    assert client.get(f"/sessions/feed/{raw}.ics").status_code == 404
    assert client.get(f"/sessions/feed/{newer}.ics").status_code == 200
    ical.revoke_feed(worker)
    db.session.commit()
    assert client.get(f"/sessions/feed/{newer}.ics").status_code == 404


def test_subscription_page_shows_the_link_once(client):
    freeze()
    group, people = gen_group(complete=False)
    worker = people["commune"][0]
    login(client, worker)
    page = client.post("/sessions/subscription", data={"action": "issue"}).get_data(as_text=True)
    assert "/sessions/feed/" in page and "Liên kết riêng của bạn" in page
    again = client.get("/sessions/subscription").get_data(as_text=True)
    assert "/sessions/feed/" not in again
    client.post("/sessions/subscription", data={"action": "revoke"})
    assert ical.active_token(worker) is None
