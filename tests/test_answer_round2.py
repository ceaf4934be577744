"""Answers over documents made here, second round (commits 2d6bb56, a6a035f, 671bd6b): a duty asked of a unit a
document never names, legal bases by kind and by the words that do not describe the document itself, a page's site
named as its source, a province with two plans, a proposer or signer the text does not give, the date a document
gives for one it cites, a year the evidence must hold (a period is no target year), "cơ quan nào chủ trì" wanting a
body, a percentage range, and the helpers behind them (names.named_units, focus.is_site_name, evidence.holds
"person", text.without_misspellings / is_syllable), and the bench's comparison of dates in any spelling.

Seven small documents (and an eighth, a plan excluding the diplomatic sector, in its own index): two plans of Hà
Tĩnh, a Bộ Tư pháp plan naming its Vụ Tổ chức cán bộ, a Bộ Xây dựng letter signed by title only, a Quảng Trị
decision with a proposer, and two news pages restating one Prime Minister's decision (one site named by its file
name, one by a "Nguồn:" line; both names invented). Nothing here is a question of the real-document set.
"""

from __future__ import annotations

import pytest

from bench.real_documents import contains
from conftest import index_of
from knowledge.answer import answer
from knowledge.evidence import holds
from knowledge.focus import is_site_name
from knowledge.names import named_units
from knowledge.text import is_syllable, without_misspellings

PLAN = """ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH
Số: 12/KH-UBND
Hà Tĩnh, ngày 08 tháng 02 năm 2022
KẾ HOẠCH
Bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức năm 2022
Căn cứ Nghị định số 101/2017/NĐ-CP ngày 01/9/2017 của Chính phủ về đào tạo, bồi dưỡng cán bộ, công chức, viên chức;
Căn cứ Thông tư số 01/2018/TT-BNV ngày 08/01/2018 của Bộ trưởng Bộ Nội vụ hướng dẫn việc cử công chức đi học;
Thực hiện Quyết định số 555/QĐ-TTg ngày 21/4/2021 của Thủ tướng Chính phủ phê duyệt Đề án chuyển đổi số và Kế hoạch số 77/KH-UBND ngày 03/3/2021 của Ủy ban nhân dân tỉnh về chuyển đổi số, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:
I. MỤC TIÊU
1. Thực hiện Chiến lược chuyển đổi số giai đoạn 2019-2030, đến năm 2025 phấn đấu 40-50% công chức cấp xã đạt chuẩn kỹ năng số cơ bản.
2. Trong năm 2023, mở 8 lớp bồi dưỡng kỹ năng số cho công chức cấp xã.
II. TỔ CHỨC THỰC HIỆN
1. Sở Thông tin và Truyền thông:
Chủ trì biên soạn tài liệu bồi dưỡng kỹ năng số.
2. Sở Nội vụ:
Tổng hợp nhu cầu bồi dưỡng của các cơ quan, báo cáo Ủy ban nhân dân tỉnh.
3. Các cơ quan, đơn vị:
Việc tổ chức thi đánh giá năng lực kỹ năng số do đơn vị được giao chủ trì thực hiện.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Nguyễn Văn Sơn
"""

SECOND_PLAN = """ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH
Số: 45/KH-UBND
Hà Tĩnh, ngày 15 tháng 6 năm 2023
KẾ HOẠCH
Bồi dưỡng ngoại ngữ cho công chức cấp tỉnh năm 2023
I. MỤC ĐÍCH
Nâng cao năng lực ngoại ngữ của công chức các sở, ban, ngành.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Trần Minh Đức
"""

MINISTRY_PLAN = """BỘ TƯ PHÁP
Số: 210/KH-BTP
Hà Nội, ngày 10 tháng 5 năm 2022
KẾ HOẠCH
Bồi dưỡng công chức, viên chức Bộ Tư pháp năm 2022
I. TỔ CHỨC THỰC HIỆN
1. Vụ Tổ chức cán bộ:
Chủ trì lập danh sách công chức được cử đi bồi dưỡng và theo dõi kết quả học tập.
2. Văn phòng Bộ:
Bảo đảm kinh phí tổ chức lớp học.
KT. BỘ TRƯỞNG
THỨ TRƯỞNG
Phan Thị Hồng
"""

TITLE_ONLY = """BỘ XÂY DỰNG
Số: 345/BXD-TCCB
V/v cử công chức tham dự lớp bồi dưỡng kỹ năng số
Hà Nội, ngày 20 tháng 9 năm 2022
Kính gửi: Các Cục, Vụ thuộc Bộ
Bộ Xây dựng đề nghị các đơn vị cử công chức tham dự lớp bồi dưỡng kỹ năng số trước ngày 30/9/2022.
KT. BỘ TRƯỞNG
THỨ TRƯỞNG
"""

DECISION = """ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Số: 99/QĐ-UBND
Quảng Trị, ngày 02 tháng 3 năm 2022
QUYẾT ĐỊNH
Về việc phê duyệt danh sách công chức dự lớp bồi dưỡng kỹ năng số
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
Xét đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 20/TTr-SNV ngày 25/02/2022,
QUYẾT ĐỊNH:
Điều 1. Phê duyệt danh sách 40 công chức dự lớp bồi dưỡng kỹ năng số năm 2022.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
CHỦ TỊCH
Lê Hoài Nam
"""

NEWS_ABC = """Thủ tướng phê duyệt Đề án chuyển đổi số
Ngày 21/4/2021, Thủ tướng Chính phủ ký Quyết định số 555/QĐ-TTg phê duyệt Đề án chuyển đổi số trong cơ quan nhà nước.
Đề án giao Bộ Thông tin và Truyền thông chủ trì hướng dẫn các địa phương.
"""

NEWS_XYZ = """Đề án chuyển đổi số được phê duyệt
Quyết định số 555/QĐ-TTg ngày 21/4/2021 của Thủ tướng Chính phủ phê duyệt Đề án chuyển đổi số trong cơ quan nhà nước.
Đề án giao Bộ Nội vụ chủ trì bồi dưỡng kỹ năng số cho công chức.
Nguồn: XYZPRESS
"""

DOCS = {"ha-tinh-12.txt": PLAN, "ha-tinh-45.txt": SECOND_PLAN, "btp-210.txt": MINISTRY_PLAN,
        "bxd-345.txt": TITLE_ONLY, "quang-tri-99.txt": DECISION, "tin-abcnews.txt": NEWS_ABC,
        "bai-chuyen-doi-so.txt": NEWS_XYZ}


@pytest.fixture(scope="module")
def kb(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "answer-round2", DOCS)


def cited(result) -> set[str]:
    return {c.doc_id for c in result.citations}


# -------------------------------------------------------------------------------- answered, with what and from where

ANSWERED = [
    # (id, question, substrings of the answer, documents cited)
    # a duty of a unit the document names
    ("duty-named-unit", "Sở Nội vụ làm gì trong kế hoạch 12?", ["Tổng hợp nhu cầu bồi dưỡng"], {"ha-tinh-12.txt"}),
    ("duty-named-unit-plain", "so noi vu lam gi trong ke hoach 12", ["Tổng hợp nhu cầu bồi dưỡng"],
     {"ha-tinh-12.txt"}),
    ("duty-ministry-unit", "Bộ Tư pháp giao Vụ Tổ chức cán bộ làm gì?", ["lập danh sách công chức"],
     {"btp-210.txt"}),
    ("duty-ministry-unit-plain", "bo tu phap giao vu to chuc can bo lam gi", ["lập danh sách công chức"],
     {"btp-210.txt"}),
    # legal bases
    ("basis-of-a-kind", "Kế hoạch 12 căn cứ thông tư nào?", ["01/2018/TT-BNV"], {"ha-tinh-12.txt"}),
    ("basis-of-a-kind-plain", "ke hoach 12 can cu thong tu nao", ["01/2018/TT-BNV"], {"ha-tinh-12.txt"}),
    ("basis-described-by-the-document-itself",
     "Kế hoạch bồi dưỡng kỹ năng số năm 2022 của tỉnh Hà Tĩnh căn cứ văn bản nào?",
     ["101/2017/NĐ-CP", "01/2018/TT-BNV"], {"ha-tinh-12.txt"}),
    # a site named as the source
    ("site-in-file-name", "theo tin abcnews, đề án giao bộ nào chủ trì?", ["Bộ Thông tin và Truyền thông"],
     {"tin-abcnews.txt"}),
    ("site-in-source-line", "theo bài xyzpress, đề án giao bộ nào chủ trì?", ["Bộ Nội vụ"],
     {"bai-chuyen-doi-so.txt"}),
    # a province with two plans: each one's date
    ("two-plans-dates", "Kế hoạch của tỉnh Hà Tĩnh ký ngày nào?", ["08/02/2022", "15/06/2023"],
     {"ha-tinh-12.txt", "ha-tinh-45.txt"}),
    ("two-plans-dates-plain", "ke hoach cua tinh Ha Tinh ky ngay nao", ["08/02/2022", "15/06/2023"],
     {"ha-tinh-12.txt", "ha-tinh-45.txt"}),
    # a proposer the text gives
    ("proposer-given", "Quyết định 99 ban hành theo đề nghị của ai?", ["Giám đốc Sở Nội vụ"], {"quang-tri-99.txt"}),
    # the date a document gives for one it cites, and a cited plan's date asked of its number
    ("cited-plan-date", "kế hoạch 77/KH-UBND ngày bao nhiêu", ["03/3/2021"], {"ha-tinh-12.txt"}),
    # a year the evidence holds
    ("year-said", "Năm 2023 mở bao nhiêu lớp bồi dưỡng kỹ năng số?", ["8 lớp"], {"ha-tinh-12.txt"}),
    # a percentage range kept whole
    ("percent-range", "Đến năm 2025 bao nhiêu phần trăm công chức cấp xã đạt chuẩn kỹ năng số cơ bản?", ["40-50%"],
     {"ha-tinh-12.txt"}),
    # a sentence naming the body that leads
    ("lead-body-named", "Cơ quan nào chủ trì bồi dưỡng kỹ năng số cho công chức theo bài xyzpress?", ["Bộ Nội vụ"],
     {"bai-chuyen-doi-so.txt"}),
]


@pytest.mark.parametrize("question, wanted, docs", [a[1:] for a in ANSWERED], ids=[a[0] for a in ANSWERED])
def test_answered(kb, question, wanted, docs):
    result = answer(kb, question)
    assert result.answered, result.answer
    assert all(w in result.answer for w in wanted), result.answer
    assert cited(result) == docs


def test_a_basis_of_another_kind_is_not_given(kb):
    result = answer(kb, "Kế hoạch 12 căn cứ thông tư nào?")
    assert result.answered and "01/2018/TT-BNV" in result.answer, result.answer
    assert "101/2017" not in result.answer and "555" not in result.answer


def test_the_date_a_plan_gives_for_a_decision_it_cites(kb):
    result = answer(kb, "Quyết định 555/QĐ-TTg được dẫn trong kế hoạch 12 ban hành ngày nào?")
    assert result.answered and "21/4/2021" in result.answer
    assert "08/02/2022" not in result.answer  # not the plan's own date
    assert "ha-tinh-12.txt" in cited(result)


def test_the_date_of_a_decree_it_cites_not_the_plans_own(kb):
    result = answer(kb, "Nghị định 101/2017/NĐ-CP được dẫn trong kế hoạch 12 ban hành ngày nào?")
    assert "08/02/2022" not in result.answer, result.answer  # never the citing plan's own date
    assert result.answered and "01/9/2017" in result.answer, result.answer


def test_each_of_two_plans_is_cited_beside_its_date(kb):
    result = answer(kb, "Kế hoạch của tỉnh Hà Tĩnh ký ngày nào?")
    lines = result.answer.splitlines()
    assert any("12/KH-UBND" in line and "08/02/2022" in line for line in lines), result.answer
    assert any("45/KH-UBND" in line and "15/06/2023" in line for line in lines), result.answer


# --------------------------------------------------------------------------------------------------------- refused

REFUSED = [
    # a duty of a unit the document never names
    ("duty-unnamed-department", "Kế hoạch 12 giao Sở Y tế nhiệm vụ gì?"),
    ("duty-unnamed-department-plain", "ke hoach 12 giao so y te nhiem vu gi"),
    ("duty-unnamed-department-no-number", "Sở Y tế làm gì trong kế hoạch bồi dưỡng kỹ năng số?"),
    ("duty-unnamed-ministry-unit", "Kế hoạch 12 giao Vụ Tổ chức cán bộ làm gì?"),
    ("duty-unnamed-ministry-unit-plain", "ke hoach 12 giao vu to chuc can bo lam gi"),
    # a proposer no sentence gives
    ("proposer-missing", "Kế hoạch 12 ban hành theo đề nghị của ai?"),
    ("proposer-missing-plain", "ke hoach 12 theo de nghi cua ai"),
    # a year no passage holds; a period is no target year
    ("year-unsaid", "Năm 2027 mở bao nhiêu lớp bồi dưỡng kỹ năng số?"),
    ("year-unsaid-plain", "nam 2027 mo bao nhieu lop boi duong ky nang so"),
    ("period-is-no-target", "Đến năm 2030 bao nhiêu phần trăm công chức cấp xã đạt chuẩn kỹ năng số cơ bản?"),
    # "cơ quan nào chủ trì": the only matching sentence names no body
    ("lead-body-unnamed", "Cơ quan nào chủ trì tổ chức thi đánh giá năng lực kỹ năng số?"),
    ("lead-body-unnamed-plain", "co quan nao chu tri to chuc thi danh gia nang luc ky nang so"),
]


@pytest.mark.parametrize("question", [r[1] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused(kb, question):
    result = answer(kb, question)
    assert not result.answered, result.answer
    assert result.citations == []


@pytest.mark.parametrize("question", ["Công văn 345 ai ký?", "cong van 345 ai ky"])
def test_a_signer_given_by_title_only(kb, question):
    result = answer(kb, question)
    assert not result.answered
    assert "Thứ trưởng" in result.answer and "không ghi họ tên người ký" in result.answer
    assert cited(result) == {"bxd-345.txt"}  # the title it does give, cited


def test_a_signer_with_a_name_is_answered(kb):
    result = answer(kb, "Kế hoạch 12 ai ký?")
    assert result.answered and "Nguyễn Văn Sơn" in result.answer


# ------------------------------------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("question, units", [
    ("bo tu phap giao vu to chuc can bo lam gi", (["vu to chuc can bo"], ["bo tu phap"])),
    ("so y te lam gi", (["so y te"], [])),
    ("phong noi vu huyen lam gi", (["phong noi vu"], [])),
    ("can bo co so lam nhiem vu gi", ([], [])),  # "cán bộ", "cơ sở", "nhiệm vụ" are no units
])
def test_named_units(question, units):
    assert named_units(question) == units


@pytest.mark.parametrize("word, site", [("xyzpress", True), ("abcnews", True), ("ngoai", False), ("ubnd", False),
                                        ("ccvc", False), ("bnv", False), ("nghieng", False)])
def test_is_site_name(word, site):
    assert is_site_name(word) is site


@pytest.mark.parametrize("text, person", [
    ("Chủ tịch UBND tỉnh Bắc Giang Nguyễn Văn An vừa ký", True),
    ("Lê Hoài Nam", True),
    ("Hệ Thống Pháp Luật", False),
    ("Văn phòng Đoàn Đại biểu Quốc hội", False),
    ("KT. Bộ trưởng, Thứ trưởng", False),
])
def test_holds_a_person(text, person):
    assert holds("person", text) is person


def test_misspelt_words_are_dropped_and_abbreviations_kept():
    assert without_misspellings("thuộc ngàh ngoại giao, trường THPT, LĐLĐ tỉnh").split() == \
        ["thuộc", "ngoại", "giao,", "trường", "THPT,", "LĐLĐ", "tỉnh"]
    assert is_syllable("ngoai") and is_syllable("nghieng") and is_syllable("đuong")
    assert not is_syllable("ngah") and not is_syllable("vitic")


@pytest.mark.parametrize("given, expected, found", [
    ("Kế hoạch ban hành ngày 19/05/2022.", "19 tháng 5 năm 2022", True),
    ("ban hành ngày 19 tháng 5 năm 2022", "19/05/2022", True),
    ("ngày 19-5-2022", "19/5/2022", True),
    ("ngày 19/05/2021", "19 tháng 5 năm 2022", False),  # another year
    ("ngày 9/05/2022", "19/5/2022", False),  # another day, not a part of it
])
def test_the_bench_compares_dates_in_any_spelling(given, expected, found):
    assert contains(given, expected) is found


EXCLUDING_PLAN = """ỦY BAN NHÂN DÂN TỈNH QUẢNG BÌNH
Số: 61/KH-UBND
Quảng Bình, ngày 10 tháng 3 năm 2021
KẾ HOẠCH
Bồi dưỡng ngoại ngữ cho cán bộ, công chức, viên chức tỉnh Quảng Bình
I. ĐỐI TƯỢNG
1. Đối tượng áp dụng
Cán bộ, công chức, viên chức các cơ quan nhà nước trên địa bàn tỉnh.
2. Đối tượng không áp dụng
Cán bộ, công chức, viên chức công tác trong ngành ngoại giao.
"""


@pytest.fixture(scope="module")
def excluding(tmp_path_factory, settings):
    return index_of(tmp_path_factory, settings, "answer-round2-excluding", {"quang-binh-61.txt": EXCLUDING_PLAN})


@pytest.mark.parametrize("question", ["Công chức Bộ Ngoại giao có thuộc đối tượng kế hoạch 61 không?",
                                      "cong chuc Bo Ngoai giao co thuoc doi tuong ke hoach 61 khong"])
def test_a_body_the_person_works_at_is_matched_by_the_check_not_named_by_it(excluding, question):
    result = answer(excluding, question)
    assert result.answered and result.answer.startswith("Không"), result.answer
    assert "ngoại giao" in result.answer
