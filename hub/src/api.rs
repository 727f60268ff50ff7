//! The API entry point: splits the logical cluster off the path, works out what is asked for,
//! and hands the request to discovery, OpenAPI or the resource handlers.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use hub_api::registry::ResourceDef;

use crate::access::Reached;
use crate::auth::Identity;
use crate::error::{ApiError, Target};
use crate::handlers;
use crate::negotiate::{self, Accept, MAX_BODY};
use crate::path::{self, ApiPath, ResourcePath};
use crate::query::Query;
use crate::state::AppState;
use crate::{discovery, openapi};

/// Everything a resource handler needs to know about its request.
#[derive(Debug)]
pub struct Ctx {
    /// Shared state.
    pub state: Arc<AppState>,
    /// The logical cluster.
    pub cluster: String,
    /// The resource.
    pub def: Arc<ResourceDef>,
    /// The parsed path.
    pub path: ResourcePath,
    /// Query parameters.
    pub query: Query,
    /// Request headers.
    pub headers: HeaderMap,
    /// What the client accepts.
    pub accept: Accept,
    /// Who is asking.
    pub identity: Identity,
}

impl Ctx {
    /// The namespace of the request, for namespaced resources.
    pub fn namespace(&self) -> Option<&str> {
        if self.def.namespaced {
            self.path.namespace.as_deref()
        } else {
            None
        }
    }

    /// A 404 for `name` of this resource.
    pub fn not_found(&self, name: &str) -> ApiError {
        ApiError::NotFound(Target::new(&self.def.group, &self.def.resource, name))
    }
}

/// Handles every request below the cluster prefix.
pub async fn dispatch(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match route(state, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn route(state: Arc<AppState>, request: Request) -> Result<Response, ApiError> {
    let (reference, rest) = path::split_cluster(request.uri().path());
    if reference.is_none() {
        return Err(ApiError::NoRoute);
    }
    let api_path = path::parse(rest);
    match api_path {
        ApiPath::Health => return Ok(text(StatusCode::OK, "ok")),
        ApiPath::Version => return Ok(json(StatusCode::OK, discovery::version())),
        ApiPath::Metrics => return Ok(state.metrics.render()),
        _ => {}
    }
    // The middleware resolved the reference and let the caller in.
    let cluster = match request.extensions().get::<Reached>() {
        Some(Reached::Cluster(id)) if state.clusters.exists(id) => id.clone(),
        Some(Reached::Wildcard) => return wildcard(state, api_path, request).await,
        _ => return Err(ApiError::NoRoute),
    };
    let accept = negotiate::accept(request.headers())?;
    match api_path {
        ApiPath::CoreVersions => only_get(&request, || {
            discovery::core_versions(&state, &cluster, &accept, request.headers())
        }),
        ApiPath::Groups => only_get(&request, || discovery::groups(&state, &cluster, &accept)),
        ApiPath::Group(group) => only_get(&request, || discovery::group(&state, &cluster, &group)),
        ApiPath::ResourceList { group, version } => only_get(&request, || {
            discovery::resource_list(&state, &cluster, &group, &version)
        }),
        ApiPath::OpenApiIndex => only_get(&request, || openapi::index(&state, &cluster)),
        ApiPath::OpenApiDocument(document) => {
            only_get(&request, || openapi::document(&state, &cluster, &document))
        }
        ApiPath::OpenApiV2 | ApiPath::Unknown => Err(ApiError::NoRoute),
        ApiPath::Resource(resource_path) => {
            resource(state, cluster, resource_path, accept, request).await
        }
        ApiPath::Health | ApiPath::Version | ApiPath::Metrics => Err(ApiError::NoRoute),
    }
}

/// `/clusters/*/…`: list and watch of one resource across every logical cluster.
async fn wildcard(
    state: Arc<AppState>,
    api_path: ApiPath,
    request: Request,
) -> Result<Response, ApiError> {
    let ApiPath::Resource(resource_path) = api_path else {
        return Err(ApiError::NoRoute);
    };
    if resource_path.name.is_some() || resource_path.namespace.is_some() {
        return Err(ApiError::NoRoute);
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Err(ApiError::MethodNotAllowed {
            verb: request.method().to_string(),
            target: Target::new(&resource_path.group, &resource_path.resource, ""),
        });
    }
    let accept = negotiate::accept(request.headers())?;
    resource(
        state,
        path::WILDCARD.to_owned(),
        resource_path,
        accept,
        request,
    )
    .await
}

fn only_get(
    request: &Request,
    answer: impl FnOnce() -> Result<Response, ApiError>,
) -> Result<Response, ApiError> {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        answer()
    } else {
        Err(ApiError::MethodNotAllowed {
            verb: request.method().to_string(),
            target: Target::default(),
        })
    }
}

async fn resource(
    state: Arc<AppState>,
    cluster: String,
    path: ResourcePath,
    accept: Accept,
    request: Request,
) -> Result<Response, ApiError> {
    let def = state
        .catalog
        .lookup(&cluster, &path.group, &path.version, &path.resource)
        .ok_or(ApiError::NoRoute)?;
    if !def.namespaced && path.namespace.is_some() {
        return Err(ApiError::NoRoute);
    }
    if let Some(subresource) = &path.subresource
        && (path.name.is_none() || def.subresource(subresource).is_none())
    {
        return Err(ApiError::NoRoute);
    }
    let identity = request
        .extensions()
        .get::<Identity>()
        .cloned()
        .ok_or(ApiError::Unauthorized)?;
    let query = Query::parse(request.uri().query());
    let method = request.method().clone();
    let (parts, body) = request.into_parts();
    let ctx = Ctx {
        state,
        cluster,
        def,
        path,
        query,
        headers: parts.headers,
        accept,
        identity,
    };
    let has_name = ctx.path.name.is_some();
    // Writes to RBAC objects make the cluster's cached authorization index stale.
    if ctx.def.group == "rbac.authorization.k8s.io"
        && method != Method::GET
        && method != Method::HEAD
    {
        ctx.state.reviews.invalidate(&ctx.cluster);
        let state = Arc::clone(&ctx.state);
        let cluster = ctx.cluster.clone();
        let response = route_verb(ctx, method, has_name, body).await;
        state.reviews.invalidate(&cluster);
        return response;
    }
    route_verb(ctx, method, has_name, body).await
}

async fn route_verb(
    ctx: Ctx,
    method: Method,
    has_name: bool,
    body: Body,
) -> Result<Response, ApiError> {
    match (method, has_name) {
        (Method::GET | Method::HEAD, false) => {
            if ctx.query.flag("watch")? {
                handlers::watch::watch(ctx).await
            } else {
                handlers::read::list(ctx).await
            }
        }
        (Method::GET | Method::HEAD, true) => handlers::read::get(ctx).await,
        (Method::POST, false)
            if matches!(
                ctx.def.group.as_str(),
                "authentication.k8s.io" | "authorization.k8s.io"
            ) =>
        {
            let body = read_body(body).await?;
            handlers::reviews::create(ctx, body).await
        }
        (Method::POST, false) => {
            let body = read_body(body).await?;
            handlers::write::create(ctx, body).await
        }
        (Method::POST, true)
            if ctx.def.resource == "serviceaccounts"
                && ctx.path.subresource.as_deref() == Some("token") =>
        {
            let body = read_body(body).await?;
            handlers::reviews::token_request(ctx, body).await
        }
        (Method::PUT, true) => {
            let body = read_body(body).await?;
            handlers::write::update(ctx, body).await
        }
        (Method::PATCH, true) => {
            let body = read_body(body).await?;
            handlers::write::patch(ctx, body).await
        }
        (Method::DELETE, true) => {
            let body = read_body(body).await?;
            handlers::delete::delete(ctx, body).await
        }
        (Method::DELETE, false) => {
            let body = read_body(body).await?;
            handlers::delete::delete_collection(ctx, body).await
        }
        (method, _) => Err(ApiError::MethodNotAllowed {
            verb: method.to_string(),
            target: Target::new(&ctx.def.group, &ctx.def.resource, ""),
        }),
    }
}

/// Reads a request body, refusing more than [`MAX_BODY`] bytes.
async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::TooLarge(MAX_BODY))
}

/// A JSON response.
pub fn json(code: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = (code, body.into()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON response with a specific content type (Table, aggregated discovery).
pub fn json_as(code: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = (code, body.into()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A plain-text response.
pub fn text(code: StatusCode, body: &'static str) -> Response {
    let mut response = (code, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Adds `Warning: 299 - "…"` headers, as kube-apiserver does.
pub fn add_warnings(response: &mut Response, warnings: &[String]) {
    for warning in warnings {
        let escaped = warning.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(value) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            response.headers_mut().append(header::WARNING, value);
        }
    }
}

/// The start of a body, for error messages.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(64)]).into_owned();
    if body.len() > 64 {
        format!("{text}...")
    } else {
        text
    }
}
