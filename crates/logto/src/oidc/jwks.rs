//! The identity server's signing keys: JWK parsing into ready-to-use verification keys, key
//! selection by `kid` and algorithm, and a cache that refetches on an unknown `kid` at most once
//! per cooldown.

use super::jwt::Algorithm;
use crate::error::TokenError;
use crate::http::Http;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// One JWK as published by the identity server (only the members the SDK reads).
#[derive(Debug, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    key_use: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JwkDocument {
    keys: Vec<serde_json::Value>,
}

/// A verification key of the JWKS, usable with exactly one algorithm (RFC 8725 §3.1).
pub(crate) struct VerificationKey {
    kid: Option<String>,
    algorithm: Algorithm,
    key: ParsedPublicKey,
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl VerificationKey {
    /// The key of a JWK, or `None` when the JWK cannot verify signatures of an accepted
    /// algorithm. Its one algorithm is the JWK's `alg`; without one, the curve's for an EC key
    /// and `rsa_default` for an RSA key.
    fn from_jwk(jwk: Jwk, rsa_default: Algorithm) -> Option<Self> {
        // RFC 7517 §4.2-4.3: a key meant for encryption, or whose operations exclude
        // verification, is never used to verify a signature.
        if jwk.key_use.as_deref().is_some_and(|u| u != "sig")
            || jwk.key_ops.as_ref().is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
        {
            return None;
        }
        // A key pinned to an algorithm we do not accept (HS256, none, ...) is never used.
        let alg = match jwk.alg.as_deref() {
            Some(name) => Some(Algorithm::parse(name)?),
            None => None,
        };
        let decode = |value: Option<&String>| value.and_then(|v| URL_SAFE_NO_PAD.decode(v).ok());
        let (algorithm, key) = match jwk.kty.as_str() {
            "EC" => {
                let (algorithm, verification, size): (_, &'static signature::EcdsaVerificationAlgorithm, _) =
                    match jwk.crv.as_deref()? {
                        "P-256" => (Algorithm::Es256, &signature::ECDSA_P256_SHA256_FIXED, 32),
                        "P-384" => (Algorithm::Es384, &signature::ECDSA_P384_SHA384_FIXED, 48),
                        "P-521" => (Algorithm::Es512, &signature::ECDSA_P521_SHA512_FIXED, 66),
                        _ => return None,
                    };
                let (x, y) = (decode(jwk.x.as_ref())?, decode(jwk.y.as_ref())?);
                // RFC 7518 §3.4: the curve decides the algorithm; a JWK `alg` must agree.
                if x.len() != size || y.len() != size || alg.is_some_and(|a| a != algorithm) {
                    return None;
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                (algorithm, ParsedPublicKey::new(verification, point).ok()?)
            }
            "RSA" => {
                let algorithm = alg.unwrap_or(rsa_default);
                let parameters = rsa_parameters(algorithm)?;
                let (n, e) = (decode(jwk.n.as_ref())?, decode(jwk.e.as_ref())?);
                // aws-lc checks the modulus size (2048 to 8192 bits, RFC 7518 §3.3 / §3.5).
                let key = RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() }
                    .to_parsed_public_key(parameters)
                    .ok()?;
                (algorithm, key)
            }
            _ => return None,
        };
        Some(Self { kid: jwk.kid, algorithm, key })
    }

    /// Verifies `signature` over `message`; the key was selected for the token's algorithm.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), TokenError> {
        self.key.verify_sig(message, signature).map_err(|_| TokenError::BadSignature)
    }
}

fn rsa_parameters(algorithm: Algorithm) -> Option<&'static signature::RsaParameters> {
    Some(match algorithm {
        Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

/// The one algorithm of an RSA key whose JWK has no `alg`: RS256 (the OpenID Connect default)
/// when `allowed` permits it, otherwise the first RSA algorithm `allowed` names.
pub(crate) fn rsa_default(allowed: Option<&[Algorithm]>) -> Algorithm {
    match allowed {
        Some(allowed) if !allowed.contains(&Algorithm::Rs256) => allowed
            .iter()
            .copied()
            .find(|algorithm| rsa_parameters(*algorithm).is_some())
            .unwrap_or(Algorithm::Rs256),
        _ => Algorithm::Rs256,
    }
}

/// A parsed JWKS: the usable keys (unusable ones are skipped, as RFC 7517 §5 asks).
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    keys: Vec<VerificationKey>,
}

impl KeySet {
    /// Parses a JWKS document; RSA keys without `alg` get `rsa_default`.
    pub(crate) fn parse(document: &[u8], rsa_default: Algorithm) -> Result<Self, String> {
        let document: JwkDocument = serde_json::from_slice(document)
            .map_err(|e| format!("not a JWKS: {}", crate::error::json_error(&e)))?;
        let keys = document
            .keys
            .into_iter()
            .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
            .filter_map(|jwk| VerificationKey::from_jwk(jwk, rsa_default))
            .collect();
        Ok(Self { keys })
    }

    /// The keys that may verify a token with `kid` and `algorithm`.
    ///
    /// Among the keys with the token's `kid` (RFC 7517 §4.5 lets several keys share one, for
    /// example an EC and an RSA key during a migration), those whose one algorithm is the
    /// token's are candidates, tried in order. A token without `kid` is only accepted when
    /// exactly one key of the set is usable with its `alg`: the SDK never tries every key of the
    /// set on a token that names none.
    pub(crate) fn select(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<Vec<&VerificationKey>, TokenError> {
        let named: Vec<&VerificationKey> = match kid {
            Some(kid) => self.keys.iter().filter(|key| key.kid.as_deref() == Some(kid)).collect(),
            None => self.keys.iter().collect(),
        };
        if named.is_empty() {
            return Err(TokenError::UnknownKey(kid.map(str::to_owned)));
        }
        let usable: Vec<&VerificationKey> =
            named.into_iter().filter(|key| key.algorithm == algorithm).collect();
        match (usable.len(), kid) {
            (0, _) => Err(TokenError::DisallowedAlgorithm(algorithm.as_str().to_owned())),
            (1, _) | (_, Some(_)) => Ok(usable),
            (_, None) => Err(TokenError::UnknownKey(None)),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// Runs `check` with each candidate until one succeeds; the last failure otherwise.
fn first_that_verifies<T>(
    candidates: Vec<&VerificationKey>,
    check: impl Fn(&VerificationKey) -> Result<T, TokenError>,
) -> Result<T, TokenError> {
    let mut outcome = Err(TokenError::BadSignature);
    for key in candidates {
        outcome = check(key);
        if outcome.is_ok() {
            break;
        }
    }
    outcome
}

/// How long keys are used before they are fetched again, and how often an unknown `kid` may
/// trigger a refetch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JwksPolicy {
    pub(crate) max_age: Duration,
    pub(crate) refetch_cooldown: Duration,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        Self { max_age: Duration::from_secs(600), refetch_cooldown: Duration::from_secs(10) }
    }
}

struct Fetched {
    keys: Arc<KeySet>,
    at: Instant,
}

/// The cached JWKS of one identity server.
pub(crate) struct JwksCache {
    /// Where the keys are fetched from; `None` for a fixed key set that is never fetched.
    url: Option<String>,
    policy: JwksPolicy,
    /// The algorithm of fetched RSA keys without `alg`.
    rsa_default: Algorithm,
    current: RwLock<Option<Fetched>>,
    /// When the JWKS was last requested, whether or not that worked: at most one request per
    /// cooldown, so neither an outage nor a flood of unknown `kid`s multiplies the requests.
    last_attempt: std::sync::Mutex<Option<Instant>>,
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache").field("url", &self.url).finish_non_exhaustive()
    }
}

impl JwksCache {
    pub(crate) fn new(url: String, policy: JwksPolicy, rsa_default: Algorithm) -> Self {
        Self::build(Some(url), policy, rsa_default)
    }

    fn build(url: Option<String>, policy: JwksPolicy, rsa_default: Algorithm) -> Self {
        Self {
            url,
            policy,
            rsa_default,
            current: RwLock::new(None),
            last_attempt: std::sync::Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// A cache that starts with `keys` and fetches `url` on an unknown `kid`.
    pub(crate) fn with_keys(url: String, policy: JwksPolicy, rsa_default: Algorithm, keys: KeySet) -> Self {
        let cache = Self::new(url, policy, rsa_default);
        *cache.write() = Some(Fetched { keys: Arc::new(keys), at: Instant::now() });
        cache
    }

    /// A fixed key set that is never fetched (verification fully offline).
    pub(crate) fn offline(policy: JwksPolicy, keys: KeySet) -> Self {
        let cache = Self::build(None, policy, Algorithm::Rs256);
        *cache.write() = Some(Fetched { keys: Arc::new(keys), at: Instant::now() });
        cache
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<Fetched>> {
        self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Fetched>> {
        self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn snapshot(&self) -> Option<(Arc<KeySet>, Instant)> {
        self.read().as_ref().map(|fetched| (fetched.keys.clone(), fetched.at))
    }

    /// Whether the cooldown since the last request (successful or not) has passed.
    fn may_fetch(&self) -> bool {
        if self.url.is_none() {
            return false;
        }
        let last = *self.last_attempt.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        last.is_none_or(|at| at.elapsed() >= self.policy.refetch_cooldown)
    }

    /// Runs `check` with the key for (`kid`, `algorithm`). The JWKS is fetched when there is
    /// none, when it is older than the max age (stale keys keep serving meanwhile and when the
    /// server is down), or when the `kid` is unknown; never more than once per cooldown.
    pub(crate) async fn with_key<T>(
        &self,
        http: &Http,
        kid: Option<&str>,
        algorithm: Algorithm,
        check: impl Fn(&VerificationKey) -> Result<T, TokenError>,
    ) -> Result<T, TokenError> {
        let (keys, fetched_at) = match self.snapshot() {
            Some((keys, at)) if at.elapsed() < self.policy.max_age => (keys, at),
            Some(stale) => {
                // Refresh in the background of this request only if nobody else is: the others
                // keep using the stale keys rather than queueing behind a slow server.
                match self.fetching.try_lock() {
                    Ok(_guard) if self.may_fetch() => self.fetch(http).await.unwrap_or(stale),
                    _ => stale,
                }
            }
            None => {
                let _guard = self.fetching.lock().await;
                match self.snapshot() {
                    Some(fresh) => fresh,
                    None if self.may_fetch() => self.fetch(http).await?,
                    None => return Err(TokenError::KeysUnavailable("the last JWKS request failed".into())),
                }
            }
        };
        match keys.select(kid, algorithm) {
            Ok(candidates) => first_that_verifies(candidates, check),
            Err(TokenError::UnknownKey(_)) if self.may_fetch() => {
                let _guard = self.fetching.lock().await;
                let keys = match self.snapshot() {
                    // Another task fetched while we waited for the lock.
                    Some((keys, at)) if at != fetched_at => keys,
                    _ if self.may_fetch() => {
                        tracing::info!(kid, "unknown signing key: fetching the JWKS again");
                        self.fetch(http).await?.0
                    }
                    _ => keys,
                };
                first_that_verifies(keys.select(kid, algorithm)?, check)
            }
            Err(error) => Err(error),
        }
    }

    /// Fetches the keys unless a fresh set is cached.
    pub(crate) async fn ensure(&self, http: &Http) -> Result<(), TokenError> {
        if self.snapshot().is_some_and(|(_, at)| at.elapsed() < self.policy.max_age) {
            return Ok(());
        }
        let _guard = self.fetching.lock().await;
        match self.snapshot() {
            Some((_, at)) if at.elapsed() < self.policy.max_age => Ok(()),
            _ if self.may_fetch() => self.fetch(http).await.map(drop),
            _ => Err(TokenError::KeysUnavailable("the last JWKS request failed".into())),
        }
    }

    /// Requests the JWKS; the caller holds `fetching`.
    async fn fetch(&self, http: &Http) -> Result<(Arc<KeySet>, Instant), TokenError> {
        *self.last_attempt.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
        let outcome = async {
            let url = self.url.as_deref().ok_or_else(|| TokenError::KeysUnavailable("no JWKS URL".into()))?;
            let body = http.get_bytes(url).await.map_err(|e| TokenError::KeysUnavailable(e.to_string()))?;
            KeySet::parse(&body, self.rsa_default).map_err(TokenError::KeysUnavailable)
        }
        .await;
        let keys = match outcome {
            Ok(keys) => Arc::new(keys),
            Err(error) => {
                tracing::warn!(%error, "JWKS request failed");
                return Err(error);
            }
        };
        tracing::debug!(keys = keys.len(), "fetched the JWKS");
        let at = Instant::now();
        *self.write() = Some(Fetched { keys: keys.clone(), at });
        Ok((keys, at))
    }
}
