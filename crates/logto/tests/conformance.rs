//! The specifications clause by clause, against a lying identity server (the HTTP mock). Each
//! test names the clause it proves; SECURITY.md maps every clause to its test.

mod common;

use common::REDIRECT_URI;
use common::mock_idp::{CLIENT_ID, MockIdp, state_param};
use logto::verifier::{AccessTokenVerifier, BearerError};
use logto::{
    CallbackError, HttpOptions, LogtoClient, LogtoConfig, LogtoError, PersistKey, SignInOptions, Storage,
    TokenError,
};
use logto_test_idp::forge::{self, SigningKey};
use logto_test_idp::mock::{MockResponse, MockServer};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn claims(idp: &MockIdp) -> Value {
    forge::id_token_claims(&idp.issuer(), CLIENT_ID, "user-1")
}

/// A key's JWK with some members changed (`null` removes one).
fn jwk_with(key: &SigningKey, patch: Value) -> Value {
    let mut jwk = key.jwk();
    for (name, value) in patch.as_object().unwrap() {
        match value {
            Value::Null => drop(jwk.as_object_mut().unwrap().remove(name)),
            value => jwk[name] = value.clone(),
        }
    }
    jwk
}

fn jwks_of(keys: Vec<Value>) -> String {
    json!({ "keys": keys }).to_string()
}

// ---------------------------------------------------------------------------------------------
// RFC 6749 §4.1.2, OpenID Connect Core §3.1.2.7: the authorization response
// ---------------------------------------------------------------------------------------------

/// RFC 6749 §4.1.2: "The client MUST NOT use the authorization code more than once." Once the
/// callback passed its checks the sign-in session is consumed before the code is sent: after a
/// 500, a timeout (the server may have redeemed the code) or a bad ID token, the same callback
/// URL cannot send the code again, and the tokens of the earlier sign-in stay.
#[tokio::test]
async fn an_authorization_code_is_sent_at_most_once() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    let signed_in_as = storage.get(PersistKey::IdToken).await.unwrap();

    let failures = [
        MockResponse::json(500, r#"{"error":"server_error"}"#),
        MockResponse::json(200, idp.tokens(&key, |c| c["aud"] = json!("someone-else"))),
        MockResponse::json(200, idp.tokens(&key, |_| {})).delayed(Duration::from_secs(2)),
    ];
    for failure in failures {
        idp.set(|s| s.token = failure.clone());
        let callback = idp.callback_url(&client).await;
        let before = idp.count("/oidc/token");
        assert!(client.handle_sign_in_callback(&callback).await.is_err(), "{failure:?}");
        idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
        let replay = client.handle_sign_in_callback(&callback).await;
        assert!(
            matches!(replay, Err(LogtoError::Callback(CallbackError::SessionMissing))),
            "the code was sent again: {replay:?}"
        );
        assert_eq!(idp.count("/oidc/token"), before + 1, "one token request per code");
        assert_eq!(storage.get(PersistKey::IdToken).await.unwrap(), signed_in_as, "earlier tokens kept");
    }
}

/// RFC 9207 §2.4: `iss` is checked on every response, errors included ("clients MUST NOT assume
/// that the error originates from the intended authorization server"); a server that announces
/// the parameter must send it. OpenID Connect Core §3.1.2.7 / RFC 6749 §4.1.2.1: a genuine error
/// response is a typed error with its description, after `state` and `iss` passed.
#[tokio::test]
async fn error_responses_are_believed_only_from_our_issuer() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    for iss in [Some("https://evil.example/oidc".to_owned()), Some(format!("{}/", idp.issuer())), None] {
        let url = client.sign_in(REDIRECT_URI).await.unwrap();
        let mut callback = format!("{REDIRECT_URI}?error=access_denied&state={}", state_param(&url));
        if let Some(iss) = &iss {
            callback.push_str(&format!("&iss={iss}"));
        }
        let error = client.handle_sign_in_callback(&callback).await.unwrap_err();
        assert!(
            matches!(error, LogtoError::Callback(CallbackError::IssuerMismatch { .. })),
            "{iss:?}: {error:?}"
        );
        assert!(storage.get(PersistKey::SignInSession).await.unwrap().is_none(), "the attempt is over");
    }
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    let callback = format!(
        "{REDIRECT_URI}?error=access_denied&error_description=no+thanks&state={}&iss={}",
        state_param(&url),
        idp.issuer()
    );
    let error = client.handle_sign_in_callback(&callback).await.unwrap_err();
    assert!(
        matches!(&error, LogtoError::Callback(CallbackError::Denied { error, error_description })
            if error == "access_denied" && error_description.as_deref() == Some("no thanks")),
        "{error:?}"
    );
    assert_eq!(error.http_status(), 403);
    assert_eq!(idp.count("/oidc/token"), 0, "no code was ever sent");
}

/// RFC 6749 §4.1.2 / §10.12, OpenID Connect Core §3.1.2.7: `state` is required and compared
/// before anything else is believed; a repeated parameter is refused rather than guessed; a
/// response without `code` is refused. None of these ends the sign-in (the genuine callback can
/// still land).
#[tokio::test]
async fn state_code_and_repeated_parameters() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    let genuine = idp.callback_url(&client).await;
    let state = genuine.split("state=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let iss = idp.issuer();
    type Check = fn(&LogtoError) -> bool;
    let cases: [(String, Check); 5] = [
        (format!("{REDIRECT_URI}?code=c&iss={iss}"), |e| {
            matches!(e, LogtoError::Callback(CallbackError::StateMismatch))
        }),
        (format!("{REDIRECT_URI}?code=c&state=x{state}&iss={iss}"), |e| {
            matches!(e, LogtoError::Callback(CallbackError::StateMismatch))
        }),
        (format!("{REDIRECT_URI}?code=c&state={state}&state={state}&iss={iss}"), |e| {
            matches!(e, LogtoError::Callback(CallbackError::Malformed(_)))
        }),
        (format!("{REDIRECT_URI}?code=c&code=d&state={state}&iss={iss}"), |e| {
            matches!(e, LogtoError::Callback(CallbackError::Malformed(_)))
        }),
        (format!("{REDIRECT_URI}?code=&state={state}&iss={iss}"), |e| {
            matches!(e, LogtoError::Callback(CallbackError::MissingCode))
        }),
    ];
    for (callback, expected) in cases {
        let error = client.handle_sign_in_callback(&callback).await.unwrap_err();
        assert!(expected(&error), "{callback}: {error:?}");
    }
    assert_eq!(idp.count("/oidc/token"), 0);
    client.handle_sign_in_callback(&genuine).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// OpenID Connect Core §3.1.3.3, RFC 6749 §5.1, §5.2, §7.1: the token response
// ---------------------------------------------------------------------------------------------

/// OpenID Connect Core §3.1.3.3: "The OAuth 2.0 token_type response parameter value MUST be
/// Bearer" (case-insensitive, RFC 6749 §5.1); RFC 6749 §7.1: a client "MUST NOT use an access
/// token if it does not understand the token type". A missing, `DPoP` or `mac` type is refused
/// at the code exchange and at a refresh, and nothing is stored.
#[tokio::test]
async fn token_type_must_be_bearer() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    for (token_type, accepted) in [
        (None, false),
        (Some("DPoP"), false),
        (Some("mac"), false),
        (Some("bearer"), true),
        (Some("BEARER"), true),
    ] {
        let (client, storage) = idp.client();
        let body = idp.tokens_with(
            &key,
            |_| {},
            |r| match token_type {
                Some(value) => r["token_type"] = json!(value),
                None => drop(r.as_object_mut().unwrap().remove("token_type")),
            },
        );
        idp.set(|s| s.token = MockResponse::json(200, body));
        let outcome = idp.sign_in(&client).await;
        assert_eq!(outcome.is_ok(), accepted, "{token_type:?}: {outcome:?}");
        if !accepted {
            assert!(matches!(outcome, Err(LogtoError::InvalidResponse { .. })), "{outcome:?}");
            assert!(storage.get(PersistKey::AccessTokenMap).await.unwrap().is_none());
            assert!(!client.is_authenticated().await.unwrap());
        }
    }

    // At a refresh.
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    idp.set(|s| {
        s.token = MockResponse::json(
            200,
            r#"{"access_token":"dpop-bound","token_type":"DPoP","expires_in":3600,"refresh_token":"refresh-2"}"#,
        )
    });
    let error = client.get_access_token("https://api.example.com").await.unwrap_err();
    assert!(matches!(error, LogtoError::InvalidResponse { .. }), "{error:?}");
    let cache = storage.get(PersistKey::AccessTokenMap).await.unwrap().unwrap_or_default();
    assert!(!cache.contains("dpop-bound"), "{cache}");
}

/// OpenID Connect Core §3.1.3.3: the code exchange of an OpenID request returns an `id_token`;
/// RFC 6749 §5.1: `access_token` is required. RFC 6749 §5.2: an error response is a typed error
/// carrying the server's `error` and `error_description`.
#[tokio::test]
async fn required_members_and_error_responses_of_the_token_endpoint() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    let no_id_token = idp.tokens_with(&key, |_| {}, |r| drop(r.as_object_mut().unwrap().remove("id_token")));
    idp.set(|s| s.token = MockResponse::json(200, no_id_token));
    assert!(matches!(idp.sign_in(&client).await, Err(LogtoError::InvalidResponse { .. })));
    let no_access_token =
        idp.tokens_with(&key, |_| {}, |r| drop(r.as_object_mut().unwrap().remove("access_token")));
    idp.set(|s| s.token = MockResponse::json(200, no_access_token));
    assert!(matches!(idp.sign_in(&client).await, Err(LogtoError::InvalidResponse { .. })));
    idp.set(|s| {
        s.token =
            MockResponse::json(400, r#"{"error":"invalid_grant","error_description":"code already used"}"#)
    });
    let error = idp.sign_in(&client).await.unwrap_err();
    assert_eq!(error.oauth_error(), Some("invalid_grant"));
    assert!(error.to_string().contains("code already used"), "{error}");
    assert_eq!(error.http_status(), 400);
    assert!(!client.is_authenticated().await.unwrap());
}

// ---------------------------------------------------------------------------------------------
// OpenID Connect Core §3.1.3.7, RFC 7519 §4.1, RFC 8725: ID-token validation
// ---------------------------------------------------------------------------------------------

/// OpenID Connect Core §3.1.3.7 (3): the ID token "MUST be rejected if the ID Token does not
/// list the Client as a valid audience, or if it contains additional audiences not trusted by the
/// Client" (the SDK trusts no other audience: Logto never adds one); (4)-(5): `azp`, when
/// present, must be this client.
#[tokio::test]
async fn an_id_token_is_for_this_client_only() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    let cases = [
        (json!(["app", "other"]), Some("app"), false),
        (json!(["app", "other"]), None, false),
        (json!(["other"]), None, false),
        (json!("other"), None, false),
        (json!("app"), Some("other"), false),
        (json!(["app"]), None, true),
        (json!("app"), Some("app"), true),
    ];
    for (aud, azp, accepted) in cases {
        let mut claims = claims(&idp);
        claims["aud"] = aud.clone();
        if let Some(azp) = azp {
            claims["azp"] = json!(azp);
        }
        let outcome = idp.verify(&client, &key.sign(&claims, "JWT")).await;
        assert_eq!(outcome.is_ok(), accepted, "aud {aud}, azp {azp:?}: {outcome:?}");
    }
}

/// RFC 8725 §3.11-3.12 (explicit typing, mutually exclusive validation rules): an ID token is
/// not an access token (`at+jwt`, RFC 9068 §2.1) nor a logout token (`logout+jwt`, an `events`
/// claim, Back-Channel Logout §2.4), even when signed by the same key for the same audience.
#[tokio::test]
async fn an_id_token_is_not_an_access_or_logout_token() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    let claims = claims(&idp);
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT", "logout+jwt", "secevent+jwt", ""] {
        let outcome = idp.verify(&client, &key.sign(&claims, typ)).await;
        assert!(matches!(outcome, Err(TokenError::WrongType(_))), "typ {typ:?}: {outcome:?}");
    }
    for typ in ["JWT", "jwt", "application/jwt"] {
        assert_eq!(idp.verify(&client, &key.sign(&claims, typ)).await, Ok(()), "typ {typ:?}");
    }
    let untyped = key.sign_with_header(&json!({"alg": "ES384", "kid": "k1"}), &claims);
    assert_eq!(idp.verify(&client, &untyped).await, Ok(()), "typ is optional");
    let mut logout = claims.clone();
    logout["events"] = json!({"http://schemas.openid.net/event/backchannel-logout": {}});
    logout["sid"] = json!("session-1");
    let outcome = idp.verify(&client, &key.sign(&logout, "JWT")).await;
    assert!(outcome.is_err(), "a logout token is not an ID token: {outcome:?}");
}

/// OpenID Connect Core §3.1.3.7 (7) and RFC 8725 §3.1: only the algorithms the discovery
/// document allows (`id_token_signing_alg_values_supported`) verify an ID token; RFC 7518 §3.1:
/// `none` and HMAC never. RFC 8725 §3.1 "each key MUST be used with exactly one algorithm": an
/// RSA key without `alg` is RS256 when allowed, otherwise the first RSA algorithm allowed.
#[tokio::test]
async fn algorithms_are_those_the_discovery_document_allows() {
    let ec = SigningKey::generate("ES384", "k1");
    let rsa = SigningKey::generate("RS256", "r1");
    let idp = MockIdp::start(&[&ec, &rsa]).await;
    idp.set(|s| s.discovery_patch = json!({"id_token_signing_alg_values_supported": ["ES384"]}));
    let (client, _) = idp.client();
    let claims = claims(&idp);
    assert_eq!(idp.verify(&client, &ec.sign(&claims, "JWT")).await, Ok(()));
    let outcome = idp.verify(&client, &rsa.sign(&claims, "JWT")).await;
    assert!(matches!(outcome, Err(TokenError::DisallowedAlgorithm(_))), "{outcome:?}");

    // An RSA key without `alg`: one algorithm only.
    idp.set(|s| {
        s.jwks = jwks_of(vec![jwk_with(&rsa, json!({"alg": null}))]);
        s.discovery_patch = json!({"id_token_signing_alg_values_supported": ["PS512", "RS256"]});
    });
    let (client, _) = idp.client();
    let header = |alg: &str| json!({"alg": alg, "kid": "r1", "typ": "JWT"});
    assert_eq!(idp.verify(&client, &rsa.sign_as("RS256", &header("RS256"), &claims)).await, Ok(()));
    let other = idp.verify(&client, &rsa.sign_as("PS512", &header("PS512"), &claims)).await;
    assert!(matches!(other, Err(TokenError::DisallowedAlgorithm(_))), "{other:?}");

    idp.set(|s| s.discovery_patch = json!({"id_token_signing_alg_values_supported": ["PS512"]}));
    let (client, _) = idp.client();
    assert_eq!(idp.verify(&client, &rsa.sign_as("PS512", &header("PS512"), &claims)).await, Ok(()));
    let other = idp.verify(&client, &rsa.sign_as("RS256", &header("RS256"), &claims)).await;
    assert!(matches!(other, Err(TokenError::DisallowedAlgorithm(_))), "{other:?}");

    // No list in the discovery document: every supported algorithm, each key still with one.
    idp.set(|s| s.discovery_patch = json!({"id_token_signing_alg_values_supported": null}));
    let (client, _) = idp.client();
    assert_eq!(idp.verify(&client, &rsa.sign_as("RS256", &header("RS256"), &claims)).await, Ok(()));
    let other = idp.verify(&client, &rsa.sign_as("PS256", &header("PS256"), &claims)).await;
    assert!(matches!(other, Err(TokenError::DisallowedAlgorithm(_))), "{other:?}");
}

/// OpenID Connect Core §3.1.3.7 (9)-(10), RFC 7519 §4.1.4-4.1.6: `exp` in the past, `iat` in the
/// future and `nbf` in the future are refused beyond the leeway; at the code exchange an ID
/// token issued more than ten minutes ago is refused too (the code lives 60 s at Logto: an old
/// token did not come from this exchange).
#[tokio::test]
async fn an_old_id_token_is_refused_at_the_code_exchange() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let now = forge::now();
    let (client, _) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |c| c["iat"] = json!(now - 30 * 86_400))));
    let error = idp.sign_in(&client).await.unwrap_err();
    assert!(matches!(error, LogtoError::InvalidIdToken(TokenError::IssuedTooLongAgo)), "{error:?}");
    assert!(!client.is_authenticated().await.unwrap());
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |c| c["iat"] = json!(now - 300))));
    idp.sign_in(&client).await.unwrap();
    // Outside a code exchange (a stored token checked later) age alone is no reason to refuse.
    let mut old = claims(&idp);
    old["iat"] = json!(now - 30 * 86_400);
    assert_eq!(idp.verify(&client, &key.sign(&old, "JWT")).await, Ok(()));
    type Check = fn(&TokenError) -> bool;
    let cases: [(&str, i64, Check); 3] = [
        ("exp", now - 120, |e| matches!(e, TokenError::Expired)),
        ("iat", now + 120, |e| matches!(e, TokenError::IssuedInFuture)),
        ("nbf", now + 120, |e| matches!(e, TokenError::NotYetValid)),
    ];
    for (claim, value, expected) in cases {
        let mut claims = claims(&idp);
        claims[claim] = json!(value);
        let outcome = idp.verify(&client, &key.sign(&claims, "JWT")).await;
        assert!(outcome.as_ref().is_err_and(expected), "{claim}: {outcome:?}");
    }
}

/// RFC 7519 §2: a NumericDate may carry a fraction or be huge; neither is a reason to refuse or
/// to panic.
#[tokio::test]
async fn numeric_dates_may_be_fractional_or_huge() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    let now = forge::now();
    let mut fractional = claims(&idp);
    fractional["exp"] = json!(now as f64 + 3600.5);
    fractional["iat"] = json!(now as f64 - 0.25);
    assert_eq!(idp.verify(&client, &key.sign(&fractional, "JWT")).await, Ok(()));
    let mut huge = claims(&idp);
    huge["exp"] = json!(1e300);
    assert_eq!(idp.verify(&client, &key.sign(&huge, "JWT")).await, Ok(()));
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |c| c["exp"] = json!(1e300))));
    idp.sign_in(&client).await.unwrap();
    assert!(client.get_id_token_claims().await.unwrap().exp.seconds() > now);
}

// ---------------------------------------------------------------------------------------------
// RFC 7517 §4-§5, RFC 7515 §4.1: keys and key selection
// ---------------------------------------------------------------------------------------------

/// RFC 7517 §4.1-4.4 and §5: only keys whose `kty`, `use`, `key_ops` and `alg` allow verifying
/// the token's algorithm are used; unusable keys and unknown members are ignored, never fatal to
/// the rest of the set.
#[tokio::test]
async fn jwk_members_decide_which_key_verifies() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let claims = claims(&idp);
    let token = key.sign(&claims, "JWT");
    let unusable = [
        json!({"use": "enc"}),
        json!({"key_ops": ["encrypt"]}),
        json!({"key_ops": ["sign"]}),
        json!({"use": "sig", "key_ops": ["encrypt", "wrapKey"]}),
        json!({"alg": "HS256"}),
        json!({"alg": "ES256"}),
        json!({"alg": "none"}),
        json!({"kty": "oct"}),
        json!({"kty": "OKP"}),
        json!({"crv": "P-256"}),
        json!({"x": "AAAA"}),
        json!({"kid": 7}),
    ];
    for patch in unusable {
        idp.set(|s| s.jwks = jwks_of(vec![jwk_with(&key, patch.clone())]));
        let (client, _) = idp.client();
        let outcome = idp.verify(&client, &token).await;
        assert!(outcome.is_err(), "{patch}: the key must not verify");
    }
    let usable = [
        json!({"use": null}),
        json!({"alg": null}),
        json!({"key_ops": ["verify"]}),
        json!({"use": "sig", "key_ops": ["verify", "sign"]}),
        json!({"x5u": "https://evil.example/cert", "x5c": ["bm90IGEgY2VydA"], "unknown": {"a": 1}}),
    ];
    for patch in usable {
        // A malformed neighbour does not spoil the set.
        let neighbour = json!({"kty": "EC", "kid": "k2", "crv": "P-384", "x": 1});
        idp.set(|s| s.jwks = jwks_of(vec![neighbour, json!("not an object"), jwk_with(&key, patch.clone())]));
        let (client, _) = idp.client();
        assert_eq!(idp.verify(&client, &token).await, Ok(()), "{patch}");
    }
    // RFC 7517 §5: `keys` is required.
    idp.set(|s| s.jwks = r#"{"key":[]}"#.into());
    let (client, _) = idp.client();
    assert!(matches!(idp.verify(&client, &token).await, Err(TokenError::KeysUnavailable(_))));
}

/// RFC 7517 §4.5: keys may share a `kid` (an EC and an RSA key during a migration, or an old and
/// a new key): every key with the token's `kid` that can verify its algorithm is tried. RFC 7515
/// §4.1.4: without a `kid` the token is accepted only when exactly one key fits its algorithm.
#[tokio::test]
async fn keys_that_share_a_kid() {
    let ec = SigningKey::generate("ES384", "shared");
    let rsa = SigningKey::generate("RS256", "shared");
    let newer = SigningKey::generate("ES384", "shared");
    let idp = MockIdp::start(&[&rsa, &ec]).await;
    idp.set(|s| s.discovery_patch = json!({"id_token_signing_alg_values_supported": ["ES384", "RS256"]}));
    let claims = claims(&idp);
    let (client, _) = idp.client();
    assert_eq!(idp.verify(&client, &ec.sign(&claims, "JWT")).await, Ok(()), "EC behind an RSA key");
    assert_eq!(idp.verify(&client, &rsa.sign(&claims, "JWT")).await, Ok(()));

    idp.set(|s| s.jwks = forge::jwks(&[&ec, &newer]));
    let (client, _) = idp.client();
    assert_eq!(idp.verify(&client, &newer.sign(&claims, "JWT")).await, Ok(()), "the second key is tried");
    assert_eq!(idp.verify(&client, &ec.sign(&claims, "JWT")).await, Ok(()));
    let impostor = SigningKey::generate("ES384", "shared");
    assert_eq!(idp.verify(&client, &impostor.sign(&claims, "JWT")).await, Err(TokenError::BadSignature));

    // Without kid: one key of the token's algorithm decides, two are ambiguous.
    let no_kid = |key: &SigningKey| key.sign_with_header(&json!({"alg": key.alg(), "typ": "JWT"}), &claims);
    idp.set(|s| s.jwks = forge::jwks(&[&ec, &rsa]));
    let (client, _) = idp.client();
    assert_eq!(idp.verify(&client, &no_kid(&ec)).await, Ok(()));
    idp.set(|s| s.jwks = forge::jwks(&[&ec, &newer]));
    let (client, _) = idp.client();
    assert_eq!(idp.verify(&client, &no_kid(&newer)).await, Err(TokenError::UnknownKey(None)));
}

/// RFC 7515 §4.1 and RFC 8725 §3.10: `jku`, `jwk`, `x5u`, `x5c` in a token's header are never
/// trusted (the keys come only from the discovered `jwks_uri`); any `crit` is refused.
#[tokio::test]
async fn header_members_that_name_keys_are_ignored() {
    let key = SigningKey::generate("ES384", "k1");
    let attacker = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    let claims = claims(&idp);
    let header = json!({
        "alg": "ES384", "kid": "k1", "typ": "JWT",
        "jwk": attacker.jwk(), "jku": format!("{}/attacker-jwks", idp.server.url()),
        "x5u": format!("{}/attacker-cert", idp.server.url()),
    });
    let outcome = idp.verify(&client, &attacker.sign_with_header(&header, &claims)).await;
    assert_eq!(outcome, Err(TokenError::BadSignature));
    assert_eq!(idp.count("/attacker"), 0, "nothing the token names is fetched");
    let crit =
        key.sign_with_header(&json!({"alg": "ES384", "kid": "k1", "crit": ["exp"], "exp": 1}), &claims);
    assert!(matches!(idp.verify(&client, &crit).await, Err(TokenError::Malformed(_))));
}

// ---------------------------------------------------------------------------------------------
// Transport (RFC 6749 §10.9, OpenID Connect Core §16.17, Discovery §4.3)
// ---------------------------------------------------------------------------------------------

/// Discovery §4.3: the document's `issuer` must be the one the SDK asked for, exactly; every
/// endpoint it names is held to the transport rule (`https`, or `http` to loopback): a document
/// naming a plain-http remote endpoint is refused before anything is sent there.
#[tokio::test]
async fn discovery_is_believed_only_for_our_issuer_over_https() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    for issuer in
        [format!("{}/", idp.issuer()), idp.issuer().to_uppercase(), "https://evil.example/oidc".into()]
    {
        idp.set(|s| s.issuer_override = Some(issuer.clone()));
        let (client, _) = idp.client();
        let error = client.sign_in(REDIRECT_URI).await.unwrap_err();
        assert!(matches!(error, LogtoError::DiscoveryIssuerMismatch { .. }), "{issuer}: {error:?}");
    }
    idp.set(|s| s.issuer_override = None);
    for endpoint in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
    ] {
        idp.set(|s| s.discovery_patch = json!({ endpoint: "http://idp.example/oidc/x" }));
        let (client, _) = idp.client();
        let error = client.sign_in(REDIRECT_URI).await.unwrap_err();
        assert!(matches!(error, LogtoError::InvalidResponse { .. }), "{endpoint}: {error:?}");
        assert!(error.to_string().contains("http://idp.example/oidc/x"), "{error}");
    }
    // The same rule for the configured endpoint, and the explicit opt-in.
    let error = LogtoClient::builder(LogtoConfig::new("http://idp.example", CLIENT_ID)).build().unwrap_err();
    assert!(matches!(error, LogtoError::InvalidConfig(_)), "{error:?}");
    assert!(
        LogtoClient::builder(LogtoConfig::new("http://idp.example", CLIENT_ID))
            .http_options(HttpOptions::default().with_insecure_http(true))
            .build()
            .is_ok()
    );
}

/// A caller's own HTTP client that follows redirects: the SDK still refuses a redirected answer,
/// and the redirect target never receives the code, the verifier, a refresh token or the app's
/// credentials (a token request replayed elsewhere would carry them there).
#[tokio::test]
async fn a_redirected_token_request_goes_nowhere_even_with_a_callers_client() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let elsewhere =
        MockServer::start(|_| MockResponse::json(200, r#"{"access_token":"x","token_type":"Bearer"}"#)).await;
    let following =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(5)).build().unwrap();
    for status in [301, 302, 303, 307, 308] {
        for target in [format!("{}/steal", elsewhere.url()), format!("{}/oidc/steal", idp.server.url())] {
            idp.set(|s| s.token = MockResponse::redirect(status, target.clone()));
            let storage = std::sync::Arc::new(logto::MemoryStorage::new());
            let client = LogtoClient::builder(
                LogtoConfig::new(idp.server.url(), CLIENT_ID).with_app_secret("app-secret-value"),
            )
            .http_client(following.clone())
            .storage(storage)
            .build()
            .unwrap();
            let callback = idp.callback_url(&client).await;
            let error = client.handle_sign_in_callback(&callback).await.unwrap_err();
            assert!(matches!(error, LogtoError::InvalidResponse { .. }), "{status} {target}: {error:?}");
            assert!(error.to_string().contains("redirect"), "{error}");
            assert!(!client.is_authenticated().await.unwrap());
        }
    }
    // Nothing secret in a body anywhere; the app's credentials never leave the identity server's
    // origin (a same-origin redirect is the server itself).
    let leaked =
        |text: &str, secrets: &[&str]| secrets.iter().find(|s| text.contains(*s)).map(|s| s.to_string());
    for request in elsewhere.requests() {
        let text = format!("{}{}", request.headers, request.body).to_ascii_lowercase();
        let found =
            leaked(&text, &["code_verifier", "code=c", "grant_type", "authorization:", "app-secret-value"]);
        assert_eq!(found, None, "another origin received a secret: {text}");
    }
    for request in idp.requests_to("/oidc/steal") {
        let text = format!("{}{}", request.headers, request.body).to_ascii_lowercase();
        let found = leaked(&text, &["code_verifier", "code=c", "grant_type", "app-secret-value"]);
        assert_eq!(found, None, "the token request was replayed: {text}");
    }
}

/// A caller's own HTTP client without any timeout: the SDK's timeout still bounds every request.
#[tokio::test]
async fn a_slow_server_times_out_even_with_a_callers_client() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})).delayed(Duration::from_secs(30)));
    let client = LogtoClient::builder(LogtoConfig::new(idp.server.url(), CLIENT_ID))
        .http_client(reqwest::Client::new())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let callback = idp.callback_url(&client).await;
    let started = Instant::now();
    let error = client.handle_sign_in_callback(&callback).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// OpenID Connect Core §5.3, RFC 7009, RP-Initiated Logout §2
// ---------------------------------------------------------------------------------------------

/// OpenID Connect Core §5.3.2: "the sub Claim in the UserInfo Response MUST be verified to
/// exactly match the sub Claim in the ID Token; if they do not match, the UserInfo Response
/// values MUST NOT be used". Without a stored ID token there is nothing to match: refused, and
/// the endpoint is not called.
#[tokio::test]
async fn userinfo_is_used_only_about_the_signed_in_user() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    idp.set(|s| s.userinfo = MockResponse::json(200, r#"{"sub":"someone-else"}"#));
    assert!(matches!(client.fetch_user_info().await, Err(LogtoError::UserInfoSubjectMismatch)));
    assert!(matches!(client.fetch_user_info_json().await, Err(LogtoError::UserInfoSubjectMismatch)));
    idp.set(|s| s.userinfo = MockResponse::json(200, r#"{"sub":"USER-1"}"#));
    assert!(matches!(client.fetch_user_info().await, Err(LogtoError::UserInfoSubjectMismatch)), "exact");
    storage.delete(PersistKey::IdToken).await.unwrap();
    let before = idp.count("/oidc/me");
    assert!(matches!(client.fetch_user_info().await, Err(LogtoError::NotAuthenticated)));
    assert_eq!(idp.count("/oidc/me"), before);
}

/// RFC 7009 §2.1: sign-out revokes the refresh token (`token`, `token_type_hint`, the client's
/// authentication); §2.2.1: a failed revocation does not keep the user signed in locally.
/// RP-Initiated Logout §2: the end-session URL carries `id_token_hint` (RECOMMENDED), `client_id`
/// and `post_logout_redirect_uri`.
#[tokio::test]
async fn sign_out_revokes_and_sends_the_id_token_hint() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    let id_token = storage.get(PersistKey::IdToken).await.unwrap().unwrap();
    let url = client.sign_out(Some("https://app.example/after")).await.unwrap();
    let query: Vec<(String, String)> = url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
    assert!(url.starts_with(&format!("{}/session/end?", idp.issuer())), "{url}");
    assert!(query.contains(&("id_token_hint".into(), id_token)), "{url}");
    assert!(query.contains(&("client_id".into(), CLIENT_ID.into())));
    assert!(query.contains(&("post_logout_redirect_uri".into(), "https://app.example/after".into())));
    let revocation = idp.requests_to("/oidc/token/revocation");
    assert_eq!(revocation.len(), 1);
    let form: Vec<(String, String)> =
        url::form_urlencoded::parse(revocation[0].body.as_bytes()).into_owned().collect();
    assert!(form.contains(&("token".into(), "refresh-1".into())), "{form:?}");
    assert!(form.contains(&("token_type_hint".into(), "refresh_token".into())));
    assert!(form.contains(&("client_id".into(), CLIENT_ID.into())), "a public client names itself");
    for key in [PersistKey::IdToken, PersistKey::RefreshToken, PersistKey::AccessTokenMap] {
        assert!(storage.get(key).await.unwrap().is_none(), "{key} cleared");
    }

    // Revocation refused (503): signed out locally all the same; without an ID token no hint.
    idp.set(|s| s.revocation = MockResponse::json(503, r#"{"error":"temporarily_unavailable"}"#));
    idp.sign_in(&client).await.unwrap();
    let url = client.sign_out(None).await.unwrap();
    assert!(url.contains("id_token_hint="));
    assert!(!client.is_authenticated().await.unwrap());
    let url = client.sign_out(None).await.unwrap();
    assert!(!url.contains("id_token_hint") && !url.contains("post_logout_redirect_uri"), "{url}");

    // No revocation endpoint: nothing is sent.
    idp.set(|s| s.discovery_patch = json!({"revocation_endpoint": null}));
    let (client, _) = idp.client();
    idp.sign_in(&client).await.unwrap();
    let before = idp.count("/oidc/token/revocation");
    client.sign_out(None).await.unwrap();
    assert_eq!(idp.count("/oidc/token/revocation"), before);
}

// ---------------------------------------------------------------------------------------------
// Sign-in parameters (OpenID Connect Core §3.1.2.1, §3.1.3.7 (11)-(13))
// ---------------------------------------------------------------------------------------------

/// The parameters whose answer the SDK would have to check (`nonce` §3.1.3.7 (11), `acr_values`
/// and `claims` (12), `max_age` (13)) or that would change where and how the response comes
/// back (`response_mode`, `request`, `request_uri`) are the SDK's own: an extra parameter of
/// that name is refused before anything is stored. Other extra parameters pass.
#[tokio::test]
async fn parameters_the_sdk_owns_cannot_be_set_as_extra_parameters() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    for name in [
        "nonce",
        "max_age",
        "acr_values",
        "claims",
        "request",
        "request_uri",
        "response_mode",
        "state",
        "code_challenge",
        "redirect_uri",
    ] {
        let options = SignInOptions::new(REDIRECT_URI).extra_param(name, "1");
        let error = client.sign_in(options).await.unwrap_err();
        assert!(matches!(&error, LogtoError::ReservedParameter(n) if n == name), "{name}: {error:?}");
        assert!(storage.get(PersistKey::SignInSession).await.unwrap().is_none(), "{name}");
    }
    let url = client.sign_in(SignInOptions::new(REDIRECT_URI).extra_param("custom", "x")).await.unwrap();
    assert!(url.contains("custom=x"));
}

// ---------------------------------------------------------------------------------------------
// Access tokens for APIs (RFC 9068, RFC 6750, RFC 8725 §3.1)
// ---------------------------------------------------------------------------------------------

/// RFC 8725 §3.1: the caller can restrict the algorithms; a verifier with fixed keys never
/// fetches anything (an unknown `kid` is an unknown key, not a request to an empty URL).
#[tokio::test]
async fn access_token_verifier_algorithms_and_fixed_keys() {
    let issuer = "https://tenant.logto.app/oidc";
    let ec = SigningKey::generate("ES384", "k1");
    let rsa = SigningKey::generate("RS256", "r1");
    let now = forge::now();
    let claims = json!({"iss": issuer, "sub": "u", "aud": "https://api", "exp": now + 60, "iat": now});
    let verifier = AccessTokenVerifier::from_jwks(issuer, &forge::jwks(&[&ec, &rsa]), "https://api").unwrap();
    assert!(verifier.verify(&rsa.sign(&claims, "at+jwt")).await.is_ok());
    let stranger = SigningKey::generate("ES384", "unknown");
    assert!(matches!(
        verifier.verify(&stranger.sign(&claims, "at+jwt")).await,
        Err(BearerError::InvalidToken(TokenError::UnknownKey(Some(_))))
    ));
    let only_ec = verifier.clone().algorithms([logto::oidc::Algorithm::Es384]);
    assert!(only_ec.verify(&ec.sign(&claims, "at+jwt")).await.is_ok());
    assert!(matches!(
        only_ec.verify(&rsa.sign(&claims, "at+jwt")).await,
        Err(BearerError::InvalidToken(TokenError::DisallowedAlgorithm(_)))
    ));
}

/// The callback's `iss` and the sign-in session survive a redirect URI with a query (the
/// callback is matched by path), and a callback for another client's sign-in cannot complete
/// this one: PKCE binds the code to this session's verifier (RFC 7636 §4.5).
#[tokio::test]
async fn the_code_exchange_sends_this_sessions_verifier_and_redirect_uri() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    let challenge = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .unwrap()
        .1
        .into_owned();
    let callback = format!("{REDIRECT_URI}?code=c&state={}&iss={}", state_param(&url), idp.issuer());
    client.handle_sign_in_callback(&callback).await.unwrap();
    let request = idp.requests_to("/oidc/token").pop().unwrap();
    let form: Vec<(String, String)> =
        url::form_urlencoded::parse(request.body.as_bytes()).into_owned().collect();
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(get("grant_type"), "authorization_code");
    assert_eq!(get("code"), "c");
    assert_eq!(get("redirect_uri"), REDIRECT_URI);
    assert_eq!(logto::OidcCore::generate_code_challenge(&get("code_verifier")), challenge);
}

/// OpenID Connect Core §12.2 and RFC 6749 §6: an ID token that comes with a refresh is verified
/// like the first and must continue the same authentication; the rotated refresh token is kept
/// even when that ID token is refused (the old one is consumed at the server).
#[tokio::test]
async fn a_refreshed_id_token_must_continue_the_same_authentication() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    let signed_in = storage.get(logto::PersistKey::IdToken).await.unwrap();

    for (n, change) in
        [json!({"sub": "mallory"}), json!({"iss": "https://evil.example/oidc"})].into_iter().enumerate()
    {
        let rotated = format!("refresh-rotated-{n}");
        idp.set(|s| {
            s.token = MockResponse::json(
                200,
                idp.tokens_with(
                    &key,
                    |claims| claims.as_object_mut().unwrap().extend(change.as_object().unwrap().clone()),
                    |body| body["refresh_token"] = json!(rotated),
                ),
            )
        });
        let error = client.get_access_token(format!("https://api-{n}.example.com")).await.unwrap_err();
        assert!(matches!(error, LogtoError::InvalidIdToken(_)), "{change}: {error:?}");
        assert_eq!(storage.get(logto::PersistKey::IdToken).await.unwrap(), signed_in, "the ID token is kept");
        assert_eq!(
            storage.get(logto::PersistKey::RefreshToken).await.unwrap().as_deref(),
            Some(rotated.as_str())
        );
    }
}

/// Back-Channel Logout 1.0 §2.4 "a nonce Claim MUST NOT be present" (a `null` one is present) and
/// §2.8: 400 for a refused token; a token that could not be checked because the keys were
/// unreachable is not refused but answered 503, so the sender may try again.
#[tokio::test]
async fn a_logout_token_with_a_nonce_is_refused_and_unreachable_keys_are_temporary() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    let mut logout = claims(&idp);
    logout["events"] = json!({"http://schemas.openid.net/event/backchannel-logout": {}});
    logout["sid"] = json!("session-1");
    logout["jti"] = json!("jti-1");
    for nonce in [json!(null), json!("n-1")] {
        let mut with_nonce = logout.clone();
        with_nonce["nonce"] = nonce.clone();
        let refused =
            client.handle_backchannel_logout(&key.sign(&with_nonce, "logout+jwt")).await.unwrap_err();
        assert!(
            matches!(refused, LogtoError::InvalidLogoutToken(TokenError::Malformed(_))),
            "{nonce}: {refused:?}"
        );
        assert_eq!(refused.http_status(), 400);
    }

    let unknown_key = SigningKey::generate("ES384", "k2");
    idp.set(|s| s.jwks = "<html>down</html>".into());
    let unchecked =
        client.handle_backchannel_logout(&unknown_key.sign(&logout, "logout+jwt")).await.unwrap_err();
    assert!(
        matches!(unchecked, LogtoError::InvalidLogoutToken(TokenError::KeysUnavailable(_))),
        "{unchecked:?}"
    );
    assert_eq!(unchecked.http_status(), 503);
    // The same token, once the keys are back, is handled: the failed attempt recorded nothing.
    idp.set(|s| s.jwks = forge::jwks(&[&key, &unknown_key]));
    let handled = client.handle_backchannel_logout(&unknown_key.sign(&logout, "logout+jwt")).await;
    assert!(handled.is_ok(), "{handled:?}");
}

/// Back-Channel Logout 1.0 §2.4 lists `exp` as required, but every Logto before 1.42 signs its
/// logout tokens without one: claims `iss, aud, iat, jti, sid, sub, events`, header
/// `typ: logout+jwt`. Such a token is accepted while its `iat` is recent (ten minutes plus the
/// leeway) and refused once older or from the future; an `exp` that is there is still checked,
/// every other rule of §2.6 still holds, and ID tokens and access tokens still need an `exp`.
#[tokio::test]
async fn a_logout_token_without_exp_is_bounded_by_its_iat() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    let now = forge::now();
    // Logto 1.37's logout token, member for member.
    let logto_shaped = |iat: i64, jti: &str| {
        json!({
            "iss": idp.issuer(), "aud": CLIENT_ID, "iat": iat, "jti": jti, "sid": "session-1",
            "sub": "user-1", "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        })
    };
    let sign = |claims: &Value| {
        key.sign_with_header(&json!({"alg": "ES384", "typ": "logout+jwt", "kid": "k1"}), claims)
    };

    let ended = client.handle_backchannel_logout(&sign(&logto_shaped(now, "jti-1"))).await;
    let ended = ended.expect("a logout token of Logto before 1.42 is accepted");
    assert_eq!((ended.sid.as_deref(), ended.sub.as_deref()), (Some("session-1"), Some("user-1")));
    let core = client.oidc_core().await.unwrap();
    let nine_minutes_old = sign(&logto_shaped(now - 9 * 60, "jti-2"));
    assert!(core.verify_logout_token(&nine_minutes_old, CLIENT_ID).await.is_ok(), "still recent");
    let replay = client.handle_backchannel_logout(&sign(&logto_shaped(now, "jti-1"))).await.unwrap_err();
    assert!(matches!(replay, LogtoError::InvalidLogoutToken(TokenError::Replayed)), "{replay:?}");

    type Change = Box<dyn Fn(&mut Value)>;
    type Check = fn(&TokenError) -> bool;
    let cases: Vec<(&str, Change, Check)> = vec![
        // Ten minutes, plus the default leeway of one, plus a margin.
        ("an old iat", Box::new(move |c| c["iat"] = json!(now - 11 * 60 - 5)), |e| {
            matches!(e, TokenError::IssuedTooLongAgo)
        }),
        ("an iat in the future", Box::new(move |c| c["iat"] = json!(now + 65)), |e| {
            matches!(e, TokenError::IssuedInFuture)
        }),
        ("an exp that passed", Box::new(move |c| c["exp"] = json!(now - 65)), |e| {
            matches!(e, TokenError::Expired)
        }),
        ("no iat", Box::new(|c| drop(c.as_object_mut().unwrap().remove("iat"))), |e| {
            *e == TokenError::MissingClaim("iat")
        }),
        ("no events", Box::new(|c| drop(c.as_object_mut().unwrap().remove("events"))), |e| {
            *e == TokenError::MissingClaim("events")
        }),
        ("another event", Box::new(|c| c["events"] = json!({"urn:other": {}})), |e| {
            *e == TokenError::MissingClaim("events")
        }),
        (
            "neither sid nor sub",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("sid");
                c.as_object_mut().unwrap().remove("sub");
            }),
            |e| *e == TokenError::MissingClaim("sub"),
        ),
        ("a null nonce", Box::new(|c| c["nonce"] = json!(null)), |e| matches!(e, TokenError::Malformed(_))),
        ("another audience", Box::new(|c| c["aud"] = json!("another-app")), |e| {
            matches!(e, TokenError::WrongAudience { .. })
        }),
        ("another issuer", Box::new(|c| c["iss"] = json!("https://evil.example/oidc")), |e| {
            matches!(e, TokenError::WrongIssuer { .. })
        }),
    ];
    for (n, (case, change, expected)) in cases.into_iter().enumerate() {
        let mut claims = logto_shaped(now, &format!("refused-{n}"));
        change(&mut claims);
        let refused = client.handle_backchannel_logout(&sign(&claims)).await.unwrap_err();
        assert!(
            matches!(&refused, LogtoError::InvalidLogoutToken(reason) if expected(reason)),
            "{case}: {refused:?}"
        );
        assert_eq!(refused.http_status(), 400, "{case}");
    }
    let forged = SigningKey::generate("ES384", "k1");
    let forged = forged.sign_with_header(
        &json!({"alg": "ES384", "typ": "logout+jwt", "kid": "k1"}),
        &logto_shaped(now, "f"),
    );
    let refused = client.handle_backchannel_logout(&forged).await.unwrap_err();
    assert!(matches!(refused, LogtoError::InvalidLogoutToken(TokenError::BadSignature)), "{refused:?}");

    // Only logout tokens go without: an ID token or an access token without `exp` is refused.
    let mut id_token = claims(&idp);
    id_token.as_object_mut().unwrap().remove("exp");
    assert_eq!(idp.verify(&client, &key.sign(&id_token, "JWT")).await, Err(TokenError::MissingClaim("exp")));
    let access_token = json!({"iss": idp.issuer(), "sub": "u", "aud": "https://api", "iat": now});
    let verifier =
        AccessTokenVerifier::from_jwks(&idp.issuer(), &forge::jwks(&[&key]), "https://api").unwrap();
    assert!(matches!(
        verifier.verify(&key.sign(&access_token, "at+jwt")).await,
        Err(BearerError::InvalidToken(TokenError::MissingClaim("exp")))
    ));
}

/// A coordinator whose first `publish` fails (the store briefly unreachable).
#[derive(Debug, Default)]
struct FirstPublishFails {
    inner: logto::coordination::LocalCoordinator,
    failed: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl logto::coordination::Coordinator for FirstPublishFails {
    async fn try_lease(
        &self,
        key: &str,
        token: &logto::coordination::LeaseToken,
        ttl: Duration,
    ) -> Result<bool, logto::CoordinationError> {
        self.inner.try_lease(key, token, ttl).await
    }
    async fn release(
        &self,
        key: &str,
        token: &logto::coordination::LeaseToken,
    ) -> Result<(), logto::CoordinationError> {
        self.inner.release(key, token).await
    }
    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), logto::CoordinationError> {
        if !self.failed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(logto::CoordinationError::new("redis: connection refused"));
        }
        self.inner.publish(key, value, ttl).await
    }
    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, logto::CoordinationError> {
        self.inner.published(key).await
    }
}

/// Back-Channel Logout 1.0 §2.8: a logout the RP could not record is answered with an error the
/// sender may retry (503), and the retry of the same token is handled, not refused as a replay.
#[tokio::test]
async fn a_logout_that_could_not_be_recorded_can_be_retried() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let client =
        idp.builder().coordinator(std::sync::Arc::new(FirstPublishFails::default())).build().unwrap();
    let mut logout = claims(&idp);
    logout["events"] = json!({"http://schemas.openid.net/event/backchannel-logout": {}});
    logout["sid"] = json!("session-1");
    logout["jti"] = json!("jti-1");
    let token = key.sign(&logout, "logout+jwt");
    let failed = client.handle_backchannel_logout(&token).await.unwrap_err();
    assert!(matches!(failed, LogtoError::Coordination(_)), "{failed:?}");
    assert_eq!(failed.http_status(), 503);
    client.handle_backchannel_logout(&token).await.expect("the retry is recorded");
    let replay = client.handle_backchannel_logout(&token).await.unwrap_err();
    assert!(matches!(replay, LogtoError::InvalidLogoutToken(TokenError::Replayed)), "{replay:?}");
}

/// Back-Channel Logout 1.0 §2.7: a user's logouts arriving out of order. An older logout token
/// delivered after a newer one must not move the user's marker back: a session signed in
/// between the two stays ended.
#[tokio::test]
async fn an_older_logout_arriving_late_does_not_revive_a_session() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    let storage = std::sync::Arc::new(logto::MemoryStorage::new());
    let client = idp.builder().backchannel_logout(true).build().unwrap().with_storage(storage.clone());
    idp.sign_in(&client).await.unwrap();
    assert!(client.signed_in_claims().await.unwrap().is_some(), "signed in");

    let logout = |iat_offset: i64, jti: &str| {
        let mut logout = claims(&idp);
        let iat = logout["iat"].as_i64().unwrap() + iat_offset;
        logout["iat"] = json!(iat);
        logout["events"] = json!({"http://schemas.openid.net/event/backchannel-logout": {}});
        logout["jti"] = json!(jti);
        key.sign(&logout, "logout+jwt")
    };
    client.handle_backchannel_logout(&logout(20, "newer")).await.expect("the newer logout");
    client.handle_backchannel_logout(&logout(-120, "older")).await.expect("the older logout");
    assert!(client.signed_in_claims().await.unwrap().is_none(), "the session stays ended");
}
