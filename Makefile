# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins packages our runtime pins disagree with: it gets a venv of its own.
TOOLS := .venv-tools
CHECKOV := $(TOOLS)/bin/checkov
export EVENTLET_NO_GREENDNS := yes
export PYTHONUNBUFFERED := 1

.PHONY: run test test-unit test-integration test-stack test-deploy bench clean-run help

help:
	@echo "make run   - start the whole stack with demo data on http://127.0.0.1:8000"
	@echo "make test  - install what is missing and run every test"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(CHECKOV):
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q checkov==3.3.30

run: $(STAMP)
	@deploy/local/ensure-rabbitmq.sh
	@mkdir -p .run/mongo
	$(VENV)/bin/honcho -f deploy/local/Procfile -e deploy/local/env -d . start

clean-run:
	rm -rf .run

test: $(STAMP) $(CHECKOV)
	@deploy/local/ensure-rabbitmq.sh
	$(PY) -m pytest tests/unit tests/deploy -q
	$(PY) tests/run_patched.py tests/integration -q
	$(PY) -m pytest tests/stack -q

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

test-integration: $(STAMP)
	$(PY) tests/run_patched.py tests/integration -q

test-stack: $(STAMP)
	$(PY) -m pytest tests/stack -q

test-deploy: $(STAMP) $(CHECKOV)
	$(PY) -m pytest tests/deploy -q
