# salesweb: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi.py

MO := salesweb/translations/zh_CN/LC_MESSAGES/messages.mo salesweb/translations/en/LC_MESSAGES/messages.mo

.PHONY: run install install-test test lint format i18n migrate seed bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

%.mo: %.po | $(STAMP)
	$(PY) -m salesweb.core.catalogs compile

install: $(STAMP) $(MO)

install-test: $(TEST_STAMP) $(MO)

migrate: install
	$(BIN)/flask db upgrade

## First run: migrate, seed the demo company once, then serve with waitress.
run: migrate
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask demo-logins
	$(BIN)/waitress-serve --host $(HOST) --port $(PORT) --call salesweb:create_app

test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Extract messages, update both catalogs (en filled from the source text), compile them.
i18n: install
	$(PY) -m salesweb.core.catalogs update

seed: migrate
	$(BIN)/flask seed-demo

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
