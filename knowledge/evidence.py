"""Whether an answer's evidence covers what its question asks — the decision to answer or to say honestly that the
documents do not say.

Evidence is what an answer would quote (a fact's span, the sentences of a passage) with its section path and what its
document says of itself (number, issuer, province, subject: focus.Profile.identity). It covers a question when
- the question's key terms (question.key_terms: not question words, particles or cue words) are found in it, weighed by
  how rare each is in the documents (a word no document uses weighs most: it is what the documents lack);
- it holds the kind of value asked for: a phone number for "số điện thoại", an amount for "bao nhiêu tỷ đồng", a
  date for "ngày nào", a percentage for "bao nhiêu %";
- it comes from a document the question names, when it names one (answer.py keeps to those).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .focus import profiles
from .names import canonical_agencies
from .text import strip_diacritics, syllables

# Share of the key terms' weight the evidence must hold. Chosen on the dev split of the real-document set and the
# own set (bench/real_documents.py --coverage prints the shares of answerable and unanswerable questions).
MIN_COVERAGE = 0.50
# A key term no indexed passage uses at all, missing from the evidence, is enough to refuse when it carries this
# share of the question's weight: the documents do not talk about it.
UNSEEN_SHARE = 1.01

VALUE_PATTERNS = {
    "amount": re.compile(r"\d[\d.,]*\s*(ty|trieu|nghin|ngan|dong|vnd|usd)\b"),
    "percent": re.compile(r"\d+(?:[.,]\d+)?\s*(%|phan tram)"),
    "level": re.compile(r"\bbac\s*\d|\b[abc][12]\b"),
    "date": re.compile(r"\b\d{1,2}\s*([/.-])\s*\d{1,2}\s*\1\s*\d{4}\b|\bngay\s+\d{1,2}\s+thang\s+\d{1,2}|\bngay ky\b"),
    "count": re.compile(r"\b\d[\d.,]*\s+(khoa|lop|nguoi|hoc vien|luot|dong chi|dot|ngay(?!\s*\d)|buoi|can bo|cbcc)\b"),
    "period": re.compile(r"\b(19|20)\d{2}\s*[-–—]\s*(19|20)\d{2}\b|\btu (nam )?(19|20)\d{2} den (het )?(nam )?(19|20)\d{2}\b"),
    "effective": re.compile(r"\bhieu luc\b"),
    "docnumber": re.compile(r"(?<![\d/])\d{1,5}(?:/\d{4})?/[a-z]|\bso\s+\d{1,5}\b"),
    "venue": re.compile(r"\bdia diem\b|\btai (hoc vien|truong|trung tam|hoi truong|nha van hoa|co so dao tao)\b"),
    "phone": re.compile(r"(?<!\d)\(?0\d{1,3}\)?[ .\-]?\d{3,4}[ .\-]?\d{3,4}(?!\d)"),
    "mobile": re.compile(r"(?<!\d)0\d{9}(?!\d)|(?<!\d)0\d{2,3}[ .]\d{3}[ .]\d{3,4}(?!\d)"),
    "fax": re.compile(r"\bfax\b[^\d]{0,5}\d"),
    "ext": re.compile(r"\b(may le|ext|may nhanh)\b[^\d]{0,5}\d"),
    "email": re.compile(r"@"),
    "deadline": re.compile(r"\b(truoc|cham nhat|han|truoc ngay)\s+(ngay\s+)?\d{1,2}\b"),
    "frequency": re.compile(r"\b(hang|hang) (nam|quy|thang|tuan)\b|\bdinh ky\b|\bmoi (nam|quy|thang)\b|"
                           r"\d+ (thang|nam) (mot|1) lan|\b(giua ky|cuoi ky)\b"),
    "article": re.compile(r"\bdieu \d+"),
    "address": re.compile(r"\b(dia chi|so \d+ (duong|pho)|\d+ [a-z]+ (duong|pho))\b"),
}


_AGENCY_HEAD_RE = re.compile(r"(?<!\w)(?:Sở|Bộ|Ban|Ủy ban|UBND|Phòng|Cục|Tổng cục|Vụ|Trung tâm|Trường|Học viện|"
                             r"Văn phòng|Liên đoàn|Tổng Liên đoàn|Hội đồng|Đoàn|Hội)\s+[A-ZĐ]")
# A run of capitalised words, where a person's full name may start ("Nguyễn Tiến Dĩnh"; see holds).
_CAPITALISED_RUN_RE = re.compile(r"(?<!\w)[A-ZĐ][a-zà-ỹđ]+(?:[ \t]+[A-ZĐ][a-zà-ỹđ]+)+(?!\w)")
_NOT_NAMES = re.compile(r"^(Bộ|Sở|Thủ|Chính|Ủy|Quyết|Kế|Công|Nghị|Thông|Ban|Văn|Hội|Cục|Vụ|Đề|Chương|Điều|Luật|Nhà|"
                        r"Trung|Việt|Hà|Thành|Tổng|Học|Viện|Ngày|Theo|Căn|Xét|Đảng)\b")


# Vietnamese family names (over 99 % of people carry one of these; "Hà" and "Văn" begin too many other runs, see
# _NOT_NAMES): a capitalised run starting otherwise is a title or a site's banner ("Hệ Thống Pháp Luật"), not a signer.
SURNAMES = frozenset("""Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương Trịnh
Trương Lâm Phùng Mai Tô Tạ Quách Lương Cao Đinh Kiều Thái Lưu Chu Châu La Từ Hứa Tăng Lại Khúc Triệu Đàm Mạc Thân
Nông Lò Giang Tống Âu Hầu Doãn Quan Đồng Nghiêm Lục Bạch Khổng Diệp Lã Ông Viên Ninh Kim Thạch Y Ksor Rơ Tôn Lữ Nhữ
Phí Khuất Đới Ưng Cù Bế Sầm Vi Lăng Mẫn Thiều Giáp Khương Cấn""".split())


_CITING_RE = re.compile(r"\b(can cu|thuc hien|trien khai|theo|sua doi|bo sung)\b[^.;]*$")


def holds(value: str, text: str) -> bool:
    """Whether a text holds a value of the kind asked for (compared without diacritics)."""
    if value.startswith("cited:"):  # "luật nào": a Luật, not "pháp luật"
        return re.search(rf"(?<!phap )\b{value.split(':', 1)[1]}\b", plain_text(text)) is not None
    if value == "docnumber":  # its own number: not one it cites ("Căn cứ Nghị định số 91/2003/NĐ-CP")
        folded = plain_text(text)
        return any(not _CITING_RE.search(folded[max(0, m.start() - 80):m.start()])
                   for m in VALUE_PATTERNS["docnumber"].finditer(folded))
    if value == "agency":  # "cơ quan nào chủ trì?": a body named by its head word, as texts capitalise it
        return bool(_AGENCY_HEAD_RE.search(text))
    if value == "person":
        # a full name: a family name and two or three more (officials' names are written in full in documents),
        # wherever it starts in a run of capitalised words ("UBND tỉnh Bắc Ninh Phạm Hoàng Sơn")
        for run in _CAPITALISED_RUN_RE.finditer(text):
            words = run.group(0).split()
            if any(w in SURNAMES and len(words) - i >= 3 and not _NOT_NAMES.match(w) for i, w in enumerate(words)):
                return True
        return False
    pattern = VALUE_PATTERNS.get(value)
    return pattern is None or bool(pattern.search(plain_text(text)))


_VOWEL_RE = re.compile(r"[aeiouy0-9]|[^\x00-\x7f]")


def plain_text(text: str) -> str:
    return strip_diacritics(text).lower()


def _words(text: str, accented: bool) -> list[str]:
    words = syllables(text)
    return words if accented else [strip_diacritics(w) for w in words]


def idf(index, accented: bool = False) -> tuple[dict[str, float], float]:
    """Inverse document frequency of syllables (with their diacritics or without) over the chunks with their section
    paths, squared, and the weight of a syllable no chunk has; cached on the index."""
    key = ("evidence_idf", accented)
    cached = index.memo.get(key)
    if cached is None:
        plain_idf, unseen = syllable_idf(
            index, key, lambda chunk: _words(canonical_agencies(f"{chunk.section} {chunk.text}"), accented))
        # Squared: a word in every passage ("cán bộ", "ngoại ngữ") says little; a rare one says what is asked.
        cached = index.memo[key] = ({w: v ** 2 for w, v in plain_idf.items()}, unseen ** 2)
    return cached


def syllable_idf(index, key, words_of) -> tuple[dict[str, float], float]:
    """Inverse document frequency over the index's chunks of the words `words_of(chunk)` gives, and the weight of a
    word no chunk has; cached on the index under `key` (one per way of reading a chunk)."""
    cache = index.memo.setdefault("syllable_idf", {})
    if key not in cache:
        df: dict[str, int] = {}
        for chunk in index.chunks:
            for word in set(words_of(chunk)):
                df[word] = df.get(word, 0) + 1
        n = len(index.chunks) or 1
        cache[key] = ({w: math.log(1 + n / c) for w, c in df.items()}, math.log(1 + n))
    return cache[key]


def identity_words(index, doc_id: str, accented: bool = False) -> Bag:
    cache = index.memo.setdefault(("identity_words", accented), {})
    if doc_id not in cache:
        profile = profiles(index).get(doc_id)
        cache[doc_id] = bag(profile.identity, accented) if profile else Bag()
    return cache[doc_id]


def names(bag: set, phrase: str) -> bool:
    """The evidence names a multi-word name (diacritic-free): its words, each next to the following one."""
    words = phrase.split()
    plain_words = bag if not hasattr(bag, "pairs") else bag
    pairs = getattr(bag, "pairs", set())
    return all(w in plain_words for w in words) and all((a, b) in pairs for a, b in zip(words, words[1:]))


def words_of(*texts: str, accented: bool = False) -> Bag:
    out = Bag()
    for text in texts:
        part = bag(text, accented)
        out |= part
        out.pairs |= part.pairs
    return out


@dataclass
class Coverage:
    share: float  # weighted share of the key terms the evidence holds
    missing: list[str] = field(default_factory=list)
    unseen_missing: float = 0.0  # share of the weight of missing terms no chunk uses

    @property
    def enough(self) -> bool:
        return self.share >= MIN_COVERAGE and self.unseen_missing < UNSEEN_SHARE


@lru_cache(maxsize=2)
def synonyms(accented: bool) -> dict[str, list[tuple[str, ...]]]:
    """A one-syllable word officials type → the words administrative texts write for it
    (knowledge/data/synonyms.txt): "sửa" is found where "điều chỉnh" is."""
    text = resources.files(__package__).joinpath("data/synonyms.txt").read_text(encoding="utf-8")
    out: dict[str, list[tuple[str, ...]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = [tuple(_words(word, accented)) for word in line.split("|")]
        for word in group:
            if len(word) == 1:  # a one-syllable word officials type: found where any other word of its group is
                out.setdefault(word[0], []).extend(other for other in group if other != word)
    return out


@lru_cache(maxsize=2)
def pair_synonyms(accented: bool) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """Two words the question writes together ("yêu cầu") → the words texts write for them ("đề nghị")."""
    text = resources.files(__package__).joinpath("data/synonyms.txt").read_text(encoding="utf-8")
    out: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = [tuple(_words(word, accented)) for word in line.split("|")]
        for word in group:
            if len(word) == 2:
                out.setdefault((word[0], word[1]), []).extend(other for other in group if other != word)
    return out


@lru_cache(maxsize=50_000)
def _spelled_out(text: str) -> str:
    """The text with bodies' short names spelled out ("Tổng LĐLĐ" → "Tổng Liên đoàn Lao động"), as questions are."""
    return canonical_agencies(text)


class Bag(set):
    """The words of a piece of evidence, and the pairs of words next to each other in it."""

    def __init__(self, words=(), pairs=()) -> None:
        super().__init__(words)
        self.pairs = set(pairs)


def bag(text: str, accented: bool = False) -> Bag:
    words = _words(_spelled_out(text), accented)
    pairs = list(zip(words, words[1:]))
    if accented:
        bare = [strip_diacritics(w) for w in words]
        return Bag(words + bare, pairs + list(zip(bare, bare[1:])))
    return Bag(words, pairs)


def coverage(index, terms: list[str], evidence: set[str], accented: bool = False,
             pairs: set[tuple[str, str]] | None = None) -> Coverage:
    """How much of the question's key terms the evidence words hold (both with diacritics or both without). Two key
    words next to each other in the question ("công đoàn") count in full only where the evidence has them together
    too (not "công chức … giai đoạn"): half each otherwise."""
    if not terms:
        return Coverage(1.0)
    together = getattr(evidence, "pairs", None)
    apart: set[str] = set()
    if pairs and together is not None:
        for a, b in pairs:
            if a in evidence and b in evidence and (a, b) not in together:
                apart |= {a, b}
    weights, unseen = idf(index, accented)
    plain_weights, _ = idf(index, False) if accented else (weights, unseen)
    alternatives = synonyms(accented)
    written_otherwise: set[str] = set()  # "yêu cầu" asked, "đề nghị" written: both words found
    for pair in pairs or ():
        if not all(w in evidence for w in pair) and any(
                all(s in evidence for s in other) for other in pair_synonyms(accented).get(pair, [])):
            written_otherwise |= set(pair)
    total = found = unseen_missing = 0.0
    missing = []
    for term in terms:
        table = plain_weights if accented and strip_diacritics(term) == term else weights
        if term not in table and not _VOWEL_RE.search(term):
            continue  # "pt", "th": pieces of an abbreviation no passage writes (a Vietnamese syllable has a vowel)
        weight = table.get(term, unseen)
        total += weight
        if term in evidence or term in written_otherwise or any(
                all(s in evidence for s in other) for other in alternatives.get(term, [])):
            found += weight / 2 if term in apart else weight
        else:
            missing.append(term)
            if term not in table:
                unseen_missing += weight
    if not total:
        return Coverage(0.0, list(terms))  # only letters no word is made of ("xxxx"): nothing recognisable asked
    return Coverage(found / total, missing, unseen_missing / total)


def evidence_words(index, doc_id: str, section: str, *texts: str, accented: bool = False) -> set[str]:
    """The words an answer's evidence offers: its texts, its section path and what its document says of itself."""
    out = words_of(section, *texts, accented=accented)
    identity = identity_words(index, doc_id, accented)
    merged = Bag(out | identity, out.pairs | identity.pairs)
    return merged
