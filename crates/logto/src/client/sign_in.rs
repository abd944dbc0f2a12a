//! The sign-in flow: a new sign-in session (state, PKCE verifier, redirect URI) is stored, and
//! the authorization request URL is built.

use super::LogtoClient;
use super::sign_in_options::{RESERVED_PARAMS, SignInOptions};
use super::stored::{SignInSession, to_json};
use crate::config::LogtoConfig;
use crate::error::{LogtoError, Result};
use crate::oidc;
use crate::secret::{CodeVerifier, State};
use crate::storage::PersistKey;

impl LogtoClient {
    /// Starts a sign-in: stores a new sign-in session (state, PKCE verifier, redirect URI) and
    /// returns the URL to redirect the user to.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// use logto::{FirstScreen, SignInOptions};
    /// let url = client.sign_in(SignInOptions::new("https://app.example/callback").first_screen(FirstScreen::Register)).await?;
    /// # let _ = url;
    /// # Ok(()) }
    /// ```
    pub async fn sign_in(&self, options: impl Into<SignInOptions>) -> Result<String> {
        let options = options.into();
        let core = self.oidc_core().await?;
        let state = State::new(oidc::generate_state());
        let code_verifier = CodeVerifier::new(oidc::generate_code_verifier());
        let challenge = oidc::generate_code_challenge(code_verifier.secret());
        let url = authorization_url(
            &core.metadata().authorization_endpoint,
            &self.shared.config,
            &options,
            &state,
            &challenge,
        )?;
        let session = SignInSession { redirect_uri: options.redirect_uri, code_verifier, state };
        self.storage.set(PersistKey::SignInSession, to_json(&session)).await?;
        tracing::debug!(redirect_uri = %session.redirect_uri, "sign-in started");
        Ok(url)
    }
}

/// Builds the authorization request URL.
pub(crate) fn authorization_url(
    authorization_endpoint: &str,
    config: &LogtoConfig,
    options: &SignInOptions,
    state: &State,
    code_challenge: &str,
) -> Result<String> {
    if let Some((name, _)) =
        options.extra_params.iter().find(|(name, _)| RESERVED_PARAMS.contains(&name.as_str()))
    {
        return Err(LogtoError::ReservedParameter(name.clone()));
    }
    if url::Url::parse(&options.redirect_uri).is_err() {
        return Err(LogtoError::InvalidConfig(format!(
            "the redirect URI `{}` is not an absolute URL",
            options.redirect_uri
        )));
    }
    let mut url = url::Url::parse(authorization_endpoint).map_err(|e| LogtoError::InvalidResponse {
        endpoint: "discovery".into(),
        reason: format!("authorization_endpoint is not a URL: {e}"),
    })?;
    let mut params: Vec<(&str, String)> = vec![
        ("client_id", config.app_id.clone()),
        ("redirect_uri", options.redirect_uri.clone()),
        ("code_challenge", code_challenge.to_owned()),
        ("code_challenge_method", "S256".to_owned()),
        ("state", state.secret().to_owned()),
        ("response_type", "code".to_owned()),
        ("scope", config.effective_scopes().join(" ")),
    ];
    params.extend(config.effective_resources().into_iter().map(|resource| ("resource", resource)));
    let prompt: Vec<&str> = if options.prompt.is_empty() {
        config.prompt.iter().map(String::as_str).collect()
    } else {
        options.prompt.iter().map(|prompt| prompt.as_str()).collect()
    };
    if !prompt.is_empty() {
        params.push(("prompt", prompt.join(" ")));
    }
    match (options.first_screen, options.interaction_mode) {
        (Some(screen), _) => params.push(("first_screen", screen.as_str().to_owned())),
        (None, Some(mode)) => params.push(("interaction_mode", mode.as_str().to_owned())),
        (None, None) => {}
    }
    if let Some(hint) = &options.login_hint {
        params.push(("login_hint", hint.clone()));
    }
    if let Some(target) = &options.direct_sign_in {
        params.push(("direct_sign_in", target.to_string()));
    }
    if !options.identifiers.is_empty() {
        let identifiers: Vec<&str> = options.identifiers.iter().map(|i| i.as_str()).collect();
        params.push(("identifier", identifiers.join(" ")));
    }
    if let Some(id) = &options.organization_id {
        params.push(("organization_id", id.clone()));
    }
    if let Some(token) = &options.one_time_token {
        params.push(("one_time_token", token.clone()));
    }
    if let Some(locales) = &options.ui_locales {
        params.push(("ui_locales", locales.clone()));
    }
    for (name, value) in &options.extra_params {
        params.retain(|(existing, _)| existing != name);
        params.push((name.as_str(), value.clone()));
    }
    url.query_pairs_mut().extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::sign_in_options::{DirectSignIn, FirstScreen, Identifier, InteractionMode, Prompt};

    fn params(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
    }

    fn config() -> LogtoConfig {
        LogtoConfig::new("https://t.example", "app")
            .with_scopes(["email", "urn:logto:scope:organizations", "email"])
            .with_resources(["https://api.example.com"])
    }

    #[test]
    fn carries_every_parameter() {
        let options = SignInOptions::new("https://app/callback")
            .first_screen(FirstScreen::IdentifierRegister)
            .interaction_mode(InteractionMode::SignUp)
            .login_hint("a@b.c")
            .direct_sign_in(DirectSignIn::Social("github".into()))
            .identifiers([Identifier::Email, Identifier::Username])
            .organization_id("org-1")
            .ui_locales("fr-CA fr")
            .extra_param("prompt", "login")
            .extra_param("custom", "x y");
        let url = authorization_url(
            "https://t.example/oidc/auth?keep=1",
            &config(),
            &options,
            &State::from("st"),
            "ch",
        )
        .unwrap();
        let p = params(&url);
        let get =
            |name: &str| p.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
        assert_eq!(get("keep"), ["1"]);
        assert_eq!(get("client_id"), ["app"]);
        assert_eq!(get("scope"), ["openid offline_access profile email urn:logto:scope:organizations"]);
        assert_eq!(get("resource"), ["https://api.example.com", "urn:logto:resource:organizations"]);
        assert_eq!(get("prompt"), ["login"]);
        assert_eq!(get("first_screen"), ["identifier:register"]);
        assert!(get("interaction_mode").is_empty());
        assert_eq!(get("direct_sign_in"), ["social:github"]);
        assert_eq!(get("identifier"), ["email username"]);
        assert_eq!(get("code_challenge_method"), ["S256"]);
        assert_eq!(get("custom"), ["x y"]);
        assert_eq!(get("state"), ["st"]);
    }

    #[test]
    fn extra_params_cannot_override_protocol_params() {
        for name in RESERVED_PARAMS {
            let options = SignInOptions::new("https://app/callback").extra_param(name, "evil");
            let error =
                authorization_url("https://t.example/oidc/auth", &config(), &options, &State::from("s"), "c")
                    .unwrap_err();
            assert!(matches!(error, LogtoError::ReservedParameter(ref n) if n == name));
        }
    }

    #[test]
    fn debug_hides_the_login_hint_and_extra_values() {
        let options = SignInOptions::new("https://app/callback")
            .login_hint("ada@example.com")
            .extra_param("one_time_token", "ott-secret");
        let rendered = format!("{options:?}");
        assert!(!rendered.contains("ada@example.com") && !rendered.contains("ott-secret"), "{rendered}");
        assert!(rendered.contains("one_time_token"));
    }

    #[test]
    fn per_call_prompt_and_one_time_token() {
        let options = SignInOptions::new("https://app/callback")
            .prompt([Prompt::Login, Prompt::Consent])
            .one_time_token("ott", "ada@example.com");
        let url =
            authorization_url("https://t.example/oidc/auth", &config(), &options, &State::from("s"), "c")
                .unwrap();
        let p = params(&url);
        assert!(p.contains(&("prompt".into(), "login consent".into())));
        assert!(p.contains(&("one_time_token".into(), "ott".into())));
        assert!(p.contains(&("login_hint".into(), "ada@example.com".into())));
        let relative = SignInOptions::new("/callback");
        assert!(
            authorization_url("https://t.example/oidc/auth", &config(), &relative, &State::from("s"), "c")
                .is_err()
        );
    }

    #[test]
    fn interaction_mode_alone_is_sent() {
        let options = SignInOptions::new("https://app/callback").interaction_mode(InteractionMode::SignUp);
        let url =
            authorization_url("https://t.example/oidc/auth", &config(), &options, &State::from("s"), "c")
                .unwrap();
        assert!(params(&url).contains(&("interaction_mode".into(), "signUp".into())));
    }
}
