"""Administrative metadata of a Vietnamese official document, read from its own text.

Vietnamese administrative documents share one layout (Nghị định 30/2020/NĐ-CP): an issuer and
number on the left of the header, the national motto and "Place, ngày … tháng … năm …" on the
right, a type heading (KẾ HOẠCH, QUYẾT ĐỊNH …) or a "V/v" line, a preamble citing the documents it
rests on (căn cứ), the body, and a signature block ("KT. BỘ TRƯỞNG / THỨ TRƯỞNG / name").
The regexes below read that layout, whatever the issuer; nothing is special-cased to one file.
Everything missing is returned as "", and odd input never raises.
"""

from __future__ import annotations

import datetime as dt
import re

from .model import DocInfo, Document
from .preamble import read_preamble
from .structure import Line, clean_lines
from .text import strip_diacritics

HEADER_LINES = 15  # the issuer/number/date block sits in the first lines
PREAMBLE_LINES = 40  # lines before the first numbered section that may still hold the heading
TAIL_LINES = 30  # the signature block sits in the last lines

# Type headings, longest first so "THÔNG TƯ LIÊN TỊCH" wins over "THÔNG TƯ".
_DOC_TYPES = sorted([
    "CÔNG VĂN", "KẾ HOẠCH", "QUYẾT ĐỊNH", "THÔNG TƯ", "THÔNG TƯ LIÊN TỊCH", "NGHỊ ĐỊNH", "NGHỊ QUYẾT",
    "NGHỊ QUYẾT LIÊN TỊCH", "HƯỚNG DẪN", "CHỈ THỊ", "BÁO CÁO", "TỜ TRÌNH", "THÔNG BÁO", "LUẬT", "BỘ LUẬT",
    "PHÁP LỆNH", "LỆNH", "HIẾN PHÁP", "CÔNG ĐIỆN", "QUY CHẾ", "QUY ĐỊNH", "CHƯƠNG TRÌNH", "ĐỀ ÁN",
    "PHƯƠNG ÁN", "DỰ ÁN", "BIÊN BẢN", "GIẤY MỜI", "THÔNG CÁO", "ĐIỀU LỆ", "CHIẾN LƯỢC", "QUY HOẠCH",
], key=len, reverse=True)
_TYPE_HEADING_RE = re.compile(r"^(?P<type>" + "|".join(_DOC_TYPES) + r")(?:\s*:)?(?:\s+(?P<rest>.*))?$")

# Type codes in a number's symbol (206/KH-UBND → KH). Keys are compared as written, then without diacritics.
_TYPE_CODES = {
    "KH": "Kế hoạch", "QĐ": "Quyết định", "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "NĐ": "Nghị định",
    "NQ": "Nghị quyết", "NQLT": "Nghị quyết liên tịch", "CT": "Chỉ thị", "HD": "Hướng dẫn", "TB": "Thông báo",
    "BC": "Báo cáo", "TTr": "Tờ trình", "CĐ": "Công điện", "QC": "Quy chế", "QyĐ": "Quy định",
    "CTr": "Chương trình", "ĐA": "Đề án", "PA": "Phương án", "BB": "Biên bản", "GM": "Giấy mời",
    "CV": "Công văn", "HĐ": "Hợp đồng", "GP": "Giấy phép", "L": "Luật", "PL": "Pháp lệnh",
}
_TYPE_CODES_PLAIN = {strip_diacritics(code): name for code, name in _TYPE_CODES.items()}

_NUMBER_RE = re.compile(
    r"(?:^|(?<=\s))(?:Số|SỐ|Luật số|LUẬT SỐ)\s*[:.]?\s*"
    r"(?P<num>\d+[a-zA-Z]?(?:\s*/\s*[^\W_][\w.&-]*)+)"
)
# Cited documents: "Quyết định số 2007/QĐ-TTg", "Công văn số 3266/BNV-ĐT", "Luật số 22/2008/QH12".
_REF_KINDS = sorted([
    "Quyết định", "Nghị định", "Nghị quyết", "Nghị quyết liên tịch", "Thông tư", "Thông tư liên tịch",
    "Chỉ thị", "Công văn", "Công điện", "Kế hoạch", "Hướng dẫn", "Thông báo", "Báo cáo", "Tờ trình",
    "Pháp lệnh", "Bộ luật", "Luật", "Văn bản", "Quy định", "Quy chế", "Chương trình", "Lệnh",
], key=len, reverse=True)
_KINDED_REF_RE = re.compile(
    r"\b(?P<kind>" + "|".join(_REF_KINDS) + r")\s+(?:số\s*:?\s*)?(?P<num>\d+[a-zA-Z]?(?:\s*/\s*[^\W_][\w.&-]*)+)",
    re.I,
)
# A bare number with a type code: "1659/QĐ-TTg", "12/2020/TT-BNV".
_BARE_REF_RE = re.compile(r"(?<![\w/])(?P<num>\d+(?:/\d{4})?/[A-ZĐ][^\W_]*(?:-[^\W_]+)+)")

_WORD_DATE_RE = re.compile(r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})", re.I)
_SLASH_DATE_RE = re.compile(r"(?:ngày\s+)?(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})", re.I)
_SECTION_RE = re.compile(
    r"^(?:[IVX]{1,5}\.\s|\d{1,2}(?:\.\d{1,2}){0,2}[.)]\s|Điều\s+\d|Chương\s+[IVXLC\d]|Phần\s+(?:thứ|[IVXLC\d]))"
)
_V_V_RE = re.compile(r"(?:^|(?<=\s))V/v\.?\s*:?\s*(?P<subject>.+)$", re.I)
_KINH_GUI_RE = re.compile(r"^Kính\s+gửi\b", re.I)
# Lines that begin the body, so they are not part of a subject under the type heading.
_BODY_START_RE = re.compile(
    r"^(?:Căn cứ|Thực hiện|Kính gửi|Xét|Trên cơ sở|Theo đề nghị|Theo|Để|Nhằm|Ngày|Số\s*:|V/v)\b", re.I
)
# "…, Ủy ban nhân dân thành phố Hải Phòng ban hành Kế hoạch …" → the clause before "ban hành".
_ISSUED_BY_RE = re.compile(r"(?P<agency>[^,;:.“”\"()]+?)\s+ban hành\b")
_ISSUED_WHAT_RE = re.compile(r"\bban hành\s+(?P<what>[^:;]+?)(?:\s*,?\s*(?:cụ thể\s+)?như sau|\s*:|\.\s|$)")
_GUIDES_WHAT_RE = re.compile(r"\b(?P<what>[Hh]ướng dẫn\s+[^:;.]+?)(?:\s*,?\s*(?:cụ thể\s+)?như sau|\s*[:;.]|$)")
_AGENCY_START_RE = re.compile(
    r"^(?:Ủy ban|UBND|Hội đồng nhân dân|HĐND|Bộ|Sở|Ban|Văn phòng|Cục|Tổng cục|Vụ|Học viện|Thủ tướng|"
    r"Chính phủ|Quốc hội|Trường|Viện|Trung tâm|Phòng|Thanh tra|Ngân hàng|Kho bạc|Bảo hiểm)\b"
)
# The national motto (and the Party's) fills the header's right cell: never the issuer.
_MOTTOS_PLAIN = ("CONG HOA XA HOI CHU NGHIA VIET NAM", "DOC LAP - TU DO - HANH PHUC", "DOC LAP – TU DO – HANH PHUC",
                 "DANG CONG SAN VIET NAM", "HOA XA HOI CHU NGHIA VIET NAM")

# Signature block.
_SIGN_PREFIX_RE = re.compile(r"^(?:TM|KT|TL|TUQ|Q|PP|T/M|K/T|T/L)\.\s*")
_TITLE_WORD_RE = re.compile(
    r"\b(?:TRƯỞNG|CHỦ TỊCH|GIÁM ĐỐC|TƯỚNG|BÍ THƯ|CHỦ NHIỆM|CHÁNH|THỐNG ĐỐC|TỔNG KIỂM TOÁN|THƯ KÝ)\b"
)
_TITLE_END_RE = re.compile(r"^(?:TRƯỞNG|TỊCH|ĐỐC|TƯỚNG|THƯ|NHIỆM|KÝ|ÁN)$")
_TITLE_START_WORDS = {"PHÓ", "THỨ", "VỤ", "CỤC", "CHÁNH", "GIÁM", "CHỦ", "TRƯỞNG", "TỔNG", "VIỆN", "HIỆU", "QUYỀN"}
_AUTHORITY_RE = re.compile(
    r"^(?:BỘ TRƯỞNG|CHỦ TỊCH|GIÁM ĐỐC|TỔNG GIÁM ĐỐC|CỤC TRƯỞNG|TỔNG CỤC TRƯỞNG|VỤ TRƯỞNG|VIỆN TRƯỞNG|"
    r"TRƯỞNG BAN|THỐNG ĐỐC|CHÁNH VĂN PHÒNG|CHỦ NHIỆM)\s+(?P<agency>.+)$"
)
_SIGNED_MARK_RE = re.compile(r"[(\[][^)\]]*\b(?:đã ký|ký|signed)\b[^)\]]*[)\]]|\b(?:đã ký|signed)\b", re.I)

# Issuer names: agency kinds, longest first, and words that keep their capitals.
_AGENCY_KINDS = sorted([
    "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "BẢO HIỂM XÃ HỘI", "KHO BẠC NHÀ NƯỚC", "NGÂN HÀNG NHÀ NƯỚC",
    "TÒA ÁN NHÂN DÂN", "VIỆN KIỂM SÁT NHÂN DÂN", "TỔNG CỤC", "CHI CỤC", "VĂN PHÒNG", "HỌC VIỆN",
    "THANH TRA", "TRUNG TÂM", "ĐẠI HỌC", "ỦY BAN", "BỘ", "SỞ", "CỤC", "VỤ", "BAN", "PHÒNG", "VIỆN", "TRƯỜNG",
], key=len, reverse=True)
_ISSUER_ABBREVIATIONS = {"UBND": "ỦY BAN NHÂN DÂN", "HĐND": "HỘI ĐỒNG NHÂN DÂN", "TP.": "THÀNH PHỐ", "TP": "THÀNH PHỐ"}
_FIXED_NAMES = {
    "CHÍNH PHỦ": "Chính phủ", "QUỐC HỘI": "Quốc hội", "THỦ TƯỚNG CHÍNH PHỦ": "Thủ tướng Chính phủ",
    "THỦ TƯỚNG": "Thủ tướng Chính phủ", "BỘ CÔNG THƯƠNG": "Bộ Công Thương",
    "ỦY BAN THƯỜNG VỤ QUỐC HỘI": "Ủy ban Thường vụ Quốc hội", "CHỦ TỊCH NƯỚC": "Chủ tịch nước",
}
_PROPER_WORDS = {"việt nam": "Việt Nam", "chính phủ": "Chính phủ", "trung ương": "Trung ương",
                 "quốc hội": "Quốc hội", "nhà nước": "Nhà nước"}
_ADMIN_UNIT_RE = re.compile(r"\s(?P<unit>THÀNH PHỐ|THỊ XÃ|THỊ TRẤN|TỈNH|HUYỆN|QUẬN|PHƯỜNG|XÃ(?!\s+HỘI))\s+(?P<place>\S.*)$")
_ADMIN_UNIT_START_RE = re.compile(r"^(?:THÀNH PHỐ|THỊ XÃ|THỊ TRẤN|TỈNH|HUYỆN|QUẬN|PHƯỜNG|XÃ|TP\.?)\s")


def extract_info(doc: Document, lines: list[Line] | None = None) -> DocInfo:
    """Read type, number, issuer, place, date, subject, signer and cited documents from the text, and from its
    preamble what it does (action, object, documents implemented), on whose proposal and on what legal bases
    (preamble.py). `lines` are the document's clean lines when the caller has them already."""
    spans = clean_lines(doc.source or "") if lines is None else lines
    lines = [line.text for line in spans]
    if not lines:
        return DocInfo()
    preamble = _preamble(lines)
    header = _mend_header(preamble[:2 * HEADER_LINES])[:HEADER_LINES]
    number = _number(header)
    heading_at, heading_type, heading_rest = _type_heading(preamble)
    place, date = _place_and_date(header)
    signer, signer_title, signing_body = _signature(lines[-TAIL_LINES:])
    info = DocInfo(
        doc_type=heading_type or _type_from_number(number) or _letter_type(number, header),
        number=number,
        place=place,
        date=date,
        signer=signer,
        signer_title=signer_title,
    )
    info.subject, first, last = _subject(preamble, heading_at, heading_rest, lines)
    subject_span = (spans[first].start, spans[last].end) if first >= 0 else None
    if subject_span:
        info.spans["subject"] = list(subject_span)
    grounds = read_preamble(doc.source, spans, len(preamble), info.subject, subject_span)
    info.action, info.action_object, info.implements = grounds.action, grounds.action_object, grounds.implements
    info.proposer, info.proposer_agencies, info.proposal = grounds.proposer, grounds.proposer_agencies, grounds.proposal
    info.consulted, info.effective = grounds.consulted, grounds.effective
    info.legal_bases = grounds.legal_bases
    info.attached_to = _attached_to(preamble)
    info.spans.update(grounds.spans)
    info.issuer = (
        _issuer_from_header(header)
        or _issuer_from_authority(preamble)
        or _issuer_from_sentence(preamble)
        or _issuer_from_signing_body(signing_body, place, lines)
    )
    info.references = _references(lines, number)
    return info


# ---------------------------------------------------------------------------------------------
# Layout helpers


def _cells(line: str) -> list[str]:
    """Table cells of a line ("A | B"), without Markdown emphasis or heading marks around them."""
    out = []
    for cell in line.split(" | "):
        cell = cell.strip().strip("*_#>` ").strip()
        if cell:
            out.append(cell)
    return out


def _preamble(lines: list[str]) -> list[str]:
    """Lines before the first numbered section (I., 1., Điều 1, Chương I): header, heading, preamble."""
    for index, line in enumerate(lines[:PREAMBLE_LINES]):
        if _SECTION_RE.match(line.lstrip("*_# ")):
            return lines[:index]
    return lines[:PREAMBLE_LINES]


def _is_complete(upper: str) -> bool:
    """An upper-case header line that is a whole name or motto, not the first piece of one a web copy broke."""
    text = upper.strip(" -–_.")
    if text in _FIXED_NAMES or _motto_start(text) >= 0 or _TYPE_HEADING_RE.match(text):
        return True
    expanded = " ".join(_ISSUER_ABBREVIATIONS.get(word, word) for word in text.split())
    return any(expanded.startswith(kind + " ") for kind in _AGENCY_KINDS)


def _mend_header(header: list[str]) -> list[str]:
    """Header lines with the names, the motto and the number a web copy broke over lines put back together:
    'THỦ TƯỚNG CHÍNH' / 'PHỦ', 'ỦY' / 'BAN NHÂN DÂN' / 'THÀNH PHỐ …', 'CỘNG' / 'HÒA XÃ HỘI …', 'Số:' / '1659/QĐ-TTg'."""
    out: list[str] = []
    for line in header:
        if out:
            previous = out[-1]
            broken_name = " | " not in previous and " | " not in line and _is_upper(previous) \
                and _is_upper(line) and not _is_complete(previous)
            bare_number = re.fullmatch(r"(?:Số|SỐ)\s*:?", previous.strip()) is not None
            if broken_name or bare_number:
                out[-1] = f"{previous.rstrip()} {line.strip()}"
                continue
        out.append(line)
    return out


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _sentence_case(text: str) -> str:
    """'KẾ HOẠCH' → 'Kế hoạch'."""
    lower = text.lower()
    return lower[:1].upper() + lower[1:]


def _capitalise_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cut(text: str, limit: int) -> str:
    """Cut a long string at a word boundary."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


# ---------------------------------------------------------------------------------------------
# Number, type, date


def _number(header: list[str]) -> str:
    for line in header:
        for cell in _cells(line):
            match = _NUMBER_RE.search(cell)
            if match:
                return _clean_number(match.group("num"))
    return ""


def _clean_number(raw: str) -> str:
    """'206 /KH-UBND' → '206/KH-UBND'."""
    return re.sub(r"\s+", "", raw).rstrip(".,;:)-")


def _type_heading(preamble: list[str]) -> tuple[int, str, str]:
    """(line index, type, rest) of a standalone upper-case type heading such as 'KẾ HOẠCH'."""
    for index, line in enumerate(preamble):
        cells = _cells(line)
        if len(cells) != 1 or not _is_upper(cells[0]) or _NUMBER_RE.search(cells[0]):
            continue
        match = _TYPE_HEADING_RE.match(cells[0])
        if match:
            rest = (match.group("rest") or "").strip()
            return index, _sentence_case(match.group("type")), _sentence_case(rest) if rest else ""
    return -1, "", ""


def _type_code(number: str) -> str:
    """'206/KH-UBND' → 'KH'; '12/2020/TT-BNV' → 'TT'; '642/BNG-HVNG' → 'BNG'."""
    if "/" not in number:
        return ""
    return number.rsplit("/", 1)[1].split("-", 1)[0]


def _type_from_number(number: str) -> str:
    code = _type_code(number)
    return _TYPE_CODES.get(code) or _TYPE_CODES_PLAIN.get(strip_diacritics(code), "")


def _letter_type(number: str, header: list[str]) -> str:
    """A number without a type code, or a 'Kính gửi' / 'V/v' line, marks an administrative letter."""
    if number and _type_code(number):
        return "Công văn"
    for line in header:
        for cell in _cells(line):
            if _KINH_GUI_RE.match(cell) or _V_V_RE.search(cell):
                return "Công văn"
    return ""


def _place_and_date(header: list[str]) -> tuple[str, str]:
    """'Hà Nội, ngày 08 tháng 03 năm 2016' → ('Hà Nội', '2016-03-08'); also 'Hà Nội, 08/03/2016'."""
    for line in header:
        for cell in _cells(line):
            for pattern in (_WORD_DATE_RE, _SLASH_DATE_RE):
                match = pattern.search(cell)
                if not match:
                    continue
                before = cell[:match.start()].rstrip()
                place = _trailing_place(before.rstrip(","))
                # A cited document's date ("2007/QĐ-TTg ngày 16 tháng 11 …") has no place before it.
                if before and not (place and (before.endswith(",") or len(before.split()) <= 5)):
                    continue
                date = _iso_date(match.group("y"), match.group("m"), match.group("d"))
                if date:
                    return place, date
    return "", ""


def _trailing_place(text: str) -> str:
    """The capitalised words that end `text`: 'Số: 12/QĐ-UBND Hà Nội' → 'Hà Nội'."""
    words: list[str] = []
    for word in reversed(text.split()):
        if len(words) >= 5 or not word[:1].isupper() or any(ch.isdigit() or ch in "/:|" for ch in word):
            break
        words.append(word)
    return " ".join(reversed(words)).strip(" ,")


def _iso_date(year: str, month: str, day: str) -> str:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return ""


# ---------------------------------------------------------------------------------------------
# Subject (trích yếu)


def _subject(preamble: list[str], heading_at: int, heading_rest: str, body: list[str]) -> tuple[str, int, int]:
    """The subject (trích yếu), and the indices of the first and last preamble lines it was read from (-1, -1 when
    it was taken from a sentence of the body)."""
    for index, line in enumerate(preamble[:HEADER_LINES]):
        for cell in _cells(line):
            match = _V_V_RE.search(cell)
            if match:
                return _cut(_capitalise_first(_without_place_and_date(match.group("subject"))), 300), index, index
    if heading_rest:
        return _cut(heading_rest, 300), heading_at, heading_at
    if heading_at >= 0:
        for index in range(heading_at + 1, len(preamble)):
            following = " ".join(_cells(preamble[index]))
            if _is_header_line(following):
                continue  # a web copy may put the number/date table under the heading
            if _BODY_START_RE.match(following) or following.endswith(":"):
                break
            if not _is_upper(following):
                return _cut(_capitalise_first(following.rstrip(" .;")), 300), index, index
            # "QUYẾT ĐỊNH / PHÊ DUYỆT ĐỀ ÁN “…” / THỦ TƯỚNG CHÍNH PHỦ": upper-case lines up to the authority's
            if _is_authority(following):
                break
            last = index
            while last + 1 < len(preamble) and _is_upper(preamble[last + 1]) \
                    and not _is_authority(preamble[last + 1]) and not preamble[last + 1].rstrip().endswith(":"):
                last += 1
            upper = " ".join(" ".join(_cells(line)) for line in preamble[index:last + 1])
            return _cut(recase(upper.rstrip(" .;"), body), 300), index, last
    for line in _body_paragraphs(preamble)[:2]:
        for pattern in (_ISSUED_WHAT_RE, _GUIDES_WHAT_RE):
            match = pattern.search(line)
            if match:
                return _cut(_capitalise_first(match.group("what").strip(" ,.;")), 200), -1, -1
    return "", -1, -1


def _is_authority(text: str) -> bool:
    """The line naming who decides, under a decision's subject: 'THỦ TƯỚNG CHÍNH PHỦ', 'BỘ TRƯỞNG BỘ NỘI VỤ',
    'ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH', 'CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …'."""
    text = " ".join(_cells(text)).strip()
    return bool(text in _FIXED_NAMES or _AUTHORITY_RE.match(text)
                or re.match(r"^(?:ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|UBND|HỘI ĐỒNG NHÂN DÂN|HĐND)\b", text))


_WORD_RE = re.compile(r"\w+")


def recase(upper: str, body: list[str]) -> str:
    """Sentence case for an upper-case subject, keeping the capitals the document's own mixed-case text gives a
    word (proper names: 'HỒ CHÍ MINH' → 'Hồ Chí Minh', 'ĐỀ ÁN' → 'Đề án' when the body writes 'Đề án'). A word
    takes the case its pair with the next word has in the body, else its own most frequent case mid-sentence;
    the first word, and the first after an opening quote, are capitalised."""
    capital: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    for line in body:
        if _is_upper(line):
            continue
        words = [(m.group(0), m.start()) for m in _WORD_RE.finditer(line)]
        for n, (word, at) in enumerate(words):
            if n == 0 or line[max(0, at - 2):at].strip() in (".", ":", ";"):
                continue  # a sentence's first word is capitalised whatever it is
            vote = 1 if word[:1].isupper() else -1
            capital[word.lower()] = capital.get(word.lower(), 0) + vote
            if n + 1 < len(words):
                key = (word.lower(), words[n + 1][0].lower())
                pairs[key] = pairs.get(key, 0) + vote
    lower = upper.lower()
    words = list(_WORD_RE.finditer(lower))
    out = list(lower)
    named = False  # the word before is part of a name
    for n, m in enumerate(words):
        word = m.group(0)
        following = words[n + 1].group(0) if n + 1 < len(words) else ""
        # a word alone votes only to end a name ("Hà Nam" before "năm"): "Ban" of "Ban Thường vụ" does not make
        # "ban hành" a name
        vote = pairs.get((word, following)) or (capital.get(word, 0) if named else 0)
        opening = n == 0 or lower[max(0, m.start() - 1):m.start()] in ("“", '"', "‘", "'", "(")
        if opening or vote > 0:
            out[m.start()] = out[m.start()].upper()
        named = vote > 0
    return "".join(out)


_ATTACHED_RE = re.compile(
    r"^\(?\s*(?:Ban hành\s+)?kèm theo\s+(?P<kind>Quyết định|Nghị quyết|Nghị định|Thông tư|Công văn|Chỉ thị)\s+"
    r"(?:số\s*:?\s*)?(?P<num>\d+[a-zA-Z]?(?:\s*/\s*[^\W_][\w.&-]*)+)", re.I)


def _attached_to(preamble: list[str]) -> str:
    """A plan or rule issued with a decision says so under its heading: '(Kèm theo Quyết định số 1550/QĐ-BTP …)'."""
    for line in preamble[:HEADER_LINES + 5]:
        match = _ATTACHED_RE.match(" ".join(_cells(line)))
        if match:
            return f"{_capitalise_first(match.group('kind').lower())} {_clean_number(match.group('num'))}"
    return ""


def _is_header_line(text: str) -> bool:
    return bool(_NUMBER_RE.search(text) or _WORD_DATE_RE.search(text) or _motto_start(text) >= 0)


def _without_place_and_date(subject: str) -> str:
    """A one-line web copy may run 'V/v … Hà Nội, ngày 2 tháng 3 năm 2018' together: keep the subject."""
    for pattern in (_WORD_DATE_RE, _SLASH_DATE_RE):
        match = pattern.search(subject)
        if match:
            before = subject[:match.start()].rstrip(" ,")
            place = _trailing_place(before)
            subject = before[:len(before) - len(place)] if place else before
    return subject.strip(" .,;:")


def _body_paragraphs(preamble: list[str]) -> list[str]:
    """Preamble lines that read as prose, not header cells."""
    return [line for line in preamble if " | " not in line and len(line) >= 60 and not _is_upper(line)]


# ---------------------------------------------------------------------------------------------
# Issuer


def _motto_start(cell: str) -> int:
    plain = strip_diacritics(cell).upper()  # same length as `cell`: NFC letters map one to one
    found = [plain.find(motto) for motto in _MOTTOS_PLAIN if motto in plain]
    return min(found) if found else -1


def _issuer_from_header(header: list[str]) -> str:
    """The upper-case agency cells above the number line, e.g. 'BỘ NGOẠI GIAO' → 'Bộ Ngoại giao'."""
    parts: list[str] = []
    for line in header:
        cells = _cells(line)
        ends_header = False
        for cell in cells:
            if _NUMBER_RE.search(cell) or _WORD_DATE_RE.search(cell) or _KINH_GUI_RE.match(cell) \
                    or _V_V_RE.search(cell):
                ends_header = True  # the issuer is written above the number/date row
                continue
            motto = _motto_start(cell)
            text = (cell[:motto] if motto >= 0 else cell).strip(" -–_.")
            if not _is_upper(text) or _TYPE_HEADING_RE.match(text) or (_is_title(text) and text not in _FIXED_NAMES):
                continue  # a type heading or a signer's title ("KT. BỘ TRƯỞNG") is not the issuer
            if parts and _ADMIN_UNIT_START_RE.match(text):
                parts[-1] += " " + text  # "ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG NAM" on two lines
            else:
                parts.append(text)
        if ends_header or (len(cells) == 1 and _TYPE_HEADING_RE.match(cells[0])):
            break
    # Under a parent ("UBND TỈNH X" / "SỞ NỘI VỤ") the last, innermost body is the issuer.
    return agency_name(parts[-1]) if parts else ""


def _issuer_from_authority(preamble: list[str]) -> str:
    """A decision's authority line: 'CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH X' → 'Ủy ban nhân dân tỉnh X'."""
    for line in preamble:
        text = " ".join(_cells(line))
        if not _is_upper(text):
            continue
        if text in ("THỦ TƯỚNG CHÍNH PHỦ", "CHÍNH PHỦ", "QUỐC HỘI"):
            return _FIXED_NAMES[text]
        match = _AUTHORITY_RE.match(text)
        if match:
            return agency_name(match.group("agency"))
    return ""


def _issuer_from_sentence(preamble: list[str]) -> str:
    """'…, Ủy ban nhân dân thành phố Hải Phòng ban hành Kế hoạch …' → 'Ủy ban nhân dân thành phố Hải Phòng'."""
    for line in _body_paragraphs(preamble):
        for match in _ISSUED_BY_RE.finditer(line):
            agency = match.group("agency").strip()
            if _AGENCY_START_RE.match(agency) and len(agency.split()) <= 12:
                return agency
    return ""


def _issuer_from_signing_body(body: str, place: str, lines: list[str]) -> str:
    """'TM. ỦY BAN NHÂN DÂN' + place: the full name if the text spells it out, else body and place."""
    if not body:
        return ""
    name = agency_name(body)
    if place and name in ("Ủy ban nhân dân", "Hội đồng nhân dân"):
        spelled = re.search(rf"{name}\s+(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\s+{re.escape(place)}",
                            "\n".join(lines), re.I)
        return _capitalise_first(spelled.group(0)) if spelled else f"{name} {place}"
    return name


def agency_name(upper: str) -> str:
    """Name case of an upper-case agency name.

    'BỘ NGOẠI GIAO' → 'Bộ Ngoại giao'; 'SỞ GIÁO DỤC VÀ ĐÀO TẠO' → 'Sở Giáo dục và Đào tạo';
    'UBND TỈNH BÀ RỊA - VŨNG TÀU' → 'Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu'. Text already in
    name case is returned as it is.
    """
    upper = " ".join(upper.split())
    if not _is_upper(upper):
        return upper
    text = " ".join(_ISSUER_ABBREVIATIONS.get(word, word) for word in upper.split())
    if text in _FIXED_NAMES:
        return _FIXED_NAMES[text]
    unit_match = _ADMIN_UNIT_RE.search(text)
    organisation = text[:unit_match.start()] if unit_match else text
    kind = next((k for k in _AGENCY_KINDS if organisation == k or organisation.startswith(k + " ")), "")
    field = organisation[len(kind):].strip()
    # The field after the kind is written like a title: each coordinated part starts upper-case.
    cased = " ".join(part for part in (_sentence_case(kind), _coordinated_case(field)) if part)
    if unit_match:
        place = " ".join(_capitalise_first(word.lower()) for word in unit_match.group("place").split())
        cased = f"{cased} {unit_match.group('unit').lower()} {place}"
    for lower, proper in _PROPER_WORDS.items():
        cased = re.sub(rf"\b{lower}\b", proper, cased, flags=re.I)
    return cased


def _coordinated_case(text: str) -> str:
    """'LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI' → 'Lao động - Thương binh và Xã hội'."""
    pieces = re.split(r"(\s+VÀ\s+|\s*,\s*|\s+[-–]\s+)", text)
    return "".join(piece.lower() if index % 2 else _sentence_case(piece) for index, piece in enumerate(pieces))


# ---------------------------------------------------------------------------------------------
# Signature


def _split_title_and_rest(cell: str) -> tuple[str, str]:
    """Leading upper-case words (the title) and what follows (a name, '(Đã ký)' …)."""
    words = cell.split()
    count = 0
    while count < len(words) and all(ch.isupper() for ch in words[count] if ch.isalpha()):
        count += 1
    return " ".join(words[:count]).strip(" -"), " ".join(words[count:])


def _is_title(cell: str) -> bool:
    title, _ = _split_title_and_rest(cell)
    if not title or len(title.split()) > 12 or not _is_upper(title):
        return False
    return bool(_SIGN_PREFIX_RE.match(title) or _TITLE_WORD_RE.search(title))


def _split_titles(title: str) -> list[str]:
    """'TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH' (one table cell) → its three lines."""
    pieces = [p.strip() for p in re.split(r"\s(?=(?:TM|KT|TL|TUQ|Q|PP|T/M|K/T|T/L)\.\s)", title) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        words = piece.split()
        start = 0
        for index in range(len(words) - 1):
            rest = words[index + 1:]
            # "KT. BỘ TRƯỞNG THỨ TRƯỞNG": a second title starts after a title's last word.
            if _TITLE_END_RE.match(words[index]) and rest[0] in _TITLE_START_WORDS \
                    and any(_TITLE_END_RE.match(word) for word in rest):
                out.append(" ".join(words[start:index + 1]))
                start = index + 1
                break
        out.append(" ".join(words[start:]))
    return out


def _title_case(title: str) -> str:
    """'KT. CHỦ TỊCH' → 'KT. Chủ tịch'; 'PHÓ GIÁM ĐỐC' → 'Phó Giám đốc'; 'GIÁM ĐỐC SỞ NỘI VỤ' → 'Giám đốc Sở Nội vụ'."""
    prefix_match = _SIGN_PREFIX_RE.match(title)
    prefix = prefix_match.group(0).strip() + " " if prefix_match else ""
    words = title[prefix_match.end():].split() if prefix_match else title.split()
    end = next((i for i, word in enumerate(words) if _TITLE_END_RE.match(word)), len(words) - 1)
    role = [word.lower() for word in words[:end + 1]]
    if role:
        role[0] = _capitalise_first(role[0])
        if role[0] in ("Phó", "Chánh", "Tổng", "Quyền") and len(role) > 1:
            role[1] = _capitalise_first(role[1])
    rest = " ".join(words[end + 1:])
    return (prefix + " ".join(role) + (" " + agency_name(rest) if rest else "")).strip()


def _looks_like_name(text: str) -> bool:
    """'Nguyễn Xuân Bình': two to six capitalised words, letters only."""
    words = text.split()
    return 2 <= len(words) <= 6 and all(
        word.isalpha() and word[0].isupper() and (len(word) == 1 or word[1:].islower()) for word in words
    )


def _signature(tail: list[str]) -> tuple[str, str, str]:
    """(signer, signer title, body signed for) from the closing signature block."""
    pieces = [cell for line in tail for cell in _cells(line)]
    last = next((i for i in range(len(pieces) - 1, -1, -1) if _is_title(pieces[i])), -1)
    if last < 0:
        return "", "", ""
    first = last
    while first > 0 and _is_title(pieces[first - 1]):
        first -= 1
    titles: list[str] = []
    name = ""
    for index in range(first, len(pieces)):
        title, rest = _split_title_and_rest(pieces[index]) if index <= last else ("", pieces[index])
        if title:
            titles.extend(_split_titles(title))
        rest = _SIGNED_MARK_RE.sub(" ", rest).strip(" .,")
        if rest:  # the first text after the titles is the name, or the block has none
            name = rest if _looks_like_name(rest) else ""
            break
    signing_body = ""
    if titles and titles[0].startswith(("TM.", "T/M.")):
        signing_body = _SIGN_PREFIX_RE.sub("", titles[0])
        if len(titles) > 1:
            titles = titles[1:]  # "TM. ỦY BAN NHÂN DÂN" names the body; the person's title follows
    return name, ", ".join(_title_case(title) for title in titles), signing_body


# ---------------------------------------------------------------------------------------------
# References (căn cứ)


def _references(lines: list[str], own_number: str) -> list[str]:
    """Cited documents in order of first mention: 'Quyết định 2007/QĐ-TTg', …"""
    text = "\n".join(lines)
    found: list[tuple[int, str, str]] = []
    for match in _KINDED_REF_RE.finditer(text):
        found.append((match.start("num"), _sentence_case(match.group("kind")), _clean_number(match.group("num"))))
    for match in _BARE_REF_RE.finditer(text):
        number = _clean_number(match.group("num"))
        found.append((match.start("num"), _type_from_number(number) or "Công văn", number))
    own = own_number.upper()
    seen: set[str] = set()
    references: list[str] = []
    for _, kind, number in sorted(found, key=lambda item: item[0]):
        key = number.upper()
        if key == own or key in seen or not any(ch.isalpha() for ch in number.split("/", 1)[-1]):
            continue  # its own number, a repeat, or a date such as 19/11/2019
        seen.add(key)
        references.append(f"{kind} {number}")
    return references
