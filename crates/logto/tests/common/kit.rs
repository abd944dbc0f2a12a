//! The kit's in-process server (`logto-testing`) as the cooperative Logto of the tests that
//! prove the SDK's own decisions (refresh coordination, concurrency), with the same app, user
//! and resources as the `oidc-provider` server's fixtures. Protocol conformance stays proven
//! against that independent server.

use logto::{LogtoClient, LogtoConfig};
use logto_test_idp::{clients, demo_user, resources};
use logto_testing::{App, MockLogto, Settings, User};
use std::time::Duration;

/// A server with Logto's 3-second reuse grace turned off: any second use of a rotated refresh
/// token revokes the grant, so a duplicate refresh cannot hide.
pub fn strict_kit() -> MockLogto {
    kit(Settings { refresh_token_reuse_interval: Duration::ZERO, ..Settings::default() })
}

/// A server with Logto's defaults.
pub fn default_kit() -> MockLogto {
    kit(Settings::default())
}

fn kit(settings: Settings) -> MockLogto {
    let logto = MockLogto::start_with(settings).expect("the kit's server starts");
    logto.add_app(App::spa(clients::PUBLIC_ID).redirect_uri(super::REDIRECT_URI));
    logto.add_user(
        User::new(demo_user::SUB)
            .username(demo_user::USERNAME)
            .email(demo_user::EMAIL)
            .api_scopes(resources::API, ["read:data"])
            .organization("org-acme", ["member"], ["read:org"])
            .organization("org-globex", ["member"], ["read:org"]),
    );
    logto
}

/// The public app's configuration, as `common::public_config` has it for `oidc-provider`.
pub fn kit_public_config(logto: &MockLogto) -> LogtoConfig {
    let mut config = LogtoConfig::new(logto.endpoint(), clients::PUBLIC_ID);
    config.scopes = super::confidential_scopes();
    config.with_resources([resources::API])
}

/// Signs the demo user in.
pub async fn kit_sign_in(logto: &MockLogto, client: &LogtoClient) {
    let url = client.sign_in(super::REDIRECT_URI).await.expect("sign-in URL");
    kit_complete(logto, client, &url).await;
}

/// Completes the sign-in `url` began.
pub async fn kit_complete(logto: &MockLogto, client: &LogtoClient, url: &str) {
    let callback = logto.callback_for(url).await.expect("the kit signs the user in");
    client.handle_sign_in_callback(&callback).await.expect("callback handled");
}

/// The refresh-token requests counted since the last reset.
pub fn refreshes(logto: &MockLogto) -> usize {
    logto.count_token_requests("refresh_token", None)
}
