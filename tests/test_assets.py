"""Light on a weak link: compressed answers, static files under hashed names
cached for a year, pages revalidated, the installable app (manifest, service
worker, offline page), and only the icons and Bootstrap parts we use."""
import gzip
import json
import re
from pathlib import Path

import brotli
import pytest
from flask import url_for

from mentoring.assets import StaticDigests
from tests.factories import gen_group, login

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "mentoring" / "static"
TEMPLATES = ROOT / "mentoring" / "templates"
pytestmark = pytest.mark.once


def _static_url(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_pages_are_compressed_when_the_browser_accepts_it(client):
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    zipped = client.get("/login", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "<html" in gzip.decompress(zipped.data).decode()
    assert len(zipped.data) < len(plain.data) / 2
    br = client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert "<html" in brotli.decompress(br.data).decode()


def test_behind_nginx_the_app_leaves_compression_to_it(tmp_path):
    # scripts/prod.sh sets MENTORING_COMPRESS=0: nginx compresses in C; the
    # threaded workers never compress in-process (bench/RESULTS.md, the segfault).
    from mentoring import create_app
    quiet = create_app({"TESTING": True, "SECRET_KEY": "x", "MENTORING_COMPRESS": False,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "INSTANCE_PATH": str(tmp_path)})
    answer = quiet.test_client().get("/login", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers
    assert "<html" in answer.get_data(as_text=True)


def test_static_files_have_hashed_names_and_a_year_of_cache(app, client):
    url = _static_url(app, "css/app.css")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", url)
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == (STATIC / "css" / "app.css").read_bytes()
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert "no-cache" not in cache
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "immutable" in zipped.headers["Cache-Control"]


def test_an_old_hash_gets_todays_file_but_not_for_a_year(client):
    response = client.get("/static/css/app.0123456789ab.css")
    assert response.status_code == 200
    assert response.data == (STATIC / "css" / "app.css").read_bytes()
    assert "immutable" not in response.headers["Cache-Control"]
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers["Cache-Control"]
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "a.js"
    script.write_text("one")
    digests = StaticDigests(str(tmp_path))
    first = digests.hashed_name("js/a.js")
    assert re.fullmatch(r"js/a\.[0-9a-f]{12}\.js", first)
    assert digests.original(first) == ("js/a.js", True)
    script.write_text("two, longer")
    second = digests.hashed_name("js/a.js")
    assert second != first
    assert digests.original(first) == ("js/a.js", False)
    assert digests.hashed_name("missing.js") == "missing.js"


def test_pages_are_revalidated_every_time(client):
    _group, people = gen_group()
    login(client, people["commune"][0])
    home = client.get("/")
    assert home.headers["Cache-Control"] in ("no-cache", "no-store") or "no-store" in home.headers["Cache-Control"]
    assert "max-age=31536000" not in home.headers["Cache-Control"]
    html = home.get_data(as_text=True)
    # Every static file the page names is a hashed one.
    for path in re.findall(r'(?:href|src)="(/static/[^"#]+)', html):
        assert re.search(r"\.[0-9a-f]{12}\.[a-z]+$", path), path


def test_manifest_makes_the_app_installable(app, client):
    response = client.get("/manifest.webmanifest", headers={"Accept-Encoding": "gzip"})
    assert response.mimetype == "application/manifest+json"
    doc = json.loads(gzip.decompress(response.data))
    assert doc["name"] == "Hướng dẫn từ xa 1-4-4-2" and doc["display"] == "standalone"
    assert doc["start_url"] == "/"
    sizes = {icon["sizes"] for icon in doc["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in doc["icons"]:
        got = client.get(icon["src"])
        assert got.status_code == 200 and got.mimetype == icon["type"], icon
    assert any(i.get("purpose") == "maskable" for i in doc["icons"])
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


def test_service_worker_is_served_from_the_root_and_names_existing_files(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", body).group(1))
    assert any("/static/vendor/theme." in path for path in shell)
    for path in shell:
        assert client.get(path).status_code == 200, path
    # Pages the server marks no-store (case and chat content) are never kept.
    assert "no-store" in body
    offline = client.get("/offline")
    assert offline.status_code == 200
    assert "Mất sóng" in offline.get_data(as_text=True)


def test_every_icon_named_in_templates_and_navigation_is_in_the_sprite(app):
    listed = {line.strip() for line in (ROOT / "scripts" / "icons.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    used = set()
    for template in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r'icon\("([a-z0-9-]+)"', template.read_text()))
    from mentoring.templating import navigation

    class Everyone:
        is_authenticated = True
        role = "admin"
        id = 0
    with app.test_request_context():
        from unittest import mock
        with mock.patch("mentoring.auth.policy.allowed", return_value=True), \
                mock.patch("mentoring.cases.queries.inbox_count", return_value=0):
            used |= {name for _endpoint, _label, name in navigation(Everyone())}
    assert used - listed == set()
    sprite = STATIC / "vendor" / "icons.svg"
    if sprite.exists():  # built by scripts/vendor.sh
        ids = set(re.findall(r'<symbol id="([^"]+)"', sprite.read_text()))
        assert ids == listed


def test_bootstrap_is_trimmed_and_in_our_colours():
    css_file = STATIC / "vendor" / "theme.css"
    if not css_file.exists():
        pytest.skip("scripts/vendor.sh has not built the stylesheet")
    css = css_file.read_text()
    assert ".btn-primary" in css and ".list-group" in css and ".visually-hidden" in css
    for unused in (".navbar", ".modal", ".carousel", ".offcanvas", ".toast", ".accordion", ".popover"):
        assert unused not in css, unused
    assert "--bs-primary: #0f766e" in css and "--bs-primary: #0d6efd" not in css  # teal, not stock blue
    assert len(css.encode()) < 130_000
