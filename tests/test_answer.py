"""Answers over the two guidance documents: facts in the text, citations with exact quotes, honest refusals.

Each question is asked as typed with diacritics and as typed without them; both must give the fact.
"""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.answer import answer
from knowledge.model import PATH_SEPARATOR
from knowledge.text import strip_diacritics

from conftest import DOC_642


def fold(text: str) -> str:
    return strip_diacritics(text).lower()


# (question, strings the answer text must contain, expected kind)
FACT_QUESTIONS = [
    ("Đến năm 2030 viên chức phải đạt bậc 4 bao nhiêu phần trăm?", ["70%"], "target"),
    ("Chỉ tiêu năm 2025 cho cán bộ, công chức cấp xã là bao nhiêu?", ["20%", "bậc 3"], "target"),
    ("Viên chức lãnh đạo quản lý năm 2025 cần bao nhiêu % đạt bậc 4?", ["50%"], "target"),
    ("Cho tôi số điện thoại di động của người liên hệ về Đề án 2007", ["0977851323"], "contact"),
    ("Email liên hệ của Bộ Ngoại giao là gì?", ["trinhthuhuyen@gmail.com"], "contact"),
    ("Sở Tài chính có nhiệm vụ gì trong kế hoạch 206?", ["quyết toán"], "duty"),
    ("Văn phòng Chính phủ làm gì trong Đề án?", ["đầu mối tổng hợp"], "duty"),
    ("Những ai không áp dụng kế hoạch ngoại ngữ của Hải Phòng?", ["Sở Ngoại vụ", "dạy môn ngoại ngữ"], "exclusion"),
    ("Tôi là giáo viên dạy tiếng Anh, tôi có phải thực hiện kế hoạch 206 không?", ["Không", "giáo viên"], "check"),
    ("Kinh phí học ngoại ngữ cho viên chức lấy từ nguồn nào?", ["đơn vị sự nghiệp công lập"], "funding"),
    ("Kế hoạch 206 thực hiện từ năm nào đến năm nào?", ["2020", "2030"], "roadmap"),
    ("Ai ký Kế hoạch 206/KH-UBND?", ["Nguyễn Xuân Bình"], "document"),
    ("Công văn 642 ban hành ngày nào?", ["08/03/2016"], "document"),
    # steps of a procedure: next, last, first, which one, all (none of "bước tiếp theo" is in the document)
    ("Chiêu sinh xong thì bước tiếp theo là gì?", ["bước 4", "Tổ chức và theo dõi các khóa học"], "step"),
    ("Bước cuối cùng của quy trình tổ chức khóa bồi dưỡng là gì?", ["bước 5", "Tổng hợp đánh giá"], "step"),
    ("Bước đầu tiên khi triển khai kế hoạch bồi dưỡng của năm là gì?", ["Thông báo kế hoạch bồi dưỡng"], "step"),
    ("Soạn đề cương, tài liệu giảng dạy là bước thứ mấy?", ["bước 2 trong 5 bước"], "step"),
    ("Quy trình triển khai các khóa bồi dưỡng gồm những bước nào?", ["5 bước", "Mời giảng viên và chiêu sinh"],
     "step"),
    # where the full text is published (none of "đọc", "ở đâu" is in the document)
    ("Đọc toàn văn Đề án và Phụ lục ở đâu?", ["vanban.chinhphu.vn", "dav.edu.vn"], "link"),
    ("Website của Học viện Ngoại giao là gì?", ["http://www.dav.edu.vn/vi/"], "link"),
]


@pytest.mark.parametrize("typed", ["accented", "plain"])
@pytest.mark.parametrize(("question", "expected", "kind"), FACT_QUESTIONS, ids=[q[2] + ":" + q[0][:30] for q in FACT_QUESTIONS])
def test_fact_answers(kb, question: str, expected: list[str], kind: str, typed: str) -> None:
    asked = question if typed == "accented" else fold(question)
    result = answer(kb, asked)
    assert result.answered, result.answer
    assert result.kind == kind, result.answer
    for fact in expected:
        assert fold(fact) in fold(result.answer), (fact, result.answer)
    assert result.citations


@pytest.mark.parametrize("question", ["Tra cứu điểm thi đại học ở đâu?", "Tải phần mềm Zalo ở đâu?",
                                      "Trang web bán điện thoại nào rẻ?"])
def test_where_to_read_something_the_documents_do_not_publish_is_refused(kb, question: str) -> None:
    assert not answer(kb, question).answered


def test_step_answers_cite_the_step_itself(kb) -> None:
    result = answer(kb, "Chiêu sinh xong thì bước tiếp theo trong quy trình là gì?")
    assert [c.quote for c in result.citations] == ["Tổ chức và theo dõi các khóa học"]
    assert result.citations[0].section.endswith("› (iv) Tổ chức và theo dõi các khóa học")
    last = answer(kb, "Tổng hợp đánh giá các khóa học xong thì bước tiếp theo là gì?")
    assert "bước cuối cùng" in last.answer
    assert not answer(kb, "Bước tiếp theo sau khi nấu cơm là gì?").answered


@pytest.mark.parametrize("question", ["Liên hệ với ai?", "lien he voi ai", "Cho mình xin số điện thoại liên hệ ạ",
                                      "Người liên hệ là ai?"])
def test_contacts_in_general_name_every_documented_contact(kb, question: str) -> None:
    """The greeting's "Liên hệ với ai?" names no document: every contact the documents give, cited."""
    result = answer(kb, question)
    assert result.answered and result.kind == "contact"
    assert "Trịnh Thị Thu Huyền" in result.answer and "0977851323" in result.answer
    assert result.citations and result.citations[0].doc_id == DOC_642


def test_a_contact_the_documents_do_not_give_is_not_answered(kb) -> None:
    assert not answer(kb, "Số điện thoại của công an phường?").answered


def test_citations_are_exact_quotes_with_section_paths(kb) -> None:
    result = answer(kb, "Đối tượng không áp dụng của kế hoạch 206 là ai?")
    for citation in result.citations:
        source = kb.documents[citation.doc_id].source
        assert citation.quote and citation.quote in source
        assert citation.section.startswith("Kế hoạch 206/KH-UBND" + PATH_SEPARATOR)
    assert any("2. Đối tượng không áp dụng" in c.section for c in result.citations)


def test_passage_answer_for_a_question_without_facts(kb) -> None:
    """The sentences that answer (3.2, with the cơ quan thụ hưởng) are the answer; the passage is the citation."""
    result = answer(kb, "Bộ Chủ trì phối hợp với cơ quan thụ hưởng nhằm những mục đích gì?")
    assert result.answered and result.kind == "passage"
    assert "hậu cần" in result.answer
    assert result.citations[0].section.endswith("› 3. Cơ chế phối hợp")
    assert "họp liên Bộ" in result.citations[0].quote


@pytest.mark.parametrize("question", [
    "Giá vàng hôm nay bao nhiêu?",
    "Thời tiết Hà Nội ngày mai thế nào?",
    "Cách nấu bún chả ngon",
    "thu tuc lam ho chieu can nhung gi",
])
def test_off_topic_questions_are_refused_honestly(kb, question: str) -> None:
    result = answer(kb, question)
    assert not result.answered
    assert result.citations == []
    assert "không đề cập" in result.answer
    assert result.confidence < kb.settings.confidence_threshold


def test_nfd_and_old_tone_placement_answer_like_nfc(kb) -> None:
    question = "Đến năm 2030 viên chức phải đạt trình độ ngoại ngữ bậc mấy, tỷ lệ bao nhiêu? Hoà nhập"
    nfd = unicodedata.normalize("NFD", question)
    assert answer(kb, nfd).answer == answer(kb, question).answer


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "?!", "🙂🙂🙂"])
def test_empty_or_meaningless_questions(kb, question: str) -> None:
    result = answer(kb, question)
    assert not result.answered
    assert result.answer


def test_huge_question_gets_a_normal_cited_answer(kb) -> None:
    result = answer(kb, "đối tượng áp dụng " * 1500)  # 27,000 characters
    assert result.answered and result.kind == "eligibility"
    assert len(result.answer) < 2000  # the question is not echoed back
    assert any("Đối tượng áp dụng" in c.section for c in result.citations)


def test_to_dict_shape(kb) -> None:
    data = answer(kb, "Sở Nội vụ có nhiệm vụ gì?").to_dict()
    assert set(data) >= {"answer", "answered", "confidence", "citations"}
    assert set(data["citations"][0]) >= {"doc", "section", "quote"}
