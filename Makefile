# make run: set up and serve the site with the seed article; make test: the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
LOCAL_ENV := DJANGO_DEBUG=1

.PHONY: run test lint format setup-local check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "error: '$(PYTHON)' is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); Django 6 needs 3.12 or newer."; \
	  echo "       Use pyenv (this repo's .python-version asks for 3.13; unset PYENV_VERSION if it overrides that) or run: make PYTHON=python3.13 ..."; \
	  exit 1; }

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "error: $(VENV) was made with Python < 3.12; delete it and run make again."; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup-local: $(STAMP)
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --no-input
	$(LOCAL_ENV) $(BIN)/python manage.py loaddata seed
	$(LOCAL_ENV) $(BIN)/python manage.py setup_local_demo

run: setup-local
	@echo
	@echo "  Site:  http://127.0.0.1:$(PORT)/"
	@echo "  Admin: http://127.0.0.1:$(PORT)/admin/  (demo accounts above; local setup only)"
	@echo
	$(LOCAL_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts

# Production serving and the benchmark (deploy/serve, benchmarks/bench.py).
.PHONY: serve bench
serve: $(STAMP)
	PORT=$(PORT) $(BIN)/python deploy/serve

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py
