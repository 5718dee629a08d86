"""A new user's trial in the browser: the real page (default model, index, checker), real Debian
documents added through the Documents tab, questions asked in one chat; answers and screenshots kept.

    python bench/experiments/browser_trial.py [--words N] [--out DIR (test-artifacts/browser-trial)]

Documents: zlib's usage example (zlib1g-dev), systemd's UIDS-GIDS.md and base-passwd's users-and-groups
page, as Debian installs them. ``--words`` sets ``index.passage_words`` (default: the product's). Writes
``DIR/answers_<words>.json`` and ``DIR/shots/``; the log of the page is in the printed data home.
Needs chromium and playwright (``make test`` installs both) and the models in the data home
(``ASSISTANT_HOME``; its ``models`` folder is linked into a fresh home). About 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DOCS = [Path("/usr/share/doc/zlib1g-dev/examples/zlib_how.html"), Path("/usr/share/doc/systemd/UIDS-GIDS.md.gz"),
        Path("/usr/share/doc/base-passwd/users-and-groups.html")]
QUESTIONS = [
    "What is the default value of CHUNK in zpipe.c?",
    "What does def() return if the version of zlib.h and the linked library do not match?",
    "Which UID range is used for dynamic users?",
    "What is the UID of the nobody user?",
    "Which group owns the mail spool?",
    "Which user do some web servers run as?",
    "What uid did the operator user have?",
    "What compression level does zpipe.c use by default when it is run?",
    "Which port does the systemd-journald daemon listen on?",  # not in the documents
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=None, help="index.passage_words (default: the product's)")
    parser.add_argument("--out", default=str(ROOT / "test-artifacts" / "browser-trial"))
    args = parser.parse_args()
    from core.home import data_home

    models = data_home() / "models"
    home = Path(tempfile.mkdtemp(prefix="trial-home-"))
    (home / "models").symlink_to(models)
    os.environ["ASSISTANT_HOME"] = str(home)
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    out = Path(args.out)
    docs = home / "docs"
    docs.mkdir()
    for doc in DOCS:  # a gzipped manual is added as its text
        target = docs / (doc.stem if doc.suffix == ".gz" else doc.name)
        target.write_bytes(gzip.decompress(doc.read_bytes()) if doc.suffix == ".gz" else doc.read_bytes())

    from playwright.sync_api import sync_playwright

    from app import serve
    from assistant.chat.backends import chat_for
    from assistant.checking.checker import make_checker
    from assistant.flags.log import FlagLog
    from assistant.ui.page import build_demo
    from core.config import CheckerConfig, GenerationConfig, IndexConfig, ModelConfig
    from index.documents import DocumentIndex
    from tests import test_browser as tb

    tb.ARTIFACTS = out / "shots"
    index = DocumentIndex(IndexConfig() if args.words is None else IndexConfig(passage_words=args.words),
                          root=home / "index")
    chat = chat_for(ModelConfig(), GenerationConfig())
    demo = build_demo(chat, index, make_checker(CheckerConfig(), index), FlagLog(home / "log.sqlite"))
    port = tb.free_port()
    serve(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    answers = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=tb.CHROMIUM, args=tb.CHROMIUM_ARGS)
        page = tb.open_page(browser, f"http://127.0.0.1:{port}/")
        tb.tab(page, "Documents")
        tb.add_files(page, sorted(docs.iterdir()))
        tb.shot(page, f"00_documents_{args.words}")
        for n, question in enumerate(QUESTIONS, 1):
            start = time.time()
            shown = tb.ask(page, question)
            answers.append({"question": question, "seconds": round(time.time() - start, 1),
                            "shown": shown.inner_text()})
            tb.shot(page, f"{n:02d}_{args.words}")
            print(json.dumps(answers[-1], ensure_ascii=False), flush=True)
        browser.close()
    out.mkdir(parents=True, exist_ok=True)
    (out / f"answers_{args.words}.json").write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n")
    print(f"the page's log (answers, drafts, verdicts): {home / 'log.sqlite'}", file=sys.stderr)
    demo.close()
    index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
