"""Issue 10's journeys in a real browser: Debian's Chromium driven by
Playwright (executable_path, headless, no browser download) against a real
server started here, at 360 x 740 and at 1280 x 800.

One seeded demo database is built per test session and copied for each
module, so every journey module has a server and demo data of its own (a
journey never depends on what another changed) without paying for the seed
four times. Each page a journey visits goes through `Audit.visit`: a
screenshot, axe-core, the no-English check and (at 360 px) its weight."""
import json
import shutil
import sys
from datetime import datetime, timezone

import pytest

from tests.browser.conftest import CHROMIUM, browser, log_in  # noqa: F401  (browser is a fixture)
from tests.e2e.checks import ARTIFACTS, Audit, Catalogue
from tests.live import LiveServer, free_port, prepare_database, server_env

SCREENS = {
    "360": dict(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True),
    "1280": dict(viewport={"width": 1280, "height": 800}),
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.once)
            item.add_marker(pytest.mark.no_transaction)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.call_failed = outcome.get_result().failed


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e-seed")
    env = server_env("sqlite:///" + str(base / "demo.db"), base / "instance")
    prepare_database(env)
    return base / "demo.db"


@pytest.fixture(scope="module")
def server(seeded_database, tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e-live")
    shutil.copy(seeded_database, base / "live.db")
    offset = base / "clock-offset"
    env = server_env("sqlite:///" + str(base / "live.db"), base / "instance", E2E_CLOCK_OFFSET_FILE=offset)
    port = free_port()
    command = [sys.executable, "-m", "tests.e2e.clock_server", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with LiveServer(env, base / "server.log", command=command, port=port) as live:
        live.database = base / "live.db"
        live.set_clock = lambda when: offset.write_text(str((when - datetime.now(timezone.utc)).total_seconds()))
        live.reset_clock = lambda: offset.write_text("0")
        yield live


@pytest.fixture(scope="session")
def catalogue():
    return Catalogue()


@pytest.fixture(scope="session")
def weights():
    """Transferred bytes per page, merged into test-artifacts/e2e/weights.json."""
    measured = {}
    yield measured
    if measured:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / "weights.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        old.update(measured)
        path.write_text(json.dumps(dict(sorted(old.items())), indent=2, ensure_ascii=False) + "\n")


@pytest.fixture(params=list(SCREENS))
def screen(request):
    return request.param


@pytest.fixture
def audit(request, browser, server, screen, catalogue, weights):
    journey = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    audit = Audit(browser, server, screen, catalogue, weights, journey)
    yield audit
    if getattr(request.node, "call_failed", False):
        audit.screenshot_everyone(request.node.name)   # what each person saw when it failed
    audit.close()


@pytest.fixture
def person(audit):
    """person(email) -> a page of that user's own browser context, logged in."""
    return audit.person
