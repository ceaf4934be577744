"""Security, for real: Rasa's HTTP API behind its token, security headers and CSP on every portal response, no CORS for
other origins, no secret in any log of the real processes, and uploads that never touch a path built from user input.

Already tested elsewhere (not repeated here): Rasa and the action server listen on 127.0.0.1 only and /model/parse
needs the token (test_rasa.py); the admin pages need PORTAL_ADMIN_TOKEN (test_feedback.py); the Telegram allow-list
and the per-user rate limit (test_bot.py); the portal's per-IP rate limit and the WebSocket origin check
(test_portal.py); the tracker store URL is only shown with its password masked (test_tracker_store.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from actions.launch import free_port, running_rasa, wait_until_up
from conftest import ROOT
from fake_telegram import FakeTelegram
from portal import PortalSettings, create_app
from portal.app import SECURITY_HEADERS, SpeechState
from test_portal import VIETNAMESE

NO_SPEECH = SpeechState(None, 10.0, 10 * 1024 * 1024)
QUESTION = "Kế hoạch 206 do ai ký?"
SIGNER = "Nguyễn Xuân Bình"


def in_process_portal(monkeypatch, index_dir: Path, **overrides) -> TestClient:
    monkeypatch.setenv("CCVC_INDEX_DIR", str(index_dir))
    values = {"rasa_url": f"http://127.0.0.1:{free_port()}", "portal_rate_per_minute": 6000,
              "portal_rate_burst": 1000, **overrides}
    return TestClient(create_app(PortalSettings(_env_file=None, **values), NO_SPEECH))


# --- Rasa's HTTP API ------------------------------------------------------------------------------------------------


def test_rasa_http_api_needs_the_token_and_the_rest_webhook_is_public(assistant):
    base, sender = assistant.rasa_url, f"sec-{uuid.uuid4().hex[:8]}"
    guarded = [("GET", f"/conversations/{sender}/tracker", None), ("GET", "/status", None), ("GET", "/domain", None),
               ("POST", f"/conversations/{sender}/messages", {"text": "xin chào", "sender": "user"}),
               ("POST", f"/conversations/{sender}/trigger_intent", {"name": "greet"}),
               ("POST", f"/conversations/{sender}/tracker/events", {"event": "restart"}),
               ("PUT", "/model", {"model_file": "/etc/passwd"}), ("DELETE", "/model", None),
               ("POST", "/model/parse", {"text": "xin chào"})]
    for method, path, body in guarded:
        for token in (None, "wrong-" + assistant.token, ""):
            params = {"token": token} if token is not None else None
            response = httpx.request(method, base + path, json=body, params=params, timeout=30)
            assert response.status_code in (401, 403), (method, path, token, response.status_code)
    # The REST channel is what the portal and the bot use: public by design, and it answers.
    reply = httpx.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": QUESTION}, timeout=60)
    assert reply.status_code == 200, reply.text
    assert any(SIGNER in (message.get("text") or "") for message in reply.json()), reply.json()  # JSON: \u escapes
    # With the token the API works (and it is the same conversation).
    tracker = httpx.get(f"{base}/conversations/{sender}/tracker", params={"token": assistant.token}, timeout=30)
    assert tracker.status_code == 200 and tracker.json()["sender_id"] == sender


def test_every_server_listens_on_loopback_by_default(monkeypatch):
    from actions.settings import ServerSettings
    from bot.settings import BotSettings

    for name in ("PORTAL_HOST", "ACTION_SERVER_HOST", "RASA_HOST", "TELEGRAM_WEBHOOK_LISTEN"):
        monkeypatch.delenv(name, raising=False)
    assert PortalSettings(_env_file=None).portal_host == "127.0.0.1"
    assert ServerSettings(_env_file=None).action_server_host == "127.0.0.1"
    assert BotSettings(_env_file=None).telegram_webhook_listen == "127.0.0.1"
    supervisord = (ROOT / "supervisord.conf").read_text()
    assert "0.0.0.0" not in supervisord


# --- the portal's headers and CORS ------------------------------------------------------------------------------


def test_security_headers_and_csp_on_every_portal_response(monkeypatch, index_dir):
    requests = [("GET", "/", {}), ("GET", "/static/portal.js", {}), ("GET", "/static/portal.css", {}),
                ("GET", "/static/khong-co.js", {}), ("GET", "/favicon.ico", {}), ("GET", "/api/config", {}),
                ("GET", "/healthz", {}), ("GET", "/khong-co", {}), ("GET", "/api/ask", {}),
                ("POST", "/api/ask", {"json": {"message": QUESTION}}),  # Rasa unreachable: 503 busy
                ("POST", "/api/ask", {"content": b"{", "headers": {"Content-Type": "application/json"}}),
                ("POST", "/api/ask", {"content": b"x", "headers": {"Content-Type": "text/plain"}}),
                ("POST", "/api/ask", {"content": b"{" + b" " * 70_000, "headers": {"Content-Type": "application/json"}}),
                ("POST", "/api/voice", {"content": b"RIFF", "headers": {"Content-Type": "audio/wav"}}),
                ("POST", "/api/feedback", {"json": {"rating": "up"}}), ("GET", "/kiem-tra", {}),
                ("POST", "/kiem-tra", {"data": {"role": "công chức", "age": "35"}}),
                ("POST", "/api/check", {"json": {"role": "viên chức"}}), ("GET", "/chi-tieu", {}),
                ("GET", "/chi-tieu.csv", {}), ("GET", "/admin/report", {}), ("GET", "/admin/report.css", {})]
    with in_process_portal(monkeypatch, index_dir) as client:
        seen = set()
        for method, path, options in requests:
            response = client.request(method, path, **options)
            seen.add(response.status_code)
            for name, value in SECURITY_HEADERS.items():
                assert response.headers.get(name) == value, (method, path, response.status_code, name)
            csp = response.headers["content-security-policy"]
            assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
            assert "server" not in response.headers or "uvicorn" not in response.headers["server"].lower()
        assert {200, 400, 404, 405, 413, 415, 422, 503} <= seen  # pages, files and errors alike
    # Rate-limited (429) responses carry them too.
    with in_process_portal(monkeypatch, index_dir, portal_rate_burst=1, portal_rate_per_minute=1) as client:
        client.post("/api/ask", content=b"{", headers={"Content-Type": "application/json"})
        limited = client.post("/api/ask", content=b"{", headers={"Content-Type": "application/json"})
        assert limited.status_code == 429
        assert all(limited.headers.get(name) == value for name, value in SECURITY_HEADERS.items())


def test_other_origins_get_no_cors_headers_by_default(monkeypatch, index_dir):
    monkeypatch.delenv("PORTAL_WIDGET_ORIGINS", raising=False)
    evil = {"Origin": "https://evil.example"}
    with in_process_portal(monkeypatch, index_dir) as client:
        assert PortalSettings(_env_file=None).portal_widget_origins == ""
        preflight = client.options("/api/ask", headers={**evil, "Access-Control-Request-Method": "POST",
                                                         "Access-Control-Request-Headers": "content-type"})
        assert "access-control-allow-origin" not in preflight.headers, preflight.headers
        for method, path, options in [("POST", "/api/ask", {"content": b"{",
                                                             "headers": {"Content-Type": "application/json"}}),
                                      ("GET", "/api/config", {}), ("POST", "/api/voice", {"content": b"RIFF"}),
                                      ("GET", "/", {}), ("POST", "/api/check", {"json": {"role": "công chức"}})]:
            response = client.request(method, path, **{**options, "headers": {**options.get("headers", {}), **evil}})
            assert "access-control-allow-origin" not in response.headers, (method, path, response.headers)
            assert "access-control-allow-credentials" not in response.headers


# --- uploads and paths --------------------------------------------------------------------------------------------


def files_named(marker: str, roots: list[Path]) -> list[str]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root, onerror=lambda error: None):
            found += [os.path.join(folder, name) for name in names if marker in name]
    return found


def test_uploads_never_touch_a_path_built_from_user_input(monkeypatch, index_dir, tmp_path):
    marker = f"ccvc-upload-{uuid.uuid4().hex[:12]}"
    names = [f"../../{marker}", f"../../../../../../tmp/{marker}", f"/tmp/{marker}", f"{marker}\0.ogg",
             f"..\\..\\{marker}.ogg", f"{marker}/" + "a" * 300 + ".ogg", f"~/{marker}.ogg",
             f"file:///tmp/{marker}.ogg", f"{marker}%2f..%2f.ogg"]
    roots = [ROOT, Path(tempfile.gettempdir()), Path.home(), Path("/var/tmp")]
    monkeypatch.chdir(tmp_path)  # a relative path would land here
    with in_process_portal(monkeypatch, index_dir) as client:
        for name in names:
            for size in (1000, 2 * 1024 * 1024):  # small files stay in memory; large ones spool to a temp file
                response = client.post("/api/voice", files={"audio": (name, b"OggS" + b"\0" * size, "audio/ogg")})
                # No speech model here: the upload is parsed whole, then refused with a Vietnamese message.
                assert response.status_code == 503 and VIETNAMESE.search(response.json()["message"]), response.text
        raw = client.post("/api/voice", content=b"OggS" + b"\0" * 1000,
                          headers={"Content-Type": "audio/ogg", "Content-Disposition": f'attachment; filename="{names[0]}"'})
        assert raw.status_code == 503
    assert files_named(marker, [*roots, tmp_path]) == []


# --- no secret in any log ---------------------------------------------------------------------------------------


def secret_forms(secret: str) -> set[str]:
    forms = {secret, quote(secret, safe=""), quote(secret)}
    if ":" in secret:  # a Telegram token's second half is the secret part
        forms.add(secret.split(":", 1)[1])
    return {form for form in forms if len(form) >= 8}


def log_of(process: subprocess.Popen) -> Path:
    """The file a server started by actions.launch writes its output to."""
    return Path(os.readlink(f"/proc/{process.pid}/fd/1"))


@pytest.fixture(scope="module")
def postgres():
    from services import ServiceMissing, running_postgres

    try:
        with running_postgres() as server:
            yield server
    except ServiceMissing as missing:
        pytest.skip(str(missing))


def test_no_secret_reaches_any_log(assistant, postgres, index_dir, tmp_path):
    """The real processes at DEBUG with known secrets in their environment (a second Rasa server on a PostgreSQL
    tracker store with a password, the portal and the bot), exercised, and every line they wrote searched."""
    secrets_in_env = {
        "TELEGRAM_BOT_TOKEN": f"{secrets.randbelow(10**9) + 10**9}:AAS{secrets.token_urlsafe(24)}",
        "PORTAL_ADMIN_TOKEN": "adm-" + secrets.token_urlsafe(24),
        "PORTAL_COOKIE_SECRET": "cookie-" + secrets.token_urlsafe(24),
        "SENDER_ID_SECRET": "sender-" + secrets.token_urlsafe(24),
        "TELEGRAM_WEBHOOK_SECRET": "hook-" + secrets.token_urlsafe(24),
    }
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "PORTAL_"))}
    common = {**secrets_in_env, "TRACKER_STORE_URL": postgres.url, "LOG_LEVEL": "DEBUG", "BOT_LOG_LEVEL": "DEBUG",
              "PYTHONPATH": str(ROOT), "CCVC_INDEX_DIR": str(index_dir), "VOSK_MODEL_PATH": "",
              "SPEECH_ENGINE": "vosk"}
    logs = tmp_path / "logs"
    logs.mkdir()
    saved_env = dict(os.environ)
    os.environ.clear()
    os.environ.update({**base_env, **common})  # running_rasa passes os.environ on
    try:
        with running_rasa(assistant.action_url, log=logs / "rasa.log", TRACKER_STORE_URL=postgres.url,
                          LOG_LEVEL="DEBUG") as (rasa_url, rasa_token, _):
            os.environ.clear()
            os.environ.update(saved_env)
            env = {**base_env, **common, "RASA_URL": rasa_url, "RASA_API_TOKEN": rasa_token,
                   "ACTION_SERVER_URL": assistant.action_url}
            exercise_portal_and_bot(env, rasa_url, rasa_token, secrets_in_env, logs)
            httpx.get(f"{rasa_url}/conversations/x/tracker", params={"token": "wrong"}, timeout=30)
            httpx.get(f"{rasa_url}/status", params={"token": rasa_token}, timeout=30)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    all_secrets = {**secrets_in_env, "RASA_API_TOKEN": rasa_token, "TRACKER_STORE_URL password": postgres.password,
                   "session RASA_API_TOKEN": assistant.token}
    texts = {path.name: path.read_text(errors="replace") for path in logs.iterdir()}
    texts["session rasa.log"] = log_of(assistant.rasa).read_text(errors="replace")
    texts["session actions.log"] = log_of(assistant.actions).read_text(errors="replace")
    assert "DEBUG" in texts["rasa.log"] and "DEBUG" in texts["bot.log"]  # the logs were verbose
    assert SIGNER in texts["rasa.log"] or "webhooks/rest" in texts["rasa.log"]
    leaks = [(name, log) for name, secret in all_secrets.items() for form in secret_forms(secret)
             for log, text in texts.items() if form in text]
    assert not leaks, f"secrets in logs: {leaks}"


def exercise_portal_and_bot(env: dict, rasa_url: str, rasa_token: str, known: dict, logs: Path) -> None:
    port = free_port()
    admin = known["PORTAL_ADMIN_TOKEN"]
    with (logs / "portal.log").open("w") as portal_log:
        portal = subprocess.Popen([sys.executable, "-m", "portal"], cwd=ROOT, stdout=portal_log,
                                  stderr=subprocess.STDOUT, env={**env, "PORTAL_PORT": str(port)})
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{url}/healthz", portal, 120)
            with httpx.Client(base_url=url, timeout=60) as client:
                assert SIGNER in client.post("/api/ask", json={"message": QUESTION}).text
                assert client.get("/admin/report", headers={"Authorization": "Bearer wrong"}).status_code == 401
                assert client.get("/admin/report", params={"token": admin[:-2]}).status_code == 401
                assert client.get("/admin/report", headers={"Authorization": f"Bearer {admin}"}).status_code == 200
                assert client.get("/admin/report.csv", params={"token": admin}).status_code == 200
                assert client.get(f"/admin/report?token={admin}&since=2020-01-01").status_code == 200
        finally:
            portal.send_signal(signal.SIGINT)
            portal.wait(timeout=60)
    token = known["TELEGRAM_BOT_TOKEN"]
    with FakeTelegram(token) as fake, (logs / "bot.log").open("w") as bot_log:
        bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, stdout=bot_log, stderr=subprocess.STDOUT,
                               env={**env, "TELEGRAM_API_URL": fake.api_url, "TELEGRAM_FILE_URL": fake.file_url,
                                    "TELEGRAM_ALLOWED_IDS": "101"})
        try:
            fake.wait_for(lambda calls: [c for c in calls if c.method == "setMyCommands"], timeout=120)
            fake.push(fake.text_update(101, 101, QUESTION))
            assert SIGNER in fake.wait_messages(101, 1)[0].text
            fake.push(fake.text_update(101, 101, "/start"))
            fake.push(fake.voice_update(101, 101, b"OggS-not-audio", 2))
            fake.push(fake.text_update(999, 999, QUESTION))  # refused: not on the allow-list
            fake.wait_messages(101, 3)
            fake.wait_messages(999, 1)
            assert any(token in path for path in fake.requests)  # the token was really used
        finally:
            bot.send_signal(signal.SIGINT)
            bot.wait(timeout=60)


def test_the_secret_forms_searched_include_url_encodings():
    assert secret_forms("123:a/b+c=") >= {"123:a/b+c=", "123%3Aa%2Fb%2Bc%3D"}
