//! [`SignInOptions`]: what one sign-in asks for, with Logto's extensions ([`FirstScreen`],
//! [`Identifier`], [`DirectSignIn`], [`Prompt`], one-time tokens, organizations).

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

/// A `prompt` value of the sign-in request (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Prompt {
    /// `none`: no interaction; the callback carries `login_required` when nobody is signed in
    /// at Logto.
    None,
    /// `login`: ask for the credentials even when signed in at Logto.
    Login,
    /// `consent`: ask for consent; needed for a refresh token (Logto drops `offline_access`
    /// without it). The default.
    Consent,
}

impl Prompt {
    /// The parameter value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Login => "login",
            Self::Consent => "consent",
        }
    }

    /// The prompt of a parameter value.
    ///
    /// ```
    /// assert_eq!(logto::Prompt::parse("login"), Some(logto::Prompt::Login));
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        [Self::None, Self::Login, Self::Consent].into_iter().find(|prompt| prompt.as_str() == value)
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
    /// The `prompt` of this sign-in, replacing the config's (empty: the config's).
    pub prompt: Vec<Prompt>,
    /// A one-time token (Logto's magic link), sent with the `login_hint` (the email it was
    /// issued for).
    pub one_time_token: Option<String>,
    /// More query parameters. They may replace optional ones (such as `prompt`) but never
    /// `client_id`, `redirect_uri`, `response_type`, `scope`, `resource`, `state` or the PKCE
    /// parameters.
    pub extra_params: Vec<(String, String)>,
}

/// `Debug` hides the login hint (an email or phone), the one-time token and extra parameter
/// values.
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
            .field("prompt", &self.prompt)
            .field("one_time_token", &self.one_time_token.as_ref().map(|_| "<redacted>"))
            .field("extra_params", &extra_names)
            .finish()
    }
}

/// The parameters only the SDK sets.
pub(super) const RESERVED_PARAMS: [&str; 15] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "resource",
    "state",
    "code_challenge",
    "code_challenge_method",
    // The SDK would have to check the answer to these (OpenID Connect Core §3.1.3.7 (11)-(13)):
    // `nonce` in the ID token, `acr` for `acr_values` and `claims`, `auth_time` for `max_age`.
    // It does not, so it does not let them be asked for.
    "nonce",
    "max_age",
    "acr_values",
    "claims",
    // These would move the response elsewhere (`response_mode`) or replace every parameter
    // above with a request object (`request`, `request_uri`).
    "response_mode",
    "request",
    "request_uri",
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

    /// Sets the `prompt` of this sign-in (for example `[Prompt::Login, Prompt::Consent]`).
    pub fn prompt(mut self, prompt: impl IntoIterator<Item = Prompt>) -> Self {
        self.prompt = prompt.into_iter().collect();
        self
    }

    /// Signs in with a one-time token (magic link) issued for `email`.
    pub fn one_time_token(mut self, token: impl Into<String>, email: impl Into<String>) -> Self {
        self.one_time_token = Some(token.into());
        self.login_hint = Some(email.into());
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
