"""Reading documents of every supported format into Documents, and failing clearly when that cannot be done."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the package is not installed when tests run from a plain checkout
    sys.path.insert(0, str(ROOT))

from knowledge.ingest import IngestError, read_documents, read_file  # noqa: E402
from knowledge.structure import clean_lines  # noqa: E402

DOCS = ROOT / "knowledge" / "docs"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def lines_of(source: str) -> list[str]:
    return [line.text for line in clean_lines(source)]


# ---------------------------------------------------------------------------------------------
# Plain text


def test_sample_folder_reads_both_documents_verbatim() -> None:
    docs = read_documents([DOCS])
    assert [d.doc_id for d in docs] == ["206-KH-UBND-2020-Hai-Phong.txt", "642-BNG-HVNG-2016.txt"]
    for doc in docs:
        assert doc.source == (DOCS / doc.doc_id).read_text(encoding="utf-8")
        assert doc.meta == {"format": "txt", "path": str(DOCS / doc.doc_id)}
        assert doc.title == Path(doc.doc_id).stem


def test_txt_line_endings_unified_but_text_not_normalised(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Hoà  nhập")  # kept as is: normalisation happens downstream
    path = tmp_path / "cv.txt"
    path.write_bytes(f"KẾ HOẠCH\r\n{decomposed}\rdòng ba\n".encode("utf-8"))
    (doc,) = read_file(path)
    assert doc.source == f"KẾ HOẠCH\n{decomposed}\ndòng ba\n"
    assert doc.doc_id == "cv.txt" and doc.title == "cv"


def test_txt_with_bom_and_legacy_encodings(tmp_path: Path) -> None:
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeffSố: 1/KH".encode("utf-8"))
    assert read_file(bom)[0].source == "Số: 1/KH"

    # Windows-1258 writes "ộ" as "ô" + a combining dot below (0xF2).
    legacy = tmp_path / "cp1258.txt"
    legacy.write_bytes(b"H\xe0 N\xf4\xf2i, ng\xe0y 8")
    assert unicodedata.normalize("NFC", read_file(legacy)[0].source) == "Hà Nội, ngày 8"

    # Bytes no code page accepts still read (as Latin-1) instead of failing.
    odd = tmp_path / "odd.txt"
    odd.write_bytes(b"Caf\xe9 \x81")
    assert read_file(odd)[0].source == "Café \x81"


def test_huge_txt(tmp_path: Path) -> None:
    paragraph = "Cán bộ, công chức, viên chức học tập ngoại ngữ theo Quyết định số 1659/QĐ-TTg.\n"
    path = tmp_path / "huge.txt"
    path.write_text(paragraph * (5_000_000 // len(paragraph.encode("utf-8")) + 1), encoding="utf-8")
    assert path.stat().st_size > 5_000_000
    (doc,) = read_file(path)
    assert len(doc.source.encode("utf-8")) == path.stat().st_size


# ---------------------------------------------------------------------------------------------
# Folders


def test_folder_recursive_sorted_skips_hidden_readme_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("văn bản a", encoding="utf-8")
    (tmp_path / "b" / "c.md").write_text("# Văn bản c", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("ẩn", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("ẩn", encoding="utf-8")
    (tmp_path / "README.md").write_text("mô tả thư mục", encoding="utf-8")
    (tmp_path / "notes.xyz").write_text("không hỗ trợ", encoding="utf-8")
    (tmp_path / "~$a.docx").write_bytes(b"lock file")
    docs = read_documents([tmp_path, tmp_path / "a.txt"])  # a file named twice is read once
    assert [d.doc_id for d in docs] == ["a.txt", "c.md"]


def test_duplicate_document_ids_are_an_error(tmp_path: Path) -> None:
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text("nội dung", encoding="utf-8")
    with pytest.raises(IngestError, match="same.txt"):
        read_documents([tmp_path])


# ---------------------------------------------------------------------------------------------
# Markdown


def test_markdown_keeps_numbering_lines_and_drops_markup(tmp_path: Path) -> None:
    path = tmp_path / "kh.md"
    path.write_text(
        "# KẾ HOẠCH\n\n"
        "Triển khai **Quyết định số 1659/QĐ-TTg** tại [thành phố](http://example.vn)\n\n"
        "I\\. MỤC ĐÍCH, YÊU CẦU\n\n"
        "1. Mục đích\n"
        "2. Yêu cầu\n\n"
        "a) Đối tượng áp dụng\n"
        "b) Đối tượng không áp dụng\n\n"
        "- Tăng cường *đào tạo*\n"
        "+ Đến năm 2025: 25%\n\n"
        "| Sở Nội vụ | Chủ trì |\n|---|---|\n| Sở Tài chính | Kinh phí |\n",
        encoding="utf-8",
    )
    (doc,) = read_file(path)
    assert doc.title == "KẾ HOẠCH"
    assert doc.meta["format"] == "md"
    assert lines_of(doc.source) == [
        "KẾ HOẠCH",
        "Triển khai Quyết định số 1659/QĐ-TTg tại thành phố",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích",
        "2. Yêu cầu",
        "a) Đối tượng áp dụng",
        "b) Đối tượng không áp dụng",
        "- Tăng cường đào tạo",
        "+ Đến năm 2025: 25%",
        "Sở Nội vụ | Chủ trì",
        "Sở Tài chính | Kinh phí",
    ]


# ---------------------------------------------------------------------------------------------
# Word


def make_docx(path: Path, title: str = "") -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    header = document.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "ỦY BAN NHÂN DÂN"
    header.cell(0, 0).add_paragraph("THÀNH PHỐ HẢI PHÒNG")
    header.cell(0, 0).add_paragraph("-------")
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    header.cell(0, 1).add_paragraph("Độc lập - Tự do - Hạnh phúc")
    header.cell(1, 0).text = "Số: 206/KH-UBND"
    header.cell(1, 1).text = "Hải Phòng, ngày 14 tháng 8 năm 2020"
    document.add_heading("KẾ HOẠCH", level=1)
    document.add_paragraph("Triển khai thực hiện Quyết định số 1659/QĐ-TTg tại thành phố Hải Phòng")
    document.add_heading("I. MỤC ĐÍCH, YÊU CẦU", level=2)
    document.add_paragraph("1. Mục đích")
    document.add_paragraph("a) Tăng cường đào tạo, bồi dưỡng ngoại ngữ.")
    # Word's automatic numbering is not part of the paragraph text: the reader adds it back.
    document.add_paragraph("Đối tượng áp dụng", style="List Number")
    document.add_paragraph("Thời gian thực hiện", style="List Number")
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Sở Nội vụ"
    merged.cell(0, 2).text = "Chủ trì"
    document.add_paragraph("PHÓ CHỦ TỊCH")
    document.add_paragraph("Nguyễn Xuân Bình")
    document.save(str(path))


def test_docx_paragraphs_and_header_table_rows(tmp_path: Path) -> None:
    path = tmp_path / "kh.docx"
    make_docx(path)
    (doc,) = read_file(path)
    assert doc.doc_id == "kh.docx" and doc.meta == {"format": "docx", "path": str(path)}
    assert doc.title == "KẾ HOẠCH"  # no core title: the first heading
    assert lines_of(doc.source) == [
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc",
        "Số: 206/KH-UBND | Hải Phòng, ngày 14 tháng 8 năm 2020",
        "KẾ HOẠCH",
        "Triển khai thực hiện Quyết định số 1659/QĐ-TTg tại thành phố Hải Phòng",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích",
        "a) Tăng cường đào tạo, bồi dưỡng ngoại ngữ.",
        "1. Đối tượng áp dụng",
        "2. Thời gian thực hiện",
        "Sở Nội vụ | Chủ trì",  # a merged cell is read once
        "PHÓ CHỦ TỊCH",
        "Nguyễn Xuân Bình",
    ]


def test_docx_core_title_wins(tmp_path: Path) -> None:
    path = tmp_path / "kh.docx"
    make_docx(path, title="Kế hoạch 206/KH-UBND")
    assert read_file(path)[0].title == "Kế hoạch 206/KH-UBND"


# ---------------------------------------------------------------------------------------------
# PDF


def make_pdf(path: Path, pages: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
    pdf.output(str(path))


@pytest.mark.skipif(not FONT.exists(), reason="DejaVu font not installed")
def test_pdf_vietnamese_text_page_by_page(tmp_path: Path) -> None:
    path = tmp_path / "kh.pdf"
    make_pdf(path, [
        "Số: 206/KH-UBND\nKẾ HOẠCH\nI. MỤC ĐÍCH, YÊU CẦU\n1. Mục đích",
        "2. Yêu cầu\nTM. ỦY BAN NHÂN DÂN\nNguyễn Xuân Bình",
    ])
    (doc,) = read_file(path)
    assert doc.meta["format"] == "pdf" and doc.title == "kh"
    assert lines_of(doc.source) == [
        "Số: 206/KH-UBND", "KẾ HOẠCH", "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích",
        "2. Yêu cầu", "TM. ỦY BAN NHÂN DÂN", "Nguyễn Xuân Bình",
    ]


@pytest.mark.skipif(not FONT.exists(), reason="DejaVu font not installed")
def test_pdf_without_text_layer_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    make_pdf(path, [""])
    with pytest.raises(IngestError, match="OCR"):
        read_file(path)


# ---------------------------------------------------------------------------------------------
# HTML


def test_html_drops_page_furniture_and_keeps_blocks(tmp_path: Path) -> None:
    path = tmp_path / "kh.html"
    path.write_text(
        """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Kế hoạch 206/KH-UBND</title>
        <style>p { color: red }</style><script>var tracking = "Ý kiến";</script></head>
        <body><nav><a href="/">Trang chủ</a> | <a href="/tin">Tin tức</a></nav>
        <header>Cổng thông tin điện tử</header>
        <article>
          <table><tr><td>Số: 206/KH-UBND</td><td>Hải Phòng, ngày 14 tháng 8 năm 2020</td></tr></table>
          <h1>KẾ HOẠCH</h1>
          <p>I. MỤC ĐÍCH, YÊU CẦU</p>
          <p>1. Mục đích<br>- Tăng cường <b>đào tạo</b>,
             bồi dưỡng ngoại ngữ&nbsp;cho cán bộ</p>
          <div><span>a) Đối tượng áp dụng</span></div>
          <!-- ghi chú biên tập -->
          <ol><li>Sở Nội vụ</li><li>Sở Tài chính</li></ol>
          <div class="share-buttons">Chia sẻ Facebook</div>
        </article>
        <div class="comment-box"><p>Ý kiến bạn đọc: rất hay</p><form><textarea></textarea></form></div>
        <aside>Tin nổi bật</aside>
        <div id="related-news"><p>Tin liên quan</p></div>
        <footer>© 2020 Cổng thông tin</footer>
        </body></html>""",
        encoding="utf-8",
    )
    (doc,) = read_file(path)
    assert doc.title == "Kế hoạch 206/KH-UBND"
    assert doc.meta["format"] == "html"
    assert lines_of(doc.source) == [
        "Số: 206/KH-UBND | Hải Phòng, ngày 14 tháng 8 năm 2020",
        "KẾ HOẠCH",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích",
        "- Tăng cường đào tạo, bồi dưỡng ngoại ngữ cho cán bộ",
        "a) Đối tượng áp dụng",
        "1. Sở Nội vụ",
        "2. Sở Tài chính",
    ]
    for junk in ("Trang chủ", "Cổng thông tin", "tracking", "color", "Chia sẻ", "bạn đọc", "Tin", "ghi chú", "©"):
        assert junk not in doc.source


def test_htm_legacy_charset(tmp_path: Path) -> None:
    path = tmp_path / "old.htm"
    path.write_bytes('<html><head><meta charset="windows-1252"></head><body><p>Café</p></body></html>'
                     .encode("cp1252"))
    (doc,) = read_file(path)
    assert doc.source == "Café" and doc.title == "old" and doc.meta["format"] == "html"


# ---------------------------------------------------------------------------------------------
# JSONL


def test_jsonl_one_document_per_record(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    records = [
        {"id": "qd-1659", "title": "Quyết định 1659/QĐ-TTg", "text": "Điều 1.\r\nPhê duyệt Đề án", "meta": {"year": 2019}},
        {"id": "kh-206", "text": "KẾ HOẠCH\nI. MỤC ĐÍCH"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records[:1]) + "\n\n"
                    + json.dumps(records[1], ensure_ascii=False) + "\n", encoding="utf-8")
    docs = read_file(path)
    assert [d.doc_id for d in docs] == ["qd-1659", "kh-206"]
    assert docs[0].source == "Điều 1.\nPhê duyệt Đề án"
    assert docs[0].title == "Quyết định 1659/QĐ-TTg" and docs[1].title == "kh-206"
    assert docs[0].meta == {"year": 2019, "format": "jsonl", "path": str(path), "line": 1}
    assert docs[1].meta["line"] == 3


@pytest.mark.parametrize("bad_line, reason", [
    ('{"id": "x", "text": ', "JSON"),
    ('["not", "an", "object"]', "JSON"),
    ('{"id": "x", "text": "   "}', "text"),
    ('{"id": "a", "text": "lặp lại"}', "trùng"),
])
def test_jsonl_bad_line_names_file_and_line(tmp_path: Path, bad_line: str, reason: str) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text('{"id": "a", "text": "Văn bản một"}\n\n' + bad_line + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as error:
        read_file(path)
    message = str(error.value)
    assert "corpus.jsonl" in message and "dòng 3" in message and "line 3" in message and reason in message


# ---------------------------------------------------------------------------------------------
# Errors


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="Không đọc được tệp .*khong-co.txt"):
        read_file(tmp_path / "khong-co.txt")
    with pytest.raises(IngestError, match="không tồn tại"):
        read_documents([tmp_path / "khong-co"])


@pytest.mark.parametrize("name", ["bang.xlsx", "cu.doc", "khong-duoi"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"data")
    with pytest.raises(IngestError, match="không được hỗ trợ"):
        read_file(path)


@pytest.mark.parametrize("name, content", [
    ("rong.txt", b""), ("trang.txt", b" \r\n\t\n"), ("rong.md", b"<!-- -->\n"), ("rong.html", b"<html><script>x</script></html>"),
    ("rong.jsonl", b"\n\n"),
])
def test_empty_documents(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError):
        read_file(path)


def test_empty_docx(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "rong.docx"
    docx.Document().save(str(path))
    with pytest.raises(IngestError, match="không có nội dung"):
        read_file(path)


@pytest.mark.parametrize("name, content", [
    ("hong.docx", b"PK\x03\x04 this is not really a zip"),
    ("hong.docx", b"plain text renamed to docx"),
    ("hong.pdf", b"%PDF-1.4\n garbage without objects"),
    ("hong.pdf", b"not a pdf at all"),
])
def test_corrupt_files_raise_ingest_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match="hỏng"):
        read_file(path)


def test_zip_that_is_not_a_docx(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "khac.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    with pytest.raises(IngestError, match="hỏng"):
        read_file(path)
