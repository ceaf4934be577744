"""The pure parts of `make bench` (bench/report.py): table formatting, latency summaries, the run plan. No servers."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from bench.report import MemorySampler, Plan, markdown_table, mib, parse_args, percent, seconds_cell, text_cell
from bench.rest_load import PORTAL_COOKIE, Outcome, Target


def outcome(latencies_ms: list[float], elapsed: float, errors: Counter | None = None) -> Outcome:
    result = Outcome(latencies_ms=latencies_ms, errors=errors or Counter(), elapsed=elapsed)
    result.sent = len(latencies_ms) + sum(result.errors.values())
    return result


def test_percentiles_and_throughput_of_a_load_level():
    level = outcome([float(n) for n in range(1, 101)], elapsed=10.0, errors=Counter({"HTTP 503": 2}))
    assert level.percentile(50) == pytest.approx(50.5)
    assert level.percentile(95) == pytest.approx(95.05)
    assert level.answers_per_s == pytest.approx(10.0)  # answered requests only, errors excluded
    assert text_cell(level) == "p50 50 ms · p95 95 ms · 10.0 answers/s · 2 errors of 102"


def test_a_level_where_nothing_was_answered_says_so():
    level = outcome([], elapsed=3.0, errors=Counter({"no answer in 10 s": 4}))
    assert level.answers_per_s == 0.0
    assert text_cell(level) == "no answer · 4 errors of 4"


def test_voice_and_retrieval_cells():
    assert seconds_cell([1.0, 3.0, 2.0], errors=1) == "median 2.00 s (min 1.00, max 3.00; 3 answered, 1 errors)"
    assert seconds_cell([], errors=2) == "not measured (2 errors)"
    assert percent([True, True, False, True]) == "75.0 %"
    assert percent([]) == "–"
    assert mib(1234.4) == "1,234 MiB"
    assert mib(None) == "–" and mib(float("nan")) == "–"


def test_markdown_table_escapes_pipes_and_checks_widths():
    table = markdown_table(("what", "figure"), [("a | b", "1\n2"), ("c", "3")])
    assert table.splitlines() == ["| what | figure |", "|---|---|", "| a \\| b | 1 2 |", "| c | 3 |"]
    with pytest.raises(ValueError):
        markdown_table(("what", "figure"), [("only one cell",)])


def test_the_full_run_is_bounded_and_quick_is_shorter():
    full, quick = parse_args([]), parse_args(["--quick"])
    assert full.levels == [1, 10, 20, 50] and not full.skip_alqac and full.duration == 15
    assert quick.levels == [1, 10] and quick.skip_alqac and quick.duration < full.duration
    plans = [Plan(levels=a.levels, duration=a.duration, warmup=a.warmup, voice_runs=a.voice_runs,
                  alqac=not a.skip_alqac) for a in (full, quick)]
    assert plans[0].estimate_seconds() <= 20 * 60
    assert plans[1].estimate_seconds() < plans[0].estimate_seconds()
    uncached = Plan(alqac_cached=False)
    assert uncached.estimate_seconds() > Plan().estimate_seconds()


def test_each_portal_user_keeps_its_own_session_cookie():
    from portal.session import COOKIE_NAME

    assert PORTAL_COOKIE == COOKIE_NAME
    target = Target("http://rasa", None, portal_url="http://portal")
    url, body, headers = target.request("portal", "u1", "câu hỏi")
    assert (url, body, headers) == ("http://portal/api/ask", {"message": "câu hỏi"}, {})

    class Answered:
        cookies = {COOKIE_NAME: "abc.sig"}

    target.remember_session("u1", Answered())
    assert target.request("portal", "u1", "tiếp")[2] == {"Cookie": f"{COOKIE_NAME}=abc.sig"}
    assert target.request("portal", "u2", "khác")[2] == {}  # another user: a new conversation


def test_memory_sampler_keeps_the_peak_of_its_samples():
    sampler = MemorySampler({"bench": os.getpid()})
    sampler.record({"bench": 100.0})
    sampler.record({"bench": 80.0})
    assert sampler.peak == {"bench": 100.0}
    sampler.mark_idle()  # this very process: /proc is real
    assert sampler.idle["bench"] > 0
