"""The JSON API and the pages: the same services behind other doors."""
import re

import pytest

from mentoring.chat import rooms, services
from mentoring.extensions import db
from tests.factories import gen_group, gen_user, login, token_headers


def _room(group):
    room = rooms.room_for_group(group)
    db.session.commit()
    return room


def test_rooms_list_carries_kind_owner_unread_and_last_message(client):
    group, people = gen_group(complete=False)
    me, other = people["commune"][0], people["district"][0]
    direct = rooms.room_for_direct(me, other)
    services.post_message(other, direct, "Chào em", "d-1")
    db.session.commit()
    body = client.get("/api/v1/rooms", headers=token_headers(me)).get_json()
    assert set(body) == {"items", "page", "per_page", "total", "total_exact"} and body["total"] == 2
    by_kind = {item["kind"]: item for item in body["items"]}
    assert by_kind["group"]["group_id"] == group.id and by_kind["group"]["case_id"] is None
    assert by_kind["direct"]["unread"] == 1 and by_kind["direct"]["last_message"]["body"] == "Chào em"
    assert by_kind["direct"]["title"] == other.full_name
    assert all("id" in item for item in body["items"])


def test_history_pages_after_an_id(client):
    group, people = gen_group(complete=False)
    room = _room(group)
    ids = [services.post_message(people["mentor"], room, f"m{n}", f"h-{n}")[0].id for n in range(5)]
    db.session.commit()
    headers = token_headers(people["commune"][0])
    page = client.get(f"/api/v1/rooms/{room.id}/messages?after={ids[1]}&per_page=2", headers=headers).get_json()
    assert [m["id"] for m in page["items"]] == ids[2:4] and page["total"] == 3
    latest = client.get(f"/api/v1/rooms/{room.id}/messages?per_page=2", headers=headers).get_json()
    assert [m["id"] for m in latest["items"]] == ids[3:]
    assert latest["items"][0]["seen_by"] == []


def test_history_of_a_foreign_or_unknown_room_is_404(client):
    group, _people = gen_group(complete=False)
    room = _room(group)
    headers = token_headers(gen_user())
    assert client.get(f"/api/v1/rooms/{room.id}/messages", headers=headers).status_code == 404
    assert client.get("/api/v1/rooms/999999/messages", headers=headers).status_code == 404
    assert client.get(f"/api/v1/rooms/{room.id}/messages?after=x", headers=headers).status_code == 422
    assert client.get("/api/v1/rooms").status_code == 401


def test_post_over_the_api_is_idempotent_and_validated(client):
    group, people = gen_group(complete=False)
    room = _room(group)
    headers = token_headers(people["commune"][0])
    url = f"/api/v1/rooms/{room.id}/messages"
    first = client.post(url, json={"body": "Xin chào", "client_id": "api-1"}, headers=headers)
    again = client.post(url, json={"body": "Xin chào", "client_id": "api-1"}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    assert client.post(url, json={"body": ""}, headers=headers).status_code == 422
    assert client.post(url, json={"body": "x" * 4001}, headers=headers).status_code == 422
    urgent = client.post(url, json={"body": "!", "urgent": True}, headers=headers)
    assert urgent.status_code == 403


def test_direct_room_api(client):
    group, people = gen_group(complete=False)
    me = people["commune"][0]
    ok = client.post("/api/v1/rooms/direct", json={"user_id": people["mentor"].id}, headers=token_headers(me))
    assert ok.status_code == 200 and ok.get_json()["kind"] == "direct"
    stranger = gen_user()
    refused = client.post("/api/v1/rooms/direct", json={"user_id": stranger.id}, headers=token_headers(me))
    # Someone you may not write to and someone who does not exist: the same answer.
    missing = client.post("/api/v1/rooms/direct", json={"user_id": stranger.id + 1000}, headers=token_headers(me))
    assert refused.status_code == missing.status_code == 404
    assert refused.get_json() == missing.get_json()
    assert refused.get_data() == missing.get_data()


def test_acknowledgement_api(client):
    group, people = gen_group(complete=False)
    room = _room(group)
    message, _ = services.post_message(people["mentor"], room, "Khẩn", "a-1", urgent=True)
    db.session.commit()
    worker = people["commune"][0]
    done = client.post(f"/api/v1/messages/{message.id}/acknowledge", headers=token_headers(worker))
    assert done.status_code == 200 and [p["id"] for p in done.get_json()["acknowledged"]] == [worker.id]
    status = client.get(f"/api/v1/messages/{message.id}/acknowledgements",
                        headers=token_headers(people["mentor"])).get_json()
    assert len(status["pending"]) == 2


def test_pages_list_and_room_work_and_escape(client):
    group, people = gen_group(complete=False)
    room = _room(group)
    services.post_message(people["mentor"], room, "<img src=x onerror=alert(1)> https://example.org", "p-1")
    db.session.commit()
    login(client, people["commune"][0])
    listing = client.get("/chat").get_data(as_text=True)
    assert group.name in listing and 'data-testid="unread"' in listing
    page = client.get(f"/chat/{room.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for hook in ("message-list", "message-input", "send-button", "typing-indicator", "receipts"):
        assert f'data-testid="{hook}"' in html
    assert "<img src=x" not in html and '<a href="https://example.org"' in html
    # Static files under content-hashed names (mentoring/assets.py).
    assert re.search(r"/static/vendor/socket\.io/socket\.io\.min\.[0-9a-f]{12}\.js", html)
    assert re.search(r"/static/js/chat\.[0-9a-f]{12}\.js", html)


def test_page_form_works_without_javascript(client):
    group, people = gen_group(complete=False)
    room = _room(group)
    login(client, people["commune"][0])
    sent = client.post(f"/chat/{room.id}", data={"body": "Không có JavaScript"})
    assert sent.status_code == 302
    empty = client.post(f"/chat/{room.id}", data={"body": "  "})
    assert empty.status_code == 200 and "Không có JavaScript" in empty.get_data(as_text=True)


def test_pages_refuse_outsiders(client):
    group, _people = gen_group(complete=False)
    room = _room(group)
    login(client, gen_user())
    assert client.get(f"/chat/{room.id}").status_code == 404
    assert client.get(f"/chat/group/{group.id}").status_code == 404


def test_case_room_follows_case_policy(client):
    cases = pytest.importorskip("tests.cases.helpers", reason="cases domain not present")
    group, people = gen_group(complete=False)
    asker = people["commune"][0]
    case = cases.gen_case(group, asker)
    db.session.commit()
    login(client, asker)
    response = client.get(f"/chat/case/{case.id}")
    assert response.status_code == 302
    room = rooms.room_for_case(case)
    assert room.kind == "case" and room.case_id == case.id and room.group_id == group.id
    assert rooms.room_for_case(case).id == room.id
    # the asker may ask for acknowledgement in their case's discussion; a peer may not
    message, _ = services.post_message(asker, room, "Cần ý kiến gấp", "case-1", urgent=True)
    assert message.urgent
    outsider = gen_user()
    with pytest.raises(Exception):
        rooms.room_for_viewer(outsider, room.id)
    items = client.get("/api/v1/rooms", headers=token_headers(asker)).get_json()["items"]
    assert {"kind": "case", "case_id": case.id} in [{"kind": i["kind"], "case_id": i["case_id"]} for i in items]


def _png(colour=(200, 30, 30)) -> bytes:
    import io
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_image_message_through_the_safe_pipeline(client):
    import io
    group, people = gen_group(complete=False)
    room = _room(group)
    author = people["commune"][0]
    headers = token_headers(author)
    url = f"/api/v1/rooms/{room.id}/attachments"
    sent = client.post(url, headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(_png()), "benh-nhan.png"), "client_id": "img-1", "body": "Ảnh"})
    assert sent.status_code == 201, sent.get_json()
    image = sent.get_json()["image"]
    assert image["width"] == 40 and sent.get_json()["body"] == "Ảnh"
    again = client.post(url, headers=headers, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(_png()), "x.png"), "client_id": "img-1"})
    assert again.get_json()["id"] == sent.get_json()["id"]  # resend: stored once
    login(client, people["mentor"])
    got = client.get(image["url"])
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert client.get(image["thumb_url"]).mimetype == "image/jpeg"
    outsider = gen_user()
    client.post("/logout")
    login(client, outsider)
    assert client.get(image["url"]).status_code == 404
    bad = client.post(url, headers=headers, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"%PDF-1.4 not an image"), "a.pdf")})
    assert bad.status_code == 415
    fake = client.post(url, headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n garbage"), "a.png")})
    assert fake.status_code == 422
    missing = client.post(url, headers=headers, content_type="multipart/form-data", data={"body": "x"})
    assert missing.status_code == 422
