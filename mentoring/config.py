"""Configuration. Every value can be overridden from the environment:
SECRET_KEY, DATABASE_URL, REDIS_URL, and any MENTORING_<NAME> (parsed as JSON
when it looks like JSON, so MENTORING_GROUP_MINIMUM='{"commune": 3}' works)."""
import os
from datetime import timedelta


def _normalise_db_url(url: str) -> str:
    # Hosting panels hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = None  # filled from env or instance/secret_key in create_app
    SQLALCHEMY_DATABASE_URI = None  # default: sqlite under instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = None

    # Cookies: secure by default; the dev server over plain http turns SECURE off.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)
    WTF_CSRF_TIME_LIMIT = None  # a nurse may leave a form open for hours on a slow link

    MAX_CONTENT_LENGTH = 12 * 1024 * 1024   # a request carrying a file (mentoring.bounds.accepts_upload)
    MENTORING_MAX_BODY = 512 * 1024          # any other request
    # The mail job gives up on an e-mail after this many failed tries (kept with its error).
    MENTORING_MAIL_MAX_ATTEMPTS = 5

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    LANGUAGES = ["vi", "en"]

    # flask-smorest / OpenAPI
    API_TITLE = "1-4-4-2 Tele-mentoring API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    MENTORING_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    # Failed logins (form and token route together): per account and address,
    # and a looser ceiling per address (a station router hides a whole team).
    MENTORING_LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    MENTORING_LOGIN_ADDRESS_RATE_LIMIT = "50 per minute;300 per hour"
    # How many reverse proxies (nginx) stand in front and append to
    # X-Forwarded-For. 0: the header is ignored (anyone can send it).
    MENTORING_TRUSTED_PROXIES = 0
    MENTORING_TOKEN_LIFETIME_HOURS = 24 * 30
    MENTORING_MIN_PASSWORD_LENGTH = 10
    # zxcvbn's score (0-4): 3 is "safely unguessable" against an online attack
    # and good against a slow hash offline (the hashes are scrypt).
    MENTORING_MIN_PASSWORD_SCORE = 3
    # Every open socket is re-checked this often (a token that expired, a
    # membership that ended while nobody announced it); changes that are
    # announced (logout, deactivation, leaving a group) act at once.
    MENTORING_SOCKET_RECHECK_SECONDS = 180
    MENTORING_PASSWORD_HASH_METHOD = "scrypt"
    # The 1-4-4-2 model says "at least": these are minimums for a complete group.
    MENTORING_GROUP_MINIMUM = {"provincial": 4, "district": 4, "commune": 2}
    MENTORING_SCHEDULER_EMBEDDED = False
    # Cookies only over HTTPS. The local dev server (plain http) sets this false.
    MENTORING_SECURE_COOKIES = True
    MENTORING_PER_PAGE = 25
    # Lists that may hold a whole national table (all cases, the audit log)
    # count at most this many rows for their pager, then say "more than"
    # (mentoring.org.services.paginate(capped=True)).
    MENTORING_COUNT_CAP = 10_000
    # Strict-Transport-Security when cookies are secure (production, HTTPS):
    # a year, so a phone on a hostile Wi-Fi never tries plain http again.
    MENTORING_HSTS_SECONDS = 365 * 24 * 3600
    # Minutes a tier has to answer a case before it escalates one tier up:
    # {urgency: minutes} or {urgency: {tier: minutes}} (a tier not listed keeps
    # the default of mentoring.cases.services.DEFAULT_LIMIT_MINUTES).
    MENTORING_CASE_LIMIT_MINUTES = {"routine": 48 * 60, "urgent": 4 * 60, "emergency": 30}
    # NCD follow-up targets; merged over mentoring.cases.ncd.DEFAULT_TARGETS.
    MENTORING_NCD_TARGETS: dict = {}
    # The audit log is kept as long as telemedicine records (10 years,
    # Circular 49/2017/TT-BYT); a daily job removes older entries.
    MENTORING_AUDIT_RETENTION_DAYS = 3653
    # Compress pages in the app (Flask-Compress: brotli, else gzip). Off behind
    # nginx (scripts/prod.sh), which compresses in C and spares the app's CPU.
    MENTORING_COMPRESS = True
    # On CPython 3.11, run the garbage collector only at safe points: its
    # automatic runs inside allocations corrupted the heap (mentoring/safe_gc.py).
    MENTORING_SAFE_GC = True
    # Where to report a security problem (shown in the README; set your own).
    MENTORING_SECURITY_CONTACT = "security@mentoring.example.vn"


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    SECRET_KEY = "test-secret-key"
    # Hashing cost is not under test; scrypt for every factory user would dominate run time.
    MENTORING_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SERVER_NAME = None


def from_environment(config: dict) -> None:
    """Apply the documented environment variables on top of a config mapping."""
    if os.environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("REDIS_URL"):
        config["REDIS_URL"] = os.environ["REDIS_URL"]


def finalise(config: dict, instance_path: str) -> None:
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(instance_path, "mentoring.db")
    config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(config["SQLALCHEMY_DATABASE_URI"])
    secure = config.get("MENTORING_SECURE_COOKIES", True)
    if str(secure).lower() in ("0", "false", "no"):
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = False
    _pool_options(config)
    if config.get("REDIS_URL") and config.get("RATELIMIT_STORAGE_URI") == "memory://":
        # Limits must hold across processes, so they live where the processes meet.
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]


def _pool_options(config: dict) -> None:
    """The database pool of one process, sized to how many requests it runs at
    once (gunicorn_conf.py sets MENTORING_DB_POOL_SIZE to a gthread worker's
    threads; a gevent Socket.IO process sets it explicitly). SQLAlchemy's
    default, 5 + 10 overflow, made gevent processes with hundreds of sockets
    wait 30 s and fail ("QueuePool limit of size 5 overflow 10 reached"), and
    let 100-thread processes open and drop overflow connections all day."""
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    for key, name in (("pool_size", "MENTORING_DB_POOL_SIZE"), ("max_overflow", "MENTORING_DB_MAX_OVERFLOW"),
                      ("pool_timeout", "MENTORING_DB_POOL_TIMEOUT")):
        if config.get(name) not in (None, ""):
            options[key] = int(config[name])
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
