//! The nave hub: one process serving the Kubernetes API for many logical clusters over one
//! shared [`storage::Store`].
//!
//! - [`serve`] runs the whole server: store, certificates, TLS listener, controllers.
//! - [`build`] assembles the shared state and [`router`] the axum router, so tests can drive the
//!   real handlers in-process (a `kube::Client` over the router, no socket).
//!
//! Requests flow: TLS (client certificate → [`auth::Identity`]) → [`middleware`] (401 for
//! anonymous requests except health, request log, metrics) → [`api::dispatch`] (cluster prefix,
//! path) → discovery, OpenAPI or a resource handler in [`handlers`] → [`objects::Objects`] →
//! the store. Errors become `Status` responses only in [`error`].

pub mod access;
pub mod api;
pub mod auth;
pub mod authn;
pub mod authz;
pub mod catalog;
pub mod clusters;
pub mod codec;
pub mod compactor;
pub mod controller;
pub mod crds;
pub mod csr;
pub mod discovery;
pub mod error;
pub mod fanout;
pub mod filters;
pub mod gc;
pub mod handlers;
pub mod impersonation;
pub mod keys;
pub mod meta;
pub mod metrics;
pub mod middleware;
pub mod namespaces;
pub mod negotiate;
pub mod objects;
pub mod openapi;
pub mod path;
pub mod pki;
pub mod query;
pub mod quota;
pub mod scale;
pub mod server;
pub mod state;
pub mod store_url;
pub mod tables;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
pub mod tls;
pub mod workspaces;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use hub_api::registry::Registry;
use storage::Store;
use tokio::sync::watch;

pub use store_url::{StoreUrl, StoreUrlError};

use crate::error::ApiError;
use crate::state::AppState;

/// Why the hub could not open its store.
#[derive(Debug, thiserror::Error)]
pub enum OpenStoreError {
    /// An embedded engine failed to open its files.
    #[error("cannot open the {backend} store at {path}")]
    Embedded {
        /// `redb` or `sled`.
        backend: &'static str,
        /// The data directory.
        path: String,
        /// The engine's error.
        #[source]
        source: storage::StorageError,
    },
    /// etcd could not be reached.
    #[error(transparent)]
    Etcd(#[from] storage_etcd::ConnectError),
    /// The in-memory store could not start.
    #[error("cannot start the in-memory store")]
    Memory(#[source] storage::StorageError),
}

/// Opens the store `url` names. Embedded stores keep `retain_revisions` revisions of history
/// (0: all of it); etcd's history is bounded by [`compactor::run`] instead.
pub async fn open_store(
    url: &StoreUrl,
    retain_revisions: i64,
) -> Result<Arc<dyn Store>, OpenStoreError> {
    let embedded = storage::embedded::EmbeddedOptions {
        retain_revisions,
        ..Default::default()
    };
    Ok(match url {
        StoreUrl::Redb(path) => Arc::new(
            storage_redb::open(
                path,
                storage_redb::RedbOptions {
                    embedded,
                    ..Default::default()
                },
            )
            .map_err(|source| OpenStoreError::Embedded {
                backend: "redb",
                path: path.display().to_string(),
                source,
            })?,
        ),
        StoreUrl::Sled(path) => Arc::new(
            storage_sled::open(
                path,
                storage_sled::SledOptions {
                    embedded,
                    ..Default::default()
                },
            )
            .map_err(|source| OpenStoreError::Embedded {
                backend: "sled",
                path: path.display().to_string(),
                source,
            })?,
        ),
        StoreUrl::Etcd(endpoints) => Arc::new(
            storage_etcd::EtcdStore::connect(storage_etcd::EtcdOptions::new(endpoints.clone()))
                .await?,
        ),
        StoreUrl::Memory => {
            Arc::new(storage::memory::open_with(embedded).map_err(OpenStoreError::Memory)?)
        }
    })
}

/// Keys and credentials of the API server.
#[derive(Debug)]
pub struct Security {
    /// Signs and verifies ServiceAccount tokens.
    pub service_account_key: certs::SigningKey,
    /// The static token file's tokens.
    pub static_tokens: std::collections::HashMap<String, auth::Identity>,
    /// The hub CA: signs approved CertificateSigningRequests.
    pub ca: certs::Ca,
}

impl Security {
    /// A fresh signing key, a fresh CA and no static tokens (tests).
    pub fn ephemeral() -> Result<Self, certs::Error> {
        Ok(Security {
            service_account_key: certs::SigningKey::generate()?,
            static_tokens: std::collections::HashMap::new(),
            ca: certs::Ca::generate("nave-ca")?,
        })
    }
}

/// Assembles the API server's shared state over `store` and starts its controllers (the watch
/// fan-out, the logical cluster registry, the namespace, garbage and CRD controllers).
/// `shutdown` ends watches.
pub async fn build(
    store: Arc<dyn Store>,
    shutdown: watch::Receiver<bool>,
    security: Security,
    base_url: String,
) -> Result<Arc<AppState>, ApiError> {
    let metrics = metrics::Metrics::new();
    let store = metrics.metered(store);
    let objects = objects::Objects::new(Arc::clone(&store));
    let registry = Arc::new(Registry::builtin());
    let catalog = Arc::new(catalog::Catalog::new(Arc::clone(&registry)));
    let fanout =
        fanout::Fanout::start(Arc::clone(&store), fanout::FanoutOptions::default()).await?;
    let clusters = clusters::Clusters::load(objects.clone(), Arc::clone(&catalog), &fanout).await?;
    workspaces::start(objects.clone(), &catalog, clusters.clone(), &fanout).await?;
    let limits = quota::Limits::start(
        objects.clone(),
        Arc::clone(&catalog),
        clusters.clone(),
        &fanout,
    )
    .await?;
    namespaces::start(objects.clone(), Arc::clone(&catalog), &fanout).await?;
    gc::start(objects.clone(), Arc::clone(&catalog), &fanout).await?;
    crds::start(objects.clone(), Arc::clone(&catalog), &fanout).await?;
    csr::start(objects.clone(), Arc::clone(&catalog), &fanout, security.ca).await?;
    let openapi = hub_api::openapi::OpenApi::new(&registry);
    let reviews = authz::Reviews::start(&fanout).await?;
    let authn = authn::Authenticator::new(
        objects.clone(),
        Arc::clone(&catalog),
        security.service_account_key,
        security.static_tokens,
    );
    Ok(Arc::new(AppState {
        objects,
        catalog,
        authn,
        reviews,
        clusters,
        fanout,
        limits,
        metrics,
        openapi,
        base_url,
        shutdown,
    }))
}

/// The router: every path goes through the middleware to [`api::dispatch`].
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .fallback(api::dispatch)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            middleware::observe,
        ))
        .with_state(state)
}

/// What `nave serve` needs.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The data directory (certificates, kubeconfig, embedded store).
    pub data_dir: PathBuf,
    /// The store.
    pub store: StoreUrl,
    /// Extra names and addresses for the serving certificate.
    pub tls_sans: Vec<String>,
    /// kube-apiserver's static token file (`token,user,uid,"groups"` lines), if any.
    pub token_auth_file: Option<PathBuf>,
    /// How many revisions of history the store keeps for watch resume and paginated lists;
    /// older ones are compacted (watches from before answer 410 Expired). 0 keeps everything.
    pub retain_revisions: i64,
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] OpenStoreError),
    /// Certificates could not be loaded or created.
    #[error(transparent)]
    Pki(#[from] pki::PkiError),
    /// The API server could not start.
    #[error("cannot start the API server: {0}")]
    Api(#[from] ApiError),
    /// TLS setup failed.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The static token file is malformed.
    #[error(transparent)]
    TokenFile(#[from] authn::TokenFileError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Runs the hub until `stop` completes: opens the store, creates or loads the certificates,
/// writes `admin.kubeconfig`, serves HTTPS, then shuts down gracefully (open watches end,
/// connections drain, the store closes after its last acknowledged write).
pub async fn serve(
    config: ServeConfig,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| {
        ServeError::Pki(pki::PkiError::Io {
            path: config.data_dir.clone(),
            source,
        })
    })?;
    let store = open_store(&config.store, config.retain_revisions).await?;
    let mut names: Vec<String> = vec!["127.0.0.1".into(), "localhost".into(), "::1".into()];
    if !config.listen.ip().is_unspecified() && !names.contains(&config.listen.ip().to_string()) {
        names.push(config.listen.ip().to_string());
    }
    for san in &config.tls_sans {
        if !names.contains(san) {
            names.push(san.clone());
        }
    }
    let pki = pki::load_or_create(&config.data_dir, &names)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            address: config.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| ServeError::Listen {
        address: config.listen,
        source,
    })?;
    let host = if address.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        address.ip().to_string()
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    let base_url = format!("https://{host}:{}", address.port());
    let server_url = format!("{base_url}/clusters/root");
    let kubeconfig = pki::write_admin_kubeconfig(&config.data_dir, &pki, &server_url)?;
    let (shutdown_sender, shutdown) = watch::channel(false);
    let static_tokens = match &config.token_auth_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| {
                ServeError::Pki(pki::PkiError::Io {
                    path: path.clone(),
                    source,
                })
            })?;
            authn::parse_token_file(&text)?
        }
        None => std::collections::HashMap::new(),
    };
    let security = Security {
        service_account_key: pki.service_account_key.clone(),
        static_tokens,
        ca: pki.ca.clone(),
    };
    let state = build(Arc::clone(&store), shutdown.clone(), security, base_url).await?;
    if matches!(config.store, StoreUrl::Etcd(_)) && config.retain_revisions > 0 {
        tokio::spawn(compactor::run(
            Arc::clone(&store),
            config.retain_revisions,
            compactor::INTERVAL,
            shutdown.clone(),
        ));
    }
    let tls = tls::Tls::new(&pki)?;
    tokio::spawn(Arc::clone(&tls).watch_files(shutdown.clone()));
    tracing::info!(store = %config.store, address = %address, "serving the Kubernetes API");
    println!("export KUBECONFIG={}", kubeconfig.display());
    let server = tokio::spawn(server::serve(
        listener,
        tls,
        router(Arc::clone(&state)),
        shutdown,
    ));
    stop.await;
    tracing::info!("shutting down");
    let _ = shutdown_sender.send(true);
    let _ = server.await;
    drop(state);
    drop(store);
    Ok(())
}
