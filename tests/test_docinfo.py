"""Administrative metadata read from Vietnamese official documents of any issuer and type."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the package is not installed when tests run from a plain checkout
    sys.path.insert(0, str(ROOT))

from knowledge.docinfo import agency_name, extract_info  # noqa: E402
from knowledge.ingest import read_file  # noqa: E402
from knowledge.model import DocInfo, Document  # noqa: E402

DOCS = ROOT / "knowledge" / "docs"


def info_of(text: str) -> DocInfo:
    return extract_info(Document(doc_id="test", source=text))


# ---------------------------------------------------------------------------------------------
# The sample documents


def test_plan_206_hai_phong() -> None:
    (doc,) = read_file(DOCS / "206-KH-UBND-2020-Hai-Phong.txt")
    info = extract_info(doc)
    assert info.doc_type == "Kế hoạch"
    assert info.number == "206/KH-UBND"  # "Số : 206 /KH-UBND" without the stray spaces
    assert info.label == "Kế hoạch 206/KH-UBND"
    assert info.issuer == "Ủy ban nhân dân thành phố Hải Phòng"
    assert (info.place, info.date) == ("Hải Phòng", "2020-08-14")
    assert info.subject.startswith("Triển khai thực hiện Quyết định số 1659/QĐ-TTg")
    assert info.subject.endswith("tại thành phố Hải Phòng")
    assert "học tập ngoại ngữ" in info.subject
    assert info.signer == "Nguyễn Xuân Bình"
    assert info.signer_title == "KT. Chủ tịch, Phó Chủ tịch"
    assert info.references == ["Quyết định 1659/QĐ-TTg", "Công văn 3266/BNV-ĐT"]


def test_letter_642_foreign_affairs() -> None:
    (doc,) = read_file(DOCS / "642-BNG-HVNG-2016.txt")
    info = extract_info(doc)
    assert info.doc_type == "Công văn"  # a number with no type code
    assert info.number == "642/BNG-HVNG"
    assert info.issuer == "Bộ Ngoại giao"
    assert (info.place, info.date) == ("Hà Nội", "2016-03-08")
    assert info.subject == "Hướng dẫn việc tổ chức triển khai Đề án"
    assert info.signer == ""  # the copy has no name under the title
    assert info.signer_title == "KT. Bộ trưởng"
    assert info.references == ["Quyết định 2007/QĐ-TTg"]


# ---------------------------------------------------------------------------------------------
# Other issuers and types


DECISION = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NAM
-------
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Số: 1234/QĐ-UBND
Quảng Nam, ngày 5 tháng 6 năm 2021

QUYẾT ĐỊNH
Về việc ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư;
Căn cứ Thông tư số 01/2011/TT-BNV và Quyết định số 1234/QĐ-UBND;
Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 45/TTr-SNV ngày 1/6/2021,
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký; thay thế Nghị định 30/2020/NĐ-CP.
Nơi nhận:
- Như Điều 2;
- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
(Đã ký)
Lê Trí Thanh
"""


def test_decision_of_a_province() -> None:
    info = info_of(DECISION)
    assert info.doc_type == "Quyết định"
    assert info.number == "1234/QĐ-UBND"
    assert info.issuer == "Ủy ban nhân dân tỉnh Quảng Nam"  # two header lines joined
    assert (info.place, info.date) == ("Quảng Nam", "2021-06-05")
    assert info.subject == "Về việc ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh"
    assert (info.signer, info.signer_title) == ("Lê Trí Thanh", "Chủ tịch")
    # Unique, in order, own number excluded, dates such as 05/3/2020 not taken for numbers.
    assert info.references == ["Nghị định 30/2020/NĐ-CP", "Thông tư 01/2011/TT-BNV", "Tờ trình 45/TTr-SNV"]


def test_circular_with_docx_style_header_rows() -> None:
    # A .docx header table arrives as "cell | cell" rows; the signature sits in one cell beside "Nơi nhận".
    info = info_of(
        "BỘ NỘI VỤ | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc\n"
        "Số: 12/2020/TT-BNV | Hà Nội, 08/12/2020\n"
        "THÔNG TƯ\n"
        "Quy định chi tiết một số điều về công tác đào tạo, bồi dưỡng\n"
        "Căn cứ Nghị định số 34/2017/NĐ-CP;\n"
        "Điều 1. Phạm vi điều chỉnh\n"
        "Nơi nhận: - Như trên; - Lưu: VT. | KT. BỘ TRƯỞNG THỨ TRƯỞNG (Đã ký) Trần Anh Tuấn\n"
    )
    assert info.doc_type == "Thông tư" and info.number == "12/2020/TT-BNV"
    assert info.issuer == "Bộ Nội vụ"
    assert (info.place, info.date) == ("Hà Nội", "2020-12-08")
    assert info.subject == "Quy định chi tiết một số điều về công tác đào tạo, bồi dưỡng"
    assert (info.signer, info.signer_title) == ("Trần Anh Tuấn", "KT. Bộ trưởng, Thứ trưởng")
    assert info.references == ["Nghị định 34/2017/NĐ-CP"]


def test_letter_of_a_department_with_v_v_line() -> None:
    info = info_of(
        "UBND TỈNH BÀ RỊA - VŨNG TÀU | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI | Độc lập - Tự do - Hạnh phúc\n"
        "Số: 345/SLĐTBXH-VP | Vũng Tàu, ngày 1 tháng 2 năm 2022\n"
        "V/v tăng cường công tác bồi dưỡng\n"
        "Kính gửi: Các phòng, ban thuộc Sở\n"
        "Thực hiện Kế hoạch số 206/KH-UBND, Sở đề nghị các phòng báo cáo trước ngày 15/2/2022.\n"
        "TL. GIÁM ĐỐC\n"
        "CHÁNH VĂN PHÒNG\n"
        "Phạm Văn An\n"
    )
    assert info.doc_type == "Công văn"
    assert info.number == "345/SLĐTBXH-VP"
    assert info.issuer == "Sở Lao động - Thương binh và Xã hội"  # the inner body under its parent
    assert (info.place, info.date) == ("Vũng Tàu", "2022-02-01")
    assert info.subject == "Tăng cường công tác bồi dưỡng"
    assert (info.signer, info.signer_title) == ("Phạm Văn An", "TL. Giám đốc, Chánh Văn phòng")
    assert info.references == ["Kế hoạch 206/KH-UBND"]


def test_docx_header_table_end_to_end(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    header = document.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "BỘ GIÁO DỤC VÀ ĐÀO TẠO"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    header.cell(0, 1).add_paragraph("Độc lập - Tự do - Hạnh phúc")
    header.cell(1, 0).text = "Số: 15/HD-BGDĐT"
    header.cell(1, 0).add_paragraph("V/v hướng dẫn bồi dưỡng ngoại ngữ")
    header.cell(1, 1).text = "Hà Nội, ngày 3 tháng 9 năm 2021"
    document.add_paragraph("Căn cứ Chỉ thị số 01/CT-TTg, Bộ hướng dẫn như sau:")
    signature = document.add_table(rows=1, cols=2)
    signature.cell(0, 0).text = "Nơi nhận:"
    signature.cell(0, 0).add_paragraph("- Như trên;")
    signature.cell(0, 1).text = "KT. BỘ TRƯỞNG"
    signature.cell(0, 1).add_paragraph("THỨ TRƯỞNG")
    signature.cell(0, 1).add_paragraph("Nguyễn Văn Phúc")
    path = tmp_path / "hd.docx"
    document.save(str(path))
    info = extract_info(read_file(path)[0])
    assert info.doc_type == "Hướng dẫn"  # from the HD code of the number
    assert info.number == "15/HD-BGDĐT"
    assert info.issuer == "Bộ Giáo dục và Đào tạo"
    assert (info.place, info.date) == ("Hà Nội", "2021-09-03")
    assert info.subject == "Hướng dẫn bồi dưỡng ngoại ngữ"
    assert (info.signer, info.signer_title) == ("Nguyễn Văn Phúc", "KT. Bộ trưởng, Thứ trưởng")
    assert info.references == ["Chỉ thị 01/CT-TTg"]


def test_one_line_web_copy_header() -> None:
    # Copied from a web page: header cells run together on one line, the number table under the heading.
    info = info_of(
        "BỘ TÀI CHÍNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: 1234/BTC-HCSN V/v hướng dẫn kinh phí Hà Nội, ngày 2 tháng 3 năm 2018\n"
        "Kính gửi: Bộ Ngoại giao\n"
        "Bộ Tài chính nhận được Công văn số 642/BNG-HVNG ngày 08/3/2016.\n"
        "TL. BỘ TRƯỞNG\nKT. VỤ TRƯỞNG VỤ HÀNH CHÍNH SỰ NGHIỆP\nPHÓ VỤ TRƯỞNG\n[Đã ký]\nNguyễn Thị Hà\n"
    )
    assert (info.doc_type, info.number, info.issuer) == ("Công văn", "1234/BTC-HCSN", "Bộ Tài chính")
    assert (info.place, info.date, info.subject) == ("Hà Nội", "2018-03-02", "Hướng dẫn kinh phí")
    assert info.signer == "Nguyễn Thị Hà"
    assert info.signer_title == "TL. Bộ trưởng, KT. Vụ trưởng Vụ Hành chính sự nghiệp, Phó Vụ trưởng"
    assert info.references == ["Công văn 642/BNG-HVNG"]

    info = info_of("KẾ HOẠCH\nSố: 206/KH-UBND | Hải Phòng, ngày 14 tháng 8 năm 2020\nTriển khai Đề án ngoại ngữ\nI. MỤC ĐÍCH")
    assert info.subject == "Triển khai Đề án ngoại ngữ"


@pytest.mark.parametrize("number, doc_type", [
    ("Số: 5/KH-UBND", "Kế hoạch"), ("Số: 7/QĐ-TTg", "Quyết định"), ("Số: 30/2020/NĐ-CP", "Nghị định"),
    ("Số: 01/CT-TTg", "Chỉ thị"), ("Số: 9/TB-VPCP", "Thông báo"), ("Số: 44/BC-UBND", "Báo cáo"),
    ("Số: 12/TTr-SNV", "Tờ trình"), ("Số: 3/QD-UBND", "Quyết định"), ("Số: 88/UBND-VX", "Công văn"),
])
def test_type_from_number_code(number: str, doc_type: str) -> None:
    assert info_of(number + "\nNội dung văn bản.").doc_type == doc_type


def test_type_heading_wins_and_letter_without_number() -> None:
    assert info_of("LUẬT\nSố: 45/2019/QH14\nCán bộ, công chức").doc_type == "Luật"
    assert info_of("Kính gửi: Sở Nội vụ\nĐề nghị báo cáo.").doc_type == "Công văn"


def test_issuer_from_signature_block_when_nothing_else() -> None:
    text = "Số: 9/KH-UBND\nĐà Nẵng, ngày 2 tháng 3 năm 2022\nNội dung kế hoạch.\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nLê Văn A"
    info = info_of(text)
    assert info.issuer == "Ủy ban nhân dân Đà Nẵng"
    assert (info.signer, info.signer_title) == ("Lê Văn A", "Chủ tịch")


@pytest.mark.parametrize("upper, name", [
    ("BỘ NGOẠI GIAO", "Bộ Ngoại giao"),
    ("BỘ CÔNG THƯƠNG", "Bộ Công Thương"),
    ("BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "Bộ Lao động - Thương binh và Xã hội"),
    ("VĂN PHÒNG CHÍNH PHỦ", "Văn phòng Chính phủ"),
    ("NGÂN HÀNG NHÀ NƯỚC VIỆT NAM", "Ngân hàng Nhà nước Việt Nam"),
    ("ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG", "Ủy ban nhân dân thành phố Hải Phòng"),
    ("UBND TỈNH BÀ RỊA - VŨNG TÀU", "Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu"),
    ("UBND TP. HỒ CHÍ MINH", "Ủy ban nhân dân thành phố Hồ Chí Minh"),
    ("SỞ NỘI VỤ TỈNH QUẢNG NAM", "Sở Nội vụ tỉnh Quảng Nam"),
    ("Sở Nội vụ", "Sở Nội vụ"),
])
def test_agency_name_case(upper: str, name: str) -> None:
    assert agency_name(upper) == name


@pytest.mark.parametrize("text", [
    "", "\n\n", "x", "KẾ HOẠCH", "| |", "Số:", "ngày 99 tháng 99 năm 2020", "KT. BỘ TRƯỞNG", "Nguyễn",
    "**", "Hà Nội, ngày 31 tháng 2 năm 2020", "V/v", "TM. ỦY BAN NHÂN DÂN\n(Đã ký)",
])
def test_odd_inputs_do_not_crash(text: str) -> None:
    info = info_of(text)
    assert isinstance(info, DocInfo)
    assert info.date == ""  # no valid date in any of them
    assert info.issuer != "Kt. bộ trưởng"


def test_one_line_and_empty_give_empty_fields() -> None:
    assert info_of("") == DocInfo()
    assert info_of("Một dòng văn bản không có gì.") == DocInfo()


# ---------------------------------------------------------------------------------------------
# What a document does, on whose proposal, on what legal bases (preamble.py), with exact spans


# A web copy: names, motto and number broken over lines, the subject upper-case over two lines.
WEB_DECISION = """THỦ TƯỚNG CHÍNH
PHỦ
-------
|
CỘNG
HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
|
Số:
88/QĐ-TTg
|
Hà Nội, ngày 02 tháng 3 năm 2021
|
QUYẾT ĐỊNH
PHÊ DUYỆT ĐỀ ÁN “BỒI DƯỠNG KỸ NĂNG SỐ CHO CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC VÙNG
ĐỒNG BẰNG SÔNG CỬU LONG GIAI ĐOẠN 2021 - 2025”
THỦ TƯỚNG CHÍNH PHỦ
Căn cứ Luật Tổ chức Chính phủ ngày
19 tháng 6 năm 2015;
Căn cứ Luật Cán bộ, công chức ngày 13 tháng 11 năm 2008; Luật Viên chức ngày 15
tháng 11 năm 2010; Luật sửa đổi, bổ sung một số điều của Luật Cán bộ, công chức và Luật Viên chức ngày 25 tháng 11
năm 2019;
Căn cứ Nghị quyết số 26-NQ/TW ngày
19 tháng 5 năm 2018 của Hội nghị lần thứ bảy Ban Chấp hành Trung ương khóa XII về tập trung xây dựng đội ngũ cán bộ;
Căn cứ Thông báo kết luận số 45-TB/TW ngày 10 tháng 01 năm 2021 của Ban Bí thư về chuyển đổi số;
Căn cứ Nghị định số 101/2017/NĐ-CP ngày 01 tháng 9 năm 2017 của Chính phủ về đào tạo, bồi dưỡng cán bộ, công
chức, viên chức (được sửa đổi tại Nghị định số 89/2021/NĐ-CP) và Nghị định số 62/2020/NĐ-CP ngày 01/6/2020 của
Chính phủ về vị trí việc làm;
Xét đề nghị của Bộ trưởng Bộ Thông tin và Truyền thông và Bộ trưởng Bộ Nội vụ,
QUYẾT ĐỊNH:
Điều 1. Phê duyệt Đề án “Bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức vùng Đồng bằng sông Cửu Long giai \
đoạn 2021 - 2025” (sau đây gọi là Đề án) với những nội dung sau:
1. Mục tiêu
Đến năm 2025, 80% công chức vùng Đồng bằng sông Cửu Long có kỹ năng số cơ bản.
"""

# A province's decision: "VỀ VIỆC BAN HÀNH …", the proposal cited with its submission.
PROVINCE_DECISION = """ỦY BAN NHÂN DÂN
TỈNH HÀ NAM
Số: 512/QĐ-UBND
Hà Nam, ngày 5 tháng 4 năm 2022
QUYẾT ĐỊNH
VỀ VIỆC BAN HÀNH KẾ HOẠCH HỌC TẬP NGOẠI NGỮ CHO CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC TỈNH HÀ NAM NĂM 2022
ỦY BAN NHÂN DÂN TỈNH HÀ NAM
Căn cứ Quyết định số 1659/QĐ-TTg ngày 19/11/2019 của Thủ tướng Chính phủ phê duyệt Đề án học tập ngoại ngữ;
Căn cứ Kết luận số 120-KL/TU ngày 2 tháng 3 năm 2022 của Ban Thường vụ Tỉnh ủy về học tập ngoại ngữ;
Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 45/TTr-SNV ngày 20 tháng 3 năm 2022.
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Kế hoạch học tập ngoại ngữ cho cán bộ, công chức, viên chức tỉnh Hà Nam năm 2022.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
"""

# A plan issued with a decision, carrying out two documents; a proposal by submission ("Xét Tờ trình …").
ATTACHED_PLAN = """KẾ HOẠCH
Bồi dưỡng tiếng Anh cho công chức Sở Nội vụ năm 2023
(Kèm theo Quyết định số 77/QĐ-SNV ngày 10/01/2023 của Giám đốc Sở Nội vụ)
Thực hiện Quyết định số 1659/QĐ-TTg ngày 19/11/2019 của Thủ tướng Chính phủ; Công văn số 3266/BNV-ĐT ngày \
01/7/2020 của Bộ Nội vụ, Sở Nội vụ ban hành Kế hoạch bồi dưỡng như sau:
I. MỤC ĐÍCH
Nâng cao năng lực tiếng Anh.
"""

REVIEWED = """QUYẾT ĐỊNH
Về việc giao chỉ tiêu bồi dưỡng năm 2023
Căn cứ chức năng, nhiệm vụ được giao tại Quyết định số 15/2021/QĐ-UBND ngày 3/5/2021 của Ủy ban nhân dân tỉnh;
Xét Tờ trình số 12/TTr-PTCCB ngày 4/1/2023 của Phòng Tổ chức cán bộ,
QUYẾT ĐỊNH:
Điều 1. Giao chỉ tiêu bồi dưỡng năm 2023 cho các phòng.
"""


def documents_of(info: DocInfo) -> list[str]:
    return [basis["document"] for basis in info.legal_bases]


def assert_exact_spans(source: str, info: DocInfo) -> None:
    for basis in info.legal_bases:
        quote = source[basis["start"]:basis["end"]]
        assert quote == quote.strip() and " ".join(quote.split()) == basis["text"], basis
        assert not basis["number"] or basis["number"] in "".join(quote.split())
    for name, (start, end) in info.spans.items():
        assert 0 <= start < end <= len(source) and source[start:end] == source[start:end].strip(), name


def test_web_copy_decision_header_subject_action_proposer_and_bases() -> None:
    info = info_of(WEB_DECISION)
    assert (info.doc_type, info.number, info.issuer) == ("Quyết định", "88/QĐ-TTg", "Thủ tướng Chính phủ")
    # upper case recased from the document's own words: proper names keep their capitals
    assert info.subject == ("Phê duyệt Đề án “Bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức vùng Đồng bằng "
                            "sông Cửu Long giai đoạn 2021 - 2025”")
    assert info.action == "Phê duyệt"  # from Điều 1, in the document's own case
    assert info.action_object == ("Đề án “Bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức vùng Đồng bằng sông "
                                  "Cửu Long giai đoạn 2021 - 2025”")
    assert info.proposer == "Bộ trưởng Bộ Thông tin và Truyền thông và Bộ trưởng Bộ Nội vụ"
    assert info.proposer_agencies == ["Bộ Thông tin và Truyền thông", "Bộ Nội vụ"]
    assert documents_of(info) == [
        "Luật Tổ chức Chính phủ", "Luật Cán bộ, công chức", "Luật Viên chức",
        "Luật sửa đổi, bổ sung một số điều của Luật Cán bộ, công chức và Luật Viên chức",
        "Nghị quyết 26-NQ/TW", "Thông báo kết luận 45-TB/TW", "Nghị định 101/2017/NĐ-CP", "Nghị định 62/2020/NĐ-CP"]
    bases = {basis["document"]: basis for basis in info.legal_bases}
    assert bases["Luật Tổ chức Chính phủ"]["date"] == "2015-06-19"  # across the line break
    assert bases["Nghị quyết 26-NQ/TW"]["issuer"] == "Hội nghị lần thứ bảy Ban Chấp hành Trung ương khóa XII"
    assert bases["Thông báo kết luận 45-TB/TW"]["kind"] == "Thông báo kết luận"
    assert bases["Thông báo kết luận 45-TB/TW"]["issuer"] == "Ban Bí thư"
    assert bases["Nghị định 62/2020/NĐ-CP"]["date"] == "2020-06-01"
    assert all(basis["cue"] == "Căn cứ" for basis in info.legal_bases)
    assert_exact_spans(WEB_DECISION, info)
    assert WEB_DECISION[slice(*info.spans["proposer"])] == (
        "Xét đề nghị của Bộ trưởng Bộ Thông tin và Truyền thông và Bộ trưởng Bộ Nội vụ")


def test_province_decision_proposal_and_party_conclusions() -> None:
    info = info_of(PROVINCE_DECISION)
    assert info.issuer == "Ủy ban nhân dân tỉnh Hà Nam"
    assert info.subject.startswith("Về việc ban hành Kế hoạch học tập ngoại ngữ") and "Hà Nam" in info.subject
    assert (info.action, info.action_object) == (
        "Ban hành", "Kế hoạch học tập ngoại ngữ cho cán bộ, công chức, viên chức tỉnh Hà Nam năm 2022")
    assert (info.proposer, info.proposer_agencies, info.proposal) == (
        "Giám đốc Sở Nội vụ", ["Sở Nội vụ"], "Tờ trình 45/TTr-SNV")
    assert documents_of(info) == ["Quyết định 1659/QĐ-TTg", "Kết luận 120-KL/TU"]
    assert info.legal_bases[1]["issuer"] == "Ban Thường vụ Tỉnh ủy"
    assert_exact_spans(PROVINCE_DECISION, info)


def test_plan_issued_with_a_decision_and_what_it_carries_out() -> None:
    info = info_of(ATTACHED_PLAN)
    assert info.attached_to == "Quyết định 77/QĐ-SNV"
    assert info.implements == ["Quyết định 1659/QĐ-TTg", "Công văn 3266/BNV-ĐT"]
    assert [basis["cue"] for basis in info.legal_bases] == ["Thực hiện", "Thực hiện"]
    assert info.legal_bases[1]["issuer"] == "Bộ Nội vụ"  # the clause ends where "Sở Nội vụ ban hành" starts
    assert_exact_spans(ATTACHED_PLAN, info)


def test_proposal_by_submission_and_a_basis_worded_around_its_document() -> None:
    info = info_of(REVIEWED)
    assert (info.proposer, info.proposal) == ("Phòng Tổ chức cán bộ", "Tờ trình 12/TTr-PTCCB")
    assert documents_of(info) == ["Quyết định 15/2021/QĐ-UBND"]
    assert (info.action, info.action_object) == ("Giao", "chỉ tiêu bồi dưỡng năm 2023 cho các phòng")


def test_the_sample_documents_grounds() -> None:
    (doc,) = read_file(DOCS / "206-KH-UBND-2020-Hai-Phong.txt")
    info = extract_info(doc)
    assert info.action == "Triển khai thực hiện"
    assert info.implements == ["Quyết định 1659/QĐ-TTg", "Công văn 3266/BNV-ĐT"]
    assert info.proposer == ""  # a plan names no proposal
    (doc,) = read_file(DOCS / "642-BNG-HVNG-2016.txt")
    assert extract_info(doc).implements == ["Quyết định 2007/QĐ-TTg"]
    info = info_of(DECISION)
    assert (info.proposer, info.proposal) == ("Giám đốc Sở Nội vụ", "Tờ trình 45/TTr-SNV")
    assert documents_of(info)[:2] == ["Luật Tổ chức chính quyền địa phương", "Nghị định 30/2020/NĐ-CP"]


def test_document_parts_quote_exact_spans_in_their_sections() -> None:
    from knowledge.facts import document_parts

    doc = Document(doc_id="88", source=WEB_DECISION)
    doc.info = extract_info(doc)
    parts = document_parts(doc, "Quyết định 88/QĐ-TTg")
    assert [p.data["part"] for p in parts] == ["subject"] + ["legal_basis"] * 8 + ["proposer", "action"]
    for part in parts:
        assert part.quote == WEB_DECISION[part.start:part.end] and part.kind == "document"
    assert parts[0].section == "Quyết định 88/QĐ-TTg › Phần mở đầu"
    assert parts[-1].section.startswith("Quyết định 88/QĐ-TTg › Điều 1. Phê duyệt Đề án")
    assert parts[-2].data == {"part": "proposer", "proposer": doc.info.proposer,
                              "agencies": ["Bộ Thông tin và Truyền thông", "Bộ Nội vụ"], "proposal": ""}
    assert [p.data["document"] for p in document_parts(doc, "QĐ", parts=("legal_basis",))][-1] == \
        "Nghị định 62/2020/NĐ-CP"


def test_decomposed_unicode_gives_the_same_grounds() -> None:
    import unicodedata

    source = unicodedata.normalize("NFD", WEB_DECISION)
    info = info_of(source)
    assert [unicodedata.normalize("NFC", d) for d in documents_of(info)] == documents_of(info_of(WEB_DECISION))
    for basis in info.legal_bases:
        quote = unicodedata.normalize("NFC", source[basis["start"]:basis["end"]])
        assert " ".join(quote.split()) == unicodedata.normalize("NFC", basis["text"])


@pytest.mark.parametrize("text", [
    "Căn cứ", "Căn cứ ;;;", "Xét đề nghị của", "Theo đề nghị của ,", "Thực hiện", "Điều 1. Phê duyệt",
    "QUYẾT ĐỊNH\nPHÊ DUYỆT\nTHỦ TƯỚNG CHÍNH PHỦ", "Căn cứ Luật\nngày 99 tháng 99 năm 2020;", "(Kèm theo Quyết định số",
])
def test_odd_preambles_do_not_crash(text: str) -> None:
    info = info_of(text)
    assert isinstance(info, DocInfo)
    assert all(b["start"] < b["end"] for b in info.legal_bases)


def test_whom_it_was_agreed_with_and_when_it_takes_effect() -> None:
    source = ("BỘ NỘI VỤ\nSố: 90/QĐ-BNV\nHà Nội, ngày 3 tháng 3 năm 2023\nQUYẾT ĐỊNH\nVề việc ban hành Quy chế bồi dưỡng\n"
              "BỘ TRƯỞNG BỘ NỘI VỤ\nCăn cứ Nghị định số 63/2022/NĐ-CP ngày 12/9/2022 của Chính phủ;\n"
              "Sau khi thống nhất với Học viện Hành chính Quốc gia,\nTheo đề nghị của Vụ trưởng Vụ Tổ chức cán bộ,\n"
              "QUYẾT ĐỊNH:\nĐiều 1. Ban hành kèm theo Quyết định này Quy chế bồi dưỡng.\n"
              "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày 01 tháng 4 năm 2023.\n")
    info = info_of(source)
    assert info.consulted == "Học viện Hành chính Quốc gia"
    assert (info.proposer, info.proposer_agencies) == ("Vụ trưởng Vụ Tổ chức cán bộ", ["Vụ Tổ chức cán bộ"])
    assert info.effective == "kể từ ngày 01 tháng 4 năm 2023"
    assert source[slice(*info.spans["effective"])] == (
        "Quyết định này có hiệu lực thi hành kể từ ngày 01 tháng 4 năm 2023")
    assert info_of(DECISION).effective == "kể từ ngày ký"
    doc = Document(doc_id="90", source=source)
    doc.info = info
    from knowledge.facts import document_parts

    parts = {p.data["part"]: p for p in document_parts(doc, "Quyết định 90/QĐ-BNV")}
    assert parts["consulted"].quote == "Sau khi thống nhất với Học viện Hành chính Quốc gia"
    assert parts["effective"].section == "Quyết định 90/QĐ-BNV › Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày 01 tháng 4 năm 2023"
