"""Response models: the token endpoint's and the userinfo endpoint's answers."""

from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from pydantic import BaseModel, ConfigDict

from .._redact import redactedReprArgs

_ReprArgs = Iterable[Tuple[Optional[str], Any]]  # what pydantic's __repr_args__ yields


class TokenResponse(BaseModel):
    """The response model from the token endpoint."""

    model_config = ConfigDict(extra="allow")

    access_token: str
    """The access token string."""
    token_type: str
    """The token type string, should be "Bearer"."""
    expires_in: Union[int, float]
    """The lifetime of the access token (in seconds): a JSON number, kept as an `int` unless it has a fraction."""
    refresh_token: Optional[str] = None
    """The refresh token string."""
    id_token: Optional[str] = None
    """The ID token string."""
    scope: Optional[str] = None
    """The granted scopes, space separated."""

    def __repr_args__(self) -> "_ReprArgs":
        return redactedReprArgs(self, ("access_token", "refresh_token", "id_token"))


class UserIdentity(BaseModel):
    """The user identity model."""

    model_config = ConfigDict(extra="allow")

    userId: str
    """The user ID of the target identity."""
    details: Optional[Dict[str, Any]] = None
    """The details of the target identity, can be any JSON object."""


class UserInfoResponse(BaseModel):
    """
    The response model from the user info endpoint.

    To access the extra claims, use `__pydantic_extra__`.
    """

    model_config = ConfigDict(extra="allow")

    sub: str
    """The subject identifier for whom the token is intended (user ID)."""
    name: Optional[str] = None
    """The full name of the user."""
    username: Optional[str] = None
    """The username of the user."""
    picture: Optional[str] = None
    """The profile picture URL of the user."""
    email: Optional[str] = None
    """The email address of the user."""
    email_verified: Optional[bool] = None
    """Whether the email address is verified."""
    phone_number: Optional[str] = None
    """The phone number of the user."""
    phone_number_verified: Optional[bool] = None
    """Whether the phone number is verified."""
    custom_data: Any = None
    """The custom data of the user, can be any JSON object."""
    identities: Optional[Dict[str, UserIdentity]] = None
    """The identities of the user by identity type."""
    organizations: Optional[List[str]] = None
    """The organization IDs that the user has membership."""
    organization_roles: Optional[List[str]] = None
    """The organization roles that the user has, as `<organization_id>:<role_name>`."""


__all__ = ["TokenResponse", "UserIdentity", "UserInfoResponse"]
