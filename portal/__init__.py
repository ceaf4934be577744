"""The web portal: ask the assistant by text or by voice (FastAPI app, static page, speech endpoints)."""

from .app import create_app
from .settings import PortalSettings

__all__ = ["PortalSettings", "create_app"]
