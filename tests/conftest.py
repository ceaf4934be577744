"""Shared fixtures: ONE real index of the two sample documents per test session, and small corpora.

Everything is real: the e5 model from CCVC_EMBEDDING_MODEL (default ../shared/models/…), FAISS and bm25s.
The model is loaded once per process (knowledge.embed.get_embedder caches it), so tests that build their
own index use a few short documents and cost only their embedding time.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the package is not installed when tests run from a plain checkout
    sys.path.insert(0, str(ROOT))

from knowledge.index import POINTER, build_from_paths, load_index  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402

DOCS = ROOT / "knowledge" / "docs"
DOC_206 = "206-KH-UBND-2020-Hai-Phong.txt"
DOC_642 = "642-BNG-HVNG-2016.txt"

# Short documents for tests that build an index of their own (a few chunks each: cheap to embed).
SMALL_DOCS: dict[str, str] = {
    "muc-dich.txt": (
        "KẾ HOẠCH\n"
        "1. Mục đích\n"
        "Nâng cao năng lực ngoại ngữ cho cán bộ, công chức, viên chức cấp xã.\n"
        "2. Đối tượng\n"
        "Công chức làm việc tại Ủy ban nhân dân cấp huyện.\n"
    ),
    "kinh-phi.txt": (
        "HƯỚNG DẪN\n"
        "1. Kinh phí\n"
        "Ngân sách nhà nước bảo đảm kinh phí bồi dưỡng theo phân cấp hiện hành.\n"
    ),
}
THIRD_DOC = (
    "THÔNG BÁO\n"
    "1. Lộ trình\n"
    "Từ năm 2021 đến năm 2030 các sở tổ chức thi đánh giá năng lực tiếng Anh.\n"
)


def live_folder(index_dir: Path) -> Path:
    """The version folder CURRENT points at."""
    return index_dir / (index_dir / POINTER).read_text(encoding="utf-8").strip()


def read_manifest(index_dir: Path) -> dict:
    return json.loads((live_folder(index_dir) / "manifest.json").read_text(encoding="utf-8"))


def write_manifest(index_dir: Path, manifest: dict) -> None:
    (live_folder(index_dir) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def write_docs(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def index_of(tmp_path_factory, settings, name: str, docs: dict[str, str]):
    """A loaded index of documents made in a test (written under a fresh folder named after `name`)."""
    base = tmp_path_factory.mktemp(name)
    build_from_paths([write_docs(base / "docs", docs)], base / "index", settings, progress=False)
    return load_index(base / "index", settings)


@pytest.fixture(scope="session")
def settings() -> KnowledgeSettings:
    """The settings the CLI would use (environment and .env), with the real embedding model."""
    return KnowledgeSettings()


@pytest.fixture(scope="session")
def session_build(tmp_path_factory: pytest.TempPathFactory, settings: KnowledgeSettings) -> tuple[Path, dict]:
    """The index of the two sample documents, built once: (index folder, manifest returned by the build)."""
    index_dir = tmp_path_factory.mktemp("session-index") / "index"
    manifest = build_from_paths([DOCS], index_dir, settings, progress=False)
    return index_dir, manifest


@pytest.fixture(scope="session")
def index_dir(session_build: tuple[Path, dict]) -> Path:
    return session_build[0]


@pytest.fixture(scope="session")
def kb(index_dir: Path, settings: KnowledgeSettings):
    """The session index, loaded once (read-only: tests that change an index work on a copy)."""
    return load_index(index_dir, settings)


@pytest.fixture(scope="session")
def model() -> Path:
    """The trained Rasa model (`make test` trains it first)."""
    from actions.launch import latest_model

    return latest_model()


@pytest.fixture(scope="session")
def assistant(model: Path, index_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """ONE real action server (our .venv) and Rasa server (.venv-rasa) on free loopback ports per session,
    shared by every test that talks to the assistant (Rasa, portal, bot): `.rasa_url`, `.action_url`, `.token`."""
    from actions.launch import running_servers

    with running_servers(model, logs=tmp_path_factory.mktemp("servers"), CCVC_INDEX_DIR=str(index_dir)) as servers:
        yield servers


@pytest.fixture
def index_copy(index_dir: Path, tmp_path: Path) -> Callable[[], Path]:
    """Make a private copy of the session index (CURRENT and its version folders) to damage or extend."""

    def make(name: str = "index-copy") -> Path:
        target = tmp_path / name
        shutil.copytree(index_dir, target)
        return target

    return make


@pytest.fixture(scope="session")
def small_template(tmp_path_factory: pytest.TempPathFactory, settings: KnowledgeSettings) -> tuple[Path, Path]:
    """SMALL_DOCS in a folder and their index, built once: (docs folder, index folder). Never changed."""
    base = tmp_path_factory.mktemp("small-template")
    docs = write_docs(base / "docs", SMALL_DOCS)
    index_dir = base / "index"
    build_from_paths([docs], index_dir, settings, progress=False)
    return docs, index_dir


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A private folder holding SMALL_DOCS."""
    return write_docs(tmp_path / "small-docs", SMALL_DOCS)


@pytest.fixture
def small_index(small_template: tuple[Path, Path], small_corpus: Path, tmp_path: Path) -> Path:
    """A private copy of the index of SMALL_DOCS (same texts as small_corpus, so a rebuild reuses it)."""
    target = tmp_path / "index"
    shutil.copytree(small_template[1], target)
    return target


@pytest.fixture(scope="session")
def speech():
    """The real speech service on the Korean Vosk model (the one installable here), loaded once for every module
    that serves speech (portal, widget, browsers)."""
    from test_portal import korean_model, load_speech

    state = load_speech(korean_model())
    assert state.available, state.message
    return state


@pytest.fixture(scope="session")
def vietnamese_speech():
    """The speech service of a fresh machine (viet-asr, SPEECH_ENGINE=auto without a Vosk model), loaded once for
    every module that hears the shared Vietnamese clips."""
    from test_portal import load_vietnamese_speech

    state = load_vietnamese_speech()
    assert state.available, state.message
    return state


def converse(kb, questions: list[str]) -> list:
    """The turns of a conversation asked through knowledge.conversation.ask, each turn's context carried on."""
    from knowledge.conversation import Context, ask

    context, turns = Context(), []
    for question in questions:
        turn = ask(kb, question, context)
        turns.append(turn)
        context = turn.context
    return turns
