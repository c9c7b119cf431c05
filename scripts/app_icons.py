"""Draw the install icons (PNG) from mentoring/static/logo.svg with headless
Chromium, once after the logo changes; the PNGs are committed.
    .venv/bin/python scripts/app_icons.py
"""
import os
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "mentoring" / "static" / "icons"
LOGO = (ROOT / "mentoring" / "static" / "logo.svg").read_text()
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

# Maskable icons may be cut to a circle: the logo inside the central 80 %.
PAGES = {
    "icon-192.png": (192, f'<body style="margin:0;background:#0f766e">{LOGO}</body>', 1.0),
    "icon-512.png": (512, f'<body style="margin:0;background:#0f766e">{LOGO}</body>', 1.0),
    "icon-maskable-512.png": (512, f'<body style="margin:0;background:#0f766e;display:grid;place-items:center;height:100vh">{LOGO}</body>', 0.7),
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for name, (size, html, scale) in PAGES.items():
            page = browser.new_page(viewport={"width": size, "height": size})
            side = int(size * scale)
            page.set_content(html.replace("<svg ", f'<svg width="{side}" height="{side}" style="display:block" ', 1))
            page.screenshot(path=str(OUT / name))
            page.close()
        browser.close()
    print("wrote", ", ".join(PAGES))


if __name__ == "__main__":
    main()
