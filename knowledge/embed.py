"""Sentence embeddings (sentence-transformers), loaded once per process from a local folder or a model name."""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from .checksums import sha256_file

log = logging.getLogger(__name__)

SETTING = "CCVC_EMBEDDING_MODEL"
DEFAULT_ONNX_DIR = Path(__file__).resolve().parent.parent / "var" / "onnx"


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


class OnnxQueryEncoder:
    """The model's transformer exported once to ONNX and run by ONNX Runtime, for one query at a time.

    Same weights, same tokenizer, same pooling: the vectors match PyTorch's (cosine 1.0000 on our
    questions) at a quarter of the CPU (≈ 17 ms on one thread instead of ≈ 66 ms on two for a question), which
    is most of the action server's CPU per answer. The export (≈ 5 s) is cached under `folder`, keyed by
    the model's checksum, and written atomically.
    """

    def __init__(self, model, checksum: str, folder: Path) -> None:
        import onnxruntime

        transformer, pooling = model[0], model[1]
        config = pooling.get_config_dict() if hasattr(pooling, "get_config_dict") else {}
        # sentence-transformers ≥ 5 says pooling_mode: "mean"; older configs set pooling_mode_mean_tokens.
        mode = config.get("pooling_mode") or next(
            (m for m in ("mean", "cls") if config.get(f"pooling_mode_{m}_token" + ("s" if m == "mean" else ""))), None)
        if mode not in ("mean", "cls") or not config.get("include_prompt", True):
            raise ValueError(f"pooling {config} is not supported by the ONNX path")
        self.pooling = mode
        self.tokenizer = model.tokenizer
        self.max_length = int(model.max_seq_length or 512)
        path = folder / checksum.replace(":", "-")[:40] / "model.onnx"
        if not path.exists():
            _export(transformer.auto_model, self.tokenizer, path)
        options = onnxruntime.SessionOptions()
        # One thread: a second one saves ≈ 2 ms of ≈ 17 on a question but burns 50 % more CPU (measured),
        # which the Rasa server on the other core needs more; and no spinning between questions.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def batch(self, texts: list[str], max_length: int = 96) -> np.ndarray:
        """Several short texts (sentences) in one run, padded to the longest: one vector per text."""
        encoded = self.tokenizer(texts, truncation=True, max_length=min(max_length, self.max_length), padding=True,
                                 return_tensors="np")
        mask = encoded["attention_mask"].astype(np.int64)
        hidden = self.session.run(None, {"input_ids": encoded["input_ids"].astype(np.int64),
                                         "attention_mask": mask})[0]
        if self.pooling == "cls":
            vectors = hidden[:, 0]
        else:
            weights = mask[:, :, None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def __call__(self, text: str) -> np.ndarray:
        encoded = self.tokenizer([text], truncation=True, max_length=self.max_length, return_tensors="np")
        mask = encoded["attention_mask"].astype(np.int64)
        hidden = self.session.run(None, {"input_ids": encoded["input_ids"].astype(np.int64),
                                         "attention_mask": mask})[0][0]
        if self.pooling == "cls":
            vector = hidden[0]
        else:
            weights = mask[0, :, None].astype(np.float32)
            vector = (hidden * weights).sum(axis=0) / max(float(weights.sum()), 1.0)
        return np.ascontiguousarray(vector / max(float(np.linalg.norm(vector)), 1e-12), dtype=np.float32)


def _export(transformer, tokenizer, path: Path) -> None:
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    log.info("exporting the embedding model to ONNX (once): %s", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(["query: xin chào"], return_tensors="pt")
    partial = path.with_suffix(f".{os.getpid()}.partial")
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter; the result is checked by the tests
        torch.onnx.export(
            LastHiddenState(transformer).eval(), (sample["input_ids"], sample["attention_mask"]), str(partial),
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={name: axes for name in ("input_ids", "attention_mask", "last_hidden_state")},
            opset_version=17, dynamo=False,
        )
    os.replace(partial, path)


class Embedder:
    """Wraps a SentenceTransformer; uses the model's own query/passage prompts when it has them (e5 does).

    Passages (index builds, batches) go through sentence-transformers; single queries through ONNX Runtime
    when `query_backend` is "onnx" (the default), falling back to PyTorch if the export cannot be made.
    """

    def __init__(self, name: str, threads: int = 2, query_backend: str = "onnx",
                 onnx_dir: Path | None = None) -> None:
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
        self._query_prompt = self.model.prompts.get("query", "") if "query" in self._prompts else ""
        self._onnx: OnnxQueryEncoder | None = None
        if query_backend == "onnx":
            try:
                self._onnx = OnnxQueryEncoder(self.model, model_checksum(name), onnx_dir or DEFAULT_ONNX_DIR)
            except Exception as exc:  # export or runtime trouble must not take search down: PyTorch still works
                log.warning("ONNX query encoder unavailable, queries use PyTorch (%s: %s)", type(exc).__name__, exc)
        elif query_backend != "torch":
            raise EmbeddingModelError(f"query_backend must be 'onnx' or 'torch', not {query_backend!r}")
        self.query_backend = "onnx" if self._onnx else "torch"

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

    def sentences(self, texts: list[str]) -> np.ndarray:
        """Short passages (the sentences of a retrieved chunk) at answer time: ONNX Runtime in one batch when it is
        available, else sentence-transformers."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx is not None:
            prompt = self.model.prompts.get("passage", "") if "passage" in self._prompts else ""
            return self._onnx.batch([prompt + text for text in texts])
        return self.passages(texts)

    def query(self, text: str) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx(self._query_prompt + text)
        return self.query_torch(text)

    def query_torch(self, text: str) -> np.ndarray:
        # One short text: calling the modules directly skips encode()'s batching machinery (≈ 6 ms of ~35).
        import torch

        features = self.model.preprocess([self._query_prompt + text])
        with torch.inference_mode():
            vector = self.model(features)["sentence_embedding"]
            vector = torch.nn.functional.normalize(vector, dim=-1)
        return np.ascontiguousarray(vector[0].numpy(), dtype=np.float32)


@lru_cache(maxsize=2)
def get_embedder(name: str, threads: int = 2, query_backend: str = "onnx", onnx_dir: Path | None = None) -> Embedder:
    """One model per process: loading takes seconds and ~1 GB."""
    log.info("loading embedding model %s", name)
    return Embedder(name, threads, query_backend, onnx_dir)
