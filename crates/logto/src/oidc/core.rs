//! [`OidcCore`]: the protocol engine for one identity server (discovery, keys, token requests,
//! ID-token verification, userinfo, revocation).

use super::issuer::Issuer;
use super::jwks::{JwksCache, JwksPolicy, KeySet, rsa_default};
use super::jwt::{Algorithm, decode_jwt_payload};
use super::pkce;
use super::verify::{DEFAULT_LEEWAY, Expected, Expiry, JwtKind, verify_jwt};
use crate::error::{LogtoError, Result, ServerError, TokenError};
use crate::http::{ClientAuth, Http, HttpOptions};
use crate::machine::TokenExchange;
use crate::models::{
    AccessTokenClaims, IdTokenClaims, LogoutTokenClaims, ProviderMetadata, TokenResponse, UserInfoResponse,
};
use crate::secret::{AppSecret, CodeVerifier, RefreshToken};
use crate::target::TokenTarget;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// How long before now an ID token may have been issued when it arrives from the code exchange
/// (OpenID Connect Core §3.1.3.7 (10)): the code lives 60 s at Logto, so a token older than
/// this did not come from this exchange.
const MAX_ID_TOKEN_AGE_AT_EXCHANGE: i64 = 10 * 60;

/// How old a logout token may be: Logto 1.42+ gives them 2 minutes, older releases no `exp` at
/// all, so this bounds them; a replayed old one is refused.
const MAX_LOGOUT_TOKEN_AGE: i64 = 10 * 60;

/// The JSON claims of a userinfo answer.
pub(crate) type Claims = serde_json::Map<String, serde_json::Value>;

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
    /// The algorithms ID tokens may be signed with: those of the discovery document's
    /// `id_token_signing_alg_values_supported` the SDK supports, or every supported one when
    /// the document names none.
    id_token_algorithms: Option<Vec<Algorithm>>,
}

impl Inner {
    fn new(
        metadata: ProviderMetadata,
        http: Http,
        leeway: Duration,
        jwks: impl FnOnce(Algorithm) -> JwksCache,
    ) -> Self {
        let id_token_algorithms = id_token_algorithms(&metadata);
        let jwks = jwks(rsa_default(id_token_algorithms.as_deref()));
        Self { metadata, http, jwks, leeway, id_token_algorithms }
    }
}

/// The ID-token algorithms a discovery document allows (OpenID Connect Core §3.1.3.7 (7)):
/// names the SDK does not support (`HS256`, `none`, `EdDSA`) are left out.
fn id_token_algorithms(metadata: &ProviderMetadata) -> Option<Vec<Algorithm>> {
    let names = &metadata.id_token_signing_alg_values_supported;
    (!names.is_empty()).then(|| names.iter().filter_map(|name| Algorithm::parse(name)).collect())
}

impl OidcCore {
    /// Fetches the discovery document of the Logto `endpoint` (`{endpoint}/oidc/.well-known/...`)
    /// and checks that its issuer is exactly `{endpoint}/oidc`.
    pub async fn discover(endpoint: &str, http_client: reqwest::Client) -> Result<Self> {
        let issuer = Issuer::from_endpoint(endpoint)?;
        Self::discover_with(&issuer, Http::new(http_client), DEFAULT_LEEWAY, JwksPolicy::default()).await
    }

    /// Fetches a discovery document by its URL and checks that its issuer is the URL without
    /// `/.well-known/openid-configuration` (with or without a terminating `/`, which Discovery §4
    /// removes before appending the well-known path).
    ///
    /// ```no_run
    /// # async fn run() -> logto::Result<()> {
    /// let url = "https://tenant.logto.app/oidc/.well-known/openid-configuration";
    /// let core = logto::OidcCore::discover_url(url, reqwest::Client::new()).await?;
    /// assert_eq!(core.metadata().issuer, "https://tenant.logto.app/oidc");
    /// # Ok(()) }
    /// ```
    pub async fn discover_url(discovery_url: &str, http_client: reqwest::Client) -> Result<Self> {
        let issuer = Issuer::from_discovery_url(discovery_url)?;
        let http = Http::new(http_client);
        let metadata = fetch_metadata(&http, discovery_url).await?;
        let with_slash = format!("{issuer}/");
        if !(issuer.matches(&metadata.issuer) || metadata.issuer == with_slash) {
            return Err(issuer_mismatch(&issuer, metadata.issuer));
        }
        check_endpoints(http.options(), &metadata)?;
        Ok(Self::from_metadata_with(metadata, http, DEFAULT_LEEWAY, JwksPolicy::default()))
    }

    pub(crate) async fn discover_with(
        issuer: &Issuer,
        http: Http,
        leeway: Duration,
        jwks_policy: JwksPolicy,
    ) -> Result<Self> {
        let metadata = fetch_metadata(&http, &issuer.discovery_url()).await?;
        if !issuer.matches(&metadata.issuer) {
            return Err(issuer_mismatch(issuer, metadata.issuer));
        }
        check_endpoints(http.options(), &metadata)?;
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
        let algorithms = id_token_algorithms(&metadata);
        let keys = KeySet::parse(jwks.as_bytes(), rsa_default(algorithms.as_deref()))
            .map_err(LogtoError::InvalidConfig)?;
        let url = metadata.jwks_uri.clone();
        let inner = Inner::new(metadata, Http::new(http_client), DEFAULT_LEEWAY, |rsa_default| {
            JwksCache::with_keys(url, JwksPolicy::default(), rsa_default, keys)
        });
        Ok(Self { inner: Arc::new(inner) })
    }

    pub(crate) fn from_metadata_with(
        metadata: ProviderMetadata,
        http: Http,
        leeway: Duration,
        jwks_policy: JwksPolicy,
    ) -> Self {
        let url = metadata.jwks_uri.clone();
        let inner =
            Inner::new(metadata, http, leeway, |rsa_default| JwksCache::new(url, jwks_policy, rsa_default));
        Self { inner: Arc::new(inner) }
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

    pub(crate) fn leeway(&self) -> Duration {
        self.inner.leeway
    }

    /// A random `state` value.
    ///
    /// ```
    /// assert_ne!(logto::OidcCore::generate_state(), logto::OidcCore::generate_state());
    /// ```
    pub fn generate_state() -> String {
        pkce::generate_state()
    }

    /// A random PKCE code verifier.
    ///
    /// ```
    /// assert_eq!(logto::OidcCore::generate_code_verifier().len(), 43);
    /// ```
    pub fn generate_code_verifier() -> String {
        pkce::generate_code_verifier()
    }

    /// The S256 challenge of a code verifier.
    ///
    /// ```
    /// let challenge = logto::OidcCore::generate_code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    /// assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /// ```
    pub fn generate_code_challenge(code_verifier: &str) -> String {
        pkce::generate_code_challenge(code_verifier)
    }

    /// Decodes an ID token's claims **without verifying** its signature or claims: only for a
    /// token that was verified when it was stored, or for display.
    ///
    /// ```no_run
    /// let claims = logto::OidcCore::decode_id_token("eyJ...")?;
    /// # let _ = claims;
    /// # Ok::<_, logto::LogtoError>(())
    /// ```
    pub fn decode_id_token(id_token: &str) -> Result<IdTokenClaims> {
        decode_jwt_payload(id_token).map_err(LogtoError::InvalidIdToken)
    }

    /// Decodes an access token's claims **without verifying** it (opaque tokens are an error).
    /// To check a token an API received, use [`AccessTokenVerifier`](crate::verifier::AccessTokenVerifier).
    ///
    /// ```no_run
    /// let claims = logto::OidcCore::decode_access_token("eyJ...")?;
    /// # let _ = claims;
    /// # Ok::<_, logto::LogtoError>(())
    /// ```
    pub fn decode_access_token(access_token: &str) -> Result<AccessTokenClaims> {
        decode_jwt_payload(access_token).map_err(LogtoError::InvalidAccessToken)
    }

    fn id_token_expectations<'a>(&'a self, client_id: &'a str) -> Expected<'a> {
        Expected {
            issuer: &self.inner.metadata.issuer,
            audience: client_id,
            leeway_seconds: self.inner.leeway.as_secs() as i64,
            kind: JwtKind::IdToken,
            algorithms: self.inner.id_token_algorithms.as_deref(),
            max_age_seconds: None,
            expiry: Expiry::Required,
        }
    }

    /// Verifies an ID token: signature against the JWKS (with an algorithm the discovery
    /// document allows and the key's one algorithm), `typ` (absent or `JWT`), `iss`, `aud` (the
    /// client id and nothing else), `azp` (if present, the client id), `exp`, `iat`, `nbf` and
    /// `sub`, with the configured leeway; a logout token (`events` claim) is refused. Returns its
    /// claims.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let claims = core.verify_id_token("eyJ...", "app-id").await?;
    /// println!("{}", claims.sub);
    /// # Ok(()) }
    /// ```
    pub async fn verify_id_token(&self, id_token: &str, client_id: &str) -> Result<IdTokenClaims> {
        self.verify_id_token_with(id_token, &self.id_token_expectations(client_id)).await
    }

    /// Verifies the ID token of a code exchange: as [`verify_id_token`](Self::verify_id_token),
    /// and it must have been issued within the last minutes.
    pub(crate) async fn verify_fresh_id_token(
        &self,
        id_token: &str,
        client_id: &str,
    ) -> Result<IdTokenClaims> {
        let expected = Expected {
            max_age_seconds: Some(MAX_ID_TOKEN_AGE_AT_EXCHANGE),
            ..self.id_token_expectations(client_id)
        };
        self.verify_id_token_with(id_token, &expected).await
    }

    async fn verify_id_token_with(&self, id_token: &str, expected: &Expected<'_>) -> Result<IdTokenClaims> {
        let outcome = verify_jwt(&self.inner.jwks, &self.inner.http, id_token, expected).await;
        match &outcome {
            Ok(_) => tracing::debug!("ID token verified"),
            Err(reason) => tracing::warn!(%reason, "ID token rejected"),
        }
        outcome.map_err(LogtoError::InvalidIdToken)
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens. A response whose
    /// `token_type` is not `Bearer` is an [`LogtoError::InvalidResponse`].
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// use logto::{AppSecret, CodeVerifier};
    /// let secret = AppSecret::from("secret");
    /// let verifier = CodeVerifier::from("verifier");
    /// let tokens = core.fetch_token_by_code("app-id", Some(&secret), "https://app.example/callback", "code", &verifier).await?;
    /// # let _ = tokens;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_token_by_code(
        &self,
        client_id: &str,
        client_secret: Option<&AppSecret>,
        redirect_uri: &str,
        code: &str,
        code_verifier: &CodeVerifier,
    ) -> Result<TokenResponse> {
        let params = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", code_verifier.secret()),
            ("redirect_uri", redirect_uri),
        ];
        let auth = ClientAuth::new(client_id, client_secret);
        let span = tracing::debug_span!("logto.token", grant = "authorization_code");
        let response = self.inner.http.post_form(&self.inner.metadata.token_endpoint, auth, &params);
        self.bearer_only(response.instrument(span).await?)
    }

    /// Uses a refresh token to get an access token for `target`. A response whose `token_type`
    /// is not `Bearer` is an [`LogtoError::InvalidResponse`].
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// use logto::{RefreshToken, TokenTarget};
    /// let refresh_token = RefreshToken::from("refresh-token");
    /// let tokens = core.fetch_token_by_refresh_token("app-id", None, &refresh_token, &TokenTarget::organization("org-1")).await?;
    /// # let _ = tokens;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_token_by_refresh_token(
        &self,
        client_id: &str,
        client_secret: Option<&AppSecret>,
        refresh_token: &RefreshToken,
        target: &TokenTarget,
    ) -> Result<TokenResponse> {
        let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.secret())];
        params.extend(target.token_params());
        let auth = ClientAuth::new(client_id, client_secret);
        let span = tracing::debug_span!("logto.token", grant = "refresh_token", target = %target);
        let response = self.inner.http.post_form(&self.inner.metadata.token_endpoint, auth, &params);
        self.bearer_only(response.instrument(span).await?)
    }

    /// OpenID Connect Core §3.1.3.3: the `token_type` "MUST be Bearer" (case-insensitive, RFC
    /// 6749 §5.1); RFC 6749 §7.1: a token of a type the client does not understand is not used.
    pub(crate) fn bearer_only(&self, response: TokenResponse) -> Result<TokenResponse> {
        if response.token_type.eq_ignore_ascii_case("Bearer") {
            return Ok(response);
        }
        tracing::warn!("the token response's token_type is not Bearer");
        Err(LogtoError::InvalidResponse {
            endpoint: self.inner.metadata.token_endpoint.clone(),
            reason: "the token_type is not Bearer (DPoP and MAC tokens are not supported)".into(),
        })
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
    pub async fn fetch_user_info_json(&self, access_token: &str) -> Result<Claims> {
        Ok(self.fetch_user_info_text(access_token).await?.0)
    }

    /// Calls the userinfo endpoint and returns its claims and the body as sent (member order and
    /// numbers of any size untouched), for faces that build their own models from the text.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let (claims, text) = core.fetch_user_info_text("access-token").await?;
    /// # let _ = (claims, text);
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_info_text(&self, access_token: &str) -> Result<(Claims, String)> {
        let span = tracing::debug_span!("logto.userinfo");
        let endpoint = &self.inner.metadata.userinfo_endpoint;
        let body = self.inner.http.get_text(endpoint, Some(access_token)).instrument(span).await?;
        let claims: Claims = crate::http::parse_json(endpoint, body.as_bytes())?;
        if claims.get("sub").and_then(|sub| sub.as_str()).is_none_or(str::is_empty) {
            return Err(LogtoError::InvalidResponse {
                endpoint: endpoint.clone(),
                reason: "the userinfo response has no `sub`".into(),
            });
        }
        Ok((claims, body))
    }

    /// Fetches the signing keys now unless they are cached (to warm them at start-up, so the
    /// first verification need not wait for them).
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// core.fetch_keys().await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_keys(&self) -> Result<()> {
        self.inner.jwks.ensure(&self.inner.http).await.map_err(|e| LogtoError::InvalidResponse {
            endpoint: self.inner.metadata.jwks_uri.clone(),
            reason: e.to_string(),
        })
    }

    /// The client-credentials grant (machine to machine): an access token for `target` (an API
    /// resource, an organization, or a resource in an organization) with `scopes`. A response
    /// whose `token_type` is not `Bearer` is an [`LogtoError::InvalidResponse`].
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// use logto::{AppSecret, TokenTarget};
    /// let secret = AppSecret::from("m2m-secret");
    /// let tokens = core.fetch_token_by_client_credentials("m2m-app", &secret, &TokenTarget::resource("https://api.example.com"), &["read:data".into()]).await?;
    /// # let _ = tokens; Ok(()) }
    /// ```
    pub async fn fetch_token_by_client_credentials(
        &self,
        client_id: &str,
        client_secret: &AppSecret,
        target: &TokenTarget,
        scopes: &[String],
    ) -> Result<TokenResponse> {
        if *target == TokenTarget::UserInfo {
            return Err(LogtoError::InvalidConfig(
                "a machine-to-machine token is for an API resource or an organization".into(),
            ));
        }
        let scope = scopes.join(" ");
        let mut params = vec![("grant_type", "client_credentials")];
        params.extend(target.token_params());
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        let auth = ClientAuth::new(client_id, Some(client_secret));
        let span = tracing::debug_span!("logto.token", grant = "client_credentials", target = %target);
        let response = self.inner.http.post_form(&self.inner.metadata.token_endpoint, auth, &params);
        self.bearer_only(response.instrument(span).await?)
    }

    /// Logto's token exchange (RFC 8693): `request`'s subject token for an access token. A
    /// response whose `token_type` is not `Bearer` is an [`LogtoError::InvalidResponse`].
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// use logto::{AppSecret, SubjectTokenType, TokenExchange};
    /// let request = TokenExchange::new("pat_...", SubjectTokenType::PersonalAccessToken).target("https://api.example.com");
    /// let tokens = core.exchange_token("app-id", Some(&AppSecret::from("secret")), &request).await?;
    /// # let _ = tokens; Ok(()) }
    /// ```
    pub async fn exchange_token(
        &self,
        client_id: &str,
        client_secret: Option<&AppSecret>,
        request: &TokenExchange,
    ) -> Result<TokenResponse> {
        let scope = request.scopes.join(" ");
        let mut params = vec![
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
            ("subject_token", request.subject_token.secret()),
            ("subject_token_type", request.subject_token_type.as_str()),
        ];
        if let Some((actor, kind)) = &request.actor_token {
            params.push(("actor_token", actor.secret()));
            params.push(("actor_token_type", kind.as_str()));
        }
        params.extend(request.target.token_params());
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        let auth = ClientAuth::new(client_id, client_secret);
        let span = tracing::debug_span!("logto.token", grant = "token_exchange", target = %request.target);
        let response = self.inner.http.post_form(&self.inner.metadata.token_endpoint, auth, &params);
        self.bearer_only(response.instrument(span).await?)
    }

    /// Verifies a back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.6):
    /// signature, `iss`, `aud` (the client id), `iat` (within the last 10 minutes, with the
    /// leeway), `exp` (checked when present), the back-channel `events` member, `sub` or `sid`,
    /// `jti`, no `nonce`, and `typ` `logout+jwt` when set. Replays (the same `jti`) are the
    /// caller's to refuse.
    ///
    /// `exp` may be absent, though §2.4 requires it: every Logto before 1.42 signs logout tokens
    /// without one, and their age is bounded by `iat` instead.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// let claims = core.verify_logout_token("eyJ...", "app-id").await?;
    /// println!("end the sessions of {:?} / {:?}", claims.sub, claims.sid);
    /// # Ok(()) }
    /// ```
    pub async fn verify_logout_token(
        &self,
        logout_token: &str,
        client_id: &str,
    ) -> Result<LogoutTokenClaims> {
        let expected = Expected {
            issuer: &self.inner.metadata.issuer,
            audience: client_id,
            leeway_seconds: self.inner.leeway.as_secs() as i64,
            // Back-Channel Logout §2.4 recommends `logout+jwt`; an untyped token is told apart from
            // an ID token by its `events` claim and the absence of `nonce` (checked below).
            kind: JwtKind::LogoutToken,
            // §2.6: the signature is validated as an ID token's.
            algorithms: self.inner.id_token_algorithms.as_deref(),
            max_age_seconds: Some(MAX_LOGOUT_TOKEN_AGE),
            expiry: Expiry::BoundedByIat,
        };
        let claims: LogoutTokenClaims =
            verify_jwt(&self.inner.jwks, &self.inner.http, logout_token, &expected)
                .await
                .map_err(LogtoError::InvalidLogoutToken)?;
        claims.check().map_err(LogtoError::InvalidLogoutToken)?;
        Ok(claims)
    }

    /// Revokes a refresh token (RFC 7009). Returns an error only if the server refused or was
    /// unreachable.
    ///
    /// ```no_run
    /// # async fn run(core: logto::OidcCore) -> logto::Result<()> {
    /// core.revoke_token("app-id", None, &logto::RefreshToken::from("refresh-token")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn revoke_token(
        &self,
        client_id: &str,
        client_secret: Option<&AppSecret>,
        refresh_token: &RefreshToken,
    ) -> Result<()> {
        let Some(endpoint) = self.inner.metadata.revocation_endpoint.as_deref() else {
            return Ok(());
        };
        let auth = ClientAuth::new(client_id, client_secret);
        let params = [("token", refresh_token.secret()), ("token_type_hint", "refresh_token")];
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
}

/// Fetches a discovery document; a 404 says what to check.
async fn fetch_metadata(http: &Http, url: &str) -> Result<ProviderMetadata> {
    http.get_json(url, None).await.map_err(|error| match error {
        LogtoError::Server(server) if server.status == 404 => LogtoError::Server(ServerError {
            hint: Some(
                "no discovery document there: the endpoint is the Logto URL, e.g. https://tenant.logto.app \
                 (the issuer is that plus /oidc)",
            ),
            ..server
        }),
        other => other,
    })
}

/// Every endpoint the metadata names must be reachable under the same transport rules as the
/// issuer (no `http://` to a remote host smuggled in through discovery).
pub(crate) fn check_endpoints(options: &HttpOptions, metadata: &ProviderMetadata) -> Result<()> {
    let endpoints = [
        Some(&metadata.authorization_endpoint),
        Some(&metadata.token_endpoint),
        Some(&metadata.userinfo_endpoint),
        Some(&metadata.jwks_uri),
        metadata.end_session_endpoint.as_ref(),
        metadata.revocation_endpoint.as_ref(),
    ];
    for endpoint in endpoints.into_iter().flatten() {
        options.check_url(endpoint).map_err(|error| LogtoError::InvalidResponse {
            endpoint: "discovery".into(),
            reason: format!("the discovery document names an endpoint the SDK will not call: {error}"),
        })?;
    }
    Ok(())
}

fn issuer_mismatch(expected: &Issuer, actual: String) -> LogtoError {
    tracing::warn!(expected = %expected, actual = %actual, "discovery issuer mismatch");
    LogtoError::DiscoveryIssuerMismatch { expected: expected.to_string(), actual }
}

/// The typed view of userinfo claims.
pub(crate) fn user_info_from_json(endpoint: &str, claims: Claims) -> Result<UserInfoResponse> {
    serde_json::from_value(serde_json::Value::Object(claims)).map_err(|e| LogtoError::InvalidResponse {
        endpoint: endpoint.to_owned(),
        reason: format!(
            "the userinfo claims do not have the expected shape: {}",
            crate::error::json_error(&e)
        ),
    })
}
