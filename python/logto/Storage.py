"""Logto client storage abstract class and the default implementation."""

from abc import ABC, abstractmethod
from typing import Dict, Literal, Optional

PersistKey = Literal["idToken", "refreshToken", "accessTokenMap", "signInSession"]
"""The keys literal for the persistent storage."""


class Storage(ABC):
    """
    The storage interface for the Logto client. Logto client will use this
    interface to store and retrieve the logto session data.

    Usually this should be implemented as a persistent storage, such as a
    session or a database, since the page will be redirected to Logto and
    then back to the original page.

    The client calls the storage only from the caller's thread and context (for example inside
    a Flask request), before and after the work it hands to the Rust core.
    """

    @abstractmethod
    def get(self, key: PersistKey) -> Optional[str]:
        """Get the stored string for the given key, return None if not found."""

    @abstractmethod
    def set(self, key: PersistKey, value: Optional[str]) -> None:
        """Set the stored value (string or None) for the given key."""

    def delete(self, key: PersistKey) -> None:
        """Delete the stored value for the given key. Defaults to `set(key, None)`."""
        self.set(key, None)


class MemoryStorage(Storage):
    """
    The in-memory storage implementation for the Logto client. Note this should
    only be used for testing, since the data will be lost after the page is
    redirected.

    See `Storage` for the interface.
    """

    def __init__(self) -> None:
        self._data: Dict[str, Optional[str]] = {}

    @staticmethod
    def printWarning() -> None:
        """
        The official SDK prints a warning here when a client falls back to `MemoryStorage`.
        This package prints nothing (a library should not write to stdout); the warning stands in
        the documentation instead: use a persistent storage in production.
        """

    def get(self, key: PersistKey) -> Optional[str]:
        return self._data.get(key)

    def set(self, key: PersistKey, value: Optional[str]) -> None:
        if value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = value

    def delete(self, key: PersistKey) -> None:
        self._data.pop(key, None)


__all__ = ["PersistKey", "Storage", "MemoryStorage"]
