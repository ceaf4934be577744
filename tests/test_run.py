"""`make run`'s own program (python -m deploy.run) started and stopped like a service, for real: supervisord.conf with
the real action server, Rasa server and portal on free loopback ports (the session's index and the trained model).

- a start refuses a port that is held, saying who holds it, and starts nothing;
- Ctrl-C (SIGINT to the foreground process group, as a terminal sends it) stops every service in order, with one line
  each and no traceback, also while they are still starting;
- a supervisord killed hard (kill -9, an OOM kill) takes its services with it: no orphan keeps a port.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.soak import run_environment
from conftest import ROOT

LINES = ["  ■ portal stopped", "  ■ Rasa server stopped", "  ■ action server stopped"]


class Run:
    """`python -m deploy.run` in a process group of its own, as a terminal runs a foreground job; its output is read as
    it comes."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "deploy.run"], cwd=ROOT, env=environment,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: list[str] = []
        self.ended = False  # its output is closed
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    @property
    def output(self) -> str:
        with self.changed:
            return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 600) -> None:
        """Until a line holds `text`; fails at once if the program ends first (the timeout only catches a hang)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not any(text in line for line in self.lines):
                if self.ended:
                    raise AssertionError(f"deploy.run ended before {text!r}:\n" + "\n".join(self.lines))
                assert time.monotonic() < deadline, f"no {text!r} within {timeout:.0f} s:\n" + "\n".join(self.lines)
                self.changed.wait(1)

    def ctrl_c(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)  # what the terminal does: the whole foreground group
        code = self.process.wait(timeout=300)
        with self.changed:
            while not self.ended:  # every line it printed has been read
                self.changed.wait(1)
        return code


def pids_of_services(run_dir: Path) -> list[int]:
    """The pids of supervisord's programs, from /proc: processes whose environment names this run folder."""
    found = []
    marker = f"CCVC_RUN_DIR={run_dir}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") and int(pid) != os.getpid():
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"supervisord" not in command and b"deploy.run" not in command:
                    found.append(int(pid))
        except OSError:
            continue
    return found


def wait_gone(pids: list[int], timeout: float = 120) -> list[int]:
    """The pids still alive after they all ended or the timeout ran out (a safety net, not a measurement)."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists() and not zombie(pid)]
        time.sleep(0.2)
    return alive


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def ports(environment: dict[str, str]) -> list[int]:
    return [int(environment[name]) for name in ("ACTION_SERVER_PORT", "RASA_PORT", "PORTAL_PORT")]


def tracebacks(run_dir: Path) -> dict[str, str]:
    return {path.name: path.read_text(errors="replace") for path in (run_dir / "log").glob("*.log")
            if "Traceback" in path.read_text(errors="replace")}


@pytest.fixture
def environment(tmp_path, index_dir, model):
    environment, _, _ = run_environment(tmp_path / "run", CCVC_INDEX_DIR=str(index_dir))
    return environment


def test_a_start_refuses_a_held_port_and_says_who_holds_it(environment, tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1]
        environment["RASA_PORT"] = str(port)
        done = subprocess.run([sys.executable, "-m", "deploy.run"], cwd=ROOT, env=environment, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"✗ port {port} (Rasa server) is already in use by pid {os.getpid()}" in done.stdout
    assert "Nothing was started" in done.stdout and "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "run" / "supervisord.pid").exists()  # supervisord never ran


def test_ctrl_c_stops_every_service_with_one_line_each_and_no_traceback(environment, tmp_path):
    run = Run(environment)
    run.wait_for("Trợ lý CCVC is ready")
    services = pids_of_services(tmp_path / "run")
    assert len(services) >= 3, services  # actions, rasa, portal (the bot exits at once without a token)
    assert run.ctrl_c() == 0, run.output
    stopping = run.output.split("Stopping …", 1)[1]
    assert [line for line in stopping.splitlines() if line.strip()] == LINES
    assert "Traceback" not in run.output and not tracebacks(tmp_path / "run")
    assert wait_gone(services) == []
    assert not any(map(listening, ports(environment)))


def test_ctrl_c_while_the_services_are_still_starting_is_quiet(environment, tmp_path):
    run = Run(environment)
    run.wait_for("Starting Trợ lý CCVC")
    deadline = time.monotonic() + 120
    while len(pids_of_services(tmp_path / "run")) < 3:  # every server process is there, none answers yet
        assert time.monotonic() < deadline and run.process.poll() is None, run.output
        time.sleep(0.05)
    services = pids_of_services(tmp_path / "run")
    assert run.ctrl_c() == 0, run.output
    assert "Traceback" not in run.output and not tracebacks(tmp_path / "run")
    assert re.search(r"Stopping …\n(  ■ .+ stopped\n?)+$", run.output), run.output
    assert wait_gone(services) == []


def test_services_do_not_outlive_a_supervisord_killed_hard(environment, tmp_path):
    run = Run(environment)
    run.wait_for("Trợ lý CCVC is ready")
    services = pids_of_services(tmp_path / "run")
    supervisord = int((tmp_path / "run" / "supervisord.pid").read_text())
    os.kill(supervisord, signal.SIGKILL)
    assert wait_gone(services) == [], "orphans: " + ", ".join(map(str, services))
    assert run.process.wait(timeout=120) == 1
    assert "supervisord stopped unexpectedly" in run.output
    assert not any(map(listening, ports(environment)))
