"""REST webhook load: latency, throughput, start-up time and memory of the whole assistant.

Starts the action server and the Rasa server on free loopback ports (actions/launch.py), or uses a running
Rasa server (--url), and asks the questions of bench/data/own_questions.jsonl, with and without diacritics,
cycling, through POST /webhooks/rest/webhook (the whole answer: NLU, dialogue, the knowledge action) and,
for comparison, POST /model/parse (NLU alone):

- closed loop: N clients, each sending its next question as soon as the last one is answered;
- open loop: requests sent on a fixed schedule whatever the answers, latency counted from the scheduled
  send time so that queueing shows.

Each phase follows a short unmeasured warm-up. A request not answered within 10 s, an HTTP error or an
empty reply counts as an error. Prints markdown tables with medians and percentiles (the machine is
shared and noisy), and the goals beside the figures.

    python bench/rest_load.py [--duration 20] [--levels 1,10,20] [--rates 10,20] [--quick]
    python bench/rest_load.py --url http://127.0.0.1:5005 --token TOKEN [--pids ACTIONS_PID,RASA_PID]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from actions.launch import running_servers  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
REQUEST_TIMEOUT = 10.0  # seconds for the whole request; slower counts as an error, so no run hangs
ENDPOINTS = ("webhook", "parse")
PORTAL_COOKIE = "ccvc_session"  # portal/session.py's COOKIE_NAME (not imported: this script needs no portal)


# ---------------------------------------------------------------- questions and requests

def load_questions() -> list[str]:
    """Every question of the own set, with and without diacritics, interleaved."""
    rows = [json.loads(line) for line in (DATA / "own_questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row[form] for row in rows for form in ("question", "question_plain")]


@dataclass
class Target:
    """Where and how to ask: the REST webhook (a whole answer), model/parse (NLU only) or, when `portal_url` is
    given, the portal's /api/ask (a whole answer through the web front end)."""

    rasa_url: str
    token: str | None
    portal_url: str | None = None
    run_id: str = field(default_factory=lambda: os.urandom(3).hex())  # fresh senders on every run
    # The portal keeps one conversation per session cookie: sender → the cookie the portal gave it.
    portal_sessions: dict[str, str] = field(default_factory=dict)

    def request(self, endpoint: str, sender: str, text: str) -> tuple[str, dict, dict]:
        """URL, JSON body and headers of one question."""
        if endpoint == "webhook":
            return (f"{self.rasa_url}/webhooks/rest/webhook", {"sender": f"{self.run_id}-{sender}", "message": text},
                    {})
        if endpoint == "portal":
            cookie = self.portal_sessions.get(sender)
            return f"{self.portal_url}/api/ask", {"message": text}, {"Cookie": cookie} if cookie else {}
        query = f"?token={self.token}" if self.token else ""
        return f"{self.rasa_url}/model/parse{query}", {"text": text}, {}

    def remember_session(self, sender: str, response: httpx.Response) -> None:
        if sender not in self.portal_sessions and (value := response.cookies.get(PORTAL_COOKIE)):
            self.portal_sessions[sender] = f"{PORTAL_COOKIE}={value}"


async def ask(client: httpx.AsyncClient, target: Target, endpoint: str, sender: str, text: str) -> str | None:
    """None when answered, else what went wrong."""
    url, body, headers = target.request(endpoint, sender, text)
    try:
        # wait_for bounds the whole request; httpx's own timeouts are per phase (connect, each read).
        response = await asyncio.wait_for(client.post(url, json=body, headers=headers), REQUEST_TIMEOUT)
    except asyncio.TimeoutError:
        return f"no answer in {REQUEST_TIMEOUT:.0f} s"
    except httpx.HTTPError as exc:
        return type(exc).__name__
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    answer = response.json()
    if endpoint == "portal":
        target.remember_session(sender, response)
        answer = answer.get("messages") if isinstance(answer, dict) else None
    if endpoint in ("webhook", "portal") and not any(message.get("text") for message in answer or []):
        return "empty reply"  # the user would see nothing
    if endpoint == "parse" and "intent" not in answer:
        return "no intent"
    return None


def new_client(connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    # No shared cookie jar: each simulated user carries its own portal session (Target.portal_sessions).
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT, cookies=no_cookies)


# ---------------------------------------------------------------- load phases

@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)  # answered requests only
    errors: Counter = field(default_factory=Counter)
    sent: int = 0
    elapsed: float = 0.0  # seconds from the first send to the last answer

    def record(self, started: float, error: str | None) -> None:
        self.sent += 1
        if error:
            self.errors[error] += 1
        else:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")

    @property
    def answers_per_s(self) -> float:
        return len(self.latencies_ms) / self.elapsed if self.elapsed else 0.0


def new_phase(label: str) -> str:
    """A prefix of sender ids for one load phase: a measured phase never continues its warm-up's conversations."""
    return f"{label}-{os.urandom(2).hex()}"


def conversation(phase: str, stream: int, message: int, turns: int) -> str:
    """A sender id: a new conversation every `turns` messages of one client, as real users ask a few each.

    Rasa keeps a tracker per sender and replays it on every message, so one endless conversation per
    client would measure tracker growth rather than the assistant."""
    return f"{phase}-u{stream}-{message // turns if turns else 0}"


async def closed_loop(target: Target, endpoint: str, clients: int, seconds: float, questions: Iterator[str],
                      turns: int) -> Outcome:
    """`clients` clients, each asking its next question as soon as the last one is answered."""
    outcome = Outcome()
    phase = new_phase(f"c{clients}")
    async with new_client(clients) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def one_client(number: int) -> None:
            for message in itertools.count():
                if time.perf_counter() >= deadline:
                    return
                sent = time.perf_counter()
                error = await ask(client, target, endpoint, conversation(phase, number, message, turns),
                                  next(questions))
                outcome.record(sent, error)

        await asyncio.gather(*(one_client(n) for n in range(clients)))
        outcome.elapsed = time.perf_counter() - start
    return outcome


async def open_loop(target: Target, endpoint: str, rate: float, seconds: float, questions: Iterator[str],
                    turns: int) -> Outcome:
    """`rate` requests per second on a fixed schedule; latency counts from the scheduled send time."""
    outcome = Outcome()
    count = max(1, round(rate * seconds))
    users = max(1, round(rate))  # each simulated user asks about once a second
    phase = new_phase(f"r{rate:g}")
    # Connections enough for a backlog: queueing then happens in the server, as with real independent users.
    async with new_client(max(100, users)) as client:
        start = time.perf_counter() + 0.05

        async def send_at(n: int) -> None:
            scheduled = start + n / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            error = await ask(client, target, endpoint, conversation(phase, n % users, n // users, turns),
                              next(questions))
            outcome.record(scheduled, error)

        await asyncio.gather(*(send_at(n) for n in range(count)))
        outcome.elapsed = time.perf_counter() - start
    return outcome


async def run_load(target: Target, args: argparse.Namespace, questions: Iterator[str]
                   ) -> tuple[dict[tuple[str, int], Outcome], dict[tuple[str, float], Outcome]]:
    """Every closed-loop level and open-loop rate on both endpoints, each after an unmeasured warm-up."""
    closed, opened = {}, {}
    for clients in args.levels:
        for endpoint in ENDPOINTS:
            await closed_loop(target, endpoint, clients, args.warmup, questions, args.turns)
            closed[endpoint, clients] = await closed_loop(target, endpoint, clients, args.duration, questions,
                                                          args.turns)
            report_progress(f"closed {endpoint} × {clients}", closed[endpoint, clients])
    for rate in args.rates:
        for endpoint in ENDPOINTS:
            await open_loop(target, endpoint, rate, args.warmup, questions, args.turns)
            opened[endpoint, rate] = await open_loop(target, endpoint, rate, args.duration, questions, args.turns)
            report_progress(f"open {endpoint} @ {rate:g}/s", opened[endpoint, rate])
    return closed, opened


def report_progress(label: str, outcome: Outcome) -> None:
    print(f"  {label}: {len(outcome.latencies_ms)} answers, p50 {outcome.percentile(50):.0f} ms, "
          f"{sum(outcome.errors.values())} errors", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- servers and memory

@dataclass
class Assistant:
    rasa_url: str
    token: str | None
    pids: dict[str, int]  # server name → process id, for memory
    started_in: dict[str, float]  # seconds until each server answered (only when started here)


@contextmanager
def assistant(args: argparse.Namespace) -> Iterator[Assistant]:
    """The running server named by --url, or both servers started here and stopped on exit."""
    if args.url:
        pids = {f"pid {pid} ({process_name(pid)})": pid for pid in args.pids}
        yield Assistant(args.url.rstrip("/"), args.token, pids, {})
        return
    with running_servers(model=args.model, logs=args.logs) as servers:
        yield Assistant(servers.rasa_url, servers.token, {"actions": servers.actions.pid, "rasa": servers.rasa.pid},
                        servers.started_in)


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def memory_mib(pid: int) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), MiB, from /proc (psutil is not installed)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM") if key in fields}


# ---------------------------------------------------------------- tables

def ms(value: float) -> str:
    return "–" if value != value else f"{value:.0f}"  # NaN when nothing was answered


def errors_cell(outcome: Outcome) -> str:
    return str(sum(outcome.errors.values()))


def print_servers(found: Assistant, warm: dict[str, dict], end: dict[str, dict]) -> None:
    if not found.pids and not found.started_in:
        return
    print("\n| server | start-up | RSS after warm-up | RSS at end | peak RSS (VmHWM) |\n|---|---|---|---|---|")
    for name in found.pids or found.started_in:
        started = f"{found.started_in[name]:.1f} s" if name in found.started_in else "–"
        cells = [f"{m['VmRSS']:.0f} MiB" if "VmRSS" in m else "–" for m in (warm.get(name, {}), end.get(name, {}))]
        peak = end.get(name, {}).get("VmHWM")
        print(f"| {name} | {started} | {cells[0]} | {cells[1]} | {f'{peak:.0f} MiB' if peak else '–'} |")
    if found.started_in:
        print("Start-up counts from launching both processes together; Rasa is waited for after the action server.")


def print_closed(closed: dict[tuple[str, int], Outcome], seconds: float) -> None:
    print(f"\nClosed loop ({seconds:g} s per level):\n"
          "| endpoint | clients | answers | answers/s | p50 ms | p95 ms | errors |\n|---|---|---|---|---|---|---|")
    for (endpoint, clients), o in closed.items():
        print(f"| {endpoint} | {clients} | {len(o.latencies_ms)} | {o.answers_per_s:.1f} | {ms(o.percentile(50))} | "
              f"{ms(o.percentile(95))} | {errors_cell(o)} |")


def print_open(opened: dict[tuple[str, float], Outcome], seconds: float) -> None:
    print(f"\nOpen loop ({seconds:g} s per rate; latency from the scheduled send time):\n"
          "| endpoint | offered req/s | sent | achieved answers/s | p50 ms | p95 ms | errors |\n"
          "|---|---|---|---|---|---|---|")
    for (endpoint, rate), o in opened.items():
        print(f"| {endpoint} | {rate:g} | {o.sent} | {o.answers_per_s:.1f} | {ms(o.percentile(50))} | "
              f"{ms(o.percentile(95))} | {errors_cell(o)} |")


def print_errors(closed: dict[tuple[str, int], Outcome], opened: dict[tuple[str, float], Outcome]) -> None:
    labelled = [(f"{endpoint}, {clients} clients", o) for (endpoint, clients), o in closed.items()]
    labelled += [(f"{endpoint}, {rate:g} req/s", o) for (endpoint, rate), o in opened.items()]
    for label, outcome in labelled:
        if outcome.errors:
            print(f"Errors, {label}: " + ", ".join(f"{kind} × {n}" for kind, n in outcome.errors.most_common()))


def print_goals(closed: dict[tuple[str, int], Outcome], opened: dict[tuple[str, float], Outcome]) -> None:
    one = closed.get(("webhook", 1))
    at20 = opened.get(("webhook", 20))
    webhook_levels = [o for (endpoint, _), o in closed.items() if endpoint == "webhook"]
    peak = max((o.answers_per_s for o in webhook_levels), default=None)
    goals = [  # (goal, target text, measured value or None, met)
        ("webhook, one client, p50", "≤ 60 ms", one and one.percentile(50), lambda v: v <= 60),
        ("webhook, one client, p95", "≤ 100 ms", one and one.percentile(95), lambda v: v <= 100),
        ("webhook, 20 req/s offered, p95", "≤ 150 ms", at20 and at20.percentile(95), lambda v: v <= 150),
        ("webhook, peak throughput", "≥ 40 answers/s", peak, lambda v: v >= 40),
    ]
    print("\n| goal | target | measured | |\n|---|---|---|---|")
    for goal, wanted, value, met in goals:
        if value is None or value != value:
            print(f"| {goal} | {wanted} | not measured | |")
        else:
            unit = " answers/s" if "answers" in wanted else " ms"
            print(f"| {goal} | {wanted} | {value:.0f}{unit} | {'met' if met(value) else 'MISSED'} |")


# ---------------------------------------------------------------- main

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per level and rate")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each")
    parser.add_argument("--levels", default="1,10,20", help="closed loop: concurrent clients")
    parser.add_argument("--rates", default="10,20", help="open loop: requests per second offered")
    parser.add_argument("--turns", type=int, default=10, help="questions per conversation (0: one per client)")
    parser.add_argument("--url", help="a running Rasa server instead of starting both servers")
    parser.add_argument("--token", default=os.environ.get("RASA_API_TOKEN"), help="Rasa API token, with --url")
    parser.add_argument("--pids", default="", help="with --url: process ids whose memory to report")
    parser.add_argument("--model", type=Path, help="the Rasa model to serve (default: the newest in models/)")
    parser.add_argument("--logs", type=Path, default=REPO / "var" / "bench" / "rest_load",
                        help="where the started servers log")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 s per phase, 1 s warm-up")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup = 3.0, 1.0
    args.levels = [int(n) for n in args.levels.split(",") if n]
    args.rates = [float(n) for n in args.rates.split(",") if n]
    args.pids = [int(n) for n in args.pids.split(",") if n]
    return args


def main() -> None:
    args = parse_args()
    questions = itertools.cycle(load_questions())
    with assistant(args) as found:
        target = Target(found.rasa_url, found.token)
        print(f"Asking {found.rasa_url} ...", file=sys.stderr, flush=True)
        # First answers load lazily (models, caches): one client through the questions before any figure.
        for endpoint in ENDPOINTS:
            asyncio.run(closed_loop(target, endpoint, 1, 2 * args.warmup, questions, args.turns))
        warm = {name: memory_mib(pid) for name, pid in found.pids.items()}
        closed, opened = asyncio.run(run_load(target, args, questions))
        end = {name: memory_mib(pid) for name, pid in found.pids.items()}

    print(f"\nREST load on {os.cpu_count()} cores, client on the same machine; "
          f"{len(load_questions())} questions (own set, with and without diacritics), cycling.")
    print_servers(found, warm, end)
    print_closed(closed, args.duration)
    print_open(opened, args.duration)
    print_errors(closed, opened)
    print_goals(closed, opened)


if __name__ == "__main__":
    main()
