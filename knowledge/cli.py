"""`python -m knowledge …`: build the index and query it from the command line (HR staff use it directly).

With no question argument, `ask` and `search` read one question per line from standard input and print
one JSON line per question (batch mode). Errors are one clear line on stderr and a non-zero exit code.
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


def _update_index(update, paths: list[Path], index: Optional[Path], quiet: bool) -> dict:
    """Run a build or an add on existing paths; any expected failure is one clear line."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"không tìm thấy: {', '.join(missing)}")
    try:
        return update(paths, index, progress=not quiet)
    except (IngestError, EmbeddingModelError, IndexLoadError, ValueError) as exc:
        _fail(str(exc))


@app.command()
def build(
    docs: Annotated[Optional[list[Path]], typer.Option("--docs", help="Tệp hoặc thư mục tài liệu (lặp lại được).")] = None,
    index: IndexOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Không hiện thanh tiến trình.")] = False,
) -> None:
    """Xây dựng (hoặc cập nhật) chỉ mục từ các tài liệu; chỉ tài liệu mới/đổi được xử lý lại."""
    from .index import build_from_paths
    from .settings import get_settings

    manifest = _update_index(build_from_paths, docs or get_settings().doc_paths, index, quiet)
    counts = manifest["counts"]
    typer.echo(f"Đã xây dựng chỉ mục: {counts['documents']} tài liệu, {counts['chunks']} đoạn, {counts['facts']} dữ kiện "
               f"({counts['reused_documents']} tài liệu dùng lại, {counts['embedded_chunks']} đoạn mã hóa mới) "
               f"trong {manifest['build_seconds']} giây.")


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="Tệp tài liệu mới (txt, md, docx, pdf, html, jsonl).")],
    index: IndexOption = None,
    quiet: Annotated[bool, typer.Option("--quiet")] = False,
) -> None:
    """Thêm (hoặc thay) tài liệu vào chỉ mục hiện có."""
    from .index import add_documents

    manifest = _update_index(add_documents, files, index, quiet)
    counts = manifest["counts"]
    typer.echo(f"Đã thêm. Chỉ mục có {counts['documents']} tài liệu, {counts['chunks']} đoạn "
               f"({counts['embedded_chunks']} đoạn mã hóa mới).")


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
