"""Our own question set over the guidance documents: section retrieval, facts in answers, refusals.

Each question of bench/data/own_questions.jsonl is asked twice, with diacritics and typed without them.
Prints top-1 / top-3 section accuracy of search (and of plain BM25 over the same chunks, the baseline), the
share of answers containing the expected fact, and, for bench/data/out_of_scope.jsonl, the share honestly
refused; with --calibrate, the confidence quantiles of in-scope and off-topic questions (how the threshold was
chosen).

    python bench/own_questions.py [--docs knowledge/docs] [--calibrate] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import bm25s
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from knowledge.answer import answer  # noqa: E402
from knowledge.index import build_from_paths, load_index  # noqa: E402
from knowledge.model import PATH_SEPARATOR  # noqa: E402
from knowledge.search import search  # noqa: E402
from knowledge.structure import iter_sections, parse_structure  # noqa: E402
from knowledge.text import strip_diacritics, syllables  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def section_spans(index) -> dict[str, tuple[int, int]]:
    """Full section path → span, for every section of every indexed document."""
    spans = {}
    for doc_id, doc in index.documents.items():
        label = index.doc_label(doc_id)
        for section in iter_sections(parse_structure(doc.source).root):
            spans[PATH_SEPARATOR.join([label, *section.path])] = (section.start, section.end)
    return spans


def section_hit(chunk, gold: str, spans: dict[str, tuple[int, int]]) -> bool:
    """The chunk is in the gold section, or is an enclosing section's chunk that includes its text."""
    if not (gold.startswith(chunk.section) or chunk.section.startswith(gold)):
        return False
    start, end = spans.get(gold, (0, 0))
    return chunk.start < end and start < chunk.end


def fold(text: str) -> str:
    return strip_diacritics(text).lower()


def evaluate(index, questions: list[dict], off_topic: list[dict], show_misses: bool = False
             ) -> dict[str, dict[str, list]]:
    """Per form ("question", "question_plain"): top-1/top-3 section hits, expected facts found, answered, confidence,
    off-topic refused and off-topic confidence, one value per question."""
    spans = section_spans(index)
    results: dict[str, dict[str, list]] = {}
    for form in ("question", "question_plain"):
        top1, top3, fact, answered, confidences = [], [], [], [], []
        for q in questions:
            hits = search(index, q[form], top_k=3)
            top1.append(bool(hits) and section_hit(hits[0].chunk, q["section"], spans))
            top3.append(any(section_hit(h.chunk, q["section"], spans) for h in hits))
            result = answer(index, q[form])
            found = all(fold(e) in fold(result.answer) for e in q["expected"])
            fact.append(found)
            answered.append(result.answered)
            confidences.append(result.confidence)
            if show_misses and (not top1[-1] or not found):
                top = hits[0].chunk.section if hits else "-"
                print(f"MISS {q['id']} [{form}] top1={top1[-1]} fact={found}\n  Q: {q[form]}\n  gold: {q['section']}\n"
                      f"  got: {top}\n  A: {result.answer[:200]!r}", file=sys.stderr)
        off = [answer(index, o[form]) for o in off_topic]
        results[form] = {"top1": top1, "top3": top3, "fact": fact, "answered": answered,
                         "conf": confidences, "off_refused": [not r.answered for r in off],
                         "off_conf": [r.confidence for r in off]}
    return results


def plain_bm25(index, questions: list[dict]) -> dict[str, dict[str, list]]:
    """The reference baseline on the same chunks: BM25 (bm25s defaults) over lower-cased syllables of each chunk's
    text, no diacritic folding, no bigrams, no headings, no dense search. Per form: top-1/top-3 section hits."""
    spans = section_spans(index)
    retriever = bm25s.BM25()
    retriever.index([syllables(chunk.text) for chunk in index.chunks], show_progress=False)
    results: dict[str, dict[str, list]] = {}
    for form in ("question", "question_plain"):
        top1, top3 = [], []
        for q in questions:
            tokens = [t for t in syllables(q[form]) if t in retriever.vocab_dict]
            scores = retriever.get_scores(tokens) if tokens else np.zeros(len(index.chunks))
            best = [index.chunks[i] for i in np.argsort(-scores, kind="stable")[:3] if scores[i] > 0]
            top1.append(bool(best) and section_hit(best[0], q["section"], spans))
            top3.append(any(section_hit(chunk, q["section"], spans) for chunk in best))
        results[form] = {"top1": top1, "top3": top3}
    return results


def load_sets() -> tuple[list[dict], list[dict]]:
    """(questions, off-topic questions) of bench/data."""
    return read_jsonl(DATA / "own_questions.jsonl"), read_jsonl(DATA / "out_of_scope.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=Path, default=REPO / "knowledge" / "docs")
    parser.add_argument("--index", type=Path, default=REPO / "var" / "bench" / "own-index")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    build_from_paths([args.docs], args.index, progress=False)
    index = load_index(args.index)
    questions, off_topic = load_sets()
    results = evaluate(index, questions, off_topic, args.show_misses)
    baseline = plain_bm25(index, questions)

    def pct(values: list) -> str:
        return f"{100 * statistics.mean(values):.1f} %"

    print(f"\nOwn question set: {len(questions)} questions × 2 forms, {len(off_topic)} off-topic questions, "
          f"{len(index.chunks)} chunks, {len(index.facts)} facts")
    print("| measure | with diacritics | without diacritics |\n|---|---|---|")
    labels = {"top1": "top-1 section", "top3": "top-3 section", "fact": "expected fact in answer",
              "answered": "answered", "off_refused": "off-topic refused"}
    for key, label in labels.items():
        print(f"| {label} | {pct(results['question'][key])} | {pct(results['question_plain'][key])} |")
    for key in ("top1", "top3"):
        print(f"| {labels[key]}, plain BM25 (baseline) | {pct(baseline['question'][key])} | "
              f"{pct(baseline['question_plain'][key])} |")
    if args.calibrate:
        for form, r in results.items():
            quantiles = statistics.quantiles(r["conf"], n=10)
            print(f"{form}: in-scope confidence deciles {[round(x, 2) for x in quantiles]}; "
                  f"off-topic max {max(r['off_conf']):.2f}, sorted {sorted(round(x, 2) for x in r['off_conf'])}")


if __name__ == "__main__":
    main()
