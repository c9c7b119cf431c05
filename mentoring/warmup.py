"""Warm a fresh web worker up before it takes traffic (gunicorn's
post_worker_init, see gunicorn_conf.py).

Running what a login does (one database round trip, the scrypt and pbkdf2
checks, HMAC signing, a template rendered through Babel and markupsafe, a
time zone loaded) on one thread before the worker accepts connections means
the first phones after a restart do not pay for those first uses. It costs a
few tens of milliseconds per worker start and no request. (It was added
against issue 12's SIGSEGV, on the guess that some C code initialised on
first use raced between threads; the cause turned out to be CPython 3.11's
garbage collector, see mentoring/safe_gc.py.)"""
import logging
import time

log = logging.getLogger(__name__)


def warm_up(app) -> float:
    """Exercise the first-use paths once; return the seconds it took. Never
    raises: a worker that cannot reach the database yet must still start (it
    answers 503 until it can), it merely starts cold."""
    t0 = time.perf_counter()
    try:
        _warm(app)
    except Exception:  # noqa: BLE001 - a warm-up failure is logged, never fatal
        log.warning("worker warm-up incomplete", exc_info=True)
    return time.perf_counter() - t0


def _warm(app) -> None:
    import hashlib
    import hmac
    from zoneinfo import ZoneInfo

    from markupsafe import escape
    from sqlalchemy import text
    from werkzeug.security import check_password_hash, generate_password_hash

    from mentoring.auth import services as auth_services
    from mentoring.extensions import db

    with app.test_request_context("/login", method="POST"):
        # What POST /login does, on a user that cannot exist: the users query
        # and the dummy scrypt check (authenticate's constant-time path).
        auth_services.authenticate("warm-up@invalid.invalid", "warm-up password")
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        db.session.remove()
    # Both hash families stored in the users table (bench and test accounts use pbkdf2).
    check_password_hash(generate_password_hash("warm-up", method="pbkdf2:sha256:1000"), "warm-up")
    hmac.new(b"k", b"m", hashlib.sha1).hexdigest()
    hmac.compare_digest(b"a", b"a")
    escape("<warm-up>")
    ZoneInfo(app.config.get("MENTORING_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
    # A whole anonymous page: routing, session cookie, CSRF token, Babel, Jinja.
    client = app.test_client()
    client.get("/login")
    client.get("/healthz")
