"""Does a plan apply to this person, and what must they reach by when? A rule check over the extracted facts.

Everything comes from the eligibility and target facts of the indexed documents (the facts package): nothing here
knows a particular document. Texts are compared as diacritic-free words (answer.plain), so answers typed
without accents work as well as the documents' own wording.

How an eligibility fact is read. Its "who" is split into parts on ";" (one part per kind of person). Each
part is a list of roles ("Cán bộ, công chức, viên chức"), the tiers it names ("cấp tỉnh, cấp huyện, cấp xã",
"từ tỉnh đến cơ sở", "cấp huyện trở lên"; "các cấp" limits nothing: tiers_named), and qualifier pieces, cut
before connectors ("… đang công tác | trong các cơ quan hành chính | trên địa bàn thành phố"). A piece whose
words are all generic (cơ quan hành chính, đơn vị sự nghiệp công lập, Bộ, ngành, địa phương …) narrows
nothing; a specific piece ("làm công tác hội nhập quốc tế", "tại Sở Ngoại vụ") holds only when its words, run
by run, are in what the person said about their workplace and job, or what that implies (a teacher is a nhà
giáo in a cơ sở giáo dục; "tiếng Anh" is a ngoại ngữ; a Sở is a cơ quan chuyên môn of the provincial People's
Committee; a doctor works in y tế): "giáo viên … ngoại ngữ" does not hold "ngoại giao". A covered piece listing
places ("trong các cơ quan Đảng, Nhà nước, tổ chức chính trị - xã hội") holds when one of them does or is
generic. The parenthesised conditions of an exclusion ("đối với các vị trí việc làm yêu cầu … Đại học ngoại
ngữ") are read the same way; so are the pieces of an exclusion the person matches only in part ("Công chức Sở
Ngoại vụ làm công tác biên dịch" for a công chức of that Sở: excluded if they do that work).

Statuses of a document for a person:
    applies      the person's role is in an "áp dụng" part whose specific pieces all hold
    possible     the role is in an "áp dụng" part, but a specific piece was not stated (says which)
    excluded     the person matches a "không áp dụng" fact, its conditions included
    excluded_if  the person matches a "không áp dụng" fact but did not confirm one of its conditions
                 (the targets are still listed: they count unless the condition holds)
    not_covered  the role is in no "áp dụng" part
    unknown      the role is not known (or the document names nobody it applies to)

Targets count the person when their group_key names the person's role (or no role), and
    tier        a group "… cấp xã" counts only tier xã; a group without a tier leaves out the tiers that have
                groups of their own for the person's roles (cán bộ, công chức cấp xã are not in "cán bộ, công chức")
    leadership  a group "… lãnh đạo, quản lý" counts only leaders; a leader also counts in the plain group
    age         "dưới 40 tuổi" leaves out a person of 40 or more; an age named only as a focus ("tập trung vào …
                dưới 40 tuổi") does not narrow the group
An unknown tier, leadership or age keeps the target, with what it depends on.

A field the person left empty is reported as missing when some value of it (each role, tier, yes/no, an age
either side of a limit, the workplaces and jobs the document names) would change the status or the targets.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any

from .answer import Citation, _fact_citation, plain
from .facts import ROLES as FACT_ROLES
from .facts.eligibility import unit_of_group
from .facts.targets import PREDICATE_START_RE
from .index import KnowledgeIndex
from .model import Fact, facts_of
from .names import named_units, unit_spans
from .text import collapse_whitespace, normalize, replace_abbreviations, strip_diacritics, without_misspellings

__all__ = ["ROLES", "TIERS", "STATUSES", "Person", "TargetMatch", "DocumentCheck", "CheckResult", "parse_person",
           "check_person", "check_document", "normalise_role", "normalise_tier", "normalise_leader", "normalise_age",
           "normalise_text", "form_answer", "person_from_form", "person_from_input", "PersonInputError",
           "INPUT_FIELDS", "INPUT_TITLES", "STATUS_LABELS", "FIELD_LABELS"]

ROLES = ("cán bộ", "công chức", "viên chức")
TIERS = ("trung ương", "tỉnh", "huyện", "xã")
APPLIES, POSSIBLE, EXCLUDED, EXCLUDED_IF, NOT_COVERED, UNKNOWN = (
    "applies", "possible", "excluded", "excluded_if", "not_covered", "unknown")
STATUSES = (APPLIES, POSSIBLE, EXCLUDED, EXCLUDED_IF, NOT_COVERED, UNKNOWN)
# Statuses under which the document's targets count for the person.
TARGETS_COUNT = (APPLIES, POSSIBLE, EXCLUDED_IF, UNKNOWN)

STATUS_LABELS = {
    APPLIES: "ÁP DỤNG", POSSIBLE: "CÓ THỂ ÁP DỤNG (tùy điều kiện)", EXCLUDED: "KHÔNG ÁP DỤNG (đối tượng loại trừ)",
    EXCLUDED_IF: "CÓ THỂ BỊ LOẠI TRỪ", NOT_COVERED: "KHÔNG THUỘC ĐỐI TƯỢNG", UNKNOWN: "CHƯA XÁC ĐỊNH",
}
FIELD_LABELS = {
    "role": "vai trò (cán bộ, công chức hay viên chức)", "tier": "cấp công tác (trung ương, tỉnh, huyện, xã)",
    "leader": "có giữ chức vụ lãnh đạo, quản lý không", "age": "tuổi", "workplace": "nơi công tác",
    "job": "công việc, vị trí việc làm",
}
PERSON_FIELDS = tuple(FIELD_LABELS)


@dataclass(frozen=True)
class Person:
    role: str | None = None  # one of ROLES
    tier: str | None = None  # one of TIERS
    leader: bool | None = None  # holds a leading or managing post (lãnh đạo, quản lý)
    age: int | None = None
    workplace: str | None = None  # free text: "Sở Ngoại vụ"
    job: str | None = None  # free text: "giáo viên tiếng Anh", "làm công tác hội nhập quốc tế"
    denied: str | None = None  # free text the description denies: "(không làm) công tác đối ngoại"
    title: str | None = None  # the post held, as written: "Phó Chủ tịch", "trưởng phòng"

    def describe(self) -> str:
        parts = [self.role or "", f"cấp {self.tier}" if self.tier else "",
                 {True: "lãnh đạo, quản lý", False: "không giữ chức vụ lãnh đạo", None: ""}[self.leader],
                 f"{self.age} tuổi" if self.age is not None else "",
                 f"nơi công tác: {self.workplace}" if self.workplace else "",
                 f"công việc: {self.job}" if self.job else "", f"không: {self.denied}" if self.denied else ""]
        return " · ".join(p for p in parts if p) or "(chưa có thông tin)"


@dataclass
class TargetMatch:
    year: int
    percent: int | float
    group: str
    level: Any
    level_text: str
    subject: str
    conditions: list[str]  # the document's own conditions ("dưới 40 tuổi", "tập trung vào …")
    depends_on: list[str]  # what about the person we could not check ("nếu giữ chức vụ lãnh đạo, quản lý")
    citation: Citation
    fact_start: int = field(default=0, repr=False)

    def line(self) -> str:
        """'Năm 2025: 25% đạt trình độ ngoại ngữ bậc 4 trở lên (cán bộ, công chức; tập trung vào …)'."""
        level = " ".join(p for p in (self.subject, self.level_text) if p)
        achieve = (f" {level}" if not self.subject and PREDICATE_START_RE.match(level) else f" đạt trình độ {level}") \
            if level else ""
        notes = "; ".join([self.group, *self.conditions, *self.depends_on])
        return f"Năm {self.year}: {self.percent}%{achieve} ({notes})"

    def to_dict(self) -> dict:
        return {"year": self.year, "percent": self.percent, "group": self.group, "level": self.level,
                "level_text": self.level_text, "subject": self.subject, "conditions": self.conditions,
                "depends_on": self.depends_on, "citation": self.citation.to_dict()}


@dataclass
class DocumentCheck:
    doc_id: str
    doc_label: str
    status: str  # one of STATUSES
    reason: str
    citations: list[Citation] = field(default_factory=list)  # the eligibility facts the status rests on
    targets: list[TargetMatch] = field(default_factory=list)  # sorted by year
    missing: list[str] = field(default_factory=list)  # Person fields whose value would change this result

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "doc_label": self.doc_label, "status": self.status, "reason": self.reason,
                "citations": [c.to_dict() for c in self.citations],
                "targets": [t.to_dict() for t in self.targets], "missing": self.missing}


@dataclass
class CheckResult:
    person: Person
    documents: list[DocumentCheck]

    @property
    def missing(self) -> list[str]:
        found = {name for doc in self.documents for name in doc.missing}
        return [name for name in PERSON_FIELDS if name in found]

    @property
    def text(self) -> str:
        return _summary(self)

    def to_dict(self) -> dict:
        return {"person": asdict(self.person), "documents": [d.to_dict() for d in self.documents],
                "missing": self.missing, "text": self.text}


# ---------------------------------------------------------------------------------------------
# Normalising form answers
# ---------------------------------------------------------------------------------------------


_ROLE_OF_WORD = {"can bo": "cán bộ", "cb": "cán bộ", "cong chuc": "công chức", "cc": "công chức",
                 "vien chuc": "viên chức", "vc": "viên chức"}
_ROLE_WORD_RE = re.compile(r"\b(?:can bo|cong chuc|vien chuc|cbccvc|cbcc|ccvc|cb|cc|vc)\b")
_TIER_OF_WORD = {"trung uong": "trung ương", "tw": "trung ương", "tinh": "tỉnh", "thanh pho": "tỉnh", "tp": "tỉnh",
                 "huyen": "huyện", "quan": "huyện", "thi xa": "huyện", "xa": "xã", "phuong": "xã",
                 "thi tran": "xã"}
_YES = {"co", "yes", "y", "true", "1", "x", "dung", "phai", "lanh dao", "quan ly", "lanh dao quan ly", "ldql"}
_NO = {"khong", "ko", "k", "no", "n", "false", "0", "khong phai", "sai"}


def normalise_role(value: str | None) -> str | None:
    """'cong chuc', 'CC', 'Công chức cấp xã' → 'công chức'; None when no single role is named."""
    found = {_ROLE_OF_WORD.get(m.group(0)) for m in _ROLE_WORD_RE.finditer(plain(value or ""))}
    return found.pop() if len(found) == 1 and None not in found else None  # CBCC names two roles: not one


def normalise_tier(value: str | None) -> str | None:
    """'cấp tỉnh', 'tinh', 'TW', 'phường' → 'tỉnh' / 'trung ương' / 'xã'; None otherwise."""
    words = re.sub(r"^cap\s+", "", plain(value or ""))
    return _TIER_OF_WORD.get(words)


def normalise_leader(value: str | bool | None) -> bool | None:
    """'có', 'co', 'yes', 'lãnh đạo' → True; 'không', 'ko', 'no' → False; None otherwise."""
    if isinstance(value, bool) or value is None:
        return value
    words = plain(value)
    return True if words in _YES else False if words in _NO else None


MIN_AGE, MAX_AGE = 16, 80


def normalise_age(value: str | int | None) -> int | None:
    """'35', '35 tuổi', 35 → 35; None for anything else or an age no official has."""
    if isinstance(value, int):
        age = value
    else:
        m = re.fullmatch(r"(\d{1,3})(?:\s*tuoi)?", plain(value or ""))
        if not m:
            return None
        age = int(m.group(1))
    return age if MIN_AGE <= age <= MAX_AGE else None


def normalise_text(value: str | None) -> str | None:
    """Free text (workplace, job): NFC, one tone placement, single spaces; None when empty."""
    text = collapse_whitespace(normalize(value or "")).strip(" ,.;")
    return text or None


# ---------------------------------------------------------------------------------------------
# parse_person: a free-text description
# ---------------------------------------------------------------------------------------------

_TIER_RES = [  # (pattern on folded text, tier): the first that matches wins
    (re.compile(r"\bcap (xa|phuong|huyen|quan|tinh|thanh pho|trung uong|tw)\b"), None),
    (re.compile(r"\b(?:trung uong|tw)\b"), "trung ương"),
    (re.compile(r"\b(?:ubnd|uy ban nhan dan|o|tai) (?:xa|phuong|thi tran)\b"), "xã"),
    (re.compile(r"\b(?:ubnd|uy ban nhan dan|o|tai) (?:huyen|quan|thi xa)\b"), "huyện"),
    (re.compile(r"\b(?:ubnd|uy ban nhan dan) (?:tinh|thanh pho)\b|\b(?:o|tai|thuoc|cua) so\b"), "tỉnh"),
]
_ANY_TIER_RE = re.compile(r"\b(xa(?! hoi)|phuong|thi tran|huyen)\b")
_NOT_LEADER_RE = re.compile(r"\bkhong (?:giu chuc vu|co chuc vu|phai (?:la )?lanh dao|la lanh dao|lanh dao|quan ly)\b"
                            r"|\b(?:chuyen vien|nhan vien)\b")
_LEADER_RE = re.compile(
    r"\b(?:lanh dao|ldql|quan ly(?! nha nuoc)|(?:pho )?truong (?:phong|ban|khoa|bo mon|tram|nhom|don vi)"
    r"|(?:pho )?(?:giam doc|chu tich|hieu truong|bi thu|vu truong|cuc truong|tong cuc truong|thu truong)"
    r"|chanh (?:van phong|thanh tra))\b")
# A post by its title (not "lãnh đạo, quản lý" in general): what a list of posts names ("Phó Bí thư, Phó Chủ tịch
# Ủy ban nhân dân cấp xã").
_TITLE_RE = re.compile(r"\b(?:pho )?(?:truong (?:phong|ban|khoa|bo mon|tram|nhom|don vi)|giam doc|chu tich"
                       r"|hieu truong|bi thu|vu truong|cuc truong|tong cuc truong|thu truong|chanh (?:van phong|thanh tra))\b")
_AGE_RE = re.compile(r"\b(\d{2})\s*tuoi\b|\btuoi\s*(?:la\s*)?(\d{2})\b")
# Where a phrase (workplace, job) ends: punctuation, a number, or the start of another piece of description.
# Bodies a workplace is named by; the first list, not a tier alone ("cán bộ xã"), may follow a role directly.
_BODY_WORDS = (r"so|phong|ban|ubnd|uy ban nhan dan|bo|cuc|chi cuc|tong cuc|vu|truong|benh vien|trung tam"
               r"|van phong|vien|hoc vien|dai hoc|cong an|kho bac|thanh tra|ngan hang|toa an|vien kiem sat|hoi"
               r"|co quan|don vi|tinh doan|thanh doan|huyen doan|cong doan|tong lien doan|lien doan|mat tran|tram y te"
               r"|tinh uy|thanh uy|huyen uy|quan uy|thi uy|dang uy|nganh")  # "ngành ngoại giao": a sector is where too
_AGENCY_WORDS = _BODY_WORDS + r"|xa|phuong|thi tran|huyen|quan|thi xa|tinh|thanh pho"
# A phrase ends at punctuation or where another piece of description starts; "Vụ Tổ chức cán bộ, Bộ Tư pháp" goes on.
_PHRASE_END = (rf"(?=,(?!\s*(?!truong (?:phong|ban|khoa|bo mon|tram|nhom)\b)(?:{_BODY_WORDS})\s)|[;.!?()\d]|\s(?:la|va la|giu|chuc vu|nam nay|hien nay|tuoi|lanh dao"
               r"|truong phong|pho truong|giam doc|o|tai|thuoc)\s|$)")
_WORKPLACE_RE = re.compile(
    rf"\b(?:o|tai|thuoc|cua)\s+(?P<place>(?:{_AGENCY_WORDS})\b.*?){_PHRASE_END}"
    rf"|(?P<office>\b(?:so|ubnd|uy ban nhan dan)\s+\w.*?){_PHRASE_END}"
    rf"|\b(?:can bo|cong chuc|vien chuc|cbccvc|cbcc|ccvc|bac si|giao vien|giang vien|chuyen vien|ke toan|dieu duong"
    rf"|y si|nhan vien|thanh tra vien|truong phong|pho truong phong)\s+(?P<staff>(?:{_BODY_WORDS})(?:\s+\w.*?)?)"
    rf"{_PHRASE_END}")
_JOB_RE = re.compile(
    r"\b(?P<job>(?:giao vien|giang vien|bao cao vien|chuyen gia|phien dich|bien dich|ke toan|bac si|ky su"
    r"|nghien cuu vien|chuyen trach|kiem nhiem|truc tiep"
    r"|(?:lam|phu trach|dam nhiem)(?! (?:viec|can bo|cong chuc|vien chuc|giao vien|giang vien|o|tai)\b)"
    r"|giang day|day (?:mon|tieng|hoc|lop)|vi tri)\b.*?)" + _PHRASE_END)


def _fold_same_length(text: str) -> str:
    """Lower-case, diacritic-free, one character per character, so spans found in it slice the text."""
    return "".join((strip_diacritics(ch.lower()) or ch)[0] for ch in text)


def parse_person(text: str, infer_role: bool = True) -> Person:
    """Fill what a free-text description says ('tôi là công chức cấp xã, 35 tuổi, trưởng phòng';
    'em la giao vien tieng anh'); the rest stays None. Workplace and job keep the person's own words. With
    infer_role, a role left unsaid is read from the workplace's kind (a Sở's staff are công chức); a dialogue form
    asking for the role takes only a role said ("Sở Tài chính có nhiệm vụ gì?" there is a question, not an answer)."""
    written = collapse_whitespace(normalize(text or ""))
    folded = _fold_same_length(written)
    # What the description denies ("không làm công tác đối ngoại") says nothing of what the person is or does.
    denials = [m for m in _DENIED_RE.finditer(folded) if not _NOT_LEADER_RE.match(folded, m.start())]  # leader: read
    said = written
    for m in denials:
        folded = folded[:m.start()] + " " * (m.end() - m.start()) + folded[m.end():]
        written = written[:m.start()] + " " * (m.end() - m.start()) + written[m.end():]
    # The first single role named ("cán bộ, công chức cấp xã" → cán bộ); CBCC, CCVC name several: skipped.
    # (not inside a unit's name: "chuyên viên Vụ Tổ chức cán bộ" names no cán bộ)
    units = unit_spans(folded)
    role = next((_ROLE_OF_WORD[m.group(0)] for m in _ROLE_WORD_RE.finditer(folded) if m.group(0) in _ROLE_OF_WORD
                 and not any(a <= m.start() < b for a, b in units)), None)

    tier = None
    for pattern, fixed in _TIER_RES:
        m = pattern.search(folded)
        if m:
            tier = fixed or normalise_tier(m.group(1))
            break
    # A provincial department; only when accented, since unaccented "so" is also số, sổ (unless a field follows:
    # "so tai chinh").
    if tier is None and (re.search(r"(?<!\w)(?:Sở|sở|SỞ)\s", written)
                         or any(unit.startswith("so ") for unit in named_units(folded)[0])):
        tier = "tỉnh"
    if tier is None:  # "… của một phường", "công chức địa chính xã": a commune named anywhere
        m = _ANY_TIER_RE.search(folded)
        tier = _TIER_OF_WORD.get(m.group(1)) if m else None
    if tier is None:  # "Hội Liên hiệp Phụ nữ tỉnh": a body of the province (not "ở tỉnh Lâm Đồng", a place)
        m = re.search(r"(?<!\w)(?:tỉnh|tinh)(?:\s+(?P<next>\w))?", written)
        if m and (m.group("next") is None or m.group("next").islower()) and m.start() > 0:
            tier = "tỉnh"

    leader = False if _NOT_LEADER_RE.search(folded) else True if _LEADER_RE.search(folded) else None
    titled = _TITLE_RE.search(folded) if leader else None
    title = written[titled.start():titled.end()] if titled else None

    age = None
    m = _AGE_RE.search(folded)
    if m:
        age = normalise_age(m.group(1) or m.group(2))

    workplace = None
    # Every place named ("trường THPT công lập ở huyện có đông đồng bào dân tộc thiểu số"), the first first
    places = []
    for m in _WORKPLACE_RE.finditer(folded):
        group = next(name for name in ("place", "office", "staff") if m.group(name) is not None)
        places.append(normalise_text(written[m.start(group):m.end(group)]))
    if places:
        workplace = ", ".join(dict.fromkeys(p for p in places if p)) or None
        if tier is None and re.search(r"(?:^|,\s*)bo\s(?!phan)\w", _fold_same_length(workplace or "")):
            tier = "trung ương"  # a ministry's own staff work at the centre

    if role is None and infer_role and titled and re.match(r"(?:pho )?(?:chu tich|bi thu)", titled.group(0)):
        role = "cán bộ"  # an elected post (Luật Cán bộ, công chức): "Phó Chủ tịch UBND xã"
    if role is None and infer_role and not _NOT_OFFICIAL_RE.search(folded):
        # Staff of a state body are công chức, of a public service unit viên chức (Luật Cán bộ, công chức; Luật
        # Viên chức): "chuyên viên Sở Kế hoạch và Đầu tư", "bác sĩ bệnh viện tỉnh".
        role = {"state": "công chức", "public_service": "viên chức"}.get(_body_kind(workplace))
    jobs = [normalise_text(written[m.start("job"):m.end("job")]) for m in _JOB_RE.finditer(folded)
            if not written[m.start("job")].isupper()]  # "ở tỉnh Lâm Đồng": a name, not "làm …"
    job = ", ".join(j for j in jobs if j) or None
    denied = ", ".join(d for d in (normalise_text(said[m.start("what"):m.end("what")]) for m in denials) if d)
    return Person(role, tier, leader, age, workplace, job, denied or None, title)


# Staff who are no officials: contract workers, employees.
_NOT_OFFICIAL_RE = re.compile(r"\b(?:hop dong|nhan vien|nguoi lao dong|lao dong|tap su|sinh vien|hoc sinh"
                              r"|ngoai cong lap|tu thuc|dan lap|tu nhan|doanh nghiep)\b")
# What a description says the person does not do or is not: "không làm công tác đối ngoại hay hội nhập".
_DENIED_RE = re.compile(r"\bkhong (?:phai (?:la )?|lam |day |thuoc |tham gia |phu trach )?(?P<what>[^,;.()]+)")


NONE_OF_THESE = "không"
_NONE_RE = re.compile(r"^(?:khong|ko|k|khong co|khong phai|khong thuoc (?:truong hop )?nao.*|binh thuong|khong ai)$")


def form_answer(field_name: str, text: str, requested: bool) -> str | bool | float | None:
    """One field of a person being asked about in a dialogue form ("role", "tier", "leader", "age",
    "special" = workplace or job): what a description in `text` says about it, or, when the form has just
    asked for this field, a bare answer ("35", "có", "cấp tỉnh", "không thuộc trường hợp nào")."""
    person = parse_person(text, infer_role=False)
    if field_name == "special":
        if requested and _NONE_RE.match(plain(text).strip(" .!")):
            return NONE_OF_THESE
        described = ", ".join(p for p in (person.workplace, person.job) if p)
        return described or (normalise_text(text) if requested else None)
    bare = {"role": normalise_role, "tier": normalise_tier, "leader": normalise_leader, "age": normalise_age}
    value = getattr(person, field_name)
    if value is None and requested:
        value = bare[field_name](text)
    return float(value) if field_name == "age" and value is not None else value


def person_from_form(values: dict) -> Person:
    """The Person a finished form describes (its values as form_answer gave them)."""
    special = values.get("special")
    described = parse_person(special) if special and special != NONE_OF_THESE else Person()
    age = values.get("age")
    return Person(role=normalise_role(values.get("role")), tier=normalise_tier(values.get("tier")),
                  leader=normalise_leader(values.get("leader")), age=int(age) if age is not None else None,
                  workplace=described.workplace,
                  job=described.job or (special if special and special != NONE_OF_THESE and not described.workplace
                                        else None))


# ---------------------------------------------------------------------------------------------
# person_from_input: the one reading of a person given as a description and/or fields (CLI, API, web form)
# ---------------------------------------------------------------------------------------------

MAX_DESCRIPTION_CHARS = 1000
MAX_FIELD_CHARS = 300
INPUT_FIELDS = ("description", "role", "tier", "leader", "age", "workplace", "job")
# How a person-facing adapter (web form, JSON API) names each input.
INPUT_TITLES = {"description": "Mô tả", "role": "Vai trò", "tier": "Cấp công tác",
                "leader": "Giữ chức vụ lãnh đạo, quản lý", "age": "Tuổi", "workplace": "Nơi công tác",
                "job": "Công việc, vị trí việc làm"}
INPUT_HINTS = {"description": f"nhập tối đa {MAX_DESCRIPTION_CHARS} ký tự",
               "role": f"chọn một trong: {', '.join(ROLES)}", "tier": f"chọn một trong: {', '.join(TIERS)}",
               "leader": "trả lời có hoặc không", "age": f"nhập số tuổi từ {MIN_AGE} đến {MAX_AGE}",
               "workplace": f"không được để trống, tối đa {MAX_FIELD_CHARS} ký tự",
               "job": f"không được để trống, tối đa {MAX_FIELD_CHARS} ký tự"}
NOTHING_GIVEN = ("Hãy mô tả người cần kiểm tra (ví dụ: \"công chức cấp xã, 35 tuổi, trưởng phòng\") hoặc chọn "
                 "vai trò, cấp công tác, chức vụ, tuổi, nơi công tác, công việc.")


class PersonInputError(ValueError):
    """One input cannot be read (`field`, the value given, a Vietnamese hint), or nothing at all was given
    (`field` None). Each adapter words it for its medium (a CLI flag, a form label)."""

    def __init__(self, field: str | None, value: Any = None, hint: str = "") -> None:
        self.field, self.value, self.hint = field, value, hint
        super().__init__(self.message())

    def message(self, name: str | None = None) -> str:
        """'Vai trò 'bác sĩ' không hợp lệ; chọn một trong: …' (`name` replaces the field's title)."""
        if self.field is None:
            return NOTHING_GIVEN
        shown = str(self.value)
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        return f"{name or INPUT_TITLES[self.field]} '{shown}' không hợp lệ; {self.hint}."


def _read_input(name: str, value: Any) -> Any:
    """One input normalised, or PersonInputError."""
    if name == "leader" and isinstance(value, bool):
        return value
    if name == "age" and isinstance(value, int) and not isinstance(value, bool):
        read = normalise_age(value)
    elif not isinstance(value, str):
        raise PersonInputError(name, value, INPUT_HINTS[name])
    elif len(value) > (MAX_DESCRIPTION_CHARS if name == "description" else MAX_FIELD_CHARS):
        raise PersonInputError(name, value, INPUT_HINTS[name])
    else:
        read = {"role": normalise_role, "tier": normalise_tier, "leader": normalise_leader, "age": normalise_age,
                "workplace": normalise_text, "job": normalise_text, "description": normalise_text}[name](value)
    if read is None:
        raise PersonInputError(name, value, INPUT_HINTS[name])
    return read


def person_from_input(description: Any = None, **fields: Any) -> Person:
    """The person a free-text description and/or fields describe; every field given overrides the description.
    Fields: role, tier, leader (bool or 'có'/'không'), age (int or '35'), workplace, job; None = not given.
    Raises PersonInputError for a value that cannot be read, and when nothing about the person was given."""
    unknown = set(fields) - set(INPUT_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    person = Person()
    if description is not None:
        text = _read_input("description", description) if not (isinstance(description, str)
                                                                and not description.strip()) else None
        person = parse_person(text) if text else Person()
    overrides = {name: _read_input(name, value) for name, value in fields.items() if value is not None}
    person = replace(person, **overrides)
    if person.leader is False and person.title:
        person = replace(person, title=None)  # "không" giữ chức vụ: the post the description named is not held
    if person == Person():
        raise PersonInputError(None)
    return person


# ---------------------------------------------------------------------------------------------
# Reading eligibility facts
# ---------------------------------------------------------------------------------------------

_FOLDED_ROLES = [plain(role) for role in FACT_ROLES]  # can bo, cong chuc, …, giao vien, giang vien, …
_ROLE_LIST_RE = re.compile(
    r"^(?:(?:các|những)\s+đối tượng\s+(?:là\s+)?)?(?:(?:các|đội ngũ|những|toàn bộ|toàn thể)\s+)?"
    r"(?:(?:" + "|".join(FACT_ROLES) + r"|CBCCVC|CBCNVC|CBCC|CCVC)"
    r"\b[\s,]*(?:(?:và|hoặc)\s+)?)+", re.I)
_PURPOSE_RE = re.compile(r"\s+(?:sẽ|để|nhằm|được cử|được tham gia)\s.*$", re.I)
_PIECE_CUT_RE = re.compile(r"\s+(?=(?:thuộc|của|tại|trong|ở|có|làm|đang|trên|dạy|giữ|đối với)\s)", re.I)
# Administrative tiers a group names, read from its diacritic-free words (punctuation gone): "cấp tỉnh, cấp huyện, cấp
# xã", "các cấp trung ương, tỉnh/thành, huyện, xã", "từ tỉnh đến cơ sở", "cấp huyện trở lên", "xã, phường, thị trấn";
# "các cấp", "từ trung ương đến địa phương" name them all.
_TIER_WORD = r"(?:trung uong|tw|tinh|thanh pho|thanh|huyen|quan|thi xa|xa(?! hoi)|phuong|thi tran|co so|dia phuong)"
_TIER_OF = {"trung uong": 0, "tw": 0, "tinh": 1, "thanh pho": 1, "thanh": 1, "huyen": 2, "quan": 2, "thi xa": 2,
            "xa": 3, "phuong": 3, "thi tran": 3, "co so": 3}
_TIER_LIST_RE = re.compile(rf"\bcap ({_TIER_WORD}(?: (?:va |hoac )?(?:cap )?{_TIER_WORD}\b)*)(?: tro (len|xuong))?")
_TIER_RANGE_RE = re.compile(rf"\btu (?:cap )?({_TIER_WORD}) (?:den|toi) (?:cap )?({_TIER_WORD})\b")
_ALL_TIERS_RE = re.compile(r"\b(?:cac|moi) cap\b|\btrung uong va dia phuong\b")
# "các cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh": the People's Committee of one tier.
_COMMITTEE_TIER_RE = re.compile(rf"\b(?:uy ban nhan dan|ubnd) (?:cap )?({_TIER_WORD})\b")
_COMMUNES_RE = re.compile(r"\bxa phuong thi tran\b")
# "cán bộ, công chức xã (phường, thị trấn)", "cán bộ, công chức ở Trung ương" ("công chức tỉnh X" may mean the
# whole province: not read).
_ROLE_TIER_RE = re.compile(r"\b(?:can bo|cong chuc|vien chuc) (?:(?:o |tai )?cac )?(xa(?! hoi)|phuong|thi tran)\b"
                           r"|\bo (trung uong)\b")


def tiers_named(text: str) -> frozenset[str]:
    """The tiers (of TIERS) a group of people is limited to; empty when it names none or all of them."""
    folded = plain(text)
    found: set[int] = set()
    for m in _TIER_RANGE_RE.finditer(folded):
        first = 1 if m.group(1) == "dia phuong" else _TIER_OF[m.group(1)]
        last = 3 if m.group(2) == "dia phuong" else _TIER_OF[m.group(2)]
        found.update(range(min(first, last), max(first, last) + 1))
    for m in _TIER_LIST_RE.finditer(folded):
        named = [_TIER_OF[w] for w in re.findall(_TIER_WORD, m.group(1)) if w in _TIER_OF]
        if m.group(2) == "len":  # "từ cấp huyện trở lên"
            named = list(range(0, max(named) + 1))
        elif m.group(2) == "xuong":
            named = list(range(min(named), 4))
        found.update(named)
    if _COMMUNES_RE.search(folded):
        found.add(3)
    found.update(_TIER_OF[m.group(1) or m.group(2)] for m in _ROLE_TIER_RE.finditer(folded))
    for m in _COMMITTEE_TIER_RE.finditer(folded):
        if m.group(1) in _TIER_OF:
            found.add(_TIER_OF[m.group(1)])
    if (_ALL_TIERS_RE.search(folded) and not found) or len(found) == len(TIERS):
        return frozenset()
    return frozenset(TIERS[i] for i in found)


def _tier_names(tiers: frozenset[str]) -> str:
    return ", ".join(t for t in TIERS if t in tiers)

# Words that do not narrow who is meant: connectors, work verbs, generic workplaces and levels, and the
# vocabulary of job requirements. Longest phrases are removed first.
_GENERIC_PHRASES = sorted([
    "cac", "nhung", "moi", "toan bo", "doi ngu", "va", "hoac", "voi", "cua", "thuoc", "tai", "trong", "o", "tren",
    "dang", "doi voi", "mon", "co", "la", "duoc", "giu", "chuc vu", "lam viec", "cong tac", "lam",
    "co quan hanh chinh", "co quan nha nuoc", "co quan", "don vi su nghiep cong lap", "don vi su nghiep", "don vi",
    "to chuc chinh tri xa hoi", "to chuc", "nha nuoc", "bo nganh", "bo ban nganh", "so ban nganh", "ban nganh",
    "nganh", "dia phuong", "dia ban", "trung uong",
    "tinh", "thanh pho", "quan", "huyen", "thi xa", "xa", "phuong", "thi tran", "cap",
    "vi tri viec lam", "vi tri", "viec lam", "yeu cau", "trinh do chuyen mon", "trinh do", "chuyen mon", "tro len",
    "linh vuc", "he thong", "quan ly nha nuoc ve", "ve",  # "quản lý nhà nước về tôn giáo": the field is what narrows
    "tu", "den", "toi", "co so", "tro xuong",  # tiers ("từ tỉnh đến cơ sở") are read apart, by tiers_named
], key=len, reverse=True)
_GENERIC_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, _GENERIC_PHRASES)) + r")\b")

# Words a person's description implies: a teacher (nhà giáo) teaches, in a school (a cơ sở giáo dục, đào tạo); a
# named foreign language is a "ngoại ngữ"; a Sở or Phòng Ngoại vụ belongs to the foreign-affairs sector.
_IMPLIED = [
    (re.compile(r"\b(?:giao vien|giang vien|giang day|day)\b"), "day giang day"),
    (re.compile(r"\b(?:giao vien|giang vien)\b"), "nha giao truong co so giao duc dao tao"),
    (re.compile(r"\btieng (?:anh|phap|trung|nga|nhat|han|duc|lao|khmer|thai|tay ban nha|bo dao nha|y)\b"
                r"|\bngon ngu\b"), "ngoai ngu"),
    (re.compile(r"\b(?:bac si|y si|y ta|dieu duong|duoc si|ho sinh|benh vien|tram y te|trung tam y te)\b"), "y te"),
    # "được quy hoạch phó trưởng phòng": planned for a leading post
    (re.compile(r"\bquy hoach\b"), "quy hoach giu chuc vu lanh dao quan ly"),
]
# A Sở is a specialised body of the provincial People's Committee, a district's Phòng one of the district's (read
# from the workplace only: unaccented "so" is also số).
_WORKPLACE_IMPLIED = [
    (re.compile(r"(?<!\w)[Ss]ở\s|^so\s\w", re.I), "co quan chuyen mon uy ban nhan dan tinh"),
    (re.compile(r"^phong\s.*\b(?:huyen|quan|thi xa)\b", re.I), "co quan chuyen mon uy ban nhan dan huyen"),
]
# Words a description may imply: an exclusion they complete is only possible ("nếu …"). A Sở or Phòng Ngoại vụ
# works in foreign affairs, which a document may or may not count as the diplomatic sector (ngành ngoại giao).
_MAYBE_IMPLIED = [(re.compile(r"\bngoai vu\b"), "ngoai giao doi ngoai")]
# A viên chức works, by law, in a public service unit (đơn vị sự nghiệp công lập).
_ROLE_IMPLIES = {"vien chuc": "cong lap"}


@lru_cache(maxsize=50_000)
def _key_runs(text: str) -> list[list[str]]:
    """The runs of words of a qualifier that narrow it: 'dạy môn ngoại ngữ' → [[day], [ngoai, ngu]]."""
    marked = _GENERIC_RE.sub(" | ", plain(replace_abbreviations(without_misspellings(text))))
    return [run.split() for run in marked.split("|") if run.split()]


def _key_words(text: str) -> set[str]:
    """The words of a qualifier that narrow it: 'tại Sở Ngoại vụ' → {so, ngoai, vu}."""
    return {word for run in _key_runs(text) for word in run}


def _terms(text: str) -> set[str]:
    """Words and pairs of adjacent words of a diacritic-free text."""
    words = text.split()
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}


@dataclass
class _Part:
    """One kind of person an eligibility fact names: roles, tier, and qualifier pieces."""

    fact: Fact
    who: str  # the part as the document words it, without its purpose tail
    roles: frozenset[str]  # folded role words
    tiers: frozenset[str]  # the tiers it is limited to (none: every tier)
    pieces: tuple[str, ...]  # specific qualifier pieces, document wording
    conditions: tuple[str, ...]  # parenthesised conditions (exclusions), document wording


# "cán bộ, công chức trong các cơ quan Nhà nước, viên chức trong các đơn vị sự nghiệp công lập": a role after a
# comma, once the roles before it have their own qualifier, starts another kind of person.
_NEXT_GROUP_RE = re.compile(r",\s+(?=(?:các\s+|những\s+)?(?:" + "|".join(FACT_ROLES) + r"|CBCCVC|CBCC|CCVC)\b)", re.I)


_AND_ROLE_RE = re.compile(r"\s+(?:và|hoặc)\s+(?=(?:các\s+|những\s+)?(?:" + "|".join(FACT_ROLES) + r")\b)", re.I)


def _groups(who: str) -> list[str]:
    """The kinds of person a "who" names: its ';'-parts, each cut again before a role that follows a qualifier
    ("đại biểu HĐND cấp xã và viên chức trong các đơn vị sự nghiệp công lập": two kinds)."""
    out = []
    for raw in _with_listed_units(who.split(";")):
        if not _ROLE_LIST_RE.match(raw.strip()):
            other = _AND_ROLE_RE.search(raw)
            if other:
                out.append(raw[:other.start()])
                raw = raw[other.end():]
        rest = raw
        while True:
            head = _ROLE_LIST_RE.match(rest.strip())
            skip = len(rest) - len(rest.lstrip()) + (head.end() if head else 0)
            cut = _NEXT_GROUP_RE.search(rest, skip) if head and skip < len(rest) else None
            if cut is None or not rest[skip:cut.start()].strip(" ,"):
                out.append(rest)
                break
            out.append(rest[:cut.start()])
            rest = rest[cut.end():]
    return out


def _with_listed_units(raws: list[str]) -> list[str]:
    """';'-parts, each unit of a group's "gồm: A; B; C" kept with it ("… gồm: Ban Tôn giáo; Phòng Nội vụ")."""
    out: list[str] = []
    for raw in raws:
        if out and unit_of_group(raw, out[-1]):
            out[-1] += ";" + raw
        else:
            out.append(raw)
    return out


def _parts(fact: Fact) -> list[_Part]:
    """The kinds of person an eligibility fact names (read once per wording: a check runs over every fact for every
    value a missing field may take)."""
    data = fact.data
    return [_Part(fact, *read) for read in _read_parts(data.get("who", ""), tuple(data.get("conditions") or ()),
                                                        tuple(data.get("roles") or ()))]


@lru_cache(maxsize=20_000)
def _read_parts(who_text: str, fact_conditions: tuple[str, ...], fact_roles: tuple[str, ...]) -> tuple[tuple, ...]:
    parts = []
    raw_parts = _groups(who_text)
    for raw in raw_parts:
        who = _PURPOSE_RE.sub("", raw.strip()).strip(" ,.")
        if not who:
            continue
        head = _ROLE_LIST_RE.match(who)
        listed = who[:head.end()] if head else ""
        rest = who[head.end():] if head else who
        # Only the leading list counts: "giảng viên … bồi dưỡng CCVC" is about giảng viên, not CCVC.
        roles = {r for r in _FOLDED_ROLES if re.search(rf"\b{r}\b", plain(replace_abbreviations(listed)))}
        if not head and len(raw_parts) == 1:  # worded otherwise ("Người … là công chức"): the roles it names
            roles = {plain(r) for r in fact_roles}
        pieces = [p.strip(" ,") for p in _PIECE_CUT_RE.split(rest) if _key_words(p)]
        conditions = [c for c in fact_conditions if _key_words(c)]
        parts.append((who, frozenset(roles), tiers_named(who), tuple(pieces), tuple(conditions)))
    return tuple(parts)


def _described(person: Person) -> list[str]:
    """What the person said about their workplace and job, diacritic-free, one text each."""
    return [plain(replace_abbreviations(text)) for text in (person.workplace, person.job) if text]


def _maybe_words(person: Person) -> set[str]:
    """Words and word pairs the description may imply (see _MAYBE_IMPLIED)."""
    said = " ".join(_described(person))
    return {term for pattern, implied in _MAYBE_IMPLIED if pattern.search(said) for term in _terms(implied)}


def _person_words(person: Person) -> set[str]:
    """Words and adjacent word pairs of the description and of what it implies: a qualifier holds when its words
    are there and its runs of words are runs of the description too ("ngoại giao" is not "giáo … ngoại ngữ")."""
    texts = _described(person)
    said = " ".join(texts)
    if person.title:  # "Phó Chủ tịch" of "UBND xã": the post and the body, one run of words
        texts.append(plain(replace_abbreviations(" ".join(filter(None, (person.title, person.workplace))))))
    texts += [implied for pattern, implied in _IMPLIED if pattern.search(said)]
    if person.workplace:
        texts += [implied for pattern, implied in _WORKPLACE_IMPLIED
                  if pattern.search(person.workplace) or pattern.search(plain(person.workplace))]
    texts.append(_ROLE_IMPLIES.get(plain(person.role or ""), ""))
    if person.leader:
        texts.append("giu chuc vu lanh dao quan ly")
    return {term for text in texts for term in _terms(text)}


def _denied_words(person: Person) -> set[str]:
    return _terms(plain(replace_abbreviations(person.denied or "")))


def _denied(piece: str, denied: set[str]) -> bool:
    """The description denies what a piece asks for: two of its narrowing words, side by side ("hội nhập")."""
    return any(f"{a} {b}" in denied for run in _key_runs(piece) for a, b in zip(run, run[1:]))


def _person_roles(person: Person) -> set[str]:
    """The role, and any role word the job names (giáo viên, giảng viên, chuyên gia …)."""
    roles = {plain(person.role)} if person.role else set()
    job = plain(person.job or "")
    return roles | {r for r in _FOLDED_ROLES if re.search(rf"\b{r}\b", job)}


def _holds(text: str, words: set[str]) -> bool:
    return all(word in words for run in _key_runs(text) for word in run) and all(
        f"{a} {b}" in words for run in _key_runs(text) for a, b in zip(run, run[1:]))


_ALTERNATIVES_RE = re.compile(r"\s*,\s*|\s+(?:hoặc|và)\s+", re.I)


def _holds_any(piece: str, words: set[str]) -> bool:
    """A piece of who is covered may list workplaces ("trong các cơ quan Đảng, Nhà nước, tổ chức chính trị - xã
    hội"): it holds when the whole does, or one of its places is generic (any official works in one) or held."""
    if _holds(piece, words):
        return True
    alternatives = [a for a in _ALTERNATIVES_RE.split(piece) if a.strip()]
    return len(alternatives) > 1 and any(not _key_words(a) or _holds(a, words) for a in alternatives)


_PLACE_PIECE_RE = re.compile(r"^(?:(?:đang\s+)?(?:công tác|làm việc)\s+)?(?:tại|ở|trong|thuộc|của)\s+|^(?=[A-ZĐ])")


def _names_a_place(piece: str) -> bool:
    """A qualifier that names a particular body: "tại cơ quan Tổng LĐLĐ Việt Nam", "Bộ Tư pháp" (not "trong các
    cơ quan chuyên môn", which a description may word otherwise)."""
    start = _PLACE_PIECE_RE.match(piece)
    return start is not None and any(word[:1].isupper() for word in piece[start.end():].split()[1:] + (
        piece[start.end():].split()[:1] if start.end() == 0 else []))


# The kinds of body an "áp dụng" piece may limit to (read in the document's accented words: "đảng" is not "đang"),
# and how a person's workplace shows which kind theirs is (diacritic-free: descriptions are typed both ways). A Đoàn,
# Hội or Mặt trận is no cơ quan nhà nước; a school or a hospital is a đơn vị sự nghiệp.
_BODY_KINDS_NAMED = {
    "party": re.compile(r"\bđảng\b"),
    "state": re.compile(r"\bnhà nước\b|\bcơ quan hành chính\b|\bcơ quan chuyên môn\b|\bbộ\b|\bngành\b|\bsở\b"
                       r"|\bđịa phương\b|\bủy ban nhân dân\b"),
    "mass": re.compile(r"\bchính trị\s*-?\s*xã hội\b|\bđoàn thể\b"),
    "public_service": re.compile(r"\bsự nghiệp\b|\btrường\b|\bviện\b|\bbệnh viện\b|\bcơ sở (?:đào tạo|giáo dục|y tế)"),
}
_BODY_KIND_OF_WORKPLACE = [
    ("party", re.compile(r"\b(?:tinh uy|thanh uy|huyen uy|quan uy|thi uy|dang uy|ban tuyen giao|ban dan van"
                         r"|ban to chuc (?:tinh|thanh|huyen|quan|trung uong)|uy ban kiem tra|ban noi chinh)\b")),
    ("mass", re.compile(r"\b(?:tinh doan|thanh doan|huyen doan|quan doan|doan thanh nien|hoi lien hiep phu nu"
                        r"|hoi phu nu|hoi nong dan|hoi cuu chien binh|mat tran to quoc|cong doan|lien doan lao dong)\b")),
    ("public_service", re.compile(r"\b(?:truong|benh vien|trung tam|hoc vien|dai hoc|vien|bao tang|thu vien"
                                  r"|tram y te)\b")),
    ("state", re.compile(r"\b(?:so|uy ban nhan dan|ubnd|bo|cuc|chi cuc|tong cuc|vu|phong|van phong|thanh tra"
                         r"|kho bac|toa an|vien kiem sat|hoi dong nhan dan|co quan nha nuoc)\b")),
]


# "các cơ quan, đơn vị" of no kind: any body.
_ANY_BODY_RE = re.compile(r"\b(?:cơ quan|đơn vị)\b(?!\s+(?:của\s+)?(?:đảng|nhà nước|hành chính|chuyên môn|sự nghiệp))")


def _body_kinds_named(texts: list[str]) -> set[str]:
    """The kinds of body a group is limited to (none: any)."""
    text = " ".join(texts).lower()
    if _ANY_BODY_RE.search(text):
        return set()
    return {kind for kind, pattern in _BODY_KINDS_NAMED.items() if pattern.search(text)}


def _body_kind(workplace: str | None) -> str | None:
    """The kind of body a workplace is (the first named: "Trường THPT …, Sở GD&ĐT" is a school)."""
    text = plain(replace_abbreviations(workplace or ""))
    found = [(m.start(), kind) for kind, pattern in _BODY_KIND_OF_WORKPLACE for m in [pattern.search(text)] if m]
    return min(found)[1] if found else None


_CENTRAL_RE = re.compile(r"\btrung uong\b|\bviet nam\b|^(?:(?:dang )?(?:lam viec|cong tac) )?(?:tai|o|thuoc|cua)?"
                         r"\s*(?:cac |co quan )?(?:bo|tong cuc|tong lien doan)\b")
_LOCAL_TIER_RE = re.compile(r"\b(?:tinh|thanh pho|huyen|(?<!co )quan|thi xa|xa(?! hoi)|phuong|thi tran|dia phuong"
                            r"|co so)\b")


def _central_only(piece: str) -> bool:
    """A piece naming central bodies only ("tại cơ quan Tổng LĐLĐ Việt Nam", "các Công đoàn ngành trung ương")."""
    folded = plain(piece)
    return bool(_CENTRAL_RE.search(folded)) and not _LOCAL_TIER_RE.search(folded)


# What a teacher's description may add to "giáo viên": where, not what they teach.
_SCHOOL_WORDS = re.compile(r"\b(?:giao vien|giang vien|nha giao|truong|thpt|thcs|tieu hoc|mam non|pho thong|trung hoc"
                           r"|co so|cong lap|ngoai cong lap|dai hoc|cao dang|hoc vien|lop|khoi|day|giang day|mon|cap"
                           r"|\d+)\b")


def _names_what_they_teach(person: Person) -> bool:
    """Whether a teacher's description says more than where they teach ("giáo viên toán", not "giáo viên trường
    THPT công lập")."""
    rest = _GENERIC_RE.sub(" ", _SCHOOL_WORDS.sub(" ", plain(person.job or "")))
    return bool(rest.split())


def _readable(condition: str) -> str:
    """'đối với các vị trí việc làm yêu cầu …' → 'vị trí việc làm yêu cầu …' (to follow 'nếu')."""
    return re.sub(r"^(?:đối với|với)\s+(?:các\s+|những\s+)?", "", condition.strip(), flags=re.I)


def _role_names(roles: set[str]) -> str:
    return ", ".join(r for r in FACT_ROLES if plain(r) in roles)


_TEACHING_ROLES = {"giao vien", "giang vien"}


@dataclass
class _Verdict:
    status: str
    reason: str
    facts: list[Fact]


def _exclusion(parts: list[_Part], person: Person, words: set[str], roles: set[str],
               maybe: frozenset[str] | set[str] = frozenset()) -> _Verdict | None:
    """The strongest 'không áp dụng' part the person matches: fully (excluded) or but for conditions (excluded_if)."""
    partial: list[tuple[_Part, list[str], str]] = []
    for part in parts:
        unconfirmed = []
        if part.roles and not part.roles & roles:
            if roles:
                continue  # another kind of person
            unconfirmed.append(f"bạn là {_role_names(part.roles)}")
        if part.tiers and person.tier not in part.tiers:
            if person.tier is not None:
                continue  # another tier
            unconfirmed.append(f"bạn công tác ở cấp {_tier_names(part.tiers)}")
        if not part.roles and not part.pieces:
            continue  # nothing to match a person on
        unheld = [piece for piece in part.pieces if not _holds(piece, words)]
        # a teacher excluded for what they teach ("giáo viên dạy môn ngoại ngữ"), who did not say what it is
        unsaid = bool(part.roles & roles & _TEACHING_ROLES) and not _names_what_they_teach(person)
        if unheld and not unsaid and not any(_holds(piece, words | maybe) for piece in part.pieces):
            continue  # the exclusion names a workplace or job the person did not state
        # "Công chức Sở Ngoại vụ làm công tác biên dịch" for a công chức of the Sở: excluded if the rest holds too
        unconfirmed += [_readable(piece) for piece in unheld]
        unconfirmed += [_readable(c) for c in part.conditions if not _holds(c, words)]
        quoted = part.who + (f" ({'; '.join(part.fact.data.get('conditions', []))})"
                             if part.fact.data.get("conditions") else "")
        if not unconfirmed:
            return _Verdict(EXCLUDED, f"Thuộc đối tượng không áp dụng: «{quoted}».", [part.fact])
        partial.append((part, unconfirmed, quoted))
    if not partial:
        return None
    reason = " ".join(f"Không áp dụng nếu {' và '.join(unconfirmed)}: văn bản loại trừ «{quoted}»."
                      for _, unconfirmed, quoted in partial)
    return _Verdict(EXCLUDED_IF, reason, [part.fact for part, _, _ in partial])


def _coverage(parts: list[_Part], person: Person, words: set[str], roles: set[str]) -> _Verdict:
    """Applies, possible, not covered or unknown, from the 'áp dụng' parts."""
    if not parts:
        return _Verdict(UNKNOWN, "Văn bản không nêu đối tượng áp dụng.", [])
    everyone = "; ".join(f"«{p.who}»" for p in parts)
    if not roles:
        return _Verdict(UNKNOWN, f"Chưa xác định: cần biết bạn là cán bộ, công chức hay viên chức. Văn bản áp dụng "
                                 f"cho {everyone}.", [p.fact for p in parts])
    possible: list[tuple[_Part, list[str]]] = []
    body_kind, denied = _body_kind(person.workplace), _denied_words(person)
    for part in parts:
        if part.roles and not part.roles & roles:
            continue
        needs = []
        if part.tiers and person.tier not in part.tiers:
            if person.tier is not None:
                continue  # another tier
            needs.append(f"công tác ở cấp {_tier_names(part.tiers)}")
        kinds = _body_kinds_named([_ROLE_LIST_RE.sub("", part.who, count=1)])  # the roles' "cán bộ" is no Bộ
        if kinds and body_kind and body_kind not in kinds:
            continue  # "trong các cơ quan Nhà nước" for someone working at a Tỉnh đoàn
        unstated = [p for p in part.pieces if not _holds_any(p, words)]
        listing = _listed(part.who, words)
        if listing is not None:
            held, posts, listed = listing
            if not held:
                if person.workplace and not posts:
                    continue  # the bodies listed are not where they said they work
                listing = None
        if listing is not None:
            if posts:
                return _Verdict(APPLIES, f"Thuộc đối tượng áp dụng: «{part.who}».", [part.fact])
            # one of the bodies listed is theirs: where the group works is said; what it does still asks
            unstated = [p for p in unstated if not _PLACE_PIECE_RE.match(p) and p not in listed]
        if person.workplace and any(_names_a_place(p) for p in unstated):
            continue  # "tại cơ quan Tổng LĐLĐ Việt Nam" for someone who said they work elsewhere
        if person.tier not in (None, "trung ương") and any(_central_only(p) for p in unstated):
            continue  # "tại các Công đoàn ngành trung ương" for someone working at a commune
        if any(_denied(p, denied) for p in unstated):
            continue  # "có kinh nghiệm … hội nhập quốc tế" for someone who said they do no such work
        if unstated:
            needs.append(" ".join(unstated))
        if not needs:
            return _Verdict(APPLIES, f"Thuộc đối tượng áp dụng: «{part.who}».", [part.fact])
        possible.append((part, needs))
    if possible:
        options = "; hoặc ".join(f"«{part.who}» (tùy điều kiện: {' và '.join(needs)})" for part, needs in possible)
        return _Verdict(POSSIBLE, f"Có thể thuộc đối tượng áp dụng: {options}.",
                        _unique([part.fact for part, _ in possible]))
    return _Verdict(NOT_COVERED, f"Không thuộc đối tượng áp dụng: văn bản chỉ áp dụng cho {everyone}.",
                    [p.fact for p in parts])


# "… ở cấp cơ sở: Phó Bí thư, Phó Chủ tịch Ủy ban nhân dân cấp xã", "… của các ban, ngành, đoàn thể gồm: Mặt trận Tổ
# quốc Việt Nam, Hội Nông dân Việt Nam": the list a group ends with.
_LISTING_RE = re.compile(r"(?:\bgồm|:)\s*:?\s*(?P<listed>[^:]+)$", re.I)
_POST_RE = re.compile(r"^(?:Phó\s+)?(?:Chủ tịch|Bí thư|Giám đốc|Trưởng|Chánh|Thủ trưởng|Hiệu trưởng|Vụ trưởng"
                      r"|Cục trưởng)\b", re.I)
_NATIONWIDE_RE = re.compile(r"\s+(?:Việt Nam|VN)$")
_LISTED_ITEM_RE = re.compile(r"\s*;\s*|" + _ALTERNATIVES_RE.pattern, re.I)


def _listed(who: str, words: set[str]) -> tuple[bool, bool, str] | None:
    """A group that ends with a list of posts or bodies: (whether the person holds one, whether it lists posts, the
    listed text). A post listed says who the group is; a body listed is where, and the group's other words still ask
    something of them ("làm công tác tôn giáo"). A national organisation is named with its system ("Hội Nông dân
    Việt Nam" is every level's Hội Nông dân)."""
    m = _LISTING_RE.search(who)
    if m is None:
        return None
    items = [i.strip() for i in _LISTED_ITEM_RE.split(m.group("listed")) if i and _key_words(i)]
    if len(items) < 2 and ";" not in who:
        return None
    held = [i for i in items if _holds(_NATIONWIDE_RE.sub("", i), words)]
    posts = all(_POST_RE.match(i) for i in (held or items))
    return bool(held), posts, m.group("listed")


def _unique(facts: list[Fact]) -> list[Fact]:
    return [f for i, f in enumerate(facts) if all(f is not g for g in facts[:i])]


def _eligibility(facts: list[Fact], person: Person) -> _Verdict:
    if not _person_roles(person) and (person.workplace or person.job) and any(f.data.get("applies") for f in facts):
        # The role is not said: when the document says the same of a cán bộ, a công chức and a viên chức described
        # so, that is its answer ("giáo viên trường THCS ở tỉnh X" under a plan for every CBCCVC of the province)
        verdicts = [_eligibility(facts, replace(person, role=role)) for role in ROLES]
        if len({v.status for v in verdicts}) == 1 and verdicts[0].status != POSSIBLE:
            first = verdicts[0]
            return _Verdict(first.status, f"Dù là cán bộ, công chức hay viên chức: {first.reason[:1].lower()}"
                                          f"{first.reason[1:]}", first.facts)
    words, roles = _person_words(person), _person_roles(person)
    applying = [p for f in facts if f.data.get("applies") for p in _parts(f)]
    excluding = [p for f in facts if not f.data.get("applies") for p in _parts(f)]
    coverage = _coverage(applying, person, words, roles)
    exclusion = _exclusion(excluding, person, words, roles, _maybe_words(person))
    if exclusion is None or (exclusion.status == EXCLUDED_IF and coverage.status == NOT_COVERED):
        return coverage  # an exclusion that may hold changes nothing for someone not covered anyway
    if exclusion.status == EXCLUDED:
        return exclusion
    otherwise = coverage.reason[:1].lower() + coverage.reason[1:]
    return _Verdict(EXCLUDED_IF, f"{exclusion.reason} Nếu không: {otherwise}", exclusion.facts + coverage.facts)


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------

_LEADER_GROUP_RE = re.compile(r"\b(?:lanh dao|quan ly)\b")
# A condition that says where the effort goes ("tập trung vào … dưới 40 tuổi") does not narrow the group.
_FOCUS_RE = re.compile(r"^(?:tap trung|uu tien|chu trong|trong do|dac biet)\b")


def _group_of(fact: Fact) -> tuple[set[str], frozenset[str], bool]:
    """Roles, tiers and leadership a target's group names (from its group_key; tiers from its words)."""
    key = fact.data.get("group_key") or plain(fact.data.get("group", ""))
    roles = {r for r in _FOLDED_ROLES if re.search(rf"\b{r}\b", key)}
    tiers = tiers_named(fact.data.get("group", "")) or tiers_named(key)
    return roles, tiers, bool(_LEADER_GROUP_RE.search(key))


def _binding_age(fact: Fact) -> tuple[int, bool] | None:
    """(max_age, strict) when a condition limits the group by age; None for an age named only as a focus."""
    max_age = fact.data.get("max_age")
    if not max_age:
        return None
    limiting = [c for c in fact.data.get("conditions", [])
                if "tuoi" in plain(c) and not _FOCUS_RE.match(plain(c))]
    if not limiting:
        return None
    return max_age, any(re.search(rf"\bduoi {max_age}\b", plain(c)) for c in limiting)


def _targets(index: KnowledgeIndex, facts: list[Fact], person: Person) -> list[TargetMatch]:
    roles = _person_roles(person)
    if not roles:
        return []
    groups = {id(f): _group_of(f) for f in facts}
    # Tiers that have groups of their own for this person's roles: "cán bộ, công chức" then means the other tiers.
    own_tiers = [t for t in TIERS if any(t in tiers for g_roles, tiers, _ in groups.values()
                                          if not g_roles or g_roles & roles)]
    matches = []
    for fact in facts:
        g_roles, g_tiers, g_leader = groups[id(fact)]
        if g_roles and not g_roles & roles:
            continue
        depends = []
        if g_tiers:
            if person.tier is None:
                depends.append(f"nếu công tác ở cấp {_tier_names(g_tiers)}")
            elif person.tier not in g_tiers:
                continue
        elif own_tiers:
            if person.tier in own_tiers:
                continue
            if person.tier is None:
                depends.append(f"nếu không công tác ở cấp {', '.join(own_tiers)}")
        if g_leader:
            if person.leader is False:
                continue
            if person.leader is None:
                depends.append("nếu giữ chức vụ lãnh đạo, quản lý")
        age_limit = _binding_age(fact)
        if age_limit and person.age is not None:
            max_age, strict = age_limit
            if person.age > max_age or (strict and person.age == max_age):
                continue
        data = fact.data
        matches.append(TargetMatch(data.get("year"), data.get("percent"), data.get("group", ""), data.get("level"),
                                   data.get("level_text", ""), data.get("subject", ""),
                                   list(data.get("conditions", [])), depends, _fact_citation(index, fact),
                                   fact.start))
    return sorted(matches, key=lambda t: (t.year or 0, t.fact_start))


# ---------------------------------------------------------------------------------------------
# check_person
# ---------------------------------------------------------------------------------------------


def _check_document(index: KnowledgeIndex, doc_id: str, person: Person) -> DocumentCheck:
    facts = facts_of(index, doc_id)
    verdict = _eligibility([f for f in facts if f.kind == "eligibility"], person)
    targets = (_targets(index, [f for f in facts if f.kind == "target"], person)
               if verdict.status in TARGETS_COUNT else [])
    citations: list[Citation] = []
    for fact in verdict.facts:
        citation = _fact_citation(index, fact)
        if all(c.quote != citation.quote for c in citations):
            citations.append(citation)
    return DocumentCheck(doc_id, index.doc_label(doc_id), verdict.status, verdict.reason, citations, targets)


def _outcome(check: DocumentCheck) -> tuple:
    return check.status, tuple((t.fact_start, tuple(t.depends_on)) for t in check.targets)


def _trial_values(index: KnowledgeIndex, doc_id: str, name: str) -> list[Any]:
    """Values worth trying for a missing field: every canonical value, or what the document's facts name."""
    facts = facts_of(index, doc_id)
    if name == "role":
        return list(ROLES)
    if name == "tier":
        return list(TIERS)
    if name == "leader":
        return [True, False]
    if name == "age":
        limits = {limit[0] for f in facts if f.kind == "target" for limit in [_binding_age(f)] if limit}
        return sorted({age for m in limits for age in (m - 1, m + 1)})
    texts = []  # workplace, job: the specific pieces and conditions of the eligibility facts
    for fact in facts:
        if fact.kind == "eligibility":
            for part in _parts(fact):
                texts += [*part.pieces, *part.conditions, " ".join((*part.pieces, *part.conditions))]
    return list(dict.fromkeys(t for t in texts if t))


def _missing(index: KnowledgeIndex, check: DocumentCheck, person: Person) -> list[str]:
    """The unknown fields of the person that would change this document's result."""
    missing = []
    for name in PERSON_FIELDS:
        if getattr(person, name) is not None:
            continue
        for value in _trial_values(index, check.doc_id, name):
            if _outcome(_check_document(index, check.doc_id, replace(person, **{name: value}))) != _outcome(check):
                missing.append(name)
                break
    return missing


def check_document(index: KnowledgeIndex, doc_id: str, person: Person) -> DocumentCheck | None:
    """One document's verdict for the person (None when it names nobody), without what is missing."""
    if not any(f.kind == "eligibility" for f in facts_of(index, doc_id)):
        return None
    return _check_document(index, doc_id, person)


def check_person(index: KnowledgeIndex, person: Person) -> CheckResult:
    """For every indexed document with eligibility facts: does it apply to the person, and which targets count."""
    documents = []
    for doc_id in index.documents:
        if not any(f.kind == "eligibility" for f in facts_of(index, doc_id)):
            continue
        check = _check_document(index, doc_id, person)
        check.missing = _missing(index, check, person)
        documents.append(check)
    return CheckResult(person, documents)


def _summary(result: CheckResult) -> str:
    lines = [f"Thông tin người được kiểm tra: {result.person.describe()}"]
    if not result.documents:
        lines.append("Chưa có văn bản nào trong chỉ mục nêu đối tượng áp dụng.")
    for check in result.documents:
        lines += ["", f"{check.doc_label} — {STATUS_LABELS[check.status]}", check.reason]
        if check.targets:
            lines.append("Chỉ tiêu:")
            lines += [f"- {t.line()}" for t in check.targets]
        elif check.status in TARGETS_COUNT and result.person.role:
            lines.append("Chỉ tiêu: văn bản không có chỉ tiêu nào tính đến bạn.")
        sections = [c.section for c in check.citations] + [t.citation.section for t in check.targets]
        sections = list(dict.fromkeys(sections))
        lines += [f"📄 {section}" for section in sections]
        if check.missing:
            lines.append("Thông tin còn thiếu có thể thay đổi kết quả: "
                         + "; ".join(FIELD_LABELS[name] for name in check.missing) + ".")
    return "\n".join(lines)
