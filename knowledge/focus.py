"""Which documents a question is about, from everything it can name: a number in any spelling ("kh 206", "QD1659",
"quyết định số 1659", "công văn 642", "2007/QĐ-TTg"), the issuer ("của Bộ Tư pháp", "đề án của Tổng LĐLĐ"), a
province or city ("Hải Phòng", "tp hcm", "của tỉnh X"), the year of a document ("quyết định năm 2012").

What a document is comes from its own text (docinfo): its number; for a page that has none of its own (a news item,
a legal site's summary) the number its opening is about — the first one it names outside a "Căn cứ" / "Thực hiện"
clause — or the decision a plan is issued with ("Kèm theo Quyết định số …"); its issuer, also read from the code in a
number's symbol (QĐ-TTg → Thủ tướng Chính phủ, 5673/BNV-CCVC → Bộ Nội vụ) and from the national bodies its subject or
opening names; the province or city of a local issuer; the year it was issued and the years its subject names.

A number that is also a year (2007, 2019) is read by its neighbours: "năm 2019", "đến 2030", "2021-2025" are years;
"QĐ 2007", "đề án 2007", "2007/QĐ-TTg" are numbers; a bare one is a number only when a loaded document has it.
An issuer is a document's owner only when the question says so ("của Bộ Tư pháp", "kế hoạch … Bộ Tư pháp", "Bộ Nội vụ
ban hành"); "Bộ Tài chính làm gì?" asks about an agency, not about its documents.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from .text import ABBREVIATIONS, is_syllable, normalize, strip_diacritics

if TYPE_CHECKING:
    from .index import KnowledgeIndex
    from .model import Document

# Words that name a kind of document before its number (folded), and the canonical kind they name.
TYPE_WORDS = {
    "quyet dinh": "quyet dinh", "qd": "quyet dinh", "ke hoach": "ke hoach", "kh": "ke hoach",
    "cong van": "cong van", "cv": "cong van", "van ban": "van ban", "de an": "de an", "nghi dinh": "nghi dinh",
    "nd": "nghi dinh", "thong tu": "thong tu", "chi thi": "chi thi", "thong bao": "thong bao", "tb": "thong bao",
    "ket luan": "ket luan", "nghi quyet": "nghi quyet", "nq": "nghi quyet", "huong dan": "huong dan",
    "hd": "huong dan", "to trinh": "to trinh", "chuong trinh": "chuong trinh", "quy dinh": "quy dinh",
}
_TYPE_ABBREVIATIONS = ("qd", "kh", "cv", "nd", "tb", "nq", "hd")
# A year follows these words ("năm 2030", "đến 2025", "hết năm", "giai đoạn 2021 - 2025").
_YEAR_WORDS = {"nam", "den", "het", "tu", "toi", "truoc", "sau", "trong", "doan", "tai", "vao", "cuoi", "dau", "ky"}
# Numbers followed by these are counts, ages or shares, not documents.
_COUNT_WORDS = {"tuoi", "phan", "nguoi", "ngay", "thang", "gio", "lop", "khoa", "buoc", "bac", "ty", "trieu", "dong",
                "nghin", "lan", "muc", "diem", "tiet", "hoc", "cap"}
_LEVEL_WORDS = {"bac", "muc", "loai", "hang", "khoa", "lop", "dieu", "khoan", "diem", "buoc", "phan", "chuong", "muc"}
# Words after an agency that make it the issuer: "Bộ Nội vụ ban hành …".
_ISSUES_RE = re.compile(r"^(ban hanh|ky|ra|de ra|phe duyet|dat (chi tieu|muc tieu)|quy dinh|"
                        r"co (ke hoach|de an|quyet dinh|cong van|van ban))\b")
_DOCUMENT_NUMBER_RE = re.compile(
    r"(?<![\w/.,])(?P<head>\d{1,5})(?!\d)(?:\s*/\s*(?P<year>\d{4}))?(?P<symbol>(?:\s*[/-]\s*[a-z][a-z0-9.]*)*)")
_YEAR_RANGE_RE = re.compile(r"\b((?:19|20)\d{2})\s*-\s*((?:19|20)\d{2})\b")
_SOURCE_NUMBER_RE = re.compile(
    r"(?<![\w/])(?P<head>\d{1,5})(?:/\d{4})?(?P<symbol>[/-][A-ZĐ][\wĐđ&.]*(?:\s?[-–/]\s?[A-ZĐa-zđ][\wĐđ&.]*)*)")
# A number cited as a basis or carried out, not what a page is about: after such a cue in its sentence ("… nhằm triển
# khai Luật …, các Nghị quyết như: Nghị quyết số 27 …, Nghị quyết số 45-NQ/TW …"; a list of bases runs over ";").
_BASIS_BEFORE_RE = re.compile(r"(căn cứ|thực hiện|triển khai|theo đề nghị|tờ trình|sửa đổi|bổ sung|theo quy định)"
                              r"[^.\n]{0,400}$", re.I)
# A page's lead on the document it reports: "… vừa có Kế hoạch số 733 ngày 18-3-2010", "Thủ tướng đã ra Chỉ thị số
# 38/2004/CT-TTg", "ký ban hành Quyết định số 43/QĐ-TTg": that number, even one written without its symbol.
_ISSUED_NUMBER_RE = re.compile(
    r"\b(?:ban hành|ký|ra|có|phê duyệt)\s+(?P<kind>Kế hoạch|Quyết định|Chỉ thị|Đề án|Công văn|Thông tư|Nghị quyết"
    r"|Hướng dẫn|Chương trình)\s+(?:số\s+)?(?P<number>(?P<head>\d{1,5})(?:/\d{4})?"
    r"(?:\s?[-–/]\s?[A-ZĐ][\wĐđ&.]*)*)(?![\w/])")
_YEAR_IN_TEXT_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
IDENTITY_CHARS = 600  # a document's header, subject and lead say what all of it is about
OPENING_CHARS = 1500  # a page's number is named near its top
LEAD_CHARS = 400  # the opening text read for the bodies a page without a header is about
_AGENCY_START_RE = re.compile(r"^(ủy ban|uỷ ban|ubnd|hội đồng|bộ|sở|thủ tướng|chính phủ|quốc hội|văn phòng|ban|cục|"
                              r"tổng cục|tổng liên đoàn|học viện|viện|trung tâm|ngân hàng|kho bạc|bảo hiểm|"
                              r"kiểm toán|thanh tra|đại học|trường)\b", re.I)


def fold(text: str) -> str:
    """Lower case, no diacritics, '&' and punctuation other than '/' and '-' as spaces, single spaces."""
    folded = strip_diacritics(normalize(text or "")).lower().replace("–", "-").replace("—", "-")  # "2006–2010"
    folded = re.sub(r"[^a-z0-9/%\-]+", " ", folded)
    return " ".join(folded.split())


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def _head(number: str) -> str:
    """'1659/QĐ-TTg' → '1659'; '375-KL/TU' → '375'; '03/2023/TT-BNV' → '3'."""
    match = re.match(r"\s*0*(\d+)", number or "")
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Place:
    name: str  # as documents write it
    keys: tuple[str, ...]  # folded ways of writing it


@lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    return tuple(Place(parts[0], tuple(dict.fromkeys(fold(p) for p in parts)))
                 for parts in _data_lines("places.txt"))


@dataclass(frozen=True)
class Agency:
    name: str
    keys: tuple[str, ...]  # folded names and aliases (not the code)
    code: str  # folded code of its numbers' symbols ("ttg", "bnv"), "" when none
    aliases: tuple[str, ...] = ()  # other ways to write it, as written ("Bộ LĐTBXH", "Tổng LĐLĐ")


@lru_cache(maxsize=1)
def agencies() -> tuple[Agency, ...]:
    out = []
    for parts in _data_lines("agencies.txt"):
        code = fold(parts[1]) if len(parts) > 1 else ""
        out.append(Agency(parts[0], tuple(dict.fromkeys(fold(p) for p in [parts[0], *parts[2:]])), code,
                          tuple(sorted(parts[2:], key=len, reverse=True))))
    return tuple(out)


def _data_lines(name: str) -> list[list[str]]:
    text = resources.files(__package__).joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [[part.strip() for part in line.split("|")] for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


_PLACE_OF_KEY: dict[str, str] = {}


@lru_cache(maxsize=1)
def _place_pattern() -> re.Pattern:
    """Every folded way of writing a province or city, longest first, as whole words: one pass over a question."""
    for place in places():
        for key in place.keys:
            _PLACE_OF_KEY.setdefault(key, place.name)
    keys = sorted(_PLACE_OF_KEY, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![a-z0-9])")


def _contains(haystack: str, key: str) -> bool:
    return bool(key) and re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", haystack) is not None


# ---------------------------------------------------------------------------------------------------------- documents


@dataclass
class Profile:
    """What a document is, as a question may name it."""

    doc_id: str
    own: set[str] = field(default_factory=set)  # number heads that name it: its own, the page's subject, attached to
    implements: set[str] = field(default_factory=set)  # heads of documents it carries out
    cites: set[str] = field(default_factory=set)  # heads of every document it names
    numbers: list[str] = field(default_factory=list)  # full numbers of `own`, as written ("1659/QĐ-TTg")
    owners: set[str] = field(default_factory=set)  # folded names of its issuer and the bodies it belongs to
    places: set[str] = field(default_factory=set)  # names (places()) of the provinces or cities it is of
    years: set[int] = field(default_factory=set)  # year issued, years its subject or title names
    types: set[str] = field(default_factory=set)  # canonical TYPE_WORDS values
    identity: str = ""  # words that say what it is, part of any evidence taken from it
    sites: set[str] = field(default_factory=set)  # names of the site or paper it was taken from ("vitic", "eduway")

    @property
    def about(self) -> str:
        """'Quyết định 1659/QĐ-TTg' for a page restating a document, '' otherwise."""
        return self.numbers[0] if self.numbers else ""


def _opening_numbers(source: str) -> list[tuple[str, str]]:
    """(head, full number) of the documents a text's opening names, in order, outside basis clauses."""
    opening = normalize(source[:OPENING_CHARS])
    issued = _ISSUED_NUMBER_RE.search(opening)
    found = [(_head(issued.group("head")), _clean_number(issued.group("kind"), issued.group("number")))] if issued else []
    for match in _SOURCE_NUMBER_RE.finditer(opening):
        if _BASIS_BEFORE_RE.search(opening[max(0, match.start() - 400):match.start()]):
            continue
        found.append((_head(match.group("head")), _clean_number("", match.group(0))))
    return found


def _clean_number(kind: str, number: str) -> str:
    """'Chỉ thị' + '38/2004/CT – TTg' → 'Chỉ thị 38/2004/CT-TTg'; a bare '733' keeps its kind ('Kế hoạch 733')."""
    number = re.sub(r"\s?[-–]\s?", "-", number).rstrip(".")
    return f"{kind} {number}" if kind and _with_kind(number) == number else number  # its symbol says no kind


def _symbol_agencies(number: str) -> set[str]:
    """The national body whose code a number's symbol carries: '1659/QĐ-TTg' → Thủ tướng Chính phủ."""
    codes = set(fold(number).replace("/", "-").split("-")[1:])
    return {agency.keys[0] for agency in agencies() if agency.code and agency.code in codes}


def _named_agencies(text: str, own: set[str]) -> set[str]:
    """National bodies a text names, longest name first, leaving out the issuer of a document it cites
    ("Quyết định số 1659/QĐ-TTg ngày … của Thủ tướng Chính phủ" in a province's plan)."""
    folded = fold(text)
    keys = sorted(((key, agency.keys[0]) for agency in agencies() for key in agency.keys), key=lambda k: -len(k[0]))
    found: set[str] = set()
    taken: list[tuple[int, int]] = []
    for key, name in keys:
        for match in re.finditer(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", folded):
            if any(start <= match.start() < end for start, end in taken):
                continue  # "chính phủ" inside "thủ tướng chính phủ"
            taken.append(match.span())
            cited = [m for m in _FOLDED_NUMBER_RE.finditer(folded[max(0, match.start() - _CITED_BY_CHARS):match.start()])]
            if cited and _head(cited[-1].group("head")) not in own:
                continue
            found.add(name)
    return found


_FOLDED_NUMBER_RE = re.compile(r"(?<![a-z0-9/])(?P<head>\d{1,5})(?:/\d{4})?[/-][a-z]")
_CITED_BY_CHARS = 100  # "1659/QĐ-TTg ngày 19/11/2019 của Thủ tướng Chính phủ": the body names the cited document
_PLACE_AND_DATE_RE = re.compile(r"[^\n,|]{1,40},\s*ngày\b|Địa chỉ[^\n]*", re.I)


def _named_places(text: str) -> set[str]:
    """Provinces and cities a text names, not as the place a document was signed in ("Hà Nội, ngày …")."""
    folded = fold(_PLACE_AND_DATE_RE.sub(" ", text))
    return {place.name for place in places() if any(_contains(folded, key) for key in place.keys if len(key) > 2)}


def profile_of(doc: Document) -> Profile:
    info = doc.info
    profile = Profile(doc.doc_id)
    number = info.number if info else ""
    attached = getattr(info, "attached_to", "") if info else ""
    if number:
        profile.own.add(_head(number))
        profile.numbers.append(" ".join(p for p in (info.doc_type, number) if p))
    elif attached:
        profile.own.add(_head(attached.split()[-1]))
        profile.numbers.append(attached)
    else:
        opening = _opening_numbers(doc.source or "")
        if opening:
            profile.own.add(opening[0][0])
            profile.numbers.append(opening[0][1])
    references = list(info.references) if info else []
    implemented = list(getattr(info, "implements", []) or []) if info else []
    subject = info.subject if info else ""
    profile.implements = {_head(r.split()[-1]) for r in implemented}
    profile.implements |= {_head(m.group("head")) for m in _SOURCE_NUMBER_RE.finditer(subject)} - profile.own
    profile.cites = {_head(r.split()[-1]) for r in references} | profile.implements
    profile.cites |= {_head(m.group("head")) for m in _SOURCE_NUMBER_RE.finditer(normalize(doc.source or ""))}
    profile.cites -= profile.own

    issuer = info.issuer if info and _AGENCY_START_RE.match(info.issuer or "") else ""
    head = (doc.source or "")[:LEAD_CHARS]  # a header's issuer block, or a page's title and lead
    title_line = (doc.source or "").strip().split("\n", 1)[0][:200]
    owners = _named_agencies(" ".join([issuer, subject] + ([] if number else [head])), profile.own)
    for full in profile.numbers:
        owners |= _symbol_agencies(full)
    if issuer:
        owners.add(fold(issuer))
    profile.owners = owners
    profile.places = _named_places(" ".join([issuer, subject, title_line, head]))
    if info and info.date:
        profile.years.add(int(info.date[:4]))
    profile.years |= {int(y) for y in _YEAR_IN_TEXT_RE.findall(" ".join([subject, title_line]))}
    kinds = [info.doc_type if info else "", *(n.split()[0] if " " in n else "" for n in profile.numbers)]
    profile.types = {TYPE_WORDS[fold(k)] for k in kinds if fold(k) in TYPE_WORDS}
    profile.sites = _site_names(doc)
    profile.identity = " ".join(p for p in [
        _PLACE_AND_DATE_RE.sub(" ", (doc.source or "")[:IDENTITY_CHARS]), doc.title, info.label if info else "", " ".join(profile.numbers), issuer, " ".join(profile.places),
        subject, attached, " ".join(implemented), " ".join(sorted(str(y) for y in profile.years)),
        " ".join(agency.name for agency in agencies() if agency.keys[0] in owners)] if p)
    return profile


# "Nguồn: VITIC", "Viết bởi: cand.com.vn": where a page says it comes from.
_SOURCE_LINE_RE = re.compile(r"(?:^|\n)\s*(?:Nguồn|Viết bởi|Theo)\s*:\s*([^\n,;]{2,60})", re.I)


def _site_names(doc: Document) -> set[str]:
    """Names of the site or paper a document was taken from, as an official may call it ("bài VITIC", "tin trên
    eduway"): words of its file name and of its "Nguồn:" line that are no Vietnamese syllable and no number."""
    texts = [re.sub(r"\.\w+$", "", doc.doc_id)] + _SOURCE_LINE_RE.findall(doc.source or "")
    words = {w for text in texts for w in re.findall(r"[a-z][a-z0-9]+", fold(text))}
    return {w for w in words if is_site_name(w)}


def is_site_name(word: str) -> bool:
    """A word that may name a site: letters with a vowel ("vitic", not "ccvc" or "ubnd"), no Vietnamese syllable."""
    return (len(word) >= SITE_NAME_LETTERS and bool(re.search(r"[aeiouy]", word)) and not is_syllable(word)
            and word not in ABBREVIATIONS)


SITE_NAME_LETTERS = 4  # "cand", "vitic"; shorter ones are abbreviations of bodies ("bnv", "vks")
SITE_NAME_DOCS = 2  # a name more documents share ("ubnd", "thuvienphapluat") names a kind of source, not one


def profiles(index: KnowledgeIndex) -> dict[str, Profile]:
    """Every document's profile, derived once per loaded index."""
    cached = index.memo.get("profiles")
    if cached is None:
        cached = index.memo["profiles"] = {doc_id: profile_of(doc) for doc_id, doc in index.documents.items()}
    return cached


# ---------------------------------------------------------------------------------------------------------- questions


@dataclass
class Named:
    """What a question names, read from its text alone."""

    numbers: list[str] = field(default_factory=list)  # heads named as documents
    years: list[int] = field(default_factory=list)  # years named as years
    document_years: list[int] = field(default_factory=list)  # years that date a document ("quyết định năm 2012")
    places: list[str] = field(default_factory=list)  # place names (places())
    owners: list[str] = field(default_factory=list)  # folded agency names named as a document's issuer
    types: list[str] = field(default_factory=list)


@dataclass
class Focus:
    """The documents a question names (best first) and what it names that no loaded document is."""

    docs: list[str] = field(default_factory=list)
    named: Named = field(default_factory=Named)
    unknown: list[str] = field(default_factory=list)  # "tỉnh Quảng Ninh", "văn bản số 999"
    # The named number is a document these only carry out or cite ("Đề án 2007" → Công văn 642): their own number,
    # date or signer is not what was asked about.
    by_reference: bool = False

    @property
    def names_documents(self) -> bool:
        return bool(self.docs)


def _unglue(folded: str) -> str:
    """'qd1659' → 'qd 1659', 'kh206' → 'kh 206'."""
    return re.sub(rf"\b({'|'.join(_TYPE_ABBREVIATIONS)})(?=\d)", r"\1 ", folded)


def _type_before(tokens: list[str]) -> str:
    """The kind of document named just before a number ("quyết định số", "kh", "đề án")."""
    tail = [t for t in tokens[-4:] if t != "so"]
    for size in (2, 1):
        if len(tail) >= size:
            key = " ".join(tail[-size:])
            if key in TYPE_WORDS:
                return TYPE_WORDS[key]
    return ""


def read_named(question: str, known_numbers: set[str]) -> Named:
    """Numbers, years, places, issuers and kinds of document the question names."""
    text = _unglue(fold(question))
    named = Named()
    for first, last in _YEAR_RANGE_RE.findall(text):
        named.years += [int(first), int(last)]
    for match in _DOCUMENT_NUMBER_RE.finditer(text):
        head = _head(match.group("head"))
        before = re.findall(r"[a-z0-9]+", text[:match.start()])
        after = re.findall(r"[a-z0-9%]+", text[match.end():])[:1]
        kind = _type_before(before)
        in_range = bool(re.match(r"\s*-\s*\d{4}", text[match.end():])) or bool(re.search(r"\d{4}\s*-\s*$",
                                                                                           text[:match.start()]))
        plausible_year = 1950 <= int(head) <= 2100 and len(match.group("head")) == 4
        if in_range and plausible_year:
            named.years.append(int(head))
        elif before and before[-1] in _LEVEL_WORDS:
            continue  # "bậc 3", "mức 2"
        elif match.group("symbol") or kind:
            named.numbers.append(head)
            if kind:
                named.types.append(kind)
        elif before and before[-1] in _YEAR_WORDS:
            if plausible_year:
                named.years.append(int(head))
                # "quyết định năm 2012", "kế hoạch năm 2021": the year dates a document named by its kind alone
                if before[-1] == "nam" and _type_before(before[:-1]) and not re.search(r"\d", " ".join(before[-3:-1])):
                    named.document_years.append(int(head))
        elif after and (after[0] in _COUNT_WORDS or after[0].startswith("%")):
            continue
        elif head in known_numbers and len(head) >= 2:
            named.numbers.append(head)
        elif plausible_year:
            named.years.append(int(head))
    for match in _place_pattern().finditer(text):
        name = _PLACE_OF_KEY[match.group(0)]
        if name not in named.places:
            named.places.append(name)
    named.types += [kind for key, kind in TYPE_WORDS.items() if len(key) > 2 and _contains(text, key)]
    named.numbers = list(dict.fromkeys(named.numbers))
    named.years = list(dict.fromkeys(named.years))
    named.types = list(dict.fromkeys(named.types))
    return named


_CARRIES_OUT_RE = re.compile(r"\b(van ban|cong van|ke hoach|huong dan|quyet dinh)\b.*\b(trien khai|thuc hien|huong dan|"
                             r"ve viec|cu the hoa)\b")
_OWNER_WINDOW = 12  # words between a kind of document and its issuer: "công văn hướng dẫn … năm 2024 của Bộ Nội vụ"
_CLOSE_WORDS = 4  # without "của", the kind of document is this close: "kh ngoại ngữ Bộ Tư pháp"
# "Đề án 1659 giao Bộ Tài chính …", "phối hợp với Bộ …": the agency does something under the document.
_NOT_OWNER_BEFORE = {"giao", "cho", "voi", "va", "hop", "gui", "vu"}
_ASKED_FOR_WORDS = {"nao", "gi", "may"}


def _owners_named(text: str, owners: set[str]) -> list[str]:
    """Issuers the question names as such: after a kind of document ("kế hoạch ngoại ngữ của Bộ Tư pháp", "quyết
    định năm 2012 của Bộ Nội vụ"), or before "ban hành"."""
    found = []
    keys, pattern = _owner_pattern(frozenset(owners))
    if not pattern.search(text):
        return found
    for key, owner in keys:
        if owner in found or key not in text:
            continue
        for match in re.finditer(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", text):
            before = re.findall(r"[a-z0-9]+", text[:match.start()])[-_OWNER_WINDOW:]
            after = text[match.end():].strip()
            typed = [i for i in range(len(before)) if " ".join(before[i:i + 2]) in TYPE_WORDS or before[i] in TYPE_WORDS]
            # "kế hoạch … của Bộ Tư pháp" (any distance), "kh ngoại ngữ Bộ Tư pháp" (close by)
            owned = bool(typed) and bool(before) and (before[-1] == "cua" or typed[-1] >= len(before) - _CLOSE_WORDS) \
                and before[-1] not in _NOT_OWNER_BEFORE
            # "triển khai quyết định nào của Thủ tướng": the issuer of the document asked for, not of the one asked of
            if owned and any(w in _ASKED_FOR_WORDS for w in before[typed[-1]:]):
                owned = False
            if owned or _ISSUES_RE.match(after):
                found.append(owner)
                break
    return found


@lru_cache(maxsize=8)
def _owner_pattern(owners: frozenset[str]) -> tuple[list[tuple[str, str]], re.Pattern]:
    """The ways of writing the loaded documents' issuers (longest first), and one pattern finding any of them."""
    keys = {key: agency.keys[0] for agency in agencies() for key in agency.keys}
    keys.update({owner: owner for owner in owners})
    ordered = sorted(((k, o) for k, o in keys.items() if o in owners), key=lambda item: -len(item[0]))
    alternatives = "|".join(re.escape(k) for k, _ in ordered) or "(?!)"
    return ordered, re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


def focus(index: KnowledgeIndex, question: str) -> Focus:
    """The documents the question names, best first; none when it names none (cached per question text)."""
    cache = index.memo.setdefault("focus", {})
    if question not in cache:
        if len(cache) > FOCUS_CACHE:
            cache.clear()
        cache[question] = _focus(index, question)
    return copy.deepcopy(cache[question])


FOCUS_CACHE = 1024


def _focus(index: KnowledgeIndex, question: str) -> Focus:
    docs = profiles(index)
    known = set().union(*(p.own | p.implements | p.cites for p in docs.values())) if docs else set()
    named = read_named(question, known)
    text = _unglue(fold(question))
    named.owners = _owners_named(text, set().union(*(p.owners for p in docs.values())) if docs else set())
    result = Focus(named=named)
    constraints: list[set[str]] = []
    own_set: set[str] = set()  # the documents named by their own number
    if named.numbers:
        matched: set[str] = set()
        own_named = False
        for head in named.numbers:
            found = {d for d, p in docs.items() if head in p.own}
            own_named = own_named or bool(found)
            if not found:
                found = ({d for d, p in docs.items() if head in p.implements}
                         or {d for d, p in docs.items() if head in p.cites})
                # "Văn bản hướng dẫn triển khai Đề án 2007 …" is about the document that carries it out.
                about_carrier = bool(_CARRIES_OUT_RE.search(text[:text.find(head)] if head in text else ""))
                result.by_reference = result.by_reference or (bool(found) and not about_carrier)
            if not found:
                result.unknown.append(f"văn bản số {head}")
            matched |= found
        result.by_reference = result.by_reference and not own_named
        if own_named:
            # "QĐ 1698 căn cứ nghị định nào sửa đổi Nghị định 101": the document named by its own number, not
            # every document that also cites the other
            matched = {d for d, p in docs.items() if p.own & set(named.numbers)}
            own_set = set(matched)
        if matched:
            constraints.append(matched)
    if named.places:
        matched = {d for d, p in docs.items() if p.places & set(named.places)}
        if matched:
            constraints.append(matched)
        else:
            mentioned = [place for place in named.places if any(
                any(_contains(fold(doc.source), key) for key in _place(place).keys if len(key) > 2)
                for doc in index.documents.values())]
            result.unknown += [f"{place}" for place in named.places if place not in mentioned]
    if named.owners:
        matched = {d for d, p in docs.items() if p.owners & set(named.owners)}
        if matched:
            constraints.append(matched)
    sites = {w for w in re.findall(r"[a-z][a-z0-9]+", text) if is_site_name(w)}
    for site in sites:
        matched = {d for d, p in docs.items() if site in p.sites}
        if 0 < len(matched) <= SITE_NAME_DOCS:
            constraints.append(matched)  # "theo bài VITIC"
    if not constraints and named.document_years:
        constraints.append({d for d, p in docs.items() if p.years & set(named.document_years)})
    constraints = [c for c in constraints if c]
    if not constraints:
        return result
    # none answers all that is named: a document named by its own number before any other (a number names one)
    chosen = set.intersection(*constraints) or (own_set if own_set else set.union(*constraints))
    if named.document_years or named.years:
        years = set(named.document_years or named.years)
        dated = {d for d in chosen if docs[d].years & years}
        if dated and named.document_years:
            chosen = dated
    order = list(index.documents)
    result.docs = sorted(chosen, key=order.index)
    return result


def place_keys(name: str) -> tuple[str, ...]:
    """The folded ways of writing a province or city ("thanh pho ho chi minh", "tp hcm", "tphcm", "hcm")."""
    return _place(name).keys


def _place(name: str) -> Place:
    return next(place for place in places() if place.name == name)


# Kinds of document by the code their numbers' symbols carry (1659/QĐ-TTg, 206/KH-UBND).
_KIND_OF_CODE = {"qd": "Quyết định", "kh": "Kế hoạch", "cv": "Công văn", "tt": "Thông tư", "nd": "Nghị định",
                 "nq": "Nghị quyết", "ct": "Chỉ thị", "hd": "Hướng dẫn", "tb": "Thông báo", "bc": "Báo cáo"}


def _with_kind(number: str) -> str:
    """'1659/QĐ-TTg' → 'Quyết định 1659/QĐ-TTg'; a number already with its kind is left as it is."""
    if not number or not number[0].isdigit():
        return number
    code = [part for part in fold(number).replace("/", "-").split("-")[1:] if not part.isdigit()][:1]
    kind = _KIND_OF_CODE.get(code[0]) if code else None
    return f"{kind} {number}" if kind else number


def display_label(index: KnowledgeIndex, doc_id: str, short: bool = False) -> str:
    """How answers name a document. One with its own number keeps its label ("Kế hoạch 206/KH-UBND"); a plan issued
    with a decision is named by it ("Kế hoạch kèm theo Quyết định 1550/QĐ-BTP"); a page restating a document is named
    by what it restates, with its file name to tell copies apart ("Bài viết về Quyết định 1659/QĐ-TTg
    (1659-bigschool-2019)"; `short`: without it, for an answer's text); else the stored label (title or file name)."""
    cache = index.memo.setdefault("display_labels", {})
    if doc_id not in cache:
        doc = index.documents[doc_id]
        info = doc.info
        stored = index.doc_label(doc_id)
        attached = getattr(info, "attached_to", "") if info else ""
        profile = profiles(index).get(doc_id)
        if info and info.number:
            label = stored
        elif attached:
            label = f"{info.doc_type or 'Văn bản'} kèm theo {_with_kind(attached)}"
        elif profile and profile.about:
            label = f"Bài viết về {_with_kind(profile.about)} ({doc.title or doc_id})"
        else:
            label = stored
        cache[doc_id] = label
    label = cache[doc_id]
    return re.sub(r" \([^()]*\)$", "", label) if short else label

