"""The ``assistant`` command as a user runs it: a subprocess, one-line errors, exit codes."""

import json
import os
import subprocess
import sys

import pytest

from core.config import ONNX_DEFAULT


def run(*args, home, input=None, timeout=300):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return subprocess.run([sys.executable, "-m", "assistant", *args, "--home", str(home)], input=input,
                          capture_output=True, text=True, env=env, timeout=timeout)


def assert_one_line_error(result, code, *fragments):
    assert result.returncode == code, result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("[assistant] ")]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr  # progress lines aside
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in errors[0]


def test_info_json_reports_settings_device_model_and_versions(tmp_path):
    home = tmp_path / "h"
    result = run("info", "--json", "--set", "generation.top_k=5", home=home)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["data_home"] == str(home.resolve()) and home.is_dir()
    assert info["device"] == "cpu" and info["dtype"] == "float32"
    assert info["model"]["kind"] == "gguf" and info["model"]["cached"] is False
    assert (info["model"]["backend"], info["model"]["quantize"]) == ("onnx", ONNX_DEFAULT)  # auto, on this CPU
    assert "qwen2.5-coder-1.5b" in info["model"]["ref"] and not (home / "models").exists()  # info joins nothing
    assert info["settings"]["generation"]["top_k"] == {"value": 5, "from": "cli"}
    assert info["packages"]["transformers"].startswith("5.")
    assert info["index"]["documents"] == 0 and info["index"]["embedding_model"] == "e5"


def test_unknown_setting_is_one_line_exit_2(tmp_path):
    assert_one_line_error(run("info", "--set", "generation.temprature=1", home=tmp_path), 2,
                          "generation.temprature", "did you mean")


def test_bad_value_is_one_line_exit_2(tmp_path):
    assert_one_line_error(run("ask", "hi", "--temperature", "hot", home=tmp_path), 2,
                          "generation.temperature", "must be a number")


def test_missing_model_file_is_one_line_exit_3(tmp_path):
    missing = tmp_path / "none.gguf"
    assert_one_line_error(run("ask", "hi", "--model", str(missing), home=tmp_path), 3, str(missing))


def test_missing_config_file_is_one_line_exit_2(tmp_path):
    assert_one_line_error(run("info", "--config", str(tmp_path / "x.toml"), home=tmp_path), 2, "x.toml")


def test_unknown_command_is_a_usage_error(tmp_path):
    result = run("frobnicate", home=tmp_path)
    assert result.returncode == 2 and "invalid choice" in result.stderr


@pytest.mark.model
def test_ask_json_answers_with_the_default_model(default_chat, model_home):
    result = run("ask", "What is the capital of France? One word.", "--json", "--max-new-tokens", "12",
                 home=model_home)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert "Paris" in out["answer"] and out["completion_tokens"] > 0
    assert out["model"] == default_chat.name and out["device"] == "cpu"
    assert out["generation"]["max_new_tokens"] == 12 and out["finish_reason"] == "stop"
    assert "loading the ONNX export" in result.stderr  # the session fixture already exported it


@pytest.mark.model
def test_chat_streams_answers_and_handles_commands(loaded_model, model_home):
    result = run("chat", "--max-new-tokens", "8", "--model", "smollm2", home=model_home,
                 input="What is 2+2?\n/bogus\n/reset\nAnd the capital of Italy?\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("assistant> ") == 2
    assert "unknown command /bogus" in result.stderr and "conversation cleared" in result.stderr


def test_docs_add_list_search_remove(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "acme.md").write_text("# Acme\n\nAcme's head office is in Bergen, Norway.")
    (docs / "bad.xyz").write_text("?")
    home = tmp_path / "h"
    added = run("docs", "add", str(docs), "--json", home=home)
    assert added.returncode == 4  # some files were skipped; the rest were added
    report = json.loads(added.stdout)
    assert report["added"] == [str(docs / "acme.md")]
    assert report["skipped"] == [{"file": str(docs / "bad.xyz"),
                                  "reason": report["skipped"][0]["reason"]}]
    assert "unsupported file type '.xyz'" in report["skipped"][0]["reason"]
    listed = json.loads(run("docs", "list", "--json", home=home).stdout)
    assert [d["title"] for d in listed] == ["Acme"] and listed[0]["chunks"] == 1
    hits = json.loads(run("docs", "search", "Where is the head office?", "--json", home=home).stdout)
    assert hits[0]["title"] == "Acme" and hits[0]["text"].startswith("# Acme")
    removed = run("docs", "remove", listed[0]["id"], home=home)
    assert removed.returncode == 0 and "removed" in removed.stdout
    assert json.loads(run("docs", "list", "--json", home=home).stdout) == []
    assert_one_line_error(run("docs", "remove", "nope", home=home), 4, "no document 'nope'")


@pytest.mark.model
def test_ask_answers_from_documents_with_passages(default_chat, model_home, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "acme.md").write_text("# Acme\n\nThe chief executive of Acme is Kari Nordmann.")
    assert run("docs", "add", str(docs), home=model_home).returncode == 0
    try:
        result = run("ask", "Who is the chief executive of Acme?", "--json", "--max-new-tokens", "32",
                     home=model_home)
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert out["grounded"] is True
        assert out["passages"][0]["title"] == "Acme" and out["passages"][0]["number"] == 1
        assert "Kari Nordmann" in out["answer"] and out["citations"][0]["title"] == "Acme"
        statements = out["check"]["statements"]
        assert statements and all(st["label"] in ("supported", "unsupported", "contradicted", "not_a_claim")
                                  for st in statements)
        assert all(out["answer"][st["start"]:st["end"]] == st["text"] for st in statements)
        assert out["check"]["verifier"] == "trained"
        from assistant.flags.log import FlagLog  # the turn is in the log, with its passages and verdicts

        turn = FlagLog(model_home / "log.sqlite").turn(out["turn_id"])
        assert turn.answer == out["answer"] and turn.passages[0]["title"] == "Acme"
        assert [s.label for s in turn.statements] == [st["label"] for st in statements]
        plain = json.loads(run("ask", "Who is the chief executive of Acme?", "--json", "--no-docs",
                               "--max-new-tokens", "8", home=model_home).stdout)
        assert plain["grounded"] is False and plain["passages"] == []
        (docs / "globex.md").write_text("# Globex\n\nThe chief executive of Globex is Ola Hansen.")
        assert run("docs", "add", str(docs / "globex.md"), home=model_home).returncode == 0
        globex = next(d["id"] for d in json.loads(run("docs", "list", "--json", home=model_home).stdout)
                      if d["title"] == "Globex")
        scoped = json.loads(run("ask", "Who is the chief executive of Acme?", "--json", "--doc", globex[:8],
                                "--max-new-tokens", "24", home=model_home).stdout)
        assert {p["title"] for p in scoped["passages"]} == {"Globex"}  # only the document asked
        assert FlagLog(model_home / "log.sqlite").turn(scoped["turn_id"]).scope == [globex]
        assert_one_line_error(run("ask", "Who?", "--doc", "nope", home=model_home), 4, "--doc 'nope': no document")
    finally:
        run("docs", "remove", str(docs / "acme.md"), home=model_home)
        run("docs", "remove", str(docs / "globex.md"), home=model_home)


def test_check_batch_names_bad_lines_and_processes_the_rest(tmp_path):
    claims = tmp_path / "in.jsonl"
    claims.write_text(
        '{"id": "a", "claim": "The head office is in Bergen.", "evidence": "The head office is in Bergen."}\n'
        '{oops\n'
        '{"id": "b", "claim": ""}\n'
        '{"id": "c", "claim": "Penguins are birds.", "evidence": "Rivers flow downhill."}\n')
    out = tmp_path / "out.jsonl"
    result = run("check", "--input", str(claims), "--output", str(out), home=tmp_path / "h")
    assert result.returncode == 4  # some lines were bad; the others were checked
    assert "line 2: not valid JSON" in result.stderr and 'line 3: item has no non-empty "claim"' in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "c"]
    assert set(rows[0]) == {"id", "label", "score", "evidence"}
    assert rows[0]["label"] == "supported" and rows[0]["score"] > 0.9  # the trained verifier, by default
    assert rows[1]["label"] == "unsupported" and rows[1]["evidence"] == "Rivers flow downhill."


def test_check_answer_json_marks_every_statement(tmp_path):
    result = run("check", "--answer", "Hello! Water boils at 100 degrees.", "--json", home=tmp_path / "h")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(s["text"], s["label"]) for s in report["statements"]] == [
        ("Hello!", "not_a_claim"), ("Water boils at 100 degrees.", "unsupported")]  # no documents: no evidence
    assert report["verifier"] == "trained"


def test_flags_list_show_review_export(tmp_path):
    from assistant.flags.log import FlagLog
    from tests.test_log import checked_turn

    home = tmp_path / "h"
    home.mkdir()
    turn_id = checked_turn(FlagLog(home / "log.sqlite"))
    listed = run("flags", "list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    flags = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [f["label"] for f in flags] == ["contradicted", "unsupported"]
    shown = run("flags", "show", turn_id[:10], home=home)
    assert shown.returncode == 0 and "Q: Tell me about Acme" in shown.stdout and "[contradicted]" in shown.stdout
    reviewed = run("flags", "review", str(flags[0]["id"]), "confirm", "--correction", "Fixed [1].", home=home)
    assert reviewed.returncode == 0, reviewed.stderr
    assert "1 flag(s)" in run("flags", "list", "--reviewed", home=home).stdout
    exported = run("flags", "export", "--format", "dpo", "--out", str(tmp_path / "dpo.jsonl"), home=home)
    assert exported.returncode == 0 and "wrote 1 dpo rows" in exported.stdout
    assert json.loads((tmp_path / "dpo.jsonl").read_text())["chosen"][0]["content"] == "Fixed [1]."
    suggested = run("flags", "suggest", turn_id[:10], "--accept", "--set", "checker.verifier=overlap", home=home)
    assert suggested.returncode == 0, suggested.stderr
    assert "suggested (trimmed" in suggested.stdout and "9 staff" not in suggested.stdout
    turn = FlagLog(home / "log.sqlite").turn(turn_id)
    assert turn.correction_origin == "suggestion" and "Bergen" in turn.correction and "9 staff" not in turn.correction
    assert_one_line_error(run("flags", "review", "9999", "confirm", home=home), 4, "no statement 9999")
    assert_one_line_error(run("flags", "list", "--since", "yesterday", home=home), 4, "--since must be a date")
    assert_one_line_error(run("flags", "show", "zzz", home=home), 4, "no turn 'zzz'")


def test_a_refusal_margin_is_said_the_right_way_round():
    from assistant.cli.ask import refusal_words

    assert refusal_words(0.8) == "the refusal was its first choice, 0.8 logits ahead"
    assert refusal_words(-1.25) == "its refusal was 1.2 logits behind its first choice"
