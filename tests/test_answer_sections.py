"""Passage answers shaped by the document's own layout (issue 19), on a plan made here: a sentence announcing a list
answers with its items, a question naming a section is answered by the section's items (the document's own
subject does not count against it), a detail of a section by its item, a long heading sentence is cut so that its
items fit, and the part after the last heading ("Trên đây là …") is no heading a question names.

Nothing here is a question of the real-document set or of the own set.
"""

from __future__ import annotations

import pytest

from knowledge import brief
from knowledge.answer import _with_predicate, answer
from knowledge.text import strip_diacritics

from conftest import index_of

PLAN = """ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Số: 45/KH-UBND
Quảng Trị, ngày 12 tháng 4 năm 2023
KẾ HOẠCH
Bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức tỉnh Quảng Trị năm 2023
Thực hiện Quyết định số 88/QĐ-TTg ngày 20/01/2022 của Thủ tướng Chính phủ phê duyệt Đề án “Nâng cao nhận thức, phổ cập kỹ năng số cho người dân giai đoạn 2022 - 2026”, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:
I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
- Nâng cao kỹ năng số của cán bộ, công chức, viên chức, đáp ứng yêu cầu chuyển đổi số trong cơ quan nhà nước.
- Hình thành đội ngũ công chức sử dụng thành thạo các nền tảng số dùng chung của tỉnh.
2. Yêu cầu
- Việc bồi dưỡng kỹ năng số bảo đảm thiết thực, gắn lý thuyết với thực hành trên hệ thống quản lý văn bản và điều hành.
- Nội dung bồi dưỡng phù hợp với vị trí việc làm, tránh trùng lặp với các lớp đã tổ chức.
- Tăng cường trách nhiệm của thủ trưởng cơ quan, đơn vị trong việc cử công chức tham gia bồi dưỡng.
II. NỘI DUNG
1. Xây dựng kế hoạch bồi dưỡng từng năm
Việc xây dựng kế hoạch bồi dưỡng của từng năm căn cứ trên: (i) Kết quả khảo sát nhu cầu của các sở, ngành, địa phương; (ii) Danh mục nền tảng số dùng chung của tỉnh; (iii) Ý kiến của các chuyên gia về chuyển đổi số.
2. Tăng cường tuyên truyền, nâng cao nhận thức của cán bộ, công chức, viên chức về vai trò của chuyển đổi số trong hoạt động công vụ và trong việc cung cấp dịch vụ công trực tuyến cho người dân, doanh nghiệp trên địa bàn tỉnh.
- Phổ biến các chủ trương, chính sách của Trung ương và của tỉnh về chuyển đổi số đến toàn thể cán bộ, công chức, viên chức trong các cơ quan hành chính, đơn vị sự nghiệp công lập của tỉnh.
- Đẩy mạnh tuyên truyền trên cổng thông tin điện tử, các nhóm trao đổi công việc và các cuộc họp giao ban của cơ quan, đơn vị để mỗi cán bộ, công chức, viên chức hiểu rõ lợi ích của việc xử lý hồ sơ trên môi trường mạng, thường xuyên cập nhật kiến thức và nâng cao ý thức của mỗi người trong việc tự học kỹ năng số.
- Khuyến khích công chức chia sẻ kinh nghiệm sử dụng nền tảng số trong đơn vị.
III. TỔ CHỨC THỰC HIỆN
1. Sở Nội vụ:
Định kỳ tổng hợp kết quả bồi dưỡng, trình Ủy ban nhân dân tỉnh báo cáo Bộ Nội vụ.
2. Sở Thông tin và Truyền thông:
Chủ trì biên soạn tài liệu bồi dưỡng kỹ năng số.
Trên đây là Kế hoạch bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức tỉnh Quảng Trị năm 2023.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Võ Văn Hưng
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "section-docs", {"quang-tri-plan.txt": PLAN})


def fold(text: str) -> str:
    return strip_diacritics(text).lower()


@pytest.mark.parametrize("question", ["Dựa vào đâu để lập kế hoạch bồi dưỡng hằng năm?",
                                      "dua vao dau de lap ke hoach boi duong hang nam?"])
def test_a_sentence_announcing_a_list_answers_with_its_items(kb, question):
    # "lập" is written "xây dựng", "hằng năm" "từng năm"; the items hold what the lead-in announces
    result = answer(kb, question)
    assert result.answered
    assert "căn cứ trên" in result.answer and "khảo sát" in result.answer and "chuyên gia" in result.answer


@pytest.mark.parametrize("question", ["Việc bồi dưỡng kỹ năng số cho công chức của tỉnh phải đáp ứng những yêu cầu gì?",
                                      "viec boi duong ky nang so cho cong chuc cua tinh phai dap ung nhung yeu cau gi?"])
def test_a_section_named_beside_the_documents_own_subject_is_answered_by_its_items(kb, question):
    result = answer(kb, question)
    assert result.answered
    assert "thực hành" in result.answer and "trùng lặp" in result.answer
    assert "thành thạo" not in result.answer  # the aims ("1. Mục đích") are another section


@pytest.mark.parametrize("question", ["Trách nhiệm cử công chức đi bồi dưỡng thuộc về ai theo yêu cầu của kế hoạch?",
                                      "trach nhiem cu cong chuc di boi duong thuoc ve ai theo yeu cau cua ke hoach?"])
def test_a_detail_of_a_named_section_is_answered_by_its_item(kb, question):
    result = answer(kb, question)
    # the item first (other good sentences of the passage may follow it), not the section's list
    assert result.answered and result.answer.split(": ", 1)[1].startswith("- Tăng cường trách nhiệm của thủ trưởng")


@pytest.mark.parametrize("question", ["Kế hoạch đề ra những việc gì để tuyên truyền, nâng cao nhận thức về chuyển đổi số?",
                                      "ke hoach de ra nhung viec gi de tuyen truyen, nang cao nhan thuc ve chuyen doi so?"])
def test_a_long_heading_sentence_is_cut_so_that_its_items_fit(kb, question):
    result = answer(kb, question)
    assert result.answered
    # every item, the long one whole enough to reach its end ("tự học"), the heading cut short
    assert "Phổ biến" in result.answer and "tự học" in result.answer and "chia sẻ kinh nghiệm" in result.answer
    assert "doanh nghiệp trên địa bàn tỉnh" not in result.answer
    assert brief.word_count(result.answer) <= brief.LIST_WORDS + 10


@pytest.mark.parametrize("question", ["Kết quả bồi dưỡng cuối cùng báo cáo lên bộ nào?",
                                      "ket qua boi duong cuoi cung bao cao len bo nao"])
def test_the_part_after_the_last_heading_is_no_heading_a_question_names(kb, question):
    # "kết quả" is not "Phần kết": the sentence that reports to a ministry answers
    result = answer(kb, question)
    assert result.answered and "Bộ Nội vụ" in result.answer and "Trên đây" not in result.answer


@pytest.mark.parametrize("question", ["Đề án phổ cập kỹ năng số cho người dân áp dụng giai đoạn nào?",
                                      "de an pho cap ky nang so cho nguoi dan ap dung giai doan nao?"])
def test_a_period_asked_of_a_name_is_the_one_written_after_it(kb, question):
    # not the plan's own year: the period the text writes after the programme's name
    result = answer(kb, question)
    assert result.answered and "2022 - 2026" in result.answer


def test_an_items_quote_runs_to_the_end_of_its_sentence():
    sentence = ("Công chức các sở, ban, ngành của tỉnh sẽ tham gia các lớp bồi dưỡng kỹ năng số cơ bản trước khi "
                "sử dụng hệ thống; viên chức tự học.")
    reason = "Thuộc đối tượng áp dụng: «Công chức các sở, ban, ngành của tỉnh»."
    assert _with_predicate(reason, [sentence]) == ("Thuộc đối tượng áp dụng: «Công chức các sở, ban, ngành của tỉnh sẽ "
                                                   "tham gia các lớp bồi dưỡng kỹ năng số cơ bản trước khi sử dụng hệ "
                                                   "thống».")
    # a quote that is its whole sentence, or followed by another clause, stays as it is
    assert _with_predicate("«Viên chức tự học»", [sentence]) == "«Viên chức tự học»"
    assert _with_predicate("«Công chức»", ["Công chức. Viên chức."]) == "«Công chức»"


def test_an_item_cut_to_fit_keeps_short_items_whole():
    units = [brief.Sentence(text, None, i) for i, text in enumerate(
        ["1. Heading", "- " + "short " * 10, "- " + "long " * 100, "- " + "mid " * 20])]
    chosen = brief.around(units, 0, limit=80, heading=True)
    lengths = [brief.word_count(u.text) for u in chosen[1:]]
    assert lengths[0] == 11 and lengths[2] == 21 and sum(lengths) + 2 <= 80 + 1
