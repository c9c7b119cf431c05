"""Who may see and do what (mentoring/auth/rules/sessions.py): the audience
sees a session, its link, files, calendar and room; another group's worker
gets 404 on every one of those URLs; staff see all; the host manages."""
import io
from datetime import timedelta

import pytest

from mentoring import clock
from mentoring.auth import policy
from mentoring.chat import rooms as chat_rooms
from mentoring.extensions import db
from mentoring.sessions import agenda, queries
from tests.factories import gen_group, gen_pdf, gen_user, login, token_headers
from tests.sessions.helpers import freeze, gen_session


def test_rules(app):
    freeze()
    group, people = gen_group(complete=False)
    _other, outsiders = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    coordinator, admin = gen_user("coordinator"), gen_user("admin")
    worker, outsider, other_mentor = people["commune"][0], outsiders["commune"][0], outsiders["mentor"]
    for user in (worker, people["district"][0], people["mentor"], coordinator, admin):
        assert policy.allowed(user, "session.view", session)
    for user in (outsider, other_mentor):
        assert not policy.allowed(user, "session.view", session)
    assert policy.allowed(people["mentor"], "session.manage", session)
    assert policy.allowed(coordinator, "session.manage", session)
    assert not policy.allowed(worker, "session.manage", session)
    assert policy.allowed(worker, "session.rsvp", session)
    assert not policy.allowed(people["mentor"], "session.rsvp", session)
    assert not policy.allowed(coordinator, "session.rsvp", session)
    assert policy.allowed(people["mentor"], "session.create", group)
    assert not policy.allowed(other_mentor, "session.create", group)
    assert not policy.allowed(worker, "session.create")
    assert policy.allowed(coordinator, "session.create", group)
    mine = [s.id for s in queries.calendar(worker, session.starts_at - timedelta(days=1),
                                           session.ends_at + timedelta(days=1))]
    assert mine == [session.id]
    assert queries.calendar(outsider, session.starts_at - timedelta(days=1), session.ends_at) == []


@pytest.fixture
def setting(client):
    freeze()
    group, people = gen_group(complete=False)
    _other, outsiders = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    material = agenda.upload_material(session, people["mentor"], io.BytesIO(gen_pdf("Phac do dieu tri")), "Slide")
    room = chat_rooms.room_for_session(session)
    db.session.commit()
    return session, people, outsiders, material, room


def test_another_groups_worker_gets_404_everywhere(client, setting):
    session, people, outsiders, material, room = setting
    outsider = outsiders["commune"][0]
    login(client, outsider)
    sid = session.id
    for url in (f"/sessions/{sid}", f"/sessions/{sid}/edit", f"/sessions/{sid}/calendar.ics",
                f"/sessions/{sid}/materials/{material.id}", f"/sessions/{sid}/room",
                f"/sessions/{sid}/register.csv", f"/chat/{room.id}", f"/api/v1/sessions/{sid}",
                f"/api/v1/sessions/{sid}/ics", f"/api/v1/rooms/{room.id}/messages"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"/sessions/{sid}/rsvp", {"response": "yes"}), (f"/sessions/{sid}/join", {}),
                      (f"/sessions/{sid}/cancel", {}), (f"/sessions/{sid}/feedback", {"rating": "5"}),
                      (f"/sessions/{sid}/materials", {})):
        assert client.post(url, data=data).status_code == 404, url
    headers = token_headers(outsider)
    for url, body in ((f"/api/v1/sessions/{sid}/rsvp", {"response": "yes"}),
                      (f"/api/v1/sessions/{sid}/attendance", {"user_id": outsider.id, "attended": True}),
                      (f"/api/v1/sessions/{sid}/join", {})):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", url
    listed = client.get("/api/v1/sessions", headers=headers).get_json()
    assert listed["total"] == 0


def test_the_audience_sees_link_files_room_and_calendar(client, setting):
    session, people, _outsiders, material, room = setting
    login(client, people["commune"][0])
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "https://meet.example.org/abc" in page
    assert client.get(f"/sessions/{session.id}/materials/{material.id}").status_code == 200
    assert client.get(f"/sessions/{session.id}/calendar.ics").status_code == 200
    assert client.get(f"/sessions/{session.id}/room").status_code == 302
    assert client.get(f"/chat/{room.id}").status_code == 200
    assert client.get(f"/sessions/{session.id}/register.csv").status_code == 403


def test_staff_see_every_session(client, setting):
    session, *_ = setting
    login(client, gen_user("coordinator"))
    assert client.get(f"/sessions/{session.id}").status_code == 200
    clock.freeze(session.starts_at + timedelta(minutes=5))
    assert client.get(f"/sessions/{session.id}/register.csv").status_code == 200
