"""A real Chromium driven by Playwright against pytest-django's live server, for the browser and accessibility tests.

Debian's chromium is used as installed (no browser download; CHROMIUM_PATH names another build): without it
the tests skip, unless REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"  # Debian's package; another build if set
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
AXE_SCRIPT = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Generous for a loaded two-core CI machine; a passing run waits far less.
TIMEOUT_MS, NAVIGATION_TIMEOUT_MS = 15_000, 30_000


def zh(msgid, **values) -> str:
    """The text (a msgid or a lazy label such as Status.CLOSED.label) as a visitor of the Chinese portal reads it."""
    with translation.override("zh-hans"):
        text = gettext(msgid) if isinstance(msgid, str) else str(msgid)
    return text % values if values else text


def screenshot_dir() -> Path:
    """BROWSER_SCREENSHOTS, relative to the project root unless absolute; var/screenshots/browser by default."""
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or "var/screenshots/browser")
    if not folder.is_absolute():
        folder = settings.BASE_DIR / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _missing(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio loop running in this thread, and Django then refuses ORM calls made
    from it (SynchronousOnlyOperation). The test thread's ORM use is plain synchronous code, so the guard is
    lifted only while the browser is open; the live server answers from its own thread either way.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError, sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE_SCRIPT.exists():
        _missing(f"{AXE_SCRIPT} is missing (npm ci installs axe-core)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            _missing(f"Chromium at {CHROMIUM} did not start: {error.message.splitlines()[0]}")
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def trained_classifier():
    """The intake classifier loads once per process on its first use (seconds on a busy machine); doing it
    before the browser clicks keeps that one-off cost out of the page timeouts."""
    from demands.classify import get_classifier

    return get_classifier()


def new_page(browser, *, phone: bool):
    context = browser.new_context(**(PHONE if phone else DESKTOP), locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return context.new_page()


def expect(target):
    """Playwright's retrying assertions (imported late: the module loads even where Playwright is missing)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def goto(page, url: str, *, status: int = 200):
    response = page.goto(url)
    assert response is not None and response.status == status, f"{url}: HTTP {response and response.status}"
    return response


def shoot(page, name: str) -> Path:
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2 A and AA rules) on the page as it is now; the violations of the given impacts.

    The script goes in through the DevTools protocol, which a Content-Security-Policy does not block.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},"
        " resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [re.sub(r"\s+", " ", n["html"])[:160] for n in v["nodes"][:5]]}
        for v in result["violations"] if v["impact"] in impacts
    ]


def axe_report(found: dict) -> str:
    """{page name: violations} as lines a developer can act on."""
    return "\n".join(f"{page}: {v['impact']} {v['id']} ({v['help']}): {' | '.join(v['nodes'])}"
                     for page, violations in found.items() for v in violations)
