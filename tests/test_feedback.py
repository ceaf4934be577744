"""Feedback and the report for real: 👍 / 👎 sent to the session's real Rasa + action servers (the `assistant`
fixture, which keeps its conversations in a SQLite tracker store of its own), read back from that store by
nlu/conversations.py and turned into the report by nlu/report.py; the portal's /api/feedback and its admin pages in
front of the same servers.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from nlu.conversations import Feedback, Turn, iter_turns, open_store
from nlu.report import (CSV_HEADER, LOW, NOT_ANSWERED, THUMBS_DOWN, Flagged, build_report, group, reasons_of, to_csv,
                        to_html, words)
from nlu.settings import ReportSettings
from portal.app import SpeechState

import rasa_chat
from test_portal import RunningPortal, assert_vietnamese_error, portal_settings

THANKS = "Cảm ơn bạn đã góp ý."
ANSWER_ID = re.compile(r"^[0-9a-f]{32}$")
ADMIN_TOKEN = "admin-" + uuid.uuid4().hex


class Chat(rasa_chat.Chat):
    def __init__(self, rasa_url: str) -> None:
        super().__init__(rasa_url, prefix="test-feedback")

    def answer(self, question: str) -> dict:
        """The custom payload of the answer to `question`."""
        payload = next(m["custom"] for m in self.say(question) if "custom" in m)
        assert ANSWER_ID.match(payload["answer_id"]), payload
        return payload


def feedback(rating: str, answer_id: str, comment: str = "") -> str:
    import json

    return "/feedback" + json.dumps({"rating": rating, "answer_id": answer_id,
                                     **({"comment": comment} if comment else {})}, ensure_ascii=False)


def records_of(assistant, sender: str) -> list[Turn | Feedback]:
    return [r for r in iter_turns(open_store(assistant.tracker_store_url)) if r.sender_id == sender]


# --- through the real Rasa server ----------------------------------------------------------------------------


def test_feedback_is_thanked_stored_and_leaves_the_follow_up_context(assistant):
    chat = Chat(assistant.rasa_url)
    first = chat.answer("Chỉ tiêu năm 2025 đối với công chức là bao nhiêu?")
    assert "25%" in first["answer"]
    up = chat.say(feedback("up", first["answer_id"]))
    assert [m["text"] for m in up if m.get("text")] == [THANKS]
    assert any(m.get("custom", {}).get("kind") == "feedback" for m in up)
    assert "35%" in chat.text("còn năm 2030 thì sao?")  # the 👍 did not break the follow-up context
    second = chat.answer("Đến năm 2030 bao nhiêu phần trăm viên chức phải đạt bậc 4?")
    down = chat.text(feedback("down", second["answer_id"]))
    assert down.startswith(THANKS) and "góp ý ngắn" in down  # a comment is invited
    assert chat.text(feedback("down", second["answer_id"], "Thiếu chỉ tiêu của cấp xã")) == THANKS

    records = records_of(assistant, chat.sender)
    stored = [r for r in records if isinstance(r, Feedback)]
    assert [(f.rating, f.answer_id, f.comment) for f in stored] == [
        ("up", first["answer_id"], None), ("down", second["answer_id"], None),
        ("down", second["answer_id"], "Thiếu chỉ tiêu của cấp xã")]
    questions = [r.text for r in records if isinstance(r, Turn)]
    assert not any(q.startswith("/feedback") for q in questions)  # feedback is not a question


@pytest.mark.parametrize("junk", ["/feedback", "/feedback{", '/feedback{"rating": 5, "answer_id": ["x"]}',
                                  '/feedback{"rating": "down", "mood": "xấu"}', '/feedback{"comment": "}{"}trailing',
                                  '/feedback"><script>alert(1)</script>'])
def test_typed_feedback_junk_gets_a_polite_reply(assistant, junk):
    chat = Chat(assistant.rasa_url)
    replies = chat.say(junk)
    texts = "\n".join(m.get("text", "") for m in replies)
    if "script" in junk:  # not the feedback intent at all: Rasa reads it as words, and answers them
        assert texts.strip()
    else:
        assert texts.startswith(THANKS), texts
    assert "Nguyễn Xuân Bình" in chat.text("Kế hoạch 206 do ai ký?")  # and the conversation goes on


def test_feedback_in_the_middle_of_the_check_keeps_the_check(assistant):
    chat = Chat(assistant.rasa_url)
    answer = chat.answer("Kế hoạch 206 do ai ký?")
    assert "cán bộ, công chức hay viên chức" in chat.text("Kiểm tra giúp tôi có thuộc đối tượng phải học không")
    reply = chat.text(feedback("up", answer["answer_id"]))
    assert THANKS in reply and "cán bộ, công chức hay viên chức" in reply  # thanked, then asked again
    assert "cấp nào" in chat.text("viên chức")


def test_the_report_lists_low_confidence_unanswered_and_thumbs_down_grouped(assistant, tmp_path):
    chat = Chat(assistant.rasa_url)
    # Other tests share the store: the report is built from this test's start on (tests run one at a time). The
    # questions stay as officials type them: a made-up word in them would change what the assistant answers.
    started = datetime.now(timezone.utc)
    off_topic = ["Giá vàng hôm nay bao nhiêu?", "gia vang hom nay bao nhieu", "Giá vàng hôm nay bao nhiêu ạ?"]
    for question in off_topic:
        chat.say(question)
    disliked_question = "Sở Tài chính có nhiệm vụ gì?"
    disliked = chat.answer(disliked_question)
    chat.say(feedback("down", disliked["answer_id"]))
    chat.say(feedback("down", disliked["answer_id"], "Chưa nêu <b>kinh phí</b> cụ thể"))
    liked_question = "Kế hoạch 206 ban hành ngày nào?"
    liked = chat.answer(liked_question)
    chat.say(feedback("up", liked["answer_id"]))
    taken_back_question = "Công văn 642 do cơ quan nào ban hành?"
    taken_back = chat.answer(taken_back_question)
    chat.say(feedback("down", taken_back["answer_id"]))
    chat.say(feedback("up", taken_back["answer_id"]))  # changed their mind: the 👍 counts
    chat.say(feedback("down", "0" * 32))  # names no answer in the store

    # Low confidence: just above this answer's own confidence, so it must be listed as such.
    settings = ReportSettings(report_low_confidence=liked["confidence"] + 0.001)
    report = build_report(open_store(assistant.tracker_store_url), since=started, settings=settings)
    assert {q.sender_id for g in report.groups for q in g.questions} == {chat.sender}
    ours = {g.title: g for g in report.groups}

    gold = next(g for g in ours.values() if "vàng" in g.title or "vang" in g.title)
    assert len(gold.questions) == 3  # one group for the three wordings
    assert {text for text, _ in gold.wordings} == set(off_topic)
    assert gold.reasons[NOT_ANSWERED] >= 3
    finance = ours[disliked_question]
    assert THUMBS_DOWN in finance.reasons and finance.comments == ["Chưa nêu <b>kinh phí</b> cụ thể"]
    assert finance.latest_answer and "Sở Tài chính" in finance.latest_answer
    assert ours[liked_question].reasons == {LOW: 1}  # listed for its confidence, not for the 👍
    assert taken_back_question not in ours or THUMBS_DOWN not in ours[taken_back_question].reasons
    assert report.feedback_unmatched >= 1
    assert timedelta(0) <= datetime.now(timezone.utc) - gold.first < timedelta(hours=1)

    page = to_html(report)
    assert "Chưa nêu &lt;b&gt;kinh phí&lt;/b&gt; cụ thể" in page and "<b>kinh phí</b>" not in page
    rows = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    assert rows[0] == CSV_HEADER
    row = next(r for r in rows if r[0] == disliked_question)
    assert row[6] == "1" and row[7] == "Chưa nêu <b>kinh phí</b> cụ thể"


def test_python_m_nlu_report_writes_html_and_csv(assistant, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    chat = Chat(assistant.rasa_url)
    question = f"Thời tiết Hải Phòng {uuid.uuid4().hex[:6]} thế nào?"
    chat.say(question)
    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "nlu.report", "--out", str(out), "--url",
                             assistant.tracker_store_url, "--since", f"{datetime.now(timezone.utc):%Y-%m-%d}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "câu hỏi cần xem lại" in result.stdout
    data = (out / "report.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    assert question in data.decode("utf-8-sig")
    assert question in (out / "report.html").read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "nlu.report", "--since", "hôm qua", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    broken = subprocess.run([sys.executable, "-m", "nlu.report", "--out", str(out), "--url",
                             "postgresql://hr:s3cret-pw@127.0.0.1:1/none"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert broken.returncode == 1 and "Lỗi" in broken.stderr and "s3cret-pw" not in broken.stderr + broken.stdout


# --- the report's own rules, on records made here ----------------------------------------------------------


def test_words_fold_accents_case_punctuation_fillers_and_abbreviations():
    assert words("Đối tượng áp dụng là ai ạ?") == words("doi tuong ap dung LA AI") == {"doi", "tuong", "ap", "dung",
                                                                                        "ai"}
    assert words("CCVC cần đạt gì?") == words("công chức viên chức cần đạt gì")


def test_grouping_is_by_shared_words_and_explains_itself():
    now = datetime.now(timezone.utc)

    def q(text: str, minutes: int = 0) -> Flagged:
        return Flagged(text, now - timedelta(minutes=minutes), {NOT_ANSWERED})

    groups = group([q("Thủ tục cấp hộ chiếu thế nào?", 5), q("thu tuc cap ho chieu the nao"), q("Cấp hộ chiếu ở đâu?"),
                    q("Lương hưu tính thế nào?"), q("Thủ tục cấp hộ chiếu thế nào?", 1)], threshold=0.6)
    assert [g.count for g in groups] == [3, 1, 1]
    assert groups[0].title == "Thủ tục cấp hộ chiếu thế nào?" and groups[0].wordings[0][1] == 2
    assert groups[0].first == now - timedelta(minutes=5)
    assert len(group([q("Thủ tục cấp hộ chiếu thế nào?"), q("Cấp hộ chiếu ở đâu?")], threshold=0.3)) == 1


def test_reasons_of_a_turn():
    now = datetime.now(timezone.utc)
    from nlu.conversations import Reply

    def turn(intent: str, custom: dict | None, replies: int = 1) -> Turn:
        return Turn("s", now, "câu hỏi", intent, 0.9,
                    replies=tuple(Reply("trả lời", custom) for _ in range(replies)))

    assert reasons_of(turn("ask_target", {"answered": True, "confidence": 0.9}), 0.5) == set()
    assert reasons_of(turn("ask_target", {"answered": True, "confidence": 0.3}), 0.5) == {LOW}
    assert reasons_of(turn("ask_target", {"answered": False, "confidence": 0.1}), 0.5) == {NOT_ANSWERED}
    assert reasons_of(turn("out_of_scope", None), 0.5) == {NOT_ANSWERED}
    assert reasons_of(turn("nlu_fallback", None), 0.5) == {NOT_ANSWERED}
    assert reasons_of(turn("greet", None), 0.5) == set()
    assert reasons_of(turn("ask_target", None, replies=0), 0.5) == {NOT_ANSWERED}  # nothing came back


def test_csv_cells_never_run_as_formulas():
    now = datetime.now(timezone.utc)
    from nlu.report import Report

    report = Report(group([Flagged("=HYPERLINK(\"http://x\")", now, {NOT_ANSWERED})], 0.6), None, now, 1, 0, 0, 0.5)
    rows = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"


def test_report_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("REPORT_LOW_CONFIDENCE", "0.65")
    monkeypatch.setenv("REPORT_SIMILARITY", "0.5")
    assert ReportSettings.load().report_low_confidence == 0.65
    assert ReportSettings.load().report_similarity == 0.5
    monkeypatch.setenv("REPORT_LOW_CONFIDENCE", "cao")
    with pytest.raises(ValueError, match="REPORT_LOW_CONFIDENCE"):
        ReportSettings.load()


# --- the portal: /api/feedback and the admin pages ------------------------------------------------------------


@pytest.fixture(scope="module")
def portal(assistant):
    import os

    previous = os.environ.get("TRACKER_STORE_URL")
    os.environ["TRACKER_STORE_URL"] = assistant.tracker_store_url  # the admin pages read the assistant's store
    settings = portal_settings(assistant.rasa_url, portal_admin_token=ADMIN_TOKEN)
    try:
        with RunningPortal(settings, SpeechState(None, 10.0, 1024)) as running:
            yield running
    finally:
        if previous is None:
            os.environ.pop("TRACKER_STORE_URL", None)
        else:
            os.environ["TRACKER_STORE_URL"] = previous


def test_portal_feedback_joins_the_session_conversation_and_reaches_the_report(portal, assistant):
    with httpx.Client(base_url=portal.url, timeout=60) as client:
        marker = uuid.uuid4().hex[:6]
        question = f"Sở Nội vụ {marker} có nhiệm vụ gì?"
        messages = client.post("/api/ask", json={"message": question}).json()["messages"]
        answer_id = next(m["custom"]["answer_id"] for m in messages if m.get("custom"))
        down = client.post("/api/feedback", json={"answer_id": answer_id, "rating": "down"})
        assert down.status_code == 200 and down.json()["messages"][0]["text"].startswith(THANKS)
        comment = client.post("/api/feedback", json={"answer_id": answer_id, "rating": "down",
                                                     "comment": "  Thiếu\tphần\nphối hợp  "})
        assert comment.json()["messages"][0]["text"] == THANKS

        page = client.get("/admin/report", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert question in page.text and "Thiếu phần phối hợp" in page.text
        assert '<link rel="stylesheet" href="/admin/report.css">' in page.text and "<style>" not in page.text
        assert client.get("/admin/report.css").status_code == 200
        linked = client.get(f"/admin/report?token={ADMIN_TOKEN}&since={datetime.now(timezone.utc):%Y-%m-%d}")
        assert linked.status_code == 200 and "/admin/report.csv?since=" in linked.text and ADMIN_TOKEN in linked.text
        sheet = client.get(f"/admin/report.csv?token={ADMIN_TOKEN}")
        assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
        assert "attachment" in sheet.headers["content-disposition"]
        assert sheet.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
        assert rows[0] == CSV_HEADER and any(r[0] == question and "Thiếu phần phối hợp" in r[7] for r in rows)


@pytest.mark.parametrize("body, status", [
    ({"answer_id": "x" * 32, "rating": "down"}, 422),
    ({"answer_id": "a" * 32, "rating": "meh"}, 422),
    ({"answer_id": "a" * 32, "rating": "down", "comment": "dài " * 200}, 422),
    ({"answer_id": "a" * 32, "rating": "down", "comment": 5}, 422),
    (["up"], 422),
])
def test_portal_feedback_refuses_bad_input_in_vietnamese(portal, body, status):
    assert_vietnamese_error(httpx.post(f"{portal.url}/api/feedback", json=body, timeout=30), status)


def test_portal_feedback_needs_json(portal):
    assert_vietnamese_error(httpx.post(f"{portal.url}/api/feedback", content=b"up", timeout=30), 415)
    assert_vietnamese_error(httpx.post(f"{portal.url}/api/feedback", content=b"{up",
                                       headers={"Content-Type": "application/json"}, timeout=30), 400)


def test_admin_pages_need_the_token(portal, assistant):
    for path in ("/admin/report", "/admin/report.csv"):
        assert_vietnamese_error(httpx.get(portal.url + path, timeout=30), 401)
        assert_vietnamese_error(httpx.get(portal.url + path, headers={"Authorization": "Bearer wrong"}, timeout=30),
                                401)
        assert_vietnamese_error(httpx.get(f"{portal.url}{path}?token={ADMIN_TOKEN[:-1]}", timeout=30), 401)
    assert_vietnamese_error(httpx.get(f"{portal.url}/admin/report?token={ADMIN_TOKEN}&since=hôm-qua", timeout=30), 422)
    with RunningPortal(portal_settings(assistant.rasa_url), SpeechState(None, 10.0, 1024)) as off:
        body = assert_vietnamese_error(httpx.get(f"{off.url}/admin/report?token=anything", timeout=30), 404)
        assert "PORTAL_ADMIN_TOKEN" in body["message"]
