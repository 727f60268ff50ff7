//! Requests that are answered, not stored: TokenRequest (`serviceaccounts/<name>/token`),
//! TokenReview, SelfSubjectReview, and the authorization reviews.

use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::api::{Ctx, json};
use crate::error::ApiError;
use crate::meta;
use crate::negotiate;

/// The shortest token lifetime kube-apiserver allows.
const MIN_EXPIRATION: i64 = 600;
/// The default token lifetime.
const DEFAULT_EXPIRATION: i64 = 3600;
/// The longest token lifetime the hub issues (kube's default `--service-account-max-token-expiration` is unbounded; 48 h keeps stolen tokens short-lived).
const MAX_EXPIRATION: i64 = 48 * 3600;

/// `POST …/serviceaccounts/<name>/token`.
pub async fn token_request(ctx: Ctx, body: Bytes) -> Result<Response, ApiError> {
    let name = ctx.name().to_owned();
    let account = ctx
        .state
        .objects
        .get(ctx.object_ref(&name))
        .await?
        .object()?;
    let body_type = negotiate::body_type(&ctx.headers)?;
    let (request, _) = super::write::decode_as(
        &ctx,
        &body,
        body_type,
        "TokenRequest",
        "authentication.k8s.io/v1",
    )?;
    let spec = request.get("spec").cloned().unwrap_or_else(|| json!({}));
    let seconds = spec
        .get("expirationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_EXPIRATION);
    if seconds < MIN_EXPIRATION {
        return Err(ApiError::invalid(
            "TokenRequest",
            "authentication.k8s.io",
            &name,
            "spec.expirationSeconds",
            "FieldValueInvalid",
            format!("Invalid value: {seconds}: may not specify a duration less than 10 minutes"),
        ));
    }
    let seconds = seconds.min(MAX_EXPIRATION);
    let audiences: Vec<String> = spec
        .get("audiences")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let namespace = ctx.namespace().unwrap_or("default").to_owned();
    let uid = meta::field(&account, "uid").unwrap_or("");
    let (token, expires) =
        ctx.state
            .authn
            .issue(&ctx.cluster, &namespace, &name, uid, &audiences, seconds)?;
    let expiration = jiff::Timestamp::from_second(expires)
        .map(|at| at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    let audiences = if audiences.is_empty() {
        vec![
            crate::authn::DEFAULT_AUDIENCE.to_owned(),
            crate::authn::ISSUER.to_owned(),
        ]
    } else {
        audiences
    };
    let mut spec = spec;
    if let Some(spec) = spec.as_object_mut() {
        spec.insert("audiences".into(), json!(audiences));
        spec.insert("expirationSeconds".into(), json!(seconds));
    }
    let answer = json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": null},
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": expiration},
    });
    Ok(json(StatusCode::CREATED, answer.to_string()))
}

/// `POST` of a review resource.
pub async fn create(ctx: Ctx, body: Bytes) -> Result<Response, ApiError> {
    let body_type = negotiate::body_type(&ctx.headers)?;
    let kind = ctx.def.kind.clone();
    let (review, _) =
        super::write::decode_as(&ctx, &body, body_type, &kind, &ctx.def.api_version())?;
    let status = match (ctx.def.group.as_str(), kind.as_str()) {
        ("authentication.k8s.io", "SelfSubjectReview") => self_subject_review(&ctx),
        ("authentication.k8s.io", "TokenReview") => token_review(&ctx, &review).await?,
        ("authorization.k8s.io", _) => crate::authz::review(&ctx, &kind, &review).await?,
        _ => return Err(ApiError::NoRoute),
    };
    let mut answer = review;
    answer.insert("status".into(), status);
    let metadata = meta::metadata_mut(&mut answer);
    metadata.insert("creationTimestamp".into(), Value::Null);
    Ok(json(
        StatusCode::CREATED,
        serde_json::to_vec(&answer).unwrap_or_default(),
    ))
}

fn self_subject_review(ctx: &Ctx) -> Value {
    let mut user = Map::new();
    user.insert("username".into(), json!(ctx.identity.user));
    if !ctx.identity.uid.is_empty() {
        user.insert("uid".into(), json!(ctx.identity.uid));
    }
    user.insert("groups".into(), json!(ctx.identity.groups));
    json!({"userInfo": user})
}

async fn token_review(ctx: &Ctx, review: &Map<String, Value>) -> Result<Value, ApiError> {
    let spec = review.get("spec");
    let token = spec
        .and_then(|spec| spec.get("token"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let audiences: Option<Vec<String>> = spec
        .and_then(|spec| spec.get("audiences"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .filter(|items: &Vec<String>| !items.is_empty());
    if token.is_empty() {
        return Err(ApiError::invalid(
            "TokenReview",
            "authentication.k8s.io",
            "",
            "spec.token",
            "FieldValueRequired",
            "Required value",
        ));
    }
    Ok(
        match ctx
            .state
            .authn
            .token(&ctx.cluster, token, audiences.as_deref())
            .await?
        {
            Some((identity, accepted)) => {
                let mut user = Map::new();
                user.insert("username".into(), json!(identity.user));
                if !identity.uid.is_empty() {
                    user.insert("uid".into(), json!(identity.uid));
                }
                user.insert("groups".into(), json!(identity.groups));
                json!({"authenticated": true, "user": user, "audiences": accepted})
            }
            None => json!({"user": {}, "error": "[invalid bearer token, token lookup failed]"}),
        },
    )
}
