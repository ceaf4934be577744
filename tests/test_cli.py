"""`python -m knowledge …`: mostly in-process through typer's CliRunner, a few real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DOC_206, DOCS, ROOT, SMALL_DOCS, THIRD_DOC, live_folder, read_manifest, write_docs
from knowledge.cli import app

REBUILD = "python -m knowledge build"
TARGET_QUESTION = "Đến năm 2030 bao nhiêu phần trăm viên chức phải đạt trình độ ngoại ngữ bậc 4?"
OFF_TOPIC = "Giá vàng hôm nay bao nhiêu?"
ASK_KEYS = {"answer", "answered", "confidence", "citations"}
CITATION_KEYS = {"doc", "section", "quote"}
HIT_KEYS = {"doc_id", "chunk_id", "score", "section"}

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def assert_clean_failure(result, code: int | None = None) -> str:
    """Non-zero exit, a message on stderr, and no traceback."""
    assert result.exit_code != 0
    if code is not None:
        assert result.exit_code == code
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stderr.strip()
    return result.stderr


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def check_ask_shape(data: dict, sources: dict[str, str] | None = None) -> None:
    assert set(data) == ASK_KEYS
    assert isinstance(data["answer"], str) and data["answer"]
    assert isinstance(data["answered"], bool)
    assert isinstance(data["confidence"], (int, float)) and 0.0 <= data["confidence"] <= 1.0
    assert isinstance(data["citations"], list)
    for citation in data["citations"]:
        assert set(citation) == CITATION_KEYS
        assert citation["doc"] and citation["section"].startswith(citation["doc"])
        if sources is not None:  # every quote is verbatim source text
            assert any(citation["quote"] in source for source in sources.values()), citation["quote"]


# ---------------------------------------------------------------------------------------------
# search


def test_search_json_shape(index_dir, kb) -> None:
    result = run("search", "đối tượng không áp dụng", "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"query", "hits"}
    assert data["query"] == "đối tượng không áp dụng"
    assert 0 < len(data["hits"]) <= 5
    known = {c.chunk_id: c for c in kb.chunks}
    for hit in data["hits"]:
        assert set(hit) == HIT_KEYS
        assert hit["chunk_id"] in known and known[hit["chunk_id"]].doc_id == hit["doc_id"]
        assert hit["chunk_id"].startswith(hit["doc_id"] + "#")
        assert hit["section"] == known[hit["chunk_id"]].section
        assert isinstance(hit["score"], float) and 0 <= hit["score"] <= 1
    assert data["hits"][0]["doc_id"] == DOC_206
    scores = [h["score"] for h in data["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_search_top_k(index_dir) -> None:
    result = run("search", "kinh phí", "--index", str(index_dir), "--json", "--top-k", "2")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["hits"]) == 2


@pytest.mark.parametrize("value", ["0", "101", "abc"])
def test_search_bad_top_k_is_a_usage_error(index_dir, value) -> None:
    result = run("search", "kinh phí", "--index", str(index_dir), "--top-k", value)
    assert_clean_failure(result, 2)


def test_search_plain_output(index_dir) -> None:
    result = run("search", "Sở Tài chính", "--index", str(index_dir), "--top-k", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1. [")
    assert "Sở Tài chính" in result.stdout


def test_search_batch_mode_one_json_line_per_question(index_dir) -> None:
    result = run("search", "--index", str(index_dir), "--top-k", "2",
                 input="đối tượng không áp dụng\n\n   \nlo trinh thuc hien\n")
    assert result.exit_code == 0, result.output
    rows = json_lines(result.stdout)
    assert [row["query"] for row in rows] == ["đối tượng không áp dụng", "lo trinh thuc hien"]
    for row in rows:
        assert set(row) == {"query", "hits"}
        assert len(row["hits"]) == 2
        assert all(set(hit) == HIT_KEYS for hit in row["hits"])


# ---------------------------------------------------------------------------------------------
# ask


def test_ask_json_shape_and_target_answer(index_dir, kb) -> None:
    result = run("ask", TARGET_QUESTION, "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    check_ask_shape(data, {doc_id: doc.source for doc_id, doc in kb.documents.items()})
    assert data["answered"] is True
    assert "70%" in data["answer"]
    assert data["citations"]
    assert any(c["doc"] == "Kế hoạch 206/KH-UBND" for c in data["citations"])


def test_ask_off_topic_is_not_answered(index_dir) -> None:
    result = run("ask", OFF_TOPIC, "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    check_ask_shape(data)
    assert data["answered"] is False


def test_ask_plain_output(index_dir) -> None:
    result = run("ask", TARGET_QUESTION, "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    assert "70%" in result.stdout
    assert "độ tin cậy" in result.stdout


def test_ask_batch_mode(index_dir) -> None:
    result = run("ask", "--index", str(index_dir), input=f"{TARGET_QUESTION}\n\n{OFF_TOPIC}\n")
    assert result.exit_code == 0, result.output
    rows = json_lines(result.stdout)
    assert [row["question"] for row in rows] == [TARGET_QUESTION, OFF_TOPIC]
    for row in rows:
        check_ask_shape({k: v for k, v in row.items() if k != "question"})
    assert "70%" in rows[0]["answer"] and rows[0]["answered"] is True
    assert rows[1]["answered"] is False


@pytest.mark.parametrize("question", ["", "x" * 10_000])
def test_ask_odd_questions_do_not_crash(index_dir, question) -> None:
    result = run("ask", question, "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    check_ask_shape(data)
    assert data["answered"] is False


# ---------------------------------------------------------------------------------------------
# facts


def test_facts_targets_json(index_dir, kb) -> None:
    result = run("facts", "--kind", "targets", "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"facts"}
    facts = data["facts"]
    assert facts and all(f["kind"] == "target" for f in facts)
    for fact in facts:
        assert kb.documents[fact["doc_id"]].source[fact["start"]:fact["end"]] == fact["quote"]
    assert any(f["data"].get("year") == 2030 and f["data"].get("percent") == 70 and "70%" in f["quote"] for f in facts)


def test_facts_all_kinds(index_dir, kb) -> None:
    result = run("facts", "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)["facts"]
    assert len(facts) == len(kb.facts)
    assert len({f["kind"] for f in facts}) > 1


def test_facts_plain_output(index_dir) -> None:
    result = run("facts", "--kind", "contacts", "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    assert "[contact]" in result.stdout


def test_facts_document_lists_what_the_preamble_says(index_dir, kb) -> None:
    result = run("facts", "--kind", "document", "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    plan = next(block for block in result.stdout.split("[document]") if "206/KH-UBND" in block)
    assert "action=Triển khai thực hiện" in plan
    assert "legal_bases=[Quyết định 1659/QĐ-TTg; Công văn 3266/BNV-ĐT]" in plan
    data = json.loads(run("facts", "--kind", "document", "--index", str(index_dir), "--json").stdout)
    (fact,) = [f for f in data["facts"] if f["data"]["number"] == "206/KH-UBND"]
    source = kb.documents[fact["doc_id"]].source
    basis = fact["data"]["legal_bases"][1]
    assert basis["document"] == "Công văn 3266/BNV-ĐT" and "3266/BNV-ĐT" in source[basis["start"]:basis["end"]]


def test_facts_bad_kind_is_exit_2_without_traceback(tmp_path) -> None:
    # Checked before the index is even opened.
    result = run("facts", "--kind", "bogus", "--index", str(tmp_path / "none"))
    message = assert_clean_failure(result, 2)
    assert "bogus" in message
    assert "targets" in message  # lists the valid kinds


# ---------------------------------------------------------------------------------------------
# Missing and broken indexes


@pytest.mark.parametrize(
    "args",
    [["search", "kinh phí"], ["ask", "kinh phí"], ["facts"], ["search"]],
    ids=["search", "ask", "facts", "search-batch"],
)
def test_missing_index_is_a_clear_error(tmp_path, args) -> None:
    missing = tmp_path / "none"
    result = run(*args, "--index", str(missing), input="kinh phí\n")
    message = assert_clean_failure(result, 1)
    assert message.startswith("Lỗi:")
    assert REBUILD in message
    assert str(missing) in message


def test_corrupt_index_is_a_clear_error(index_copy) -> None:
    index_dir = index_copy()
    (live_folder(index_dir) / "embeddings.npy").write_bytes(b"\x93NUMPY broken")
    result = run("search", "kinh phí", "--index", str(index_dir))
    message = assert_clean_failure(result, 1)
    assert "embeddings.npy" in message and REBUILD in message


# ---------------------------------------------------------------------------------------------
# build and add


def test_build_missing_docs_is_a_clear_error(tmp_path) -> None:
    result = run("build", "--docs", "/nonexistent", "--index", str(tmp_path / "index"), "--quiet")
    message = assert_clean_failure(result, 1)
    assert "/nonexistent" in message
    assert not (tmp_path / "index").exists()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # bm25s on an empty corpus (see test_index)
def test_build_empty_docs_folder_fails_without_traceback(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("build", "--docs", str(tmp_path / "empty"), "--index", str(tmp_path / "index"), "--quiet")
    assert_clean_failure(result)


def test_build_unreadable_document_is_a_clear_error(tmp_path) -> None:
    docs = write_docs(tmp_path / "docs", {"trong.txt": ""})
    result = run("build", "--docs", str(docs), "--index", str(tmp_path / "index"), "--quiet")
    message = assert_clean_failure(result, 1)
    assert "trong.txt" in message


def test_build_reports_counts(small_corpus, small_index) -> None:
    result = run("build", "--docs", str(small_corpus), "--index", str(small_index), "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Đã xây dựng chỉ mục:")
    assert f"{len(SMALL_DOCS)} tài liệu" in result.stdout
    assert f"{len(SMALL_DOCS)} tài liệu dùng lại" in result.stdout
    assert "0 đoạn mã hóa mới" in result.stdout


def test_add_file(index_copy, tmp_path) -> None:
    index_dir = index_copy()
    third = tmp_path / "thong-bao.txt"
    third.write_text(THIRD_DOC, encoding="utf-8")
    result = run("add", str(third), "--index", str(index_dir), "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Đã thêm.")
    assert "3 tài liệu" in result.stdout
    manifest = read_manifest(index_dir)
    assert set(manifest["documents"]) == {*(p.name for p in DOCS.glob("*.txt")), "thong-bao.txt"}
    assert manifest["counts"]["reused_documents"] == 2
    searched = run("search", "thi đánh giá năng lực tiếng Anh", "--index", str(index_dir), "--json", "--top-k", "1")
    assert json.loads(searched.stdout)["hits"][0]["doc_id"] == "thong-bao.txt"


def test_add_missing_file_is_a_clear_error(index_dir, tmp_path) -> None:
    result = run("add", str(tmp_path / "khong-co.txt"), "--index", str(index_dir))
    message = assert_clean_failure(result, 1)
    assert "khong-co.txt" in message


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("build", "add", "ask", "search", "facts"):
        assert command in result.stdout


# ---------------------------------------------------------------------------------------------
# The real entry point in a subprocess (each one that opens an index loads the model: keep them few)


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCVC_")}
    env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(extra)
    return env


def knowledge(*args: str, env: dict[str, str], cwd: Path, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "knowledge", *args], input=input, capture_output=True, text=True,
        env=env, cwd=cwd, timeout=300,
    )


def test_subprocess_search_json_with_index_from_environment(index_dir, settings, tmp_path) -> None:
    env = cli_env(CCVC_INDEX_DIR=str(index_dir), CCVC_EMBEDDING_MODEL=settings.embedding_model)
    proc = knowledge("search", "doi tuong khong ap dung", "--json", "--top-k", "3", env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["hits"]) == 3
    assert data["hits"][0]["doc_id"] == DOC_206
    assert "Traceback" not in proc.stderr


def test_subprocess_ask_batch_from_stdin(index_dir, settings, tmp_path) -> None:
    env = cli_env(CCVC_EMBEDDING_MODEL=settings.embedding_model)
    proc = knowledge("ask", "--index", str(index_dir), env=env, cwd=tmp_path,
                     input=f"{TARGET_QUESTION}\n{OFF_TOPIC}\n")
    assert proc.returncode == 0, proc.stderr
    rows = json_lines(proc.stdout)
    assert len(rows) == 2
    assert "70%" in rows[0]["answer"] and rows[0]["answered"] is True
    assert rows[1]["answered"] is False
    assert "Traceback" not in proc.stderr


def test_subprocess_errors_have_no_traceback(tmp_path) -> None:
    env = cli_env(CCVC_INDEX_DIR=str(tmp_path / "none"))
    missing = knowledge("search", "kinh phí", env=env, cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith("Lỗi:") and REBUILD in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_kind = knowledge("facts", "--kind", "bogus", env=env, cwd=tmp_path)
    assert bad_kind.returncode == 2
    assert "bogus" in bad_kind.stderr and "Traceback" not in bad_kind.stderr
    bad_docs = knowledge("build", "--docs", "/nonexistent", "--quiet", env=env, cwd=tmp_path)
    assert bad_docs.returncode == 1
    assert "/nonexistent" in bad_docs.stderr and "Traceback" not in bad_docs.stderr
