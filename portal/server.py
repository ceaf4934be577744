"""Serving the portal with uvicorn (`python -m portal`, and the tests, which run it in a thread)."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from .settings import PortalSettings

WS_MAX_MESSAGE = 1024 * 1024  # one audio chunk of the page is 3.2 kB; nothing legitimate comes near this


def uvicorn_config(app: FastAPI, settings: PortalSettings, *, host: str | None = None, port: int | None = None,
                   log_level: str = "info") -> uvicorn.Config:
    return uvicorn.Config(app, host=host or settings.portal_host, port=settings.portal_port if port is None else port,
                          log_level=log_level, proxy_headers=True,
                          forwarded_allow_ips=settings.portal_forwarded_allow_ips, ws_max_size=WS_MAX_MESSAGE,
                          server_header=False)
