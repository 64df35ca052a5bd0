# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins packages our runtime pins disagree with: it gets a venv of its own.
TOOLS := .venv-tools
CHECKOV := $(TOOLS)/bin/checkov
NODE_STAMP := node_modules/.installed
export EVENTLET_NO_GREENDNS := yes
export PYTHONUNBUFFERED := 1

.PHONY: run test test-unit test-integration test-stack test-deploy test-e2e test-security test-faults chromium bench clean-run help

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

# Browser tests: playwright-core and axe-core from npm, Debian's chromium.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "node and npm are needed for the browser tests (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "Debian's chromium is needed: apt-get update && apt-get install -y chromium"; exit 1; }

run: $(STAMP)
	@deploy/local/ensure-rabbitmq.sh
	@mkdir -p .run/mongo
	$(VENV)/bin/honcho -f deploy/local/Procfile -e deploy/local/env -d . start

clean-run:
	rm -rf .run

test: $(STAMP) $(CHECKOV) $(NODE_STAMP) chromium
	@deploy/local/ensure-rabbitmq.sh
	$(PY) -m pytest tests/unit tests/deploy -q
	$(PY) tests/run_patched.py tests/integration -q
	$(PY) -m pytest tests/stack tests/e2e tests/security tests/faults -q

test-unit: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest tests/unit -q

test-integration: $(STAMP)
	$(PY) tests/run_patched.py tests/integration -q

test-stack: $(STAMP)
	$(PY) -m pytest tests/stack -q

test-e2e: $(STAMP) $(NODE_STAMP) chromium
	@deploy/local/ensure-rabbitmq.sh
	$(PY) -m pytest tests/e2e -q

test-security: $(STAMP)
	@deploy/local/ensure-rabbitmq.sh
	$(PY) -m pytest tests/security -q

# Fault tests start a private RabbitMQ node (rabbitmq-server must be installed).
test-faults: $(STAMP)
	@deploy/local/ensure-rabbitmq.sh
	$(PY) -m pytest tests/faults -q

bench: $(STAMP)
	@deploy/local/ensure-rabbitmq.sh
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } || \
	  { echo "make bench needs wrk: apt-get install -y wrk"; exit 1; }
	$(PY) -m bench.run

test-deploy: $(STAMP) $(CHECKOV)
	$(PY) -m pytest tests/deploy -q
