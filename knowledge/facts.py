"""Rule-based fact extraction from Vietnamese guidance documents (hướng dẫn, kế hoạch, đề án, quyết định).

Every fact quotes the smallest exact span of `Document.source` it rests on (a sentence, a ";"-clause or
a list item), and names the innermost section holding it. A list item's own heading line (a), (i)) is
cited under its parent section, since the item's label would only repeat the quote.

Spans are cut on punctuation of the raw source (line ends, ". ", ";"), which Unicode normalisation
never moves; the data of a fact is read from the normalised text of that span. The rules:

contact
    A sentence with a person introduced by "đồng chí/ông/bà/anh/chị" or by "liên hệ", that also gives
    a phone, fax or e-mail. Fields by their labels: "Di động/DĐ/ĐTDĐ" (mobile), "Máy bàn/Điện thoại/ĐT"
    (phone), "máy lẻ" (ext), "Fax", "Email"; phone numbers are kept as digits, and e-mails broken by a
    space after a dot before a known top-level domain ("gmail. com") are repaired. Text between the name
    and the first field is the role; text between "liên hệ" and the honorific is the unit.
target
    A clause holding "N%" after a year ("Đến năm 2025: …", "năm YYYY", "giai đoạn A-B"). One fact per
    percentage: the group is the phrase after it (parentheticals and qualifiers such as "dưới 40 tuổi",
    "công tác tại …" become conditions); the level phrase "đạt … bậc 4 trở lên" (or B1, trình độ A,
    cơ bản, cao cấp …) applies to every percentage before it in the ";"-clause.
eligibility
    Items (a), (i), "-" bullets, body sentences) of a section headed "Đối tượng …"; a heading with
    "không áp dụng/không thuộc/loại trừ" marks them excluded. Elsewhere, sentences "… không áp dụng đối
    với X" and "X không thuộc đối tượng …" give excluded facts.
duty
    (a) Body sentences and items of a section whose heading names agencies ("1. Sở Nội vụ:",
    "Đối với các Bộ, ngành …"), under a heading such as "Tổ chức thực hiện/Phân công/Trách nhiệm";
    (b) any sentence that starts (or starts after a short adverbial clause such as "Trong quá trình …,")
    with an agency name followed by a duty verb ("chủ trì", "phối hợp", "làm đầu mối", …). Agency names
    start with a prefix (Bộ, Sở, Văn phòng, Ủy ban nhân dân, Cục, Đài, Báo, "Các địa phương" …) and end
    at a gazetteer match (ministries, common Sở), a duty verb, or punctuation.
roadmap
    Sentences starting with a dated phase: "Năm 2020:", "Năm 2021 - 2025:", "Giai đoạn 2021-2025",
    "Thời gian thực hiện: Từ năm 2020 đến hết năm 2030", "Trong 5 năm (2016 - 2020), …"; inside a
    "Lộ trình/Tiến độ" section also "Đến năm YYYY".
funding
    Items of a section headed "Kinh phí/Nguồn vốn/Ngân sách …", and sentences mentioning "kinh phí",
    "ngân sách" or "nguồn tài trợ" that name a source. Sources are the list after "từ/bằng/do/gồm",
    split on ";" and before each new source word; groups are the roles the money is for.

Data keys per kind:
    contact      person, role, unit, mobile, phone, ext, fax, email (only those stated)
    target       year, percent, group, group_key, level, level_text, subject, conditions, max_age
    eligibility  applies, who, conditions, roles, workplaces
    duty         agency, agencies, agency_key, duty, rule ("heading" or "sentence")
    roadmap      start_year, end_year, text
    funding      text, sources, source_keys, groups, conditions
Keys (group_key, agency_key) are diacritic-free, lower-case words, for matching.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .model import PATH_SEPARATOR, Document, Fact, Section
from .structure import PREAMBLE, Line, clean_lines, parse_sections
from .text import collapse_whitespace, normalize, strip_diacritics

log = logging.getLogger(__name__)

__all__ = ["document_fact", "extract_facts"]

ITEM_RANK = 8  # a), (i): list items, not sections of their own
_UP = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"

# ---------------------------------------------------------------------------------------------
# Shared vocabulary
# ---------------------------------------------------------------------------------------------

# Roles of people, in output order; the abbreviations officials write expand to several roles.
ROLES = ["cán bộ", "công chức", "viên chức", "giảng viên", "giáo viên", "chuyên gia", "báo cáo viên",
         "người lao động", "học viên", "sinh viên"]
_ROLE_ABBREVIATIONS = {"CBCCVC": ["cán bộ", "công chức", "viên chức"], "CBCC": ["cán bộ", "công chức"],
                       "CCVC": ["công chức", "viên chức"], "CBCNVC": ["cán bộ", "công chức", "viên chức"]}

# Generic workplaces named in "who is covered" items.
_WORKPLACES = ["cơ quan hành chính", "cơ quan nhà nước", "đơn vị sự nghiệp công lập", "tổ chức chính trị - xã hội",
               "doanh nghiệp nhà nước", "trường đại học", "viện nghiên cứu", "cơ sở đào tạo, bồi dưỡng",
               "bộ, ngành", "địa phương", "xã, phường, thị trấn"]

# Subjects whose level a target measures.
_SUBJECTS = ["ngoại ngữ", "tiếng Anh", "tiếng Pháp", "tiếng Trung", "tiếng Nga", "tiếng dân tộc thiểu số",
             "tin học", "công nghệ thông tin", "kỹ năng số", "lý luận chính trị", "quản lý nhà nước",
             "chuyên môn", "quốc phòng và an ninh"]

# Ministries and provincial departments (Bộ X / Sở X), and standalone agencies: gazetteer for name ends.
_MINISTRY_SUBJECTS = [
    "Quốc phòng", "Công an", "Ngoại giao", "Nội vụ", "Tư pháp", "Kế hoạch và Đầu tư", "Tài chính", "Công Thương",
    "Nông nghiệp và Phát triển nông thôn", "Nông nghiệp và Môi trường", "Giao thông vận tải", "Xây dựng",
    "Tài nguyên và Môi trường", "Thông tin và Truyền thông", "Lao động - Thương binh và Xã hội",
    "Văn hóa, Thể thao và Du lịch", "Văn hóa và Thể thao", "Du lịch", "Khoa học và Công nghệ",
    "Giáo dục và Đào tạo", "Y tế", "Dân tộc và Tôn giáo", "Ngoại vụ", "Quy hoạch - Kiến trúc",
]
_STANDALONE_AGENCIES = ["Văn phòng Chính phủ", "Thanh tra Chính phủ", "Ngân hàng Nhà nước Việt Nam",
                        "Ủy ban Dân tộc", "Kiểm toán Nhà nước", "Bảo hiểm xã hội Việt Nam", "Kho bạc Nhà nước"]

# Prefixes that open an agency name when the next word is capitalised (or an administrative level).
_AGENCY_PREFIXES = ["Bộ Chỉ huy", "Bộ", "Sở", "Văn phòng", "Tổng cục", "Chi cục", "Cục", "Vụ", "Ban", "Học viện",
                    "Viện", "Đài", "Báo", "Kho bạc", "Thanh tra", "Công an", "Bảo hiểm xã hội", "Trung tâm",
                    "Trường", "Hội đồng", "Hội", "Liên đoàn", "Mặt trận", "Tỉnh đoàn", "Thành đoàn", "Đoàn",
                    "Phòng", "Tòa án", "Viện kiểm sát", "Ngân hàng", "Kiểm toán"]
_NAMED_RE = re.compile(
    r"(?:(?:Ủy|Uỷ) ban nhân dân|UBND|HĐND|Hội đồng nhân dân)"
    r"|(?:" + "|".join(re.escape(p) for p in _AGENCY_PREFIXES) + r")"
    rf"(?=\s+(?:[{_UP}]|(?:tỉnh|thành phố|quận|huyện|thị xã|xã|phường|cấp)\b))"
)
# Heads of agencies: "Giám đốc Sở Y tế", "Thủ trưởng các sở, ban, ngành".
_TITLE_RE = re.compile(r"(?:Thủ trưởng|Giám đốc|Chủ tịch|Người đứng đầu|Chánh Văn phòng|Chánh Thanh tra)\s+")
_PLURAL_RE = re.compile(
    r"[Cc]ác\s+(?:Bộ|bộ|Sở|sở|[Bb]an|ngành|cơ quan|[Đđ]ơn vị|địa phương|(?:Ủy|Uỷ) ban|UBND|[Tt]rường|[Cc]ục|[Vv]ụ"
    r"|tổ chức|tỉnh|thành phố|quận|huyện|xã|phường|doanh nghiệp|[Hh]ội)\b"
)
# Words that end an agency name and start its duty.
_DUTY_VERBS = [
    "chủ trì", "phối hợp", "xem xét", "làm đầu mối", "là đầu mối", "là cơ quan", "có nhiệm vụ", "có trách nhiệm",
    "chịu trách nhiệm", "tham mưu", "hướng dẫn", "tuyên truyền", "bố trí", "lập", "thẩm định", "đảm bảo",
    "bảo đảm", "tổ chức", "triển khai", "theo dõi", "kiểm tra", "đôn đốc", "tổng hợp", "báo cáo", "ban hành",
    "rà soát", "cân đối", "phân bổ", "thông báo", "chỉ đạo", "trình", "nghiên cứu", "đề xuất", "thực hiện",
    "giám sát", "cung cấp", "phê duyệt", "hỗ trợ", "khẩn trương", "chủ động", "tiếp tục", "cập nhật",
    "biên soạn", "tiếp nhận", "quyết toán", "vận động", "xúc tiến", "xây dựng", "căn cứ", "quản lý", "sẽ",
    "cần", "phải", "định kỳ", "thường xuyên", "tham khảo", "gửi", "nộp", "đăng ký",
]
_VERB_RE = re.compile(r"(?:" + "|".join(sorted(map(re.escape, _DUTY_VERBS), key=len, reverse=True)) + r")\b",
                      re.I)
_CONNECTOR_RE = re.compile(
    r"\s*:?\s*(?:có nhiệm vụ|có trách nhiệm|chịu trách nhiệm|được giao)?\s*:?\s*(?:\((?:[ivx]+|\d+)\)\s*)?", re.I)
_ALIAS_RE = re.compile(r"\s*\((?:dưới đây|sau đây)\s+(?:được\s+)?gọi\s+(?:tắt|chung)?\s*là\s+([^()]+)\)", re.I)
_LEAD_CLAUSE_RE = re.compile(
    r"(?:Trong|Năm|Hằng năm|Hàng năm|Căn cứ|Định kỳ|Sau khi|Trước|Từ|Đến|Khi|Để)\b[^,;:.]{0,120},\s+")
_DUTY_CONTEXT_RE = re.compile(r"tổ chức thực hiện|phân công|trách nhiệm|nhiệm vụ|triển khai|giải pháp", re.I)
_AGENCY_HEAD_RE = re.compile(r"^(?:đối với|trách nhiệm của|nhiệm vụ của|giao)\s+", re.I)

# ---------------------------------------------------------------------------------------------
# Spans
# ---------------------------------------------------------------------------------------------

_MARKER_RE = re.compile(
    r"(?:[a-zđ]\)|\((?:[ivxlc]+|\d+|[a-zđ])\)|(?:\d{1,2}\.)+\d{0,2}\)?|\d{1,2}\)|[IVXLC]{1,5}\.|[-+•*–—])\s+")
_BULLET_RE = re.compile(r"[-+•*–—]\s*")
_ABBREV_RE = re.compile(rf"[{_UP}][A-Za-z{_UP.lower()}]{{0,2}}")


def _norm(raw: str) -> str:
    return collapse_whitespace(normalize(raw))


def _fold(text: str) -> str:
    """Lower-case, diacritic-free, one character per character (so positions carry over)."""
    return "".join((strip_diacritics(ch) or ch)[0] for ch in text.lower())


def _key(text: str) -> str:
    """Diacritic-free lower-case words: the matching key of a name or group."""
    folded = strip_diacritics(_norm(text)).lower()
    folded = re.sub(r"\bubnd\b", "uy ban nhan dan", folded)
    return " ".join(re.findall(r"\w+", folded))


def _trim(source: str, start: int, end: int) -> tuple[int, int]:
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


def _strip_marker(source: str, start: int, end: int) -> int:
    """Start of the span after a leading list marker (a), (i), 1., 1.2., -, +)."""
    m = _MARKER_RE.match(source, start, end)
    return m.end() if m and m.end() < end else start


def _sentences(source: str, start: int, end: int) -> list[tuple[int, int]]:
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
        if _ABBREV_RE.fullmatch(last) or last.endswith("/"):  # TP., TS., ./.
            continue
        spans.append((s, cut))
        s = nxt
    spans.append((s, end))
    return [_trim(source, a, b) for a, b in spans if source[a:b].strip()]


def _clauses(source: str, start: int, end: int) -> list[tuple[int, int]]:
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
    return [_trim(source, a, b) for a, b in spans if source[a:b].strip()]


def _parens(text: str) -> tuple[str, list[str]]:
    """Text without its parentheticals, and their contents."""
    inner = [collapse_whitespace(p) for p in re.findall(r"\(([^()]*)\)", text)]
    outer = collapse_whitespace(re.sub(r"\s*\([^()]*\)", "", text))
    return outer, [p for p in inner if p]


def _mask_parens(text: str) -> str:
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


def _roles(text: str) -> list[str]:
    """Roles of people a text names, in ROLES order; CCVC, CBCC … count as their roles."""
    found = {m.group(0).lower() for m in _ROLE_RE.finditer(text)}
    for m in _ROLE_ABBREVIATION_RE.finditer(text):
        found.update(_ROLE_ABBREVIATIONS[m.group(0)])
    return [role for role in ROLES if role in found]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clean_end(text: str) -> str:
    return text.strip().rstrip(" .;,:").strip()


# ---------------------------------------------------------------------------------------------
# Agency names
# ---------------------------------------------------------------------------------------------

_GAZETTEER = sorted(
    [f"{prefix} {name}" for prefix in ("Bộ", "Sở") for name in _MINISTRY_SUBJECTS] + _STANDALONE_AGENCIES,
    key=len, reverse=True)
_GAZETTEER_FOLDED = [(_fold(name), len(name)) for name in _GAZETTEER]


_LOCALITY_RE = re.compile(rf"\s+(?:tỉnh|thành phố|TP\.?|quận|huyện|thị xã)(?:\s+[{_UP}]\w*)*")


def _gazetteer_end(text: str, pos: int) -> int | None:
    """End of a known ministry/department name at pos ('Sở Y tế', plus a locality: 'Sở Y tế tỉnh Nam Định')."""
    folded = _fold(text[pos:pos + 60]).replace("–", "-")
    for name, length in _GAZETTEER_FOLDED:
        if folded.startswith(name) and (len(folded) == length or not folded[length].isalnum()):
            locality = _LOCALITY_RE.match(text, pos + length)
            return locality.end() if locality else pos + length
    return None


def _agency_prefix(text: str, pos: int = 0) -> int | None:
    """End of an agency prefix ("Bộ", "Các Bộ", "Ủy ban nhân dân", …) at pos, or None."""
    title = _TITLE_RE.match(text, pos)
    if title:
        return _agency_prefix(text, title.end())
    m = _PLURAL_RE.match(text, pos) or _NAMED_RE.match(text, pos)
    return m.end() if m else None


_NAME_FILLERS = {"tỉnh", "thành", "phố", "quận", "huyện", "thị", "xã", "phường", "trấn", "các", "cấp", "và", "ban",
                 "ngành", "sở", "đơn", "vị", "cơ", "quan", "địa", "phương", "liên", "khác", "trung", "ương", "-"}


def _agency_end(text: str, pos: int, free: bool = False, strict: bool = False, max_words: int = 16) -> int | None:
    """End of the agency name starting at pos: a gazetteer name, or words up to a duty verb or punctuation.

    free=True (a name inside running text) also stops at function words and commas. strict=True gives
    None when the name runs into more ordinary lower-case words than a name has (2 after "Các …", else 4).
    """
    title = _TITLE_RE.match(text, pos)
    if title:
        return _agency_end(text, title.end(), free, strict, max_words)
    plural = _PLURAL_RE.match(text, pos) is not None
    head = _agency_prefix(text, pos)
    if head is None:
        return None
    known = _gazetteer_end(text, pos)
    if known is not None:
        return known
    end = head
    run, limit = 0, (2 if plural else 4)
    for n, m in enumerate(re.finditer(r"\S+", text[head:])):
        word = m.group(0)
        at = head + m.start()
        if n >= max_words or word[0] in "(:;“\"":
            break
        first_capital = n == 0 and word[0].isupper()
        if not first_capital and (_VERB_RE.match(text, at) or re.match(r"(?:bao\s+)?gồm\b", word)):
            break
        if free and n > 0 and re.match(r"(?:của|về|trong|để|theo|đối|trên|tại|cho|với|thuộc|đã|đang|là)\b", word):
            break
        if free and n > 0 and word == "và" and not text[at + 3:at + 5].strip()[:1].isupper():
            break
        bare = word.rstrip(",.;:")
        run = 0 if (bare[:1].isupper() or bare in _NAME_FILLERS) else run + 1
        if run > limit:
            if strict:
                return None
            break
        end = at + len(bare)
        if word[-1] in ".;:" or (free and word.endswith(",")):
            break
    return end if end > head else head


def _split_agencies(text: str) -> list[str]:
    """'Sở A, Đài B và Báo C' → three names; 'Ủy ban nhân dân quận, huyện' stays one."""
    parts: list[str] = []
    last = 0
    for m in re.finditer(r"\s*,\s*|\s+và\s+|\s*;\s*", text):
        rest = text[m.end():]
        if _agency_prefix(rest) is not None or re.match(r"(?:đơn vị|cơ quan)\s+\w", rest):
            parts.append(text[last:m.start()])
            last = m.end()
    parts.append(text[last:])
    return [_capitalise(_clean_end(p)) for p in parts if _clean_end(p)]


_WORD_START_RE = re.compile(r"(?<!\w)\S")


def _mentioned_agencies(text: str) -> list[str]:
    """Agency names inside running text ('công tác tại Sở Ngoại vụ (…)' → 'Sở Ngoại vụ')."""
    names: list[str] = []
    pos = 0
    while pos < len(text):
        m = _WORD_START_RE.search(text, pos)
        if not m:
            break
        start = m.start()
        end = _agency_end(text, start, free=True, max_words=6) if text[start].isupper() else None
        if end and end > start:
            name = _clean_end(text[start:end])
            if name and name not in names and len(name.split()) >= 2:
                names.append(name)
            pos = end
        else:
            nxt = text.find(" ", start)
            pos = len(text) if nxt < 0 else nxt + 1
    return names


@dataclass
class _AgencyClause:
    agency: str
    agencies: list[str]
    duty: str


def _agency_clause(text: str) -> _AgencyClause | None:
    """'Bộ Tài chính xem xét …' → agency and duty; None unless a duty verb follows the name."""
    end = _agency_end(text, 0, strict=True)
    if end is None:
        return None
    while True:  # "Sở A và Sở B hướng dẫn …", "Bộ A, Bộ B phối hợp …"
        more = re.match(r"\s*(?:,|và)\s*", text[end:])
        following = _agency_end(text, end + more.end(), strict=True) if more else None
        if following is None or following <= end + more.end():
            break
        end = following
    name = _capitalise(_clean_end(text[:end]))
    agencies = _split_agencies(name)
    rest = text[end:]
    members = re.match(r"\s*(?:bao\s+)?gồm\s+", rest)
    if members:  # "Các Bộ gồm Bộ A, Bộ B (dưới đây gọi tắt là các Bộ Chủ trì) có nhiệm vụ …"
        stop = re.search(r"\(|" + _VERB_RE.pattern, rest[members.end():], re.I)
        listed = rest[members.end():members.end() + (stop.start() if stop else len(rest))]
        agencies = _split_agencies(listed)
        if not agencies or any(_agency_prefix(a) is None for a in agencies):
            return None
        rest = rest[members.end() + len(listed):]
    alias = _ALIAS_RE.match(rest)
    if alias:
        name = _capitalise(_clean_end(alias.group(1)))
        rest = rest[alias.end():]
    rest = re.sub(r"^\s*:?\s*", "", rest)
    if not (_VERB_RE.match(rest) or _VERB_RE.match(rest[_CONNECTOR_RE.match(rest).end():])):
        return None
    agencies = agencies or [name]
    return _AgencyClause(agency=name if alias else agencies[0], agencies=agencies, duty=_clean_end(rest))


def _agency_heading(heading: str) -> tuple[list[str], str] | None:
    """Agencies a section heading names ('Sở A, Đài B: Tuyên truyền …'), and the duty after its colon."""
    text = _AGENCY_HEAD_RE.sub("", heading.strip(), count=1)
    if _agency_prefix(text) is None:
        return None
    names, _, after = text.partition(":")
    cut = _agency_end(names, 0, max_words=40)
    if cut is not None and _VERB_RE.match(names[cut:].lstrip()):
        if not text.rstrip().endswith(":"):  # "2. Sở A chủ trì …": a numbered sentence, not a heading over duties
            return None
        names = names[:cut]
    agencies = _split_agencies(names)
    return (agencies, _clean_end(after)) if agencies else None


# ---------------------------------------------------------------------------------------------
# Context
# ---------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
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
        start, end = _trim(self.source, start, end)
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
            for s, e in _sentences(self.source, line.start if start is None else start, line.end):
                s = _strip_marker(self.source, s, e)
                cached.append((s, e, _norm(self.source[s:e])))
            if start is None:
                self._pieces[line.start] = cached
        return cached

    def sentences(self) -> Iterator[tuple[Line, Section, int, int, str]]:
        """Every sentence of the document (markers stripped), with its line and section."""
        for line, section in self.owners:
            for s, e, text in self.pieces(line):
                yield line, section, s, e, text


def _is_heading_line(line: Line, section: Section) -> bool:
    return bool(section.marker) and line.start == section.start


# ---------------------------------------------------------------------------------------------
# contact
# ---------------------------------------------------------------------------------------------

_NAME_WORD = rf"[{_UP}][a-z{_UP.lower()}]*(?![\w])"  # Lê, Văn, A — not ĐT, DĐ
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,5}}"
_PERSON_RE = re.compile(rf"(?:\b(?:đồng chí|đ/c|ông|bà|anh|chị)|(?<!\w)(?:Đồng chí|Ông|Bà|Đ/c))\s+(?P<name>{_NAME})")
_LIEN_HE_RE = re.compile(r"\b(?:liên hệ|liên lạc)(?:\s+với)?\s*:?\s*", re.I)
_PHONE = r"\(?\+?\d+\)?(?:[ .\-]?\d+)*"
_MOBILE_RE = re.compile(rf"\b(?:điện thoại di động|di động|đtdđ|dđ|mobile|hotline)\s*[:.]?\s*(?P<num>{_PHONE})", re.I)
_DESK_RE = re.compile(
    rf"\b(?:máy bàn|điện thoại cơ quan|điện thoại bàn|số điện thoại|điện thoại(?!\s*di động)|sđt|đt(?!dđ)|tel|phone)"
    rf"\s*[:.]?\s*(?P<num>{_PHONE})", re.I)
_EXT_RE = re.compile(r"\b(?:số\s+)?(?:máy lẻ|ext|nhánh)\s*[:.]?\s*(?P<num>\d+)", re.I)
_FAX_RE = re.compile(rf"\bfax\s*[:.]?\s*(?P<num>{_PHONE})", re.I)
_TLD = r"(?:com|vn|net|org|gov|edu|info|int|biz|ac)"
_EMAIL_RE = re.compile(rf"[A-Za-z0-9._%+-]+\s?@\s?[A-Za-z0-9-]+(?:\s*\.\s*{_TLD}\b|\.[A-Za-z0-9-]+)*")
_FIELD_RE = re.compile(
    r"\b(?:điện thoại|di động|đtdđ|dđ|máy bàn|số điện thoại|sđt|đt|tel|fax|e-?mail|thư điện tử)\b|@", re.I)


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _contact_data(text: str, lead: str) -> dict[str, Any] | None:
    """Fields of one person's window of text; lead is the text before the honorific (may hold 'liên hệ …')."""
    data: dict[str, Any] = {}
    person = _PERSON_RE.search(text)
    after = text
    if person:
        data["person"] = person.group("name")
        after = text[person.end():]
    else:
        link = _LIEN_HE_RE.search(text)
        if not link:
            return None
        rest = text[link.end():]
        name = re.match(_NAME, rest)
        if name and _agency_prefix(rest) is None:
            data["person"] = name.group(0)
            after = rest[name.end():]
        else:  # "liên hệ Phòng Tổ chức cán bộ, Sở Nội vụ, điện thoại: …"
            first_field = _FIELD_RE.search(rest)
            unit = _clean_end(rest[:first_field.start() if first_field else len(rest)].strip(" ,:;-–()"))
            if not unit or len(unit) > 120:
                return None
            data["unit"] = unit
            after = rest[len(unit):]
    link = _LIEN_HE_RE.search(lead)
    if link and "unit" not in data:
        unit = _clean_end(lead[link.end():])
        if unit:
            data["unit"] = unit
    first_field = _FIELD_RE.search(after)
    role = _clean_end((after[:first_field.start()] if first_field else "").strip(" ,:;-–()"))
    if role and len(role) <= 120:
        data["role"] = role
    for key, pattern in (("mobile", _MOBILE_RE), ("phone", _DESK_RE), ("fax", _FAX_RE)):
        m = pattern.search(after)
        if m and len(_digits(m.group("num"))) >= 6:
            data[key] = _digits(m.group("num"))
    ext = _EXT_RE.search(after)
    if ext:
        data["ext"] = ext.group("num")
    email = _EMAIL_RE.search(after)
    if email:
        data["email"] = re.sub(r"\s+", "", email.group(0)).rstrip(".")
    if not any(k in data for k in ("mobile", "phone", "fax", "email")):
        return None
    return data


def extract_contacts(ctx: _Ctx) -> list[Fact]:
    facts = []
    source = ctx.source
    for line, section, s, e, text in ctx.sentences():
        if not (_PERSON_RE.search(text) or _LIEN_HE_RE.search(text)) or not _FIELD_RE.search(text):
            continue
        raw = source[s:e]
        # One window per person: from the sentence start (or the person) to the next person.
        starts = [m.start() for m in _PERSON_RE.finditer(raw)]
        bounds = [0] + starts[1:] + [len(raw)]
        for i in range(len(bounds) - 1):
            a, b = bounds[i], bounds[i + 1]
            window = _norm(raw[a:b])
            person_at = _PERSON_RE.search(window)
            lead = window[:person_at.start()] if person_at else ""
            data = _contact_data(window, lead)
            if data:
                fact = ctx.fact("contact", line, section, s + a, s + b, data)
                if fact:
                    facts.append(fact)
    return facts


# ---------------------------------------------------------------------------------------------
# target
# ---------------------------------------------------------------------------------------------

_PERCENT_RE = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,]\d+)?)\s*(?:%|phần trăm)")
_YEAR_RE = re.compile(r"\b(?:năm|giai đoạn)\s+(?:(?:19|20)\d{2}\s*[-–]\s*)?((?:19|20)\d{2})\b", re.I)
_LEVEL_RE = re.compile(
    r"(?:(?:bậc|cấp độ|mức)\s*(?P<num>\d+)|(?-i:\b(?P<cefr>[ABC][12])\b)|trình độ\s+(?-i:(?P<ab>[ABC]))\b"
    r"|(?P<word>cơ bản|nâng cao|sơ cấp|trung cấp|cao cấp|cử nhân|thạc sĩ|tiến sĩ))"
    r"(?:\s+(?:trở lên|tương đương(?:\s+trở lên)?))?", re.I)
_ACHIEVE_RE = re.compile(r"\b(?:đạt|có(?=\s+(?:trình độ|chứng chỉ|bằng)\b))\b"
                         r"(?:\s+(?:chuẩn|trình độ|chứng chỉ|tiêu chuẩn|yêu cầu|bằng))?", re.I)
_AGE_RE = re.compile(r"(?:dưới|không quá|từ|trên)\s+\d+\s+tuổi(?:\s+trở\s+(?:xuống|lên))?|\d+\s+tuổi\s+trở\s+xuống",
                     re.I)
_QUALIFIER_RE = re.compile(
    rf"\s(?=(?:{_AGE_RE.pattern})|(?:đang\s+)?(?:công tác|làm việc|làm công tác)\s+(?:tại|ở|trong)\b"
    r"|thuộc\b|trên địa bàn\b|tại\b)", re.I)


_PREDICATE_RE = re.compile(r"\s(?:được|có|tham gia|hoàn thành|sử dụng|biết|nắm)\b", re.I)
_PEOPLE_RE = re.compile(
    r"(?:các\s+|đội ngũ\s+|số\s+)?(?:cán bộ|công chức|viên chức|giảng viên|giáo viên|chuyên gia|báo cáo viên|người"
    r"|học viên|sinh viên|lãnh đạo|(?-i:CBCCVC|CBCC|CCVC|CB|CC|VC))\b", re.I)


def _group_key(group: str) -> str:
    key = _key(group)
    parts = []
    for word in ("can bo", "cong chuc", "vien chuc", "giang vien", "giao vien", "nguoi lao dong"):
        if re.search(rf"\b{word}\b", key):
            parts.append(word)
    if re.search(r"\blanh dao\b|\bquan ly\b", key):
        parts.append("lanh dao quan ly")
    level = re.search(r"\bcap (xa|huyen|tinh|trung uong|phong|so|vu|bo)\b", key)
    if level:
        parts.append(f"cap {level.group(1)}")
    return " ".join(parts) or key


def _level(text: str) -> tuple[Any, str, str] | None:
    """'đạt trình độ ngoại ngữ bậc 4 trở lên' → (4, 'bậc 4 trở lên', 'ngoại ngữ')."""
    achieve = _ACHIEVE_RE.search(text)
    if not achieve:
        return None
    rest = text[achieve.end():]
    m = _LEVEL_RE.search(rest)
    subject = ""
    if m:
        subject = _clean_end(re.sub(r"^(?:trình độ|chuẩn|chứng chỉ)\s+", "", rest[:m.start()].strip()))
        value: Any = (int(m.group("num")) if m.group("num") else
                      m.group("cefr") or m.group("ab") or m.group("word").lower())
        level_text = m.group(0)
    else:
        value, level_text = None, _clean_end(re.split(r"\s+theo quy định", rest)[0])
    if not subject or len(subject.split()) > 6:
        found = [(rest.lower().find(s.lower()), s) for s in _SUBJECTS if s.lower() in rest.lower()]
        subject = min(found)[1] if found else subject
    if value is None and level_text == subject:
        level_text = ""
    return value, level_text, subject


def _number(text: str) -> int | float:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _targets_of_clause(text: str, year: int) -> list[dict[str, Any]]:
    masked = _mask_parens(text)
    percents = list(_PERCENT_RE.finditer(masked))
    achieves = [m.start() for m in _ACHIEVE_RE.finditer(masked)]
    out = []
    for i, pct in enumerate(percents):
        nxt = percents[i + 1].start() if i + 1 < len(percents) else len(text)
        stop = min([a for a in achieves if a > pct.end()] + [nxt])
        region = text[pct.end():stop]
        outer, conditions = _parens(region)
        outer = re.sub(r"[\s,;:]*(?:và|hoặc)?[\s,;:]*$", "", outer).strip(" ,;:")
        predicate = _PREDICATE_RE.search(outer) if stop == nxt else None  # no "đạt …": "… được bồi dưỡng"
        if predicate:
            outer, predicate_text = outer[:predicate.start()], _clean_end(outer[predicate.end():])
        cut = _QUALIFIER_RE.search(outer)
        group, qualifier = (outer[:cut.start()], outer[cut.end():]) if cut else (outer, "")
        group = _clean_end(group)
        for age in _AGE_RE.finditer(qualifier):
            conditions.append(age.group(0))
        rest = _clean_end(_AGE_RE.sub(" ", qualifier))
        if rest:
            conditions.append(collapse_whitespace(rest))
        if not group:
            continue
        if not _PEOPLE_RE.match(group):  # "hỗ trợ 50% học phí", "100% cơ quan": not a group of people
            continue
        # The level stated after this percentage's group, or after a later group of the same clause.
        level: tuple[Any, str, str] | None = None
        after = [a for a in achieves if a > pct.end()]
        if after:
            phrase_end = next((p.start() for p in percents if p.start() > after[0]), len(text))
            level = _level(text[after[0]:phrase_end])
        elif predicate:
            level = (None, predicate_text, "")
        age = re.search(r"(?:dưới|không quá)\s+(\d+)\s+tuổi|(\d+)\s+tuổi\s+trở\s+xuống", region)
        out.append({
            "year": year, "percent": _number(pct.group(1)), "group": group, "group_key": _group_key(group),
            "level": level[0] if level else None, "level_text": level[1] if level else "",
            "subject": level[2] if level else "", "conditions": conditions,
            "max_age": int(age.group(1) or age.group(2)) if age else None,
        })
    return out


def extract_targets(ctx: _Ctx) -> list[Fact]:
    facts = []
    source = ctx.source
    announced: tuple[Section, int] | None = None  # "Mục tiêu đến năm 2030:" over the bullets that follow
    for line, section in ctx.owners:
        text = _norm(source[line.start:line.end])
        first_pct = _PERCENT_RE.search(text)
        years = _YEAR_RE.findall(text[:first_pct.start()] if first_pct else text)
        if not first_pct:
            announced = (section, int(years[-1])) if years and text.endswith(":") else None
            continue
        year = int(years[-1]) if years else (announced[1] if announced and announced[0] is section else None)
        for s, e in _clauses(source, line.start, line.end):
            clause = _norm(source[s:e])
            pct = _PERCENT_RE.search(clause)
            if not pct:
                continue
            own = _YEAR_RE.findall(clause[:pct.start()])  # "…; đến năm 2030: 40% …" starts a new year
            year = int(own[-1]) if own else year
            if year is None:
                continue
            for data in _targets_of_clause(clause, year):
                fact = ctx.fact("target", line, section, _strip_marker(source, s, e), e, data)
                if fact:
                    facts.append(fact)
    return facts


# ---------------------------------------------------------------------------------------------
# eligibility
# ---------------------------------------------------------------------------------------------

_ELIGIBILITY_HEAD_RE = re.compile(r"^(?:phạm vi(?: điều chỉnh)?\s*(?:,|và)\s*)?đối tượng\b", re.I)
_EXCLUDED_HEAD_RE = re.compile(r"không\s+(?:áp dụng|thuộc)|loại trừ|ngoài đối tượng", re.I)
_NOT_APPLY_RE = re.compile(r"không áp dụng\s+(?:đối với|cho)\s+(?P<who>.+)", re.I)
_NOT_COVERED_RE = re.compile(r"^(?P<who>.+?)\s+không thuộc\s+(?:đối tượng|phạm vi)", re.I)
_ABBR_PAREN_RE = re.compile(r"^[A-ZĐ0-9&\-]{2,10}$")


def _is_eligibility(section: Section) -> bool:
    return bool(_ELIGIBILITY_HEAD_RE.match(section.heading.strip()))


def _eligibility_data(text: str, applies: bool) -> dict[str, Any]:
    outer, inner = _parens(text)
    conditions = [p for p in inner if not _ABBR_PAREN_RE.match(p)]
    workplaces = _mentioned_agencies(outer)
    lower = outer.lower()
    for place in _WORKPLACES:
        at = lower.find(place)
        if at >= 0 and not any(place in w.lower() for w in workplaces):
            workplaces.append(outer[at:at + len(place)])
    return {"applies": applies, "who": _clean_end(outer), "conditions": conditions,
            "roles": _roles(text), "workplaces": workplaces}


def _eligibility_items(ctx: _Ctx, line: Line, section: Section, topic: Section) -> list[Fact]:
    """One fact per sentence or item of a line inside an "Đối tượng …" section."""
    source = ctx.source
    applies = not _EXCLUDED_HEAD_RE.search(topic.heading)
    start = line.start
    if _is_heading_line(line, section) and section is topic:  # "2. Đối tượng áp dụng: cán bộ, …"
        colon = source.find(":", line.start, line.end)
        if colon < 0:
            return []
        start = colon + 1
    facts = []
    for s, e, text in ctx.pieces(line, None if start == line.start else start):
        if not text or text.endswith(":") or _roadmap_data(text, False):
            continue
        facts.append(ctx.fact("eligibility", line, section, s, e, _eligibility_data(text, applies)))
    return facts


def _exclusion_sentences(ctx: _Ctx, line: Line, section: Section) -> list[Fact]:
    """"… không áp dụng đối với X" / "X không thuộc đối tượng …" anywhere else."""
    facts = []
    for s, e, text in ctx.pieces(line):
        m = _NOT_APPLY_RE.search(text) or _NOT_COVERED_RE.search(text)
        if m and _clean_end(m.group("who")) and not text.endswith(":"):
            facts.append(ctx.fact("eligibility", line, section, s, e, _eligibility_data(m.group("who"), False)))
    return facts


def extract_eligibility(ctx: _Ctx) -> list[Fact]:
    facts: list[Fact | None] = []
    for line, section in ctx.owners:
        topic = ctx.topic(section, _is_eligibility)
        if topic is not None:
            facts.extend(_eligibility_items(ctx, line, section, topic))
        else:
            facts.extend(_exclusion_sentences(ctx, line, section))
    return [f for f in facts if f is not None]


# ---------------------------------------------------------------------------------------------
# duty
# ---------------------------------------------------------------------------------------------


def _duty_data(agency: str, agencies: list[str], duty: str, rule: str) -> dict[str, Any]:
    return {"agency": agency, "agencies": agencies, "agency_key": _key(re.sub(r"^[Cc]ác\s+", "", agency)),
            "duty": duty, "rule": rule}


def extract_duties(ctx: _Ctx) -> list[Fact]:
    facts: list[Fact] = []
    source = ctx.source
    taken: set[tuple[int, int]] = set()
    # (b) sentences that start with an agency and a duty verb.
    for line, section, s, e, text in ctx.sentences():
        if section.path[:1] == [PREAMBLE]:
            continue
        lead = _LEAD_CLAUSE_RE.match(text)
        clause = _agency_clause(text) or (_agency_clause(text[lead.end():]) if lead else None)
        if clause is None:
            continue
        fact = ctx.fact("duty", line, section, s, e,
                        _duty_data(clause.agency, clause.agencies, clause.duty, "sentence"))
        if fact:
            facts.append(fact)
            taken.add((fact.start, fact.end))

    # (a) bodies of sections whose heading names agencies.
    def agency_section(sec: Section) -> bool:
        if not sec.marker or _agency_heading(sec.heading) is None:
            return False
        if _AGENCY_HEAD_RE.match(sec.heading.strip()):
            return True
        parent = ctx.parent(sec)
        while parent is not None:
            if _DUTY_CONTEXT_RE.search(parent.heading):
                return True
            parent = ctx.parent(parent)
        return False

    for line, section in ctx.owners:
        topic = ctx.topic(section, agency_section, items=True)
        if topic is None:
            continue
        agencies, inline = _agency_heading(topic.heading) or ([], "")
        if not agencies:
            continue
        if _is_heading_line(line, section) and section is topic:
            if inline:
                s, e = _trim(source, _strip_marker(source, line.start, line.end), line.end)
                if (s, e) not in taken:
                    fact = ctx.fact("duty", line, section, s, e, _duty_data(agencies[0], agencies, inline, "heading"))
                    if fact:
                        facts.append(fact)
            continue
        for s, e, text in ctx.pieces(line):
            if not text or text.endswith(":") or _trim(source, s, e) in taken:
                continue
            fact = ctx.fact("duty", line, section, s, e, _duty_data(agencies[0], agencies, _clean_end(text), "heading"))
            if fact:
                facts.append(fact)
    return facts


# ---------------------------------------------------------------------------------------------
# roadmap
# ---------------------------------------------------------------------------------------------

_YR = (r"(?:từ\s+)?(?:năm\s+)?(?P<y1>(?:19|20)\d{2})"
       r"(?:\s*(?:-|–|—|đến(?:\s+hết)?|tới)\s*(?:năm\s+)?(?P<y2>(?:19|20)\d{2}))?")
_PHASE_RES = [
    re.compile(r"^(?:giai đoạn|năm|trong năm|thời gian(?:\s+(?:thực hiện|triển khai))?|lộ trình(?:\s+thực hiện)?)"
               rf"\s*:?\s*{_YR}\s*(?:[:,.)]|$)", re.I),
    re.compile(rf"^(?=từ\s+năm){_YR}\s*(?:[:,.]|$)", re.I),
    re.compile(rf"^trong\s+(?:\d+|\w+)\s+năm\s*\(\s*{_YR}\s*\)", re.I),
    re.compile(rf"^trong\s+giai đoạn\s+{_YR}\s*,", re.I),
]
_ROADMAP_ONLY_RE = re.compile(rf"^(?:đến|trước)\s+(?:hết\s+)?(?:năm\s+)?{_YR}\s*[:,]", re.I)
_ROADMAP_HEAD_RE = re.compile(r"lộ trình|tiến độ|thời gian thực hiện|thời gian triển khai", re.I)


def _roadmap_data(text: str, in_roadmap_section: bool) -> dict[str, Any] | None:
    patterns = _PHASE_RES + ([_ROADMAP_ONLY_RE] if in_roadmap_section else [])
    for pattern in patterns:
        m = pattern.match(text)
        if m:
            start = int(m.group("y1"))
            end = int(m.group("y2")) if m.group("y2") else start
            return {"start_year": start, "end_year": end, "text": _clean_end(text) + ("." if text.endswith(".") else "")}
    return None


def extract_roadmap(ctx: _Ctx) -> list[Fact]:
    facts = []
    for line, section, s, e, text in ctx.sentences():
        in_section = ctx.topic(section, lambda sec: bool(_ROADMAP_HEAD_RE.search(sec.heading))) is not None
        data = _roadmap_data(text, in_section)
        if data:
            fact = ctx.fact("roadmap", line, section, s, e, data)
            if fact:
                facts.append(fact)
    return facts


# ---------------------------------------------------------------------------------------------
# funding
# ---------------------------------------------------------------------------------------------

_FUNDING_HEAD_RE = re.compile(r"^(?:về\s+)?(?:nguồn\s+)?(?:kinh phí|vốn|ngân sách|tài chính)\b", re.I)
_FUNDING_WORD_RE = re.compile(r"kinh phí|(?<!luật )ngân sách|nguồn tài trợ|nguồn vốn", re.I)
_SOURCE_START = r"(?:các\s+)?(?:nguồn|ngân sách|kinh phí|đóng góp|tài trợ|huy động|xã hội hóa|quỹ|vốn)"
_SOURCE_ANCHOR_RE = re.compile(rf"\b(?:từ|bằng|gồm|bao gồm|do)\s*:?\s+(?={_SOURCE_START}\b)", re.I)
_SOURCE_SPLIT_RE = re.compile(rf"\s*;\s*|\s*,\s*(?={_SOURCE_START}\b)|\s+(?:và|hoặc)\s+(?={_SOURCE_START}\b)", re.I)
_SOURCE_CUT_RE = re.compile(r"\s+(?:theo|cho|để|nhằm|trên cơ sở|trong quá trình|trong phạm vi|nằm trong|bảo đảm|"
                            r"đảm bảo|được)\b", re.I)
_SOURCE_FALLBACK_RE = re.compile(
    r"(?<!luật )(?:dự toán\s+)?ngân sách(?:\s+(?:nhà nước|trung ương|địa phương|tỉnh|thành phố|huyện|xã|cấp \w+))?"
    r"|nguồn tài trợ(?: của [^;.,]+)?|(?<!ý kiến )đóng góp của [^;.]+?(?=;|\.|$| và | theo )|xã hội hóa"
    r"|(?:các\s+)?nguồn (?:vốn\s+)?hợp pháp khác", re.I)
_SOURCE_KEYS = [("tai tro", "tai_tro"), ("dong gop", "dong_gop"), ("xa hoi hoa", "xa_hoi_hoa"),
                ("hop phap khac", "nguon_hop_phap_khac"), ("su nghiep", "don_vi_su_nghiep"),
                ("ngan sach", "ngan_sach"), ("co quan", "co_quan")]


def _source_key(source: str) -> str:
    key = _key(source)
    for word, name in _SOURCE_KEYS:
        if word in key:
            return name
    return key.replace(" ", "_")


def _funding_data(text: str) -> dict[str, Any]:
    outer, conditions = _parens(text)
    anchor = _SOURCE_ANCHOR_RE.search(outer)
    sources: list[str] = []
    if anchor:
        subject = outer[:anchor.start()]
        for piece in _SOURCE_SPLIT_RE.split(outer[anchor.end():]):
            piece = _clean_end(_SOURCE_CUT_RE.split(piece)[0])
            if piece and piece not in sources:
                sources.append(piece)
    else:
        subject = outer
        for m in _SOURCE_FALLBACK_RE.finditer(outer):
            piece = _clean_end(m.group(0))
            if piece and piece not in sources:
                sources.append(piece)
    keys = []
    for src in sources:
        if _source_key(src) not in keys:
            keys.append(_source_key(src))
    return {"text": _clean_end(text), "sources": sources, "source_keys": keys, "groups": _roles(subject),
            "conditions": conditions}


def extract_funding(ctx: _Ctx) -> list[Fact]:
    facts = []
    source = ctx.source

    def funding_section(sec: Section) -> bool:
        heading = sec.heading.strip()
        return bool(sec.marker) and _agency_heading(heading) is None and (
            bool(_FUNDING_HEAD_RE.match(heading)) or ("kinh phí" in heading.lower() and len(heading.split()) <= 6))

    for line, section in ctx.owners:
        topic = ctx.topic(section, funding_section)
        in_section = topic is not None
        start = line.start
        if _is_heading_line(line, section) and section is topic:
            colon = source.find(":", line.start, line.end)
            if colon < 0:
                continue
            start = colon + 1
        for s, e, text in ctx.pieces(line, None if start == line.start else start):
            if not text or not (in_section or (section.path[:1] != [PREAMBLE] and _FUNDING_WORD_RE.search(text))):
                continue
            data = _funding_data(text)
            if in_section or data["sources"]:
                fact = ctx.fact("funding", line, section, s, e, data)
                if fact:
                    facts.append(fact)
    return facts


# ---------------------------------------------------------------------------------------------
# steps of a procedure
# ---------------------------------------------------------------------------------------------

# A list is a procedure when its section, an ancestor's heading or the line introducing it says so.
_PROCEDURE_RE = re.compile(r"quy trình|trình tự|các bước|thủ tục", re.I)
MIN_STEPS = 3


def extract_steps(ctx: _Ctx) -> list[Fact]:
    """The numbered items ((i), a), 1.) of a procedure, each a step with its order: "bước tiếp theo" needs them."""
    sections = {id(section): section for _, section in ctx.owners}.values()
    heading_line = {section.start: line for line, section in ctx.owners if _is_heading_line(line, section)}
    facts = []
    for section in sections:
        items = [child for child in section.children if child.marker and child.start in heading_line]
        if len(items) < MIN_STEPS or len({child.rank for child in items}) != 1:
            continue
        intro = ctx.source[section.start:items[0].start]
        ancestors, current = [], section
        while current is not None:
            ancestors.append(current.heading)
            current = ctx.parent(current)
        if not (_PROCEDURE_RE.search(intro) or any(_PROCEDURE_RE.search(h) for h in ancestors)):
            continue
        for order, item in enumerate(items, 1):
            line = heading_line[item.start]
            data = {"procedure": section.label, "order": order, "total": len(items), "step": _clean_end(item.heading)}
            start, end = _trim(ctx.source, _strip_marker(ctx.source, line.start, line.end), line.end)
            if end > start:  # cited under the step's own item, not its procedure (ctx.fact would climb)
                section_path = PATH_SEPARATOR.join([ctx.label, *item.path])
                facts.append(Fact(kind="step", doc_id=ctx.doc.doc_id, section=section_path, quote=ctx.source[start:end],
                                  start=start, end=end, data=data))
    return facts


# ---------------------------------------------------------------------------------------------
# web addresses: where the full text, annexes or forms are published
# ---------------------------------------------------------------------------------------------

# http(s)://…, www.… or a bare domain under a common top-level domain; never the domain of an e-mail address.
_URL_RE = re.compile(r"(?<![@\w.])(?:https?://[^\s()<>\"“”]+|www\.[^\s()<>\"“”]+|"
                     r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:vn|com|org|net|gov|edu|int)\b(?!@)(?:/[^\s()<>\"“”]*)?)",
                     re.I)
# "… đăng tải trên cổng thông tin điện tử của Chính phủ (http://…)": the site is named after the last connector.
_SITE_RE = re.compile(r".*(?:^|\s)(?:trên|tại|ở|qua|và|hoặc|website)\s+(?P<site>[^()]{3,80}?)\s*\($", re.I | re.S)


def extract_links(ctx: _Ctx) -> list[Fact]:
    """Web addresses, each with the site's name when the text gives it, cited at their sentence."""
    facts = []
    for line, section, s, e, _ in ctx.sentences():
        raw = ctx.source[s:e]
        for m in _URL_RE.finditer(raw):
            url = m.group(0).rstrip(".,;:")
            site = _SITE_RE.match(raw[:m.start()])
            fact = ctx.fact("link", line, section, s, e,
                            {"url": url, "site": _norm(site.group("site")) if site else ""})
            if fact:
                facts.append(fact)
    return facts


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------

EXTRACTORS: list[Callable[[_Ctx], list[Fact]]] = [
    extract_contacts, extract_targets, extract_eligibility, extract_duties, extract_roadmap, extract_funding,
    extract_steps, extract_links,
]


def extract_facts(doc: Document, doc_label: str, lines: list[Line] | None = None,
                  owners: list[tuple[Line, Section]] | None = None, root: Section | None = None) -> list[Fact]:
    """All facts of a document, in source order. lines/owners default to structure.parse_sections of its source."""
    if not doc.source or not doc.source.strip():
        return []
    if owners is None:
        lines = clean_lines(doc.source) if lines is None else lines
        _, owners = parse_sections(lines, len(doc.source))
    ctx = _Ctx(doc=doc, label=doc_label, owners=owners)
    facts: list[Fact] = []
    seen: set[tuple] = set()
    for extractor in EXTRACTORS:
        try:
            found = extractor(ctx)
        except Exception:  # a rule that trips on odd input must not stop indexing
            log.exception("fact extractor %s failed on %s", extractor.__name__, doc.doc_id)
            continue
        for fact in found:
            key = (fact.kind, fact.start, fact.end, repr(sorted(fact.data.items())))
            if key not in seen:
                seen.add(key)
                facts.append(fact)
    facts.sort(key=lambda f: (f.start, f.end, f.kind))
    return facts


def document_fact(doc: Document, doc_label: str, lines: list[Line], owners: list[tuple[Line, Section]]) -> Fact | None:
    """The document's own metadata (number, issuer, date, subject, signer, documents cited) as a fact.

    Its quote is the header block: the preamble's short lines before the first long paragraph, where
    Vietnamese documents put the number, place and date, type and subject.
    """
    info = doc.info
    if info is None or not (info.number or info.date or info.issuer):
        return None
    header = [line for line, section in owners if section.path[:1] == [PREAMBLE]] or lines[:1]
    if not header:
        return None
    short = []
    for line in header[:HEADER_LINES]:
        if short and len(line.text) > HEADER_LINE_MAX:
            break
        short.append(line)
    start, end = short[0].start, short[-1].end
    section = PATH_SEPARATOR.join([doc_label, *next((s.path for l, s in owners if l is short[0]), [])])
    data = {key: value for key, value in vars(info).items()}
    return Fact("document", doc.doc_id, section, doc.source[start:end], start, end, data)


HEADER_LINES = 6
HEADER_LINE_MAX = 250
