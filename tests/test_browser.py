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
import re
import shutil
import socket
from pathlib import Path

import pytest

from tests.test_chinese import MAN_SECTIONS

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
def served(default_chat, tmp_path_factory, embedder):
    """The full page on loopback: the default model, an empty index and flag log of its own, the
    shipped verifier. Yields (url, data home); a test may write turns into ``home / "log.sqlite"``
    as the page itself would (SQLite takes both writers)."""
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
    yield f"http://127.0.0.1:{port}/", home
    demo.close()
    index.close()
    if previous is None:
        os.environ.pop("ASSISTANT_HOME", None)
    else:
        os.environ["ASSISTANT_HOME"] = previous


@pytest.fixture(scope="module")
def app_url(served):
    return served[0]


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
    add_files(page, [path])


def add_files(page, paths):
    """Choose ``paths`` in the Documents tab's upload box, add them, and wait for the result line."""
    page.set_input_files("#uploads input[type=file]", [str(p) for p in paths])
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
    # a "[n]" in the answer opens source n on its passage, the evidence of the check marked in it
    source = answer.locator("details.source").first
    assert not source.evaluate("d => d.open")
    answer.locator(".cite-ref").first.click()
    page.wait_for_function("() => [...document.querySelectorAll('.message.bot details.source')].some(d => d.open)")
    opened = answer.locator("details.source[open]").first
    assert "Bergen" in opened.locator("mark.evidence-span").first.inner_text()
    shot(page, "03b_source_opened")
    # what a screen reader says for each message: its text (it was the answer's raw HTML)
    labels = page.eval_on_selector_all("""[aria-label*="'s message: "]""", "els => els.map(e => e.getAttribute('aria-label'))")
    assert any("Bergen" in label for label in labels) and not any("<" in label for label in labels), labels

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
    for where, picker in (("Documents", "#doc-pick input"), ("Review", "#doc-filter input")):  # and both pickers
        tab(later, where)
        later.click(picker)
        assert later.get_by_role("option", name="Ferry timetable").count() == 1, where
        later.keyboard.press("Escape")


def test_two_sessions_do_not_see_each_others_chats(browser, app_url):
    first, second = open_page(browser, app_url), open_page(browser, app_url)
    ask(first, "Say hello to Alice.")
    ask(second, "Say hello to Bob.")
    shot(first, "11_session_one")
    shot(second, "12_session_two")
    assert "Alice" in first.inner_text("#chatbot") and "Bob" not in first.inner_text("#chatbot")
    assert "Bob" in second.inner_text("#chatbot") and "Alice" not in second.inner_text("#chatbot")


# -- issue 24's defects, each driven as a person meets it ----------------------------------------

def read_download(page, selector="#export-file a"):
    with page.expect_download() as info:
        page.locator(selector).first.click()
    return [json.loads(line) for line in Path(info.value.path()).read_text().splitlines()]


def open_flag(page, statement_id, question):
    page.fill("#statement-id input, #statement-id textarea", str(statement_id))
    page.click("#open-flag")
    page.wait_for_function(f"() => document.querySelector('#flag-question')?.innerText.includes({json.dumps(question)})")


def test_a_note_belongs_to_the_flag_it_was_written_for(browser, served):
    """The Note field kept its text when the next flag was opened, and a note written for one flag
    was stored on the next ones too."""
    from assistant.flags.log import FlagLog
    from tests.test_log import checked_turn

    url, home = served
    log = FlagLog(home / "log.sqlite")
    questions = ("Which notes are kept, first?", "Which notes are kept, second?")
    first, second = (log.turn(checked_turn(log, question=q)).flagged[0].id for q in questions)
    page = open_page(browser, url)
    tab(page, "Review")
    open_flag(page, first, questions[0])
    page.fill("#review-note textarea", "the first flag's note")
    page.click("#confirm")
    page.wait_for_function("() => document.querySelector('#flag-status')?.innerText.includes('confirmed')")
    open_flag(page, second, questions[1])
    shot(page, "13_note_cleared")
    assert page.input_value("#review-note textarea") == ""
    page.click("#reject")
    page.wait_for_function("() => document.querySelector('#flag-status')?.innerText.includes('rejected')")
    notes = {s.id: s.note for q in (first, second) for s in log.turn_of(q).statements}
    assert notes[first] == "the first flag's note" and notes[second] is None


def test_a_flag_for_an_answer_given_elsewhere_shows_the_passages_own_answer(browser, served):
    """The answer-place rule (session 23): the reviewer reads why an answer the passage says was not
    supported, the passage's own answer to the question beside the window that said it."""
    from assistant.checking.checker import Checker
    from assistant.flags.log import FlagLog
    from tests.test_place import ACME, AlwaysSupports, Evidence

    url, home = served
    log = FlagLog(home / "log.sqlite")
    question, answer = "Where is the head office of Acme?", "The head office of Acme is in Oslo."
    passages = [Evidence(ACME, "Acme", "d1", None, 0, len(ACME))]
    report = Checker(AlwaysSupports()).check_answer(answer, question, passages)
    turn = log.turn(log.log_turn(session="web:elsewhere", question=question, answer=answer, model="fake-model",
                                 generation={}, passages=passages, report=report))
    page = open_page(browser, url)
    tab(page, "Review")
    open_flag(page, turn.flagged[0].id, question)
    page.wait_for_function("() => document.querySelector('#flag-evidence')?.innerText.includes('elsewhere')")
    shot(page, "13b_answered_elsewhere")
    evidence = page.inner_text("#flag-evidence")
    assert "answers the question elsewhere: “The head office of Acme is in Bergen, near the old harbour.”" in evidence


def test_reviewed_answers_only_leaves_out_answers_nobody_reviewed(browser, served):
    """The SFT export gave unreviewed answers as training targets with the box ticked."""
    from assistant.flags.log import FlagLog
    from tests.test_export import clean_turn

    url, home = served
    log = FlagLog(home / "log.sqlite")
    unseen = clean_turn(log, "Is the office in Bergen, asked and never reviewed?")
    liked = clean_turn(log, "Is the office in Bergen, asked and liked?")
    log.feedback(liked, True)
    page = open_page(browser, url)
    tab(page, "Export")
    page.get_by_label("sft").check()
    assert page.is_checked("#reviewed-only input")
    page.click("#export-button")
    page.wait_for_function("() => / rows? \\(/.test(document.querySelector('#export-result')?.innerText)")
    reviewed = {row["turn_id"] for row in read_download(page)}
    shot(page, "14_export_reviewed_only")
    assert liked in reviewed and unseen not in reviewed
    before = page.inner_text("#export-result")  # read before the click: a fast export had replaced it already
    page.uncheck("#reviewed-only input")
    page.click("#export-button")
    page.wait_for_function("() => !document.querySelector('#export-result')?.innerText.includes(" +
                           json.dumps(before) + ")")
    everything = {row["turn_id"] for row in read_download(page)}
    assert {liked, unseen} <= everything


def test_the_threshold_shown_is_the_one_the_check_uses(browser, app_url, tmp_path):
    """After switching to the overlap verifier the slider still said 0.98 while 0.50-scored
    statements were marked supported."""
    import re

    from assistant.checking.checker import make_checker
    from core.config import CheckerConfig

    trained = round(make_checker(CheckerConfig()).support_threshold, 2)
    overlap = round(make_checker(CheckerConfig(verifier="overlap")).support_threshold, 2)
    assert trained != overlap
    page = open_page(browser, app_url)
    upload(page, tmp_path, "lighthouse.md", "# Skarvik lighthouse\n\nThe Skarvik lighthouse was built in 1871. "
                                            "It is 32 metres tall and its light reaches 18 nautical miles.")
    tab(page, "Chat")
    page.click("#chat-settings .label-wrap")
    assert float(page.input_value("#threshold input[type=number]")) == trained
    page.click("#verifier input")
    page.get_by_role("option", name="overlap").click()
    page.wait_for_function(f"() => parseFloat(document.querySelector('#threshold input[type=number]')?.value) === {overlap}")
    shot(page, "15_overlap_threshold")
    answer = ask(page, "When was the Skarvik lighthouse built, and how tall is it?")
    status = page.inner_text("#chat-status")
    shot(page, "16_overlap_answer")
    assert "Checked by overlap" in status and f"reaches {overlap:.2f}" in status
    scores = {label: [float(m) for t in answer.locator(f".v-{label}").evaluate_all("els => els.map(e => e.title)")
                      for m in re.findall(r"\(score ([0-9.]+)\)", t)]
              for label in ("supported", "unsupported")}
    assert scores["supported"] or scores["unsupported"], answer.inner_html()
    assert all(s >= overlap for s in scores["supported"]) and all(s < overlap for s in scores["unsupported"]), scores
    # Retry asks again with sampling (it re-ran greedy decoding and gave the very same answer)
    answers = page.locator(".message.bot .checked-answer").count()
    page.click("#retry")
    page.wait_for_function("() => document.querySelector('#chat-status')?.innerText.includes('answering again (sampled')",
                           timeout=60_000)
    page.wait_for_function(f"() => document.querySelectorAll('.message.bot .checked-answer').length >= {answers}"
                           " && document.querySelector('#chat-status')?.innerText.includes('Checked by')",
                           timeout=300_000)


CONTRAST = """els => els.map(e => {
  const rgb = c => c.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const s = getComputedStyle(e), a = lum(s.color), b = lum(s.backgroundColor);
  return [e.className, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_verdict_marks_are_legible_in_light_and_dark_themes(browser, app_url, scheme, tmp_path):
    """In the dark theme marked statements were pale text on pale pink. Contrast of each mark's
    text on its background, as WCAG computes it: at least 4.5:1."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    ferry = "Brevik" if scheme == "light" else "Osvik"
    upload(page, tmp_path, f"{ferry}.md", f"# The {ferry} ferry\n\nThe {ferry} ferry crosses the fjord in "
                                          f"{'22' if scheme == 'light' else '35'} minutes. It carries 40 cars.")
    answer = ask(page, f"How long does the {ferry} ferry take to cross the fjord?")
    shot(page, f"17_marks_{scheme}")
    assert page.evaluate("() => document.body.classList.contains('dark')") == (scheme == "dark")
    ratios = answer.locator(".v-supported, .v-unsupported, .v-contradicted").evaluate_all(CONTRAST)
    assert ratios, answer.inner_html()
    assert all(ratio >= 4.5 for _, ratio in ratios), ratios
    context.close()


WATCH_PROGRESS = """() => {
  window.__progress = {texts: [], most: 0};
  const look = () => {
    const bars = [...document.querySelectorAll('.progress-level')].filter(e => e.offsetParent !== null);
    window.__progress.most = Math.max(window.__progress.most, bars.length);
    for (const e of document.querySelectorAll('.progress-level-inner, .progress-text')) {
      const t = e.innerText.trim();
      if (t && !window.__progress.texts.includes(t)) window.__progress.texts.push(t);
    }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_upload_progress_names_the_file_once(browser, app_url, tmp_path):
    """Upload progress showed the server's path (.../uploads/6f0b....pdf) instead of the file's
    name, and the same bar three times."""
    page = open_page(browser, app_url)
    tab(page, "Documents")
    page.evaluate(WATCH_PROGRESS)
    path = tmp_path / "harbour-rules.md"
    path.write_text("# Harbour rules\n\n" + "Boats moor at the north pier after 18:00. " * 400)
    add_files(page, [path])
    seen = page.evaluate("() => window.__progress")
    shot(page, "18_upload_progress")
    assert any("harbour-rules.md" in t for t in seen["texts"]), seen
    assert not any("uploads/" in t for t in seen["texts"]), seen
    assert seen["most"] <= 1, seen


def test_stop_ends_a_streaming_answer_and_says_so(browser, app_url, tmp_path):
    """There was no Stop button while an answer streamed."""
    page = open_page(browser, app_url)
    rooms = " ".join(f"Room {n} of the Varden museum shows {thing}." for n, thing in enumerate(
        ["old maps", "whaling tools", "ship models", "fishing nets", "coins", "paintings of storms",
         "a lighthouse lamp", "letters from sailors", "ropes and knots", "a diving suit"], start=1))
    upload(page, tmp_path, "varden.md", f"# The Varden museum\n\n{rooms}")
    tab(page, "Chat")
    finished = page.locator(".message.bot .checked-answer").count()
    page.fill("#question textarea", "What does each room of the Varden museum show? Go through all ten rooms.")
    page.click("#send")
    # streaming: text in the last answer, not yet checked
    page.wait_for_function("""() => { const m = [...document.querySelectorAll('.message.bot')].pop();
                                      return m && m.innerText.length > 20 && !m.querySelector('.checked-answer'); }""",
                           timeout=300_000)
    page.click("#stop")
    page.wait_for_function(f"() => document.querySelectorAll('.message.bot .checked-answer').length > {finished}",
                           timeout=120_000)
    shot(page, "19_stopped")
    assert "You stopped the answer here" in page.locator(".message.bot").last.inner_text()


def test_review_groups_alike_flags_decides_them_by_key_and_keeps_its_filters(browser, served):
    """One looping answer gave dozens of identical rows in Review, with no bulk action; the filters
    went back to their defaults on each reload."""
    from assistant.checking.checker import Checker
    from assistant.flags.log import FlagLog
    from tests.test_checker import FakeVerifier
    from tests.test_log import PASSAGES

    url, home = served
    log = FlagLog(home / "log.sqlite")
    answer = "The Acme tower has 77 floors. " * 5
    report = Checker(FakeVerifier()).check_answer(answer, "How tall is the Acme tower?", PASSAGES)
    turn_id = log.log_turn(session="web:loop", question="How tall is the Acme tower?", answer=answer,
                           model="fake-model", generation={}, passages=PASSAGES, report=report)
    assert [s.label for s in log.turn(turn_id).statements] == ["unsupported"] * 5
    page = open_page(browser, url)
    tab(page, "Review")
    cell = page.locator('#flags [data-testid^="cell-"]:visible', has_text="77 floors")
    cell.first.wait_for()
    row = cell.first.get_attribute("data-testid").split("-")[1]
    assert cell.count() == 1 and page.inner_text(f'#flags [data-testid="cell-{row}-8"]').strip() == "5"
    shot(page, "20_review_grouped")
    cell.first.click()
    page.wait_for_function("() => document.querySelector('#flag-status')?.innerText.includes('4 more flags alike')")
    page.locator("#flag-question").click()  # the focus out of any text box, as after reading the flag
    page.keyboard.press("Shift+R")
    page.wait_for_function("() => document.querySelector('#flag-status')?.innerText.includes('5 flags alike')")
    shot(page, "21_review_rejected_alike")
    assert {s.decision for s in log.turn(turn_id).statements} == {"rejected"}
    assert page.locator('#flags [data-testid^="cell-"]:visible', has_text="77 floors").count() == 0  # no longer waiting

    stored = page.evaluate("() => localStorage.getItem('review-filters')")
    page.locator("#state-filter").get_by_label("all").check()
    page.wait_for_function("() => document.querySelector('#flags')?.innerText.includes('77 floors')")
    page.wait_for_function(f"() => localStorage.getItem('review-filters') !== {json.dumps(stored)}")  # saved
    page.reload()
    page.wait_for_selector("#question textarea")
    tab(page, "Review")
    page.wait_for_function("() => document.querySelector('#flags')?.innerText.includes('77 floors')")
    assert page.locator("#state-filter").get_by_label("all").is_checked()
    shot(page, "22_review_filters_kept")


def test_a_chat_can_ask_chosen_documents_only(browser, app_url, tmp_path):
    """Scope: chat with all documents or chosen ones, like AnythingLLM's workspaces."""
    page = open_page(browser, app_url)
    upload(page, tmp_path, "tindvik-bakery.md", "# Tindvik bakery\n\nThe Tindvik bakery opens at 06:00 every day.")
    upload(page, tmp_path, "tindvik-library.md", "# Tindvik library\n\nThe Tindvik library opens at 10:00 every day.")
    tab(page, "Chat")
    page.click("#scope input")
    page.get_by_role("option", name="Tindvik library").click()
    page.keyboard.press("Escape")
    answer = ask(page, "At what time does it open in Tindvik?")
    shot(page, "23_scoped_answer")
    sources = answer.locator("details.source summary").all_inner_texts()
    assert sources and all("Tindvik library" in s for s in sources), sources


def test_the_model_picker_lists_what_the_machine_has_and_loads_one(browser, app_url, assistant_home, model_home):
    """Models: a picker of the models the machine has instead of a free-text box, with load progress.
    The load runs in this test's data home (``assistant_home``, set for each test): it gets the session's
    converted models, so it reads their export instead of converting the GGUF again (minutes on 2
    busy cores, past the wait below; ``test_generate`` covers the conversion)."""
    (assistant_home / "models").mkdir(parents=True, exist_ok=True)
    for kept in (model_home / "models").iterdir():
        link = assistant_home / "models" / kept.name
        if not link.exists():
            link.symlink_to(kept, target_is_directory=kept.is_dir())
    page = open_page(browser, app_url)
    page.click("#chat-settings .label-wrap")
    page.click("#model-name input")
    options = page.get_by_role("option").all_inner_texts()
    shot(page, "24_model_picker")
    assert any("qwen2.5-coder-1.5b (packaged, the default)" in o for o in options), options
    assert any("smollm2 (packaged)" in o for o in options), options
    page.get_by_role("option", name="qwen2.5-coder-1.5b (packaged, the default)").click()
    page.click("#load-model")
    page.wait_for_function("() => document.querySelector('#chat-status')?.innerText.includes('Now answering with')",
                           timeout=300_000)
    assert page.input_value("#model-name input").startswith("qwen2.5-coder-1.5b")


def test_past_chats_are_listed_reopened_renamed_and_deleted(browser, app_url, tmp_path):
    """Conversations: a list of past chats (in the database), opened, renamed, deleted, continued."""
    page = open_page(browser, app_url)
    upload(page, tmp_path, "skerry.md", "# Skerry ferry\n\nThe Skerry ferry leaves the harbour at 08:15.")
    answer = ask(page, "When does the Skerry ferry leave the harbour?")
    answered = answer.inner_text()
    mine = page.locator("#chat-list label", has_text="When does the Skerry ferry leave")
    mine.wait_for()
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chatbot .message').length === 0")
    page.reload()  # saved in the database, not the page
    page.wait_for_selector("#question textarea")
    mine = page.locator("#chat-list label", has_text="When does the Skerry ferry leave")
    mine.wait_for()
    shot(page, "25_chat_list")
    mine.click()
    page.wait_for_function("() => document.querySelector('#chatbot')?.innerText.includes('Skerry ferry leave')")
    assert answered.split("\n")[0] in page.locator(".message.bot").last.inner_text()
    assert page.locator(".message.bot .v-supported, .message.bot .v-unsupported, .message.bot .v-contradicted").count()
    # opening a chat refreshes the list and the title box after the chat itself shows: a title typed
    # before that refresh came was overwritten by it (the test timed out on a busy machine)
    page.wait_for_function("() => document.querySelector('#chat-title textarea, #chat-title input')"
                           "?.value.includes('When does the Skerry ferry leave')")
    page.fill("#chat-title textarea, #chat-title input", "Ferry times")
    page.click("#rename-chat")
    page.locator("#chat-list label", has_text="Ferry times").wait_for()
    shot(page, "26_chat_renamed")
    page.click("#delete-chat")
    page.wait_for_function("() => !document.querySelector('#chat-list')?.innerText.includes('Ferry times')")
    assert page.locator("#chatbot .message").count() == 0


def test_a_390_pixel_wide_screen_still_works(browser, app_url):
    """A phone's width: nothing wider than the screen, the question box and Send on it, the tabs reachable."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    shot(page, "27_narrow")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 391
    for selector in ("#question textarea", "#send", "#new-chat"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 391, (selector, box)
    # the chat comes first on a phone, the list of past chats after it
    assert page.locator("#chatbot").bounding_box()["y"] < page.locator("#new-chat").bounding_box()["y"]
    page.get_by_role("tab", name="Review").tap()
    page.wait_for_selector("#flags")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 391
    # the review table keeps readable columns (they were a letter wide) and scrolls inside its frame
    widths = page.eval_on_selector_all("#flags thead th", "els => els.filter(e => e.offsetParent)"
                                       ".map(e => e.getBoundingClientRect().width)")
    shot(page, "28_narrow_review")
    assert widths and min(widths) >= 40, widths
    shot(page, "28_narrow_review")
    context.close()


def test_the_page_is_up_while_the_model_loads_and_a_question_waits_for_it(browser, tmp_path, monkeypatch):
    """First start showed nothing for ~2 minutes while the model was converted. Here a model whose
    load is held back: the page is served at once and says what the load is doing; a question asked
    meanwhile waits with that status and is answered once the model is there."""
    import os
    import threading

    from app import serve
    from assistant.ui.loading import LoadingModel
    from assistant.ui.page import build_demo
    from core.config import GenerationConfig
    from tests.test_ui_chat import FakeChat

    release = threading.Event()

    def load(progress):
        progress("converting the GGUF weights...")
        release.wait(120)
        return FakeChat(["Loaded and answering."])

    # build_demo points Gradio's upload folder at this test's data home; put back the module's page's
    # afterwards, or its later uploads are refused ("not uploaded by a user")
    monkeypatch.setenv("GRADIO_TEMP_DIR", os.environ.get("GRADIO_TEMP_DIR", str(tmp_path / "gradio")))
    demo = build_demo(LoadingModel("slow-model", GenerationConfig(), load))
    port = free_port()
    serve(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        page = open_page(browser, f"http://127.0.0.1:{port}/")
        page.wait_for_function("() => document.querySelector('#model-status')?.innerText.includes("
                               "'converting the GGUF weights')")
        page.fill("#question textarea", "Are you there?")
        page.click("#send")
        page.wait_for_function("() => document.querySelector('#chat-status')?.innerText.includes("
                               "'waiting for the model: converting the GGUF weights')")
        shot(page, "29_waiting_for_the_model")
        release.set()
        page.wait_for_function("() => document.querySelector('#chatbot')?.innerText.includes('Loaded and answering')",
                               timeout=30_000)
        page.wait_for_function("() => document.querySelector('#model-status')?.innerText.includes('Model `fake`')"
                               " || document.querySelector('#model-status')?.innerText.includes('fake')",
                               timeout=30_000)
        shot(page, "30_model_loaded")
    finally:
        release.set()
        demo.close()


def test_every_file_chosen_gets_its_line_added_or_why_not(browser, app_url, tmp_path):
    """Debian's licence files have no extension (``Apache-2.0``): the upload widget dropped them,
    and a .py file, with a toast that vanished; the result said "0 not added"."""
    page = open_page(browser, app_url)
    tab(page, "Documents")
    licence = tmp_path / "Apache-2.0"
    licence.write_text("Apache License\n\nYou may obtain a copy of the License at the Apache website.\n")
    script = tmp_path / "build.py"
    script.write_text("print('hello')\n")
    add_files(page, [licence, script])
    result = page.inner_text("#add-result")
    shot(page, "31_every_file_named")
    assert "1 added" in result and "added: Apache-2.0" in result
    assert "not added: build.py" in result and "unsupported file type '.py'" in result


def test_an_answer_that_holds_angle_brackets_leaves_the_page_responsive(browser, tmp_path, monkeypatch):
    """A new user's trial froze the tab for good on "press <ESC> :q! <回车>": the script that gives each
    message a readable screen-reader label rewrote a label holding "<" on every change it made itself.
    Here such an answer streams in; the page keeps answering, and the label is the message's text."""
    import os

    from app import serve
    from assistant.ui.page import build_demo
    from tests.test_ui_chat import FakeChat

    monkeypatch.setenv("GRADIO_TEMP_DIR", os.environ.get("GRADIO_TEMP_DIR", str(tmp_path / "gradio")))
    demo = build_demo(FakeChat(["Press ", "<ESC>", ", then type ", ":q! <Enter>", " to quit without saving."]))
    port = free_port()
    serve(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        # count every aria-label write from the page's first moment; the checks below wait with a time
        # limit (a spinning tab fails them instead of hanging the suite)
        context.add_init_script("""window.__labelWrites = 0;
            new MutationObserver(r => { window.__labelWrites += r.length; }).observe(document,
                {subtree: true, attributes: true, attributeFilter: ['aria-label']});""")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"http://127.0.0.1:{port}/")
        page.fill("#question textarea", "How do I quit without saving?")
        page.click("#send")
        page.wait_for_function("() => document.querySelector('#chat-status')?.innerText.includes('Answer not checked')")
        page.wait_for_timeout(1000)
        before = page.wait_for_function("() => window.__labelWrites").json_value()
        page.wait_for_timeout(1000)
        after = page.wait_for_function("() => window.__labelWrites").json_value()
        assert after - before < 5, f"{after - before} aria-label writes in a second after the answer ended"
        label = page.get_attribute("[data-testid=bot][aria-label]", "aria-label")
        assert "Press <ESC>, then type :q! <Enter> to quit without saving." in label, label
        assert "<span" not in label and "<div" not in label, label
        assert "Press <ESC>" in page.inner_text("#chatbot")
        footer = page.inner_text("footer")  # no "Runs" (run history) after an answer: it has no Chinese words
        assert "Use via API" in footer and "Runs" not in footer, footer
        shot(page, "32_angle_brackets_in_an_answer")
    finally:
        demo.close()


I18N_SHOTS = Path("/tmp/i18n-shots")


@pytest.mark.parametrize("locale", ["zh-CN", "zh-TW", "en-US"])
def test_the_page_speaks_the_browsers_language(browser, tmp_path, monkeypatch, locale):
    """Issue 27: a browser asking for Chinese gets the page in Chinese (tab names, the question box,
    buttons, and what the handlers write), in China or in Taiwan; any other browser gets English. Screenshots of the Chinese page go to /tmp/i18n-shots/."""
    import os

    from app import serve
    from assistant.ui.page import build_demo
    from tests.test_ui_chat import FakeChat

    monkeypatch.setenv("GRADIO_TEMP_DIR", os.environ.get("GRADIO_TEMP_DIR", str(tmp_path / "gradio")))
    demo = build_demo(FakeChat(["Hello there."]))
    port = free_port()
    serve(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    chinese = locale.startswith("zh")
    words = {"chat": "对话", "documents": "文档", "review": "审阅", "send": "发送", "question": "问题",
             "placeholder": "就你的文档提个问题……", "status": "回答未经核查"} if chinese else {
        "chat": "Chat", "documents": "Documents", "review": "Review", "send": "Send", "question": "Question",
        "placeholder": "Ask a question about your documents...", "status": "Answer not checked"}
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale=locale)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#question textarea")
        for name in ("chat", "documents", "review"):
            page.get_by_role("tab", name=words[name], exact=True).wait_for(timeout=10_000)
        page.wait_for_function(f"() => document.querySelector('#question textarea')?.placeholder === "
                               f"'{words['placeholder']}'", timeout=10_000)
        assert page.inner_text("#question label, #question [data-testid=block-info]").strip().startswith(
            words["question"])
        assert page.inner_text("#send").strip() == words["send"]
        shots = locale == "zh-CN"
        if shots:
            I18N_SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(I18N_SHOTS / "empty.png"), full_page=True)
        page.fill("#question textarea", "Hi?")
        page.click("#send")
        page.wait_for_function(f"() => document.querySelector('#chat-status')?.innerText.includes('{words['status']}')",
                               timeout=30_000)
        if shots:
            page.screenshot(path=str(I18N_SHOTS / "chat.png"), full_page=True)
            page.click("#chat-settings button, #chat-settings .label-wrap")
            page.wait_for_timeout(500)
            page.screenshot(path=str(I18N_SHOTS / "chat_settings.png"), full_page=True)
            picked = page.input_value("#model-name input")  # the picker says what a model is in Chinese too
            assert "(内置" in picked and "packaged" not in picked and "__i18n__" not in picked, picked
            for name, shot_name in (("文档", "documents"), ("审阅", "review"), ("导出", "export"), ("仪表盘", "dashboard")):
                page.get_by_role("tab", name=name, exact=True).click()
                page.wait_for_timeout(800)
                page.screenshot(path=str(I18N_SHOTS / f"{shot_name}.png"), full_page=True)
                assert page.locator(".toast-body").count() == 0, page.locator(".toast-body").all_inner_texts()
        elif not chinese:
            assert "对话" not in page.inner_text("body")
    finally:
        context.close()
        demo.close()


MAN_ZH = f"""MAN(1)                                   手册分页显示工具                                  MAN(1)

名称
       man - 系统参考手册的接口

描述
       man  是系统的手册分页程序。指定给 man 的 页 选项通常是程序、工具或函数名。

       {MAN_SECTIONS}
"""  # the opening of man(1) as Debian's Chinese manual pages render it (man -l ... | col -bx)


def test_a_chinese_manual_asked_in_chinese_with_the_page_in_chinese(browser, served, tmp_path):
    """Issue 27, end to end with the real model and checker: a Chinese browser uploads a Chinese
    manual page, asks in Chinese, and reads a right answer, cited, with its verdict and evidence."""
    url, _ = served
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea")
        page.get_by_role("tab", name="文档", exact=True).click()
        path = tmp_path / "man.1.txt"
        path.write_text(MAN_ZH, encoding="utf-8")
        page.set_input_files("#uploads input[type=file]", [str(path)])
        page.wait_for_timeout(500)
        page.click("#add-documents")
        page.wait_for_function("() => document.querySelector('#add-result')?.innerText.includes('未添加 ')",
                               timeout=120_000)
        assert "已添加：man.1.txt" in page.inner_text("#add-result")
        page.get_by_role("tab", name="对话", exact=True).click()
        finished = page.locator(".message.bot .checked-answer").count()
        page.fill("#question textarea", "man 手册的第 5 章节包含哪一类手册页？")
        page.click("#send")
        page.wait_for_function(f"() => document.querySelectorAll('.message.bot .checked-answer').length > {finished}",
                               timeout=300_000)
        page.wait_for_function("() => (document.querySelector('#chat-status')?.innerText || '').includes('核查，用时')",
                               timeout=60_000)
        bot = page.locator(".message.bot").last
        answer = bot.locator(".checked-answer").first.inner_text()
        shot(page, "40_chinese_manual_answered")
        marks = [(el.get_attribute("class") or "", el.get_attribute("title") or "")
                 for el in bot.locator(".checked-answer [title]").all()]
        assert "文件格式" in answer and re.search(r"\[\d\]", answer), answer  # right, and cited
        assert "MAN(1)" in bot.locator("details.source summary").first.inner_text()  # the manual is its source
        assert any("v-supported" in css and "有依据" in title and "文件格式和规范" in title for css, title in marks), marks
        assert "supported (score" not in bot.inner_text()  # the marks are in Chinese
    finally:
        context.close()
