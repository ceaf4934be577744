"""CPU time each answer costs the Rasa server and the action server: what a change to either saves, measured in a way
a shared, noisy machine disturbs much less than wall time.

Starts the action server and the Rasa server on free loopback ports (actions/launch.py), or uses running ones
(--url, --token, --pids RASA_PID,ACTIONS_PID), then, in each of --rounds rounds, asks --questions questions of
bench/data/own_questions.jsonl (with and without diacritics, cycling) one at a time through the REST webhook (a new
sender every --turns questions, as real users ask a few each), and the same number through bare /model/parse (NLU
only). The CPU of each server is read from /proc/<pid>/stat (user + system time of all its threads) before and
after: CPU ms per answer = the difference / the questions. Wall latency of the same requests is printed beside it
(p50 / p95) but the machine is shared: trust the CPU figures. Prints medians of the rounds; no assertions.

    python bench/cpu_per_answer.py [--questions 300] [--rounds 3] [--turns 10]
    python bench/cpu_per_answer.py --url http://127.0.0.1:5005 --token TOKEN --pids RASA_PID,ACTIONS_PID
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.rest_load import Assistant, assistant, load_questions  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # /proc/<pid>/stat counts CPU time in these
REQUEST_TIMEOUT = 30.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads; not its children)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces: count after its ")"
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of proc(5))


@dataclass
class Round:
    cpu_ms: dict[str, float]  # server name → CPU ms per answer
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def ask(client: httpx.Client, found: Assistant, endpoint: str, sender: str, text: str) -> bool:
    """True when answered (a reply with text, or a parse with an intent)."""
    if endpoint == "webhook":
        url, body = f"{found.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text}
    else:
        url, body = f"{found.rasa_url}/model/parse", {"text": text}
    try:
        response = client.post(url, json=body, params={"token": found.token} if endpoint == "parse" and found.token
                               else None)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    answer = response.json()
    if endpoint == "webhook":
        return any(message.get("text") for message in answer)
    return "intent" in answer


def one_round(client: httpx.Client, found: Assistant, endpoint: str, count: int, turns: int,
              questions: Iterator[str], run_id: str) -> Round:
    before = {name: cpu_seconds(pid) for name, pid in found.pids.items()}
    outcome = Round({})
    for number in range(count):
        started = time.perf_counter()
        answered = ask(client, found, endpoint, f"{run_id}-{number // turns}", next(questions))
        if answered:
            outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            outcome.errors += 1
    after = {name: cpu_seconds(pid) for name, pid in found.pids.items()}
    outcome.cpu_ms = {name: (after[name] - before[name]) * 1000 / count for name in found.pids}
    return outcome


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=300, help="questions per round and endpoint")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the medians are printed)")
    parser.add_argument("--turns", type=int, default=10, help="questions per conversation (sender)")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured questions per endpoint first")
    parser.add_argument("--no-parse", action="store_true", help="skip bare /model/parse")
    parser.add_argument("--url", help="a running Rasa server instead of starting both servers")
    parser.add_argument("--token", default=os.environ.get("RASA_API_TOKEN"), help="Rasa API token, with --url")
    parser.add_argument("--pids", default="", help="with --url: RASA_PID,ACTIONS_PID")
    parser.add_argument("--model", type=Path, help="the Rasa model to serve (default: the newest in models/)")
    parser.add_argument("--logs", type=Path, default=REPO / "var" / "bench" / "cpu_per_answer",
                        help="where the started servers log")
    args = parser.parse_args()
    args.pids = [int(n) for n in args.pids.split(",") if n]
    if args.url and len(args.pids) != 2:
        parser.error("--url needs --pids RASA_PID,ACTIONS_PID")
    return args


def main() -> None:
    args = parse_args()
    questions = itertools.cycle(load_questions())
    endpoints = ["webhook"] if args.no_parse else ["webhook", "parse"]
    results: dict[str, list[Round]] = {endpoint: [] for endpoint in endpoints}
    with assistant(args) as found, httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        if args.url:  # rest_load names given processes by their command; here --pids says which is which
            found.pids = dict(zip(("rasa", "actions"), args.pids))
        run_id = "cpu-" + os.urandom(3).hex()  # fresh senders on every run
        for endpoint in endpoints if args.warmup else ():  # first answers load lazily (models, caches)
            one_round(client, found, endpoint, args.warmup, args.turns, questions, f"{run_id}-warm")
        for number in range(args.rounds):
            for endpoint in endpoints:
                outcome = one_round(client, found, endpoint, args.questions, args.turns, questions,
                                    f"{run_id}-r{number}")
                results[endpoint].append(outcome)
                print(f"  round {number + 1} {endpoint}: " + ", ".join(
                      f"{name} {ms:.1f} ms" for name, ms in outcome.cpu_ms.items())
                      + f"; wall p50 {outcome.percentile(50):.0f} ms; {outcome.errors} errors",
                      file=sys.stderr, flush=True)

    load = os.getloadavg()[0]
    print(f"\nCPU per answer, {args.questions} questions one at a time, {args.rounds} rounds (medians), "
          f"a new sender every {args.turns}; {os.cpu_count()} cores, load average {load:.1f} at the end.")
    print("| endpoint | Rasa CPU ms/answer | actions CPU ms/answer | wall p50 ms | wall p95 ms | errors |\n"
          "|---|---|---|---|---|---|")
    for endpoint, rounds in results.items():
        print(f"| {endpoint} | {median([r.cpu_ms['rasa'] for r in rounds]):.1f} | "
              f"{median([r.cpu_ms['actions'] for r in rounds]):.1f} | "
              f"{median([r.percentile(50) for r in rounds]):.0f} | {median([r.percentile(95) for r in rounds]):.0f} | "
              f"{sum(r.errors for r in rounds)} |")


if __name__ == "__main__":
    main()
