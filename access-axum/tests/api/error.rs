//! error: `ApiError`'s bodies and headers, and `JsonBody`'s rejections (moved from the doc
//! examples of `ApiError`, `JsonBody`, the removed `ErrorBody` / `error_response`, and the unit
//! test `denial_is_403_with_reasons` of lib.rs).

use access_axum::{ApiError, JsonBody};
use access_core::{
    AuthorizationError, AuthorizationFailure, Reason, ReasonKind, ReasonMeta, StoreError,
    StoreErrorKind,
};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

use crate::harness::*;

async fn body_of(e: ApiError) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let res = e.into_response();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, serde_json::from_slice(&bytes).unwrap())
}

fn denied(entitlement: &str) -> AuthorizationError {
    AuthorizationError {
        entitlement: entitlement.into(),
        user_id: "u1".into(),
        reason: AuthorizationFailure::Denied(vec![Reason {
            kind: ReasonKind::PlanRequired,
            message: "upgrade".into(),
            meta: ReasonMeta::None,
        }]),
    }
}

#[tokio::test]
async fn an_error_is_its_code_and_message_with_no_store() {
    let e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "try again later",
    );
    let (status, headers, body) = body_of(e).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["cache-control"], "no-store");
    // Without reasons the field is left out.
    assert_eq!(
        body,
        json!({ "error": "rate_limited", "message": "try again later" })
    );
}

#[tokio::test]
async fn a_denial_is_403_with_its_entitlement_and_reasons() {
    let e = ApiError::from(denied("project:delete"));
    assert_eq!(e.reasons().len(), 1);
    let (status, _, body) = body_of(e).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    assert_eq!(body["message"], "`project:delete` is not allowed");
    assert_eq!(body["entitlement"], "project:delete");
    assert_eq!(body["reasons"].as_array().unwrap().len(), 1);
    assert_eq!(body["reasons"][0]["kind"], "plan_required");
}

#[tokio::test]
async fn a_store_failure_is_500_without_its_details() {
    let e = ApiError::from(AuthorizationError {
        entitlement: "project:delete".into(),
        user_id: "u1".into(),
        reason: AuthorizationFailure::Store(StoreError::new(
            StoreErrorKind::Backend,
            "db password wrong",
        )),
    });
    let (status, _, body) = body_of(e).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"], "internal");
    assert!(!body.to_string().contains("password"), "{body}");
    assert!(body.get("reasons").is_none());
}

#[tokio::test]
async fn internal_errors_keep_their_text_for_the_log() {
    let (status, _, body) = body_of(ApiError::internal("connection to 10.0.0.5 refused")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains("10.0.0.5"), "{body}");
}

#[tokio::test]
async fn rate_limited_says_when_to_retry() {
    let (status, headers, body) = body_of(ApiError::rate_limited(42)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "42");
    assert_eq!(body["error"], "rate_limited");
}

#[tokio::test]
async fn forbidden_fields_name_the_fields() {
    let denied = vec![access_core::FieldDenial {
        field: "cost".into(),
        reason: Reason {
            kind: ReasonKind::RoleRequired,
            message: "needs the role `admin`".into(),
            meta: ReasonMeta::None,
        },
    }];
    let (status, _, body) = body_of(ApiError::forbidden_fields(denied)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden_field");
    assert_eq!(body["message"], "you may not set `cost`");
    assert_eq!(body["fields"], json!(["cost"]));
    assert_eq!(body["reasons"][0]["field"], "cost");
}

#[derive(serde::Deserialize)]
struct Rename {
    name: String,
}

async fn rename(JsonBody(body): JsonBody<Rename>) -> String {
    format!("renamed to {}", body.name)
}

#[tokio::test]
async fn json_body_rejections_are_json_errors() {
    let app: axum::Router = axum::Router::new().route("/rename", axum::routing::post(rename));
    let (status, body) = send(
        &app,
        "POST",
        "/rename",
        None,
        Some(json!({ "name": "Ada" })),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (200, Some("renamed to Ada"))
    );
    // The wrong shape: 422, as JSON.
    let (status, body) = send(
        &app,
        "POST",
        "/rename",
        None,
        Some(json!({ "title": "Ada" })),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (422, Some("invalid_body"))
    );
    // Not JSON: 400.
    let req = axum::http::Request::post("/rename")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{"))
        .unwrap();
    let (status, body) = call(&app, req).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("malformed_json"))
    );
    // No `Content-Type: application/json`: 415.
    let plain = axum::http::Request::post("/rename")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    let (status, body) = call(&app, plain).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (415, Some("unsupported_media_type"))
    );
}

#[tokio::test]
async fn a_rule_that_could_not_be_checked_is_503_not_403() {
    let reason = |kind| Reason {
        kind,
        message: "`doc:edit` could not be checked".into(),
        meta: ReasonMeta::None,
    };
    let denial = access_core::Denial {
        action: "update",
        schema: "doc",
        reasons: vec![
            reason(ReasonKind::RoleRequired),
            reason(ReasonKind::CheckFailed),
        ],
    };
    let (status, headers, body) = body_of(ApiError::denied(&denial, true)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "unavailable");
    assert_eq!(headers["retry-after"], "1");
    let fields = vec![access_core::FieldDenial {
        field: "title".into(),
        reason: reason(ReasonKind::CheckFailed),
    }];
    let (status, _, _) = body_of(ApiError::forbidden_fields(fields)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // Without it, the same denial is a 403.
    let denial = access_core::Denial {
        reasons: vec![reason(ReasonKind::RoleRequired)],
        ..denial
    };
    let (status, _, _) = body_of(ApiError::denied(&denial, true)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
