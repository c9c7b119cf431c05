"""Headers every answer carries: nothing seen after login is cached,
the page may talk only to this origin (HTTP and its WebSocket), and a
production app tells browsers to use HTTPS only."""
import re
from pathlib import Path

from mentoring import create_app
from mentoring.chat import rooms as chat_rooms
from mentoring.extensions import db
from tests.factories import gen_group, login, token_headers

ROOT = Path(__file__).resolve().parent.parent


def test_every_signed_in_page_and_api_answer_is_no_store_but_static_files_are_not(client):
    group, people = gen_group(complete=False)
    room = chat_rooms.room_for_group(group)
    db.session.commit()
    worker = people["commune"][0]
    login(client, worker)
    for url in ("/", "/account", f"/chat/{room.id}", f"/groups/{group.id}"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["Cache-Control"] == "no-store", url
    headers = token_headers(worker)
    for url in ("/api/v1/me", "/api/v1/rooms", f"/api/v1/rooms/{room.id}/messages"):
        r = client.get(url, headers=headers)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store", url
    assert client.get("/api/v1/rooms/999999/messages", headers=headers).headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_csp_lets_pages_connect_only_to_this_origin_and_its_websocket(client):
    csp = client.get("/login", base_url="https://mentoring.example.org").headers["Content-Security-Policy"]
    connect = re.search(r"connect-src ([^;]+);", csp).group(1).split()
    assert connect == ["'self'", "ws://mentoring.example.org", "wss://mentoring.example.org"]
    odd = client.get("/login", headers={"Host": "evil.example;script-src *"}).headers["Content-Security-Policy"]
    assert "connect-src 'self';" in odd and "script-src *" not in odd


def test_production_sends_hsts_and_tests_and_plain_http_development_do_not(tmp_path, client):
    production = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                             "INSTANCE_PATH": str(tmp_path)})
    hsts = production.test_client().get("/login").headers.get("Strict-Transport-Security", "")
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
    assert int(hsts.split("=")[1].split(";")[0]) >= 365 * 24 * 3600
    development = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                              "INSTANCE_PATH": str(tmp_path), "MENTORING_SECURE_COOKIES": "false"})
    assert "Strict-Transport-Security" not in development.test_client().get("/login").headers
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_the_nginx_block_sends_hsts_and_the_app_trusts_one_proxy():
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    block = re.search(r"```nginx\n(.*?)```", deploy, re.DOTALL).group(1)
    assert re.search(r'add_header Strict-Transport-Security "max-age=\d{8,}; includeSubDomains" always;', block)
    assert "MENTORING_TRUSTED_PROXIES=1" in deploy
