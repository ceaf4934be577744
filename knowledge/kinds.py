"""What a question asks for: the kind of fact (target, contact, duty, …), by diacritic-free cue words.

Shared by search (passages holding facts of the asked kind rank higher) and answers (which facts answer).
"""

from __future__ import annotations

import re

from .text import strip_diacritics, syllables

# Cue words (diacritic-free) of each kind of question, most specific kinds first.
KIND_CUES: list[tuple[str, re.Pattern]] = [
    # "Tôi là giáo viên tiếng Anh, có phải thực hiện … không?": does the plan apply to this person?
    ("check", re.compile(r"\bco (phai|bi|duoc|thuoc|nam trong|ap dung|can|boi duong|dao tao)\b.*\bkhong\b")),
    ("contact", re.compile(r"\b(lien he|lien lac|so dien thoai|dien thoai|sdt|email|e mail|thu dien tu|fax|may le|"
                           r"di dong|hotline|goi cho ai|hoi ai|nguoi do|dau moi lien he)\b")),
    # "bước tiếp theo", "bước cuối cùng", "nằm ở bước nào", "gồm những bước nào": the steps of a procedure.
    ("step", re.compile(r"\b(buoc|khau) (dau tien|dau|tiep theo|ke tiep|tiep|sau|cuoi cung|cuoi|nao|so may|"
                        r"thu (may|nhat|hai|ba|tu|nam|sau|bay|\d+))\b|\b(nhung|cac|may|bao nhieu) buoc\b")),
    # "Xem toàn văn ở đâu?", "trang web nào đăng phụ lục?": where the text is published (web addresses).
    ("link", re.compile(r"\b(xem|doc|tai|tim|tra cuu|dang tai|dang)\b.*\bo (dau|trang nao)\b|\b(toan van|website|"
                        r"trang web|trang thong tin|cong thong tin|duong dan|duong link|link|dia chi web|dia chi trang)\b")),
    ("document", re.compile(r"^(?:\S+ ){0,2}?(quyet dinh|ke hoach|cong van|chi thi|thong tu|nghi dinh|nghi quyet)\b"
                            r".*\b(la )?(so may|so bao nhieu|so nao)\b|\b(so hieu|ngay ban hanh|ban hanh ngay|ban hanh khi nao|nguoi ky|ai ky|ky ngay|"
                            r"ky boi|co quan ban hanh|co quan nao ban hanh|do co quan nao|ai ban hanh|can cu|thuc hien quyet dinh|trich yeu|"
                            r"van ban so|so van ban|ngay ky|nam ban hanh|thuc hien (cong van|van ban|quyet dinh) nao|"
                            r"trien khai (cong van|van ban|quyet dinh) nao|"
                            r"(theo|thuc hien|trien khai) (thong tu|nghi dinh|nghi quyet|chi thi|quyet dinh|luat|cong van"
                            r"|van ban) (so may|nao|so bao nhieu)|de nghi cua|theo de nghi|xet de nghi|"
                            r"ai de nghi|do ai de nghi|co quan nao trinh|co hieu luc|hieu luc (tu|ke tu|khi nao)|"
                            r"thong nhat voi co quan nao|phe duyet (de an |ke hoach |chuong trinh )?(gi|nao)|"
                            r"ban hanh kem|kem theo quyet dinh|kem quyet dinh|noi nhan|kinh gui|"
                            r"gui (cho |toi |den )?(ai|nhung ai|co quan nao|nhung co quan nao|nhung noi nao|noi nao)|ky khi nao|"
                            r"ban hanh ngay)\b")),
    # "Ai phân bổ chỉ tiêu …?", "cơ quan nào lập danh sách …?": who does something is a duty, whatever its object
    ("duty", re.compile(r"^(?:\S+ ){0,4}?(ai|co quan nao|don vi nao) (?:phai |co trach nhiem |can )?(phan bo|chu tri|"
                        r"to chuc|lap|cu|giao|tong hop|bao cao|huong dan|theo doi|kiem tra|phe duyet danh sach|"
                        r"chiu trach nhiem|ra soat|xay dung|phoi hop|bo tri)\b")),
    ("exclusion", re.compile(r"\b(khong ap dung|khong thuoc|khong phai (hoc|thuc hien|ap dung)|ngoai tru|"
                             r"tru nhung|duoc mien|mien|loai tru|khong bat buoc)\b")),
    ("target", re.compile(r"\b(chi tieu|bao nhieu phan tram|may phan tram|phan tram|ty le|ti le|bac \d|"
                          r"dat bac|bac may|%)")),
    ("funding", re.compile(r"\b(kinh phi|ngan sach|nguon tien|tien dau|ai chi tra|chi tra|ai tra tien|"
                           r"tai tro|nguon von|du toan|chi phi)\b")),
    ("duty", re.compile(r"\b(nhiem vu|trach nhiem|lam gi|phu trach|vai tro|duoc giao)\b")),
    ("roadmap", re.compile(r"\b(lo trinh|giai doan|thoi gian thuc hien|thoi han|tien do|khi nao|bao gio|"
                           r"den nam nao|tu nam nao|keo dai|trong bao lau|may nam)\b")),
    ("eligibility", re.compile(r"\b(ap dung (cho|voi|doi voi)|doi tuong(?! \d)|ai phai|ai duoc|ai tham gia|"
                               r"co thuoc|thuoc dien|co phai hoc|co ap dung|danh cho ai|ap dung)\b")),
]

YEAR_RE = re.compile(r"\b(19|20)\d{2}\b")
LEVEL_RE = re.compile(r"\bbac\s*(\d)\b")
# Role words of the groups in targets and eligibility, diacritic-free.
ROLE_WORDS = ["can bo", "cong chuc", "vien chuc", "lanh dao", "quan ly", "cap xa", "cap huyen", "cap tinh",
              "trung uong", "giao vien", "giang vien", "chuyen gia"]
# Words of a group that narrow it (its tier, leaders): a target for a group a question names by these must name them.
NARROWING_ROLES = {"lanh dao", "quan ly", "cap xa", "cap huyen", "cap tinh", "trung uong", "giao vien", "giang vien",
                   "chuyen gia"}

# "Tôi là …", "mình làm …": the asker describes themselves.
SELF_RE = re.compile(r"\b(toi|minh|em) (la|lam)\b")
# A "check" question ("có phải … không?") asks about a person's coverage only when it describes a person.
PERSON_RE = re.compile(SELF_RE.pattern + r"|\b(can bo|cong chuc|vien chuc|giao vien|giang vien|chuyen gia|"
                       r"nguoi lao dong|nhan vien)\b")


def plain(text: str) -> str:
    return " ".join(strip_diacritics(s) for s in syllables(text))


# Kinds whose cue in a yes/no question about someone says the question is about that topic, not the person's coverage.
TOPIC_KINDS = {"contact", "step", "link", "document", "funding", "duty", "roadmap"}

# "Thủ trưởng đơn vị có phải bố trí thời gian … không?": a yes/no question whose verb is something an agency
# does (arrange, send, report, …) asks about a duty, not about whether a plan covers someone.
DUTY_CHECK_RE = re.compile(r"\bco (phai|can|trach nhiem) (bo tri|sap xep|tao dieu kien|cu|bao cao|xay dung|"
                           r"to chuc|phoi hop|chi dao|lap|gui|dam bao|huong dan|theo doi|kiem tra|tong hop|"
                           r"bo sung|du tru|trien khai)\b")


# Officials name a target many ways: "mục tiêu", "phấn đấu", "yêu cầu đạt", "phải đạt" — a target when the question
# also names a year, a share or a level ("mục tiêu 2030 … là bao nhiêu"); "mục tiêu chung … là gì" asks for the goals
# in words. "Ưu tiên nhóm nào", "tập trung vào ai": which group a target favours.
TARGET_WORDS_RE = re.compile(r"\b(muc tieu|phan dau|yeu cau dat|phai dat|can dat|dat duoc|dat toi thieu)\b")
TARGET_CONTEXT_RE = re.compile(r"\b(19|20)\d{2}\b|\b(bao nhieu|may phan tram|phan tram|bac|trinh do nao)\b|%")
TARGET_FAVOURS_RE = re.compile(r"\b(uu tien|tap trung( vao)?) (nhom|doi tuong|ai|nhung ai|cho ai|nhom nao)\b")


# "viên chức 2030 bao nhiêu": a group, a year and "how much" ask for a target's share, whatever else is said.
_GROUP_RE = re.compile(r"\b(can bo|cong chuc|vien chuc|cbccvc|cbcc|ccvc)\b")
_HOW_MUCH_RE = re.compile(r"\b(bao nhieu|may phan tram)\b")


def _asks_target(plain_question: str) -> bool:
    if TARGET_FAVOURS_RE.search(plain_question):
        return True
    if TARGET_WORDS_RE.search(plain_question) and TARGET_CONTEXT_RE.search(plain_question):
        return True
    return bool(_GROUP_RE.search(plain_question) and YEAR_RE.search(plain_question)
                and _HOW_MUCH_RE.search(plain_question))


_NAMED_PERIOD_RE = re.compile(r"\bgiai doan (?:tu )?(?:nam )?(?:19|20)\d{2}(?:\s*-\s*(?:19|20)\d{2})?\b")


def question_kind(plain_question: str) -> str | None:
    for kind, pattern in KIND_CUES:
        if kind == "target" and _asks_target(plain_question):
            return kind
        if not pattern.search(plain_question):
            continue
        if kind == "check":
            if DUTY_CHECK_RE.search(plain_question) and not SELF_RE.search(plain_question):
                return "duty"
            if not PERSON_RE.search(plain_question):
                continue  # a yes/no question about something else than a person: its other cues say what it asks
            # ("… thuộc đối tượng bồi dưỡng công tác tôn giáo giai đoạn 2017-2020 không?": a scheme named by its period)
            unnamed = _NAMED_PERIOD_RE.sub(" ", plain_question)
            if not SELF_RE.search(plain_question) and any(
                    pattern.search(unnamed) for other, pattern in KIND_CUES if other in TOPIC_KINDS):
                continue  # "Kinh phí cho công chức … có được lấy từ nguồn tài trợ không?" asks about the funding
        return kind
    return None


# Diacritic-free, so "ký" must come with a neighbour: a bare "ky" is also kỳ and kỹ.
ASKS_SIGNER_RE = re.compile(r"\b(ai ky|nguoi ky|ky boi|ky ngay|ngay ky|ky voi|chuc vu)\b")


def signature_span(source: str, signer: str) -> tuple[int, int] | None:
    """The signature block: from its first 'TM.'/'KT.'/'Q.'/'TL.' line to the signer's name (or title)."""
    if not signer:
        return None
    last_word = signer.split(",")[-1].strip().split()[-1].lower()
    end = source.lower().rfind(last_word)
    if end < 0:
        return None
    end += len(last_word)
    heads = [m.start() for m in re.finditer(r"\b(TM|KT|Q|TL|TUQ)\.", source, re.I)
             if end - SIGNATURE_BLOCK_CHARS < m.start() < end]
    return (min(heads), end) if heads else None


SIGNATURE_BLOCK_CHARS = 200


# Which step of a procedure a "step" question asks for.
ALL_STEPS_RE = re.compile(r"\b(nhung|cac|may|bao nhieu) buoc\b")
FIRST_STEP_RE = re.compile(r"\b(dau tien|buoc dau|truoc tien|buoc (1|mot|thu nhat))\b")
LAST_STEP_RE = re.compile(r"\b(cuoi cung|buoc cuoi|sau cung)\b")
NEXT_STEP_RE = re.compile(r"\b(tiep theo|ke tiep|buoc tiep|sau do|xong|sau khi)\b")
WHICH_STEP_RE = re.compile(r"\b(buoc (thu may|so may|nao|may)|thu may)\b")
