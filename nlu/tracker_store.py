"""Where the Rasa server keeps conversations: Rasa's SQLTrackerStore, configured by ONE variable, with retention.

endpoints.yml names this class (`tracker_store: {type: nlu.tracker_store.ConversationStore}`); Rasa imports it
from the project root. TRACKER_STORE_URL is an SQLAlchemy URL: unset, the SQLite file var/tracker.db (embedded,
no server); in production `postgresql://user:password@host:5432/database`. Retention: conversations whose last
event is older than CONVERSATION_RETENTION_DAYS are deleted when the server starts and then at most once an hour,
in a worker thread after a save (never on the way of an answer). A SQLite file is written through a write-ahead
log and a small connection pool (retrieve + save ≈ 25 ms a message instead of ≈ 48 ms with Rasa's defaults). The
URL is only ever logged with its password masked (Rasa itself logs `repr(url)`, which masks it too).

Reading and writing events run the very SQL statements Rasa's SQLTrackerStore runs (same filters, same order, same
rows), but built once with SQLAlchemy Core instead of through an ORM query, ORM objects and a unit-of-work flush on
every message: retrieve + save of a ten-question conversation ≈ 4 ms of CPU instead of ≈ 9.5.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker

from nlu.conversations import delete_older_than, prepare_sqlite_file, safe_url, store_url
from nlu.settings import StoreSettings

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600.0


def _sqlite_write_ahead_log(connection: Any, _record: Any) -> None:
    """Each new SQLite connection: write-ahead log, synced at checkpoints rather than at every commit (a commit is
    then ≈ 0 ms instead of one fsync, ≈ 19 ms here, per message), and readers (the report, retention) never block
    the server. A crash of the machine may lose the last messages, never corrupt the file."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class ConversationStore(SQLTrackerStore):
    """Rasa's SQL tracker store on TRACKER_STORE_URL, deleting conversations idle past the retention period."""

    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        settings = StoreSettings.load()
        url = store_url(settings.tracker_store_url)
        prepare_sqlite_file(url)
        self.retention_days = settings.conversation_retention_days
        log.info("conversations kept in %s; retention %s", safe_url(url),
                 f"{self.retention_days} days" if self.retention_days else "none (kept forever)")
        # Rasa's own options (dialect, db, username …) would be a second way to say the same thing: one URL only.
        for option in ("dialect", "db", "username", "password", "port", "login_db", "query"):
            kwargs.pop(option, None)
        # A URL in `host` is used as it is by SQLTrackerStore.get_db_url.
        super().__init__(domain=domain, host=url.render_as_string(hide_password=False), event_broker=event_broker,
                         **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            # Rasa's engine opens and closes a SQLite connection per message (SQLAlchemy 1.4's NullPool); closing the
            # last one checkpoints the log with an fsync. A small pool keeps them open.
            sqlite_file = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(sqlite_file, poolclass=sa.pool.QueuePool, pool_size=2,
                                           connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
            self.sessionmaker = sessionmaker(bind=self.engine)
        self._purge_lock = threading.Lock()
        self._last_purge = 0.0
        self._statements = _EventStatements(self.SQLEvent.__table__)
        self.purge()

    def purge(self) -> int:
        """Delete the conversations idle past the retention period now; how many. Errors are logged, not raised:
        the assistant keeps answering when the store is briefly unavailable."""
        if not self._purge_lock.acquire(blocking=False):
            return 0  # one already running
        try:
            self._last_purge = time.monotonic()
            if not self.retention_days:
                return 0
            deleted = delete_older_than(self.engine, self.retention_days)
            if deleted:
                log.info("retention: deleted %d conversation(s) idle for more than %d days", deleted,
                         self.retention_days)
            return deleted
        except Exception as exc:  # retention must never take the server down
            log.error("retention: could not delete old conversations from %s: %s: %s", safe_url(self.engine.url),
                      type(exc).__name__, exc)
            return 0
        finally:
            self._purge_lock.release()

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        """Rasa's `SQLTrackerStore._retrieve`: the events of the latest session (or of all), in id order, replayed
        into a tracker; None when there are none."""
        statement = self._statements.all_events if fetch_events_from_all_sessions else self._statements.session_events
        with self.session_scope() as session:
            rows = session.connection().execute(statement, {"sender_id": sender_id}).scalars().all()
        events = [json.loads(data) for data in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `SQLTrackerStore.save`: stream the new events to the broker (if any), count the events stored since
        the latest session start, and insert the tracker's events after that many, in order, in one transaction."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            connection = session.connection()
            stored = connection.execute(self._statements.count_session_events,
                                        {"sender_id": tracker.sender_id}).scalar_one()
            rows = [_event_row(tracker.sender_id, event)
                    for event in itertools.islice(tracker.events, stored, len(tracker.events))]
            if rows:
                connection.execute(self._statements.insert, rows)
            session.commit()
        log.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)
        if self.retention_days and time.monotonic() - self._last_purge >= PURGE_EVERY_SECONDS \
                and not self._purge_lock.locked():
            self._last_purge = time.monotonic()  # at most one scheduled per hour, even under load
            asyncio.get_running_loop().run_in_executor(None, self.purge)


class _EventStatements:
    """The statements of SQLTrackerStore._event_query, built once (Core, not ORM) with the sender as a parameter."""

    def __init__(self, table: sa.Table) -> None:
        sender = sa.bindparam("sender_id")
        # Rasa's subquery: the timestamp of the conversation's latest SessionStarted (NULL when none).
        session_start = (sa.select(sa.func.max(table.c.timestamp).label("session_start"))
                         .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
                         .subquery())
        in_latest_session = sa.or_(table.c.timestamp >= session_start.c.session_start,
                                   session_start.c.session_start.is_(None))
        self.all_events = sa.select(table.c.data).where(table.c.sender_id == sender).order_by(table.c.id)
        self.session_events = (sa.select(table.c.data).where(table.c.sender_id == sender, in_latest_session)
                               .order_by(table.c.id))
        self.count_session_events = (sa.select(sa.func.count()).select_from(table)
                                     .where(table.c.sender_id == sender, in_latest_session))
        self.insert = table.insert()


def _event_row(sender_id: str, event: Any) -> dict[str, Any]:
    """The row SQLTrackerStore.save writes for one event."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}
