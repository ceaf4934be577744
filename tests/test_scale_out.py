"""Rasa's own scale-out, for real on loopback: TWO Rasa replicas sharing a PostgreSQL tracker store and a Redis lock
store (both started here, tests/services.py), behind them the session's one action server. One conversation goes
on from one replica to the other, both ways, and one sender's messages sent to both replicas at once are served one
at a time (the Redis lock store), none lost or doubled.

The two replicas start in parallel (each loads the model, 1–2 minutes on a busy 2-core machine) and serve the whole
module.
"""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from services import Postgres, Redis, ServiceMissing, running_postgres, running_redis

QUESTION = "Chỉ tiêu năm 2025 cho viên chức là bao nhiêu?"
FOLLOW_UP = "Còn năm 2030 thì sao?"
DOC_206 = "Kế hoạch 206/KH-UBND"
AT_ONCE = ["Kế hoạch 206 do ai ký?", "Kế hoạch 206 ban hành ngày nào?", "xin chào",
           "Công văn 642 của cơ quan nào?", "Kinh phí bồi dưỡng lấy từ đâu?", "Đối tượng không áp dụng là ai?"]


@dataclass
class Replica:
    name: str
    url: str
    token: str
    log: Path


@dataclass
class Cluster:
    replicas: list[Replica]
    postgres: Postgres
    redis: Redis


@pytest.fixture(scope="module")
def cluster(assistant, model, tmp_path_factory):
    from actions.launch import running_rasa

    logs = tmp_path_factory.mktemp("replicas")
    with ExitStack() as stack:
        try:
            postgres = stack.enter_context(running_postgres())
            redis = stack.enter_context(running_redis())
        except ServiceMissing as missing:
            pytest.skip(str(missing))
        # Each replica gets its own ExitStack, entered on the module's first: whatever starts is stopped, even when
        # the other fails to.
        stacks = [stack.enter_context(ExitStack()) for _ in range(2)]
        environment = {"TRACKER_STORE_URL": postgres.url, "LOCK_STORE_URL": redis.url, "LOG_LEVEL": "INFO"}

        def start(number: int) -> Replica:
            log = logs / f"rasa-{number}.log"
            url, token, _ = stacks[number - 1].enter_context(
                running_rasa(assistant.action_url, model, log=log, timeout=1200, **environment))
            return Replica(f"rasa-{number}", url, token, log)

        with ThreadPoolExecutor(2) as pool:
            started = [pool.submit(start, number) for number in (1, 2)]
            replicas = [future.result() for future in started]
        yield Cluster(replicas, postgres, redis)


def say(replica: Replica, sender: str, text: str) -> list[dict]:
    response = httpx.post(f"{replica.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                          timeout=180)
    response.raise_for_status()
    return response.json()


def text_of(replies: list[dict]) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def structured(replies: list[dict]) -> dict:
    found = [reply["custom"] for reply in replies if isinstance(reply.get("custom"), dict) and "answered" in
             reply["custom"]]
    assert found, replies
    return found[0]


def tracker(replica: Replica, sender: str) -> dict:
    response = httpx.get(f"{replica.url}/conversations/{sender}/tracker", params={"token": replica.token},
                         timeout=60)
    response.raise_for_status()
    return response.json()


def user_texts(tracker_json: dict) -> list[str]:
    return [event["text"] for event in tracker_json["events"] if event["event"] == "user"]


def check_the_conversation_goes_on(first: Replica, second: Replica) -> None:
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    opening = say(first, sender, QUESTION)
    assert "60%" in text_of(opening)
    answer = say(second, sender, FOLLOW_UP)  # a replica that never saw this sender: the context comes from PostgreSQL
    text = text_of(answer)
    assert "70%" in text and "2030" in text and "viên chức" in text, text
    custom = structured(answer)
    assert custom["answered"] is True and custom["kind"] == "target"
    assert custom["citations"] and custom["citations"][0]["doc"] == DOC_206
    for replica in (first, second):  # both replicas see the same whole conversation
        assert user_texts(tracker(replica, sender)) == [QUESTION, FOLLOW_UP]


def test_a_conversation_started_on_one_replica_goes_on_on_the_other(cluster):
    check_the_conversation_goes_on(cluster.replicas[0], cluster.replicas[1])


def test_and_the_other_way_round(cluster):
    check_the_conversation_goes_on(cluster.replicas[1], cluster.replicas[0])


def test_one_senders_messages_sent_to_both_replicas_at_once_are_served_one_at_a_time(cluster, tmp_path):
    sender = f"scale-at-once-{uuid.uuid4().hex[:8]}"
    first, second = cluster.replicas
    say(first, sender, "xin chào")  # the conversation exists (session started) before the rush
    with cluster.redis.monitor(tmp_path / "redis-monitor.log") as commands:
        with ThreadPoolExecutor(len(AT_ONCE)) as pool:
            sent = [pool.submit(say, (first, second)[number % 2], sender, text) for number, text in enumerate(AT_ONCE)]
            replies = [future.result() for future in sent]  # raises on any HTTP error (a lock error is a 500)
    assert all(text_of(reply).strip() for reply in replies), replies

    for replica in (first, second):
        events = tracker(replica, sender)["events"]
        texts = user_texts({"events": events})
        assert sorted(texts) == sorted(["xin chào", *AT_ONCE])  # every message exactly once
        # served one at a time: each message's turn ends (action_listen) before the next message is taken in
        kinds = [event.get("name") if event["event"] == "action" else event["event"] for event in events
                 if event["event"] == "user" or (event["event"] == "action" and event["name"] == "action_listen")]
        users = [index for index, kind in enumerate(kinds) if kind == "user"]
        assert all(kinds[index + 1] == "action_listen" for index in users), kinds

    with sa.create_engine(cluster.postgres.url).connect() as connection:  # and in the database itself
        stored = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user'"),
                                    {"sender": sender}).all()
    assert len(stored) == len(AT_ONCE) + 1

    # The locks were Redis's, taken by both replicas (two client connections), in transactions (nlu/lock_store.py).
    key = f'"ccvc:lock:{sender}"'
    writers = set()
    for line in commands.read_text().splitlines():
        if f'"SET" {key}' in line:
            writers.add(re.search(r"\[\d+ ([^\]]+)\]", line).group(1))
    assert len(writers) >= 2, commands.read_text()[-3000:]
    log = commands.read_text()
    assert f'"WATCH" {key}' in log and '"MULTI"' in log and '"EXEC"' in log
    assert cluster.redis.cli("KEYS", f"ccvc:lock:{sender}").strip() == ""  # released when done


def test_the_replicas_say_where_they_keep_things_and_never_the_passwords(cluster):
    for replica in cluster.replicas:
        log = replica.log.read_text(errors="replace")
        assert f"conversation locks kept in Redis at redis://:***@127.0.0.1:{cluster.redis.port}/1" in log
        assert cluster.redis.password not in log and cluster.postgres.password not in log
