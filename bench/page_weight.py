"""Page weight on a weak link, measured in a real browser.

Starts the app on a scratch SQLite database with the demo data (or uses
--url), logs in as the demo account of each page, and loads the page in
headless Chromium (Debian's, through Playwright) throttled by CDP's
Network.emulateNetworkConditions to 50 KB/s down and up with 400 ms latency:

- first load: a new browser profile (empty cache), bytes on the wire for
  the page and everything it loads (CDP encodedDataLength: headers and
  compressed bodies), and the time to the load event;
- repeat load: the same page again in the same profile.

The service worker is blocked while measuring, so the numbers are plain
HTTP caching; its one-time download of the shell (static files every page
may need, fetched after the first page has loaded) is measured apart.

    .venv/bin/python bench/page_weight.py [--url http://127.0.0.1:5000] [--shots DIR]
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live import DEMO_PASSWORD, LiveServer, prepare_database, server_env  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
KBPS = 50 * 1024
LATENCY_MS = 400
FIRST_BUDGET, REPEAT_BUDGET = 100 * 1024, 15 * 1024


def session_cookies(base: str, email: str) -> list[dict]:
    """Log in with requests (not the browser) so the browser's cache stays empty."""
    s = requests.Session()
    page = s.get(base + "/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = s.post(base + "/login", data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD},
               allow_redirects=False)
    assert r.status_code in (302, 303), f"login failed for {email}: {r.status_code}"
    host = base.split("//", 1)[1].split(":")[0]
    return [{"name": c.name, "value": c.value, "domain": host, "path": "/"} for c in s.cookies]


def find_urls(base: str) -> dict[str, tuple[str, str]]:
    """The six pages, with the account that opens each."""
    s = requests.Session()
    s.cookies.update({c["name"]: c["value"] for c in session_cookies(base, "commune@demo.test")})
    home = s.get(base + "/").text
    case = re.search(r'href="(/cases/\d+)"', home) or re.search(r'href="(/cases/\d+)"', s.get(base + "/cases").text)
    chat = re.search(r'href="(/chat/\d+)"', s.get(base + "/chat").text)
    return {
        "home (commune worker)": ("commune@demo.test", "/"),
        "case form": ("commune@demo.test", "/cases/new"),
        "case page": ("commune@demo.test", case.group(1) if case else "/cases"),
        "chat room": ("commune@demo.test", chat.group(1) if chat else "/chat"),
        "sessions": ("commune@demo.test", "/sessions"),
        "home (mentor)": ("doctor@demo.test", "/"),
        "dashboard (coordinator)": ("coordinator@demo.test", "/competency/dashboard"),
    }


class Meter:
    """Bytes and requests seen by CDP for one page."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": LATENCY_MS,
            "downloadThroughput": KBPS, "uploadThroughput": KBPS})
        self.bytes = 0
        self.requests: dict[str, dict] = {}
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)

    def reset(self):
        self.bytes = 0
        self.requests = {}

    def _response(self, event):
        r = event["response"]
        self.requests[event["requestId"]] = {"url": r["url"], "status": r["status"],
                                             "encoding": {k.lower(): v for k, v in (r.get("headers") or {}).items()}.get("content-encoding", ""),
                                             "cached": r.get("fromDiskCache") or r.get("fromMemoryCache")}

    def _finished(self, event):
        self.bytes += event["encodedDataLength"]
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = event["encodedDataLength"]


def load(page, meter: Meter, url: str) -> tuple[int, float, list]:
    meter.reset()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    ms = page.evaluate("(() => { const n = performance.getEntriesByType('navigation')[0];"
                       " return n.loadEventEnd - n.startTime; })()")
    return meter.bytes, ms, [r for r in meter.requests.values() if r.get("bytes")]


def shell_cost(base: str) -> int:
    """What the service worker fetches once, after the first page, to open
    the app with no signal later (compressed bodies, as on the wire)."""
    sw_text = requests.get(base + "/sw.js").text
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", sw_text).group(1))
    shell.append(json.loads(re.search(r"var OFFLINE = (\".*?\");", sw_text).group(1)))
    total = 0
    for path in shell:
        r = requests.get(base + path, headers={"Accept-Encoding": "gzip"}, stream=True)
        total += len(r.raw.read(decode_content=False))
    return total


def measure(base: str, shots: Path | None) -> list[dict]:
    from playwright.sync_api import sync_playwright
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        for name, (email, path) in find_urls(base).items():
            context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN",
                                          service_workers="block", is_mobile=True, has_touch=True)
            context.add_cookies(session_cookies(base, email))
            page = context.new_page()
            meter = Meter(page)
            first, first_ms, first_reqs = load(page, meter, base + path)
            if shots:
                shots.mkdir(parents=True, exist_ok=True)
                slug = re.sub(r"[^a-z]+", "-", name.lower()).strip("-")
                page.screenshot(path=str(shots / f"{slug}-360.png"), full_page=True)
            repeat, repeat_ms, repeat_reqs = load(page, meter, base + path)
            rows.append({"page": name, "path": path, "first": first, "first_ms": first_ms,
                         "first_requests": len(first_reqs), "repeat": repeat, "repeat_ms": repeat_ms,
                         "repeat_requests": len(repeat_reqs),
                         "detail": [(r["url"].replace(base, ""), r["bytes"], r["encoding"]) for r in first_reqs]})
            context.close()
        rows.append({"page": "service worker shell (once)", "shell": shell_cost(base)})
        browser.close()
    return rows


def report(rows: list[dict]) -> str:
    out = ["| page | first load KB | first load s | requests | repeat KB | repeat s |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        if "shell" in r:
            continue
        out.append(f"| {r['page']} (`{re.sub(r'/[0-9]+', '/<id>', r['path'])}`) | {r['first'] / 1024:.1f} | "
                   f"{r['first_ms'] / 1000:.1f} | {r['first_requests']} | {r['repeat'] / 1024:.1f} | "
                   f"{r['repeat_ms'] / 1000:.1f} |")
    shell = next((r["shell"] for r in rows if "shell" in r), None)
    if shell is not None:
        out.append(f"\nService worker: the shell it keeps for offline use, fetched once after the first "
                   f"page: {shell / 1024:.1f} KB.")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="an already running server with the demo data")
    ap.add_argument("--shots", type=Path, help="save a 360 px screenshot of each page here")
    ap.add_argument("--detail", action="store_true", help="list every request of the first loads")
    args = ap.parse_args()
    if args.url:
        rows = measure(args.url.rstrip("/"), args.shots)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            env = server_env("sqlite:///" + str(Path(tmp) / "weight.db"), Path(tmp) / "instance")
            prepare_database(env)
            with LiveServer(env, Path(tmp) / "server.log") as server:
                rows = measure(server.url, args.shots)
    print(report(rows))
    if args.detail:
        for r in rows:
            for url, size, enc in r.get("detail", []):
                print(f"{r['page']:28} {size:8d} {enc or '-':5} {url}")
    over = [r["page"] for r in rows if "first" in r and (r["first"] > FIRST_BUDGET or r["repeat"] > REPEAT_BUDGET)]
    if over:
        print("over budget (100 KB first, 15 KB repeat):", ", ".join(over))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
