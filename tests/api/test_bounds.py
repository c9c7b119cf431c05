"""Numbers from outside beyond what the database holds: 404 or 422, never an
integer overflow (found by schemathesis: /cases/<10^26>/send and
?page=10^34 answered 500 on PostgreSQL)."""
import pytest

from mentoring.bounds import MAX_ID, MAX_PAGE
from tests.factories import gen_group, gen_user, login, token_headers

HUGE = [MAX_ID + 1, 2 ** 63 + 1, 10 ** 26]


@pytest.mark.parametrize("number", HUGE)
def test_ids_beyond_the_database_are_not_found(client, number):
    _group, people = gen_group()
    headers = token_headers(people["district"][0])
    for method, url in (("get", f"/api/v1/cases/{number}"), ("post", f"/api/v1/cases/{number}/send"),
                        ("get", f"/api/v1/groups/{number}"), ("post", f"/api/v1/messages/{number}/acknowledge"),
                        ("get", f"/api/v1/rooms/{number}/messages")):
        r = getattr(client, method)(url, headers=headers, json={})
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found", url
    login(client, people["district"][0])
    assert client.get(f"/cases/{number}").status_code == 404
    assert client.get(f"/chat/{number}").status_code == 404


def test_pages_and_ids_in_queries_and_bodies_are_checked(client):
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    for url in (f"/api/v1/groups?page={MAX_PAGE + 1}", f"/api/v1/cases?page={10 ** 34}",
                f"/api/v1/cases?group_id={10 ** 20}", f"/api/v1/rooms/1/messages?after={2 ** 40}"):
        r = client.get(url, headers=headers)
        assert r.status_code in (404, 422), url
        assert r.status_code == 404 or r.get_json()["error"]["fields"], url
    r = client.get(f"/api/v1/groups?page={MAX_PAGE}", headers=headers)
    assert r.status_code == 200 and r.get_json()["items"] == []
    r = client.post("/api/v1/cases", headers=headers, json={"group_id": 10 ** 20, "question": "?"})
    assert r.status_code == 422 and "group_id" in r.get_json()["error"]["fields"]
    r = client.post("/api/v1/rooms/direct", headers=headers, json={"user_id": 2 ** 40})
    assert r.status_code == 422 and "user_id" in r.get_json()["error"]["fields"]
    # the HTML lists read ?page= themselves and clamp it
    login(client, people["commune"][0])
    for url in (f"/groups?page={10 ** 30}", f"/facilities?page={10 ** 30}", f"/cases?page={10 ** 30}"):
        assert client.get(url).status_code == 200, url


def test_a_nul_character_is_refused_at_every_http_door(client):
    """PostgreSQL cannot store NUL in text (schemathesis: closing a case with
    "\\u0000" in the outcome answered 500). The socket door: tests/chat/test_events.py."""
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    r = client.post("/api/v1/cases", headers=headers, json={"group_id": group.id, "question": "a\x00b"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"question": ["Giá trị không hợp lệ."]}
    r = client.post("/api/v1/cases", headers=headers, json={"group_id": group.id, "icd10": ["I10", "I1\x00"],
                                                             "vitals": {"pulse": "8\x00"}})
    assert set(r.get_json()["error"]["fields"]) == {"icd10"}  # a list's items are the list's field
    r = client.post("/api/v1/cases", headers=headers, json={"group_id": group.id, "vitals": {"pulse": "8\x00"}})
    assert r.get_json()["error"]["fields"] == {"vitals.pulse": ["Giá trị không hợp lệ."]}
    r = client.get("/api/v1/cases?q=%00", headers=headers)
    assert r.status_code == 422 and "q" in r.get_json()["error"]["fields"]
    login(client, people["commune"][0])
    assert client.post("/cases/new", data={"complaint": "x\x00"}).status_code == 422


def test_html_forms_refuse_ids_beyond_the_database(client):
    group, people = gen_group()
    login(client, gen_user("coordinator"))
    huge = str(10 ** 30)
    r = client.post(f"/groups/{group.id}", data={"action": "add", "user_id": huge, "tier_code": "commune"})
    assert r.status_code == 422 and "user_id-error" in r.get_data(as_text=True)
    for action in ("supervise", "remove"):
        r = client.post(f"/groups/{group.id}", data={"action": action, "membership_id": huge, "supervisor_id": huge})
        assert r.status_code in (302, 404, 422), action
    client.post("/logout")
    login(client, gen_user("admin"))  # facilities are the admins'
    r = client.post("/facilities", data={"name": "Trạm", "kind": "commune_health_station",
                                         "province_code": huge, "commune_code": huge})
    assert r.status_code == 422 and "Trạm" in r.get_data(as_text=True)
    assert client.get(f"/facilities?province={huge}").status_code == 200
    assert client.get(f"/facilities/communes?province={huge}").status_code in (200, 404)
    assert client.get(f"/cases/audit?case_id={huge}").status_code == 200
