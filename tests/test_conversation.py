"""Follow-up questions answered from the context of the previous answer (knowledge/conversation.py)."""

from __future__ import annotations

import pytest

from knowledge.conversation import Context, ask, complete_question, is_follow_up

from conftest import DOC_206, DOC_642, converse


@pytest.mark.parametrize("questions, expected", [
    (["Chỉ tiêu năm 2025 cho công chức là bao nhiêu?", "còn năm 2030 thì sao?"], ["25%", "35%"]),
    (["chi tieu nam 2025 cua cong chuc", "con nam 2030"], ["25%", "35%"]),
    (["Chỉ tiêu năm 2025 cho công chức là bao nhiêu?", "còn năm 2030 thì sao?", "thế còn viên chức?"],
     ["25%", "35%", "70%"]),
    (["Đến năm 2025 viên chức phải đạt tỷ lệ bao nhiêu?", "the con can bo cong chuc cap xa?"], ["60%", "20%"]),
])
def test_target_follow_ups(kb, questions, expected):
    turns = converse(kb, questions)
    for turn, fact in zip(turns, expected):
        assert turn.answer.answered and turn.answer.kind == "target"
        assert fact in turn.answer.answer
        assert turn.answer.citations[0].doc_id == DOC_206


def test_year_follow_up_keeps_the_group_and_changes_the_year(kb):
    first, second = converse(kb, ["Chỉ tiêu năm 2025 cho viên chức?", "còn năm 2030 thì sao?"])
    assert first.context.year == 2025 and second.context.year == 2030
    assert second.context.group == "viên chức"
    assert "2030" in second.answer.answer and "2025" not in second.answer.answer


def test_contact_follow_up_names_the_person(kb):
    first, second = converse(kb, ["Liên hệ với ai về công văn 642?", "số điện thoại của người đó?"])
    assert first.context.contact and first.context.doc_id == DOC_642
    assert second.answer.answered and second.answer.kind == "contact"
    assert first.context.contact in second.answer.answer
    assert "0977851323" in second.answer.answer


def test_duty_follow_up_switches_agency(kb):
    first, second = converse(kb, ["Sở Nội vụ có nhiệm vụ gì?", "còn Sở Tài chính?"])
    assert first.answer.answer.startswith("Nhiệm vụ của Sở Nội vụ")
    assert second.answer.answer.startswith("Nhiệm vụ của Sở Tài chính")
    assert second.context.agency == "Sở Tài chính"


def test_a_complete_question_ignores_the_context(kb):
    context = Context(kind="target", doc_id=DOC_206, year=2025, group="công chức")
    assert complete_question(kb, "Kinh phí thực hiện đề án lấy từ đâu?", context) == \
        "Kinh phí thực hiện đề án lấy từ đâu?"


@pytest.mark.parametrize("question, expected", [
    ("còn năm 2030 thì sao?", True), ("thế còn viên chức?", True), ("con cap xa", True),
    ("số điện thoại của người đó?", True), ("Đối tượng áp dụng của kế hoạch 206 là ai?", False),
])
def test_is_follow_up(question, expected):
    assert is_follow_up(question) is expected


def test_next_questions_offer_the_other_year(kb):
    turn = ask(kb, "Chỉ tiêu năm 2025 cho công chức là bao nhiêu?")
    assert turn.next_questions and turn.next_questions[0] == "Còn năm 2030 thì sao?"


def test_not_covered_keeps_the_context_and_suggests_topics(kb):
    context = Context(kind="target", doc_id=DOC_206, year=2025)
    turn = ask(kb, "Giá vàng hôm nay bao nhiêu?", context)
    assert not turn.answer.answered
    assert turn.context == context
    assert turn.next_questions == turn.answer.suggestions[:3]


def test_context_round_trips_as_plain_data():
    context = Context(kind="contact", doc_id=DOC_642, contact="Trịnh Thị Thu Huyền")
    assert Context.from_dict(context.to_dict()) == context
    assert Context.from_dict({"kind": "target", "unknown": 1, "year": None}) == Context(kind="target")
    assert Context.from_dict(None) == Context()
