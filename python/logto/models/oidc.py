"""OpenID Connect models: provider metadata, scopes, reserved resources and token claims.

The models are filled from the JSON the Rust core returns as the server wrote it, so
`model_dump_json(exclude_unset=True)` leaves out the claims a token does not carry, and claims
the model does not name are kept in `__pydantic_extra__`.

Times (`exp`, `iat`) are `NumericDate`s: whatever JSON number the token carried, kept as it
came (an `int` stays an `int` of any size, a fraction stays a `float`).
"""

from enum import Enum
from typing import List, Optional, Type, TypeVar, Union

from pydantic import BaseModel, ConfigDict

NumericDate = Union[int, float]
"""
A JWT NumericDate (RFC 7519 §2): seconds since the epoch as a JSON number, which "can contain
a fractional part" and need not fit in 64 bits. The models keep the value the token carried:
`1700000000` stays the `int` 1700000000 (of any size, e.g. `2**70`), `1700000000.5` stays a
`float`, so `model_dump_json()` writes back the same number.
"""


class OidcProviderMetadata(BaseModel):
    """
    The OpenID Connect Discovery response object.

    See https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
    """

    model_config = ConfigDict(extra="allow")

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str  # This is actually "RECOMMENDED" but Logto requires it
    jwks_uri: str
    registration_endpoint: Optional[str] = None
    scopes_supported: List[str] = []
    response_types_supported: List[str] = []
    response_modes_supported: List[str] = []
    grant_types_supported: List[str] = []
    acr_values_supported: List[str] = []
    subject_types_supported: List[str] = []
    id_token_signing_alg_values_supported: List[str] = []
    id_token_encryption_alg_values_supported: List[str] = []
    id_token_encryption_enc_values_supported: List[str] = []
    userinfo_signing_alg_values_supported: List[str] = []
    userinfo_encryption_alg_values_supported: List[str] = []
    userinfo_encryption_enc_values_supported: List[str] = []
    request_object_signing_alg_values_supported: List[str] = []
    request_object_encryption_alg_values_supported: List[str] = []
    request_object_encryption_enc_values_supported: List[str] = []
    token_endpoint_auth_methods_supported: List[str] = []
    token_endpoint_auth_signing_alg_values_supported: List[str] = []
    display_values_supported: List[str] = []
    claim_types_supported: List[str] = []
    claims_supported: List[str] = []
    service_documentation: Optional[str] = None
    claims_locales_supported: List[str] = []
    ui_locales_supported: List[str] = []
    claims_parameter_supported: bool = False
    request_parameter_supported: bool = False
    request_uri_parameter_supported: bool = True
    require_request_uri_registration: bool = False
    op_policy_uri: Optional[str] = None
    op_tos_uri: Optional[str] = None
    end_session_endpoint: Optional[str] = None
    code_challenge_methods_supported: List[str] = []
    revocation_endpoint: Optional[str] = None
    introspection_endpoint: Optional[str] = None
    authorization_response_iss_parameter_supported: bool = False


class Scope(Enum):
    """The scope base class for determining the scope type."""


class OAuthScope(Scope):
    """The OAuth 2.0 scopes (the official SDK's name for `offline_access`)."""

    offlineAccess = "offline_access"
    """The scope for a refresh token; always requested."""


class UserInfoScope(Scope):
    """The available scopes for the userinfo endpoint and the ID token claims."""

    openid = "openid"
    """The preserved scope for OpenID Connect. It maps to the `sub` claim."""
    offline_access = "offline_access"
    """The preserved scope for a refresh token."""
    profile = "profile"
    """The scope for the basic profile. It maps to the `name`, `username`, `picture` claims."""
    email = "email"
    """The scope for the email address. It maps to the `email`, `email_verified` claims."""
    phone = "phone"
    """The scope for the phone number. It maps to the `phone_number`, `phone_number_verified` claims."""
    address = "address"
    """The scope for the postal address. It maps to the `address` claim."""
    customData = "custom_data"
    """The scope for the custom data (userinfo only). It maps to the `custom_data` claim."""
    custom_data = "custom_data"
    """The same scope as `customData` (an alias of that member), under the official SDK's newer name."""
    identities = "identities"
    """The scope for the identities (userinfo only). It maps to the `identities` claim."""
    roles = "roles"
    """The scope for the roles. It maps to the `roles` claim."""
    organizations = "urn:logto:scope:organizations"
    """Scope for user's organization IDs and perform organization token grant."""
    organization_roles = "urn:logto:scope:organization_roles"
    """Scope for user's organization roles."""
    sessions = "urn:logto:scope:sessions"
    """Scope for managing the user's own sessions through Logto's account API."""


class IdTokenClaims(BaseModel):
    """
    The ID token claims object.

    To access the extra claims, use `__pydantic_extra__`. See
    https://docs.pydantic.dev/latest/usage/models/#extra-fields for more information.
    """

    model_config = ConfigDict(extra="allow")

    iss: str
    """The issuer identifier for whom issued the token."""
    sub: str
    """The subject identifier for whom the token is intended (user ID)."""
    aud: Union[str, List[str]]
    """The audience that the token is intended for, which is the client ID."""
    exp: NumericDate
    """The expiration time of the token (in seconds); an `int`, or a `float` if the token carried a fraction."""
    iat: NumericDate
    """The time at which the token was issued (in seconds); an `int`, or a `float` if the token carried a fraction."""
    at_hash: Optional[str] = None
    """The access token hash (OpenID Connect Core §3.1.3.6)."""
    name: Optional[str] = None
    """The user's full name."""
    username: Optional[str] = None
    """The user's username."""
    picture: Optional[str] = None
    """The user's profile picture URL."""
    email: Optional[str] = None
    """The user's email address."""
    email_verified: Optional[bool] = None
    """Whether the user's email address is verified."""
    phone_number: Optional[str] = None
    """The user's phone number."""
    phone_number_verified: Optional[bool] = None
    """Whether the user's phone number is verified."""
    organizations: Optional[List[str]] = None
    """The organization IDs that the user has membership."""
    organization_roles: Optional[List[str]] = None
    """The organization roles that the user has, as `<organization_id>:<role_name>`."""


class ReservedResource(Enum):
    """Resources that reserved by Logto, which cannot be defined by users."""

    organizations = "urn:logto:resource:organizations"
    """The resource for organization template."""


T = TypeVar("T", bound="BaseEnum")


class BaseEnum(Enum):
    """The base of the sign-in option enums (`FirstScreen`, `Identifier`, `DirectSignInOptionMethod`)."""

    @classmethod
    def from_value(cls: Type[T], value: str) -> Optional[T]:
        """The member with this value, or None if there is none."""
        try:
            return cls(value)
        except ValueError:
            return None

    def __str__(self) -> str:
        return str(self.value)


class FirstScreen(BaseEnum):
    """
    The first screen of the sign-in experience (`signIn(firstScreen=...)`). See
    https://docs.logto.io/docs/references/openid-connect/authentication-parameters/#first-screen
    """

    register = "identifier:register"
    """Show the register form on the first screen."""
    sign_in = "identifier:sign_in"
    """Show the sign-in form on the first screen."""
    single_sign_on = "single_sign_on"
    """Show the single sign-on form on the first screen."""
    reset_password = "reset_password"
    """Show the reset password form on the first screen."""


class Identifier(BaseEnum):
    """The identifiers the first screen offers (`signIn(identifiers=[...])`); goes with `firstScreen`."""

    username = "username"
    """Use `username` as identifier."""
    email = "email"
    """Use `email` as identifier."""
    phone = "phone"
    """Use `phone` as identifier."""


class DirectSignInOptionMethod(BaseEnum):
    """The method of a direct sign-in."""

    sso = "sso"
    """Enterprise single sign-on: the identifier is the SSO connector ID."""
    social = "social"
    """Social sign-in: the identifier is the IdP name (e.g. `google`)."""


class DirectSignInOption(BaseModel):
    """
    A direct sign-in (`signIn(directSignIn=...)`), sent as `direct_sign_in=<method>:<identifier>`. See
    https://docs.logto.io/docs/references/openid-connect/authentication-parameters/#direct-sign-in
    """

    method: DirectSignInOptionMethod
    """The method for the direct sign-in."""
    identifier: str
    """The IdP name for a social sign-in, the enterprise SSO connector ID for SSO."""


class AccessTokenClaims(BaseModel):
    """
    The access token claims object.

    To access the extra claims, use `__pydantic_extra__`. See
    https://docs.pydantic.dev/latest/usage/models/#extra-fields for more information.
    """

    model_config = ConfigDict(extra="allow")

    iss: str
    """The issuer identifier for whom issued the token."""
    sub: str
    """The subject identifier for whom the token is intended (user ID)."""
    aud: Union[str, List[str]]
    """The audience: a client ID, a resource indicator or an organization URN."""
    exp: NumericDate
    """The expiration time of the token (in seconds); an `int`, or a `float` if the token carried a fraction."""
    iat: NumericDate
    """The time at which the token was issued (in seconds); an `int`, or a `float` if the token carried a fraction."""
    scope: Optional[str] = None
    """The scopes that the token is granted for."""
    client_id: Optional[str] = None
    """The client ID that the token is granted for."""


__all__ = [
    "NumericDate",
    "OidcProviderMetadata",
    "Scope",
    "OAuthScope",
    "UserInfoScope",
    "IdTokenClaims",
    "ReservedResource",
    "BaseEnum",
    "FirstScreen",
    "Identifier",
    "DirectSignInOptionMethod",
    "DirectSignInOption",
    "AccessTokenClaims",
]
