"""The login limit counts failures per account and address (with a looser
ceiling per address), shared by the form and the token route, and reads the
client's address from X-Forwarded-For only through trusted proxies."""
import re

import pytest

from mentoring import create_app
from mentoring.config import TestConfig
from mentoring.extensions import db, limiter
from tests.conftest import _config_dict
from tests.factories import PASSWORD, gen_user

X, Y = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def make_app(tmp_path, database_url):
    def make(**overrides):
        config = _config_dict(TestConfig)
        config.update(RATELIMIT_ENABLED=True, SQLALCHEMY_DATABASE_URI=database_url, INSTANCE_PATH=str(tmp_path),
                      MENTORING_LOGIN_RATE_LIMIT="3 per minute", MENTORING_LOGIN_ADDRESS_RATE_LIMIT="8 per minute")
        config.update(overrides)
        return create_app(config)
    yield make
    limiter.reset()
    limiter.enabled = False  # the limiter is a process-wide singleton


def _form(app, email, password, address=X, **headers):
    return app.test_client().post("/login", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address}, headers=headers)


def _token(app, email, password, address=X):
    return app.test_client().post("/api/v1/auth/token", json={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def _flood(app, email, address=X, n=5, **headers):
    return [_form(app, email, "wrong-password", address, **headers).status_code for _ in range(n)]


def test_a_flood_against_one_account_locks_neither_another_account_nor_another_address(make_app):
    app = make_app()
    a, b = gen_user(), gen_user()
    db.session.commit()
    assert _flood(app, a.email) == [200, 200, 200, 429, 429]
    assert _form(app, a.email, PASSWORD).status_code == 429  # full bucket: the right password waits too
    assert _form(app, b.email, PASSWORD).status_code == 302  # a colleague behind the same router
    assert _form(app, a.email, PASSWORD, address=Y).status_code == 302  # the owner from elsewhere


def test_correct_passwords_are_not_counted(make_app):
    app = make_app()
    user = gen_user()
    db.session.commit()
    assert [_form(app, user.email, PASSWORD).status_code for _ in range(6)] == [302] * 6
    assert [_token(app, user.email, PASSWORD).status_code for _ in range(6)] == [201] * 6


def test_the_form_and_the_token_route_share_one_bucket(make_app):
    app = make_app()
    user = gen_user()
    db.session.commit()
    assert _flood(app, user.email, n=2) == [200, 200]
    assert _token(app, user.email, "wrong-password").status_code == 401
    r = _token(app, user.email, PASSWORD)
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0


def test_the_address_ceiling_is_looser_and_holds_across_accounts(make_app):
    app = make_app()
    people = [gen_user() for _ in range(4)]
    db.session.commit()
    codes = [_form(app, p.email, "wrong-password").status_code for p in people for _ in range(2)]
    assert codes == [200] * 8  # 8 failures, none over 3 for one account
    assert _form(app, gen_user().email, PASSWORD).status_code == 429  # the address has had enough
    assert _form(app, people[0].email, PASSWORD, address=Y).status_code == 302


def test_the_429_page_keeps_the_form_and_says_when_in_vietnamese(make_app):
    app = make_app()
    user = gen_user()
    db.session.commit()
    _flood(app, user.email, n=3)
    r = _form(app, user.email, "wrong-password")
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert f'value="{user.email}"' in page and 'name="password"' in page
    assert re.search(r"Hãy thử lại sau [12] phút \(lúc \d\d:\d\d\)", page)


@pytest.mark.parametrize("trusted, other_forwarded_gets_in", [(1, True), (0, False)])
def test_x_forwarded_for_only_through_trusted_proxies(make_app, trusted, other_forwarded_gets_in):
    app = make_app(MENTORING_TRUSTED_PROXIES=trusted)
    user = gen_user()
    db.session.commit()
    nginx = "127.0.0.1"  # every request reaches the app from nginx
    assert _flood(app, user.email, address=nginx, n=4, **{"X-Forwarded-For": X})[-1] == 429
    r = _form(app, user.email, PASSWORD, address=nginx, **{"X-Forwarded-For": Y})
    assert (r.status_code == 302) is other_forwarded_gets_in
