"""Throughput of the REST webhook with one and with two Rasa replicas (Rasa's own scale-out), on loopback.

Starts a PostgreSQL (tracker store) and a Redis (lock store) of its own (tests/services.py, nothing persisted), ONE
action server and TWO Rasa replicas sharing both stores (actions/launch.py), then runs closed-loop load (each client
sends its next question as soon as the last is answered, bench/rest_load.py's pieces) against:

- one replica (the second idle);
- two replicas, each client kept on one replica (sticky, as a load balancer hashing the sender would);
- two replicas, each client's messages alternating between them (no stickiness: every message takes the Redis lock
  and reads the conversation another replica wrote).

On a 2-core machine shared with other work this is indicative only: the replicas, the action server, PostgreSQL,
Redis and the load generator all compete for the same two cores.

    python bench/replicas.py [--duration 20] [--warmup 3] [--levels 10,20] [--turns 10] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(1, str(REPO / "tests"))  # tests/services.py: the PostgreSQL and Redis starters

from actions.launch import running_rasa, running_servers  # noqa: E402
from bench.rest_load import (Outcome, Target, ask, conversation, load_questions, memory_mib, new_phase,  # noqa: E402
                             ms, new_client)
from services import running_postgres, running_redis  # noqa: E402

MODES = ("one replica", "two, sticky", "two, alternating")


async def closed_loop(targets: list[Target], alternate: bool, clients: int, seconds: float,
                      questions: Iterator[str], turns: int) -> Outcome:
    """`clients` clients on the REST webhook; client n on replica n mod k, or (alternate) each message of a client
    on the next replica. All targets share one run id, so a sender is one conversation whichever replica it hits."""
    outcome = Outcome()
    phase = new_phase(f"c{clients}")
    async with new_client(clients * len(targets)) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def one_client(number: int) -> None:
            for message in itertools.count():
                if time.perf_counter() >= deadline:
                    return
                target = targets[(number + message) % len(targets) if alternate else number % len(targets)]
                sent = time.perf_counter()
                error = await ask(client, target, "webhook", conversation(phase, number, message, turns), next(questions))
                outcome.record(sent, error)

        await asyncio.gather(*(one_client(n) for n in range(clients)))
        outcome.elapsed = time.perf_counter() - start
    return outcome


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per mode and level")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each")
    parser.add_argument("--levels", default="10,20", help="concurrent clients")
    parser.add_argument("--turns", type=int, default=10, help="questions per conversation")
    parser.add_argument("--logs", type=Path, default=REPO / "var" / "bench" / "replicas", help="server logs")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 s per phase, 1 s warm-up")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup = 3.0, 1.0
    args.levels = [int(n) for n in args.levels.split(",") if n]
    return args


def main() -> None:
    args = parse_args()
    questions = itertools.cycle(load_questions())
    args.logs.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[str, int], Outcome] = {}
    with ExitStack() as stack:
        postgres = stack.enter_context(running_postgres())
        redis = stack.enter_context(running_redis())
        stores = {"TRACKER_STORE_URL": postgres.url, "LOCK_STORE_URL": redis.url}
        print("starting the action server and rasa-1, then rasa-2 ...", file=sys.stderr, flush=True)
        servers = stack.enter_context(running_servers(logs=args.logs, timeout=1200, **stores))
        second_url, second_token, second = stack.enter_context(
            running_rasa(servers.action_url, log=args.logs / "rasa-2.log", timeout=1200, **stores))
        run_id = os.urandom(3).hex()
        first = Target(servers.rasa_url, servers.token, run_id=run_id)
        both = [first, Target(second_url, second_token, run_id=run_id)]
        for target in both:  # first answers load lazily: one client through some questions on each replica
            asyncio.run(closed_loop([target], False, 1, 2 * args.warmup, questions, args.turns))
        for mode in MODES:
            targets, alternate = ([first], False) if mode == "one replica" else (both, mode == "two, alternating")
            for clients in args.levels:
                asyncio.run(closed_loop(targets, alternate, clients, args.warmup, questions, args.turns))
                outcome = asyncio.run(closed_loop(targets, alternate, clients, args.duration, questions, args.turns))
                results[mode, clients] = outcome
                print(f"  {mode} × {clients}: {outcome.answers_per_s:.1f} answers/s, p50 {ms(outcome.percentile(50))}"
                      f" ms, {sum(outcome.errors.values())} errors", file=sys.stderr, flush=True)
        memory = {name: memory_mib(pid).get("VmRSS") for name, pid in
                  (("actions", servers.actions.pid), ("rasa-1", servers.rasa.pid), ("rasa-2", second.pid))}

    print(f"\nREST webhook, closed loop, {args.duration:g} s per row, {os.cpu_count()} cores shared by everything "
          "(replicas, one action server, PostgreSQL, Redis, the load generator): indicative only.\n")
    print("| Rasa replicas | clients | answers | answers/s | p50 ms | p95 ms | errors |\n|---|---|---|---|---|---|---|")
    for (mode, clients), o in results.items():
        print(f"| {mode} | {clients} | {len(o.latencies_ms)} | {o.answers_per_s:.1f} | {ms(o.percentile(50))} | "
              f"{ms(o.percentile(95))} | {sum(o.errors.values())} |")
    for (mode, clients), o in results.items():
        if o.errors:
            print(f"Errors, {mode} × {clients}: " + ", ".join(f"{k} × {n}" for k, n in o.errors.most_common()))
    print("\nResident memory at the end: " + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in memory.items() if mib))


if __name__ == "__main__":
    main()
