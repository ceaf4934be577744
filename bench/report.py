"""`make bench`: one run, one table — text answer latency and throughput, voice, retrieval quality, index build
time and memory, each beside its reference.

Starts the real servers once (the action server and Rasa on free loopback ports, actions/launch.py, and the portal,
`python -m portal`, on another free loopback port, pointed at that Rasa), then measures:

- text answers, closed loop (each client sends its next question as soon as the last is answered) at 1/10/20/50
  clients, on the REST webhook (a whole answer), the portal's /api/ask (the same through the web front end) and
  bare Rasa /model/parse (NLU alone), with the questions of bench/data/own_questions.jsonl with and without
  diacritics. Each level runs a fixed time after an unmeasured warm-up; a request not answered in 10 s, an HTTP
  error or an empty reply counts as an error. The portal's per-IP rate limit is raised for this portal instance
  only (every client here is 127.0.0.1);
- voice questions: OGG/Opus voice notes (natural Vietnamese clips of ../shared/speech/vi-clips) POSTed to the
  portal's /api/voice, end to end, recognised by the engine this machine's speech settings choose (SPEECH_ENGINE:
  viet-asr on a fresh machine);
- resident memory (RSS) of each process at idle (after the warm-up) and its peak under load (sampled twice a second);
then, with the servers stopped:
- index build of the two guidance documents from scratch in a temporary folder, and a rebuild with nothing changed;
- retrieval quality on our own question set (top-1 / top-3 section) and on ALQAC 2022 (R@1, MRR), ours beside
  plain BM25. The ALQAC index is kept in var/bench/alqac-index and reused when the corpus is unchanged (the first
  build embeds 5,639 chunks: ≈ 5 minutes).

Everything runs on loopback, bounded in count and time; the run prints an estimate of its length first.

    python bench/report.py [--quick] [--duration 15] [--levels 1,10,20,50] [--voice-runs 3] [--skip-alqac]
                           [--output FILE]        (or: python -m bench …; make bench BENCH_ARGS=--quick)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from actions.launch import free_port, running_servers, wait_until_up  # noqa: E402
from bench.rest_load import Outcome, Target, closed_loop, load_questions, memory_mib  # noqa: E402

TEXT_ENDPOINTS = {  # endpoint → how the table names it
    "webhook": "REST webhook",
    "portal": "portal /api/ask",
    "parse": "bare Rasa /model/parse (NLU only)",
}
# The portal instance of this run only: every simulated user comes from 127.0.0.1, so the production per-IP bucket
# (PORTAL_RATE_PER_MINUTE=30, PORTAL_RATE_BURST=10) would answer 429 to almost everything.
PORTAL_RATE = {"PORTAL_RATE_PER_MINUTE": "1000000", "PORTAL_RATE_BURST": "100000"}
VOICE_TIMEOUT = 30.0  # seconds for one voice question; slower counts as an error
SAMPLE_EVERY = 0.5  # seconds between memory samples
PROCESSES = ("action server", "Rasa server", "portal", "bench (load generator)")


# ---------------------------------------------------------------- pure helpers (tested without servers)

def text_cell(outcome: Outcome) -> str:
    """p50 · p95 · answers/s · errors of one load level, as one table cell."""
    errors = sum(outcome.errors.values())
    if not outcome.latencies_ms:
        return f"no answer · {errors} errors of {outcome.sent}"
    return (f"p50 {outcome.percentile(50):.0f} ms · p95 {outcome.percentile(95):.0f} ms · "
            f"{outcome.answers_per_s:.1f} answers/s · {errors} errors of {outcome.sent}")


def seconds_cell(values: Sequence[float], errors: int = 0) -> str:
    if not values:
        return f"not measured ({errors} errors)"
    return (f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}; "
            f"{len(values)} answered, {errors} errors)")


def percent(values: Sequence[bool]) -> str:
    return f"{100 * statistics.mean(values):.1f} %" if values else "–"


def mib(value: float | None) -> str:
    return "–" if value is None or value != value else f"{value:,.0f} MiB"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table; a `|` inside a cell is escaped so it cannot split the cell."""
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {row!r} has {len(row)} cells, the header {len(header)}")
    return "\n".join([line(header), "|" + "---|" * len(header), *(line(r) for r in rows)])


@dataclass
class Plan:
    """What one run measures; `estimate_seconds` tells how long it will take."""

    levels: list[int] = field(default_factory=lambda: [1, 10, 20, 50])
    duration: float = 15.0  # measured seconds per level and endpoint
    warmup: float = 3.0  # unmeasured seconds before each
    voice_runs: int = 3  # per clip
    voice_clips: int = 3
    alqac: bool = True
    alqac_cached: bool = True
    turns: int = 10  # questions per conversation

    def estimate_seconds(self) -> float:
        """A generous estimate on 2 shared cores (server start-up is most of the fixed part)."""
        start = 150.0 + 20.0  # Rasa's model load (60–120 s when the machine is busy), then the portal
        warm = len(TEXT_ENDPOINTS) * 2 * self.warmup
        # each level: warm-up, measured time, and the last requests' tail (bounded by the 10-s request timeout)
        load = len(self.levels) * len(TEXT_ENDPOINTS) * (self.warmup + self.duration + 2.0)
        voice = self.voice_clips * self.voice_runs * 4.0
        build = 60.0  # two documents from scratch with the model load, and the rebuild
        own = 60.0
        alqac = (150.0 if self.alqac_cached else 450.0) if self.alqac else 0.0
        return start + warm + load + voice + build + own + alqac


class MemorySampler:
    """Resident memory of named processes: one sample at idle, then the highest of samples taken in a thread."""

    def __init__(self, pids: dict[str, int], every: float = SAMPLE_EVERY) -> None:
        self.pids, self.every = pids, every
        self.idle: dict[str, float] = {}
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> dict[str, float]:
        return {name: rss for name, pid in self.pids.items() if (rss := memory_mib(pid).get("VmRSS")) is not None}

    def record(self, sample: dict[str, float]) -> None:
        for name, rss in sample.items():
            self.peak[name] = max(self.peak.get(name, 0.0), rss)

    def mark_idle(self) -> None:
        self.idle = self.sample()

    def __enter__(self) -> "MemorySampler":
        def run() -> None:
            while not self._stop.wait(self.every):
                self.record(self.sample())

        self.record(self.sample())
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.record(self.sample())


# ---------------------------------------------------------------- the run's facts

def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}{' + uncommitted changes' if dirty else ''}" if commit else "unknown"


def machine() -> str:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}"


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------- servers

@contextmanager
def running_portal(rasa_url: str, logs: Path | None, timeout: float = 180.0
                   ) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m portal` on a free loopback port, pointed at `rasa_url`, with the bench's rate limit; stopped on
    exit. Its own process, so that its memory is its own."""
    port = free_port()
    environment = {**os.environ, "PORTAL_HOST": "127.0.0.1", "PORTAL_PORT": str(port), "RASA_URL": rasa_url,
                   **PORTAL_RATE}
    with ExitStack() as stack:
        output = subprocess.DEVNULL
        if logs is not None:
            logs.mkdir(parents=True, exist_ok=True)
            output = stack.enter_context((logs / "portal.log").open("w"))
        portal = subprocess.Popen([sys.executable, "-m", "portal"], cwd=REPO, env=environment, stdout=output,
                                  stderr=subprocess.STDOUT)

        def stop() -> None:
            portal.terminate()
            try:
                portal.wait(timeout=30)
            except subprocess.TimeoutExpired:
                portal.kill()
                portal.wait()

        stack.callback(stop)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/healthz", portal, timeout)  # 200 only once it reaches Rasa
        yield url, portal


# ---------------------------------------------------------------- measurements

def text_load(target: Target, plan: Plan, questions: Iterator[str]) -> dict[tuple[str, int], Outcome]:
    """Every level on every endpoint, each after an unmeasured warm-up."""
    async def run() -> dict[tuple[str, int], Outcome]:
        results = {}
        for clients in plan.levels:
            for endpoint in TEXT_ENDPOINTS:
                await closed_loop(target, endpoint, clients, plan.warmup, questions, plan.turns)
                outcome = await closed_loop(target, endpoint, clients, plan.duration, questions, plan.turns)
                results[endpoint, clients] = outcome
                progress(f"{TEXT_ENDPOINTS[endpoint]} × {clients}: {text_cell(outcome)}")
        return results

    return asyncio.run(run())


def voice_questions(portal_url: str, clips: dict[str, tuple[bytes, str]], runs: int
                    ) -> tuple[list[float], int, Counter]:
    """Seconds of each answered voice question (upload → answer), the error count, and what was heard."""
    seconds, errors, heard = [], 0, Counter()
    with httpx.Client(base_url=portal_url, timeout=VOICE_TIMEOUT) as client:
        for _ in range(runs):
            for data, _said in clips.values():
                started = time.perf_counter()
                try:
                    response = client.post("/api/voice", files={"audio": ("note.ogg", data, "audio/ogg")})
                except httpx.HTTPError as exc:
                    errors += 1
                    progress(f"voice: {type(exc).__name__}")
                    continue
                if response.status_code == 200 and response.json().get("messages"):
                    seconds.append(time.perf_counter() - started)
                    heard[response.json()["transcript"]["text"]] += 1
                else:
                    errors += 1
                    progress(f"voice: HTTP {response.status_code} {response.text[:200]}")
    return seconds, errors, heard


def index_builds(docs: Path, folder: Path) -> tuple[float, float, dict]:
    """Seconds to build the documents' index from scratch (the embedding model loaded first, as a fresh `knowledge
    build` does), seconds to rebuild with nothing changed, and the manifest."""
    from knowledge.index import build_from_paths

    started = time.perf_counter()
    manifest = build_from_paths([docs], folder, progress=False)
    scratch = time.perf_counter() - started
    started = time.perf_counter()
    build_from_paths([docs], folder, progress=False)
    return scratch, time.perf_counter() - started, manifest


def progress(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@contextmanager
def preserved_environment() -> Iterator[None]:
    """bench/speech.py pins math libraries to one thread at import (its own benchmark); not ours."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# ---------------------------------------------------------------- main

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 3 s per level, levels 1 and 10, one voice run, no ALQAC")
    parser.add_argument("--duration", type=float, help="measured seconds per level and endpoint (default 15)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each (default 3)")
    parser.add_argument("--levels", help="concurrent clients, comma-separated (default 1,10,20,50)")
    parser.add_argument("--voice-runs", type=int, help="runs of each voice clip (default 3)")
    parser.add_argument("--skip-alqac", action="store_true", help="no ALQAC retrieval figures")
    parser.add_argument("--eval-dir", type=Path, help="the ALQAC 2022 folder (law.json, questions.json)")
    parser.add_argument("--alqac-index", type=Path, help="where the ALQAC index is built and kept")
    parser.add_argument("--docs", type=Path, default=REPO / "knowledge" / "docs", help="the documents to index")
    parser.add_argument("--logs", type=Path, default=REPO / "var" / "bench" / "report",
                        help="where the started servers log")
    parser.add_argument("--output", type=Path, help="also write the report (markdown) to this file")
    parser.add_argument("--start-timeout", type=float, default=600.0,
                        help="seconds each server may take to answer (Rasa's model load is slow on a busy machine)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.levels = [int(n) for n in (args.levels or ("1,10" if quick else "1,10,20,50")).split(",") if n]
    if args.duration is None:
        args.duration = 3.0 if quick else 15.0
    if args.warmup is None:
        args.warmup = 1.0 if quick else 3.0
    if args.voice_runs is None:
        args.voice_runs = 1 if quick else 3
    args.skip_alqac = args.skip_alqac or quick
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    from bench.retrieval_alqac import DEFAULT_EVAL, DEFAULT_INDEX

    eval_dir, alqac_index = args.eval_dir or DEFAULT_EVAL, args.alqac_index or DEFAULT_INDEX
    plan = Plan(levels=args.levels, duration=args.duration, warmup=args.warmup, voice_runs=args.voice_runs,
                alqac=not args.skip_alqac, alqac_cached=(alqac_index / "CURRENT").is_file())
    began = datetime.datetime.now().astimezone()
    header = {"date": f"{began:%Y-%m-%d %H:%M %Z}", "machine": machine(), "commit": git_commit(),
              "load average at start (1/5/15 min)": load_average()}
    progress(f"estimated length: about {plan.estimate_seconds() / 60:.0f} min on a quiet machine, more on a busy one "
             f"(levels {args.levels}, {args.duration:g} s each on {len(TEXT_ENDPOINTS)} endpoints, "
             f"ALQAC {'on' if plan.alqac else 'off'}{', index cached' if plan.alqac and plan.alqac_cached else ''})")

    with preserved_environment():
        from bench.voice_answer import question_clips
    from speech.service import engine_choice
    from speech.settings import SpeechSettings

    engine = engine_choice(SpeechSettings())
    clips = question_clips(ten_second_clip=False)
    plan.voice_clips = len(clips)
    questions = load_questions()
    cycle = itertools.cycle(questions)

    rows: list[tuple[str, str, str]] = []
    notes: list[str] = []
    progress("starting the action server, Rasa and the portal ...")
    with running_servers(logs=args.logs, timeout=args.start_timeout) as servers, \
            running_portal(servers.rasa_url, args.logs, args.start_timeout) as (portal_url, portal):
        progress(f"up: action server {servers.started_in['actions']:.0f} s, Rasa {servers.started_in['rasa']:.0f} s")
        pids = dict(zip(PROCESSES, (servers.actions.pid, servers.rasa.pid, portal.pid, os.getpid())))
        target = Target(servers.rasa_url, servers.token, portal_url)
        # First answers load lazily (caches, the ONNX session): one client through the questions before any figure.
        for endpoint in TEXT_ENDPOINTS:
            asyncio.run(closed_loop(target, endpoint, 1, 2 * args.warmup, cycle, plan.turns))
        memory = MemorySampler(pids)
        time.sleep(2 * SAMPLE_EVERY)
        memory.mark_idle()
        with memory:
            load = text_load(target, plan, cycle)
            progress("voice questions ...")
            voice_seconds, voice_errors, heard = voice_questions(portal_url, clips, args.voice_runs)
        started_in = dict(servers.started_in)
    progress("servers stopped; index build and retrieval ...")

    for clients in args.levels:
        for endpoint, name in TEXT_ENDPOINTS.items():
            rows.append((f"text answers, {clients} client{'s' if clients > 1 else ''}", name,
                         text_cell(load[endpoint, clients])))
    for (endpoint, clients), outcome in load.items():
        if outcome.errors:
            notes.append(f"Errors, {TEXT_ENDPOINTS[endpoint]} × {clients}: "
                         + ", ".join(f"{kind} × {n}" for kind, n in outcome.errors.most_common()))
    model_note = f" ({engine})"
    rows.append(("voice question", f"portal /api/voice, OGG/Opus voice note → answer, {len(clips)} clips × "
                 f"{args.voice_runs}{model_note}", seconds_cell(voice_seconds, voice_errors)))

    with tempfile.TemporaryDirectory(prefix="ccvc-bench-index-") as folder:
        index_dir = Path(folder) / "index"
        scratch, rebuild, manifest = index_builds(args.docs, index_dir)
        counts = manifest.get("counts", {})
        rows.append(("index build", f"the {counts.get('documents', '?')} documents ({counts.get('chunks', '?')} "
                     "chunks), from scratch, embedding model load included", f"{scratch:.1f} s"))
        rows.append(("index build", "rebuild, nothing changed", f"{rebuild:.2f} s"))
        progress("own question set ...")
        from bench.own_questions import evaluate, load_sets, plain_bm25
        from knowledge.index import load_index

        index = load_index(index_dir)
        own, off_topic = load_sets()
        ours, baseline = evaluate(index, own, off_topic), plain_bm25(index, own)
    for label, result in (("ours (hybrid search)", ours), ("plain BM25, lower-cased syllables", baseline)):
        for form, typed in (("question", "with diacritics"), ("question_plain", "without diacritics")):
            rows.append((f"retrieval, own set ({len(own)} questions)", f"{label}, {typed}: top-1 / top-3 section",
                         f"{percent(result[form]['top1'])} / {percent(result[form]['top3'])}"))

    if plan.alqac:
        progress("ALQAC 2022 ..." + ("" if plan.alqac_cached else " (first build: ≈ 5 min)"))
        from bench.retrieval_alqac import evaluate as evaluate_alqac

        try:
            run = evaluate_alqac(eval_dir, alqac_index, methods=("plain", "fused"))
        except FileNotFoundError as exc:
            notes.append(f"ALQAC not measured: {exc}")
        else:
            for method, label in (("fused", "ours (hybrid search)"), ("plain", "plain BM25, lower-cased syllables")):
                m = run.metrics[method]
                rows.append((f"retrieval, ALQAC 2022 ({len(run.questions)} questions, {run.articles:,} articles)",
                             f"{label}: R@1 / MRR", f"{m['R@1']:.3f} / {m['MRR']:.3f}"))
    else:
        notes.append("ALQAC 2022 skipped (--skip-alqac or --quick).")

    for name in PROCESSES:
        rows.append(("resident memory (RSS)", f"{name}: idle / peak under load",
                     f"{mib(memory.idle.get(name))} / {mib(memory.peak.get(name))}"))
    rows.append(("start-up", "action server / Rasa server answering (launched together)",
                 f"{started_in['actions']:.0f} s / {started_in['rasa']:.0f} s"))
    whole_run_peak = memory_mib(os.getpid()).get("VmHWM")

    finished = datetime.datetime.now().astimezone()
    lines = [f"# `make bench` — {header['date']}", ""]
    lines += [f"- {key}: {value}" for key, value in header.items() if key != "date"]
    lines += [f"- load average at end: {load_average()}; run took {(finished - began).total_seconds() / 60:.1f} min",
              f"- text load: closed loop, {args.duration:g} s per level after {args.warmup:g} s of warm-up, "
              f"{len(questions)} questions (own set, with and without diacritics) cycling, a new conversation every "
              f"{plan.turns} questions of a client; a request unanswered in 10 s counts as an error; client and "
              "servers on the same machine (loopback)",
              f"- the bench's portal runs with PORTAL_RATE_PER_MINUTE={PORTAL_RATE['PORTAL_RATE_PER_MINUTE']}, "
              f"PORTAL_RATE_BURST={PORTAL_RATE['PORTAL_RATE_BURST']} (production defaults 30 and 10 per IP would "
              "refuse a load generator that is one IP)",
              "- figures on a shared 2-core machine are noisy: compare runs of the same day, not single numbers", ""]
    lines.append(markdown_table(("what", "measure", "figure"), rows))
    notes.append(f"Voice: natural Vietnamese clips (general speech, so the answers are refusals) recognised by "
                 f"{engine} (SPEECH_ENGINE from this machine's settings); make bench-speech and bench-voice compare "
                 "the engines. Heard: " + "; ".join(f"{text!r} × {n}" for text, n in heard.most_common(3)))
    notes.append(f"Memory: peak under load is the highest of samples every {SAMPLE_EVERY:g} s during the text and "
                 f"voice load; the bench process then loaded the embedding model for retrieval (its peak over the "
                 f"whole run: {mib(whole_run_peak)}).")
    lines += ["", *(f"- {note}" for note in notes)]
    report = "\n".join(lines)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
