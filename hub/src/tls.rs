//! The TLS configuration of the server: the acceptor built from the serving certificate and the
//! hub CA (client certificates verified when given, ALPN `h2` and `http/1.1`), and its reload
//! when the serving certificate files are replaced, without a restart (as kube-apiserver
//! reloads `--tls-cert-file`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use openssl::pkey::PKey;
use openssl::ssl::{AlpnError, SslAcceptor, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use parking_lot::RwLock;
use tokio::sync::watch;

use crate::pki::Pki;

/// How often the serving certificate files are checked for a change.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(2);

/// Why a TLS acceptor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// openssl refused the certificate, key or settings.
    #[error("TLS setup failed: {0}")]
    Openssl(#[from] openssl::error::ErrorStack),
    /// The serving certificate file holds no certificate.
    #[error("the serving certificate file holds no certificate")]
    NoCertificate,
    /// A certificate file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// The acceptor in use, swapped when the serving certificate changes.
pub struct Tls {
    current: RwLock<Arc<SslAcceptor>>,
    ca_pem: String,
    cert_path: PathBuf,
    key_path: PathBuf,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("cert_path", &self.cert_path)
            .finish()
    }
}

impl Tls {
    /// The acceptor for the hub's serving certificate in `pki`.
    pub fn new(pki: &Pki) -> Result<Arc<Tls>, TlsError> {
        let acceptor = acceptor(
            &pki.serving.cert_pem,
            &pki.serving.key_pem,
            pki.ca.cert_pem(),
        )?;
        Ok(Arc::new(Tls {
            current: RwLock::new(acceptor),
            ca_pem: pki.ca.cert_pem().to_owned(),
            cert_path: pki.dir.join("serving.crt"),
            key_path: pki.dir.join("serving.key"),
        }))
    }

    /// The acceptor for a new connection.
    pub fn acceptor(&self) -> Arc<SslAcceptor> {
        Arc::clone(&self.current.read())
    }

    /// Re-reads the serving certificate and key; on success new connections use them. A
    /// certificate that does not match its key (say, caught between the two files being
    /// replaced) is refused and the acceptor in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let read = |path: &PathBuf| {
            std::fs::read_to_string(path).map_err(|source| TlsError::Read {
                path: path.clone(),
                source,
            })
        };
        let acceptor = acceptor(
            &read(&self.cert_path)?,
            &read(&self.key_path)?,
            &self.ca_pem,
        )?;
        *self.current.write() = acceptor;
        Ok(())
    }

    /// Reloads whenever the files' modification times or sizes change, until `shutdown`.
    pub async fn watch_files(self: Arc<Tls>, mut shutdown: watch::Receiver<bool>) {
        let stamp = |tls: &Tls| {
            [&tls.cert_path, &tls.key_path].map(|path| {
                std::fs::metadata(path).ok().map(|meta| {
                    (
                        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                        meta.len(),
                    )
                })
            })
        };
        let mut loaded = stamp(&self);
        let mut ticks = tokio::time::interval(RELOAD_INTERVAL);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.changed() => return,
            }
            let now = stamp(&self);
            if now == loaded {
                continue;
            }
            match self.reload() {
                Ok(()) => {
                    tracing::info!(path = %self.cert_path.display(), "reloaded the serving certificate");
                    loaded = now;
                }
                // Retried at the next tick (and whenever the files change again).
                Err(error) => tracing::warn!(%error, "cannot reload the serving certificate"),
            }
        }
    }
}

/// Builds an acceptor: the serving certificate, client certificates verified against the hub
/// CA when given (Go's `VerifyClientCertIfGiven`), ALPN `h2` and `http/1.1`.
fn acceptor(cert_pem: &str, key_pem: &str, ca_pem: &str) -> Result<Arc<SslAcceptor>, TlsError> {
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    let key = PKey::private_key_from_pem(key_pem.as_bytes())?;
    let mut chain = X509::stack_from_pem(cert_pem.as_bytes())?.into_iter();
    let Some(certificate) = chain.next() else {
        return Err(TlsError::NoCertificate);
    };
    builder.set_private_key(&key)?;
    builder.set_certificate(&certificate)?;
    for intermediate in chain {
        builder.add_extra_chain_cert(intermediate)?;
    }
    builder.check_private_key()?;
    let ca = X509::from_pem(ca_pem.as_bytes())?;
    let mut store = X509StoreBuilder::new()?;
    store.add_cert(ca.clone())?;
    builder.set_verify_cert_store(store.build())?;
    builder.add_client_ca(&ca)?;
    builder.set_verify(SslVerifyMode::PEER);
    builder.set_session_id_context(b"nave-hub")?;
    builder.set_alpn_select_callback(|_, client| {
        openssl::ssl::select_next_proto(b"\x02h2\x08http/1.1", client).ok_or(AlpnError::NOACK)
    });
    Ok(Arc::new(builder.build()))
}
