# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
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
	@echo "make run   - start the whole stack with demo data on http://127.0.0.1:$${PORT:-8000}"
	@echo "make test  - install what is missing and run every test"

# Python 3.11: the system's, or one deploy/local/ensure-python.sh installs (uv).
$(STAMP): pyproject.toml
	test -x $(PY) || "$$(deploy/local/ensure-python.sh)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(CHECKOV):
	test -x $(TOOLS)/bin/python || "$$(deploy/local/ensure-python.sh)" -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q checkov==3.3.30

# Browser tests: playwright-core and axe-core from npm, Debian's chromium.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "node and npm are needed for the browser tests (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "Debian's chromium is needed: apt-get update && apt-get install -y chromium"; exit 1; }

# PORT (default 8000) is the gateway's; Ctrl-C stops gateway, services, database, broker in that order.
run: $(STAMP)
	@deploy/local/ensure-rabbitmq.sh
	@$(PY) deploy/local/run.py

clean-run:
	rm -rf .run

test: $(STAMP) $(CHECKOV) $(NODE_STAMP) chromium
	@deploy/local/ensure-rabbitmq.sh
	$(PY) -m pytest tests/unit tests/deploy -q
	$(PY) tests/run_patched.py tests/integration -q
	@# Separate runs: the stack tests' in-process webhook receivers starved (connect
	@# timeouts) when collected with the security and fault suites; each runs alone.
	$(PY) -m pytest tests/stack -q
	$(PY) -m pytest tests/faults -q
	$(PY) -m pytest tests/e2e tests/security -q

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
