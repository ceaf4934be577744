"""Agency names in running text and headings: "Sở Nội vụ", "Ủy ban nhân dân các huyện, thành phố", "Các Bộ, ngành".

Names start with a prefix (Bộ, Sở, Văn phòng, Ủy ban nhân dân, Cục, Đài, Báo, "Các địa phương" …) and end at a
gazetteer match (ministries, common Sở), a duty verb, or punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .common import UPPER, capitalise, clean_end, fold

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
                    "Phòng", "Tòa án", "Viện kiểm sát", "Ngân hàng", "Kiểm toán", "Tổng Liên đoàn", "Tổng LĐLĐ",
                    "LĐLĐ", "Công đoàn", "Liên minh", "Hội Liên hiệp"]
_NAMED_RE = re.compile(
    r"(?:(?:Ủy|Uỷ) ban nhân dân|UBND|HĐND|Hội đồng nhân dân)"
    r"|(?:" + "|".join(re.escape(p) for p in _AGENCY_PREFIXES) + r")"
    rf"(?=\s+(?:[{UPPER}]|(?:tỉnh|thành phố|quận|huyện|thị xã|xã|phường|cấp)\b))"
)
# Heads of agencies: "Giám đốc Sở Y tế", "Thủ trưởng các sở, ban, ngành".
TITLE_RE = re.compile(r"(?:Thủ trưởng|Giám đốc|Chủ tịch|Người đứng đầu|Chánh Văn phòng|Chánh Thanh tra)\s+")
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
ALIAS_RE = re.compile(r"\s*\((?:dưới đây|sau đây)\s+(?:được\s+)?gọi\s+(?:tắt|chung)?\s*là\s+([^()]+)\)", re.I)
AGENCY_HEAD_RE = re.compile(r"^(?:đối với|trách nhiệm của|nhiệm vụ của|giao)\s+", re.I)
_GAZETTEER = sorted(
    [f"{prefix} {name}" for prefix in ("Bộ", "Sở") for name in _MINISTRY_SUBJECTS] + _STANDALONE_AGENCIES,
    key=len, reverse=True)
_GAZETTEER_FOLDED = [(fold(name), len(name)) for name in _GAZETTEER]


_LOCALITY_RE = re.compile(rf"\s+(?:tỉnh|thành phố|TP\.?|quận|huyện|thị xã)(?:\s+[{UPPER}]\w*)*")


def _gazetteer_end(text: str, pos: int) -> int | None:
    """End of a known ministry/department name at pos ('Sở Y tế', plus a locality: 'Sở Y tế tỉnh Nam Định')."""
    folded = fold(text[pos:pos + 60]).replace("–", "-")
    for name, length in _GAZETTEER_FOLDED:
        if folded.startswith(name) and (len(folded) == length or not folded[length].isalnum()):
            locality = _LOCALITY_RE.match(text, pos + length)
            return locality.end() if locality else pos + length
    return None


def agency_prefix(text: str, pos: int = 0) -> int | None:
    """End of an agency prefix ("Bộ", "Các Bộ", "Ủy ban nhân dân", …) at pos, or None."""
    title = TITLE_RE.match(text, pos)
    if title:
        return agency_prefix(text, title.end())
    m = _PLURAL_RE.match(text, pos) or _NAMED_RE.match(text, pos)
    return m.end() if m else None


_NAME_FILLERS = {"tỉnh", "thành", "phố", "quận", "huyện", "thị", "xã", "phường", "trấn", "các", "cấp", "và", "ban",
                 "ngành", "sở", "đơn", "vị", "cơ", "quan", "địa", "phương", "liên", "khác", "trung", "ương", "-"}


def agency_end(text: str, pos: int, free: bool = False, strict: bool = False, max_words: int = 16) -> int | None:
    """End of the agency name starting at pos: a gazetteer name, or words up to a duty verb or punctuation.

    free=True (a name inside running text) also stops at function words and commas. strict=True gives
    None when the name runs into more ordinary lower-case words than a name has (2 after "Các …", else 4).
    """
    title = TITLE_RE.match(text, pos)
    if title:
        return agency_end(text, title.end(), free, strict, max_words)
    plural = _PLURAL_RE.match(text, pos) is not None
    head = agency_prefix(text, pos)
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


def split_agencies(text: str) -> list[str]:
    """'Sở A, Đài B và Báo C' → three names; 'Ủy ban nhân dân quận, huyện' stays one."""
    parts: list[str] = []
    last = 0
    for m in re.finditer(r"\s*,\s*|\s+và\s+|\s*;\s*", text):
        rest = text[m.end():]
        if agency_prefix(rest) is not None or re.match(r"(?:đơn vị|cơ quan)\s+\w", rest):
            parts.append(text[last:m.start()])
            last = m.end()
    parts.append(text[last:])
    return [capitalise(clean_end(p)) for p in parts if clean_end(p)]


_WORD_START_RE = re.compile(r"(?<!\w)\S")


def mentioned_agencies(text: str) -> list[str]:
    """Agency names inside running text ('công tác tại Sở Ngoại vụ (…)' → 'Sở Ngoại vụ')."""
    names: list[str] = []
    pos = 0
    while pos < len(text):
        m = _WORD_START_RE.search(text, pos)
        if not m:
            break
        start = m.start()
        end = agency_end(text, start, free=True, max_words=6) if text[start].isupper() else None
        if end and end > start:
            name = clean_end(text[start:end])
            if name and name not in names and len(name.split()) >= 2:
                names.append(name)
            pos = end
        else:
            nxt = text.find(" ", start)
            pos = len(text) if nxt < 0 else nxt + 1
    return names


@dataclass
class AgencyClause:
    agency: str
    agencies: list[str]
    duty: str


def agency_clause(text: str) -> AgencyClause | None:
    """'Bộ Tài chính xem xét …' → agency and duty; None unless a duty verb follows the name."""
    end = agency_end(text, 0, strict=True)
    if end is None:
        return None
    while True:  # "Sở A và Sở B hướng dẫn …", "Bộ A, Bộ B phối hợp …"
        more = re.match(r"\s*(?:,|và)\s*", text[end:])
        following = agency_end(text, end + more.end(), strict=True) if more else None
        if following is None or following <= end + more.end():
            break
        end = following
    name = capitalise(clean_end(text[:end]))
    agencies = split_agencies(name)
    rest = text[end:]
    members = re.match(r"\s*(?:bao\s+)?gồm\s+", rest)
    if members:  # "Các Bộ gồm Bộ A, Bộ B (dưới đây gọi tắt là các Bộ Chủ trì) có nhiệm vụ …"
        stop = re.search(r"\(|" + _VERB_RE.pattern, rest[members.end():], re.I)
        listed = rest[members.end():members.end() + (stop.start() if stop else len(rest))]
        agencies = split_agencies(listed)
        if not agencies or any(agency_prefix(a) is None for a in agencies):
            return None
        rest = rest[members.end() + len(listed):]
    alias = ALIAS_RE.match(rest)
    if alias:
        name = capitalise(clean_end(alias.group(1)))
        rest = rest[alias.end():]
    rest = re.sub(r"^\s*:?\s*", "", rest)
    if not (_VERB_RE.match(rest) or _VERB_RE.match(rest[_CONNECTOR_RE.match(rest).end():])):
        return None
    agencies = agencies or [name]
    return AgencyClause(agency=name if alias else agencies[0], agencies=agencies, duty=clean_end(rest))


def agency_heading(heading: str) -> tuple[list[str], str] | None:
    """Agencies a section heading names ('Sở A, Đài B: Tuyên truyền …'), and the duty after its colon."""
    text = AGENCY_HEAD_RE.sub("", heading.strip(), count=1)
    if agency_prefix(text) is None:
        return None
    names, _, after = text.partition(":")
    cut = agency_end(names, 0, max_words=40)
    if cut is not None and _VERB_RE.match(names[cut:].lstrip()):
        if not text.rstrip().endswith(":"):  # "2. Sở A chủ trì …": a numbered sentence, not a heading over duties
            return None
        names = names[:cut]
    agencies = split_agencies(names)
    return (agencies, clean_end(after)) if agencies else None
