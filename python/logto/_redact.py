"""Secrets in models print as `<redacted>`.

A model logged by mistake (`print(config)`, `logger.info("%r", session)`, an f-string in an
exception message) must not leak the app secret, the PKCE verifier, `state` or a token. The
fields keep their values and their type (`str`, as in the official SDK), and `model_dump()` /
`model_dump_json()` are unchanged: only `repr`, `str` and f-strings hide them.
"""

from typing import Any, Iterable, Tuple

from pydantic import BaseModel

REDACTED = "<redacted>"


def redactedReprArgs(model: BaseModel, secrets: Iterable[str]) -> Iterable[Tuple[Any, Any]]:
    """The `__repr_args__` of `model` with the fields named in `secrets` redacted (a missing
    value stays visible as `None`)."""
    hidden = frozenset(secrets)
    for name, value in BaseModel.__repr_args__(model):
        yield name, (_Redacted() if name in hidden and value is not None else value)


class _Redacted:
    """Shows as `<redacted>` without quotes in a model's repr."""

    def __repr__(self) -> str:
        return REDACTED
