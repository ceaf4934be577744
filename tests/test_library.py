"""The document library (knowledge/library.py, knowledge/upload.py, knowledge/live.py) over a private copy of the
session index: hostile uploads refused with a Vietnamese message, a real .docx previewed with its facts, then
published, replaced, rolled back and removed, each change logged with who; a process following the live version
(LiveCache) switches on its next call and keeps serving when a new version is broken; a rebuild from the document
folder keeps what was published and leaves out what was removed; the same from the command line."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DOC_206, DOC_642, DOCS, live_folder
from knowledge.answer import answer
from knowledge.cli import app as cli_app
from knowledge.index import POINTER, load_index
from knowledge.library import Library, LibraryError
from knowledge.live import LiveCache
from knowledge.upload import UploadRefused
from library_docs import (LABEL, NUMBER, QUESTION, docx_bytes, exe_bytes, pdf_pages, plan_docx, plan_lines,
                          zip_bomb)

runner = CliRunner()
NAME = "Kế hoạch 27-KH-UBND Quảng Trị.docx"


@pytest.fixture
def library(index_copy, settings) -> Library:
    return Library(index_copy(), settings)


def figure(index_dir: Path) -> str:
    """The answer to QUESTION from the live version (its text and the cited documents)."""
    result = answer(load_index(index_dir), QUESTION)
    return result.answer + " | " + ", ".join(c.doc for c in result.citations) if result.answered else "REFUSED"


# ---------------------------------------------------------------------------------------------
# Hostile uploads


def refused(library: Library, data: bytes, name: str) -> UploadRefused:
    with pytest.raises(UploadRefused) as info:
        library.stage(data, name, "tester")
    assert info.value.message and info.value.message[0].isupper()  # a sentence for people, in Vietnamese
    return info.value


def test_a_docx_that_is_a_program_is_refused(library) -> None:
    error = refused(library, exe_bytes(), "ke-hoach.docx")
    assert error.code == "not_a_document" and "chương trình" in error.message and ".docx" in error.message


@pytest.mark.parametrize("name", ["../../etc/passwd.docx", "..\\ke-hoach.docx", "thu-muc/ke-hoach.docx", "..",
                                  "ke\x00hoach.docx", "ke-hoach\u202e.docx"])
def test_a_name_with_a_path_or_control_characters_is_refused(library, name) -> None:
    error = refused(library, plan_docx(), name)
    assert error.code == "bad_name" and "Tên tệp không hợp lệ" in error.message
    assert not (library.index_dir / ".uploads").exists() or not list((library.index_dir / ".uploads").iterdir())


def test_a_zip_bomb_is_refused_before_anything_unpacks_it(library) -> None:
    error = refused(library, zip_bomb(150), "ke-hoach.docx")  # 150 MiB of zeros in ≈ 150 kB
    assert error.code == "archive_bomb" and "giải nén" in error.message
    error = refused(library, zip_bomb(30), "ke-hoach.docx")  # under the total cap, but packed ≈ 1000×
    assert error.code == "archive_bomb" and "nén" in error.message


def test_a_pdf_of_5000_pages_is_refused(library) -> None:
    error = refused(library, pdf_pages(5000), "ke-hoach.pdf")
    assert error.code == "too_many_pages" and "5.000 trang" in error.message and "300" in error.message


@pytest.mark.parametrize("data, name, code, words", [
    (b"", "rong.txt", "empty", ["rỗng"]),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "cu.doc", "not_a_document", [".docx"]),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "anh-chup.pdf", "not_a_document", ["ảnh", "OCR"]),
    (b"#!/bin/sh\nrm -rf /\n", "ke-hoach.txt", "not_a_document", ["script"]),
    (bytes(range(256)) * 40, "ke-hoach.txt", "not_a_document", ["không phải văn bản"]),
])
def test_other_files_that_are_not_documents_are_refused(library, data, name, code, words) -> None:
    error = refused(library, data, name)
    assert error.code == code and all(word in error.message for word in words), error.message


def test_a_macro_document_and_other_office_files_are_refused(library) -> None:
    import io
    import zipfile

    docm = io.BytesIO(plan_docx())
    with zipfile.ZipFile(docm, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\x00" * 64)
    assert refused(library, docm.getvalue(), "ke-hoach.docx").code == "macro"
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override PartName="/xl/workbook.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
    assert "Excel" in refused(library, xlsx.getvalue(), "ke-hoach.docx").message


def test_size_and_length_caps(index_copy, settings) -> None:
    small = Library(index_copy(), settings.model_copy(update={"upload_max_bytes": 20_000, "upload_max_pages": 2}))
    error = refused(small, plan_docx() + b"\x00" * 30_000, "ke-hoach.docx")
    assert error.code == "too_large" and "MB" in error.message
    error = refused(small, ("Văn bản rất dài. " * 600).encode(), "dai.txt")  # ≈ 10,000 characters > 2 pages
    assert error.code == "too_many_pages" and "tối đa 2 trang" in error.message


def test_every_refusal_is_in_the_audit_log(library) -> None:
    for data, name in [(exe_bytes(), "a.docx"), (plan_docx(), "../a.docx")]:
        with pytest.raises(UploadRefused):
            library.stage(data, name, "lan")
    entries = library.audit()
    assert [e["action"] for e in entries[:2]] == ["refuse", "refuse"] and {e["by"] for e in entries[:2]} == {"lan"}
    assert entries[0]["code"] == "bad_name" and entries[1]["code"] == "not_a_document"


def test_the_type_comes_from_the_content_not_the_name(library) -> None:
    staged = library.stage("\n".join(plan_lines(40)).encode("utf-8"), "ke-hoach.pdf", "lan")
    assert staged.suffix == ".txt" and staged.analysis["info"]["number"] == NUMBER
    assert any(".pdf" in note and "văn bản thuần" in note for note in staged.notes)
    html = "<!DOCTYPE html><html><body>" + "".join(f"<p>{line}</p>" for line in plan_lines(40)) + "</body></html>"
    assert library.stage(html.encode("utf-8"), "ke-hoach.txt", "lan").suffix == ".html"


# ---------------------------------------------------------------------------------------------
# Preview, publish, replace, rollback, remove


def test_a_docx_preview_shows_what_was_understood(library) -> None:
    staged = library.stage(plan_docx(40), NAME, "lan")
    analysis = staged.analysis
    assert analysis["label"] == LABEL and staged.suffix == ".docx" and staged.document.doc_id.endswith(".docx")
    info = analysis["info"]
    assert (info["number"], info["issuer"], info["date"]) == (NUMBER, "Ủy ban nhân dân tỉnh Quảng Trị", "2023-06-05")
    groups = {}
    for fact in analysis["facts"]:
        groups.setdefault(fact["group"], []).append(fact)
    assert [f["summary"] for f in groups["exclusion"]][1] == "Giáo viên dạy môn tiếng dân tộc thiểu số"
    assert any("40%" in f["summary"] and "2026" in f["summary"] for f in groups["target"])
    assert "Hoàng Thị Mai" in groups["contact"][0]["summary"]
    for fact in analysis["facts"]:  # each quote is the document's own text
        assert fact["quote"] in staged.document.source and fact["section"].startswith(LABEL)
    assert [s["label"] for s in analysis["sections"]][1:4] == ["I. ĐỐI TƯỢNG", "II. MỤC TIÊU", "III. TỔ CHỨC THỰC HIỆN"]
    assert analysis["warnings"] == [] and not staged.replaces
    assert load_index(library.index_dir).documents.keys() == {DOC_206, DOC_642}  # nothing published yet


def test_what_could_not_be_read_is_said(library) -> None:
    staged = library.stage("Ghi chú\nCán bộ cần học thêm tiếng Anh.\n".encode("utf-8"), "ghi-chu.txt", "lan")
    warnings = " ".join(staged.analysis["warnings"])
    assert "số hiệu" in warnings and "đối tượng áp dụng" in warnings and "mục đánh số" in warnings


def test_publish_replace_rollback_remove(library, settings) -> None:
    index_dir = library.index_dir
    follower = LiveCache(index_dir, load_index)  # a long-running process (an action server) beside the admin
    before = follower.get()
    assert figure(index_dir) == "REFUSED"

    first = library.publish(library.stage(plan_docx(40), NAME, "lan").id, "lan")
    doc_id = first["change"]["doc_id"]
    assert first["change"]["action"] == "publish" and first["documents"][doc_id]["added_by"] == "lan"
    assert first["counts"]["embedded_chunks"] == first["documents"][doc_id]["chunks"]  # only its chunks embedded
    now = follower.get()
    assert now is not before and doc_id in now.documents and follower.switches == 1
    assert "40%" in figure(index_dir) and LABEL in figure(index_dir)

    staged = library.stage(plan_docx(55), "ke-hoach-27-sua-doi.docx", "minh")
    assert staged.replaces == doc_id  # same number: proposed as its new version
    second = library.publish(staged.id, "minh", replace=staged.replaces)
    assert second["change"]["action"] == "replace" and set(second["documents"]) == {DOC_206, DOC_642, doc_id}
    assert "55%" in figure(index_dir) and "40%" not in figure(index_dir)

    library.rollback(first["version"], "lan")
    assert (index_dir / POINTER).read_text().strip() == first["version"]
    assert "40%" in figure(index_dir)
    assert follower.get().folder.name == first["version"]

    removed = library.remove(doc_id, "minh")
    assert removed["removed"] == [doc_id] and set(removed["documents"]) == {DOC_206, DOC_642}
    assert figure(index_dir) == "REFUSED"

    log = [(e["action"], e["by"]) for e in reversed(library.audit())]
    assert log == [("upload", "lan"), ("publish", "lan"), ("upload", "minh"), ("replace", "minh"),
                   ("rollback", "lan"), ("remove", "minh")]
    versions = library.versions()
    assert versions[0].live and versions[0].change["action"] == "remove" and versions[0].change["by"] == "minh"
    assert len(versions) == 4 <= settings.keep_versions


def test_wrong_changes_are_refused_clearly(library) -> None:
    with pytest.raises(LibraryError, match="Không có tài liệu"):
        library.remove("khong-co.txt", "lan")
    with pytest.raises(LibraryError, match="Không tìm thấy bản xem trước"):
        library.publish("0" * 32, "lan")
    with pytest.raises(LibraryError, match="không hợp lệ"):
        library.staged("../../CURRENT")
    with pytest.raises(LibraryError, match="Không có phiên bản"):
        library.rollback("v-khong-co", "lan")
    with pytest.raises(LibraryError, match="đang được dùng"):
        library.rollback(live_folder(library.index_dir).name, "lan")
    library.remove(DOC_642, "lan")
    with pytest.raises(LibraryError, match="cuối cùng"):
        library.remove(DOC_206, "lan")


def test_a_damaged_version_is_not_rolled_back_to(library) -> None:
    old = live_folder(library.index_dir).name
    library.remove(DOC_642, "lan")
    with (library.index_dir / old / "chunks.jsonl").open("a") as handle:
        handle.write("{}\n")
    with pytest.raises(LibraryError, match="chunks.jsonl"):
        library.rollback(old, "lan")
    assert DOC_642 not in load_index(library.index_dir).documents


def test_changes_at_the_same_time_both_land(library) -> None:
    """Two administrators publishing at once: the lock makes two versions in turn, the second keeping the first's."""
    staged = [library.stage(plan_docx(40), NAME, "lan"),
              library.stage("\n".join(["THÔNG BÁO", "1. Lộ trình", "Từ năm 2024 các sở tổ chức thi tiếng Khmer."])
                            .encode(), "thong-bao.txt", "minh")]
    threads = [threading.Thread(target=library.publish, args=(s.id, s.by)) for s in staged]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(load_index(library.index_dir).documents) == 4


def test_a_rebuild_keeps_published_documents_and_leaves_out_removed_ones(library) -> None:
    published = library.publish(library.stage(plan_docx(40), NAME, "lan").id, "lan")
    library.remove(DOC_642, "lan")
    rebuilt = library.rebuild([DOCS], "make index")  # what `make index` and the compose setup service run
    assert set(rebuilt["documents"]) == {DOC_206, published["change"]["doc_id"]}
    assert rebuilt["removed"] == [DOC_642] and rebuilt["counts"]["embedded_chunks"] == 0
    reset = library.rebuild([DOCS], "make index", reset=True)
    assert set(reset["documents"]) == {DOC_206, DOC_642} and reset["removed"] == []


# ---------------------------------------------------------------------------------------------
# Following the live version


def test_a_broken_new_version_leaves_the_loaded_one_serving(index_copy, caplog) -> None:
    index_dir = index_copy()
    follower = LiveCache(index_dir, load_index, recheck_seconds=0.0)
    good = follower.get()
    assert follower.get() is good  # nothing changed: the same object, no reload
    broken = index_dir / "v-broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{", encoding="utf-8")
    (index_dir / POINTER).write_text("v-broken\n", encoding="utf-8")
    assert follower.get() is good and follower.get() is good
    assert "v-broken not loaded" in caplog.text and caplog.text.count("v-broken not loaded") == 1  # tried once
    (index_dir / POINTER).write_text(good.folder.name + "\n", encoding="utf-8")
    assert follower.get() is good
    with pytest.raises(Exception):  # with nothing loaded yet, the error is the caller's to report
        LiveCache(broken.parent / "nowhere", load_index).get()


# ---------------------------------------------------------------------------------------------
# The same from the command line


def test_the_command_line(library, tmp_path) -> None:
    index = ["--index", str(library.index_dir)]
    file = tmp_path / NAME
    file.write_bytes(plan_docx(40))
    shown = runner.invoke(cli_app, ["preview", str(file), *index, "--by", "lan"])
    assert shown.exit_code == 0, shown.output
    assert LABEL in shown.output and "Đối tượng không áp dụng (loại trừ) (2)" in shown.output
    staged_id = shown.output.split("python -m knowledge publish ")[1].split()[0]
    done = runner.invoke(cli_app, ["publish", staged_id, *index, "--by", "lan", "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["change"]["action"] == "publish" and result["version"]

    listed = json.loads(runner.invoke(cli_app, ["documents", *index, "--json"]).output)
    row = next(r for r in listed["documents"] if r["label"] == LABEL)
    assert row["added_by"] == "lan" and row["issuer"] == "Ủy ban nhân dân tỉnh Quảng Trị" and row["facts"] > 5

    assert runner.invoke(cli_app, ["remove", row["doc_id"], *index]).exit_code == 0
    back = runner.invoke(cli_app, ["rollback", *index])  # the version before the live one
    assert back.exit_code == 0, back.output
    assert row["doc_id"] in load_index(library.index_dir).documents
    versions = runner.invoke(cli_app, ["versions", *index]).output
    assert versions.splitlines()[0].startswith("  ") and any(line.startswith("*") for line in versions.splitlines())
    audit = runner.invoke(cli_app, ["audit", *index]).output.splitlines()
    assert "Quay lại phiên bản" in audit[0] and "Gỡ bỏ" in audit[1] and "(dòng lệnh)" in audit[0]

    bad = runner.invoke(cli_app, ["preview", str(_exe(tmp_path)), *index])
    assert bad.exit_code == 1 and "chương trình" in bad.output
    wrong = runner.invoke(cli_app, ["remove", "khong-co.txt", *index])
    assert wrong.exit_code == 1 and "Không có tài liệu" in wrong.output


def _exe(folder: Path) -> Path:
    path = folder / "ke-hoach.docx"
    path.write_bytes(exe_bytes())
    return path


def test_docx_made_here_is_a_real_word_file() -> None:
    import io

    import docx

    assert docx.Document(io.BytesIO(docx_bytes(["Một dòng"]))).paragraphs[0].text == "Một dòng"
