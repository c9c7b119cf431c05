"""The session routes of docs/api.md with their smallest bodies, the error
format, and the OpenAPI document."""
from datetime import timedelta

from icalendar import Calendar

from mentoring import clock
from mentoring.extensions import db
from tests.factories import gen_group, gen_user, token_headers
from tests.sessions.helpers import freeze, gen_session

SMALLEST = {"title": "Giao ban", "starts_at": "2027-01-12T14:00:00+07:00", "duration_minutes": 60,
            "video_url": "https://meet.example.org/abc"}


def test_create_list_read_with_the_smallest_bodies(client):
    freeze()
    group, people = gen_group(complete=False)
    headers = token_headers(people["mentor"])
    created = client.post("/api/v1/sessions", json={"group_id": group.id, **SMALLEST}, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["id"] and body["status"] == "scheduled" and body["starts_at"].startswith("2027-01-12T07:00")
    assert body["timezone"] == "Asia/Ho_Chi_Minh" and body["video_url"] == SMALLEST["video_url"]
    worker = token_headers(people["commune"][0])
    listed = client.get("/api/v1/sessions?from=2027-01-01&to=2027-02-01", headers=worker).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    assert set(listed) == {"items", "page", "per_page", "total", "total_exact"}
    assert client.get("/api/v1/sessions?from=2027-02-01", headers=worker).get_json()["total"] == 0
    one = client.get(f"/api/v1/sessions/{body['id']}", headers=worker).get_json()
    assert one["my_rsvp"] is None and one["agenda"] == []


def test_errors_in_the_api_format(client):
    freeze()
    group, people = gen_group(complete=False)
    _other, outsiders = gen_group(complete=False)
    headers = token_headers(people["mentor"])
    cases = [
        ({"group_id": group.id, **SMALLEST, "video_url": "http://meet.example.org"}, 422, "video_url"),
        ({"group_id": group.id, **SMALLEST, "starts_at": "2026-01-01T14:00:00+07:00"}, 422, "starts_at"),
        ({"group_id": group.id, **SMALLEST, "starts_at": "tomorrow"}, 422, "starts_at"),
        ({"group_id": group.id, **SMALLEST, "duration_minutes": None,
          "ends_at": "2027-01-12T13:00:00+07:00"}, 422, "ends_at"),
        ({"group_id": _other.id, **SMALLEST}, 422, "group_ids"),
        ({"group_id": group.id, **SMALLEST, "title": "x" * 201}, 422, "title"),
        ({"group_id": group.id, **SMALLEST, "capacity": 0}, 422, "capacity"),
    ]
    for payload, status, field in cases:
        response = client.post("/api/v1/sessions", json=payload, headers=headers)
        error = response.get_json()["error"]
        assert response.status_code == status and field in error["fields"], (payload, response.get_json())
        assert error["code"] == "validation_failed" and error["message"]
    assert client.get("/api/v1/sessions").status_code == 401
    worker = token_headers(people["commune"][0])
    assert client.post("/api/v1/sessions", json={"group_id": group.id, **SMALLEST},
                       headers=worker).status_code == 403
    assert client.get("/api/v1/sessions?from=yesterday", headers=worker).status_code == 422


def test_rsvp_attendance_ics(client):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    worker = people["commune"][0]
    headers = token_headers(worker)
    answer = client.post(f"/api/v1/sessions/{session.id}/rsvp", json={"response": "yes"}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["response"] == "yes"
    bad = client.post(f"/api/v1/sessions/{session.id}/rsvp", json={"response": "sure"}, headers=headers)
    assert bad.status_code == 422 and "response" in bad.get_json()["error"]["fields"]
    host = token_headers(people["mentor"])
    early = client.post(f"/api/v1/sessions/{session.id}/attendance", json={"user_id": worker.id, "attended": True},
                        headers=host)
    assert early.status_code == 409
    clock.freeze(session.ends_at)
    marked = client.post(f"/api/v1/sessions/{session.id}/attendance", json={"user_id": worker.id, "attended": True},
                         headers=host)
    assert marked.status_code == 200 and marked.get_json()["minutes"] == 60 and marked.get_json()["attended"]
    changed = client.post(f"/api/v1/sessions/{session.id}/attendance",
                          json={"user_id": worker.id, "attended": False}, headers=host)
    assert changed.status_code == 422 and changed.get_json()["error"]["fields"]["reason"] == \
        ["Hãy nêu lý do điều chỉnh."]
    assert client.post(f"/api/v1/sessions/{session.id}/attendance", json={"user_id": worker.id, "attended": True},
                       headers=headers).status_code == 403
    ics = client.get(f"/api/v1/sessions/{session.id}/ics", headers=headers)
    assert ics.mimetype == "text/calendar"
    assert Calendar.from_ical(ics.data).walk("VEVENT")[0].decoded("dtstart") == session.starts_at


def test_rsvp_to_a_cancelled_session_is_a_conflict(client):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    host = token_headers(people["mentor"])
    assert client.post(f"/api/v1/sessions/{session.id}/cancel", json={}, headers=host).status_code == 200
    response = client.post(f"/api/v1/sessions/{session.id}/rsvp", json={"response": "yes"},
                           headers=token_headers(people["commune"][0]))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    coordinator = token_headers(gen_user("coordinator"))
    other = gen_session(group, people["mentor"], starts_at=session.starts_at + timedelta(days=1))
    assert client.post(f"/api/v1/sessions/{other.id}/rsvp", json={"response": "yes"},
                       headers=coordinator).status_code == 403


def test_change_by_patch_keeps_what_is_not_named(client):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"], place="Hội trường", video_url=None)
    response = client.patch(f"/api/v1/sessions/{session.id}", json={"title": "Đổi tên"},
                            headers=token_headers(people["mentor"]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Đổi tên" and body["place"] == "Hội trường" and body["sequence"] == 1
    cleared = client.patch(f"/api/v1/sessions/{session.id}", json={"place": None},
                           headers=token_headers(people["mentor"]))
    assert cleared.status_code == 422 and "place" in cleared.get_json()["error"]["fields"]
    db.session.expire_all()


def test_openapi_lists_the_session_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/sessions", "/api/v1/sessions/{session_id}", "/api/v1/sessions/{session_id}/rsvp",
                 "/api/v1/sessions/{session_id}/attendance", "/api/v1/sessions/{session_id}/ics"):
        assert path in paths, path
    assert "422" in paths["/api/v1/sessions"]["post"]["responses"]
