"""The UI in a real browser: Debian `chromium` driven by Python playwright (never `playwright install`).

One walk through the page: ask, watch the answer stream in, open a citation footnote and see the quote
highlighted in the Sources panel, follow up, then type hostile HTML and check it is shown, not run. Saves
`docs/ui-screenshot.png` on the way.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app import ui
from app.chatbot import Chatbot
from tests.conftest import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "ui-screenshot.png"
HOSTILE = "<img src=x onerror=alert(1)> [x](javascript:alert(2))"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def url(bot: Chatbot):
    """The real app on a free loopback port."""
    demo = ui.launch(bot, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield demo.local_url
    finally:
        demo.close()


@dataclass
class Seen:
    """What the page did besides rendering: JS dialogs opened and requests to other hosts."""

    dialogs: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser_page(url: str):
    """A fresh headless Chromium page on the app; collects dialogs and off-host requests."""
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            tab = browser.new_page(viewport={"width": 1360, "height": 1000})
            tab.set_default_timeout(TIMEOUT_MS)
            seen = Seen()
            tab.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
            tab.on("request", lambda r: None if r.url.startswith(url) else seen.external.append(r.url))
            tab.goto(url)
            tab.wait_for_selector("#question textarea")
            yield tab, seen
        finally:
            browser.close()


def ask(page, question: str) -> None:
    """Type a question and press Enter, then wait until its answer is final (no streaming cursor)."""
    answers_before = page.locator("#chat .answer").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        """n => { const a = document.querySelectorAll('#chat .answer');
                  return a.length > n && !a[a.length - 1].matches('.pending, .streaming'); }""",
        arg=answers_before)


def test_chat_citations_sources_and_escaping(browser_page) -> None:
    page, seen = browser_page
    # the answer streams in: a draft (with a cursor) shows before the final answer with its footnotes
    page.evaluate("""() => { window.sawDraft = false;
        new MutationObserver(() => { if (document.querySelector('#chat .answer.streaming')) window.sawDraft = true; })
          .observe(document.body, {childList: true, subtree: true, characterData: true}); }""")
    ask(page, "Which city is ranked 8th?")
    assert page.evaluate("window.sawDraft") is True
    last = page.locator("#chat .answer").last
    assert "Jinan" in last.inner_text()
    assert last.locator(".footnote").first.inner_text().startswith("[1] 8. Jinan")

    # a follow-up, then open its second footnote: the Sources panel highlights the quote
    ask(page, "Tell me about Jinan.")
    footnotes = page.locator("#chat .answer").last.locator(".footnote")
    assert footnotes.count() == 3  # the heading and both sentences of the Industrial AI bullet
    quote = footnotes.nth(1).locator("xpath=following-sibling::q").inner_text().strip("“”\"")
    footnotes.nth(1).click()
    page.wait_for_function("() => (document.querySelector('#source-view .source-head') || {}).textContent"
                           "?.startsWith('[2] 8. Jinan › Industrial AI')")
    mark = page.locator("#source-view mark")
    assert mark.count() == 1 and mark.inner_text() == quote
    assert page.locator("#source-choice input[type=radio]:checked").count() == 1

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # hostile HTML in a question is shown literally, never run
    ask(page, HOSTILE)
    assert page.locator("#chat .question").last.inner_text() == HOSTILE
    assert page.locator("#chat img[src='x']").count() == 0
    assert page.locator("#chat a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)
    assert seen.dialogs == []

    # the page made no request off the app's own host (no analytics, fonts or CDNs)
    assert seen.external == []
