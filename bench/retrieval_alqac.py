"""Retrieval quality on ALQAC 2022 (520 questions, 1,377 law articles), ours beside plain BM25.

Prints R@1, R@5, R@10 and MRR (article level) for: plain BM25 over lower-cased syllables (the reference
baseline), our lexical index alone, the dense index alone, and our fused search; plus the index build
time. `--sweep` prints the fused R@1/R@5/MRR for a range of dense weights (how the default was chosen);
`--sweep-bm25` prints lexical-only and fused figures for a grid of BM25 k1/b (the lexical index is rebuilt
in memory; the embeddings are reused); `--sweep-document` the fused figures for a range of document weights (the
document-level dense score, CCVC_DOCUMENT_WEIGHT). Tune on both this set and bench/own_questions.py: they disagree on
BM25 parameters (short clause chunks here, whole-section chunks there).

    python bench/retrieval_alqac.py [--eval-dir ../shared/eval/alqac2022] [--sweep] [--sweep-bm25] [--sweep-document]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from knowledge.index import build_index, lexical_context, load_index  # noqa: E402
from knowledge.lexical import LexicalIndex  # noqa: E402
from knowledge.model import Document  # noqa: E402
from knowledge.search import prepare_query, search  # noqa: E402
from knowledge.settings import get_settings  # noqa: E402
from knowledge.text import syllables  # noqa: E402

DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "alqac2022"
DEFAULT_INDEX = REPO / "var" / "bench" / "alqac-index"  # kept between runs: an unchanged corpus is reused


def load_eval(folder: Path) -> tuple[list[Document], list[dict]]:
    laws = json.loads((folder / "law.json").read_text(encoding="utf-8"))
    questions = json.loads((folder / "questions.json").read_text(encoding="utf-8"))
    docs = []
    for law in laws:
        for article in law["articles"]:
            text = article["text"]
            docs.append(Document(doc_id=f"{law['id']}@{article['id']}", source=text,
                                 title=text.split("\n", 1)[0].strip(), meta={"law": law["id"]}))
    return docs, questions


def gold_of(question: dict) -> set[str]:
    return {f"{a['law_id']}@{a['article_id']}" for a in question["relevant_articles"]}


def metrics(rankings: list[list[str]], golds: list[set[str]]) -> dict[str, float]:
    def recall(k: int) -> float:
        return statistics.mean(bool(set(r[:k]) & g) for r, g in zip(rankings, golds))

    reciprocal = []
    for ranking, gold in zip(rankings, golds):
        rank = next((i for i, doc in enumerate(ranking, 1) if doc in gold), None)
        reciprocal.append(1 / rank if rank else 0.0)
    return {"R@1": recall(1), "R@5": recall(5), "R@10": recall(10), "MRR": statistics.mean(reciprocal)}


def docs_in_order(hits) -> list[str]:
    order: list[str] = []
    for hit in hits:
        if hit.chunk.doc_id not in order:
            order.append(hit.chunk.doc_id)
    return order


def plain_bm25(docs: list[Document], questions: list[dict]) -> list[list[str]]:
    """The reference baseline: BM25 over lower-cased syllables of whole articles."""
    retriever = bm25s.BM25()
    retriever.index([syllables(d.source) for d in docs], show_progress=False)
    ids = [d.doc_id for d in docs]
    out = []
    for q in questions:
        scores = retriever.get_scores([t for t in syllables(q["text"]) if t in retriever.vocab_dict])
        out.append([ids[i] for i in np.argsort(-scores)[:10]])
    return out


METHODS = ("plain", "lexical", "dense", "fused")
DEPTH = 60  # chunks fetched so that ten distinct articles remain after merging chunks of one article


@dataclass
class AlqacRun:
    """One evaluation: the loaded index and what the sweeps reuse, plus the figures."""

    index: object
    questions: list[dict]
    golds: list[set[str]]
    vectors: list[np.ndarray]
    metrics: dict[str, dict[str, float]]  # method name → R@1, R@5, R@10, MRR
    build_seconds: float
    articles: int
    chunks: int
    embedded_chunks: int


def method_name(method: str) -> str:
    return {"plain": "plain BM25 (syllables)", "lexical": "ours: lexical only", "dense": "ours: dense only",
            "fused": f"ours: fused (dense weight {get_settings().dense_weight}, "
                     f"document weight {get_settings().document_weight})"}[method]


def evaluate(eval_dir: Path = DEFAULT_EVAL, index_dir: Path = DEFAULT_INDEX, limit: int = 0,
             methods: tuple[str, ...] = METHODS) -> AlqacRun:
    """Build (or reuse: an unchanged corpus is not re-embedded) the ALQAC index in `index_dir`, then rank every
    question with each method. Raises FileNotFoundError without the data set."""
    if not (eval_dir / "law.json").is_file():
        raise FileNotFoundError(f"Không tìm thấy dữ liệu ALQAC tại {eval_dir}")
    docs, questions = load_eval(eval_dir)
    if limit:
        questions = questions[:limit]
    golds = [gold_of(q) for q in questions]

    started = time.perf_counter()
    manifest = build_index(docs, index_dir, progress=sys.stderr.isatty())
    build_seconds = time.perf_counter() - started
    index = load_index(index_dir)
    needs_vectors = {"dense", "fused"} & set(methods)
    vectors = [index.embedder.query(prepare_query(index, q["text"]).dense_text) for q in questions] \
        if needs_vectors else []

    rankings: dict[str, list[list[str]]] = {}
    for method in methods:
        if method == "plain":
            rankings[method] = plain_bm25(docs, questions)
        elif method == "lexical":
            rankings[method] = [docs_in_order(search(index, q["text"], DEPTH, use_dense=False)) for q in questions]
        elif method == "dense":
            rankings[method] = [docs_in_order(search(index, q["text"], DEPTH, query_vector=v, dense_weight=1.0,
                                                     document_weight=0.0))
                                for q, v in zip(questions, vectors)]
        else:
            rankings[method] = [docs_in_order(search(index, q["text"], DEPTH, query_vector=v))
                                for q, v in zip(questions, vectors)]
    return AlqacRun(index, questions, golds, vectors, {m: metrics(r, golds) for m, r in rankings.items()},
                    build_seconds, len(docs), manifest["counts"]["chunks"], manifest["counts"]["embedded_chunks"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--sweep", action="store_true", help="print fused R@1/R@5/MRR for dense weights 0…1")
    parser.add_argument("--sweep-bm25", action="store_true", help="print R@1/MRR for a grid of BM25 k1 and b")
    parser.add_argument("--sweep-document", action="store_true",
                        help="print fused R@1/R@5/MRR for document weights 0…0.6")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    try:
        run = evaluate(args.eval_dir, args.index, args.limit)
    except FileNotFoundError as exc:
        sys.exit(str(exc))
    index, questions, golds, vectors, depth = run.index, run.questions, run.golds, run.vectors, DEPTH
    settings = get_settings()

    print(f"\nALQAC 2022: {len(questions)} questions, {run.articles} articles, {run.chunks} chunks; "
          f"index build {run.build_seconds:.1f} s ({run.embedded_chunks} chunks embedded)")
    print("| method | R@1 | R@5 | R@10 | MRR |\n|---|---|---|---|---|")
    for method, m in run.metrics.items():
        print(f"| {method_name(method)} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['R@10']:.3f} | {m['MRR']:.3f} |")

    def sweep(name: str, weights: np.ndarray) -> None:
        """Fused R@1/R@5/MRR for each value of one search weight (`dense_weight` or `document_weight`)."""
        print(f"\n| {name.replace('_', ' ')} | R@1 | R@5 | MRR |\n|---|---|---|---|")
        for weight in weights:
            rankings = [docs_in_order(search(index, q["text"], depth, query_vector=v, **{name: float(weight)}))
                        for q, v in zip(questions, vectors)]
            m = metrics(rankings, golds)
            print(f"| {weight:.2f} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['MRR']:.3f} |")

    if args.sweep:
        sweep("dense_weight", np.arange(0.0, 1.01, 0.05))
    if args.sweep_document:
        sweep("document_weight", np.arange(0.0, 0.61, 0.1))

    if args.sweep_bm25:
        texts = [lexical_context(chunk) for chunk in index.chunks]
        print(f"\n| k1 | b | lexical R@1 | lexical MRR | fused R@1 | fused MRR |  (dense weight {settings.dense_weight})"
              "\n|---|---|---|---|---|---|")
        for k1 in (0.6, 0.9, 1.2, 1.5):
            for b in (0.5, 0.75, 0.9):
                index.lexical = LexicalIndex.build(texts, k1, b)
                lexical = metrics([docs_in_order(search(index, q["text"], depth, use_dense=False))
                                   for q in questions], golds)
                fused = metrics([docs_in_order(search(index, q["text"], depth, query_vector=v))
                                 for q, v in zip(questions, vectors)], golds)
                print(f"| {k1} | {b} | {lexical['R@1']:.3f} | {lexical['MRR']:.3f} | {fused['R@1']:.3f} | "
                      f"{fused['MRR']:.3f} |")


if __name__ == "__main__":
    main()
