"""HR: the rule check and the targets table, from the facts of every indexed document (knowledge/factbase.py,
knowledge/check.py, knowledge/targets.py), `python -m knowledge targets`, and the portal's HR pages and API
(portal/hr.py): over the session index of the two sample documents, and an index with a synthetic third
document, so nothing is specific to the samples. The form and the table page run in Debian's real Chromium.

Screenshots go to each test's tmp folder, with a copy in PORTAL_SCREENSHOTS (default /work/briefs/screens when
that folder exists).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from actions.launch import free_port
from conftest import DOC_206, DOC_642, ROOT, write_docs
from knowledge.check import APPLIES, EXCLUDED, EXCLUDED_IF, Person, PersonInputError, check_person, person_from_input
from knowledge.cli import app as cli_app
from knowledge.factbase import FactCache, load_facts
from knowledge.index import IndexLoadError, add_documents, live_version
from knowledge.targets import TargetRow, TargetTable, csv_bytes, target_table, xlsx_bytes
from portal import create_app
from portal.app import SECURITY_HEADERS, SpeechState

runner = CliRunner()
NO_SPEECH = SpeechState(None, 10.0, 10 * 1024 * 1024)  # the HR pages need no speech
SCREENS = Path(os.environ.get("PORTAL_SCREENSHOTS") or "/work/briefs/screens")

# A third document of another province, subject, years and levels: nothing in the code knows it.
THIRD_ID = "27-KH-UBND-2023-Quang-Tri.txt"
THIRD = """ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Số: 27/KH-UBND
Quảng Trị, ngày 05 tháng 6 năm 2023
KẾ HOẠCH
Bồi dưỡng tiếng dân tộc thiểu số cho cán bộ, công chức, viên chức giai đoạn 2023 - 2028
I. ĐỐI TƯỢNG
1. Đối tượng áp dụng
a) Cán bộ, công chức cấp xã trên địa bàn tỉnh.
b) Viên chức làm việc tại các trạm y tế.
2. Đối tượng không áp dụng
a) Công chức công tác tại Ban Dân tộc (đối với vị trí việc làm yêu cầu bằng cử nhân ngôn ngữ dân tộc).
b) Giáo viên dạy môn tiếng dân tộc thiểu số.
II. MỤC TIÊU
- Đến năm 2026: 45% cán bộ, công chức cấp xã đạt chứng chỉ tiếng dân tộc thiểu số trình độ A; 30% viên chức đạt \
chứng chỉ tiếng dân tộc thiểu số trình độ A.
- Đến năm 2028: 75% cán bộ, công chức cấp xã đạt chứng chỉ tiếng dân tộc thiểu số trình độ B; 60% viên chức đạt \
chứng chỉ tiếng dân tộc thiểu số trình độ A.
"""
LABEL_206, LABEL_642, LABEL_27 = "Kế hoạch 206/KH-UBND", "Công văn 642/BNG-HVNG", "Kế hoạch 27/KH-UBND"

# The session index's targets as the documents state them: (group, level, {year: percent}).
TABLE_206 = [
    ("cán bộ, công chức", "bậc 4 trở lên", {2025: 25, 2030: 35}),
    ("viên chức", "bậc 4 trở lên", {2025: 60, 2030: 70}),
    ("viên chức giữ chức vụ lãnh đạo, quản lý", "bậc 4 trở lên", {2025: 50, 2030: 60}),
    ("cán bộ, công chức cấp xã", "bậc 3 trở lên", {2025: 20, 2030: 30}),
    ("cán bộ, công chức lãnh đạo, quản lý cấp xã", "bậc 3 trở lên", {2025: 15, 2030: 15}),
]
TABLE_27 = [
    ("cán bộ, công chức cấp xã", "trình độ A", {2026: 45}),
    ("viên chức", "trình độ A", {2026: 30, 2028: 60}),
    ("cán bộ, công chức cấp xã", "trình độ B", {2028: 75}),
]


def rows_of(table: TargetTable, label: str) -> list[tuple]:
    return [(r.group, r.level_text, r.percents) for r in table.rows if r.document == label]


@pytest.fixture(scope="module")
def facts(index_dir):
    return load_facts(index_dir)


@pytest.fixture(scope="module")
def three_docs(index_dir, tmp_path_factory, settings) -> Path:
    """A copy of the session index with the third document added (only its chunks are embedded)."""
    base = tmp_path_factory.mktemp("hr-three")
    target = base / "index"
    shutil.copytree(index_dir, target)
    add_documents([write_docs(base / "docs", {THIRD_ID: THIRD}) / THIRD_ID], target, settings, progress=False)
    return target


# ---------------------------------------------------------------------------------------------
# Facts only


def test_facts_load_without_the_embedding_model(index_dir, kb, monkeypatch) -> None:
    """The facts need neither the model (a configured model that does not exist changes nothing) nor the vectors."""
    monkeypatch.setenv("CCVC_EMBEDDING_MODEL", "/nonexistent/model")
    facts = load_facts(index_dir)
    assert list(facts.documents) == list(kb.documents)
    assert [f.to_dict() for f in facts.facts] == [f.to_dict() for f in kb.facts]
    assert facts.doc_label(DOC_206) == LABEL_206


def test_missing_or_corrupt_index_is_refused_clearly(tmp_path, index_copy) -> None:
    with pytest.raises(IndexLoadError, match="python -m knowledge build"):
        load_facts(tmp_path / "nowhere")
    broken = index_copy()
    with (live_version(broken) / "facts.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{}\n")
    with pytest.raises(IndexLoadError, match="facts.jsonl"):
        load_facts(broken)


def test_fact_cache_reloads_when_a_build_switches_the_index(index_copy, settings, tmp_path) -> None:
    target = index_copy()
    cache = FactCache(target)
    first = cache.get()
    assert cache.get() is first  # loaded once
    add_documents([write_docs(tmp_path / "docs", {THIRD_ID: THIRD}) / THIRD_ID], target, settings, progress=False)
    second = cache.get()
    assert second is not first and THIRD_ID in second.documents


# ---------------------------------------------------------------------------------------------
# The rule check over both documents, from the facts alone


def statuses(result) -> dict[str, str]:
    return {check.doc_id: check.status for check in result.documents}


def test_check_from_facts_equals_check_from_the_full_index(kb, facts) -> None:
    for person in [Person("công chức", "tỉnh", True, 35), Person(job="giáo viên tiếng Anh"), Person(tier="xã"),
                   Person("viên chức", workplace="Sở Ngoại vụ")]:
        assert check_person(facts, person).to_dict() == check_person(kb, person).to_dict()


def test_applies_with_targets_per_year(facts) -> None:
    result = check_person(facts, Person("công chức", "tỉnh", True, 35))
    (check,) = [c for c in result.documents if c.doc_id == DOC_206]
    assert check.status == APPLIES
    by_year = {t.year: (t.percent, t.level, t.group) for t in check.targets}
    assert by_year == {2025: (25, 4, "cán bộ, công chức"), 2030: (35, 4, "cán bộ, công chức")}  # 2025 vs 2030


def test_excluded_by_workplace_with_the_quote(facts) -> None:
    person = person_from_input(role="công chức", tier="tỉnh", workplace="Sở Ngoại vụ",
                               job="vị trí yêu cầu trình độ đại học ngoại ngữ")
    (check,) = [c for c in check_person(facts, person).documents if c.doc_id == DOC_206]
    assert check.status == EXCLUDED and check.targets == []
    assert "Sở Ngoại vụ" in check.reason
    assert any("Sở Ngoại vụ" in c.quote and "Đại học ngoại ngữ" in c.quote for c in check.citations)
    # The post's requirement not confirmed: only possibly excluded, and the targets still listed.
    (unsure,) = [c for c in check_person(facts, Person("công chức", "tỉnh", False, 30, "Sở Ngoại vụ")).documents
                 if c.doc_id == DOC_206]
    assert unsure.status == EXCLUDED_IF and [t.percent for t in unsure.targets] == [25, 35]


def test_excluded_by_job(facts) -> None:
    result = check_person(facts, person_from_input("em là giáo viên tiếng Anh"))
    (check,) = [c for c in result.documents if c.doc_id == DOC_206]
    assert check.status == EXCLUDED
    assert any("Giáo viên, giảng viên dạy môn ngoại ngữ" in c.quote for c in check.citations)


@pytest.mark.parametrize("person, expected", [
    (Person("viên chức", "tỉnh", True, 30), [(2025, 60), (2025, 50), (2030, 70), (2030, 60)]),
    (Person("viên chức", "tỉnh", False, 30), [(2025, 60), (2030, 70)]),
    (Person("cán bộ", "xã", True, 35), [(2025, 20), (2025, 15), (2030, 30), (2030, 15)]),
    (Person("cán bộ", "xã", True, 45), [(2025, 20), (2030, 30)]),  # "dưới 40 tuổi"
], ids=["vien-chuc-lanh-dao", "vien-chuc", "can-bo-xa-lanh-dao-35", "can-bo-xa-lanh-dao-45"])
def test_targets_per_group(facts, person: Person, expected: list) -> None:
    (check,) = [c for c in check_person(facts, person).documents if c.doc_id == DOC_206]
    assert [(t.year, t.percent) for t in check.targets] == expected


@pytest.mark.parametrize("person, status, targets", [
    (Person("công chức", "xã", False, 30), APPLIES, [(2026, 45, "A"), (2028, 75, "B")]),
    (Person("viên chức", workplace="trạm y tế xã"), APPLIES, [(2026, 30, "A"), (2028, 60, "A")]),
    (Person("công chức", "xã", None, None, "Ban Dân tộc", "vị trí yêu cầu bằng cử nhân ngôn ngữ dân tộc"), EXCLUDED, []),
    (Person(job="giáo viên dạy tiếng dân tộc thiểu số"), EXCLUDED, []),
], ids=["cong-chuc-xa", "vien-chuc-tram-y-te", "ban-dan-toc", "giao-vien"])
def test_third_document(three_docs, person: Person, status: str, targets: list) -> None:
    checks = {c.doc_id: c for c in check_person(load_facts(three_docs), person).documents}
    assert set(checks) == {DOC_206, DOC_642, THIRD_ID}
    check = checks[THIRD_ID]
    assert check.doc_label == LABEL_27 and check.status == status, check.reason
    assert [(t.year, t.percent, t.level) for t in check.targets] == targets
    assert all(c.quote in THIRD for c in check.citations + [t.citation for t in check.targets])


# ---------------------------------------------------------------------------------------------
# One reading of a person for the CLI, the API and the form


@pytest.mark.parametrize("kwargs, person", [
    ({"description": "công chức cấp xã, 35 tuổi, trưởng phòng"},
     Person("công chức", "xã", True, 35, title="trưởng phòng")),
    # a post the fields deny is not kept
    ({"description": "trưởng phòng cấp xã", "leader": "không"}, Person(None, "xã", False)),
    ({"description": "vien chuc cap xa", "role": "CC", "tier": "cấp tỉnh", "leader": "không", "age": "40"},
     Person("công chức", "tỉnh", False, 40)),
    ({"role": "viên chức", "leader": True, "age": 50, "workplace": " Sở  Ngoại vụ "},
     Person("viên chức", None, True, 50, "Sở Ngoại vụ")),
])
def test_person_from_input(kwargs: dict, person: Person) -> None:
    assert person_from_input(**kwargs) == person


@pytest.mark.parametrize("kwargs, field", [
    ({"role": "bác sĩ"}, "role"), ({"tier": "sao hỏa"}, "tier"), ({"leader": "có lẽ"}, "leader"),
    ({"age": "abc"}, "age"), ({"age": 300}, "age"), ({"age": True}, "age"), ({"age": 35.5}, "age"),
    ({"role": 5}, "role"), ({"job": "  "}, "job"), ({"workplace": "x" * 301}, "workplace"),
    ({"description": "x" * 1001}, "description"), ({}, None), ({"description": "xin chào"}, None),
])
def test_person_from_input_refuses_with_a_vietnamese_message(kwargs: dict, field: str | None) -> None:
    with pytest.raises(PersonInputError) as caught:
        person_from_input(**kwargs)
    assert caught.value.field == field
    message = caught.value.message()
    assert "\n" not in message and (field is None or "không hợp lệ" in message)


# ---------------------------------------------------------------------------------------------
# The targets table


def test_targets_table_of_the_session_index(facts) -> None:
    table = target_table(facts)
    assert table.years == [2025, 2030]
    assert rows_of(table, LABEL_206) == TABLE_206
    assert table.documents_without_targets == [LABEL_642]
    source = facts.documents[DOC_206].source
    for row in table.rows:
        assert row.subject == "ngoại ngữ" and row.sections and row.quotes
        assert all(" ".join(q.split()) in " ".join(source.split()) for q in row.quotes)
    (young,) = [r for r in table.rows if r.group == "cán bộ, công chức lãnh đạo, quản lý cấp xã"]
    assert "dưới 40 tuổi" in young.conditions


def test_targets_table_with_a_third_document(three_docs) -> None:
    table = target_table(load_facts(three_docs))
    assert table.years == [2025, 2026, 2028, 2030]  # the years the documents state, as columns
    assert rows_of(table, LABEL_206) == TABLE_206
    assert rows_of(table, LABEL_27) == TABLE_27  # one row per group and level
    assert all(r.subject == "tiếng dân tộc thiểu số" for r in table.rows if r.document == LABEL_27)
    assert table.documents_without_targets == [LABEL_642]
    data = json.loads(json.dumps(table.to_dict(), ensure_ascii=False))
    assert data["years"] == [2025, 2026, 2028, 2030]
    assert {"document": LABEL_27, "group": "viên chức", "percents": {"2026": 30, "2028": 60}}.items() <= \
        [r for r in data["rows"] if r["document"] == LABEL_27][1].items()


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Chỉ tiêu" and sheet.freeze_panes == "C2"
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def test_csv_and_xlsx_round_trip(three_docs) -> None:
    table = target_table(load_facts(three_docs))
    header = ["Văn bản", "Nhóm đối tượng", "Lĩnh vực", "Trình độ (bậc)", "2025", "2026", "2028", "2030",
              "Điều kiện", "Mục trích dẫn", "Nguyên văn"]
    rows = read_csv(csv_bytes(table))
    assert rows[0] == header and len(rows) == 1 + len(TABLE_206) + len(TABLE_27)
    assert rows[1][:8] == [LABEL_206, "cán bộ, công chức", "ngoại ngữ", "bậc 4 trở lên", "25%", "", "", "35%"]
    assert rows[-1][:8] == [LABEL_27, "cán bộ, công chức cấp xã", "tiếng dân tộc thiểu số", "trình độ B", "", "",
                            "75%", ""]
    assert all(row[9] and row[10] for row in rows[1:])  # section and quote of every row

    book = load_workbook(io.BytesIO(xlsx_bytes(table)))
    sheet = book.active
    values = read_xlsx(xlsx_bytes(table))
    assert list(values[0]) == header and len(values) == len(rows)
    assert values[1][:8] == (LABEL_206, "cán bộ, công chức", "ngoại ngữ", "bậc 4 trở lên", 0.25, None, None, 0.35)
    assert sheet["E2"].number_format == "0%" and sheet["E2"].data_type == "n"
    for csv_row, xlsx_row in zip(rows[1:], values[1:]):  # same table both ways
        assert csv_row[:4] == list(xlsx_row[:4]) and csv_row[8:] == [v or "" for v in xlsx_row[8:]]
        assert csv_row[4:8] == [f"{round(v * 100):g}%" if v is not None else "" for v in xlsx_row[4:8]]


def test_spreadsheet_cells_never_become_formulas() -> None:
    row = TargetRow("d", "=HYPERLINK(\"http://x\")", "", "+cmd", "", None, "@SUM(A1)", {2025: 12.5},
                    ["-1+1"], ["=s"], ["=q"])
    table = TargetTable([2025], [row], [])
    csv_row = read_csv(csv_bytes(table))[1]
    assert csv_row == ["'=HYPERLINK(\"http://x\")", "'+cmd", "", "'@SUM(A1)", "12,5%", "'-1+1", "'=s", "'=q"]
    book = load_workbook(io.BytesIO(xlsx_bytes(table)))
    cells = list(book.active.iter_rows(min_row=2))[0]
    assert [c.data_type for c in cells] == ["s", "s", "n", "s", "n", "s", "s", "s"]
    assert cells[0].value == "=HYPERLINK(\"http://x\")" and cells[4].value == 0.125
    assert cells[4].number_format == "0.0%"


# ---------------------------------------------------------------------------------------------
# python -m knowledge targets / check


def run(*args: str):
    return runner.invoke(cli_app, list(args))


def test_cli_targets_text_and_json(three_docs) -> None:
    result = run("targets", "--index", str(three_docs))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert re.search(r"2025\s+2026\s+2028\s+2030", text)
    assert re.search(r"viên chức · ngoại ngữ bậc 4 trở lên\s+60%\s+—\s+—\s+70%", text)
    assert re.search(r"viên chức · tiếng dân tộc thiểu số trình độ A\s+—\s+30%\s+60%\s+—", text)
    assert "Văn bản không nêu chỉ tiêu: Công văn 642/BNG-HVNG." in text
    data = json.loads(run("targets", "--index", str(three_docs), "--json").stdout)
    assert data == json.loads(json.dumps(target_table(load_facts(three_docs)).to_dict(), ensure_ascii=False))


def test_cli_targets_files(index_dir, tmp_path) -> None:
    csv_path, xlsx_path = tmp_path / "chi-tieu.csv", tmp_path / "chi-tieu.xlsx"
    result = run("targets", "--index", str(index_dir), "--csv", str(csv_path), "--xlsx", str(xlsx_path))
    assert result.exit_code == 0, result.output
    assert str(csv_path) in result.stdout and str(xlsx_path) in result.stdout
    table = target_table(load_facts(index_dir))
    assert csv_path.read_bytes() == csv_bytes(table)
    assert read_xlsx(xlsx_path.read_bytes()) == read_xlsx(xlsx_bytes(table))
    printed = run("targets", "--index", str(index_dir), "--csv", "-")
    assert printed.exit_code == 0 and printed.stdout_bytes == csv_bytes(table)[3:]  # no BOM on a terminal


@pytest.mark.parametrize("args", [["--index", "{tmp}/nowhere"], ["--xlsx", "{tmp}/no/such/folder/x.xlsx"]])
def test_cli_targets_errors_are_one_line(index_dir, tmp_path, args: list[str]) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    result = run("targets", *(["--index", str(index_dir)] if "--index" not in args else []), *args)
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert message.startswith("Lỗi:") and len(message.splitlines()) == 1 and "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------
# The portal: API and pages (the real app in-process, the real session index through CCVC_INDEX_DIR)


@pytest.fixture
def portal_client(monkeypatch):
    """client(index_dir) → a TestClient of the real portal app whose knowledge settings name that index."""
    from test_portal import portal_settings

    clients = []

    def make(index: Path) -> TestClient:
        monkeypatch.setenv("CCVC_INDEX_DIR", str(index))
        client = TestClient(create_app(portal_settings("http://127.0.0.1:9"), NO_SPEECH))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_api_check_is_the_cli_check(portal_client, index_dir) -> None:
    client = portal_client(index_dir)
    body = {"description": "vien chuc cap xa", "role": "CC", "tier": "cấp tỉnh", "leader": False,
            "workplace": "Sở Ngoại vụ", "job": "vị trí yêu cầu trình độ đại học ngoại ngữ"}
    response = client.post("/api/check", json=body)
    assert response.status_code == 200
    data = response.json()
    cli = run("check", "vien chuc cap xa", "--role", "CC", "--tier", "cấp tỉnh", "--no-leader", "--workplace",
              "Sở Ngoại vụ", "--job", "vị trí yêu cầu trình độ đại học ngoại ngữ", "--index", str(index_dir), "--json")
    assert cli.exit_code == 0 and data == json.loads(cli.stdout)
    assert {d["doc_id"]: d["status"] for d in data["documents"]}[DOC_206] == EXCLUDED
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_api_check_targets_per_group_and_year(portal_client, index_dir) -> None:
    client = portal_client(index_dir)
    data = client.post("/api/check", json={"role": "viên chức", "leader": "có", "age": 30}).json()
    (doc,) = [d for d in data["documents"] if d["doc_id"] == DOC_206]
    assert doc["status"] == APPLIES
    assert [(t["year"], t["percent"], t["group"]) for t in doc["targets"]] == [
        (2025, 60, "viên chức"), (2025, 50, "viên chức giữ chức vụ lãnh đạo, quản lý"),
        (2030, 70, "viên chức"), (2030, 60, "viên chức giữ chức vụ lãnh đạo, quản lý")]
    assert all(t["citation"]["quote"] and t["citation"]["doc"] == LABEL_206 for t in doc["targets"])


@pytest.mark.parametrize("send, status, code, words", [
    ({"json": {"role": "bác sĩ"}}, 422, "invalid_person", ["Vai trò", "cán bộ, công chức, viên chức"]),
    ({"json": {"age": "abc"}}, 422, "invalid_person", ["Tuổi", "16", "80"]),
    ({"json": {}}, 422, "empty_person", ["Hãy mô tả"]),
    ({"json": {"ten": "A"}}, 422, "unknown_field", ["ten", "role"]),
    ({"json": ["công chức"]}, 422, "not_an_object", ["JSON"]),
    ({"content": b"{oops", "headers": {"content-type": "application/json"}}, 400, "bad_json", ["JSON"]),
    ({"content": b"role=cc", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415,
     "unsupported_media_type", ["JSON"]),
    ({"content": b"{" + b" " * 20000 + b"}", "headers": {"content-type": "application/json"}}, 413, "too_large",
     ["quá lớn"]),
])
def test_api_check_bad_input(portal_client, index_dir, send: dict, status: int, code: str, words: list) -> None:
    response = portal_client(index_dir).post("/api/check", **send)
    assert response.status_code == status
    data = response.json()
    assert data["error"] == code and all(word in data["message"] for word in words), data


def test_missing_index_gives_a_clear_message(portal_client, tmp_path) -> None:
    client = portal_client(tmp_path / "no-index")
    response = client.post("/api/check", json={"role": "công chức"})
    assert response.status_code == 503 and response.json()["error"] == "no_index"
    assert "make index" in response.json()["message"] and str(tmp_path) not in response.json()["message"]
    page = client.get("/chi-tieu")
    assert page.status_code == 503 and "Chưa hiển thị được bảng chỉ tiêu" in page.text
    assert client.get("/chi-tieu.xlsx").status_code == 503
    form = client.post("/kiem-tra", data={"role": "công chức"})
    assert form.status_code == 503 and "make index" in form.text


def test_the_portal_follows_a_rebuilt_index(portal_client, index_copy, settings, tmp_path) -> None:
    target = index_copy()
    client = portal_client(target)
    before = client.post("/api/check", json={"role": "công chức", "tier": "xã"}).json()
    assert [d["doc_id"] for d in before["documents"]] == [DOC_206, DOC_642]
    add_documents([write_docs(tmp_path / "docs", {THIRD_ID: THIRD}) / THIRD_ID], target, settings, progress=False)
    after = client.post("/api/check", json={"role": "công chức", "tier": "xã"}).json()
    (third,) = [d for d in after["documents"] if d["doc_id"] == THIRD_ID]
    assert third["status"] == APPLIES and [t["percent"] for t in third["targets"]] == [45, 75]
    assert LABEL_27 in client.get("/chi-tieu").text


def test_pages_and_downloads(portal_client, three_docs) -> None:
    client = portal_client(three_docs)
    table = target_table(load_facts(three_docs))
    page = client.get("/chi-tieu")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    assert page.text.count("<tr>") == 1 + len(table.rows) and page.text.count("<tbody>") == 2
    assert all(f">{year}</th>" in page.text for year in table.years)
    csv_response = client.get("/chi-tieu.csv")
    assert csv_response.headers["content-disposition"] == 'attachment; filename="chi-tieu.csv"'
    assert csv_response.content == csv_bytes(table)
    xlsx_response = client.get("/chi-tieu.xlsx")
    assert xlsx_response.headers["content-type"] == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert read_xlsx(xlsx_response.content) == read_xlsx(xlsx_bytes(table))
    main_page = client.get("/")
    assert 'href="/kiem-tra"' in main_page.text and 'href="/chi-tieu"' in main_page.text


def test_form_page_renders_the_result_and_escapes_input(portal_client, index_dir) -> None:
    client = portal_client(index_dir)
    empty = client.get("/kiem-tra")
    assert empty.status_code == 200 and '<label for="role">' in empty.text and 'id="ket-qua"' in empty.text
    injection = "<script>alert(1)</script>"
    response = client.post("/kiem-tra", data={"role": "công chức", "tier": "tỉnh", "leader": "", "age": "",
                                              "workplace": "Sở Ngoại vụ " + injection, "job": ""})
    assert response.status_code == 200
    assert injection not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert 'data-status="excluded_if"' in response.text and "CÓ THỂ BỊ LOẠI TRỪ" in response.text
    bad = client.post("/kiem-tra", data={"age": "abc" + injection})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and injection not in bad.text
    assert "Tuổi &#39;abc&lt;script&gt;" in bad.text


# ---------------------------------------------------------------------------------------------
# The real portal process: facts only, no embedding model


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


def test_portal_process_serves_hr_without_the_embedding_model(index_dir, tmp_path) -> None:
    port = free_port()
    env = {**os.environ, "PORTAL_HOST": "127.0.0.1", "PORTAL_PORT": str(port), "CCVC_INDEX_DIR": str(index_dir),
           "CCVC_EMBEDDING_MODEL": str(tmp_path / "no-model"), "VOSK_MODEL_PATH": str(tmp_path / "no-vosk"),
           "SPEECH_ENGINE": "vosk",
           "RASA_URL": "http://127.0.0.1:9", "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "portal.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "portal"], cwd=tmp_path, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/kiem-tra", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "portal.log").read_text()
            time.sleep(0.2)
        before = rss_kib(process.pid)
        response = httpx.post(url + "/api/check", json={"description": "công chức cấp xã, 35 tuổi, trưởng phòng"},
                              timeout=30)
        assert response.status_code == 200, response.text
        assert httpx.get(url + "/chi-tieu.xlsx", timeout=30).status_code == 200
        after = rss_kib(process.pid)
        maps = Path(f"/proc/{process.pid}/maps").read_text()
        assert "libtorch" not in maps and "onnxruntime" not in maps  # no model runtime was loaded
        print(f"portal RSS: {before / 1024:.0f} MiB before the first HR request, {after / 1024:.0f} MiB after")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# ---------------------------------------------------------------------------------------------
# The pages in real Chromium (keyboard only), screenshots


@pytest.fixture(scope="module")
def running_portal(three_docs):
    """The portal served by uvicorn on a free loopback port, its knowledge settings naming the three-document index."""
    from test_portal import RunningPortal, portal_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CCVC_INDEX_DIR", str(three_docs))
        with RunningPortal(portal_settings("http://127.0.0.1:9"), NO_SPEECH) as running:
            yield running


@pytest.fixture
def browser_page(tmp_path):
    """A page of a fresh headless Chromium (Debian's); page errors and console errors (CSP violations) fail the
    test."""
    from playwright.sync_api import sync_playwright

    from test_portal_browser import CHROMIUM, QUIET

    errors: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="vi-VN",
                                      accept_downloads=True)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and not message.text.endswith(
            "status of 422 (Unprocessable Entity)") and errors.append(message.text))  # 422: a form with errors
        yield page
        browser.close()
    assert not errors, errors


def screenshot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if SCREENS.is_dir() or os.environ.get("PORTAL_SCREENSHOTS"):
        SCREENS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENS / path.name)
    return path


def tab_to(page, element_id: str, limit: int = 30) -> None:
    """Press Tab until the element has the focus (what a keyboard user does)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got the focus")


def test_check_form_by_keyboard_in_chromium(browser_page, running_portal, tmp_path) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.goto(running_portal.url + "/")
    page.get_by_role("link", name="Kiểm tra đối tượng").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(running_portal.url + "/kiem-tra")
    expect(page.get_by_role("link", name="Kiểm tra đối tượng")).to_have_attribute("aria-current", "page")
    tab_to(page, "role")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # — chưa rõ — → Cán bộ → Công chức
    expect(page.get_by_label("Vai trò")).to_have_value("công chức")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # — chưa rõ — → Cấp trung ương → Cấp tỉnh
    expect(page.get_by_label("Cấp công tác")).to_have_value("tỉnh")
    page.keyboard.press("Tab")  # the checked radio: Chưa rõ
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # → Không
    expect(page.get_by_role("radio", name="Không")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("30")
    page.keyboard.press("Tab")
    page.keyboard.type("Sở Ngoại vụ")
    page.keyboard.press("Tab")
    page.keyboard.type("vị trí yêu cầu trình độ đại học ngoại ngữ")
    page.keyboard.press("Enter")

    results = page.locator("#ket-qua")
    expect(results.get_by_role("heading", name="Kết quả kiểm tra")).to_be_visible()
    plan = results.locator("article.doc-check", has_text=LABEL_206)
    expect(plan).to_have_attribute("data-status", "excluded")
    expect(plan.locator(".status")).to_have_text("KHÔNG ÁP DỤNG (đối tượng loại trừ)")
    expect(plan.locator(".cite-quote").first).to_contain_text("Sở Ngoại vụ")
    # The same person in the third document: a công chức of the tỉnh tier is not covered by a plan for cấp xã.
    expect(results.locator("article.doc-check", has_text=LABEL_27)).to_have_attribute("data-status", "not_covered")
    expect(page.get_by_label("Nơi công tác")).to_have_value("Sở Ngoại vụ")  # the form keeps what was typed
    screenshot(page, tmp_path, "hr-check-excluded")

    # A job instead: the targets per year of a plan that applies.
    page.get_by_label("Nơi công tác").fill("")
    page.get_by_label("Công việc, vị trí việc làm").fill("")
    page.get_by_label("Cấp công tác").select_option("xã")
    page.get_by_label("Công việc, vị trí việc làm").press("Enter")
    plan = page.locator("article.doc-check", has_text=LABEL_27)
    expect(plan).to_have_attribute("data-status", "applies")
    rows = plan.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("2026")
    expect(rows.nth(0)).to_contain_text("45%")
    expect(rows.nth(1)).to_contain_text("2028")
    expect(rows.nth(1)).to_contain_text("75%")
    screenshot(page, tmp_path, "hr-check-applies")


def test_check_form_errors_are_announced_and_linked(browser_page, running_portal, tmp_path) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.goto(running_portal.url + "/kiem-tra")
    page.get_by_label("Tuổi").fill("<b>")
    page.get_by_label("Tuổi").press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Tuổi '<b>' không hợp lệ")  # shown as text
    expect(page.get_by_label("Tuổi")).to_have_attribute("aria-invalid", "true")
    alert.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Tuổi")).to_be_focused()
    screenshot(page, tmp_path, "hr-check-error")


def test_targets_page_and_xlsx_download_in_chromium(browser_page, running_portal, three_docs, tmp_path) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.goto(running_portal.url + "/")
    page.get_by_role("link", name="Bảng chỉ tiêu").click()
    table = page.get_by_role("table", name=re.compile("Chỉ tiêu theo văn bản"))
    expect(table.locator("thead th")).to_have_text(["Văn bản", "Nhóm đối tượng", "Lĩnh vực", "Trình độ (bậc)", "2025",
                                                    "2026", "2028", "2030", "Điều kiện", "Trích dẫn"])
    expect(table.locator("tbody tr")).to_have_count(len(TABLE_206) + len(TABLE_27))
    first = table.locator("tbody tr").first
    expect(first.locator("td.num")).to_have_text(["25%", "—", "—", "35%"])
    screenshot(page, tmp_path, "hr-targets-table")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "chi-tieu.xlsx"
    assert read_xlsx(saved.read_bytes()) == read_xlsx(xlsx_bytes(target_table(load_facts(three_docs))))
