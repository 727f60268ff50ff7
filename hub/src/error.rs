//! [`ApiError`]: every failure of a request, and the one place where failures become Kubernetes
//! `Status` responses with kube-apiserver's codes, reasons, messages and details.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use storage::StorageError;

/// One `details.causes` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// e.g. `FieldValueRequired`, `FieldValueInvalid`, `NamespaceTerminating`.
    pub reason: String,
    /// Human text.
    pub message: String,
    /// e.g. `metadata.name`.
    pub field: String,
}

/// What `details` identifies: the resource (plural), its group and the object's name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// Group; empty for core.
    pub group: String,
    /// The plural resource (or the kind, for `Invalid`).
    pub kind: String,
    /// The object's name.
    pub name: String,
}

impl Target {
    /// A target naming `resource` in `group`.
    pub fn new(group: &str, kind: &str, name: &str) -> Self {
        Target {
            group: group.to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
        }
    }

    /// `resource` or `resource.group`.
    fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

/// A failed API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404 for an object.
    #[error("{} \"{}\" not found", .0.group_resource(), .0.name)]
    NotFound(Target),
    /// 404 for a path the server does not serve.
    #[error("the server could not find the requested resource")]
    NoRoute,
    /// 409 on create.
    #[error("{} \"{}\" already exists", .0.group_resource(), .0.name)]
    AlreadyExists(Target),
    /// 409 on a failed precondition or a stale resourceVersion.
    #[error("Operation cannot be fulfilled on {} \"{}\": {why}", .target.group_resource(), .target.name)]
    Conflict {
        /// The object.
        target: Target,
        /// Why.
        why: String,
    },
    /// 422 with one cause per invalid field.
    #[error("{}", invalid_message(.kind, .group, .name, .causes))]
    Invalid {
        /// The kind.
        kind: String,
        /// The group.
        group: String,
        /// The object's name.
        name: String,
        /// What is wrong.
        causes: Vec<Cause>,
    },
    /// 400.
    #[error("{0}")]
    BadRequest(String),
    /// 409 from server-side apply: fields other managers own.
    #[error("{message}")]
    ApplyConflict {
        /// `Apply failed with N conflict(s): ...`.
        message: String,
        /// One `FieldManagerConflict` cause per field.
        causes: Vec<Cause>,
    },
    /// 422 without field causes (a patch that cannot be applied).
    #[error("{0}")]
    Unprocessable(String),
    /// 403.
    #[error("{message}")]
    Forbidden {
        /// The object, if any.
        target: Option<Target>,
        /// The full message.
        message: String,
        /// Causes, e.g. `NamespaceTerminating`.
        causes: Vec<Cause>,
    },
    /// 401.
    #[error("Unauthorized")]
    Unauthorized,
    /// 405.
    #[error("{verb} is not supported on resources of kind \"{}\"", .target.group_resource())]
    MethodNotAllowed {
        /// e.g. `POST`.
        verb: String,
        /// The resource.
        target: Target,
    },
    /// 410 (an expired continue token or too old a resource version).
    #[error("{0}")]
    Expired(String),
    /// 413.
    #[error("Request entity too large: limit is {0}")]
    TooLarge(usize),
    /// 415.
    #[error("the body of the request was in an unknown format - accepted media types include: {0}")]
    UnsupportedMediaType(String),
    /// 406.
    #[error("only the following media types are accepted: {0}")]
    NotAcceptable(String),
    /// 504 for a resource version the server has not reached.
    #[error("Timeout: Too large resource version: {requested}, current: {current}")]
    TooLargeResourceVersion {
        /// Asked for.
        requested: i64,
        /// Reached.
        current: i64,
    },
    /// 503: the store is unavailable.
    #[error("{0}")]
    Unavailable(String),
    /// 500.
    #[error("Internal error occurred: {0}")]
    Internal(String),
}

fn invalid_message(kind: &str, group: &str, name: &str, causes: &[Cause]) -> String {
    let qualified = if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}.{group}")
    };
    let parts: Vec<String> = causes
        .iter()
        .map(|cause| format!("{}: {}", cause.field, cause.message))
        .collect();
    let joined = if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("[{}]", parts.join(", "))
    };
    format!("{qualified} \"{name}\" is invalid: {joined}")
}

impl ApiError {
    /// 404 for `name` of `resource` in `group`.
    pub fn not_found(group: &str, resource: &str, name: &str) -> Self {
        ApiError::NotFound(Target::new(group, resource, name))
    }

    /// 409 for a stale `resourceVersion`.
    pub fn modified(group: &str, resource: &str, name: &str) -> Self {
        ApiError::Conflict {
            target: Target::new(group, resource, name),
            why: "the object has been modified; please apply your changes to the latest version and try again".into(),
        }
    }

    /// 422 with one cause.
    pub fn invalid(
        kind: &str,
        group: &str,
        name: &str,
        field: &str,
        reason: &str,
        message: impl Into<String>,
    ) -> Self {
        ApiError::Invalid {
            kind: kind.to_owned(),
            group: group.to_owned(),
            name: name.to_owned(),
            causes: vec![Cause {
                reason: reason.to_owned(),
                message: message.into(),
                field: field.to_owned(),
            }],
        }
    }

    /// The HTTP status code.
    pub fn code(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) | ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::AlreadyExists(_)
            | ApiError::Conflict { .. }
            | ApiError::ApplyConflict { .. } => StatusCode::CONFLICT,
            ApiError::Invalid { .. } | ApiError::Unprocessable(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Expired(_) => StatusCode::GONE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::TooLargeResourceVersion { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Status `reason`.
    pub fn reason(&self) -> &'static str {
        match self {
            ApiError::NotFound(_) | ApiError::NoRoute => "NotFound",
            ApiError::AlreadyExists(_) => "AlreadyExists",
            ApiError::Conflict { .. } | ApiError::ApplyConflict { .. } => "Conflict",
            ApiError::Invalid { .. } | ApiError::Unprocessable(_) => "Invalid",
            ApiError::BadRequest(_) => "BadRequest",
            ApiError::Forbidden { .. } => "Forbidden",
            ApiError::Unauthorized => "Unauthorized",
            ApiError::MethodNotAllowed { .. } => "MethodNotAllowed",
            ApiError::Expired(_) => "Expired",
            ApiError::TooLarge(_) => "RequestEntityTooLarge",
            ApiError::UnsupportedMediaType(_) => "UnsupportedMediaType",
            ApiError::NotAcceptable(_) => "NotAcceptable",
            ApiError::TooLargeResourceVersion { .. } => "Timeout",
            ApiError::Unavailable(_) => "ServiceUnavailable",
            ApiError::Internal(_) => "InternalError",
        }
    }

    /// The Status object kube-apiserver would answer with.
    pub fn status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "code": self.code().as_u16(),
        });
        let details = match self {
            ApiError::NotFound(target) | ApiError::AlreadyExists(target) => {
                Some(details(target, &[]))
            }
            ApiError::Conflict { target, .. } | ApiError::MethodNotAllowed { target, .. } => {
                Some(details(target, &[]))
            }
            ApiError::Invalid {
                kind,
                group,
                name,
                causes,
            } => Some(details(&Target::new(group, kind, name), causes)),
            ApiError::ApplyConflict { causes, .. } => Some(details(&Target::default(), causes)),
            ApiError::Forbidden { target, causes, .. } => Some(details(
                target.as_ref().unwrap_or(&Target::default()),
                causes,
            )),
            ApiError::TooLargeResourceVersion { .. } => Some(json!({
                "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                "retryAfterSeconds": 1
            })),
            _ => None,
        };
        if let (Some(details), Some(object)) = (details, status.as_object_mut())
            && details
                .as_object()
                .is_some_and(|details| !details.is_empty())
        {
            object.insert("details".into(), details);
        }
        if matches!(self, ApiError::NoRoute)
            && let Some(object) = status.as_object_mut()
        {
            object.insert("details".into(), json!({}));
        }
        status
    }
}

fn details(target: &Target, causes: &[Cause]) -> Value {
    let mut details = serde_json::Map::new();
    if !target.name.is_empty() {
        details.insert("name".into(), Value::String(target.name.clone()));
    }
    if !target.group.is_empty() {
        details.insert("group".into(), Value::String(target.group.clone()));
    }
    if !target.kind.is_empty() {
        details.insert("kind".into(), Value::String(target.kind.clone()));
    }
    if !causes.is_empty() {
        let causes: Vec<Value> = causes
            .iter()
            .map(|cause| json!({"reason": cause.reason, "message": cause.message, "field": cause.field}))
            .collect();
        details.insert("causes".into(), Value::Array(causes));
    }
    Value::Object(details)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let body = serde_json::to_vec(&self.status()).unwrap_or_default();
        let mut response = (code, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if code == StatusCode::GATEWAY_TIMEOUT {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response.extensions_mut().insert(ErrorReason(self.reason()));
        response
    }
}

/// Marks a response as an error, for request logging.
#[derive(Clone, Copy, Debug)]
pub struct ErrorReason(pub &'static str);

impl From<StorageError> for ApiError {
    /// Storage errors that reach a handler unhandled: the handlers map the expected ones
    /// (NotFound, AlreadyExists, Conflict) with their object in hand.
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Compacted {
                requested,
                compacted,
            } => ApiError::Expired(format!(
                "too old resource version: {requested} ({compacted})"
            )),
            StorageError::FutureRevision { requested, current } => {
                ApiError::TooLargeResourceVersion { requested, current }
            }
            StorageError::InvalidKey { reason, .. } => {
                ApiError::BadRequest(format!("invalid object name: {reason}"))
            }
            StorageError::InvalidValue { reason } => {
                ApiError::TooLarge(if reason.contains("limit") {
                    storage::MAX_VALUE_LEN
                } else {
                    0
                })
            }
            StorageError::Unavailable { message, .. } => ApiError::Unavailable(message),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::codec::CodecError> for ApiError {
    fn from(error: crate::codec::CodecError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_kube_apiserver() {
        let status = ApiError::not_found("", "configmaps", "nope").status();
        assert_eq!(
            status,
            json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                   "message":"configmaps \"nope\" not found","reason":"NotFound",
                   "details":{"name":"nope","kind":"configmaps"},"code":404})
        );
        let conflict = ApiError::modified("apps", "deployments", "web");
        assert_eq!(
            conflict.to_string(),
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"
        );
        let invalid = ApiError::invalid(
            "ConfigMap",
            "",
            "",
            "metadata.name",
            "FieldValueRequired",
            "Required value: name or generateName is required",
        );
        assert_eq!(
            invalid.to_string(),
            "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
        );
        assert_eq!(
            invalid.status()["details"]["causes"][0]["field"],
            "metadata.name"
        );
        assert_eq!(
            ApiError::from(StorageError::Compacted {
                requested: 5,
                compacted: 120
            })
            .to_string(),
            "too old resource version: 5 (120)"
        );
    }
}
