# envmatrix: the quick start is `make audit` (the whole suite, every environment,
# against the embedded sandbox) and `make test` (the project's own tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Each job's pytest command line is written once, in scripts/job.py; tox.ini's environments run the same lines.
JOB    := $(BIN)/python scripts/job.py
VERSION ?=
ARGS ?=
# Post-release smoke: seconds to wait for /health to show the release; nightly drift: the variable holding
# the team's incoming-webhook URL (both empty: off).
WAIT_HEALTHY ?=
NOTIFY_WEBHOOK ?=

.PHONY: setup audit test lint types ci clean gate declared drift smoke sandbox allure mutation mutation-ci docs

$(STAMP): pyproject.toml setup.py scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[sandbox,dev]"
	$(BIN)/python -m compileall -q envmatrix checks smoke
	touch $(STAMP)

## The editable install's bytecode is compiled once here (pip compiles a wheel's itself): every run, and each of the
## project's tests' pytest processes, then loads it instead of compiling envmatrix's modules (also where
## PYTHONDONTWRITEBYTECODE keeps Python from caching it).
setup: $(STAMP)

## The main job: every environment, every layer, against the embedded sandbox; writes reports/.
audit: $(STAMP)
	$(JOB) audit $(ARGS)

## The three jobs, against the environments your configuration points at (add ARGS=--sandbox to try locally);
## `declared` is the pull-request check.
gate: $(STAMP)
	$(JOB) gate $(ARGS)

declared: $(STAMP)
	$(JOB) declared $(ARGS)

drift: $(STAMP)
	$(JOB) drift $(if $(NOTIFY_WEBHOOK),--notify-webhook=$(NOTIFY_WEBHOOK)) $(ARGS)

smoke: $(STAMP)
	$(JOB) smoke $(if $(VERSION),--expect-version=$(VERSION)) $(if $(WAIT_HEALTHY),--wait-healthy=$(WAIT_HEALTHY)) $(ARGS)

## The embedded sandbox on its own, to explore with the AWS CLI (Ctrl-C stops it).
sandbox: $(STAMP)
	$(BIN)/envmatrix sandbox

## Render the allure results (needs Java 17 and npx).
allure:
	npx --yes allure-commandline generate reports/allure-results -o reports/allure-report --clean

## The project's own tests.
test: $(STAMP)
	$(JOB) test $(ARGS)

## Mutation testing of the safety core ([tool.mutmut] only_mutate), one module at a time; ARGS=envmatrix/parity.py
## runs one. Fails under 90% killed, or (one line) when mutmut cannot run.
mutation: $(STAMP)
	$(BIN)/python scripts/mutation.py $(ARGS)

## The part of it .ci/run runs: the redaction module alone.
mutation-ci: $(STAMP)
	$(BIN)/python scripts/mutation.py envmatrix/redact.py

## The manual (docs/, mkdocs.yml) as a site in site/ (git-ignored); --strict fails on a broken link between pages
## or from README.md into docs/.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check envmatrix checks smoke tests bench

## mypy strict over the library, checks, smoke tests, benchmarks and the test helpers (scripts/job.py TYPED).
types: $(STAMP)
	$(JOB) types $(ARGS)

ci: lint types test audit

clean:
	rm -rf $(VENV) reports/* .tox mutants site
