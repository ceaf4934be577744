"""Getting the Vietnamese Vosk model onto a machine: download (httpx, tqdm progress), unpack, verify by git
blob ids (what `git hash-object FILE` prints), and only then put it in place. Never runs by itself at run
time: `make models` (python -m speech download-model) does it on a connected machine."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import zipfile
from pathlib import Path

import httpx
from tqdm import tqdm

from .settings import MODEL_NAME, MODELS_DIR

logger = logging.getLogger(__name__)

MODEL_URL = f"https://alphacephei.com/vosk/models/{MODEL_NAME}.zip"
# Git blob ids of the large files of vosk-model-small-vn-0.4 (Apache-2.0).
MODEL_BLOB_IDS = {
    "am/final.mdl": "3f4f309725955a28d4252c4087f4f6e7ad6eeba6",
    "graph/Gr.fst": "10a76b9f7e6cc677741db0dd63715269b2a169fe",
    "graph/HCLr.fst": "9c35d61aa0fce11f9879b2b51331796aba2eaa40",
    "ivector/final.ie": "eea5be789e67827d5bd2c5f66bbd97050f2593b0",
}
CHUNK = 1 << 20


class ModelFilesError(RuntimeError):
    """The model could not be downloaded, unpacked or verified; the message says what to do."""


def git_blob_id(path: Path) -> str:
    """What `git hash-object PATH` prints: sha1 of b"blob <size>\\0" + the file's bytes."""
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify_model(folder: Path, expected: dict[str, str] | None = None) -> list[str]:
    """Problems found in a model folder (missing files, wrong blob ids); an empty list means verified."""
    expected = MODEL_BLOB_IDS if expected is None else expected
    problems = []
    for name, blob_id in expected.items():
        path = Path(folder) / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        actual = git_blob_id(path)
        if actual != blob_id:
            problems.append(f"{name}: blob id {actual}, expected {blob_id}")
    return problems


def _fetch(url: str, target: Path, progress: bool, timeout: float, dest_dir: Path) -> None:
    try:
        with httpx.stream("GET", url, follow_redirects=True,
                          timeout=httpx.Timeout(timeout, connect=min(timeout, 20.0))) as response:
            response.raise_for_status()
            total = int(response.headers.get("content-length") or 0) or None
            with target.open("wb") as out, tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                                                desc=url.rsplit("/", 1)[-1], disable=not progress) as bar:
                for block in response.iter_bytes(CHUNK):
                    out.write(block)
                    bar.update(len(block))
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise ModelFilesError(
            f"Không tải được mô hình từ {url} ({type(exc).__name__}: {reason}). Máy này có kết nối Internet "
            f"không? Cách khác: tải tệp zip trên một máy có mạng, giải nén vào {dest_dir} rồi chạy "
            f"`python -m speech verify-model`. / Could not download the model; unzip it by hand into "
            f"{dest_dir} and verify it.") from exc


def _model_root(folder: Path) -> Path | None:
    """The folder inside an unpacked archive that holds am/final.mdl."""
    for mdl in sorted(folder.rglob("am/final.mdl")):
        return mdl.parent.parent
    return None


def download_model(dest_dir: Path = MODELS_DIR, url: str = MODEL_URL, name: str = MODEL_NAME,
                   expected: dict[str, str] | None = None, progress: bool = True, timeout: float = 60.0) -> Path:
    """Download, unpack and verify the model into dest_dir/name; a verified copy already there is kept.
    Nothing is left in place unless it verifies. Raises ModelFilesError with a clear message."""
    dest_dir = Path(dest_dir)
    target = dest_dir / name
    if target.is_dir() and not verify_model(target, expected):
        logger.info("model already there and verified: %s", target)
        return target
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=dest_dir) as work:
        archive = Path(work) / f"{name}.zip"
        _fetch(url, archive, progress, timeout, dest_dir)
        unpacked = Path(work) / "unpacked"
        try:
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(unpacked)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ModelFilesError(f"Tệp tải về từ {url} không phải tệp zip hợp lệ ({exc}). / The download is "
                                  f"not a valid zip archive.") from exc
        root = _model_root(unpacked)
        if root is None:
            raise ModelFilesError(f"Tệp zip từ {url} không chứa mô hình Vosk (thiếu am/final.mdl). / The archive "
                                  f"holds no Vosk model.")
        problems = verify_model(root, expected)
        if problems:
            raise ModelFilesError("Mô hình tải về không khớp mã kiểm tra (git blob id) / the downloaded model "
                                  "does not verify: " + "; ".join(problems))
        if target.exists():
            shutil.rmtree(target)  # a previous copy that did not verify
        root.rename(target)
    return target
