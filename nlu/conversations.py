"""The conversations Rasa keeps in its SQL tracker store (SQLite or PostgreSQL): read them, delete old ones.

Plain SQLAlchemy Core, no Rasa import: it runs in the Rasa server's venv (SQLAlchemy 1.4) for retention, and in
ours (SQLAlchemy 2.x) for the report and the command line.

Rasa 3.6 writes one row per event into the table `events` (id, sender_id, type_name, timestamp, intent_name,
action_name, data = the event as JSON). The records read from it:

`Turn`      one user message and what the assistant did until the next user message of that conversation:
            `sender_id`, `timestamp` (UTC, aware), `text` (as typed; "/intent{…}" when a button or client sent an
            intent directly: `direct` is then true), `intent` and `confidence` (Rasa's NLU), `message_id`,
            `replies` (the `Reply`s that followed, in order) and `actions` (the actions run, action_listen left
            out). Shortcuts: `answer_text` (the replies' texts joined), `custom` (the first structured payload:
            answered, confidence, kind, citations, answer_id …), `answer_id`.
`Reply`     one bot message: `text` (or None), `custom` (our structured payload, or None), `buttons` (Rasa's
            button dicts: title, payload).
`Feedback`  a 👍/👎 sent as `/feedback{"rating": "up"|"down", "answer_id": "…", "comment": "…"}`: `sender_id`,
            `timestamp`, `rating`, `answer_id`, `comment` (None when absent). Feedback messages are not Turns.

`iter_turns` yields both kinds, conversation by conversation (sender_id order), each conversation in event order.

Command line (our venv): `python -m nlu.conversations purge [--days N] [--url URL]` deletes the conversations
whose last event is older than N days (CONVERSATION_RETENTION_DAYS by default); `list` shows each conversation's
first and last message. The URL's password never reaches the output.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Union

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL

from nlu.settings import ROOT, StoreSettings

log = logging.getLogger(__name__)

TABLE = "events"
FEEDBACK_INTENT = "feedback"
DAY = 86400.0

Since = Union[datetime, date, float, int, None]


@dataclass(frozen=True)
class Reply:
    text: str | None
    custom: dict[str, Any] | None = None
    buttons: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Turn:
    sender_id: str
    timestamp: datetime
    text: str
    intent: str | None
    confidence: float | None
    message_id: str | None = None
    replies: tuple[Reply, ...] = ()
    actions: tuple[str, ...] = ()

    @property
    def direct(self) -> bool:
        """The client sent an intent ("/greet", a button's "/intent{…}"), not words for the NLU."""
        return self.text.startswith("/")

    @property
    def answer_text(self) -> str:
        return "\n".join(reply.text for reply in self.replies if reply.text)

    @property
    def custom(self) -> dict[str, Any] | None:
        return next((reply.custom for reply in self.replies if reply.custom is not None), None)

    @property
    def answer_id(self) -> str | None:
        for reply in self.replies:
            if reply.custom and reply.custom.get("answer_id"):
                return str(reply.custom["answer_id"])
        return None


@dataclass(frozen=True)
class Feedback:
    sender_id: str
    timestamp: datetime
    rating: str | None
    answer_id: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Conversation:
    sender_id: str
    first: datetime
    last: datetime
    events: int


# --- the store -----------------------------------------------------------------------------------------------


def store_url(url: str | URL | None = None) -> URL:
    """The SQLAlchemy URL to use: `url`, else TRACKER_STORE_URL (environment, .env), else var/tracker.db.

    A relative SQLite path is taken from the project root (whatever the working directory), and `postgres://`
    (as some hosts spell it) becomes `postgresql://`."""
    if url is None:
        url = StoreSettings.load().tracker_store_url
    if isinstance(url, str):
        url = url.strip()
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not parsed.database.startswith("file:") and not Path(parsed.database).is_absolute():
        parsed = parsed.set(database=str(ROOT / parsed.database))
    return parsed


def safe_url(url: str | URL | None) -> str:
    """The URL with its password masked: what logs and messages may show."""
    if url is None:
        return "(none)"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: say nothing of it
        return "(unreadable URL)"


def prepare_sqlite_file(url: URL) -> None:
    """A SQLite store's folder is made when missing, and a new file is readable by its owner only (personal data)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def open_store(url: str | URL | None = None, **engine_options: Any) -> Engine:
    """An Engine on the tracker store (see `store_url`); a SQLite file is prepared (`prepare_sqlite_file`)."""
    parsed = store_url(url)
    prepare_sqlite_file(parsed)
    return sa.create_engine(parsed, **engine_options)


def has_events(engine: Engine) -> bool:
    """Whether Rasa has made its table yet (a store nobody talked to has none)."""
    return sa.inspect(engine).has_table(TABLE)


def _epoch(moment: Since) -> float | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        if moment.tzinfo is None:  # a naive datetime is taken as UTC, like Rasa's timestamps
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp()
    if isinstance(moment, date):
        return datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc).timestamp()
    return float(moment)


def _when(timestamp: float | None) -> datetime:
    return datetime.fromtimestamp(timestamp or 0.0, tz=timezone.utc)


# --- reading ---------------------------------------------------------------------------------------------------


def _is_feedback(event: dict[str, Any]) -> bool:
    """The feedback intent, or a client's "/feedback{…}" whatever the NLU made of it (a model without the intent)."""
    if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == FEEDBACK_INTENT:
        return True
    text = (event.get("text") or "").strip()
    return text == f"/{FEEDBACK_INTENT}" or text.startswith(f"/{FEEDBACK_INTENT}{{")


def _feedback(sender_id: str, timestamp: float | None, event: dict[str, Any]) -> Feedback:
    values: dict[str, Any] = {}
    text = event.get("text") or ""
    brace = text.find("{")
    if brace != -1:  # the JSON after "/feedback": what the client sent, whatever the NLU made of it
        try:
            parsed = json.loads(text[brace:])
            if isinstance(parsed, dict):
                values.update(parsed)
        except ValueError:
            pass
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") and entity.get("value") is not None:
            values.setdefault(entity["entity"], entity["value"])

    def text_of(name: str) -> str | None:
        value = values.get(name)
        return str(value) if value not in (None, "") else None

    return Feedback(sender_id, _when(timestamp), text_of("rating"), text_of("answer_id"), text_of("comment"))


def _turn(sender_id: str, timestamp: float | None, event: dict[str, Any]) -> Turn:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    confidence = intent.get("confidence")
    return Turn(sender_id=sender_id, timestamp=_when(timestamp), text=event.get("text") or "",
                intent=intent.get("name"), confidence=float(confidence) if confidence is not None else None,
                message_id=event.get("message_id") or parse.get("message_id"))


def _reply(event: dict[str, Any]) -> Reply:
    data = event.get("data") or {}
    custom = data.get("custom")
    buttons = data.get("buttons") or ()
    return Reply(event.get("text"), custom if isinstance(custom, dict) else None,
                 tuple(b for b in buttons if isinstance(b, dict)))


def iter_turns(engine: Engine, since: Since = None) -> Iterator[Turn | Feedback]:
    """Every user message (as a `Turn` with what followed it) and every `Feedback`, from `since` on (a datetime,
    date or epoch seconds; None = everything). Conversation by conversation, each in the order it happened."""
    if not has_events(engine):
        return
    query = (f"SELECT id, sender_id, type_name, timestamp, action_name, data FROM {TABLE} "
             "WHERE type_name IN ('user', 'bot', 'action')")
    params: dict[str, Any] = {}
    cutoff = _epoch(since)
    if cutoff is not None:
        query += " AND timestamp >= :since"
        params["since"] = cutoff
    query += " ORDER BY sender_id, id"

    pending: Turn | None = None
    replies: list[Reply] = []
    actions: list[str] = []

    def finished() -> Turn | None:
        if pending is None:
            return None
        return replace(pending, replies=tuple(replies), actions=tuple(actions))

    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":  # a server-side cursor: the table is not loaded whole
            connection = connection.execution_options(stream_results=True, yield_per=500)
        for row in connection.execute(sa.text(query), params):
            if pending is not None and row.sender_id != pending.sender_id:
                yield finished()
                pending = None
            if row.type_name == "action":
                if pending is not None and row.action_name and row.action_name != "action_listen":
                    actions.append(row.action_name)
                continue
            try:
                event = json.loads(row.data or "{}")
            except ValueError:
                log.warning("event %s of a conversation is not JSON; skipped", row.id)
                continue
            if not isinstance(event, dict):
                continue
            if row.type_name == "bot":
                if pending is not None:
                    replies.append(_reply(event))
                continue
            # a user message: the previous turn is complete
            if pending is not None:
                yield finished()
                pending = None
            if _is_feedback(event):
                yield _feedback(row.sender_id, row.timestamp, event)
                continue
            pending, replies, actions = _turn(row.sender_id, row.timestamp, event), [], []
        if pending is not None:
            yield finished()


def conversations(engine: Engine) -> list[Conversation]:
    """Each stored conversation: its first and last event and how many events it has, the latest first."""
    if not has_events(engine):
        return []
    query = sa.text(f"SELECT sender_id, MIN(timestamp) AS first, MAX(timestamp) AS last, COUNT(*) AS events "
                    f"FROM {TABLE} GROUP BY sender_id ORDER BY MAX(timestamp) DESC")
    with engine.connect() as connection:
        return [Conversation(row.sender_id, _when(row.first), _when(row.last), row.events)
                for row in connection.execute(query)]


# --- retention -------------------------------------------------------------------------------------------------


def delete_older_than(engine: Engine, days: float, now: float | None = None) -> int:
    """Delete every conversation whose last event is more than `days` days old; returns how many were deleted.
    `days` 0 (or less) keeps everything."""
    if days <= 0 or not has_events(engine):
        return 0
    cutoff = (time.time() if now is None else now) - days * DAY
    old = (f"SELECT sender_id FROM {TABLE} GROUP BY sender_id "
           "HAVING MAX(COALESCE(timestamp, 0)) < :cutoff")
    with engine.begin() as connection:
        count = connection.execute(sa.text(f"SELECT COUNT(*) FROM ({old}) AS old"), {"cutoff": cutoff}).scalar()
        if count:
            connection.execute(sa.text(f"DELETE FROM {TABLE} WHERE sender_id IN ({old})"), {"cutoff": cutoff})
    return int(count or 0)


# --- command line ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import typer  # our venv only: the module itself stays importable where typer is missing

    app = typer.Typer(add_completion=False, no_args_is_help=True,
                      help="The conversations Rasa keeps (TRACKER_STORE_URL): list them, delete old ones.")
    url_option = typer.Option(None, "--url", help="SQLAlchemy URL (default: TRACKER_STORE_URL, else var/tracker.db)")

    def engine_for(url: str | None) -> Engine:
        try:
            return open_store(url)
        except Exception as exc:  # a malformed URL, a missing driver: one clear line, no password
            typer.echo(f"Lỗi: không mở được kho hội thoại {safe_url(url or StoreSettings.load().tracker_store_url)}:"
                       f" {type(exc).__name__}", err=True)
            raise typer.Exit(2) from None

    @app.command()
    def purge(days: int = typer.Option(None, "--days", help="delete conversations idle longer than this "
                                                             "(default: CONVERSATION_RETENTION_DAYS; 0 = keep all)"),
              url: str = url_option) -> None:
        """Delete the conversations whose last message is older than the retention period."""
        try:
            days_kept = StoreSettings.load().conversation_retention_days if days is None else days
        except ValueError as exc:
            typer.echo(f"Lỗi: {exc}", err=True)
            raise typer.Exit(2) from None
        if days_kept < 0:
            typer.echo("Lỗi: --days must be 0 (keep forever) or more", err=True)
            raise typer.Exit(2)
        engine = engine_for(url)
        try:
            deleted = delete_older_than(engine, days_kept)
        except sa.exc.SQLAlchemyError as exc:
            typer.echo(f"Lỗi: {safe_url(engine.url)}: {type(exc).__name__}: {getattr(exc, 'orig', None) or exc}", err=True)
            raise typer.Exit(1) from None
        if days_kept <= 0:
            typer.echo(f"{safe_url(engine.url)}: retention is 0 days: every conversation is kept")
        else:
            typer.echo(f"{safe_url(engine.url)}: deleted {deleted} conversation(s) idle for more than {days_kept} days")

    @app.command("list")
    def list_(url: str = url_option) -> None:
        """Each conversation: id (hashed for Telegram), first and last message (UTC), number of events."""
        engine = engine_for(url)
        try:
            rows = conversations(engine)
        except sa.exc.SQLAlchemyError as exc:
            typer.echo(f"Lỗi: {safe_url(engine.url)}: {type(exc).__name__}: {getattr(exc, 'orig', None) or exc}", err=True)
            raise typer.Exit(1) from None
        for row in rows:
            typer.echo(f"{row.sender_id}\t{row.first:%Y-%m-%d %H:%M}\t{row.last:%Y-%m-%d %H:%M}\t{row.events}")
        typer.echo(f"{len(rows)} conversation(s) in {safe_url(engine.url)}", err=True)

    app(args=argv, prog_name="python -m nlu.conversations")  # exits with the command's status
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
