"""Hybrid search: BM25 over diacritic-free syllables fused with e5 embeddings in FAISS.

Fusion is a weighted sum of normalised scores over the union of both candidate lists; the weight was
tuned on ALQAC 2022 and our own question set (bench/), where plain reciprocal rank fusion lost to good
lexical search. Queries typed without diacritics get them restored from the corpus vocabulary before
they are embedded: an unaccented query embeds poorly. A question asking for a kind of fact (who signed, the
targets, an agency's duties, …) lifts the passages that hold facts of that kind, found when the index was built.
Last, a document-level dense score (the query against the mean of the document's chunk vectors) is added to each
chunk's: a clause that matches well inside an article about the question beats an equally good clause of an
article about something else (ALQAC R@1 0.919 → 0.931).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from .index import KnowledgeIndex
from .kinds import ASKS_SIGNER_RE, plain, question_kind, signature_span
from .model import Chunk
from .text import collapse_whitespace, has_diacritics, normalize, replace_abbreviations

# Half a UTF-16 pair (a broken client, or undecodable bytes read with surrogateescape) is no character: the
# tokenizer of the embedding model refuses such strings, so a question drops them.
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")


@dataclass
class Hit:
    chunk: Chunk
    score: float  # fused score (with the fact boost and the document score) in [0, 1]
    lexical: float  # BM25 score normalised by the best BM25 score of the query
    dense: float  # cosine similarity of query and chunk embeddings


@dataclass
class PreparedQuery:
    text: str  # normalised as typed
    dense_text: str  # with diacritics restored and abbreviations spelled out: what gets embedded
    vector: np.ndarray | None = None  # dense_text's embedding, once computed


def prepare_query(index: KnowledgeIndex, query: str) -> PreparedQuery:
    text = collapse_whitespace(normalize(_LONE_SURROGATES.sub(" ", query)))
    dense_text = index.accents.restore(text) if text and not has_diacritics(text) else text
    return PreparedQuery(text, replace_abbreviations(dense_text))


# The facts each kind of question asks for: (fact kind, whom they apply to or None for any).
FACTS_ASKED = {
    "check": ("eligibility", None), "eligibility": ("eligibility", True), "exclusion": ("eligibility", False),
    "target": ("target", None), "contact": ("contact", None), "duty": ("duty", None), "funding": ("funding", None),
    "roadmap": ("roadmap", None), "step": ("step", None), "link": ("link", None),
    "document": ("document", None),
}


def _rows_holding(index: KnowledgeIndex, spots: list[tuple[str, int]]) -> np.ndarray:
    """Rows of the chunks whose span holds one of the (document, offset) spots."""
    rows_of: dict[str, list[int]] = {}
    for row, chunk in enumerate(index.chunks):
        rows_of.setdefault(chunk.doc_id, []).append(row)
    return np.array(sorted({row for doc_id, offset in spots for row in rows_of.get(doc_id, [])
                            if index.chunks[row].start <= offset < index.chunks[row].end}), dtype=np.int64)


def asked_rows(index: KnowledgeIndex, question: str) -> np.ndarray:
    """Rows of the chunks holding the kind of fact the question asks for (a signer: the signature block)."""
    q = plain(question)
    kind = question_kind(q)
    if kind not in FACTS_ASKED:
        return np.zeros(0, dtype=np.int64)
    signer = kind == "document" and bool(ASKS_SIGNER_RE.search(q))
    key = ("asked_rows", kind, signer)
    if key not in index.memo:
        if signer:
            spans = [(doc_id, signature_span(doc.source, doc.info.signer or doc.info.signer_title))
                     for doc_id, doc in index.documents.items() if doc.info]
            spots = [(doc_id, span[0]) for doc_id, span in spans if span]
        else:
            fact_kind, applies = FACTS_ASKED[kind]
            spots = [(f.doc_id, f.start) for f in index.facts
                     if f.kind == fact_kind and (applies is None or f.data.get("applies") == applies)]
        index.memo[key] = _rows_holding(index, spots)
    return index.memo[key]


def _rows_of(index: KnowledgeIndex, doc_ids: set[str]) -> np.ndarray:
    """Rows of every chunk of these documents."""
    rows_of = index.memo.get("rows_of_document")
    if rows_of is None:
        rows_of = {}
        for row, chunk in enumerate(index.chunks):
            rows_of.setdefault(chunk.doc_id, []).append(row)
        rows_of = index.memo["rows_of_document"] = {d: np.array(r, dtype=np.int64) for d, r in rows_of.items()}
    parts = [rows_of[d] for d in sorted(doc_ids) if d in rows_of]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def document_vectors(index: KnowledgeIndex) -> tuple[np.ndarray, np.ndarray]:
    """(document row of every chunk, L2-normalised mean chunk vector of every document), derived once per loaded
    index from the stored embeddings: nothing is embedded again (≈ 30 ms at 100k chunks)."""
    cached = index.memo.get("document_vectors")
    if cached is None:
        rows: dict[str, int] = {}
        owner = np.fromiter((rows.setdefault(chunk.doc_id, len(rows)) for chunk in index.chunks), dtype=np.int64,
                            count=len(index.chunks))
        # A sparse document × chunk sum: np.add.at takes ≈ 1 s at 100k chunks.
        membership = scipy.sparse.csr_matrix((np.ones(len(owner), np.float32), (owner, np.arange(len(owner)))),
                                             shape=(len(rows), len(owner)))
        means = np.asarray(membership @ index.embeddings, dtype=np.float32)
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
        cached = index.memo["document_vectors"] = (owner, means)
    return cached


def _stretch(values: np.ndarray) -> np.ndarray:
    """Cosines of e5 live in a narrow band; stretch the candidates' band to [0, 1]."""
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part])]


def search(
    index: KnowledgeIndex,
    query: str | PreparedQuery,
    top_k: int = 5,
    use_dense: bool = True,
    query_vector: np.ndarray | None = None,
    dense_weight: float | None = None,
    document_weight: float | None = None,
    within: set[str] | None = None,
) -> list[Hit]:
    """Best chunks for the query, best first. `use_dense=False` is lexical only (no model needed). `within`: only
    chunks of these documents (the ones a question names), every one of them a candidate."""
    settings = index.settings
    prepared = query if isinstance(query, PreparedQuery) else prepare_query(index, query)
    if not prepared.text.strip() or not index.chunks:
        return []
    weight = settings.dense_weight if dense_weight is None else dense_weight
    doc_weight = settings.document_weight if document_weight is None else document_weight
    n_candidates = max(settings.fusion_candidates, top_k)
    use_dense = use_dense and weight > 0

    # The lexical index is diacritic-free already: the typed text scores the same as the restored one.
    lexical_scores = index.lexical.scores(prepared.text)
    lexical_top = _top(lexical_scores, n_candidates)
    candidates = set(lexical_top[lexical_scores[lexical_top] > 0].tolist())
    if use_dense:
        vector = query_vector if query_vector is not None else index.embedder.query(prepared.dense_text)
        _, found = index.dense.search(vector.reshape(1, -1).astype(np.float32), min(n_candidates, len(index.chunks)))
        candidates |= {int(row) for row in found[0] if row >= 0}
    if within is not None:
        candidates = set(_rows_of(index, within).tolist())
    if not candidates:
        return []

    rows = np.fromiter(candidates, dtype=np.int64)
    lexical_norm = lexical_scores[rows] / (float(lexical_scores.max()) or 1.0)
    if use_dense:
        # Exact cosines for every candidate (FAISS only finds them; HNSW's own scores are approximate).
        dense = index.embeddings[rows] @ vector
        fused = (1 - weight) * lexical_norm + weight * _stretch(dense)
    else:
        dense = np.zeros(len(rows), dtype=np.float32)
        fused = lexical_norm
    if settings.fact_boost:
        # rescaled so that scores stay in [0, 1]
        fused = (fused + settings.fact_boost * np.isin(rows, asked_rows(index, prepared.text))) / (1 + settings.fact_boost)
    if use_dense and doc_weight > 0:
        # The candidate's document as a whole (mean chunk vector) beside the chunk itself, added last: every chunk
        # of a document gets the same share, so only the order across documents changes.
        owner, means = document_vectors(index)
        docs, doc_of_row = np.unique(owner[rows], return_inverse=True)
        fused = (fused + doc_weight * _stretch(means[docs] @ vector)[doc_of_row]) / (1 + doc_weight)
    order = np.argsort(-fused)[:top_k]
    return [Hit(index.chunks[int(rows[i])], float(fused[i]), float(lexical_norm[i]), float(dense[i])) for i in order]
