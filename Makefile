# contactguard: `make run` starts the service, `make test` runs the whole suite, `make bench` the benchmarks.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test test-sqlite test-postgres bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: install
	$(BIN)/contactguard run

test: install
	scripts/test.sh

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .cache .pytest_cache
