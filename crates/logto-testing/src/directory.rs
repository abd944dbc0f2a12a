//! What the server knows: applications, users, API resources and organizations, each with a
//! builder a test fills in.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// An application registered at the server.
///
/// ```
/// use logto_testing::App;
/// let web = App::traditional("my-app", "my-secret")
///     .redirect_uri("http://127.0.0.1:3000/callback")
///     .post_logout_redirect_uri("http://127.0.0.1:3000/")
///     .backchannel_logout_uri("http://127.0.0.1:3000/backchannel-logout");
/// let spa = App::spa("my-spa").redirect_uri("http://127.0.0.1:5173/callback");
/// let machine = App::machine_to_machine("my-m2m", "m2m-secret").api_scopes("https://api.example.com", ["read:data"]);
/// # let _ = (web, spa, machine);
/// ```
#[derive(Clone)]
pub struct App {
    pub(crate) id: String,
    pub(crate) secret: Option<String>,
    pub(crate) kind: AppKind,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) post_logout_redirect_uris: Vec<String>,
    pub(crate) backchannel_logout_uri: Option<String>,
    /// Accepts any redirect and post-sign-out URI (a convenience of the kit; Logto compares).
    pub(crate) any_redirect_uri: bool,
    /// May use token exchange (Logto: `customClientMetadata.allowTokenExchange`).
    pub(crate) token_exchange: bool,
    /// M2M: the scopes of each API resource its roles grant.
    pub(crate) api_scopes: BTreeMap<String, Vec<String>>,
    /// M2M: the organizations it belongs to, with the scopes its roles there grant.
    pub(crate) organization_scopes: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for App {
    /// The secret never appears.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("redirect_uris", &self.redirect_uris)
            .finish_non_exhaustive()
    }
}

/// The kind of an application, as Logto's console names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppKind {
    /// A traditional web app: confidential, its refresh token is not rotated at each use.
    Traditional,
    /// A single-page or native app: public (no secret), its refresh token rotates at each use.
    Spa,
    /// A machine-to-machine app: confidential, `client_credentials` only.
    MachineToMachine,
    /// A native app (a command-line tool): public, its refresh token rotates at each use, it may
    /// use the device flow, and its loopback redirect URIs (`http://127.0.0.1/...`) match any
    /// port (RFC 8252 §7.3).
    Native,
}

impl App {
    fn new(id: &str, secret: Option<&str>, kind: AppKind) -> Self {
        Self {
            id: id.to_owned(),
            secret: secret.map(str::to_owned),
            kind,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            backchannel_logout_uri: None,
            any_redirect_uri: false,
            token_exchange: false,
            api_scopes: BTreeMap::new(),
            organization_scopes: BTreeMap::new(),
        }
    }

    /// A traditional web app (confidential client).
    pub fn traditional(id: &str, secret: &str) -> Self {
        Self::new(id, Some(secret), AppKind::Traditional)
    }

    /// A single-page or native app (public client: no secret, rotating refresh tokens).
    pub fn spa(id: &str) -> Self {
        Self::new(id, None, AppKind::Spa)
    }

    /// A machine-to-machine app.
    pub fn machine_to_machine(id: &str, secret: &str) -> Self {
        Self::new(id, Some(secret), AppKind::MachineToMachine)
    }

    /// A native app (public client) for a command-line tool: loopback sign-in on any port of
    /// `http://127.0.0.1/callback`, and the device flow.
    pub fn native(id: &str) -> Self {
        Self::new(id, None, AppKind::Native).redirect_uri("http://127.0.0.1/callback")
    }

    /// Gives a machine-to-machine app the Management API's `all` scope (Logto's "Logto
    /// Management API access" role), for the part of the Management API the kit serves: an
    /// organization's members and their organization roles.
    pub fn management_api_access(self) -> Self {
        self.api_scopes(crate::MANAGEMENT_API_RESOURCE, ["all"])
    }

    /// Allows a redirect URI (exact match, as Logto compares them).
    pub fn redirect_uri(mut self, uri: &str) -> Self {
        self.redirect_uris.push(uri.to_owned());
        self
    }

    /// Allows a post-sign-out redirect URI.
    pub fn post_logout_redirect_uri(mut self, uri: &str) -> Self {
        self.post_logout_redirect_uris.push(uri.to_owned());
        self
    }

    /// Accepts any redirect URI and post-sign-out redirect URI, so a test need not know the
    /// origin its framework's test client uses. Logto itself compares them exactly; register
    /// them with [`redirect_uri`](Self::redirect_uri) to test that too.
    pub fn any_redirect_uri(mut self) -> Self {
        self.any_redirect_uri = true;
        self
    }

    /// Allows token exchange (`urn:ietf:params:oauth:grant-type:token-exchange`), as Logto's
    /// `customClientMetadata.allowTokenExchange` does.
    pub fn allow_token_exchange(mut self) -> Self {
        self.token_exchange = true;
        self
    }

    /// Whether `uri` is one of its redirect URIs.
    pub(crate) fn allows_redirect(&self, uri: &str) -> bool {
        self.any_redirect_uri
            || self.redirect_uris.iter().any(|known| {
                known == uri
                    || (self.kind == AppKind::Native
                        && without_loopback_port(known)
                            .is_some_and(|known| Some(known) == without_loopback_port(uri)))
            })
    }

    /// Whether `uri` is one of its post-sign-out redirect URIs.
    pub(crate) fn allows_post_logout_redirect(&self, uri: &str) -> bool {
        self.any_redirect_uri || self.post_logout_redirect_uris.iter().any(|known| known == uri)
    }

    /// Where [`MockLogto::end_sessions`](crate::MockLogto::end_sessions) delivers logout tokens.
    pub fn backchannel_logout_uri(mut self, uri: &str) -> Self {
        self.backchannel_logout_uri = Some(uri.to_owned());
        self
    }

    /// M2M: the scopes of `resource` its roles grant.
    pub fn api_scopes<S: Into<String>>(
        mut self,
        resource: &str,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.api_scopes.insert(resource.to_owned(), scopes.into_iter().map(Into::into).collect());
        self
    }

    /// M2M: a member of `organization`, with the scopes its machine role there grants.
    pub fn organization<S: Into<String>>(
        mut self,
        organization: &str,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.organization_scopes
            .insert(organization.to_owned(), scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The app's id (`client_id`).
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A user who can sign in, with Logto's claims.
///
/// ```
/// use logto_testing::User;
/// let alice = User::new("u_alice")
///     .username("alice")
///     .email("alice@example.com")
///     .name("Alice")
///     .custom_data(serde_json::json!({ "plan": "pro" }))
///     .roles(["admin"])
///     .api_scopes("https://api.example.com", ["read:data", "write:data"])
///     .organization("org_1", ["member"], ["read:org"]);
/// # let _ = alice;
/// ```
#[derive(Clone, Debug)]
pub struct User {
    pub(crate) sub: String,
    /// Claims by name (`username`, `name`, `picture`, `email`, `phone_number`, ...).
    pub(crate) claims: Map<String, Value>,
    pub(crate) custom_data: Value,
    pub(crate) roles: Vec<String>,
    /// The scopes of each API resource the user's roles grant.
    pub(crate) api_scopes: BTreeMap<String, Vec<String>>,
    /// Organization id → (roles, scopes).
    pub(crate) organizations: BTreeMap<String, (Vec<String>, Vec<String>)>,
}

impl User {
    /// A user with this `sub` (Logto's user id), created and updated "now". Its other claims are
    /// Logto's for a user without them: `name`, `picture`, `username`, `email` and
    /// `phone_number` null, `email_verified` and `phone_number_verified` false.
    pub fn new(sub: &str) -> Self {
        // Logto's claims of a user without them: null, and not verified.
        let mut claims = Map::new();
        for name in ["name", "picture", "username", "email", "phone_number"] {
            claims.insert(name.to_owned(), Value::Null);
        }
        claims.insert("email_verified".to_owned(), Value::Bool(false));
        claims.insert("phone_number_verified".to_owned(), Value::Bool(false));
        let now_ms = crate::clock::now_seconds() * 1000;
        claims.insert("created_at".to_owned(), json!(now_ms));
        claims.insert("updated_at".to_owned(), json!(now_ms));
        Self {
            sub: sub.to_owned(),
            claims,
            custom_data: json!({}),
            roles: Vec::new(),
            api_scopes: BTreeMap::new(),
            organizations: BTreeMap::new(),
        }
    }

    /// Sets any claim (`name`, `picture`, `username`, `phone_number`, ...).
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_owned(), value.into());
        self
    }

    /// The username (`profile` scope).
    pub fn username(self, username: &str) -> Self {
        self.claim("username", username)
    }

    /// The display name (`profile` scope).
    pub fn name(self, name: &str) -> Self {
        self.claim("name", name)
    }

    /// A verified e-mail address (`email` scope).
    pub fn email(self, email: &str) -> Self {
        self.claim("email", email).claim("email_verified", true)
    }

    /// A verified phone number (`phone` scope).
    pub fn phone(self, phone: &str) -> Self {
        self.claim("phone_number", phone).claim("phone_number_verified", true)
    }

    /// Custom data (`custom_data` scope; user info only).
    pub fn custom_data(mut self, data: Value) -> Self {
        self.custom_data = data;
        self
    }

    /// Role names (`roles` scope).
    pub fn roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes of `resource` the user's roles grant.
    pub fn api_scopes<S: Into<String>>(
        mut self,
        resource: &str,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.api_scopes.insert(resource.to_owned(), scopes.into_iter().map(Into::into).collect());
        self
    }

    /// A member of `organization`, with organization roles and the organization scopes they grant.
    pub fn organization<R: Into<String>, S: Into<String>>(
        mut self,
        organization: &str,
        roles: impl IntoIterator<Item = R>,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.organizations.insert(
            organization.to_owned(),
            (roles.into_iter().map(Into::into).collect(), scopes.into_iter().map(Into::into).collect()),
        );
        self
    }

    /// The user's id (`sub`).
    pub fn sub(&self) -> &str {
        &self.sub
    }
}

/// A loopback URI without its port (`http://127.0.0.1:53682/callback` → `http://127.0.0.1/callback`),
/// or `None` for any other URI.
fn without_loopback_port(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    if url.scheme() != "http" || url.host_str() != Some("127.0.0.1") {
        return None;
    }
    Some(format!(
        "http://127.0.0.1{}{}",
        url.path(),
        url.query().map(|q| format!("?{q}")).unwrap_or_default()
    ))
}
