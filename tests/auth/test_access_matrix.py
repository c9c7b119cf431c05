"""The access matrix (issue 9): every route of app.url_map and every
Socket.IO event, for every role, allowed or refused as the tables in
tests/auth/matrix/ say. A route or an event without a row fails
test_every_route_and_event_has_a_row, so a new route needs its row.

One world (the demo plus what it lacks) is built once for the module in an
outer transaction; each request runs in a savepoint rolled back after it,
so a row that deactivates someone or closes a case leaves the world as it
was for the next. Requests go through the test client with each role's
login cookie (the API takes the browser's session too)."""
import io
import os

import pytest
from flask.testing import FlaskClient

from mentoring.chat import services as chat_services
from mentoring.extensions import db, socketio
from tests.auth.matrix import ROLES, Row, SocketRow
from tests.auth.matrix import world as world_module
from tests.auth.matrix.tables import ALL_ROWS, SOCKET_ROWS
from tests.conftest import _BoundSession, rolled_back


@pytest.fixture(scope="module")
def world(app):
    with rolled_back(app) as connection:
        built = world_module.build(app)
        built.connection = connection
        built.cookies = _login_all(app)
        db.session.remove()
        yield built


def _login_all(app) -> dict:
    cookies = {"anon": None}
    for role, email in world_module.EMAILS.items():
        client = app.test_client()
        with app.app_context():
            r = client.post("/login", data={"email": email, "password": "demo-password"})
        assert r.status_code == 302, (role, r.status_code)
        cookies[role] = client.get_cookie("session").value
    return cookies


@pytest.fixture(autouse=True)
def _transaction(request, app, world):
    """Replaces the suite's per-test transaction: a savepoint in the world's."""
    ctx = app.app_context()
    ctx.push()
    savepoint = world.connection.begin_nested()
    db.session = db._make_scoped_session({"bind": world.connection, "class_": _BoundSession,
                                          "join_transaction_mode": "create_savepoint"})
    try:
        yield db.session
    finally:
        db.session.remove()
        if savepoint.is_active:
            savepoint.rollback()
        ctx.pop()


class _Client(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _refused(response, row: Row) -> bool:
    if response.status_code in (401, 403, 404) or response.status_code in row.refused_with:
        return True
    # login_required sends the anonymous to the login page with where they were going
    return response.status_code in (301, 302, 303) and "/login?next=" in response.headers.get("Location", "")


def _request(app, world, row: Row, role: str):
    client = _Client(app, use_cookies=False)
    headers = {"Cookie": f"session={world.cookies[role]}"} if world.cookies[role] else {}
    path = row.path.format(**world.ids)
    kwargs = {"headers": headers, "buffered": True}  # streamed exports close their context
    if row.files:
        data = dict(row.body or {})
        data.update({k: (io.BytesIO(body), name) for k, (body, name) in row.files.items()})
        kwargs.update(data=data, content_type="multipart/form-data")
    elif row.body is not None:
        body = {k: _fill(v, world.ids) for k, v in row.body.items()}
        if path.startswith("/api/"):
            kwargs["json"] = body
        else:
            kwargs["data"] = {k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                              for k, v in body.items()}
    return client.open(path, method=row.method, **kwargs)


def _fill(value, ids: dict):
    """"{case_a}" becomes the id itself (an int in JSON); longer text is formatted."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _observe(app, world, row: Row) -> dict:
    seen = {}
    for role in ROLES:
        savepoint = world.connection.begin_nested()
        try:
            chat_services.reset_rate_limits()
            response = _request(app, world, row, role)
        finally:
            if savepoint.is_active:
                savepoint.rollback()
        assert response.status_code < 500, (row, role, response.data[:300])
        seen[role] = (not _refused(response, row), response.status_code)
    return seen


def _row_id(row) -> str:
    return f"{row.method} {row.path}" + (f" [{row.note}]" if row.note else "")


@pytest.mark.parametrize("row", ALL_ROWS, ids=_row_id)
def test_route(app, world, row: Row):
    seen = _observe(app, world, row)
    wrong = {role: f"{'allowed' if ok else 'refused'} ({status})" for role, (ok, status) in seen.items()
             if ok != (role in row.allow)}
    if os.environ.get("MATRIX_EXPLORE"):
        print("\nEXPLORE", _row_id(row), sorted(r for r, (ok, _) in seen.items() if ok),
              {r: s for r, (_, s) in seen.items()})
        return
    assert not wrong, f"{_row_id(row)}: expected allowed for {sorted(row.allow)}, but {wrong}"


# --- Socket.IO ------------------------------------------------------------------

def _socket_outcome(app, world, row: SocketRow, role: str):
    """(allowed, what happened) for one event by one role on a fresh socket."""
    savepoint = world.connection.begin_nested()
    try:
        chat_services.reset_rate_limits()
        with app.app_context():  # handlers get a session of their own, closed before the rollback
            ack = _socket_event(app, world, row, role)
    finally:
        if savepoint.is_active:
            savepoint.rollback()
    if ack in ("connection refused", "connected"):
        return ack == "connected", ack
    if isinstance(ack, dict) and "error" in ack:
        code = ack["error"].get("code")
        assert code in ("not_found", "forbidden", "unauthorized", "conflict"), (row, role, ack)
        return code == "conflict", code
    return True, "ok"


def _socket_event(app, world, row: SocketRow, role: str):
    auth = {"token": world.tokens[role]} if role != "anon" else None
    sc = socketio.test_client(app, flask_test_client=_Client(app, use_cookies=False), auth=auth)
    if not sc.is_connected():
        return "connection refused"
    try:
        if row.event == "connect":
            return "connected"
        return sc.emit(row.event, {k: _fill(v, world.ids) for k, v in row.payload.items()}, callback=True)
    finally:
        sc.disconnect()


@pytest.mark.parametrize("row", SOCKET_ROWS, ids=lambda r: f"socket {r.event} {r.note}".strip())
def test_socket_event(app, world, row: SocketRow):
    seen = {role: _socket_outcome(app, world, row, role) for role in ROLES}
    wrong = {role: what for role, (ok, what) in seen.items() if ok != (role in row.allow)}
    if os.environ.get("MATRIX_EXPLORE"):
        print("\nEXPLORE socket", row.event, row.note, sorted(r for r, (ok, _) in seen.items() if ok), seen)
        return
    assert not wrong, f"socket {row.event} {row.note}: expected allowed for {sorted(row.allow)}, but {wrong}"


# --- coverage: a route or event without a row fails -----------------------------

def test_every_route_and_event_has_a_row(app):
    covered = {(row.rule, row.method) for row in ALL_ROWS}
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.rule, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes without a row in tests/auth/matrix/: " + "; ".join(missing)
    stale = covered - {(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods}
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"

    handlers = {name for name, _fn, namespace in socketio.handlers if namespace in ("/", None)}
    events = {row.event for row in SOCKET_ROWS} | {"disconnect"}  # disconnect decides nothing
    assert handlers - events == set(), f"socket events without a row: {sorted(handlers - events)}"
