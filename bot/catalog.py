"""What the assistant knows, for /help, /tailieu and /lienhe: the indexed documents and their contacts.

These are lists, not answers to a question, and Rasa cannot give them (asked "Có những văn bản nào?" the knowledge
search finds no passage that lists the documents; a contact question gives the contact of the document in focus
only). So the bot reads them from the live index — documents.jsonl and facts.jsonl, checksums verified, through
knowledge's own reader — and never loads the embedding model or the search indexes. The lists are re-read when the
index is rebuilt (its CURRENT pointer moves). Chat answers still go through Rasa only.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .render import Block

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    label: str  # "Kế hoạch 206/KH-UBND"
    issuer: str
    date: str  # dd/mm/yyyy, or ""
    subject: str


@dataclass(frozen=True)
class Contact:
    document: str
    data: dict
    section: str
    quote: str


@dataclass(frozen=True)
class Catalog:
    documents: list[Document]
    contacts: list[Contact]

    def documents_html(self) -> str:
        if not self.documents:
            return "Hiện chưa có văn bản nào được nạp."
        lines = []
        for doc in self.documents:
            where = ", ".join(part for part in (doc.issuer, doc.date) if part)
            lines.append(f"📄 <b>{escape(doc.label)}</b>" + (f" — {escape(where)}" if where else ""))
            if doc.subject:
                lines.append(f"<i>{escape(doc.subject)}</i>")
        return "\n".join(lines)

    def contacts_html(self) -> str:
        if not self.contacts:
            return "Các văn bản hiện có không ghi thông tin liên hệ."
        parts = []
        for contact in self.contacts:
            d = contact.data
            who = " — ".join(escape(str(d[key])) for key in ("person", "role", "unit") if d.get(key))
            lines = [f"👤 <b>{who or 'Đầu mối liên hệ'}</b> ({escape(contact.document)})"]
            phone = d.get("phone") and str(d["phone"]) + (f", máy lẻ {d['ext']}" if d.get("ext") else "")
            for title, value in (("Di động", d.get("mobile")), ("Máy bàn", phone), ("Fax", d.get("fax")),
                                 ("Email", d.get("email"))):
                if value:
                    lines.append(f"{title}: {escape(str(value))}")
            lines.append(Block("source", contact.section, contact.quote).html())
            parts.append("\n".join(lines))
        return "\n\n".join(parts)


def _date(iso: str | None) -> str:
    parts = (iso or "").split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else (iso or "")


class CatalogReader:
    """Reads the catalog of an index folder, again only when the live version changed."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._cached: tuple[str, Catalog] | None = None
        self._lock = threading.Lock()

    def read(self) -> Catalog:
        """The catalog; raises knowledge.index.IndexLoadError (a clear Vietnamese message) when the index is missing
        or damaged. Blocking file reads: call it off the event loop."""
        from knowledge.index import LiveVersion, document_label, live_version, stored_documents

        with self._lock:
            version = live_version(self.index_dir).name
            if self._cached and self._cached[0] == version:
                return self._cached[1]
            live = LiveVersion.open(self.index_dir)
            docs = {doc.doc_id: doc for doc in stored_documents(self.index_dir)}
            labels = {doc_id: document_label(doc) for doc_id, doc in docs.items()}
            documents = [Document(labels[doc_id], (doc.info.issuer or "") if doc.info else "",
                                  _date(doc.info.date) if doc.info else "", (doc.info.subject or "") if doc.info else "")
                         for doc_id, doc in docs.items()]
            contacts = [Contact(labels.get(row["doc_id"], row["doc_id"]), row.get("data") or {}, row["section"],
                                row["quote"])
                        for row in live.rows("facts.jsonl") if row.get("kind") == "contact"]
            catalog = Catalog(documents, contacts)
            self._cached = (version, catalog)
            log.info("catalog of %s: %d documents, %d contacts", live.folder, len(documents), len(contacts))
            return catalog
