//! `/api/data`: the sample's protected API. `BearerAuthLayer` in front of it has verified the
//! bearer token (signature, issuer, audience, expiry, the required scope) before this runs.

use axum::Json;
use logto_axum::BearerClaims;
use serde_json::{Value, json};

pub(crate) async fn data(BearerClaims(claims): BearerClaims) -> Json<Value> {
    Json(json!({
        "message": "Hello from the sample API",
        "sub": claims.sub,
        "client_id": claims.client_id,
        "scope": claims.scope,
        "data": ["alpha", "beta"],
    }))
}
