from datetime import timedelta

from mentoring import clock
from tests.factories import PASSWORD, gen_user, login


def test_token_then_me(client):
    user = gen_user()
    r = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == {"token", "expires_at"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == user.email and me.get_json()["tier"] == "commune"


def test_wrong_credentials_are_401_in_the_error_format(client):
    user = gen_user()
    for email in (user.email, "ghost@example.test"):
        r = client.post("/api/v1/auth/token", json={"email": email, "password": "wrong-password"})
        assert r.status_code == 401
        error = r.get_json()["error"]
        assert error["code"] == "bad_credentials" and error["message"] and error["fields"] == {}


def test_missing_fields_and_bad_json_are_4xx_never_500(client):
    r = client.post("/api/v1/auth/token", json={"email": "x@example.test"})
    assert r.status_code == 422 and "password" in r.get_json()["error"]["fields"]
    r = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert 400 <= r.status_code < 500
    assert "error" in r.get_json()
    r = client.post("/api/v1/auth/token", json=["a", "list"])
    assert 400 <= r.status_code < 500


def test_no_token_is_401_and_expired_or_revoked_token_is_401(client):
    assert client.get("/api/v1/me").status_code == 401
    clock.freeze(clock.now())
    user = gen_user()
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    clock.advance(timedelta(days=31))
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "invalid_token"
    clock.unfreeze()
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_bearer_token_wins_over_a_browser_session(client):
    browser_user, phone_user = gen_user(), gen_user()
    login(client, browser_user)
    assert client.get("/api/v1/me").get_json()["id"] == browser_user.id  # the session works too
    token = client.post("/api/v1/auth/token", json={"email": phone_user.email, "password": PASSWORD}).get_json()["token"]
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.get_json()["id"] == phone_user.id


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_openapi_document_lists_routes_and_error_responses(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/groups", "/api/v1/groups/{group_id}"):
        assert path in doc["paths"], path
    assert "401" in doc["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "Error" in doc["components"]["schemas"]


def test_the_login_is_checked_before_the_body(client):
    """Someone not logged in hears 401 whatever they send, not a 422 about
    their fields (the access matrix found it); the public routes stay open."""
    r = client.post("/api/v1/cases", json={"group_id": "x", "age_years": "old"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    assert client.post("/api/v1/sessions", json=[1, 2]).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": "x"}).status_code == 422  # public: its own checks
    assert client.get("/api/v1/certificates/NOSUCHCODE").status_code == 404          # public: not found
    assert client.get("/api/v1/openapi.json").status_code == 200
