# OpenSales — the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python >= 3.12, never downloaded: pyenv's 3.13/3.12 first, then whatever is on PATH.
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)
PYTHON ?= $(shell for p in $(PYENV_ROOT)/versions/3.13*/bin/python $(PYENV_ROOT)/versions/3.12*/bin/python $$(command -v python3.13 python3.12 2>/dev/null); do [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && echo "$$p" && break; done)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
UV = $(PYTHON) -m uv
VENV_PY = .venv/bin/python
MANAGE = $(VENV_PY) manage.py
PORT ?= 8000
# System packages come from Debian; as a normal user through sudo.
APT_GET = $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
# Installs the Debian packages given in $(1) unless dpkg already has all of them.
apt_install = dpkg -s $(1) >/dev/null 2>&1 || { echo "Installing $(1) from Debian's packages"; \
	$(APT_GET) update -qq && $(APT_GET) install -y -qq $(1) >/dev/null; }

help:
	@echo "make run    install, migrate, load the demo data, serve http://127.0.0.1:$(PORT) with the worker"
	@echo "make test   lint + tests on SQLite + tests on PostgreSQL + browser tests"
	@echo "other: install assets messages lint test-sqlite test-postgres test-browser screenshots clean"

check-python:
	@[ -n "$(PYTHON)" ] || { echo "OpenSales needs Python 3.12 or newer (pyenv or python3.12/3.13 on PATH)"; exit 1; }

.venv/.synced: pyproject.toml uv.lock | check-python
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

assets/vendor/.copied: package.json package-lock.json scripts/copy-assets.sh
	@command -v npm >/dev/null || { $(call apt_install,npm); }
	npm ci --no-audit --no-fund --loglevel=error
	bash scripts/copy-assets.sh
	@touch $@

gettext:
	@command -v msgfmt >/dev/null || { $(call apt_install,gettext); }

# The browser tests drive Debian's Chromium (`playwright install` cannot download one here); the CJK
# font makes Chinese text render in screenshots instead of empty boxes.
chromium:
	@$(call apt_install,chromium fonts-noto-cjk)

install: .venv/.synced assets/vendor/.copied gettext
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

assets: assets/vendor/.copied

# Re-extract the catalogues after changing user-facing text; translate the new zh_Hans entries.
messages: install
	bash scripts/messages.sh

migrate: install
	$(MANAGE) migrate --no-input -v 0

run: migrate
	@$(MANAGE) demo --if-empty
	@bash scripts/run.sh $(PORT)

lint: .venv/.synced
	.venv/bin/ruff check opensales tests conftest.py
	.venv/bin/ruff format --check opensales tests conftest.py

# Each leg selects by the `browser` marker (every test under tests/browser carries it), so no leg can
# come up empty: pytest's exit code 5 (no tests collected) fails `make test` like any failure.
test-sqlite: install
	$(VENV_PY) -m pytest -m "not browser" -q -n 2

test-postgres: install
	bash scripts/with-postgres.sh $(VENV_PY) -m pytest -m "not browser" -q -n 2

test-browser: install chromium
	$(VENV_PY) -m pytest -m browser -q

test: lint test-sqlite test-postgres test-browser

screenshots: install
	$(VENV_PY) scripts/screenshots.py

# The benchmark suite (bench/README.md, docs/performance.md): a gunicorn server per database, the data
# set loaded once under var/bench/. Not part of `make test`; syncs the `bench` dependency group (locust).
BENCH_SIZE ?= large
BENCH_DB ?= sqlite,postgres
BENCH_ARGS ?=
bench: install
	$(UV) sync --frozen --group bench --python $(PYTHON)
	$(VENV_PY) bench/run.py --size $(BENCH_SIZE) --db $(BENCH_DB) $(BENCH_ARGS)

clean:
	rm -rf .venv node_modules assets/vendor var/static screenshots

.PHONY: help check-python gettext chromium install assets messages migrate run lint test test-sqlite test-postgres test-browser screenshots bench clean
