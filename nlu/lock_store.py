"""How Rasa serialises the messages of one conversation: in memory for one Rasa process, in Redis for several replicas.

endpoints.yml names `nlu.lock_store.ConversationLockStore`; Rasa instantiates it and gets, by ONE variable,
LOCK_STORE_URL (nlu/settings.py):
- unset: Rasa's InMemoryLockStore (one Rasa process: `make run`);
- `redis://[[user]:password@]host[:port][/db]` (`rediss://` for TLS): `SharedLockStore`, Rasa's RedisLockStore made
  atomic. Every replica must name the same Redis (and the same PostgreSQL in TRACKER_STORE_URL).

Why not Rasa's RedisLockStore as it is: it reads a lock, changes it in Python and writes it back (RasaHQ/rasa#9213).
Two replicas taking a ticket at the same moment can both get ticket 0 and run one conversation's messages at once
(events lost or doubled), and a replica releasing its ticket can delete the lock another has just queued on (that
message fails with "Could not acquire lock"). Here each change is one Redis transaction (WATCH/MULTI/EXEC, retried
when another replica wrote in between), and a lock key expires with its last ticket, so a replica killed
mid-message leaves nothing behind for longer than TICKET_LOCK_LIFETIME (Rasa's, default 60 s).

Keys are `ccvc:lock:<conversation id>` (Rasa's `lock:` behind a prefix of ours), so the Redis may be shared.
The URL is only ever logged with its password masked.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar
from urllib.parse import SplitResult, unquote, urlsplit

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

from nlu.settings import StoreSettings

log = logging.getLogger(__name__)

KEY_PREFIX = "ccvc"  # Rasa makes it `ccvc:lock:`; alphanumeric only (Rasa's rule)
DEFAULT_PORT = 6379
SOCKET_TIMEOUT_SECONDS = 5.0  # an unreachable Redis fails a message in seconds (the portal then says "busy")
Result = TypeVar("Result")


class LockStoreURLError(ValueError):
    """LOCK_STORE_URL cannot be used; the message never contains the password."""


@dataclass(frozen=True)
class RedisAddress:
    host: str
    port: int
    db: int
    username: Optional[str]
    password: Optional[str]
    use_ssl: bool

    def shown(self) -> str:
        """The address as logs may show it: the password masked."""
        scheme = "rediss" if self.use_ssl else "redis"
        credentials = ""
        if self.username or self.password:
            credentials = f"{self.username or ''}{':***' if self.password else ''}@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{credentials}{host}:{self.port}/{self.db}"


def safe_lock_url(url: str) -> str:
    """LOCK_STORE_URL with its password masked, whatever it holds."""
    if not url.strip():
        return "(in memory)"
    try:
        return parse_redis_url(url).shown()
    except LockStoreURLError:
        return "(unreadable URL)"


def parse_redis_url(url: str) -> RedisAddress:
    """`redis://[[user]:password@]host[:port][/db]` or `rediss://…` → its parts, else LockStoreURLError."""
    try:
        parts: SplitResult = urlsplit(url.strip())
        port = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        raise LockStoreURLError("LOCK_STORE_URL is not a URL: expected redis://[:password@]host[:port][/db]") from None
    if parts.scheme not in ("redis", "rediss"):
        raise LockStoreURLError(f"LOCK_STORE_URL must start with redis:// or rediss://, not {parts.scheme or '(none)'}"
                                "://")
    if not parts.hostname:
        raise LockStoreURLError("LOCK_STORE_URL names no host: expected redis://[:password@]host[:port][/db]")
    if parts.query or parts.fragment:
        raise LockStoreURLError("LOCK_STORE_URL takes no options after the database number")
    database = parts.path.strip("/") or "0"
    if not database.isdigit():
        raise LockStoreURLError(f"LOCK_STORE_URL's database must be a number (the part after the last /), "
                                f"not {database!r}")
    return RedisAddress(host=parts.hostname, port=port or DEFAULT_PORT, db=int(database),
                        username=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else None,
                        use_ssl=parts.scheme == "rediss")


class SharedLockStore(RedisLockStore):
    """Rasa's RedisLockStore, every change of a lock made in one Redis transaction (see the module's docstring)."""

    def __init__(self, address: RedisAddress, key_prefix: str = KEY_PREFIX,
                 socket_timeout: float = SOCKET_TIMEOUT_SECONDS) -> None:
        super().__init__(host=address.host, port=address.port, db=address.db, username=address.username,
                         password=address.password, use_ssl=address.use_ssl, key_prefix=key_prefix,
                         socket_timeout=socket_timeout)
        self.address = address

    def _change(self, conversation_id: str,
                change: Callable[[Optional[TicketLock]], tuple[Optional[TicketLock], Result]]) -> Result:
        """Read the lock, `change` it, write it back (deleted when `change` returns None), all or nothing: retried
        when another replica wrote the same key in between."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    changed, result = change(lock)
                    pipe.multi()
                    if changed is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, changed.dumps(), px=_milliseconds_to_live(changed))
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed this lock meanwhile: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: Optional[TicketLock]) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        log.debug("Issuing ticket for conversation '%s'.", conversation_id)
        try:
            return self._change(conversation_id, take)
        except Exception as exc:  # what Rasa's own issue_ticket raises, so the server answers as it would
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def release(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, release)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Release the ticket and delete the lock when nobody waits, in ONE transaction: Rasa's two steps could delete
        a lock another replica queued on in between."""

        def release(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], Optional[bool]]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock, False) if lock.is_someone_waiting() else (None, True)

        if self._change(conversation_id, release):
            self._log_deletion(conversation_id, True)

    def reachable(self) -> bool:
        try:
            return bool(self.red.ping())
        except redis.RedisError as exc:
            log.error("lock store %s does not answer (%s): messages fail until it does", self.address.shown(),
                      type(exc).__name__)
            return False


def _milliseconds_to_live(lock: TicketLock) -> int:
    """The key lives as long as its last ticket (at least a second), so an abandoned lock disappears."""
    latest = max((ticket.expires for ticket in lock.tickets), default=time.time() + LOCK_LIFETIME)
    return max(1000, math.ceil((latest - time.time()) * 1000) + 1000)


def create_lock_store(url: str) -> LockStore:
    """The lock store LOCK_STORE_URL names: blank → Rasa's in-memory one; redis://… → SharedLockStore."""
    if not url.strip():
        log.info("conversation locks kept in memory (one Rasa process; set LOCK_STORE_URL for several)")
        return InMemoryLockStore()
    address = parse_redis_url(url)
    store = SharedLockStore(address)
    log.info("conversation locks kept in Redis at %s (keys %s…)", address.shown(), store.key_prefix)
    store.reachable()  # says so at start when Redis is down; redis-py reconnects by itself when it is back
    return store


class ConversationLockStore(LockStore):
    """What endpoints.yml names: Rasa calls `ConversationLockStore(endpoint_config=…)` and gets back the store
    LOCK_STORE_URL chooses (Rasa's InMemoryLockStore or a SharedLockStore), not an instance of this class."""

    def __new__(cls, endpoint_config: Any = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        # Options written in endpoints.yml (url, port, password …) would be a second way to say the same thing.
        return create_lock_store(StoreSettings.load().lock_store_url)
