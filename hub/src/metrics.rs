//! Prometheus metrics at `/metrics`: requests and their latency by verb, group, resource and
//! code; open watches; store operation latency. No label ever names a logical cluster, so the
//! number of series does not grow with the number of workspaces.

use std::sync::Arc;

use std::time::Instant;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use storage::{Deleted, KeyValue, ListRequest, ListResult, Revision, Store, WatchStream};

/// Labels of request metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// get, list, watch, create, update, patch, delete, deletecollection, or the path class.
    pub verb: String,
    /// API group.
    pub group: String,
    /// Resource (plural), with `/subresource`.
    pub resource: String,
    /// HTTP status code.
    pub code: u16,
}

/// Labels of request latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LatencyLabels {
    /// As in [`RequestLabels`].
    pub verb: String,
    /// As in [`RequestLabels`].
    pub group: String,
    /// As in [`RequestLabels`].
    pub resource: String,
}

/// Labels of store metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StoreLabels {
    /// create, get, list, update, delete, watch, ...
    pub operation: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 18))
}

/// Every metric of the hub.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Requests served.
    pub requests: Family<RequestLabels, Counter>,
    /// Request latency.
    pub latency: HistogramFamily<LatencyLabels>,
    /// Open watches.
    pub watchers: Gauge<i64, std::sync::atomic::AtomicI64>,
    /// Store operation latency.
    pub store: HistogramFamily<StoreLabels>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = HistogramFamily::<LatencyLabels>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let watchers = Gauge::<i64, std::sync::atomic::AtomicI64>::default();
        let store = HistogramFamily::<StoreLabels>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "apiserver_request",
            "Requests served, by verb, group, resource and code",
            requests.clone(),
        );
        registry.register(
            "apiserver_request_duration_seconds",
            "Request latency, by verb, group and resource",
            latency.clone(),
        );
        registry.register(
            "apiserver_longrunning_requests",
            "Open watches",
            watchers.clone(),
        );
        registry.register(
            "nave_store_operation_duration_seconds",
            "Store operation latency",
            store.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            requests,
            latency,
            watchers,
            store,
        }
    }

    /// The `/metrics` response.
    pub fn render(&self) -> Response {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        let mut response = (StatusCode::OK, text).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        );
        response
    }

    /// Wraps `store` so that each operation's latency is recorded.
    pub fn metered(&self, store: Arc<dyn Store>) -> Arc<dyn Store> {
        Arc::new(MeteredStore {
            inner: store,
            histogram: self.store.clone(),
        })
    }
}

/// A store decorator recording operation latency.
#[derive(Debug)]
struct MeteredStore {
    inner: Arc<dyn Store>,
    histogram: HistogramFamily<StoreLabels>,
}

impl MeteredStore {
    fn observe(&self, operation: &str, started: Instant) {
        self.histogram
            .get_or_create(&StoreLabels {
                operation: operation.to_owned(),
            })
            .observe(started.elapsed().as_secs_f64());
    }
}

#[async_trait::async_trait]
impl Store for MeteredStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn create(&self, key: &str, value: Bytes) -> storage::Result<Revision> {
        let started = Instant::now();
        let result = self.inner.create(key, value).await;
        self.observe("create", started);
        result
    }

    async fn get(&self, key: &str, revision: Revision) -> storage::Result<KeyValue> {
        let started = Instant::now();
        let result = self.inner.get(key, revision).await;
        self.observe("get", started);
        result
    }

    async fn list(&self, request: ListRequest<'_>) -> storage::Result<ListResult> {
        let started = Instant::now();
        let result = self.inner.list(request).await;
        self.observe("list", started);
        result
    }

    async fn update(
        &self,
        key: &str,
        value: Bytes,
        expected: Revision,
    ) -> storage::Result<Revision> {
        let started = Instant::now();
        let result = self.inner.update(key, value, expected).await;
        self.observe("update", started);
        result
    }

    async fn delete(&self, key: &str, expected: Option<Revision>) -> storage::Result<Deleted> {
        let started = Instant::now();
        let result = self.inner.delete(key, expected).await;
        self.observe("delete", started);
        result
    }

    async fn watch(&self, prefix: &str, after: Revision) -> storage::Result<WatchStream> {
        self.inner.watch(prefix, after).await
    }

    async fn current_revision(&self) -> storage::Result<Revision> {
        self.inner.current_revision().await
    }

    async fn compacted_revision(&self) -> storage::Result<Revision> {
        self.inner.compacted_revision().await
    }

    async fn compact(&self, revision: Revision) -> storage::Result<()> {
        let started = Instant::now();
        let result = self.inner.compact(revision).await;
        self.observe("compact", started);
        result
    }
}
