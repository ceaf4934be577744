"""Faults under the real process manager, and a half-written index.

`make run`'s own supervisord.conf runs the action server, the Rasa server and the portal (its own run folder, free
ports, a temporary SQLite tracker store, the session index). Clients ask through the portal and through Rasa's REST
webhook while the action server, then the Rasa server, are killed with SIGKILL: every portal request gets an answer
or the clear "busy" reply (never a 500, an empty answer or a hang), supervisord restarts each, answers come back,
and a conversation begun before the Rasa kill goes on from the tracker store. Timings are printed (and recorded as
test properties), never asserted beyond bounds that catch a hang. `python bench/soak.py --faults` measures the same
at scale.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.soak import BUSY, CLIENT_TIMEOUT, Load, fault_figures, supervised
from actions.launch import free_port
from conftest import SMALL_DOCS, THIRD_DOC, live_folder
from knowledge.index import POINTER, IndexLoadError, load_index
from knowledge.search import search
from nlu.rest_client import RasaRest, RasaUnavailable

ROOT = Path(__file__).resolve().parents[1]
PORTAL_RASA_TIMEOUT = 20.0  # the portal's default: a busy reply that took this long came from a hang, not a fault
QUESTIONS = ["Kế hoạch 206 do ai ký?", "Đến năm 2025 bao nhiêu % viên chức phải đạt bậc 4?", "Xin chào",
             "Đối tượng không áp dụng của kế hoạch 206 là ai?", "kinh phi thuc hien lay tu dau"]


def portal_ask(client: httpx.Client, portal_url: str, message: str) -> httpx.Response:
    return client.post(f"{portal_url}/api/ask", json={"message": message}, timeout=CLIENT_TIMEOUT)


def answer_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return "\n".join(m["text"] for m in response.json()["messages"])


def wait_for_answers(load: Load, since: float, count: int = 3, timeout: float = 60) -> None:
    """Until `count` portal questions asked after `since` were answered (the load keeps running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(o.channel == "portal" and o.kind == "answer" and o.started >= since for o in load.outcomes) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"no answers through the portal within {timeout:.0f} s of the service being back")


def test_killing_the_action_server_then_rasa_under_load(index_dir, tmp_path, record_property):
    with supervised(tmp_path / "run", CCVC_INDEX_DIR=str(index_dir)) as running:
        conversation = httpx.Client()  # one browser: its session cookie is its Rasa conversation
        with Load(running.portal_url, running.rasa_url, clients=6, think=0.5, questions=QUESTIONS) as load:
            time.sleep(8)
            first = answer_text(portal_ask(conversation, running.portal_url,
                                           "Đến năm 2025 bao nhiêu % viên chức phải đạt bậc 4?"))
            assert "2025" in first and "60%" in first

            old_actions, actions_killed = running.kill("actions")
            new_actions, actions_up = running.wait_back("actions", old_actions)
            wait_for_answers(load, actions_up)

            old_rasa, rasa_killed = running.kill("rasa")
            new_rasa, rasa_up = running.wait_back("rasa", old_rasa)
            wait_for_answers(load, rasa_up)
            follow_up = answer_text(portal_ask(conversation, running.portal_url, "Còn năm 2030 thì sao?"))
        conversation.close()
        status = running.wait_running(("actions", "rasa", "portal"))  # each past its startsecs

    outcomes = load.outcomes
    figures = {"actions": fault_figures(outcomes, actions_killed, actions_up),
               "rasa": fault_figures(outcomes, rasa_killed, rasa_up)}
    figures["actions"]["restart_s"] = round(actions_up - actions_killed, 1)
    figures["rasa"]["restart_s"] = round(rasa_up - rasa_killed, 1)
    for name, values in figures.items():
        print(f"\nkill -9 {name}: {values}")
        for key, value in values.items():
            record_property(f"{name}_{key}", value)
    kinds = {kind: sum(o.kind == kind for o in outcomes) for kind in {o.kind for o in outcomes}}
    print(f"outcomes: {kinds}")

    # supervisord restarted both; everything runs again
    assert new_actions != old_actions and new_rasa != old_rasa
    for name in ("actions", "rasa", "portal"):
        assert f"{name} " in status and "RUNNING" in status.split(f"{name} ", 1)[1].splitlines()[0], status

    # through the portal: an answer or the clear busy reply, nothing else, and never a hang
    portal = [o for o in outcomes if o.channel == "portal"]
    assert portal and {o.kind for o in portal} <= {"answer", "busy"}, [
        (o.kind, o.detail) for o in portal if o.kind not in {"answer", "busy"}][:5]
    assert all(o.seconds < PORTAL_RASA_TIMEOUT for o in portal if o.kind == "busy"), max(o.seconds for o in portal)
    # each fault was seen by users as "busy", and only while a process was away: from the kill (requests in flight
    # included) until the first answer after it was back (while failing actions are tried again, one question at a
    # time goes through and the others are told "busy")
    assert figures["actions"]["busy_replies"] > 0 and figures["rasa"]["busy_replies"] > 0
    assert figures["actions"]["recovery_after_up_s"] is not None and figures["rasa"]["recovery_after_up_s"] is not None
    windows = [(killed, up + figures[name]["recovery_after_up_s"])
               for name, killed, up in (("actions", actions_killed, actions_up), ("rasa", rasa_killed, rasa_up))]
    busy_outside = [o for o in portal if o.kind == "busy" and not any(a <= o.ended and o.started <= b for a, b in windows)]
    assert not busy_outside, [(o.started, o.detail) for o in busy_outside][:5]

    # Rasa's REST webhook itself: Rasa answers [] while the action server is away, drops what it was answering when
    # killed and refuses connections while it restarts; nothing hangs and nothing else goes wrong
    rest = [o for o in outcomes if o.channel == "rest"]
    expected = {"answer", "empty", "refused", "dropped"}
    assert rest and {o.kind for o in rest} <= expected, [(o.kind, o.detail) for o in rest if o.kind not in expected][:5]

    # the conversation begun before the Rasa kill goes on from the tracker store
    assert "2030" in follow_up and "70%" in follow_up and BUSY not in follow_up, follow_up


# ---------------------------------------------------------------------------------------------------------------
# A build killed -9 half-way (a power cut) never becomes the index; the previous one keeps serving.

PAUSED_BUILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import knowledge.index as index

    def paused_while_writing(embeddings, settings):
        # Reached inside the new version folder, after documents, chunks, facts and embeddings were written and
        # before the dense index, the lexical index and the manifest: the kill lands here, half-way, every time.
        Path(sys.argv[3]).write_text("writing", encoding="utf-8")
        time.sleep(600)

    index._dense_index = paused_while_writing
    index.build_from_paths([Path(sys.argv[1])], Path(sys.argv[2]), progress=False)
""")


def test_a_build_killed_half_way_is_never_loaded(small_index, small_corpus, tmp_path, settings):
    index_dir = small_index
    (small_corpus / "lo-trinh.txt").write_text(THIRD_DOC, encoding="utf-8")  # the build has something new to add
    pointer_before = (index_dir / POINTER).read_text(encoding="utf-8")
    serving_before = live_folder(index_dir)
    marker = tmp_path / "writing"
    build = subprocess.Popen([sys.executable, "-c", PAUSED_BUILD, str(small_corpus), str(index_dir), str(marker)],
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert build.poll() is None, build.stdout.read().decode()
            assert time.monotonic() < deadline, "the build never reached the writing stage"
            time.sleep(0.1)
        build.send_signal(signal.SIGKILL)
        build.wait(30)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()

    half_written = [p for p in index_dir.glob(".building-*") if p.is_dir()]
    assert len(half_written) == 1 and (half_written[0] / "chunks.jsonl").exists()  # really cut off mid-build
    assert not (half_written[0] / "manifest.json").exists()
    assert all((p / "manifest.json").exists() for p in index_dir.glob("v-*"))  # only finished builds are versions
    assert (index_dir / POINTER).read_text(encoding="utf-8") == pointer_before
    served = load_index(index_dir, settings)
    assert served.folder == serving_before and set(served.documents) == set(SMALL_DOCS)
    assert search(served, "ngân sách nhà nước", top_k=1, use_dense=False)

    # Were CURRENT ever to name the half-written folder, it would be refused, not loaded.
    (index_dir / POINTER).write_text(half_written[0].name + "\n", encoding="utf-8")
    with pytest.raises(IndexLoadError, match="python -m knowledge build"):
        load_index(index_dir, settings)
    (index_dir / POINTER).write_text(pointer_before, encoding="utf-8")

    # The next build completes despite the leftover and serves the new document.
    from knowledge.index import build_from_paths

    build_from_paths([small_corpus], index_dir, settings, progress=False)
    rebuilt = load_index(index_dir, settings)
    assert rebuilt.folder != serving_before and "lo-trinh.txt" in rebuilt.documents
    assert not list(index_dir.glob(".building-*"))  # the dead build's leftover is gone


# ---------------------------------------------------------------------------------------------------------------
# The shared Rasa client (nlu/rest_client.py): several servers, and a known-down server kept off the path.


class HungServer:
    """Accepts connections and never answers (a Rasa that hangs); remembers each request's first line."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.requests: list[str] = []
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(connection)
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection: socket.socket) -> None:
        try:
            self.requests.append(connection.recv(65536).split(b"\r\n", 1)[0].decode())
        except OSError:
            pass

    def close(self) -> None:
        self.server.close()
        for connection in self.connections:
            connection.close()


def test_a_rasa_that_hangs_is_skipped_until_it_answers_again():
    hung = HungServer()

    async def scenario() -> list[str]:
        rest = RasaRest(hung.url, timeout=2.0)
        try:
            outcomes = []
            for _ in range(3):
                try:
                    await rest.send("nguoi-dung", "Kế hoạch 206 do ai ký?")
                except RasaUnavailable as exc:
                    outcomes.append(str(exc))
            return outcomes
        finally:
            await rest.aclose()

    try:
        outcomes = asyncio.run(scenario())
    finally:
        hung.close()
    assert len(outcomes) == 3 and "no answer within 2 s" in outcomes[0]
    assert all("is down" in outcome for outcome in outcomes[1:]), outcomes
    # After the first question timed out, only health checks (GET /) reached the server, never another question.
    assert hung.requests[0].startswith("POST /webhooks/rest/webhook")
    assert hung.requests[1:] and all(line.startswith("GET / ") for line in hung.requests[1:]), hung.requests


def test_several_rasa_servers_questions_skip_the_one_that_is_down(assistant):
    down = f"http://127.0.0.1:{free_port()}"  # a replica that is down (nothing listens)
    senders = [f"test-faults-replicas-{n}" for n in range(8)]

    async def scenario():
        rest = RasaRest(f"{down}, {assistant.rasa_url}/", timeout=30)
        try:
            homes = {sender: rest.route(sender)[0].url for sender in senders}
            replies = [await rest.send(sender, "Kế hoạch 206 do ai ký?") for sender in senders]
            return homes, replies, [server.up for server in rest.servers], await rest.is_up()
        finally:
            await rest.aclose()

    homes, replies, up, any_up = asyncio.run(scenario())
    assert set(homes.values()) == {down, assistant.rasa_url}  # conversations are spread over both
    assert all("Nguyễn Xuân Bình" in " ".join(r.get("text", "") for r in reply) for reply in replies)
    assert up == [False, True] and any_up
