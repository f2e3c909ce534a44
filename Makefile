# ai-cities-chat: `make run` sets everything up and starts the chat UI; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

# llama-cpp-python serves a tiny real model for the end-to-end LLM test; it builds llama.cpp from source.
# Portable, never -march=native: GGML_NATIVE=OFF compiles for x86-64 with SSE4.2/AVX/AVX2/FMA/F16C/BMI2
# (every Intel CPU since Haswell, every AMD since Zen), not for this CPU's AVX-512/AMX, which died with
# "invalid opcode" on another machine. The wheel is built once per version and flags into a folder keyed by
# both, and pip only ever installs that wheel (--only-binary): its own wheel cache keys on the source
# archive alone and could hand back a native build. LLAVA_BUILD=OFF: the test needs no multimodal library.
# Keep LLAMA_CPP_VERSION equal to the pin in pyproject.toml (extra llm-e2e).
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
LLAMA_WHEEL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ai-cities-chat/wheels
LLAMA_WHEELS := $(LLAMA_WHEEL_CACHE)/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(shell printf '%s' \
  '$(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)
LLAMA_PIP := --find-links $(LLAMA_WHEELS) --only-binary llama-cpp-python

.PHONY: install install-dev run ingest test lint eval bench load browser-deps clean distclean

# torch first, with pip, pinned: pip takes the machine's local CPU wheel instead of a multi-GB CUDA build. Then
# everything else with uv (from PyPI, as pip would: the same versions), which installs the ~130 packages in seconds
# where pip took 90 s; uv is held to the torch pip installed, and searches the extra indexes pip is configured with
# (a local mirror) as pip does, best version across all of them.
UV_CONSTRAINTS := $(VENV)/constraints.txt
UV_INDEXES := $(shell $(PYTHON) -m pip config get global.extra-index-url 2>/dev/null | tr ' ' '\n' | \
  sed -n 's|^\(.\+\)$$|--extra-index-url \1|p')
UV_PIP = $(BIN)/uv pip install --quiet --python $(BIN)/python --constraint $(UV_CONSTRAINTS) \
  --index-strategy unsafe-best-match $(UV_INDEXES)

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0 uv
	printf 'torch==2.13.0\n' > $(UV_CONSTRAINTS)
	$(UV_PIP) -e .
	touch $@

# The portable llama-cpp-python wheel (about 6 minutes on 2 cores; once per version and flags, kept across
# venvs and clones in LLAMA_WHEEL_CACHE).
$(LLAMA_WHEELS)/.built: | $(BIN)/.installed
	rm -rf $(LLAMA_WHEELS).tmp && mkdir -p $(LLAMA_WHEELS).tmp
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip wheel --quiet --no-cache-dir --no-deps \
	  --no-binary llama-cpp-python -w $(LLAMA_WHEELS).tmp "llama-cpp-python==$(LLAMA_CPP_VERSION)"
	rm -rf $(LLAMA_WHEELS) && mv $(LLAMA_WHEELS).tmp $(LLAMA_WHEELS) && touch $@

# Test tools, the optional LLM backends, and a tiny real LLM server for the end-to-end test.
$(BIN)/.installed-dev: $(BIN)/.installed $(LLAMA_WHEELS)/.built
	$(UV_PIP) $(LLAMA_PIP) "llama-cpp-python[server]==$(LLAMA_CPP_VERSION)" -e ".[test,llm,llm-e2e]"
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

# ruff, then the import contracts of pyproject.toml ([tool.importlinter]: eval -> app -> ingest, ingest.core at the
# bottom, no cycles), then mypy (strict on app/understand and app/answer, [tool.mypy])
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy app/understand app/answer

# Tests, then the eval benchmark as a quality gate (exits 1 below eval/thresholds.yaml), then every fixture
# article (eval/fixtures/*.yaml, each against its own data/fixtures/ article; exits 1 when one misses its gate or
# any answer shows markup). The fixture gates check the product only, so the naive baseline is not built for them.
# Work that would leave a core idle runs beside other work: the linters (mypy is one process) beside the browser's
# install, and the main eval (one process) beside the fixture gates' two, after pytest. (Run beside pytest, the gates
# made the whole run slower, 20 min 19 s, and a browser test time out: pytest keeps both cores busy.) The main eval's
# report is shown when both are done, and the recipe fails when either fails.
test: install-dev
	$(MAKE) --no-print-directory -j2 browser-deps lint
	$(BIN)/python -m pytest -n auto --dist loadfile
	@mkdir -p eval/runs; $(BIN)/ai-cities eval --no-progress --out eval/runs/ci > eval/runs/ci.log 2>&1 & main=$$!; \
	  $(BIN)/ai-cities eval --fixtures --jobs 2 --no-baseline --no-progress --out eval/runs/ci-fixtures; fixtures=$$?; \
	  wait $$main; status=$$?; cat eval/runs/ci.log; \
	  echo "main eval exit $$status, fixture gates exit $$fixtures"; test $$status -eq 0 && test $$fixtures -eq 0

eval: install
	$(BIN)/ai-cities eval

bench: install
	$(BIN)/ai-cities bench

load: install
	$(BIN)/ai-cities load

clean:
	rm -rf $(VENV) data/chroma eval/runs .pytest_cache .ruff_cache .import_linter_cache

# clean, and forget the built llama-cpp-python wheels too (the next `make test` builds them again).
distclean: clean
	rm -rf $(LLAMA_WHEEL_CACHE)/llama-cpp-python-*
