"""What every page a journey visits must pass, checked in the browser.

- axe-core (npm, pinned in package-lock.json; read from node_modules and
  evaluated in the page by the test only, never served by the app): no
  critical or serious violation.
- Nothing English: every visible text node and every aria-label, title,
  placeholder and alt is made of words of the Vietnamese catalogue, of
  Babel's Vietnamese locale data (dates, durations, zone names) or of the
  data on the server (names, places, what users typed). A word found in none
  of them (say "days" from str(timedelta), "Asia" from a zone id, "commune"
  from a tier code) fails, with the page and the text it was in.
- Page weight, at 360 px: bytes on the wire for a first load (empty cache)
  and a repeat visit, from Chromium's own network log (CDP encodedDataLength,
  headers included), written to test-artifacts/e2e/weights.json. The limits
  (100 KB first, 15 KB repeat) are asserted (E2E_ASSERT_WEIGHT=0 only records).
"""
import json
import os
import re
import sqlite3
import unicodedata

from babel import Locale
from babel.dates import get_timezone_name
from babel.messages.pofile import read_po

from tests.browser.conftest import log_in
from tests.live import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FIRST_LOAD_LIMIT = 100_000   # bytes; decimal kilobytes, the stricter reading of the budget
REPEAT_LOAD_LIMIT = 15_000
ASSERT_WEIGHT = os.environ.get("E2E_ASSERT_WEIGHT", "1") != "0"

# Not words of a language: units, codes and names the catalogue keeps as they are.
NOT_WORDS = {"mmhg", "kg", "cm", "kb", "mb", "icd", "pdf", "xlsx", "csv", "ics", "utc", "hba1c", "spo2", "bmi"}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"(https?://|/)[\w./?=&%#:-]+")
_FILE = re.compile(r"[\w.-]+\.(jpe?g|png|pdf|ics|xlsx|csv|svg)\b", re.I)
_SERIAL = re.compile(r"\b[A-Z0-9]{4}(-[A-Z0-9]{4})+\b")   # a certificate's verification code
_WORD = re.compile(r"[^\W\d_]+")
_CODE = re.compile(r"^[A-Za-z0-9_.:/+-]*$")   # an enum value, a zone id, a path: not prose

COLLECT_TEXT = """() => {
  const out = [];
  const shown = (el) => el.checkVisibility ? el.checkVisibility({visibilityProperty: true})
                                           : el.getClientRects().length > 0;
  const where = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.getAttribute("data-testid") ? "[data-testid=" + el.getAttribute("data-testid") + "]" : "");
  // a language's own name in the footer switch is marked lang="en": not untranslated
  const foreign = (el) => !(el.closest("[lang]").lang || "").startsWith(document.documentElement.lang);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.nodeValue.trim(), el = node.parentElement;
    if (!text || !el || ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(el.tagName)) continue;
    const select = el.closest("select");
    if (!shown(select || el) || foreign(el)) continue;
    out.push({kind: "text", text: text, where: where(el), transform: getComputedStyle(el).textTransform});
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    if (foreign(el)) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = (el.getAttribute(name) || "").trim();
      if (value) out.push({kind: name, text: value, where: where(el)});
    }
  }
  for (const el of document.querySelectorAll("input[type=submit][value], input[type=button][value]")) {
    if (!foreign(el)) out.push({kind: "value", text: el.value, where: where(el)});
  }
  out.push({kind: "title", text: document.title, where: "head"});
  return out;
}"""

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "critical" || v.impact === "serious").map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + "  " + n.html.slice(0, 160))}));
}"""


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def words(text: str) -> list[str]:
    for pattern in (_EMAIL, _URL, _FILE, _SERIAL):
        text = pattern.sub(" ", text)
    return [w for w in _WORD.findall(unicodedata.normalize("NFC", text))]


class Catalogue:
    """Words a Vietnamese page may show that are not data."""

    def __init__(self):
        with open(ROOT / "mentoring/translations/vi/LC_MESSAGES/messages.po", "rb") as f:
            catalog = read_po(f, locale="vi")
        texts = []
        # tier names are written one way everywhere: as the catalogue has them
        self.tiers = {_norm(catalog[code].string) for code in ("central", "provincial", "district", "commune")}
        for message in catalog:
            strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
            # %(name)s and {name} are filled with data, not words of the catalogue
            texts += [re.sub(r"%\(\w+\)[sdf]|\{\w+\}", " ", s) for s in strings if s]
        vi = Locale.parse("vi")
        for table in (vi.days, vi.months, vi.quarters):
            for context in table.values():
                for width in context.values():
                    texts += list(width.values())
        texts += list(vi.periods.values())
        texts += [p for key, units in vi._data["unit_patterns"].items() if key.startswith("duration")
                  for forms in units.values() for p in (forms.values() if isinstance(forms, dict) else [forms])
                  if isinstance(p, str)]
        from mentoring.sessions.views import ZONES
        texts += [get_timezone_name(zone, locale="vi") for zone in ZONES if zone != "UTC"]
        for line in (ROOT / "mentoring/cases/data/icd10_vi.csv").read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                texts.append(line)
        self.words = {_norm(w) for t in texts for w in words(t)} | NOT_WORDS

    def data_words(self, database) -> set[str]:
        """Words of what the server holds: names, places, what users typed."""
        found = set()
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')
                           if (r[2] or "").upper().startswith(("VARCHAR", "TEXT", "JSON", "CHAR", ""))]
                if not columns:
                    continue
                for row in db.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{table}"'):
                    for value in row:
                        for text in _leaves(value):
                            if not _CODE.match(text):
                                found.update(_norm(w) for w in words(text))
        return found

    def english(self, items: list[dict], database) -> list[str]:
        known = self.words | self.data_words(database)
        problems = []
        for item in items:
            if item.get("transform", "none") != "none" and _norm(re.sub(r"\s*\(.*\)$", "", item["text"])) in self.tiers:
                problems.append(f'text of {item["where"]}: tier name {item["text"]!r} re-cased by CSS '
                                f'(text-transform: {item["transform"]})')
            unknown = sorted({w for w in words(item["text"]) if _norm(w) not in known})
            if unknown:
                problems.append(f'{item["kind"]} of {item["where"]}: {item["text"][:120]!r} '
                                f'(not Vietnamese: {", ".join(unknown)})')
        return problems


def _leaves(value):
    if not isinstance(value, str):
        return []
    if value[:1] in "[{":
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        out = []
        stack = [parsed]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack += list(item.values())
            elif isinstance(item, list):
                stack += item
            elif isinstance(item, str):
                out.append(item)
        return out
    return [value]


class Audit:
    """One journey at one screen size: its people, and the checks of every page it visits."""

    def __init__(self, browser, server, screen, catalogue, weights, journey):
        from tests.e2e.conftest import SCREENS
        self.screens = SCREENS
        self.browser, self.server, self.screen = browser, server, screen
        self.catalogue, self.weights, self.journey = catalogue, weights, journey
        self.contexts = []
        self.problems = []
        self.visited = []

    def context(self, **extra):
        options = dict(self.screens[self.screen], locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                       base_url=self.server.url, accept_downloads=True)
        options.update(extra)
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        return context

    def person(self, email: str):
        page = self.context().new_page()
        page.console_errors = []
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        if "login" not in self.visited:   # every journey starts here: checked once per journey
            page.goto("/login")
            self.visit(page, "login")
        log_in(page, email)
        return page

    def visit(self, page, name: str, weigh: bool = True) -> None:
        """Screenshot, axe, no English and (at 360 px) weight of the page as it is now."""
        page.wait_for_load_state("load")
        self.visited.append(name)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{self.journey}-{name}-{self.screen}.png"), full_page=True)
        if not AXE.exists():
            raise AssertionError(f"{AXE} is missing: scripts/setup.sh installs it (npm ci, dev dependency)")
        page.evaluate(AXE.read_text(encoding="utf-8"))
        for v in page.evaluate(RUN_AXE):
            self.problems.append(f"[axe {name} {self.screen}] {v['impact']} {v['id']}: {v['help']}\n      "
                                 + "\n      ".join(v["nodes"]))
        items = page.evaluate(COLLECT_TEXT)
        for problem in self.catalogue.english(items, self.server.database):
            self.problems.append(f"[english {name} {self.screen}] {problem}")
        if weigh and self.screen == "360":
            self.weigh(page, name)

    def weigh(self, page, name: str) -> None:
        """First load with an empty cache, then a repeat visit, as this user, in a context of its own."""
        context = self.browser.new_context(**self.screens["360"], locale="vi-VN", base_url=self.server.url,
                                           storage_state=page.context.storage_state())
        try:
            probe = context.new_page()
            cdp = context.new_cdp_session(probe)
            cdp.send("Network.enable")
            received, from_worker = {}, set()
            cdp.on("Network.loadingFinished",
                   lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
            cdp.on("Network.responseReceived",
                   lambda e: from_worker.add(e["requestId"]) if e["response"].get("fromServiceWorker") else None)
            loads = {}
            for load in ("first", "repeat"):
                received.clear()
                probe.goto(page.url, wait_until="load")
                try:
                    probe.wait_for_load_state("networkidle", timeout=5000)
                except Exception:   # a page that keeps a request open is still weighed
                    pass
                loads[load] = {"bytes": int(sum(received.values())), "requests": len(received),
                               "from_service_worker": len(from_worker & set(received))}
            path = page.url.removeprefix(self.server.url)
            self.weights[f"{self.journey}/{name}"] = {"path": path, **loads}
            if ASSERT_WEIGHT:
                first, repeat = loads["first"]["bytes"], loads["repeat"]["bytes"]
                if first >= FIRST_LOAD_LIMIT or repeat >= REPEAT_LOAD_LIMIT:
                    self.problems.append(f"[weight {name}] {path}: first load {first} B (limit {FIRST_LOAD_LIMIT}), "
                                         f"repeat {repeat} B (limit {REPEAT_LOAD_LIMIT})")
        finally:
            context.close()

    def assert_clean(self) -> None:
        for context in self.contexts:
            for page in context.pages:
                for error in getattr(page, "console_errors", []):
                    # the browser's own reports while offline, and of a 404 the journey asked for
                    if "ERR_INTERNET_DISCONNECTED" not in error and "status of 404" not in error:
                        self.problems.append(f"[console {page.url}] {error}")
        assert not self.problems, f"{len(self.problems)} problem(s) on {self.visited}:\n" + "\n".join(self.problems)

    def screenshot_everyone(self, test_name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(self.contexts):
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"FAILED-{test_name}-{i}-{j}.png"), full_page=True)
                except Exception:
                    pass

    def close(self) -> None:
        for context in self.contexts:
            context.close()
