"""The python-telegram-bot Application: handlers, shared services, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import (Application, CallbackQueryHandler, CommandHandler, Defaults, ExtBot, MessageHandler,
                          TypeHandler, filters)
from telegram.request import HTTPXRequest

from . import handlers
from .access import AccessList, RateLimiter, SenderLocks
from .catalog import CatalogReader
from .handlers import SERVICES, Services
from .logs import redact_also
from .rasa import RasaClient
from .render import ButtonStore
from .settings import BotSettings

log = logging.getLogger(__name__)

# The only updates the bot asks Telegram for (group joins, polls, reactions … are not fetched at all).
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
# Updates handled at once: a slow answer for one user does not hold up the others (each conversation keeps its
# own order through Services.locks).
CONCURRENT_UPDATES = 32
COMMANDS = [BotCommand("start", "Lời chào và câu hỏi mẫu"), BotCommand("help", "Tôi biết gì, cách hỏi"),
            BotCommand("tailieu", "Danh sách văn bản"), BotCommand("lienhe", "Thông tin liên hệ")]


class TolerantBot(ExtBot):
    """The library's bot, except that an update it cannot read does not stop polling. python-telegram-bot parses a
    whole getUpdates batch at once; one update it cannot parse (a field a newer Bot API made required, say) fails the
    batch, and the library then asks for the same batch again and again: nobody gets an answer any more. Such an
    update is logged and replaced by an empty one with the same id, which no handler answers and which moves the
    offset on."""

    async def _post(self, endpoint: str, data: dict | None = None, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            return [update for update in map(self._readable, result) if update is not None]
        return result

    def _readable(self, update: Any) -> dict | None:
        try:
            Update.de_json(update, self)
            return update
        except Exception as exc:  # noqa: BLE001 - whatever the library raises, this update is the only casualty
            update_id = update.get("update_id") if isinstance(update, dict) else None
            kinds = sorted(set(update) - {"update_id"}) if isinstance(update, dict) else type(update).__name__
            log.error("Telegram update %s (%s) cannot be read by this python-telegram-bot: skipped (%s: %s)",
                      update_id, kinds, type(exc).__name__, exc)
            return {"update_id": update_id} if isinstance(update_id, int) else None


def build_application(settings: BotSettings, *, index_dir: Path | None = None, speech: object | None = None,
                      webhook: bool = False) -> Application:
    """The bot. `index_dir` is the knowledge index the /tailieu, /lienhe and /help lists are read from; `speech` a
    loaded speech.SpeechService (None: loaded from the speech settings at start-up)."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    bot = TolerantBot(settings.token, base_url=settings.telegram_api_url, base_file_url=settings.telegram_file_url,
                      defaults=Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)),
                      # the pool sizes ApplicationBuilder would choose: 256 for calls, 1 for the long poll
                      request=HTTPXRequest(connection_pool_size=256),
                      get_updates_request=HTTPXRequest(connection_pool_size=1))
    builder = (Application.builder().bot(bot)
               .concurrent_updates(CONCURRENT_UPDATES)
               .post_init(post_init).post_shutdown(post_shutdown))
    if webhook:
        builder = builder.updater(None)  # updates come from our own webhook server (bot/webhook.py)
    application = builder.build()
    application.bot_data[SERVICES] = Services(
        settings=settings,
        rasa=RasaClient(settings.rasa_base_url, settings.bot_rasa_timeout, settings.action_server_base_url),
        access=AccessList(settings.allowed_ids),
        limiter=RateLimiter(settings.bot_rate_limit),
        locks=SenderLocks(),
        buttons=ButtonStore(),
        catalog=CatalogReader(index_dir) if index_dir is not None else None,
        speech=speech,
    )
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    application.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    # Order matters: the first matching handler of a group wins.
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.on_edited))
    application.add_handler(CommandHandler("start", handlers.on_start))
    application.add_handler(CommandHandler("help", handlers.on_help))
    application.add_handler(CommandHandler("tailieu", handlers.on_documents))
    application.add_handler(CommandHandler("lienhe", handlers.on_contacts))
    application.add_handler(MessageHandler(filters.COMMAND, handlers.on_unknown_command))
    application.add_handler(MessageHandler(filters.TEXT, handlers.on_text))
    application.add_handler(MessageHandler(filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE, handlers.on_voice))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_handler(MessageHandler(filters.ALL, handlers.on_other))
    application.add_error_handler(handlers.on_error)


async def post_init(application: Application) -> None:
    """After getMe, before any update is fetched: speech (its model loaded once, off the event loop) while waiting
    for the assistant to answer, the command menu, one line saying how the bot is set up."""
    s: Services = application.bot_data[SERVICES]
    await asyncio.gather(load_speech(s), wait_for_assistant(s))
    try:
        await application.bot.set_my_commands(COMMANDS)
    except TelegramError as exc:  # the menu is a convenience; the commands work without it
        log.warning("could not set the command menu: %s", exc)
    ids = s.access.ids
    allowed = "everyone" if ids is None else f"{len(ids)} user/chat ids"
    voice = f"on ({s.speech.model_name}, first {s.speech_max_seconds:g} s)" if s.voice_ready else "off"
    log.info("Telegram bot @%s ready: Rasa at %s, voice %s, allowed: %s, rate limit %d/min",
             application.bot.username, s.settings.rasa_base_url, voice, allowed, s.settings.bot_rate_limit)
    if ids is not None and not ids:
        log.warning("TELEGRAM_ALLOWED_IDS is empty: every user is refused. Set it to the user and chat ids allowed "
                    "(comma-separated), or to '*' to let everyone in")


async def wait_for_assistant(s: Services, every: float = 1.0) -> None:
    """Until Rasa and the action server answer, at most BOT_STARTUP_WAIT seconds. Telegram keeps the messages sent
    meanwhile (after a restart or deploy there are some) and the bot takes them only now, so none is answered
    "busy" just because the assistant was still loading."""
    limit = s.settings.bot_startup_wait
    if not limit:
        return
    clock = asyncio.get_running_loop().time
    started, told = clock(), False
    waiting = f"Rasa at {s.settings.rasa_base_url} and the action server at {s.settings.action_server_base_url}"
    while not await s.rasa.answers():
        waited = clock() - started
        if waited >= limit:
            log.warning("%s do not answer after %.0f s (BOT_STARTUP_WAIT): taking messages anyway; they are "
                        "answered \"busy\" until the assistant is up", waiting, waited)
            return
        if not told:
            log.info("waiting for %s before taking messages (at most %g s)", waiting, limit)
            told = True
        await asyncio.sleep(min(every, limit - waited))
    if told:
        log.info("the assistant answers after %.1f s: taking messages", clock() - started)


async def load_speech(s: Services) -> None:
    try:
        from speech import SpeechService, SpeechSettings
    except ImportError as exc:
        log.error("voice notes are off: the speech package cannot be imported (%s)", exc)
        s.speech = None
        return
    speech_settings = SpeechSettings()
    s.speech_max_seconds = speech_settings.speech_max_seconds
    s.speech_max_bytes = speech_settings.speech_max_upload_bytes
    if s.speech is None:
        s.speech = await asyncio.to_thread(SpeechService.from_settings, speech_settings)
        s.speech_owned = True
    if not s.speech.available:
        log.warning("voice notes are off: %s", s.speech.unavailable_reason)


async def post_shutdown(application: Application) -> None:
    s: Services = application.bot_data[SERVICES]
    await s.rasa.aclose()
    if s.speech_owned:
        s.speech.close()


def run_polling(application: Application, **options: object) -> None:
    """Polling (the default): no public address needed. Network errors are retried for ever, with back-off.
    `options` go to Application.run_polling (the tests pass stop_signals=None to run it in a thread)."""
    application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1, **options)


async def run_webhook(application: Application, settings: BotSettings, stop: asyncio.Event | None = None) -> None:
    """Webhook mode, following python-telegram-bot's custom-webhook example (Starlette + uvicorn, both already
    ours): Telegram posts updates to TELEGRAM_WEBHOOK_URL, which a TLS reverse proxy forwards to
    TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT. Requests without the secret token are refused. Stops on SIGINT or
    SIGTERM, or when `stop` is set."""
    import uvicorn

    from .webhook import webhook_app

    secret = (settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret
              else secrets.token_urlsafe(32))
    redact_also(secret)
    path = urlsplit(settings.telegram_webhook_url).path or "/"
    server = uvicorn.Server(uvicorn.Config(webhook_app(application, path, secret), host=settings.telegram_webhook_listen,
                                           port=settings.telegram_webhook_port, log_level="warning", access_log=False,
                                           lifespan="off"))
    async with application:  # initialize (getMe) … shutdown
        await post_init(application)
        await application.bot.set_webhook(settings.telegram_webhook_url, secret_token=secret,
                                          allowed_updates=ALLOWED_UPDATES)
        await application.start()
        log.info("webhook mode: listening on %s:%d%s", settings.telegram_webhook_listen,
                 settings.telegram_webhook_port, path)
        watcher = asyncio.create_task(_exit_when_set(stop, server)) if stop is not None else None
        try:
            await server.serve()
        finally:
            if watcher is not None:
                watcher.cancel()
            await application.stop()
            await post_shutdown(application)


async def _exit_when_set(stop: asyncio.Event, server) -> None:
    await stop.wait()
    server.should_exit = True
