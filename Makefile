# make run: set up and serve the site locally; make test: the suite; make reset:
# a fresh local database. Everything installs from uv.lock (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# uv itself comes from PyPI into the venv, at this exact release.
UV_VERSION := 0.13.9
SERVE_STAMP := $(VENV)/.installed-serve
TEST_STAMP := $(VENV)/.installed-test

# uv uses the interpreter checked below and never downloads one; it syncs into
# .venv without removing what it does not know (--inexact: uv itself, the test
# tools after `make run`), and --locked fails when uv.lock is stale.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(abspath $(BIN)/python)
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
UV_SYNC := $(BIN)/uv sync --locked --inexact --quiet
STALE_LOCK := { echo "error: installing from uv.lock failed; if uv says the lock needs updating, run: make lock"; exit 1; }

# make's own manage.py calls run in local mode through .env, like any typed by
# hand in this checkout: a DJANGO_DEBUG in the calling shell does not apply.
MANAGE := env -u DJANGO_DEBUG $(BIN)/python manage.py
LOCAL_URL := http://127.0.0.1:$(PORT)

.PHONY: run setup-local reset test lint format lock check-lock check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "error: '$(PYTHON)' is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); Django 6 needs 3.12 or newer."; \
	  echo "       Use pyenv (this repo's .python-version asks for 3.13; unset PYENV_VERSION if it overrides that) or run: make PYTHON=python3.13 ..."; \
	  exit 1; }

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	@$(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "error: $(VENV) was made with Python < 3.12; delete it and run make again."; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Serving needs only the project's dependencies; the test tools come with make test.
$(SERVE_STAMP): pyproject.toml uv.lock | $(BIN)/uv
	$(UV_SYNC) || $(STALE_LOCK)
	touch $@

$(TEST_STAMP): pyproject.toml uv.lock | $(BIN)/uv
	$(UV_SYNC) --extra dev || $(STALE_LOCK)
	touch $@ $(SERVE_STAMP)

# Marks this checkout as local for every manage.py command (read by manage.py only).
.env:
	@printf '%s\n' \
	  '# Written by `make run`: this checkout is a local development copy.' \
	  '# Read only by manage.py, and only when DJANGO_DEBUG is not in the environment;' \
	  '# gunicorn, wsgi/asgi and the tests never read it. See README "Local mode".' \
	  'DJANGO_DEBUG=1' > $@
	@echo "Wrote .env: manage.py in this checkout now runs in local mode."

# Everything `make run` does before serving (the README test runs it too).
setup-local: $(SERVE_STAMP) .env
	$(MANAGE) migrate --no-input
	$(MANAGE) ensure_seed
	$(MANAGE) setup_local_demo

# The site URL follows PORT on every start; a NEWSROOM_SITE_URL you export wins.
# The task worker (image renditions) runs beside runserver; Ctrl-C stops both.
# Without REDIS_URL both share a file cache (.cache/pages), so the pages the
# worker changes are never served stale (newsroom/settings.py).
# It runs without --reload: the autoreloader's child would outlive the kill.
run: setup-local
	@echo
	@echo "  Site:  $(LOCAL_URL)/"
	@echo "  Admin: $(LOCAL_URL)/admin/  (demo accounts above; local setup only)"
	@echo "  Tasks: manage.py db_worker (started beside the server)"
	@echo
	@export NEWSROOM_SITE_URL="$${NEWSROOM_SITE_URL:-$(LOCAL_URL)}"; \
	[ -n "$${REDIS_URL:-}" ] || export NEWSROOM_CACHE_DIR="$${NEWSROOM_CACHE_DIR:-$(CURDIR)/.cache/pages}"; \
	$(MANAGE) db_worker --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# A fresh local database on purpose: removes db.sqlite3, media/ and originals/, then
# sets up again.
reset: $(SERVE_STAMP) .env
	@if [ -n "$${DATABASE_URL:-}" ]; then \
	  echo "error: DATABASE_URL is set; make reset only replaces the local db.sqlite3."; exit 1; fi
	rm -f db.sqlite3
	rm -rf media originals .cache
	@$(MAKE) --no-print-directory setup-local

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh uv.lock after editing pyproject.toml (add UV_LOCK_ARGS=--upgrade for new releases).
lock: | $(BIN)/uv
	$(BIN)/uv lock $(UV_LOCK_ARGS)

# CI: fail when uv.lock no longer matches pyproject.toml.
check-lock: | $(BIN)/uv
	$(BIN)/uv lock --check || $(STALE_LOCK)

clean:
	rm -rf $(VENV) db.sqlite3 media originals .cache staticfiles test-artifacts

# Production serving and the benchmark (deploy/serve, benchmarks/bench.py).
.PHONY: serve bench
serve: $(SERVE_STAMP)
	PORT=$(PORT) $(BIN)/python deploy/serve

bench: $(SERVE_STAMP)
	$(BIN)/python benchmarks/bench.py
