"""Answers over documents made here, one class of failure at a time (issue 19): the document a question names
(number in any spelling, province, issuer, year), refusals when the evidence does not cover the question, two
documents that differ, short answers, parts of a contact, words for a target, and follow-ups.

Four small documents of the usual family: a province's plan (Nghệ An), a news page restating a Prime Minister's
decision (no header of its own), a ministry's letter (Bộ Nội vụ) and a ministry's plan issued with a decision
(Bộ Tư pháp). Nothing here is a question of the real-document set.
"""

from __future__ import annotations

import pytest

from knowledge.answer import answer
from knowledge.focus import focus, read_named
from knowledge.text import strip_diacritics

from conftest import converse, index_of

PLAN = """ỦY BAN NHÂN DÂN TỈNH NGHỆ AN
Số: 12/KH-UBND
Nghệ An, ngày 05 tháng 3 năm 2021
KẾ HOẠCH
Bồi dưỡng tiếng Anh cho cán bộ, công chức, viên chức tỉnh Nghệ An giai đoạn 2021 - 2030
Thực hiện Quyết định số 1234/QĐ-TTg ngày 10/10/2020 của Thủ tướng Chính phủ, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:
I. ĐỐI TƯỢNG
1. Đối tượng áp dụng
Cán bộ, công chức, viên chức đang công tác trong các cơ quan hành chính, đơn vị sự nghiệp công lập của tỉnh.
2. Đối tượng không áp dụng
a) Giáo viên dạy môn tiếng Anh.
b) Công chức làm việc tại Sở Ngoại vụ.
II. MỤC TIÊU
1. Đến năm 2025: 20% cán bộ, công chức cấp xã đạt trình độ ngoại ngữ bậc 3 trở lên; 40% viên chức đạt trình độ ngoại ngữ bậc 4 trở lên.
2. Đến năm 2030: 30% cán bộ, công chức cấp xã (ưu tiên cán bộ, công chức dưới 35 tuổi) đạt trình độ ngoại ngữ bậc 3 trở lên.
III. TỔ CHỨC THỰC HIỆN
1. Sở Nội vụ:
- Chủ trì hướng dẫn các cơ quan đăng ký nhu cầu bồi dưỡng tiếng Anh.
- Định kỳ tổng hợp kết quả, báo cáo Ủy ban nhân dân tỉnh và Bộ Nội vụ.
2. Sở Tài chính:
Thẩm định dự toán và hướng dẫn quyết toán kinh phí bồi dưỡng theo quy định.
3. Sở Giáo dục và Đào tạo:
Tổ chức kiểm tra, cấp chứng nhận trình độ tiếng Anh cho học viên.
Mọi chi tiết vui lòng liên hệ bà Nguyễn Thị Lan, chuyên viên Sở Nội vụ: Di động: 0912345678; Máy bàn: 02383844555 - máy lẻ: 215; Email: lan.snv@nghean.gov.vn.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Trần Văn Hùng
"""

NEWS = """Mục tiêu học tiếng Anh của cán bộ đến năm 2030
Ngày 10/10/2020, Thủ tướng Chính phủ ban hành Quyết định số 1234/QĐ-TTg phê duyệt Đề án bồi dưỡng tiếng Anh cho cán bộ, công chức, viên chức.
Theo đó, đến năm 2030 phấn đấu 45% cán bộ, công chức cấp xã đạt trình độ ngoại ngữ bậc 3 trở lên.
Đề án giao Bộ Nội vụ chủ trì tổ chức thực hiện.
Địa chỉ: | 12 Lê Lợi, Hà Nội |
Điện thoại: | (024) 3999 8888 |
E-mail: | toasoan@baotintuc.vn |
"""

LETTER = """BỘ NỘI VỤ
Số: 345/BNV-CCVC
V/v bồi dưỡng tiếng Anh cho công chức năm 2022
Hà Nội, ngày 20 tháng 01 năm 2022
Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương
Căn cứ Nghị định số 101/2017/NĐ-CP ngày 01/9/2017 của Chính phủ về đào tạo, bồi dưỡng cán bộ, công chức, viên chức;
Căn cứ Thông tư số 06/2021/TT-BNV ngày 15/6/2021 của Bộ trưởng Bộ Nội vụ hướng dẫn bồi dưỡng theo tiêu chuẩn ngạch;
Bộ Nội vụ đề nghị các địa phương thực hiện như sau:
1. Rà soát nhu cầu bồi dưỡng tiếng Anh của công chức năm 2022.
2. Gửi báo cáo kết quả về Bộ Nội vụ trước ngày 15 tháng 12 năm 2022, bản điện tử gửi về hộp thư vuccvc@moha.gov.vn.
KT. BỘ TRƯỞNG
THỨ TRƯỞNG
Lê Văn Minh
"""

MINISTRY_PLAN = """KẾ HOẠCH
BỒI DƯỠNG TIẾNG ANH CHO CÔNG CHỨC, VIÊN CHỨC BỘ TƯ PHÁP GIAI ĐOẠN 2022 - 2025
(Kèm theo Quyết định số 77/QĐ-BTP ngày 02/02/2022 của Bộ trưởng Bộ Tư pháp)
I. MỤC ĐÍCH
Nâng cao năng lực sử dụng tiếng Anh của công chức, viên chức Bộ Tư pháp trong hợp tác quốc tế về pháp luật.
II. MỤC TIÊU
Đến năm 2025: 35% công chức đạt trình độ ngoại ngữ bậc 4 trở lên.
"""

DOCS = {"nghe-an-plan.txt": PLAN, "news-1234.txt": NEWS, "bnv-letter.txt": LETTER, "btp-plan.txt": MINISTRY_PLAN}


@pytest.fixture(scope="module")
def kb(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "focus-docs", DOCS)


def fold(text: str) -> str:
    return strip_diacritics(text).lower()


def cited(result) -> set[str]:
    return {c.doc_id for c in result.citations}


# ------------------------------------------------------------------------------------------------- the document named


@pytest.mark.parametrize("question", ["kh 12 áp dụng cho ai", "KH12 áp dụng cho ai", "kế hoạch số 12 áp dụng cho ai",
                                      "ke hoach cua tinh Nghe An ap dung cho ai",
                                      "kế hoạch của Nghệ An áp dụng cho ai"])
def test_a_document_is_named_by_number_or_province_in_any_spelling(kb, question):
    assert focus(kb, question).docs == ["nghe-an-plan.txt"]


def test_a_page_restating_a_decision_is_named_by_that_decisions_number(kb):
    assert focus(kb, "QĐ 1234 đặt mục tiêu gì").docs == ["news-1234.txt"]
    # the province's plan only carries it out: it is not what "QĐ 1234" names
    assert "nghe-an-plan.txt" not in focus(kb, "quyet dinh 1234 dat muc tieu gi").docs


def test_an_issuer_names_its_documents_only_when_named_as_issuer(kb):
    assert focus(kb, "kế hoạch tiếng Anh của Bộ Tư pháp giai đoạn nào").docs == ["btp-plan.txt"]
    assert focus(kb, "công văn năm 2022 của Bộ Nội vụ gửi ai").docs == ["bnv-letter.txt"]
    # "Bộ Nội vụ làm gì": an agency's duty, not a document of it
    assert focus(kb, "Bộ Nội vụ làm gì trong đề án").docs == []


def test_a_number_that_is_also_a_year_is_read_by_its_neighbours():
    named = read_named("Quyết định 2007 nói gì về mục tiêu đến năm 2030?", known_numbers={"2007"})
    assert named.numbers == ["2007"] and named.years == [2030]
    assert read_named("chỉ tiêu 2025 cho viên chức", known_numbers={"2007"}).years == [2025]
    assert read_named("đề án 2007 giao bộ nào", known_numbers=set()).numbers == ["2007"]
    assert read_named("giai đoạn 2021-2025", known_numbers={"2021"}).years == [2021, 2025]


def test_a_province_no_document_is_from_is_refused_not_answered_from_another(kb):
    result = answer(kb, "Tỉnh Quảng Ninh đặt mục tiêu bao nhiêu % công chức cấp xã đạt bậc 3 đến năm 2025?")
    assert not result.answered and "Quảng Ninh" in result.answer


def test_a_fact_the_named_document_lacks_is_not_taken_from_another(kb):
    # the letter gives no contact; the plan does
    assert not answer(kb, "Công văn 345 ghi số điện thoại liên hệ là gì?").answered
    # the news page gives no duty of Bộ Tài chính; the plan gives one of Sở Tài chính
    assert not answer(kb, "QĐ 1234 giao Bộ Tài chính nhiệm vụ gì?").answered


# ------------------------------------------------------------------------------------------------------ abstention


@pytest.mark.parametrize("question", [
    "Kế hoạch 12 có tổng kinh phí bao nhiêu tỷ đồng?",  # an amount no document states
    "Kế hoạch 12 đặt chỉ tiêu cho năm 2035 không?",  # a year no target of it has
    "Kế hoạch 12 giao Sở Y tế nhiệm vụ gì?",  # an agency it does not name
    "Học phí một lớp tiếng Anh B1 là bao nhiêu tiền?",
    "Thời hạn nộp hồ sơ thi nâng ngạch năm 2023 là ngày nào?",
])
def test_questions_the_documents_do_not_answer_are_refused(kb, question):
    result = answer(kb, question)
    assert not result.answered, result.answer
    assert result.citations == []


def test_the_kind_of_value_asked_must_be_in_the_evidence(kb):
    # the letter has a date for reports: a deadline question is answered with it
    result = answer(kb, "Công văn 345 yêu cầu gửi báo cáo trước ngày nào?")
    assert result.answered and "15 tháng 12" in result.answer


# ----------------------------------------------------------------------------------------- documents that differ


def test_two_documents_that_differ_are_both_given_when_neither_is_named(kb):
    result = answer(kb, "Mục tiêu đến năm 2030 cho cán bộ, công chức cấp xã là bao nhiêu phần trăm?")
    assert result.answered and "30%" in result.answer and "45%" in result.answer
    assert cited(result) == {"nghe-an-plan.txt", "news-1234.txt"}


def test_a_named_document_gets_its_own_figure_only(kb):
    result = answer(kb, "theo kế hoạch của Nghệ An, năm 2030 công chức cấp xã phải đạt bao nhiêu phần trăm")
    assert "30%" in result.answer and "45%" not in result.answer
    assert cited(result) == {"nghe-an-plan.txt"}


# ------------------------------------------------------------------------------------------------- short answers


def test_a_passage_answer_is_its_sentence_and_the_passage_is_the_citation(kb):
    result = answer(kb, "Bộ Tư pháp bồi dưỡng tiếng Anh nhằm mục đích gì?")
    assert result.answered and result.kind == "passage"
    assert "hợp tác quốc tế về pháp luật" in result.answer
    assert len(result.answer.split()) <= 60
    assert "hợp tác quốc tế về pháp luật" in result.citations[0].quote


def test_document_questions_answer_the_part_asked(kb):
    assert "345/BNV-CCVC" in answer(kb, "cv 345 bnv gửi cho ai?").citations[0].section
    assert "Ủy ban nhân dân các tỉnh" in answer(kb, "cv 345 bnv gửi cho ai?").answer
    basis = answer(kb, "Công văn 345 căn cứ thông tư nào?")
    assert "06/2021/TT-BNV" in basis.answer and "101/2017" not in basis.answer
    assert "Trần Văn Hùng" in answer(kb, "ai ký kế hoạch 12/KH-UBND?").answer
    assert "77" in answer(kb, "kế hoạch tiếng Anh của Bộ Tư pháp ban hành kèm theo quyết định số mấy?").answer


# ---------------------------------------------------------------------------------------- contacts and targets


def test_a_part_of_a_contact_in_a_letters_sentence_and_not_a_sites_footer(kb):
    result = answer(kb, "Công văn 345 yêu cầu gửi bản điện tử về email nào?")
    assert result.answered and "vuccvc@moha.gov.vn" in result.answer
    # the news site's own phone in its footer is nobody's contact for the decision
    assert not answer(kb, "số điện thoại liên hệ về Quyết định 1234 là số nào?").answered


def test_a_part_of_a_contact_is_answered_alone(kb):
    result = answer(kb, "kế hoạch 12: chị Lan có máy lẻ số mấy?")
    assert result.answered and "215" in result.answer and "0912345678" not in result.answer
    assert "lan.snv@nghean.gov.vn" in answer(kb, "email của bà Lan ở Sở Nội vụ Nghệ An?").answer


@pytest.mark.parametrize("question", [
    "mục tiêu năm 2025 cho viên chức của kế hoạch 12 là bao nhiêu",
    "Nghệ An phấn đấu đến 2025 bao nhiêu % viên chức đạt bậc 4",
    "kh 12 yêu cầu viên chức đạt chuẩn bậc 4 tỷ lệ bao nhiêu năm 2025",
])
def test_words_for_a_target(kb, question):
    result = answer(kb, question)
    assert result.kind == "target" and "40%" in result.answer


def test_which_group_a_target_favours(kb):
    result = answer(kb, "Chỉ tiêu 2030 của kế hoạch 12 ưu tiên nhóm nào?")
    assert result.kind == "target" and "dưới 35 tuổi" in result.answer


# ----------------------------------------------------------------------------------------------------- follow-ups


def test_another_facet_of_the_same_document(kb):
    first, second = converse(kb, ["Công văn 345 của Bộ Nội vụ gửi ai?", "ký ngày nào?"])
    assert "20/01/2022" in second.answer.answer and cited(second.answer) == {"bnv-letter.txt"}


def test_another_person_after_an_exclusion_answer(kb):
    first, second = converse(kb, ["kh 12 không áp dụng cho ai", "còn giáo viên dạy tiếng Anh thì sao?"])
    assert first.answer.kind == "exclusion"
    assert second.answer.answered and second.answer.answer.startswith("Không")
    assert cited(second.answer) == {"nghe-an-plan.txt"}


def test_a_third_agency_after_two_duties(kb):
    turns = converse(kb, ["Sở Nội vụ làm gì trong kế hoạch 12?", "còn Sở Tài chính?", "Sở GD&ĐT thì sao?"])
    assert "tổng hợp" in turns[0].answer.answer
    assert "quyết toán" in turns[1].answer.answer
    assert "chứng nhận" in turns[2].answer.answer


def test_which_group_a_target_favours_as_a_follow_up(kb):
    first, second = converse(kb, ["Mục tiêu 2030 của Nghệ An cho công chức cấp xã là bao nhiêu?",
                                  "ưu tiên nhóm nào?"])
    assert "30%" in first.answer.answer
    assert "dưới 35 tuổi" in second.answer.answer and cited(second.answer) == {"nghe-an-plan.txt"}


def test_documents_without_a_number_of_their_own_are_named_by_what_they_are(kb):
    from knowledge.focus import display_label

    assert display_label(kb, "news-1234.txt") == "Bài viết về Quyết định 1234/QĐ-TTg (news-1234)"
    assert display_label(kb, "btp-plan.txt") == "Kế hoạch kèm theo Quyết định 77/QĐ-BTP"
    assert display_label(kb, "nghe-an-plan.txt") == "Kế hoạch 12/KH-UBND"
    result = answer(kb, "QĐ 1234 đặt mục tiêu năm 2030 cho cán bộ công chức cấp xã bao nhiêu")
    assert result.citations[0].doc == "Bài viết về Quyết định 1234/QĐ-TTg (news-1234)"
    assert result.citations[0].section.startswith("Bài viết về Quyết định 1234/QĐ-TTg")
