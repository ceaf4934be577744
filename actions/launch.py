"""Start the action server and the Rasa server on free loopback ports, for tests and benchmarks.

`make run` uses supervisord instead (restarts, logs); this is the same two commands, owned by a `with`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# The Rasa server runs through nlu/rasa_cli.py: Rasa's command line with its JSON schemas compiled once.
RASA_SERVER = [str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "nlu.rasa_cli"]


@dataclass
class Servers:
    rasa_url: str
    action_url: str
    token: str
    rasa: subprocess.Popen
    actions: subprocess.Popen
    started_in: dict[str, float]  # seconds until each answered
    tracker_store_url: str = ""  # where this Rasa server keeps its conversations (SQLAlchemy URL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def latest_model(models: Path = ROOT / "models") -> Path:
    found = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(f"no trained model in {models}: run `make train`")
    return found[-1]


def wait_until_up(url: str, process: subprocess.Popen | None, timeout: float) -> float:
    """Seconds until `url` answered 200; raises if the process died or the time ran out."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rasa_command(model: Path, port: int, token: str) -> list[str]:
    return [*RASA_SERVER, "run", "--model", str(model), "--endpoints", "endpoints.yml", "--credentials",
            "credentials.yml", "--interface", "127.0.0.1", "--port", str(port), "--enable-api", "--auth-token", token]


@contextmanager
def running_rasa(action_url: str, model: Path | None = None, log: Path | None = None, timeout: float = 300,
                 **env: str) -> Iterator[tuple[str, str, subprocess.Popen]]:
    """One more Rasa server (url, token, process) using an action server that already runs at `action_url`, e.g.
    on another tracker store (TRACKER_STORE_URL in `env`, required: this never defaults to var/tracker.db)."""
    if not env.get("TRACKER_STORE_URL"):
        raise ValueError("running_rasa needs TRACKER_STORE_URL")
    model = model or latest_model()
    port, token = free_port(), "local-" + os.urandom(8).hex()
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT),
                   "ACTION_SERVER_PORT": str(int(action_url.rstrip("/").rsplit(":", 1)[1])), **env}
    with ExitStack() as stack:
        output = stack.enter_context(log.open("w")) if log is not None else subprocess.DEVNULL
        rasa = subprocess.Popen(rasa_command(model, port, token), cwd=ROOT, env=environment, stdout=output,
                                stderr=subprocess.STDOUT)
        stack.callback(stop, rasa)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/", rasa, timeout)
        yield url, token, rasa


@contextmanager
def running_servers(model: Path | None = None, logs: Path | None = None, timeout: float = 300,
                    **env: str) -> Iterator[Servers]:
    """Both servers with the given model and extra environment (e.g. CCVC_INDEX_DIR); stopped on exit.

    Conversations go to TRACKER_STORE_URL when `env` gives one, else to a SQLite file in a temporary folder
    (removed on exit): tests and benchmarks never write into var/tracker.db or a production database."""
    model = model or latest_model()
    action_port, rasa_port, token = free_port(), free_port(), "local-" + os.urandom(8).hex()
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT),
                   "ACTION_SERVER_HOST": "127.0.0.1", "ACTION_SERVER_PORT": str(action_port), **env}
    with ExitStack() as stack:
        if "TRACKER_STORE_URL" not in env:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="ccvc-tracker-"))
            environment["TRACKER_STORE_URL"] = f"sqlite:///{folder}/tracker.db"

        def output(name: str):
            if logs is None:
                return subprocess.DEVNULL
            logs.mkdir(parents=True, exist_ok=True)
            return stack.enter_context((logs / f"{name}.log").open("w"))

        started = time.monotonic()
        actions = subprocess.Popen([sys.executable, "-m", "actions"], cwd=ROOT, env=environment,
                                   stdout=output("actions"), stderr=subprocess.STDOUT)
        stack.callback(stop, actions)
        rasa = subprocess.Popen(rasa_command(model, rasa_port, token), cwd=ROOT, env=environment,
                                stdout=output("rasa"), stderr=subprocess.STDOUT)
        stack.callback(stop, rasa)
        action_url, rasa_url = f"http://127.0.0.1:{action_port}", f"http://127.0.0.1:{rasa_port}"
        wait_until_up(f"{action_url}/health", actions, timeout)
        action_up = time.monotonic() - started
        wait_until_up(f"{rasa_url}/", rasa, timeout)
        rasa_up = time.monotonic() - started
        yield Servers(rasa_url, action_url, token, rasa, actions, {"actions": action_up, "rasa": rasa_up},
                      environment["TRACKER_STORE_URL"])
