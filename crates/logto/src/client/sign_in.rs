//! Sign-in options and the authorization request URL.

use crate::config::LogtoConfig;
use crate::error::{LogtoError, Result};
use std::fmt;

/// The first screen Logto shows (Logto's `first_screen` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FirstScreen {
    /// `sign_in`.
    SignIn,
    /// `register`: the sign-up screen.
    Register,
    /// `reset_password`.
    ResetPassword,
    /// `identifier:sign_in`.
    IdentifierSignIn,
    /// `identifier:register`.
    IdentifierRegister,
    /// `single_sign_on`.
    SingleSignOn,
}

impl FirstScreen {
    /// Every first screen.
    pub const ALL: [Self; 6] = [
        Self::SignIn,
        Self::Register,
        Self::ResetPassword,
        Self::IdentifierSignIn,
        Self::IdentifierRegister,
        Self::SingleSignOn,
    ];

    /// The first screen of a parameter value.
    ///
    /// ```
    /// assert_eq!(logto::FirstScreen::parse("identifier:register"), Some(logto::FirstScreen::IdentifierRegister));
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|screen| screen.as_str() == value)
    }

    /// The parameter value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Register => "register",
            Self::ResetPassword => "reset_password",
            Self::IdentifierSignIn => "identifier:sign_in",
            Self::IdentifierRegister => "identifier:register",
            Self::SingleSignOn => "single_sign_on",
        }
    }
}

/// The deprecated `interaction_mode` parameter (use [`FirstScreen`]); never sent together with a
/// first screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InteractionMode {
    /// `signIn`.
    SignIn,
    /// `signUp`.
    SignUp,
}

impl InteractionMode {
    /// The mode of a parameter value (`signIn` or `signUp`).
    ///
    /// ```
    /// assert_eq!(logto::InteractionMode::parse("signUp"), Some(logto::InteractionMode::SignUp));
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        [Self::SignIn, Self::SignUp].into_iter().find(|mode| mode.as_str() == value)
    }

    /// The parameter value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "signIn",
            Self::SignUp => "signUp",
        }
    }
}

/// An identifier type shown on the sign-in screen (Logto's `identifier` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Identifier {
    /// `email`.
    Email,
    /// `phone`.
    Phone,
    /// `username`.
    Username,
}

impl Identifier {
    /// The identifier type of a parameter value (`email`, `phone` or `username`).
    ///
    /// ```
    /// assert_eq!(logto::Identifier::parse("phone"), Some(logto::Identifier::Phone));
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Email, Self::Phone, Self::Username].into_iter().find(|identifier| identifier.as_str() == value)
    }

    /// The parameter value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Username => "username",
        }
    }
}

/// Skip the sign-in screen and go straight to a social connector or an SSO connector
/// (Logto's `direct_sign_in=<method>:<target>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DirectSignIn {
    /// A social connector by target, e.g. `google`.
    Social(String),
    /// An enterprise SSO connector by id.
    Sso(String),
}

impl DirectSignIn {
    /// Reads `social:<target>` or `sso:<target>`.
    ///
    /// ```
    /// use logto::DirectSignIn;
    /// assert_eq!(DirectSignIn::parse("social:google"), Some(DirectSignIn::Social("google".into())));
    /// assert_eq!(DirectSignIn::parse("google"), None);
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let (method, target) = value.split_once(':')?;
        if target.is_empty() {
            return None;
        }
        match method {
            "social" => Some(Self::Social(target.to_owned())),
            "sso" => Some(Self::Sso(target.to_owned())),
            _ => None,
        }
    }
}

impl fmt::Display for DirectSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Social(target) => write!(f, "social:{target}"),
            Self::Sso(target) => write!(f, "sso:{target}"),
        }
    }
}

/// What to ask for when signing in. Build it from the redirect URI and add options.
///
/// ```
/// use logto::{FirstScreen, Identifier, SignInOptions};
///
/// let options = SignInOptions::new("https://app.example/callback")
///     .first_screen(FirstScreen::Register)
///     .identifiers([Identifier::Email, Identifier::Phone])
///     .login_hint("ada@example.com")
///     .extra_param("ui_locales", "fr");
/// assert_eq!(options.redirect_uri, "https://app.example/callback");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInOptions {
    /// Where Logto sends the user back; must be registered for the app.
    pub redirect_uri: String,
    /// The first screen.
    pub first_screen: Option<FirstScreen>,
    /// The deprecated interaction mode (ignored when `first_screen` is set).
    pub interaction_mode: Option<InteractionMode>,
    /// Pre-fills the identifier (`login_hint`).
    pub login_hint: Option<String>,
    /// Go straight to a connector.
    pub direct_sign_in: Option<DirectSignIn>,
    /// The identifier types of the first screen.
    pub identifiers: Vec<Identifier>,
    /// Sign in to an organization context (`organization_id`).
    pub organization_id: Option<String>,
    /// Preferred UI languages (`ui_locales`, space separated).
    pub ui_locales: Option<String>,
    /// More query parameters. They may replace optional ones (such as `prompt`) but never
    /// `client_id`, `redirect_uri`, `response_type`, `scope`, `resource`, `state` or the PKCE
    /// parameters.
    pub extra_params: Vec<(String, String)>,
}

/// `Debug` hides the login hint (an email or phone) and extra parameter values (which may hold a
/// one-time token).
impl fmt::Debug for SignInOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra_names: Vec<&str> = self.extra_params.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("SignInOptions")
            .field("redirect_uri", &self.redirect_uri)
            .field("first_screen", &self.first_screen)
            .field("interaction_mode", &self.interaction_mode)
            .field("login_hint", &self.login_hint.as_ref().map(|_| "<redacted>"))
            .field("direct_sign_in", &self.direct_sign_in)
            .field("identifiers", &self.identifiers)
            .field("organization_id", &self.organization_id)
            .field("ui_locales", &self.ui_locales)
            .field("extra_params", &extra_names)
            .finish()
    }
}

/// The parameters only the SDK sets.
const RESERVED_PARAMS: [&str; 8] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "resource",
    "state",
    "code_challenge",
    "code_challenge_method",
];

impl SignInOptions {
    /// Options with only the redirect URI.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        Self { redirect_uri: redirect_uri.into(), ..Self::default() }
    }

    /// Sets the first screen.
    pub fn first_screen(mut self, screen: FirstScreen) -> Self {
        self.first_screen = Some(screen);
        self
    }

    /// Sets the deprecated interaction mode.
    pub fn interaction_mode(mut self, mode: InteractionMode) -> Self {
        self.interaction_mode = Some(mode);
        self
    }

    /// Sets the login hint.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Goes straight to a connector.
    pub fn direct_sign_in(mut self, target: DirectSignIn) -> Self {
        self.direct_sign_in = Some(target);
        self
    }

    /// Sets the identifier types.
    pub fn identifiers(mut self, identifiers: impl IntoIterator<Item = Identifier>) -> Self {
        self.identifiers = identifiers.into_iter().collect();
        self
    }

    /// Sets the organization.
    pub fn organization_id(mut self, id: impl Into<String>) -> Self {
        self.organization_id = Some(id.into());
        self
    }

    /// Sets the UI locales.
    pub fn ui_locales(mut self, locales: impl Into<String>) -> Self {
        self.ui_locales = Some(locales.into());
        self
    }

    /// Adds one extra query parameter.
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_params.push((name.into(), value.into()));
        self
    }
}

impl From<&str> for SignInOptions {
    fn from(redirect_uri: &str) -> Self {
        Self::new(redirect_uri)
    }
}

impl From<String> for SignInOptions {
    fn from(redirect_uri: String) -> Self {
        Self::new(redirect_uri)
    }
}

/// Builds the authorization request URL.
pub(crate) fn authorization_url(
    authorization_endpoint: &str,
    config: &LogtoConfig,
    options: &SignInOptions,
    state: &str,
    code_challenge: &str,
) -> Result<String> {
    if let Some((name, _)) =
        options.extra_params.iter().find(|(name, _)| RESERVED_PARAMS.contains(&name.as_str()))
    {
        return Err(LogtoError::ReservedParameter(name.clone()));
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
        ("state", state.to_owned()),
        ("response_type", "code".to_owned()),
        ("scope", config.effective_scopes().join(" ")),
    ];
    params.extend(config.effective_resources().into_iter().map(|resource| ("resource", resource)));
    if !config.prompt.is_empty() {
        params.push(("prompt", config.prompt.join(" ")));
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
        let url =
            authorization_url("https://t.example/oidc/auth?keep=1", &config(), &options, "st", "ch").unwrap();
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
                authorization_url("https://t.example/oidc/auth", &config(), &options, "s", "c").unwrap_err();
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
    fn interaction_mode_alone_is_sent() {
        let options = SignInOptions::new("https://app/callback").interaction_mode(InteractionMode::SignUp);
        let url = authorization_url("https://t.example/oidc/auth", &config(), &options, "s", "c").unwrap();
        assert!(params(&url).contains(&("interaction_mode".into(), "signUp".into())));
    }
}
