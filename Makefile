# Two commands: `make run` (service with demo data) and `make test` (the whole suite). Both set up .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench docs clean

$(STAMP): pyproject.toml tests/pwa/axe/package-lock.json
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# axe-core, which the accessibility tests inject into the pages (tests/pwa/axe_check.py)
	npm ci --prefix tests/pwa/axe --no-audit --no-fund --silent
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/fieldops serve

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	@for b in ops/bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache

docs: $(STAMP)
	$(BIN)/python ops/readme.py
