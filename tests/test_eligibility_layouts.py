"""Who a document covers and excludes, however it is laid out (knowledge/facts/eligibility.py), on short plans
written here in the styles real plans use: the groups under a heading of their own, directly under a heading that
names several topics, in running text, or announced by a sentence and listed after it. Each document is analysed
by the real pipeline (index.analyse, no embeddings). test_check.py checks four people against the same texts."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.index import analyse
from knowledge.model import Document, Fact

# "2. Không áp dụng đối với các đối tượng" over a), b) items; tiers listed as "cấp tỉnh, cấp huyện, cấp xã".
HEADED = """ỦY BAN NHÂN DÂN TỈNH BÌNH AN
Số: 41/KH-UBND
Bình An, ngày 12 tháng 5 năm 2021
KẾ HOẠCH
Thực hiện Đề án học tập ngoại ngữ cho cán bộ, công chức, viên chức tỉnh Bình An giai đoạn 2021 - 2030
I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Nâng cao năng lực sử dụng ngoại ngữ của cán bộ, công chức, viên chức trong thực thi công vụ.
II. ĐỐI TƯỢNG
1. Đối tượng áp dụng
Cán bộ, công chức, viên chức cấp tỉnh, cấp huyện, cấp xã trên địa bàn tỉnh.
2. Không áp dụng đối với các đối tượng
a) Giáo viên, giảng viên ngoại ngữ;
b) Người làm việc theo chế độ hợp đồng lao động.
III. MỤC TIÊU
Đến năm 2025: 30% cán bộ, công chức cấp tỉnh, cấp huyện, cấp xã đạt trình độ ngoại ngữ bậc 3 trở lên.
"""

# The groups as a), b), c) directly under "I. MỤC ĐÍCH, YÊU CẦU, ĐỐI TƯỢNG" (no "Đối tượng áp dụng" heading), the
# exclusions announced in a line of their own and listed as bullets.
UNHEADED = """SỞ NỘI VỤ TỈNH AN HÒA
Số: 88/KH-SNV
An Hòa, ngày 03 tháng 02 năm 2022
KẾ HOẠCH
Bồi dưỡng tiếng Anh cho công chức, viên chức năm 2022
I. MỤC ĐÍCH, YÊU CẦU, ĐỐI TƯỢNG
a) Nâng cao trình độ tiếng Anh giao tiếp cho công chức, viên chức của tỉnh.
b) Công chức các cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh.
c) Viên chức các đơn vị sự nghiệp công lập thuộc tỉnh.
Các trường hợp không áp dụng:
- Giáo viên, giảng viên ngoại ngữ đang giảng dạy tại các cơ sở giáo dục;
- Công chức làm công tác biên dịch, phiên dịch tại Sở Ngoại vụ.
II. NỘI DUNG
1. Mở 04 lớp tiếng Anh giao tiếp trong năm 2022.
"""

# Covered and excluded groups in one sentence of running text; tiers as "từ tỉnh đến cơ sở".
RUNNING = """ỦY BAN NHÂN DÂN TỈNH ĐÔNG SƠN
Số: 19/KH-UBND
Đông Sơn, ngày 20 tháng 7 năm 2020
KẾ HOẠCH
Học tập ngoại ngữ cho cán bộ, công chức, viên chức giai đoạn 2020 - 2025
I. MỤC ĐÍCH, YÊU CẦU
Nâng cao năng lực ngoại ngữ của đội ngũ cán bộ, công chức, viên chức. Đối tượng áp dụng gồm: cán bộ, công chức \
từ tỉnh đến cơ sở; viên chức các đơn vị sự nghiệp công lập; Kế hoạch không áp dụng đối với các đối tượng sau: giáo \
viên, giảng viên ngoại ngữ; công chức, viên chức Sở Ngoại vụ làm công tác biên dịch, phiên dịch.
Nội dung bồi dưỡng được thiết kế phù hợp với đối tượng là các công chức trẻ.
II. MỤC TIÊU
Đến năm 2025: 40% công chức cấp tỉnh đạt trình độ ngoại ngữ bậc 3 trở lên.
"""

# A news report: the groups before their cue ("… là các đối tượng được áp dụng"), a list announced by a sentence
# and given as items, and an exclusion worded "không áp dụng với".
REPORTED = """Tỉnh Hòa Bình triển khai học tập ngoại ngữ cho cán bộ, công chức
Ngày 05/3/2021, UBND tỉnh ban hành Kế hoạch số 35/KH-UBND về học tập ngoại ngữ.
Theo đó, cán bộ, công chức trong các cơ quan nhà nước, viên chức trong các đơn vị sự nghiệp công lập là các \
đối tượng được áp dụng thực hiện kế hoạch này.
Kế hoạch nêu rõ phạm vi, cụ thể đối tượng tham gia bồi dưỡng là:
a) Công chức ở các cấp trung ương, tỉnh/thành, huyện, xã;
b) Viên chức y tế, giáo dục.
Không áp dụng với cán bộ, công chức, viên chức công tác trong hệ thống cơ quan, đơn vị thuộc ngành ngoại giao; \
giáo viên và giảng viên ngoại ngữ.
Kế hoạch cũng đưa ra mục tiêu cho từng giai đoạn.
"""

# Headings "Phạm vi, đối tượng", "Đối tượng, phạm vi áp dụng", "Đối tượng bồi dưỡng"; a cue in parentheses is not one.
TOPICS = """BỘ TƯ PHÁP
Số: 12/KH-BTP
Hà Nội, ngày 02 tháng 3 năm 2023
KẾ HOẠCH
Bồi dưỡng kỹ năng số năm 2023
I. PHẠM VI, ĐỐI TƯỢNG
- Phạm vi: các đơn vị thuộc Bộ tại Hà Nội.
- Công chức các Vụ, Cục thuộc Bộ.
II. BỒI DƯỠNG CHUYÊN SÂU
1. Đối tượng, phạm vi áp dụng
a) Đối tượng: viên chức các trường đại học thuộc Bộ.
b) Phạm vi: các lớp tổ chức tại Hà Nội và Thành phố Hồ Chí Minh.
2. Đối tượng bồi dưỡng
a) Lãnh đạo cấp phòng (không áp dụng đối với người đã có chứng chỉ);
b) Chuyên viên chính trở lên.
"""

DOCS = {"41-KH-UBND-Binh-An.txt": HEADED, "88-KH-SNV-An-Hoa.txt": UNHEADED, "19-KH-UBND-Dong-Son.txt": RUNNING,
        "hoa-binh-news.txt": REPORTED, "12-KH-BTP.txt": TOPICS}


def analysed(doc_id: str, source: str) -> tuple[Document, list[Fact]]:
    result = analyse(Document(doc_id=doc_id, source=source), max_chars=900)
    return result.doc, result.facts


def eligibility(source: str, doc_id: str = "doc") -> list[Fact]:
    _, facts = analysed(doc_id, source)
    items = [f for f in facts if f.kind == "eligibility"]
    for fact in items:  # every quote is the exact source text at its span
        assert fact.quote == source[fact.start:fact.end] and fact.quote == fact.quote.strip()
    return items


def whos(facts: list[Fact], applies: bool) -> list[str]:
    return [f.data["who"] for f in facts if f.data["applies"] is applies]


def test_excluded_items_under_a_heading_that_only_announces_them():
    facts = eligibility(HEADED)
    assert whos(facts, True) == ["Cán bộ, công chức, viên chức cấp tỉnh, cấp huyện, cấp xã trên địa bàn tỉnh"]
    assert whos(facts, False) == ["Giáo viên, giảng viên ngoại ngữ", "Người làm việc theo chế độ hợp đồng lao động"]
    excluded = [f for f in facts if not f.data["applies"]]
    assert all(f.section.endswith("II. ĐỐI TƯỢNG › 2. Không áp dụng đối với các đối tượng") for f in excluded)


@pytest.mark.parametrize("heading", [
    "2. Không áp dụng đối với các đối tượng sau:", "2. Kế hoạch này không áp dụng đối với:",
    "2. Các trường hợp không áp dụng", "2. Đối tượng không áp dụng",
])
def test_other_wordings_of_the_exclusion_heading(heading):
    source = HEADED.replace("2. Không áp dụng đối với các đối tượng", heading).replace("a) ", "- ").replace("b) ", "- ")
    assert whos(eligibility(source), False) == ["Giáo viên, giảng viên ngoại ngữ",
                                                "Người làm việc theo chế độ hợp đồng lao động"]


def test_groups_directly_under_a_heading_of_several_topics():
    facts = eligibility(UNHEADED)
    # "a) Nâng cao trình độ …" is a purpose, not a group of people
    assert whos(facts, True) == ["Công chức các cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh",
                                 "Viên chức các đơn vị sự nghiệp công lập thuộc tỉnh"]
    assert whos(facts, False) == ["Giáo viên, giảng viên ngoại ngữ đang giảng dạy tại các cơ sở giáo dục",
                                  "Công chức làm công tác biên dịch, phiên dịch tại Sở Ngoại vụ"]


def test_covered_and_excluded_in_one_sentence_of_running_text():
    facts = eligibility(RUNNING)
    assert whos(facts, True) == ["cán bộ, công chức từ tỉnh đến cơ sở", "viên chức các đơn vị sự nghiệp công lập"]
    assert whos(facts, False) == ["giáo viên, giảng viên ngoại ngữ",
                                  "công chức, viên chức Sở Ngoại vụ làm công tác biên dịch, phiên dịch"]
    first, second, teachers, translators = facts
    assert first.quote.startswith("Đối tượng áp dụng gồm: cán bộ")  # the first part quotes its cue
    assert second.quote == "viên chức các đơn vị sự nghiệp công lập"
    assert teachers.quote.startswith("Kế hoạch không áp dụng đối với các đối tượng sau: giáo")
    assert translators.quote.endswith("biên dịch, phiên dịch.")
    # "phù hợp với đối tượng là các công chức trẻ" says nothing about coverage
    assert not any("trẻ" in f.quote for f in facts)


def test_groups_before_their_cue_announced_lists_and_other_verbs():
    facts = eligibility(REPORTED)
    assert whos(facts, True) == [
        "cán bộ, công chức trong các cơ quan nhà nước, viên chức trong các đơn vị sự nghiệp công lập",
        "Công chức ở các cấp trung ương, tỉnh/thành, huyện, xã", "Viên chức y tế, giáo dục"]
    assert whos(facts, False) == [
        "cán bộ, công chức, viên chức công tác trong hệ thống cơ quan, đơn vị thuộc ngành ngoại giao",
        "giáo viên và giảng viên ngoại ngữ"]
    assert facts[0].quote.startswith("cán bộ, công chức trong") and facts[0].quote.endswith("kế hoạch này.")
    assert not any("mục tiêu" in f.quote for f in facts)  # the list ended with the exclusion


def test_headings_that_name_scope_and_groups():
    facts = eligibility(TOPICS)
    assert whos(facts, True) == ["Công chức các Vụ, Cục thuộc Bộ", "viên chức các trường đại học thuộc Bộ",
                                 "Lãnh đạo cấp phòng", "Chuyên viên chính trở lên"]
    assert not whos(facts, False)  # the cue in parentheses is a condition of its item
    assert facts[2].data["conditions"] == ["không áp dụng đối với người đã có chứng chỉ"]


def test_decomposed_unicode_keeps_exact_quotes_of_running_text():
    source = unicodedata.normalize("NFD", RUNNING)
    facts = eligibility(source)
    assert [unicodedata.normalize("NFC", w) for w in whos(facts, False)] == [
        "giáo viên, giảng viên ngoại ngữ", "công chức, viên chức Sở Ngoại vụ làm công tác biên dịch, phiên dịch"]


@pytest.mark.parametrize("source", [
    "Đối tượng áp dụng gồm:", "Kế hoạch không áp dụng đối với", "Không áp dụng với ;;;", "a) Đối tượng:\n- \n+ ",
    "I. ĐỐI TƯỢNG, PHẠM\nVI ÁP DỤNG\n1. Đối tượng áp dụng: công chức.", "là các đối tượng được áp dụng",
])
def test_odd_input(source):
    facts = eligibility(source)
    assert all(f.data["who"] and f.data["who"] not in ("các đối tượng", "VI ÁP DỤNG") for f in facts)
