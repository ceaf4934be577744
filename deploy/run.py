"""`make run`: the assistant's services under supervisord (supervisord.conf), started and stopped like one service.

- Refuses to start, saying which process holds it, when a port a service needs is taken (an earlier run that did not
  stop, anything else): the new servers would fail to bind while the old ones answered the health checks.
- Starts supervisord in a session of its own, so that Ctrl-C in the terminal reaches this program alone, which then
  stops the services in order with one line each. supervisord dies with this program and every service with
  supervisord (`setpriv --pdeathsig`), so none outlives it, even after `kill -9` or an OOM kill.
- Waits until the action server, Rasa and the portal answer, then prints where to talk to them; while running, says
  when a service stops unexpectedly and when supervisord has it back. Each service logs to <run dir>/log/<name>.log.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

import httpx
from supervisor.xmlrpc import SupervisorTransport

from bot.settings import BotSettings

from .settings import ROOT, RunSettings

CONFIG = ROOT / "supervisord.conf"
SUPERVISORD = ROOT / ".venv" / "bin" / "supervisord"
LABELS = {"actions": "action server", "rasa": "Rasa server", "portal": "portal", "bot": "Telegram bot"}
SERVERS = ("actions", "rasa", "portal")  # in start order; stopped in reverse, after the bot
UP = {"RUNNING"}
# supervisord not there (yet, or any more), or refusing the call
UNREACHABLE = (OSError, http.client.HTTPException, xmlrpc.client.Fault, xmlrpc.client.ProtocolError)


@dataclass
class Server:
    name: str
    host: str
    port: int
    health: str  # the path that answers 200 once the server serves

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def servers(settings: RunSettings) -> list[Server]:
    return [Server("actions", settings.action_server_host, settings.action_server_port, "/health"),
            Server("rasa", settings.rasa_host, settings.rasa_port, "/"),
            Server("portal", settings.portal_host, settings.portal_port, "/healthz")]


# --- ports -------------------------------------------------------------------------------------------------------


def port_taken(host: str, port: int) -> bool:
    """Whether a server could not listen on host:port now (the servers set SO_REUSEADDR, so a closing connection
    does not count)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def port_holder(port: int) -> str | None:
    """'pid 1234: python -m nlu.rasa_cli run …' for the process listening on `port`, from /proc (None when it cannot
    be told, e.g. another user's process)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{pid}/fd")):
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                return f"pid {pid}: {' '.join(command.split())[:160]}"
        except OSError:
            continue
    return None


def taken_ports(settings: RunSettings, bot: BotSettings) -> list[str]:
    """One line per port a service needs that is taken."""
    wanted = [(LABELS[s.name], s.host, s.port) for s in servers(settings)]
    if bot.token and bot.telegram_webhook_url:
        wanted.append(("Telegram bot (webhook)", bot.telegram_webhook_listen, bot.telegram_webhook_port))
    lines = []
    for label, host, port in wanted:
        if port_taken(host, port):
            holder = port_holder(port)
            lines.append(f"port {port} ({label}) is already in use" + (f" by {holder}" if holder else ""))
    return lines


# --- supervisord -------------------------------------------------------------------------------------------------


class Supervisor:
    """supervisord started by this program, and its XML-RPC interface on the control socket."""

    def __init__(self, settings: RunSettings) -> None:
        self.run_dir = settings.ccvc_run_dir
        (self.run_dir / "log").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "CCVC_RUN_DIR": str(self.run_dir)}
        # Its own session: the terminal's Ctrl-C reaches this program, which stops the services in order.
        self.process = subprocess.Popen(["setpriv", "--pdeathsig", "TERM", str(SUPERVISORD), "-c", str(CONFIG)],
                                        cwd=ROOT, env=env, start_new_session=True, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.socket = f"unix://{self.run_dir / 'supervisor.sock'}"

    def call(self, method: str, *args: object) -> object:
        """One XML-RPC call on a fresh connection (a failed call leaves the transport's connection unusable)."""
        transport = SupervisorTransport(None, None, self.socket)
        try:
            return getattr(xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor, method)(*args)
        finally:
            transport.close()

    def states(self) -> dict[str, dict]:
        """name → supervisord's process info (statename, pid, description …); {} until supervisord answers."""
        try:
            return {info["name"]: info for info in self.call("getAllProcessInfo")}
        except UNREACHABLE:
            return {}

    def stop(self, name: str) -> bool:
        """Stop one program and wait until it has; whether it was running."""
        try:
            return bool(self.call("stopProcess", name, True))
        except UNREACHABLE:  # not running (a Fault: NOT_RUNNING), or supervisord already gone
            return False

    def shutdown(self) -> None:
        try:
            self.call("shutdown")
        except UNREACHABLE:
            pass
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the run ---------------------------------------------------------------------------------------------------


def say(line: str = "") -> None:
    print(line, flush=True)


def answers(client: httpx.Client, server: Server) -> bool:
    try:
        return client.get(server.url + server.health, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def banner(settings: RunSettings, bot: BotSettings, run_dir: Path) -> str:
    by_name = {s.name: s for s in servers(settings)}
    rasa, portal, actions = by_name["rasa"].url, by_name["portal"].url, by_name["actions"].url
    telegram = "on (polling Telegram)" if bot.token else "off (set TELEGRAM_BOT_TOKEN to turn it on)"
    if bot.token and bot.telegram_webhook_url:
        telegram = f"on (webhook {bot.telegram_webhook_url})"
    logs = os.path.relpath(run_dir / "log", ROOT) if run_dir.is_relative_to(ROOT) else str(run_dir / "log")
    return ("\n✓ Trợ lý CCVC is ready.\n"
            f"  Portal:        {portal}/  (the web page: ask by text or by voice)\n"
            f"  Chat (REST):   curl -s {rasa}/webhooks/rest/webhook -d '{{\"sender\": \"me\", \"message\": \"Xin chào\"}}'\n"
            f"  HTTP API:      {rasa}/  (token: $RASA_API_TOKEN, or var/rasa-api-token)\n"
            f"  Action server: {actions}\n"
            f"  Telegram bot:  {telegram}\n"
            f"  Logs:          {logs}/<service>.log\n"
            "  Stop: Ctrl-C\n")


class Run:
    def __init__(self, settings: RunSettings, bot: BotSettings) -> None:
        self.settings, self.bot = settings, bot
        self.stopping = threading.Event()
        self.supervisor: Supervisor | None = None

    def on_signal(self, signum: int, frame: object) -> None:
        self.stopping.set()

    def start(self) -> int:
        """Exit code: 0 after a stop asked for, 1 when the services could not start or supervisord died."""
        self.supervisor = Supervisor(self.settings)
        say(f"Starting Trợ lý CCVC (each service logs to {self.logs()}/<service>.log) …")
        if not self.wait_until_ready():
            return self.stop(failed=not self.stopping.is_set())
        say(banner(self.settings, self.bot, self.supervisor.run_dir))
        return self.watch()

    def logs(self) -> str:
        run_dir = self.settings.ccvc_run_dir
        return os.path.relpath(run_dir / "log", ROOT) if run_dir.is_relative_to(ROOT) else str(run_dir / "log")

    def wait_until_ready(self) -> bool:
        started = time.monotonic()
        pending = servers(self.settings)
        with httpx.Client() as client:
            while pending:
                if self.stopping.is_set():
                    return False
                if self.supervisor.process.poll() is not None:
                    say(f"✗ supervisord stopped (exit code {self.supervisor.process.returncode}); see "
                        f"{self.logs()}/supervisord.log")
                    return False
                states = self.supervisor.states()
                for server in list(pending):
                    if states.get(server.name, {}).get("statename") == "FATAL":
                        say(f"✗ the {LABELS[server.name]} could not start; the end of {self.logs()}/{server.name}"
                            f".log:\n{tail(self.settings.ccvc_run_dir / 'log' / f'{server.name}.log')}")
                        return False
                    if answers(client, server):
                        say(f"  ✓ {LABELS[server.name]:<14} {server.url}  ({time.monotonic() - started:.0f} s)")
                        pending.remove(server)
                if time.monotonic() - started > self.settings.startup_timeout:
                    names = ", ".join(LABELS[s.name] for s in pending)
                    say(f"✗ not answering after {self.settings.startup_timeout:.0f} s (STARTUP_TIMEOUT): {names}; "
                        f"see {self.logs()}/")
                    return False
                self.stopping.wait(0.5)
        return True

    def watch(self) -> int:
        """Until a stop is asked for: report services that stop unexpectedly, and when they are back."""
        known = {name: info.get("pid") for name, info in self.supervisor.states().items()}
        down: set[str] = set()
        while not self.stopping.wait(1.0):
            if self.supervisor.process.poll() is not None:
                say(f"✗ supervisord stopped unexpectedly (exit code {self.supervisor.process.returncode}); the "
                    "services stopped with it")
                return 1
            for name, info in self.supervisor.states().items():
                if name not in SERVERS:
                    continue
                state, pid = info.get("statename"), info.get("pid")
                if name not in down and (state not in UP or pid != known.get(name)):
                    say(f"⚠ the {LABELS[name]} stopped unexpectedly ({info.get('description') or state}); "
                        f"supervisord restarts it (log: {self.logs()}/{name}.log)")
                    down.add(name)
                elif name in down and state in UP:
                    say(f"✓ the {LABELS[name]} is running again")
                    down.discard(name)
                known[name] = pid
        return self.stop()

    def stop(self, failed: bool = False) -> int:
        say("\nStopping …")
        for name in ("bot", *reversed(SERVERS)):
            if self.supervisor.stop(name):
                say(f"  ■ {LABELS[name]} stopped")
        self.supervisor.shutdown()
        return 1 if failed else 0


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def main() -> int:
    settings, bot = RunSettings(), BotSettings()
    taken = taken_ports(settings, bot)
    if taken:
        for line in taken:
            say(f"✗ {line}")
        say("Nothing was started. Stop what holds the port (an earlier `make run` that did not stop?) or set another "
            "port (ACTION_SERVER_PORT, RASA_PORT, PORTAL_PORT), then run `make run` again.")
        return 1
    run = Run(settings, bot)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, run.on_signal)
    return run.start()


if __name__ == "__main__":
    sys.exit(main())
