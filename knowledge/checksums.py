"""SHA-256 of texts and files (streamed): document, index-file and model identities."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path, digest=None) -> str:
    """Hex digest of a file; with `digest`, feed that running hash instead (for a folder's checksum)."""
    running = digest if digest is not None else hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            running.update(block)
    return running.hexdigest()
