//! An in-process hub for tests: the real state and router over an in-memory store, with every
//! request authenticated as `admin` (`system:masters`). Drive it with a `kube::Client` built on
//! [`TestHub::router`], or with raw requests through [`TestHub::request`].

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use http::{HeaderMap, Method, Request, StatusCode};
use serde_json::Value;
use storage::Store;
use tokio::sync::watch;
use tower::ServiceExt;

use crate::auth::Identity;
use crate::state::AppState;

/// The base URL an in-process hub believes it has (Workspace URLs start with it).
pub const BASE_URL: &str = "https://127.0.0.1:6443";

/// A hub without sockets.
#[derive(Debug)]
pub struct TestHub {
    /// The shared state.
    pub state: Arc<AppState>,
    /// The store under it.
    pub store: Arc<dyn Store>,
    /// The CA that signs approved CertificateSigningRequests.
    pub ca: certs::Ca,
    shutdown: watch::Sender<bool>,
}

/// A raw response: status, headers, body (parsed as JSON when it is JSON).
#[derive(Debug)]
pub struct RawResponse {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: bytes::Bytes,
}

impl RawResponse {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl TestHub {
    /// A hub over a fresh in-memory store.
    pub async fn memory() -> TestHub {
        let store: Arc<dyn Store> = Arc::new(storage::memory::open().expect("memory store"));
        TestHub::over(store).await
    }

    /// A hub over `store`.
    pub async fn over(store: Arc<dyn Store>) -> TestHub {
        let (shutdown, receiver) = watch::channel(false);
        let security = crate::Security::ephemeral().expect("a signing key");
        let ca = security.ca.clone();
        let state = crate::build(Arc::clone(&store), receiver, security, BASE_URL.to_owned())
            .await
            .expect("build the hub");
        TestHub {
            state,
            store,
            ca,
            shutdown,
        }
    }

    /// The router, with every request authenticated as `admin`.
    pub fn router(&self) -> Router {
        self.router_as(Some(Identity::admin()))
    }

    /// The router, with requests authenticated as `identity` (or anonymous).
    pub fn router_as(&self, identity: Option<Identity>) -> Router {
        let router = crate::router(Arc::clone(&self.state));
        Router::new().fallback_service(router.map_request(
            move |mut request: axum::extract::Request| {
                if let Some(identity) = &identity {
                    request.extensions_mut().insert(identity.clone());
                }
                request
            },
        ))
    }

    /// A kube client for the root logical cluster, default namespace `default`.
    pub fn client(&self) -> kube::Client {
        kube::Client::new(self.router(), "default")
    }

    /// Sends one request as `admin`.
    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> RawResponse {
        self.request_as(Some(Identity::admin()), method, uri, headers, body)
            .await
    }

    /// Creates Workspace `name` in the workspace at `parent` (a path such as `root`) as `admin`,
    /// waits until it is `Ready` and returns its logical cluster id.
    pub async fn workspace(&self, parent: &str, name: &str) -> String {
        let uri = format!("/clusters/{parent}/apis/tenancy.nave.dev/v1alpha1/workspaces");
        let body = serde_json::json!({"apiVersion": "tenancy.nave.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": name}});
        let created = self
            .request(Method::POST, &uri, &[], body.to_string())
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
        for _ in 0..500 {
            let got = self
                .request(Method::GET, &format!("{uri}/{name}"), &[], "")
                .await;
            if got.json()["status"]["phase"] == "Ready" {
                return got.json()["status"]["cluster"]
                    .as_str()
                    .expect("status.cluster")
                    .to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("workspace {parent}:{name} did not become Ready");
    }

    /// Sends one request as `identity` (anonymous when `None`).
    pub async fn request_as(
        &self,
        identity: Option<Identity>,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> RawResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(body.into()).expect("request");
        let response = self
            .router_as(identity)
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        RawResponse {
            status,
            headers,
            body,
        }
    }

    /// Ends open watches, as a server shutdown does.
    pub fn shut_down(&self) {
        let _ = self.shutdown.send(true);
    }
}
