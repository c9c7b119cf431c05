"""The calendar page, the session lists (HTML and API) and the session page
run a bounded number of queries, whatever the number of sessions,
occurrences, RSVPs and register lines."""
from datetime import timedelta

from sqlalchemy import insert

from mentoring import clock
from mentoring.extensions import db
from mentoring.sessions import agenda, attendance, rsvp, services
from mentoring.sessions.models import SessionRsvp
from tests.factories import gen_group, token_headers
from tests.sessions.helpers import body, client_for, freeze


def _count(count_queries, call):
    with count_queries() as counted:
        response = call()
    assert response.status_code == 200, response.status_code
    return counted.n


def _series(group, host, title, count, **over):
    first, _ = services.schedule_session(host, body(group, title=title, recurrence="weekly", count=count, **over))
    return first


def test_calendar_lists_and_session_page_are_bounded(app, count_queries):
    freeze()
    group, people = gen_group()
    host, worker = people["mentor"], people["commune"][0]
    first = _series(group, host, "Nhỏ", 3)
    rsvp.respond(first, worker, "yes")
    agenda.add_item(first, host, {"kind": "didactic", "title": "Mở đầu", "minutes": 5,
                                  "presenter_id": people["district"][0].id})
    clock.freeze(first.starts_at + timedelta(minutes=1))  # the register shows from the start
    attendance.join(first, people["commune"][1])
    db.session.commit()
    browser, host_browser = client_for(app, worker), client_for(app, host)
    headers = token_headers(worker)
    page_url = f"/sessions/{first.id}"  # read now: the object expires at each commit
    urls = ["/sessions", "/sessions?view=week&date=2027-01-11", page_url]
    calls = {url: (lambda u=url: browser.get(u)) for url in urls}
    calls["api"] = lambda: browser.get("/api/v1/sessions?per_page=100", headers=headers)
    calls["host-page"] = lambda: host_browser.get(page_url)
    small = {name: _count(count_queries, call) for name, call in calls.items()}

    # Many more: a daily-ish load of occurrences, RSVPs, agenda, register lines.
    for n in range(6):
        other = _series(group, host, f"Chuỗi {n}", 52, starts_at=first.starts_at + timedelta(hours=n + 2))
        db.session.execute(insert(SessionRsvp), [
            {"session_id": other.id + k, "user_id": u.id, "response": "yes", "responded_at": clock.now()}
            for k in range(10) for u in people["provincial"] + people["district"]])
    for member in people["provincial"] + people["district"]:
        rsvp.respond(first, member, "maybe")
    clock.freeze(first.starts_at - timedelta(days=3))  # the agenda is made before the session
    for k in range(5):
        agenda.add_item(first, host, {"kind": "didactic", "title": f"Mục {k}", "minutes": 5,
                                      "presenter_id": people["district"][k % 4].id})
    clock.freeze(first.starts_at + timedelta(minutes=1))
    for member in people["provincial"] + people["district"]:
        attendance.join(first, member)
    db.session.commit()
    big = {name: _count(count_queries, call) for name, call in calls.items()}
    assert big["/sessions"] == small["/sessions"] and big["/sessions"] <= 16, (small, big)
    assert big["/sessions?view=week&date=2027-01-11"] == small["/sessions?view=week&date=2027-01-11"]
    assert big["api"] == small["api"] and big["api"] <= 10, (small, big)
    assert big[page_url] == small[page_url] <= 25, (small, big)
    assert big["host-page"] == small["host-page"] <= 35, (small, big)
    page = browser.get("/sessions?view=week&date=2027-01-11").get_data(as_text=True)
    assert page.count("data-session-id=") == 7  # the small series' week plus six others that week
