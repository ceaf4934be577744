"""Structure of Vietnamese administrative and legal documents: clean lines, numbered sections, chunks.

The source text is never rewritten: lines, sections and chunks are spans into it, and normalised
text is derived from those spans, so every quote can be traced back to the exact original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Chunk, Document, Section
from .text import collapse_whitespace, normalize

# Heading markers, outermost first. The rank orders kinds of numbering, not depth in one document:
# a plan may go I. → 1. → a) while a law goes Chương → Điều → 1. → a).
_MARKERS: list[tuple[float, re.Pattern]] = [
    (0, re.compile(r"^(?P<m>Phần\s+(?:thứ\s+\w+|[IVXLC]+|\d+))[.:]?\s*(?P<h>.*)$", re.I)),
    (1, re.compile(r"^(?P<m>Chương\s+(?:[IVXLC]+|\d+))[.:]?\s*(?P<h>.*)$", re.I)),
    (2, re.compile(r"^(?P<m>Mục\s+\d+)[.:]?\s*(?P<h>.*)$")),
    (3, re.compile(r"^(?P<m>[IVX]{1,5}\.)\s*(?P<h>\S.*)$")),
    (4, re.compile(r"^(?P<m>Điều\s+\d+[a-z]?\.?)\s*(?P<h>.*)$")),
    (7, re.compile(r"^(?P<m>\d{1,2}\.\d{1,2}\.\d{1,2}\.?)\s+(?P<h>\S.*)$")),
    (6, re.compile(r"^(?P<m>\d{1,2}\.\d{1,2}\.?)\s+(?P<h>\S.*)$")),
    (5, re.compile(r"^(?P<m>\d{1,2}[.)])\s+(?P<h>\S.*)$")),
    (8, re.compile(r"^(?P<m>[a-zđ]\))\s+(?P<h>\S.*)$")),
    (9, re.compile(r"^(?P<m>\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\))\s+(?P<h>\S.*)$")),
]

# Lines that start the closing part of a document (after the last numbered section).
_CLOSING_RE = re.compile(r"^(Trên đây là|Nơi nhận\s*:|Nơi nhận$)", re.I)
# Web-page leftovers: from such a line to the end is page furniture, not the document.
_TRAILING_JUNK_RE = re.compile(
    r"^(Ý kiến bạn đọc|Bình luận|Gửi bình luận|Viết bình luận|Ý kiến của bạn|Tin liên quan|"
    r"Bài viết liên quan|Các tin khác|Tin khác|Tin cùng chuyên mục|Chia sẻ bài viết|In bài viết|"
    r"Nhấp vào nút tại mỗi ô tìm kiếm)",
    re.I,
)
# A portal's voice-search help text, wherever a page pasted it.
_VOICE_HELP_RE = re.compile(
    r"(Nhấp vào nút tại mỗi ô tìm kiếm|Màn hình hiện lên như thế này|giới hạn tối đa 10 giây|"
    r"nút micro đang xoay|Để tăng độ chính xác bạn hãy nói)",
    re.I,
)

PREAMBLE = "Phần mở đầu"
CLOSING = "Phần kết"
# What the unnumbered parts of an administrative document hold, so that questions about them find them.
PART_CONTENTS = {
    PREAMBLE: "số hiệu, ngày ban hành, cơ quan ban hành, trích yếu, căn cứ",
    CLOSING: "nơi nhận (gửi tới, gửi đến), người ký, chức vụ người ký",
}
LABEL_MAX = 90


@dataclass
class Line:
    start: int  # span of the line's content in the source (without surrounding blanks and table pipes)
    end: int
    text: str  # normalised


def clean_lines(source: str) -> list[Line]:
    """Content lines of a document: blank lines and web-page leftovers dropped, spans into `source` kept."""
    lines: list[Line] = []
    pos = 0
    half = len(source) // 2
    for raw in source.split("\n"):
        line_start = pos
        pos += len(raw) + 1
        stripped = raw.strip().strip("|").strip()
        if not stripped:
            continue
        start = line_start + raw.index(stripped[0])
        end = start + len(stripped)
        text = normalize(stripped)
        # Tables pasted from web pages keep their cell separators: read cells as a line.
        text = collapse_whitespace(re.sub(r"\s*\|\s*", " | ", text)).strip(" |")
        if not text:
            continue
        if _TRAILING_JUNK_RE.match(text) and line_start >= half:
            break
        if _VOICE_HELP_RE.search(text):
            continue
        if lines and text[0].islower() and not _match_marker(text):
            # A hard line break inside a sentence (PDF and web copies have them): join the lines.
            previous = lines[-1]
            lines[-1] = Line(previous.start, end, previous.text + " " + text)
            continue
        lines.append(Line(start, end, text))
    return lines


def _match_marker(text: str) -> tuple[float, str, str] | None:
    for rank, pattern in _MARKERS:
        m = pattern.match(text)
        if m:
            return rank, m.group("m").strip(), m.group("h").strip()
    return None


def heading_label(marker: str, heading: str) -> str:
    """A short label for a section path: the heading up to its colon, cut at a word boundary."""
    head = heading
    colon = head.find(":")
    if 0 < colon <= LABEL_MAX:
        head = head[:colon]
    head = head.rstrip(" .;:")
    if len(head) > LABEL_MAX:
        cut = head[:LABEL_MAX].rsplit(" ", 1)[0]
        head = cut.rstrip(" ,;:") + "…"
    return f"{marker} {head}".strip()


def parse_sections(lines: list[Line], source_len: int) -> tuple[Section, list[tuple[Line, Section]]]:
    """Build the section tree. Returns the root and each line paired with its innermost section."""
    root = Section(marker="", heading="", rank=-1, start=0, end=source_len, path=[])
    preamble = Section(marker="", heading=PREAMBLE, rank=-0.5, start=0, end=0, path=[PREAMBLE])
    root.children.append(preamble)
    stack: list[Section] = [root]
    current = preamble
    closing: Section | None = None
    owners: list[tuple[Line, Section]] = []
    for line in lines:
        if closing is None and _CLOSING_RE.match(line.text) and len(stack) > 1:
            closing = Section(marker="", heading=CLOSING, rank=-0.5, start=line.start, end=line.end, path=[CLOSING])
            root.children.append(closing)
            stack = [root]
            current = closing
        marker = None if closing is not None else _match_marker(line.text)
        if marker is not None:
            rank, mark, heading = marker
            while len(stack) > 1 and stack[-1].rank >= rank:
                stack.pop()
            parent = stack[-1]
            label = heading_label(mark, heading)
            section = Section(
                marker=mark, heading=heading, rank=rank, start=line.start, end=line.end,
                path=[*parent.path, label],
            )
            parent.children.append(section)
            stack.append(section)
            current = section
        # Every open section (and the preamble/closing part) grows to cover this line.
        current.end = max(current.end, line.end)
        for open_section in stack[1:]:
            open_section.end = max(open_section.end, line.end)
        if current is preamble and not owners:
            preamble.start = line.start  # the preamble starts at the first line, not at offset 0
        owners.append((line, current))
    root.children = [child for child in root.children if child.end > child.start]
    if root.children == [preamble]:
        # No numbered part at all (a law article, a short notice): the whole text is the document itself.
        preamble.path, preamble.heading = [], ""
    return root, owners


def iter_sections(section: Section):
    for child in section.children:
        yield child
        yield from iter_sections(child)


def _split_long(lines: list[Line], max_chars: int) -> list[list[Line]]:
    """Group consecutive lines into pieces of at most about max_chars."""
    groups: list[list[Line]] = []
    current: list[Line] = []
    size = 0
    for line in lines:
        if current and size + len(line.text) > max_chars:
            groups.append(current)
            current, size = [], 0
        current.append(line)
        size += len(line.text) + 1
    if current:
        groups.append(current)
    return groups


def _split_line(line: Line, source: str, max_chars: int) -> list[Line]:
    """Split one over-long line at sentence or clause ends, keeping exact spans."""
    if len(line.text) <= max_chars:
        return [line]
    raw = source[line.start:line.end]
    pieces: list[Line] = []
    offset = 0
    while offset < len(raw):
        window = raw[offset:offset + max_chars]
        if offset + max_chars >= len(raw):
            cut = len(raw) - offset
        else:
            cut = max(window.rfind(". "), window.rfind("; "), window.rfind(": "))
            cut = cut + 1 if cut > max_chars // 3 else (window.rfind(" ") if window.rfind(" ") > 0 else len(window))
        segment = raw[offset:offset + cut]
        stripped = segment.strip()
        if stripped:
            start = line.start + offset + segment.index(stripped[0])
            pieces.append(Line(start, start + len(stripped), collapse_whitespace(normalize(stripped))))
        offset += cut
    return pieces


@dataclass
class DocumentStructure:
    lines: list[Line]
    root: Section
    owners: list[tuple[Line, Section]]  # each line with its innermost section


def parse_structure(source: str) -> DocumentStructure:
    lines = clean_lines(source)
    root, owners = parse_sections(lines, len(source))
    return DocumentStructure(lines, root, owners)


def chunk_document(
    doc: Document, doc_label: str, structure: DocumentStructure | None = None, max_chars: int = 900,
) -> list[Chunk]:
    """Structure-aware chunks: a whole section when it fits, otherwise its own text and then each child."""
    structure = structure or parse_structure(doc.source)
    root, owners = structure.root, structure.owners
    lines_of: dict[int, list[Line]] = {}
    for line, section in owners:
        lines_of.setdefault(id(section), []).append(line)

    def all_lines(section: Section) -> list[Line]:
        out = list(lines_of.get(id(section), []))
        for child in section.children:
            out.extend(all_lines(child))
        return sorted(out, key=lambda line: line.start)

    chunks: list[Chunk] = []

    def emit(section: Section, piece: list[Line]) -> None:
        text = "\n".join(line.text for line in piece)
        chunks.append(Chunk(
            chunk_id=f"{doc.doc_id}#{len(chunks)}", doc_id=doc.doc_id, doc_label=doc_label,
            section_path=list(section.path), start=piece[0].start, end=piece[-1].end, text=text,
        ))

    def visit(section: Section) -> None:
        every = all_lines(section)
        if not every:
            return
        if sum(len(line.text) + 1 for line in every) <= max_chars or not section.children:
            own = [part for line in every for part in _split_line(line, doc.source, max_chars)]
            for piece in _split_long(own, max_chars):
                emit(section, piece)
            return
        own_lines = lines_of.get(id(section), [])
        if len(own_lines) == 1 and own_lines[0].start == section.start:
            own_lines = []  # a bare heading: its children's chunks carry it in their section path
        own = [part for line in own_lines for part in _split_line(line, doc.source, max_chars)]
        for piece in _split_long(own, max_chars):
            emit(section, piece)
        for child in section.children:
            visit(child)

    for top in root.children:
        visit(top)
    return chunks
