//! Every operation of the document has a typed method: each generated method is called once
//! against a local server that answers its operation with a minimal response the document's
//! schema admits (from `operations.json`); each call must reach its operation's method and path
//! and decode the answer.

mod calls;
#[path = "../common/mod.rs"]
mod common;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::Value;
use std::collections::BTreeMap;

struct Operation {
    id: String,
    method: String,
    segments: Vec<String>,
    status: u16,
    response: Value,
}

fn manifest() -> (Value, Vec<Operation>) {
    let manifest: Value = serde_json::from_str(include_str!("../../operations.json")).unwrap();
    let operations = manifest["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| Operation {
            id: op["id"].as_str().unwrap().to_owned(),
            method: op["method"].as_str().unwrap().to_owned(),
            segments: op["path"].as_str().unwrap().trim_matches('/').split('/').map(str::to_owned).collect(),
            status: op["status"].as_u64().unwrap() as u16,
            response: op["response"].clone(),
        })
        .collect();
    (manifest, operations)
}

/// The operation a request is for: path parameters arrive as `<name>-value`.
fn operation_of<'a>(operations: &'a [Operation], method: &str, path: &str) -> Option<&'a Operation> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    operations.iter().find(|op| {
        op.method == method
            && op.segments.len() == segments.len()
            && op.segments.iter().zip(&segments).all(|(template, seen)| {
                match template.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(name) => *seen == format!("{name}-value"),
                    None => template == seen,
                }
            })
    })
}

#[tokio::test]
async fn every_operation_of_the_document_has_a_typed_method_that_reaches_it() {
    let (manifest, operations) = manifest();
    assert_eq!(operations.len(), 318, "Logto 1.37.1's document has 318 operations");
    assert_eq!(manifest["paths"], 211);
    let listed: Vec<(&str, &str)> =
        logto_management::generated::OPERATIONS.iter().map(|op| (op.id, op.method)).collect();
    let documented: Vec<(&str, &str)> =
        operations.iter().map(|op| (op.id.as_str(), op.method.as_str())).collect();
    assert_eq!(listed, documented, "`OPERATIONS` lists the document's operations");
    let answers: BTreeMap<(String, Vec<String>), (u16, Value)> = operations
        .iter()
        .map(|op| ((op.method.clone(), op.segments.clone()), (op.status, op.response.clone())))
        .collect();
    let table = std::sync::Arc::new(operations);
    let server = common::Server::start({
        let table = table.clone();
        move |seen| {
            let Some(op) = operation_of(&table, seen.method.as_str(), &seen.path) else {
                return (StatusCode::NOT_FOUND, "no such operation").into_response();
            };
            let (status, body) = &answers[&(op.method.clone(), op.segments.clone())];
            if *status == 204 {
                return StatusCode::NO_CONTENT.into_response();
            }
            let mut answer = common::json(*status, body.clone());
            answer.headers_mut().insert("total-number", "1".parse().unwrap());
            answer
        }
    });
    let client = server.client(logto_management::RetryPolicy::none());

    let failures = calls::call_every_operation(&client).await;
    assert!(failures.is_empty(), "{} calls failed: {failures:#?}", failures.len());

    let seen = server.seen();
    let mut reached: Vec<&str> = seen
        .iter()
        .map(|s| operation_of(&table, s.method.as_str(), &s.path).map(|op| op.id.as_str()).unwrap_or("?"))
        .collect();
    reached.sort_unstable();
    let mut expected: Vec<&str> = table.iter().map(|op| op.id.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(reached, expected, "each operation reached once, by its own method and path");
    // JSON bodies are sent as JSON.
    assert!(seen.iter().filter(|s| !s.body.is_empty()).all(|s| {
        let kind = s.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        kind == "application/json" || kind == "application/octet-stream"
    }));
}
