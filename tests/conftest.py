"""Fixtures for every test (docs/architecture.md, "Tests").

One app and one schema per test session; each test runs inside a
transaction that is rolled back at the end, with the code under test free to
commit (SQLAlchemy 2's join_transaction_mode="create_savepoint").

TEST_DATABASE_URL points the suite at PostgreSQL; without it, SQLite in a
temporary file. MENTORING_REQUIRE_SERVICES=1 (set by scripts/test.sh in CI)
turns "PostgreSQL/Redis/Chromium absent" skips into failures."""
import os
import shutil
import socket
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, text

from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from mentoring import clock, create_app
from mentoring.config import TestConfig
from mentoring.extensions import db

pytest_plugins = ["tests.factories"]

REQUIRE_SERVICES = os.environ.get("MENTORING_REQUIRE_SERVICES") == "1"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def need_service(kind: str, url: str | None, default_port: int) -> str:
    """Return the URL of a real service or skip (fail under MENTORING_REQUIRE_SERVICES)."""
    if url and _reachable(url, default_port):
        return url
    reason = f"{kind} not reachable at {url!r}" if url else f"{kind}: set its URL to run this test"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MENTORING_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        return
    need_service("PostgreSQL", url, 5432)
    # A database of our own per run, so parallel runs on one server never collide.
    with scratch_postgres_database(url, "mentoring_test") as own_url:
        yield own_url


@contextmanager
def scratch_postgres_database(server_url: str, prefix: str):
    """Create an empty PostgreSQL database next to `server_url`'s, drop it afterwards."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from mentoring.config import _normalise_db_url
    base = make_url(_normalise_db_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    application = create_app({**_config_dict(TestConfig), "SQLALCHEMY_DATABASE_URI": database_url,
                              "INSTANCE_PATH": str(instance)})
    with application.app_context():
        _fresh_schema()
        from mentoring.org.services import import_admin_units
        import_admin_units()
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()  # so the scratch database can be dropped


def _config_dict(cls) -> dict:
    return {k: getattr(cls, k) for k in dir(cls) if k.isupper()}


def _fresh_schema() -> None:
    """Build the schema from the models (the migration test checks they agree
    with migrations/) and insert the reference rows the first migration adds."""
    db.drop_all()
    db.create_all()
    from mentoring.org.models import Tier
    db.session.add_all([Tier(code=c, rank=i) for i, c in
                        enumerate(("central", "provincial", "district", "commune"), start=1)])
    db.session.commit()


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy picks the app's engine by itself; in a test every
    session must use the one connection that holds the test's transaction."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@contextmanager
def rolled_back(app):
    """An app context whose session runs inside one outer transaction that
    is rolled back at the end; code under test may commit (savepoints).
    Yields the connection (the access matrix shares one world this way)."""
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session({"bind": connection, "class_": _BoundSession,
                                          "join_transaction_mode": "create_savepoint"})
    try:
        yield connection
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()
        ctx.pop()
        clock.unfreeze()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test in a transaction that is rolled back; code under test may commit."""
    if "no_transaction" in request.keywords:
        yield None
        return
    with rolled_back(app):
        yield db.session


class _FreshContextClient(FlaskClient):
    """Each request in an app context of its own, as in production: a fresh
    `g` (Flask-Login's user, Babel's locale) and its own database session,
    instead of the test's context that Flask would otherwise reuse."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = _FreshContextClient
    return app.test_client()


@pytest.fixture
def count_queries(app):
    """with count_queries() as counted: ...; then assert counted.n <= N."""
    @contextmanager
    def counter():
        class Counted:
            n = 0
            statements: list[str] = []
        counted = Counted()
        counted.statements = []

        def before(conn, cursor, statement, params, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
                counted.n += 1
                counted.statements.append(statement)
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counted
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
    return counter


def pytest_configure(config):
    config.addinivalue_line("markers", "no_transaction: the test manages its own database")
    config.addinivalue_line("markers", "once: database-agnostic (browser, multi-process); "
                                       "scripts/test.sh runs these on the SQLite pass only")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis (REDIS_URL_TESTS, REDIS_URL, or the local default) or a skip."""
    url = os.environ.get("REDIS_URL_TESTS") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return need_service("Redis", url, 6379)


# One Chromium for the whole run (tests/browser and tests/e2e): Playwright's
# sync API refuses a second instance while one is open in the same thread.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()
