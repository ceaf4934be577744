"""Sections and chunks of Vietnamese administrative documents: paths, spans, web leftovers, edge inputs."""

from __future__ import annotations

import re
import time

import pytest

from conftest import DOC_206, DOC_642, DOCS
from knowledge.docinfo import extract_info
from knowledge.index import document_label
from knowledge.model import PATH_SEPARATOR, Document, Section
from knowledge.structure import (
    CLOSING,
    PREAMBLE,
    chunk_document,
    clean_lines,
    iter_sections,
    parse_structure,
)
from knowledge.text import collapse_whitespace, normalize

SEP = PATH_SEPARATOR
WEB_LEFTOVERS = [
    "Ý kiến bạn đọc",
    "Nhấp vào nút tại mỗi ô tìm kiếm",
    "Màn hình hiện lên",
    "giới hạn tối đa 10 giây",
    "nút micro đang xoay",
    "Để tăng độ chính xác",
]


def source_of(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def document(name: str) -> Document:
    doc = Document(doc_id=name, source=source_of(name), title=name)
    doc.info = extract_info(doc)
    return doc


def chunks_of(name: str, max_chars: int = 900):
    doc = document(name)
    return doc, chunk_document(doc, document_label(doc), max_chars=max_chars)


def sections_by_path(source: str) -> dict[str, Section]:
    return {SEP.join(s.path): s for s in iter_sections(parse_structure(source).root)}


def span_text(source: str, start: int, end: int) -> str:
    return collapse_whitespace(normalize(source[start:end]))


# ---------------------------------------------------------------------------------------------
# Section paths of the sample documents


def test_206_top_level_parts_in_order() -> None:
    root = parse_structure(source_of(DOC_206)).root
    tops = [child.path[0] for child in root.children]
    assert tops == [
        PREAMBLE,
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. ĐỐI TƯỢNG",
        "III. NỘI DUNG",
        "IV. LỘ TRÌNH VÀ KINH PHÍ THỰC HIỆN",
        "V. TỔ CHỨC THỰC HIỆN",
        CLOSING,
    ]


def test_206_numbered_sections_and_lettered_items() -> None:
    paths = sections_by_path(source_of(DOC_206))
    assert "II. ĐỐI TƯỢNG › 1. Đối tượng áp dụng" in paths
    assert "II. ĐỐI TƯỢNG › 2. Đối tượng không áp dụng" in paths
    # "3. Thời gian thực hiện: Từ năm 2020 …" is labelled up to its colon.
    assert "II. ĐỐI TƯỢNG › 3. Thời gian thực hiện" in paths
    # a) / b) items nest under their numbered section.
    excluded = [p for p in paths if p.startswith("II. ĐỐI TƯỢNG › 2. Đối tượng không áp dụng › ")]
    assert len(excluded) == 2
    assert excluded[0].split(SEP)[-1].startswith("a) Công chức công tác tại Sở Ngoại vụ")
    assert excluded[1].split(SEP)[-1] == "b) Giáo viên, giảng viên dạy môn ngoại ngữ"
    roadmap = "IV. LỘ TRÌNH VÀ KINH PHÍ THỰC HIỆN › 1. Lộ trình"
    assert f"{roadmap} › a) Năm 2020" in paths
    assert f"{roadmap} › b) Năm 2021 - 2025" in paths
    assert f"{roadmap} › c) Năm 2025 - 2030" in paths
    assert "V. TỔ CHỨC THỰC HIỆN › 3. Sở Tài chính" in paths


def test_206_section_spans_cover_their_text() -> None:
    source = source_of(DOC_206)
    section = sections_by_path(source)["II. ĐỐI TƯỢNG › 2. Đối tượng không áp dụng"]
    body = source[section.start:section.end]
    assert body.startswith("2. Đối tượng không áp dụng")
    assert body.rstrip().endswith("b) Giáo viên, giảng viên dạy môn ngoại ngữ.")
    assert "3. Thời gian thực hiện" not in body


def test_206_closing_part_holds_recipients_and_signer() -> None:
    source = source_of(DOC_206)
    root = parse_structure(source).root
    closing = root.children[-1]
    assert closing.path == [CLOSING]
    text = source[closing.start:closing.end]
    assert text.startswith("Trên đây là Kế hoạch")
    assert "Nơi nhận" in text
    # Recipient lists ("- UBND quận, huyện;") are not numbered sections.
    assert closing.children == []


def test_642_deep_nesting() -> None:
    paths = sections_by_path(source_of(DOC_642))
    deep = [p.split(SEP) for p in paths if p.split(SEP)[-1].startswith("1.2.1.")]
    assert len(deep) == 1
    part, one, one_two, one_two_one = deep[0]
    assert part == "II. HƯỚNG DẪN TRIỂN KHAI"
    assert one.startswith("1. Đối với các Bộ Chủ trì các lĩnh vực bồi dưỡng của Đề án")
    assert one.endswith("…")  # long headings are cut at a word boundary
    assert one_two == "1.2. Quy trình triển khai các khóa bồi dưỡng"
    assert one_two_one == "1.2.1. Xây dựng kế hoạch bồi dưỡng và dự trù kinh phí cụ thể của từng năm"
    siblings = [p.split(SEP)[-1] for p in paths if p.split(SEP)[:2] == [part, one] and len(p.split(SEP)) == 3]
    assert siblings == ["1.1. Phân công nhiệm vụ", one_two]


def test_642_roman_numbered_items() -> None:
    paths = sections_by_path(source_of(DOC_642))
    audience = "I. MỤC TIÊU, ĐỐI TƯỢNG VÀ YÊU CẦU › 2. Đối tượng"
    items = [p.split(SEP)[-1] for p in paths if p.startswith(audience + SEP)]
    assert [item.split()[0] for item in items] == ["(i)", "(ii)"]
    assert items[0].startswith("(i) Chuyên gia hoặc công chức, viên chức (CCVC)")
    steps = [p.split(SEP)[-1] for p in paths if SEP + "1.2.2. " in p and p.split(SEP)[-1].startswith("(")]
    assert steps == [
        "(i) Thông báo kế hoạch bồi dưỡng của năm cho các Bộ, ngành và địa phương",
        "(ii) Tổ chức xây dựng đề cương, biên soạn tài liệu phục vụ giảng dạy",
        "(iii) Mời giảng viên và chiêu sinh",
        "(iv) Tổ chức và theo dõi các khóa học",
        "(v) Tổng hợp đánh giá các khóa học",
    ]


def test_642_inline_roman_items_are_not_sections() -> None:
    """'… nhằm: (i) Đảm bảo …; (ii) Bố trí …' inside a paragraph does not open sections."""
    source = source_of(DOC_642)
    for section in iter_sections(parse_structure(source).root):
        if section.marker.startswith("("):
            line_start = source.rfind("\n", 0, section.start) + 1
            assert source[line_start:section.start].strip(" |") == "", section.path


def test_642_subsection_without_trailing_dot() -> None:
    paths = sections_by_path(source_of(DOC_642))
    mechanism = "II. HƯỚNG DẪN TRIỂN KHAI › 3. Cơ chế phối hợp"
    children = [p.split(SEP)[-1] for p in paths if p.startswith(mechanism + SEP)]
    assert children == [
        "3.1 Cơ chế phối hợp giữa các Bộ Chủ trì",
        "3.2. Cơ chế phối hợp giữa các Bộ Chủ trì và các cơ quan thụ hưởng",
    ]


def test_642_preamble_and_closing() -> None:
    source = source_of(DOC_642)
    root = parse_structure(source).root
    assert root.children[0].path == [PREAMBLE]
    assert "Số: 642/BNG-HVNG" in source[root.children[0].start:root.children[0].end]
    assert root.children[-1].path == [CLOSING]
    assert source[root.children[-1].start:].startswith("Trên đây là các nội dung Hướng dẫn")


# ---------------------------------------------------------------------------------------------
# Web-page leftovers


def test_642_web_leftovers_dropped_from_lines() -> None:
    source = source_of(DOC_642)
    assert all(junk in source for junk in WEB_LEFTOVERS)  # the file really has them
    lines = clean_lines(source)
    for junk in WEB_LEFTOVERS:
        assert not any(junk.lower() in line.text.lower() for line in lines), junk
    # The document's own last words are kept.
    assert any("trân trọng cảm ơn sự hợp tác" in line.text for line in lines)


@pytest.mark.parametrize("name", [DOC_206, DOC_642])
def test_web_leftovers_absent_from_every_chunk(name: str) -> None:
    doc, chunks = chunks_of(name)
    assert chunks
    for chunk in chunks:
        for junk in WEB_LEFTOVERS:
            assert junk.lower() not in chunk.text.lower(), (chunk.chunk_id, junk)
            # Nor inside the source span the chunk quotes.
            assert junk.lower() not in doc.source[chunk.start:chunk.end].lower(), (chunk.chunk_id, junk)


def test_voice_help_inside_a_document_is_dropped_wherever_it_is() -> None:
    source = (
        "1. Mục đích\n"
        "Nhấp vào nút tại mỗi ô tìm kiếm.\n"
        "Nâng cao năng lực ngoại ngữ.\n"
        "2. Yêu cầu\n"
        "Thực hiện đúng quy định.\n"
    )
    texts = [line.text for line in clean_lines(source)]
    assert texts == ["1. Mục đích", "Nâng cao năng lực ngoại ngữ.", "2. Yêu cầu", "Thực hiện đúng quy định."]


# ---------------------------------------------------------------------------------------------
# Chunks: text is the normalised span, spans are ordered, nothing is lost


@pytest.mark.parametrize("name", [DOC_206, DOC_642])
def test_chunk_text_matches_span_apart_from_table_pipes(name: str) -> None:
    doc, chunks = chunks_of(name)

    def unpiped(text: str) -> str:
        return collapse_whitespace(text.replace("|", " "))

    for chunk in chunks:
        assert unpiped(span_text(doc.source, chunk.start, chunk.end)) == unpiped(chunk.text), chunk.chunk_id


@pytest.mark.parametrize("name", [DOC_206, DOC_642])
def test_chunks_ordered_bounded_and_labelled(name: str) -> None:
    doc, chunks = chunks_of(name)
    label = document_label(doc)
    assert label in {"Kế hoạch 206/KH-UBND", "Công văn 642/BNG-HVNG"}
    for n, chunk in enumerate(chunks):
        assert chunk.chunk_id == f"{name}#{n}"
        assert chunk.doc_id == name
        assert 0 <= chunk.start < chunk.end <= len(doc.source)
        assert 0 < len(chunk.text) <= 900
        assert chunk.section.startswith(label + SEP)
        assert chunk.section_path
    for before, after in zip(chunks, chunks[1:]):
        assert before.end <= after.start  # no overlap, document order


@pytest.mark.parametrize("name", [DOC_206, DOC_642])
def test_no_content_line_is_lost(name: str) -> None:
    """Every content line is inside a chunk, unless it is the bare heading of a section with children."""
    doc, chunks = chunks_of(name)
    structure = parse_structure(doc.source)
    headings = {s.start for s in iter_sections(structure.root) if s.children}
    for line in structure.lines:
        inside = any(c.start <= line.start and line.end <= c.end for c in chunks)
        assert inside or line.start in headings, line.text


def test_small_max_chars_splits_but_keeps_spans() -> None:
    doc, chunks = chunks_of(DOC_206, max_chars=200)
    assert len(chunks) > 40
    assert all(len(c.text) <= 200 for c in chunks)
    for chunk in chunks:
        assert span_text(doc.source, chunk.start, chunk.end) == collapse_whitespace(chunk.text)


def test_chunk_of_excluded_groups_is_found_by_its_section() -> None:
    doc, chunks = chunks_of(DOC_206)
    matching = [c for c in chunks if "Đối tượng không áp dụng" in c.section or "2. Đối tượng không áp dụng" in c.text]
    assert matching
    assert any("Giáo viên, giảng viên dạy môn ngoại ngữ" in c.text for c in matching)


# ---------------------------------------------------------------------------------------------
# A Quyết định: Chương / Điều / khoản / điểm

DECISION = """ỦY BAN NHÂN DÂN TỈNH BẮC NINH
Số: 12/QĐ-UBND
QUYẾT ĐỊNH
Về việc ban hành Quy chế bồi dưỡng ngoại ngữ
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định việc bồi dưỡng ngoại ngữ cho cán bộ, công chức, viên chức.
Điều 2. Đối tượng áp dụng
1. Cán bộ, công chức cấp tỉnh.
2. Viên chức tại các đơn vị sự nghiệp công lập:
a) Viên chức giảng dạy;
b) Viên chức y tế.
Chương II
TỔ CHỨC THỰC HIỆN
Điều 3. Trách nhiệm thi hành
Giám đốc Sở Nội vụ chịu trách nhiệm thi hành Quyết định này.
Nơi nhận:
- Như Điều 3;
- Lưu: VT.
"""


def test_decision_chapters_articles_clauses_points() -> None:
    paths = [SEP.join(s.path) for s in iter_sections(parse_structure(DECISION).root)]
    assert paths == [
        PREAMBLE,
        "Chương I",
        "Chương I › Điều 1. Phạm vi điều chỉnh",
        "Chương I › Điều 2. Đối tượng áp dụng",
        "Chương I › Điều 2. Đối tượng áp dụng › 1. Cán bộ, công chức cấp tỉnh",
        "Chương I › Điều 2. Đối tượng áp dụng › 2. Viên chức tại các đơn vị sự nghiệp công lập",
        "Chương I › Điều 2. Đối tượng áp dụng › 2. Viên chức tại các đơn vị sự nghiệp công lập › a) Viên chức giảng dạy",
        "Chương I › Điều 2. Đối tượng áp dụng › 2. Viên chức tại các đơn vị sự nghiệp công lập › b) Viên chức y tế",
        "Chương II",
        "Chương II › Điều 3. Trách nhiệm thi hành",
        CLOSING,
    ]


def test_decision_chunks_carry_article_paths() -> None:
    doc = Document("qd-12.txt", DECISION)
    chunks = chunk_document(doc, "Quyết định 12/QĐ-UBND", max_chars=120)
    points = [c for c in chunks if "a) Viên chức giảng dạy;" in c.text]
    assert len(points) == 1
    assert points[0].section_path[:2] == ["Chương I", "Điều 2. Đối tượng áp dụng"]
    article_3 = [c for c in chunks if "Giám đốc Sở Nội vụ chịu trách nhiệm" in c.text]
    assert len(article_3) == 1
    assert article_3[0].section_path[0] == "Chương II"
    assert "Điều 3" in article_3[0].section or "Điều 3" in article_3[0].text
    # "- Như Điều 3;" in the recipients is not an article.
    closing = [c for c in chunks if "Như Điều 3" in c.text]
    assert [c.section_path for c in closing] == [[CLOSING]]
    for chunk in chunks:
        assert span_text(DECISION, chunk.start, chunk.end) == collapse_whitespace(chunk.text)


# ---------------------------------------------------------------------------------------------
# Edge inputs


@pytest.mark.parametrize("source", ["", "\n\n   \n", "  |  |  \n", "\t"])
def test_empty_input(source: str) -> None:
    structure = parse_structure(source)
    assert structure.lines == []
    assert chunk_document(Document("trong.txt", source), "Trống") == []


def test_text_without_any_numbered_section() -> None:
    source = "Thông báo lịch họp giao ban tuần.\nThời gian: 8 giờ sáng thứ Hai."
    chunks = chunk_document(Document("tb.txt", source), "Thông báo")
    assert chunks
    assert " ".join(c.text for c in chunks) == "Thông báo lịch họp giao ban tuần.\nThời gian: 8 giờ sáng thứ Hai."


def test_huge_input_does_not_crash() -> None:
    block = (
        "{n}. Nội dung số {i}\n"
        "Cán bộ, công chức, viên chức cấp xã đạt trình độ ngoại ngữ bậc 3 trở lên theo quy định của Kế hoạch.\n"
        "a) Điểm thứ nhất của nội dung {i};\n"
        "b) Điểm thứ hai.\n"
    )
    parts = [f"{roman}. PHẦN {roman}\n" + "".join(block.format(n=n % 30 + 1, i=n) for n in range(2200))
             for roman in ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")]
    source = "".join(parts)
    assert len(source) > 2_000_000
    started = time.perf_counter()
    chunks = chunk_document(Document("lon.txt", source), "Tài liệu lớn")
    assert time.perf_counter() - started < 60  # linear-ish, not quadratic
    assert chunks
    assert all(len(c.text) <= 900 for c in chunks)
    for chunk in chunks[::97]:
        assert span_text(source, chunk.start, chunk.end) == collapse_whitespace(chunk.text)
    assert chunks[-1].text.endswith("b) Điểm thứ hai.")


def test_huge_single_line_is_split_at_sentence_ends() -> None:
    sentence = "Cán bộ, công chức học ngoại ngữ theo kế hoạch hằng năm. "
    source = sentence * 40_000  # ~2.3 MB on one line
    chunks = chunk_document(Document("mot-dong.txt", source), "Một dòng")
    assert len(chunks) > 1000
    assert all(0 < len(c.text) <= 900 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)
    for chunk in chunks[::211]:
        assert span_text(source, chunk.start, chunk.end) == collapse_whitespace(chunk.text)


def test_text_without_spaces_does_not_hang() -> None:
    source = "x" * 300_000
    chunks = chunk_document(Document("x.txt", source), "X")
    assert sum(len(c.text) for c in chunks) == len(source)
    assert all(len(c.text) <= 900 for c in chunks)


def test_crlf_and_nfd_source_spans_stay_exact() -> None:
    import unicodedata

    source = unicodedata.normalize("NFD", "1. Mục đích\r\nHoà nhập quốc tế.\r\n2. Đối tượng không áp dụng\r\nGiáo viên ngoại ngữ.\r\n")
    chunks = chunk_document(Document("nfd.txt", source), "NFD")
    assert chunks
    joined = "\n".join(c.text for c in chunks)
    assert "Hòa nhập quốc tế." in joined  # NFC and canonical tone placement
    assert re.search(r"2\. Đối tượng không áp dụng", joined + " ".join(c.section for c in chunks))
    for chunk in chunks:
        assert span_text(source, chunk.start, chunk.end) == collapse_whitespace(chunk.text)
