"""A local stand-in for the Telegram Bot API, for the bot's tests: the real python-telegram-bot Application talks to
it through `base_url` / `base_file_url` exactly as it talks to api.telegram.org.

It serves getMe, getUpdates (long polling over a queue the test fills), getFile and file downloads, and records
every other call (sendMessage, sendChatAction, answerCallbackQuery, setMyCommands, setWebhook …) with its
parameters, answering with the JSON shapes the Bot API documents. Plain http.server in a thread on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

# Parameters the Bot API receives JSON-encoded (python-telegram-bot sends every non-string value as JSON).
JSON_PARAMETERS = {"reply_markup", "reply_parameters", "allowed_updates", "commands", "link_preview_options",
                   "entities", "scope"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[dict]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


class FakeTelegram:
    def __init__(self, token: str, username: str = "ccvc_test_bot", bot_id: int = 7000000001) -> None:
        self.token = token
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": "Trợ lý CCVC", "username": username,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False, "can_connect_to_business": False,
                         "has_main_web_app": False}
        self.calls: list[Call] = []
        self.requests: list[str] = []  # every path requested (the token is in them, as on the real API)
        self.files: dict[str, bytes] = {}
        self._updates: list[dict] = []
        self._fetched = 0  # the highest update_id getUpdates has handed out
        self._held: set[str] = set()  # methods whose answers wait (hold_answers)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.api_url = f"http://127.0.0.1:{self.port}/bot"
        self.file_url = f"http://127.0.0.1:{self.port}/file/bot"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-telegram", daemon=True)

    # --- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> "FakeTelegram":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()

    _closing = False

    # --- what the test does ----------------------------------------------------------------------------------

    def push(self, update: dict) -> int:
        """Queue an update (without update_id) for the next getUpdates; returns its update_id."""
        with self._changed:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._changed.notify_all()
            return update["update_id"]

    def wait_fetched(self, update_id: int, timeout: float = 90.0) -> None:
        """Block until the bot has received the update `update_id` (getUpdates handed it out)."""
        self.wait_for(lambda calls: self._fetched >= update_id, timeout)

    def hold_answers(self, method: str) -> None:
        """From now on the bot's `method` calls are recorded at once, but answered only after `release_answers`: a
        slow Telegram, for races between a call in flight and the next update."""
        with self._changed:
            self._held.add(method)

    def release_answers(self, method: str) -> None:
        with self._changed:
            self._held.discard(method)
            self._changed.notify_all()

    def add_file(self, data: bytes, extension: str = "oga") -> tuple[str, str]:
        """Store a file to be served by getFile and the file URL: (file_id, file_unique_id)."""
        number = next(self._file_ids)
        file_id = f"file-{number}.{extension}"
        self.files[file_id] = data
        return file_id, f"unique-{number}"

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 90.0) -> Any:
        """Block until predicate(all calls so far) is truthy; returns its value. The timeout is a safety net for
        a broken bot, not a measurement."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate(list(self.calls))
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the bot did not do what was expected in {timeout:.0f} s; calls so far:\n"
                                         + "\n".join(f"{c.method} {c.params}" for c in self.calls[-20:]))
                self._changed.wait(remaining)

    def messages_to(self, chat_id: int) -> list[Call]:
        return self.calls_to("sendMessage", chat_id)

    def wait_messages(self, chat_id: int, count: int, timeout: float = 90.0) -> list[Call]:
        """The first `count` messages sent to the chat, once there are that many."""
        return self.wait_for(lambda calls: (lambda sent: sent[:count] if len(sent) >= count else None)(
            [c for c in calls if c.method == "sendMessage" and c.chat_id == chat_id]), timeout)

    # --- update builders (the Bot API's JSON shapes) -----------------------------------------------------------

    @staticmethod
    def user(user_id: int, name: str = "Cán bộ") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}

    @staticmethod
    def chat(chat_id: int, kind: str = "private") -> dict:
        return {"id": chat_id, "type": kind, "first_name": "Cán bộ"} if kind == "private" else \
            {"id": chat_id, "type": kind, "title": "Phòng Tổ chức cán bộ"}

    def message(self, chat_id: int, user_id: int, chat_type: str = "private", **content: Any) -> dict:
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self.chat(chat_id, chat_type),
                "from": self.user(user_id), **content}

    def text_update(self, chat_id: int, user_id: int, text: str, chat_type: str = "private", **extra: Any) -> dict:
        content: dict[str, Any] = {"text": text, **extra}
        if text.startswith("/"):
            command = text.split()[0]
            content.setdefault("entities", []).append({"type": "bot_command", "offset": 0,
                                                      "length": utf16_len(command)})
        return {"message": self.message(chat_id, user_id, chat_type, **content)}

    def voice_update(self, chat_id: int, user_id: int, data: bytes, duration: int, kind: str = "voice") -> dict:
        file_id, unique = self.add_file(data, {"voice": "oga", "audio": "mp3"}.get(kind, "mp4"))
        media = {"file_id": file_id, "file_unique_id": unique, "duration": duration, "file_size": len(data)}
        if kind == "voice":
            media["mime_type"] = "audio/ogg"
        elif kind == "audio":
            media.update(mime_type="audio/mpeg", title="Câu hỏi")
        elif kind == "video_note":
            media["length"] = 240
        return {"message": self.message(chat_id, user_id, **{kind: media})}

    def callback_update(self, sent: Call, user_id: int, button: dict) -> dict:
        """The user presses `button` under the message the bot sent in `sent`."""
        bot_message = {"message_id": sent.params["_message_id"], "date": int(time.time()),
                       "chat": self.chat(sent.chat_id, "private" if sent.chat_id > 0 else "group"),
                       "from": self.bot_user, "text": sent.text, "reply_markup": sent.params.get("reply_markup")}
        return {"callback_query": {"id": f"cq-{next(self._message_ids)}", "from": self.user(user_id),
                                   "chat_instance": f"ci-{sent.chat_id}", "data": button["callback_data"],
                                   "message": bot_message}}

    # --- the HTTP side ---------------------------------------------------------------------------------------

    def _handle(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        if method in ("getMe", "getUpdates"):
            with self._changed:
                self.calls.append(Call(method, params))
                self._changed.notify_all()
            if method == "getMe":
                return 200, self.bot_user
            return 200, self._get_updates(int(params.get("offset") or 0), float(params.get("timeout") or 0))
        if method == "getFile":
            file_id = params.get("file_id", "")
            with self._changed:
                self.calls.append(Call(method, params))
            if file_id not in self.files:
                return 400, "Bad Request: invalid file_id"
            return 200, {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(self.files[file_id]),
                         "file_path": f"voice/{file_id}"}
        result: Any = True
        if method in ("sendMessage", "editMessageText"):
            message_id = next(self._message_ids)
            params["_message_id"] = message_id
            result = {"message_id": message_id, "date": int(time.time()),
                      "chat": self.chat(int(params["chat_id"]), "private" if int(params["chat_id"]) > 0 else "group"),
                      "from": self.bot_user, "text": params.get("text", "")}
            if (params.get("reply_markup") or {}).get("inline_keyboard"):  # as Telegram: a Message's reply_markup
                result["reply_markup"] = params["reply_markup"]  # is only ever an inline keyboard (not a ForceReply)
        with self._changed:
            self.calls.append(Call(method, params))
            self._changed.notify_all()
            while method in self._held and not self._closing:
                self._changed.wait()
        return 200, result

    def _get_updates(self, offset: int, timeout: float) -> list[dict]:
        deadline = time.monotonic() + min(timeout, 5.0)
        with self._changed:
            while True:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed ones go
                if self._updates or self._closing:
                    self._fetched = max([self._fetched] + [u["update_id"] for u in self._updates])
                    self._changed.notify_all()
                    return list(self._updates)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._changed.wait(remaining)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet: the test prints what matters
                pass

            def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a long poll at shutdown)
                    pass

            def _api(self, status: int, result: Any) -> None:
                payload = {"ok": True, "result": result} if status == 200 else \
                    {"ok": False, "error_code": status, "description": result}
                self._reply(status, json.dumps(payload, ensure_ascii=False).encode())

            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)  # python-telegram-bot quotes the file path (the token's ":")
                fake.requests.append(path)
                prefix = f"/file/bot{fake.token}/voice/"
                if path.startswith(prefix) and path[len(prefix):] in fake.files:
                    self._reply(200, fake.files[path[len(prefix):]], "application/octet-stream")
                else:
                    self._reply(404, b"Not Found", "text/plain")

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                fake.requests.append(path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                prefix = f"/bot{fake.token}/"
                if not path.startswith(prefix):
                    self._api(401, "Unauthorized")
                    return
                params = _parameters(body, self.headers.get("Content-Type", ""))
                self._api(*fake._handle(path[len(prefix):], params))

        return Handler


def _parameters(body: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    params: dict[str, Any] = {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}
    for key in JSON_PARAMETERS & params.keys():
        params[key] = json.loads(params[key])
    return params


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class RunningBot:
    """The real bot Application (bot.app.build_application + run_polling, exactly as `python -m bot` runs it) in a
    thread of its own, polling `fake`. Stopped (with its shutdown hooks) on exit."""

    def __init__(self, fake: FakeTelegram, settings: Any, started_by: str = "setMyCommands",
                 **build_options: Any) -> None:
        """`started_by`: the Bot API call after which the bot counts as started (setMyCommands ends post_init: from
        then on the bot polls; getMe: it is initialised and may still be waiting for the assistant)."""
        from bot.app import build_application

        self.fake = fake
        self.started_by = started_by
        self.application = build_application(settings, **build_options)
        self._loop: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bot-under-test", daemon=True)

    def _run(self) -> None:
        import asyncio

        from bot.app import run_polling

        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            run_polling(self.application, stop_signals=None)
        except BaseException as exc:  # surfaced by __exit__
            self._error = exc

    def __enter__(self) -> "RunningBot":
        self._thread.start()
        self.fake.wait_for(lambda calls: any(c.method == self.started_by for c in calls) or self._error, 120)
        if self._error:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(60)
        assert not self._thread.is_alive(), "the bot did not stop"
        if self._error:
            raise self._error
