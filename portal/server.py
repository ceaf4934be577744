"""Serving the portal with uvicorn (`python -m portal`, and the tests, which run it in a thread)."""

from __future__ import annotations

import logging
import re

import uvicorn
from fastapi import FastAPI

from .settings import PortalSettings

WS_MAX_MESSAGE = 1024 * 1024  # one audio chunk of the page is 3.2 kB; nothing legitimate comes near this
# The admin pages accept ?token=… (a link opened in a browser): the access log must not keep it.
_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s]*", re.IGNORECASE)


class TokenRedactingFilter(logging.Filter):
    """Masks ?token=… in uvicorn's access log lines (their path argument carries the query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_QUERY.sub(r"\1***", arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        return True


def uvicorn_config(app: FastAPI, settings: PortalSettings, *, host: str | None = None, port: int | None = None,
                   log_level: str = "info") -> uvicorn.Config:
    config = uvicorn.Config(app, host=host or settings.portal_host,
                            port=settings.portal_port if port is None else port, log_level=log_level,
                            proxy_headers=True, forwarded_allow_ips=settings.portal_forwarded_allow_ips,
                            ws_max_size=WS_MAX_MESSAGE, server_header=False)
    access = logging.getLogger("uvicorn.access")  # configured by uvicorn.Config just above
    if not any(isinstance(f, TokenRedactingFilter) for f in access.filters):
        access.addFilter(TokenRedactingFilter())
    return config
