import re

import pytest

from mentoring import create_app
from mentoring.auth.models import User
from mentoring.config import TestConfig
from mentoring.extensions import db
from tests.conftest import _config_dict
from tests.factories import PASSWORD, gen_user, login


def test_login_page_renders_in_vietnamese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert 'lang="vi"' in page.get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_message_and_keep_the_email(client):
    user = gen_user()
    wrong = client.post("/login", data={"email": user.email, "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"email": "ghost@example.test", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    msg = lambda r: re.findall(r'invalid-feedback[^>]*>([^<]+)<', r.get_data(as_text=True))
    assert msg(wrong) == msg(unknown) and msg(wrong)
    assert f'value="{user.email}"' in wrong.get_data(as_text=True)
    assert "nope-nope-nope" not in wrong.get_data(as_text=True)


def test_login_redirects_only_to_local_pages(client):
    user = gen_user()
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert r.headers["Location"] == "/"
    client.post("/logout")
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/groups"})
    assert r.headers["Location"] == "/groups"


def test_deactivated_user_is_logged_out_on_next_request(client):
    user = gen_user()
    login(client, user)
    assert client.get("/").status_code == 200
    from mentoring.auth import services
    services.deactivate_user(user)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_remember_me_sets_a_secure_httponly_cookie_in_production_config(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]


@pytest.fixture
def strict_app(tmp_path, database_url):
    """An app with CSRF and rate limits on, as in production."""
    config = _config_dict(TestConfig)
    config.update(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True, SQLALCHEMY_DATABASE_URI=database_url,
                  MENTORING_LOGIN_RATE_LIMIT="3 per minute", INSTANCE_PATH=str(tmp_path))
    yield create_app(config)
    # The limiter is a process-wide singleton: switch it back off for the other tests.
    from mentoring.extensions import limiter
    limiter.reset()
    limiter.enabled = False


def test_forms_without_csrf_token_are_refused(strict_app):
    user = gen_user()
    client = strict_app.test_client()
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def test_login_is_rate_limited(strict_app):
    client = strict_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    codes = [client.post("/login", data={"email": "x@example.test", "password": "wrong-password",
                                         "csrf_token": token}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429


def test_change_password_form_keeps_user_on_error(client):
    user = gen_user()
    login(client, user)
    r = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                      "new_password": "short", "confirm_password": "short"})
    assert r.status_code == 422
    assert 'id="new_password-error"' in r.get_data(as_text=True)
    r = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                      "new_password": "a long new passphrase",
                                      "confirm_password": "a long new passphrase"})
    assert r.status_code == 302
    assert client.get("/").status_code == 200  # this device stays logged in


def test_preferences_switch_language(client):
    user = gen_user()
    login(client, user)
    r = client.post("/account", data={"action": "preferences", "language": "en", "timezone": "UTC"})
    assert r.status_code == 302
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


class TestAdminAccounts:
    def test_only_admins(self, client):
        login(client, gen_user("coordinator"))
        assert client.get("/admin/users").status_code == 403
        assert client.post("/admin/users/new", data={}).status_code == 403

    def test_create_with_errors_keeps_input_and_saves_nothing(self, client):
        login(client, gen_user("admin"))
        existing = gen_user()
        before = db.session.query(User).count()
        r = client.post("/admin/users/new", data={
            "email": existing.email, "full_name": "Phạm Văn Đức", "password": "long enough pass",
            "role": "worker", "tier_code": "commune"})
        body = r.get_data(as_text=True)
        assert r.status_code == 422
        assert 'id="email-error"' in body and "Phạm Văn Đức" in body
        assert "long enough pass" not in body
        assert db.session.query(User).count() == before

    def test_create_edit_deactivate(self, client):
        admin = gen_user("admin")
        login(client, admin)
        r = client.post("/admin/users/new", data={
            "email": "new.nurse@example.test", "full_name": "Y tá Mới", "password": "long enough pass",
            "role": "worker", "tier_code": "commune", "language": "vi", "timezone": "Asia/Ho_Chi_Minh"})
        assert r.status_code == 302, r.get_data(as_text=True)
        user = db.session.query(User).filter_by(email="new.nurse@example.test").one()
        r = client.post(f"/admin/users/{user.id}", data={
            "email": user.email, "full_name": "Y tá Đổi Tên", "role": "worker", "tier_code": "district",
            "language": "en", "timezone": "UTC"})
        assert r.status_code == 302
        db.session.refresh(user)
        assert user.full_name == "Y tá Đổi Tên" and user.tier_code == "district" and user.language == "en"
        r = client.post(f"/admin/users/{user.id}", data={"action": "deactivate"})
        db.session.refresh(user)
        assert not user.active

    def test_admin_cannot_deactivate_self(self, client):
        admin = gen_user("admin")
        login(client, admin)
        client.post(f"/admin/users/{admin.id}", data={"action": "deactivate"})
        db.session.refresh(admin)
        assert admin.active


def test_with_redis_the_login_limit_is_shared_through_redis(tmp_path, database_url, redis_url):
    import uuid

    import redis

    from mentoring.config import finalise
    config = {"REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": "memory://",
              "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    finalise(config, str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == redis_url  # REDIS_URL moves the limits to Redis

    prefix = f"mentoring-test-{uuid.uuid4().hex[:8]}"
    app_config = _config_dict(TestConfig)
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix,
                      SQLALCHEMY_DATABASE_URI=database_url, MENTORING_LOGIN_RATE_LIMIT="2 per minute",
                      INSTANCE_PATH=str(tmp_path))
    app = create_app(app_config)
    try:
        client = app.test_client()
        codes = [client.post("/login", data={"email": "x@example.test", "password": "wrong-password"}).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]
        r = redis.Redis.from_url(redis_url)
        assert r.keys(f"*{prefix}*"), "the limiter's counters should live in Redis"
        for key in r.keys(f"*{prefix}*"):
            r.delete(key)
    finally:
        from mentoring.extensions import limiter
        limiter.reset()
        limiter.enabled = False
