"""The rule check for one person (knowledge/check.py): statuses and targets per document, on the real session
index, on a synthetic third document, parse_person, and `python -m knowledge check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DOC_206, DOC_642, index_of
from knowledge.check import (APPLIES, EXCLUDED, EXCLUDED_IF, NOT_COVERED, POSSIBLE, STATUSES, UNKNOWN, Person,
                             check_person, normalise_age, normalise_leader, normalise_role, normalise_tier,
                             parse_person, person_from_input, tiers_named)
from knowledge.cli import app
from knowledge.factbase import FactBase
from knowledge.index import analyse
from knowledge.kinds import plain
from knowledge.model import Document
from test_eligibility_layouts import DOCS as LAYOUT_DOCS

runner = CliRunner()


def by_doc(result) -> dict:
    return {check.doc_id: check for check in result.documents}


def percents(check) -> list[tuple[int, int]]:
    return [(t.year, t.percent) for t in check.targets]


# ---------------------------------------------------------------------------------------------
# The two sample documents

ANY = object()  # the test does not care about this document

CASES = [
    # (id, person, {doc: (status, [(year, percent)] or ANY)})
    ("cong-chuc-tinh-lanh-dao-35", Person("công chức", "tỉnh", True, 35),
     {DOC_206: (APPLIES, [(2025, 25), (2030, 35)]), DOC_642: (POSSIBLE, [])}),
    # "tập trung vào … dưới 40 tuổi" says where the effort goes; it does not take older officials out.
    ("cong-chuc-tinh-45", Person("công chức", "tỉnh", False, 45),
     {DOC_206: (APPLIES, [(2025, 25), (2030, 35)])}),
    ("vien-chuc-lanh-dao", Person("viên chức", None, True, None),
     {DOC_206: (APPLIES, [(2025, 60), (2025, 50), (2030, 70), (2030, 60)])}),
    ("vien-chuc-khong-lanh-dao", Person("viên chức", "tỉnh", False, 30),
     {DOC_206: (APPLIES, [(2025, 60), (2030, 70)])}),
    ("can-bo-xa-lanh-dao-35", Person("cán bộ", "xã", True, 35),
     {DOC_206: (APPLIES, [(2025, 20), (2025, 15), (2030, 30), (2030, 15)]), DOC_642: (NOT_COVERED, [])}),
    ("can-bo-xa-lanh-dao-45", Person("cán bộ", "xã", True, 45),
     {DOC_206: (APPLIES, [(2025, 20), (2030, 30)])}),
    ("can-bo-xa-khong-lanh-dao", Person("cán bộ", "xã", False, 35),
     {DOC_206: (APPLIES, [(2025, 20), (2030, 30)])}),
    ("giao-vien-tieng-anh", Person(job="giáo viên tiếng Anh"),
     {DOC_206: (EXCLUDED, []), DOC_642: (NOT_COVERED, [])}),
    ("giao-vien-tieng-anh-vien-chuc", Person("viên chức", job="giáo viên tiếng Anh"),
     {DOC_206: (EXCLUDED, [])}),
    ("giao-vien-toan", Person("viên chức", "tỉnh", False, 30, job="giáo viên toán"),
     {DOC_206: (APPLIES, [(2025, 60), (2030, 70)])}),
    ("so-ngoai-vu-vi-tri-dai-hoc-ngoai-ngu",
     Person("công chức", "tỉnh", False, 30, "Sở Ngoại vụ", "vị trí yêu cầu trình độ đại học ngoại ngữ"),
     {DOC_206: (EXCLUDED, [])}),
    ("so-ngoai-vu-chua-ro-vi-tri", Person("công chức", "tỉnh", False, 30, "Sở Ngoại vụ"),
     {DOC_206: (EXCLUDED_IF, [(2025, 25), (2030, 35)])}),
    ("vien-chuc-so-ngoai-vu", Person("viên chức", "tỉnh", False, 30, "Sở Ngoại vụ"),
     {DOC_206: (APPLIES, [(2025, 60), (2030, 70)])}),
    ("cong-chuc-hoi-nhap-quoc-te", Person("công chức", "trung ương", False, 30, job="làm công tác hội nhập quốc tế"),
     {DOC_642: (APPLIES, []), DOC_206: (APPLIES, ANY)}),
    ("khong-ro-vai-tro", Person(tier="tỉnh"), {DOC_206: (UNKNOWN, []), DOC_642: (UNKNOWN, [])}),
]


@pytest.mark.parametrize("person, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_status_and_targets(kb, person: Person, expected: dict) -> None:
    checks = by_doc(check_person(kb, person))
    assert set(checks) == {DOC_206, DOC_642}
    for doc_id, (status, targets) in expected.items():
        check = checks[doc_id]
        assert check.status == status, (doc_id, check.reason)
        if targets is not ANY:
            assert percents(check) == targets, doc_id
        assert check.status in STATUSES and check.reason


def test_levels_and_citations_of_targets(kb) -> None:
    check = by_doc(check_person(kb, Person("cán bộ", "xã", True, 35)))[DOC_206]
    assert {t.level for t in check.targets} == {3}
    assert all(t.level_text == "bậc 3 trở lên" and t.subject == "ngoại ngữ" for t in check.targets)
    under_40 = [t for t in check.targets if t.percent == 15]
    assert under_40 and all("dưới 40 tuổi" in t.conditions for t in under_40)
    source = kb.documents[DOC_206].source
    for target in check.targets:
        assert target.citation.doc == "Kế hoạch 206/KH-UBND"
        assert target.citation.section.startswith("Kế hoạch 206/KH-UBND › III. NỘI DUNG")
        assert target.citation.quote in source and f"{target.percent}%" in target.citation.quote
    assert [t.year for t in check.targets] == sorted(t.year for t in check.targets)


def test_exclusion_reasons_quote_the_document(kb) -> None:
    teacher = by_doc(check_person(kb, Person(job="giáo viên tiếng Anh")))[DOC_206]
    assert "Giáo viên, giảng viên dạy môn ngoại ngữ" in teacher.reason
    assert teacher.citations[0].section.endswith("2. Đối tượng không áp dụng")
    assert "Giáo viên, giảng viên dạy môn ngoại ngữ" in teacher.citations[0].quote

    unsure = by_doc(check_person(kb, Person("công chức", workplace="Sở Ngoại vụ")))[DOC_206]
    assert unsure.status == EXCLUDED_IF
    assert "nếu vị trí việc làm yêu cầu trình độ chuyên môn Đại học ngoại ngữ trở lên" in unsure.reason
    assert "Công chức công tác tại Sở Ngoại vụ" in unsure.reason
    assert any(c.section.endswith("2. Đối tượng không áp dụng") for c in unsure.citations)
    assert "job" in unsure.missing  # the job would settle it


def test_possible_says_what_it_depends_on(kb) -> None:
    check = by_doc(check_person(kb, Person("công chức")))[DOC_642]
    assert check.status == POSSIBLE
    assert "làm công tác hội nhập quốc tế" in check.reason
    assert check.citations and all(c.section.startswith("Công văn 642/BNG-HVNG") for c in check.citations)
    assert "job" in check.missing


def test_unknown_fields_are_kept_as_conditions_and_named(kb) -> None:
    check = by_doc(check_person(kb, Person("cán bộ", "xã", True, None)))[DOC_206]
    assert percents(check) == [(2025, 20), (2025, 15), (2030, 30), (2030, 15)]  # age unknown: kept
    assert "age" in check.missing

    vague = by_doc(check_person(kb, Person("công chức")))[DOC_206]
    assert {"tier", "leader", "age", "workplace"} <= set(vague.missing)
    assert any("nếu công tác ở cấp xã" in t.depends_on for t in vague.targets)
    assert any("nếu không công tác ở cấp xã" in t.depends_on for t in vague.targets)

    complete = by_doc(check_person(kb, Person("cán bộ", "xã", True, 35)))[DOC_206]
    assert not {"role", "tier", "leader", "age"} & set(complete.missing)


def test_text_and_to_dict(kb) -> None:
    result = check_person(kb, Person("công chức", "tỉnh", True, 35))
    text = result.text
    assert "Kế hoạch 206/KH-UBND — ÁP DỤNG" in text
    assert "Năm 2025: 25% đạt trình độ ngoại ngữ bậc 4 trở lên (cán bộ, công chức;" in text
    assert "Năm 2030: 35%" in text
    assert "📄 Kế hoạch 206/KH-UBND › II. ĐỐI TƯỢNG › 1. Đối tượng áp dụng" in text
    assert "Công văn 642/BNG-HVNG — CÓ THỂ ÁP DỤNG" in text
    assert "Thông tin còn thiếu có thể thay đổi kết quả" in text and "nơi công tác" in text
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["person"] == {"role": "công chức", "tier": "tỉnh", "leader": True, "age": 35, "workplace": None,
                              "job": None, "denied": None, "title": None}
    assert data["text"] == text
    doc = next(d for d in data["documents"] if d["doc_id"] == DOC_206)
    assert set(doc) == {"doc_id", "doc_label", "status", "reason", "citations", "targets", "missing"}
    assert [(t["year"], t["percent"], t["level"]) for t in doc["targets"]] == [(2025, 25, 4), (2030, 35, 4)]
    assert set(doc["targets"][0]["citation"]) == {"doc", "doc_id", "title", "section", "quote"}


# ---------------------------------------------------------------------------------------------
# A third document: nothing above is specific to the two samples

THIRD = """ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH
Số: 15/KH-UBND
Nam Định, ngày 10 tháng 3 năm 2022
KẾ HOẠCH
Bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức giai đoạn 2022 - 2027
I. ĐỐI TƯỢNG
1. Đối tượng áp dụng
a) Viên chức đang làm việc tại các đơn vị sự nghiệp công lập trên địa bàn tỉnh.
b) Công chức cấp huyện làm công tác chuyển đổi số.
2. Đối tượng không áp dụng
a) Viên chức làm việc tại Trung tâm Công nghệ thông tin (đối với vị trí việc làm yêu cầu bằng kỹ sư tin học).
II. MỤC TIÊU
- Đến năm 2024: 40% viên chức đạt chuẩn kỹ năng số cơ bản; 30% viên chức giữ chức vụ lãnh đạo, quản lý dưới 45 tuổi \
đạt chuẩn kỹ năng số nâng cao.
- Đến năm 2027: 80% viên chức đạt chuẩn kỹ năng số cơ bản; 55% viên chức giữ chức vụ lãnh đạo, quản lý dưới 45 tuổi \
đạt chuẩn kỹ năng số nâng cao; 65% công chức cấp huyện đạt chuẩn kỹ năng số cơ bản.
"""
THIRD_ID = "15-KH-UBND-2022-Nam-Dinh.txt"


@pytest.fixture(scope="module")
def third_kb(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "third-document", {THIRD_ID: THIRD})


THIRD_CASES = [
    ("vien-chuc-lanh-dao-40", Person("viên chức", "tỉnh", True, 40), APPLIES, [(2024, 40), (2024, 30), (2027, 80),
                                                                               (2027, 55)]),
    ("vien-chuc-lanh-dao-50", Person("viên chức", "tỉnh", True, 50), APPLIES, [(2024, 40), (2027, 80)]),
    ("cong-chuc-huyen-chuyen-doi-so", Person("công chức", "huyện", False, 30, job="làm công tác chuyển đổi số"),
     APPLIES, [(2027, 65)]),
    ("cong-chuc-huyen", Person("công chức", "huyện", False, 30), POSSIBLE, [(2027, 65)]),
    ("cong-chuc-tinh", Person("công chức", "tỉnh", False, 30, job="làm công tác chuyển đổi số"), NOT_COVERED, []),
    ("can-bo", Person("cán bộ", "huyện", False, 30), NOT_COVERED, []),
    ("trung-tam-cntt", Person("viên chức", "tỉnh", False, 30, "Trung tâm Công nghệ thông tin"), EXCLUDED_IF,
     [(2024, 40), (2027, 80)]),
    ("trung-tam-cntt-ky-su", Person("viên chức", "tỉnh", False, 30, "Trung tâm Công nghệ thông tin",
                                    "vị trí yêu cầu bằng kỹ sư tin học"), EXCLUDED, []),
]


@pytest.mark.parametrize("person, status, targets", [c[1:] for c in THIRD_CASES], ids=[c[0] for c in THIRD_CASES])
def test_a_third_document(third_kb, person: Person, status: str, targets: list) -> None:
    (check,) = check_person(third_kb, person).documents
    assert check.doc_label == "Kế hoạch 15/KH-UBND"
    assert check.status == status, check.reason
    assert percents(check) == targets
    assert all(c.quote in THIRD for c in check.citations + [t.citation for t in check.targets])


def test_third_document_reasons(third_kb) -> None:
    (possible,) = check_person(third_kb, Person("công chức", "huyện", False, 30)).documents
    assert "làm công tác chuyển đổi số" in possible.reason
    (unsure,) = check_person(third_kb, Person("viên chức", workplace="Trung tâm Công nghệ thông tin")).documents
    assert "nếu vị trí việc làm yêu cầu bằng kỹ sư tin học" in unsure.reason
    (leader,) = check_person(third_kb, Person("viên chức", "tỉnh", True, None)).documents
    assert "age" in leader.missing
    assert all(t.subject == "kỹ năng số" for t in leader.targets)


# ---------------------------------------------------------------------------------------------
# Free text and form answers


@pytest.mark.parametrize("text, expected", [
    ("tôi là công chức cấp xã, 35 tuổi, trưởng phòng", Person("công chức", "xã", True, 35, title="trưởng phòng")),
    ("toi la cong chuc cap xa, 35 tuoi, truong phong", Person("công chức", "xã", True, 35, title="truong phong")),
    ("em la giao vien tieng anh", Person(job="giao vien tieng anh")),
    ("Em là giáo viên tiếng Anh", Person(job="giáo viên tiếng Anh")),
    ("vien chuc lanh dao o so ngoai vu 45 tuoi", Person("viên chức", "tỉnh", True, 45, "so ngoai vu")),
    ("Tôi là công chức Sở Ngoại vụ, vị trí yêu cầu trình độ đại học ngoại ngữ",
     Person("công chức", "tỉnh", None, None, "Sở Ngoại vụ", "vị trí yêu cầu trình độ đại học ngoại ngữ")),
    ("cán bộ, công chức cấp huyện, chuyên viên, 29 tuổi", Person("cán bộ", "huyện", False, 29)),
    ("viên chức làm công tác hội nhập quốc tế tại Bộ Ngoại giao, trung ương",
     Person("viên chức", "trung ương", None, None, "Bộ Ngoại giao", "làm công tác hội nhập quốc tế")),
    ("toi la cb cap xa, khong giu chuc vu", Person("cán bộ", "xã", False)),
    ("Tôi là công chức cấp tỉnh, 35 tuổi, trưởng phòng", Person("công chức", "tỉnh", True, 35, title="trưởng phòng")),
    # an elected post is a cán bộ's; a body followed by "tỉnh" alone is the province's
    ("Phó Chủ tịch UBND xã", Person("cán bộ", "xã", True, None, "UBND xã", title="Phó Chủ tịch")),
    ("cán bộ Hội Nông dân tỉnh", Person("cán bộ", "tỉnh", None, None, "Hội Nông dân tỉnh")),
    ("công chức ở tỉnh Lâm Đồng", Person("công chức", None, None, None, "tỉnh Lâm Đồng")),
    ("xin chào", Person()),
    # a body named right after the role, a ministry's staff at the centre, a name going on after a comma
    ("công chức Bộ Ngoại giao", Person("công chức", "trung ương", None, None, "Bộ Ngoại giao")),
    ("cán bộ Tỉnh đoàn", Person("cán bộ", None, None, None, "Tỉnh đoàn")),
    ("công chức Vụ Tổ chức cán bộ, Bộ Tư pháp", Person("công chức", "trung ương", None, None,
                                                     "Vụ Tổ chức cán bộ, Bộ Tư pháp")),
    ("công chức làm việc tại cơ quan Tổng LĐLĐ Việt Nam, trưởng phòng, 38 tuổi",
     Person("công chức", None, True, 38, "cơ quan Tổng LĐLĐ Việt Nam", title="trưởng phòng")),
])
def test_parse_person(text: str, expected: Person) -> None:
    assert parse_person(text) == expected


def test_parse_person_nfd_and_old_tone_placement() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "viên chức lãnh đạo ở Sở Ngoại vụ, 45 tuổi")
    assert parse_person(nfd) == Person("viên chức", "tỉnh", True, 45, "Sở Ngoại vụ")


@pytest.mark.parametrize("normalise, value, expected", [
    (normalise_role, "cong chuc", "công chức"), (normalise_role, "CC", "công chức"),
    (normalise_role, "VC", "viên chức"), (normalise_role, "Cán bộ", "cán bộ"), (normalise_role, "CBCC", None), (normalise_role, "bác sĩ", None),
    (normalise_tier, "cấp tỉnh", "tỉnh"), (normalise_tier, "tinh", "tỉnh"), (normalise_tier, "TW", "trung ương"),
    (normalise_tier, "cap xa", "xã"), (normalise_tier, "phường", "xã"), (normalise_tier, "quận", "huyện"),
    (normalise_tier, "sao hỏa", None),
    (normalise_leader, "có", True), (normalise_leader, "co", True), (normalise_leader, "không", False),
    (normalise_leader, "ko", False), (normalise_leader, "có lẽ", None),
    (normalise_age, "35", 35), (normalise_age, "45 tuổi", 45), (normalise_age, "abc", None), (normalise_age, "5", None),
    (normalise_age, "200", None),
])
def test_normalise_form_answers(normalise, value, expected) -> None:
    assert normalise(value) == expected


# ---------------------------------------------------------------------------------------------
# python -m knowledge check


def run(*args: str):
    return runner.invoke(app, ["check", *args])


def test_cli_check_json(index_dir) -> None:
    result = run("cán bộ cấp xã, lãnh đạo", "--age", "45", "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"person", "documents", "missing", "text"}
    assert data["person"] == {"role": "cán bộ", "tier": "xã", "leader": True, "age": 45, "workplace": None,
                              "job": None, "denied": None, "title": None}
    docs = {d["doc_id"]: d for d in data["documents"]}
    assert docs[DOC_206]["status"] == APPLIES
    assert [(t["year"], t["percent"]) for t in docs[DOC_206]["targets"]] == [(2025, 20), (2030, 30)]
    assert docs[DOC_642]["status"] == NOT_COVERED


def test_cli_flags_override_the_description(index_dir) -> None:
    result = run("vien chuc cap xa", "--role", "CC", "--tier", "cấp tỉnh", "--no-leader", "--workplace", "Sở Ngoại vụ",
                 "--job", "vị trí yêu cầu trình độ đại học ngoại ngữ", "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["person"]["role"] == "công chức" and data["person"]["tier"] == "tỉnh"
    assert data["person"]["leader"] is False
    assert {d["doc_id"]: d["status"] for d in data["documents"]}[DOC_206] == EXCLUDED


def test_cli_check_text(index_dir) -> None:
    result = run("em la giao vien tieng anh", "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    assert "Kế hoạch 206/KH-UBND — KHÔNG ÁP DỤNG" in result.stdout
    assert "Giáo viên, giảng viên dạy môn ngoại ngữ" in result.stdout


@pytest.mark.parametrize("args, words", [
    (["--role", "bác sĩ"], ["--role", "cán bộ, công chức, viên chức"]),
    (["--tier", "sao hỏa"], ["--tier", "trung ương, tỉnh, huyện, xã"]),
    (["--role", "cc", "--age", "abc"], ["--age", "tuổi"]),
    (["--role", "cc", "--age", "300"], ["--age"]),
    (["--role", "cc", "--job", "  "], ["--job", "trống"]),
    (["xin chào"], ["mô tả"]),
    ([], ["mô tả"]),
])
def test_cli_bad_values(index_dir, args: list[str], words: list[str]) -> None:
    result = run(*args, "--index", str(index_dir))
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert message.startswith("Lỗi:") and len(message.splitlines()) == 1
    assert all(word in message for word in words), message


def test_cli_missing_index(tmp_path) -> None:
    result = run("--role", "cc", "--index", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Lỗi:") and "python -m knowledge build" in result.stderr


# ---------------------------------------------------------------------------------------------
# Four ordinary people under plans laid out in four ways (the texts of test_eligibility_layouts.py), analysed by
# the real pipeline without embeddings and checked through a real FactBase


def layouts_base(docs: dict[str, str]) -> FactBase:
    documents, facts = {}, []
    for doc_id, source in docs.items():
        result = analyse(Document(doc_id=doc_id, source=source), max_chars=900)
        documents[doc_id] = result.doc
        facts += result.facts
    return FactBase(Path("."), {}, documents, facts)


@pytest.mark.parametrize("text, tiers", [
    ("cán bộ, công chức cấp tỉnh, cấp huyện, cấp xã", {"tỉnh", "huyện", "xã"}),
    ("công chức cấp tỉnh, huyện", {"tỉnh", "huyện"}),
    ("cán bộ, công chức từ tỉnh đến cơ sở", {"tỉnh", "huyện", "xã"}),
    ("công chức từ cấp huyện trở lên", {"trung ương", "tỉnh", "huyện"}),
    ("cán bộ, công chức xã, phường, thị trấn", {"xã"}),
    ("công chức các cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh", {"tỉnh"}),
    ("công chức ở các cấp trung ương, tỉnh/thành, huyện, xã", set()),  # all of them: no limit
    ("cán bộ, công chức các cấp", set()), ("cán bộ, công chức", set()), ("lãnh đạo cấp phòng", set()),
    ("cong chuc cap huyen va cap xa", {"huyện", "xã"}),
    ("cán bộ, công chức ở Trung ương", {"trung ương"}), ("cán bộ, công chức xã", {"xã"}),
    ("cán bộ, công chức cấp tỉnh, cấp huyện ở địa phương", {"tỉnh", "huyện"}),
    ("cán bộ làm công tác xã hội", set()),
])
def test_tiers_named(text, tiers):
    assert tiers_named(text) == tiers



TEACHER = Person("viên chức", "tỉnh", False, 35, job="giáo viên tiếng Anh")
COMMUNE = Person("công chức", "xã", False, 35, "Ủy ban nhân dân xã Tân Lập")
FOREIGN_AFFAIRS = Person("công chức", "tỉnh", False, 35, "Sở Ngoại vụ")
HOSPITAL = Person("viên chức", "tỉnh", False, 35, "Bệnh viện Đa khoa tỉnh", "bác sĩ")

VERDICTS = [
    # (person id, person, {doc: status})
    ("teacher", TEACHER, {"41-KH-UBND-Binh-An.txt": EXCLUDED, "88-KH-SNV-An-Hoa.txt": EXCLUDED,
                          "19-KH-UBND-Dong-Son.txt": EXCLUDED, "hoa-binh-news.txt": EXCLUDED}),
    ("commune", COMMUNE, {"41-KH-UBND-Binh-An.txt": APPLIES, "88-KH-SNV-An-Hoa.txt": NOT_COVERED,
                          "19-KH-UBND-Dong-Son.txt": APPLIES, "hoa-binh-news.txt": APPLIES}),
    ("foreign-affairs", FOREIGN_AFFAIRS, {"41-KH-UBND-Binh-An.txt": APPLIES, "88-KH-SNV-An-Hoa.txt": EXCLUDED_IF,
                                          "19-KH-UBND-Dong-Son.txt": EXCLUDED_IF, "hoa-binh-news.txt": EXCLUDED_IF}),
    ("hospital", HOSPITAL, {"41-KH-UBND-Binh-An.txt": APPLIES, "88-KH-SNV-An-Hoa.txt": APPLIES,
                            "19-KH-UBND-Dong-Son.txt": APPLIES, "hoa-binh-news.txt": APPLIES}),
]


@pytest.fixture(scope="module")
def layouts() -> FactBase:
    return layouts_base(LAYOUT_DOCS)


@pytest.mark.parametrize("person, expected", [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS])
def test_four_people_under_four_layouts(layouts, person, expected):
    checks = {c.doc_id: c for c in check_person(layouts, person).documents}
    for doc_id, status in expected.items():
        assert checks[doc_id].status == status, (doc_id, checks[doc_id].reason)


def test_reasons_quote_what_the_verdict_rests_on(layouts):
    checks = {c.doc_id: c for c in check_person(layouts, TEACHER).documents}
    assert "Giáo viên, giảng viên ngoại ngữ" in checks["41-KH-UBND-Binh-An.txt"].reason
    # words are matched as runs: "giáo viên … ngoại ngữ" is not "ngành ngoại giao"
    assert "giáo viên và giảng viên ngoại ngữ" in checks["hoa-binh-news.txt"].reason
    assert "ngoại giao" not in checks["hoa-binh-news.txt"].reason
    news = {c.doc_id: c for c in check_person(layouts, FOREIGN_AFFAIRS).documents}["hoa-binh-news.txt"]
    assert "nếu thuộc ngành ngoại giao" in news.reason  # a Sở Ngoại vụ may or may not count as that sector
    unsure = {c.doc_id: c for c in check_person(layouts, FOREIGN_AFFAIRS).documents}["19-KH-UBND-Dong-Son.txt"]
    assert "làm công tác biên dịch, phiên dịch" in unsure.reason and unsure.targets  # the targets still count
    commune = {c.doc_id: c for c in check_person(layouts, COMMUNE).documents}
    assert [(t.year, t.percent) for t in commune["41-KH-UBND-Binh-An.txt"].targets] == [(2025, 30)]
    assert not commune["19-KH-UBND-Dong-Son.txt"].targets  # its one target is for công chức cấp tỉnh


def test_unknown_tier_is_a_condition_not_a_verdict(layouts):
    check = {c.doc_id: c for c in check_person(layouts, Person("công chức")).documents}["41-KH-UBND-Binh-An.txt"]
    assert check.status == POSSIBLE and "cấp tỉnh, huyện, xã" in check.reason
    assert "tier" in check.missing


def test_a_teacher_of_another_subject_is_not_excluded(layouts):
    maths = Person("viên chức", "tỉnh", False, 35, job="giáo viên toán")
    checks = {c.doc_id: c for c in check_person(layouts, maths).documents}
    assert all(checks[d].status == APPLIES for d in ("41-KH-UBND-Binh-An.txt", "19-KH-UBND-Dong-Son.txt",
                                                     "hoa-binh-news.txt"))


# Whom a plan covers said only in its subject; groups separated by commas; a named body; teachers.
SUBJECT_ONLY = """BỘ XÂY DỰNG
Số: 210/KH-BXD
Hà Nội, ngày 4 tháng 4 năm 2022
KẾ HOẠCH
Bồi dưỡng kỹ năng lãnh đạo đối với công chức, viên chức Bộ Xây dựng giai đoạn 2022 - 2025
I. MỤC ĐÍCH
Nâng cao năng lực lãnh đạo, quản lý.
"""
COMMA_GROUPS = """Tỉnh Tây Hòa học tập ngoại ngữ
Theo đó, cán bộ, công chức trong các cơ quan nhà nước, viên chức trong các đơn vị sự nghiệp công lập là các đối \
tượng được áp dụng kế hoạch này.
"""
NAMED_BODY = """Liên minh Hợp tác xã triển khai đề án ngoại ngữ
Đối tượng áp dụng của đề án gồm: cán bộ, công chức, viên chức đang làm việc tại cơ quan Liên minh Hợp tác xã Việt \
Nam; viên chức các đơn vị sự nghiệp trực thuộc Liên minh Hợp tác xã Việt Nam.
"""
MORE_DOCS = {"210-KH-BXD.txt": SUBJECT_ONLY, "tay-hoa.txt": COMMA_GROUPS, "lien-minh.txt": NAMED_BODY,
             "41-KH-UBND-Binh-An.txt": LAYOUT_DOCS["41-KH-UBND-Binh-An.txt"]}

MORE_VERDICTS = [
    ("ministry-staff", "công chức Vụ Tổ chức cán bộ, Bộ Xây dựng", "210-KH-BXD.txt", APPLIES),
    ("province-department", "công chức Sở Xây dựng tỉnh", "210-KH-BXD.txt", NOT_COVERED),
    ("commune-cadre", "cán bộ cấp xã", "210-KH-BXD.txt", NOT_COVERED),
    ("district-hospital", "viên chức bệnh viện huyện", "tay-hoa.txt", APPLIES),
    ("commune-civil-servant", "công chức cấp xã", "tay-hoa.txt", APPLIES),
    ("other-hospital", "viên chức Bệnh viện Đa khoa tỉnh", "lien-minh.txt", NOT_COVERED),
    ("workplace-unsaid", "viên chức, 30 tuổi", "lien-minh.txt", POSSIBLE),
    ("teacher-subject-unsaid", "viên chức, giáo viên trường THPT công lập", "41-KH-UBND-Binh-An.txt", EXCLUDED_IF),
    ("teacher-of-maths", "viên chức, giáo viên toán trường THPT", "41-KH-UBND-Binh-An.txt", POSSIBLE),  # tier unsaid
]


@pytest.fixture(scope="module")
def more_layouts() -> FactBase:
    return layouts_base(MORE_DOCS)


@pytest.mark.parametrize("description, doc_id, status", [v[1:] for v in MORE_VERDICTS],
                         ids=[v[0] for v in MORE_VERDICTS])
def test_descriptions_as_hr_staff_type_them(more_layouts, description, doc_id, status):
    for typed in (description, plain(description)):
        checks = {c.doc_id: c for c in check_person(more_layouts, person_from_input(typed)).documents}
        assert checks[doc_id].status == status, (typed, checks[doc_id].reason)


def test_a_subject_read_for_coverage_is_quoted(more_layouts):
    (fact,) = [f for f in more_layouts.facts if f.kind == "eligibility" and f.doc_id == "210-KH-BXD.txt"]
    assert fact.data["who"] == "công chức, viên chức Bộ Xây dựng" and fact.data["basis"] == "subject"
    assert fact.quote == "Bồi dưỡng kỹ năng lãnh đạo đối với công chức, viên chức Bộ Xây dựng giai đoạn 2022 - 2025"
