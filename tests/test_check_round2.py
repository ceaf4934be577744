"""The rule check's second round (knowledge/check.py, commits 2d6bb56 and a6a035f), on plans made here: the kind
of body a group is limited to (a Đoàn, Hội or Huyện ủy is no cơ quan nhà nước; "các cơ quan, đơn vị" limits
nothing), central-only groups against a stated local tier, what a description denies, a misspelt word in an
exclusion, a role read from the workplace's kind, leaders and staff planned for a post, a tier named without "cấp"
("các xã, phường"), and a news page's headline as the group it covers.

One small province plan per class, so a verdict rests on one group only. Nothing here is a question or a person of
the real-document set.
"""

from __future__ import annotations

import pytest

from conftest import index_of
from knowledge.check import (APPLIES, EXCLUDED, NOT_COVERED, POSSIBLE, check_person, form_answer, parse_person,
                             person_from_input)
from knowledge.kinds import plain

HEADER = """ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH
Số: {number}/KH-UBND
Hà Tĩnh, ngày 12 tháng 4 năm 2023
KẾ HOẠCH
Bồi dưỡng kỹ năng số năm 2023
I. ĐỐI TƯỢNG
1. Đối tượng áp dụng
{covered}
"""
EXCLUDING = "2. Đối tượng không áp dụng\n{excluded}\n"


def plan(number: int, covered: str, excluded: str = "") -> str:
    return HEADER.format(number=number, covered=covered) + (EXCLUDING.format(excluded=excluded) if excluded else "")


DOCS = {
    "state.txt": plan(31, "Cán bộ, công chức trong các cơ quan nhà nước."),
    "groups.txt": plan(32, "Cán bộ, công chức, viên chức thuộc các Bộ, ngành, địa phương và các tổ chức chính trị - xã "
                           "hội."),
    "any-body.txt": plan(33, "Cán bộ, công chức, viên chức đang công tác tại các cơ quan, đơn vị."),
    "central.txt": plan(34, "Cán bộ, công chức, viên chức đang làm việc tại cơ quan Tổng Liên đoàn Lao động Việt Nam."),
    "integration.txt": plan(35, "Công chức làm công tác hội nhập quốc tế."),
    "commune.txt": plan(36, "Công chức cấp xã."),
    "misspelt.txt": plan(37, "Cán bộ, công chức, viên chức các cơ quan nhà nước.",
                         "Cán bộ, công chức, viên chức thuộc ngàh ngoại giao."),
    "leaders.txt": plan(38, "Cán bộ, công chức giữ chức vụ lãnh đạo, quản lý."),
    "planned.txt": plan(39, "Công chức được quy hoạch giữ chức vụ lãnh đạo, quản lý."),
    "diplomats-section.txt": plan(42, "Cán bộ, công chức, viên chức các cơ quan nhà nước.",
                                  "Các đối tượng là cán bộ, công chức, viên chức công tác trong ngành ngoại giao."),
    "diplomats.txt": plan(40, "Cán bộ, công chức, viên chức các cơ quan nhà nước.\nKế hoạch này không áp dụng đối với "
                              "các đối tượng là cán bộ, công chức, viên chức công tác trong ngành ngoại giao."),
    "communes.txt": plan(41, "Cán bộ, công chức các xã, phường."),
    # pages without a header: a headline, and a first line that is a sentence
    "headline.txt": "Bồi dưỡng kiến thức quốc phòng cho cán bộ, công chức, viên chức tỉnh Hà Tĩnh\n"
                    "Ngày 5/5/2023, Bộ Chỉ huy quân sự tỉnh khai giảng lớp bồi dưỡng kiến thức quốc phòng và an ninh.\n"
                    "Lớp học kéo dài 5 ngày với 120 học viên.\n",
    "sentence.txt": "Ngày 5/5/2023, tỉnh Hà Tĩnh khai giảng lớp bồi dưỡng kiến thức quốc phòng cho cán bộ, công chức, "
                    "viên chức.\nLớp học kéo dài 5 ngày với 120 học viên.\n",
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "check-round2", DOCS)


def status(kb, description: str, doc_id: str) -> tuple[str, str]:
    checks = {c.doc_id: c for c in check_person(kb, person_from_input(description)).documents}
    return checks[doc_id].status, checks[doc_id].reason


VERDICTS = [
    # (id, description, document, status)
    # 1. the kind of body a group is limited to
    ("youth-union-not-state", "cán bộ Tỉnh đoàn", "state.txt", NOT_COVERED),
    ("farmers-union-not-state", "cán bộ Hội Nông dân tỉnh", "state.txt", NOT_COVERED),
    ("party-committee-not-state", "cán bộ Huyện ủy", "state.txt", NOT_COVERED),
    ("department-is-state", "công chức Sở Tư pháp", "state.txt", APPLIES),
    ("department-among-groups", "công chức Sở Tư pháp", "groups.txt", APPLIES),
    ("youth-union-any-body", "cán bộ Tỉnh đoàn", "any-body.txt", APPLIES),
    ("party-committee-any-body", "cán bộ Huyện ủy", "any-body.txt", APPLIES),
    # 2. central bodies only, against a stated local tier
    ("commune-not-central", "công chức cấp xã", "central.txt", NOT_COVERED),
    ("tier-unsaid-central", "công chức", "central.txt", POSSIBLE),
    # 3. what a description denies
    ("denies-the-work", "công chức cấp xã, không làm công tác hội nhập quốc tế", "integration.txt", NOT_COVERED),
    ("work-unsaid", "công chức cấp xã", "integration.txt", POSSIBLE),
    ("does-the-work", "công chức cấp xã làm công tác hội nhập quốc tế", "integration.txt", APPLIES),
    ("denied-tier-not-read", "cong chuc o tinh Ha Tinh, khong noi lam o so hay o xa", "commune.txt", POSSIBLE),
    # 4. a misspelt word in an exclusion narrows nothing
    ("misspelt-sector-excludes", "công chức Bộ Ngoại giao", "misspelt.txt", EXCLUDED),
    ("misspelt-sector-other-body", "công chức Sở Tư pháp", "misspelt.txt", APPLIES),
    # 6. leaders, and staff planned for a post
    ("head-of-division-leads", "trưởng phòng thuộc Sở Nội vụ", "leaders.txt", APPLIES),
    ("staff-not-leader", "chuyên viên Sở Nội vụ", "leaders.txt", POSSIBLE),
    ("planned-for-a-post", "chuyên viên Sở Nội vụ được quy hoạch phó trưởng phòng", "planned.txt", APPLIES),
    ("not-planned", "chuyên viên Sở Nội vụ", "planned.txt", POSSIBLE),
    ("those-who-are-diplomats", "công chức Bộ Ngoại giao", "diplomats.txt", EXCLUDED),
    # a neutral "Các đối tượng là …" under "Đối tượng không áp dụng" excludes
    ("neutral-cue-under-exclusion", "công chức Bộ Ngoại giao", "diplomats-section.txt", EXCLUDED),
    ("neutral-cue-other-body", "công chức Sở Tư pháp", "diplomats-section.txt", APPLIES),
    # what a description denies is not read as its tier, typed with diacritics too
    ("denied-tier-not-read-accented", "công chức ở tỉnh Hà Tĩnh, không nói làm ở sở hay ở xã", "commune.txt",
     POSSIBLE),
    ("not-a-diplomat", "công chức Sở Tư pháp", "diplomats.txt", APPLIES),
    # 7. a tier named without "cấp"
    ("province-not-communes", "công chức cấp tỉnh", "communes.txt", NOT_COVERED),
    ("commune-in-communes", "công chức cấp xã", "communes.txt", APPLIES),
    # 8. a headline names whom a page covers
    ("headline-covers", "công chức Sở Nội vụ tỉnh Hà Tĩnh", "headline.txt", APPLIES),
    ("headline-province-unsaid", "công chức cấp tỉnh", "headline.txt", POSSIBLE),
]


@pytest.mark.parametrize("description, doc_id, expected", [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS])
def test_verdicts(kb, description, doc_id, expected):
    got, reason = status(kb, description, doc_id)
    assert got == expected, (description, doc_id, reason)


@pytest.mark.parametrize("description", ["cán bộ Tỉnh đoàn", "công chức cấp xã, không làm công tác hội nhập quốc tế",
                                         "trưởng phòng thuộc Sở Nội vụ"])
def test_verdicts_typed_without_diacritics(kb, description):
    for doc_id in ("state.txt", "integration.txt", "leaders.txt"):
        assert status(kb, plain(description), doc_id)[0] == status(kb, description, doc_id)[0], doc_id


def test_a_denial_is_no_job_and_no_tier():
    person = parse_person("công chức cấp xã, không làm công tác hội nhập quốc tế")
    assert person.job is None and person.tier == "xã" and "hội nhập quốc tế" in person.denied
    assert parse_person("công chức, không làm việc ở xã").tier is None
    assert parse_person("cong chuc o tinh Ha Tinh, khong noi lam o so hay o xa").tier is None


@pytest.mark.parametrize("text, role", [
    ("chuyên viên Sở Kế hoạch và Đầu tư", "công chức"),
    ("chuyen vien So Ke hoach va Dau tu", "công chức"),
    ("bác sĩ ở bệnh viện tỉnh", "viên chức"),
    ("bác sĩ tại Bệnh viện Đa khoa tỉnh", "viên chức"),
    ("bác sĩ bệnh viện tỉnh", "viên chức"),
    ("chuyên viên Bộ Ngoại giao", "công chức"),
    ("chuyên viên Phòng Nội vụ huyện", "công chức"),
    ("chuyên viên Vụ Tổ chức cán bộ, Bộ Tư pháp", "công chức"),  # no "cán bộ" read inside a unit's name
    ("giáo viên trường tư thục", None),
    ("nhân viên hợp đồng ở Sở Nội vụ", None),
    ("người lao động ở Sở Nội vụ", None),
])
def test_role_from_the_kind_of_workplace(text, role):
    assert parse_person(text).role == role


def test_a_place_name_is_no_work():
    assert parse_person("công chức ở tỉnh Lâm Đồng").job is None  # "Lâm", not "làm"


def test_a_headline_is_read_only_when_it_is_no_sentence(kb):
    groups = {f.doc_id: f.data["who"] for f in kb.facts if f.kind == "eligibility"
              and f.doc_id in ("headline.txt", "sentence.txt") and f.data.get("basis") == "subject"}
    assert groups == {"headline.txt": "cán bộ, công chức, viên chức tỉnh Hà Tĩnh"}
    # the first line that is a sentence is read for whom the training is for (round 3), as such, not as a headline
    (purpose,) = [f for f in kb.facts if f.kind == "eligibility" and f.doc_id == "sentence.txt"]
    assert purpose.data["basis"] == "purpose" and purpose.data["who"] == "cán bộ, công chức, viên chức"


def test_a_form_asking_for_the_role_takes_only_a_role_said():
    # a question in the middle of the dialogue form is no answer to "cán bộ, công chức hay viên chức?"
    assert form_answer("role", "Sở Tài chính có nhiệm vụ gì?", requested=True) is None
    assert form_answer("role", "công chức Sở Tài chính", requested=True) == "công chức"
    assert parse_person("chuyên viên Sở Tài chính").role == "công chức"  # a description still infers it
