"""
The core OIDC functions for the Logto client. Provider-agonistic functions
are implemented as static methods, while other functions are implemented as
instance methods.

Everything here delegates to the Rust core (`logto._core.CoreOidc`): discovery, token requests,
ID-token verification against the server's keys, userinfo. This module only turns its JSON
answers into the pydantic models.
"""

from typing import List, Optional

from . import _core
from .models.oidc import AccessTokenClaims, IdTokenClaims, OAuthScope, OidcProviderMetadata, Scope, UserInfoScope
from .models.response import TokenResponse, UserInfoResponse


class JwksClient:
    """
    Where the signing keys come from (the official SDK's `jwksClient` is a PyJWT `PyJWKClient`).
    The keys are fetched, cached and rotated by the Rust core; this names their URL.
    """

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def __repr__(self) -> str:
        return f"JwksClient(uri={self.uri!r})"


class OidcCore:
    defaultScopes: List[Scope] = [UserInfoScope.openid, OAuthScope.offlineAccess, UserInfoScope.profile]
    """The scopes every sign-in asks for."""

    def __init__(self, metadata: OidcProviderMetadata) -> None:
        """
        Initialize the OIDC core with the provider metadata. You can use the
        `getProviderMetadata` method to fetch the provider metadata from the
        discovery URL.
        """
        self.metadata = metadata
        self.jwksClient = JwksClient(metadata.jwks_uri)
        self._core = _core.CoreOidc.from_metadata_json(metadata.model_dump_json(exclude_none=True))

    @classmethod
    def _fromCore(cls, core: "_core.CoreOidc") -> "OidcCore":
        """Wraps a core that already exists (the client's, sharing its connections and keys)."""
        oidcCore = cls.__new__(cls)
        oidcCore._core = core
        oidcCore.metadata = OidcProviderMetadata.model_validate_json(core.metadata_json())
        oidcCore.jwksClient = JwksClient(oidcCore.metadata.jwks_uri)
        return oidcCore

    @staticmethod
    def generateState() -> str:
        """Generate a random string (32 bytes) for the state parameter."""
        return _core.CoreOidc.generate_state()

    @staticmethod
    def generateCodeVerifier() -> str:
        """
        Generate a random code verifier string (32 bytes) for PKCE.

        See: https://www.rfc-editor.org/rfc/rfc7636.html#section-4.1
        """
        return _core.CoreOidc.generate_code_verifier()

    @staticmethod
    def generateCodeChallenge(codeVerifier: str) -> str:
        """
        Generate a code challenge string for the given code verifier string.

        See: https://www.rfc-editor.org/rfc/rfc7636.html#section-4.2
        """
        return _core.CoreOidc.generate_code_challenge(codeVerifier)

    @staticmethod
    def decodeIdToken(idToken: str) -> IdTokenClaims:
        """Decode the ID Token and return the claims without verifying the signature."""
        return IdTokenClaims.model_validate_json(_core.CoreOidc.decode_id_token(idToken))

    @staticmethod
    def decodeAccessToken(accessToken: str) -> AccessTokenClaims:
        """Decode the access token and return the claims without verifying the signature."""
        return AccessTokenClaims.model_validate_json(_core.CoreOidc.decode_access_token(accessToken))

    @staticmethod
    async def getProviderMetadata(discoveryUrl: str) -> OidcProviderMetadata:
        """Fetch the provider metadata from the discovery URL."""
        core = await _core.CoreOidc.discover(discoveryUrl)
        return OidcProviderMetadata.model_validate_json(core.metadata_json())

    async def fetchTokenByCode(
        self,
        clientId: str,
        clientSecret: Optional[str],
        redirectUri: str,
        code: str,
        codeVerifier: str,
    ) -> TokenResponse:
        """Fetch the token from the token endpoint using the authorization code."""
        raw = await self._core.fetch_token_by_code(clientId, clientSecret, redirectUri, code, codeVerifier)
        return TokenResponse.model_validate_json(raw)

    async def fetchTokenByRefreshToken(
        self,
        clientId: str,
        clientSecret: Optional[str],
        refreshToken: str,
        resource: str = "",
    ) -> TokenResponse:
        """
        Fetch the token from the token endpoint using the refresh token.

        If the resource is an organization URN, the organization ID will be extracted
        and used as the `organization_id` parameter.
        """
        raw = await self._core.fetch_token_by_refresh_token(clientId, clientSecret, refreshToken, resource)
        return TokenResponse.model_validate_json(raw)

    def verifyIdToken(self, idToken: str, clientId: str) -> None:
        """
        Verify the ID Token signature and its issuer and client ID, throw an exception
        if the verification fails.

        The signing keys are fetched (once, then cached) without holding the GIL.
        """
        self._core.verify_id_token(idToken, clientId)

    async def fetchUserInfo(self, accessToken: str) -> UserInfoResponse:
        """
        Fetch the user info from the OpenID Connect UserInfo endpoint.

        See: https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
        """
        return UserInfoResponse.model_validate_json(await self._core.fetch_user_info(accessToken))


__all__ = ["OidcCore", "JwksClient"]
