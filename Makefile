# Trợ lý CCVC — two commands on a fresh machine: `make run` (the assistant) and `make test` (the tests).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON311 ?= $(shell command -v python3.11 || echo python3)
# Rasa 3.6 needs Python < 3.11: pyenv's 3.10, else a python3.10 on the PATH.
PYTHON310 ?= $(shell p="$$(pyenv root 2>/dev/null)/versions/3.10.13/bin/python"; test -x "$$p" && echo "$$p" || command -v python3.10)
VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
RASA_VENV := .venv-rasa
RASA      := $(RASA_VENV)/bin/rasa
RASA_STAMP := $(RASA_VENV)/.installed

-include .env
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM := false
# Rasa loads our NLU component (nlu/vietnamese.py) and knowledge.text from the checkout.
export PYTHONPATH := $(CURDIR)
export ACTION_SERVER_HOST ?= 127.0.0.1
export ACTION_SERVER_PORT ?= 5055
export RASA_HOST ?= 127.0.0.1
export RASA_PORT ?= 5005
# supervisord's own log, pid file and control socket (supervisord.conf); the fault test points it elsewhere.
export CCVC_RUN_DIR ?= $(CURDIR)/var
# The token of Rasa's HTTP API: from the environment (or .env), else one made once and kept in var/.
ifeq ($(strip $(RASA_API_TOKEN)),)
RASA_API_TOKEN := $(shell mkdir -p var && { test -s var/rasa-api-token || (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > var/rasa-api-token); } && cat var/rasa-api-token)
endif
export RASA_API_TOKEN

.PHONY: help setup system setup-rasa index lookups train run shell test bench bench-alqac bench-own bench-latency \
	bench-rest clean

help:
	@echo "make run    — set up, build the index, train if needed, serve the assistant (Ctrl-C stops)"
	@echo "make test   — set up, train if needed and run the whole test suite"
	@echo "make shell  — chat with the assistant in the terminal"
	@echo "make train  — train the Rasa model when data or config changed"
	@echo "make bench  — one table of speed, quality and memory figures (bench/report.py)"

# Re-installs only when pyproject.toml changes. torch first: the CPU build on local disk, not a CUDA one. viet-asr
# (a pre-release with the Vietnamese model inside) next, checked against its hash in requirements-speech.txt.
$(STAMP): pyproject.toml requirements-speech.txt
	@test -x $(PY) || $(PYTHON311) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements-speech.txt
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

setup: system $(STAMP) $(RASA_STAMP)

# Debian packages the tests and tools use: espeak-ng and sox make test speech, chromium runs the portal's
# browser tests. Installed only when one is missing (apt-get as root, else through sudo).
SYSTEM_PACKAGES := espeak-ng sox chromium fonts-noto-color-emoji
# PostgreSQL's server programs (initdb, pg_ctl): the tracker store's tests start a real server; any version will do.
ifeq ($(wildcard /usr/lib/postgresql/*/bin/initdb),)
SYSTEM_PACKAGES += postgresql
endif
# Redis: the lock store of several Rasa replicas; the scale-out test starts its own server on loopback.
ifeq ($(wildcard /usr/bin/redis-server),)
SYSTEM_PACKAGES += redis-server
endif
# Firefox (ESR): the widget's second browser test, driven over WebDriver BiDi (tests/test_widget_firefox.py).
SYSTEM_PACKAGES += firefox-esr
system:
	@missing="$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing Debian packages: $$missing"; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Rasa's own server: its own venv, every package pinned (numpy, pydantic, protobuf clash with ours).
$(RASA_STAMP): requirements-rasa.txt
	@test -x $(RASA_VENV)/bin/python || $(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install -q --upgrade "pip<25"
	$(RASA_VENV)/bin/python -m pip install -q -r requirements-rasa.txt
	@touch $@

setup-rasa: $(RASA_STAMP)

index: setup
	$(PY) -m knowledge build

# Lookup tables (agencies, document numbers) follow the indexed documents.
lookups: index
	$(PY) -m actions.lookups

# Speech: the index's vocabulary as the word list (var/speech-words.txt, the default SPEECH_WORDS_FILE) and the
# Vietnamese Vosk model, downloaded once into var/models/ and verified by git blob ids (needs the internet). Without
# that model speech runs on viet-asr, whose model `make setup` installs (SPEECH_ENGINE=auto; docs/speech.md).
.PHONY: models speech-words bench-speech bench-voice
speech-words: index
	$(PY) -m knowledge vocabulary > var/speech-words.txt.tmp && mv var/speech-words.txt.tmp var/speech-words.txt

models: speech-words
	$(PY) -m speech download-model

# Everything a model is trained from: data, config, domain, our NLU component and the text code it imports, Rasa's
# pins. Rasa's own fingerprinting reuses cached components but still packs a new model (≈ 30 s); a checksum of
# these files skips that when nothing changed.
RASA_INPUTS = config.yml domain.yml requirements-rasa.txt nlu/vietnamese.py nlu/intent_classifier.py knowledge/text.py \
	$(sort $(wildcard nlu/*.yml))
train: setup lookups
	@sum="$$(cat $(RASA_INPUTS) | sha256sum | cut -d' ' -f1)"; \
	if [ "$$(cat models/.inputs.sha256 2>/dev/null)" = "$$sum" ] && ls models/*.tar.gz >/dev/null 2>&1; then \
		echo "Rasa model up to date: $$(ls -t models/*.tar.gz | head -n 1)"; \
	else \
		$(RASA) train --data nlu --config config.yml --domain domain.yml --out models --quiet && \
		echo "$$sum" > models/.inputs.sha256; \
	fi
	@ls -t models/*.tar.gz | tail -n +3 | xargs -r rm --  # keep the last two models

# The action server, Rasa, the portal and the Telegram bot under supervisord (restarts what dies; Ctrl-C stops all,
# one line per service); refuses to start while a port is held. deploy/run.py.
run: train speech-words
	@$(PY) -m deploy.run

shell: train
	@$(PY) -m actions & trap "kill $$!" EXIT; \
	$(PY) -c 'import sys; from actions.launch import wait_until_up; wait_until_up(sys.argv[1], None, 240)' \
		http://$(ACTION_SERVER_HOST):$(ACTION_SERVER_PORT)/health && \
	$(RASA_VENV)/bin/python -m nlu.rasa_cli shell --model models --endpoints endpoints.yml

test: train
	$(VENV)/bin/ruff check knowledge actions nlu speech portal bot bench tests deploy docs
	$(PY) -m pytest -q

# docs/portal.png, the README's picture: the real portal answering a question with its citation, in Debian's Chromium
# (docs/screenshot.py starts the action server, Rasa and the portal on free loopback ports).
.PHONY: screenshot
screenshot: train
	$(PY) docs/screenshot.py --out docs/portal.png

# One run, one table (bench/report.py); BENCH_ARGS=--quick for a short smoke run. The bench-* targets give detail.
bench: train speech-words
	$(PY) bench/report.py $(BENCH_ARGS)

bench-own: setup
	$(PY) bench/own_questions.py

# Real documents nobody here wrote (bench/data/realdocs): dev and held-out figures, as typed and without diacritics;
# BENCH_ARGS=--show-misses lists the dev split's misses (never the held-out split's), --json for machines.
.PHONY: bench-real
bench-real: setup
	$(PY) bench/real_documents.py $(BENCH_ARGS)

# The same set through Rasa's REST webhook beside the CLI (needs the index bench-real builds and a trained model).
.PHONY: bench-rest-real
bench-rest-real: train
	$(PY) bench/rest_real.py $(BENCH_ARGS)

bench-alqac: setup
	$(PY) bench/retrieval_alqac.py

bench-latency: setup
	$(PY) bench/latency.py

bench-rest: train
	$(PY) bench/rest_load.py

# The document library (bench/library_publish.py): preview time of a 10- and a 50-page .docx, and publish → first
# cited answer of the running assistant for a 10-page one (LIBRARY_ARGS="--runs 5 --pages 20" to change).
.PHONY: bench-library bench-lookups
bench-library: train
	$(PY) bench/library_publish.py $(LIBRARY_ARGS)

# Whether Rasa's lookup tables must be regenerated for questions about a newly published document (old model vs a
# model retrained with fresh lookups and loaded with PUT /model while a client asks).
bench-lookups: train
	$(PY) bench/lookups_stale.py

bench-speech: speech-words
	$(PY) bench/speech.py

bench-voice: train speech-words
	$(PY) bench/voice_answer.py

# Load and faults (bench/soak.py): 20 clients for 10 minutes through the portal and Rasa's REST webhook, errors, p50/p95
# and resident memory per minute. SOAK_ARGS="--seconds 30 --every 10" for the short run, "--faults" to kill -9 the
# action server and then Rasa under `make run`'s supervisord and print time to busy and to recovery.
.PHONY: bench-soak
bench-soak: train
	$(PY) bench/soak.py $(SOAK_ARGS)

# Conversations idle longer than CONVERSATION_RETENTION_DAYS are deleted from TRACKER_STORE_URL (the Rasa server of
# `make run` also does it at start and then hourly); this does it now.
.PHONY: retention
retention: setup
	$(PY) -m nlu.conversations purge

# For HR: questions answered with low confidence, not answered or given a 👎, grouped by similar question, from
# TRACKER_STORE_URL, as var/report/report.html and report.csv (REPORT_ARGS="--since 2026-01-01" to narrow it).
.PHONY: report
report: setup
	$(PY) -m nlu.report $(REPORT_ARGS)

clean:
	rm -rf var/ models/ .pytest_cache
