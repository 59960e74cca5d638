"""Screenshots of the main pages, as a person sees them: both languages, desktop and phone width.

Usage: scripts/screenshots.py [BASE_URL] [USERNAME] [PATH ...]
Defaults: a server already running at http://127.0.0.1:8000 (make run), user admin, the pages below.
Writes screenshots/<lang>-<width>-<page>.png (git-ignored).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = ["/", "/org/departments/", "/org/employees/", "/org/roles/", "/audit/"]
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}
OUT = Path(__file__).resolve().parent.parent / "screenshots"


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    username = sys.argv[2] if len(sys.argv) > 2 else "admin"
    pages = sys.argv[3:] or PAGES
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in ("zh-hans", "en"):
            for name, (width, height) in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height}, base_url=base)
                context.add_cookies([{"name": "opensales_language", "value": lang, "url": base}])
                page = context.new_page()
                page.goto("/accounts/login/")
                page.fill('input[name="username"]', username)
                page.fill('input[name="password"]', "opensales-demo")
                page.locator('form:has(input[name="password"]) button[type="submit"]').click()
                page.wait_for_load_state()
                for path in pages:
                    page.goto(path)
                    slug = re.sub(r"[^\w]+", "-", path).strip("-") or "home"
                    target = OUT / f"{lang}-{name}-{slug}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
