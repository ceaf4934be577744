"""Third round (2026-12-08), on pages made here: covered groups in running text that go on over the next sentences
of a paragraph and list their units after "gồm:"; the rule check on a group ending with a list of posts (a post
held is the group) or of bodies (where they work is said, what they do still asks); an elected post makes a cán bộ;
a body followed by "tỉnh" alone is the province's; what a news page is about: the document its lead says was issued
(even numbered without a symbol), never a basis listed after "nhằm triển khai …".

Nothing here is a question or a person of the real-document set.
"""

from __future__ import annotations

import pytest

from conftest import index_of
from knowledge.answer import answer
from knowledge.check import APPLIES, NOT_COVERED, POSSIBLE, check_person, parse_person
from knowledge.focus import display_label, profiles


def assert_answers(index, question: str, expected: str) -> None:
    result = answer(index, question)
    assert result.answered and expected in result.answer, result.answer

SCHEME = ("Bộ Nội vụ phê duyệt Đề án bồi dưỡng cán bộ làm công tác dân vận giai đoạn 2024 – 2027\n\n"
          "Theo Đề án, đối tượng được bồi dưỡng là công chức làm công tác dân vận ở cấp tỉnh, cấp huyện gồm: Ban Dân "
          "vận Tỉnh ủy; Phòng Dân vận thuộc Sở Nội vụ; Văn phòng Huyện ủy. Cán bộ làm công tác dân vận của các đoàn "
          "thể ở cấp tỉnh, cấp huyện gồm: Hội Cựu chiến binh Việt Nam, Đoàn Thanh niên Cộng sản Hồ Chí Minh, Hội Nông "
          "dân Việt Nam. Cán bộ kiêm nhiệm công tác dân vận ở cấp cơ sở: Phó Bí thư Đảng ủy, Phó Chủ tịch Ủy ban nhân "
          "dân cấp xã. Đề án thực hiện tại 10 tỉnh miền núi.\n")
PLAN_PAGE = ("Nâng cao kỹ năng số cho cán bộ hải quan\n\n"
             "(PV) - Cục Hải quan tỉnh vừa có Kế hoạch số 512 ngày 3-4-2021 về bồi dưỡng kỹ năng số cho công chức "
             "giai đoạn 2021-2025. Theo đó, đến năm 2025 có 80% công chức sử dụng thành thạo dịch vụ công trực "
             "tuyến.\n")
BASES_PAGE = ("Tập huấn nghiệp vụ thống kê năm 2025\n\n"
              "Cục Thống kê vừa ban hành Kế hoạch đào tạo, bồi dưỡng công chức năm 2025 nhằm triển khai thực hiện "
              "Luật Thống kê năm 2015 và các Nghị quyết như: Nghị quyết số 14/NQ-CP ngày 2/2/2023 về cải cách hành "
              "chính, Nghị quyết số 57-NQ/TW ngày 22/12/2024 về khoa học, công nghệ. Kế hoạch mở 12 lớp.\n")


@pytest.fixture(scope="module")
def index(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "round3",
                    {"dan-van.txt": SCHEME, "hai-quan.txt": PLAN_PAGE, "thong-ke.txt": BASES_PAGE})


def test_running_text_groups_go_on_over_the_paragraph_with_their_units(index):
    facts = [f for f in index.facts if f.doc_id == "dan-van.txt" and f.kind == "eligibility"]
    whos = [f.data["who"] for f in facts]
    assert len(whos) == 3 and all(f.data["applies"] for f in facts)
    assert "Phòng Dân vận thuộc Sở Nội vụ" in whos[0] and "Văn phòng Huyện ủy" in whos[0]
    assert "Hội Nông dân Việt Nam" in whos[1] and "Phó Chủ tịch" in whos[2]
    assert not any("10 tỉnh" in who for who in whos)  # the paragraph's next sentence names nobody


@pytest.mark.parametrize("description, status", [
    ("Phó Chủ tịch UBND xã", APPLIES),  # a post the group lists
    ("cán bộ Hội Cựu chiến binh tỉnh làm công tác dân vận", APPLIES),  # a body listed, the job said
    ("cán bộ Hội Nông dân huyện", POSSIBLE),  # a body listed, the job not said
    ("công chức Phòng Dân vận thuộc Sở Nội vụ, làm công tác dân vận", APPLIES),
    ("công chức Sở Xây dựng tỉnh", NOT_COVERED),
])
def test_groups_ending_with_a_list(index, description, status):
    found = next(d for d in check_person(index, parse_person(description)).documents if d.doc_id == "dan-van.txt")
    assert found.status == status, found.reason


def test_a_post_and_the_province():
    assert parse_person("Phó Chủ tịch UBND xã").role == "cán bộ"
    assert parse_person("Giám đốc Sở Tài chính").role == "công chức"  # an appointed post: the Sở's staff
    assert parse_person("cán bộ Hội Cựu chiến binh tỉnh").tier == "tỉnh"
    assert parse_person("công chức ở tỉnh Lâm Đồng").tier is None  # a place, not the tier


def test_a_page_is_about_the_document_its_lead_says_was_issued(index):
    pages = profiles(index)
    assert pages["hai-quan.txt"].own == {"512"}
    assert display_label(index, "hai-quan.txt", short=True) == "Bài viết về Kế hoạch 512"
    assert not pages["thong-ke.txt"].own  # its bases, listed after "nhằm triển khai", are not what it is
    result = answer(index, "kh 512 cua hai quan den nam 2025 bao nhieu phan tram cong chuc su dung thanh thao")
    assert result.answered and "80%" in result.answer
    assert [c.doc_id for c in result.citations][:1] == ["hai-quan.txt"]


# ---------------------------------------------------------------------------------------------- questions on pages
COURSE_PAGE = ("Khai giảng lớp bồi dưỡng kiến thức quốc phòng và an ninh cho đối tượng 2\n\n"
               "Skip to main content\n\n"
               "Hữu Nam 05/03/2024 - 09:15\n\n"
               "(TTXVN) - Hội đồng Giáo dục quốc phòng và an ninh tỉnh vừa có Kế hoạch số 88 ngày 2-3-2024 về bồi dưỡng "
               "kiến thức quốc phòng và an ninh cho đối tượng 2 năm 2024.\n\n"
               "Theo đó, năm 2024 mở 4 lớp, mỗi lớp 60 học viên; Địa điểm: Tại Trường Quân sự tỉnh. Đến năm 2025, 90% "
               "cán bộ đối tượng 2 được bồi dưỡng, 30% đạt loại giỏi.\n\n"
               "Ban Chỉ huy Quân sự các huyện lập danh sách học viên gửi về Bộ Chỉ huy Quân sự tỉnh.\n\n"
               "Kế hoạch được thực hiện từ năm 2024 đến năm 2026. Kế hoạch có hiệu lực kể từ ngày ký.\n")


@pytest.fixture(scope="module")
def course(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "round3-course", {"qpan-2024.txt": COURSE_PAGE})


@pytest.mark.parametrize("question, expected", [
    ("kh 88 ban hành ngày nào?", "2-3-2024"),  # a date written with dashes is a date
    ("lớp qpan đối tượng 2 năm 2024 học ở đâu?", "Trường Quân sự tỉnh"),  # where: a sentence naming a venue
    ("đến 2025 cán bộ đối tượng 2 được bồi dưỡng bậc mấy, tỷ lệ bao nhiêu?", "90%"),  # "mấy, tỷ lệ" is no money
    ("kế hoạch 88 về quốc phòng thực hiện trong giai đoạn nào?", "2026"),  # a period: a sentence with two years
    ("kế hoạch 88 có hiệu lực từ ngày nào?", "kể từ ngày ký"),  # not any sentence with a date
    ("kh 88 doi tuong 2 nam 2024 mo may lop, moi lop bao nhieu hoc vien?", "4 lớp"),  # a count: number and noun
])
def test_answers_on_a_course_page(course, question, expected):
    assert_answers(course, question, expected)


def test_a_target_stated_by_what_its_group_does_keeps_it(course):
    # "90% cán bộ … được bồi dưỡng, 30% đạt loại giỏi": the 90% is of those trained, not of those rated giỏi
    (target,) = [f for f in course.facts if f.kind == "target" and f.data["percent"] == 90]
    assert target.data["level_text"] == "được bồi dưỡng" and target.data["level"] is None


def test_a_numbered_group_the_page_does_not_name_is_not_answered(course):
    assert not answer(course, "năm 2024 mở bao nhiêu lớp bồi dưỡng QPAN cho đối tượng 4?").answered
    assert answer(course, "năm 2024 mở bao nhiêu lớp bồi dưỡng QPAN cho đối tượng 2?").answered


def test_page_furniture_and_bylines_stay_out_of_an_answer(course):
    result = answer(course, "kế hoạch 88 bồi dưỡng quốc phòng cho đối tượng nào, năm nào?")
    assert result.answered and "Skip" not in result.answer and "09:15" not in result.answer, result.answer


@pytest.mark.parametrize("question, kind", [
    ("Ai phân bổ chỉ tiêu cử cán bộ đi học?", "duty"),  # who does something, whatever its object
    ("co quan nao lap danh sach hoc vien", "duty"),
    ("nội dung bồi dưỡng thực hiện theo thông tư số mấy?", "document"),
    ("đối tượng 1 học mấy ngày?", None),  # a group by its number is no question on whom a plan covers
    # a scheme named by its period is still asked about a person's coverage; a period asked alone is a roadmap
    ("Hội Cựu chiến binh có cán bộ thuộc đối tượng bồi dưỡng công tác dân vận giai đoạn 2024-2027 không?", "check"),
    ("đề án có bồi dưỡng cán bộ của Bộ Ngoại giao không?", "check"),
    ("Giai đoạn 2021-2025 làm những gì?", "roadmap"),
])
def test_kind_of_question(question, kind):
    from knowledge.kinds import plain as fold_question, question_kind
    assert question_kind(fold_question(question)) == kind


# ------------------------------------------------------------------------------------- groups and headers, round 3b
LISTED_PAGE = ("Bộ Nội vụ phê duyệt Đề án bồi dưỡng nghiệp vụ văn thư, lưu trữ\n\n"
               "Ngày 3/4/2023, Bộ trưởng Bộ Nội vụ ký ban hành Quyết định số 215/QĐ-BNV phê duyệt Đề án.\n\n"
               "Đối tượng làm công tác văn thư, lưu trữ gồm: Công chức làm công tác văn thư của Văn phòng Bộ; "
               "cơ quan chuyên môn làm nhiệm vụ lưu trữ thuộc UBND tỉnh.\n"
               "Cán bộ, công chức kiêm nhiệm công tác văn thư ở cấp xã.\n"
               "Cán bộ được cử đi học phải hoàn thành khóa học đúng hạn.\n")
POLICE_PAGE = ("Nâng cao kỹ năng tin học cho lực lượng phòng cháy\n\n"
               "(PV) - Cục Cảnh sát phòng cháy vừa có Kế hoạch số 412 ngày 5-6-2019 về bồi dưỡng tin học giai đoạn "
               "2019–2021 cho CBCS làm công tác tham mưu nhằm nâng cao hiệu quả công tác.\n")
HEADER_WITHOUT_NUMBER = ("THỦ TƯỚNG CHÍNH PHỦ\nCỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                         "Hà Nội, ngày 12 tháng 5 năm 2009\n\nQUYẾT ĐỊNH\n\nPhê duyệt Đề án bồi dưỡng cán bộ làm công tác "
                         "thi đua, khen thưởng giai đoạn 2009 – 2012\n\nTHỦ TƯỚNG CHÍNH PHỦ\n\n"
                         "Căn cứ Luật Tổ chức Chính phủ ngày 25 tháng 12 năm 2001;\n\n"
                         "Căn cứ Nghị định số 42/2005/NĐ-CP ngày 1 tháng 4 năm 2005 của Chính phủ quy định chi tiết "
                         "thi hành Luật Thi đua, khen thưởng;\n\nXét đề nghị của Bộ trưởng Bộ Nội vụ,\n\nQUYẾT ĐỊNH:\n\n"
                         "Điều 1. Phê duyệt Đề án bồi dưỡng cán bộ làm công tác thi đua, khen thưởng giai đoạn 2009 – "
                         "2012 với nội dung chính sau đây:\n")


@pytest.fixture(scope="module")
def round3b(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "round3b", {"van-thu.txt": LISTED_PAGE, "pccc.txt": POLICE_PAGE,
                                                            "thi-dua.txt": HEADER_WITHOUT_NUMBER})


def test_a_described_group_list_goes_on_into_the_next_paragraph_but_not_into_what_people_must_do(round3b):
    whos = [f.data["who"] for f in round3b.facts if f.doc_id == "van-thu.txt" and f.kind == "eligibility"]
    assert len(whos) == 2, whos
    assert "cơ quan chuyên môn làm nhiệm vụ lưu trữ thuộc UBND tỉnh" in whos[0]  # a unit listed with its group
    assert whos[1].startswith("Cán bộ, công chức kiêm nhiệm")


def test_whom_a_page_covers_from_its_lead_when_the_headline_names_no_role(round3b):
    (fact,) = [f for f in round3b.facts if f.doc_id == "pccc.txt" and f.kind == "eligibility"]
    assert fact.data["who"] == "CBCS làm công tác tham mưu" and fact.data["basis"] == "subject"
    from knowledge.focus import read_named
    assert read_named("kế hoạch giai đoạn 2019–2021", set()).years == [2019, 2021]  # an en dash is a period's


@pytest.mark.parametrize("question, expected", [
    ("quyết định về thi đua khen thưởng 2009-2012 căn cứ nghị định nào?", "42/2005/NĐ-CP"),
    ("quyết định về thi đua khen thưởng 2009-2012 ký ngày nào?", "12/05/2009"),
])
def test_a_header_whose_number_a_copy_lost_still_answers(round3b, question, expected):
    assert_answers(round3b, question, expected)


def test_a_lost_number_is_not_answered_with_a_number_it_cites(round3b):
    result = answer(round3b, "Quyết định phê duyệt đề án bồi dưỡng cán bộ thi đua khen thưởng 2009-2012 số mấy?")
    assert not result.answered or "42/2005" not in result.answer, result.answer
    # a period the document is not of: not its date
    other = answer(round3b, "Đề án bồi dưỡng cán bộ thi đua khen thưởng 2015-2020 ký ngày nào?")
    assert "12/05/2009" not in other.answer or not other.answered


def test_a_yes_no_question_on_whom_it_covers_is_asked_of_the_document_talked_about(index):
    from knowledge.conversation import ask
    first = ask(index, "kế hoạch 512 của hải quan đến năm 2025 bao nhiêu phần trăm công chức sử dụng thành thạo?")
    assert [c.doc_id for c in first.answer.citations][:1] == ["hai-quan.txt"]
    then = ask(index, "đề án dân vận 2024 – 2027 có áp dụng cho cán bộ Hội Nông dân tỉnh không?", first.context)
    assert [c.doc_id for c in then.answer.citations][:1] == ["dan-van.txt"]  # it names its own: that one
    scheme = ask(index, "Đề án bồi dưỡng cán bộ làm công tác dân vận giai đoạn 2024 – 2027 thực hiện ở bao nhiêu tỉnh?")
    follow = ask(index, "có áp dụng cho Phó Chủ tịch Ủy ban nhân dân cấp xã không?", scheme.context)
    assert follow.answer.answered and [c.doc_id for c in follow.answer.citations][:1] == ["dan-van.txt"], \
        follow.answer.answer


@pytest.mark.parametrize("question, expected", [
    # a law asked for: "Luật Thống kê", not a sentence on "pháp luật"; a list given inline after "như:" is one sentence
    ("kế hoạch đào tạo năm 2025 của Cục Thống kê nhằm triển khai luật nào?", "Luật Thống kê"),
    ("kế hoạch đào tạo năm 2025 của Cục Thống kê thực hiện nghị quyết nào về khoa học, công nghệ?", "57-NQ/TW"),
])
def test_what_a_page_carries_out(index, question, expected):
    assert_answers(index, question, expected)


def test_a_document_named_by_its_number_wins_over_an_issuer_of_the_one_asked_for(index):
    from knowledge.focus import focus
    # "quyết định nào của Thủ tướng": the issuer of what is asked for, not of the plan asked of
    assert focus(index, "kh 512 triển khai quyết định nào của Thủ tướng?").docs == ["hai-quan.txt"]


# --------------------------------------------------------------------------------- whom a page's purpose names
PURPOSE_PAGE = ("(Website Sở) - Ngày 4/3/2021, UBND tỉnh ký ban hành Kế hoạch số 61/KH-UBND về thực hiện Đề án bồi "
                "dưỡng kiến thức pháp luật.\nTheo đó, Kế hoạch nhằm nâng cao trình độ, nghiệp vụ cho đội ngũ cán bộ, "
                "công chức, viên chức làm công tác pháp chế; Bồi dưỡng kỹ năng hòa giải cho đội ngũ cán bộ, công chức "
                "tiếp xúc trực tiếp với người dân.\nSở Tư pháp là cơ quan thường trực.\n")
STATED_COPY = ("Đề án bồi dưỡng pháp luật (bài 1)\nNgày 9/9/2020, Thủ tướng ký Quyết định số 733/QĐ-TTg.\n"
               "Đối tượng áp dụng gồm: cán bộ, công chức, viên chức các cơ quan nhà nước.\n"
               "Quyết định không áp dụng đối với cán bộ, công chức, viên chức ngành tòa án.\n")
PURPOSE_COPY = ("Đề án bồi dưỡng pháp luật (bài 2)\nThủ tướng vừa ban hành Quyết định số 733/QĐ-TTg về bồi dưỡng "
                "kiến thức pháp luật cho đội ngũ cán bộ, công chức, viên chức nhằm nâng cao chất lượng.\n")


@pytest.fixture(scope="module")
def purposes(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "round3-purpose", {"phap-che.txt": PURPOSE_PAGE,
                                                                   "copy-stated.txt": STATED_COPY,
                                                                   "copy-purpose.txt": PURPOSE_COPY})


def test_whom_a_plan_is_for_read_from_its_purpose(purposes):
    facts = [f for f in purposes.facts if f.doc_id == "phap-che.txt" and f.kind == "eligibility"]
    assert [f.data["basis"] for f in facts] == ["purpose", "purpose"]
    assert facts[0].data["who"] == "đội ngũ cán bộ, công chức, viên chức làm công tác pháp chế"
    found = next(d for d in check_person(purposes, parse_person("công chức Sở Tư pháp làm công tác pháp chế")).documents
                 if d.doc_id == "phap-che.txt")
    assert found.status == APPLIES, found.reason


def test_a_copy_stating_whom_it_covers_answers_before_one_read_from_its_purpose(purposes):
    result = answer(purposes, "cán bộ ngành tòa án có thuộc đối tượng của quyết định 733 không?")
    assert result.answered and result.answer.startswith("Không"), result.answer
