"""Settings of the action server and of how `make run` reaches the Rasa server (environment or .env)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    action_server_host: str = "127.0.0.1"  # loopback only: Rasa is its one client
    action_server_port: int = 5055
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    # Seconds `make run` waits for both servers (Rasa loads its model in ~30 s on two cores).
    startup_timeout: float = 240.0
