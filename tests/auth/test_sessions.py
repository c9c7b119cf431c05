"""Logout, password change and deactivation end what they say: real cookies
and tokens, captured from the test client and replayed after the fact."""
from mentoring.auth import services
from mentoring.extensions import db
from tests.factories import PASSWORD, gen_user, login

NEW_PASSWORD = "Mây trắng bay qua đỉnh núi Ba Vì"


def _cookie(client, name):
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _replay(app, **cookies):
    """A fresh browser holding only these cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _login_remembered(client, user):
    db.session.commit()
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "on"})
    assert r.status_code == 302


def test_a_session_cookie_replayed_after_logout_opens_nothing(app, client):
    user = gen_user()
    login(client, user)
    stolen = _cookie(client, "session")
    assert _replay(app, session=stolen).get("/account").status_code == 200  # the copy works before
    client.post("/logout")
    replayed = _replay(app, session=stolen)
    assert replayed.get("/account").status_code == 302
    assert replayed.get("/api/v1/me").status_code == 401


def test_remember_me_alone_no_longer_logs_in_after_logout(app, client):
    user = gen_user()
    _login_remembered(client, user)
    remember = _cookie(client, "remember_token")
    assert _replay(app, remember_token=remember).get("/account").status_code == 200
    client.post("/logout")
    assert _replay(app, remember_token=remember).get("/account").status_code == 302
    assert _replay(app, remember_token=remember).get("/api/v1/me").status_code == 401


def test_password_change_ends_other_cookies_and_tokens_but_keeps_this_device(app, client):
    user = gen_user()
    phone = app.test_client()
    _login_remembered(phone, user)
    phone_session, phone_remember = _cookie(phone, "session"), _cookie(phone, "remember_token")
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200

    _login_remembered(client, user)
    r = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                      "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert r.status_code == 302
    assert client.get("/account").status_code == 200  # this device stays logged in
    # ... and stays remembered: its new remember-me cookie works on its own
    assert _replay(app, remember_token=_cookie(client, "remember_token")).get("/account").status_code == 200

    assert _replay(app, session=phone_session).get("/account").status_code == 302
    assert _replay(app, remember_token=phone_remember).get("/account").status_code == 302
    r = client.get("/api/v1/me", headers=bearer)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "invalid_token"


def test_admin_password_reset_revokes_tokens(client):
    user = gen_user()
    headers = {"Authorization": "Bearer " + services.issue_token(user)[0]}
    db.session.commit()
    services.set_password(user, NEW_PASSWORD)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deactivation_ends_cookies_and_tokens(app, client):
    user = gen_user()
    _login_remembered(client, user)
    session_cookie, remember = _cookie(client, "session"), _cookie(client, "remember_token")
    headers = {"Authorization": "Bearer " + services.issue_token(user)[0]}
    db.session.commit()
    services.deactivate_user(user)
    db.session.commit()
    assert _replay(app, session=session_cookie).get("/account").status_code == 302
    assert _replay(app, remember_token=remember).get("/account").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    # Reactivated, the old cookies stay dead: the person logs in again.
    services.reactivate_user(user)
    db.session.commit()
    assert _replay(app, session=session_cookie).get("/account").status_code == 302


def test_logging_out_one_token_through_the_api_leaves_nothing_usable(client):
    user = gen_user()
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
