//! `/openapi/v3`: the index and the group-version documents of [`hub_api::openapi`], shared by
//! every logical cluster, with the cache headers kubectl's HTTP cache relies on.

use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::api::json;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /openapi/v3`.
pub fn index(state: &AppState, _cluster: &str) -> Result<Response, ApiError> {
    let mut response = json(StatusCode::OK, state.openapi.index().to_vec());
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    Ok(response)
}

/// `GET /openapi/v3/<api/v1 | apis/<group>/<version>>`.
pub fn document(state: &AppState, _cluster: &str, path: &str) -> Result<Response, ApiError> {
    let (bytes, hash) = state.openapi.document(path).ok_or(ApiError::NoRoute)?;
    let mut response = json(StatusCode::OK, bytes.to_vec());
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, immutable"),
    );
    Ok(response)
}
