//! Content negotiation: what a client accepts (JSON, a Table, aggregated discovery) and what a
//! request body is (JSON, YAML, a patch type).

use http::HeaderMap;
use http::header::{ACCEPT, CONTENT_TYPE};

use crate::error::ApiError;

/// The largest request body accepted, as kube-apiserver's default (3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// What the response should be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accept {
    /// `as=Table;g=meta.k8s.io;v=v1` (or v1beta1) was acceptable.
    pub table: bool,
    /// `as=APIGroupDiscoveryList;g=apidiscovery.k8s.io;v=v2`.
    pub discovery_v2: bool,
    /// `…;v=v2beta1`.
    pub discovery_v2beta1: bool,
    /// `application/yaml` preferred over JSON.
    pub yaml: bool,
}

/// Parses the `Accept` header. Types the hub cannot produce make a 406 only when nothing
/// acceptable remains.
pub fn accept(headers: &HeaderMap) -> Result<Accept, ApiError> {
    let Some(value) = headers.get(ACCEPT).and_then(|value| value.to_str().ok()) else {
        return Ok(Accept::default());
    };
    let mut result = Accept::default();
    let mut any_plain = false;
    let mut first_plain: Option<&str> = None;
    for item in value.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut as_ = "";
        let mut group = "";
        let mut version = "";
        for parameter in parts {
            if let Some((key, value)) = parameter.split_once('=') {
                match key.trim() {
                    "as" => as_ = value.trim(),
                    "g" => group = value.trim(),
                    "v" => version = value.trim(),
                    _ => {}
                }
            }
        }
        match (media.as_str(), as_, group, version) {
            (
                "application/json" | "application/vnd.kubernetes.protobuf",
                "Table",
                "meta.k8s.io",
                "v1" | "v1beta1",
            ) => {
                result.table = true;
            }
            ("application/json", "APIGroupDiscoveryList", "apidiscovery.k8s.io", "v2") => {
                result.discovery_v2 = true
            }
            ("application/json", "APIGroupDiscoveryList", "apidiscovery.k8s.io", "v2beta1") => {
                result.discovery_v2beta1 = true;
            }
            (
                "application/json"
                | "application/vnd.kubernetes.protobuf"
                | "*/*"
                | "application/*"
                | "application/yaml",
                "",
                _,
                _,
            ) => {
                any_plain = true;
                if first_plain.is_none() {
                    first_plain = Some(if media == "application/yaml" {
                        "yaml"
                    } else {
                        "json"
                    });
                }
            }
            ("", "", _, _) => {}
            _ => {}
        }
    }
    result.yaml = first_plain == Some("yaml") && !result.table;
    if !any_plain && !result.table && !result.discovery_v2 && !result.discovery_v2beta1 {
        return Err(ApiError::NotAcceptable(
            "application/json, application/yaml, application/vnd.kubernetes.protobuf".into(),
        ));
    }
    Ok(result)
}

/// What a request body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyType {
    /// JSON (also when no Content-Type is given).
    Json,
    /// YAML.
    Yaml,
    /// Kubernetes protobuf (`application/vnd.kubernetes.protobuf`).
    Protobuf,
    /// RFC 6902.
    JsonPatch,
    /// RFC 7386.
    MergePatch,
    /// Kubernetes strategic merge patch.
    StrategicMergePatch,
    /// Server-side apply.
    ApplyPatch,
}

/// Reads the body's type from `Content-Type`; unknown types are 415.
pub fn body_type(headers: &HeaderMap) -> Result<BodyType, ApiError> {
    let Some(value) = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return Ok(BodyType::Json);
    };
    let media = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Ok(match media.as_str() {
        "" | "application/json" | "*/*" => BodyType::Json,
        "application/yaml" | "application/x-yaml" | "text/yaml" => BodyType::Yaml,
        "application/vnd.kubernetes.protobuf" => BodyType::Protobuf,
        "application/json-patch+json" => BodyType::JsonPatch,
        "application/merge-patch+json" => BodyType::MergePatch,
        "application/strategic-merge-patch+json" => BodyType::StrategicMergePatch,
        "application/apply-patch+yaml" | "application/apply-patch+cbor" => BodyType::ApplyPatch,
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "application/json, application/yaml, application/vnd.kubernetes.protobuf".into(),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with_accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn recognises_kubectls_accept_headers() {
        let table = accept(&with_accept(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
        ))
        .unwrap();
        assert!(table.table && !table.yaml);
        let discovery = accept(&with_accept(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
        ))
        .unwrap();
        assert!(discovery.discovery_v2 && discovery.discovery_v2beta1);
        assert!(accept(&with_accept("application/yaml")).unwrap().yaml);
        assert!(accept(&HeaderMap::new()).unwrap() == Accept::default());
        assert!(matches!(
            accept(&with_accept("text/html")),
            Err(ApiError::NotAcceptable(_))
        ));
    }

    #[test]
    fn body_types() {
        let mut headers = HeaderMap::new();
        assert_eq!(body_type(&headers).unwrap(), BodyType::Json);
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/merge-patch+json; charset=utf-8"),
        );
        assert_eq!(body_type(&headers).unwrap(), BodyType::MergePatch);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(matches!(
            body_type(&headers),
            Err(ApiError::UnsupportedMediaType(_))
        ));
    }
}
