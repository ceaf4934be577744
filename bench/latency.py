"""Search latency and memory at ALQAC size and at 100k chunks (the ALQAC chunks replicated).

The replicated corpus repeats the real chunks' texts and their real embeddings with a little noise, so
BM25 posting lists and the FAISS graph have the size and shape of a 100k-chunk corpus without embedding
100k passages (≈ 70 minutes on two cores). Prints p50/p95 of: the query embedding alone, search without
the embedding (lexical + dense + fusion, vector given), and the whole search; plus peak memory.

    python bench/latency.py [--sizes 0,100000] [--queries 200]   (0 = the ALQAC index as built)
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.retrieval_alqac import DEFAULT_EVAL, load_eval  # noqa: E402
from knowledge.index import _dense_index, build_index, chunk_context, load_index  # noqa: E402
from knowledge.lexical import LexicalIndex  # noqa: E402
from knowledge.search import prepare_query, search  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def replicate(index, size: int, seed: int = 7):
    """An in-memory index of `size` chunks made of copies of the real ones."""
    rng = np.random.default_rng(seed)
    base = len(index.chunks)
    rows = np.arange(size) % base
    chunks = []
    for n, row in enumerate(rows):
        chunk = index.chunks[row]
        chunks.append(dataclasses.replace(chunk, chunk_id=f"{chunk.doc_id}~{n // base}#{n}",
                                          doc_id=f"{chunk.doc_id}~{n // base}"))
    noise = rng.normal(0, 0.02, size=(size, index.embeddings.shape[1])).astype(np.float32)
    embeddings = index.embeddings[rows] + noise
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    started = time.perf_counter()
    lexical = LexicalIndex.build([chunk_context(c) for c in chunks], index.settings.bm25_k1, index.settings.bm25_b)
    dense = _dense_index(embeddings, index.settings)
    if hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = 128
    build = time.perf_counter() - started
    replica = dataclasses.replace(index, chunks=chunks, embeddings=embeddings, dense=dense, lexical=lexical, memo={})
    return replica, build


def measure(index, questions: list[str], vectors: list[np.ndarray]) -> dict[str, float]:
    no_embed, whole = [], []
    for text, vector in zip(questions, vectors):
        t0 = time.perf_counter()
        search(index, text, top_k=10, query_vector=vector)
        no_embed.append((time.perf_counter() - t0) * 1000)
    for text in questions[:100]:
        t0 = time.perf_counter()
        search(index, text, top_k=10)
        whole.append((time.perf_counter() - t0) * 1000)
    return {"p50 no-embed": percentile(no_embed, 50), "p95 no-embed": percentile(no_embed, 95),
            "p50 whole": percentile(whole, 50), "p95 whole": percentile(whole, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--index", type=Path, default=REPO / "var" / "bench" / "alqac-index")
    parser.add_argument("--sizes", default="0,100000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    docs, questions = load_eval(args.eval_dir)
    build_index(docs, args.index, progress=sys.stderr.isatty())  # reuses the cached build when unchanged
    index = load_index(args.index)
    random.seed(1)
    texts = [q["text"] for q in random.sample(questions, min(args.queries, len(questions)))]

    # Warm up the model, then time the query embedding on its own.
    index.embedder.query("khởi động")
    embed_ms, vectors = [], []
    for text in texts:
        dense_text = prepare_query(index, text).dense_text
        t0 = time.perf_counter()
        vectors.append(index.embedder.query(dense_text))
        embed_ms.append((time.perf_counter() - t0) * 1000)
    print(f"\nQuery embedding ({len(texts)} queries): p50 {percentile(embed_ms, 50):.1f} ms, "
          f"p95 {percentile(embed_ms, 95):.1f} ms")
    print("| chunks | dense index | build (lexical+dense) | search p50 / p95 without embedding | "
          "whole search p50 / p95 |\n|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        target, build = (index, 0.0) if size == 0 else replicate(index, size)
        figures = measure(target, texts, vectors)
        kind = "HNSW" if hasattr(target.dense, "hnsw") else "flat"
        print(f"| {len(target.chunks):,} | {kind} | {build:.1f} s | {figures['p50 no-embed']:.1f} / "
              f"{figures['p95 no-embed']:.1f} ms | {figures['p50 whole']:.1f} / {figures['p95 whole']:.1f} ms |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak resident memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
