"""Short answers from passages: the sentence(s) that answer, first and short; the whole passage stays the quote.

A passage is split into sentences the way Vietnamese administrative texts are written: numbered and lettered items,
dashes and bullets each start one, and so does a capital after ". ; : ! ?". Web copies break lines anywhere ("Căn cứ
Luật tổ chức Chính phủ ngày" / "19 tháng 6 năm 2015;"): a line that does not end a sentence runs on into the next.

Each sentence is scored by words and by meaning together (answer.py): the share of the question's key terms it holds
(with its section heading) and its passage's rank, then the cosine of its e5 vector with the question's for the few
sentences words rank best — only those are embedded, in one batch, and kept by text (index.memo), so a passage asked
about again costs nothing.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .model import Chunk

MAX_WORDS = 60  # an answer's sentences, at most
LIST_WORDS = 200  # a section's items given as the answer to a question naming the section (each cut to fit)
MIN_WORDS = 8
HEAD_WORDS = 20  # a section's heading sentence, at most, when its items answer
ITEM_WORDS = 30  # an item of a list answer, at least, when the items are cut to fit
FILL_WORDS = 45  # other good sentences of the same passage join the best one up to this many words  # a sentence shorter than this takes its neighbour when the budget allows
_ITEM_RE = re.compile(r"^(?:[a-zđ]\)|\(?[ivx]{1,4}\)|\d{1,2}(?:\.\d{1,2})*[.)]|[IVX]{1,5}\.|[-+•*–—])\s*")
_SENTENCE_END_RE = re.compile(r"[.;:!?]['\"”)]*$")
_SPLIT_RE = re.compile(r"(?<=[.;!?:])['\"”)]*\s+")
# A preamble's clauses start lines of their own ("Căn cứ …", "Thực hiện …", "Xét đề nghị …"), even after a subject
# line without a full stop.
_CLAUSE_START_RE = re.compile(r"^(Căn cứ|Thực hiện|Xét|Theo đề nghị|Kính gửi|Nơi nhận|Sau khi)\b")
# "Điều 1.", "Chương II.", "3.": a heading's number, which goes with what follows it.
_MARKER_ONLY_RE = re.compile(r"^(?:(?:Điều|Chương|Mục|Phần|Khoản)\s+[\wIVX]+|[IVX]{1,5}|\d{1,2}(?:\.\d{1,2})*)[.:)]?$",
                             re.I)
LABEL_WORDS = 3  # "Kính gửi:", "Nơi ban hành:": a label, which goes with what follows it
# Page furniture a sentence must not be made of alone (counters, dates of posting, sharing buttons).
_FURNITURE_RE = re.compile(r"^(?:chia sẻ|lượt xem|bình luận|xem thêm|>>>|hôm nay|hôm qua|tất cả|ip:)", re.I)
# A web page's own lines: its menu ("Skip to main content", "Sign In"), a counter ("30"); and a line that is only a
# byline's date ("Mai Đỉnh 06/02/2025 - 16:45", "12/11/2004"), which is a unit of its own.
_LINE_FURNITURE_RE = re.compile(r"^(?:skip ribbon commands|skip to main content|sign in|đăng nhập|trang chủ|\d{1,4})$",
                                re.I)
_DATELINE_RE = re.compile(r"^(?:\S+(?: \S+){0,3} )?\d{1,2}/\d{1,2}/\d{4}(?:\s*[-–]\s*\d{1,2}:\d{2})?$")
_INLINE_LIST_RE = re.compile(r"\b(?:như|gồm|bao gồm)\s*:$", re.I)
SENTENCE_CACHE = 20_000  # sentences whose vectors are kept (≈ 30 MB)


@dataclass
class Sentence:
    text: str
    chunk: Chunk
    position: int  # order in its chunk


def _units(text: str) -> list[str]:
    """Lines joined where a web copy broke a sentence, then split where a sentence ends."""
    joined: list[str] = []
    after_blank = False  # a blank line ends a paragraph: a page's headline does not run into its lead
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or _LINE_FURNITURE_RE.match(line):
            after_blank = True  # (a counter between two lines parts them too)
            continue
        if joined and not after_blank and not _ITEM_RE.match(line) and not _SENTENCE_END_RE.search(joined[-1]) \
                and not _CLAUSE_START_RE.match(line) and _is_heading(joined[-1]) == _is_heading(line) \
                and not _DATELINE_RE.match(joined[-1]) and not _DATELINE_RE.match(line):
            joined[-1] += " " + line
        else:
            joined.append(line)
        after_blank = False
    out: list[str] = []
    for unit in joined:
        pieces = _SPLIT_RE.split(unit)
        current = ""
        for piece in pieces:
            label = current.endswith(":") and len(current.split()) <= LABEL_WORDS  # "Kính gửi:", "Người ký:"
            # "… các Nghị quyết như: Nghị quyết số 27 …, Nghị quyết số 45 …": a list given inline, not as items
            inline = bool(_INLINE_LIST_RE.search(current)) and not _ITEM_RE.match(piece)
            if current and not _MARKER_ONLY_RE.match(current) and not label and not inline and (
                    piece[:1].isupper() or piece[:1].isdigit() or _ITEM_RE.match(piece)):
                out.append(current)
                current = piece
            else:
                current = f"{current} {piece}".strip()
        if current:
            out.append(current)
    return [u for u in out if len(u.split()) >= 2 and not _FURNITURE_RE.match(u)]


def _is_heading(line: str) -> bool:
    """An upper-case line (a header block's or a heading's): it runs on only into another such line."""
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)


def sentences(chunk: Chunk) -> list[Sentence]:
    """A chunk's sentences; a line a page repeats (an image caption, a title over each picture) is furniture."""
    units = _units(chunk.text)
    counts: dict[str, int] = {}
    for unit in units:
        counts[unit] = counts.get(unit, 0) + 1
    return [Sentence(text, chunk, i) for i, text in enumerate(u for u in units if counts[u] == 1)]


def starts_section(units: list[Sentence], heading: str) -> bool:
    """The passage begins with its section's heading ("1. Mục đích"), so its items follow it."""
    head = heading.rstrip("…").strip()
    return bool(head) and units[0].text.startswith(head[:40])


def announced(units: list[Sentence], i: int) -> list[Sentence]:
    """The items a sentence ending in ':' announces ("… căn cứ trên: (i) …; (ii) …"), up to the next heading."""
    if not units[i].text.rstrip().endswith(":"):
        return []
    items = []
    for unit in units[i + 1:]:
        if is_heading_unit(unit.text) or not _ITEM_RE.match(unit.text):
            break
        items.append(unit)
    return items


def complete(units: list[Sentence], i: int) -> bool:
    """A sentence announcing a list (ending in ':') answers only with its items after it."""
    if not units[i].text.rstrip().endswith(":"):
        return True
    if i + 1 == len(units):
        return True  # the passage ends there: its items open the next one
    return bool(_ITEM_RE.match(units[i + 1].text))


def sentence_vectors(index, texts: list[str]) -> np.ndarray:
    """e5 vectors of sentences, each embedded once (a bounded cache on the index): a passage asked about again
    costs nothing, and the ones not yet seen are embedded in one batch."""
    cache: OrderedDict = index.memo.setdefault("sentence_vectors", OrderedDict())
    missing = [text for text in dict.fromkeys(texts) if text not in cache]
    if missing:
        for text, vector in zip(missing, index.embedder.sentences(missing)):
            cache[text] = vector
        while len(cache) > SENTENCE_CACHE:
            cache.popitem(last=False)
    for text in texts:
        cache.move_to_end(text)
    return np.stack([cache[text] for text in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


def word_count(text: str) -> int:
    return len(text.split())


def around(units: list[Sentence], best: int, limit: int = MAX_WORDS, heading: bool = False) -> list[Sentence]:
    """The best sentence and what it needs: the items a sentence ending in ':' announces, a short sentence's
    neighbour, within the word budget."""
    chosen = [units[best]]
    words = word_count(units[best].text)
    following = best + 1
    if heading or units[best].text.rstrip().endswith(":") or is_heading_unit(units[best].text):
        # A heading or a sentence announcing a list: its items, each cut short when they do not all fit.
        if heading:
            items = units[following:]
            if items and words > HEAD_WORDS:  # a long heading sentence: its items answer, the citation names it in full
                chosen = [Sentence(trim(units[best].text, HEAD_WORDS), units[best].chunk, units[best].position)]
                words = HEAD_WORDS + 1
        else:
            items = announced(units, best) or units[following:]
            items = items[:next((i for i, u in enumerate(items) if is_heading_unit(u.text)), len(items))]
        if not items:
            return chosen
        each = _share(items, limit - words)
        for unit in items:
            cut = trim(unit.text, each)
            if words + word_count(cut) > limit:
                break
            chosen.append(Sentence(cut, unit.chunk, unit.position))
            words += word_count(cut)
    elif words < MIN_WORDS and following < len(units) and words + word_count(units[following].text) <= limit:
        chosen.append(units[following])
    return chosen


def _share(items: list[Sentence], budget: int) -> int:
    """The length each item is cut to so that all fit the budget: short items whole, the long ones cut alike
    (never below ITEM_WORDS: the items that do not fit then are left out)."""
    lengths = sorted(word_count(u.text) for u in items)
    if sum(lengths) <= budget:
        return max(lengths)
    left, count = budget, len(lengths)
    for length in lengths:
        if length * count > left:
            return max(ITEM_WORDS, left // count - 1)  # a cut item ends in "…"
        left -= length
        count -= 1
    return max(lengths)


def pick(units: list[Sentence], ranked: list[int], limit: int = FILL_WORDS, outline: bool = False) -> list[Sentence]:
    """The best sentence with what it needs (around()), then the next best of the same passage while the answer
    stays within `limit` words; the best first, the others in the passage's order. `outline`: the best is the
    section's heading, answered by its items."""
    best = ranked[0]
    if outline:
        return around(units, best, LIST_WORDS, heading=True)
    listing = units[best].text.rstrip().endswith(":") or is_heading_unit(units[best].text)
    chosen = around(units, best, LIST_WORDS if listing else MAX_WORDS)
    taken = {s.position for s in chosen}
    words = sum(word_count(s.text) for s in chosen)
    extra = []
    for i in ranked[1:]:
        if i in taken or words + word_count(units[i].text) > limit:
            continue
        extra.append(i)
        taken.add(i)
        words += word_count(units[i].text)
    return chosen + [units[i] for i in sorted(extra)]


_HEADING_MARKER_RE = re.compile(r"^(?:(?:Điều|Chương|Mục|Phần|Khoản)\s+[\dIVX]+[.:)]?\s*|"
                                r"(?:[a-zđ]\)|\(?[ivx]{1,4}\)|\d{1,2}(?:\.\d{1,2})*[.)]|[IVX]{1,5}\.|[-+•*–—])\s*)", re.I)


def strip_marker(heading: str) -> str:
    """A heading without its number or letter ("3. Yêu cầu" → "Yêu cầu", "III. NỘI DUNG" → "NỘI DUNG")."""
    return _HEADING_MARKER_RE.sub("", heading, count=1)


def is_heading_unit(text: str) -> bool:
    """"3. Yêu cầu", "II. ĐỐI TƯỢNG": a numbered heading, whose body answers."""
    return word_count(text) <= 8 and bool(_ITEM_RE.match(text)) and not text.rstrip().endswith((".", ";"))


def trim(text: str, limit: int = MAX_WORDS) -> str:
    words = text.split()
    return text if len(words) <= limit else " ".join(words[:limit]).rstrip(",;:") + " …"
