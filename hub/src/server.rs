//! The HTTPS server: TLS on openssl (configured in `tls.rs`) with optional client certificates
//! (the verified peer's CN and O become the request's [`Identity`]), HTTP/1.1 and HTTP/2 by
//! ALPN, and graceful shutdown.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use openssl::ssl::{Ssl, SslAcceptor};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_openssl::SslStream;
use tower::ServiceExt;

use crate::auth::{CertIdentity, Identity};
use crate::tls::Tls;

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes of response buffered per connection before a write reaches TLS (larger writes go
/// straight through).
const WRITE_BUFFER: usize = 16 * 1024;
/// How long shutdown waits for open connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` becomes true, then drains connections.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<Tls>,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = tls.acceptor();
        let router = router.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let Some((stream, identity)) = handshake(&acceptor, tcp, peer).await else {
                return;
            };
            let service =
                router.map_request(move |mut request: http::Request<hyper::body::Incoming>| {
                    if let Some(identity) = &identity {
                        request
                            .extensions_mut()
                            .insert(CertIdentity(identity.clone()));
                    }
                    request
                });
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection_with_upgrades(
                // h2 writes a frame's head and payload separately and TLS makes each write a
                // record and a syscall; buffering until hyper flushes sends them together.
                TokioIo::new(tokio::io::BufWriter::with_capacity(WRITE_BUFFER, stream)),
                TowerToHyperService::new(service),
            );
            if let Err(error) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("connections still open after {DRAIN_TIMEOUT:?}; closing"),
    }
}

/// Completes the TLS handshake; returns the stream and the client's identity, if it presented a
/// certificate from the hub CA.
async fn handshake(
    acceptor: &SslAcceptor,
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
) -> Option<(SslStream<tokio::net::TcpStream>, Option<Identity>)> {
    let ssl = Ssl::new(acceptor.context()).ok()?;
    let mut stream = SslStream::new(ssl, tcp).ok()?;
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, Pin::new(&mut stream).accept()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::debug!(%peer, %error, "TLS handshake failed");
            return None;
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake timed out");
            return None;
        }
    }
    let identity = stream.ssl().peer_certificate().and_then(|cert| {
        match certs::Identity::from_certificate(&cert) {
            Ok(identity) => {
                let mut groups = identity.groups;
                groups.push("system:authenticated".into());
                Some(Identity {
                    user: identity.user,
                    groups,
                    uid: String::new(),
                })
            }
            Err(error) => {
                tracing::info!(%peer, %error, "client certificate without a usable identity");
                None
            }
        }
    });
    Some((stream, identity))
}
