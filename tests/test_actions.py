"""Custom actions run directly (rasa-sdk Tracker and dispatcher), over the real session index:
(message, intent, slots) → the reply and the events."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from conftest import DOC_206, DOC_642, ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def session_index(kb, monkeypatch):
    monkeypatch.setattr(actions, "knowledge_index", lambda: kb)


def tracker(text: str, intent: str = "nlu_fallback", slots: dict | None = None,
            requested_slot: str | None = None, active_loop: str | None = None) -> Tracker:
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {}, requested_slot=requested_slot)
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return Tracker("tester", all_slots, message, [], False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run(action, track: Tracker) -> tuple[list[dict], list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, DOMAIN))
    return dispatcher.messages, events


def context_of(events: list) -> dict:
    return next(e["value"] for e in events if e["event"] == "slot" and e["name"] == "answer_context")


@pytest.mark.parametrize("text, intent, slots, facts, context", [
    ("Chỉ tiêu năm 2025 đối với công chức là bao nhiêu?", "ask_target", {}, ["25%", "bậc 4"],
     {"kind": "target", "year": 2025, "doc_id": DOC_206}),
    ("còn năm 2030 thì sao?", "follow_up",
     {"answer_context": {"kind": "target", "doc_id": DOC_206, "year": 2025, "group": "công chức"}},
     ["35%"], {"kind": "target", "year": 2030, "group": "công chức"}),
    ("thế còn viên chức?", "follow_up",
     {"answer_context": {"kind": "target", "doc_id": DOC_206, "year": 2030, "group": "công chức"}},
     ["70%"], {"year": 2030, "group": "viên chức"}),
    ("số điện thoại của người đó?", "ask_contact",
     {"answer_context": {"kind": "contact", "doc_id": DOC_642, "contact": "Trịnh Thị Thu Huyền"}},
     ["0977851323"], {"kind": "contact", "doc_id": DOC_642}),
    # A group, a year and "bao nhiêu": knowledge reads a target (the same as `python -m knowledge ask`).
    ("viên chức 2030 bao nhiêu", "ask_target", {}, ["70%"], {"kind": "target"}),
    ("viên chức 2030 bao nhiêu", "nlu_fallback", {}, ["70%"], {"kind": "target"}),
])
def test_answer_question(text, intent, slots, facts, context):
    messages, events = run(actions.ActionAnswerQuestion(), tracker(text, intent, slots))
    assert len(messages) == 1
    reply = messages[0]
    for fact in facts:
        assert fact in reply["text"]
    assert "Nguồn:" in reply["text"]
    assert reply["custom"]["answered"] is True and reply["custom"]["citations"]
    assert reply["buttons"] and all(b["title"] == b["payload"] for b in reply["buttons"])
    got = context_of(events)
    assert {k: got[k] for k in context} == context


def test_not_covered_keeps_context_and_offers_topics():
    previous = {"kind": "target", "doc_id": DOC_206, "year": 2025}
    messages, events = run(actions.ActionAnswerQuestion(), tracker("Giá xăng hôm nay bao nhiêu?", "nlu_fallback",
                                                                   {"answer_context": previous}))
    assert messages[0]["custom"]["answered"] is False
    assert "Nguồn:" not in messages[0]["text"]
    assert context_of(events)["year"] == 2025


def test_handoff_gives_the_person_in_charge():
    messages, _ = run(actions.ActionHandoff(), tracker("tôi muốn gặp người phụ trách", "request_handoff",
                                                       {"answer_context": {"kind": "target", "doc_id": DOC_642}}))
    assert "Trịnh Thị Thu Huyền" in messages[0]["text"] and "0977851323" in messages[0]["text"]


@pytest.mark.parametrize("text, requested, expected", [
    ("tôi là công chức cấp xã, 35 tuổi, trưởng phòng", None,
     {"person_role": "công chức", "person_tier": "xã", "person_leader": True, "person_age": 35.0}),
    ("cong chuc", "person_role", {"person_role": "công chức"}),
    ("cap tinh", "person_tier", {"person_tier": "tỉnh"}),
    ("có", "person_leader", {"person_leader": True}),
    ("không", "person_leader", {"person_leader": False}),
    ("42", "person_age", {"person_age": 42.0}),
    ("Không thuộc trường hợp nào", "person_special", {"person_special": "không"}),
    ("em là giáo viên dạy tiếng Anh", "person_special", {"person_special": "giáo viên dạy tiếng Anh"}),
    ("xyz", "person_age", {}),  # not understood: nothing set, the form asks again
])
def test_form_reads_the_users_words(text, requested, expected):
    track = tracker(text, "inform", requested_slot=requested, active_loop="eligibility_form")
    _, events = run(actions.ValidateEligibilityForm(), track)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot" and e["name"].startswith("person_")}
    assert {k: v for k, v in slots.items() if v is not None} == expected


def test_check_eligibility_ends_with_targets_and_clears_the_form():
    slots = {"person_role": "công chức", "person_tier": "tỉnh", "person_leader": True, "person_age": 35.0,
             "person_special": "không"}
    messages, events = run(actions.ActionCheckEligibility(), tracker("không", "deny", slots))
    text = messages[0]["text"]
    assert "206/KH-UBND" in text and "25%" in text and "35%" in text
    assert messages[0]["custom"]["documents"]
    assert all(e == SlotSet(name, None) for e, name in zip(events, actions.PERSON_SLOTS))


def test_check_eligibility_excludes_a_language_teacher():
    slots = {"person_role": "viên chức", "person_tier": "huyện", "person_leader": False, "person_age": 45.0,
             "person_special": "giáo viên dạy tiếng Anh"}
    messages, _ = run(actions.ActionCheckEligibility(), tracker("", "inform", slots))
    status = {d["doc_id"]: d["status"] for d in messages[0]["custom"]["documents"]}
    assert status[DOC_206] == "excluded"


def test_lookup_tables_are_in_step_with_the_documents(kb):
    """nlu/lookups.yml is what the indexed documents' facts give (make train regenerates it)."""
    from actions.lookups import OUT, render

    assert OUT.read_text(encoding="utf-8") == render(kb), "run `make train` (or python -m actions.lookups)"
    assert "Sở Nội vụ" in OUT.read_text(encoding="utf-8") and "206/KH-UBND" in OUT.read_text(encoding="utf-8")
