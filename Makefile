# Neurocache Hub. `make run` serves the hub; `make test` runs every test.
# Both set up what they need first and skip what is already done.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV)/bin)
STAMP := $(VENV)/.requirements.stamp
AXE := testkit/axe/node_modules/axe-core/axe.min.js

export PATH := $(BIN):$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false

.PHONY: run test setup migrate services browser axe bench clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	@touch $@

## setup: the virtual environment with the pinned packages (Node.js included)
setup: $(STAMP)

## migrate: apply database migrations to DATABASE_URL (default: SQLite file)
migrate: setup
	$(BIN)/alembic upgrade head

## run: serve the hub on http://localhost:$${PORT:-3000} (production build, one port), on
## 127.0.0.1 only unless HOST says otherwise (HOST=0.0.0.0: every interface; docs/DEPLOY.md)
run: migrate
	$(BIN)/reflex run --env prod --single-port --backend-host "$${HOST:-127.0.0.1}"

## services: start Postgres and Redis if they are down (installs them if missing)
services:
	@bash scripts/services.sh

## browser: Debian's Chromium for the end-to-end tests, and a colour emoji font for its screenshots
browser:
	@command -v chromium >/dev/null && fc-list | grep -qi "color emoji" || \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji)

## axe: axe-core (pinned in testkit/axe/package-lock.json) for the accessibility scans
axe: $(AXE)

$(AXE): testkit/axe/package-lock.json $(STAMP)
	cd testkit/axe && $(BIN)/npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## test: everything above, then the whole suite in two processes, a test file each at a time (each
## process has its own database, Redis and servers); screenshots land in test-artifacts/screens/
test: setup services browser axe
	$(BIN)/pytest -n 2 --dist loadfile

## bench: the benchmarks; results are written up in docs/PERFORMANCE.md
bench: setup services
	@for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .web .states testkit/axe/node_modules test-artifacts
