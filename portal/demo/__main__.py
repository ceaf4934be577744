"""`python -m portal.demo`: serve the demo host page (see portal/demo/__init__.py)."""

from __future__ import annotations

import typer

from . import DEFAULT_ENDPOINT, DemoServer


def main(port: int = typer.Option(8000, help="port of the demo page"),
         host: str = typer.Option("127.0.0.1", help="address to listen on"),
         endpoint: str = typer.Option(DEFAULT_ENDPOINT, help="the portal serving the widget")) -> None:
    """Serve the demo ministry portal that embeds the voice-search widget. Put its origin (e.g.
    http://localhost:8000) in the portal's PORTAL_WIDGET_ORIGINS."""
    server = DemoServer(endpoint, host, port)
    typer.echo(f"demo page on http://localhost:{server.port}/ (widget from {endpoint}); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    typer.run(main)
