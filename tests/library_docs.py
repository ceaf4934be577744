"""Documents and hostile files made in the tests of the document library (tests/test_library.py, test_admin.py,
test_admin_browser.py): a province's plan as a real .docx (python-docx), in two versions whose target differs, and
files that must be refused."""

from __future__ import annotations

import io
import zipfile

from bench.library_publish import docx_bytes

QUESTION = "Đến năm 2026 bao nhiêu phần trăm viên chức trạm y tế phải có chứng chỉ tiếng dân tộc thiểu số?"
LABEL = "Kế hoạch 27/KH-UBND"
NUMBER = "27/KH-UBND"


def plan_lines(percent: int) -> list[str]:
    """A plan no code knows: another province, subject, years and groups than the sample documents."""
    return [
        "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ",
        "Số: 27/KH-UBND",
        "Quảng Trị, ngày 05 tháng 6 năm 2023",
        "KẾ HOẠCH",
        "Bồi dưỡng tiếng dân tộc thiểu số cho cán bộ, công chức, viên chức giai đoạn 2023 - 2028",
        "I. ĐỐI TƯỢNG",
        "1. Đối tượng áp dụng",
        "a) Cán bộ, công chức cấp xã trên địa bàn tỉnh.",
        "b) Viên chức làm việc tại các trạm y tế.",
        "2. Đối tượng không áp dụng",
        "a) Công chức công tác tại Ban Dân tộc (đối với vị trí việc làm yêu cầu bằng cử nhân ngôn ngữ dân tộc).",
        "b) Giáo viên dạy môn tiếng dân tộc thiểu số.",
        "II. MỤC TIÊU",
        f"- Đến năm 2026: {percent}% viên chức làm việc tại các trạm y tế đạt chứng chỉ tiếng dân tộc thiểu số "
        "trình độ A.",
        "- Đến năm 2028: 75% cán bộ, công chức cấp xã đạt chứng chỉ tiếng dân tộc thiểu số trình độ B.",
        "III. TỔ CHỨC THỰC HIỆN",
        "1. Ban Dân tộc tỉnh chủ trì, phối hợp với Sở Nội vụ tổ chức các lớp bồi dưỡng.",
        "2. Mọi vướng mắc liên hệ bà Hoàng Thị Mai, Ban Dân tộc tỉnh, điện thoại: 0233 3852 123, "
        "email: hoangthimai@quangtri.gov.vn.",
        "Nơi nhận:",
        "- Các sở, ban, ngành;",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Lê Văn Hùng",
    ]


def plan_docx(percent: int = 40) -> bytes:
    return docx_bytes(plan_lines(percent))


def long_plan_text(pages: int) -> list[str]:
    """A plan of about `pages` pages (≈ 3,000 characters each): numbered sections of duties, targets, steps."""
    lines = plan_lines(40)[:13]
    section = 0
    while sum(len(line) for line in lines) < pages * 3000:
        section += 1
        lines.append(f"{section}. Nhiệm vụ nhóm {section}")
        for item in "abcdefgh":
            lines.append(f"{item}) Sở Nội vụ chủ trì, phối hợp với Ủy ban nhân dân huyện số {section} rà soát nhu cầu "
                         f"bồi dưỡng tiếng dân tộc thiểu số của cán bộ, công chức, viên chức; tổng hợp danh sách, dự "
                         f"toán kinh phí và báo cáo Ủy ban nhân dân tỉnh trước ngày 15 tháng {1 + section % 12} hằng "
                         "năm để bố trí lớp học phù hợp với đặc điểm của từng địa bàn.")
    return lines


def exe_bytes() -> bytes:
    """The start of a Windows program (an MZ header and a PE signature), which no document reader must open."""
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x80\x00\x00\x00")
    header += b"\x00" * (0x80 - len(header)) + b"PE\x00\x00" + b"\x00" * 200
    return bytes(header)


def zip_bomb(unpacked_mib: int) -> bytes:
    """A .docx-shaped zip whose document part unpacks to `unpacked_mib` MiB of zeros (a few hundred kB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\x00" * (1024 * 1024)
            for _ in range(unpacked_mib):
                part.write(block)
    return buffer.getvalue()


def pdf_pages(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=8)
    for number in range(pages):
        pdf.add_page()
        pdf.text(10, 10, f"Page {number + 1}")
    return bytes(pdf.output())
