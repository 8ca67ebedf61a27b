# envmatrix: the quick start is `make audit` (the whole suite, every environment,
# against the embedded sandbox) and `make test` (the project's own tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup audit test lint types ci clean

$(STAMP): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[sandbox,dev]"
	touch $(STAMP)

setup: $(STAMP)

## The main job: every environment, every layer, against the embedded sandbox; writes reports/.
audit: $(STAMP)
	$(BIN)/pytest --env=all -m "declared or parity" --junitxml=reports/junit.xml

## The project's own tests.
test: $(STAMP)
	$(BIN)/pytest tests -p xdist -n 2

lint: $(STAMP)
	$(BIN)/ruff check envmatrix checks smoke tests bench

types: $(STAMP)
	$(BIN)/mypy envmatrix

ci: lint types test audit

clean:
	rm -rf $(VENV) reports/* .tox
