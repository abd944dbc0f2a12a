//! Compact JWS parsing: header, payload and signature of a JWT, and the allowed algorithms.

use crate::error::TokenError;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, de::DeserializeOwned};
use std::fmt;

/// Tokens longer than this are rejected before any decoding.
pub(crate) const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The asymmetric signature algorithms the SDK accepts. `none` and the HMAC algorithms are never
/// accepted: a public key must not be usable as an HMAC secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA P-256 SHA-256.
    Es256,
    /// ECDSA P-384 SHA-384 (Logto's default).
    Es384,
    /// ECDSA P-521 SHA-512.
    Es512,
    /// RSASSA-PKCS1-v1_5 SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 SHA-512.
    Rs512,
    /// RSASSA-PSS SHA-256.
    Ps256,
    /// RSASSA-PSS SHA-384.
    Ps384,
    /// RSASSA-PSS SHA-512.
    Ps512,
}

impl Algorithm {
    /// Every accepted algorithm.
    pub const ALL: [Algorithm; 9] = [
        Self::Es256,
        Self::Es384,
        Self::Es512,
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
    ];

    /// The JOSE name (`ES384`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
        }
    }

    /// The algorithm of a JOSE name, if it is an accepted one.
    ///
    /// ```
    /// use logto::oidc::Algorithm;
    /// assert_eq!(Algorithm::parse("ES384"), Some(Algorithm::Es384));
    /// assert_eq!(Algorithm::parse("none"), None);
    /// assert_eq!(Algorithm::parse("HS256"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.as_str() == name)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JOSE header fields the SDK reads.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: String,
    #[serde(default)]
    pub(crate) kid: Option<String>,
    #[serde(default)]
    pub(crate) typ: Option<String>,
    #[serde(default)]
    pub(crate) crit: Option<serde_json::Value>,
}

/// A split, decoded compact JWS whose signature is not checked yet.
#[derive(Debug)]
pub(crate) struct Jws<'a> {
    pub(crate) header: Header,
    pub(crate) algorithm: Algorithm,
    /// `base64url(header) "." base64url(payload)`: the bytes the signature covers.
    pub(crate) signing_input: &'a [u8],
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Splits and decodes; rejects disallowed algorithms and critical extensions.
    pub(crate) fn parse(token: &'a str) -> Result<Self, TokenError> {
        let (signing_input, payload_b64, signature_b64) = split(token)?;
        let header_b64 = signing_input.split('.').next().unwrap_or_default();
        let header: Header = serde_json::from_slice(&decode_part(header_b64, "header")?).map_err(|e| {
            TokenError::Malformed(format!("header is not a JOSE header: {}", crate::error::json_error(&e)))
        })?;
        let algorithm = Algorithm::parse(&header.alg)
            .ok_or_else(|| TokenError::DisallowedAlgorithm(header.alg.clone()))?;
        if header.crit.is_some() {
            return Err(TokenError::Malformed("critical header extensions are not supported".into()));
        }
        let payload = decode_part(payload_b64, "payload")?;
        let signature = decode_part(signature_b64, "signature")?;
        Ok(Self { header, algorithm, signing_input: signing_input.as_bytes(), payload, signature })
    }
}

/// Returns (signing input, payload part, signature part).
fn split(token: &str) -> Result<(&str, &str, &str), TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed(format!("longer than {MAX_TOKEN_BYTES} bytes")));
    }
    let malformed = || TokenError::Malformed("not a compact JWS (three dot-separated parts)".into());
    let (signing_input, signature) = token.rsplit_once('.').ok_or_else(malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or_else(malformed)?;
    if header.is_empty() || payload.contains('.') {
        return Err(malformed());
    }
    Ok((signing_input, payload, signature))
}

fn decode_part(part: &str, name: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| TokenError::Malformed(format!("the {name} is not base64url: {e}")))
}

/// Decodes a JWT's payload into `T` without checking anything (no signature, no claims).
///
/// Use it only on tokens that came straight from the identity server over TLS, or for display.
///
/// ```
/// let token = "eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2ln";
/// let claims: serde_json::Value = logto::oidc::decode_jwt_payload(token).unwrap();
/// assert_eq!(claims["sub"], "user-1");
/// ```
pub fn decode_jwt_payload<T: DeserializeOwned>(token: &str) -> Result<T, TokenError> {
    let (_, payload, _) = split(token)?;
    serde_json::from_slice(&decode_part(payload, "payload")?).map_err(|e| {
        TokenError::Malformed(format!(
            "the payload is not the expected claims: {}",
            crate::error::json_error(&e)
        ))
    })
}

/// A JWT's payload as the issuer wrote it (JSON text, member order and numbers untouched),
/// without checking anything; for faces that build their own models from it.
///
/// ```
/// let token = "eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjEuNX0.c2ln";
/// assert_eq!(logto::oidc::jwt_payload_text(token).unwrap(), r#"{"sub":"user-1","exp":1.5}"#);
/// ```
pub fn jwt_payload_text(token: &str) -> Result<String, TokenError> {
    let (_, payload, _) = split(token)?;
    String::from_utf8(decode_part(payload, "payload")?)
        .map_err(|_| TokenError::Malformed("the payload is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(value: &str) -> String {
        URL_SAFE_NO_PAD.encode(value)
    }

    #[test]
    fn rejects_none_and_hmac_and_crit() {
        for alg in ["none", "HS256", "HS384", "HS512", "EdDSA", ""] {
            let token = format!("{}.{}.", b64(&format!(r#"{{"alg":"{alg}"}}"#)), b64("{}"));
            assert!(matches!(Jws::parse(&token), Err(TokenError::DisallowedAlgorithm(_))), "{alg}");
        }
        let token = format!("{}.{}.c2ln", b64(r#"{"alg":"ES384","crit":["b64"]}"#), b64("{}"));
        assert!(matches!(Jws::parse(&token), Err(TokenError::Malformed(_))));
    }

    #[test]
    fn rejects_malformed_shapes() {
        for token in ["", "a", "a.b", "a.b.c.d", ".b.c", "!!.e30.c2ln", "e30.e30"] {
            assert!(Jws::parse(token).is_err(), "{token}");
        }
        assert!(Jws::parse(&"a".repeat(MAX_TOKEN_BYTES + 1)).is_err());
    }

    #[test]
    fn parses_a_well_formed_token() {
        let token =
            format!("{}.{}.c2ln", b64(r#"{"alg":"ES384","kid":"k1","typ":"JWT"}"#), b64(r#"{"sub":"x"}"#));
        let jws = Jws::parse(&token).unwrap();
        assert_eq!(jws.algorithm, Algorithm::Es384);
        assert_eq!(jws.header.kid.as_deref(), Some("k1"));
        assert_eq!(jws.signature, b"sig");
        assert_eq!(jws.payload, br#"{"sub":"x"}"#);
    }
}
