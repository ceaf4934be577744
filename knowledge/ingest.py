"""Read guidance documents from files and folders into `Document`s.

Supported: .txt, .md, .docx, .pdf, .html/.htm, and .jsonl (a bulk corpus, one document per line). An upload's
bytes are read the same way without touching the disk (`read_bytes`; knowledge/upload.py decides their type).
`Document.source` is the text exactly as it will be cited: only line endings are unified here;
normalisation happens downstream on spans of it.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .model import Document

SUPPORTED_EXTENSIONS = (".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".jsonl")
_FORMAT_NAMES = {".htm": "html"}  # otherwise the extension without its dot


class IngestError(Exception):
    """A document could not be read. The message names the file and says why (Vietnamese, then English)."""

    def __init__(self, path: Path | str, reason_vi: str, reason_en: str = "") -> None:
        self.path = str(path)
        self.reason = reason_vi
        message = f"Không đọc được tệp {path}: {reason_vi}"
        if reason_en:
            message += f" (cannot read file: {reason_en})"
        super().__init__(message)


# ---------------------------------------------------------------------------------------------
# Entry points


def read_documents(paths: Iterable[Path | str]) -> list[Document]:
    """Read every document under the given files and folders (folders recursively, sorted)."""
    documents: list[Document] = []
    seen_files: set[Path] = set()
    owner_of_id: dict[str, str] = {}
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise IngestError(path, "tệp hoặc thư mục không tồn tại", "no such file or folder")
        files = _files_in_folder(path) if path.is_dir() else [path]
        for file in files:
            resolved = file.resolve()
            if resolved in seen_files:  # the same file named twice (a folder and a file in it)
                continue
            seen_files.add(resolved)
            for doc in read_file(file):
                if doc.doc_id in owner_of_id:
                    raise IngestError(
                        file,
                        f"mã tài liệu '{doc.doc_id}' trùng với tài liệu trong {owner_of_id[doc.doc_id]}",
                        f"duplicate document id '{doc.doc_id}'",
                    )
                owner_of_id[doc.doc_id] = str(file)
                documents.append(doc)
    return documents


def read_file(path: Path | str) -> list[Document]:
    """Read one file: one Document, or one per record for .jsonl."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(path, "tệp không tồn tại", "file not found")
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        hint = " — hãy lưu lại dưới dạng .docx" if suffix == ".doc" else ""
        raise IngestError(
            path,
            f"định dạng '{suffix or '(không có đuôi)'}' không được hỗ trợ{hint} "
            f"(hỗ trợ: {', '.join(SUPPORTED_EXTENSIONS)})",
            f"unsupported file type '{suffix}'",
        )
    if _READERS[suffix] is None:
        return _read_jsonl(path)
    return [_read_one(path, suffix, path.name, path.stem, {"path": str(path)})]


class InMemoryFile:
    """An uploaded file's bytes under a display name: what the readers accept besides a Path (they call
    read_bytes(), or open it through _openable), so an upload is never written to disk to be read."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.name = data, name

    def read_bytes(self) -> bytes:
        return self.data

    def __str__(self) -> str:
        return self.name


def _openable(source: Path | InMemoryFile) -> str | io.BytesIO:
    return io.BytesIO(source.data) if isinstance(source, InMemoryFile) else str(source)


def read_bytes(data: bytes, suffix: str, doc_id: str, title: str = "") -> Document:
    """One document from a file's bytes read as `suffix` (".docx", ".pdf", ".html", ".md", ".txt"), which the caller
    decided from the content; `doc_id` names it in messages and in the index. Nothing is written to disk."""
    if suffix not in _READERS or _READERS[suffix] is None:
        raise IngestError(doc_id, f"định dạng '{suffix}' không đọc được từ tệp tải lên", f"unsupported '{suffix}'")
    return _read_one(InMemoryFile(data, doc_id), suffix, doc_id, title or doc_id, {})


def _read_one(source: Path | InMemoryFile, suffix: str, doc_id: str, fallback_title: str, meta: dict) -> Document:
    reader = _READERS[suffix]
    try:
        text, title = reader(source)
    except IngestError:
        raise
    except OSError as exc:
        raise IngestError(source, f"lỗi đọc tệp ({exc.strerror or exc})", str(exc)) from exc
    text_source = _unify_line_endings(text)
    if not text_source.strip():
        raise IngestError(source, "tài liệu không có nội dung văn bản", "the document contains no text")
    return Document(
        doc_id=doc_id,
        source=text_source,
        title=(title or "").strip() or fallback_title,
        meta={"format": _FORMAT_NAMES.get(suffix, suffix.lstrip(".")), **meta},
    )


def _files_in_folder(folder: Path) -> list[Path]:
    """Supported files under a folder, skipping hidden files and folders, README*.md and Office lock files."""
    found = []
    for file in folder.rglob("*"):
        relative = file.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not file.is_file():
            continue
        name = file.name
        if name.startswith("~$") or (name.lower().startswith("readme") and name.lower().endswith(".md")):
            continue
        if file.suffix.lower() in SUPPORTED_EXTENSIONS:
            found.append(file)
    return sorted(found, key=lambda f: f.relative_to(folder).as_posix())


def _unify_line_endings(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    """UTF-8 first (BOM dropped), then UTF-16 with BOM, then the Vietnamese Windows code page, then Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # never fails


# ---------------------------------------------------------------------------------------------
# Plain text and Markdown


def _read_txt(path: Path | InMemoryFile) -> tuple[str, str]:
    return _decode(path.read_bytes()), ""


def _read_markdown(path: Path | InMemoryFile) -> tuple[str, str]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(_decode(path.read_bytes()))
    lines: list[str] = []
    title = ""
    item_prefix = ""  # marker of the list item whose first text is still to come
    row: list[str] | None = None
    heading_level = 0
    for token in tokens:
        kind = token.type
        if kind == "list_item_open":
            # Keep the author's numbering ("1.", "2)") and bullets: they are the document's structure.
            item_prefix = f"{token.info}{token.markup} " if token.info else f"{token.markup} "
        elif kind == "heading_open":
            heading_level = int(token.tag[1:])
        elif kind == "heading_close":
            heading_level = 0
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            lines.append(" | ".join(cell for cell in row if cell))
            row = None
        elif kind == "inline":
            text = _markdown_inline_text(token.children or [])
            if row is not None:
                row.append(" ".join(text.split()))
                continue
            if heading_level and not title and text.strip():
                title = text.strip()
            lines.extend((item_prefix + text).split("\n"))
            item_prefix = ""
        elif kind in ("fence", "code_block"):
            lines.extend(token.content.rstrip("\n").split("\n"))
        elif kind == "html_block":
            lines.extend(_html_block_text(token.content))
    return "\n".join(lines), title


def _markdown_inline_text(children: list[Any]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")  # the author's line breaks separate items such as "a) …" / "b) …"
        elif child.type == "image":
            parts.append(child.content)  # alt text
        elif child.type == "html_inline" and child.content.lower().startswith("<br"):
            parts.append("\n")
    return "".join(parts)


def _html_block_text(html: str) -> list[str]:
    from bs4 import BeautifulSoup

    return _html_lines(BeautifulSoup(html, "lxml"))


# ---------------------------------------------------------------------------------------------
# Word


def _read_docx(path: Path | InMemoryFile) -> tuple[str, str]:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(_openable(path))
        numbering = _WordNumbering(document)
        lines: list[str] = []
        first_heading = ""
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_docx_table_rows(block))
                continue
            label = numbering.label(block)
            text = block.text
            lines.append(f"{label} {text}" if label and text.strip() else text)
            style_name = (block.style.name if block.style is not None else "") or ""
            if not first_heading and text.strip() and style_name.startswith(("Title", "Heading")):
                first_heading = text.strip()
        title = document.core_properties.title or first_heading
    except Exception as exc:  # python-docx raises many kinds (BadZipFile, KeyError, XML errors)
        raise IngestError(
            path, "tệp Word bị hỏng hoặc không phải định dạng .docx",
            f"corrupt or not a .docx file ({type(exc).__name__}: {exc})",
        ) from exc
    return "\n".join(lines), title


_RULE_ONLY_RE = re.compile(r"^[\s\-_=*.~–—]*$")  # "-------" drawn under header cells


def _docx_table_rows(table: Any) -> Iterator[str]:
    """One line per row, cells joined by ' | ' (the issuer/number/date header is such a table)."""
    from docx.table import _Cell

    for row in table.rows:
        cells: list[str] = []
        # Raw <w:tc> elements: row.cells repeats merged cells once per grid column.
        for tc in row._tr.tc_lst:
            if tc.vMerge == "continue":  # lower part of a vertically merged cell: already read
                continue
            cell = _Cell(tc, table)
            # A line break inside a cell would split the row: the row must stay one line.
            parts = [" ".join(p.text.split("\n")).strip() for p in cell.paragraphs if not _RULE_ONLY_RE.match(p.text)]
            for inner in cell.tables:
                parts.extend(_docx_table_rows(inner))
            text = " ".join(part for part in parts if part)
            if text:
                cells.append(text)
        if cells:
            yield " | ".join(cells)


class _WordNumbering:
    """Recomputes Word's automatic list numbers ("1.", "a)", "II."), which are not part of paragraph text."""

    def __init__(self, document: Any) -> None:
        from docx.oxml.ns import qn

        self._qn = qn
        self._levels: dict[str, dict[str, tuple[str, str, int]]] = {}  # numId → ilvl → (format, text, start)
        self._counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except Exception:  # no numbering part: nothing is auto-numbered
            return
        abstract: dict[str, dict[str, tuple[str, str, int]]] = {}
        for node in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in node.findall(qn("w:lvl")):
                fmt = self._val(lvl, "w:numFmt") or "decimal"
                text = self._val(lvl, "w:lvlText") or ""
                start = int(self._val(lvl, "w:start") or 1)
                levels[lvl.get(qn("w:ilvl"))] = (fmt, text, start)
            abstract[node.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            abstract_id = self._val(num, "w:abstractNumId")
            if abstract_id in abstract:
                self._levels[num.get(qn("w:numId"))] = abstract[abstract_id]

    def _val(self, node: Any, tag: str) -> str | None:
        child = node.find(self._qn(tag))
        return None if child is None else child.get(self._qn("w:val"))

    def _num_pr(self, paragraph: Any) -> tuple[str, int] | None:
        """(numId, level) from the paragraph, or else from its style chain."""
        candidates = [paragraph._p.pPr]
        style = paragraph.style
        while style is not None:
            candidates.append(style.element.pPr)
            style = style.base_style
        for pPr in candidates:
            num_pr = None if pPr is None else pPr.find(self._qn("w:numPr"))
            if num_pr is not None:
                num_id = self._val(num_pr, "w:numId")
                level = int(self._val(num_pr, "w:ilvl") or 0)
                return (num_id, level) if num_id and num_id != "0" else None
        return None

    def label(self, paragraph: Any) -> str:
        if not self._levels or not paragraph.text.strip():
            return ""
        found = self._num_pr(paragraph)
        if found is None or found[0] not in self._levels:
            return ""
        num_id, level = found
        levels = self._levels[num_id]
        fmt, text, start = levels.get(str(level), ("decimal", f"%{level + 1}.", 1))
        if fmt == "bullet":
            return "-"
        counters = self._counters.setdefault(num_id, {})
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]  # a new "1." restarts its "a)", "b)" …

        def placeholder(match: re.Match) -> str:
            at = int(match.group(1)) - 1
            at_fmt, _, at_start = levels.get(str(at), ("decimal", "", 1))
            return _format_number(counters.get(at, at_start), at_fmt)

        return re.sub(r"%(\d)", placeholder, text).strip()


def _format_number(value: int, fmt: str) -> str:
    if fmt in ("upperRoman", "lowerRoman"):
        roman = _to_roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter"):
        letter = "abcdefghijklmnopqrstuvwxyz"[(value - 1) % 26]
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _to_roman(value: int) -> str:
    out = ""
    for number, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                            (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out += numeral
            value -= number
    return out


# ---------------------------------------------------------------------------------------------
# PDF


def _read_pdf(path: Path | InMemoryFile) -> tuple[str, str]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(_openable(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "tệp PDF được bảo vệ bằng mật khẩu", "password-protected PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = ""
        if reader.metadata is not None and reader.metadata.title:
            title = str(reader.metadata.title)
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError … on damaged files
        raise IngestError(
            path, "tệp PDF bị hỏng hoặc không đọc được",
            f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})",
        ) from exc
    text = "\n".join(page.strip("\n") for page in pages)
    if not text.strip():
        raise IngestError(
            path, "PDF không có lớp chữ (có thể là bản scan, cần nhận dạng OCR trước)",
            "the PDF has no text layer (scanned? run OCR first)",
        )
    return text, title


# ---------------------------------------------------------------------------------------------
# HTML

_DROPPED_TAGS = {
    "script", "style", "nav", "header", "footer", "form", "aside", "noscript", "iframe", "template",
    "button", "select", "svg", "canvas", "head", "title", "meta", "link", "input", "textarea",
}
# class/id values of page furniture: comment boxes, share bars, related-news lists, ads.
_JUNK_ATTR_RE = re.compile(
    r"comment|binh-?luan|share|sharing|social|related|lien-?quan|breadcrumb|advert|banner|sidebar|"
    r"popup|cookie|\bads?\b|\bmenu\b",
    re.I,
)
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "body", "html", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
    "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "address", "figure", "figcaption", "center",
    "hr", "caption", "thead", "tbody", "tfoot",
}


def _read_html(path: Path | InMemoryFile) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_bytes(), "lxml")  # bytes: bs4 honours <meta charset>
    title = ""
    if soup.title is not None and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
    elif soup.find("h1") is not None:
        title = soup.find("h1").get_text(" ", strip=True)
    return "\n".join(_html_lines(soup)), title


def _is_junk(tag: Any) -> bool:
    if tag.name in _DROPPED_TAGS:
        return True
    attrs = getattr(tag, "attrs", None) or {}
    classes = attrs.get("class") or []
    marks = " ".join(classes if isinstance(classes, list) else [classes]) + " " + str(attrs.get("id") or "")
    return bool(marks.strip()) and bool(_JUNK_ATTR_RE.search(marks))


def _html_lines(root: Any) -> list[str]:
    """Visible text of an HTML tree: block elements on their own lines, table rows as 'a | b'."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = " ".join("".join(buffer).split())  # HTML whitespace is layout, not content
        if text:
            lines.append(text)
        buffer.clear()

    def inline_text(node: Any) -> str:
        sub = _html_lines(node)
        return " ".join(sub)

    def walk(node: Any, prefix: str = "") -> None:
        if isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction)):
            return
        if isinstance(node, NavigableString):
            buffer.append(str(node))
            return
        if not isinstance(node, Tag) or _is_junk(node):
            return
        name = node.name
        if name == "br":
            flush()
            return
        if name == "table":
            flush()
            for tr in node.find_all("tr"):
                if tr.find_parent("table") is not node or _is_junk(tr):
                    continue
                cells = [inline_text(cell) for cell in tr.find_all(["td", "th"], recursive=False)]
                row = " | ".join(cell for cell in cells if cell)
                if row:
                    lines.append(row)
            return
        if name == "pre":
            flush()
            lines.extend(line.rstrip() for line in node.get_text().split("\n") if line.strip())
            return
        block = name in _BLOCK_TAGS
        if block:
            flush()
        if prefix:
            buffer.append(prefix + " ")
        if name == "ol":
            number = _int_or(node.get("start"), 1)
            for child in node.children:
                if isinstance(child, Tag) and child.name == "li":
                    walk(child, _ol_marker(number, str(node.get("type") or "1")))
                    number += 1
                else:
                    walk(child)
        elif name == "ul":
            for child in node.children:
                walk(child, "-" if isinstance(child, Tag) and child.name == "li" else "")
        else:
            for child in node.children:
                walk(child)
        if block:
            flush()

    walk(root)
    flush()
    return lines


def _int_or(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _ol_marker(number: int, kind: str) -> str:
    fmt = {"a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}.get(kind, "decimal")
    return _format_number(number, fmt) + ("." if fmt != "lowerLetter" else ")")


# ---------------------------------------------------------------------------------------------
# JSONL corpus


def _read_jsonl(path: Path) -> list[Document]:
    """One {"id", "title", "text", "meta"} object per line; blank lines are skipped."""
    documents: list[Document] = []
    ids: set[str] = set()
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise IngestError(path, f"lỗi đọc tệp ({exc.strerror or exc})", str(exc)) from exc
    with handle:
        for number, raw in enumerate(handle, start=1):  # streamed: a corpus may be large
            line = _decode(raw).strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise IngestError(path, f"dòng {number}: JSON không hợp lệ ({exc.msg})",
                                  f"line {number}: invalid JSON") from exc
            if not isinstance(record, dict):
                raise IngestError(path, f"dòng {number}: cần một đối tượng JSON {{\"id\", \"text\", …}}",
                                  f"line {number}: expected a JSON object")
            text = record.get("text")
            if not isinstance(text, str) or not text.strip():
                raise IngestError(path, f"dòng {number}: thiếu trường \"text\" hoặc văn bản rỗng",
                                  f"line {number}: missing or empty \"text\"")
            doc_id = str(record.get("id") or "").strip() or f"{path.name}:{number}"
            if doc_id in ids:
                raise IngestError(path, f"dòng {number}: mã tài liệu '{doc_id}' bị trùng",
                                  f"line {number}: duplicate id '{doc_id}'")
            ids.add(doc_id)
            meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
            documents.append(Document(
                doc_id=doc_id,
                source=_unify_line_endings(text),
                title=str(record.get("title") or "").strip() or doc_id,
                meta={**meta, "format": "jsonl", "path": str(path), "line": number},
            ))
    if not documents:
        raise IngestError(path, "tệp JSONL không có bản ghi nào", "no records in the JSONL file")
    return documents


_READERS: dict[str, Callable[[Path], tuple[str, str]] | None] = {
    ".txt": _read_txt,
    ".md": _read_markdown,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
    ".jsonl": None,  # many documents per file: handled by _read_jsonl
}
