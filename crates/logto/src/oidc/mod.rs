//! The OpenID Connect protocol of the SDK: [`OidcCore`] (discovery, token requests, ID-token
//! verification, userinfo, revocation) and its building blocks.

mod jwks;
mod jwt;
mod pkce;
mod verify;

pub use jwt::{Algorithm, decode_jwt_payload};
pub use pkce::{generate_code_challenge, generate_code_verifier, generate_state};
pub use verify::{DEFAULT_LEEWAY, MAX_LEEWAY};

pub(crate) use jwks::{JwksCache, JwksPolicy, KeySet};
pub(crate) use pkce::constant_time_eq;
pub(crate) use verify::{Expected, now_seconds, verify_jwt};

use crate::error::{LogtoError, Result, TokenError};

#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_jwt(token: &str) -> Result<(), TokenError> {
    let jws = jwt::Jws::parse(token)?;
    let expected = Expected {
        issuer: "https://t.example/oidc",
        audience: "app",
        leeway_seconds: 60,
        require_sub: true,
        authorized_party: Some("app"),
        types: None,
    };
    verify::check_claims(&jws.payload, &expected, 1_700_000_000)
}

#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_jwks(document: &[u8]) -> Result<(), TokenError> {
    let keys = KeySet::parse(document).map_err(TokenError::KeysUnavailable)?;
    for alg in Algorithm::ALL {
        if let Ok(key) = keys.select(None, alg) {
            let _ = key.verify(alg, b"message", b"signature");
        }
    }
    Ok(())
}
use crate::http::{ClientAuth, Http};
use crate::models::{
    AccessTokenClaims, IdTokenClaims, ProviderMetadata, TokenResponse, UserInfoResponse,
    organization_id_from_urn,
};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// The typed view of userinfo claims.
pub(crate) fn user_info_from_json(
    endpoint: &str,
    claims: serde_json::Map<String, serde_json::Value>,
) -> Result<UserInfoResponse> {
    serde_json::from_value(serde_json::Value::Object(claims)).map_err(|e| LogtoError::InvalidResponse {
        endpoint: endpoint.to_owned(),
        reason: format!("the userinfo claims do not have the expected shape: {e}"),
    })
}

/// The protocol engine for one identity server: its metadata, its cached signing keys and the
/// pooled HTTP client. Cloning is cheap (an `Arc`).
///
/// ```no_run
/// # async fn run() -> logto::Result<()> {
/// use logto::OidcCore;
///
/// let core = OidcCore::discover("https://tenant.logto.app", reqwest::Client::new()).await?;
/// println!("token endpoint: {}", core.metadata().token_endpoint);
/// let verifier = OidcCore::generate_code_verifier();
/// let challenge = OidcCore::generate_code_challenge(&verifier);
/// # let _ = challenge; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct OidcCore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    metadata: ProviderMetadata,
    http: Http,
    jwks: JwksCache,
    leeway: Duration,
}

impl OidcCore {
    /// Fetches the discovery document of the Logto `endpoint` (`{endpoint}/oidc/.well-known/...`)
    /// and checks that its issuer is `{endpoint}/oidc`.
    pub async fn discover(endpoint: &str, http_client: reqwest::Client) -> Result<Self> {
        let config = crate::LogtoConfig::new(endpoint, "-");
        Self::discover_with(&config.issuer(), Http::new(http_client), DEFAULT_LEEWAY, JwksPolicy::default())
            .await
    }

    /// Fetches a discovery document by its URL and checks that its issuer is the URL without
    /// `/.well-known/openid-configuration`.
    ///
    /// ```no_run
    /// # async fn run() -> logto::Result<()> {
    /// let url = "https://tenant.logto.app/oidc/.well-known/openid-configuration";
    /// let core = logto::OidcCore::discover_url(url, reqwest::Client::new()).await?;
    /// assert_eq!(core.metadata().issuer, "https://tenant.logto.app/oidc");
    /// # Ok(()) }
    /// ```
    pub async fn discover_url(discovery_url: &str, http_client: reqwest::Client) -> Result<Self> {
        let issuer = discovery_url
            .trim_end_matches('/')
            .strip_suffix("/.well-known/openid-configuration")
            .ok_or_else(|| {
                LogtoError::InvalidConfig(format!(
                    "`{discovery_url}` is not a discovery URL (…/.well-known/openid-configuration)"
                ))
            })?;
        Self::discover_with(issuer, Http::new(http_client), DEFAULT_LEEWAY, JwksPolicy::default()).await
    }

    pub(crate) async fn discover_with(
        issuer: &str,
        http: Http,
        leeway: Duration,
        jwks_policy: JwksPolicy,
    ) -> Result<Self> {
        let url = format!("{issuer}/.well-known/openid-configuration");
        let metadata: ProviderMetadata = http.get_json(&url, None).await?;
        if metadata.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            tracing::warn!(expected = issuer, actual = %metadata.issuer, "discovery issuer mismatch");
            return Err(LogtoError::DiscoveryIssuerMismatch {
                expected: issuer.to_owned(),
                actual: metadata.issuer,
            });
        }
        Ok(Self::from_metadata_with(metadata, http, leeway, jwks_policy))
    }

    /// A core over metadata the caller already has (no network call until keys are needed).
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let same = logto::OidcCore::from_metadata(core.metadata().clone(), reqwest::Client::new());
    /// # let _ = same;
    /// # Ok(()) }
    /// ```
    pub fn from_metadata(metadata: ProviderMetadata, http_client: reqwest::Client) -> Self {
        Self::from_metadata_with(metadata, Http::new(http_client), DEFAULT_LEEWAY, JwksPolicy::default())
    }

    /// A core over metadata and a JWKS document the caller already has: verification works
    /// offline; an unknown `kid` still triggers a fetch of `jwks_uri`.
    ///
    /// ```
    /// let metadata: logto::ProviderMetadata = serde_json::from_value(serde_json::json!({
    ///     "issuer": "https://t.logto.app/oidc", "authorization_endpoint": "https://t.logto.app/oidc/auth",
    ///     "token_endpoint": "https://t.logto.app/oidc/token", "userinfo_endpoint": "https://t.logto.app/oidc/me",
    ///     "jwks_uri": "https://t.logto.app/oidc/jwks"
    /// })).unwrap();
    /// let core = logto::OidcCore::from_metadata_and_jwks(metadata, r#"{"keys":[]}"#, reqwest::Client::new());
    /// assert!(core.is_ok());
    /// ```
    pub fn from_metadata_and_jwks(
        metadata: ProviderMetadata,
        jwks: &str,
        http_client: reqwest::Client,
    ) -> Result<Self> {
        let keys = KeySet::parse(jwks.as_bytes()).map_err(LogtoError::InvalidConfig)?;
        let jwks = JwksCache::with_keys(metadata.jwks_uri.clone(), JwksPolicy::default(), keys);
        let inner = Inner { metadata, http: Http::new(http_client), jwks, leeway: DEFAULT_LEEWAY };
        Ok(Self { inner: Arc::new(inner) })
    }

    pub(crate) fn from_metadata_with(
        metadata: ProviderMetadata,
        http: Http,
        leeway: Duration,
        jwks_policy: JwksPolicy,
    ) -> Self {
        let jwks = JwksCache::new(metadata.jwks_uri.clone(), jwks_policy);
        Self { inner: Arc::new(Inner { metadata, http, jwks, leeway }) }
    }

    /// The provider metadata.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// println!("{}", core.metadata().token_endpoint);
    /// # Ok(()) }
    /// ```
    pub fn metadata(&self) -> &ProviderMetadata {
        &self.inner.metadata
    }

    pub(crate) fn http(&self) -> &Http {
        &self.inner.http
    }

    /// A random `state` value.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// assert_ne!(logto::OidcCore::generate_state(), logto::OidcCore::generate_state());
    /// # Ok(()) }
    /// ```
    pub fn generate_state() -> String {
        generate_state()
    }

    /// A random PKCE code verifier.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// assert_eq!(logto::OidcCore::generate_code_verifier().len(), 43);
    /// # Ok(()) }
    /// ```
    pub fn generate_code_verifier() -> String {
        generate_code_verifier()
    }

    /// The S256 challenge of a code verifier.
    ///
    /// ```
    /// let challenge = logto::OidcCore::generate_code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    /// assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /// ```
    pub fn generate_code_challenge(code_verifier: &str) -> String {
        generate_code_challenge(code_verifier)
    }

    /// Decodes an ID token's claims without verifying it.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let claims = logto::OidcCore::decode_id_token("eyJ...")?;
    /// # let _ = claims;
    /// # Ok(()) }
    /// ```
    pub fn decode_id_token(id_token: &str) -> Result<IdTokenClaims> {
        decode_jwt_payload(id_token).map_err(LogtoError::InvalidIdToken)
    }

    /// Decodes an access token's claims without verifying it (opaque tokens are an error).
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let claims = logto::OidcCore::decode_access_token("eyJ...")?;
    /// # let _ = claims;
    /// # Ok(()) }
    /// ```
    pub fn decode_access_token(access_token: &str) -> Result<AccessTokenClaims> {
        decode_jwt_payload(access_token).map_err(LogtoError::InvalidAccessToken)
    }

    /// Verifies an ID token: signature against the JWKS (allowed algorithms only), `iss`, `aud`
    /// (the client id), `exp`, `iat` and `sub`, with the configured leeway. Returns its claims.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let claims = core.verify_id_token("eyJ...", "app-id").await?;
    /// println!("{}", claims.sub);
    /// # Ok(()) }
    /// ```
    pub async fn verify_id_token(&self, id_token: &str, client_id: &str) -> Result<IdTokenClaims> {
        let expected = Expected {
            issuer: &self.inner.metadata.issuer,
            audience: client_id,
            leeway_seconds: self.inner.leeway.as_secs() as i64,
            require_sub: true,
            authorized_party: Some(client_id),
            types: None,
        };
        let outcome = verify_jwt(&self.inner.jwks, &self.inner.http, id_token, &expected).await;
        match &outcome {
            Ok(_) => tracing::debug!("ID token verified"),
            Err(reason) => tracing::warn!(%reason, "ID token rejected"),
        }
        outcome.map_err(LogtoError::InvalidIdToken)
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let tokens = core.fetch_token_by_code("app-id", Some("secret"), "https://app.example/callback", "code", "verifier").await?;
    /// # let _ = tokens;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_token_by_code(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        redirect_uri: &str,
        code: &str,
        code_verifier: &str,
    ) -> Result<TokenResponse> {
        let params = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", code_verifier),
            ("redirect_uri", redirect_uri),
        ];
        let auth = ClientAuth { client_id, client_secret };
        let span = tracing::debug_span!("logto.token", grant = "authorization_code");
        self.inner.http.post_form(&self.inner.metadata.token_endpoint, auth, &params).instrument(span).await
    }

    /// Uses a refresh token. `resource` may be an API resource or an organization URN
    /// (`urn:logto:organization:<id>`), which is sent as `organization_id`; empty means none.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let tokens = core.fetch_token_by_refresh_token("app-id", None, "refresh-token", "urn:logto:organization:org-1").await?;
    /// # let _ = tokens;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_token_by_refresh_token(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        refresh_token: &str,
        resource: &str,
    ) -> Result<TokenResponse> {
        let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
        match organization_id_from_urn(resource) {
            Some(organization_id) => params.push(("organization_id", organization_id)),
            None if !resource.is_empty() => params.push(("resource", resource)),
            None => {}
        }
        let auth = ClientAuth { client_id, client_secret };
        let span = tracing::debug_span!("logto.token", grant = "refresh_token", resource);
        self.inner.http.post_form(&self.inner.metadata.token_endpoint, auth, &params).instrument(span).await
    }

    /// Calls the userinfo endpoint with an access token.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let info = core.fetch_user_info("access-token").await?;
    /// println!("{}", info.sub);
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_info(&self, access_token: &str) -> Result<UserInfoResponse> {
        user_info_from_json(
            &self.inner.metadata.userinfo_endpoint,
            self.fetch_user_info_json(access_token).await?,
        )
    }

    /// Calls the userinfo endpoint and returns its claims as sent (claims sent as `null` stay
    /// `null`); it must at least have a string `sub`.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let claims = core.fetch_user_info_json("access-token").await?;
    /// println!("{}", claims["sub"]);
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_info_json(
        &self,
        access_token: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let span = tracing::debug_span!("logto.userinfo");
        let endpoint = &self.inner.metadata.userinfo_endpoint;
        let claims: serde_json::Map<String, serde_json::Value> =
            self.inner.http.get_json(endpoint, Some(access_token)).instrument(span).await?;
        if claims.get("sub").and_then(|sub| sub.as_str()).is_none_or(str::is_empty) {
            return Err(LogtoError::InvalidResponse {
                endpoint: endpoint.clone(),
                reason: "the userinfo response has no `sub`".into(),
            });
        }
        Ok(claims)
    }

    /// Revokes a token (RFC 7009). Returns an error only if the server refused or was unreachable.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// core.revoke_token("app-id", Some("secret"), "refresh-token").await?;
    /// # Ok(()) }
    /// ```
    pub async fn revoke_token(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        token: &str,
    ) -> Result<()> {
        let Some(endpoint) = self.inner.metadata.revocation_endpoint.as_deref() else {
            return Ok(());
        };
        let auth = ClientAuth { client_id, client_secret };
        let params = [("token", token), ("token_type_hint", "refresh_token")];
        let span = tracing::debug_span!("logto.revoke");
        self.inner.http.post_form_raw(endpoint, auth, &params).instrument(span).await.map(drop)
    }

    /// Verifies a JWT with this server's keys and arbitrary expectations (used by the access-token
    /// verifier).
    pub(crate) async fn verify_with<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        expected: &Expected<'_>,
    ) -> Result<T, TokenError> {
        verify_jwt(&self.inner.jwks, &self.inner.http, token, expected).await
    }

    pub(crate) fn leeway(&self) -> Duration {
        self.inner.leeway
    }
}
