"""Security of the page with a login: every route the app has, tried without signing in;
what a signed-in user can reach; where uploaded files land; logging in from a real browser.

See SECURITY.md for the threat model these tests stand behind.
"""

from __future__ import annotations

import logging
import re
import tempfile
from html import unescape
from pathlib import Path

import httpx
import pytest

from assistant.ui.guard import is_public
from tests.test_browser import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.test_ui_chat import FakeChat, free_port

USERS = [("ann", "s3cret-pass")]


@pytest.fixture
def page(assistant_home, embedder):
    """The whole page with a login: a fake model, a real index and flag log in this test's data home."""
    from app import serve
    from assistant.flags.log import FlagLog
    from assistant.ui.page import build_demo
    from core.config import IndexConfig
    from index.documents import DocumentIndex

    index = DocumentIndex(IndexConfig(batch_size=8), root=assistant_home / "index", embedder=embedder)
    demo = build_demo(FakeChat(), index, None, FlagLog(assistant_home / "log.sqlite"),
                      reviewers=[USERS[0][0]])  # ann may load a model (the markup test does)
    port = free_port()
    serve(demo, "127.0.0.1", port, auth=USERS, prevent_thread_lock=True, quiet=True)
    yield demo, f"http://127.0.0.1:{port}"
    demo.close()
    index.close()


def routes(app):
    """(path, method) for every HTTP route of the app, the ones Gradio includes under /gradio_api too."""
    found = []
    for route in app.routes:
        inner = getattr(route, "original_router", None)
        for r in (inner.routes if inner is not None else [route]):
            for method in sorted(getattr(r, "methods", None) or []):
                if method != "HEAD":
                    found.append((r.path, method))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_before_signing_in_every_route_but_the_login_page_says_401(page):
    demo, url = page
    tried = routes(demo.server_app)
    assert len(tried) > 60  # the walk found Gradio's API routes, not just the top level
    refused, public = [], []
    for path, method in tried:
        with httpx.stream(method, url + concrete(path), timeout=10) as response:
            status = response.status_code
        if is_public(concrete(path)):
            public.append((path, status))
            assert status != 200 or path not in ("/config", "/gradio_api/info"), path
        else:
            refused.append(path)
            assert status == 401, (method, path, status)
    page_text = httpx.get(url + "/").text
    assert '"components":[]' in page_text and '"auth_required":true' in page_text  # the login form only
    for path in ("/config", "/gradio_api/info", "/gradio_api/openapi.json", "/openapi.json"):
        assert httpx.get(url + path).status_code == 401, path
    print(f"routes tried: {len(tried)}, refused: {len(refused)}, public: {len(public)}")
    assert len(refused) > 50


def signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    response = client.post("/login", data={"username": USERS[0][0], "password": USERS[0][1]})
    assert response.status_code == 200, response.text
    return client


def test_wrong_passwords_are_refused_and_signed_in_users_get_the_app(page):
    _, url = page
    wrong = httpx.post(url + "/login", data={"username": "ann", "password": "guess"})
    assert wrong.status_code == 400 and "set-cookie" not in {k.lower() for k in wrong.headers}
    client = signed_in(url)
    assert client.get("/config").status_code == 200
    assert client.get("/gradio_api/info").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_uploads_land_in_the_data_home_only_under_generated_names(page, assistant_home, tmp_path):
    from gradio_client import Client, handle_file

    _, url = page
    shared_tmp = Path(tempfile.gettempdir()) / "gradio"
    before = set(shared_tmp.rglob("*")) if shared_tmp.exists() else set()
    doc = tmp_path / "Quarterly report.md"
    doc.write_text("# Quarterly report\n\nSales rose by 4 percent.")
    client = Client(url, auth=USERS[0], verbose=False)
    message = client.predict([handle_file(str(doc))], api_name="/add_documents")[0]
    assert message.startswith("**1 added") and "Quarterly report.md" in unescape(message)
    (stored,) = (assistant_home / "uploads").iterdir()
    assert re.fullmatch(r"[0-9a-f]{16}\.md", stored.name)
    copies = [p for p in (assistant_home / "tmp").rglob(doc.name)]
    assert copies and all(p.read_bytes() == doc.read_bytes() for p in copies)  # Gradio's copy, inside the home
    after = set(shared_tmp.rglob("*")) if shared_tmp.exists() else set()
    assert not any(p.is_file() and p.read_bytes() == doc.read_bytes() for p in after - before)
    # the copy is served to a signed-in user only
    file_url = f"/gradio_api/file={copies[0]}"
    assert httpx.get(url + file_url).status_code == 401
    assert signed_in(url).get(file_url).status_code == 200
    # and nothing else of the data home is served, signed in or not
    assert signed_in(url).get(f"/gradio_api/file={assistant_home / 'log.sqlite'}").status_code in (403, 404)


def test_signing_in_from_a_browser(page, browser):  # noqa: F811
    _, url = page
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(url + "/")
    tab.wait_for_selector("input[type=password]", timeout=30_000)
    tab.screenshot(path=str(ARTIFACTS / "13_login.png"))
    said = tab.inner_text("body")  # before signing in the page cannot tell the language: both are there
    assert "Sign in to use the grounded assistant." in said and "登录后即可使用" in said
    tab.fill("input[type=text]", USERS[0][0])
    tab.fill("input[type=password]", USERS[0][1])
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#chatbot, [data-testid=chatbot], .chatbot", timeout=30_000)
    tab.get_by_role("tab", name="Documents").wait_for(timeout=10_000)
    tab.screenshot(path=str(ARTIFACTS / "14_signed_in.png"))
    context.close()


def test_error_messages_carrying_markup_are_shown_as_text(page, browser):  # noqa: F811
    """Gradio shows an error's message as (sanitised) HTML; ours are escaped, so a model or
    file name with markup in it is shown, not built into the page."""
    _, url = page
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(url + "/")
    tab.fill("input[type=text]", USERS[0][0])
    tab.fill("input[type=password]", USERS[0][1])
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#question", timeout=30_000)
    tab.locator(".label-wrap", has_text="Settings").first.click()
    name = '<img src=x onerror="window.__pwned=1"><b>bold</b>'
    box = tab.locator("#model-name textarea, #model-name input").first
    for _ in range(5):  # the accordion mounts its fields as it opens; a fill before that can be reset
        box.fill(name)
        tab.wait_for_timeout(300)
        if box.input_value() == name:
            break
    assert box.input_value() == name  # else the click below would load the real packaged model
    tab.click("#load-model")
    toast = tab.get_by_text("cannot load model", exact=False).first  # not the progress line, which names it too
    toast.wait_for(timeout=30_000)
    assert "cannot load model '<img src=x" in toast.inner_text()
    tab.wait_for_timeout(600)  # the toast slides in
    tab.screenshot(path=str(ARTIFACTS / "15_error_as_text.png"))
    assert tab.evaluate("window.__pwned") is None
    assert tab.evaluate("document.querySelectorAll('img[src=x], b').length") == 0
    context.close()


def test_failed_sign_ins_are_throttled_logged_and_answered_429(page, caplog):
    _, url = page
    with caplog.at_level(logging.WARNING, logger="assistant.login"):
        wrong = [httpx.post(url + "/login", data={"username": "ann", "password": f"guess{n}"}).status_code
                 for n in range(4)]
        right = httpx.post(url + "/login", data={"username": USERS[0][0], "password": USERS[0][1]})
    assert wrong == [400, 400, 400, 429]  # three tries free, then the user and the address must wait
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
    assert "too many failed sign-ins" in right.json()["detail"]
    assert caplog.text.count("failed sign-in for user 'ann' from 127.0.0.1") == 3
    decoy = httpx.post(url + "/login", content=b"username=someone-else&username=ann&password=guess",
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert decoy.status_code == 400 and "more than once" in decoy.json()["detail"]  # no decoy name to blame

