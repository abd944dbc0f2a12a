//! The server's state and every protocol decision: authorization codes, grants, refresh-token
//! rotation with Logto's reuse detection, and the tokens issued (claims by scope, audiences).
//! No HTTP here: [`routes`](crate::routes) parses requests and answers with what this decides.

mod device;

use crate::clock::now_millis;
use crate::crypto::{SigningKey, fingerprint, random_token, s256};
use crate::directory::{App, AppKind, User};
use crate::oauth_error::OAuthError;
use crate::{Settings, TokenRequestRecord};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Logto's scope that asks for the user's organizations.
pub(crate) const ORGANIZATIONS_SCOPE: &str = "urn:logto:scope:organizations";
/// Logto's scope that asks for the user's organization roles.
pub(crate) const ORGANIZATION_ROLES_SCOPE: &str = "urn:logto:scope:organization_roles";
/// The resource a sign-in names when it asks for organization scopes.
pub(crate) const ORGANIZATIONS_RESOURCE: &str = "urn:logto:resource:organizations";

/// The server's state, behind one lock.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) endpoint: String,
    /// The first key signs; the others are still published (a rotation in progress).
    pub(crate) keys: Vec<SigningKey>,
    pub(crate) apps: HashMap<String, App>,
    pub(crate) users: BTreeMap<String, User>,
    /// Who the authorization endpoint signs in (`None`: the only user, if there is one).
    pub(crate) signing_in: Option<String>,
    pub(crate) settings: Settings,
    codes: HashMap<String, Code>,
    grants: HashMap<String, Grant>,
    refresh_tokens: HashMap<String, RefreshToken>,
    opaque_tokens: HashMap<String, Opaque>,
    pub(crate) token_requests: Vec<TokenRequestRecord>,
    /// Failures the next token requests answer, in order.
    pub(crate) token_failures: VecDeque<OAuthError>,
    /// Every endpoint answers 503.
    pub(crate) down: bool,
    /// How far the server's clock is ahead of the wall clock, in milliseconds.
    pub(crate) clock_offset_ms: u64,
    /// How long the token endpoint waits before answering.
    pub(crate) token_delay: std::time::Duration,
    /// Subject tokens for token exchange: token → (sub, expiry).
    subject_tokens: HashMap<String, (String, u64)>,
    /// Device sign-ins by device code.
    devices: HashMap<String, device::Device>,
    /// Access tokens for the Management API (scope `all`) → expiry.
    management_tokens: HashMap<String, u64>,
    /// Serve a login page at `/oidc/auth` instead of signing the chosen user in at once.
    pub(crate) login_page: bool,
    /// Authorization requests waiting for the login page's answer, by interaction id.
    interactions: HashMap<String, (AuthRequest, String)>,
}

#[derive(Debug, Clone)]
struct Code {
    grant: String,
    redirect_uri: String,
    challenge: String,
    expires_at: u64,
    used: bool,
}

/// One user's consent to one app: what it asked for at sign-in.
#[derive(Debug)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) sub: String,
    pub(crate) sid: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) resources: Vec<String>,
    nonce: Option<String>,
    revoked: bool,
}

#[derive(Debug)]
struct RefreshToken {
    grant: String,
    /// When a newer token replaced it, in milliseconds (public clients rotate at every use).
    consumed_at_ms: Option<u64>,
    expires_at: u64,
}

#[derive(Debug)]
struct Opaque {
    grant: String,
    expires_at: u64,
}

/// What `/oidc/auth` asked for, checked.
#[derive(Debug)]
pub(crate) struct AuthRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) resources: Vec<String>,
    pub(crate) prompt: Option<String>,
    pub(crate) challenge: String,
    pub(crate) nonce: Option<String>,
}

/// Logto's token-exchange grant type.
pub(crate) const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const IMPERSONATION_TOKEN_TYPE: &str = "urn:logto:token-type:impersonation_token";

/// What a token-exchange request presents.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) subject_token: String,
    pub(crate) subject_token_type: String,
    pub(crate) actor: Option<(String, String)>,
}

/// What a token request asks for beyond its grant.
#[derive(Debug, Default)]
pub(crate) struct Target {
    pub(crate) resource: Option<String>,
    pub(crate) organization_id: Option<String>,
    pub(crate) scope: Option<String>,
}

impl State {
    pub(crate) fn new(endpoint: String, settings: Settings) -> Self {
        Self {
            endpoint,
            keys: vec![SigningKey::generate()],
            apps: HashMap::new(),
            users: BTreeMap::new(),
            signing_in: None,
            settings,
            codes: HashMap::new(),
            grants: HashMap::new(),
            refresh_tokens: HashMap::new(),
            management_tokens: HashMap::new(),
            devices: HashMap::new(),
            opaque_tokens: HashMap::new(),
            token_requests: Vec::new(),
            token_failures: VecDeque::new(),
            down: false,
            clock_offset_ms: 0,
            token_delay: std::time::Duration::ZERO,
            subject_tokens: HashMap::new(),
            login_page: false,
            interactions: HashMap::new(),
        }
    }

    /// The server's clock, in milliseconds (the wall clock, moved on by `advance_clock`).
    pub(crate) fn now_ms(&self) -> u64 {
        now_millis().saturating_add(self.clock_offset_ms)
    }

    /// The server's clock, in seconds.
    pub(crate) fn now(&self) -> u64 {
        self.now_ms() / 1000
    }

    pub(crate) fn issuer(&self) -> String {
        format!("{}/oidc", self.endpoint)
    }

    /// The app, if `secret` authenticates it (a public app sends none).
    pub(crate) fn authenticate(&self, client_id: &str, secret: Option<&str>) -> Result<&App, OAuthError> {
        let app = self.apps.get(client_id).ok_or_else(OAuthError::invalid_client)?;
        match (&app.secret, secret) {
            (Some(expected), Some(given)) if expected == given => Ok(app),
            (None, None) => Ok(app),
            _ => Err(OAuthError::invalid_client()),
        }
    }

    /// Signs the chosen user in for `request` and returns the authorization code.
    /// Keeps an authorization request until the login page answers; its interaction id.
    pub(crate) fn park(&mut self, request: AuthRequest, state: String) -> String {
        let id = random_token(16);
        self.interactions.insert(id.clone(), (request, state));
        id
    }

    /// The authorization request of a login page's answer (once).
    pub(crate) fn unpark(&mut self, id: &str) -> Option<(AuthRequest, String)> {
        self.interactions.remove(id)
    }

    /// Signs `sub` in for `request` (the login page's choice).
    pub(crate) fn authorize_as(&mut self, request: AuthRequest, sub: &str) -> Result<String, OAuthError> {
        let previous = self.signing_in.replace(sub.to_owned());
        let code = self.authorize(request);
        self.signing_in = previous;
        code
    }

    pub(crate) fn authorize(&mut self, request: AuthRequest) -> Result<String, OAuthError> {
        let sub = match &self.signing_in {
            Some(sub) => sub.clone(),
            None if self.users.len() == 1 => self.users.keys().next().cloned().unwrap_or_default(),
            None => {
                return Err(OAuthError::new(
                    400,
                    "login_required",
                    "no user to sign in: add one user, or choose one with sign_in_as",
                ));
            }
        };
        if !self.users.contains_key(&sub) {
            return Err(OAuthError::new(400, "login_required", format!("no user {sub}")));
        }
        let mut scopes = request.scopes;
        // oidc-provider drops `offline_access` unless the prompt includes `consent`.
        let consent = request.prompt.as_deref().is_some_and(|p| p.split(' ').any(|p| p == "consent"));
        if !consent {
            scopes.retain(|scope| scope != "offline_access");
        }
        let grant_id = random_token(16);
        self.grants.insert(
            grant_id.clone(),
            Grant {
                client_id: request.client_id,
                sub,
                sid: random_token(16),
                scopes,
                resources: request.resources,
                nonce: request.nonce,
                revoked: false,
            },
        );
        let code = random_token(32);
        let expires_at = self.now() + 60;
        self.codes.insert(
            code.clone(),
            Code {
                grant: grant_id,
                redirect_uri: request.redirect_uri,
                challenge: request.challenge,
                expires_at,
                used: false,
            },
        );
        Ok(code)
    }

    /// `grant_type=authorization_code`.
    pub(crate) fn exchange_code(
        &mut self,
        app: &str,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<Value, OAuthError> {
        // A code is used once, whatever the outcome; presented again, it revokes what it issued
        // (oidc-provider's rule).
        let Some(stored) = self.codes.get_mut(code) else {
            return Err(OAuthError::invalid_grant("grant request is invalid"));
        };
        if stored.used {
            let grant = stored.grant.clone();
            self.revoke_grant(&grant);
            return Err(OAuthError::invalid_grant("grant request is invalid"));
        }
        stored.used = true;
        let code = Code { used: true, ..stored.clone() };
        let grant =
            self.grants.get(&code.grant).ok_or_else(|| OAuthError::invalid_grant("grant not found"))?;
        if grant.revoked
            || grant.client_id != app
            || code.expires_at < self.now()
            || code.redirect_uri != redirect_uri
        {
            return Err(OAuthError::invalid_grant("grant request is invalid"));
        }
        if s256(verifier) != code.challenge {
            return Err(OAuthError::invalid_grant("PKCE verification failed"));
        }
        self.issue(&code.grant, None)
    }

    /// `grant_type=refresh_token`.
    pub(crate) fn refresh(&mut self, app: &App, token: &str, target: &Target) -> Result<Value, OAuthError> {
        let now = self.now();
        let refused = || OAuthError::invalid_grant("grant request is invalid");
        let stored = self.refresh_tokens.get(token).ok_or_else(refused)?;
        let grant_id = stored.grant.clone();
        let grant = self.grants.get(&grant_id).ok_or_else(refused)?;
        if grant.revoked || grant.client_id != app.id || stored.expires_at < now {
            return Err(refused());
        }
        if let Some(consumed_at) = stored.consumed_at_ms
            && self.now_ms().saturating_sub(consumed_at)
                >= self.settings.refresh_token_reuse_interval.as_millis() as u64
        {
            // Logto's reuse detection: a consumed token presented again revokes the whole grant.
            self.revoke_grant(&grant_id);
            return Err(refused());
        }
        let target_claims = self.target_claims(&grant_id, target)?;
        let mut response = self.issue(&grant_id, target_claims)?;
        if matches!(app.kind, AppKind::Spa | AppKind::Native) {
            let now_ms = self.now_ms();
            if let Some(stored) = self.refresh_tokens.get_mut(token) {
                stored.consumed_at_ms.get_or_insert(now_ms);
            }
        } else {
            // A confidential app keeps its refresh token (Logto rotates it only late in its life).
            if let Some(issued) = response.get("refresh_token").and_then(Value::as_str).map(str::to_owned) {
                self.refresh_tokens.remove(&issued);
            }
            response["refresh_token"] = json!(token);
        }
        Ok(response)
    }

    /// How many of `sub`'s refresh tokens would still be accepted.
    pub(crate) fn active_refresh_tokens(&self, sub: &str) -> usize {
        self.refresh_tokens
            .iter()
            .filter(|(token, stored)| {
                self.grants.get(&stored.grant).is_some_and(|grant| grant.sub == sub)
                    && self.refresh_token_active(token)
            })
            .count()
    }

    /// Whether `token` would still be accepted: issued, unexpired, its grant alive, and not
    /// consumed longer ago than the reuse grace.
    pub(crate) fn refresh_token_active(&self, token: &str) -> bool {
        let Some(stored) = self.refresh_tokens.get(token) else { return false };
        let grace = self.settings.refresh_token_reuse_interval.as_millis() as u64;
        self.grants.get(&stored.grant).is_some_and(|grant| !grant.revoked)
            && stored.expires_at >= self.now()
            && stored.consumed_at_ms.is_none_or(|at| self.now_ms().saturating_sub(at) < grace)
    }

    /// The audience and scopes of an access token for `target` on `grant`'s behalf.
    fn target_claims(
        &self,
        grant_id: &str,
        target: &Target,
    ) -> Result<Option<Map<String, Value>>, OAuthError> {
        let Some(grant) = self.grants.get(grant_id) else {
            return Err(OAuthError::invalid_grant("grant not found"));
        };
        let user = self.users.get(&grant.sub).ok_or_else(|| OAuthError::invalid_grant("the user is gone"))?;
        let requested = |granted: &[String]| -> Vec<String> {
            grant.scopes.iter().filter(|s| granted.contains(s)).cloned().collect()
        };
        let (audience, scopes, organization) = match (&target.resource, &target.organization_id) {
            (None, None) => return Ok(None),
            (resource, Some(organization)) => {
                if !grant.scopes.iter().any(|s| s == ORGANIZATIONS_SCOPE) {
                    return Err(OAuthError::new(
                        403,
                        "insufficient_scope",
                        "refresh token missing required scope",
                    ));
                }
                let Some((_, organization_scopes)) = user.organizations.get(organization) else {
                    return Err(OAuthError::new(
                        403,
                        "access_denied",
                        "user is not a member of the organization",
                    ));
                };
                match resource {
                    Some(resource) => {
                        self.check_resource(grant, resource)?;
                        let granted = user.api_scopes.get(resource).cloned().unwrap_or_default();
                        (resource.clone(), requested(&granted), Some(organization.clone()))
                    }
                    // Logto grants organization scopes only to a sign-in that named the
                    // organizations resource.
                    None => {
                        let granted = if grant.resources.iter().any(|r| r == ORGANIZATIONS_RESOURCE) {
                            requested(organization_scopes)
                        } else {
                            Vec::new()
                        };
                        (format!("urn:logto:organization:{organization}"), granted, None)
                    }
                }
            }
            (Some(resource), None) => {
                self.check_resource(grant, resource)?;
                let granted = user.api_scopes.get(resource).cloned().unwrap_or_default();
                (resource.clone(), requested(&granted), None)
            }
        };
        let mut claims = Map::new();
        claims.insert("aud".into(), json!(audience));
        claims.insert("scope".into(), json!(scopes.join(" ")));
        if let Some(organization) = organization {
            claims.insert("organization_id".into(), json!(organization));
        }
        Ok(Some(claims))
    }

    fn check_resource(&self, grant: &Grant, resource: &str) -> Result<(), OAuthError> {
        if grant.resources.iter().any(|r| r == resource) {
            Ok(())
        } else {
            Err(OAuthError::invalid_target("the resource was not requested at sign-in"))
        }
    }

    /// Tokens for `grant`: an access token (a JWT for a target, else opaque for user info), a
    /// new ID token and, with `offline_access`, a new refresh token.
    fn issue(&mut self, grant_id: &str, target: Option<Map<String, Value>>) -> Result<Value, OAuthError> {
        let now = self.now();
        let settings = self.settings;
        let grant = self.grants.get(grant_id).ok_or_else(|| OAuthError::invalid_grant("grant not found"))?;
        let user = self.users.get(&grant.sub).ok_or_else(|| OAuthError::invalid_grant("the user is gone"))?;
        let access_ttl = settings.access_token_ttl.as_secs();
        let (access_token, scope) = match target {
            Some(mut claims) => {
                let scope = claims.get("scope").and_then(Value::as_str).unwrap_or_default().to_owned();
                claims.insert("sub".into(), json!(grant.sub));
                claims.insert("client_id".into(), json!(grant.client_id));
                (self.access_token_jwt(claims, access_ttl), scope)
            }
            None => {
                let token = random_token(32);
                self.opaque_tokens.insert(
                    token.clone(),
                    Opaque { grant: grant_id.to_owned(), expires_at: now + access_ttl },
                );
                (token, grant.scopes.join(" "))
            }
        };
        let grant = &self.grants[grant_id];
        let mut claims = Map::new();
        claims.insert("sid".into(), json!(grant.sid));
        if let Some(nonce) = &grant.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        id_token_claims(user, &grant.scopes, &mut claims);
        let id_token = self.sign_id_token(&grant.client_id, &grant.sub, claims);
        let offline = grant.scopes.iter().any(|s| s == "offline_access");
        let mut response = json!({
            "access_token": access_token,
            "expires_in": access_ttl,
            "id_token": id_token,
            "scope": scope,
            "token_type": "Bearer",
        });
        if offline {
            let refresh_token = random_token(32);
            let expires_at = now + settings.refresh_token_ttl.as_secs();
            self.refresh_tokens.insert(
                refresh_token.clone(),
                RefreshToken { grant: grant_id.to_owned(), consumed_at_ms: None, expires_at },
            );
            response["refresh_token"] = json!(refresh_token);
        }
        Ok(response)
    }

    /// `grant_type=client_credentials` for a machine-to-machine app.
    pub(crate) fn client_credentials(&mut self, app: &App, target: &Target) -> Result<Value, OAuthError> {
        if app.kind != AppKind::MachineToMachine {
            return Err(OAuthError::new(
                400,
                "unauthorized_client",
                "requested grant type is not allowed for this client",
            ));
        }
        let requested: Option<Vec<&str>> = target.scope.as_deref().map(|s| s.split_whitespace().collect());
        let pick = |granted: &[String]| -> Vec<String> {
            granted
                .iter()
                .filter(|s| requested.as_ref().is_none_or(|r| r.contains(&s.as_str())))
                .cloned()
                .collect()
        };
        let mut claims = Map::new();
        match (&target.resource, &target.organization_id) {
            (Some(resource), organization) => {
                let Some(granted) = app.api_scopes.get(resource) else {
                    return Err(OAuthError::invalid_target("the app has no access to this resource"));
                };
                if let Some(organization) = organization {
                    if !app.organization_scopes.contains_key(organization) {
                        return Err(OAuthError::new(
                            403,
                            "access_denied",
                            "app is not associated with the organization",
                        ));
                    }
                    claims.insert("organization_id".into(), json!(organization));
                }
                claims.insert("aud".into(), json!(resource));
                claims.insert("scope".into(), json!(pick(granted).join(" ")));
            }
            (None, Some(organization)) => {
                let Some(granted) = app.organization_scopes.get(organization) else {
                    return Err(OAuthError::new(
                        403,
                        "access_denied",
                        "app is not associated with the organization",
                    ));
                };
                claims.insert("aud".into(), json!(format!("urn:logto:organization:{organization}")));
                claims.insert("scope".into(), json!(pick(granted).join(" ")));
            }
            (None, None) => return Err(OAuthError::invalid_target("resource indicator is missing")),
        }
        claims.insert("sub".into(), json!(app.id));
        claims.insert("client_id".into(), json!(app.id));
        let ttl = self.settings.access_token_ttl.as_secs();
        let scope = claims["scope"].clone();
        let management = claims["aud"] == crate::MANAGEMENT_API_RESOURCE
            && scope.as_str().is_some_and(|s| s.split(' ').any(|s| s == "all"));
        let access_token = self.access_token_jwt(claims, ttl);
        if management {
            let expires_at = self.now() + ttl;
            self.management_tokens.insert(access_token.clone(), expires_at);
        }
        Ok(json!({
            "access_token": access_token,
            "expires_in": ttl,
            "scope": scope,
            "token_type": "Bearer",
        }))
    }

    /// A subject token for `sub` (Logto's `POST /api/subject-tokens`: `sub_…`, 600 s).
    pub(crate) fn mint_subject_token(&mut self, sub: &str) -> String {
        let token = format!("sub_{}", random_token(24));
        self.subject_tokens.insert(token.clone(), (sub.to_owned(), self.now() + 600));
        token
    }

    /// The user an opaque access token (with `openid`) belongs to.
    fn opaque_subject(&self, token: &str) -> Option<String> {
        let opaque = self.opaque_tokens.get(token).filter(|t| t.expires_at >= self.now())?;
        let grant = self.grants.get(&opaque.grant).filter(|g| !g.revoked)?;
        grant.scopes.iter().any(|s| s == "openid").then(|| grant.sub.clone())
    }

    /// `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`: an access token for the
    /// subject's user, with an `act` claim for an actor token.
    pub(crate) fn exchange(
        &mut self,
        app: &App,
        request: &Exchange,
        target: &Target,
    ) -> Result<Value, OAuthError> {
        if !app.token_exchange {
            return Err(OAuthError::invalid_request("requested grant type is not allowed for this client"));
        }
        let refused = || OAuthError::invalid_grant("subject token is invalid");
        let sub = match request.subject_token_type.as_str() {
            IMPERSONATION_TOKEN_TYPE => self
                .subject_tokens
                .get(&request.subject_token)
                .filter(|(_, expires_at)| *expires_at >= self.now())
                .map(|(sub, _)| sub.clone())
                .ok_or_else(refused)?,
            ACCESS_TOKEN_TYPE => self.opaque_subject(&request.subject_token).ok_or_else(refused)?,
            _ => return Err(OAuthError::invalid_request("unsupported subject_token_type")),
        };
        let user = self.users.get(&sub).ok_or_else(refused)?;
        let actor = match &request.actor {
            Some((token, kind)) if kind == ACCESS_TOKEN_TYPE => Some(
                self.opaque_subject(token)
                    .ok_or_else(|| OAuthError::invalid_grant("actor token is invalid"))?,
            ),
            Some(_) => return Err(OAuthError::invalid_request("unsupported actor_token_type")),
            None => None,
        };
        let requested: Option<Vec<&str>> = target.scope.as_deref().map(|s| s.split_whitespace().collect());
        let pick = |granted: &[String]| -> String {
            granted
                .iter()
                .filter(|s| requested.as_ref().is_none_or(|r| r.contains(&s.as_str())))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut claims = Map::new();
        match (&target.resource, &target.organization_id) {
            (Some(resource), organization) => {
                claims.insert("aud".into(), json!(resource));
                claims.insert(
                    "scope".into(),
                    json!(pick(&user.api_scopes.get(resource).cloned().unwrap_or_default())),
                );
                if let Some(organization) = organization {
                    if !user.organizations.contains_key(organization) {
                        return Err(OAuthError::new(
                            403,
                            "access_denied",
                            "user is not a member of the organization",
                        ));
                    }
                    claims.insert("organization_id".into(), json!(organization));
                }
            }
            (None, Some(organization)) => {
                let Some((_, scopes)) = user.organizations.get(organization) else {
                    return Err(OAuthError::new(
                        403,
                        "access_denied",
                        "user is not a member of the organization",
                    ));
                };
                claims.insert("aud".into(), json!(format!("urn:logto:organization:{organization}")));
                claims.insert("scope".into(), json!(pick(scopes)));
            }
            (None, None) => return Err(OAuthError::invalid_target("resource indicator is missing")),
        }
        claims.insert("sub".into(), json!(sub));
        claims.insert("client_id".into(), json!(app.id));
        if let Some(actor) = actor {
            claims.insert("act".into(), json!({ "sub": actor }));
        }
        let ttl = self.settings.access_token_ttl.as_secs();
        let scope = claims["scope"].clone();
        Ok(json!({
            "access_token": self.access_token_jwt(claims, ttl),
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "expires_in": ttl,
            "scope": scope,
            "token_type": "Bearer",
        }))
    }

    /// A signed access token (`typ: at+jwt`) with `iss`, `iat`, `exp` and `jti` added to `claims`.
    pub(crate) fn access_token_jwt(&self, mut claims: Map<String, Value>, ttl: u64) -> String {
        let now = self.now();
        claims.insert("iss".into(), json!(self.issuer()));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + ttl));
        claims.insert("jti".into(), json!(random_token(16)));
        self.keys[0].sign("at+jwt", &Value::Object(claims))
    }

    fn sign_id_token(&self, client_id: &str, sub: &str, mut claims: Map<String, Value>) -> String {
        let now = self.now();
        claims.insert("iss".into(), json!(self.issuer()));
        claims.insert("sub".into(), json!(sub));
        claims.insert("aud".into(), json!(client_id));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + self.settings.id_token_ttl.as_secs()));
        self.keys[0].sign("JWT", &Value::Object(claims))
    }

    /// The user-info claims for an opaque access token.
    /// Whether `access_token` is a live Management API token (client credentials, scope `all`).
    pub(crate) fn is_management_token(&self, access_token: &str) -> bool {
        self.management_tokens.get(access_token).is_some_and(|expires_at| *expires_at >= self.now())
    }

    /// The user an opaque access token (what the Account API takes) was issued for.
    pub(crate) fn account_holder(&self, access_token: &str) -> Option<String> {
        let opaque = self.opaque_tokens.get(access_token)?;
        let grant = self.grants.get(&opaque.grant)?;
        (!grant.revoked && opaque.expires_at >= self.now()).then(|| grant.sub.clone())
    }

    pub(crate) fn user_info(&self, access_token: &str) -> Result<Value, OAuthError> {
        let refused = || OAuthError::new(401, "invalid_token", "invalid token provided");
        let opaque = self.opaque_tokens.get(access_token).ok_or_else(refused)?;
        let grant = self.grants.get(&opaque.grant).ok_or_else(refused)?;
        if grant.revoked || opaque.expires_at < self.now() {
            return Err(refused());
        }
        let user = self.users.get(&grant.sub).ok_or_else(refused)?;
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(user.sub));
        id_token_claims(user, &grant.scopes, &mut claims);
        let has = |scope: &str| grant.scopes.iter().any(|s| s == scope);
        if has("custom_data") {
            claims.insert("custom_data".into(), user.custom_data.clone());
        }
        if has("identities") {
            claims.insert("identities".into(), json!({}));
            claims.insert("sso_identities".into(), json!([]));
        }
        if has(ORGANIZATIONS_SCOPE) {
            let data: Vec<Value> = user
                .organizations
                .keys()
                .map(|id| json!({ "id": id, "name": id, "description": null }))
                .collect();
            claims.insert("organization_data".into(), json!(data));
        }
        Ok(Value::Object(claims))
    }

    /// Revokes what `token` belongs to when it was issued to `client_id` (a refresh token's
    /// whole grant; an opaque access token). Another client's token is left alone.
    pub(crate) fn revoke(&mut self, client_id: &str, token: &str) {
        let grants = &self.grants;
        let owned_by = |grant: &str| grants.get(grant).is_some_and(|g| g.client_id == client_id);
        let refresh_grant = self.refresh_tokens.get(token).map(|t| t.grant.clone()).filter(|g| owned_by(g));
        let opaque = self.opaque_tokens.get(token).is_some_and(|t| owned_by(&t.grant));
        if let Some(grant) = refresh_grant {
            self.revoke_grant(&grant);
        }
        if opaque {
            self.opaque_tokens.remove(token);
        }
    }

    pub(crate) fn revoke_grant(&mut self, grant_id: &str) {
        if let Some(grant) = self.grants.get_mut(grant_id) {
            grant.revoked = true;
        }
        self.refresh_tokens.retain(|_, t| t.grant != grant_id);
        self.opaque_tokens.retain(|_, t| t.grant != grant_id);
    }

    /// Ends every session of `sub` and returns the logout tokens to deliver, as
    /// `(backchannel_logout_uri, logout_token)`. As in Logto, the grants live on: refresh tokens
    /// keep working unless revoked ([`revoke_grants`](Self::revoke_grants)).
    pub(crate) fn end_sessions(&self, sub: &str) -> Vec<(String, String)> {
        self.grants
            .values()
            .filter(|grant| grant.sub == sub && !grant.revoked)
            .filter_map(|grant| {
                let uri = self.apps.get(&grant.client_id)?.backchannel_logout_uri.clone()?;
                Some((uri, self.logout_token(&grant.client_id, &grant.sub, &grant.sid)))
            })
            .collect()
    }

    /// Revokes every grant of `sub`: its refresh and access tokens stop working.
    pub(crate) fn revoke_grants(&mut self, sub: &str) {
        let grants: Vec<String> =
            self.grants.iter().filter(|(_, g)| g.sub == sub).map(|(id, _)| id.clone()).collect();
        for id in grants {
            self.revoke_grant(&id);
        }
    }

    /// A logout token as Logto (up to 1.41) signs it: `logout+jwt`, no `exp`.
    fn logout_token(&self, client_id: &str, sub: &str, sid: &str) -> String {
        let claims = json!({
            "iss": self.issuer(),
            "aud": client_id,
            "iat": self.now(),
            "jti": random_token(16),
            "sub": sub,
            "sid": sid,
            "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
        });
        self.keys[0].sign("logout+jwt", &claims)
    }

    /// Counts a token request (the presented refresh token only as a fingerprint).
    pub(crate) fn record(
        &mut self,
        grant_type: &str,
        refresh_token: Option<&str>,
        outcome: &Result<Value, OAuthError>,
    ) {
        let rotated = match (refresh_token, outcome) {
            (Some(presented), Ok(response)) => {
                response.get("refresh_token").and_then(Value::as_str) != Some(presented)
            }
            _ => false,
        };
        self.token_requests.push(TokenRequestRecord {
            grant_type: grant_type.to_owned(),
            outcome: match outcome {
                Ok(_) => "ok".to_owned(),
                Err(error) => error.error.clone(),
            },
            refresh_token_sha256: refresh_token.map(fingerprint),
            rotated,
        });
    }
}

/// The claims of `user` that `scopes` ask for, in an ID token (and user info).
fn id_token_claims(user: &User, scopes: &[String], claims: &mut Map<String, Value>) {
    let has = |scope: &str| scopes.iter().any(|s| s == scope);
    let mut copy = |names: &[&str]| {
        for name in names {
            if let Some(value) = user.claims.get(*name) {
                claims.insert((*name).to_owned(), value.clone());
            }
        }
    };
    if has("profile") {
        copy(&["name", "picture", "username", "created_at", "updated_at"]);
    }
    if has("email") {
        copy(&["email", "email_verified"]);
    }
    if has("phone") {
        copy(&["phone_number", "phone_number_verified"]);
    }
    if has("roles") {
        claims.insert("roles".into(), json!(user.roles));
    }
    if has(ORGANIZATIONS_SCOPE) {
        claims.insert("organizations".into(), json!(user.organizations.keys().collect::<Vec<_>>()));
    }
    if has(ORGANIZATION_ROLES_SCOPE) {
        let roles: Vec<String> = user
            .organizations
            .iter()
            .flat_map(|(id, (roles, _))| roles.iter().map(move |role| format!("{id}:{role}")))
            .collect();
        claims.insert("organization_roles".into(), json!(roles));
    }
}
