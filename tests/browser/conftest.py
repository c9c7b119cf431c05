"""A real server with the demo data and a real Chromium (Debian's, driven by
Playwright with executable_path; no browser download)."""

import pytest

from tests.live import ROOT, LiveServer, prepare_database, server_env


from tests.conftest import CHROMIUM  # noqa: E402,F401  (the browser fixture lives there)
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.once)
            item.add_marker(pytest.mark.no_transaction)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("live")
    env = server_env("sqlite:///" + str(base / "live.db"), base / "instance")
    prepare_database(env)
    with LiveServer(env, base / "server.log") as server:
        yield server


@pytest.fixture
def phone(browser, live_server):
    """A 360 px wide phone. Records every request that leaves the server."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="vi-VN",
                                  base_url=live_server.url)
    page = context.new_page()
    page.external_requests = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) or r.url.startswith("data:")
            else page.external_requests.append(r.url))
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def log_in(page, email: str, password: str = "demo-password") -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_fits_phone(page) -> None:
    """Nothing wider than the 360 px screen (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide at 360px"
