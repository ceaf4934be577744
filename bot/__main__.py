"""`python -m bot`: the Telegram bot, in polling mode (or webhook mode when TELEGRAM_WEBHOOK_URL is set).

Without TELEGRAM_BOT_TOKEN it logs one line and exits 0, so `make run` (supervisord: exitcodes=0,78,
autorestart=unexpected) simply leaves it off. Settings errors and a token Telegram refuses exit 78 (EX_CONFIG):
restarting cannot fix them. Anything else that stops the bot is an unexpected exit, and supervisord restarts it.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError
from telegram.error import InvalidToken

from .logs import configure_logging
from .settings import BotSettings

log = logging.getLogger("bot")
EX_CONFIG = 78


def main() -> int:
    try:
        settings = BotSettings()
    except ValidationError as exc:
        configure_logging()
        log.error("Telegram bot settings are invalid: %s", exc)
        return EX_CONFIG
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    configure_logging(settings.bot_log_level, secrets=[settings.token or "", secret or ""])
    if not settings.token:
        log.info("Telegram bot off: TELEGRAM_BOT_TOKEN is not set")
        return 0

    from knowledge.settings import KnowledgeSettings

    from .app import build_application, run_polling, run_webhook

    webhook = bool(settings.telegram_webhook_url)
    application = build_application(settings, index_dir=KnowledgeSettings().index_dir, webhook=webhook)
    # The token is appended by python-telegram-bot: this URL is safe to log. Until the Bot API answers, the bot
    # retries quietly (python-telegram-bot logs each retry at DEBUG).
    log.info("Telegram bot starting (%s mode), Bot API %s", "webhook" if webhook else "polling",
             settings.telegram_api_url)
    try:
        if webhook:
            asyncio.run(run_webhook(application, settings))
        else:
            run_polling(application)
    except InvalidToken as exc:
        log.error("Telegram refused TELEGRAM_BOT_TOKEN (%s): set the token @BotFather gave and restart the bot", exc)
        return EX_CONFIG
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
