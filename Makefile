# One command to set up and chat, one to set up and test. Everything lives in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup chat test lint diagrams bench lock

# Exact versions and hashes from the lock file (what CI and the Docker image install), then the
# project itself without touching them.
$(BIN)/.installed: pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

setup: $(BIN)/.installed

chat: setup
	$(BIN)/famsbot chat

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check famsbot tests bench
	$(BIN)/mypy famsbot

diagrams: setup
	$(BIN)/famsbot flows --write docs/flows

bench: setup
	$(BIN)/python bench/engine.py

# After changing dependencies in pyproject.toml: re-pin both lock files (one resolution for every
# supported Python and platform, with hashes), then commit them.
LOCK := $(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 --quiet
lock: setup
	$(BIN)/pip install --quiet uv
	$(LOCK) --extra dev -o requirements-dev.txt
	$(LOCK) -c requirements-dev.txt -o requirements.txt
