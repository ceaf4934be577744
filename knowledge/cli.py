"""`python -m knowledge …`: build the index and query it from the command line (HR staff use it directly).

With no question argument, `ask` and `search` read one question per line from standard input and print
one JSON line per question (batch mode). Errors are one clear line on stderr and a non-zero exit code.

The document library (knowledge/library.py; the admin page does the same): `preview` a file, `publish` the
preview, `add` files directly, `remove` a document, `rollback` to an earlier version, list `documents`,
`versions` and the `audit` log. Each change is logged with who made it (--by, else the shell account).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .embed import EmbeddingModelError
from .facts import KINDS as FACT_REGISTRY
from .index import IndexLoadError
from .ingest import IngestError

app = typer.Typer(
    help="Trợ lý CCVC — kho tri thức: xây dựng chỉ mục và hỏi đáp trên các văn bản hướng dẫn.",
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
)

IndexOption = Annotated[Optional[Path], typer.Option("--index", help="Thư mục chỉ mục (mặc định CCVC_INDEX_DIR).")]
JsonOption = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]
# --kind option value → Fact.kind, for every kind the facts package registers
KIND_OF_OPTION = {kind.option: kind.name for kind in FACT_REGISTRY.values()}
FACT_KINDS = tuple(KIND_OF_OPTION)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def _load(index_dir: Optional[Path]):
    from .index import load_index

    try:
        return load_index(index_dir)
    except (IndexLoadError, EmbeddingModelError) as exc:
        _fail(str(exc))


def _load_facts(index_dir: Optional[Path]):
    """The live index's documents and facts only (no embedding model): enough for `check` and `targets`."""
    from .factbase import load_facts

    try:
        return load_facts(index_dir)
    except IndexLoadError as exc:
        _fail(str(exc))


def _dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)


def _questions(question: Optional[str]):
    """One question, or every non-empty line of stdin (batch mode)."""
    if question is not None:
        yield question, False
        return
    if sys.stdin.isatty():
        _fail("hãy nhập câu hỏi, hoặc truyền các câu hỏi qua stdin (mỗi dòng một câu).", 2)
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n"), True


ByOption = Annotated[Optional[str], typer.Option(
    "--by", help="Người thực hiện, ghi vào nhật ký thay đổi (mặc định: tài khoản dòng lệnh).")]


def _library(index: Optional[Path]):
    from .library import Library

    return Library.open(index)


def _who(by: Optional[str]) -> str:
    from .library import command_line_user

    return " ".join((by or "").split())[:100] or command_line_user()


def _change(operation, *args, **kwargs):
    """Run a library change; any expected failure is one clear line."""
    from .library import LibraryError
    from .upload import UploadRefused

    try:
        return operation(*args, **kwargs)
    except UploadRefused as exc:
        _fail(exc.message)
    except (IngestError, EmbeddingModelError, IndexLoadError, LibraryError, TimeoutError, ValueError) as exc:
        _fail(str(exc))


def _existing(paths: list[Path]) -> list[Path]:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"không tìm thấy: {', '.join(missing)}")
    return paths


@app.command()
def build(
    docs: Annotated[Optional[list[Path]], typer.Option("--docs", help="Tệp hoặc thư mục tài liệu (lặp lại được).")] = None,
    index: IndexOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Không hiện thanh tiến trình.")] = False,
    reset: Annotated[bool, typer.Option(
        "--reset", help="Chỉ lấy các tệp đã cho: bỏ các tài liệu đã xuất bản và không nhớ các tài liệu đã gỡ "
                        "từ trang quản trị.")] = False,
    by: ByOption = None,
) -> None:
    """Xây dựng (hoặc cập nhật) chỉ mục từ các tài liệu; chỉ tài liệu mới/đổi được xử lý lại. Tài liệu đã xuất bản
    từ trang quản trị (hoặc bằng `add`) được giữ, tài liệu đã gỡ không bị thêm lại (trừ khi có --reset)."""
    from .settings import get_settings

    paths = _existing(docs or get_settings().doc_paths)
    manifest = _change(_library(index).rebuild, paths, _who(by), reset=reset, progress=not quiet)
    counts = manifest["counts"]
    kept = sum(1 for d in manifest["documents"].values() if d.get("origin") == "library")
    typer.echo(f"Đã xây dựng chỉ mục: {counts['documents']} tài liệu, {counts['chunks']} đoạn, {counts['facts']} dữ kiện "
               f"({counts['reused_documents']} tài liệu dùng lại, {counts['embedded_chunks']} đoạn mã hóa mới) "
               f"trong {manifest['build_seconds']} giây."
               + (f" Giữ {kept} tài liệu xuất bản từ trang quản trị." if kept else "")
               + (f" Không thêm lại {len(manifest['removed'])} tài liệu đã gỡ." if manifest.get("removed") else ""))


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="Tệp tài liệu mới (txt, md, docx, pdf, html, jsonl).")],
    index: IndexOption = None,
    quiet: Annotated[bool, typer.Option("--quiet")] = False,
    by: ByOption = None,
) -> None:
    """Thêm (hoặc thay) tài liệu vào chỉ mục hiện có, không xem trước (xem `preview` để kiểm tra trước)."""
    manifest = _change(_library(index).add_files, _existing(files), _who(by))
    counts = manifest["counts"]
    typer.echo(f"Đã thêm. Chỉ mục có {counts['documents']} tài liệu, {counts['chunks']} đoạn "
               f"({counts['embedded_chunks']} đoạn mã hóa mới).")


def _print_preview(staged) -> None:
    from .library import FACT_GROUPS

    analysis = staged.analysis
    info = analysis["info"]
    typer.echo(f"Bản xem trước {staged.id} — {analysis['label']} ({staged.file_name})")
    for key, title in (("doc_type", "Loại"), ("number", "Số hiệu"), ("issuer", "Cơ quan ban hành"),
                       ("date", "Ngày"), ("subject", "Trích yếu"), ("signer", "Người ký")):
        typer.echo(f"  {title}: {info.get(key) or '—'}")
    typer.echo(f"  {analysis['chunks']} đoạn, {len(analysis['facts'])} dữ kiện")
    for group, title in FACT_GROUPS:
        facts = [f for f in analysis["facts"] if f["group"] == group]
        if facts:
            typer.echo(f"\n{title} ({len(facts)}):")
            for fact in facts:
                typer.echo(f"  - {fact['summary']}\n    📄 {fact['section']}")
    for note in [*staged.notes, *analysis["warnings"]]:
        typer.echo(f"⚠ {note}")
    if staged.replaces:
        typer.echo(f"\nXuất bản sẽ thay thế: {staged.replaces} (dùng --new để thêm thành tài liệu mới).")
    typer.echo(f"Xuất bản: python -m knowledge publish {staged.id}")


@app.command()
def preview(
    file: Annotated[Path, typer.Argument(help="Tệp cần xem trước (.docx, .pdf, .html, .txt, .md).")],
    index: IndexOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Đọc một tệp như trang quản trị: số hiệu, cơ quan, ngày, cây mục và mọi dữ kiện kèm trích dẫn, cùng những gì
    không đọc được. Chưa xuất bản gì: in mã bản xem trước để `publish`."""
    from .settings import get_settings

    if not file.is_file():
        _fail(f"không tìm thấy tệp: {file}")
    limit = get_settings().upload_max_bytes
    with file.open("rb") as handle:
        data = handle.read(limit + 1)  # a bigger file is refused by its size, never read whole
    staged = _change(_library(index).stage, data, file.name, _who(by))
    if as_json:
        typer.echo(_dump(staged.to_dict()))
    else:
        _print_preview(staged)


@app.command()
def publish(
    staged_id: Annotated[str, typer.Argument(help="Mã bản xem trước (từ `preview` hoặc trang quản trị).")],
    replace: Annotated[Optional[str], typer.Option("--replace", help="Mã tài liệu được thay thế.")] = None,
    new: Annotated[bool, typer.Option("--new", help="Thêm thành tài liệu mới, kể cả khi trùng số hiệu.")] = False,
    index: IndexOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Xuất bản một bản xem trước: trợ lý đang chạy trả lời theo nó từ câu hỏi kế tiếp. Trùng số hiệu với một tài
    liệu đang có thì thay thế tài liệu đó (trừ khi có --new)."""
    library = _library(index)
    if replace is None and not new:
        replace = _change(library.staged, staged_id).replaces or None
    manifest = _change(library.publish, staged_id, _who(by), replace=replace)
    _report_change(manifest, as_json)


@app.command()
def remove(
    doc_id: Annotated[str, typer.Argument(help="Mã tài liệu (xem `documents`).")],
    index: IndexOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Gỡ một tài liệu: trợ lý không trả lời theo nó nữa; `build` không thêm lại nó."""
    _report_change(_change(_library(index).remove, doc_id, _who(by)), as_json)


@app.command()
def rollback(
    version: Annotated[Optional[str], typer.Argument(help="Phiên bản (xem `versions`); mặc định phiên bản liền "
                                                          "trước phiên bản đang dùng.")] = None,
    index: IndexOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Quay lại một phiên bản chỉ mục trước đó (kiểm tra checksum trước khi chuyển)."""
    library = _library(index)
    if version is None:
        versions = library.versions()
        live_at = next((i for i, v in enumerate(versions) if v.live), None)
        older = [v for v in versions[(live_at or 0) + 1:] if v.complete] if live_at is not None else []
        if not older:
            _fail("không có phiên bản nào trước phiên bản đang dùng.")
        version = older[0].name
    _report_change(_change(library.rollback, version, _who(by)), as_json)


def _report_change(manifest: dict, as_json: bool) -> None:
    change = manifest.get("change", {})
    summary = {"version": manifest.get("version") or "", "change": change, "counts": manifest.get("counts", {}),
               "build_seconds": manifest.get("build_seconds")}
    if as_json:
        typer.echo(_dump(summary))
        return
    counts = summary["counts"]
    typer.echo(f"Xong ({change.get('action', '')}{' ' + change['doc_id'] if change.get('doc_id') else ''}). "
               f"Chỉ mục có {counts.get('documents')} tài liệu, {counts.get('chunks')} đoạn.")


@app.command()
def documents(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """Liệt kê tài liệu trong chỉ mục: số hiệu, cơ quan, ngày, số đoạn, số dữ kiện, thời điểm thêm."""
    from .library import document_rows

    base = _load_facts(index)
    rows = document_rows(base.documents, base.manifest)
    if as_json:
        typer.echo(_dump({"version": base.version, "documents": [row.to_dict() for row in rows]}))
        return
    for row in rows:
        typer.echo(f"{row.doc_id}\n   {row.label} — {row.issuer or '—'}, {row.date or '—'}; {row.chunks} đoạn, "
                   f"{row.facts} dữ kiện; thêm {row.added}{' bởi ' + row.added_by if row.added_by else ''}")


@app.command()
def versions(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """Các phiên bản chỉ mục còn lưu (mới nhất trước), phiên bản đang dùng và thay đổi đã tạo ra mỗi phiên bản."""
    from dataclasses import asdict

    found = _library(index).versions()
    if as_json:
        typer.echo(_dump({"versions": [asdict(v) for v in found]}))
        return
    for v in found:
        change = v.change
        what = " ".join(str(change.get(k)) for k in ("action", "label", "doc_id") if change.get(k))
        typer.echo(f"{'*' if v.live else ' '} {v.name}  {v.created}  {v.documents} tài liệu  {what}"
                   f"{' — ' + change['by'] if change.get('by') else ''}")


@app.command()
def audit(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="Số dòng mới nhất.")] = 50,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Nhật ký thay đổi thư viện tài liệu: ai, khi nào, làm gì."""
    entries = _library(index).audit(limit)
    if as_json:
        typer.echo(_dump({"entries": entries}))
        return
    for entry in entries:
        what = entry.get("label") or entry.get("doc_id") or entry.get("file") or entry.get("version") or ""
        typer.echo(f"{entry['at']}  {entry['by']}  {entry['action_label']}  {what}"
                   f"{'  — ' + entry['message'] if entry.get('message') else ''}")


def _print_answer(result) -> None:
    typer.echo(result.answer)
    for citation in result.citations:
        typer.echo(f"\n📄 {citation.section}\n   “{' '.join(citation.quote.split())}”")
    typer.echo(f"\n(độ tin cậy {result.confidence:.2f})")


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="Câu hỏi; bỏ trống để đọc từ stdin.")] = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Trả lời câu hỏi, kèm trích dẫn văn bản và mục."""
    from .answer import answer

    kb = _load(index)
    for text, batch in _questions(question):
        result = answer(kb, text)
        if as_json or batch:
            data = result.to_dict()
            out = {"answer": data["answer"], "answered": data["answered"], "confidence": data["confidence"],
                   "citations": [{"doc": c["doc"], "section": c["section"], "quote": c["quote"]}
                                 for c in data["citations"]]}
            if batch:
                out = {"question": text, **out}
            typer.echo(_dump(out))
        else:
            _print_answer(result)


@app.command("search")
def search_command(
    query: Annotated[Optional[str], typer.Argument(help="Câu tìm kiếm; bỏ trống để đọc từ stdin.")] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Số kết quả.")] = 5,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Tìm các đoạn văn bản liên quan nhất (kết hợp từ khóa và ngữ nghĩa)."""
    from .search import search

    kb = _load(index)
    for text, batch in _questions(query):
        hits = search(kb, text, top_k=top_k)
        if as_json or batch:
            typer.echo(_dump({"query": text, "hits": [
                {"doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "score": round(h.score, 4),
                 "section": h.chunk.section} for h in hits]}))
        else:
            for rank, hit in enumerate(hits, 1):
                typer.echo(f"{rank}. [{hit.score:.3f}] {hit.chunk.section}\n   {hit.chunk.text[:200]}")


@app.command()
def facts(
    kind: Annotated[Optional[str], typer.Option("--kind", help="Loại: " + ", ".join(FACT_KINDS))] = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Liệt kê các dữ kiện trích xuất khi lập chỉ mục (liên hệ, chỉ tiêu, đối tượng, nhiệm vụ, …)."""
    if kind is not None and kind not in FACT_KINDS:
        _fail(f"loại '{kind}' không hợp lệ; chọn một trong: {', '.join(FACT_KINDS)}", 2)
    kb = _load(index)
    wanted = KIND_OF_OPTION.get(kind) if kind else None
    selected = [f for f in kb.facts if wanted is None or f.kind == wanted]
    if as_json:
        typer.echo(_dump({"facts": [f.to_dict() for f in selected]}))
        return
    for fact in selected:
        summary = ", ".join(f"{k}={_shown(v)}" for k, v in fact.data.items() if v not in ("", [], None, {})
                            and not isinstance(v, dict))
        typer.echo(f"[{fact.kind}] {summary}\n   📄 {fact.section}")


def _shown(value):
    """A fact's value for the plain listing: a list of records (a document's legal bases) by what each names."""
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return "[" + "; ".join(str(item.get("document") or item.get("text") or item) for item in value) + "]"
    return value


def _person(description: Optional[str], role: Optional[str], tier: Optional[str], leader: Optional[bool],
            age: Optional[str], workplace: Optional[str], job: Optional[str]):
    """The person described, with every given option overriding the description; bad values are one line."""
    from .check import PersonInputError, person_from_input

    try:
        return person_from_input(description, role=role, tier=tier, leader=leader, age=age, workplace=workplace,
                                 job=job)
    except PersonInputError as exc:
        if exc.field is None:
            _fail("hãy mô tả người cần kiểm tra (ví dụ: \"công chức cấp xã, 35 tuổi, trưởng phòng\") "
                  "hoặc dùng --role, --tier, --leader, --age, --workplace, --job.", 2)
        _fail(exc.message("mô tả" if exc.field == "description" else f"--{exc.field}"), 2)


@app.command()
def check(
    description: Annotated[Optional[str], typer.Argument(
        help="Mô tả tự do, ví dụ: \"công chức cấp xã, 35 tuổi, trưởng phòng\".")] = None,
    role: Annotated[Optional[str], typer.Option("--role", help="cán bộ | công chức | viên chức")] = None,
    tier: Annotated[Optional[str], typer.Option("--tier", help="trung ương | tỉnh | huyện | xã")] = None,
    leader: Annotated[Optional[bool], typer.Option("--leader/--no-leader",
                                                   help="Có (không) giữ chức vụ lãnh đạo, quản lý.")] = None,
    age: Annotated[Optional[str], typer.Option("--age", help="Tuổi.")] = None,
    workplace: Annotated[Optional[str], typer.Option("--workplace", help="Nơi công tác, ví dụ: Sở Ngoại vụ.")] = None,
    job: Annotated[Optional[str], typer.Option("--job", help="Công việc, vị trí việc làm.")] = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Kiểm tra một người: văn bản nào áp dụng, có thuộc đối tượng loại trừ không, phải đạt chỉ tiêu gì vào năm nào."""
    from .check import check_person

    person = _person(description, role, tier, leader, age, workplace, job)
    result = check_person(_load_facts(index), person)
    typer.echo(_dump(result.to_dict()) if as_json else result.text)


@app.command()
def targets(
    csv_file: Annotated[Optional[Path], typer.Option("--csv", help="Ghi bảng ra tệp CSV (UTF-8, mở được bằng Excel); "
                                                                  "'-' để in ra màn hình.")] = None,
    xlsx_file: Annotated[Optional[Path], typer.Option("--xlsx", help="Ghi bảng ra tệp Excel (.xlsx).")] = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bảng chỉ tiêu của mọi văn bản: nhóm đối tượng, lĩnh vực, trình độ, tỷ lệ theo từng năm, điều kiện, trích dẫn."""
    from .targets import csv_bytes, target_table, write_xlsx

    table = target_table(_load_facts(index))
    written = []
    try:
        if csv_file is not None and str(csv_file) != "-":
            csv_file.write_bytes(csv_bytes(table))
            written.append(str(csv_file))
        if xlsx_file is not None:
            write_xlsx(table, xlsx_file)
            written.append(str(xlsx_file))
    except OSError as exc:
        _fail(f"không ghi được tệp {exc.filename or ''}: {exc.strerror or exc}")
    if csv_file is not None and str(csv_file) == "-":
        typer.echo(csv_bytes(table).decode("utf-8-sig"), nl=False)  # no byte-order mark on a terminal or pipe
    elif as_json:
        typer.echo(_dump(table.to_dict()))
    elif written:
        typer.echo(f"Đã ghi {len(table.rows)} dòng chỉ tiêu ({len(table.years)} năm) vào: {', '.join(written)}")
    else:
        typer.echo(table.to_text())


@app.command()
def vocabulary(
    index: IndexOption = None,
    min_count: Annotated[int, typer.Option("--min-count", min=1, help="Số lần xuất hiện tối thiểu của cụm từ.")] = 3,
) -> None:
    """In từ vựng của các văn bản đã lập chỉ mục (âm tiết, rồi các cụm từ thường gặp), mỗi dòng một mục:
    danh sách từ cho nhận dạng giọng nói (SPEECH_WORDS_FILE)."""
    from .vocabulary import index_vocabulary

    try:
        lines = index_vocabulary(index, min_phrase_count=min_count)
    except IndexLoadError as exc:
        _fail(str(exc))
    typer.echo("\n".join(lines))


@app.command()
def repl(index: IndexOption = None) -> None:
    """Hỏi đáp tương tác trong terminal (Ctrl-D để thoát)."""
    from .answer import answer

    kb = _load(index)
    typer.echo("Trợ lý CCVC — nhập câu hỏi (Ctrl-D để thoát).")
    while True:
        try:
            question = input("\n❓ ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        if not question.strip():
            continue
        _print_answer(answer(kb, question))


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
