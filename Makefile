# Arrears — `make demo` to try it, `make test` to test it, `make check` is exactly what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DEBTORS ?= 2000
DEMO_SEED ?= 42
# The demo runs with development keys (ARREARS_DEV): never use them for real data.
DEMO_ENV := ARREARS_DEV=1

.PHONY: install assets browser demo serve test test-postgres check lint types imports migrations-check messages messages-check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	npm run --silent build

demo: install assets
	$(DEMO_ENV) $(BIN)/arrears migrate --no-input
	$(DEMO_ENV) $(BIN)/arrears demo --seed $(DEMO_SEED) --debtors $(DEMO_DEBTORS)
	$(MAKE) --no-print-directory serve

# The server and the worker together; the worker sends the outbox into files under var/outbox/.
serve:
	@echo "Arrears is at http://127.0.0.1:8000  (Ctrl-C stops it)"
	@echo "Messages the worker sends land in var/outbox/ (e-mail .eml, SMS and app .json) and var/letters/ (PDF)."
	@$(DEMO_ENV) $(BIN)/arrears worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(BIN)/arrears runserver 127.0.0.1:8000 --insecure

# Browser tests drive Debian's Chromium (never a downloaded browser), with CJK fonts for Chinese pages.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium fonts-noto-cjk >/dev/null; }; }

# The whole suite on SQLite and, when DATABASE_URL points to PostgreSQL, on PostgreSQL alongside.
test: install assets browser
	scripts/test-databases.sh $(BIN)/pytest

test-postgres: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy arrears config

imports: install
	$(BIN)/lint-imports

migrations-check: install
	ARREARS_DEV=1 env -u DATABASE_URL $(BIN)/arrears makemigrations --check --dry-run

messages: install
	ARREARS_DEV=1 $(BIN)/arrears makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=build --ignore=var
	ARREARS_DEV=1 $(BIN)/arrears compilemessages --ignore=.venv

# Every message in the code has a Chinese translation (needs GNU gettext, as makemessages does).
# makemessages rewrites the catalogue, so the check works on it and puts the committed one back.
PO := locale/zh_Hans/LC_MESSAGES/django.po
messages-check: install
	@if command -v xgettext >/dev/null 2>&1; then \
	  cp $(PO) $(PO).committed; \
	  ARREARS_DEV=1 $(BIN)/arrears makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=build --ignore=var --no-obsolete >/dev/null; \
	  untranslated=$$(msgattrib --untranslated $(PO) | grep -c '^msgid'); fuzzy=$$(msgattrib --only-fuzzy $(PO) | grep -c '^msgid'); \
	  mv $(PO).committed $(PO); \
	  if [ "$$untranslated" -gt 1 ] || [ "$$fuzzy" -gt 0 ]; then \
	    echo "Untranslated or fuzzy messages: run 'make messages' and translate $(PO)"; exit 1; fi; \
	else echo "xgettext not installed: skipping the translation completeness check"; fi

check: lint types imports migrations-check messages-check test

bench: install
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/demo_bench.py

clean:
	rm -rf $(VENV) node_modules build var
