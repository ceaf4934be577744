"""The persisted index: manifest, incremental rebuilds, atomic swap and verified loading (real model, FAISS, bm25s)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import (
    DOC_206,
    DOC_642,
    DOCS,
    SMALL_DOCS,
    THIRD_DOC,
    live_folder,
    read_manifest,
    write_docs,
    write_manifest,
)
from knowledge.embed import EmbeddingModelError, get_embedder, model_checksum
from knowledge.index import (
    FORMAT_VERSION,
    POINTER,
    IndexLoadError,
    add_documents,
    build_from_paths,
    build_index,
    load_index,
    sha256_file,
)
from knowledge.ingest import read_documents
from knowledge.model import Document
from knowledge.search import search
from knowledge.settings import KnowledgeSettings

REBUILD = "python -m knowledge build"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def versions(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.glob("v-*") if p.is_dir())


def refuse(index_dir: Path, settings: KnowledgeSettings, *expected: str) -> str:
    with pytest.raises(IndexLoadError) as info:
        load_index(index_dir, settings)
    message = str(info.value)
    assert REBUILD in message
    for part in expected:
        assert part in message
    return message


# ---------------------------------------------------------------------------------------------
# The manifest of the session build


def test_manifest_format_and_model(session_build, settings) -> None:
    index_dir, manifest = session_build
    assert manifest == read_manifest(index_dir)
    assert manifest["format_version"] == FORMAT_VERSION
    model = manifest["model"]
    assert model["name"] == settings.embedding_model
    assert model["checksum"] == model_checksum(settings.embedding_model)
    assert model["checksum"].startswith("sha256:") and len(model["checksum"]) == len("sha256:") + 64
    assert model["dimension"] == get_embedder(settings.embedding_model, settings.threads).dimension == 384
    assert manifest["chunk_max_chars"] == settings.chunk_max_chars


def test_manifest_documents(session_build, kb) -> None:
    index_dir, manifest = session_build
    docs = {doc.doc_id: doc for doc in read_documents([DOCS])}
    assert set(manifest["documents"]) == {DOC_206, DOC_642} == set(docs)
    for doc_id, entry in manifest["documents"].items():
        assert entry["checksum"] == sha256_hex(docs[doc_id].source)
        assert entry["chunks"] == sum(1 for c in kb.chunks if c.doc_id == doc_id) > 0
        assert entry["facts"] == sum(1 for f in kb.facts if f.doc_id == doc_id)
        assert entry["path"] == str(DOCS / doc_id)
    assert manifest["documents"][DOC_206]["label"] == "Kế hoạch 206/KH-UBND"
    assert manifest["documents"][DOC_642]["label"] == "Công văn 642/BNG-HVNG"
    counts = manifest["counts"]
    assert counts["documents"] == 2
    assert counts["chunks"] == len(kb.chunks) == counts["embedded_chunks"]
    assert counts["facts"] == len(kb.facts)
    assert counts["reused_documents"] == 0


def test_manifest_file_checksums_cover_every_file(index_dir: Path) -> None:
    folder = live_folder(index_dir)
    manifest = read_manifest(index_dir)
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    for required in ("documents.jsonl", "chunks.jsonl", "facts.jsonl", "embeddings.npy", "dense.faiss", "accents.json"):
        assert required in on_disk
    assert any(name.startswith("lexical/") for name in on_disk)
    for name, checksum in manifest["files"].items():
        assert sha256_file(folder / name) == checksum


def test_layout_current_pointer(index_dir: Path) -> None:
    pointer = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    assert pointer.startswith("v-")
    assert (index_dir / pointer).is_dir()
    assert versions(index_dir) == [pointer]


def test_loaded_index_is_consistent(kb) -> None:
    assert len(kb.chunks) == len(kb.embeddings) == kb.dense.ntotal
    assert kb.embeddings.dtype == np.float32
    assert np.allclose(np.linalg.norm(kb.embeddings, axis=1), 1.0, atol=1e-3)
    assert [c.chunk_id for c in kb.chunks if c.doc_id == DOC_206][:2] == [f"{DOC_206}#0", f"{DOC_206}#1"]
    for chunk in kb.chunks[:5]:
        assert kb.quote(chunk.doc_id, chunk.start, chunk.end)
    for fact in kb.facts:
        assert kb.documents[fact.doc_id].source[fact.start:fact.end] == fact.quote


# ---------------------------------------------------------------------------------------------
# Incremental rebuilds


def test_adding_a_third_document_embeds_only_it(index_copy, tmp_path, settings) -> None:
    index_dir = index_copy()
    old = load_index(index_dir, settings)
    third = tmp_path / "thong-bao.txt"
    third.write_text(THIRD_DOC, encoding="utf-8")
    manifest = build_from_paths([DOCS, third], index_dir, settings, progress=False)
    counts = manifest["counts"]
    assert counts["documents"] == 3
    assert counts["reused_documents"] == 2
    assert counts["embedded_chunks"] == manifest["documents"]["thong-bao.txt"]["chunks"] > 0
    new = load_index(index_dir, settings)
    # Reused documents keep their vectors exactly.
    for doc_id in (DOC_206, DOC_642):
        old_rows = [i for i, c in enumerate(old.chunks) if c.doc_id == doc_id]
        new_rows = [i for i, c in enumerate(new.chunks) if c.doc_id == doc_id]
        assert np.array_equal(old.embeddings[old_rows], new.embeddings[new_rows])
    hits = search(new, "thi đánh giá năng lực tiếng Anh", top_k=1)
    assert hits[0].chunk.doc_id == "thong-bao.txt"


def test_unchanged_rebuild_embeds_nothing(small_corpus, small_index, settings) -> None:
    index_dir = small_index
    first = read_manifest(index_dir)
    assert first["counts"]["reused_documents"] == 0
    assert first["counts"]["embedded_chunks"] == first["counts"]["chunks"] > 0
    second = build_from_paths([small_corpus], index_dir, settings, progress=False)
    assert second["counts"]["reused_documents"] == len(SMALL_DOCS)
    assert second["counts"]["embedded_chunks"] == 0
    assert {k: v["checksum"] for k, v in second["documents"].items()} == {
        k: v["checksum"] for k, v in first["documents"].items()}
    assert second["counts"]["chunks"] == first["counts"]["chunks"]
    # Earlier versions are kept beside the live one (for rollbacks), CCVC_KEEP_VERSIONS in all, no more.
    assert len(versions(index_dir)) == 2
    keep_two = settings.model_copy(update={"keep_versions": 2})
    third = build_from_paths([small_corpus], index_dir, keep_two, progress=False)
    assert len(versions(index_dir)) == 2
    assert live_folder(index_dir).name == (index_dir / POINTER).read_text().strip()
    assert third["counts"]["embedded_chunks"] == 0
    for _ in range(settings.keep_versions + 1):
        build_from_paths([small_corpus], index_dir, settings, progress=False)
    assert len(versions(index_dir)) == settings.keep_versions
    assert live_folder(index_dir).name in versions(index_dir)


def test_changing_one_document_reembeds_only_it(small_corpus, small_index, tmp_path, settings) -> None:
    index_dir = small_index
    changed = "kinh-phi.txt"
    (small_corpus / changed).write_text(
        SMALL_DOCS[changed] + "2. Quyết toán\nCác đơn vị quyết toán kinh phí theo Luật Ngân sách.\n", encoding="utf-8"
    )
    manifest = build_from_paths([small_corpus], index_dir, settings, progress=False)
    assert manifest["counts"]["reused_documents"] == len(SMALL_DOCS) - 1
    # Only the changed document's chunks can need embedding, and its untouched sections keep their vectors.
    assert 1 <= manifest["counts"]["embedded_chunks"] < manifest["documents"][changed]["chunks"]
    assert manifest["documents"][changed]["checksum"] == sha256_hex((small_corpus / changed).read_text(encoding="utf-8"))
    kb = load_index(index_dir, settings)
    assert "Luật Ngân sách" in kb.documents[changed].source
    assert search(kb, "quyết toán kinh phí", top_k=1)[0].chunk.doc_id == changed


def test_removed_document_leaves_the_index(small_corpus, small_index, tmp_path, settings) -> None:
    index_dir = small_index
    (small_corpus / "kinh-phi.txt").unlink()
    manifest = build_from_paths([small_corpus], index_dir, settings, progress=False)
    assert set(manifest["documents"]) == {"muc-dich.txt"}
    assert manifest["counts"]["embedded_chunks"] == 0
    kb = load_index(index_dir, settings)
    assert {c.doc_id for c in kb.chunks} == {"muc-dich.txt"}
    assert len(kb.embeddings) == kb.dense.ntotal == len(kb.chunks)


def test_other_model_checksum_means_full_reembedding(small_corpus, small_index, settings) -> None:
    index_dir = small_index
    first = read_manifest(index_dir)
    manifest = read_manifest(index_dir)
    manifest["model"]["checksum"] = "sha256:" + "0" * 64
    write_manifest(index_dir, manifest)
    second = build_from_paths([small_corpus], index_dir, settings, progress=False)
    assert second["counts"]["reused_documents"] == 0
    assert second["counts"]["embedded_chunks"] == first["counts"]["chunks"]


def test_duplicate_document_ids_are_refused(tmp_path, settings) -> None:
    docs = [Document("a.txt", "1. Mục đích\nMột."), Document("a.txt", "1. Mục đích\nHai.")]
    with pytest.raises(ValueError, match="a.txt"):
        build_index(docs, tmp_path / "index", settings, progress=False)
    assert not (tmp_path / "index" / POINTER).exists()


# ---------------------------------------------------------------------------------------------
# add_documents


def test_add_documents_keeps_old_documents(small_corpus, small_index, tmp_path, settings) -> None:
    index_dir = small_index
    third = tmp_path / "elsewhere" / "thong-bao.txt"
    third.parent.mkdir()
    third.write_text(THIRD_DOC, encoding="utf-8")
    manifest = add_documents([third], index_dir, settings, progress=False)
    assert set(manifest["documents"]) == {*SMALL_DOCS, "thong-bao.txt"}
    assert manifest["counts"]["reused_documents"] == len(SMALL_DOCS)
    assert manifest["counts"]["embedded_chunks"] == manifest["documents"]["thong-bao.txt"]["chunks"]
    kb = load_index(index_dir, settings)
    for name, text in SMALL_DOCS.items():
        assert kb.documents[name].source == text


def test_add_documents_replaces_a_document_with_the_same_id(small_corpus, small_index, tmp_path, settings) -> None:
    index_dir = small_index
    newer = write_docs(tmp_path / "newer", {"kinh-phi.txt": "1. Kinh phí\nKinh phí do đơn vị sự nghiệp tự bảo đảm.\n"})
    manifest = add_documents([newer / "kinh-phi.txt"], index_dir, settings, progress=False)
    assert manifest["counts"]["documents"] == len(SMALL_DOCS)
    kb = load_index(index_dir, settings)
    assert "tự bảo đảm" in kb.documents["kinh-phi.txt"].source
    assert kb.documents["muc-dich.txt"].source == SMALL_DOCS["muc-dich.txt"]


def test_add_documents_to_a_missing_index_builds_it(tmp_path, settings) -> None:
    third = tmp_path / "thong-bao.txt"
    third.write_text(THIRD_DOC, encoding="utf-8")
    manifest = add_documents([third], tmp_path / "index", settings, progress=False)
    assert set(manifest["documents"]) == {"thong-bao.txt"}
    load_index(tmp_path / "index", settings)


@pytest.mark.parametrize("damage", ["older-format", "corrupt-file"])
def test_add_documents_never_silently_drops_stored_documents(small_corpus, small_index, tmp_path, settings, damage) -> None:
    index_dir = small_index
    if damage == "older-format":
        manifest = read_manifest(index_dir)
        manifest["format_version"] = FORMAT_VERSION - 1
        write_manifest(index_dir, manifest)
    else:
        with (live_folder(index_dir) / "accents.json").open("a", encoding="utf-8") as handle:
            handle.write(" ")
    third = tmp_path / "thong-bao.txt"
    third.write_text(THIRD_DOC, encoding="utf-8")
    try:
        manifest = add_documents([third], index_dir, settings, progress=False)
    except IndexLoadError:
        return  # refusing is fine
    assert set(SMALL_DOCS) <= set(manifest["documents"])


def test_rebuild_from_a_moved_folder_records_the_new_paths(small_corpus, small_index, tmp_path, settings) -> None:
    index_dir = small_index
    moved = tmp_path / "moved"
    shutil.copytree(small_corpus, moved)
    manifest = build_from_paths([moved], index_dir, settings, progress=False)
    assert manifest["counts"]["embedded_chunks"] == 0  # same texts: nothing to embed
    for name in SMALL_DOCS:
        assert manifest["documents"][name]["path"] == str(moved / name)
    kb = load_index(index_dir, settings)
    assert kb.documents["muc-dich.txt"].meta["path"] == str(moved / "muc-dich.txt")


# ---------------------------------------------------------------------------------------------
# Refusing a missing, corrupt or mismatched index


def test_missing_index_is_refused(tmp_path, settings) -> None:
    refuse(tmp_path / "nowhere", settings, str(tmp_path / "nowhere"))


def test_empty_index_folder_is_refused(tmp_path, settings) -> None:
    (tmp_path / "index").mkdir()
    refuse(tmp_path / "index", settings)


def test_current_pointing_to_missing_folder_is_refused(index_copy, settings) -> None:
    index_dir = index_copy()
    (index_dir / POINTER).write_text("v-does-not-exist\n", encoding="utf-8")
    refuse(index_dir, settings, "v-does-not-exist")


def test_build_repairs_a_dangling_current(small_corpus, small_index, tmp_path, settings) -> None:
    index_dir = small_index
    (index_dir / POINTER).write_text("v-gone\n", encoding="utf-8")
    manifest = build_from_paths([small_corpus], index_dir, settings, progress=False)
    assert manifest["counts"]["reused_documents"] == 0  # nothing loadable to reuse
    assert set(load_index(index_dir, settings).documents) == set(SMALL_DOCS)


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("embeddings.npy", "truncate"),
        ("embeddings.npy", "flip"),
        ("chunks.jsonl", "truncate"),
        ("chunks.jsonl", "flip"),
        ("documents.jsonl", "flip"),
        ("dense.faiss", "delete"),
        ("facts.jsonl", "delete"),
    ],
)
def test_corrupt_file_is_refused(index_copy, settings, name, damage) -> None:
    index_dir = index_copy()
    path = live_folder(index_dir) / name
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:])
    else:
        path.unlink()
    refuse(index_dir, settings, name)


def _resign(index_dir: Path, name: str) -> None:
    """Make the manifest agree with a damaged file, as if the damage happened before it was written."""
    manifest = read_manifest(index_dir)
    manifest["files"][name] = sha256_file(live_folder(index_dir) / name)
    write_manifest(index_dir, manifest)


def test_consistent_checksums_but_fewer_chunks_is_refused(index_copy, settings) -> None:
    index_dir = index_copy()
    path = live_folder(index_dir) / "chunks.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    _resign(index_dir, "chunks.jsonl")
    refuse(index_dir, settings)


@pytest.mark.parametrize("name", ["embeddings.npy", "chunks.jsonl", "accents.json"])
def test_consistent_checksums_but_garbage_content_is_refused(index_copy, settings, name) -> None:
    index_dir = index_copy()
    path = live_folder(index_dir) / name
    path.write_bytes(path.read_bytes()[:40])
    _resign(index_dir, name)
    refuse(index_dir, settings)


def test_missing_or_broken_manifest_is_refused(index_copy, settings) -> None:
    index_dir = index_copy()
    manifest_path = live_folder(index_dir) / "manifest.json"
    manifest_path.write_text(manifest_path.read_text(encoding="utf-8")[:100], encoding="utf-8")
    refuse(index_dir, settings, "manifest")
    manifest_path.unlink()
    refuse(index_dir, settings, "manifest")


def test_other_format_version_is_refused(index_copy, settings) -> None:
    index_dir = index_copy()
    manifest = read_manifest(index_dir)
    manifest["format_version"] = FORMAT_VERSION + 1
    write_manifest(index_dir, manifest)
    refuse(index_dir, settings, str(FORMAT_VERSION))


def test_mismatched_model_checksum_is_refused(index_copy, settings) -> None:
    index_dir = index_copy()
    manifest = read_manifest(index_dir)
    manifest["model"]["checksum"] = "sha256:" + "f" * 64
    write_manifest(index_dir, manifest)
    refuse(index_dir, settings, "CCVC_EMBEDDING_MODEL")
    # Without model verification (lexical-only use, `add`) the files themselves still load.
    assert load_index(index_dir, settings, verify_model=False).chunks


def test_index_refused_for_a_differently_configured_model(index_dir, settings) -> None:
    other = KnowledgeSettings(embedding_model="intfloat/multilingual-e5-large")
    message = refuse(index_dir, other, "CCVC_EMBEDDING_MODEL")
    assert "intfloat/multilingual-e5-large" in message


# ---------------------------------------------------------------------------------------------
# Atomic swap: a failed build leaves the previous version serving


def test_generator_failing_midway_leaves_previous_version(small_corpus, small_index, tmp_path, settings) -> None:
    index_dir = small_index
    pointer_before = (index_dir / POINTER).read_text()
    versions_before = versions(index_dir)

    def documents():
        yield Document("mot.txt", "1. Mục đích\nMột tài liệu.")
        raise RuntimeError("ổ đĩa ngắt kết nối")

    with pytest.raises(RuntimeError, match="ổ đĩa"):
        build_index(documents(), index_dir, settings, progress=False)
    assert (index_dir / POINTER).read_text() == pointer_before
    assert versions(index_dir) == versions_before
    assert set(load_index(index_dir, settings).documents) == set(SMALL_DOCS)


def test_failure_while_writing_leaves_previous_version(small_corpus, small_index, tmp_path, settings) -> None:
    index_dir = small_index
    pointer_before = (index_dir / POINTER).read_text()
    versions_before = versions(index_dir)
    # Metadata that cannot be written as JSON: the build fails inside the new version folder.
    bad = Document("hong.txt", "1. Kinh phí\nNguồn kinh phí hợp pháp khác.", meta={"path": "x", "bad": {1, 2}})
    good = read_documents([small_corpus])
    with pytest.raises(TypeError):
        build_index([*good, bad], index_dir, settings, progress=False)
    assert (index_dir / POINTER).read_text() == pointer_before
    assert versions(index_dir) == versions_before  # the half-written folder is gone
    kb = load_index(index_dir, settings)
    assert set(kb.documents) == set(SMALL_DOCS)
    assert search(kb, "ngân sách nhà nước", top_k=1, use_dense=False)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "documents",
    [[], [Document("chi-rac.txt", "Nhấp vào nút tại mỗi ô tìm kiếm.\n")]],
    ids=["no-documents", "only-web-leftovers"],
)
def test_index_without_chunks_builds_and_searches_empty(tmp_path, settings, documents) -> None:
    index_dir = tmp_path / "index"
    manifest = build_index(documents, index_dir, settings, progress=False)
    assert manifest["counts"]["chunks"] == 0
    kb = load_index(index_dir, settings)
    assert search(kb, "ngoại ngữ") == []


# ---------------------------------------------------------------------------------------------
# Query embeddings: ONNX Runtime on the exported model gives PyTorch's vectors


@pytest.mark.parametrize("question", [
    "Mục tiêu năm 2025 về tỷ lệ công chức đạt bậc 4 ngoại ngữ?",
    "Ai là người liên hệ của Sở Nội vụ?",
    "kinh phí",
    "Điều " * 600,  # longer than the model's 512 tokens: truncated the same way
])
def test_onnx_query_vectors_match_pytorch(kb, question) -> None:
    embedder = kb.embedder
    assert embedder.query_backend == "onnx"
    onnx, torch = embedder.query(question), embedder.query_torch(question)
    assert onnx.dtype == torch.dtype == np.float32 and onnx.shape == torch.shape == (384,)
    assert float(onnx @ torch) > 0.9999
    assert abs(float(np.linalg.norm(onnx)) - 1.0) < 1e-5


def test_onnx_export_is_cached_and_the_torch_backend_still_works(settings, tmp_path) -> None:
    from knowledge.embed import Embedder

    exported = Embedder(settings.embedding_model, settings.threads, "onnx", tmp_path / "onnx")
    files = list((tmp_path / "onnx").rglob("*"))
    assert [f.name for f in files if f.is_file()] == ["model.onnx"]  # no partial file left behind
    torch_only = Embedder(settings.embedding_model, settings.threads, "torch")
    assert torch_only.query_backend == "torch"
    question = "đối tượng không áp dụng"
    assert float(exported.query(question) @ torch_only.query(question)) > 0.9999
    with pytest.raises(EmbeddingModelError, match="query_backend"):
        Embedder(settings.embedding_model, settings.threads, "gpu")


# ---------------------------------------------------------------------------------------------
# A missing embedding model


def test_missing_model_path_names_the_setting(tmp_path) -> None:
    with pytest.raises(EmbeddingModelError, match="CCVC_EMBEDDING_MODEL"):
        get_embedder("/nonexistent/model", 2)


def test_build_with_missing_model_fails_clearly_and_writes_nothing(small_corpus, tmp_path) -> None:
    bad = KnowledgeSettings(embedding_model="/nonexistent")
    index_dir = tmp_path / "index"
    with pytest.raises(EmbeddingModelError) as info:
        build_from_paths([small_corpus], index_dir, bad, progress=False)
    assert "CCVC_EMBEDDING_MODEL" in str(info.value)
    assert "/nonexistent" in str(info.value)
    assert not (index_dir / POINTER).exists()
    assert not index_dir.exists() or versions(index_dir) == []


def test_missing_model_does_not_touch_a_live_index(index_copy, settings) -> None:
    index_dir = index_copy()
    pointer_before = (index_dir / POINTER).read_text()
    bad = KnowledgeSettings(embedding_model="/nonexistent")
    extra = Document("moi.txt", "1. Mục đích\nTài liệu mới cần mã hóa.")
    with pytest.raises(EmbeddingModelError):
        build_index([*read_documents([DOCS]), extra], index_dir, bad, progress=False)
    assert (index_dir / POINTER).read_text() == pointer_before
    assert len(load_index(index_dir, settings).documents) == 2


def test_manifest_is_valid_json_with_unicode(index_dir: Path) -> None:
    text = (live_folder(index_dir) / "manifest.json").read_text(encoding="utf-8")
    assert "Kế hoạch 206/KH-UBND" in text  # written as UTF-8, not \\u escapes
    json.loads(text)


def test_new_analysing_code_reanalyses_but_reuses_vectors(small_index, small_corpus, settings, monkeypatch) -> None:
    """After an upgrade of the chunking/fact code, documents are analysed again; unchanged text is not re-embedded."""
    import knowledge.index as index_module

    monkeypatch.setattr(index_module, "analyser_checksum", lambda: "a newer analyser")
    manifest = build_from_paths([small_corpus], small_index, settings, progress=False)
    assert manifest["counts"]["reused_documents"] == 0
    assert manifest["counts"]["embedded_chunks"] == 0
    assert manifest["analyser"] == "a newer analyser"


def test_building_from_a_folder_without_documents_keeps_the_live_index(small_index, tmp_path, settings) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    before = (small_index / POINTER).read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="Không tìm thấy tài liệu"):
        build_from_paths([empty], small_index, settings, progress=False)
    assert (small_index / POINTER).read_text(encoding="utf-8") == before


def test_index_of_an_older_format_is_rebuilt_without_embedding_again(small_index, small_corpus, settings) -> None:
    manifest = read_manifest(small_index)
    manifest["format_version"] = FORMAT_VERSION - 1
    write_manifest(small_index, manifest)
    with pytest.raises(IndexLoadError):
        load_index(small_index, settings)
    rebuilt = build_from_paths([small_corpus], small_index, settings, progress=False)
    assert rebuilt["counts"]["reused_documents"] == 0  # analyses of another format are not trusted
    assert rebuilt["counts"]["embedded_chunks"] == 0  # but vectors of the same texts are
    load_index(small_index, settings)
