"""Wait until the action server and the Rasa server answer, then say where to talk to them.

Run by supervisord beside the two servers (`make run`); exits 1 when they are not up in time.
"""

from __future__ import annotations

import sys

from portal.settings import PortalSettings

from .launch import wait_until_up
from .settings import ServerSettings


def main() -> None:
    settings = ServerSettings()
    actions = f"http://{settings.action_server_host}:{settings.action_server_port}"
    rasa = f"http://{settings.rasa_host}:{settings.rasa_port}"
    portal_settings = PortalSettings()
    portal = f"http://{portal_settings.portal_host}:{portal_settings.portal_port}"
    try:
        for url in (f"{actions}/health", f"{rasa}/", f"{portal}/healthz"):
            wait_until_up(url, None, settings.startup_timeout)
    except TimeoutError as exc:
        print(f"✗ {exc}; see the log above.", flush=True)
        sys.exit(1)
    print("\n✓ Trợ lý CCVC is ready.\n"
          f"  Portal:        {portal}/  (the web page: ask by text or by voice)\n"
          f"  Chat (REST):   curl -s {rasa}/webhooks/rest/webhook -d '{{\"sender\": \"me\", \"message\": \"Xin chào\"}}'\n"
          f"  HTTP API:      {rasa}/  (token: $RASA_API_TOKEN, or var/rasa-api-token)\n"
          f"  Action server: {actions}\n"
          "  Stop: Ctrl-C\n", flush=True)


if __name__ == "__main__":
    main()
