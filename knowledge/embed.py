"""Sentence embeddings (sentence-transformers), loaded once per process from a local folder or a model name."""

from __future__ import annotations

import hashlib
import logging
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from .checksums import sha256_file

log = logging.getLogger(__name__)

SETTING = "CCVC_EMBEDDING_MODEL"


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be found or loaded."""


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or os.sep in name and Path(name).expanduser().exists()


def model_checksum(name: str) -> str:
    """Identity of a model for the index manifest: a hash of the folder's files, or the hub name."""
    path = Path(name).expanduser()
    if not path.is_dir():
        return f"name:{name}"
    return _folder_checksum(str(path.resolve()), *_folder_stamp(path))


def _folder_stamp(path: Path) -> tuple[int, float]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), max((p.stat().st_mtime for p in files), default=0.0)


@lru_cache(maxsize=8)
def _folder_checksum(path: str, _size: int, _mtime: float) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in Path(path).rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())
        sha256_file(file, digest)
    return "sha256:" + digest.hexdigest()


class Embedder:
    """Wraps a SentenceTransformer; uses the model's own query/passage prompts when it has them (e5 does)."""

    def __init__(self, name: str, threads: int = 2) -> None:
        self.name = name
        path = Path(name).expanduser()
        if _looks_like_path(name) and not path.is_dir():
            raise EmbeddingModelError(
                f"Không tìm thấy mô hình embedding tại '{name}'. Đặt biến môi trường {SETTING} "
                f"(hoặc dòng {SETTING}=… trong .env) là thư mục mô hình sentence-transformers, "
                "ví dụ ../shared/models/multilingual-e5-small-vi."
            )
        if path.is_dir():
            # A local folder must never reach for the hub (no network here, and no surprises in production).
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # "Loading weights" bars on every start
        transformers.utils.logging.set_verbosity_error()

        torch.set_num_threads(threads)
        try:
            self.model = SentenceTransformer(str(path) if path.is_dir() else name, device="cpu")
        except Exception as exc:  # the library raises many kinds (OSError, ValueError, HF errors)
            raise EmbeddingModelError(
                f"Không tải được mô hình embedding '{name}' ({type(exc).__name__}: {exc}). "
                f"Kiểm tra biến môi trường {SETTING}."
            ) from exc
        self.dimension = int(self.model.get_embedding_dimension())
        self._prompts = set(self.model.prompts)

    def _encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        kwargs = {"prompt_name": prompt} if prompt in self._prompts else {}
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=progress, **kwargs,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def passages(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode(texts, "passage", batch_size, progress)

    def query(self, text: str) -> np.ndarray:
        # One short text: calling the modules directly skips encode()'s batching machinery (≈ 6 ms of ~35).
        import torch

        prompt = self.model.prompts.get("query", "") if "query" in self._prompts else ""
        features = self.model.preprocess([prompt + text])
        with torch.inference_mode():
            vector = self.model(features)["sentence_embedding"]
            vector = torch.nn.functional.normalize(vector, dim=-1)
        return np.ascontiguousarray(vector[0].numpy(), dtype=np.float32)


@lru_cache(maxsize=2)
def get_embedder(name: str, threads: int = 2) -> Embedder:
    """One model per process: loading takes seconds and ~1 GB."""
    log.info("loading embedding model %s", name)
    return Embedder(name, threads)
