# Trợ lý CCVC — two commands on a fresh machine: `make run` (the assistant) and `make test` (the tests).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON311 ?= $(shell command -v python3.11 || echo python3)
VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup index run ask test bench bench-alqac bench-own bench-latency clean

help:
	@echo "make run    — set up, build the index, open the question prompt"
	@echo "make test   — set up and run the whole test suite"
	@echo "make bench  — retrieval quality and speed figures (bench/)"

# Re-installs only when pyproject.toml changes. torch first: the CPU build on local disk, not a CUDA one.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON311) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

setup: $(STAMP)

index: setup
	$(PY) -m knowledge build

run: index
	$(PY) -m knowledge repl

test: setup
	$(VENV)/bin/ruff check knowledge bench tests
	$(PY) -m pytest -q

bench: bench-own bench-alqac bench-latency

bench-own: setup
	$(PY) bench/own_questions.py

bench-alqac: setup
	$(PY) bench/retrieval_alqac.py

bench-latency: setup
	$(PY) bench/latency.py

clean:
	rm -rf var/ .pytest_cache
