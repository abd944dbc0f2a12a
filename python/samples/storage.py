"""A Logto storage over Flask's session (a signed cookie): one user's tokens per browser."""

from typing import Optional

from flask import session

from logto import Storage


class SessionStorage(Storage):
    def get(self, key: str) -> Optional[str]:
        return session.get(key, None)

    def set(self, key: str, value: Optional[str]) -> None:
        session[key] = value

    def delete(self, key: str) -> None:
        session.pop(key, None)
