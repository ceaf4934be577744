"""What a question asks for, decided in one place: the kind of fact (kinds.py's cue words), the part of it asked for
(only the extension of a contact, only the date of a document), the kind of value a right answer must hold (a phone
number, an amount of money, a date, a percentage), the documents it names (focus.py) and its key terms — the
words an answer's evidence must contain.

The CLI, the web portal and Rasa's action all answer through knowledge.answer, which reads the question here; the
Rasa intent is only a hint for a message with no cue word of its own (actions/actions.py, docs/answers.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .accents import question_phrases
from .focus import Focus, fold, focus, place_keys, profiles
from .kinds import ASKS_SIGNER_RE, KIND_CUES, LEVEL_RE, YEAR_RE, plain, question_kind
from .names import canonical_agencies, entity_pattern
from .text import has_diacritics, normalize, replace_abbreviations, strip_diacritics, syllables

# Parts of a document's own metadata a question may ask for alone (diacritic-free cues, most specific first).
DOCUMENT_PARTS: list[tuple[str, re.Pattern]] = [
    ("signer", re.compile(r"\b(ai ky|nguoi ky|ky boi|ky ten|ky voi|ky (voi )?danh nghia|chuc vu|"
                          r"(thu tuong|bo truong|chu tich|giam doc|lanh dao) nao ky|do ai ky|ai la nguoi ky)\b")),
    ("proposer", re.compile(r"\b(de nghi cua|theo de nghi|xet de nghi|ai de nghi|do ai de nghi|co quan nao de nghi|tren co so de nghi|"
                            r"co quan nao trinh|ai trinh|to trinh)\b")),
    ("consulted", re.compile(r"\b(thong nhat voi|thoa thuan voi|lay y kien)\b")),
    ("effective", re.compile(r"\b(hieu luc|co hieu luc|het hieu luc)\b")),
    ("attached", re.compile(r"\b(kem theo|ban hanh kem|kem quyet dinh)\b")),
    ("recipient", re.compile(r"\b(gui (cho |toi |den )?(ai|nhung ai|co quan nao|nhung co quan nao|nhung noi nao|"
                             r"dau|nhung dau|nhung don vi nao|don vi nao)|noi nhan|kinh gui)\b")),
    ("legal_basis", re.compile(r"\b(can cu|dua tren|co so phap ly|thuc hien (cong van|van ban|quyet dinh|ke hoach) "
                               r"nao|trien khai (cong van|van ban|quyet dinh|ke hoach) nao|huong dan thuc hien "
                               r"(quyet dinh|cong van|van ban) nao)\b")),
    ("date", re.compile(r"\b(ngay ban hanh|ban hanh ngay|ban hanh khi nao|ban hanh luc nao|ban hanh nam nao|ky ngay|"
                        r"ngay ky|ky khi nao|ky luc nao|ngay nao|ngay may|ngay bao nhieu|thang may|nam nao)\b")),
    ("issuer", re.compile(r"\b(co quan ban hanh|co quan nao ban hanh|ai ban hanh|do ai ban hanh|do co quan nao|"
                          r"cua co quan nao|(?<!ha )noi ban hanh)\b")),
    ("number", re.compile(r"\b(so hieu|ky hieu|so may|so nao|so bao nhieu|van ban so|so van ban)\b")),
    ("subject", re.compile(r"\b(trich yeu|ve viec gi|phe duyet( de an| ke hoach| chuong trinh)? (gi|nao)|"
                           r"ban hanh( ke hoach| de an)? (gi|ve gi)|noi dung chinh)\b")),
]

# "(áp dụng|thực hiện|triển khai) cho những năm nào", "trong giai đoạn nào": the period a document covers.
PERIOD_ASKED_RE = re.compile(r"\b(ap dung|thuc hien|trien khai|keo dai)( cho| trong| vao| tu)?( nhung| cac)? "
                             r"(nam|giai doan|thoi gian|thoi ky) nao\b")

# Parts of a contact a question may ask for alone.
CONTACT_PARTS: list[tuple[str, re.Pattern]] = [
    ("ext", re.compile(r"\b(may le|so le|may nhanh|ext)\b")),
    ("mobile", re.compile(r"\b(di dong|dtdd|so di dong|mobile|hotline)\b")),
    ("fax", re.compile(r"\bfax\b")),
    ("email", re.compile(r"\b(email|e mail|thu dien tu|mail)\b")),
    ("phone", re.compile(r"\b(so dien thoai|dien thoai|sdt|may ban|goi so)\b")),
    ("address", re.compile(r"\b(dia chi|tru so|o dau)\b")),
]

# The kind of value a right answer must hold, by what the question asks.
WANTS: list[tuple[str, re.Pattern]] = [
    ("amount", re.compile(r"\b(bao nhieu|may) (ty(?! le)|trieu|nghin|tien|dong)\b|\b(hoc phi|le phi|muc chi|muc ho tro|"
                          r"tong (kinh phi|so tien|ngan sach|von|cong)|bao nhieu tien|het bao nhieu|ton bao nhieu)\b")),
    ("percent", re.compile(r"\b(bao nhieu phan tram|may phan tram|ty le|ti le|bao nhieu %|%)")),
    ("level", re.compile(r"\bbac (may|nao|bao nhieu)\b")),
    ("agency", re.compile(r"\b(co quan|don vi|so|bo|ban) nao(?: \w+){0,4}? (chu tri|phu trach|chiu trach nhiem|tham muu|"
                          r"lam dau moi|to chuc|thuc hien)\b|\b(chu tri|phu trach|tham muu|dau moi) (la )?"
                          r"(co quan|don vi) nao\b")),
    ("date", re.compile(r"\b(ngay nao|ngay may|ngay bao nhieu)\b")),
    # "mở mấy khóa, mỗi khóa bao nhiêu người": a number of classes, people, days
    ("count", re.compile(r"\b(may|bao nhieu) (khoa|lop|nguoi|hoc vien|luot|dong chi|dot|ngay|buoi)\b")),
    # "thực hiện trong giai đoạn nào", "từ năm nào đến năm nào": a period, two years
    ("period", re.compile(r"\b(giai doan nao|thoi gian thuc hien|tu nam nao den nam nao|trong bao lau|keo dai bao lau)\b")),
    # "có hiệu lực từ ngày nào": a sentence saying when it takes effect ("kể từ ngày ký")
    ("effective", re.compile(r"\bhieu luc\b")),
    # "học ở đâu", "địa điểm tổ chức": where a course is held
    ("venue", re.compile(r"\b(hoc|to chuc|boi duong|dao tao|mo lop|tap huan|khai giang|dien ra) (o|tai) dau\b"
                         r"|\bdia diem\b")),
    # "thời hạn nộp … là ngày nào", "hạn chót": a deadline ("trước ngày …", "chậm nhất …"), not any date
    ("deadline", re.compile(r"\b(thoi han|han chot|han cuoi|truoc ngay nao|cham nhat)\b")),
    ("address", re.compile(r"\b(dia chi|tru so)\b")),
    ("article", re.compile(r"\bdieu (may|nao|bao nhieu|so may)\b")),  # "căn cứ điều mấy": an article number
    # "bao lâu một lần", "mấy lần một năm": how often — a frequency ("hàng năm", "định kỳ", "6 tháng một lần").
    ("frequency", re.compile(r"\b(bao lau (mot|1) lan|may lan|bao nhieu lan|dinh ky (ra sao|the nao|bao lau))\b")),
]

# Casual words and particles of typed questions, and function words: they say how a question is asked, not what about.
# Written with diacritics; a question typed without them is compared without them ("đó" and "đỏ" are then alike).
CASUAL_WORDS = """k ko kg không hok hem hông hong z vậy zậy ak ah à ạ a nha nhé nhỉ ơi ad admin bạn mình cho hỏi xin giúp
với đi thì là mà được dc có như nào sao gì j ai đâu mấy em anh chị tôi tui tớ bn mk mn hả thế hay hoặc cái này kia đó
đấy bài""".split()
# Phrases of asking: how a question is put, not what it asks about.
CASUAL_PHRASES = [
    "cuối cùng", "như thế", "đăng lại", "đăng tải", "được dẫn", "dẫn trong", "được nêu", "được nhắc", "có thể",
    "bao nhiêu", "khi nào", "lúc nào", "bao giờ", "cụ thể", "chi tiết", "vui lòng", "làm ơn", "mọi người",
    "thế nào", "như thế nào", "khác nhau", "chia thành", "tập trung vào", "ưu tiên nhóm nào", "giới hạn độ tuổi",
    "nhóm nào", "bao lâu", "một lần", "dựa vào đâu", "dành cho ai", "giữ chức vụ gì", "những nơi nào", "việc gì",
    "những việc gì", "nội dung gì", "ra sao", "có nói", "có nêu", "được ghi", "nhằm mục đích gì", "muốn hỏi",
    "cần biết", "hiện nay", "hôm nay", "năm nay", "bài viết", "bài báo", "bài đăng", "theo bài", "bài trên",
    "trong bài", "bài về", "bài này", "bản tin", "theo tin", "tin trên", "tin của", "nhằm những mục đích gì",
    "để làm gì", "lấy từ đâu"
]
# Verbs and words of asking ("lấy từ đâu", "có nói", "được ghi"), beside the question phrases of knowledge/data.
ASKING_WORDS = ["xong", "gặp", "bên", "lấy", "đặt", "ghi", "nhắc", "nói"]
FUNCTION_WORDS = """và với của cho các những một là thì mà ở tại từ đến trong ngoài trên dưới về theo này đó kia có
không được bị sẽ đã đang cần phải nên hay hoặc vậy à hả nhé nhỉ ơi tôi mình em anh chị bạn ai gì nào đâu sao
mấy khi lúc như rồi còn cũng đều chỉ mới rất lại nữa ra vào lên xuống sau trước để do nếu""".split()


@lru_cache(maxsize=2)
def _stop_words(accented: bool) -> frozenset[str]:
    """Single words of question phrases, particles and function words, as typed (accented or not)."""
    form = _form(accented)
    singles = {form(p) for p in question_phrases() if len(form(p).split()) == 1}
    return frozenset(singles | {form(w) for w in FUNCTION_WORDS + CASUAL_WORDS + ASKING_WORDS})


@lru_cache(maxsize=2)
def _stop_phrases(accented: bool) -> re.Pattern:
    """Everyday question phrases ("bao nhiêu", "bao lâu", "khác nhau"), removed whole: "báo cáo" keeps its "báo"."""
    form = _form(accented)
    phrases = sorted({form(p) for p in [*question_phrases(), *CASUAL_PHRASES] if len(form(p).split()) > 1},
                     key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")


def _form(accented: bool):
    return words_form if accented else plain


def words_form(text: str) -> str:
    """Lower-case syllables with their diacritics (one tone placement): the accented counterpart of kinds.plain."""
    return " ".join(syllables(text))


@lru_cache(maxsize=1)
def stop_syllables() -> frozenset[str]:
    """Syllables that say how a question is asked, not what about (diacritic-free)."""
    return _stop_words(False) | frozenset(" ".join(plain(p) for p in question_phrases()).split())


# "… có nằm trong (các) Bộ Chủ trì không", "… có thuộc nhóm … không": whether an agency is one of a group given duties.
MEMBERSHIP_RE = re.compile(r"\b(co nam trong|co thuoc|co phai la|la mot trong)\b.*\b(bo|so|co quan|don vi)\b.*\bkhong\b")
# "căn cứ thông tư nào", "kết luận nào của Thành ủy": the kind of document a legal basis asked for is.
_CITED_KINDS = r"(nghi dinh|thong tu|quyet dinh|ket luan|nghi quyet|chi thi|luat|cong van|ke hoach)"
_CITED_ASK = r"(nao|so may|so nao|gi)"
CITED_KIND_RE = re.compile(rf"\b{_CITED_KINDS} {_CITED_ASK}\b")
# "thực hiện theo thông tư số mấy": the number of a document the one asked of cites
_CITES_ASKED_RE = re.compile(rf"\b(theo|can cu|thuc hien|trien khai) {_CITED_KINDS} {_CITED_ASK}\b")
WHO_RE = re.compile(r"\b(ai|nguoi nao|ten gi|ho ten|(thu tuong|bo truong|chu tich|giam doc) nao)\b")


@dataclass
class Asked:
    """A question read once: what it asks for and about what."""

    text: str  # as typed, normalised
    plain: str  # diacritic-free, abbreviations spelled out
    kind: str | None
    part: str | None = None  # the part of a document or contact asked for alone
    parts: list[str] = field(default_factory=list)  # every part of a contact asked for ("máy bàn với máy lẻ")
    wants: set[str] = field(default_factory=set)  # kinds of value a right answer must hold
    years: set[int] = field(default_factory=set)
    levels: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)  # numbered groups named: "doi tuong 3", "nhom 2"
    focus: Focus = field(default_factory=Focus)
    terms: list[str] = field(default_factory=list)  # key syllables, in question order
    pairs: set[tuple[str, str]] = field(default_factory=set)  # key syllables next to each other in the question
    accented: bool = False  # typed with diacritics: terms and evidence are compared with them
    entities: list[str] = field(default_factory=list)  # national bodies named (diacritic-free): evidence must name them


# "quyết định số 1659", "kh 206", "công văn 5673/bnv-ccvc": a document named by kind and number.
_NAMED_DOCUMENT_RE = re.compile(r"\b(quyet dinh|ke hoach|cong van|van ban|de an|huong dan|qd|kh|cv)( so)?\s*\d+[\w/-]*")


# "ký ngày nào", "ban hành khi nào": the date, though "ký" is there.
_DATE_ASKED_RE = re.compile(r"\b(ky|ban hanh|duoc ban hanh|duoc ky) (vao )?(ngay|khi|luc|nam|thang) ?(nao|may|bao gio)\b|"
                            r"\b(ngay ky|ngay ban hanh)\b")


def _part(q: str, kind: str | None) -> str | None:
    if kind == "document":
        if _DATE_ASKED_RE.search(q):
            return "date"
        if ASKS_SIGNER_RE.search(q):
            return "signer"
        return next((name for name, pattern in DOCUMENT_PARTS if pattern.search(q)), None)
    if kind == "contact":
        return next((name for name, pattern in CONTACT_PARTS if pattern.search(q)), None)
    return None


def _cue_spans(q: str, kind: str | None) -> list[tuple[int, int]]:
    """Where the question's cue words for its kind (and the part asked) sit: they say what kind of answer is
    wanted, not what it is about."""
    spans = []
    patterns = [pattern for name, pattern in KIND_CUES if name == kind]
    patterns += [pattern for _, pattern in DOCUMENT_PARTS + CONTACT_PARTS + WANTS] + [_NAMED_DOCUMENT_RE]
    for pattern in patterns:
        spans += [m.span() for m in pattern.finditer(q)]
    return spans


# Words that say what kind of fact is asked (diacritic-free): the fact's own kind answers them, so they are not
# terms its evidence must hold.
KIND_VOCABULARY = {
    "eligibility": "doi tuong pham vi ap dung thuoc dien danh cho tham gia nhom",
    "exclusion": "doi tuong pham vi ap dung thuoc dien khong mien tru loai nhom",
    "check": "doi tuong pham vi ap dung thuoc dien phai thuc hien hoc",
    "target": "chi tieu muc tieu ty le ti le phan tram dat trinh do phan dau yeu cau uu tien tap trung nhom bac chuan",
    "roadmap": "lo trinh giai doan thoi gian thuc hien tien do chia bat dau ket thuc keo dai ap dung",
    "funding": "kinh phi nguon ngan sach du toan chi phi tien chi tra tai tro",
    "duty": "nhiem vu trach nhiem vai tro lam phu trach giao",
    "contact": "lien he lien lac dien thoai so may email thu dien tu fax di dong nguoi dau moi phu trach thong tin can bo",
    "document": "ky ban hanh ngay so hieu can cu trich yeu hieu luc de nghi trinh gui nhan van ban",
    "step": "buoc quy trinh thu tu tiep theo dau tien cuoi cung",
    "link": "xem doc tai toan van trang web website dia chi duong link dang",
}


_GROUP_NUMBER_RE = re.compile(r"\b(doi tuong|nhom)$")
# "đối tượng 3", "nhóm 2": a group by its number (diacritic-free)
_NUMBERED_GROUP_RE = re.compile(r"\b(doi tuong|nhom) (\d{1,2})\b")


def numbered_groups(plain_text: str) -> set[str]:
    """The groups a diacritic-free text names by their number: {"doi tuong 3", "nhom 2"}."""
    return {f"{kind} {number}" for kind, number in _NUMBERED_GROUP_RE.findall(plain_text)}


def key_terms(text: str, kind: str | None, accented: bool) -> list[tuple[int, str]]:
    """Content syllables of the question (as typed, accented or not) with their positions: not question words,
    particles, cue words of its kind, or a document's number or kind (the document it names is checked as such)."""
    q_plain = plain(text)
    plain_words = q_plain.split()
    words = words_form(text).split() if accented else plain_words
    if len(words) != len(plain_words):
        accented, words = False, plain_words
    q = " ".join(words)
    covered = [False] * len(words)
    starts, position = [], 0
    for word in words:  # the same positions in both forms: a syllable keeps its length without its diacritics
        starts.append(position)
        position += len(word) + 1
    spans = _cue_spans(q_plain, kind) + [m.span() for m in _stop_phrases(accented).finditer(q)]
    for start, end in spans:
        for i, begin in enumerate(starts):
            if start <= begin < end:
                covered[i] = True
    stops = _stop_words(accented)
    bare_stops = _stop_words(False)
    kind_words = set(KIND_VOCABULARY.get(kind or "", "").split())
    out = []
    for i, word in enumerate(words):
        bare = plain_words[i]
        # A word typed without diacritics in an accented question ("con nam 2030 chỉ tiêu …") is read as typed.
        if covered[i] or word in stops or bare in kind_words or (word == bare and bare in bare_stops):
            continue
        if (len(bare) == 1 and not bare.isdigit()) or (bare.isdigit() and len(bare) < 2 and not _GROUP_NUMBER_RE.search(
                " ".join(plain_words[max(0, i - 2):i]))):
            continue  # (but "đối tượng 1", "nhóm 2": a group by its number, which another group's text lacks)
        out.append((i, word))
    return out


def analyse(index, text: str, dense_text: str, kind_hint: str | None = None) -> Asked:
    """Read a prepared question (text as typed, dense_text with abbreviations spelled out)."""
    # Agencies' short names first ("Sở GD&ĐT"), then the abbreviations of dense_text ("gd" → "giáo dục")
    q = plain(replace_abbreviations(canonical_agencies(text)))
    typed = plain(text)
    kind = question_kind(typed) or question_kind(q) or kind_hint
    if kind is None and MEMBERSHIP_RE.search(q):
        kind = "duty"  # "Bộ Quốc phòng có nằm trong các Bộ Chủ trì không?": a duty fact lists its members
    asked = Asked(text=text, plain=q, kind=kind)
    asked.focus = focus(index, text)
    if kind is None and asked.focus.named.numbers and any(pattern.search(q) for _, pattern in DOCUMENT_PARTS):
        # "kế hoạch 77/KH-UBND ngày bao nhiêu": a part of a document named by its number
        kind = asked.kind = "document"
    if PERIOD_ASKED_RE.search(q):
        kind = asked.kind = "roadmap"  # "áp dụng cho những năm nào": the period, not whom
    asked.part = _part(q, kind)
    if kind == "contact":
        asked.parts = [name for name, pattern in CONTACT_PARTS if pattern.search(q)]
    elif kind == "document":
        asked.parts = [name for name, pattern in DOCUMENT_PARTS if pattern.search(q)]
    asked.wants = {name for name, pattern in WANTS if pattern.search(q)}
    if asked.part == "legal_basis":
        asked.wants.discard("amount")  # "căn cứ văn bản nào hướng dẫn mức chi": what the basis is about
    if asked.part in ("phone", "mobile", "fax", "ext", "email", "address"):
        asked.wants.add(asked.part)
    if kind == "document" and asked.part == "date" and "effective" not in asked.wants:
        asked.wants.add("date")
    if "effective" in asked.wants:
        asked.wants.discard("date")  # "hiệu lực từ ngày nào": "kể từ ngày ký" is no date, and answers
    if kind == "document" and asked.part == "number":
        if _CITES_ASKED_RE.search(q):
            asked.part = "legal_basis"  # "thực hiện theo thông tư số mấy": the number of a document it cites
        else:
            asked.wants.add("docnumber")  # "quyết định … số mấy?": a sentence naming its number
    cited = CITED_KIND_RE.search(q)
    if kind == "document" and cited:
        asked.wants.add("cited:" + cited.group(1))  # "căn cứ thông tư nào": a sentence citing a thông tư
    if kind == "document" and asked.part == "signer" and WHO_RE.search(q):
        asked.wants.add("person")  # "ai ký?" of a passage wants a name, not "có hiệu lực từ ngày ký"
    asked.years = {int(m.group(0)) for m in YEAR_RE.finditer(q)}
    asked.levels = {m.group(1) for m in LEVEL_RE.finditer(q)}
    asked.groups = numbered_groups(q)
    named = set(asked.focus.named.numbers)
    asked.years -= {int(n) for n in named if n.isdigit() and int(n) not in asked.focus.named.years}
    # Terms from the text as typed, with document numbers and their symbols ("206/KH-UBND") out before abbreviations
    # are spelled out, so that a symbol's letters do not become words.
    asked.accented = has_diacritics(text)
    unnumbered = _SYMBOL_RE.sub(" ", normalize(text))
    # A province or city the question names is checked as such (focus): its spelling ("tp.hcm", "hp") is no term.
    place_words = set()
    if asked.focus.docs:
        for name in asked.focus.named.places:
            for key in place_keys(name):
                if re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", fold(text)):
                    place_words |= set(key.split())
        # a site the question names ("theo bài VITIC") is checked as such too
        place_words |= {w for d in asked.focus.docs for w in profiles(index)[d].sites}
    kept = [(i, w) for i, w in key_terms(canonical_agencies(replace_abbreviations(unnumbered)), kind, asked.accented)
            if strip_diacritics(w) not in named and strip_diacritics(w) not in place_words]
    asked.terms = [w for _, w in kept]
    asked.pairs = {(a, b) for (i, a), (j, b) in zip(kept, kept[1:]) if j == i + 1}
    asked.entities = list(dict.fromkeys(m.group(0) for m in entity_pattern().finditer(q)))
    if asked.focus.by_reference and kind == "document":
        # "Quyết định 2007/QĐ-TTg phê duyệt gì?" asked of the letter that carries it out: its sentences that name it
        asked.terms += [n for n in asked.focus.named.numbers if len(n) >= 2]
    return asked


_SYMBOL_RE = re.compile(r"(?<![\w/])\d+(?:\s*/\s*\d{4})?(?:\s*[/-]\s*[^\W\d_][\w.&]*)+")
