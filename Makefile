# One command to set up and chat, one to set up and test. Everything lives in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup chat test lint diagrams bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
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
