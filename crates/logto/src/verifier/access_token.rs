use super::bearer_error::BearerError;
use super::cache::VerifiedTokenCache;
use crate::error::{LogtoError, Result, TokenError};
use crate::models::{AccessTokenClaims, build_organization_urn};
use crate::oidc::{Algorithm, Expected, Expiry, JwksCache, JwksPolicy, JwtKind, OidcCore, now_seconds};
use std::sync::Arc;
use std::time::Duration;

/// How many verified tokens a verifier remembers by default.
const DEFAULT_CACHE_CAPACITY: usize = 10_000;

/// Verifies JWT access tokens for one API resource (or one organization): signature against
/// the identity server's JWKS, `iss`, `aud`, `exp`, `iat`, `nbf`, the `at+jwt` type (RFC 9068)
/// and required scopes. Verified tokens are remembered until their `exp`, so a client that
/// reuses its token costs one signature check. Cloning is cheap and shares the cache.
///
/// ```no_run
/// # async fn run() -> logto::Result<()> {
/// use logto::verifier::AccessTokenVerifier;
///
/// let verifier = AccessTokenVerifier::discover("https://tenant.logto.app", "https://api.example.com")
///     .await?
///     .require_scopes(["read:data"]);
/// match verifier.verify("eyJ...").await {
///     Ok(claims) => println!("hello {}", claims.sub),
///     Err(error) => println!("{} {}", error.status(), error.www_authenticate(None)),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AccessTokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    core: Option<OidcCore>,
    static_keys: Option<Arc<(String, JwksCache)>>,
    http: crate::http::Http,
    audience: String,
    required_scopes: Vec<String>,
    leeway: Duration,
    accepted_types: Option<Vec<&'static str>>,
    algorithms: Option<Vec<Algorithm>>,
    cache: VerifiedTokenCache,
}

impl std::fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenVerifier")
            .field("audience", &self.inner.audience)
            .field("required_scopes", &self.inner.required_scopes)
            .finish_non_exhaustive()
    }
}

impl AccessTokenVerifier {
    /// A verifier for tokens whose `aud` is `audience`, with the keys of `core`'s server.
    pub fn new(core: OidcCore, audience: impl Into<String>) -> Self {
        let leeway = core.leeway();
        let http = core.http().clone();
        Self::build(Some(core), None, http, audience.into(), leeway)
    }

    /// Discovers the Logto server at `endpoint` and verifies tokens for `audience`.
    pub async fn discover(endpoint: &str, audience: impl Into<String>) -> Result<Self> {
        let client = crate::HttpOptions::default().build_client()?;
        Ok(Self::new(OidcCore::discover(endpoint, client).await?, audience))
    }

    /// A verifier for an organization's tokens (`aud` = `urn:logto:organization:<id>`).
    pub fn for_organization(core: OidcCore, organization_id: &str) -> Self {
        Self::new(core, build_organization_urn(organization_id))
    }

    /// A verifier with a fixed JWKS document and issuer (no network at all), e.g. for tests.
    pub fn from_jwks(issuer: &str, jwks: &str, audience: impl Into<String>) -> Result<Self> {
        let keys = crate::oidc::KeySet::parse(jwks.as_bytes(), Algorithm::Rs256)
            .map_err(LogtoError::InvalidConfig)?;
        let policy = JwksPolicy { max_age: Duration::MAX, refetch_cooldown: Duration::MAX };
        let cache = JwksCache::offline(policy, keys);
        let http = crate::http::Http::new(reqwest::Client::new());
        Ok(Self::build(
            None,
            Some(Arc::new((issuer.to_owned(), cache))),
            http,
            audience.into(),
            crate::oidc::DEFAULT_LEEWAY,
        ))
    }

    fn build(
        core: Option<OidcCore>,
        static_keys: Option<Arc<(String, JwksCache)>>,
        http: crate::http::Http,
        audience: String,
        leeway: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                core,
                static_keys,
                http,
                audience,
                required_scopes: Vec::new(),
                leeway,
                accepted_types: Some(vec!["at+jwt", "application/at+jwt"]),
                algorithms: None,
                cache: VerifiedTokenCache::new(DEFAULT_CACHE_CAPACITY),
            }),
        }
    }

    fn modify(self, change: impl FnOnce(&mut Inner)) -> Self {
        let Self { inner } = self;
        let mut inner = Arc::try_unwrap(inner).unwrap_or_else(|shared| Inner {
            core: shared.core.clone(),
            static_keys: shared.static_keys.clone(),
            http: shared.http.clone(),
            audience: shared.audience.clone(),
            required_scopes: shared.required_scopes.clone(),
            leeway: shared.leeway,
            accepted_types: shared.accepted_types.clone(),
            algorithms: shared.algorithms.clone(),
            cache: VerifiedTokenCache::new(DEFAULT_CACHE_CAPACITY),
        });
        change(&mut inner);
        Self { inner: Arc::new(inner) }
    }

    /// Requires every one of `scopes` (403 `insufficient_scope` otherwise).
    pub fn require_scopes<S: Into<String>>(self, scopes: impl IntoIterator<Item = S>) -> Self {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        self.modify(|inner| inner.required_scopes = scopes)
    }

    /// The clock leeway (default 60 s, capped at 300 s).
    pub fn leeway(self, leeway: Duration) -> Self {
        self.modify(|inner| inner.leeway = leeway.min(crate::oidc::MAX_LEEWAY))
    }

    /// How many verified tokens to remember (0 disables the cache).
    pub fn cache_capacity(self, capacity: usize) -> Self {
        self.modify(|inner| inner.cache = VerifiedTokenCache::new(capacity))
    }

    /// Accepts only tokens signed with one of `algorithms` (RFC 8725 §3.1). By default every
    /// algorithm the SDK supports is accepted; each key of the JWKS verifies only its own one.
    ///
    /// ```
    /// use logto::oidc::Algorithm;
    /// use logto::verifier::AccessTokenVerifier;
    ///
    /// let verifier = AccessTokenVerifier::from_jwks("https://t.logto.app/oidc", r#"{"keys":[]}"#, "https://api")
    ///     .unwrap()
    ///     .algorithms([Algorithm::Es384]);
    /// # drop(verifier);
    /// ```
    pub fn algorithms(self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        let algorithms: Vec<Algorithm> = algorithms.into_iter().collect();
        self.modify(|inner| inner.algorithms = Some(algorithms))
    }

    /// Accepts tokens whatever their `typ` header (for servers that do not follow RFC 9068).
    pub fn accept_any_token_type(self) -> Self {
        self.modify(|inner| inner.accepted_types = None)
    }

    /// The audience tokens must have.
    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    /// Verifies the token of an `Authorization` header value.
    pub async fn verify_header(&self, header: Option<&str>) -> Result<Arc<AccessTokenClaims>, BearerError> {
        self.verify(BearerError::token_from_header(header)?).await
    }

    /// Verifies the token of a request's `Authorization` header values (all of them: more than
    /// one is `invalid_request`, RFC 6750 §3.1).
    ///
    /// ```no_run
    /// # async fn run(verifier: logto::verifier::AccessTokenVerifier, headers: reqwest::header::HeaderMap) {
    /// let values = headers.get_all(reqwest::header::AUTHORIZATION).iter().map(|value| value.as_bytes());
    /// let outcome = verifier.verify_header_values(values).await;
    /// # let _ = outcome; }
    /// ```
    pub async fn verify_header_values<'a>(
        &self,
        values: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Arc<AccessTokenClaims>, BearerError> {
        self.verify(BearerError::token_from_header_values(values)?).await
    }

    /// Verifies a bearer token and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Arc<AccessTokenClaims>, BearerError> {
        let inner = &*self.inner;
        let now = now_seconds();
        // The SHA-256 cache key costs about as much as the rest of the parsing (~20 K instructions
        // for a 600-byte token): only pay for it when the cache is on.
        let key = inner.cache.enabled().then(|| VerifiedTokenCache::key(token));
        let claims = match key.as_ref().and_then(|key| inner.cache.get(key, now)) {
            Some(claims) => claims,
            None => {
                let claims = Arc::new(self.verify_uncached(token).await.map_err(|reason| {
                    tracing::debug!(%reason, "bearer token rejected");
                    BearerError::InvalidToken(reason)
                })?);
                if let Some(key) = key {
                    inner.cache.insert(key, claims.clone(), now);
                }
                claims
            }
        };
        let missing: Vec<String> =
            inner.required_scopes.iter().filter(|scope| !claims.has_scope(scope)).cloned().collect();
        if !missing.is_empty() {
            return Err(BearerError::InsufficientScope { required: inner.required_scopes.clone(), missing });
        }
        Ok(claims)
    }

    async fn verify_uncached(&self, token: &str) -> Result<AccessTokenClaims, TokenError> {
        let inner = &*self.inner;
        match (&inner.core, &inner.static_keys) {
            (Some(core), _) => core.verify_with(token, &self.expected(&core.metadata().issuer)).await,
            (None, Some(keys)) => {
                let (issuer, keys) = &**keys;
                crate::oidc::verify_jwt(keys, &inner.http, token, &self.expected(issuer)).await
            }
            (None, None) => Err(TokenError::KeysUnavailable("no keys configured".into())),
        }
    }

    fn expected<'a>(&'a self, issuer: &'a str) -> Expected<'a> {
        let inner = &*self.inner;
        Expected {
            issuer,
            audience: &inner.audience,
            leeway_seconds: inner.leeway.as_secs() as i64,
            kind: JwtKind::AccessToken { types: inner.accepted_types.as_deref() },
            algorithms: inner.algorithms.as_deref(),
            max_age_seconds: None,
            expiry: Expiry::Required,
        }
    }
}
