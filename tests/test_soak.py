"""The CI version of `make bench-soak`: 20 clients for 30 s through the portal and Rasa's REST webhook, against the
session's real Rasa and action servers. Every question is answered (no error, no "busy", no hang) and no process's
memory climbs. Latency is printed, not asserted (bench/soak.py measures it, 10 minutes by default)."""

from __future__ import annotations

import time
from collections import Counter

from bench.soak import Load, percentile, rss_mib
from test_portal import RunningPortal, portal_settings

CLIENTS = 20
SECONDS = 30
WARM_UP_SECONDS = 5
# Resident memory may move by allocator noise, not by a leak: at ~10 answers/s for 30 s, a leak of even 100 kB per
# answer would show as 30 MiB.
MEMORY_SLACK_MIB = 64


def test_twenty_clients_for_thirty_seconds_all_answered_with_flat_memory(assistant):
    processes = {"actions": assistant.actions.pid, "rasa": assistant.rasa.pid}
    with RunningPortal(portal_settings(assistant.rasa_url), None) as portal:
        with Load(portal.url, assistant.rasa_url, CLIENTS) as load:
            time.sleep(WARM_UP_SECONDS)
            before = {name: rss_mib(pid) for name, pid in processes.items()}
            measured_from = time.monotonic()
            time.sleep(SECONDS)
            after = {name: rss_mib(pid) for name, pid in processes.items()}
        outcomes = list(load.outcomes)

    measured = [o for o in outcomes if o.started >= measured_from]
    kinds = Counter(o.kind for o in outcomes)
    seconds = sorted(o.seconds for o in measured if o.kind == "answer")
    print(f"\nsoak: {CLIENTS} clients × {SECONDS} s: {len(measured)} requests, {kinds}, "
          f"p50 {percentile(seconds, 50) * 1000:.0f} ms, p95 {percentile(seconds, 95) * 1000:.0f} ms, "
          f"{len(seconds) / SECONDS:.1f} answers/s; RSS MiB before {before}, after {after}")

    assert {o.channel for o in measured} == {"portal", "rest"}
    assert len(measured) >= CLIENTS  # every client got through at least one question
    failures = [o for o in outcomes if o.kind != "answer"]
    assert not failures, f"{len(failures)} of {len(outcomes)} not answered, e.g. {failures[:3]}"
    for name in processes:
        assert after[name] > 0, f"{name} died during the soak"
        assert after[name] - before[name] < MEMORY_SLACK_MIB, f"{name}: {before[name]:.0f} → {after[name]:.0f} MiB"
