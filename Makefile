# qualcode — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs
DEMO   := codebooks/demo.sqlite

.PHONY: run test check lint layers bench bench-suggest demo clean setup docs docs-serve dist screenshot schemas

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(DEMO): $(STAMP)
	$(BIN)/qualcode --db $(DEMO) demo build

demo: $(DEMO)

run: $(DEMO)
	@$(BIN)/qualcode --db $(DEMO) db upgrade > /dev/null  # a demo built by an older version
	$(BIN)/qualcode --db $(DEMO)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff format --check qualcode tests docs .ci/smoke_tui.py
	$(BIN)/ruff check qualcode tests docs .ci/smoke_tui.py

# the core imports no Textual and no Typer (import-linter); mypy on the core modules
layers: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/mypy

check: lint layers test

# the JSON Schemas of every --json output, generated from their types (qualcode/schemas/)
schemas: $(STAMP)
	$(BIN)/python -m qualcode.schemas.build

bench: $(STAMP)
	$(BIN)/python -m qualcode.bench.run $(BENCH_ARGS)

bench-suggest: $(STAMP)
	$(BIN)/python -m qualcode.bench.suggest $(BENCH_ARGS)

# the documentation site (MkDocs + Material) in site/; CI builds it with --strict
$(DOCS_STAMP): $(STAMP) requirements-docs.lock
	$(BIN)/python -m pip install --quiet -r requirements-docs.lock
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/mkdocs build --strict

docs-serve: $(DOCS_STAMP)
	$(BIN)/mkdocs serve

# the README's screenshot, rendered from this version of the workbench
screenshot: $(STAMP)
	$(BIN)/python docs/hooks.py docs/images/workbench.svg

# the sdist and the wheel in dist/ (what `pipx install` / `uv tool install` take)
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build

clean:
	rm -rf $(VENV) $(DEMO) $(DEMO)-wal $(DEMO)-shm .pytest_cache site dist
