"""Sign-ins shared by replicas: Gradio's session tokens in the flag log's database (both stores)."""

from __future__ import annotations

import httpx
import pytest

from assistant.flags.log import FlagLog
from assistant.ui.sessions import SharedSignIns, cookie_id, share_sign_ins


def test_tokens_are_stored_hashed_and_read_back_by_another_connection(database, tmp_path):
    log = FlagLog(database or tmp_path / "log.sqlite")
    tokens = SharedSignIns(log)
    tokens["secret-token"] = "ann"
    assert tokens["secret-token"] == "ann" and tokens.get("other") is None and len(tokens) == 1
    stored = [r[0] for r in log.db.execute("SELECT token_hash FROM sign_ins")]
    assert stored and "secret-token" not in stored[0]  # the token itself is not kept
    again = SharedSignIns(FlagLog(database or tmp_path / "log.sqlite"))  # another replica
    assert again["secret-token"] == "ann"
    # Gradio's sign-out of a user: iterate, compare, delete
    for token in list(again.keys()):
        if again[token] == "ann":
            del again[token]
    assert "secret-token" not in tokens and len(tokens) == 0
    with pytest.raises(KeyError):
        del tokens["secret-token"]
    assert cookie_id(log) == cookie_id(FlagLog(database or tmp_path / "log.sqlite"))


def _page(log, port_holder):
    import gradio as gr

    from app import serve

    with gr.Blocks() as demo:
        gr.Markdown("replica")
    serve(demo, "127.0.0.1", None, [("ann", "pw")], prevent_thread_lock=True)
    share_sign_ins(demo.server_app, log)
    port_holder.append(demo)
    return demo.local_url.rstrip("/")


def test_a_user_signed_in_on_one_replica_is_signed_in_on_the_other(database, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    target = database or tmp_path / "log.sqlite"
    demos: list = []
    try:
        a, b = _page(FlagLog(target), demos), _page(FlagLog(target), demos)
        with httpx.Client(timeout=30) as stranger:
            assert stranger.get(f"{b}/config").status_code == 401
        with httpx.Client(timeout=30) as client:
            signed = client.post(f"{a}/login", data={"username": "ann", "password": "pw"})
            assert signed.status_code == 200, signed.text
            cookies = dict(client.cookies)
        assert any(name.startswith("access-token-") for name in cookies)
        with httpx.Client(timeout=30, cookies=cookies) as client:
            assert client.get(f"{b}/config").status_code == 200  # the other replica knows the sign-in
            client.get(f"{b}/logout")
        with httpx.Client(timeout=30, cookies=cookies) as client:
            assert client.get(f"{a}/config").status_code == 401  # signed out on b: out on a too
    finally:
        for demo in demos:
            demo.close()
