//! [`Issuer`]: the identity server's issuer identifier, how it is derived from a Logto endpoint,
//! where its discovery document lives, and how it is compared (exactly).

use crate::error::{LogtoError, Result};
use std::fmt;

/// The path Logto serves OpenID Connect under.
const LOGTO_OIDC_PATH: &str = "/oidc";
const WELL_KNOWN: &str = "/.well-known/openid-configuration";

/// An issuer identifier (`iss`).
///
/// Comparisons are exact string comparisons, as OpenID Connect Discovery §4.3 and RFC 9207 §2.4
/// require: `https://t.logto.app/oidc` and `https://t.logto.app/oidc/` are different issuers.
///
/// ```
/// use logto::Issuer;
///
/// let issuer = Issuer::from_endpoint("https://tenant.logto.app/").unwrap();
/// assert_eq!(issuer.as_str(), "https://tenant.logto.app/oidc");
/// assert_eq!(issuer.discovery_url(), "https://tenant.logto.app/oidc/.well-known/openid-configuration");
/// assert!(issuer.matches("https://tenant.logto.app/oidc"));
/// assert!(!issuer.matches("https://tenant.logto.app/oidc/"));
/// // The Logto console shows the issuer; given as the endpoint, it means the same tenant.
/// assert_eq!(Issuer::from_endpoint("https://tenant.logto.app/oidc").unwrap(), issuer);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Issuer(String);

impl Issuer {
    /// An issuer exactly as given (for non-Logto servers or a known issuer).
    pub fn new(issuer: impl Into<String>) -> Self {
        Self(issuer.into())
    }

    /// The issuer of the Logto tenant at `endpoint`: `{endpoint}/oidc`, the endpoint's trailing
    /// slashes removed. An endpoint given as the issuer (ending in `/oidc`, as the Logto console
    /// shows it) names the same tenant. Only `http(s)` URLs with a host, without query or fragment.
    pub fn from_endpoint(endpoint: &str) -> Result<Self> {
        let invalid = |reason: &str| {
            LogtoError::InvalidConfig(format!(
                "endpoint `{endpoint}` {reason} (expected the Logto URL, e.g. https://tenant.logto.app)"
            ))
        };
        let url = url::Url::parse(endpoint.trim()).map_err(|_| invalid("is not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(invalid("must be an http(s) URL with a host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("must not have a query or fragment"));
        }
        let base = endpoint.trim().trim_end_matches('/');
        let base = base.strip_suffix(LOGTO_OIDC_PATH).unwrap_or(base).trim_end_matches('/');
        Ok(Self(format!("{base}{LOGTO_OIDC_PATH}")))
    }

    /// The issuer of a discovery document URL (`{issuer}/.well-known/openid-configuration`).
    pub fn from_discovery_url(discovery_url: &str) -> Result<Self> {
        discovery_url.strip_suffix(WELL_KNOWN).filter(|issuer| !issuer.is_empty()).map(Self::new).ok_or_else(
            || LogtoError::InvalidConfig(format!("`{discovery_url}` is not a discovery URL (…{WELL_KNOWN})")),
        )
    }

    /// The issuer identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the discovery document lives (Discovery §4: a terminating `/` of the issuer is
    /// removed before appending the well-known path).
    pub fn discovery_url(&self) -> String {
        format!("{}{WELL_KNOWN}", self.0.trim_end_matches('/'))
    }

    /// Whether `value` names this issuer: an exact string comparison.
    pub fn matches(&self, value: &str) -> bool {
        self.0 == value
    }
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Issuer({:?})", self.0)
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Issuer {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_logto_issuer() {
        for endpoint in [
            "https://t.logto.app",
            "https://t.logto.app/",
            "https://t.logto.app//",
            "https://t.logto.app/oidc",
            "https://t.logto.app/oidc/",
        ] {
            assert_eq!(
                Issuer::from_endpoint(endpoint).unwrap().as_str(),
                "https://t.logto.app/oidc",
                "{endpoint}"
            );
        }
        assert_eq!(
            Issuer::from_endpoint("http://127.0.0.1:3001/auth").unwrap().as_str(),
            "http://127.0.0.1:3001/auth/oidc"
        );
        for bad in
            ["not a url", "ftp://t.logto.app", "https://t.logto.app?x=1", "https://t.logto.app#x", "/oidc"]
        {
            assert!(Issuer::from_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn compares_exactly() {
        let issuer = Issuer::new("https://op.example/");
        assert_eq!(issuer.discovery_url(), "https://op.example/.well-known/openid-configuration");
        assert!(issuer.matches("https://op.example/"));
        assert!(!issuer.matches("https://op.example"));
        assert!(!issuer.matches("https://OP.example/"));
        let from_url =
            Issuer::from_discovery_url("https://op.example/tenant/.well-known/openid-configuration").unwrap();
        assert_eq!(from_url.as_str(), "https://op.example/tenant");
        assert!(Issuer::from_discovery_url("https://op.example/tenant").is_err());
    }
}
