"""Reading an uploaded file safely: its type from its bytes, caps on size and pages, archive bombs refused, and the
parsing done in a child process with hard limits, so that a hostile file can cost at most that child.

    check_name(name)                    the name as sent, refused if it holds a path or control characters
    detect(data, name, settings)        → Detected(suffix, notes): the type from the content (magic bytes, a .docx's
                                          parts), refused for programs, old .doc, images, other archives, bombs
    read_in_child(data, …)              → (Document, analysis): parsed and analysed by `python -m knowledge.upload`
                                          under RLIMIT_CPU / RLIMIT_AS / RLIMIT_FSIZE=0, the bytes through a pipe

Nothing here executes the file, and its bytes are never written to a path built from its name (nor to any path:
the child reads them from stdin). Every refusal is an `UploadRefused` with a code for programs and a Vietnamese
message for the administrator.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Document
from .settings import REPO_ROOT, KnowledgeSettings
from .text import strip_diacritics

log = logging.getLogger(__name__)

MIB = 1024 * 1024
SUFFIXES = (".docx", ".pdf", ".html", ".md", ".txt")  # what an upload may be read as
KIND_NAMES = {".docx": "tài liệu Word (.docx)", ".pdf": "tệp PDF", ".html": "trang web (.html)",
              ".md": "văn bản Markdown (.md)", ".txt": "văn bản thuần (.txt)"}
NAME_MAX = 200
BOMB_ENTRY_BYTES = 1 * MIB  # entries smaller than this are never called bombs, however well they compress
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"

# Signatures of files that are not documents: (prefix, what they are, what to do instead).
_NOT_DOCUMENTS: list[tuple[bytes, str, str]] = [
    (b"MZ", "tệp chương trình Windows (.exe, .dll)", ""),
    (b"\x7fELF", "tệp chương trình (ELF)", ""),
    (b"\xca\xfe\xba\xbe", "tệp chương trình (Mach-O/Java)", ""),
    (b"\xcf\xfa\xed\xfe", "tệp chương trình (Mach-O)", ""),
    (b"#!", "tệp kịch bản lệnh (script)", ""),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "tệp Office đời cũ (.doc, .xls)", " Hãy mở bằng Word và lưu lại dưới dạng .docx."),
    (b"{\\rtf", "tệp RTF", " Hãy mở bằng Word và lưu lại dưới dạng .docx."),
    (b"\x89PNG", "ảnh PNG", " Văn bản chụp hoặc scan cần được nhận dạng chữ (OCR) trước."),
    (b"\xff\xd8\xff", "ảnh JPEG", " Văn bản chụp hoặc scan cần được nhận dạng chữ (OCR) trước."),
    (b"GIF8", "ảnh GIF", ""),
    (b"II*\x00", "ảnh TIFF", " Văn bản scan cần được nhận dạng chữ (OCR) trước."),
    (b"MM\x00*", "ảnh TIFF", " Văn bản scan cần được nhận dạng chữ (OCR) trước."),
    (b"RIFF", "tệp âm thanh/ảnh (RIFF)", ""),
    (b"\x1f\x8b", "tệp nén gzip", ""),
    (b"Rar!", "tệp nén RAR", ""),
    (b"7z\xbc\xaf\x27\x1c", "tệp nén 7z", ""),
    (b"BZh", "tệp nén bzip2", ""),
    (b"\xfd7zXZ", "tệp nén xz", ""),
]
_HTML_RE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_CONTENT_TYPE_RE = re.compile(r'PartName="([^"]+)"\s+ContentType="([^"]+)"|ContentType="([^"]+)"\s+PartName="([^"]+)"')


class UploadRefused(Exception):
    """An upload that will not be read: `code` for programs, `message` (Vietnamese) for the administrator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Detected:
    suffix: str  # how the content will be read: one of SUFFIXES
    notes: list[str] = field(default_factory=list)  # worth telling the administrator (shown in the preview)


def _mib(size: int) -> str:
    return f"{size / MIB:,.1f}".replace(",", " ").replace(".", ",") + " MB"


def check_name(name: str) -> str:
    """The file name as the browser or script sent it, NFC and trimmed. It is only shown to people and turned into
    an id, never into a path; a name holding a path (/, \\, ..) or control characters is refused all the same:
    no browser sends one, so someone is probing."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if "/" in name or "\\" in name or name in {".", ".."}:
        raise UploadRefused("bad_name", "Tên tệp không hợp lệ: tên tệp không được chứa đường dẫn thư mục "
                                        "(/, \\ hoặc ..). Hãy đổi tên tệp rồi tải lên lại.")
    if any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in name):
        raise UploadRefused("bad_name", "Tên tệp không hợp lệ: có ký tự điều khiển. Hãy đổi tên tệp rồi tải lên lại.")
    if len(name) > NAME_MAX:
        raise UploadRefused("bad_name", f"Tên tệp quá dài (tối đa {NAME_MAX} ký tự). Hãy đặt tên ngắn hơn.")
    return name


def document_id(name: str, suffix: str) -> str:
    """A plain id for the index from the file name (letters without diacritics, digits, '.', '-', '_') and the
    suffix the content was read as: '206 KH-UBND Hải Phòng.docx' → '206-KH-UBND-Hai-Phong.docx'."""
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", strip_diacritics(stem).replace("đ", "d").replace("Đ", "D")).strip("-_")
    return (stem[:80].rstrip("-_") or "tai-lieu") + suffix


def _name_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower() if "." in name else ""
    return ".html" if suffix == ".htm" else suffix


def detect(data: bytes, name: str, settings: KnowledgeSettings) -> Detected:
    """What the bytes are, whatever the name says; UploadRefused for anything but a readable document."""
    if not data:
        raise UploadRefused("empty", "Tệp rỗng (0 byte). Hãy chọn đúng tệp văn bản.")
    if len(data) > settings.upload_max_bytes:
        raise UploadRefused("too_large", f"Tệp quá lớn ({_mib(len(data))}); tối đa {_mib(settings.upload_max_bytes)}.")
    declared = _name_suffix(name)
    for prefix, what, advice in _NOT_DOCUMENTS:
        if data.startswith(prefix):
            said = f" (dù tên tệp có đuôi {declared})" if declared else ""
            raise UploadRefused("not_a_document", f"Nội dung tệp là {what}{said}, không phải văn bản. Chỉ nhận "
                                                  f"tệp .docx, .pdf, .html, .txt, .md.{advice}")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        _check_docx(data, settings)
        suffix = ".docx"
    elif b"%PDF-" in data[:1024]:
        suffix = ".pdf"
    else:
        suffix = _text_kind(data, declared)
    notes = []
    family = {".md": ".txt"}.get
    if declared and declared in {*SUFFIXES, ".htm"} and family(declared, declared) != family(suffix, suffix):
        notes.append(f"Tên tệp có đuôi {declared} nhưng nội dung là {KIND_NAMES[suffix]}: đã đọc theo nội dung.")
    elif declared and declared not in SUFFIXES:
        notes.append(f"Tên tệp có đuôi {declared}; nội dung là {KIND_NAMES[suffix]} và đã được đọc như vậy.")
    return Detected(suffix, notes)


def _text_kind(data: bytes, declared: str) -> str:
    """.html, .md or .txt for text; UploadRefused for bytes that are not text in any encoding we read."""
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        if b"\x00" in head:
            raise UploadRefused("not_a_document", "Nội dung tệp là dữ liệu nhị phân không rõ loại, không phải văn bản. "
                                                  "Chỉ nhận tệp .docx, .pdf, .html, .txt, .md.")
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start > len(head) - 4:  # a character cut by the 64 KiB window
                text = head[:exc.start].decode("utf-8")
            else:
                text = head.decode("cp1258", errors="replace")
    controls = sum(1 for ch in text if (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f") or ch == "\ufffd")
    if controls > max(2, len(text) // 100):
        raise UploadRefused("not_a_document", "Nội dung tệp không phải văn bản đọc được (nhiều ký tự điều khiển hoặc "
                                              "sai bảng mã). Chỉ nhận tệp .docx, .pdf, .html, .txt, .md (UTF-8).")
    probe = text.lstrip("\ufeff").encode("utf-8", errors="replace")[:4096]
    if declared == ".html" or _HTML_RE.match(probe):
        return ".html"
    return ".md" if declared == ".md" else ".txt"


def _check_docx(data: bytes, settings: KnowledgeSettings) -> None:
    """A zip must be a Word document, and one that unpacks to a sane size, before anything opens its parts."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UploadRefused("corrupt", f"Tệp nén (.zip/.docx) bị hỏng, không mở được ({type(exc).__name__}).") from exc
    if len(entries) > settings.upload_max_entries:
        raise UploadRefused("archive_bomb", f"Tệp nén chứa quá nhiều thành phần ({len(entries):,} > "
                                            f"{settings.upload_max_entries:,}): từ chối để bảo vệ máy chủ.")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > settings.upload_max_unpacked_bytes:
        raise UploadRefused("archive_bomb", f"Tệp nén khi giải nén ra tới {_mib(unpacked)}, vượt giới hạn "
                                            f"{_mib(settings.upload_max_unpacked_bytes)} (có thể là \"bom nén\"): "
                                            "từ chối để bảo vệ máy chủ.")
    for entry in entries:
        if entry.file_size > BOMB_ENTRY_BYTES and entry.file_size > settings.upload_max_ratio * max(entry.compress_size, 1):
            raise UploadRefused("archive_bomb", f"Một thành phần của tệp nén bị nén {entry.file_size // max(entry.compress_size, 1):,}"
                                                f" lần (tối đa {settings.upload_max_ratio} lần; có thể là \"bom nén\"): "
                                                "từ chối để bảo vệ máy chủ.")
        if entry.flag_bits & 0x1:
            raise UploadRefused("encrypted", "Tệp được đặt mật khẩu: hãy bỏ mật khẩu rồi tải lên lại.")
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names:
        kind = "tài liệu OpenDocument (.odt, .ods)" if "mimetype" in names else "tệp nén .zip"
        raise UploadRefused("not_a_document", f"Nội dung tệp là {kind}, không phải tài liệu Word (.docx). Hãy mở bằng "
                                              "Word và lưu lại dưới dạng .docx.")
    types = archive.read("[Content_Types].xml").decode("utf-8", errors="replace")
    parts = {(m.group(1) or m.group(4)): (m.group(2) or m.group(3)) for m in _CONTENT_TYPE_RE.finditer(types)}
    main = next((kind for kind in parts.values() if ".main+xml" in kind), "")
    if "macroEnabled" in main or any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UploadRefused("macro", "Tệp Word có chứa macro (.docm): không nhận tệp có mã lệnh. Hãy lưu lại dưới "
                                     "dạng .docx thường (Word Document).")
    if main != DOCX_MAIN:
        what = ("bảng tính Excel (.xlsx)" if "spreadsheetml" in main else "trình chiếu PowerPoint (.pptx)"
                if "presentationml" in main else "mẫu Word (.dotx)" if "template" in main else "tệp nén .zip")
        raise UploadRefused("not_a_document", f"Nội dung tệp là {what}, không phải tài liệu Word (.docx). Hãy lưu văn "
                                              "bản dưới dạng .docx hoặc .pdf.")


# ---------------------------------------------------------------------------------------------
# Parsing in a child process


def read_in_child(data: bytes, suffix: str, doc_id: str, title: str,
                  settings: KnowledgeSettings) -> tuple[Document, dict[str, Any]]:
    """Parse and analyse the bytes in `python -m knowledge.upload` under hard limits: (the document, its analysis
    as knowledge.library.analysis_of gives it). UploadRefused for whatever the child refused or could not finish."""
    job = {"suffix": suffix, "doc_id": doc_id, "title": title, "max_pages": settings.upload_max_pages,
           "max_chars": settings.upload_max_pages * settings.upload_chars_per_page,
           "chunk_max_chars": settings.chunk_max_chars, "cpu_seconds": settings.upload_cpu_seconds,
           "memory_mb": settings.upload_memory_mb}
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO_ROOT),
                   "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8",
                   "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    try:
        done = subprocess.run([sys.executable, "-m", "knowledge.upload", json.dumps(job)], input=data,
                              capture_output=True, timeout=settings.upload_cpu_seconds * 2 + 30, cwd=REPO_ROOT,
                              env=environment)
    except subprocess.TimeoutExpired as exc:
        raise UploadRefused("too_slow", "Đọc tệp mất quá nhiều thời gian (tệp quá phức tạp hoặc bị hỏng): từ chối để "
                                        "bảo vệ máy chủ.") from exc
    try:
        result = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        result = None
    if done.returncode != 0 or not isinstance(result, dict):
        log.error("upload reader exited with %s: %s", done.returncode,
                  done.stderr.decode("utf-8", errors="replace")[-2000:])
        raise UploadRefused("too_complex", "Không đọc được tệp: tệp quá phức tạp, quá lớn khi giải nén hoặc bị hỏng "
                                           "(vượt giới hạn thời gian/bộ nhớ khi đọc). Hãy kiểm tra lại tệp.")
    if "error" in result:
        raise UploadRefused(result["error"], result["message"])
    row = result["document"]
    return Document(row["doc_id"], row["source"], row["title"], row["meta"]), result["analysis"]


def _limit_myself(cpu_seconds: int, memory_mb: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MIB, memory_mb * MIB))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file written, whatever a parser tries
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader

    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except Exception:  # noqa: BLE001 - the reader says what is wrong with the file
        return 0


def _child(job: dict[str, Any]) -> dict[str, Any]:
    from .ingest import IngestError, read_bytes

    data = sys.stdin.buffer.read()
    if job["suffix"] == ".pdf":
        pages = _pdf_pages(data)
        if pages > job["max_pages"]:
            return {"error": "too_many_pages", "message": f"Tệp PDF có {pages:,} trang, vượt giới hạn "
                                                          f"{job['max_pages']:,} trang. Hãy tải lên văn bản ngắn hơn "
                                                          "hoặc tách thành nhiều tệp.".replace(",", ".")}
    try:
        doc = read_bytes(data, job["suffix"], job["doc_id"], job["title"])
    except IngestError as exc:
        return {"error": "unreadable", "message": f"Không đọc được tệp: {exc.reason}."}
    if len(doc.source) > job["max_chars"]:
        pages = len(doc.source) // max(1, job["max_chars"] // job["max_pages"])
        return {"error": "too_many_pages", "message": f"Văn bản quá dài (khoảng {pages:,} trang, tối đa "
                                                      f"{job['max_pages']:,} trang). Hãy tách thành nhiều tệp."
                                                      .replace(",", ".")}
    from .library import analysis_of

    return {"document": {"doc_id": doc.doc_id, "source": doc.source, "title": doc.title, "meta": doc.meta},
            "analysis": analysis_of(doc, job["chunk_max_chars"])}


def main() -> None:
    job = json.loads(sys.argv[1])
    _limit_myself(int(job["cpu_seconds"]), int(job["memory_mb"]))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        result = _child(job)
    except MemoryError:
        result = {"error": "too_complex", "message": "Không đọc được tệp: đọc tệp cần quá nhiều bộ nhớ (tệp quá "
                                                     "phức tạp hoặc bị hỏng)."}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
