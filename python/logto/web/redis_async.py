"""`LeanAsyncRedis`: the three Redis commands an async session store needs (GET, SET EX, DEL), on
one pipelined asyncio connection per event loop, parsed by `hiredis` (the C protocol parser
redis-py itself uses).

Why not `redis.asyncio`: its client adds about 100 µs of Python around every command (pool,
locks, retries, observability hooks), three times a loopback round trip, and a session store
pays one command on every request. Commands from many coroutines share the connection: each
writes its request and waits for its reply in order (Redis answers a connection's commands in
the order they came). A lost connection fails the commands in flight with a `ConnectionError`
and each is sent once more on a new connection (the three commands are idempotent). `redis://` and `rediss://` URLs with user, password and
database are understood; anything else (unix sockets, query options) is left to `redis.asyncio`.
"""

import asyncio
import ssl
from collections import deque
from typing import Any, Deque, Optional, Tuple, cast
from urllib.parse import unquote, urlsplit

import hiredis


class RedisReplyError(Exception):
    """Redis answered a command with an error."""


def encodeCommand(*args: Any) -> bytes:
    """A command as a RESP array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode("utf-8")
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.reader = hiredis.Reader()
        self.waiters: Deque["asyncio.Future[Any]"] = deque()
        self.transport: Optional[asyncio.Transport] = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio types every protocol's transport as a BaseTransport; a connection's
        # (create_connection) is a full Transport.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while True:
            reply = self.reader.gets()
            if reply is False:
                return
            if not self.waiters:  # pragma: no cover - Redis never answers unasked
                self.fail(ConnectionError("Redis sent a reply nobody asked for"))
                return
            waiter = self.waiters.popleft()
            if waiter.done():  # timed out or cancelled: its reply is dropped, order is kept
                continue
            if isinstance(reply, hiredis.ReplyError):
                waiter.set_exception(RedisReplyError(str(reply)))
            else:
                waiter.set_result(reply)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.closed = True
        self._failWaiters(ConnectionError(f"the Redis connection was lost: {exc or 'closed by the server'}"))

    def fail(self, error: Exception) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
        self._failWaiters(error)

    def _failWaiters(self, error: Exception) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(error)


class LeanAsyncRedis:
    """GET / SET EX / DEL over one pipelined connection, for the event loop it is used on."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        if not LeanAsyncRedis.supports(url):
            raise ValueError(f"unsupported Redis URL for the lean client: {parts.scheme}://...")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 6379
        self.tls = parts.scheme == "rediss"
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        path = parts.path.strip("/")
        self.db = int(path) if path else 0
        self.timeout = timeout
        self._protocol: Optional[_Protocol] = None
        self._connecting: Optional["asyncio.Future[_Protocol]"] = None

    @staticmethod
    def supports(url: str) -> bool:
        parts = urlsplit(url)
        path = parts.path.strip("/")
        return parts.scheme in ("redis", "rediss") and not parts.query and (not path or path.isdigit())

    async def get(self, key: str) -> Optional[bytes]:
        reply: Optional[bytes] = await self.execute("GET", key)  # a bulk string or nil
        return reply

    async def set(self, key: str, value: str, ex: int) -> None:
        await self.execute("SET", key, value, "EX", ex)

    async def delete(self, key: str) -> None:
        await self.execute("DEL", key)

    async def execute(self, *args: Any) -> Any:
        request = encodeCommand(*args)
        protocol = self._protocol
        if protocol is None or protocol.closed:
            return await self._send(await self._connect(), request)
        try:
            return await self._send(protocol, request)
        except ConnectionError:
            # A connection the server closed while idle (timeout, restart, failover) is found
            # out on use; GET, SET and DEL are safe to send once more on a new one.
            return await self._send(await self._connect(), request)

    async def _send(self, protocol: _Protocol, request: bytes) -> Any:
        transport = protocol.transport
        if transport is None:  # pragma: no cover - create_connection returns connected protocols
            raise ConnectionError("the Redis connection is not open")
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        protocol.waiters.append(waiter)
        transport.write(request)
        timer = loop.call_later(self.timeout, _expire, waiter, self.timeout)
        try:
            return await waiter
        finally:
            timer.cancel()

    async def _connect(self) -> _Protocol:
        # One connection attempt at a time; the others wait for it.
        if self._connecting is not None:
            return await asyncio.shield(self._connecting)
        loop = asyncio.get_running_loop()
        self._connecting = loop.create_future()
        try:
            protocol = await self._open()
        except BaseException as error:
            self._connecting.set_exception(error if isinstance(error, Exception) else ConnectionError(str(error)))
            self._connecting.exception()  # retrieved: no "never retrieved" warning
            self._connecting = None
            raise
        self._protocol = protocol
        self._connecting.set_result(protocol)
        self._connecting = None
        return protocol

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        context = ssl.create_default_context() if self.tls else None
        _, protocol = await asyncio.wait_for(
            loop.create_connection(_Protocol, self.host, self.port, ssl=context), timeout=self.timeout
        )
        try:
            if self.password is not None:
                auth: Tuple[str, ...] = ("AUTH", self.username, self.password) if self.username else ("AUTH", self.password)
                await self._send(protocol, encodeCommand(*auth))
            if self.db:
                await self._send(protocol, encodeCommand("SELECT", self.db))
        except BaseException:
            protocol.fail(ConnectionError("the Redis connection set-up failed"))
            raise
        return protocol

    async def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None


def _expire(waiter: "asyncio.Future[Any]", timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError(f"Redis did not answer within {timeout} s"))


__all__ = ["LeanAsyncRedis", "RedisReplyError", "encodeCommand"]
