# MatrixGuard: `make run` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: run test lint bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Run the pipeline on the embedded default (Tansu + chDB + simulated crawlers) until Ctrl-C.
run: $(STAMP)
	$(BIN)/matrixguard run $(ARGS)

## Lint, type-check and run the whole test suite (unit, integration, end-to-end).
test: $(STAMP)
	$(BIN)/ruff check pipeline agents schemas dashboards tests bench
	$(BIN)/mypy
	$(BIN)/pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check pipeline agents schemas dashboards tests bench
	$(BIN)/mypy

## Throughput and latency figures as JSON (see bench/README.md).
bench: $(STAMP)
	@$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
