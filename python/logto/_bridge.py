"""
The bridge between the Python clients and the Rust core (internal).

A call reads the user's four stored values into a typed `_core.Snapshot` (in the caller's thread
and context), hands it to the core, and gets back a `_core.Outcome`: the value or the error, and
the change log of the storage writes in the core's order. The change log is applied first, the
same on success and on failure, then the value is returned or the error raised. No protocol
knowledge lives here: which keys change, and in which order, is the core's decision.
"""

import asyncio
import inspect
import logging
import threading
from enum import Enum
from typing import Any, Awaitable, Callable, Dict, Generator, List, Mapping, Optional, Sequence, Set, Tuple, Union

from . import _core
from .LogtoException import LogtoConfigError, LogtoException, LogtoStorageError
from .models.oidc import IdTokenClaims
from .Storage import MemoryStorage, PersistKey, Storage

_logger = logging.getLogger("logto")
_BACKGROUND: Set["asyncio.Future[Any]"] = set()
"""Change logs still being applied for callers that were cancelled (held so they run to the end)."""
_CORES: Dict[Tuple[Any, ...], "_core.CoreClient"] = {}
_CORES_LOCK = threading.Lock()


def names(values: Sequence[Union[Enum, str]]) -> List[str]:
    """Enum members (`UserInfoScope.email`) and strings as the strings they stand for."""
    return [value.value if isinstance(value, Enum) else str(value) for value in values]


def resourceValue(resource: Union[Enum, str]) -> str:
    return resource.value if isinstance(resource, Enum) else resource


def paramValue(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def promptValues(prompt: Union[str, Sequence[Union[Enum, str]]]) -> List[str]:
    return prompt.split() if isinstance(prompt, str) else names(prompt)


def directSignInValue(value: Any) -> Optional[str]:
    """A direct sign-in as the core's `method:target` text (the core parses it): the official
    `DirectSignInOption(method=..., identifier=...)`, `"social:google"`,
    `{"method": "social", "target": "google"}` (or `"identifier"`) or `("social", "google")`."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        target = value["target"] if "target" in value else value["identifier"]
        return f"{paramValue(value['method'])}:{target}"
    if hasattr(value, "method") and hasattr(value, "identifier"):
        return f"{paramValue(value.method)}:{value.identifier}"
    method, target = value
    return f"{paramValue(method)}:{target}"


def coreFor(config: Any) -> "_core.CoreClient":
    """The core of a configuration, shared by every client with the same configuration."""
    key = (
        config.endpoint,
        config.appId,
        config.appSecret,
        tuple(names(config.scopes)),
        tuple(names(config.resources)),
        tuple(promptValues(config.prompt)),
        bool(getattr(config, "strictCallbackOrigin", False)),
        getattr(config, "timeout", None),
        getattr(config, "redisUrl", None),
        bool(getattr(config, "backchannelLogout", False)),
        getattr(config, "leeway", None),
    )
    core = _CORES.get(key)
    if core is not None:
        return core
    with _CORES_LOCK:
        core = _CORES.get(key)
        if core is None:
            core = _core.CoreClient(
                *key[:2],
                key[2],
                list(key[3]),
                list(key[4]),
                list(key[5]),
                strict_callback_origin=key[6],
                timeout=key[7],
                redis_url=key[8],
                backchannel_logout=key[9],
                leeway=key[10],
            )
            _CORES[key] = core
    return core


class NativeStorage(Storage):
    """A storage the core keeps itself: a web request's session of the core's session engine
    (`logto.web`). The core reads and writes it directly (a rotated refresh token is saved at
    once, by version), so a call hands it over as it is and gets no change log back."""

    def __init__(self, native: "_core.CoreWebSession") -> None:
        self.native = native

    def get(self, key: PersistKey) -> Optional[str]:
        return self.native.get(key)

    def set(self, key: PersistKey, value: Optional[str]) -> None:  # pragma: no cover - the core writes
        raise LogtoConfigError("a web session's tokens are written by the core only")

    def delete(self, key: PersistKey) -> None:  # pragma: no cover - the core writes
        raise LogtoConfigError("a web session's tokens are written by the core only")


def isAsyncStorage(storage: Storage) -> bool:
    return inspect.iscoroutinefunction(getattr(storage, "get", None))


class AwaitableIdTokenClaims(IdTokenClaims):
    """
    The ID token claims returned by `getIdTokenClaims()`: an `IdTokenClaims` that can also be
    awaited (and then yields itself), so both `client.getIdTokenClaims()` (the API reference)
    and `await client.getIdTokenClaims()` (the guide) work.
    """

    def __await__(self) -> Generator[Any, None, IdTokenClaims]:
        return self
        yield  # pragma: no cover - makes this a generator


class PendingResult:
    """
    The result of a plain method (`isAuthenticated()`, `getIdToken()`, ...) of a client whose
    storage is async: it must be awaited. Using it as a truth value raises, so
    `if client.isAuthenticated():` can never pass by mistake.
    """

    def __init__(self, coroutine: Awaitable[Any], what: str) -> None:
        self._coroutine = coroutine
        self._what = what

    def __await__(self) -> Generator[Any, None, Any]:
        return self._coroutine.__await__()

    def __bool__(self) -> bool:
        close = getattr(self._coroutine, "close", None)
        if close is not None:
            close()
        raise LogtoConfigError(f"the storage is async: write `await client.{self._what}()`")

    def __repr__(self) -> str:
        return f"<pending {self._what}(): await it>"


class ClientBase:
    """What the async and the sync client share: the configuration, the storage, the core and
    the snapshot/change-log bridge."""

    def __init__(self, config: Any, storage: Optional[Storage] = None) -> None:
        self.config = config
        # A new MemoryStorage per client: a default instance is never shared between clients.
        self._storage: Storage = storage if storage is not None else MemoryStorage()
        self._asyncStorage = isAsyncStorage(self._storage)
        self._core = coreFor(config)

    def _bound(self, storage: Storage) -> Any:
        """This client's configuration and core bound to another storage: no configuration
        lookup, so binding a client to each request's session costs next to nothing."""
        client = object.__new__(type(self))
        client.config = self.config
        client._core = self._core
        client._storage = storage
        client._asyncStorage = isAsyncStorage(storage)
        return client

    def _cacheReadable(self) -> bool:
        """Whether a cached access token may be read from the storage here, without the core: a
        plain storage, and back-channel logouts not honoured (then the core checks the session's
        logout markers first). A web session of the core's engine is the core's to read: one
        call serves a cached token as fast."""
        return (
            not self._asyncStorage
            and type(self._storage) is not NativeStorage
            and not getattr(self.config, "backchannelLogout", False)
        )

    # -- the snapshot in, the change log out -----------------------------------------------------

    def _snapshot(self) -> Union["_core.Snapshot", "_core.CoreWebSession"]:
        if type(self._storage) is NativeStorage:
            return self._storage.native
        get = self._storage.get
        try:
            return _core.Snapshot(
                id_token=get("idToken"),
                refresh_token=get("refreshToken"),
                access_token_map=get("accessTokenMap"),
                sign_in_session=get("signInSession"),
            )
        except LogtoException:
            raise
        except Exception as error:
            raise LogtoStorageError(f"storage.get failed: {error}") from error

    async def _snapshotAsync(self) -> "_core.Snapshot":
        get = self._storage.get
        try:
            return _core.Snapshot(
                id_token=await get("idToken"),  # type: ignore[misc]
                refresh_token=await get("refreshToken"),  # type: ignore[misc]
                access_token_map=await get("accessTokenMap"),  # type: ignore[misc]
                sign_in_session=await get("signInSession"),  # type: ignore[misc]
            )
        except LogtoException:
            raise
        except Exception as error:
            raise LogtoStorageError(f"storage.get failed: {error}") from error

    def _settle(self, outcome: "_core.Outcome") -> Any:
        """Applies the change log, then returns the value or raises the core's error (else the
        first storage failure)."""
        return _finish(outcome, self._apply(outcome))

    def _apply(self, outcome: "_core.Outcome") -> Optional[LogtoException]:
        """Applies the change log in the core's order, every write tried even after one fails;
        returns the first failure."""
        failure = None
        for key, value in outcome.changes:
            try:
                if value is None:
                    self._storage.delete(key)
                else:
                    self._storage.set(key, value)
            except Exception as error:  # noqa: BLE001 - every write is tried
                failure = failure or _storageFailure(key, error)
        return failure

    async def _applyAsync(self, outcome: "_core.Outcome") -> Optional[LogtoException]:
        failure = None
        for key, value in outcome.changes:
            try:
                if value is None:
                    await self._storage.delete(key)  # type: ignore[func-returns-value,misc]
                else:
                    await self._storage.set(key, value)  # type: ignore[misc]
            except Exception as error:  # noqa: BLE001 - every write is tried
                failure = failure or _storageFailure(key, error)
        return failure

    async def _run(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A core call from the async client.

        A caller cancelled meanwhile (a client that hung up, a timeout) does not cut the call
        short: the core finishes and its change log is applied in full, because it may hold a
        refresh token the identity server has just rotated (the previous one is consumed)."""
        if self._asyncStorage:
            outcome = call(await self._snapshotAsync(), *args, **kwargs)
            if inspect.isawaitable(outcome):
                outcome = await self._outcome(outcome)
            return _finish(outcome, await _shielded(self._applyAsync(outcome)))
        outcome = call(self._snapshot(), *args, **kwargs)
        if inspect.isawaitable(outcome):
            outcome = await self._outcome(outcome)
        return self._settle(outcome)

    async def _outcome(self, pending: Awaitable["_core.Outcome"]) -> "_core.Outcome":
        """The core's outcome; when the caller is cancelled first, the change log is applied once
        the core is done."""
        future = asyncio.ensure_future(pending)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(self._applyLater)
            raise

    def _applyLater(self, future: "asyncio.Future[_core.Outcome]") -> None:
        if future.cancelled():
            return
        if future.exception() is not None:
            _logger.warning("logto: a core call whose caller was cancelled failed: %s", future.exception())
            return
        if self._asyncStorage:
            _keep(asyncio.ensure_future(_logged(self._applyAsync(future.result()))))
        else:
            _report(self._apply(future.result()))

    def _runBlocking(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A core call from the sync client: waits on this thread, the GIL released."""
        return self._settle(call(self._snapshot(), *args, blocking=True, **kwargs))

    def _signInOptions(
        self,
        interactionMode: Optional[str],
        firstScreen: Optional[str],
        identifiers: Optional[Sequence[str]],
        directSignIn: Union[str, Mapping[str, str], Tuple[str, str], None],
        extraParams: Optional[Mapping[str, Any]],
        loginHint: Optional[str],
        organizationId: Optional[str],
        prompt: Union[str, Sequence[str], None],
        oneTimeToken: Optional[str],
    ) -> Dict[str, Any]:
        params = None
        if extraParams:
            params = [(str(name), paramValue(value)) for name, value in extraParams.items() if value is not None]
        return {
            "interaction_mode": interactionMode,
            "first_screen": paramValue(firstScreen) if firstScreen is not None else None,
            "identifiers": None if identifiers is None else names(identifiers),
            "direct_sign_in": directSignInValue(directSignIn),
            "login_hint": loginHint,
            "organization_id": organizationId,
            "prompt": None if prompt is None else promptValues(prompt),
            "one_time_token": oneTimeToken,
            "extra_params": params,
        }

    # -- the calls that only read the ID token (plain methods in both clients) --------------------

    def _get(self, key: PersistKey) -> Optional[str]:
        try:
            return self._storage.get(key)
        except LogtoException:
            raise
        except Exception as error:
            raise LogtoStorageError(f"storage.get({key!r}) failed: {error}") from error

    async def _getAsync(self, key: PersistKey) -> Optional[str]:
        try:
            return await self._storage.get(key)  # type: ignore[misc,no-any-return]
        except LogtoException:
            raise
        except Exception as error:
            raise LogtoStorageError(f"storage.get({key!r}) failed: {error}") from error

    def getIdToken(self) -> Optional[str]:
        """
        Get the ID Token string. If you need to get the claims in the ID Token, use
        `getIdTokenClaims` instead.
        """
        if self._asyncStorage:
            return PendingResult(self._getAsync("idToken"), "getIdToken")  # type: ignore[return-value]
        return self._get("idToken")

    def getIdTokenClaims(self) -> AwaitableIdTokenClaims:
        """
        Get the claims in the ID Token. If the ID Token does not exist, an exception
        will be thrown.

        The result may also be awaited (`await client.getIdTokenClaims()`).
        """
        if self._asyncStorage:

            async def claims() -> AwaitableIdTokenClaims:
                return AwaitableIdTokenClaims.model_validate_json(self._core.id_token_claims(await self._getAsync("idToken")))

            return PendingResult(claims(), "getIdTokenClaims")  # type: ignore[return-value]
        return AwaitableIdTokenClaims.model_validate_json(self._core.id_token_claims(self._get("idToken")))

    def getRefreshToken(self) -> Optional[str]:
        """Get the refresh token string."""
        if self._asyncStorage:
            return PendingResult(self._getAsync("refreshToken"), "getRefreshToken")  # type: ignore[return-value]
        return self._get("refreshToken")

    def isAuthenticated(self) -> bool:
        """Check if the user is authenticated by checking if the ID Token exists."""
        if self._asyncStorage:

            async def authenticated() -> bool:
                return self._core.is_authenticated(await self._getAsync("idToken"))

            return PendingResult(authenticated(), "isAuthenticated")  # type: ignore[return-value]
        return self._core.is_authenticated(self._get("idToken"))


def _storageFailure(key: str, error: Exception) -> LogtoException:
    if isinstance(error, LogtoException):
        return error
    failure = LogtoStorageError(f"storage write of {key!r} failed: {error}")
    failure.__cause__ = error
    return failure


def _report(failure: Optional[LogtoException]) -> None:
    """Logs a failed write of a change log nobody awaits (its caller was cancelled)."""
    if failure is not None:
        _logger.warning("logto: could not store what a cancelled call changed: %s", failure)


async def _logged(applying: Awaitable[Optional[LogtoException]]) -> None:
    _report(await applying)


def _keep(task: "asyncio.Future[Any]") -> "asyncio.Future[Any]":
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    return task


async def _shielded(work: Awaitable[Any]) -> Any:
    """`work`, run to its end even if the caller is cancelled meanwhile."""
    return await asyncio.shield(_keep(asyncio.ensure_future(work)))


def _finish(outcome: "_core.Outcome", failure: Optional[LogtoException]) -> Any:
    error = outcome.error
    if error is not None:
        if failure is not None:
            error.__context__ = failure
        raise error
    if failure is not None:
        raise failure
    return outcome.value
