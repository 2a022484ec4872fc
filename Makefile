# contactguard: `make run` starts the service, `make test` runs the whole suite, `make bench` the benchmarks,
# `make fuzz` the hostile-input fuzzer, `make simulate` a council's year with its invariants, `make lint` ruff and mypy.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test test-sqlite test-postgres bench faults simulate audit lint clean

install: $(STAMP)

# Quiet: what pip and npm print goes to $(INSTALL_LOG), shown only when a step fails.
INSTALL_LOG := $(VENV)/install.log
QUIETLY = >>$(INSTALL_LOG) 2>&1 || { cat $(INSTALL_LOG); echo "make install failed: the output above is in $(INSTALL_LOG)"; exit 1; }

$(STAMP): pyproject.toml package.json
	@echo "Installing contactguard in $(VENV): Python packages, and GOV.UK Frontend from npm (a minute or two)..."
	@$(PYTHON) -m venv $(VENV)
	@: >$(INSTALL_LOG)
	@$(BIN)/python -m pip install --upgrade pip $(QUIETLY)
	@$(BIN)/python -m pip install -e '.[test]' $(QUIETLY)
	@# GOV.UK Frontend for the web pages: from npm (package-lock.json), copied to where Flask serves /assets/.
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund $(QUIETLY); else npm install --no-audit --no-fund $(QUIETLY); fi
	@rm -rf plugin/web/static/govuk && mkdir -p plugin/web/static/govuk
	@cp -R node_modules/govuk-frontend/dist/govuk/assets/. plugin/web/static/govuk/
	@cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js plugin/web/static/govuk/
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)
	@echo "Installed."

# The first run writes instance/contactguard.toml (a new secret key; the council's name to fill in), then says
# where the service is and what to do next.
run: install
	@$(BIN)/contactguard run

# The browser tests (tests/browser) drive Debian's Chromium, and tests/e2e a real Request Tracker 5 (Debian's
# request-tracker5): installed here, for the tests only, when missing.
test: install
	scripts/install-browser.sh
	scripts/install-request-tracker.sh
	scripts/test.sh

# Lint, format check and types; the same checks as .pre-commit-config.yaml (settings in pyproject.toml).
LINTED := plugin webhooks adapters tests benchmarks scripts
lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy plugin webhooks adapters

# The load comes from Debian's wrk (closed loop, and open loop at fixed rates through a Lua script,
# benchmarks/open_loop.py): installed here when missing, so every run measures the same way.
bench: install
	command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk; }
	$(BIN)/python -m benchmarks

# Hostile webhook deliveries for every adapter and random decisions; fails on any 5xx (FUZZ_ARGS="--cases N").
fuzz: install
	$(BIN)/python -m benchmarks.fuzz $(FUZZ_ARGS)

# Fault runs on PostgreSQL (kill -9, helpdesk down/slow/429, database cut); not part of `make test`.
# FAULTS_ARGS passes options, e.g. `make faults FAULTS_ARGS="kill --runs 3 --seconds 90"`.
faults: install
	$(BIN)/python -m benchmarks.faults $(FAULTS_ARGS)

# A council's year on PostgreSQL: the real webhook, worker and clock on an accelerated clock, invariants checked
# every simulated day, the committee's report written (docs/simulation.md). SIMULATE_ARGS passes options,
# e.g. `make simulate SIMULATE_ARGS="--days 30 --customers 2000"`. Exits 1 on any violation.
simulate: install
	$(BIN)/python -m benchmarks.simulation $(SIMULATE_ARGS)

# Known vulnerabilities in the installed packages (pip-audit; needs network access to PyPI or OSV, which
# `make test` never does). Says "AUDIT NOT DONE" and exits 3 when the advisory source cannot be reached.
audit: install
	$(BIN)/python scripts/audit.py

clean:
	rm -rf $(VENV) .cache .pytest_cache
