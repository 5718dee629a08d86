"""The page in a real headless Chromium: ask a question, watch the answer stream in.

Screenshots go to ``test-artifacts/browser/``. Needs Debian's ``chromium`` and the
``playwright`` package (both installed by ``make test``); skipped, with the reason, when absent.
"""

import os
import shutil
import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


@pytest.fixture(scope="module")
def page_url(chat_model):
    from app import build_demo

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = build_demo(chat_model)
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make test installs it with apt-get when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_chat_streams_an_answer_in_the_browser(browser, page_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(page_url)
    page.wait_for_selector("textarea")
    page.screenshot(path=str(ARTIFACTS / "01_empty.png"))
    # Record every text the last answer bubble shows, to see it grow while streaming.
    page.evaluate("""() => {
        window.__texts = [];
        new MutationObserver(() => {
            const m = document.querySelectorAll('.message.bot');
            if (!m.length) return;
            const t = m[m.length - 1].innerText.trim();
            if (t && window.__texts[window.__texts.length - 1] !== t) window.__texts.push(t);
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    page.fill("textarea", "What is the capital of France?")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__texts.length > 0", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "02_streaming.png"))
    page.wait_for_function("() => window.__texts.some(t => t.includes('Paris'))", timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "03_answered.png"))
    texts = page.evaluate("() => window.__texts")
    final = page.locator(".message.bot").last.inner_text().strip()
    assert "Paris" in final
    partial = [t for t in texts if final.startswith(t) and t != final]
    assert partial, texts  # the answer grew in place: streamed, not one final message
    assert not errors, errors
