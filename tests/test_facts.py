"""Fact extraction on the two sample documents, on a synthetic plan of another province, and on odd input."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from knowledge.facts import KINDS, extract_facts
from knowledge.model import PATH_SEPARATOR, Document, Fact
from knowledge.structure import clean_lines, iter_sections, parse_sections

DOCS = Path(__file__).resolve().parents[1] / "knowledge" / "docs"
LABEL_206 = "Kế hoạch 206/KH-UBND"
LABEL_642 = "Công văn 642/BNG-HVNG"


def build(source: str, label: str, doc_id: str = "doc") -> tuple[Document, list[Fact], dict[str, tuple[int, int]]]:
    doc = Document(doc_id=doc_id, source=source)
    lines = clean_lines(source)
    root, owners = parse_sections(lines, len(source))
    facts = extract_facts(doc, label, lines, owners)
    spans = {PATH_SEPARATOR.join([label, *s.path]): (s.start, s.end) for s in iter_sections(root)}
    return doc, facts, spans


def load(name: str, label: str):
    path = next(DOCS.glob(f"{name}*.txt"))
    return build(path.read_text(encoding="utf-8"), label, path.name)


@pytest.fixture(scope="module")
def kh206():
    return load("206", LABEL_206)


@pytest.fixture(scope="module")
def cv642():
    return load("642", LABEL_642)


def of(facts: list[Fact], kind: str) -> list[Fact]:
    return [f for f in facts if f.kind == kind]


def check_quotes(doc: Document, facts: list[Fact], spans: dict[str, tuple[int, int]]) -> None:
    for fact in facts:
        assert fact.quote == doc.source[fact.start:fact.end]
        assert fact.quote == fact.quote.strip() and fact.quote
        assert fact.doc_id == doc.doc_id
        assert fact.section in spans, fact.section
        start, end = spans[fact.section]
        assert start <= fact.start and fact.end <= end, (fact.section, fact.quote)


# --- the two sample documents ---------------------------------------------------------------------


def test_quotes_are_exact_and_inside_their_sections(kh206, cv642):
    for doc, facts, spans in (kh206, cv642):
        assert facts
        check_quotes(doc, facts, spans)
        for fact in facts:
            assert len(fact.quote) < 1200  # a sentence, clause or item, never a whole document


def test_contact_642(cv642):
    _, facts, _ = cv642
    contacts = of(facts, "contact")
    assert len(contacts) == 1
    data = contacts[0].data
    assert data["person"] == "Trịnh Thị Thu Huyền"
    assert data["mobile"] == "0977851323"
    assert data["phone"] == "0438344540"
    assert data["ext"] == "3410"
    assert data["fax"] == "0438343543"
    assert data["email"] == "trinhthuhuyen@gmail.com"
    assert contacts[0].section == f"{LABEL_642} › Phần kết"
    assert contacts[0].quote.startswith("Mọi chi tiết vui lòng liên hệ")


def test_targets_206(kh206):
    _, facts, _ = kh206
    targets = of(facts, "target")
    got = [(t.data["year"], t.data["percent"], t.data["level"]) for t in targets]
    assert got == [
        (2025, 25, 4), (2025, 60, 4), (2025, 50, 4), (2025, 20, 3), (2025, 15, 3),
        (2030, 35, 4), (2030, 70, 4), (2030, 60, 4), (2030, 30, 3), (2030, 15, 3),
    ]
    keys = [t.data["group_key"] for t in targets[:5]]
    assert keys == ["can bo cong chuc", "vien chuc", "vien chuc lanh dao quan ly", "can bo cong chuc cap xa",
                    "can bo cong chuc lanh dao quan ly cap xa"]
    assert [t.data["group_key"] for t in targets[5:]] == keys
    first = targets[0].data
    assert first["group"] == "cán bộ, công chức"
    assert first["subject"] == "ngoại ngữ" and first["level_text"] == "bậc 4 trở lên"
    assert first["conditions"][0].startswith("tập trung vào cán bộ, công chức lãnh đạo, quản lý")
    assert targets[0].quote.startswith("Đến năm 2025: 25% cán bộ, công chức (")
    assert targets[0].quote.endswith("bậc 4 trở lên")
    commune_leaders = targets[4].data
    assert commune_leaders["group"] == "cán bộ, công chức lãnh đạo, quản lý cấp xã"
    assert commune_leaders["conditions"] == ["dưới 40 tuổi",
                                             "công tác tại địa bàn hoặc lĩnh vực có yêu cầu sử dụng ngoại ngữ"]
    ages = {(t.data["year"], t.data["percent"], t.data["group_key"]): t.data.get("max_age") for t in targets}
    assert ages[(2025, 25, "can bo cong chuc")] == 40
    assert ages[(2025, 15, "can bo cong chuc lanh dao quan ly cap xa")] == 40
    assert ages[(2030, 15, "can bo cong chuc lanh dao quan ly cap xa")] == 40
    assert ages[(2025, 60, "vien chuc")] is None and ages[(2025, 20, "can bo cong chuc cap xa")] is None
    # The level stated once applies to both percentages of the same ';'-clause, and they share the quote.
    assert targets[1].quote == targets[2].quote == (
        "60% viên chức và 50% viên chức giữ chức vụ lãnh đạo, quản lý đạt trình độ ngoại ngữ bậc 4 trở lên")
    assert all("2. Hoàn thiện quy định" in t.section for t in targets)


def test_eligibility_206(kh206):
    _, facts, _ = kh206
    items = of(facts, "eligibility")
    applies = [f for f in items if f.data["applies"]]
    excluded = [f for f in items if not f.data["applies"]]
    assert len(applies) == 1
    assert applies[0].data["roles"] == ["cán bộ", "công chức", "viên chức"]
    assert "đơn vị sự nghiệp công lập" in applies[0].data["workplaces"]
    assert applies[0].section == f"{LABEL_206} › II. ĐỐI TƯỢNG › 1. Đối tượng áp dụng"
    assert len(excluded) == 2
    foreign_affairs, teachers = excluded
    for fact in excluded:
        assert fact.section == f"{LABEL_206} › II. ĐỐI TƯỢNG › 2. Đối tượng không áp dụng"
    assert foreign_affairs.data["who"] == "Công chức công tác tại Sở Ngoại vụ"
    assert foreign_affairs.data["workplaces"] == ["Sở Ngoại vụ"]
    assert foreign_affairs.data["roles"] == ["công chức"]
    assert foreign_affairs.data["conditions"] == [
        "đối với các vị trí việc làm yêu cầu trình độ chuyên môn Đại học ngoại ngữ trở lên"]
    assert teachers.data["who"] == "Giáo viên, giảng viên dạy môn ngoại ngữ"
    assert set(teachers.data["roles"]) == {"giáo viên", "giảng viên"}
    # "3. Thời gian thực hiện" sits under "II. ĐỐI TƯỢNG" but is a roadmap fact, not eligibility.
    assert not any("Thời gian" in f.quote for f in items)


def test_eligibility_642(cv642):
    _, facts, _ = cv642
    items = of(facts, "eligibility")
    assert len(items) == 2 and all(f.data["applies"] for f in items)
    first, second = items
    assert first.quote.startswith("Chuyên gia hoặc công chức, viên chức (CCVC)")
    assert {"chuyên gia", "công chức", "viên chức", "giảng viên"} <= set(first.data["roles"])
    assert first.data["conditions"] == []  # "(CCVC)" is an abbreviation, not a condition
    assert second.quote.startswith("CCVC làm công tác hội nhập quốc tế")
    assert second.data["roles"] == ["công chức", "viên chức"]
    for fact in items:
        assert fact.section == f"{LABEL_642} › I. MỤC TIÊU, ĐỐI TƯỢNG VÀ YÊU CẦU › 2. Đối tượng"


def duties_by_agency(facts: list[Fact]) -> dict[str, list[Fact]]:
    out: dict[str, list[Fact]] = {}
    for fact in of(facts, "duty"):
        for agency in fact.data["agencies"]:
            out.setdefault(agency, []).append(fact)
        out.setdefault(fact.data["agency"], [])
    return out


def test_duties_206(kh206):
    _, facts, _ = kh206
    duties = duties_by_agency(facts)
    assert len(duties["Sở Nội vụ"]) == 4
    assert duties["Sở Nội vụ"][1].quote.startswith("Hướng dẫn các cơ quan, đơn vị, địa phương đăng ký nhu cầu")
    assert all(f.section == f"{LABEL_206} › V. TỔ CHỨC THỰC HIỆN › 1. Sở Nội vụ" for f in duties["Sở Nội vụ"])
    assert duties["Sở Giáo dục và Đào tạo"][0].data["duty"].startswith("Chủ trì tham mưu")
    assert [f.quote[:12] for f in duties["Sở Tài chính"]] == ["Chủ trì hướn", "Thẩm định, h"]
    assert duties["Sở Ngoại vụ"][0].data["agency_key"] == "so ngoai vu"
    media = duties["Báo Hải Phòng"][0]
    assert media.data["agencies"] == ["Sở Thông tin và Truyền thông", "Đài Phát thanh và Truyền hình Hải Phòng",
                                      "Báo Hải Phòng"]
    assert media.data["duty"].startswith("Tuyên truyền, vận động")
    local = duties["Ủy ban nhân dân quận, huyện"]
    assert len(local) == 4


def test_duties_642(cv642):
    _, facts, _ = cv642
    duties = duties_by_agency(facts)
    assert duties["Bộ Tài chính"][0].data["duty"].startswith("xem xét đảm bảo kinh phí")
    assert duties["Bộ Nội vụ"][0].data["duty"].startswith("phối hợp với các Bộ được phân công")
    assert duties["Văn phòng Chính phủ"][0].data["duty"].startswith("làm đầu mối tổng hợp")
    assert duties["Văn phòng Chính phủ"][0].data["agency_key"] == "van phong chinh phu"
    leads = [f for f in of(facts, "duty") if f.data["agency_key"] == "bo chu tri"]
    assert leads[0].data["agencies"] == ["Bộ Ngoại giao", "Bộ Công Thương", "Bộ Quốc phòng",
                                         "Bộ Lao động - Thương binh và Xã hội", "Bộ Tư pháp"]
    assert leads[0].data["agency"] == "Các Bộ Chủ trì"
    assert any(f.quote.startswith("Các Bộ Chủ trì (i) xây dựng") for f in leads)
    assert duties["Các địa phương"][0].data["duty"].startswith("lập dự toán kinh phí")
    others = duties["Các Bộ, ngành và địa phương khác"]
    assert others and others[0].quote.startswith("Phối hợp với Bộ Chủ trì trong việc")
    for fact in of(facts, "duty"):
        assert len(fact.data["agency"].split()) <= 10


def test_roadmap(kh206, cv642):
    phases = [(f.data["start_year"], f.data["end_year"]) for f in of(kh206[1], "roadmap")]
    assert phases == [(2020, 2030), (2020, 2020), (2021, 2025), (2025, 2030)]
    first = of(kh206[1], "roadmap")[0]
    assert first.quote == "Thời gian thực hiện: Từ năm 2020 đến hết năm 2030."
    assert first.section == f"{LABEL_206} › II. ĐỐI TƯỢNG › 3. Thời gian thực hiện"
    assert of(kh206[1], "roadmap")[2].section == f"{LABEL_206} › IV. LỘ TRÌNH VÀ KINH PHÍ THỰC HIỆN › 1. Lộ trình"
    phases_642 = [(f.data["start_year"], f.data["end_year"]) for f in of(cv642[1], "roadmap")]
    assert (2016, 2020) in phases_642


def test_steps_642(cv642, kh206):
    steps = of(cv642[1], "step")
    assert [(f.data["order"], f.data["total"]) for f in steps] == [(n, 5) for n in range(1, 6)]
    assert [f.data["step"] for f in steps][2:4] == ["Mời giảng viên và chiêu sinh", "Tổ chức và theo dõi các khóa học"]
    assert {f.data["procedure"] for f in steps} == {"1.2.2. Triển khai kế hoạch bồi dưỡng cụ thể của từng năm"}
    assert steps[3].section.endswith("› 1.2.2. Triển khai kế hoạch bồi dưỡng cụ thể của từng năm › (iv) Tổ chức và "
                                     "theo dõi các khóa học")
    assert steps[3].quote == "Tổ chức và theo dõi các khóa học"
    # the lists of 206 (contents, duties) are not procedures
    assert not of(kh206[1], "step")


PROCEDURE = """UBND TỈNH BÌNH AN
Số: 12/HD-SNV
HƯỚNG DẪN
Cử công chức đi học ngoại ngữ
I. TRÌNH TỰ THỰC HIỆN
Các cơ quan thực hiện như sau:
a) Lập danh sách công chức đăng ký học;
b) Gửi danh sách về Sở Nội vụ trước ngày 15 tháng 3;
c) Sở Nội vụ thẩm định và ra quyết định cử đi học;
d) Cơ quan thanh toán học phí theo quy định.
II. NỘI DUNG HỌC
a) Tiếng Anh;
b) Tiếng Pháp;
c) Tiếng Trung.
"""


def test_steps_of_any_procedure():
    doc, facts, spans = build(PROCEDURE, "Hướng dẫn 12/HD-SNV")
    check_quotes(doc, facts, spans)
    steps = of(facts, "step")
    assert [f.data["step"] for f in steps] == ["Lập danh sách công chức đăng ký học",
                                               "Gửi danh sách về Sở Nội vụ trước ngày 15 tháng 3",
                                               "Sở Nội vụ thẩm định và ra quyết định cử đi học",
                                               "Cơ quan thanh toán học phí theo quy định"]
    assert {f.data["procedure"] for f in steps} == {"I. TRÌNH TỰ THỰC HIỆN"}
    assert steps[1].section == "Hướng dẫn 12/HD-SNV › I. TRÌNH TỰ THỰC HIỆN › b) Gửi danh sách về Sở Nội vụ trước ngày 15 tháng 3"


def test_links_642(cv642, kh206):
    links = of(cv642[1], "link")
    assert [(f.data["site"], f.data["url"]) for f in links] == [
        ("cổng thông tin điện tử của Chính phủ", "http://vanban.chinhphu.vn/portal/page/portal/chinhphu/hethongvanban"),
        ("trang thông tin điện tử của Học viện Ngoại giao", "http://www.dav.edu.vn/vi/")]
    assert {f.section for f in links} == {f"{LABEL_642} › Phần kết"}
    assert all("Phụ lục Đề án được đăng tải" in f.quote for f in links)
    assert not of(kh206[1], "link")  # no web address; the e-mail's domain is not one


PUBLISHED = """SỞ NỘI VỤ TỈNH BÌNH AN
Số: 30/TB-SNV
THÔNG BÁO
Về việc đăng ký học ngoại ngữ
1. Mẫu đơn đăng ký đăng tại Cổng thông tin điện tử của Sở Nội vụ (https://sonoivu.binhan.gov.vn/bieu-mau).
2. Danh sách lớp xem tại snv.binhan.gov.vn.
3. Mọi thắc mắc gửi về email: daotao@binhan.gov.vn hoặc www.binhan.gov.vn/hoidap, trước ngày 15/3.
"""


def test_links_of_any_document():
    doc, facts, spans = build(PUBLISHED, "Thông báo 30/TB-SNV")
    check_quotes(doc, facts, spans)
    assert [(f.data["site"], f.data["url"]) for f in of(facts, "link")] == [
        ("Cổng thông tin điện tử của Sở Nội vụ", "https://sonoivu.binhan.gov.vn/bieu-mau"),
        ("", "snv.binhan.gov.vn"),
        ("", "www.binhan.gov.vn/hoidap"),
    ]


def test_funding(kh206, cv642):
    funding = of(kh206[1], "funding")
    assert len(funding) == 2
    civil, public = funding
    assert civil.data["groups"] == ["cán bộ", "công chức"]
    assert "đóng góp của cán bộ, công chức" in civil.data["sources"]
    assert "nguồn tài trợ của các tổ chức, cá nhân trong và ngoài nước" in civil.data["sources"]
    assert "ngan_sach" in civil.data["source_keys"]
    assert public.data["groups"] == ["viên chức"]
    assert public.data["sources"][0] == "nguồn tài chính của đơn vị sự nghiệp công lập"
    assert "ngan_sach" not in public.data["source_keys"]  # only named in the "(không bao gồm …)" note
    assert public.data["conditions"] == ["không bao gồm nguồn ngân sách Nhà nước bố trí cho đơn vị"]
    assert civil.section == public.section == f"{LABEL_206} › IV. LỘ TRÌNH VÀ KINH PHÍ THỰC HIỆN › 2. Kinh phí"
    budget = [f for f in of(cv642[1], "funding") if f.quote.startswith("Bộ Tài chính")]
    assert budget and budget[0].data["sources"] == ["ngân sách nhà nước"]
    assert not any("ý kiến đóng góp" in s for f in of(cv642[1], "funding") for s in f.data["sources"])


# --- a synthetic plan of another province ---------------------------------------------------------

SYNTHETIC = """ỦY BAN NHÂN DÂN TỈNH AN HÒA
Số: 15/KH-UBND
KẾ HOẠCH
Bồi dưỡng tin học cho công chức, viên chức giai đoạn 2023 - 2027
Kế hoạch này không áp dụng đối với công chức đang trong thời gian nghỉ hưu chờ chế độ.
I. MỤC TIÊU
1. Mục tiêu cụ thể
- Đến năm 2027: 40% công chức cấp huyện đạt trình độ tin học cơ bản; 10% công chức lãnh đạo, quản lý cấp tỉnh dưới 45 tuổi đạt chuẩn kỹ năng số nâng cao.
- Đến năm 2026: 70% viên chức đạt chứng chỉ tiếng Anh B1 trở lên.
2. Mục tiêu đến năm 2030:
- 60% công chức cấp xã đạt trình độ ngoại ngữ bậc 2 trở lên.
- Hỗ trợ 50% học phí cho công chức tự học.
II. PHẠM VI VÀ ĐỐI TƯỢNG
1. Đối tượng áp dụng
- Công chức đang công tác tại các cơ quan hành chính nhà nước của tỉnh.
- Viên chức các đơn vị sự nghiệp công lập trực thuộc Sở Y tế (trừ viên chức ký hợp đồng thử việc).
2. Đối tượng không áp dụng: Người lao động làm việc theo hợp đồng.
III. LỘ TRÌNH THỰC HIỆN
1. Giai đoạn 2023 - 2025: Khảo sát nhu cầu, xây dựng tài liệu.
2. Năm 2026: Tổ chức các lớp bồi dưỡng.
IV. KINH PHÍ
Kinh phí thực hiện Kế hoạch được bảo đảm từ ngân sách tỉnh; nguồn xã hội hóa và các nguồn hợp pháp khác.
V. TỔ CHỨC THỰC HIỆN
1. Sở Khoa học và Công nghệ:
- Chủ trì xây dựng tài liệu bồi dưỡng.
2. Sở Nội vụ và Sở Tài chính: Hướng dẫn, kiểm tra việc sử dụng kinh phí.
3. Trách nhiệm của Ủy ban nhân dân các huyện, thành phố
Cử công chức tham gia các lớp bồi dưỡng đúng thành phần. Ủy ban nhân dân các huyện, thành phố chỉ đạo các phòng chuyên môn thực hiện Kế hoạch.
Bộ Y tế và Sở Tài chính phối hợp hướng dẫn thanh toán.
Trên đây là Kế hoạch bồi dưỡng tin học. Trong quá trình thực hiện, nếu có vướng mắc, đề nghị liên hệ ông Lê Văn A, chuyên viên Phòng Công chức, Sở Nội vụ, ĐT: 0243.123.456, email: a@x. gov.vn hoặc bà Trần Thị Bình, DĐ: 0912 345 678.
"""
LABEL_SYN = "Kế hoạch 15/KH-UBND"


@pytest.fixture(scope="module")
def synthetic():
    return build(SYNTHETIC, LABEL_SYN, "an-hoa-15")


def test_synthetic_quotes(synthetic):
    doc, facts, spans = synthetic
    check_quotes(doc, facts, spans)


def test_synthetic_targets(synthetic):
    targets = of(synthetic[1], "target")
    assert [(t.data["year"], t.data["percent"]) for t in targets] == [(2027, 40), (2027, 10), (2026, 70), (2030, 60)]
    district, leaders, officials, commune = (t.data for t in targets)
    assert commune["group_key"] == "cong chuc cap xa" and commune["level"] == 2  # year from the heading above
    assert district["group"] == "công chức cấp huyện" and district["group_key"] == "cong chuc cap huyen"
    assert district["subject"] == "tin học" and district["level"] == "cơ bản"
    assert leaders["group_key"] == "cong chuc lanh dao quan ly cap tinh"
    assert leaders["max_age"] == 45 and leaders["level"] == "nâng cao" and leaders["subject"] == "kỹ năng số"
    assert officials["level"] == "B1" and officials["level_text"] == "B1 trở lên"
    assert officials["subject"] == "tiếng Anh"
    assert targets[0].quote == "Đến năm 2027: 40% công chức cấp huyện đạt trình độ tin học cơ bản"


def test_targets_with_other_wordings():
    source = ("I. MỤC TIÊU\n1. Giai đoạn 2026 - 2030: 50% viên chức có trình độ tiếng Anh B2; "
              "15% cán bộ lãnh đạo có trình độ cao cấp lý luận chính trị; 100% cán bộ, công chức cấp xã "
              "được bồi dưỡng kỹ năng số.\n")
    doc, facts, spans = build(source, "Đề án 1/ĐA")
    check_quotes(doc, facts, spans)
    targets = [t.data for t in of(facts, "target")]
    assert [(t["year"], t["percent"], t["level"], t["subject"]) for t in targets] == [
        (2030, 50, "B2", "tiếng Anh"), (2030, 15, "cao cấp", "lý luận chính trị"), (2030, 100, None, "")]
    assert targets[1]["group_key"] == "can bo lanh dao quan ly"
    assert targets[2]["group"] == "cán bộ, công chức cấp xã"
    assert targets[2]["level_text"] == "được bồi dưỡng kỹ năng số"  # what the group does, verb kept
    assert [(f.data["start_year"], f.data["end_year"]) for f in of(facts, "roadmap")] == [(2026, 2030)]


def test_synthetic_contacts(synthetic):
    contacts = of(synthetic[1], "contact")
    assert len(contacts) == 2
    first, second = (c.data for c in contacts)
    assert first["person"] == "Lê Văn A"
    assert first["role"] == "chuyên viên Phòng Công chức, Sở Nội vụ"
    assert first["phone"] == "0243123456"
    assert first["email"] == "a@x.gov.vn"
    assert second["person"] == "Trần Thị Bình" and second["mobile"] == "0912345678"
    assert contacts[0].quote.endswith("a@x. gov.vn")
    assert contacts[1].quote.startswith("bà Trần Thị Bình")


def test_synthetic_eligibility(synthetic):
    items = of(synthetic[1], "eligibility")
    applies = [f for f in items if f.data["applies"]]
    excluded = [f for f in items if not f.data["applies"]]
    assert [f.data["roles"] for f in applies] == [["công chức"], ["viên chức"]]
    assert applies[1].data["workplaces"][0] == "Sở Y tế"
    assert applies[1].data["conditions"] == ["trừ viên chức ký hợp đồng thử việc"]
    whos = [f.data["who"] for f in excluded]
    assert "công chức đang trong thời gian nghỉ hưu chờ chế độ" in whos
    assert "Người lao động làm việc theo hợp đồng" in whos
    inline = next(f for f in excluded if f.data["who"].startswith("Người lao động"))
    assert inline.section == f"{LABEL_SYN} › II. PHẠM VI VÀ ĐỐI TƯỢNG › 2. Đối tượng không áp dụng"
    assert inline.quote == "Người lao động làm việc theo hợp đồng."


def test_synthetic_roadmap_and_funding(synthetic):
    facts = synthetic[1]
    assert [(f.data["start_year"], f.data["end_year"]) for f in of(facts, "roadmap")] == [(2023, 2025), (2026, 2026)]
    funding = of(facts, "funding")
    assert len(funding) == 1
    assert funding[0].data["sources"] == ["ngân sách tỉnh", "nguồn xã hội hóa", "các nguồn hợp pháp khác"]
    assert funding[0].data["source_keys"] == ["ngan_sach", "xa_hoi_hoa", "nguon_hop_phap_khac"]


def test_synthetic_duties(synthetic):
    duties = duties_by_agency(synthetic[1])
    assert duties["Sở Khoa học và Công nghệ"][0].data["duty"] == "Chủ trì xây dựng tài liệu bồi dưỡng"
    both = duties["Sở Tài chính"][0]
    assert both.data["agencies"] == ["Sở Nội vụ", "Sở Tài chính"]
    assert both.data["duty"] == "Hướng dẫn, kiểm tra việc sử dụng kinh phí"
    district = duties["Ủy ban nhân dân các huyện, thành phố"]
    assert [f.data["rule"] for f in district] == ["heading", "sentence"]
    assert district[0].quote == "Cử công chức tham gia các lớp bồi dưỡng đúng thành phần."
    assert district[1].data["duty"].startswith("chỉ đạo các phòng chuyên môn")
    pair = duties["Bộ Y tế"][0]
    assert pair.data["agencies"] == ["Bộ Y tế", "Sở Tài chính"] and pair.data["duty"].startswith("phối hợp")


DECISION = """QUYẾT ĐỊNH
Về việc ban hành Quy chế bồi dưỡng
Điều 1. Phạm vi điều chỉnh và đối tượng áp dụng
1. Quy chế này quy định việc cử cán bộ, công chức đi bồi dưỡng.
2. Đối tượng áp dụng: cán bộ, công chức cấp xã.
Điều 2. Kinh phí
Kinh phí do ngân sách nhà nước bảo đảm theo phân cấp hiện hành.
Điều 3. Tổ chức thực hiện
1. Trách nhiệm của các cơ quan
a) Sở Nội vụ: Chủ trì tổng hợp nhu cầu.
b) Sở Tài chính:
- Bố trí kinh phí theo quy định.
- Hướng dẫn thanh quyết toán.
2. Giám đốc Sở Y tế tỉnh Bình An, Thủ trưởng các sở, ban, ngành chịu trách nhiệm thi hành Quyết định này.
Trong năm 2022, hỗ trợ 50% học phí cho công chức; 100% cơ quan được kết nối.
Mọi vướng mắc liên hệ Phòng Tổ chức cán bộ, Sở Nội vụ, điện thoại: 0225.3842.111.
Để biết thêm chi tiết, xin liên hệ chị Phạm Thu Hà - Phó Trưởng phòng (ĐTDĐ: 0903.111.222; E-mail: ha.pt@noivu.gov. vn).
"""


def test_decision_with_articles_and_items():
    doc, facts, spans = build(DECISION, "Quyết định 7/QĐ-UBND")
    check_quotes(doc, facts, spans)
    assert [f.data["who"] for f in of(facts, "eligibility")] == ["cán bộ, công chức cấp xã"]
    assert of(facts, "funding")[0].data["sources"] == ["ngân sách nhà nước"]
    assert not of(facts, "target")  # "50% học phí", "100% cơ quan" are not groups of people
    duties = duties_by_agency(facts)
    assert duties["Sở Nội vụ"][0].data["duty"] == "Chủ trì tổng hợp nhu cầu"  # "a) Sở Nội vụ: …" item
    assert [f.data["duty"] for f in duties["Sở Tài chính"]] == ["Bố trí kinh phí theo quy định",
                                                                 "Hướng dẫn thanh quyết toán"]
    heads = duties["Giám đốc Sở Y tế tỉnh Bình An"][0].data
    assert heads["agencies"] == ["Giám đốc Sở Y tế tỉnh Bình An", "Thủ trưởng các sở, ban, ngành"]
    assert heads["duty"].startswith("chịu trách nhiệm thi hành")
    unit, person = (f.data for f in of(facts, "contact"))
    assert unit == {"unit": "Phòng Tổ chức cán bộ, Sở Nội vụ", "agency": "Phòng Tổ chức cán bộ, Sở Nội vụ",
                    "phone": "02253842111"}
    assert person["person"] == "Phạm Thu Hà" and person["role"] == "Phó Trưởng phòng"
    assert person["mobile"] == "0903111222" and person["email"] == "ha.pt@noivu.gov.vn"


CONTACTS = """KẾ HOẠCH
Bồi dưỡng năm 2023
I. TỔ CHỨC THỰC HIỆN
1. Đầu mối liên hệ: đồng chí Nguyễn Văn Nam, Trưởng phòng Đào tạo, Học viện Hành chính; điện thoại: 024.3834.4540, \
máy lẻ 3410; di động 0912.345.678; email: nam.nv@hvhc.edu.vn.
2. Thông tin chi tiết xin liên hệ: Phòng Công chức, viên chức - Sở Nội vụ tỉnh Bình An, số điện thoại 0256.3822.456 \
(số máy lẻ 112), thư điện tử: pccvc@binhan.gov.vn.
3. Mọi vướng mắc xin liên hệ bà Trần Thị Mai (chuyên viên Văn phòng Sở Nội vụ, ĐT: 0236 3821 555 - ext. 204).
4. Người liên hệ: ông Phạm Văn Bình - Phó Giám đốc Trung tâm Tin học; ĐTDĐ: 0903 222 333; Email: binhpv@tt.gov.vn
5. Cần hỗ trợ kỹ thuật, liên hệ chị Lan, máy lẻ 215.
6. Hồ sơ gửi về Sở Nội vụ tỉnh Bà Rịa - Vũng Tàu, điện thoại 0254.3852.000.
"""


def test_every_part_of_a_contact_is_its_own_field():
    doc, facts, spans = build(CONTACTS, "Kế hoạch 5/KH-HV")
    check_quotes(doc, facts, spans)
    got = [f.data for f in of(facts, "contact")]
    assert got[0] == {"person": "Nguyễn Văn Nam", "role": "Trưởng phòng Đào tạo, Học viện Hành chính",
                      "position": "Trưởng phòng Đào tạo", "agency": "Học viện Hành chính", "phone": "02438344540",
                      "ext": "3410", "mobile": "0912345678", "email": "nam.nv@hvhc.edu.vn"}
    assert got[1]["agency"] == got[1]["unit"] == "Phòng Công chức, viên chức - Sở Nội vụ tỉnh Bình An"
    assert (got[1]["phone"], got[1]["ext"], got[1]["email"]) == ("02563822456", "112", "pccvc@binhan.gov.vn")
    # "ext." does not end a sentence; the desk phone and its extension stay apart
    assert (got[2]["position"], got[2]["agency"], got[2]["phone"], got[2]["ext"]) == (
        "chuyên viên", "Văn phòng Sở Nội vụ", "02363821555", "204")
    assert (got[3]["position"], got[3]["agency"], got[3]["mobile"]) == ("Phó Giám đốc", "Trung tâm Tin học",
                                                                         "0903222333")
    assert got[4] == {"person": "Lan", "ext": "215"}  # a given name after a lower-case honorific
    assert len(got) == 5  # "tỉnh Bà Rịa" names a place, not a person; no one to contact there


def test_decomposed_unicode_source_keeps_exact_quotes():
    """A source typed in decomposed Unicode (NFD) still gives exact quotes and the same data."""
    source = unicodedata.normalize("NFD", SYNTHETIC)
    doc, facts, spans = build(source, LABEL_SYN)
    check_quotes(doc, facts, spans)
    targets = of(facts, "target")
    assert [(t.data["year"], t.data["percent"], t.data["group_key"]) for t in targets] == [
        (2027, 40, "cong chuc cap huyen"), (2027, 10, "cong chuc lanh dao quan ly cap tinh"), (2026, 70, "vien chuc"),
        (2030, 60, "cong chuc cap xa")]
    contact = of(facts, "contact")[0].data
    assert contact["email"] == "a@x.gov.vn" and contact["phone"] == "0243123456"


# --- odd input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "", "   \n\n", "Xin chào", "I.\n1.\na)\n(i)", "Đến năm 2025: 50%.", "2. Đối tượng:\n-\n+ ;;;",
    "Liên hệ: 0912345678", "ông A, ĐT: 12", "3. Kinh phí\n(", "V. TỔ CHỨC THỰC HIỆN\n1. Sở :\n- ",
    "Năm 2020: " + "x" * 5000, "đồng chí Nguyễn Văn B: email: @. com",
])
def test_odd_input_never_crashes(source):
    doc, facts, spans = build(source, "Văn bản")
    check_quotes(doc, facts, spans)


def test_defaults_parse_the_document_itself():
    doc = Document(doc_id="x", source=SYNTHETIC)
    assert extract_facts(doc, LABEL_SYN) == build(SYNTHETIC, LABEL_SYN, "x")[1]


LETTER = """BỘ NỘI VỤ
Số: 77/BNV-ĐT
V/v đào tạo, bồi dưỡng năm 2025
Hà Nội, ngày 2 tháng 10 năm 2024
Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương
Bộ Nội vụ đề nghị Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương (sau đây gọi chung là địa phương) \
thực hiện đào tạo, bồi dưỡng năm 2025 như sau:
1. Về đào tạo, bồi dưỡng
a) Rà soát nhu cầu bồi dưỡng theo vị trí việc làm;
b) Bố trí kinh phí từ ngân sách địa phương.
2. Về chế độ báo cáo
Gửi báo cáo kết quả về Bộ Nội vụ trước ngày 15 tháng 12 năm 2025. Bộ Tài chính hướng dẫn việc quyết toán kinh phí.
Nơi nhận:
- Như trên;
- Lưu: VT.
"""

SCHEME_NEWS = """Tổng Liên đoàn Lao động Việt Nam triển khai đề án ngoại ngữ
Để thực hiện đề án, Tổng Liên đoàn Lao động Việt Nam sẽ rà soát tiêu chuẩn trình độ ngoại ngữ của cán bộ công đoàn.
"""


def test_what_a_letter_asks_its_addressee_to_do():
    doc, facts, spans = build(LETTER, "Công văn 77/BNV-ĐT")
    check_quotes(doc, facts, spans)
    asked = [f for f in of(facts, "duty") if f.data["rule"] == "request"]
    assert [f.data["duty"] for f in asked] == ["Rà soát nhu cầu bồi dưỡng theo vị trí việc làm",
                                               "Bố trí kinh phí từ ngân sách địa phương",
                                               "Gửi báo cáo kết quả về Bộ Nội vụ trước ngày 15 tháng 12 năm 2025"]
    assert all(f.data["agencies"] == ["Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương", "địa phương"]
               for f in asked)
    # a sentence naming its own agency keeps it; the topic headings and the closing part are no duties
    finance = [f for f in of(facts, "duty") if f.data["agency"] == "Bộ Tài chính"]
    assert finance and finance[0].data["rule"] == "sentence"
    assert not any("Về đào tạo" in f.quote or "Lưu" in f.quote for f in of(facts, "duty"))


def test_a_request_inside_a_section_ends_with_it():
    source = ("I. NHIỆM VỤ\nỦy ban nhân dân tỉnh giao các sở, ngành thực hiện các nhiệm vụ sau:\n- Rà soát nhu cầu.\n"
              "- Báo cáo kết quả.\nII. KINH PHÍ\nKinh phí do ngân sách tỉnh bảo đảm.\n")
    asked = [f for f in of(build(source, "Kế hoạch")[1], "duty") if f.data["rule"] == "request"]
    assert [f.data["duty"] for f in asked] == ["Rà soát nhu cầu", "Báo cáo kết quả"]
    assert asked[0].data["agency"] == "các sở, ngành"


def test_trade_union_bodies_are_agencies():
    duties = [f for f in of(build(SCHEME_NEWS, "Tin")[1], "duty") if f.data["duty"].startswith("sẽ rà soát")]
    assert duties and duties[0].data["agency"] == "Tổng Liên đoàn Lao động Việt Nam"


def test_one_registry_of_kinds():
    import importlib
    import pkgutil

    import knowledge.facts as package
    from knowledge.cli import KIND_OF_OPTION

    assert list(KINDS) == ["contact", "target", "eligibility", "duty", "roadmap", "funding", "step", "link", "document"]
    assert KIND_OF_OPTION == {kind.option: kind.name for kind in KINDS.values()}
    # every module of the package but the shared ones registers one kind
    shared = {"common", "agencies", "registry"}
    modules = {f"knowledge.facts.{m.name}" for m in pkgutil.iter_modules(package.__path__) if m.name not in shared}
    for module in modules:
        importlib.import_module(module)
    registered = {kind.extract.__module__ for kind in KINDS.values() if kind.extract} | {"knowledge.facts.document"}
    assert registered == modules and len(modules) == len(KINDS)
    doc = Document(doc_id="x", source=SYNTHETIC)
    only = extract_facts(doc, LABEL_SYN, kinds=["target", "contact"])
    assert {f.kind for f in only} == {"target", "contact"}
    assert only == [f for f in extract_facts(doc, LABEL_SYN) if f.kind in ("target", "contact")]


def test_targets_sharing_a_level_across_clauses_and_years_mid_line():
    source = ("II. MỤC TIÊU\n"
              "Đến hết năm 2025: 50% cán bộ, công chức ở Trung ương (tập trung vào lãnh đạo dưới 40 tuổi); 25% cán bộ, "
              "công chức cấp tỉnh, cấp huyện ở địa phương đạt trình độ ngoại ngữ bậc 4 trở lên; 20% cán bộ, công chức "
              "xã đạt trình độ ngoại ngữ bậc 3 trở lên. Đến năm 2030, phấn đấu 35% cán bộ, công chức cấp tỉnh, cấp huyện "
              "đạt trình độ ngoại ngữ bậc 4 trở lên.\n")
    doc, facts, spans = build(source, "Kế hoạch 9/KH-UBND")
    check_quotes(doc, facts, spans)
    got = [(f.data["year"], f.data["percent"], f.data["group_key"], f.data["level"]) for f in of(facts, "target")]
    assert got == [(2025, 50, "can bo cong chuc cap trung uong", 4),  # the level stated after the next clause
                   (2025, 25, "can bo cong chuc cap tinh cap huyen", 4),
                   (2025, 20, "can bo cong chuc cap xa", 3),
                   (2030, 35, "can bo cong chuc cap tinh cap huyen", 4)]  # a year in the middle of the line
