"""Conversations in Rasa's tracker store, for real: the session's Rasa server on SQLite (a file in a temporary
folder), and a second Rasa server on a real PostgreSQL that this module starts on loopback (initdb + pg_ctl), started
twice to show a conversation surviving a restart. Retention, the readers of nlu/conversations.py and the hashed
Telegram ids are checked on what those servers stored.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from conftest import ROOT
from nlu.conversations import (Feedback, Turn, conversations, delete_older_than, iter_turns, open_store, safe_url,
                               store_url)
from nlu.settings import DEFAULT_RETENTION_DAYS, StoreSettings
from services import ServiceMissing, running_postgres

DAY = 86400.0
QUESTION = "Chỉ tiêu năm 2025 đối với viên chức là bao nhiêu?"
FOLLOW_UP = "Còn năm 2030 thì sao?"


# --- helpers ---------------------------------------------------------------------------------------------------


def say(rasa_url: str, sender: str, text: str) -> list[dict]:
    response = httpx.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return response.json()


def reply_text(replies: list[dict]) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def stored_turns(engine: sa.engine.Engine, sender: str) -> list[Turn | Feedback]:
    return [record for record in iter_turns(engine) if record.sender_id == sender]


def add_conversation(engine: sa.engine.Engine, sender: str, last_seen: float, question: str = "câu hỏi cũ") -> None:
    """A conversation as Rasa 3.6 stores one (session start, user message, action, bot reply), its last event at
    `last_seen` (epoch seconds): how an old conversation looks in the table without waiting months."""
    events = [
        ("action", None, "action_session_start", {"event": "action", "name": "action_session_start"}),
        ("session_started", None, None, {"event": "session_started"}),
        ("user", "nlu_fallback", None, {"event": "user", "text": question, "message_id": uuid.uuid4().hex,
                                        "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3},
                                                       "entities": []}}),
        ("action", None, "action_answer_question", {"event": "action", "name": "action_answer_question"}),
        ("bot", None, None, {"event": "bot", "text": "Xin lỗi, các văn bản chưa đề cập.",
                             "data": {"custom": {"answered": False, "confidence": 0.1}}}),
    ]
    rows = []
    for offset, (kind, intent, action, data) in enumerate(events):
        timestamp = last_seen - (len(events) - 1 - offset)
        rows.append({"sender_id": sender, "type_name": kind, "timestamp": timestamp, "intent_name": intent,
                     "action_name": action, "data": json.dumps({**data, "timestamp": timestamp})})
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, "
                                   "data) VALUES (:sender_id, :type_name, :timestamp, :intent_name, :action_name, "
                                   ":data)"), rows)


def senders(engine: sa.engine.Engine) -> set[str]:
    return {conversation.sender_id for conversation in conversations(engine)}


def check_the_answer_is_stored(engine: sa.engine.Engine, sender: str) -> Turn:
    records = stored_turns(engine, sender)
    turns = [record for record in records if isinstance(record, Turn)]
    assert [turn.text for turn in turns] == [QUESTION]
    turn = turns[0]
    assert turn.intent == "ask_target" and 0 < turn.confidence <= 1
    assert turn.timestamp.tzinfo is not None and abs(turn.timestamp.timestamp() - time.time()) < 3600
    assert "action_answer_question" in turn.actions
    assert "60%" in turn.answer_text
    custom = turn.custom
    assert custom is not None and custom["answered"] is True and custom["kind"] == "target"
    assert custom["citations"][0]["doc"] == "Kế hoạch 206/KH-UBND"
    return turn


# --- settings and URLs -----------------------------------------------------------------------------------------


def test_the_default_store_is_a_sqlite_file_under_the_project_root(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.delenv("CONVERSATION_RETENTION_DAYS", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here, and a relative path must not follow the working directory
    settings = StoreSettings.load()
    assert settings.conversation_retention_days == DEFAULT_RETENTION_DAYS == 180
    url = store_url()
    assert url.get_backend_name() == "sqlite" and url.database == str(ROOT / "var" / "tracker.db")


def test_settings_come_from_the_environment_or_dotenv_and_bad_values_are_refused(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.delenv("CONVERSATION_RETENTION_DAYS", raising=False)
    (tmp_path / ".env").write_text("TRACKER_STORE_URL='postgres://u:pw@db:5432/ccvc'\nCONVERSATION_RETENTION_DAYS=30\n")
    settings = StoreSettings.load()
    assert settings.conversation_retention_days == 30
    assert store_url(settings.tracker_store_url).drivername == "postgresql"  # `postgres://` as some hosts write it
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "0")  # the environment wins over .env
    assert StoreSettings.load().conversation_retention_days == 0
    for bad in ("một năm", "-1"):
        monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", bad)
        with pytest.raises(ValueError, match="CONVERSATION_RETENTION_DAYS"):
            StoreSettings.load()


def test_a_url_is_only_ever_shown_with_its_password_masked():
    shown = safe_url("postgresql://ccvc:s3cret-pw@127.0.0.1:5432/conversations")
    assert "s3cret-pw" not in shown and "ccvc:***@127.0.0.1:5432/conversations" in shown
    assert safe_url("not a url at all") == "(unreadable URL)"


# --- Telegram ids are hashed -----------------------------------------------------------------------------------


def test_telegram_conversation_ids_are_keyed_hashes(monkeypatch):
    from bot import handlers

    first = handlers.conversation_id(987654321)
    assert first == handlers.conversation_id(987654321)  # the same chat keeps its conversation
    assert first.startswith("telegram-") and "987654321" not in first and len(first) == len("telegram-") + 32
    assert handlers.conversation_id(-1001234567890, 987654321) not in (first, handlers.conversation_id(-1001234567890))
    monkeypatch.setattr(handlers, "_sender_secret", lambda: b"another key")
    assert handlers.conversation_id(987654321) != first  # without the key the id cannot be recomputed


def test_the_bot_sends_rasa_neither_telegram_ids_nor_names(assistant, index_dir, tmp_path):
    """A real bot (python-telegram-bot, fake Bot API) talking to the session's Rasa: what lands in the store."""
    from bot.handlers import conversation_id
    from bot.settings import BotSettings
    from fake_telegram import FakeTelegram, RunningBot
    from speech import SpeechService, SpeechSettings

    token = f"{secrets.randbelow(10**9) + 10**9}:AAH{secrets.token_urlsafe(24)}"
    chat, group, member = 987654321, -1009876543210, 876543219
    name, username = "Nguyễn Văn Riêngtư", "rieng_tu_tg"
    no_speech = SpeechService.from_settings(SpeechSettings(speech_engine="vosk", vosk_model_path=tmp_path / "no-model"))
    with FakeTelegram(token) as fake:
        settings = BotSettings(telegram_bot_token=token, telegram_api_url=fake.api_url,
                               telegram_file_url=fake.file_url, telegram_allowed_ids=f"{chat},{group}",
                               rasa_url=assistant.rasa_url, action_server_url=assistant.action_url, bot_rate_limit=1000)
        with RunningBot(fake, settings, index_dir=index_dir, speech=no_speech):
            private = fake.text_update(chat, chat, "Kế hoạch 206 do ai ký?")
            private["message"]["from"].update(first_name=name, last_name="Riêng", username=username)
            private["message"]["chat"].update(first_name=name, username=username)
            fake.push(private)
            assert "Nguyễn Xuân Bình" in fake.wait_messages(chat, 1)[-1].text
            mention = "@ccvc_test_bot"
            in_group = fake.text_update(group, member, f"{mention} Kế hoạch 206 ban hành ngày nào?",
                                        chat_type="supergroup",
                                        entities=[{"type": "mention", "offset": 0, "length": len(mention)}])
            in_group["message"]["from"].update(first_name=name, username=username)
            fake.push(in_group)
            assert "14/08/2020" in fake.wait_messages(group, 1)[-1].text
    engine = open_store(assistant.tracker_store_url)
    stored = senders(engine)
    assert {conversation_id(chat), conversation_id(group, member)} <= stored
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, data FROM events WHERE sender_id IN (:a, :b)"),
                                  {"a": conversation_id(chat), "b": conversation_id(group, member)}).all()
    assert rows
    everything = "\n".join(f"{row.sender_id} {row.data}" for row in rows)
    for private_detail in (str(chat), str(member), str(group), "Riêngtư", "Riêng", username):
        assert private_detail not in everything
    assert not [s for s in stored if re.fullmatch(r"telegram--?\d+(--?\d+)?", s)]  # no telegram-<chat>[-<user>]


# --- SQLite: the session's Rasa server ---------------------------------------------------------------------------


def test_the_session_assistant_keeps_conversations_in_a_temporary_sqlite_file(assistant):
    url = store_url(assistant.tracker_store_url)
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database).parent != ROOT / "var"  # never var/tracker.db: tests leave the real store alone
    sender = f"store-sqlite-{uuid.uuid4().hex[:8]}"
    assert "60%" in reply_text(say(assistant.rasa_url, sender, QUESTION))
    engine = open_store(assistant.tracker_store_url)
    check_the_answer_is_stored(engine, sender)
    feedback_text = '/feedback{"rating": "down", "answer_id": "a1b2c3", "comment": "Thiếu năm 2030"}'
    say(assistant.rasa_url, sender, feedback_text)  # recorded whether or not the model knows the intent yet
    feedback = [record for record in stored_turns(engine, sender) if isinstance(record, Feedback)]
    assert [(f.rating, f.answer_id, f.comment) for f in feedback] == [("down", "a1b2c3", "Thiếu năm 2030")]
    since_tomorrow = [r for r in iter_turns(engine, since=time.time() + DAY) if r.sender_id == sender]
    assert since_tomorrow == []


def test_retention_on_sqlite_deletes_old_conversations_and_keeps_recent_ones(assistant):
    engine = open_store(assistant.tracker_store_url)
    live = f"store-live-{uuid.uuid4().hex[:8]}"
    say(assistant.rasa_url, live, "xin chào")  # makes sure Rasa has made its table
    old, recent = f"store-old-{uuid.uuid4().hex[:8]}", f"store-recent-{uuid.uuid4().hex[:8]}"
    add_conversation(engine, old, time.time() - 200 * DAY)
    add_conversation(engine, recent, time.time() - 20 * DAY)
    assert delete_older_than(engine, 0) == 0  # 0 keeps everything
    assert {old, recent, live} <= senders(engine)
    assert delete_older_than(engine, 180) >= 1
    remaining = senders(engine)
    assert old not in remaining and {recent, live} <= remaining
    # the live conversation goes on as if nothing happened
    assert "60%" in reply_text(say(assistant.rasa_url, live, QUESTION))


def test_the_purge_command_deletes_by_the_retention_setting_and_hides_the_password(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path}/store.db")
    with engine.begin() as connection:  # the table as Rasa 3.6 makes it (SQLite dialect)
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                                   "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                                   "action_name VARCHAR(255), data TEXT)"))
    add_conversation(engine, "old", time.time() - 40 * DAY)
    add_conversation(engine, "new", time.time() - 5 * DAY)
    environment = {**os.environ, "CONVERSATION_RETENTION_DAYS": "30", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "nlu.conversations"]
    done = subprocess.run([*command, "purge", "--url", f"sqlite:///{tmp_path}/store.db"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "deleted 1 conversation(s) idle for more than 30 days" in done.stdout
    assert senders(engine) == {"new"}
    listed = subprocess.run([*command, "list", "--url", f"sqlite:///{tmp_path}/store.db"], cwd=ROOT,
                            env=environment, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and listed.stdout.startswith("new\t")
    refused = subprocess.run([*command, "purge", "--url", "postgresql://ccvc:s3cret-pw@127.0.0.1:1/none"], cwd=ROOT,
                             env=environment, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "s3cret-pw" not in refused.stdout + refused.stderr
    assert "ccvc:***@127.0.0.1:1/none" in refused.stderr and "Traceback" not in refused.stderr


SAVE_THEN_PURGE = """
import asyncio, json, sys, time
from rasa.shared.core.domain import Domain
from nlu.tracker_store import ConversationStore
from nlu.conversations import conversations

async def main():
    store = ConversationStore(domain=Domain.empty())
    tracker = await store.create_tracker("live")  # saved: Rasa makes its table
    before = sorted(c.sender_id for c in conversations(store.engine))
    sys.stdout.write(json.dumps({"before": before}) + "\\n")
    sys.stdout.flush()
    sys.stdin.readline()  # the test adds an old conversation meanwhile
    await store.save(tracker)  # within the hour: no purge
    kept = sorted(c.sender_id for c in conversations(store.engine))
    store._last_purge -= 3601  # an hour later
    await store.save(tracker)
    for _ in range(100):  # the purge runs in a worker thread, after the save
        await asyncio.sleep(0.1)
        after = sorted(c.sender_id for c in conversations(store.engine))
        if after != kept:
            break
    sys.stdout.write(json.dumps({"kept": kept, "after": after}) + "\\n")

asyncio.run(main())
"""


def test_the_rasa_store_purges_when_saving_at_most_once_an_hour(tmp_path):
    """nlu/tracker_store.py in Rasa's own venv (Rasa imported, no server): the hourly purge after a save."""
    url = f"sqlite:///{tmp_path}/store.db"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_STORE_URL": url,
                   "CONVERSATION_RETENTION_DAYS": "30", "RASA_TELEMETRY_ENABLED": "false"}
    with subprocess.Popen([str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", SAVE_THEN_PURGE], cwd=tmp_path,
                          env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        first = process.stdout.readline()
        assert first, process.stderr.read()
        assert json.loads(first) == {"before": ["live"]}
        add_conversation(open_store(url), "old", time.time() - 31 * DAY)
        out, err = process.communicate("go\n", timeout=600)
    assert process.returncode == 0, err
    assert json.loads(out) == {"kept": ["live", "old"], "after": ["live"]}


# --- PostgreSQL: a real server started here ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres():
    try:
        with running_postgres() as server:
            yield server
    except ServiceMissing as missing:
        pytest.skip(str(missing))


def test_postgresql_conversations_survive_a_restart_and_old_ones_are_deleted_at_start(postgres, assistant, model,
                                                                                       tmp_path):
    """One Rasa server on the real PostgreSQL, started twice (the shared action server behind both)."""
    from actions.launch import running_rasa

    environment = {"TRACKER_STORE_URL": postgres.url, "CONVERSATION_RETENTION_DAYS": "180", "LOG_LEVEL": "DEBUG"}
    engine = open_store(postgres.url)
    sender = f"store-pg-{uuid.uuid4().hex[:8]}"
    old, recent = f"store-old-{uuid.uuid4().hex[:8]}", f"store-recent-{uuid.uuid4().hex[:8]}"

    with running_rasa(assistant.action_url, model, log=tmp_path / "rasa-1.log", **environment) as (url, token, _):
        assert "60%" in reply_text(say(url, sender, QUESTION))
    assert engine.dialect.name == "postgresql"
    check_the_answer_is_stored(engine, sender)
    add_conversation(engine, old, time.time() - 400 * DAY)
    add_conversation(engine, recent, time.time() - 10 * DAY)
    assert {sender, old, recent} <= senders(engine)

    with running_rasa(assistant.action_url, model, log=tmp_path / "rasa-2.log", **environment) as (url, token, _):
        remaining = senders(engine)  # the server deleted what was idle past the retention period as it started
        assert old not in remaining and {sender, recent} <= remaining
        tracker = httpx.get(f"{url}/conversations/{sender}/tracker", params={"token": token}, timeout=30).json()
        assert QUESTION in [event.get("text") for event in tracker["events"] if event.get("event") == "user"]
        follow_up = reply_text(say(url, sender, FOLLOW_UP))  # completed from the context stored before the restart
        assert "2030" in follow_up and "viên chức" in follow_up

    turns = [record for record in stored_turns(engine, sender) if isinstance(record, Turn)]
    assert [turn.text for turn in turns] == [QUESTION, FOLLOW_UP]
    assert turns[1].custom["answered"] is True
    for log in ("rasa-1.log", "rasa-2.log"):  # DEBUG logs, the URL included: never the password
        text = (tmp_path / log).read_text()
        assert "conversations kept in postgresql://ccvc:***@127.0.0.1" in text
        assert postgres.password not in text


def test_readers_and_retention_on_postgresql(postgres):
    engine = open_store(postgres.url)
    with engine.begin() as connection:  # the previous test's server made the table; standalone, make it the same way
        connection.execute(sa.text("CREATE TABLE IF NOT EXISTS events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) "
                                   "NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name "
                                   "VARCHAR(255), action_name VARCHAR(255), data TEXT)"))
    old, new = f"store-old-{uuid.uuid4().hex[:8]}", f"store-new-{uuid.uuid4().hex[:8]}"
    add_conversation(engine, old, time.time() - 100 * DAY, question="câu hỏi cũ về kinh phí")
    add_conversation(engine, new, time.time() - 1 * DAY, question="câu hỏi mới về lộ trình")
    turns = {record.sender_id: record for record in iter_turns(engine) if record.sender_id in (old, new)}
    assert turns[new].text == "câu hỏi mới về lộ trình" and turns[new].intent == "nlu_fallback"
    assert turns[new].confidence == pytest.approx(0.3) and turns[new].custom == {"answered": False, "confidence": 0.1}
    assert [r.sender_id for r in iter_turns(engine, since=time.time() - 2 * DAY) if r.sender_id in (old, new)] == [new]
    assert delete_older_than(engine, 0) == 0
    assert delete_older_than(engine, 30) >= 1
    assert new in senders(engine) and old not in senders(engine)


# --- our SQL against Rasa's own SQLTrackerStore ------------------------------------------------------------------

SAME_AS_RASA = """
import asyncio, json, sys
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered)
from rasa.shared.core.trackers import EventVerbosity
from nlu.tracker_store import ConversationStore

store = ConversationStore(domain=Domain.load("domain.yml"))
IMPLEMENTATIONS = {  # Rasa's own methods, called on the same store (same engine, WAL, pool), against ours
    "rasa": (lambda sender, every: SQLTrackerStore._retrieve(store, sender, every),
             lambda tracker: SQLTrackerStore.save(store, tracker)),
    "ours": (store._retrieve, store.save),
}

def user(text, intent, at):
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.93}, "entities": [],
             "intent_ranking": [{"name": intent, "confidence": 0.93}, {"name": "nlu_fallback", "confidence": 0.55}]}
    return UserUttered(text, parse["intent"], [], parse, timestamp=at, message_id=f"m{at}")

def turn(text, intent, at):
    return [user(text, intent, at), ActionExecuted("action_answer_question", policy="RulePolicy", confidence=1.0,
                                                    timestamp=at + 0.1),
            BotUttered("Chỉ tiêu năm 2025: 25% đạt bậc 4.", {"custom": {"answered": True, "kind": "target"}},
                       timestamp=at + 0.2),
            SlotSet("answer_context", {"kind": "target", "year": 2025}, timestamp=at + 0.2),
            ActionExecuted("action_listen", timestamp=at + 0.3)]

def start(at):  # what Rasa writes when a session starts
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at)]

async def scenario(name):
    retrieve, save = IMPLEMENTATIONS[name]
    sender, seen = f"{name}-conversation", []
    def look(tracker):
        seen.append(None if tracker is None else tracker.current_state(EventVerbosity.ALL)["events"])
    look(await retrieve(sender, False))  # nobody yet
    tracker = store.init_tracker(sender)
    for event in start(1000.0) + turn("Chỉ tiêu năm 2025 là bao nhiêu?", "ask_target", 1001.0):
        tracker.update(event)
    await save(tracker)
    await save(tracker)  # nothing new: nothing written
    tracker = await retrieve(sender, False)
    look(tracker)
    for event in turn("Kiểm tra giúp tôi", "check_eligibility", 1002.0) + [ActiveLoop("person_form", timestamp=1002.4)]:
        tracker.update(event)
    await save(tracker)
    tracker = await retrieve(sender, False)
    look(tracker)
    # the session expires: the new session's events are added to the tracker read from the old one
    for event in start(5000.0) + turn("Còn năm 2030 thì sao?", "ask_target", 5001.0):
        tracker.update(event)
    await save(tracker)
    look(await retrieve(sender, False))
    look(await retrieve(sender, True))
    tracker = await retrieve(sender, False)
    tracker.update(user("Sở Tài chính có nhiệm vụ gì?", "ask_duties", 5000.0))  # a timestamp equal to the start
    await save(tracker)
    look(await retrieve(sender, False))
    look(await retrieve(sender, True))
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT type_name, timestamp, intent_name, action_name, data FROM events "
                                          "WHERE sender_id = :sender ORDER BY id"), {"sender": sender}).all()
    return {"trackers": seen, "rows": [list(row) for row in rows]}

results = {name: asyncio.run(scenario(name)) for name in IMPLEMENTATIONS}
json.dump(results, sys.stdout)
"""


def same_as_rasa(url: str, tmp_path: Path) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_STORE_URL": url, "CONVERSATION_RETENTION_DAYS": "0",
                   "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", SAME_AS_RASA], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def check_same_as_rasa(results: dict) -> None:
    rasa, ours = results["rasa"], results["ours"]
    assert ours == rasa
    trackers = rasa["trackers"]
    assert trackers[0] is None and [len(events) for events in trackers[1:]] == [8, 14, 8, 22, 9, 23]
    assert len(rasa["rows"]) == 23 and [row[0] for row in rasa["rows"]].count("session_started") == 2


def test_the_store_reads_and_writes_events_exactly_as_rasas_sql_tracker_store_on_sqlite(tmp_path):
    """nlu/tracker_store.py's own SQL statements against Rasa's SQLTrackerStore methods, on the same store: the same
    rows written (a save with nothing new writes nothing), the same trackers read back, the latest session or all."""
    check_same_as_rasa(same_as_rasa(f"sqlite:///{tmp_path}/store.db", tmp_path))


def test_the_store_reads_and_writes_events_exactly_as_rasas_sql_tracker_store_on_postgresql(postgres, tmp_path):
    check_same_as_rasa(same_as_rasa(postgres.url, tmp_path))
