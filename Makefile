# The two commands an operator needs: `make demo` and `make test`.
# Both create the virtual environment on first use and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit sandbox bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/porte-voix --demo

test: lint typecheck unit

# The layering (screens -> tui -> providers) is checked here, by the contracts in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

# mypy --strict on providers, tui and screens: the files are listed in pyproject.toml.
typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

sandbox: $(STAMP)
	$(BIN)/python -m providers.sandbox

# Quick sizes by default; `make bench BENCH_ARGS=--full` for the sizes the goals name.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .import_linter_cache
