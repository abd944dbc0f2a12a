//! Every log line the SDK writes at any level, through a whole session against the real test
//! server, is free of tokens, secrets, codes and code verifiers.

mod common;

use common::*;
use logto::{PersistKey, Storage};
use logto_test_idp::{TestIdp, resources};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_never_contain_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let idp = TestIdp::start().await;
    let (client, storage) = client(confidential_config(&idp));
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    let session = storage.get(PersistKey::SignInSession).await.unwrap().unwrap();
    let callback = idp.login(&url).await;
    let code =
        url::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    client.handle_sign_in_callback(&callback).await.unwrap();
    let mut secrets = vec![code, logto_test_idp::clients::CONFIDENTIAL_SECRET.to_owned()];
    let session: serde_json::Value = serde_json::from_str(&session).unwrap();
    secrets.push(session["codeVerifier"].as_str().unwrap().to_owned());
    secrets.push(client.get_id_token().await.unwrap().unwrap().into_secret());
    secrets.push(client.get_refresh_token().await.unwrap().unwrap().into_secret());
    secrets.push(client.get_access_token("").await.unwrap().into_secret());
    secrets.push(client.get_access_token(resources::API).await.unwrap().into_secret());
    secrets.push(client.get_organization_token("org-acme").await.unwrap().into_secret());
    let _ = client.get_organization_token("org-initech").await;
    // An unreadable access-token cache that holds a token is reported without quoting it.
    let cached = secrets.last().unwrap();
    let corrupt = serde_json::json!({ "x": { resources::API: cached } }).to_string();
    storage.set(PersistKey::AccessTokenMap, corrupt).await.unwrap();
    client.get_access_token(resources::API).await.unwrap();
    client.fetch_user_info().await.unwrap();
    client.sign_out(None).await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("sign-in completed"), "the SDK does log: {logs}");
    assert!(logs.contains("ignoring an unreadable access token cache"), "the corrupt cache was seen: {logs}");
    for secret in &secrets {
        assert!(secret.len() >= 16);
        assert!(!logs.contains(secret.as_str()), "a secret leaked into the logs");
    }
    assert!(!logs.contains("eyJ"), "no JWT in the logs");
}
