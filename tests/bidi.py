"""A small WebDriver BiDi client for the Firefox tests: Debian's firefox-esr started headless with its built-in remote
agent (no geckodriver, no Playwright build), spoken to over one WebSocket with the W3C commands
(https://w3c.github.io/webdriver-bidi/). Only what the tests use: navigate, evaluate, click, screenshot, events.
"""

from __future__ import annotations

import base64
import itertools
import json
import queue
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")

# Quiet, offline, no first-run pages; the remote agent adds its own recommended preferences on top.
QUIET_PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "browser.safebrowsing.update.enabled": False,
    "extensions.update.enabled": False,
    "intl.accept_languages": "vi-VN, vi",
}


class BidiError(RuntimeError):
    pass


class Firefox:
    """firefox-esr --headless with a fresh profile holding `prefs`; a context manager. `.page` is its one tab."""

    def __init__(self, profile: Path, prefs: dict[str, object], start_timeout: float = 60) -> None:
        if FIREFOX is None:
            raise RuntimeError("firefox-esr is not installed")
        profile.mkdir(parents=True, exist_ok=True)
        lines = [f"user_pref({json.dumps(name)}, {json.dumps(value)});" for name, value in {**QUIET_PREFS, **prefs}.items()]
        (profile / "user.js").write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.profile = profile
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []
        self.session: BidiSession | None = None

    def __enter__(self) -> "Firefox":
        # Port 0: Firefox picks a free one and prints it.
        self.process = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--remote-debugging-port=0", "--profile", str(self.profile),
             "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        found: queue.Queue[str] = queue.Queue()

        def read_stderr() -> None:
            for line in self.process.stderr:
                self.output.append(line.rstrip())
                if match := LISTENING.search(line):
                    found.put(match.group(1))
        threading.Thread(target=read_stderr, name="firefox-stderr", daemon=True).start()
        try:
            url = found.get(timeout=self.start_timeout)
        except queue.Empty:
            self.__exit__()
            raise RuntimeError("Firefox's remote agent did not start:\n" + "\n".join(self.output[-20:])) from None
        self.session = BidiSession(f"{url}/session")
        return self

    def __exit__(self, *exc) -> None:
        if self.session is not None:
            self.session.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


class BidiSession:
    """One BiDi session: commands wait for their answer; events go to the handlers subscribed with `on`."""

    def __init__(self, url: str, timeout: float = 60) -> None:
        self.timeout = timeout
        self.socket = connect(url, max_size=None, open_timeout=timeout)
        self.ids = itertools.count(1)
        self.pending: dict[int, queue.Queue] = {}
        self.handlers: dict[str, list[Callable[[dict], None]]] = {}
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, name="bidi-reader", daemon=True)
        self.reader.start()
        self.send("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": True,
                                                                   "unhandledPromptBehavior": {"default": "ignore"}}}})

    def _read(self) -> None:
        try:
            for raw in self.socket:
                message = json.loads(raw)
                if "id" in message and message["id"] in self.pending:
                    self.pending[message["id"]].put(message)
                elif message.get("type") == "event":
                    for handler in self.handlers.get(message["method"], []):
                        handler(message["params"])
        except ConnectionClosed:
            pass
        for waiting in list(self.pending.values()):
            waiting.put({"type": "error", "error": "connection closed", "message": "Firefox went away"})

    def send(self, method: str, params: dict | None = None, timeout: float | None = None) -> dict:
        command_id = next(self.ids)
        answer: queue.Queue = queue.Queue()
        self.pending[command_id] = answer
        with self.lock:
            self.socket.send(json.dumps({"id": command_id, "method": method, "params": params or {}}))
        try:
            message = answer.get(timeout=timeout or self.timeout)
        except queue.Empty:
            raise BidiError(f"{method}: no answer") from None
        finally:
            self.pending.pop(command_id, None)
        if message.get("type") == "error":
            raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
        return message["result"]

    def on(self, event: str, handler: Callable[[dict], None]) -> None:
        self.handlers.setdefault(event, []).append(handler)
        self.send("session.subscribe", {"events": [event]})

    def close(self) -> None:
        try:
            self.send("session.end", timeout=10)
        except (BidiError, ConnectionClosed):
            pass
        self.socket.close()


class Page:
    """One browsing context (tab) of a session."""

    def __init__(self, session: BidiSession) -> None:
        self.session = session
        self.context = session.send("browsingContext.getTree", {"maxDepth": 0})["contexts"][0]["context"]

    def set_viewport(self, width: int, height: int) -> None:
        self.session.send("browsingContext.setViewport",
                          {"context": self.context, "viewport": {"width": width, "height": height}})

    def add_preload_script(self, function: str, channel: str | None = None) -> None:
        """Runs `function` in every new document before the page's own scripts; with a channel, the function's
        first argument posts messages that arrive as `script.message` events."""
        params: dict = {"functionDeclaration": function, "contexts": [self.context]}
        if channel:
            params["arguments"] = [{"type": "channel", "value": {"channel": channel}}]
        self.session.send("script.addPreloadScript", params)

    def goto(self, url: str) -> None:
        self.session.send("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str):
        """The expression's value (awaited when it is a promise), as plain Python."""
        result = self.session.send("script.evaluate", {
            "expression": expression, "target": {"context": self.context}, "awaitPromise": True,
            "userActivation": False, "serializationOptions": {"maxObjectDepth": 8}})
        if result["type"] == "exception":
            raise BidiError(f"{expression!r}: {result['exceptionDetails']['text']}")
        return deserialize(result["result"])

    def element(self, expression: str) -> dict:
        """A shared reference to the element the expression returns (may be inside a shadow root)."""
        result = self.session.send("script.evaluate", {
            "expression": expression, "target": {"context": self.context}, "awaitPromise": False})
        if result["type"] == "exception" or result["result"]["type"] != "node":
            raise BidiError(f"{expression!r}: not an element: {result}")
        return {"sharedId": result["result"]["sharedId"]}

    def wait_for(self, expression: str, timeout: float = 30, message: str = ""):
        """Polls until the expression is truthy; returns its value. Navigation in between is waited out."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                last = self.evaluate(expression)
                if last:
                    return last
            except BidiError as error:  # e.g. the document is being replaced
                last = str(error)
            if time.monotonic() > deadline:
                raise AssertionError(f"not true within {timeout} s: {expression} ({message or last!r})")
            time.sleep(0.1)

    def click(self, element_expression: str) -> None:
        """A real mouse click in the middle of the element (a trusted event, so it counts as user activation)."""
        element = self.element(element_expression)
        self.session.send("input.performActions", {"context": self.context, "actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "x": 0, "y": 0, "origin": {"type": "element", "element": element}},
                        {"type": "pointerDown", "button": 0}, {"type": "pause", "duration": 50},
                        {"type": "pointerUp", "button": 0}]}]})

    def press(self, key: str) -> None:
        """One key press; `key` is a character or a WebDriver key code such as "\\uE00C" (Escape)."""
        self.session.send("input.performActions", {"context": self.context, "actions": [{
            "type": "key", "id": "keyboard", "actions": [{"type": "keyDown", "value": key},
                                                          {"type": "keyUp", "value": key}]}]})

    def screenshot(self, path: Path) -> Path:
        data = self.session.send("browsingContext.captureScreenshot", {"context": self.context})["data"]
        path.write_bytes(base64.b64decode(data))
        return path


def deserialize(value: dict):
    """A BiDi RemoteValue as Python: primitives, arrays and plain objects (others as their type name)."""
    kind = value["type"]
    if kind in ("undefined", "null"):
        return None
    if kind in ("string", "boolean"):
        return value["value"]
    if kind == "number":
        number = value["value"]
        if isinstance(number, str):  # NaN, Infinity, -0
            return float(number.replace("Infinity", "inf")) if number != "-0" else 0.0
        return number
    if kind in ("array", "set"):
        return [deserialize(item) for item in value.get("value", [])]
    if kind in ("object", "map"):
        return {(key if isinstance(key, str) else deserialize(key)): deserialize(item)
                for key, item in value.get("value", [])}
    return f"<{kind}>"
