"""Lexical retrieval: BM25 (bm25s) over diacritic-free syllables and syllable bigrams.

Stripping diacritics makes "doi tuong" and "đối tượng" the same term; the bigrams put back most of the
precision lost by that (đối tượng ≠ đợi tượng) and reward phrases, which matter in legal Vietnamese.
"""

from __future__ import annotations

from pathlib import Path

import logging

import bm25s
import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG through the root logger

from .text import expand_abbreviations, lexical_tokens


def index_tokens(text: str) -> list[str]:
    return lexical_tokens(expand_abbreviations(text))


class LexicalIndex:
    """BM25 over the chunks; an index of no chunks (an empty folder of documents) is valid and finds nothing."""

    EMPTY_MARKER = "empty"

    def __init__(self, retriever: bm25s.BM25 | None) -> None:
        self.retriever = retriever
        self._vocab = retriever.vocab_dict if retriever is not None else {}

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> "LexicalIndex":
        if not texts:
            return cls(None)  # bm25s cannot index an empty corpus
        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.index([index_tokens(text) for text in texts], show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        if self.retriever is None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / self.EMPTY_MARKER).write_text("", encoding="utf-8")
        else:
            self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        if (folder / cls.EMPTY_MARKER).exists():
            return cls(None)
        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))

    def query_terms(self, query: str) -> list[str]:
        """The query's terms that the index knows (unknown terms score nothing anyway)."""
        return [token for token in index_tokens(query) if token in self._vocab]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no term is known)."""
        terms = self.query_terms(query)
        if self.retriever is None:
            return np.zeros(0, dtype=np.float32)
        if not terms:
            return np.zeros(self.retriever.scores["num_docs"], dtype=np.float32)
        return self.retriever.get_scores(terms)
