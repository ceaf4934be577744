"""Settings of the knowledge engine, read from the environment (prefix CCVC_) and an optional .env file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class KnowledgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCVC_", env_file=".env", extra="ignore")

    # A local sentence-transformers folder, or a model name on a connected machine.
    embedding_model: str = str((REPO_ROOT.parent / "shared" / "models" / "multilingual-e5-small-vi").resolve())
    # Where the index lives (a folder of versions plus a CURRENT pointer).
    index_dir: Path = REPO_ROOT / "var" / "index"
    # Files or folders ingested by `build` when no --docs is given (os.pathsep-separated in the environment).
    docs: str = str(REPO_ROOT / "knowledge" / "docs")
    # Answers below this confidence say honestly that the documents do not cover the question.
    confidence_threshold: float = 0.40
    # Weight of the dense (embedding) score in the fusion; the lexical score gets 1 - this. 0.40 sits in the
    # plateau of both ALQAC (bench/retrieval_alqac.py --sweep) and our own question set (bench/own_questions.py).
    dense_weight: float = 0.40
    # Added to the fused score of passages holding the kind of fact a question asks for (its signer, targets,
    # an agency's duties, …). 0.10 took our own question set's top-1 section from 87 % to 92–94 % and left
    # ALQAC unchanged (its law articles hold few such facts); 0.15 and more start to cost ALQAC.
    fact_boost: float = 0.10
    # Weight of the document-level dense score (the query against the mean of the document's chunk vectors),
    # added to each candidate chunk's fused score; 0 turns it off. 0.30 measured on ALQAC (bench/retrieval_alqac.py
    # --sweep-document: R@1 0.919 → 0.931; every fold of a 10-fold CV picks 0.30) with our own set unchanged.
    document_weight: float = 0.30
    # Weight of meaning (the e5 cosine of the question and each candidate sentence of the best passages) in the
    # choice of a passage answer's sentences, beside the key terms they hold and their passage's rank; 0 chooses by
    # words alone and embeds nothing (bench/answer_cost.py measures the cost).
    sentence_meaning_weight: float = 0.25
    # BM25 parameters of the lexical index.
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    # Candidates taken from each retriever before fusion.
    fusion_candidates: int = 100
    # Above this many chunks the dense index is HNSW (approximate), below it exact inner product.
    hnsw_threshold: int = 50_000
    chunk_max_chars: int = 900
    embed_batch_size: int = 32
    # How single queries are embedded: "onnx" (ONNX Runtime on the exported model, ≈ 2.4× faster, same
    # vectors) or "torch". The export is made once and cached in onnx_dir.
    query_backend: str = "onnx"
    onnx_dir: Path = REPO_ROOT / "var" / "onnx"
    # CPU threads for torch, ONNX Runtime and FAISS.
    threads: int = 2
    # Index versions kept on disk, the live one included: the earlier ones are what a rollback can return to
    # (each costs the index's size on disk; the documents' text and vectors are copied, not shared).
    keep_versions: int = Field(5, ge=2)
    # Uploads through the admin page or `python -m knowledge preview` (knowledge/upload.py). The largest file:
    upload_max_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    # The most pages of a PDF; other formats may hold as much text as this many pages at upload_chars_per_page.
    upload_max_pages: int = Field(300, ge=1)
    upload_chars_per_page: int = Field(4000, ge=100)
    # A .docx is a zip: what its entries may unpack to in all, how many entries, and how much one entry of more than
    # 1 MiB may be compressed (Word's XML packs ≈ 5–20×; an archive bomb thousands of times).
    upload_max_unpacked_bytes: int = Field(100 * 1024 * 1024, ge=1024)
    upload_max_entries: int = Field(1000, ge=10)
    upload_max_ratio: int = Field(100, ge=10)
    # The child process that reads an upload: CPU seconds and memory (MiB of address space) it may use.
    upload_cpu_seconds: int = Field(60, ge=5)
    upload_memory_mb: int = Field(2048, ge=256)
    # Previews not published or discarded are deleted after this many hours.
    upload_keep_hours: float = Field(24.0, gt=0)

    @property
    def doc_paths(self) -> list[Path]:
        return [Path(part) for part in self.docs.split(os.pathsep) if part]


@lru_cache(maxsize=1)
def get_settings() -> KnowledgeSettings:
    return KnowledgeSettings()
