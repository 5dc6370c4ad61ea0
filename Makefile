# The two commands: `make run` serves the demo, `make test` runs the suite.
# Both create the virtualenv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test venv lint bench bench-analytics clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(INSTALLED)

venv: $(INSTALLED)

run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	./scripts/run-dev

test: venv
	./scripts/with-test-services $(BIN)/pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

bench: venv
	./scripts/with-test-services $(BIN)/python bench/run.py

bench-analytics: venv
	./scripts/with-test-services $(BIN)/python bench/analytics.py

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
