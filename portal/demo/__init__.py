"""A demo host page for the voice-search widget: a plain HTML portal of a ministry (two search boxes in two forms,
a third box added later by the page's script, in assistant mode), served from another origin than the widget.

    python -m portal.demo --port 8000 --endpoint http://127.0.0.1:8080

The pages name the widget's portal as http://127.0.0.1:8080 (where `make run` serves it); `DemoServer` replaces
that address with `endpoint`. The files also work as they are from any static server (`python -m http.server`).
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

DEMO_DIR = Path(__file__).resolve().parent
DEFAULT_ENDPOINT = "http://127.0.0.1:8080"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8"}
NOT_FOUND = "Không tìm thấy trang này."


class DemoServer:
    """The demo pages on host:port (port 0: a free one), in a background thread; a context manager."""

    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, host: str = "127.0.0.1", port: int = 0) -> None:
        files = {f"/{path.name}": path for path in DEMO_DIR.iterdir() if path.suffix in CONTENT_TYPES}
        files["/"] = DEMO_DIR / "index.html"
        endpoint = endpoint.rstrip("/")

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = files.get(urlsplit(self.path).path)
                if path is None:
                    status, kind, body = HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", NOT_FOUND.encode()
                else:
                    status, kind = HTTPStatus.OK, CONTENT_TYPES[path.suffix]
                    body = path.read_text(encoding="utf-8").replace(DEFAULT_ENDPOINT, endpoint).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet: the tests run many requests
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"demo-{self.port}", daemon=True)

    def __enter__(self) -> "DemoServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def serve_forever(self) -> None:
        try:
            self.server.serve_forever()
        finally:
            self.server.server_close()
