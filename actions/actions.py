"""Custom actions. Each is a few lines: read the turn, ask `knowledge/`, render the reply."""

from __future__ import annotations

import uuid
from typing import Any, Callable, TypeVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from knowledge import check
from knowledge.answer import Answer
from knowledge.conversation import Context, ask

from .knowledge_base import knowledge_index, off_loop

# The kind of fact each intent names. Not used to answer: knowledge.question decides what a question asks for, the
# same way for every front end (bench/rest_real.py measured it right for 84 % of the real-document dev questions,
# the intents for 66 %); the intents route dialogue acts (greeting, feedback, hand-off, the check form).
INTENT_KINDS = {
    "ask_eligibility": "eligibility", "ask_exclusion": "exclusion", "ask_target": "target",
    "ask_contact": "contact", "ask_duty": "duty", "ask_funding": "funding", "ask_timeline": "roadmap",
    "ask_document": "document", "check_my_eligibility": "check",
}
# Messages that are questions, not form answers: they fill no slot of the person (Rasa then lets the rules
# answer them and the form asks again).
QUESTION_INTENTS = {*INTENT_KINDS, "follow_up", "out_of_scope", "nlu_fallback", "feedback"} - {"check_my_eligibility"}
PERSON_SLOTS = ["person_role", "person_tier", "person_leader", "person_age", "person_special"]
MAX_CITATIONS = 2
FEEDBACK_THANKS = "Cảm ơn bạn đã góp ý."
FEEDBACK_ASK_COMMENT = "Nếu được, bạn hãy viết một góp ý ngắn: câu trả lời sai hay thiếu ở đâu?"
RATINGS = {"up", "down"}


T = TypeVar("T")


async def with_index(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(index, *args, **kwargs)` in the knowledge worker, on the index's live version as of this question:
    it is fetched there, so switching to a version a build just made never blocks the event loop."""
    return await off_loop(lambda: function(knowledge_index(), *args, **kwargs))


def answer_id() -> str:
    """Names one answer, so that 👍 / 👎 on it can be traced back to the question (nlu/report.py)."""
    return uuid.uuid4().hex


def render(dispatcher: CollectingDispatcher, result: Answer, buttons: list[str]) -> None:
    """The answer with its sources in the text (any client shows them) and whole in a custom payload."""
    sources = [f"📄 {c.section}" if c.section.startswith(c.doc) else f"📄 {c.doc} › {c.section}"
               for c in result.citations[:MAX_CITATIONS]]
    text = result.answer + ("\n\nNguồn:\n" + "\n".join(sources) if sources else "")
    dispatcher.utter_message(text=text, buttons=[{"title": b, "payload": b} for b in buttons],
                             json_message={**result.to_dict(), "answer_id": answer_id()})


class ActionAnswerQuestion(Action):
    """Any question about the documents, follow-ups included; low NLU confidence lands here too."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        turn = await _ask(tracker)
        render(dispatcher, turn.answer, turn.next_questions)
        return [SlotSet("answer_context", turn.context.to_dict()), _then(tracker)]


async def _ask(tracker: Tracker):
    """The message asked of knowledge/ with the conversation's context, as `python -m knowledge ask` and the
    bench's conversations ask it: what the question asks for and whether it follows up are knowledge's decisions."""
    message = tracker.latest_message or {}
    context = Context.from_dict(tracker.get_slot("answer_context"))
    return await with_index(ask, message.get("text") or "", context)


def _then(tracker: Tracker) -> FollowupAction:
    """After an answer: back to the form if one is open, else listen. As the core fallback this action would
    otherwise be predicted again and again where no rule applies."""
    form = (tracker.active_loop or {}).get("name")
    return FollowupAction(form or "action_listen")


class ActionHandoff(Action):
    """"Tôi muốn gặp người phụ trách": the contact person of the document in focus (or of all documents)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        context = Context.from_dict(tracker.get_slot("answer_context"))
        turn = await with_index(ask, "thông tin liên hệ người phụ trách", context, kind_hint="contact",
                                follow_up=True)
        if turn.answer.answered:
            turn.answer.answer = "Bạn có thể liên hệ trực tiếp người phụ trách. " + turn.answer.answer
        render(dispatcher, turn.answer, turn.next_questions)
        return [SlotSet("answer_context", turn.context.to_dict())]


class ValidateEligibilityForm(FormValidationAction):
    """Fills the person's slots from whatever the user typed, accented or not ("cong chuc cap xa, 35 tuoi")."""

    def name(self) -> str:
        return "validate_eligibility_form"

    @staticmethod
    def _read(tracker: Tracker, slot: str) -> dict[str, Any]:
        if tracker.get_slot(slot) is not None:
            return {}
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        requested = tracker.get_slot("requested_slot") == slot
        intent = (message.get("intent") or {}).get("name")
        if intent == "feedback":
            return {}  # 👍 / 👎 on an earlier answer says nothing about the person, even when a slot is asked
        if not requested and intent in QUESTION_INTENTS:
            return {}  # "Sở Tài chính làm gì?" says nothing about the person
        value = check.form_answer(slot.removeprefix("person_"), text, requested)
        return {slot: value} if value is not None else {}

    async def extract_person_role(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._read(tracker, "person_role")

    async def extract_person_tier(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._read(tracker, "person_tier")

    async def extract_person_leader(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._read(tracker, "person_leader")

    async def extract_person_age(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._read(tracker, "person_age")

    async def extract_person_special(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._read(tracker, "person_special")


class ActionRefuseOutOfScope(Action):
    """A message the intent classifier calls out of scope. Whether the documents answer it is knowledge/'s decision,
    as for every question (the classifier calls some document questions out of scope: "Quyết định 1275 căn cứ nghị
    định nào …"): an answer when they do, else the honest refusal (utter_out_of_scope), with an answer id so that a
    👎 on it ("but this is in the documents!") reaches the report like any other answer's."""

    def name(self) -> str:
        return "action_refuse_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        turn = await _ask(tracker)
        if turn.answer.answered:
            render(dispatcher, turn.answer, turn.next_questions)
            return [SlotSet("answer_context", turn.context.to_dict())]
        confidence = ((tracker.latest_message or {}).get("intent") or {}).get("confidence")
        dispatcher.utter_message(response="utter_out_of_scope", json_message={
            "answered": False, "kind": "out_of_scope", "confidence": confidence, "citations": [],
            "answer_id": answer_id()})
        return []


class ActionCheckEligibility(Action):
    """The end of the form: applies or excluded, why, and the targets that count this person."""

    def name(self) -> str:
        return "action_check_eligibility"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        person = check.person_from_form({slot.removeprefix("person_"): tracker.get_slot(slot) for slot in PERSON_SLOTS})
        result = await with_index(check.check_person, person)
        dispatcher.utter_message(text=result.text, json_message={**result.to_dict(), "answer_id": answer_id()},
                                 buttons=[{"title": "Kiểm tra cho người khác", "payload": "Kiểm tra giúp tôi có thuộc đối tượng không"},
                                          {"title": "Liên hệ người phụ trách", "payload": "Tôi muốn gặp người phụ trách"}])
        return [SlotSet(slot, None) for slot in PERSON_SLOTS]


def _entity(message: dict[str, Any], name: str) -> str:
    """The first value of entity `name` as clean text ("" when absent or not text: `/feedback{…}` is typed by
    anyone)."""
    for entity in message.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == name and isinstance(entity.get("value"), (str, int)):
            return " ".join(str(entity["value"]).split())
    return ""


class ActionRecordFeedback(Action):
    """👍 / 👎 on an answer, perhaps with a short comment. The feedback itself is the user event in the tracker store
    (intent `feedback`, entities rating, answer_id, comment), which the report reads; this action only thanks the
    user, invites a comment after a 👎 without one, and leaves every slot (the follow-up context) as it was."""

    def name(self) -> str:
        return "action_record_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = tracker.latest_message or {}
        rating = _entity(message, "rating").lower()
        rating = rating if rating in RATINGS else ""
        comment = _entity(message, "comment")
        invite = rating == "down" and not comment
        text = FEEDBACK_THANKS + (" " + FEEDBACK_ASK_COMMENT if invite else "")
        dispatcher.utter_message(text=text, json_message={
            "kind": "feedback", "rating": rating or None, "answer_id": _entity(message, "answer_id")[:64] or None,
            "comment_invited": invite})
        return []
