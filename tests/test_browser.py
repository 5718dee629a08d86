"""The whole page in a real headless Chromium, with the real packaged model, index and verifier.

One story, step by step, as a person would use it: upload a document, ask a question
answered by it (a supported highlight with a citation), ask one half of which it does not
answer, inviting a made-up answer (a flag), review the flag, export and read back the downloaded file;
a document carrying an HTML / JS payload stays inert; two browser sessions do not
see each other's chats; with a login, nothing is served before signing in.

Screenshots of every step go to ``test-artifacts/browser/``. Needs Debian's
``chromium`` and the ``playwright`` package (both installed by ``make test``);
skipped, with the reason, when absent.
"""

import json
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
DOC = """# Zorblat Industries

Zorblat Industries is a maker of ship engines. The head office of Zorblat Industries is in Bergen.
Zorblat Industries was founded in 1952 by Ingrid Halvorsen. It employs 450 people.
"""
PAYLOAD = """<html><head><title>Payload &lt;img src=x onerror="window.__pwned='title'"&gt;</title></head><body>
<p>The Quillon bridge is 503 metres long.</p>
<script>window.__pwned = 'script'</script>
<p>&lt;img src=x onerror="window.__pwned='text'"&gt; The Quillon bridge opened in 1932.</p>
</body></html>"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(default_chat, tmp_path_factory, embedder):
    """The full page on loopback: the default model, an empty index and flag log of its own, the shipped verifier."""
    import os

    from app import serve
    from assistant.checking.checker import make_checker
    from assistant.flags.log import FlagLog
    from assistant.ui.page import build_demo
    from core.config import CheckerConfig, IndexConfig
    from index.documents import DocumentIndex

    home = tmp_path_factory.mktemp("browser-home")
    previous = os.environ.get("ASSISTANT_HOME")
    os.environ["ASSISTANT_HOME"] = str(home)
    index = DocumentIndex(IndexConfig(top_k=3), root=home / "index", embedder=embedder)
    demo = build_demo(default_chat, index, make_checker(CheckerConfig(), index), FlagLog(home / "log.sqlite"))
    port = free_port()
    serve(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()
    index.close()
    if previous is None:
        os.environ.pop("ASSISTANT_HOME", None)
    else:
        os.environ["ASSISTANT_HOME"] = previous


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make test installs it with apt-get when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda err: page.errors.append(str(err)))
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


def tab(page, name):
    page.get_by_role("tab", name=name).click()


def upload(page, tmp_path, name, text):
    tab(page, "Documents")
    path = tmp_path / name
    path.write_text(text)
    page.set_input_files("#uploads input[type=file]", str(path))
    page.wait_for_timeout(500)
    page.click("#add-documents")
    page.wait_for_function("() => document.querySelector('#add-result')?.innerText.includes('not added (')",
                           timeout=120_000)


def ask(page, question):
    """Ask in the chat tab; wait until the answer is checked; the last answer's element."""
    tab(page, "Chat")
    # a finished answer is wrapped in .checked-answer (streamed text is not): count those, so an
    # answer that streams, checks and finishes between two looks is not missed (a refusal is quick)
    finished = page.locator(".message.bot .checked-answer").count()
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function(f"() => document.querySelectorAll('.message.bot .checked-answer').length > {finished}",
                           timeout=300_000)
    page.wait_for_function("() => document.querySelector('#chat-status')?.innerText.includes('Checked by')",
                           timeout=60_000)
    return page.locator(".message.bot").last


def test_the_whole_loop_in_the_browser(browser, app_url, tmp_path):
    page = open_page(browser, app_url)
    shot(page, "01_empty")

    upload(page, tmp_path, "zorblat.md", DOC)
    assert "1 added" in page.inner_text("#add-result")
    assert "Zorblat Industries" in page.inner_text("#documents")
    shot(page, "02_uploaded")

    answer = ask(page, "Where is the head office of Zorblat Industries?")
    shot(page, "03_supported")
    assert answer.locator(".v-supported").count() >= 1, answer.inner_html()
    assert "Bergen" in answer.locator(".v-supported").first.inner_text()
    assert answer.locator(".citation").count() >= 1 and "Zorblat Industries" in answer.inner_text()
    tooltip = answer.locator(".v-supported").first.get_attribute("title")
    assert "evidence from Zorblat Industries" in tooltip and "Bergen" in tooltip

    # the document says how many people it employs, not how many ships it built: the model
    # says "450 ships", which the checker must flag
    answer = ask(page, "Who founded Zorblat Industries, and how many ships has it built?")
    shot(page, "04_flagged")
    flagged = answer.locator(".v-unsupported, .v-contradicted")
    assert flagged.count() >= 1, answer.inner_html()

    tab(page, "Review")
    page.wait_for_selector('#flags [data-testid="cell-0-4"]')
    shot(page, "05_review_list")
    page.locator('#flags [data-testid="cell-0-4"]').click()  # the newest flag's statement
    page.wait_for_selector("#flag-answer .v-unsupported, #flag-answer .v-contradicted")
    assert "best evidence" in page.inner_text("#flag-evidence") and page.input_value("#correction textarea")
    page.click("#confirm")
    page.wait_for_function("() => document.querySelector('#flag-status')?.innerText.includes('confirmed')")
    shot(page, "06_reviewed")

    tab(page, "Export")
    page.get_by_label("dpo").check()
    page.click("#export-button")
    page.wait_for_function("() => / rows? \\(/.test(document.querySelector('#export-result')?.innerText)")
    with page.expect_download() as info:
        page.locator("#export-file a").first.click()
    rows = [json.loads(line) for line in Path(info.value.path()).read_text().splitlines()]
    shot(page, "07_exported")
    assert rows and page.inner_text("#export-result").startswith(f"{len(rows)} row")
    assert {"prompt", "chosen", "rejected"} <= rows[0].keys()

    tab(page, "Dashboard")
    page.wait_for_function("() => document.querySelector('#dashboard-summary')?.innerText.includes('answers logged')")
    shot(page, "08_dashboard")
    assert not page.errors, page.errors


def test_a_document_with_an_html_payload_stays_inert(browser, app_url, tmp_path):
    page = open_page(browser, app_url)
    upload(page, tmp_path, "payload.html", PAYLOAD)
    shot(page, "09_payload_uploaded")
    assert "Payload <img" in page.inner_text("#documents")  # the title, shown as text
    answer = ask(page, "How long is the Quillon bridge?")
    shot(page, "10_payload_answer")
    assert answer.locator("img, script").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0


def test_a_page_opened_later_lists_the_documents_added_since_the_app_started(browser, app_url, tmp_path):
    first = open_page(browser, app_url)
    upload(first, tmp_path, "ferries.md", "# Ferry timetable\n\nThe Nordvik ferry leaves at 07:40.")
    later = open_page(browser, app_url)
    tab(later, "Documents")
    later.wait_for_function("() => document.querySelector('#documents')?.innerText.includes('Ferry timetable')",
                            timeout=30_000)


def test_two_sessions_do_not_see_each_others_chats(browser, app_url):
    first, second = open_page(browser, app_url), open_page(browser, app_url)
    ask(first, "Say hello to Alice.")
    ask(second, "Say hello to Bob.")
    shot(first, "11_session_one")
    shot(second, "12_session_two")
    assert "Alice" in first.inner_text("#chatbot") and "Bob" not in first.inner_text("#chatbot")
    assert "Bob" in second.inner_text("#chatbot") and "Alice" not in second.inner_text("#chatbot")
