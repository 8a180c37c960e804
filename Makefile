# Two commands: `make run` (service with demo data) and `make test` (the whole suite). Both set up .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core, which the accessibility tests inject into the pages (tests/pwa/axe_check.py): only `make test` needs npm.
AXE := tests/pwa/axe/node_modules/.installed

.PHONY: run test install bench bench-peers docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(AXE): tests/pwa/axe/package-lock.json
	npm ci --prefix tests/pwa/axe --no-audit --no-fund --silent
	touch $(AXE)

install: $(STAMP) $(AXE)

run: $(STAMP)
	$(BIN)/fieldops serve

# The whole suite twice: on SQLite, then on PostgreSQL (FIELDOPS_TEST_PG_URL, default postgres@127.0.0.1:5432; .ci/run
# installs and starts it). pytest-xdist spreads each pass over the machine's cores, a module's tests on one worker
# (--dist loadfile: modules share a world and a live server through module-scoped fixtures, and some tests read
# what an earlier one of their module wrote); PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= auto
test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile
	FIELDOPS_TEST_BACKEND=postgres $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile

bench: $(STAMP)
	@for b in ops/bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The peers install themselves from npm for the run (network needed), so `make bench` leaves them out.
bench-peers: $(STAMP)
	@for b in ops/bench/peers/node_red.py ops/bench/peers/pouchdb.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache

docs: $(STAMP)
	$(BIN)/python ops/readme.py
