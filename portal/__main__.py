"""`python -m portal`: serve the portal on PORTAL_HOST:PORTAL_PORT (see portal/settings.py)."""

from __future__ import annotations

import logging

import uvicorn

from .app import create_app
from .server import uvicorn_config
from .settings import PortalSettings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = PortalSettings()
    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run()


if __name__ == "__main__":
    main()
