# furpe's set-up: `make reproduce` and `make test` each create .venv when missing,
# install torch (the CPU build, first, so no CUDA build is pulled), then furpe with its dev and docs extras.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.furpe-installed
TORCH ?= torch==2.13.0
PROFILE ?= smoke

.PHONY: install reproduce test test-slow bench lab clean-nbs docs browser

$(STAMP): settings.ini setup.py pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel "setuptools>=64"
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[dev,docs]"
	$(PY) -m pip check
	touch $@

install: $(STAMP)

## The main job on the embedded default (the synthetic world on Anny).
reproduce: $(STAMP)
	$(VENV)/bin/furpe reproduce --profile $(PROFILE)

## Notebook assertion cells (slow cells skipped), then the integration tests; tests/test_docs.py builds the
## documentation site and opens its pages in headless Chromium (skipped, with the reason, when there is none).
test: $(STAMP) browser
	$(VENV)/bin/nbdev_test --n_workers 2
	$(VENV)/bin/pytest -q -rs tests

test-slow: $(STAMP)
	$(VENV)/bin/nbdev_test --n_workers 1 --flags slow
	FURPE_SLOW=1 $(VENV)/bin/pytest -q tests

## The documentation site in _docs/ (open _docs/index.html): the notebooks as pages, the README as index, the tables
## and figures; no notebook runs; any Sphinx warning or broken link fails it.
docs: $(STAMP)
	$(VENV)/bin/furpe docs

## Headless Chromium for tests/test_docs.py, installed only when missing and only as root with apt-get (Debian's
## `chromium`: about 20 s and 410 MB here); otherwise a note, and the browser tests say they were skipped.
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium (apt-get) for tests/test_docs.py"; \
	  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || \
	  echo "could not install chromium: tests/test_docs.py will skip its browser checks"; \
	else echo "no chromium and not root with apt-get: tests/test_docs.py will skip its browser checks (apt-get install -y chromium)"; fi

bench: $(STAMP)
	$(PY) benchmarks/body_forward.py

lab: $(STAMP)
	$(VENV)/bin/jupyter lab nbs

## Export notebooks to furpe/ and strip outputs: run before every commit.
clean-nbs: $(STAMP)
	$(VENV)/bin/nbdev_export
	$(VENV)/bin/nbdev_clean
