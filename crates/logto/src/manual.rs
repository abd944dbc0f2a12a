//! # The manual: why the SDK does what it does
//!
//! This module has no code. It keeps the design decisions next to the code they shape, so a
//! reader can check one against the other.
//!
//! ## One core, thin faces
//!
//! Every protocol decision (URL building, parameter rules, callback checks, token requests,
//! verification, expiry math, cache keys, refresh coordination) lives in this crate. The axum
//! integration and the Python package translate requests and sessions into core calls and core
//! errors into responses or exceptions; they decide nothing. A fix here fixes every face.
//!
//! ## The callback: path, not origin
//!
//! [`LogtoClient::handle_callback`](crate::LogtoClient::handle_callback) checks where the
//! callback arrived by its **path** against the sign-in's redirect URI, then `state` (constant
//! time), then the `iss` parameter (RFC 9207, exact comparison, also on error responses), then
//! the server's `error`, then the `code`. The origin is not compared by default: behind a
//! reverse proxy, a TLS-terminating load balancer or a framework's test client the app sees
//! another origin (`http://app:8000`, `http://localhost`) than the public one it registered,
//! and it cannot know the public one. What binds the callback to the browser that started the
//! sign-in is `state` (stored in that browser's session), PKCE (the code is useless without the
//! verifier in that session) and `iss` (the code came from our issuer); the origin adds nothing
//! an attacker could not also meet. Apps that always see their public origin can turn on
//! [`strict_callback_origin`](crate::LogtoClientBuilder::strict_callback_origin).
//!
//! Once `state` matched, the sign-in session is consumed **before** the code is sent: a code may
//! be used once (RFC 6749 §4.1.2), and after a 500 or a timeout the server may well have redeemed
//! it. Any failure after that point needs a new sign-in; the tokens of an earlier sign-in stay.
//! A callback refused before `state` matched (another path, a forged `state`) leaves the sign-in
//! session for the genuine callback.
//!
//! ## Parameters the SDK owns
//!
//! Extra sign-in parameters cannot override the protocol's (`client_id`, `redirect_uri`,
//! `response_type`, `scope`, `resource`, `state`, PKCE), nor ask for what the SDK would then
//! have to check and does not (`nonce`, `max_age`, `acr_values`, `claims`), nor move or replace
//! the request (`response_mode`, `request`, `request_uri`).
//!
//! ## Issuers are compared exactly
//!
//! The issuer of a Logto tenant is `{endpoint}/oidc` ([`Issuer::from_endpoint`](crate::Issuer)
//! also accepts the endpoint given as the issuer, as the Logto console shows it). The discovery
//! document's `issuer`, the callback's `iss` and every token's `iss` must equal it as strings
//! (Discovery §4.3, RFC 9207 §2.4): no trailing-slash or case folding.
//!
//! ## Tokens are verified, and kept as types
//!
//! ID tokens are verified at the callback and at every refresh that returns one: signature with
//! a key of the JWKS, with an algorithm the discovery document allows
//! (`id_token_signing_alg_values_supported`); every key has exactly one algorithm (its `alg`, its
//! curve's, or RS256 for an RSA key without `alg`) and its `kty`/`crv`/`use`/`key_ops` must allow
//! verifying; keys sharing a `kid` are each tried. Then `typ` (absent or `JWT`: an access token
//! or a logout token is not an ID token), `iss` (exact), `aud` (the client and no other
//! audience), `azp` (if present, the client), `exp`, `iat` (not in the future, and at the code
//! exchange not older than ten minutes), `nbf`, `sub`, with a clock leeway of 60 s by default and
//! 300 s at most. The token response must say `token_type: Bearer`. Tokens, the app secret, the
//! PKCE verifier and `state` are newtypes that print `<redacted>`. `SECURITY.md` maps every
//! clause of the specifications to the test that proves it.
//!
//! ## What is cached, and for how long
//!
//! - The discovery document: once per [`LogtoClient`](crate::LogtoClient) (shared by every
//!   [`with_storage`](crate::LogtoClient::with_storage) clone), for the life of the process.
//! - The JWKS: 10 minutes. A token with an unknown `kid` triggers one refetch, at most once per
//!   10 s (configurable); stale keys keep serving while the server is unreachable.
//! - Access tokens: in the session's storage (the official SDKs' `accessTokenMap`), keyed by
//!   [`TokenTarget::cache_key`](crate::TokenTarget::cache_key), until `min(60 s, lifetime / 2)`
//!   before they expire, and never longer than a year whatever `expires_in` says.
//! - Refresh outcomes, in the [`Coordinator`](crate::coordination::Coordinator): a rotation
//!   for 20 s, a failed refresh for 3 s (shared with the requests waiting on it), a refused
//!   refresh token for 5 minutes (so it is not sent again); leases live at most 15 s. All in
//!   [`RefreshPolicy`](crate::coordination::RefreshPolicy).
//! - Verified bearer tokens of an API ([`verifier::AccessTokenVerifier`](crate::verifier)): up
//!   to 10 000, each until its `exp`.
//!
//! ## Refresh tokens rotate: one refresh in flight
//!
//! Logto rotates refresh tokens (on every use for public clients, after 70 % of the lifetime for
//! confidential ones) and revokes the whole grant when a consumed token is presented again
//! (after a 3-second grace). So refreshes that start from the same refresh token take turns,
//! the rotated token is stored before anything else, and a request that starts from a token
//! that was just rotated continues from the newest one instead of replaying the old one. The
//! request and the record of its rotation run in their own task, so a caller that is cancelled
//! cannot lose a rotation the server already made.
//!
//! Turns are taken through a [`Coordinator`](crate::coordination::Coordinator): a lease named
//! after the refresh token, held by the one request that calls the token endpoint, which then
//! publishes the outcome (encrypted with a key derived from the old refresh token, and bound to
//! its key, the app and the time it was sealed, so a store's writer can neither move it nor write
//! it back after its window) for the others to take. [`LocalCoordinator`](crate::coordination::LocalCoordinator), the default,
//! covers one process; app instances that share sessions need a shared store (`logto-redis`).
//!
//! ## Why a rotation window
//!
//! Sessions are copied: a browser sends several requests at once, instances read the same
//! session from Redis, a cookie-backed session comes back from a tab opened earlier. A copy
//! taken before a rotation still holds the consumed refresh token, and presenting it after
//! Logto's 3-second grace would revoke the user's whole grant. So a rotation stays published for
//! [`RefreshPolicy::rotation_window`](crate::coordination::RefreshPolicy) (20 s by default) and
//! such a request continues from the new token. The window is short on purpose: a copy older
//! than that is a replay, and Logto's reuse detection is right to end the grant.
//!
//! ## One web session engine
//!
//! Every web face (axum, and Flask, Django and FastAPI through the Python bridge) keeps the
//! browser session in [`session`](crate::session), so a request gets the same answer whichever
//! framework serves it. The record is one type; a save is a compare-and-set on its version, and a
//! request that lost the race replays its own changes on the newer record (its token changes only
//! when the stored tokens are still those it loaded), so no save overwrites another blindly and
//! no clock decides. A rotated refresh token is saved the moment it arrives. The id is renewed at
//! the callback's first token write; sign-ins in progress are kept per `state`, so tabs do not
//! step on each other.
//!
//! ## A dead grant ends the session
//!
//! When the identity server refuses the refresh token (`invalid_grant`: revoked, expired, or
//! reused), the session's tokens are cleared and the caller gets
//! [`LogtoError::SignInRequired`](crate::LogtoError::SignInRequired): the user is asked to sign
//! in again, and the dead token is never sent twice.
//!
//! ## Transport
//!
//! Every request has a timeout (10 s by default) and a 1 MiB body limit, also with a caller's
//! own `reqwest::Client`; redirects are never followed (a token request replayed elsewhere
//! would carry the app's credentials). A caller's client may follow them, so the token request's
//! body cannot be replayed: such a client stops at a 307/308, and a 301/302/303 becomes a GET
//! without the code, verifier or refresh token; the SDK refuses the redirected answer either
//! way. Plain `http://` is refused except to loopback hosts unless
//! [`HttpOptions::allow_insecure_http`](crate::HttpOptions) is set, and every endpoint the
//! discovery document names is held to the same rule.
