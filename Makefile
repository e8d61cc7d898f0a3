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

.PHONY: run serve test bench lint demo browser nginx image clean screenshots

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
	exec $(BIN)/portal serve

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

## nginx: Debian's nginx, so the tests can check the compose proxy's config; never started as a service
nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq; \
	  guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' | $$SUDO tee /usr/sbin/policy-rc.d >/dev/null; \
	    $$SUDO chmod +x /usr/sbin/policy-rc.d; guard=1; fi; \
	  status=0; DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null || status=$$?; \
	  if [ -n "$$guard" ]; then $$SUDO rm -f /usr/sbin/policy-rc.d; fi; \
	  exit $$status; \
	fi

## image: build the production image (Dockerfile) where a Docker daemon answers
IMAGE ?= analytics-portal:latest
image:
	@command -v docker >/dev/null 2>&1 || { echo "make image needs docker" >&2; exit 1; }
	docker build --tag $(IMAGE) \
	  --build-arg VERSION=$$(sed -n 's/^version = //p' setup.cfg) \
	  --build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
	  --build-arg CREATED=$$(date -u +%Y-%m-%dT%H:%M:%SZ) \
	  .

## screenshots: rebuild the README's improvement-loop screenshots (docs/loop) with the report renderer
screenshots: $(VENV)/.installed-test browser
	$(BIN)/python -m tests.support.walkthrough docs/loop

## test: install what the tests need and run them; local PostgreSQL/Redis are used when they answer
test: $(VENV)/.installed-test browser nginx
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

# NannyML (the estimation benchmark's baseline) pins its own pandas and scikit-learn ranges.
.venv-nannyml/.installed: bench/requirements-nannyml.txt
	$(PYTHON) -m venv .venv-nannyml
	.venv-nannyml/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-nannyml.txt
	touch $@

## bench: benchmarks that print ratios against baselines measured in the same run
bench: $(VENV)/.installed-bench .venv-evidently/.installed .venv-fastapi/.installed .venv-nannyml/.installed browser
	$(BIN)/python -m bench

## lint: ruff
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .venv-evidently .venv-fastapi .venv-nannyml var .pytest_cache
