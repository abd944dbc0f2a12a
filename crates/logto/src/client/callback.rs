//! The callback flow: the callback is checked against the sign-in session, the code exchanged,
//! the ID token verified, and only then are the stored tokens replaced.

use super::LogtoClient;
use super::stored::{AccessTokenMap, SignInSession, parse_stored, to_json};
use crate::coordination::{LeaseToken, hashed_key};
use crate::error::{CallbackError, LogtoError, Result};
use crate::models::TokenResponse;
use crate::oidc::{Callback, OidcCore, constant_time_eq};
use crate::secret::State;
use crate::storage::PersistKey;
use crate::target::TokenTarget;
use std::time::Duration;

/// How long a claimed code is remembered: well past a code's lifetime (a minute by oidc-provider's
/// default; RFC 6749 §4.1.2 recommends ten at most).
const CODE_MEMORY: Duration = Duration::from_secs(15 * 60);

/// What the callback check needs to know about the identity server and the client.
pub(crate) struct CallbackPolicy<'a> {
    /// The issuer the `iss` parameter must equal.
    pub(crate) issuer: &'a str,
    /// Whether the server announces the `iss` parameter (then it is required).
    pub(crate) iss_parameter_supported: bool,
    /// Whether the callback's origin must be the redirect URI's.
    pub(crate) strict_origin: bool,
}

impl LogtoClient {
    /// Handles the callback URL Logto redirected to (absolute, or the path with its query):
    /// parses it into a [`Callback`] and runs [`handle_callback`](Self::handle_callback).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// client.handle_sign_in_callback("https://app.example/callback?code=c&state=s&iss=i").await?;
    /// # Ok(()) }
    /// ```
    pub async fn handle_sign_in_callback(&self, callback_url: &str) -> Result<()> {
        self.handle_callback(Callback::from_url(callback_url)?).await
    }

    /// Handles the sign-in callback: checks it against the sign-in session (the path, the origin
    /// with the strict origin check, `state` in constant time, `iss`, then the server's `error`
    /// and the `code`), ends the sign-in session, exchanges the code, verifies the ID token, then
    /// stores the tokens. On any error the previously stored tokens are left untouched. A
    /// callback refused before its `state` matched (another path, a forged `state`) leaves the
    /// sign-in session for the genuine one; any later failure needs a new sign-in, since the code
    /// may only be sent once. Two copies of one callback (a double click, two instances) send the
    /// code once: the other copy fails with [`CallbackError::SessionMissing`].
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// use logto::{Callback, CallbackParams};
    /// let params = CallbackParams::from_query("code=c&state=s&iss=https%3A%2F%2Ft.logto.app%2Foidc")?;
    /// client.handle_callback(Callback::new("/callback", params)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn handle_callback(&self, callback: Callback) -> Result<()> {
        let stored =
            self.storage.get(PersistKey::SignInSession).await?.ok_or(CallbackError::SessionMissing)?;
        let session: SignInSession = parse_stored(PersistKey::SignInSession, &stored)?;
        let core = self.oidc_core().await?;
        let metadata = core.metadata();
        let policy = CallbackPolicy {
            issuer: &metadata.issuer,
            iss_parameter_supported: metadata.authorization_response_iss_parameter_supported,
            strict_origin: self.shared.strict_callback_origin,
        };
        let outcome = check_callback(callback, &session, &policy);
        if matches!(outcome, Ok(_) | Err(CallbackError::Denied { .. } | CallbackError::IssuerMismatch { .. }))
        {
            // The state was right, so this attempt is over whatever happens next: a retry needs
            // a new sign-in. Consumed before the code is sent, so that a failed or timed-out
            // token request (which the server may have completed) can never send the code again
            // (RFC 6749 §4.1.2: the code is used at most once).
            self.storage.delete(PersistKey::SignInSession).await?;
        }
        let code = outcome?;
        let config = &self.shared.config;
        self.claim_code(&session.state, &code).await?;
        let response = core
            .fetch_token_by_code(
                &config.app_id,
                config.app_secret.as_ref(),
                &session.redirect_uri,
                &code,
                &session.code_verifier,
            )
            .await?;
        self.store_sign_in(&core, response).await
    }

    /// Verifies the ID token of a sign-in's token response (a code exchange, a device
    /// authorization) and stores the sign-in, replacing any previous one.
    pub(crate) async fn store_sign_in(&self, core: &OidcCore, response: TokenResponse) -> Result<()> {
        let config = &self.shared.config;
        let id_token = response.id_token.clone().ok_or_else(|| LogtoError::InvalidResponse {
            endpoint: core.metadata().token_endpoint.clone(),
            reason: "the token response has no id_token (is `openid` granted?)".into(),
        })?;
        core.verify_fresh_id_token(id_token.secret(), &config.app_id).await?;

        // The ID token goes last: should a write fail half-way, nobody is signed in, rather than
        // the new user's ID token next to the previous user's tokens.
        self.storage.delete(PersistKey::IdToken).await?;
        match &response.refresh_token {
            Some(refresh_token) => {
                self.storage.set(PersistKey::RefreshToken, refresh_token.secret().to_owned()).await?
            }
            None => self.storage.delete(PersistKey::RefreshToken).await?,
        }
        // A new sign-in replaces every cached token of the previous one.
        let mut map = AccessTokenMap::default();
        map.insert(&TokenTarget::UserInfo, &response);
        self.storage.set(PersistKey::AccessTokenMap, to_json(&map)).await?;
        self.storage.set(PersistKey::IdToken, id_token.into_secret()).await?;
        tracing::info!("sign-in completed");
        Ok(())
    }
}

impl LogtoClient {
    /// Claims the code for this request, in every instance sharing the coordinator: two copies
    /// of one callback (a double click, a browser's retry, two instances) both pass the `state`
    /// check, each with its copy of the session, but the code may be sent once; a server answers
    /// a reused code by revoking the grant its first use created. The other copy finds the
    /// sign-in taken. Should the coordinator be unreachable, the code is sent anyway: a sign-in
    /// does not wait on a guard against a duplicate.
    async fn claim_code(&self, state: &State, code: &str) -> Result<()> {
        // Keyed by the sign-in's `state` too: a server (a test double) that hands out the same
        // code to every sign-in still gets one exchange per sign-in.
        let key =
            hashed_key("callback:code", &self.shared.config.app_id, &format!("{}|{code}", state.secret()));
        match self.shared.coordinator.try_lease(&key, &LeaseToken::generate(), CODE_MEMORY).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(CallbackError::SessionMissing.into()),
            Err(error) => {
                tracing::warn!(%error, "could not claim the authorization code: sending it unclaimed");
                Ok(())
            }
        }
    }
}

/// The path of an absolute URL, for comparison.
fn path_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok().map(|url| url.path().to_owned())
}

/// Checks the callback against the sign-in session and returns its code. The order keeps an
/// attacker from learning anything: where it arrived (path, and origin when strict), then
/// `state` (constant time), then `iss` (RFC 9207, also for error responses), then the server's
/// `error`, then `code`.
pub(crate) fn check_callback(
    callback: Callback,
    session: &SignInSession,
    policy: &CallbackPolicy<'_>,
) -> Result<String, CallbackError> {
    let expected_path = path_of(&session.redirect_uri)
        .ok_or_else(|| CallbackError::Malformed("the stored redirect URI is not a URL".into()))?;
    if let Some(actual_path) = callback.path()
        && actual_path != expected_path
    {
        return Err(CallbackError::PathMismatch {
            redirect_uri: session.redirect_uri.clone(),
            expected_path,
            actual_path: actual_path.to_owned(),
        });
    }
    if policy.strict_origin {
        let expected = url::Url::parse(&session.redirect_uri)
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_default();
        if callback.origin() != Some(expected.as_str()) {
            return Err(CallbackError::OriginMismatch {
                expected,
                actual: callback.origin().unwrap_or("(none)").to_owned(),
            });
        }
    }
    let params = callback.into_params();
    if !params.state.as_deref().is_some_and(|state| constant_time_eq(state, session.state.secret())) {
        tracing::warn!("callback state mismatch");
        return Err(CallbackError::StateMismatch);
    }
    match params.iss {
        Some(iss) if iss != policy.issuer => {
            return Err(CallbackError::IssuerMismatch {
                expected: policy.issuer.to_owned(),
                actual: Some(iss),
            });
        }
        None if policy.iss_parameter_supported => {
            return Err(CallbackError::IssuerMismatch { expected: policy.issuer.to_owned(), actual: None });
        }
        _ => {}
    }
    if let Some(error) = params.error {
        return Err(CallbackError::Denied { error, error_description: params.error_description });
    }
    params.code.filter(|code| !code.is_empty()).ok_or(CallbackError::MissingCode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{CodeVerifier, State};

    const ISSUER: &str = "https://t.example/oidc";

    fn session() -> SignInSession {
        SignInSession {
            redirect_uri: "https://app.example/callback".into(),
            code_verifier: CodeVerifier::from("v"),
            state: State::from("good-state"),
        }
    }

    fn policy(strict_origin: bool) -> CallbackPolicy<'static> {
        CallbackPolicy { issuer: ISSUER, iss_parameter_supported: true, strict_origin }
    }

    fn read(url: &str) -> Result<String, CallbackError> {
        check_callback(Callback::from_url(url)?, &session(), &policy(false))
    }

    #[test]
    fn accepts_a_valid_callback_at_any_origin() {
        for url in [
            "https://app.example/callback?code=abc&state=good-state&iss=https%3A%2F%2Ft.example%2Foidc",
            "http://app:8000/callback?code=abc&state=good-state&iss=https://t.example/oidc",
            "http://localhost/callback?code=abc&state=good-state&iss=https://t.example/oidc",
            "/callback?code=abc&state=good-state&iss=https://t.example/oidc",
        ] {
            assert_eq!(read(url).unwrap(), "abc", "{url}");
        }
    }

    #[test]
    fn the_path_must_match_and_the_error_names_both() {
        for url in [
            "https://app.example/callback/x?code=a&state=good-state",
            "https://app.example/Callback?code=a&state=good-state",
            "https://app.example/?code=a&state=good-state",
        ] {
            assert!(matches!(read(url), Err(CallbackError::PathMismatch { .. })), "{url}");
        }
        let message = read("https://app.example/auth/cb?code=a").unwrap_err().to_string();
        assert!(message.contains("`/auth/cb`") && message.contains("`/callback`"), "{message}");
        assert!(matches!(read("callback?code=a"), Err(CallbackError::Malformed(_))));
    }

    #[test]
    fn strict_origin_compares_scheme_host_and_port() {
        let strict = |url: &str| check_callback(Callback::from_url(url).unwrap(), &session(), &policy(true));
        assert!(
            strict("https://app.example:443/callback?code=a&state=good-state&iss=https://t.example/oidc")
                .is_ok()
        );
        for url in [
            "http://app.example/callback?code=a&state=good-state",
            "https://evil.example/callback?code=a&state=good-state",
            "https://app.example:8443/callback?code=a&state=good-state",
            "/callback?code=a&state=good-state",
        ] {
            assert!(matches!(strict(url), Err(CallbackError::OriginMismatch { .. })), "{url}");
        }
    }

    #[test]
    fn state_is_checked_before_iss_and_iss_before_the_error() {
        for url in [
            "https://app.example/callback?code=a&state=bad",
            "https://app.example/callback?code=a",
            "https://app.example/callback?error=access_denied&state=bad",
            "https://app.example/callback?code=a&state=good-stat",
        ] {
            assert_eq!(read(url), Err(CallbackError::StateMismatch), "{url}");
        }
        let forged_error =
            read("https://app.example/callback?error=access_denied&state=good-state&iss=https://evil/oidc");
        assert!(matches!(forged_error, Err(CallbackError::IssuerMismatch { .. })));
        let error = read(
            "https://app.example/callback?error=access_denied&error_description=no&state=good-state&iss=https://t.example/oidc",
        );
        assert_eq!(
            error,
            Err(CallbackError::Denied {
                error: "access_denied".into(),
                error_description: Some("no".into())
            })
        );
    }

    #[test]
    fn issuer_is_compared_exactly_and_code_is_required() {
        for iss in ["https://evil/oidc", "https://t.example/oidc/", "https://t.example/OIDC"] {
            let url = format!("https://app.example/callback?code=a&state=good-state&iss={iss}");
            assert!(matches!(read(&url), Err(CallbackError::IssuerMismatch { .. })), "{iss}");
        }
        let no_iss = read("https://app.example/callback?code=a&state=good-state");
        assert!(matches!(no_iss, Err(CallbackError::IssuerMismatch { actual: None, .. })));
        let lenient = CallbackPolicy { iss_parameter_supported: false, ..policy(false) };
        let callback = Callback::from_url("https://app.example/callback?code=a&state=good-state").unwrap();
        assert!(check_callback(callback, &session(), &lenient).is_ok());
        let no_code = read("https://app.example/callback?state=good-state&iss=https://t.example/oidc");
        assert_eq!(no_code, Err(CallbackError::MissingCode));
    }

    mod properties {
        use super::*;
        use crate::oidc::CallbackParams;
        use proptest::prelude::*;

        /// The parameter names the parser reads, and some it ignores.
        const NAMES: [&str; 7] = ["code", "state", "error", "error_description", "iss", "session_state", "x"];

        fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
            let name =
                prop_oneof![proptest::sample::select(NAMES.to_vec()).prop_map(str::to_owned), ".{0,6}"];
            proptest::collection::vec((name, ".{0,12}"), 0..8)
        }

        fn query(pairs: &[(String, String)]) -> String {
            url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// No input makes the callback parser or the check panic.
            #[test]
            fn any_input_is_an_answer_never_a_panic(url in ".{0,80}", path in "/[a-z/]{0,12}", pairs in pairs()) {
                if let Ok(callback) = Callback::from_url(&url) {
                    let _ = check_callback(callback, &session(), &policy(true));
                }
                let raw = format!("{path}?{}", query(&pairs));
                if let Ok(callback) = Callback::from_url(&raw) {
                    let _ = check_callback(callback, &session(), &policy(false));
                }
                let _ = CallbackParams::from_query(&url);
            }

            /// A callback whose `state` is not the session's never yields a code, and says so
            /// before anything else it carries is believed (its error, its issuer, its code).
            #[test]
            fn a_wrong_state_never_yields_a_code(state in ".{0,20}", mut pairs in pairs()) {
                prop_assume!(state != "good-state");
                pairs.retain(|(name, _)| name != "state");
                pairs.push(("state".into(), state));
                let url = format!("https://app.example/callback?{}", query(&pairs));
                let outcome = Callback::from_url(&url).and_then(|c| check_callback(c, &session(), &policy(false)));
                prop_assert!(
                    matches!(outcome, Err(CallbackError::StateMismatch | CallbackError::Malformed(_))),
                    "{url}: {outcome:?}"
                );
            }

            /// A parameter the parser reads is refused when repeated, whatever else is there.
            #[test]
            fn a_repeated_parameter_is_always_refused(
                name in proptest::sample::select(NAMES[..5].to_vec()),
                first in ".{0,12}",
                second in ".{0,12}",
                mut pairs in pairs(),
                at in any::<proptest::sample::Index>(),
            ) {
                pairs.push((name.to_owned(), first));
                let position = at.index(pairs.len() + 1);
                pairs.insert(position, (name.to_owned(), second));
                let outcome = CallbackParams::from_query(&query(&pairs));
                prop_assert!(matches!(outcome, Err(CallbackError::Malformed(_))), "{pairs:?}: {outcome:?}");
            }

            /// With the right `state` and `iss`, the outcome is the server's error if it sent
            /// one, else its code if not empty: nothing else is ever returned as a code.
            #[test]
            fn the_right_state_yields_the_error_or_the_code(
                code in proptest::option::of(".{0,12}"),
                error in proptest::option::of("[a-z_]{1,12}"),
            ) {
                let mut pairs = vec![("state".to_owned(), "good-state".to_owned()), ("iss".to_owned(), ISSUER.to_owned())];
                pairs.extend(code.clone().map(|code| ("code".to_owned(), code)));
                pairs.extend(error.clone().map(|error| ("error".to_owned(), error)));
                let url = format!("/callback?{}", query(&pairs));
                let outcome = check_callback(Callback::from_url(&url).unwrap(), &session(), &policy(false));
                match (error, code) {
                    (Some(error), _) => {
                        let denied = matches!(&outcome, Err(CallbackError::Denied { error: e, .. }) if *e == error);
                        prop_assert!(denied, "{:?}", outcome);
                    }
                    (None, Some(code)) if !code.is_empty() => prop_assert_eq!(outcome, Ok(code)),
                    (None, _) => prop_assert_eq!(outcome, Err(CallbackError::MissingCode)),
                }
            }
        }
    }
}
