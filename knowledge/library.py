"""The document library behind the admin page (portal/library_admin.py) and the command line: what an upload was
understood to say before anyone relies on it, then publish, replace, remove, roll back, each logged with who and when.

    Library(index_dir).stage(data, name, by)     → Staged: the upload checked and read (knowledge/upload.py), its
                                                   analysis kept under <index>/.uploads/<random id>.json
    .publish(staged_id, by, replace=None)        → a new index version with it (only its chunks are embedded)
    .add_files(paths, by)                        → the same for files on the server (`python -m knowledge add`)
    .remove(doc_id, by) / .rollback(version, by) → a version without it / an earlier version live again
    .rebuild(paths, by, reset=False)             → `python -m knowledge build`: the document folder, plus what was
                                                   published here, minus what was removed here
    .versions() / .audit() / document_rows()     what the admin page lists

Published documents live in the index itself (each version's documents.jsonl, meta.origin = "library"), so they
survive rebuilds from the document folder (`make index`, the compose `setup` service) and roll back with the
version; documents removed here are listed in each manifest's `removed`. Every change holds index_lock: two
administrators publishing at once get two versions, one after the other, neither undoing the other. Each
change, and each refused upload, is a line of <index>/audit.jsonl.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import logging
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .index import (POINTER, AnalysedDocument, IndexLoadError, VersionInfo, analyse, build_index, document_label, index_lock,
                    list_versions, live_manifest, point_to, stored_documents)
from .ingest import read_documents
from .model import Document, Fact
from .settings import KnowledgeSettings, get_settings
from .structure import parse_structure
from .upload import UploadRefused, check_name, detect, document_id, read_in_child

log = logging.getLogger(__name__)

UPLOADS = ".uploads"
AUDIT = "audit.jsonl"
STAGED_ID = re.compile(r"^[0-9a-f]{32}$")
ORIGIN = "library"  # meta.origin of a document added here rather than read from the document folder

# The kinds of fact a preview shows, in this order, with their Vietnamese headings. "exclusion" is an eligibility
# fact that does not apply (a misread exclusion silently gives wrong HR advice: it gets its own group).
FACT_GROUPS: list[tuple[str, str]] = [
    ("eligibility", "Đối tượng áp dụng"), ("exclusion", "Đối tượng không áp dụng (loại trừ)"),
    ("target", "Chỉ tiêu"), ("contact", "Liên hệ"), ("duty", "Nhiệm vụ của cơ quan, đơn vị"),
    ("roadmap", "Lộ trình"), ("funding", "Kinh phí"), ("step", "Các bước thực hiện"), ("link", "Địa chỉ web"),
]
# What the administrator is told when a part of the document could not be read (shown in the preview).
MISSING_INFO = {
    "number": "Không đọc được số hiệu văn bản (ví dụ 206/KH-UBND): câu trả lời sẽ gọi văn bản theo tiêu đề.",
    "issuer": "Không đọc được cơ quan ban hành.",
    "date": "Không đọc được ngày ban hành.",
    "subject": "Không đọc được trích yếu (văn bản về việc gì).",
    "signer": "Không đọc được người ký.",
}
MISSING_FACTS = {
    "eligibility": "Không có mục nào nêu đối tượng áp dụng (ai thuộc diện của văn bản): trợ lý sẽ không trả lời "
                   "được câu hỏi \"tôi có thuộc đối tượng không\" theo văn bản này.",
    "exclusion": "Không có mục nào nêu đối tượng không áp dụng (loại trừ). Nếu văn bản có loại trừ ai, hãy kiểm tra "
                 "cách trình bày mục đó (ví dụ \"2. Đối tượng không áp dụng\").",
    "target": "Không đọc được chỉ tiêu nào (dạng \"Đến năm 2025: 30% …\").",
    "contact": "Không đọc được thông tin liên hệ (người phụ trách, điện thoại, email).",
}
ACTION_LABELS = {"upload": "Tải lên, xem trước", "refuse": "Từ chối tệp tải lên", "discard": "Hủy bản xem trước",
                 "publish": "Xuất bản", "replace": "Thay thế", "remove": "Gỡ bỏ", "rollback": "Quay lại phiên bản",
                 "add": "Thêm tệp (dòng lệnh)", "build": "Xây dựng lại chỉ mục"}


class LibraryError(Exception):
    """A library operation that cannot be done as asked; the message (Vietnamese) says why."""


def now_text() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def command_line_user() -> str:
    """Who changes the library from a shell: the account, marked as the command line."""
    try:
        return f"{getpass.getuser()} (dòng lệnh)"
    except (KeyError, OSError):
        return "dòng lệnh"


# ---------------------------------------------------------------------------------------------
# What a document was understood to say


def fact_group(fact: Fact) -> str:
    if fact.kind == "eligibility" and fact.data.get("applies") is False:
        return "exclusion"
    return fact.kind


def _joined(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values if v not in ("", None, []))


def fact_summary(fact: Fact) -> str:
    """One line saying what a fact holds, in the words of its data (the quote says it in the document's)."""
    data = fact.data
    if fact.kind == "eligibility":
        conditions = _joined(data.get("conditions") or [])
        return (data.get("who") or "") + (f" (điều kiện: {conditions})" if conditions else "")
    if fact.kind == "target":
        level = f", {data['level_text']}" if data.get("level_text") else ""
        subject = f" {data['subject']}" if data.get("subject") else ""
        conditions = _joined(data.get("conditions") or [])
        return (f"Năm {data.get('year')}: {data.get('percent')}% {data.get('group', '')} đạt{subject}{level}"
                + (f" (điều kiện: {conditions})" if conditions else ""))
    if fact.kind == "contact":
        labels = [("person", ""), ("role", ""), ("unit", ""), ("mobile", "di động "), ("phone", "điện thoại "),
                  ("ext", "máy lẻ "), ("fax", "fax "), ("email", "email ")]
        return ", ".join(f"{label}{data[key]}" for key, label in labels if data.get(key))
    if fact.kind == "duty":
        return f"{data.get('agency', '')}: {data.get('duty', '')}"
    if fact.kind == "roadmap":
        years = data.get("start_year")
        if data.get("end_year") and data.get("end_year") != years:
            years = f"{years}–{data['end_year']}"
        return f"{years}: {data.get('text', '')}"
    if fact.kind == "funding":
        return ("Nguồn: " + _joined(data.get("sources") or [])) if data.get("sources") else data.get("text", "")
    if fact.kind == "step":
        return f"Bước {data.get('order')}/{data.get('total')}: {data.get('step', '')}"
    if fact.kind == "link":
        return f"{data.get('site', '')}: {data.get('url', '')}".strip(": ")
    return _joined(data.values())


def _section_tree(section) -> list[dict[str, Any]]:
    return [{"label": child.label, "children": _section_tree(child)} for child in section.children]


def analysis_of(doc: Document, chunk_max_chars: int) -> dict[str, Any]:
    """What the index would take from a document: its metadata, section tree, chunk count and every fact with its
    quote, plus what could not be read. Plain data (JSON), computed in the upload's child process."""
    analysed: AnalysedDocument = analyse(doc, chunk_max_chars)
    info = doc.info
    facts = [{"group": fact_group(f), "summary": fact_summary(f), "section": f.section, "quote": f.quote}
             for f in analysed.facts if f.kind != "document"]
    sections = _section_tree(parse_structure(doc.source).root)
    warnings = [message for key, message in MISSING_INFO.items() if not getattr(info, key, "")]
    if not any(s["label"] and not s["label"].startswith(("Phần mở đầu", "Phần kết")) for s in sections):
        warnings.append("Không nhận ra mục đánh số nào (I., 1., a) …): cả văn bản là một khối, trích dẫn sẽ kém chính "
                        "xác.")
    held = {fact["group"] for fact in facts}
    warnings += [message for group, message in MISSING_FACTS.items() if group not in held]
    return {"label": document_label(doc), "title": doc.title, "info": asdict(info) if info else {},
            "checksum": analysed.checksum, "chars": len(doc.source), "chunks": len(analysed.chunks),
            "sections": sections, "facts": facts, "warnings": warnings}


# ---------------------------------------------------------------------------------------------
# The audit log


class AuditLog:
    """<index>/audit.jsonl: one JSON line per change or refused upload, appended under an flock (several portals
    may share the folder). Nothing secret goes in: names of tokens, never tokens."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / AUDIT

    def append(self, by: str, action: str, **details: Any) -> dict[str, Any]:
        entry = {"id": secrets.token_hex(6), "at": now_text(), "by": by, "action": action,
                 **{k: v for k, v in details.items() if v not in (None, "")}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        log.info("library: %s by %s %s", action, by, {k: v for k, v in details.items() if k != "message"})
        return entry

    def entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest `limit` entries, newest first (a line that cannot be read is skipped)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        found = []
        for line in reversed(lines):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entry["action_label"] = ACTION_LABELS.get(entry.get("action", ""), entry.get("action", ""))
                found.append(entry)
            if len(found) >= limit:
                break
        return found

    def find(self, entry_id: str) -> dict[str, Any] | None:
        return next((e for e in self.entries(1000) if e.get("id") == entry_id), None)


# ---------------------------------------------------------------------------------------------
# The library


@dataclass
class Staged:
    """An upload read and analysed, waiting to be published or discarded."""

    id: str
    created: str
    by: str
    file_name: str  # as sent (checked by upload.check_name): shown, never used as a path
    size: int
    sha256: str
    suffix: str  # what the content was read as
    notes: list[str]
    document: Document
    analysis: dict[str, Any]
    replaces: str = ""  # the document it would replace by default (same number or id), "" for a new one
    duplicate_of: str = ""  # a document with exactly this text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["document"] = {"doc_id": self.document.doc_id, "title": self.document.title}
        return data


@dataclass
class DocumentRow:
    """A line of the admin page's document list."""

    doc_id: str
    label: str
    doc_type: str
    number: str
    issuer: str
    date: str
    subject: str
    chunks: int
    facts: int
    added: str
    added_by: str
    origin: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def document_rows(documents: dict[str, Document], manifest: dict) -> list[DocumentRow]:
    """The live version's documents (from a FactBase or KnowledgeIndex) as the admin page lists them."""
    rows = []
    for doc_id, doc in documents.items():
        entry = manifest.get("documents", {}).get(doc_id, {})
        info = doc.info
        rows.append(DocumentRow(
            doc_id, document_label(doc), getattr(info, "doc_type", ""), getattr(info, "number", ""),
            getattr(info, "issuer", ""), getattr(info, "date", ""), getattr(info, "subject", "") or doc.title,
            int(entry.get("chunks", 0)), int(entry.get("facts", 0)), entry.get("added") or manifest.get("created", ""),
            entry.get("added_by", ""), entry.get("origin", doc.meta.get("origin", "files"))))
    return rows


@dataclass
class Library:
    index_dir: Path
    settings: KnowledgeSettings = field(default_factory=get_settings)

    def __post_init__(self) -> None:
        self.index_dir = Path(self.index_dir)
        self.audit_log = AuditLog(self.index_dir)

    @classmethod
    def open(cls, index_dir: Path | None = None, settings: KnowledgeSettings | None = None) -> "Library":
        settings = settings or get_settings()
        return cls(Path(index_dir or settings.index_dir), settings)

    # ------------------------------------------------------------------ reading

    def versions(self) -> list[VersionInfo]:
        return list_versions(self.index_dir)

    def audit(self, limit: int = 100) -> list[dict[str, Any]]:
        return self.audit_log.entries(limit)

    # ------------------------------------------------------------------ previews

    @property
    def uploads(self) -> Path:
        return self.index_dir / UPLOADS

    def _staged_path(self, staged_id: str) -> Path:
        if not STAGED_ID.match(staged_id or ""):
            raise LibraryError("Mã bản xem trước không hợp lệ.")
        return self.uploads / f"{staged_id}.json"  # a random hex id: never anything the uploader chose

    def stage(self, data: bytes, name: str, by: str) -> Staged:
        """Check, read and analyse an upload; keep it as a preview. UploadRefused (logged) when it will not do."""
        try:
            name = check_name(name)
            detected = detect(data, name, self.settings)
            doc_id = document_id(name, detected.suffix)
            title = name.rsplit(".", 1)[0] if "." in name[1:] else name
            document, analysis = read_in_child(data, detected.suffix, doc_id, title, self.settings)
        except UploadRefused as refused:
            self.audit_log.append(by, "refuse", file=_printable(name), size=len(data), code=refused.code,
                                  message=refused.message)
            raise
        digest = hashlib.sha256(data).hexdigest()
        staged = Staged(secrets.token_hex(16), now_text(), by, name, len(data), digest, detected.suffix,
                        detected.notes, document, analysis)
        self._compare_with_live(staged)
        self._remove_old_previews()
        self.uploads.mkdir(parents=True, exist_ok=True)
        path = self._staged_path(staged.id)
        row = {**staged.to_dict(), "document": {"doc_id": document.doc_id, "source": document.source,
                                                "title": document.title, "meta": document.meta}}
        partial = path.with_suffix(".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(row, handle, ensure_ascii=False)
        os.replace(partial, path)
        self.audit_log.append(by, "upload", staged=staged.id, file=name, size=len(data), doc_id=document.doc_id,
                              label=analysis["label"])
        return staged

    def _compare_with_live(self, staged: Staged) -> None:
        """Which live document it would replace (same number, else same id) and whether one has the same text."""
        try:
            live = {doc.doc_id: doc for doc in stored_documents(self.index_dir)}
        except IndexLoadError:
            live = {}
        checksums = live_manifest(self.index_dir).get("documents", {})
        number = (staged.analysis["info"].get("number") or "").casefold()
        for doc_id, doc in live.items():
            if checksums.get(doc_id, {}).get("checksum") == staged.analysis["checksum"]:
                staged.duplicate_of = doc_id
            if number and doc.info is not None and (doc.info.number or "").casefold() == number:
                staged.replaces = doc_id
        if not staged.replaces and staged.document.doc_id in live:
            staged.replaces = staged.document.doc_id

    def staged(self, staged_id: str) -> Staged:
        path = self._staged_path(staged_id)
        try:
            row = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LibraryError("Không tìm thấy bản xem trước này (đã được xuất bản, đã hủy hoặc đã hết hạn sau "
                               f"{self.settings.upload_keep_hours:g} giờ). Hãy tải tệp lên lại.") from None
        except (OSError, ValueError) as exc:
            raise LibraryError(f"Bản xem trước bị hỏng ({type(exc).__name__}). Hãy tải tệp lên lại.") from exc
        document = Document(**row.pop("document"))
        return Staged(**{**row, "document": document})

    def previews(self) -> list[Staged]:
        found = []
        for path in sorted(self.uploads.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) \
                if self.uploads.is_dir() else []:
            try:
                found.append(self.staged(path.stem))
            except LibraryError:
                continue
        return found

    def discard(self, staged_id: str, by: str) -> None:
        staged = self.staged(staged_id)
        self._staged_path(staged_id).unlink(missing_ok=True)
        self.audit_log.append(by, "discard", staged=staged_id, file=staged.file_name)

    def _remove_old_previews(self) -> None:
        if not self.uploads.is_dir():
            return
        oldest = time.time() - self.settings.upload_keep_hours * 3600
        for path in self.uploads.iterdir():
            try:
                if path.stat().st_mtime < oldest:
                    path.unlink()
            except OSError:
                continue

    # ------------------------------------------------------------------ changes

    def publish(self, staged_id: str, by: str, replace: str | None = None) -> dict:
        """Publish a preview: as a new document, or as the new text of document `replace`. Returns the manifest."""
        with index_lock(self.index_dir):
            staged = self.staged(staged_id)
            live = self._live_documents()
            ids = {doc.doc_id for doc in live}
            if replace and replace not in ids:
                raise LibraryError(f"Không có tài liệu '{replace}' để thay thế (có thể đã bị gỡ). Hãy chọn lại.")
            document = staged.document
            doc_id = replace or _unused_id(document.doc_id, ids)
            meta = {"format": document.meta.get("format", staged.suffix.lstrip(".")), "origin": ORIGIN,
                    "added_by": by, "added_at": now_text(), "file_name": staged.file_name, "sha256": staged.sha256}
            new = Document(doc_id, document.source, document.title, meta)
            documents = [new if doc.doc_id == doc_id else doc for doc in live]
            if doc_id not in ids:
                documents.append(new)
            label = staged.analysis["label"]
            action = "replace" if replace else "publish"
            manifest = self._build(documents, {"action": action, "by": by, "doc_id": doc_id, "label": label,
                                               "file": staged.file_name}, added={doc_id})
            self._staged_path(staged_id).unlink(missing_ok=True)
        self.audit_log.append(by, action, doc_id=doc_id, label=manifest["documents"][doc_id]["label"],
                              file=staged.file_name, version=manifest["version"],
                              chunks=manifest["documents"][doc_id]["chunks"],
                              embedded=manifest["counts"]["embedded_chunks"], seconds=manifest["build_seconds"])
        return manifest

    def add_files(self, paths: Iterable[Path], by: str) -> dict:
        """`python -m knowledge add`: files on the server, added (or replacing documents of the same id)."""
        with index_lock(self.index_dir):
            new = read_documents(paths)
            when = now_text()
            for doc in new:
                doc.meta.update(origin=ORIGIN, added_by=by, added_at=when)
            new_ids = {doc.doc_id for doc in new}
            kept = [doc for doc in self._live_documents() if doc.doc_id not in new_ids]
            manifest = self._build([*kept, *new], {"action": "add", "by": by, "doc_id": ", ".join(sorted(new_ids))},
                                   added=new_ids)
        self.audit_log.append(by, "add", doc_id=", ".join(sorted(new_ids)), version=manifest["version"],
                              embedded=manifest["counts"]["embedded_chunks"])
        return manifest

    def remove(self, doc_id: str, by: str) -> dict:
        with index_lock(self.index_dir):
            live = self._live_documents()
            found = next((doc for doc in live if doc.doc_id == doc_id), None)
            if found is None:
                raise LibraryError(f"Không có tài liệu '{doc_id}' trong chỉ mục (có thể đã được gỡ).")
            if len(live) == 1:
                raise LibraryError("Không thể gỡ tài liệu cuối cùng: trợ lý cần ít nhất một tài liệu để trả lời.")
            label = document_label(found) if found.info else found.title
            manifest = self._build([doc for doc in live if doc.doc_id != doc_id],
                                   {"action": "remove", "by": by, "doc_id": doc_id, "label": label},
                                   removed={doc_id})
        self.audit_log.append(by, "remove", doc_id=doc_id, label=label, version=manifest["version"])
        return manifest

    def rollback(self, version: str, by: str) -> dict:
        """Make an earlier version live again (it is checked first: every file against its checksum)."""
        with index_lock(self.index_dir):
            before = _version_of(self.index_dir)
            if version == before:
                raise LibraryError("Phiên bản này đang được dùng.")
            try:
                manifest = {**point_to(self.index_dir, version), "version": version}
            except IndexLoadError as exc:
                raise LibraryError(f"Không quay lại được phiên bản {version}: {exc}") from exc
        self.audit_log.append(by, "rollback", version=version, previous=before,
                              documents=manifest.get("counts", {}).get("documents"))
        return manifest

    def rebuild(self, paths: Iterable[Path], by: str, reset: bool = False, progress: bool = False) -> dict:
        """Build from the document folder, keeping the documents published here and leaving out the ones removed
        here (`reset`: the folder alone, forgetting both)."""
        paths = list(paths)
        with index_lock(self.index_dir):
            files = read_documents(paths)
            library: list[Document] = []
            removed: set[str] = set()
            if not reset:
                try:
                    library = [doc for doc in stored_documents(self.index_dir) if doc.meta.get("origin") == ORIGIN]
                except IndexLoadError as exc:
                    log.error("the live index cannot be read, documents published from the admin page are lost: %s",
                              exc)
                removed = set(live_manifest(self.index_dir).get("removed", []))
            kept_ids = {doc.doc_id for doc in library}
            documents = [doc for doc in files if doc.doc_id not in kept_ids and doc.doc_id not in removed] + library
            if not documents:
                raise ValueError(f"Không tìm thấy tài liệu nào trong: {', '.join(str(p) for p in paths)}")
            manifest = build_index(documents, self.index_dir, self.settings, progress,
                                   change={"action": "build", "by": by, "reset": reset}, removed=removed)
            manifest = {**manifest, "version": _version_of(self.index_dir)}
        counts = manifest["counts"]
        self.audit_log.append(by, "build", version=manifest["version"], documents=counts["documents"],
                              embedded=counts["embedded_chunks"], kept=len(library) or None,
                              removed=len(removed) or None, reset=reset or None)
        return manifest

    def _live_documents(self) -> list[Document]:
        try:
            return stored_documents(self.index_dir)
        except IndexLoadError as exc:
            raise LibraryError(str(exc)) from exc

    def _build(self, documents: list[Document], change: dict, added: set[str] = frozenset(),
               removed: set[str] = frozenset()) -> dict:
        """A new version of these documents (the caller holds index_lock); the manifest, with "version" added."""
        previously = set(live_manifest(self.index_dir).get("removed", []))
        manifest = build_index(documents, self.index_dir, self.settings, progress=False, change=change,
                               removed=(previously | set(removed)) - set(added))
        return {**manifest, "version": _version_of(self.index_dir)}


def _unused_id(doc_id: str, taken: set[str]) -> str:
    """doc_id, or doc_id with '-2', '-3' … before its suffix when a document already has it."""
    if doc_id not in taken:
        return doc_id
    stem, dot, suffix = doc_id.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot else (doc_id, "")
    number = 2
    while f"{stem}-{number}{suffix}" in taken:
        number += 1
    return f"{stem}-{number}{suffix}"


def _version_of(index_dir: Path) -> str:
    try:
        return (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _printable(name: str) -> str:
    """A refused name as it may be logged: control characters shown as '?', at most 200 characters."""
    return "".join("?" if not ch.isprintable() else ch for ch in (name or ""))[:200]
