# furpe's set-up: `make reproduce` and `make test` each create .venv when missing,
# install torch (the CPU build, first, so no CUDA build is pulled), then furpe with its dev extras.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.furpe-installed
TORCH ?= torch==2.13.0
PROFILE ?= smoke

.PHONY: install reproduce test test-slow bench lab clean-nbs

$(STAMP): settings.ini setup.py pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel "setuptools>=64"
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip check
	touch $@

install: $(STAMP)

## The main job on the embedded default (the synthetic world on Anny).
reproduce: $(STAMP)
	$(VENV)/bin/furpe reproduce --profile $(PROFILE)

## Notebook assertion cells (slow cells skipped), then the integration tests.
test: $(STAMP)
	$(VENV)/bin/nbdev_test --n_workers 2
	$(VENV)/bin/pytest -q tests

test-slow: $(STAMP)
	$(VENV)/bin/nbdev_test --n_workers 1 --flags slow
	FURPE_SLOW=1 $(VENV)/bin/pytest -q tests

bench: $(STAMP)
	$(PY) benchmarks/body_forward.py

lab: $(STAMP)
	$(VENV)/bin/jupyter lab nbs

## Export notebooks to furpe/ and strip outputs: run before every commit.
clean-nbs: $(STAMP)
	$(VENV)/bin/nbdev_export
	$(VENV)/bin/nbdev_clean
