#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod client;
mod error;
pub mod generated;
mod retry;

pub use client::{AccessTokenSource, Answer, Api, Body, MAX_ANSWER_BYTES, Page, StaticToken};
pub use error::Error;
pub use retry::RetryPolicy;

use client::Credentials;
use logto::{HttpOptions, LogtoClient, LogtoConfig, MachineClient};
use std::sync::Arc;

/// One operation of the document the code was generated from ([`generated::OPERATIONS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// Its id (`ListUsers`).
    pub id: &'static str,
    /// Its HTTP method (`GET`).
    pub method: &'static str,
    /// Its path template (`/api/users/{userId}`).
    pub path: &'static str,
    /// The method of [`Api`] for its area (`users`).
    pub area: &'static str,
}

/// The Management API's resource indicator for the tenant at `endpoint`: Logto Cloud's
/// `https://<tenant>.logto.app/api` for a `<tenant>.logto.app` endpoint, else the open-source
/// Logto's `https://default.logto.app/api`. A Cloud tenant behind a custom domain names its
/// tenant with [`ManagementClientBuilder::resource`].
///
/// ```
/// use logto_management::management_resource;
/// assert_eq!(management_resource("https://abc123.logto.app"), "https://abc123.logto.app/api");
/// assert_eq!(management_resource("http://localhost:3001"), "https://default.logto.app/api");
/// ```
pub fn management_resource(endpoint: &str) -> String {
    let host = endpoint.split("://").nth(1).unwrap_or(endpoint).split(['/', ':']).next().unwrap_or_default();
    match host.strip_suffix(".logto.app") {
        Some(tenant) if !tenant.is_empty() && !tenant.contains('.') => {
            format!("https://{tenant}.logto.app/api")
        }
        _ => "https://default.logto.app/api".to_owned(),
    }
}

/// Logto's Management API with a machine-to-machine app's token. Each area of the API is a
/// method (see [`Api`]); cloning is cheap.
#[derive(Debug, Clone)]
pub struct ManagementClient {
    api: Api,
}

impl std::ops::Deref for ManagementClient {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl ManagementClient {
    /// A client for the tenant at `endpoint` with a machine-to-machine app (whose role has the
    /// Management API's `all` permission).
    pub fn new(endpoint: &str, app_id: &str, app_secret: &str) -> Result<Self, Error> {
        Self::builder(LogtoConfig::new(endpoint, app_id).with_app_secret(app_secret)).build()
    }

    /// A builder for the app of `config` (its app secret is required).
    pub fn builder(config: LogtoConfig) -> ManagementClientBuilder {
        ManagementClientBuilder {
            resource: management_resource(&config.endpoint),
            config,
            http_options: HttpOptions::default(),
            http_client: None,
            retry: RetryPolicy::default(),
            api_endpoint: None,
        }
    }
}

/// Builds a [`ManagementClient`].
#[derive(Debug)]
#[must_use]
pub struct ManagementClientBuilder {
    config: LogtoConfig,
    resource: String,
    http_options: HttpOptions,
    http_client: Option<reqwest::Client>,
    retry: RetryPolicy,
    api_endpoint: Option<String>,
}

impl ManagementClientBuilder {
    /// Where the API's requests go when not to the Logto endpoint (a gateway in front of the
    /// API, or a test server); tokens are still asked of the Logto endpoint.
    pub fn api_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.api_endpoint = Some(endpoint.into());
        self
    }

    /// The Management API's resource indicator (see [`management_resource`] for the default).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// HTTP timeouts and the plain-http rule, as the core's clients take them.
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http_options = options;
        self
    }

    /// An HTTP pool of your own (shared with your `LogtoClient`, for example).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The retries on 429 and 503.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Builds the client (no request is made yet).
    pub fn build(self) -> Result<ManagementClient, Error> {
        self.http_options.check_url(&self.config.endpoint)?;
        let endpoint = self.api_endpoint.unwrap_or_else(|| self.config.endpoint.clone());
        self.http_options.check_url(&endpoint)?;
        let http = match self.http_client {
            Some(client) => client,
            None => self.http_options.build_client()?,
        };
        let core = LogtoClient::builder(self.config)
            .http_client(http.clone())
            .http_options(self.http_options)
            .build()?;
        let machine = MachineClient::from_client(&core)?;
        let credentials = Credentials::Machine { client: machine, resource: self.resource };
        Ok(ManagementClient { api: Api::new(http, &endpoint, credentials, self.retry) })
    }
}

/// Logto's Account API for one signed-in user: their profile, custom data, email and phone,
/// password, MFA factors and linked identities ([`Api::my_account`], [`Api::verifications`]).
/// Changes Logto guards with a verification ask for a verification record first (see
/// [`AccountClient::with_verification`]); fields the tenant's account center does not open
/// answer an [`Error::Api`] (HTTP 400 or 403 with Logto's code).
#[derive(Debug, Clone)]
pub struct AccountClient {
    api: Api,
}

impl std::ops::Deref for AccountClient {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl AccountClient {
    /// The account of the user signed in to `client` (its access token without a resource,
    /// which is what the Account API takes), over `client`'s endpoint.
    pub fn for_user(client: &LogtoClient) -> Result<Self, Error> {
        let options = HttpOptions::default();
        Self::with_source(&client.config().endpoint, Arc::new(client.clone()), options.build_client()?)
    }

    /// The account of the user whose access token `source` gives, at `endpoint`.
    pub fn with_source(
        endpoint: &str,
        source: Arc<dyn AccessTokenSource>,
        http: reqwest::Client,
    ) -> Result<Self, Error> {
        HttpOptions::default().check_url(endpoint)?;
        Ok(Self { api: Api::new(http, endpoint, Credentials::User(source), RetryPolicy::default()) })
    }

    /// The same account, with every request carrying the verification record `id` (Logto's
    /// `logto-verification-id` header) that sensitive changes need: create one with
    /// `verifications().create_verification_by_password(..)` (or a code), then make the change.
    pub fn with_verification(&self, id: &str) -> Result<Self, Error> {
        Ok(Self { api: self.api.with_verification(id)? })
    }
}

/// Logto's public routes (status, well-known settings, the OpenAPI document) without a token.
///
/// ```
/// let public = logto_management::public_api("http://localhost:3001").unwrap();
/// assert_eq!(public.endpoint(), "http://localhost:3001");
/// ```
pub fn public_api(endpoint: &str) -> Result<Api, Error> {
    let options = HttpOptions::default();
    options.check_url(endpoint)?;
    Ok(Api::new(options.build_client()?, endpoint, Credentials::Anonymous, RetryPolicy::default()))
}
