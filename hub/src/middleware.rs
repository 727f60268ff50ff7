//! Request middleware: authentication gate, impersonation (`impersonation.rs`), authorization
//! (RBAC, `authz.rs`), request log line and request metrics.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::Method;

use crate::access::{self, Reached};
use crate::auth::{CertIdentity, Identity};
use crate::authz;
use crate::error::{ApiError, ErrorReason};
use crate::impersonation::{self, Impersonation};
use crate::metrics::{LatencyLabels, RequestLabels};
use crate::path::{self, ApiPath};
use crate::state::AppState;

/// Refuses anonymous requests except to the health endpoints, applies impersonation
/// (`Impersonate-*` headers: `400`/`403` when malformed or not allowed), refuses requests RBAC
/// does not allow (`403`); logs and measures every request.
pub async fn observe(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let uri_path = request.uri().path().to_owned();
    let watch = request.uri().query().is_some_and(|query| {
        form_urlencoded::parse(query.as_bytes())
            .any(|(key, value)| key == "watch" && (value == "true" || value == "1"))
    });
    let (reference, rest) = path::split_cluster(&uri_path);
    let parsed = path::parse(rest);
    // The cluster id, for authentication (tokens bound to a cluster) and impersonation checks;
    // whether the caller may reach it at all is decided after authentication.
    let resolved = reference.and_then(|reference| state.clusters.resolve(reference));
    let cluster = resolved.as_deref();
    // Authenticate, unless a trusted caller (an in-process test) already set the identity.
    let mut unauthorized = false;
    if request.extensions().get::<Identity>().is_none() {
        let cert = request
            .extensions()
            .get::<CertIdentity>()
            .map(|cert| cert.0.clone());
        match state
            .authn
            .authenticate(cluster.unwrap_or(""), request.headers(), cert.as_ref())
            .await
        {
            Ok(Some(identity)) => {
                request.extensions_mut().insert(identity);
            }
            Ok(None) => {}
            Err(_) => unauthorized = true,
        }
    }
    // Impersonation: after authentication, before authorization (kube's filter order).
    let mut impersonation_error = None;
    let mut impersonator = None;
    if !unauthorized && let Some(requester) = request.extensions().get::<Identity>().cloned() {
        match impersonation::impersonate(
            &state,
            cluster.unwrap_or(""),
            &requester,
            request.headers_mut(),
        )
        .await
        {
            Ok(Some(impersonated)) => {
                impersonator = Some(requester.user.clone());
                request.extensions_mut().insert(impersonated.identity);
                request.extensions_mut().insert(Impersonation {
                    impersonator: requester,
                    extra: impersonated.extra,
                });
            }
            Ok(None) => {}
            Err(error) => impersonation_error = Some(error),
        }
    }
    let user = request
        .extensions()
        .get::<Identity>()
        .map(|identity| identity.user.clone());
    let (verb, mut group, mut resource) = classify(&method, &parsed, watch);
    // Only served resources become label values: arbitrary paths must not grow the series.
    if let ApiPath::Resource(path) = &parsed
        && state
            .catalog
            .lookup(
                cluster.unwrap_or(""),
                &path.group,
                &path.version,
                &path.resource,
            )
            .is_none()
    {
        resource = "unknown".into();
        group = "unknown".into();
    }
    // Anonymous requests reach only the health endpoints and /version.
    let anonymous_allowed = matches!(parsed, ApiPath::Health | ApiPath::Version);
    let response = if unauthorized || (user.is_none() && !anonymous_allowed) {
        ApiError::Unauthorized.into_response()
    } else if let Some(error) = impersonation_error {
        error.into_response()
    } else if let (false, Some(reference), Some(identity)) = (
        anonymous_allowed,
        reference,
        request.extensions().get::<Identity>().cloned(),
    ) {
        match access::reach(&state, reference, cluster, &identity).await {
            Err(error) => error.into_response(),
            Ok(Reached::Cluster(id)) => {
                match authz::authorize(&state, &id, &identity, &method, rest, request.uri().query())
                    .await
                {
                    Err(error) => error.into_response(),
                    Ok(()) => {
                        request.extensions_mut().insert(Reached::Cluster(id));
                        next.run(request).await
                    }
                }
            }
            Ok(Reached::Wildcard) => {
                request.extensions_mut().insert(Reached::Wildcard);
                next.run(request).await
            }
        }
    } else {
        next.run(request).await
    };
    let code = response.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            verb: verb.clone(),
            group: group.clone(),
            resource: resource.clone(),
            code,
        })
        .inc();
    if verb != "watch" {
        state
            .metrics
            .latency
            .get_or_create(&LatencyLabels {
                verb: verb.clone(),
                group,
                resource,
            })
            .observe(elapsed.as_secs_f64());
    }
    let reason = response
        .extensions()
        .get::<ErrorReason>()
        .map_or("", |reason| reason.0);
    tracing::info!(
        method = %method,
        path = %uri_path,
        cluster = reference.unwrap_or(""),
        user = user.as_deref().unwrap_or("system:anonymous"),
        impersonator = impersonator.as_deref().unwrap_or(""),
        status = code,
        reason,
        latency_us = elapsed.as_micros() as u64,
        "request"
    );
    response
}

/// The verb, group and resource of a request, for metrics.
fn classify(method: &Method, parsed: &ApiPath, watch: bool) -> (String, String, String) {
    match parsed {
        ApiPath::Resource(resource) => {
            let verb = match (method.as_str(), resource.name.is_some()) {
                ("GET" | "HEAD", false) if watch => "watch",
                ("GET" | "HEAD", false) => "list",
                ("GET" | "HEAD", true) => "get",
                ("POST", _) => "create",
                ("PUT", _) => "update",
                ("PATCH", _) => "patch",
                ("DELETE", true) => "delete",
                ("DELETE", false) => "deletecollection",
                _ => "other",
            };
            let name = match &resource.subresource {
                Some(sub) => format!("{}/{sub}", resource.resource),
                None => resource.resource.clone(),
            };
            (verb.into(), resource.group.clone(), name)
        }
        ApiPath::Health => ("health".into(), String::new(), String::new()),
        ApiPath::Version => ("version".into(), String::new(), String::new()),
        ApiPath::Metrics => ("metrics".into(), String::new(), String::new()),
        ApiPath::OpenApiIndex | ApiPath::OpenApiDocument(_) | ApiPath::OpenApiV2 => {
            ("openapi".into(), String::new(), String::new())
        }
        ApiPath::CoreVersions
        | ApiPath::Groups
        | ApiPath::Group(_)
        | ApiPath::ResourceList { .. } => ("discovery".into(), String::new(), String::new()),
        ApiPath::Unknown => ("other".into(), String::new(), String::new()),
    }
}
