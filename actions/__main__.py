"""The action server: rasa_sdk's app with our actions, on loopback, the knowledge index loaded at start and followed
as builds switch it (actions/knowledge_base.py).

    python -m actions            (ACTION_SERVER_HOST / ACTION_SERVER_PORT, default 127.0.0.1:5055)

`python -m rasa_sdk` would work too but starts Sanic worker processes that each load the index; this
runs one process and refuses to start, with the command that fixes it, when the index cannot be loaded.
"""

from __future__ import annotations

import logging
import sys

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from knowledge.embed import EmbeddingModelError
from knowledge.index import IndexLoadError

from .knowledge_base import knowledge_index
from .settings import ServerSettings

log = logging.getLogger("actions")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = ServerSettings()
    try:
        index = knowledge_index()
    except (IndexLoadError, EmbeddingModelError) as exc:
        log.error("action server not started: %s", exc)
        sys.exit(2)
    log.info("knowledge index %s loaded: %d documents, %d chunks", index.folder.name, len(index.documents),
             len(index.chunks))
    executor = ActionExecutor()
    executor.register_package("actions.actions")
    app = create_app(executor, cors_origins=[])
    app.run(host=settings.action_server_host, port=settings.action_server_port, single_process=True,
            access_log=False, motd=False)


if __name__ == "__main__":
    main()
