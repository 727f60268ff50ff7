//! `/openapi/v3`: the index and the group-version documents of [`hub_api::openapi`], shared by
//! every logical cluster, with the cache headers kubectl's HTTP cache relies on.

use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::api::json;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /openapi/v3`.
pub fn index(state: &AppState, cluster: &str) -> Result<Response, ApiError> {
    let custom = state.catalog.custom_openapi(cluster);
    let body = if custom.is_empty() {
        state.openapi.index().to_vec()
    } else {
        let entries: Vec<(&str, &str)> = state
            .openapi
            .hashes()
            .chain(
                custom
                    .iter()
                    .map(|(path, document)| (path.as_str(), document.hash())),
            )
            .collect();
        hub_api::openapi::render_index(entries)
    };
    let mut response = json(StatusCode::OK, body);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    Ok(response)
}

/// `GET /openapi/v3/<api/v1 | apis/<group>/<version>>`.
pub fn document(state: &AppState, cluster: &str, path: &str) -> Result<Response, ApiError> {
    let custom = state.catalog.custom_openapi(cluster);
    let found = custom
        .iter()
        .find(|(custom_path, _)| custom_path == path.trim_matches('/'));
    let (bytes, hash) = match found {
        Some((_, document)) => (document.bytes(), document.hash()),
        None => state.openapi.document(path).ok_or(ApiError::NoRoute)?,
    };
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
