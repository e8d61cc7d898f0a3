# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8050
export HOST PORT
PYTEST_ARGS ?=

.PHONY: run serve test bench lint demo browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

# Runtime install; re-run only when the dependency declarations change.
$(VENV)/.installed-run: $(BIN)/python setup.cfg pyproject.toml constraints.txt
	$(PIP) -e '.[postgres]'
	touch $@

# The notebook extra too: the example notebook runs in a real kernel as part of the tests.
$(VENV)/.installed-test: $(VENV)/.installed-run
	$(PIP) -e '.[postgres,test,notebook]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(PIP) -r bench/requirements.txt
	touch $@

## run: install into .venv, prepare the demo models if none are registered, serve on HOST:PORT
run: $(VENV)/.installed-run
	$(BIN)/portal db upgrade
	$(BIN)/portal demo --if-missing
	exec $(BIN)/gunicorn --config gunicorn.conf.py

## demo: (re)build the demo data and models
demo: $(VENV)/.installed-run
	$(BIN)/portal demo

## browser: Debian's chromium and chromedriver, which the browser tests and reports drive
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

## test: install what the tests need and run them; local PostgreSQL/Redis are used when they answer
test: $(VENV)/.installed-test browser
	@if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then \
	  export PORTAL_TEST_DATABASE_URL=$${PORTAL_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}; fi; \
	if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
	  export PORTAL_TEST_REDIS_URL=$${PORTAL_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}; fi; \
	$(BIN)/ruff check . && $(BIN)/python -m pytest $(PYTEST_ARGS)

# Evidently (the drift benchmark's baseline) pins plotly<6, so it gets a virtualenv of its own.
.venv-evidently/.installed: bench/requirements-evidently.txt
	$(PYTHON) -m venv .venv-evidently
	.venv-evidently/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-evidently.txt
	touch $@

# The FastAPI baseline of the prediction benchmark, in a virtualenv of its own (same model libraries).
.venv-fastapi/.installed: bench/requirements-fastapi.txt constraints.txt
	$(PYTHON) -m venv .venv-fastapi
	.venv-fastapi/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r bench/requirements-fastapi.txt
	touch $@

## bench: benchmarks that print ratios against baselines measured in the same run
bench: $(VENV)/.installed-bench .venv-evidently/.installed .venv-fastapi/.installed browser
	$(BIN)/python -m bench

## lint: ruff
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .venv-evidently .venv-fastapi var .pytest_cache
