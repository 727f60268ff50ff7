//! [`AppState`]: what every request handler shares. One instance serves every logical cluster.

use std::sync::Arc;

use tokio::sync::watch;

use crate::catalog::Catalog;
use crate::clusters::Clusters;
use crate::fanout::Fanout;
use crate::metrics::Metrics;
use crate::objects::Objects;

/// Shared, immutable-after-start state of the API server.
#[derive(Debug)]
pub struct AppState {
    /// Objects over the store.
    pub objects: Objects,
    /// Every served resource, by logical cluster.
    pub catalog: Arc<Catalog>,
    /// The logical clusters.
    pub clusters: Clusters,
    /// The watch fan-out.
    pub fanout: Fanout,
    /// Workspace object limits and ResourceQuota object counts, checked on create.
    pub limits: crate::quota::Limits,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// OpenAPI documents, shared by every logical cluster.
    pub openapi: hub_api::openapi::OpenApi,
    /// Authentication of requests.
    pub authn: crate::authn::Authenticator,
    /// Authorization reviews.
    pub reviews: std::sync::Arc<crate::authz::Reviews>,
    /// The hub's base URL (`https://host:port`), for Workspace URLs.
    pub base_url: String,
    /// Flips to `true` when the server shuts down: open watches end.
    pub shutdown: watch::Receiver<bool>,
}
