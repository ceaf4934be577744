"""Hybrid search on the real index: diacritics, tone styles, Unicode forms, abbreviations, odd queries."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from conftest import DOC_206, DOC_642
from knowledge.embed import EmbeddingModelError
from knowledge.index import load_index
from knowledge.kinds import plain, question_kind
from knowledge.search import Hit, asked_rows, document_vectors, prepare_query, search
from knowledge.settings import KnowledgeSettings


def where(hit: Hit) -> str:
    """The section path and text of a hit: what a reader sees of it."""
    return f"{hit.chunk.section}\n{hit.chunk.text}"


def ids(hits: list[Hit]) -> list[str]:
    return [h.chunk.chunk_id for h in hits]


@pytest.mark.parametrize(
    ("accented", "plain", "expected_doc", "expected_text"),
    [
        ("đối tượng không áp dụng", "doi tuong khong ap dung", DOC_206, "2. Đối tượng không áp dụng"),
        ("nguồn kinh phí đào tạo bồi dưỡng ngoại ngữ cho viên chức",
         "nguon kinh phi dao tao boi duong ngoai ngu cho vien chuc", DOC_206, "2. Kinh phí"),
        ("lộ trình thực hiện", "lo trinh thuc hien", DOC_206, "1. Lộ trình"),
        ("cơ chế phối hợp giữa các Bộ Chủ trì", "co che phoi hop giua cac bo chu tri", DOC_642, "3. Cơ chế phối hợp"),
        ("hướng dẫn quy đổi chứng chỉ ngoại ngữ", "huong dan quy doi chung chi ngoai ngu", DOC_206,
         "Sở Giáo dục và Đào tạo"),
        ("giáo viên dạy ngoại ngữ có phải học không", "giao vien day ngoai ngu co phai hoc khong", DOC_206,
         "Giáo viên, giảng viên dạy môn ngoại ngữ"),
    ],
    ids=["doi-tuong-khong-ap-dung", "kinh-phi", "lo-trinh", "co-che-phoi-hop", "quy-doi-chung-chi", "giao-vien"],
)
def test_accented_and_unaccented_queries_find_the_same_section(kb, accented, plain, expected_doc, expected_text) -> None:
    with_marks = search(kb, accented, top_k=3)
    without = search(kb, plain, top_k=3)
    assert with_marks and without
    assert with_marks[0].chunk.chunk_id == without[0].chunk.chunk_id
    assert with_marks[0].chunk.section == without[0].chunk.section
    assert with_marks[0].chunk.doc_id == expected_doc
    assert expected_text in where(with_marks[0])


def test_unaccented_query_gets_diacritics_restored_for_the_model(kb) -> None:
    prepared = prepare_query(kb, "doi tuong khong ap dung")
    assert prepared.dense_text.lower() == "đối tượng không áp dụng"
    accented = prepare_query(kb, "Đối tượng không áp dụng")
    assert accented.dense_text == "Đối tượng không áp dụng"


def test_abbreviated_query_finds_the_targets_of_206(kb) -> None:
    def target_rank(hits: list[Hit]) -> int:
        return next(i for i, h in enumerate(hits) if "cấp xã" in h.chunk.text and "bậc 3" in h.chunk.text)

    hits = search(kb, "CBCCVC cấp xã đạt bậc mấy", top_k=3)
    assert hits[0].chunk.doc_id == DOC_206
    assert target_rank(hits) <= 1
    assert "Kế hoạch 206/KH-UBND › III. NỘI DUNG" in hits[target_rank(hits)].chunk.section
    spelled_out = search(kb, "cán bộ công chức viên chức cấp xã đạt bậc mấy", top_k=3)
    assert hits[target_rank(hits)].chunk.chunk_id == spelled_out[target_rank(spelled_out)].chunk.chunk_id


def test_abbreviation_is_spelled_out_for_the_model(kb) -> None:
    assert prepare_query(kb, "UBND cấp xã").dense_text == "ủy ban nhân dân cấp xã"


def test_nfd_query_same_as_nfc(kb) -> None:
    query = "Giáo viên dạy ngoại ngữ có phải học không"
    decomposed = unicodedata.normalize("NFD", query)
    assert decomposed != query
    nfc_hits = search(kb, query, top_k=5)
    nfd_hits = search(kb, decomposed, top_k=5)
    assert ids(nfc_hits) == ids(nfd_hits)
    assert [h.score for h in nfc_hits] == pytest.approx([h.score for h in nfd_hits], abs=1e-5)


def test_both_tone_styles_give_the_same_hits(kb) -> None:
    new_style = search(kb, "Uỷ ban nhân dân thành phố hoà nhập quốc tế", top_k=5)
    old_style = search(kb, "Ủy ban nhân dân thành phố hòa nhập quốc tế", top_k=5)
    assert ids(new_style) == ids(old_style)


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "\u00a0\u3000"])
def test_empty_queries_return_nothing(kb, query) -> None:
    assert search(kb, query) == []
    assert search(kb, query, use_dense=False) == []


def test_very_long_query_does_not_crash(kb) -> None:
    long_query = ("đối tượng không áp dụng kinh phí lộ trình " * 250)[:10_000]
    assert len(long_query) == 10_000
    hits = search(kb, long_query, top_k=5)
    assert 0 < len(hits) <= 5
    junk = "x" * 10_000
    assert len(search(kb, junk, top_k=5)) <= 5


def test_hits_are_ranked_and_bounded(kb) -> None:
    hits = search(kb, "nhiệm vụ của Sở Nội vụ", top_k=7)
    assert len(hits) == 7
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 + 1e-6 for s in scores)
    assert len(set(ids(hits))) == 7
    assert all(0.0 <= h.lexical <= 1.0 + 1e-6 for h in hits)


def test_top_k_larger_than_the_index(kb) -> None:
    hits = search(kb, "cán bộ công chức viên chức", top_k=1000)
    assert 0 < len(hits) <= len(kb.chunks)


def test_query_vector_can_be_passed_in(kb) -> None:
    query = "Sở Ngoại vụ hợp tác quốc tế"
    vector = kb.embedder.query(prepare_query(kb, query).dense_text)
    assert ids(search(kb, query, query_vector=vector)) == ids(search(kb, query))


def test_dense_weight_zero_is_lexical_ranking(kb) -> None:
    query = "Sở Ngoại vụ"
    assert ids(search(kb, query, dense_weight=0.0)) == ids(search(kb, query, use_dense=False))


# ---------------------------------------------------------------------------------------------
# Questions asking for a kind of fact rank the passages holding such facts first


@pytest.fixture(scope="module")
def kb_without_fact_boost(index_dir):
    return load_index(index_dir, KnowledgeSettings(fact_boost=0.0))


@pytest.mark.parametrize(
    ("question", "expected_section"),
    [
        # who signed: the signature block, not the heading that names the plan
        ("Ai ký Kế hoạch 206/KH-UBND?", "Kế hoạch 206/KH-UBND › Phần kết"),
        ("ai ky ke hoach 206/kh-ubnd?", "Kế hoạch 206/KH-UBND › Phần kết"),
        # whom a plan covers: the passage holding its eligibility facts
        ("Đề án 2007 về bồi dưỡng hội nhập quốc tế dành cho những nhóm đối tượng nào?",
         "Công văn 642/BNG-HVNG › I. MỤC TIÊU, ĐỐI TƯỢNG VÀ YÊU CẦU › 2. Đối tượng"),
    ],
    ids=["signer-206", "signer-206-unaccented", "eligibility-642"],
)
def test_question_for_a_kind_of_fact_finds_the_passage_holding_it(kb, kb_without_fact_boost, question,
                                                                   expected_section) -> None:
    boosted = search(kb, question, top_k=3)
    assert boosted[0].chunk.section == expected_section
    # the words alone rank another passage first: the facts make the difference
    assert search(kb_without_fact_boost, question, top_k=3)[0].chunk.section != expected_section


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # an agency's action asked as yes/no: a duty, even when the question names the staff it is for
        ("Thủ trưởng đơn vị có phải sắp xếp thời gian cho cán bộ đi học không?", "duty"),
        ("Sở Tài chính có cần bố trí kinh phí không?", "duty"),
        # a person asking whether the plan covers them
        ("Tôi là công chức cấp xã, có phải học ngoại ngữ không?", "check"),
        ("Tôi là trưởng phòng, có cần báo cáo kết quả học không?", "check"),
        ("Giáo viên tiếng Anh có phải thực hiện kế hoạch không?", "check"),
        # a yes/no question about neither: its other cue words say what it asks
        ("Sở Ngoại vụ có thuộc đối tượng áp dụng không?", "eligibility"),
        ("Kế hoạch này có phải của Hải Phòng không?", None),
    ],
)
def test_yes_no_questions_ask_for_a_duty_or_a_persons_coverage(question: str, kind: str | None) -> None:
    assert question_kind(plain(question)) == kind
    assert question_kind(plain(question.lower())) == kind


def test_a_duty_asked_as_yes_no_finds_the_agencies_duties(kb) -> None:
    hits = search(kb, "Thủ trưởng đơn vị có phải sắp xếp thời gian cho cán bộ đi học không?", top_k=3)
    assert hits[0].chunk.section.startswith("Kế hoạch 206/KH-UBND › V. TỔ CHỨC THỰC HIỆN › 6.")
    assert "thời gian hợp lý" in hits[0].chunk.text


def test_asked_rows_are_the_chunks_holding_the_facts(kb) -> None:
    duty_rows = set(asked_rows(kb, "Sở Tài chính có nhiệm vụ gì?").tolist())
    holding = {row for row, chunk in enumerate(kb.chunks)
               if any(f.kind == "duty" and f.doc_id == chunk.doc_id and chunk.start <= f.start < chunk.end
                      for f in kb.facts)}
    assert duty_rows == holding and duty_rows
    signer_rows = asked_rows(kb, "ai ky ke hoach 206")
    assert [kb.chunks[row].section_path for row in signer_rows] == [["Phần kết"], ["Phần kết"]]
    # a yes/no question describing no person is not about whom the plan covers; one about an agency's action
    # asks for its duties
    assert asked_rows(kb, "Kế hoạch này có phải của Hải Phòng không?").size == 0
    assert set(asked_rows(kb, "Sở Nội vụ có phải tổng hợp báo cáo không?").tolist()) == duty_rows
    assert asked_rows(kb, "Tôi là công chức cấp xã, có phải học không?").size > 0
    assert asked_rows(kb, "Thời tiết hôm nay thế nào?").size == 0


def test_document_vectors_are_each_documents_normalised_mean_chunk_vector(kb) -> None:
    owner, means = document_vectors(kb)
    assert len(owner) == len(kb.chunks) and len(means) == len({c.doc_id for c in kb.chunks})
    for row in range(len(means)):
        members = [i for i, c in enumerate(kb.chunks) if owner[i] == row]
        assert {kb.chunks[i].doc_id for i in members} == {kb.chunks[members[0]].doc_id}
        expected = kb.embeddings[members].mean(axis=0)
        assert np.allclose(means[row], expected / np.linalg.norm(expected), atol=1e-5)


@pytest.mark.parametrize("query", ["nhiệm vụ của Sở Nội vụ", "kinh phí thực hiện", "đối tượng bồi dưỡng ngoại ngữ"])
def test_document_weight_only_reorders_across_documents(kb, query) -> None:
    """Every chunk of a document gets the same document score: chunks of one document keep their order."""
    with_document = search(kb, query, top_k=len(kb.chunks), document_weight=0.3)
    without = search(kb, query, top_k=len(kb.chunks), document_weight=0.0)
    assert sorted(ids(with_document)) == sorted(ids(without))
    for doc_id in {h.chunk.doc_id for h in without}:
        assert [i for i in ids(with_document) if i.startswith(doc_id + "#")] == \
            [i for i in ids(without) if i.startswith(doc_id + "#")]


# ---------------------------------------------------------------------------------------------
# Lexical-only mode works without the model


@pytest.fixture(scope="module")
def kb_without_model(index_dir):
    """The session index loaded with a model path that does not exist (model checks off)."""
    return load_index(index_dir, KnowledgeSettings(embedding_model="/nonexistent/model"), verify_model=False)


def test_lexical_only_search_needs_no_model(kb_without_model) -> None:
    hits = search(kb_without_model, "doi tuong khong ap dung", top_k=3, use_dense=False)
    assert hits[0].chunk.doc_id == DOC_206
    assert "2. Đối tượng không áp dụng" in where(hits[0])
    assert all(h.dense == 0.0 for h in hits)
    assert search(kb_without_model, "CCVC hội nhập quốc tế", use_dense=False)[0].chunk.doc_id == DOC_642


def test_lexical_only_unknown_words_find_nothing(kb_without_model) -> None:
    assert search(kb_without_model, "qwertyuiop zxcvbnm", use_dense=False) == []


def test_dense_search_without_the_model_fails_clearly(kb_without_model) -> None:
    with pytest.raises(EmbeddingModelError, match="CCVC_EMBEDDING_MODEL"):
        search(kb_without_model, "đối tượng", use_dense=True)
