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

.PHONY: run install install-test test lint format i18n migrate seed bench clean pdf-fonts

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
	$(BIN)/flask demo-logins --host $(HOST) --port $(PORT)
	$(BIN)/waitress-serve --host $(HOST) --port $(PORT) --call salesweb:create_app

# The suite runs in one worker process per core (pytest-xdist); PYTEST_WORKERS=0 runs it in one.
PYTEST_WORKERS ?= auto
test: install-test
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

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

## Rebuild the PDF fonts under static/fonts from Debian's fonts-noto-cjk (OFL, no reserved
## name): Noto Sans CJK SC cut to Latin, punctuation, kana, CJK Ext A and the basic block, which
## hold all of GB2312 and the rare characters of people's names. Plain OTF: no WOFF2 to unpack.
CJK_SRC ?= /usr/share/fonts/opentype/noto
PDF_FONTS := static/fonts/noto-sans-cjk-sc-2.004
PDF_FONT_RANGES := U+0020-007E,U+00A0-024F,U+02C6-02DD,U+0391-03C9,U+0401-0451,U+2000-206F,U+20A0-20CF,U+2100-218F,U+2190-21FF,U+2200-23FF,U+2460-24FF,U+2500-257F,U+25A0-27BF,U+3000-30FF,U+3105-312F,U+3200-33FF,U+3400-4DBF,U+4E00-9FFF,U+F900-FAFF,U+FE30-FE4F,U+FF00-FFEF
pdf-fonts: install
	for weight in Regular Bold; do \
	  $(BIN)/pyftsubset $(CJK_SRC)/NotoSansCJK-$$weight.ttc --font-number=2 --no-hinting \
	    --unicodes="$(PDF_FONT_RANGES)" --name-IDs='*' --name-languages='*' \
	    --output-file=$(PDF_FONTS)/NotoSansSC-$$weight-subset.otf; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
