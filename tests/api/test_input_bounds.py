"""No request can freeze a process, and no malformed input is a 500.

The routes are read from the app itself (the OpenAPI document, the url_map,
the Socket.IO handlers), so a route added later is covered without editing
this file. Work is counted (characters the identifier check scans), never
timed: a 1 MB complaint once held a process at 100% CPU for 20 minutes."""
import re

import pytest

from mentoring.bounds import MAX_FIELD_CHARS
from mentoring.cases import deident
from mentoring.extensions import socketio
from tests.factories import PASSWORD, gen_group, login, token_headers

MEGABYTE = "a" * 1_000_000
NESTED = "[" * 100_000
SURROGATE = "x\ud800"
_WRITES = ("post", "put", "patch", "delete")
# A date is parsed by a fixed-size format (a long one is simply invalid); a file is not text.
_SELF_BOUNDED = ("date", "date-time", "binary")


@pytest.fixture
def scanned(monkeypatch):
    """Characters handed to the identifier check's tokenizer, over the test."""
    seen = {"chars": 0, "calls": 0}
    original = deident.tokenize

    def counting(text, steps):
        seen["chars"] += len(text)
        seen["calls"] += 1
        return original(text, steps)
    monkeypatch.setattr(deident, "tokenize", counting)
    return seen


def _spec(app) -> dict:
    with app.test_request_context():
        return app.extensions["mentoring_api"].spec.to_dict()


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _is_text(spec, prop: dict) -> bool:
    prop = _resolve(spec, prop)
    if prop.get("type") == "array":
        return _is_text(spec, prop.get("items", {}))
    return prop.get("type") == "string" and prop.get("format") not in ("binary",)


def _operations(app):
    """(method, url, operation) of every documented operation, ids filled with 1."""
    spec = _spec(app)
    for path, item in spec["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield spec, method, url, op


def _text_fields(spec, op):
    """(content type, field name) of every text field of the operation's body."""
    for content_type, media in op.get("requestBody", {}).get("content", {}).items():
        for name, prop in _resolve(spec, media.get("schema", {})).get("properties", {}).items():
            if _is_text(spec, prop) and not prop.get("readOnly"):
                yield content_type, name


def _text_params(spec, op):
    for param in op.get("parameters", []):
        if param.get("in") == "query" and _is_text(spec, param.get("schema", {})):
            yield param["name"]


def _html_form_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            url = re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)
            yield method.lower(), url


def _is_refused(status: int) -> bool:
    return 400 <= status < 500 and status not in (401, 403, 404, 405)


def test_a_megabyte_in_any_field_of_any_route_is_refused_before_any_work(app, client, scanned):
    group, people = gen_group()
    worker = people["commune"][0]
    headers = token_headers(worker)
    tried = 0
    for spec, method, url, op in _operations(app):
        for content_type, name in _text_fields(spec, op):
            if content_type == "application/json":
                r = client.open(url, method=method, headers=headers, json={name: MEGABYTE})
            else:  # a form that may carry a file: the large limit, each text part still bounded
                r = client.open(url, method=method, headers=headers, data={name: MEGABYTE},
                                content_type="multipart/form-data")
            assert _is_refused(r.status_code), (method, url, name, r.status_code)
            assert r.is_json and r.get_json()["error"]["code"], (method, url, name)
            tried += 1
        for name in _text_params(spec, op):
            r = client.open(url, method=method, headers=headers, query_string={name: MEGABYTE})
            assert _is_refused(r.status_code), (method, url, name, r.status_code)
            tried += 1
    login(client, worker)
    for method, url in _html_form_routes(app):
        # The body limit and the per-field limit hold for any field name, so
        # one field per encoding stands for every field of the form.
        for data, content_type in (({"body": MEGABYTE}, "application/x-www-form-urlencoded"),
                                   ({"body": MEGABYTE, "title": "x"}, "multipart/form-data")):
            r = client.open(url, method=method, data=data, content_type=content_type)
            assert _is_refused(r.status_code), (method, url, content_type, r.status_code)
            tried += 1
        r = client.open(url, method=method, query_string={"q": MEGABYTE})
        assert _is_refused(r.status_code), (method, url, "query", r.status_code)
    assert tried > 100   # the routes were found
    assert scanned["chars"] == 0  # refused at the door: no rule saw a byte of it


def test_a_megabyte_in_any_socket_event_is_an_error_ack(app, scanned):
    group, people = gen_group(complete=False)
    raw = token_headers(people["commune"][0])["Authorization"].split()[1]
    sc = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": raw})
    assert sc.is_connected()
    handlers = [name for name in socketio.server.handlers["/"] if name not in ("connect", "disconnect")]
    assert "message" in handlers and "typing" in handlers
    for name in handlers:
        for key in ("body", "room", "client_id", "message_id", "text"):
            ack = sc.emit(name, {"room": 1, key: MEGABYTE}, callback=True)
            assert ack["error"]["code"] == "validation_failed", (name, key, ack)
    sc.disconnect()
    assert scanned["chars"] == 0


def test_every_view_that_reads_a_file_takes_the_upload_limit(app):
    """A view reading request.files without @accepts_upload would refuse
    every photo over MENTORING_MAX_BODY; one marked without reading a file
    would let a large body through."""
    import inspect
    reads, marked = set(), set()
    for endpoint, view in app.view_functions.items():
        source = inspect.getsource(inspect.unwrap(view)) if not endpoint.endswith("static") else ""
        if "request.files" in source:
            reads.add(endpoint)
        if getattr(view, "accepts_upload", False):
            marked.add(endpoint)
    assert len(reads) >= 6 and reads == marked


def test_every_documented_text_field_is_bounded_at_the_schema(app):
    """A text field without maxLength in the OpenAPI document has no Length
    bound in its schema: only the door's limit would stand between it and
    the database."""
    unbounded = []
    for spec, method, url, op in _operations(app):
        for content_type, media in op.get("requestBody", {}).get("content", {}).items():
            for name, prop in _resolve(spec, media.get("schema", {})).get("properties", {}).items():
                prop = _resolve(spec, prop)
                items = _resolve(spec, prop.get("items", {})) if prop.get("type") == "array" else prop
                if items.get("type") == "string" and items.get("format") not in _SELF_BOUNDED \
                        and "enum" not in items and not items.get("maxLength"):
                    unbounded.append(f"{method} {url} {name}")
                if items.get("maxLength", 0) > MAX_FIELD_CHARS:
                    unbounded.append(f"{method} {url} {name} beyond the door's limit")
        for param in op.get("parameters", []):
            schema = _resolve(spec, param.get("schema", {}))
            if param.get("in") == "query" and schema.get("type") == "string" and "enum" not in schema \
                    and schema.get("format") not in _SELF_BOUNDED and not schema.get("maxLength"):
                unbounded.append(f"{method} {url} ?{param['name']}")
    assert unbounded == []


def test_the_door_counts_characters_before_any_pattern(app, client, scanned):
    """Just over the field limit (well under the body limit): a 422 on the
    field, and the identifier check never ran."""
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    r = client.post("/api/v1/cases", headers=headers,
                    json={"group_id": group.id, "complaint": "đau " * (MAX_FIELD_CHARS // 4 + 1)})
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["complaint"]
    assert r.get_json()["error"]["fields"]["complaint"] == [f"Tối đa {MAX_FIELD_CHARS} ký tự."]
    assert scanned["calls"] == 0


# --- never a 500 for malformed input -----------------------------------------

def test_deeply_nested_json_is_a_400_on_every_json_route(app, client):
    group, people = gen_group()
    headers = token_headers(people["commune"][0])
    tried = 0
    for spec, method, url, op in _operations(app):
        if method not in _WRITES or "application/json" not in op.get("requestBody", {}).get("content", {}):
            continue
        for auth in (headers, {}):   # the token route answers strangers too
            r = client.open(url, method=method, headers=auth, data=NESTED, content_type="application/json")
            assert r.status_code == 400, (method, url, r.status_code)
            assert r.get_json()["error"]["code"] == "bad_request", (method, url)
        tried += 1
    assert tried > 10
    # shallower than the parser's limit but deeper than any document: still a 400/422, not a 500
    r = client.post("/api/v1/auth/token", data="[" * 500 + "]" * 500, content_type="application/json")
    assert r.status_code in (400, 422)


def test_a_lone_surrogate_is_refused_everywhere(app, client):
    from mentoring.chat import rooms as chat_rooms
    from mentoring.extensions import db
    from tests.cases.helpers import case_body, gen_case
    group, people = gen_group()
    asker, mentor = people["commune"][0], people["district"][0]
    case = gen_case(group, asker)
    room = chat_rooms.room_for_group(group)
    db.session.commit()
    asker_headers, mentor_headers = token_headers(asker), token_headers(mentor)
    attempts = [
        ("/api/v1/auth/token", {}, {"email": SURROGATE, "password": "x"}, "email"),
        ("/api/v1/auth/token", {}, {"email": "a@b.vn", "password": SURROGATE}, "password"),
        ("/api/v1/cases", asker_headers, case_body(group, complaint=SURROGATE), "complaint"),
        (f"/api/v1/cases/{case.id}/replies", mentor_headers, {"body": SURROGATE}, "body"),
        (f"/api/v1/cases/{case.id}/close", mentor_headers, {"reason": SURROGATE}, "reason"),
        (f"/api/v1/rooms/{room.id}/messages", asker_headers, {"body": SURROGATE}, "body"),
        ("/api/v1/cases", asker_headers, {"group_id": group.id, SURROGATE: "x"}, "body"),
    ]
    for url, headers, body, field in attempts:
        r = client.post(url, headers=headers, json=body)
        assert r.status_code == 422, (url, r.status_code)
        assert r.get_json()["error"]["fields"] == {field: ["Giá trị không hợp lệ."]}, url
    raw = asker_headers["Authorization"].split()[1]
    sc = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": raw})
    sc.emit("join", {"room": room.id}, callback=True)
    ack = sc.emit("message", {"room": room.id, "body": SURROGATE, "client_id": "s-1"}, callback=True)
    assert ack["error"]["code"] == "validation_failed" and "body" in ack["error"]["fields"]
    sc.disconnect()


def _local(location: str) -> bool:
    return location.startswith("/") and location.isprintable() and not location.startswith("//") \
        and "\\" not in location


@pytest.mark.parametrize("target", ["/cases\r\nSet-Cookie: x=1", "/cases\n", "/\\evil.example",
                                    "/\r/evil.example", "/\t/evil.example"])
def test_a_control_character_in_next_is_a_safe_local_redirect(app, client, target):
    _group, people = gen_group(complete=False)
    user = people["commune"][0]
    r = client.post("/language/en", data={"next": target})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert r.status_code == 302 and _local(r.headers["Location"]), r.headers["Location"]
    client.post("/logout")
    r = client.post("/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 302 and _local(r.headers["Location"]), r.headers["Location"]
    r = client.post("/notifications/read", data={"next": target, "id": ["²", "7" * 30]})
    assert r.status_code == 302 and r.headers["Location"] == "/notifications"


@pytest.mark.once
@pytest.mark.no_transaction   # its own app, its own (absent) database
def test_an_unreachable_database_is_a_503_with_retry_after(app, tmp_path):
    from mentoring import create_app
    from mentoring.config import TestConfig
    from tests.live import free_port
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=f"postgresql://nobody@127.0.0.1:{free_port()}/gone",
                  SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}},
                  INSTANCE_PATH=str(tmp_path), MENTORING_TEST_RENDER_500=True)
    away = create_app(config)
    client = away.test_client()
    r = client.post("/api/v1/auth/token", json={"email": "a@b.vn", "password": "x"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert r.get_json()["error"]["code"] == "unavailable"
    r = client.post("/login", data={"email": "a@b.vn", "password": "x"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert "Hệ thống tạm thời gián đoạn" in r.get_data(as_text=True)
    with client.session_transaction() as cookie:   # someone signed in before the database went away
        cookie["_user_id"] = "1:1"
        cookie["_fresh"] = True
    for url in ("/", "/cases", "/api/v1/me"):
        r = client.get(url)
        assert r.status_code == 503 and r.headers["Retry-After"] == "30", url
    assert "Hệ thống tạm thời gián đoạn" in client.get("/cases").get_data(as_text=True)
    r = client.get("/healthz")
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert r.get_json() == {"status": "unavailable", "down": ["database"], "checks": {"database": "down"}}
    away.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    assert client.get("/healthz").get_json()["checks"] == {"database": "down", "redis": "down"}


def test_healthz_names_each_dependency(app, client, redis_url):
    assert client.get("/healthz").get_json() == {"status": "ok", "down": [], "checks": {"database": "ok"}}
    app.config["REDIS_URL"] = redis_url
    try:
        assert client.get("/healthz").get_json()["checks"] == {"database": "ok", "redis": "ok"}
    finally:
        app.config["REDIS_URL"] = None
