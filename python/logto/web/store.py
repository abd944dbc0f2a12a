"""Server-side session stores: where a browser session's data lives, keyed by the opaque id its
cookie carries. The browser never holds a token.

- `RedisSessionStore`: the production store (the `redis` package; `pip install "logto-rs[redis]"`).
  Several app instances share it; entries expire with Redis TTLs.
- `MemorySessionStore`: for development and tests only. It logs a warning saying so: its
  sessions live in one process, are lost on restart and are not shared between workers.

Records are JSON (never pickle): a store that an attacker can write to cannot run code here.
Every store has plain methods (for Flask, Django, scripts) and `async` ones (for ASGI apps).
"""

import asyncio
import json
import logging
import threading
import time
import weakref
from typing import Any, Dict, Optional, Tuple

from ..LogtoException import LogtoConfigError, LogtoStorageError

logger = logging.getLogger("logto.web")

Record = Dict[str, Any]


class SessionStore:
    """A store of session records with a lifetime. Subclasses implement `load`, `save` and
    `delete`; the async methods default to the plain ones (fine for a store that never waits)."""

    def load(self, sessionId: str) -> Optional[Record]:
        """The record of `sessionId`, or None when unknown or expired."""
        raise NotImplementedError

    def save(self, sessionId: str, record: Record, ttl: int) -> None:
        """Stores `record` under `sessionId` for `ttl` seconds."""
        raise NotImplementedError

    def delete(self, sessionId: str) -> None:
        """Forgets `sessionId`."""
        raise NotImplementedError

    async def loadAsync(self, sessionId: str) -> Optional[Record]:
        return self.load(sessionId)

    async def saveAsync(self, sessionId: str, record: Record, ttl: int) -> None:
        self.save(sessionId, record, ttl)

    async def deleteAsync(self, sessionId: str) -> None:
        self.delete(sessionId)


class MemorySessionStore(SessionStore):
    """Sessions in this process's memory, for development and tests. Entries expire; at most
    `maxEntries` are kept (the oldest go first)."""

    def __init__(self, maxEntries: int = 10_000, *, quiet: bool = False) -> None:
        self._entries: Dict[str, Tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._maxEntries = maxEntries
        if not quiet:
            logger.warning(
                "logto: sessions are kept in this process's memory (development only): they are lost on "
                "restart and not shared between workers; set redisUrl for production"
            )

    def load(self, sessionId: str) -> Optional[Record]:
        entry = self._entries.get(sessionId)
        if entry is None:
            return None
        expires, text = entry
        if expires <= time.monotonic():
            with self._lock:
                self._entries.pop(sessionId, None)
            return None
        record: Record = json.loads(text)  # saved by `save`: a JSON object
        return record

    def save(self, sessionId: str, record: Record, ttl: int) -> None:
        text = json.dumps(record, separators=(",", ":"))
        now = time.monotonic()
        with self._lock:
            self._entries.pop(sessionId, None)
            self._entries[sessionId] = (now + ttl, text)
            if len(self._entries) > self._maxEntries:
                for key in [key for key, (expires, _) in self._entries.items() if expires <= now]:
                    del self._entries[key]
                while len(self._entries) > self._maxEntries:
                    del self._entries[next(iter(self._entries))]

    def delete(self, sessionId: str) -> None:
        with self._lock:
            self._entries.pop(sessionId, None)

    def __len__(self) -> int:
        return len(self._entries)


class RedisSessionStore(SessionStore):
    """
    Sessions in Redis, under `prefix + id` with a TTL. Give a URL, or ready clients.

    ```python
    store = RedisSessionStore("redis://localhost:6379/0")
    ```
    """

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        client: Any = None,
        asyncClient: Any = None,
        prefix: str = "logto:session:",
    ) -> None:
        try:
            import redis
            import redis.asyncio
        except ImportError as error:  # pragma: no cover - depends on the installation
            raise LogtoConfigError('RedisSessionStore needs the redis package: pip install "logto-rs[redis]"') from error
        if client is None:
            if url is None:
                raise LogtoConfigError("RedisSessionStore needs a URL or a client")
            client = redis.Redis.from_url(url)
        self._url = url
        self._client = client
        self._asyncClient = asyncClient
        # Keyed by the loop itself, weakly: a closed loop's client goes with it (an id() could be
        # reused by a later loop and hand it a client bound to a dead one).
        self._asyncClients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any]" = weakref.WeakKeyDictionary()
        self._prefix = prefix

    def _async(self) -> Any:
        # An async connection belongs to the event loop it first ran on: keep one per loop.
        if self._asyncClient is not None:
            return self._asyncClient
        loop = asyncio.get_running_loop()
        client = self._asyncClients.get(loop)
        if client is None:
            if self._url is None:
                raise LogtoConfigError("RedisSessionStore: pass asyncClient (or a URL) for async use")
            client = self._asyncClients[loop] = _asyncClientFor(self._url)
        return client

    def load(self, sessionId: str) -> Optional[Record]:
        return _decode(_call(self._client.get, self._prefix + sessionId))

    def save(self, sessionId: str, record: Record, ttl: int) -> None:
        _call(self._client.set, self._prefix + sessionId, json.dumps(record, separators=(",", ":")), ex=ttl)

    def delete(self, sessionId: str) -> None:
        _call(self._client.delete, self._prefix + sessionId)

    async def loadAsync(self, sessionId: str) -> Optional[Record]:
        return _decode(await _callAsync(self._async().get, self._prefix + sessionId))

    async def saveAsync(self, sessionId: str, record: Record, ttl: int) -> None:
        await _callAsync(self._async().set, self._prefix + sessionId, json.dumps(record, separators=(",", ":")), ex=ttl)

    async def deleteAsync(self, sessionId: str) -> None:
        await _callAsync(self._async().delete, self._prefix + sessionId)


def storageError(error: Exception) -> LogtoStorageError:
    """A store failure as the SDK's storage error (kind `storage`, answered 500)."""
    failure = LogtoStorageError(f"session store: {type(error).__name__}: {error}")
    failure.kind = "storage"
    failure.http_status = 500
    failure.oauth_error = None
    return failure


def _asyncClientFor(url: str) -> Any:
    """The lean pipelined client (`redis_async`) where it understands the URL and hiredis is
    installed; `redis.asyncio` otherwise."""
    try:
        from .redis_async import LeanAsyncRedis

        if LeanAsyncRedis.supports(url):
            return LeanAsyncRedis(url)
    except ImportError:  # no hiredis
        pass
    import redis.asyncio

    return redis.asyncio.Redis.from_url(url)


def _call(method: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return method(*args, **kwargs)
    except Exception as error:
        raise storageError(error) from error


async def _callAsync(method: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await method(*args, **kwargs)
    except Exception as error:
        raise storageError(error) from error


def _decode(raw: Optional[bytes]) -> Optional[Record]:
    if raw is None:
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        logger.warning("logto: ignored a session record that is not JSON")
        return None
    return record if isinstance(record, dict) else None


def storeFor(redisUrl: Optional[str]) -> SessionStore:
    """The store the settings ask for: Redis at `redisUrl`, else memory (development)."""
    return RedisSessionStore(redisUrl) if redisUrl else MemorySessionStore()


__all__ = ["SessionStore", "MemorySessionStore", "RedisSessionStore", "storeFor"]
