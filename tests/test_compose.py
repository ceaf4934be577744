"""docker-compose.yml (the production host) checked without Docker (no daemon here): the compose-spec JSON schema,
the services the issue names, the Rasa replicas sharing one PostgreSQL and one Redis, only the portal published,
every file it refers to present, every variable it sets one that our settings modules (or the Dockerfile's command)
read, no secret written into it, and the proxy's upstreams matching the services.
"""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
NGINX = ROOT / "deploy" / "nginx.conf"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
THIRD_PARTY = {"postgres", "redis", "proxy"}  # official images configured by their own variables
RASA_REPLICAS = ("rasa-1", "rasa-2")
ACTION_SERVERS = ("actions-1", "actions-2")
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|AUTH")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message} with `values` standing in for .env."""
    def one(match: re.Match) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        if values.get(name):
            return values[name]
        if operator and operator.endswith("-"):
            return argument
        if operator and operator.endswith("?"):
            raise KeyError(f"{name} is required: {argument}")
        return ""

    return INTERPOLATION.sub(one, text)


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def our_settings() -> set[str]:
    """Every variable our settings modules read: the pydantic-settings classes' fields (with their prefixes), and
    nlu/settings.py (plain Python, read by the Rasa server too)."""
    from actions.settings import ServerSettings
    from bot.settings import BotSettings
    from deploy.settings import RunSettings
    from knowledge.settings import KnowledgeSettings
    from portal.settings import PortalSettings
    from speech.settings import SpeechSettings

    names = set()
    for settings in (ServerSettings, BotSettings, KnowledgeSettings, PortalSettings, SpeechSettings, RunSettings):
        prefix = settings.model_config.get("env_prefix", "")
        names |= {f"{prefix}{field}".upper() for field in settings.model_fields}
    names |= set(re.findall(r'_read\("([A-Z0-9_]+)"', (ROOT / "nlu" / "settings.py").read_text(encoding="utf-8")))
    return names


# --- the file itself ---------------------------------------------------------------------------------------------


def test_the_file_is_valid_against_the_compose_spec_schema(tmp_path):
    pytest.importorskip("check_jsonschema", reason="check-jsonschema (its vendored compose-spec schema) not installed")
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]
    done = subprocess.run([*command, str(COMPOSE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "docker-compose.yml"  # the validator does check: a malformed service is refused
    broken.write_text("services:\n  portal:\n    image: x\n    ports: {8080: 8080}\n    restart: [always]\n")
    done = subprocess.run([*command, str(broken)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "restart" in done.stdout + done.stderr


def test_every_service_the_issue_names_is_there(services):
    assert {"postgres", "redis", "portal", "bot", "proxy", "setup", *RASA_REPLICAS, *ACTION_SERVERS} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["proxy"]["image"].startswith("nginx:")


# --- the scale-out -------------------------------------------------------------------------------------------------


def test_the_rasa_replicas_share_one_postgresql_and_one_redis(services):
    values = {"POSTGRES_PASSWORD": "pgpw", "REDIS_PASSWORD": "redispw", "RASA_API_TOKEN": "token"}
    replicas = [environment(services[name]) for name in RASA_REPLICAS]
    assert replicas[0] == replicas[1]  # the same stores, token and retention
    tracker = urlsplit(interpolate(replicas[0]["TRACKER_STORE_URL"], values))
    assert tracker.scheme == "postgresql" and tracker.hostname == "postgres" and tracker.port == 5432
    assert tracker.password == "pgpw" and tracker.path == f"/{environment(services['postgres'])['POSTGRES_DB']}"
    assert tracker.username == environment(services["postgres"])["POSTGRES_USER"]
    lock = urlsplit(interpolate(replicas[0]["LOCK_STORE_URL"], values))
    assert lock.scheme == "redis" and lock.hostname == "redis" and lock.port == 6379 and lock.password == "redispw"
    assert "${REDIS_PASSWORD" in " ".join(services["redis"]["command"])  # the server asks for that same password
    for name in RASA_REPLICAS:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy"
        assert services[name]["build"]["target"] == "rasa"


def test_the_replicas_use_the_same_stores_as_make_run_and_reach_the_actions_through_the_proxy(services):
    local = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    deployed = yaml.safe_load((ROOT / "deploy" / "endpoints.yml").read_text(encoding="utf-8"))
    assert deployed["tracker_store"] == local["tracker_store"] == {"type": "nlu.tracker_store.ConversationStore"}
    assert deployed["lock_store"] == local["lock_store"] == {"type": "nlu.lock_store.ConversationLockStore"}
    action = urlsplit(deployed["action_endpoint"]["url"])
    assert action.hostname == "proxy" and action.port == 5055 and action.path == "/webhook"
    assert "deploy/endpoints.yml" in DOCKERFILE.read_text(encoding="utf-8")


def test_the_proxy_spreads_over_every_replica(services):
    config = NGINX.read_text(encoding="utf-8")
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", config, flags=re.S))
    servers = {name: set(re.findall(r"server ([\w-]+):(\d+)", body)) for name, body in upstreams.items()}
    assert servers == {"action_servers": {(name, "5055") for name in ACTION_SERVERS}}
    assert re.findall(r"listen (\d+);", config) == ["5055"]
    for name in ACTION_SERVERS:
        env = environment(services[name])
        assert env["ACTION_SERVER_HOST"] == "0.0.0.0" and env["ACTION_SERVER_PORT"] == "5055"
    for name in ("portal", "bot"):  # both spread conversations over the replicas (nlu/rest_client.py)
        urls = environment(services[name])["RASA_URL"].split(",")
        assert [urlsplit(url).netloc for url in urls] == [f"{replica}:5005" for replica in RASA_REPLICAS], name


# --- exposure, restarts, health ----------------------------------------------------------------------------------


def test_only_the_portal_is_published(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"portal"}
    assert all("network_mode" not in service for service in services.values())
    (mapping,) = services["portal"]["ports"]
    assert interpolate(mapping, {}) == "127.0.0.1:8080:8080"  # by default on the host's loopback (a TLS proxy)
    assert environment(services["portal"])["PORTAL_HOST"] == "0.0.0.0"
    assert "--interface 0.0.0.0 --port 5005" in DOCKERFILE.read_text(encoding="utf-8")


def test_services_restart_and_report_their_health(services):
    for name, service in services.items():
        if name == "setup":  # one-shot: builds the index, then the others start
            assert service["restart"] == "no"
            continue
        assert service["restart"] == "unless-stopped", name
        if name != "bot":  # the bot polls Telegram and serves nothing to probe
            assert service["healthcheck"]["test"], name
    for name in ("portal", "bot", *ACTION_SERVERS):
        assert services[name]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert services["bot"]["profiles"] == ["telegram"]  # without a token it would exit and be restarted forever


# --- files, variables, secrets ----------------------------------------------------------------------------------


def test_every_file_it_refers_to_exists(services):
    targets = set(re.findall(r"^FROM \S+ AS (\w+)", DOCKERFILE.read_text(encoding="utf-8"), flags=re.M))
    for name, service in services.items():
        build = service.get("build")
        if build:
            assert (ROOT / build["context"] / build.get("dockerfile", "Dockerfile")).is_file(), name
            assert build["target"] in targets, name
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source}"
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():  # what the images copy
        if line.startswith("COPY ") and not line.startswith("COPY . "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).is_file(), source
    assert {"pyproject.toml", "requirements-rasa.txt", "credentials.yml", "config.yml", "domain.yml"} <= \
        {path.name for path in ROOT.iterdir()}
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "var", "models"} <= set(ignored)  # no secret, environment or generated data in images


def test_every_variable_set_is_one_our_settings_read(services):
    known = our_settings()
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    for name, service in services.items():
        if name in THIRD_PARTY:
            continue
        for variable in environment(service):
            assert variable in known or f"${variable}" in dockerfile, f"{name} sets {variable}, which nothing reads"
    assert {"TRACKER_STORE_URL", "LOCK_STORE_URL", "CONVERSATION_RETENTION_DAYS"} <= known
    assert {"ACTION_SERVER_HOST", "PORTAL_HOST", "RASA_URL", "CCVC_EMBEDDING_MODEL", "VOSK_MODEL_PATH"} <= known


def test_no_secret_is_written_into_the_file_and_every_variable_is_in_the_example(services):
    text = COMPOSE.read_text(encoding="utf-8")
    for name, service in services.items():
        for variable, value in environment(service).items():
            if SECRET_NAME.search(variable):
                assert value.startswith("${"), f"{name}: {variable} must come from .env"
    interpolated = set(INTERPOLATION.findall(text))
    example = set(re.findall(r"^([A-Z0-9_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.M))
    assert {name for name, _, _ in interpolated} <= example
    required = {name for name, operator, _ in interpolated if operator == ":?"}
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "RASA_API_TOKEN", "PORTAL_COOKIE_SECRET",
            "EMBEDDING_MODEL_DIR", "VOSK_MODEL_DIR"} <= required
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore


def test_models_are_mounted_read_only_and_never_downloaded(services):
    for name in ("portal", "bot", "setup", *ACTION_SERVERS):
        mounts = {volume.split(":")[-2]: volume for volume in services[name]["volumes"] if volume.endswith(":ro")}
        assert "/models/embedding" in mounts, name
        assert environment(services[name])["CCVC_EMBEDDING_MODEL"] == "/models/embedding"
    for name in ("portal", "bot"):
        assert environment(services[name])["VOSK_MODEL_PATH"] == "/models/vosk"
    assert "HF_HUB_OFFLINE=1" in DOCKERFILE.read_text(encoding="utf-8")
