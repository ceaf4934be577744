"""What every fact extractor shares: spans cut on the raw source, roles of people, and the Context a document
is read through.

Spans are cut on punctuation of the raw source (line ends, ". ", ";"), which Unicode normalisation never moves;
the data of a fact is read from the normalised text of that span. A fact quotes the smallest such span (a
sentence, a ";"-clause or a list item) and names the innermost section holding it; a list item's own heading
line (a), (i)) is cited under its parent section, since the item's label would only repeat the quote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..model import PATH_SEPARATOR, Document, Fact, Section
from ..structure import Line
from ..text import collapse_whitespace, normalize, strip_diacritics

ITEM_RANK = 8  # a), (i): list items, not sections of their own
UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"

# Roles of people, in output order; the abbreviations officials write expand to several roles.
ROLES = ["cán bộ", "công chức", "viên chức", "giảng viên", "giáo viên", "chuyên gia", "báo cáo viên",
         "người lao động", "học viên", "sinh viên"]
_ROLE_ABBREVIATIONS = {"CBCCVC": ["cán bộ", "công chức", "viên chức"], "CBCC": ["cán bộ", "công chức"],
                       "CCVC": ["công chức", "viên chức"], "CBCNVC": ["cán bộ", "công chức", "viên chức"],
                       "CBCS": ["cán bộ"]}  # cán bộ, chiến sĩ (police, army)

# A dated phase opening a sentence: "Năm 2020:", "Năm 2021 - 2025:", "Giai đoạn 2021-2025", "Thời gian thực hiện:
# Từ năm 2020 đến hết năm 2030", "Trong 5 năm (2016 - 2020), …" (roadmap facts; not eligibility items).
YEAR_SPAN = (r"(?:từ\s+)?(?:năm\s+)?(?P<y1>(?:19|20)\d{2})"
             r"(?:\s*(?:-|–|—|đến(?:\s+hết)?|tới)\s*(?:năm\s+)?(?P<y2>(?:19|20)\d{2}))?")
PHASE_RES = [
    re.compile(r"^(?:giai đoạn|năm|trong năm|thời gian(?:\s+(?:thực hiện|triển khai))?|lộ trình(?:\s+thực hiện)?)"
               rf"\s*:?\s*{YEAR_SPAN}\s*(?:[:,.)]|$)", re.I),
    re.compile(rf"^(?=từ\s+năm){YEAR_SPAN}\s*(?:[:,.]|$)", re.I),
    re.compile(rf"^trong\s+(?:\d+|\w+)\s+năm\s*\(\s*{YEAR_SPAN}\s*\)", re.I),
    re.compile(rf"^trong\s+giai đoạn\s+{YEAR_SPAN}\s*,", re.I),
]


def opens_with_phase(text: str) -> bool:
    return any(pattern.match(text) for pattern in PHASE_RES)


_MARKER_RE = re.compile(
    r"(?:[a-zđ]\)|\((?:[ivxlc]+|\d+|[a-zđ])\)|(?:\d{1,2}\.)+\d{0,2}\)?|\d{1,2}\)|[IVXLC]{1,5}\.|[-+•*–—])\s+")
_BULLET_RE = re.compile(r"[-+•*–—]\s*")
# Lower-case abbreviations a number follows ("ext. 204", "tel. 024…"): never a sentence's end.
_LOWER_ABBREVIATIONS = {"ext", "tel", "tr", "vd", "sđt", "đt"}
_ABBREV_RE = re.compile(rf"[{UPPER}][A-Za-z{UPPER.lower()}]{{0,2}}")
_VOWEL_RE = re.compile(r"[aeiouy]")


def _is_abbreviation(word: str) -> bool:
    """"TP", "Q", "ThS", "Ng": short, and all capitals or without a vowel. "Nam", "Nội", "Hà" are syllables: the last
    word of a sentence ending in "Việt Nam." or "Hà Nội."."""
    if not _ABBREV_RE.fullmatch(word):
        return False
    return len(word) == 1 or word.isupper() or not _VOWEL_RE.search(strip_diacritics(word).lower())


def norm(raw: str) -> str:
    return collapse_whitespace(normalize(raw))


def norm_map(raw: str) -> tuple[str, list[int]]:
    """norm(raw), and for each of its positions (and its end) the position in raw it was read from, so that a
    match found in the normalised text gives an exact span of the source. Blanks collapse; a letter written
    decomposed (NFD: base and combining marks) maps to the start of its base letter."""
    words, offsets = [], []
    for m in re.finditer(r"\S+", raw):
        word = normalize(m.group(0))
        if words:
            offsets.append(m.start())  # the single blank before this word
        if len(word) == len(m.group(0)):
            offsets.extend(range(m.start(), m.end()))
        else:  # one position per composed letter: each base letter with the combining marks after it
            starts = [m.start() + i for i, ch in enumerate(m.group(0)) if not unicodedata.combining(ch) or i == 0]
            starts = (starts + [m.end()] * len(word))[:len(word)]
            offsets.extend(starts)
        words.append(word)
    text = " ".join(words)
    offsets.append(len(raw.rstrip()))
    return text, offsets


def fold(text: str) -> str:
    """Lower-case, diacritic-free, one character per character (so positions carry over)."""
    return "".join((strip_diacritics(ch) or ch)[0] for ch in text.lower())


def match_key(text: str) -> str:
    """Diacritic-free lower-case words: the matching key of a name or group."""
    folded = strip_diacritics(norm(text)).lower()
    folded = re.sub(r"\bubnd\b", "uy ban nhan dan", folded)
    return " ".join(re.findall(r"\w+", folded))


def trim_span(source: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past blanks, a leading bullet and trailing ';' ',' (and dangling 'và/hoặc')."""
    while start < end and source[start].isspace():
        start += 1
    m = _BULLET_RE.match(source, start, end)
    if m and m.end() < end:
        start = m.end()
    while end > start:
        if source[end - 1].isspace() or source[end - 1] in ";,":
            end -= 1
            continue
        tail = re.search(r"\s(?:và|hoặc)$", source[start:end])
        if tail:
            end = start + tail.start()
            continue
        break
    return start, end


def strip_marker(source: str, start: int, end: int) -> int:
    """Start of the span after a leading list marker (a), (i), 1., 1.2., -, +)."""
    m = _MARKER_RE.match(source, start, end)
    return m.end() if m and m.end() < end else start


def sentence_spans(source: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of a span: cut after . ! ? followed by a blank and a capital, digit, bullet or quote."""
    spans = []
    s = start
    for m in re.finditer(r"[.!?]+(\s+)", source[start:end]):
        cut, nxt = start + m.start(1), start + m.end()
        if nxt >= end:
            continue
        ch = source[nxt]
        if not (ch.isupper() or ch.isdigit() or ch in "-+•“\"("):
            continue
        stop = start + m.start()
        if not re.search(r"\S\s", source[s:stop].lstrip()):  # a list marker such as "1." opens the span
            continue
        last = source[max(s, stop - 40):stop].split()[-1]
        if _is_abbreviation(last) or last.endswith("/") or last.lower() in _LOWER_ABBREVIATIONS:  # TP., ./., ext.
            continue
        spans.append((s, cut))
        s = nxt
    spans.append((s, end))
    return [trim_span(source, a, b) for a, b in spans if source[a:b].strip()]


def clause_spans(source: str, start: int, end: int) -> list[tuple[int, int]]:
    """';'-clauses of a span (a ';' inside parentheses does not cut)."""
    spans, depth, s = [], 0, start
    for i in range(start, end):
        ch = source[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            spans.append((s, i))
            s = i + 1
    spans.append((s, end))
    return [trim_span(source, a, b) for a, b in spans if source[a:b].strip()]


def split_parens(text: str) -> tuple[str, list[str]]:
    """Text without its parentheticals, and their contents."""
    inner = [collapse_whitespace(p) for p in re.findall(r"\(([^()]*)\)", text)]
    outer = collapse_whitespace(re.sub(r"\s*\([^()]*\)", "", text))
    return outer, [p for p in inner if p]


def mask_parens(text: str) -> str:
    """Same-length text with parenthesised content blanked out, to search outside parentheses only."""
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        out.append("#" if depth else ch)
        if ch == ")":
            depth = max(0, depth - 1)
    return "".join(out)


_ROLE_RE = re.compile(r"\b(?:" + "|".join(ROLES) + r")\b", re.I)
_ROLE_ABBREVIATION_RE = re.compile(r"\b(?:" + "|".join(_ROLE_ABBREVIATIONS) + r")\b")


def roles_in(text: str) -> list[str]:
    """Roles of people a text names, in ROLES order; CCVC, CBCC … count as their roles."""
    found = {m.group(0).lower() for m in _ROLE_RE.finditer(text)}
    for m in _ROLE_ABBREVIATION_RE.finditer(text):
        found.update(_ROLE_ABBREVIATIONS[m.group(0)])
    return [role for role in ROLES if role in found]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def clean_end(text: str) -> str:
    return text.strip().rstrip(" .;,:").strip()


@dataclass
class Context:
    doc: Document
    label: str
    owners: list[tuple[Line, Section]]
    by_path: dict[tuple[str, ...], Section] = field(default_factory=dict)
    _pieces: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for _, section in self.owners:
            self.by_path.setdefault(tuple(section.path), section)

    @property
    def source(self) -> str:
        return self.doc.source

    def owner_at(self, position: int) -> tuple[Line, Section] | None:
        """The line holding a source position, with its section."""
        return next(((line, section) for line, section in self.owners if line.start <= position < line.end), None)

    def parent(self, section: Section) -> Section | None:
        return self.by_path.get(tuple(section.path[:-1])) if len(section.path) > 1 else None

    def topic(self, section: Section, test: Callable[[Section], bool], items: bool = False) -> Section | None:
        """The section itself or, above list items (a), (i)), the nearest real section, if it passes test.

        items=True lets a list item's own heading pass too ("a) Sở Nội vụ:" over its bullets).
        """
        current: Section | None = section
        while current is not None:
            if current.rank < ITEM_RANK:
                return current if test(current) else None
            if items and test(current):
                return current
            current = self.parent(current)
        return None

    def cite(self, line: Line, section: Section) -> Section:
        """Section to cite: a list item's own heading line is cited under its parent section."""
        current = section
        while current.rank >= ITEM_RANK and line.start == current.start:
            parent = self.parent(current)
            if parent is None:
                break
            current = parent
        return current

    def fact(self, kind: str, line: Line, section: Section, start: int, end: int,
             data: dict[str, Any]) -> Fact | None:
        start, end = trim_span(self.source, start, end)
        if end <= start:
            return None
        cited = self.cite(line, section)
        return Fact(kind=kind, doc_id=self.doc.doc_id, section=PATH_SEPARATOR.join([self.label, *cited.path]),
                    quote=self.source[start:end], start=start, end=end, data=data)

    def pieces(self, line: Line, start: int | None = None) -> list[tuple[int, int, str]]:
        """Sentences of a line (from start, if given), list markers stripped: (start, end, normalised text)."""
        cached = self._pieces.get(line.start) if start is None else None
        if cached is None:
            cached = []
            for s, e in sentence_spans(self.source, line.start if start is None else start, line.end):
                s = strip_marker(self.source, s, e)
                cached.append((s, e, norm(self.source[s:e])))
            if start is None:
                self._pieces[line.start] = cached
        return cached

    def sentences(self) -> Iterator[tuple[Line, Section, int, int, str]]:
        """Every sentence of the document (markers stripped), with its line and section."""
        for line, section in self.owners:
            for s, e, text in self.pieces(line):
                yield line, section, s, e, text


def is_heading_line(line: Line, section: Section) -> bool:
    return bool(section.marker) and line.start == section.start
