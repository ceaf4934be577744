"""What an answer costs in the action server's process: knowledge.answer.answer on the own set's questions (with
and without diacritics) over the two default documents, and the share of it spent choosing a passage answer's
sentences by meaning (e5 on the candidate sentences, knowledge/brief.py).

Three runs over the same questions, each after one unmeasured pass that loads the model: sentences embedded for
every passage answer (the cache emptied before each question: a passage nobody asked about before), sentences
embedded once per passage (the cache kept: what a running server does), and sentences chosen by words alone
(no sentence embedded). Prints median and p95 milliseconds per question and the number of passage answers.
Figures of a shared machine: compare runs of the same hour.

    python bench/answer_cost.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from knowledge import answer as answer_module  # noqa: E402
from knowledge.index import build_from_paths, load_index  # noqa: E402
from knowledge.settings import get_settings  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
INDEX = REPO / "var" / "bench" / "own-index"
WEIGHT = 0.25


def questions() -> list[str]:
    rows = [json.loads(line) for line in (DATA / "own_questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row[form] for row in rows for form in ("question", "question_plain")]


def timed(index, asked: list[str], repeat: int, cold: bool, meaning: bool) -> tuple[list[float], int]:
    index.settings.sentence_meaning_weight = WEIGHT if meaning else 0.0
    times, passages = [], 0
    for _ in range(repeat):
        for question in asked:
            if cold:
                index.memo.pop("sentence_vectors", None)
            started = time.perf_counter()
            result = answer_module.answer(index, question)
            times.append((time.perf_counter() - started) * 1000)
            passages += result.answered and result.kind == "passage"
    return times, passages // repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    global WEIGHT
    settings = get_settings()
    WEIGHT = settings.sentence_meaning_weight
    build_from_paths([REPO / "knowledge" / "docs"], INDEX, settings, progress=False)
    index = load_index(INDEX, settings)
    asked = questions()
    timed(index, asked, 1, cold=False, meaning=True)  # load the model, warm the caches
    print(f"\nanswer() over {len(asked)} questions × {args.repeat} (ms per question)")
    print("| sentences | median | p95 | passage answers |")
    print("|---|---|---|---|")
    for name, cold, meaning in (("embedded for every answer (cold)", True, True),
                                ("embedded once per passage (warm)", False, True),
                                ("by words only", False, False)):
        times, passages = timed(index, asked, args.repeat, cold, meaning)
        print(f"| {name} | {statistics.median(times):.1f} | {np.percentile(times, 95):.1f} | {passages} |")


if __name__ == "__main__":
    main()
