"""The real-document development set (bench/data/realdocs) is well formed, and its bench never shows a held-out item.

Shape only: ids, splits, fields, documents that exist, no question in both splits, items on held-out documents
held out. Nothing here asserts how well the assistant answers (bench/real_documents.py measures that).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bench.real_documents import FORMS, Verdict, contains, dev_misses, fold, summarise
from knowledge.check import STATUSES
from knowledge.text import has_diacritics

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data" / "realdocs"
DOC_DIRS = (DATA / "docs", REPO / "knowledge" / "docs")
SPLITS = {"dev", "heldout"}
KINDS = {"target", "eligibility", "exclusion", "duty", "contact", "funding", "roadmap", "document", "subject",
         "proposer", "legal_basis", "other"}


def read(name: str) -> list[dict]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def docs_of(value) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def exists(name: str) -> bool:
    return any((folder / name).is_file() for folder in DOC_DIRS)


@pytest.fixture(scope="module")
def sources() -> list[dict]:
    with open(DATA / "sources.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def heldout_docs(sources) -> set[str]:
    return {row["file"] for row in sources if row["split"] == "heldout"}


def test_sources_list_every_document_once_with_its_address(sources):
    files = sorted(p.name for p in (DATA / "docs").iterdir())
    assert sorted(row["file"] for row in sources) == files
    for row in sources:
        assert row["split"] in SPLITS and row["address"].startswith("http") and row["document"] and row["issuer"]
        assert (DATA / "docs" / row["file"]).read_text(encoding="utf-8").strip()


def test_the_documents_kept_for_the_independent_check_are_not_in_the_set():
    for path in (DATA / "docs").iterdir():
        text = path.read_text(encoding="utf-8")
        for own_number in ("59/KH-UBND", "202/KH-UBND", "51/KH-UBND", "Số: 2007/QĐ-TTg"):
            assert own_number not in text, (path.name, own_number)


def test_questions_are_well_formed():
    questions = read("questions.jsonl")
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert q["split"] in SPLITS and q["kind"] in KINDS, q["id"]
        assert q["question"].strip() and q["question_plain"].strip(), q["id"]
        assert not has_diacritics(q["question_plain"]), q["id"]
        assert fold(q["question"]) == fold(q["question_plain"]), q["id"]
        assert all(exists(d) for d in docs_of(q["doc"])), q["id"]
        assert isinstance(q["answerable"], bool), q["id"]
        if q["answerable"]:
            assert q["expected"] and all(e.strip() for e in q["expected"]) and docs_of(q["doc"]), q["id"]
        else:
            assert q["expected"] == [], q["id"]
        assert q.get("cite") in (None, "all"), q["id"]
        if q.get("cite") == "all":
            assert len(docs_of(q["doc"])) >= 2, q["id"]


def test_every_expected_string_is_in_a_listed_document():
    """An expected fact is quoted from the documents, never from what the assistant once said."""
    def text(name: str) -> str:
        return fold(next(folder / name for folder in DOC_DIRS if (folder / name).is_file()).read_text(encoding="utf-8"))

    items = [(q["id"], q["doc"], q["expected"]) for q in read("questions.jsonl")]
    items += [(c["id"], t.get("doc"), t.get("expected", [])) for c in read("conversations.jsonl") for t in c["turns"]]
    for item_id, doc, expected in items:
        texts = [text(name) for name in docs_of(doc)]
        for string in expected:
            assert any(fold(string) in t for t in texts), (item_id, string)


def test_no_question_is_in_both_splits():
    questions = read("questions.jsonl")
    dev = {fold(q["question"]) for q in questions if q["split"] == "dev"}
    heldout = {fold(q["question"]) for q in questions if q["split"] == "heldout"}
    assert not dev & heldout


def test_everything_on_a_held_out_document_is_held_out(heldout_docs):
    for q in read("questions.jsonl"):
        if set(docs_of(q["doc"])) & heldout_docs:
            assert q["split"] == "heldout", q["id"]
    for p in read("people.jsonl"):
        if p["doc"] in heldout_docs:
            assert p["split"] == "heldout", p["id"]
    for c in read("conversations.jsonl"):
        if {d for t in c["turns"] for d in docs_of(t.get("doc"))} & heldout_docs:
            assert c["split"] == "heldout", c["id"]


def test_people_are_well_formed():
    people = read("people.jsonl")
    assert len({p["id"] for p in people}) == len(people)
    assert len({(p["doc"], fold(p["description"])) for p in people}) == len(people)
    for p in people:
        assert p["split"] in SPLITS and p["expected"] in STATUSES, p["id"]
        assert p["description"].strip() and p["why"].strip() and exists(p["doc"]), p["id"]


def test_conversations_are_well_formed():
    conversations = read("conversations.jsonl")
    assert len({c["id"] for c in conversations}) == len(conversations)
    for c in conversations:
        assert c["split"] in SPLITS and 2 <= len(c["turns"]) <= 3, c["id"]
        for turn in c["turns"]:
            assert turn["message"].strip(), c["id"]
            if turn.get("answerable", True):
                assert turn["expected"] and docs_of(turn["doc"]) and all(exists(d) for d in docs_of(turn["doc"]))
            else:
                assert "expected" not in turn, c["id"]


class _Result:
    answer, answered, confidence, kind = "một câu trả lời", True, 0.9, "passage"


def test_the_bench_shows_misses_of_the_dev_split_only():
    """Held-out items count in aggregates and are never listed, whatever happened to them."""
    item = {"question": "q", "question_plain": "q", "answerable": True, "expected": ["x"], "doc": "a.txt",
            "kind": "target"}
    wrong = Verdict(right=False, answered=True, detail={"missing": ["x"], "cited": []})
    questions = {(split, form): [({**item, "id": f"{split}-{form}", "split": split}, wrong, _Result())]
                 for split in SPLITS for form in FORMS}
    people = {(split, form): [({"id": f"p-{split}", "doc": "a.txt", "description": "d", "expected": "applies"},
                               False, "unknown", "…")] for split in SPLITS for form in FORMS}
    misses = dev_misses(questions, people, {})
    assert misses and {m["id"] for m in misses} == {"dev-typed", "dev-plain", "p-dev"}
    table = summarise(questions, people, {})
    assert table["heldout/typed"]["answerable"] == 1 and table["heldout/typed"]["answerable_right"] == 0


def test_an_expected_period_or_date_is_found_in_any_spelling():
    assert contains("giai đoạn 2018-2025 trên địa bàn", "2018 - 2025")
    assert contains("giai đoạn 2018 – 2025", "2018-2025")
    assert contains("ban hành ngày 19/05/2022", "19 tháng 5 năm 2022")
    assert not contains("giai đoạn 2018-2020", "2018 - 2025")
