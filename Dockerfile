# Two images from one file, as the two virtual environments of `make setup` (docker-compose.yml builds both):
#   target `app`  — Python 3.11: the action server, the portal, the Telegram bot, the knowledge CLI;
#   target `rasa` — Python 3.10: Rasa Open Source 3.6 (it needs Python < 3.11), the model trained at build.
# Everything installs from the repository's pinned files (pyproject.toml, requirements-rasa.txt) on a connected
# build host. Models are NOT in the images and never downloaded at run time: the embedding model and the Vosk
# model are mounted read-only (see docker-compose.yml); the index is built at start by the `setup` service. The one
# exception is viet-asr's Vietnamese speech model, which is inside its pinned, hash-checked wheel.

# ---------------------------------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS app

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
WORKDIR /app

# torch first, the CPU build (the default index would bring CUDA's gigabytes), viet-asr (the Vietnamese recogniser,
# its model inside the wheel) checked against its hash, then every pinned dependency of pyproject.toml (read with
# tomllib, so this layer is rebuilt only when the pins change).
COPY pyproject.toml requirements-speech.txt ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && pip install --require-hashes --no-deps -r requirements-speech.txt \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY . .
# An unprivileged account; var/ (index, ONNX export, word list, secrets made once) is a volume it owns.
RUN useradd --system --uid 10001 --home-dir /app ccvc && mkdir -p var && chown ccvc:ccvc var
USER ccvc
CMD ["python", "-m", "actions"]

# ---------------------------------------------------------------------------------------------------------------
FROM python:3.10-slim-bookworm AS rasa

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false
WORKDIR /app

COPY requirements-rasa.txt ./
RUN pip install "pip<25" && pip install -r requirements-rasa.txt

COPY . .
# Trained here, once per image, from the committed data (nlu/, domain.yml, config.yml, nlu/lookups.yml): every
# replica serves the same model, and a container starts in seconds plus the model load.
RUN python -m rasa train --data nlu --config config.yml --domain domain.yml --out models --quiet \
 && useradd --system --uid 10001 --home-dir /app ccvc && chown -R ccvc:ccvc /app/models
USER ccvc
# RASA_API_TOKEN comes from the environment (.env); deploy/endpoints.yml names the action proxy and both stores.
CMD ["sh", "-c", "exec python -m nlu.rasa_cli run --model models --endpoints deploy/endpoints.yml --credentials credentials.yml --interface 0.0.0.0 --port 5005 --enable-api --auth-token \"$RASA_API_TOKEN\""]
