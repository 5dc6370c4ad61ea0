# The two commands: `make run` serves the demo, `make test` runs the suite.
# Both create the virtualenv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test venv lint bench bench-analytics clean lock

# requirements.lock pins every package (runtime and dev); it is applied as constraints, so a
# dependency added to pyproject.toml but not locked yet still installs. `make lock` renews it.
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
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

# Pin what pyproject.toml adds (existing pins kept) from the configured package index;
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed version.
lock: venv
	$(BIN)/pip install --quiet --disable-pip-version-check pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
	  --no-emit-find-links $(LOCK_ARGS) --output-file requirements.lock pyproject.toml

bench-analytics: venv
	./scripts/with-test-services $(BIN)/python bench/analytics.py

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
