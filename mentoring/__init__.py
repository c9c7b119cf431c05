"""The 1-4-4-2 tele-mentoring platform."""
import json
import os
import re
import secrets
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request

from mentoring import config as config_module
from mentoring.bounds import IdConverter, limit_body, refuse_nul_in_request
from mentoring.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio

DOMAINS = ("auth", "org", "audit", "notifications", "cases", "chat", "sessions", "competency")


def create_app(config: dict | type | None = None) -> Flask:
    instance_path = (config.get("INSTANCE_PATH") if isinstance(config, dict) else None) \
        or os.environ.get("MENTORING_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.path.abspath(instance_path) if instance_path else None)
    app.url_map.converters["int"] = IdConverter  # before any route: ids the database can hold
    app.config.from_object(config_module.Config)
    if isinstance(config, type):
        app.config.from_object(config)
    config_module.from_environment(app.config)
    for key, value in os.environ.items():
        if key.startswith("MENTORING_"):
            app.config[key] = _loads(value)
    if isinstance(config, dict):
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_module.finalise(app.config, app.instance_path)
    _secret_key(app)

    _init_extensions(app)
    _trust_proxies(app)
    _register_blueprints(app)
    _register_cli(app)
    from mentoring import assets, errors_http, safe_gc, templating
    safe_gc.install(app)  # before any request: CPython 3.11's collector (see safe_gc)
    errors_http.register(app)
    templating.register(app)
    assets.init_app(app)
    # The body limit goes before every other hook (CSRF reads the form).
    app.before_request_funcs.setdefault(None, []).insert(0, limit_body)
    app.before_request(refuse_nul_in_request)
    app.after_request(_security_headers)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind nginx (scripts/prod.sh), every request comes from 127.0.0.1: the
    per-address login limit would then be one limit for the whole province.
    MENTORING_TRUSTED_PROXIES=N trusts the last N X-Forwarded-For/-Proto hops."""
    hops = int(app.config.get("MENTORING_TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _security_headers(response):
    from flask import current_app
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data: blob:; "
                                f"style-src 'self' 'unsafe-inline'; connect-src {_connect_sources()}; "
                                "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'")
    hsts = int(current_app.config.get("MENTORING_HSTS_SECONDS") or 0)
    if hsts and current_app.config.get("SESSION_COOKIE_SECURE"):
        # Production serves only HTTPS (docs/deploy.md); browsers ignore it over http.
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
    _no_store(response)
    return response


_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def _connect_sources() -> str:
    """'self' and this origin's WebSocket (Socket.IO): older Safari does not
    count ws:/wss: as 'self'. Any other host stays out."""
    host = request.host if has_request_context() else ""
    if not _HOST.match(host or ""):
        return "'self'"
    return f"'self' ws://{host} wss://{host}"


def _no_store(response) -> None:
    """Nothing a person saw after logging in stays in a shared phone's or a
    proxy's cache: cases and chat are health data. Static files (the same
    for everyone) keep their own caching."""
    if not has_request_context() or request.endpoint == "static" or request.path.startswith("/static/"):
        return
    from flask import g, session
    declared = response.headers.get("Cache-Control", "")
    if "public" in declared:
        return  # a view said it is the same for everyone (a manifest, a public page)
    # Who is signed in, without loading the user here: an answer that never
    # looked (/healthz while the database is away) must not start to now.
    # Nor reloading it: a loaded user was active when loaded (the loader
    # refuses others), and after the view's commit reading `active` again
    # cost a query on every page that writes.
    user = g.get("_login_user")
    signed_in = not user.is_anonymous if user is not None else "_user_id" in session
    if request.path.startswith("/api/") or signed_in:
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers.setdefault("Cache-Control", "no-store")


def _loads(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value


def _secret_key(app: Flask) -> None:
    """SECRET_KEY from the environment; for a single dev process, a key kept
    in instance/ so logins survive restarts. Several processes must share one
    key set explicitly, so we refuse to start them with a private one; and
    they must share a Socket.IO queue (REDIS_URL), or a chat message sent to
    one process never reaches the people connected to another."""
    multiprocess = os.environ.get("MENTORING_MULTIPROCESS") or os.environ.get("WEB_CONCURRENCY")
    if multiprocess and not app.config.get("REDIS_URL"):
        raise RuntimeError("REDIS_URL must be set when several processes serve the app "
                           "(the Socket.IO message queue joins them)")
    if app.config.get("SECRET_KEY"):
        return
    if multiprocess:
        raise RuntimeError("SECRET_KEY must be set when several processes serve the app")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _init_extensions(app: Flask) -> None:
    from sqlalchemy import event
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_pragmas(db.engine, event)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)
    limiter.init_app(app)

    from mentoring.i18n import select_locale, select_timezone
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    # Socket handlers must be known before the first init_app: Flask-SocketIO
    # replays only handlers registered while no server existed, so one declared
    # later would be missing from every app created after the first (tests).
    from mentoring import realtime  # noqa: F401  (the connect handler and user rooms)
    for domain in DOMAINS:
        _optional(f"mentoring.{domain}.events")
    socketio.init_app(app, message_queue=app.config.get("REDIS_URL"),
                      async_mode=app.config.get("MENTORING_SOCKETIO_ASYNC_MODE") or "threading",
                      channel=app.config.get("MENTORING_SOCKETIO_CHANNEL") or "flask-socketio",
                      cors_allowed_origins=app.config.get("MENTORING_SOCKET_ORIGINS", []) or None,
                      manage_session=False,
                      # A socket packet is a chat event, never a file: the HTTP body limit.
                      max_http_buffer_size=app.config.get("MENTORING_MAX_BODY", 512 * 1024))
    app.wsgi_app = realtime.without_websocket_compression(app.wsgi_app)

    from mentoring.api.core import make_api
    app.extensions["mentoring_api"] = make_api(app)

    from mentoring.auth import services as auth_services

    @login_manager.user_loader
    def _load_user(session_id: str):
        return auth_services.load_user_from_session_id(session_id)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import redirect, url_for
        from mentoring.errors_http import error_response, wants_json
        if wants_json():
            return error_response(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _writes_data() -> bool:
    """Will this unit of work write? Doors that are not plain HTTP say so with
    g.writes_data (scheduler jobs, chat events); requests by their method, and
    a GET whose view is marked by audit.services.audited_read."""
    if has_app_context() and g.get("writes_data"):
        return True
    if not has_request_context():
        return False
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "writes_data", False))



def _sqlite_pragmas(engine, event) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, manage transactions, so SAVEPOINTs work
        # (tests roll back per test) and foreign keys are enforced as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # One writer at a time: a writer waits its turn rather than fail. 5 s
        # was not enough on a starved 2-core machine (the busy-room test saw
        # "database is locked"); a late answer beats a lost message.
        cursor.execute("PRAGMA busy_timeout=30000")
        # WAL: readers never wait for the writer nor block its commit. In the
        # default rollback journal a chat message could not commit while any
        # page was reading, and busy waits piled up until the pool ran dry.
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL across app crashes
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A request that changes data takes the write lock first, waiting its
        # turn (busy_timeout), instead of failing at its first write because
        # another writer committed after it began reading (SQLITE_BUSY_SNAPSHOT).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _writes_data() else "BEGIN")


def _register_blueprints(app: Flask) -> None:
    from mentoring.api.core import register_api_blueprint
    from mentoring.views import bp as main_bp
    app.register_blueprint(main_bp)
    for domain in DOMAINS:
        views = _optional(f"mentoring.{domain}.views")
        if views is not None:
            app.register_blueprint(views.bp)
        api_module = _optional(f"mentoring.{domain}.api")
        if api_module is not None:
            register_api_blueprint(app, app.extensions["mentoring_api"], api_module.blp)
        # models for the metadata, events for the socket handlers they register
        _optional(f"mentoring.{domain}.models")
        _optional(f"mentoring.{domain}.events")


def _optional(name: str):
    """Import a domain module if the domain has one (not every domain has every door)."""
    from importlib import import_module
    from importlib.util import find_spec
    try:
        return import_module(name) if find_spec(name) else None
    except ModuleNotFoundError as err:
        if err.name and name.startswith(err.name):
            return None  # the domain package itself does not exist yet
        raise


def _register_cli(app: Flask) -> None:
    from mentoring import cli
    cli.register(app)
