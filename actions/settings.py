"""Settings of the action server (environment or .env)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    action_server_host: str = "127.0.0.1"  # loopback only: Rasa is its one client
    action_server_port: int = 5055
