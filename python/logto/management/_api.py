"""The request shapes the generated areas call: path, query and body encoding, the bridge to
the Rust core (tokens, retries, errors, HTTP), and decoding into the generated models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Generic, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter

from .. import _core

T = TypeVar("T")

TokenSource = Union[str, Callable[[], Union[str, Awaitable[str]]], None]
"""A user's access token, or a callable giving it (async for the async clients)."""


@dataclass
class Page(Generic[T]):
    """One page of a list, and the total count Logto reports for the whole list."""

    items: List[T]
    total: Optional[int] = None


_ADAPTERS: Dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def _path(segments: Sequence[str]) -> str:
    return "".join("/" + quote(str(segment), safe="") for segment in segments)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _query(query: Dict[str, Any], explode: Sequence[str]) -> List[Tuple[str, str]]:
    pairs: List[Tuple[str, str]] = []
    for name, value in query.items():
        if value is None:
            continue
        if name in explode and isinstance(value, dict):
            pairs.extend((str(k), _value(v)) for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            pairs.extend((name, _value(v)) for v in value)
        else:
            pairs.append((name, _value(value)))
    return pairs


def _body(body: Any) -> Optional[bytes]:
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, BaseModel):
        # Only the fields the caller set: an unset optional field is not sent (a field set to
        # None is sent as null, which some operations read as "clear it").
        return body.model_dump_json(by_alias=True, exclude_unset=True).encode()
    return json.dumps(_plain(body), separators=(",", ":")).encode()


def _plain(value: Any) -> Any:
    """`value` with every model in it as the API's JSON (its set fields, by their API names)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _decode(model: Any, raw: bytes) -> Any:
    if model is None:
        return None
    if model is str:
        return raw.decode("utf-8", "replace")
    return _adapter(model).validate_json(raw if raw.strip() else b"null")


def _page_query(query: Dict[str, Any], number: int, size: int) -> Dict[str, Any]:
    """The query of page `number`: the caller's parameters, then `page` and `page_size`."""
    rest = {k: v for k, v in query.items() if k not in ("page", "page_size")}
    return {**rest, "page": number, "page_size": size}


class _Base:
    def __init__(self, core: Any, token: TokenSource = None, verification_id: Optional[str] = None) -> None:
        self._core = core
        self._token = token
        self._verification_id = verification_id

    def with_verification(self, verification_id: str) -> Any:
        """The same API with every request carrying the verification record (Logto's
        `logto-verification-id` header)."""
        return type(self)(self._core, self._token, verification_id)


class Api(_Base):
    """The async request shapes (`logto.management`)."""

    async def _token_now(self) -> Optional[str]:
        token = self._token
        if token is None or isinstance(token, str):
            return token
        value = token()
        return await value if not isinstance(value, str) else value

    async def _send(
        self, operation: str, method: str, segments: Sequence[str], query: Dict[str, Any], explode: Sequence[str],
        body: Any = None, content_type: Optional[str] = None,
    ) -> Tuple[Optional[int], bytes]:
        pending = self._core.request(
            operation, method, _path(segments), _query(query, explode), _body(body), content_type,
            await self._token_now(), self._verification_id,
        )
        return pending if isinstance(pending, tuple) else await pending

    async def call(
        self, operation: str, method: str, segments: Sequence[str], query: Dict[str, Any], explode: Sequence[str],
        body: Any, content_type: Optional[str], model: Any,
    ) -> Any:
        _, raw = await self._send(operation, method, segments, query, explode, body, content_type)
        return _decode(model, raw)

    async def page(self, operation: str, segments: Sequence[str], query: Dict[str, Any], explode: Sequence[str], item: Any) -> Page[Any]:
        total, raw = await self._send(operation, "GET", segments, query, explode)
        return Page(items=_decode(List[item], raw), total=total)

    async def pages(self, operation: str, segments: Sequence[str], query: Dict[str, Any], explode: Sequence[str], item: Any) -> AsyncIterator[Any]:
        size = int(query.get("page_size") or 100)
        number = int(query.get("page") or 1)
        seen = 0
        while True:
            page = await self.page(operation, segments, _page_query(query, number, size), explode, item)
            for value in page.items:
                yield value
            seen += len(page.items)
            if len(page.items) < size or (page.total is not None and seen >= page.total):
                return
            number += 1


class SyncApi(_Base):
    """The plain (blocking) request shapes (`logto.management.sync`): the core waits on the
    calling thread with the GIL released."""

    def _token_now(self) -> Optional[str]:
        token = self._token
        if token is None or isinstance(token, str):
            return token
        value = token()
        if not isinstance(value, str):
            raise TypeError("a sync client's access token source must return a string, not an awaitable")
        return value

    def _send(
        self, operation: str, method: str, segments: Sequence[str], query: Dict[str, Any], explode: Sequence[str],
        body: Any = None, content_type: Optional[str] = None,
    ) -> Tuple[Optional[int], bytes]:
        return self._core.request(  # type: ignore[no-any-return]
            operation, method, _path(segments), _query(query, explode), _body(body), content_type,
            self._token_now(), self._verification_id, blocking=True,
        )

    def call(
        self, operation: str, method: str, segments: Sequence[str], query: Dict[str, Any], explode: Sequence[str],
        body: Any, content_type: Optional[str], model: Any,
    ) -> Any:
        _, raw = self._send(operation, method, segments, query, explode, body, content_type)
        return _decode(model, raw)

    def page(self, operation: str, segments: Sequence[str], query: Dict[str, Any], explode: Sequence[str], item: Any) -> Page[Any]:
        total, raw = self._send(operation, "GET", segments, query, explode)
        return Page(items=_decode(List[item], raw), total=total)

    def pages(self, operation: str, segments: Sequence[str], query: Dict[str, Any], explode: Sequence[str], item: Any) -> Iterator[Any]:
        size = int(query.get("page_size") or 100)
        number = int(query.get("page") or 1)
        seen = 0
        while True:
            page = self.page(operation, segments, _page_query(query, number, size), explode, item)
            yield from page.items
            seen += len(page.items)
            if len(page.items) < size or (page.total is not None and seen >= page.total):
                return
            number += 1


def management_core(endpoint: str, appId: str, appSecret: str, resource: Optional[str], apiEndpoint: Optional[str]) -> Any:
    return _core.CoreApi.management(endpoint, appId, appSecret, resource, apiEndpoint)


def anonymous_core(endpoint: str) -> Any:
    return _core.CoreApi.anonymous(endpoint)
