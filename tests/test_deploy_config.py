"""Settings of the production stack (issue 12): pools per process, the client
address behind nginx, the worker warm-up."""
from sqlalchemy import text

from mentoring import create_app
from mentoring.config import TestConfig


def test_pool_sizes_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MENTORING_DB_POOL_SIZE", "8")
    monkeypatch.setenv("MENTORING_DB_MAX_OVERFLOW", "0")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
                      "SECRET_KEY": "k", "TESTING": True})
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 8 and options["max_overflow"] == 0
    assert options["pool_pre_ping"] is True  # the defaults stay
    from mentoring.config import Config
    assert "pool_size" not in Config.SQLALCHEMY_ENGINE_OPTIONS  # the class default is not mutated


def test_behind_nginx_the_client_address_comes_from_x_forwarded_for(monkeypatch):
    # Behind nginx every request came from 127.0.0.1: the per-address login
    # limit was one limit for the whole province.
    monkeypatch.setenv("MENTORING_TRUSTED_PROXIES", "1")
    app = create_app(TestConfig)

    @app.route("/_who")
    def who():
        from flask import request
        return request.remote_addr or ""
    client = app.test_client()
    assert client.get("/_who", headers={"X-Forwarded-For": "203.0.113.7"}).text == "203.0.113.7"


def test_without_trusted_proxies_the_header_is_ignored():
    app = create_app(TestConfig)

    @app.route("/_who")
    def who():
        from flask import request
        return request.remote_addr or ""
    assert app.test_client().get("/_who", headers={"X-Forwarded-For": "203.0.113.7"}).text == "127.0.0.1"


def test_the_worker_warm_up_runs_the_login_path_and_never_raises(app):
    from mentoring.extensions import db
    from mentoring.warmup import warm_up
    assert warm_up(app) >= 0
    broken = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
                         "SECRET_KEY": "k", "TESTING": True})
    assert warm_up(broken) >= 0  # a database not up yet: the worker still starts
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1
