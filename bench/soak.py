"""Soak and faults: N clients for D seconds through the portal's /api/ask and Rasa's REST webhook, with errors,
latency per interval and resident memory per process per interval (is it flat?).

    python bench/soak.py [--clients 20] [--seconds 600] [--channel both|portal|rest] [--every 60]
    python bench/soak.py --faults [--seconds 240]     # kill -9 the action server, then Rasa; supervisord restarts
    python bench/soak.py --portal-url http://127.0.0.1:8080 --rasa-url http://127.0.0.1:5005 [--pids 123,456]

By default the script starts the assistant itself on free loopback ports: the action server and the Rasa server
(actions/launch.py) and the portal (`python -m portal`), conversations in a temporary SQLite tracker store. With
--faults it runs `make run`'s own supervisord.conf instead (temporary run folder, ports and tracker store), kills the
action server a quarter of the way in and the Rasa server once that is back, and prints how soon users were told
"busy" and how soon answers came back once each process was up again (the run is extended until both are back).

Each client keeps one conversation for 10 questions (own question set, with and without diacritics), then starts a
new one. An outcome is an answer (a non-empty reply), "busy" (the portal's 503 with its Vietnamese message), or an
error: an empty reply, a refused or dropped connection (the REST webhook has no busy reply of its own), any other
status, or no answer within 30 s (a hang: the portal's own Rasa timeout is 20 s). Outside the fault windows every outcome must be
an answer; the script exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from actions.launch import free_port, running_servers, wait_until_up  # noqa: E402
from nlu.rest_client import BUSY  # noqa: E402

CLIENT_TIMEOUT = 30.0  # above PORTAL_RASA_TIMEOUT (20 s): a request still open after this hung
QUESTIONS_PER_CONVERSATION = 10
SUPERVISORD = ROOT / ".venv" / "bin" / "supervisord"
SUPERVISORCTL = ROOT / ".venv" / "bin" / "supervisorctl"
CONFIG = ROOT / "supervisord.conf"
PROGRAMS = ("actions", "rasa", "portal")
GOALS = "goals (issue 4/7): p95 ≤ 150 ms at 20 req/s, one client p50 ≤ 60 ms / p95 ≤ 100 ms"


def load_questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "bench" / "data" / "own_questions.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    return [row[form] for row in rows for form in ("question", "question_plain")]


# ---------------------------------------------------------------- memory


def rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, MiB (0 when it is gone)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


# ---------------------------------------------------------------- the assistant under supervisord


@dataclass
class Supervised:
    """`make run`'s supervisord with its own run folder, ports and tracker store."""

    run_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    portal_url: str
    rasa_url: str
    action_url: str
    token: str

    def ctl(self, *args: str) -> str:
        return subprocess.run([str(SUPERVISORCTL), "-c", str(CONFIG), *args], env=self.env, capture_output=True,
                              text=True, timeout=60).stdout

    def pid(self, name: str) -> int | None:
        text = self.ctl("pid", name).strip()
        return int(text) if text.isdigit() and text != "0" else None

    def pids(self) -> dict[str, int | None]:
        return {name: self.pid(name) for name in PROGRAMS}

    def health_url(self, name: str) -> str:
        return {"actions": f"{self.action_url}/health", "rasa": f"{self.rasa_url}/",
                "portal": f"{self.portal_url}/healthz"}[name]

    def kill(self, name: str) -> tuple[int, float]:
        """kill -9 the program; (its pid, time.monotonic() of the kill)."""
        pid = self.pid(name)
        if pid is None:
            raise RuntimeError(f"{name} is not running: {self.ctl('status')}")
        os.kill(pid, signal.SIGKILL)
        return pid, time.monotonic()

    def wait_back(self, name: str, old_pid: int, timeout: float = 900) -> tuple[int, float]:
        """Wait until supervisord has started `name` again and it answers; (new pid, time.monotonic() it answered).
        Polled every 0.2 s, so the time is at most that late."""
        deadline = time.monotonic() + timeout
        url = self.health_url(name)
        while time.monotonic() < deadline:
            pid = self.pid(name)
            if pid is not None and pid != old_pid:
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        return pid, time.monotonic()
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        raise TimeoutError(f"{name} not back within {timeout:.0f} s: {self.ctl('status')}")

    def wait_running(self, names: tuple[str, ...], timeout: float = 900) -> str:
        """Wait until supervisord calls each of `names` RUNNING (a restarted program is STARTING for its startsecs,
        though it may answer before); its status text."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.ctl("status")
            states = {line.split()[0]: line.split()[1] for line in status.splitlines() if len(line.split()) > 1}
            if all(states.get(name) == "RUNNING" for name in names):
                return status
            if time.monotonic() >= deadline:
                raise TimeoutError(f"not all of {names} RUNNING within {timeout:.0f} s: {status}")
            time.sleep(0.2)


def run_environment(run_dir: Path, **env: str) -> tuple[dict[str, str], dict[str, str], str]:
    """The environment of `make run`'s supervisord.conf on its own: log, pid and socket in `run_dir` (CCVC_RUN_DIR),
    free loopback ports, conversations in `run_dir`/tracker.db unless `env` names a TRACKER_STORE_URL, no Telegram
    bot, the portal's per-IP rate limit out of the way (every client is 127.0.0.1). (environment, program → URL,
    Rasa's API token)."""
    (run_dir / "log").mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in PROGRAMS}
    token = "soak-" + os.urandom(8).hex()
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    environment = {
        **os.environ, "CCVC_RUN_DIR": str(run_dir), "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
        "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
        "ACTION_SERVER_HOST": "127.0.0.1", "ACTION_SERVER_PORT": str(ports["actions"]),
        "RASA_HOST": "127.0.0.1", "RASA_PORT": str(ports["rasa"]), "RASA_API_TOKEN": token, "RASA_URL": urls["rasa"],
        "PORTAL_HOST": "127.0.0.1", "PORTAL_PORT": str(ports["portal"]),
        "PORTAL_RATE_PER_MINUTE": "1000000", "PORTAL_RATE_BURST": "100000",
        "TRACKER_STORE_URL": f"sqlite:///{run_dir}/tracker.db", "LOCK_STORE_URL": "", "TELEGRAM_BOT_TOKEN": "",
        **env,
    }
    return environment, urls, token


@contextmanager
def supervised(run_dir: Path, timeout: float = 900, **env: str) -> Iterator[Supervised]:
    """Start supervisord with the project's supervisord.conf in the environment of `run_environment`. Yields once
    all three answer."""
    environment, urls, token = run_environment(run_dir, **env)
    output = (run_dir / "supervisord.out").open("w")
    process = subprocess.Popen([str(SUPERVISORD), "-c", str(CONFIG)], cwd=ROOT, env=environment, stdout=output,
                               stderr=subprocess.STDOUT)
    running = Supervised(run_dir, environment, process, urls["portal"], urls["rasa"], urls["actions"], token)
    children: set[int] = set()
    try:
        for name in PROGRAMS:
            wait_until_up(running.health_url(name), process, timeout)
        yield running
    finally:
        if process.poll() is None:
            children = {pid for pid in running.pids().values() if pid}
        process.terminate()  # supervisord stops its programs (SIGTERM, then SIGKILL after stopwaitsecs)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pid in children:  # supervisord puts each program in its own process group: make sure none is left
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        output.close()


# ---------------------------------------------------------------- load


@dataclass
class Outcome:
    channel: str  # "portal" or "rest"
    client: int
    started: float  # time.monotonic()
    ended: float
    kind: str  # "answer", "busy", "empty", "refused", "hang", "error"
    detail: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def ask_portal(client: httpx.Client, portal_url: str, question: str) -> tuple[str, str]:
    response = client.post(f"{portal_url}/api/ask", json={"message": question})
    try:
        body = response.json()
    except ValueError:
        return "error", f"HTTP {response.status_code}, not JSON: {response.text[:120]!r}"
    if response.status_code == 200:
        messages = body.get("messages") or []
        if any(m.get("text", "").strip() for m in messages):
            return "answer", ""
        return "empty", json.dumps(body, ensure_ascii=False)[:200]
    if response.status_code == 503 and body.get("error") == "busy" and body.get("message") == BUSY:
        return "busy", ""
    return "error", f"HTTP {response.status_code}: {json.dumps(body, ensure_ascii=False)[:200]}"


def ask_rest(client: httpx.Client, rasa_url: str, sender: str, question: str) -> tuple[str, str]:
    response = client.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": question})
    if response.status_code != 200:
        return "error", f"HTTP {response.status_code}: {response.text[:200]}"
    replies = response.json()
    if isinstance(replies, list) and any(isinstance(r, dict) and str(r.get("text", "")).strip() for r in replies):
        return "answer", ""
    return "empty", response.text[:200]


class Load:
    """`clients` threads asking questions in a closed loop (a pause of `think` seconds between questions) until
    stopped; every outcome is kept in `outcomes`."""

    def __init__(self, portal_url: str | None, rasa_url: str | None, clients: int, think: float = 0.0,
                 questions: list[str] | None = None) -> None:
        self.channels = [c for c, url in (("portal", portal_url), ("rest", rasa_url)) if url]
        if not self.channels:
            raise ValueError("no portal URL and no Rasa URL to load")
        self.portal_url, self.rasa_url = portal_url, rasa_url
        self.think = think
        self.questions = questions or load_questions()
        self.outcomes: list[Outcome] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(clients)]

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(CLIENT_TIMEOUT + 5)

    def _client(self, number: int) -> None:
        channel = self.channels[number % len(self.channels)]
        asked = 0
        while not self.stopping.is_set():
            conversation = f"soak-{number}-{asked // QUESTIONS_PER_CONVERSATION}-{os.urandom(3).hex()}"
            with httpx.Client(timeout=CLIENT_TIMEOUT) as client:  # a new client: a new portal session cookie
                for _ in range(QUESTIONS_PER_CONVERSATION):
                    if self.stopping.is_set():
                        return
                    question = self.questions[(number * 7 + asked) % len(self.questions)]
                    asked += 1
                    started = time.monotonic()
                    try:
                        if channel == "portal":
                            kind, detail = ask_portal(client, self.portal_url, question)
                        else:
                            kind, detail = ask_rest(client, self.rasa_url, conversation, question)
                    except httpx.TimeoutException as exc:
                        kind, detail = "hang", f"{type(exc).__name__} after {time.monotonic() - started:.1f} s"
                    except httpx.ConnectError as exc:
                        kind, detail = "refused", str(exc)
                    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:  # the server died mid-answer
                        kind, detail = "dropped", f"{type(exc).__name__}: {exc}"
                    except httpx.HTTPError as exc:
                        kind, detail = "error", f"{type(exc).__name__}: {exc}"
                    self.outcomes.append(Outcome(channel, number, started, time.monotonic(), kind, detail))
                    if self.think:
                        self.stopping.wait(self.think)


# ---------------------------------------------------------------- figures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


class MemoryWatch:
    """Samples the resident memory of each named process tree every `every` seconds (pids re-resolved each time:
    a restarted process is followed)."""

    def __init__(self, pids: Callable[[], dict[str, int | None]], every: float = 5.0) -> None:
        self.pids, self.every = pids, every
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "MemoryWatch":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(30)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.samples.append((time.monotonic(), {name: rss_mib(pid) for name, pid in self.pids().items()
                                                        if pid}))
            except Exception as exc:  # noqa: BLE001 - a failed sample must not stop the run
                print(f"memory sample failed: {exc}", file=sys.stderr)
            self.stopping.wait(self.every)


def interval_table(outcomes: list[Outcome], memory: MemoryWatch | None, started: float, every: float,
                   windows: list[tuple[float, float]]) -> tuple[str, int]:
    """A markdown table per interval, and the number of non-answers outside the fault `windows`."""
    rows: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        rows[int((outcome.started - started) // every)].append(outcome)
    names = sorted({name for _, sample in (memory.samples if memory else []) for name in sample})
    header = ["interval", "requests", "answers/s", "p50 ms", "p95 ms", "busy", "errors"] + [f"{n} MiB" for n in names]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    unexpected = 0
    for slot in sorted(rows):
        batch = rows[slot]
        answers = [o.seconds * 1000 for o in batch if o.kind == "answer"]
        busy = sum(o.kind == "busy" for o in batch)
        errors = sum(o.kind not in {"answer", "busy"} for o in batch)
        unexpected += sum(o.kind != "answer" and not any(a <= o.started <= b or a <= o.ended <= b for a, b in windows)
                          for o in batch)
        rss = {}
        for moment, sample in memory.samples if memory else []:
            if started + slot * every <= moment < started + (slot + 1) * every:
                rss = sample  # the last sample of the interval
        cells = [f"{slot * every:.0f}–{(slot + 1) * every:.0f} s", str(len(batch)), f"{len(answers) / every:.1f}",
                 f"{percentile(answers, 50):.0f}", f"{percentile(answers, 95):.0f}", str(busy), str(errors)]
        cells += [f"{rss[n]:.0f}" if n in rss else "–" for n in names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), unexpected


def fault_figures(outcomes: list[Outcome], killed_at: float, up_at: float) -> dict[str, float | int | None]:
    """For one kill: the busy replies the portal gave while the process was away (how long each took), and how
    soon after the process answered again the portal answered (the first answer to a question asked after that)."""
    busy = [o for o in outcomes if o.channel == "portal" and o.kind == "busy" and o.ended >= killed_at
            and o.started <= up_at]
    after = [o for o in outcomes if o.channel == "portal" and o.kind == "answer" and o.started >= up_at]
    first_busy = min((o.ended for o in busy), default=None)
    return {
        "busy_replies": len(busy),
        "time_to_busy_median_s": round(statistics.median(o.seconds for o in busy), 3) if busy else None,
        "time_to_busy_max_s": round(max(o.seconds for o in busy), 3) if busy else None,
        "first_busy_after_kill_s": round(first_busy - killed_at, 3) if first_busy else None,
        "recovery_after_up_s": round(min(o.ended for o in after) - up_at, 3) if after else None,
    }


# ---------------------------------------------------------------- the run


@contextmanager
def assistant_for(args: argparse.Namespace, stack: ExitStack) -> Iterator[tuple[str | None, str | None,
                                                                                Callable[[], dict], object]]:
    """(portal URL, Rasa URL, pids(), supervised or None) for the run."""
    if args.portal_url or args.rasa_url:
        pids = dict(zip(("actions", "rasa", "portal"), (int(p) for p in args.pids.split(",")))) if args.pids else {}
        yield args.portal_url, args.rasa_url, (lambda: pids), None
        return
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ccvc-soak-")))
    env = {"CCVC_INDEX_DIR": args.index} if args.index else {}
    if args.faults:
        running = stack.enter_context(supervised(folder / "run", **env))
        yield running.portal_url, running.rasa_url, running.pids, running
        return
    servers = stack.enter_context(running_servers(logs=folder / "logs", **env))
    port = free_port()
    portal_env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_HOST": "127.0.0.1", "PORTAL_PORT": str(port),
                  "RASA_URL": servers.rasa_url, "PORTAL_RATE_PER_MINUTE": "1000000", "PORTAL_RATE_BURST": "100000"}
    portal = subprocess.Popen([sys.executable, "-m", "portal"], cwd=ROOT, env=portal_env,
                              stdout=(folder / "logs" / "portal.log").open("w"), stderr=subprocess.STDOUT)
    stack.callback(lambda: (portal.terminate(), portal.wait(30)))
    portal_url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{portal_url}/healthz", portal, 120)
    pids = {"actions": servers.actions.pid, "rasa": servers.rasa.pid, "portal": portal.pid}
    yield portal_url, servers.rasa_url, (lambda: pids), None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=600, help="length of the run (default 600)")
    parser.add_argument("--channel", choices=("both", "portal", "rest"), default="both",
                        help="clients through the portal's /api/ask, Rasa's REST webhook, or half and half")
    parser.add_argument("--every", type=float, default=60, help="seconds per line of the table (default 60)")
    parser.add_argument("--think", type=float, default=0.0, help="pause between a client's questions, seconds")
    parser.add_argument("--faults", action="store_true", help="kill -9 the action server, then Rasa (supervisord)")
    parser.add_argument("--portal-url", help="a running portal instead of starting one")
    parser.add_argument("--rasa-url", help="a running Rasa server (REST webhook) instead of starting one")
    parser.add_argument("--pids", help="with given URLs: ACTIONS,RASA,PORTAL process ids for the memory figures")
    parser.add_argument("--index", help="CCVC_INDEX_DIR for the servers this script starts")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.faults and (args.portal_url or args.rasa_url):
        parser.error("--faults starts its own supervisord; it cannot be combined with given URLs")

    with ExitStack() as stack:
        portal_url, rasa_url, pids, running = stack.enter_context(assistant_for(args, stack))
        if args.channel == "portal":
            rasa_url = None
        elif args.channel == "rest":
            portal_url = None
        think = args.think if not args.faults else max(args.think, 0.1)  # busy replies come in ms: do not spin
        print(f"soak: {args.clients} clients ({args.channel}) for {args.seconds:.0f} s against portal {portal_url}, "
              f"Rasa {rasa_url}{' with faults' if args.faults else ''}", flush=True)
        windows: list[tuple[float, float]] = []
        faults: dict[str, dict] = {}
        memory = stack.enter_context(MemoryWatch(pids, every=min(5.0, args.every / 2)))
        started = time.monotonic()
        with Load(portal_url, rasa_url, args.clients, think) as load:
            if running is not None:
                for name, at in (("actions", 0.25), ("rasa", 0.5)):
                    time.sleep(max(0.0, started + args.seconds * at - time.monotonic()))
                    old_pid, killed_at = running.kill(name)
                    print(f"{time.monotonic() - started:6.1f} s  kill -9 {name} (pid {old_pid})", flush=True)
                    new_pid, up_at = running.wait_back(name, old_pid)
                    print(f"{time.monotonic() - started:6.1f} s  {name} restarted by supervisord (pid {new_pid}), "
                          f"answering {up_at - killed_at:.1f} s after the kill", flush=True)
                    time.sleep(5)  # let the clients see it back before the next fault
                    windows.append((killed_at, up_at + 5))
                    faults[name] = {"killed_at": killed_at, "up_at": up_at, "restart_s": round(up_at - killed_at, 1)}
            time.sleep(max(0.0, started + args.seconds - time.monotonic()))
        outcomes = load.outcomes

    table, unexpected = interval_table(outcomes, memory, started, args.every, windows)
    kinds = Counter(o.kind for o in outcomes)
    answers = [o.seconds * 1000 for o in outcomes if o.kind == "answer"]
    print()
    print(table)
    print(f"\nall: {len(outcomes)} requests, {dict(kinds)}; answers p50 {percentile(answers, 50):.0f} ms, "
          f"p95 {percentile(answers, 95):.0f} ms; {GOALS}")
    report: dict = {"clients": args.clients, "seconds": args.seconds, "channel": args.channel, "kinds": dict(kinds),
                    "p50_ms": round(percentile(answers, 50)), "p95_ms": round(percentile(answers, 95)),
                    "unexpected": unexpected}
    for name, fault in faults.items():
        figures = fault_figures(outcomes, fault["killed_at"], fault["up_at"])
        report[f"fault_{name}"] = {"restart_s": fault["restart_s"], **figures}
        print(f"kill -9 {name}: back (answering) {fault['restart_s']} s after the kill; portal busy replies "
              f"{figures['busy_replies']}, time to busy median {figures['time_to_busy_median_s']} s, max "
              f"{figures['time_to_busy_max_s']} s; first answer {figures['recovery_after_up_s']} s after it was up")
    samples = memory.samples
    if samples:
        first, last = samples[0][1], samples[-1][1]
        growth = {name: round(last.get(name, 0) - first.get(name, 0)) for name in first}
        report["rss_first_mib"], report["rss_last_mib"] = ({k: round(v) for k, v in first.items()},
                                                           {k: round(v) for k, v in last.items()})
        print("resident memory, first → last sample (MiB): "
              + ", ".join(f"{n} {first[n]:.0f} → {last.get(n, 0):.0f} ({growth[n]:+d})" for n in first))
    bad = [o for o in outcomes if o.kind != "answer"
           and not any(a <= o.started <= b or a <= o.ended <= b for a, b in windows)]
    for outcome in bad[:10]:
        print(f"  not an answer: {outcome.channel} client {outcome.client} at {outcome.started - started:.1f} s: "
              f"{outcome.kind} {outcome.detail}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n{'OK' if not unexpected else 'FAILED'}: {unexpected} requests outside the fault windows were not answered")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
