//! Helpers shared by the integration tests: clients configured for the test identity server.

#![allow(dead_code, unreachable_pub)]

use logto::{LogtoClient, LogtoConfig, MemoryStorage, Storage, UserInfoScope};
use logto_test_idp::{TestIdp, clients, resources};
use std::sync::Arc;

pub const REDIRECT_URI: &str = "http://127.0.0.1:3000/callback";

/// The scopes the tests' apps ask for: every user-info scope and the API's `read:data`.
pub fn confidential_scopes() -> Vec<String> {
    [
        UserInfoScope::Email,
        UserInfoScope::Phone,
        UserInfoScope::CustomData,
        UserInfoScope::Identities,
        UserInfoScope::Roles,
        UserInfoScope::Organizations,
        UserInfoScope::OrganizationRoles,
    ]
    .map(String::from)
    .into_iter()
    .chain(["read:data".to_owned()])
    .collect()
}

pub fn confidential_config(idp: &TestIdp) -> LogtoConfig {
    let mut config = LogtoConfig::new(idp.endpoint(), clients::CONFIDENTIAL_ID)
        .with_app_secret(clients::CONFIDENTIAL_SECRET)
        .with_resources([resources::API]);
    config.scopes = confidential_scopes();
    config
}

pub fn public_config(idp: &TestIdp) -> LogtoConfig {
    let mut config = confidential_config(idp);
    config.app_id = clients::PUBLIC_ID.into();
    config.app_secret = None;
    config
}

pub fn client(config: LogtoConfig) -> (LogtoClient, Arc<MemoryStorage>) {
    let storage = Arc::new(MemoryStorage::new());
    let client = LogtoClient::new(config, storage.clone() as Arc<dyn Storage>).expect("valid config");
    (client, storage)
}

/// Signs the demo user in through the test server's login page.
pub async fn sign_in(idp: &TestIdp, client: &LogtoClient) {
    let url = client.sign_in(REDIRECT_URI).await.expect("sign-in URL");
    let callback = idp.login(&url).await;
    client.handle_sign_in_callback(&callback).await.expect("callback handled");
}

/// The `state` of a sign-in URL.
pub fn state_of(sign_in_url: &str) -> String {
    url::Url::parse(sign_in_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state")
}

pub mod kit;
pub mod mock_idp;
