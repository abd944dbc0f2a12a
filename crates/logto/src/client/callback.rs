//! Reading the sign-in callback URL: redirect URI match, `state`, `iss`, `error` and `code`.

use super::stored::SignInSession;
use crate::error::{LogtoError, Result};
use crate::oidc::constant_time_eq;
use url::Url;

/// What a valid callback carries.
#[derive(Debug)]
pub(crate) struct AuthorizationCode {
    pub(crate) code: String,
}

/// The callback URL without query and fragment, for messages.
fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.into()
}

/// Checks the callback against the sign-in session, in the order that keeps an attacker from
/// learning anything: origin and path, then `state` (constant time), then the server's `error`,
/// then `iss` (RFC 9207), then `code`.
pub(crate) fn read_callback(
    callback_url: &str,
    session: &SignInSession,
    issuer: &str,
    iss_parameter_supported: bool,
) -> Result<AuthorizationCode> {
    let callback = Url::parse(callback_url)
        .map_err(|e| LogtoError::InvalidCallbackUrl(format!("not an absolute URL: {e}")))?;
    let expected = Url::parse(&session.redirect_uri)
        .map_err(|e| LogtoError::InvalidCallbackUrl(format!("the stored redirect URI is not a URL: {e}")))?;
    let same_target = callback.scheme() == expected.scheme()
        && callback.host() == expected.host()
        && callback.port_or_known_default() == expected.port_or_known_default()
        && callback.path() == expected.path();
    if !same_target {
        return Err(LogtoError::RedirectUriMismatch {
            expected: session.redirect_uri.clone(),
            actual: without_query(&callback),
        });
    }
    let mut state = None;
    let mut code = None;
    let mut error = None;
    let mut error_description = None;
    let mut iss = None;
    for (name, value) in callback.query_pairs() {
        let slot = match name.as_ref() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut error_description,
            "iss" => &mut iss,
            _ => continue,
        };
        if slot.is_some() {
            // A repeated parameter is ambiguous: refuse rather than pick one.
            return Err(LogtoError::InvalidCallbackUrl(format!("the parameter `{name}` is repeated")));
        }
        *slot = Some(value.into_owned());
    }
    if !state.as_deref().is_some_and(|state| constant_time_eq(state, &session.state)) {
        tracing::warn!("callback state mismatch");
        return Err(LogtoError::StateMismatch);
    }
    if let Some(error) = error {
        return Err(LogtoError::Callback { error, error_description });
    }
    match iss {
        Some(iss) if iss.trim_end_matches('/') != issuer.trim_end_matches('/') => {
            return Err(LogtoError::CallbackIssuerMismatch {
                expected: issuer.to_owned(),
                actual: Some(iss),
            });
        }
        None if iss_parameter_supported => {
            return Err(LogtoError::CallbackIssuerMismatch { expected: issuer.to_owned(), actual: None });
        }
        _ => {}
    }
    let code = code.filter(|code| !code.is_empty()).ok_or(LogtoError::MissingCode)?;
    Ok(AuthorizationCode { code })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://t.example/oidc";

    fn session() -> SignInSession {
        SignInSession {
            redirect_uri: "https://app.example/callback".into(),
            code_verifier: "v".into(),
            state: "good-state".into(),
        }
    }

    fn read(url: &str) -> Result<AuthorizationCode> {
        read_callback(url, &session(), ISSUER, true)
    }

    #[test]
    fn accepts_a_valid_callback() {
        let code =
            read("https://app.example/callback?code=abc&state=good-state&iss=https%3A%2F%2Ft.example%2Foidc")
                .unwrap();
        assert_eq!(code.code, "abc");
        let default_port =
            "https://app.example:443/callback?code=abc&state=good-state&iss=https://t.example/oidc";
        assert!(read(default_port).is_ok());
    }

    #[test]
    fn rejects_other_targets() {
        for url in [
            "http://app.example/callback?code=a&state=good-state",
            "https://evil.example/callback?code=a&state=good-state",
            "https://app.example:8443/callback?code=a&state=good-state",
            "https://app.example/callback/x?code=a&state=good-state",
            "https://app.example/Callback?code=a&state=good-state",
        ] {
            assert!(matches!(read(url), Err(LogtoError::RedirectUriMismatch { .. })), "{url}");
        }
        assert!(matches!(read("/callback?code=a"), Err(LogtoError::InvalidCallbackUrl(_))));
    }

    #[test]
    fn state_is_checked_before_the_error() {
        for url in [
            "https://app.example/callback?code=a&state=bad",
            "https://app.example/callback?code=a",
            "https://app.example/callback?error=access_denied&state=bad",
            "https://app.example/callback?code=a&state=good-stat",
        ] {
            assert!(matches!(read(url), Err(LogtoError::StateMismatch)), "{url}");
        }
        let error =
            read("https://app.example/callback?error=access_denied&error_description=no&state=good-state");
        assert!(matches!(error, Err(LogtoError::Callback { ref error, ref error_description })
            if error == "access_denied" && error_description.as_deref() == Some("no")));
    }

    #[test]
    fn issuer_and_code_are_required() {
        let wrong_iss = read("https://app.example/callback?code=a&state=good-state&iss=https://evil/oidc");
        assert!(matches!(wrong_iss, Err(LogtoError::CallbackIssuerMismatch { .. })));
        let no_iss = read("https://app.example/callback?code=a&state=good-state");
        assert!(matches!(no_iss, Err(LogtoError::CallbackIssuerMismatch { actual: None, .. })));
        assert!(
            read_callback("https://app.example/callback?code=a&state=good-state", &session(), ISSUER, false)
                .is_ok()
        );
        let no_code = read("https://app.example/callback?state=good-state&iss=https://t.example/oidc");
        assert!(matches!(no_code, Err(LogtoError::MissingCode)));
        let twice = read("https://app.example/callback?code=a&code=b&state=good-state");
        assert!(matches!(twice, Err(LogtoError::InvalidCallbackUrl(_))));
    }
}
