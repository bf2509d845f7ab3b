# Kabinet: `make demo` to try it, `make test` to check it. Everything it needs is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint types unit e2e install install-dev messages makemessages serve worker bench clean

# --- Installation -------------------------------------------------------------------------------
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Kabinet needs Python 3.11 or newer; set PYTHON=python3.12 (or similar)."; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(MAKE) --no-print-directory system-packages PKGS=python3-venv
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages: installed when missing and we are root, else a clear message how to get them.
.PHONY: system-packages
system-packages:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian packages: $(PKGS)"; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PKGS) >/dev/null; \
	else \
	  echo "Please install these packages first: sudo apt-get install $(PKGS)"; exit 1; \
	fi

.PHONY: gettext chromium
gettext:
	@command -v msgfmt >/dev/null || $(MAKE) --no-print-directory system-packages PKGS=gettext

chromium:
	@test -x $(CHROMIUM) || $(MAKE) --no-print-directory system-packages PKGS="chromium fonts-dejavu-core"

messages: gettext $(VENV)/.installed
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

makemessages: gettext $(VENV)/.installed
	$(PY) manage.py makemessages -l uk -l ru -l en --ignore=.venv --ignore=data --ignore=e2e --ignore=bench --ignore="*/tests/*" --no-obsolete --add-location=file

# --- Demo ---------------------------------------------------------------------------------------
demo: export DEMO = 1
demo: messages
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py demo_load --if-empty
	@$(PY) manage.py collectstatic --no-input -v 0
	@$(PY) manage.py demo_load --print-logins
	@echo "Kabinet is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py worker & worker=$$!; \
	  $(VENV)/bin/granian --interface wsgi --host $(HOST) --port $(PORT) --workers $(WORKERS) \
	    --blocking-threads 4 --log-level warning kabinet.wsgi:application

# --- Tests --------------------------------------------------------------------------------------
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

test: $(VENV)/.installed-dev chromium messages lint types
	$(VENV)/bin/pytest -q

unit: $(VENV)/.installed-dev messages
	$(VENV)/bin/pytest -q kabinet

e2e: $(VENV)/.installed-dev chromium messages
	$(VENV)/bin/pytest -q e2e

bench: $(VENV)/.installed-dev
	$(MAKE) -C bench

clean:
	rm -rf $(VENV) build *.egg-info
