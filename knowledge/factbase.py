"""The documents and extracted facts of the live index, without the search parts (no embedding model, no vectors).

The rule check (check.py) and the targets table (targets.py) need only documents.jsonl and facts.jsonl, so a
process that serves them (the portal, the `check` and `targets` commands) loads these two verified files and
nothing else: no model checksum, no FAISS or BM25 index. `FactCache` keeps one loaded copy for a long-running
process and reloads it when a build switches the index to a new version (knowledge.live.LiveCache).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .index import IndexLoadError, LiveVersion, document_label, rebuild_hint
from .live import LiveCache
from .model import Document, Fact
from .settings import KnowledgeSettings, get_settings

__all__ = ["FactBase", "FactCache", "load_facts"]


@dataclass
class FactBase:
    """What check_person and target_table read from an index: its documents and facts (a KnowledgeIndex offers
    the same attributes, so either works)."""

    folder: Path
    manifest: dict
    documents: dict[str, Document]
    facts: list[Fact]
    memo: dict = field(default_factory=dict, repr=False)  # what readers derive once per loaded version (focus, …)

    @property
    def version(self) -> str:
        return self.folder.name

    def quote(self, doc_id: str, start: int, end: int) -> str:
        return self.documents[doc_id].source[start:end]

    def doc_label(self, doc_id: str) -> str:
        return document_label(self.documents[doc_id])


def load_facts(index_dir: Path | None = None, settings: KnowledgeSettings | None = None) -> FactBase:
    """The live index's documents and facts, checksums verified; IndexLoadError (with the command that rebuilds
    it) for a missing, corrupt or outdated index, like load_index."""
    index_dir = Path(index_dir or (settings or get_settings()).index_dir)
    live = LiveVersion.open(index_dir)
    live.check_format()
    try:
        documents, facts = live.documents_and_facts()
    except IndexLoadError:
        raise
    except Exception as exc:  # any parse error means the files are not what the manifest promised
        raise IndexLoadError(f"Không đọc được dữ kiện của chỉ mục {live.folder} ({type(exc).__name__}: {exc}). "
                             f"{rebuild_hint(index_dir)}") from exc
    if any(fact.doc_id not in documents for fact in facts):
        raise IndexLoadError(f"Chỉ mục {live.folder} không nhất quán (dữ kiện của tài liệu không có). "
                             f"{rebuild_hint(index_dir)}")
    return FactBase(live.folder, live.manifest, documents, facts)


class FactCache(LiveCache[FactBase]):
    """One FactBase per process, loaded on first use and again only when the index's live version changes
    (a stat of the CURRENT pointer is all a request costs). Thread-safe; see knowledge.live.LiveCache."""

    def __init__(self, index_dir: Path) -> None:
        super().__init__(index_dir, load_facts)
