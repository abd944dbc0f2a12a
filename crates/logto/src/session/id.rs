//! [`SessionId`]: the opaque id a session cookie carries.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;

/// The id of a browser session: 32 random bytes, base64url (43 characters). It is the session's
/// bearer credential, so `Debug` and `Display` never print it; [`SessionId::as_str`] does, for
/// the cookie and the store's key.
///
/// ```
/// let id = logto::session::SessionId::generate();
/// assert_eq!(id.as_str().len(), 43);
/// assert_eq!(format!("{id:?}"), "SessionId(<redacted>)");
/// assert!(logto::session::SessionId::parse(id.as_str()).is_some());
/// assert!(logto::session::SessionId::parse("forged").is_none());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    /// A fresh random id.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        // The system's random source does not fail on any platform the crate builds for; if it
        // ever did, an id of zeros would be shared by every session, so refuse to go on.
        SystemRandom::new().fill(&mut bytes).expect("the system random source is available");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The id a cookie value names, if it can be one of ours (anything else is never looked up).
    pub fn parse(value: &str) -> Option<Self> {
        let plausible = value.len() == 43
            && value.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        plausible.then(|| Self(value.to_owned()))
    }

    /// The id as the cookie and the store write it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}
