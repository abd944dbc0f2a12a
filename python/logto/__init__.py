"""
Logto authentication SDK for Python, on a Rust core.

The same API as the official Logto Python SDK (`from logto import LogtoClient, LogtoConfig`),
with the protocol work (PKCE, token requests, ID-token verification, refresh, caching) done by
the `logto` Rust crate off the event loop. As in the official package, `logto.OidcCore` is the
submodule (`from logto.OidcCore import OidcCore`).
"""

from .api import AccessTokenVerifier
from .LogtoClient import (
    AccessToken,
    AccessTokenMap,
    InteractionMode,
    LogtoClient,
    LogtoConfig,
    LogtoContext,
    SignInSession,
)
from .machine import MachineClient
from .LogtoException import LogtoException
from .models.oidc import (
    AccessTokenClaims,
    IdTokenClaims,
    OidcProviderMetadata,
    ReservedResource,
    Scope,
    UserInfoScope,
)
from .models.response import TokenResponse, UserIdentity, UserInfoResponse
from .Storage import MemoryStorage, PersistKey, Storage

__all__ = [
    "LogtoClient",
    "LogtoConfig",
    "LogtoException",
    "Storage",
    "PersistKey",
    "MemoryStorage",
    "InteractionMode",
    "AccessToken",
    "AccessTokenMap",
    "SignInSession",
    "Scope",
    "UserInfoScope",
    "ReservedResource",
    "IdTokenClaims",
    "AccessTokenClaims",
    "OidcProviderMetadata",
    "TokenResponse",
    "UserInfoResponse",
    "UserIdentity",
    "LogtoContext",
    "AccessTokenVerifier",
    "MachineClient",
]
