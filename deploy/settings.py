"""Settings of `make run` (environment or .env): where each service listens and how long starting may take.

The services read the same variables themselves (actions/settings.py, portal/settings.py, Rasa's command line in
supervisord.conf); these are what the run set-up checks and prints.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class RunSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    action_server_host: str = "127.0.0.1"
    action_server_port: int = 5055
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    portal_host: str = "127.0.0.1"
    portal_port: int = 8080
    # supervisord's own log, pid file and control socket, and each service's log (log/<name>.log).
    ccvc_run_dir: Path = ROOT / "var"
    # Seconds `make run` waits for the services to answer (Rasa loads its model in 10–60 s on two cores).
    startup_timeout: float = 300.0
