"""The persisted index: build, incremental rebuild, atomic swap, verified load.

Layout of an index folder:
    CURRENT               name of the live version folder (replaced atomically)
    v-<timestamp>/        one complete build
        manifest.json     format version, model name and checksum, document checksums, file checksums
        documents.jsonl   each document's source text, metadata and checksum (quotes are spans into it)
        chunks.jsonl      chunks with section paths and spans
        facts.jsonl       facts extracted at build time, each with its citation
        embeddings.npy    one L2-normalised vector per chunk (reused by a rebuild wherever a chunk's text is unchanged)
        dense.faiss       FAISS index over the embeddings
        lexical/          BM25 index (bm25s)
        accents.json      syllable unigram/bigram counts for restoring diacritics of queries

A build never touches the live version: it writes `.building-<pid>-…/`, flushes every file to disk, renames it to
`v-…/` and only then replaces CURRENT, so a crash or a power cut half-way leaves the previous index serving (a
leftover `.building-…` folder of a dead build is removed by the next build). Loading verifies every file's checksum.
The last CCVC_KEEP_VERSIONS versions stay on disk: pointing CURRENT back at one of them (`point_to`) is a rollback.
Each manifest says what made its version (`change`: who, when, which document) and which documents an
administrator removed (`removed`), so that rebuilding from the document folder does not bring them back
(knowledge/library.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import faiss
import numpy as np
from tqdm import tqdm

from .accents import AccentModel
from .checksums import sha256_file, sha256_text
from .docinfo import extract_info
from .embed import Embedder, get_embedder, model_checksum
from .facts import document_fact, extract_facts
from .ingest import read_documents
from .lexical import LexicalIndex
from .model import Chunk, DocInfo, Document, Fact
from .settings import KnowledgeSettings, get_settings
from .structure import PART_CONTENTS, chunk_document, parse_structure

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # bump when chunking or indexed text changes: older builds are then rebuilt
POINTER = "CURRENT"
BUILDING = ".building-"  # a build in progress: .building-<pid>-v-…, renamed to v-… once on disk
LOCK = ".lock"  # held by whoever reads the live documents to write a new version from them (index_lock)


class IndexLoadError(RuntimeError):
    """The index is missing, corrupt or was built for another model/format; the message says how to rebuild."""


def rebuild_hint(index_dir: Path) -> str:
    return f"Chạy lại: python -m knowledge build --index {index_dir}"


def document_label(doc: Document) -> str:
    """How citations name a document: 'Kế hoạch 206/KH-UBND', else its title, else its id."""
    if doc.info and doc.info.label and doc.info.number:
        return doc.info.label
    return doc.title or doc.doc_id


def chunk_context(chunk: Chunk) -> str:
    """The text indexed for a chunk: where it sits (document, section path) and what it says."""
    part = PART_CONTENTS.get(chunk.section_path[0], "") if chunk.section_path else ""
    return f"{chunk.section}{f' ({part})' if part else ''}\n{chunk.text}"


HEADING_WEIGHT = 2  # measured on our question set: top-1 section 83 → 86 % (3 gave no more)


def lexical_context(chunk: Chunk) -> str:
    """The lexical index sees the section path more than once: a heading names what its whole section is
    about ("Đối tượng không áp dụng"), while the same words in the body may be incidental."""
    return "\n".join([chunk.section] * (HEADING_WEIGHT - 1) + [chunk_context(chunk)])


@dataclass
class AnalysedDocument:
    doc: Document
    checksum: str
    chunks: list[Chunk]
    facts: list[Fact]


def analyse(doc: Document, max_chars: int) -> AnalysedDocument:
    structure = parse_structure(doc.source)
    doc.info = extract_info(doc, structure.lines)
    label = document_label(doc)
    chunks = chunk_document(doc, label, structure, max_chars=max_chars)
    facts = extract_facts(doc, label, structure.lines, structure.owners)
    about = document_fact(doc, label, structure.lines, structure.owners)
    return AnalysedDocument(doc, sha256_text(doc.source), chunks, [about, *facts] if about else facts)


@dataclass
class KnowledgeIndex:
    """A loaded index, ready to search. Cheap to query; load it once per process."""

    folder: Path
    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    facts: list[Fact]
    embeddings: np.ndarray
    dense: faiss.Index
    lexical: LexicalIndex
    accents: AccentModel
    settings: KnowledgeSettings = field(default_factory=get_settings)
    _embedder: Embedder | None = None
    # Statistics derived from the chunks on first use (e.g. syllable IDF for answer confidence).
    memo: dict = field(default_factory=dict, repr=False)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedding_model, self.settings.threads,
                                          self.settings.query_backend, self.settings.onnx_dir)
        return self._embedder

    def quote(self, doc_id: str, start: int, end: int) -> str:
        return self.documents[doc_id].source[start:end]

    def doc_label(self, doc_id: str) -> str:
        return document_label(self.documents[doc_id])


# ---------------------------------------------------------------- building


ANALYSER_MODULES = ("text.py", "structure.py", "docinfo.py", "preamble.py", "facts", "index.py")  # a folder: its *.py files


def analyser_checksum() -> str:
    """Identity of the code that turns a document into chunks and facts: when it changes, documents are
    analysed again even if their text did not (embeddings are still reused where a chunk's text is)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for name in ANALYSER_MODULES:
        path = package / name
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()


@dataclass
class PreviousBuild:
    documents: dict[str, AnalysedDocument]  # reusable analyses, by document id
    vectors: dict[str, np.ndarray]  # embedding by sha256 of the indexed chunk text


def _previous_build(index_dir: Path, model_sum: str, max_chars: int, analyser: str) -> PreviousBuild:
    """What the live index can lend to a rebuild: embeddings (same model, whatever the format: vectors are
    looked up by the exact text they embed) and analyses (same format, chunk size and analysing code).
    Only the files a rebuild uses are read; anything unreadable simply lends nothing."""
    try:
        live = LiveVersion.open(index_dir)
        manifest = live.manifest
        if manifest["model"]["checksum"] != model_sum:
            return PreviousBuild({}, {})
        chunks = [Chunk(**row) for row in live.rows("chunks.jsonl")]
        vectors = dict(zip((sha256_text(chunk_context(c)) for c in chunks), np.load(live.verified("embeddings.npy"))))
        if (manifest.get("format_version") != FORMAT_VERSION or manifest.get("chunk_max_chars") != max_chars
                or manifest.get("analyser") != analyser):
            return PreviousBuild({}, vectors)
        facts = [Fact(**row) for row in live.rows("facts.jsonl")]
        by_doc = {
            row["doc_id"]: AnalysedDocument(
                doc=_document_from_row(row),
                checksum=row["checksum"],
                chunks=[c for c in chunks if c.doc_id == row["doc_id"]],
                facts=[f for f in facts if f.doc_id == row["doc_id"]],
            )
            for row in live.rows("documents.jsonl")
        }
        return PreviousBuild(by_doc, vectors)
    except (IndexLoadError, OSError, ValueError, KeyError, TypeError):
        return PreviousBuild({}, {})


def _embed_reusing(texts: list[str], vectors: dict[str, np.ndarray], settings: KnowledgeSettings,
                   progress: bool) -> tuple[np.ndarray, int]:
    """Embeddings of texts, taking known ones from `vectors`; returns the matrix and how many were new."""
    keys = [sha256_text(text) for text in texts]
    missing = sorted({i for i, key in enumerate(keys) if key not in vectors})
    embedder = get_embedder(settings.embedding_model, settings.threads, settings.query_backend,
                             settings.onnx_dir) if missing or not vectors else None
    dimension = embedder.dimension if embedder is not None else len(next(iter(vectors.values())))
    matrix = np.zeros((len(texts), dimension), np.float32)
    for i, key in enumerate(keys):
        if key in vectors:
            matrix[i] = vectors[key]
    if missing:
        fresh = embedder.passages([texts[i] for i in missing], batch_size=settings.embed_batch_size, progress=progress)
        matrix[missing] = fresh
        vectors.update(zip((keys[i] for i in missing), fresh))
    return matrix, len(missing)


def stored_documents(index_dir: Path) -> list[Document]:
    """The documents of the live index (for `add`, which keeps them and adds one).

    Only documents.jsonl is needed, so an index of an older format still gives its documents; an
    unreadable one is refused rather than silently replaced by an index of the new file alone.
    """
    if not (index_dir / POINTER).is_file():
        return []
    try:
        return [_document_from_row(row) for row in LiveVersion.open(index_dir).rows("documents.jsonl")]
    except (IndexLoadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexLoadError(f"Không đọc được tài liệu của chỉ mục {index_dir} ({exc}); không thể thêm tài liệu. "
                             f"{rebuild_hint(index_dir)} --docs …") from exc


def _document_from_row(row: dict) -> Document:
    info = DocInfo(**row["info"]) if row.get("info") else None
    return Document(row["doc_id"], row["source"], row["title"], row["meta"], info)


def build_index(
    documents: Iterable[Document],
    index_dir: Path | None = None,
    settings: KnowledgeSettings | None = None,
    progress: bool = True,
    change: dict | None = None,
    removed: Iterable[str] = (),
) -> dict:
    """Build (or incrementally rebuild) the index from documents; returns the new manifest.

    Unchanged documents (same text, model, chunking and analysing code) keep their chunks and facts;
    chunks whose indexed text was embedded before keep their vectors, so only new or changed text is
    embedded. The lexical and FAISS indexes are rebuilt whole: that is cheap next to embedding.
    `change` (what made this version: action, who, document) and `removed` (ids an administrator removed) are
    recorded in the manifest.
    """
    settings = settings or get_settings()
    index_dir = Path(index_dir or settings.index_dir)
    started = time.perf_counter()
    docs = list(documents)
    seen: set[str] = set()
    for doc in docs:
        if doc.doc_id in seen:
            raise ValueError(f"Hai tài liệu trùng mã '{doc.doc_id}': mỗi tài liệu cần tên tệp hoặc id riêng.")
        seen.add(doc.doc_id)
    model_sum = model_checksum(settings.embedding_model)
    analyser = analyser_checksum()
    previous = _previous_build(index_dir, model_sum, settings.chunk_max_chars, analyser)
    before = live_manifest(index_dir).get("documents", {})
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    analysed: list[AnalysedDocument] = []
    reused = 0
    for doc in tqdm(docs, desc="Phân tích tài liệu", unit="tl", disable=not progress):
        old = previous.documents.get(doc.doc_id)
        if old is not None and old.checksum == sha256_text(doc.source):
            # Same text: keep the analysis, but take the file's current title and metadata (path, format).
            doc.info = old.doc.info
            old.doc = doc
            analysed.append(old)
            reused += 1
        else:
            analysed.append(analyse(doc, settings.chunk_max_chars))

    # Embed only chunk texts the previous build has not embedded already.
    contexts = [chunk_context(chunk) for a in analysed for chunk in a.chunks]
    embeddings, embedded = _embed_reusing(contexts, previous.vectors, settings, progress)
    dimension = embeddings.shape[1]

    # Renumber chunks so that ids follow their row in this build.
    chunks: list[Chunk] = []
    for a in analysed:
        for n, chunk in enumerate(a.chunks):
            chunk.chunk_id = f"{a.doc.doc_id}#{n}"
            chunks.append(chunk)
    facts = [fact for a in analysed for fact in a.facts]

    index_dir.mkdir(parents=True, exist_ok=True)
    _remove_dead_builds(index_dir)
    folder = Path(tempfile.mkdtemp(prefix=f"{BUILDING}{os.getpid()}-v-{time.strftime('%Y%m%d-%H%M%S')}-",
                                   dir=index_dir))
    try:
        _write_jsonl(folder / "documents.jsonl", (
            {"doc_id": a.doc.doc_id, "title": a.doc.title, "meta": a.doc.meta,
             "info": asdict(a.doc.info) if a.doc.info else None, "checksum": a.checksum, "source": a.doc.source}
            for a in analysed
        ))
        _write_jsonl(folder / "chunks.jsonl", (chunk.to_dict() for chunk in chunks))
        _write_jsonl(folder / "facts.jsonl", (fact.to_dict() for fact in facts))
        np.save(folder / "embeddings.npy", embeddings)
        faiss.write_index(_dense_index(embeddings, settings), str(folder / "dense.faiss"))
        LexicalIndex.build([lexical_context(c) for c in chunks], settings.bm25_k1, settings.bm25_b).save(folder / "lexical")
        accents = AccentModel.from_texts(a.doc.source for a in analysed)
        (folder / "accents.json").write_text(json.dumps(accents.to_dict(), ensure_ascii=False), encoding="utf-8")
        manifest = {
            "format_version": FORMAT_VERSION,
            "created": now,
            "model": {"name": settings.embedding_model, "checksum": model_sum, "dimension": int(dimension)},
            "chunk_max_chars": settings.chunk_max_chars,
            "analyser": analyser,
            "documents": {
                a.doc.doc_id: {"checksum": a.checksum, "chunks": len(a.chunks), "facts": len(a.facts),
                               "label": document_label(a.doc), "path": a.doc.meta.get("path", ""),
                               **_provenance(a, before.get(a.doc.doc_id), now)}
                for a in analysed
            },
            "removed": sorted(set(removed) - {a.doc.doc_id for a in analysed}),
            "change": change or {"action": "build"},
            "counts": {"documents": len(analysed), "chunks": len(chunks), "facts": len(facts),
                       "reused_documents": reused, "embedded_chunks": embedded},
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        manifest["files"] = {
            str(path.relative_to(folder)): sha256_file(path)
            for path in sorted(folder.rglob("*")) if path.is_file()
        }
        _write_json(folder / "manifest.json", manifest)
        os.chmod(folder, 0o755)
        _flush_to_disk(folder)
        finished = index_dir / folder.name.split("-", 2)[2]  # .building-<pid>-v-… → v-…
        os.rename(folder, finished)
        folder = finished
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _switch_to(index_dir, folder.name, settings.keep_versions)
    log.info("index %s: %s", folder, manifest["counts"])
    return manifest


def _provenance(analysed: AnalysedDocument, before: dict | None, now: str) -> dict:
    """Where a document came from (the document folder, or the library: an upload or `add`), who added it and when
    this text of it was first indexed (kept from the previous version while its text is unchanged)."""
    meta = analysed.doc.meta
    unchanged = before is not None and before.get("checksum") == analysed.checksum and before.get("added")
    return {"origin": meta.get("origin", "files"), "added_by": meta.get("added_by", ""),
            "added": before["added"] if unchanged else meta.get("added_at") or now}


def _dense_index(embeddings: np.ndarray, settings: KnowledgeSettings) -> faiss.Index:
    dimension = embeddings.shape[1] if embeddings.ndim == 2 and embeddings.shape[1] else 1
    if len(embeddings) >= settings.hnsw_threshold:
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(embeddings):
        index.add(embeddings)
    return index


def _write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _flush_to_disk(folder: Path) -> None:
    """Every file and folder of a finished build on disk before CURRENT may name it: after a power cut, CURRENT must
    never point at files the kernel had not yet written."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for path in [*sorted(p for p in folder.rglob("*") if p.is_dir()), folder]:
        _fsync_dir(path)


def _remove_dead_builds(index_dir: Path) -> None:
    """Remove the `.building-<pid>-…` folders of builds whose process is gone (killed, or a power cut)."""
    for path in index_dir.glob(f"{BUILDING}*"):
        pid = path.name[len(BUILDING):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and Path(f"/proc/{pid}").exists():
            continue  # another build is running now
        shutil.rmtree(path, ignore_errors=True)


def _write_pointer(index_dir: Path, version: str) -> None:
    """Replace CURRENT atomically (a reader sees the old name or the new one, never a mix), durably."""
    tmp = index_dir / f".{POINTER}.{os.getpid()}"
    tmp.write_text(version + "\n", encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / POINTER)
    _fsync_dir(index_dir)


def _switch_to(index_dir: Path, version: str, keep_versions: int) -> None:
    """Point CURRENT at the new version, then drop all but the newest `keep_versions` versions (the live one is
    always kept)."""
    _write_pointer(index_dir, version)
    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    keep = {version} | {p.name for p in versions[-max(keep_versions, 1):]}
    for path in versions:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def index_lock(index_dir: Path, timeout: float = 900.0) -> Iterator[None]:
    """Held while the live documents are read and a new version written from them (add, publish, remove, rollback,
    rebuild): two such changes at once would each start from the same version and the second would undo the first.
    An flock on a file in the index folder, so it also holds between processes (the portal's publish and a
    `python -m knowledge add` in a shell). Raises TimeoutError when another change holds it for `timeout` s."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"chỉ mục {index_dir} đang được thay đổi bởi một thao tác khác") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def live_manifest(index_dir: Path) -> dict:
    """The live version's manifest as written ({} when there is none or it cannot be read): for provenance and
    listings, never for loading (load_index verifies)."""
    try:
        return json.loads((live_version(index_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (IndexLoadError, OSError, ValueError):
        return {}


@dataclass
class VersionInfo:
    name: str
    live: bool
    created: str
    change: dict
    documents: int
    chunks: int
    facts: int
    complete: bool  # its manifest could be read (a rollback to it is possible)


def list_versions(index_dir: Path) -> list[VersionInfo]:
    """The versions on disk, newest first, with what made each (from their manifests)."""
    try:
        current = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        current = ""
    found = []
    for path in sorted((p for p in index_dir.glob("v-*") if p.is_dir()), key=lambda p: p.stat().st_mtime,
                       reverse=True):
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
            counts = manifest.get("counts", {})
            found.append(VersionInfo(path.name, path.name == current, manifest.get("created", ""),
                                     manifest.get("change") or {"action": "build"}, counts.get("documents", 0),
                                     counts.get("chunks", 0), counts.get("facts", 0), True))
        except (OSError, ValueError, AttributeError):
            found.append(VersionInfo(path.name, path.name == current, "", {}, 0, 0, 0, False))
    return found


def point_to(index_dir: Path, version: str) -> dict:
    """Make an earlier version live again (a rollback): only a version folder of this index, whose files all match
    their checksums, built in this format. Returns its manifest. The caller holds index_lock."""
    names = {p.name for p in index_dir.glob("v-*") if p.is_dir()}
    if version not in names:
        raise IndexLoadError(f"Không có phiên bản '{version}' trong chỉ mục {index_dir}.")
    candidate = LiveVersion(index_dir, index_dir / version, {})
    try:
        candidate.manifest = json.loads((candidate.folder / "manifest.json").read_text(encoding="utf-8"))
        files = candidate.manifest["files"]
        if not isinstance(files, dict):
            raise ValueError("không có danh sách checksum")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexLoadError(f"Phiên bản {version} không có manifest hợp lệ ({exc}).") from exc
    candidate.check_format()
    for name in files:
        candidate.verified(name)
    _write_pointer(index_dir, version)
    return candidate.manifest


def build_from_paths(paths: Iterable[Path], index_dir: Path | None = None,
                     settings: KnowledgeSettings | None = None, progress: bool = True) -> dict:
    """Build from files and folders. Finding no document at all is refused: it would empty the live index."""
    paths = list(paths)
    documents = read_documents(paths)
    if not documents:
        raise ValueError(f"Không tìm thấy tài liệu nào trong: {', '.join(str(p) for p in paths)}")
    return build_index(documents, index_dir, settings, progress)


def add_documents(paths: Iterable[Path], index_dir: Path | None = None,
                  settings: KnowledgeSettings | None = None, progress: bool = True) -> dict:
    """Add (or replace, by id) documents in the live index; everything else is reused."""
    settings = settings or get_settings()
    index_dir = Path(index_dir or settings.index_dir)
    new = read_documents(paths)
    new_ids = {doc.doc_id for doc in new}
    kept = [doc for doc in stored_documents(index_dir) if doc.doc_id not in new_ids]
    return build_index([*kept, *new], index_dir, settings, progress)


# ---------------------------------------------------------------- loading


def live_version(index_dir: Path) -> Path:
    pointer = index_dir / POINTER
    if not pointer.is_file():
        raise IndexLoadError(f"Chưa có chỉ mục tại {index_dir}. {rebuild_hint(index_dir)}")
    folder = index_dir / pointer.read_text(encoding="utf-8").strip()
    if not folder.is_dir():
        raise IndexLoadError(f"Chỉ mục tại {index_dir} trỏ tới thư mục không tồn tại ({folder.name}). "
                             f"{rebuild_hint(index_dir)}")
    return folder


@dataclass
class LiveVersion:
    """The live version folder and its manifest; files are read only after their checksum is verified."""

    index_dir: Path
    folder: Path
    manifest: dict
    _verified: set[str] = field(default_factory=set)  # each file is hashed once, however often it is read

    @classmethod
    def open(cls, index_dir: Path) -> "LiveVersion":
        folder = live_version(index_dir)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            if not isinstance(manifest.get("files"), dict):
                raise ValueError("không có danh sách checksum")  # a manifest that verifies nothing is no manifest
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexLoadError(f"Tệp manifest của chỉ mục {folder} bị thiếu hoặc hỏng ({exc}). "
                                 f"{rebuild_hint(index_dir)}") from exc
        return cls(index_dir, folder, manifest)

    def verified(self, name: str) -> Path:
        path = self.folder / name
        if name in self._verified:
            return path
        expected = self.manifest["files"].get(name)
        if expected is None or not path.is_file() or sha256_file(path) != expected:
            raise IndexLoadError(f"Chỉ mục {self.folder} bị hỏng: tệp {name} thiếu hoặc sai checksum. "
                                 f"{rebuild_hint(self.index_dir)}")
        self._verified.add(name)
        return path

    def rows(self, name: str) -> list[dict]:
        return _read_jsonl(self.verified(name))

    def check_format(self) -> None:
        """Refuse a version built by another format (building again reuses what it can)."""
        if self.manifest.get("format_version") != FORMAT_VERSION:
            raise IndexLoadError(f"Chỉ mục {self.folder} có định dạng phiên bản {self.manifest.get('format_version')}, "
                                 f"cần phiên bản {FORMAT_VERSION}. {rebuild_hint(self.index_dir)}")

    def documents_and_facts(self) -> tuple[dict[str, Document], list[Fact]]:
        """The documents by id and the extracted facts (files verified first). Parse errors are left to the caller,
        which says what could not be read."""
        documents = {row["doc_id"]: _document_from_row(row) for row in self.rows("documents.jsonl")}
        return documents, [Fact(**row) for row in self.rows("facts.jsonl")]


def load_index(index_dir: Path | None = None, settings: KnowledgeSettings | None = None,
               verify_model: bool = True) -> KnowledgeIndex:
    """Load and verify the live index. Refuses a missing, corrupt or mismatched one with a clear message."""
    settings = settings or get_settings()
    index_dir = Path(index_dir or settings.index_dir)
    live = LiveVersion.open(index_dir)
    folder, manifest = live.folder, live.manifest
    hint = rebuild_hint(index_dir)
    live.check_format()
    for name in manifest["files"]:
        live.verified(name)
    if verify_model:
        configured = model_checksum(settings.embedding_model)
        if manifest["model"]["checksum"] != configured:
            raise IndexLoadError(
                f"Chỉ mục được xây dựng với mô hình '{manifest['model']['name']}' nhưng CCVC_EMBEDDING_MODEL là "
                f"'{settings.embedding_model}' (khác checksum). {hint}")
    try:
        documents, facts = live.documents_and_facts()
        chunks = [Chunk(**row) for row in live.rows("chunks.jsonl")]
        embeddings = np.load(folder / "embeddings.npy")
        dense = faiss.read_index(str(folder / "dense.faiss"))
        lexical = LexicalIndex.load(folder / "lexical")
        accents = AccentModel.from_dict(json.loads((folder / "accents.json").read_text(encoding="utf-8")))
    except Exception as exc:  # any parse error means the files are not what the manifest promised
        raise IndexLoadError(f"Không đọc được chỉ mục {folder} ({type(exc).__name__}: {exc}). {hint}") from exc
    if len(chunks) != len(embeddings) or dense.ntotal != len(chunks):
        raise IndexLoadError(f"Chỉ mục {folder} không nhất quán (số đoạn khác số vector). {hint}")
    if hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = 128
    faiss.omp_set_num_threads(settings.threads)
    return KnowledgeIndex(folder, manifest, documents, chunks, facts, embeddings, dense, lexical, accents, settings)


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
