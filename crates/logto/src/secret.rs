//! Secrets as types: tokens, the app secret, the PKCE code verifier and the `state` of a sign-in.
//!
//! Each is a newtype over `String` whose `Debug` and `Display` print a placeholder, so a token
//! logged by mistake (`tracing::debug!(?response)`, `{:?}` of a struct holding it) never leaks.
//! They serialize transparently, as the plain string, so stored sessions keep the official SDKs'
//! format. Read the value with `secret()` where it has to go on the wire or into a header.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value itself, for the wire or a header. Never log it.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// The value itself, consuming the wrapper.
            pub fn into_secret(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

secret_string! {
    /// An access token (a JWT for an API resource or an organization, opaque for user info).
    ///
    /// ```
    /// let token = logto::AccessToken::new("eyJ.secret.sig");
    /// assert_eq!(format!("{token:?} {token}"), "AccessToken(<redacted>) <redacted>");
    /// assert_eq!(token.secret(), "eyJ.secret.sig");
    /// assert_eq!(serde_json::to_string(&token).unwrap(), r#""eyJ.secret.sig""#);
    /// ```
    AccessToken
}

secret_string! {
    /// A refresh token.
    ///
    /// ```
    /// let token = logto::RefreshToken::from("r-1");
    /// assert!(!format!("{token:?}").contains("r-1"));
    /// ```
    RefreshToken
}

secret_string! {
    /// An ID token (a JWT about the signed-in user).
    ///
    /// ```
    /// let token = logto::IdToken::from("a.b.c");
    /// assert_eq!(token.to_string(), "<redacted>");
    /// ```
    IdToken
}

secret_string! {
    /// The app secret of a confidential ("traditional web") application.
    ///
    /// ```
    /// let secret = logto::AppSecret::from("s3cr3t");
    /// assert_eq!(format!("{secret:?}"), "AppSecret(<redacted>)");
    /// ```
    AppSecret
}

secret_string! {
    /// A PKCE code verifier (RFC 7636), kept in the sign-in session until the callback.
    ///
    /// ```
    /// let verifier = logto::CodeVerifier::from("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    /// assert_eq!(verifier.secret().len(), 43);
    /// ```
    CodeVerifier
}

secret_string! {
    /// The `state` of a sign-in: binds the callback to the browser session that started it.
    ///
    /// ```
    /// let state = logto::State::from("xyz");
    /// assert_eq!(format!("{state:?}"), "State(<redacted>)");
    /// ```
    State
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_as_a_plain_string() {
        let token: RefreshToken = serde_json::from_str(r#""r-1""#).unwrap();
        assert_eq!(token.secret(), "r-1");
        assert_eq!(serde_json::to_string(&token).unwrap(), r#""r-1""#);
        assert_eq!(format!("{token:?}"), "RefreshToken(<redacted>)");
    }
}
