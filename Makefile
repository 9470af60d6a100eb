# Two commands for a new user: `make live` and `make test`. Both are idempotent: the virtual
# environment is created once and reinstalled only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXTRA  ?= cpu
ARGS   ?=

.PHONY: live test lint bench install clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-$(EXTRA): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -e ".[$(EXTRA)]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-$(EXTRA)
	$(BIN)/pip install --disable-pip-version-check -q -e ".[$(EXTRA),dev]"
	touch $@

install: $(VENV)/.installed-$(EXTRA)

## live: run the app on the webcam, else the bundled demo clip; headless when there is no display
live: $(VENV)/.installed-$(EXTRA)
	$(BIN)/fdsm-live $(ARGS)

## test: install the test tools and run the whole suite
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev
	$(BIN)/fdsm-bench scorer
	$(BIN)/fdsm-bench text

clean-venv:
	rm -rf $(VENV)
