//! A lean HTTPS client for the hub: hyper's connection-level HTTP/2 (or HTTP/1.1) over openssl,
//! authenticated with the client certificate of the hub's `admin.kubeconfig`.
//!
//! No pool, no retries, no tower stack, no typed (de)serialisation: a request is a prebuilt body
//! and a path, a response is a status and the raw bytes. On a 2-core machine where the client and
//! the server share the CPU, every microsecond the client spends is one the server lacks, so this
//! measures the server rather than the client. `kube::Client` (what operators actually use) is
//! measured once beside it, for sequential creates.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::{Context, Result, bail, ensure};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use openssl::pkey::PKey;
use openssl::ssl::{SslConnector, SslMethod};
use openssl::x509::X509;
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

/// Which HTTP version a connection speaks (negotiated by ALPN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Protocol {
    /// HTTP/2: what client-go (kubectl, controllers) speaks.
    Http2,
    /// HTTP/1.1 keep-alive: what kube-rs speaks.
    Http1,
}

/// Where the hub is and how to reach it, from its admin kubeconfig.
#[derive(Clone)]
pub(crate) struct Endpoint {
    /// `127.0.0.1:PORT`.
    authority: String,
    /// The server URL's path, e.g. `/clusters/root`.
    base: String,
    connector_h2: Arc<SslConnector>,
    connector_h1: Arc<SslConnector>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("authority", &self.authority)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// One connection to the hub. HTTP/2 connections are cheap to clone: clones multiplex streams
/// on the same TCP connection.
#[derive(Debug)]
pub(crate) enum Conn {
    /// HTTP/2.
    H2(http2::SendRequest<Full<Bytes>>, Arc<Endpoint>),
    /// HTTP/1.1 keep-alive.
    H1(http1::SendRequest<Full<Bytes>>, Arc<Endpoint>),
}

impl Endpoint {
    /// Reads the server URL, CA and client certificate from `kubeconfig`.
    pub(crate) fn from_kubeconfig(kubeconfig: &Path) -> Result<Endpoint> {
        let text = std::fs::read_to_string(kubeconfig)
            .with_context(|| format!("reading {}", kubeconfig.display()))?;
        let config = certs::Kubeconfig::parse(&text)?;
        let certs::Credentials::ClientCertificate { cert_pem, key_pem } = &config.credentials
        else {
            bail!("{} has no client certificate", kubeconfig.display());
        };
        let rest = config
            .server
            .strip_prefix("https://")
            .with_context(|| format!("server {:?} is not https", config.server))?;
        let (authority, base) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, ""),
        };
        let connector = |alpn: &[u8]| -> Result<Arc<SslConnector>> {
            let mut builder = SslConnector::builder(SslMethod::tls_client())?;
            builder
                .cert_store_mut()
                .add_cert(X509::from_pem(config.ca_pem.as_bytes())?)?;
            let certificate = X509::from_pem(cert_pem.as_bytes())?;
            let key = PKey::private_key_from_pem(key_pem.as_bytes())?;
            builder.set_certificate(&certificate)?;
            builder.set_private_key(&key)?;
            builder.set_alpn_protos(alpn)?;
            Ok(Arc::new(builder.build()))
        };
        Ok(Endpoint {
            authority: authority.to_owned(),
            base: base.trim_end_matches('/').to_owned(),
            connector_h2: connector(b"\x02h2")?,
            connector_h1: connector(b"\x08http/1.1")?,
        })
    }

    /// Opens a TLS connection speaking `protocol`.
    pub(crate) async fn connect(self: &Arc<Self>, protocol: Protocol) -> Result<Conn> {
        let tcp = TcpStream::connect(&self.authority)
            .await
            .with_context(|| format!("connecting to {}", self.authority))?;
        tcp.set_nodelay(true)?;
        let connector = match protocol {
            Protocol::Http2 => &self.connector_h2,
            Protocol::Http1 => &self.connector_h1,
        };
        let host = self
            .authority
            .rsplit_once(':')
            .map_or(self.authority.as_str(), |(host, _)| host)
            .trim_start_matches('[')
            .trim_end_matches(']');
        let ssl = connector.configure()?.into_ssl(host)?;
        let mut tls = SslStream::new(ssl, tcp)?;
        Pin::new(&mut tls)
            .connect()
            .await
            .context("TLS handshake")?;
        let alpn = tls.ssl().selected_alpn_protocol().map(<[u8]>::to_vec);
        let io = TokioIo::new(tls);
        match protocol {
            Protocol::Http2 => {
                ensure!(
                    alpn.as_deref() == Some(b"h2"),
                    "the hub did not agree to HTTP/2"
                );
                let (sender, connection) = http2::Builder::new(TokioExecutor::new())
                    .initial_stream_window_size(4 << 20)
                    .initial_connection_window_size(16 << 20)
                    .handshake(io)
                    .await?;
                tokio::spawn(connection);
                Ok(Conn::H2(sender, Arc::clone(self)))
            }
            Protocol::Http1 => {
                let (sender, connection) = http1::handshake(io).await?;
                tokio::spawn(connection);
                Ok(Conn::H1(sender, Arc::clone(self)))
            }
        }
    }
}

impl Conn {
    /// Another handle on the same HTTP/2 connection; `None` for HTTP/1.1, which cannot share.
    pub(crate) fn share(&self) -> Option<Conn> {
        match self {
            Conn::H2(sender, endpoint) => Some(Conn::H2(sender.clone(), Arc::clone(endpoint))),
            Conn::H1(..) => None,
        }
    }

    /// Sends a request to `path` (relative to the cluster's base URL, e.g. `/api/v1/…`) and
    /// returns the response with its body unread.
    pub(crate) async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Response<Incoming>> {
        let endpoint = match self {
            Conn::H2(_, endpoint) | Conn::H1(_, endpoint) => Arc::clone(endpoint),
        };
        let uri = match self {
            // HTTP/2 needs the scheme and authority (the :scheme and :authority pseudo-headers).
            Conn::H2(..) => format!("https://{}{}{path}", endpoint.authority, endpoint.base),
            Conn::H1(..) => format!("{}{path}", endpoint.base),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::ACCEPT, "application/json");
        if matches!(self, Conn::H1(..)) {
            request = request.header(header::HOST, &endpoint.authority);
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(body.unwrap_or_default()))?;
        let response = match self {
            Conn::H2(sender, _) => {
                sender.ready().await?;
                sender.send_request(request).await?
            }
            Conn::H1(sender, _) => {
                sender.ready().await?;
                sender.send_request(request).await?
            }
        };
        Ok(response)
    }

    /// Sends a request and reads the whole response body.
    pub(crate) async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes)> {
        let response = self.send(method, path, body).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, bytes))
    }

    /// Like [`Conn::call`], failing unless the status is `expected`.
    pub(crate) async fn expect(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        expected: StatusCode,
    ) -> Result<Bytes> {
        let (status, bytes) = self.call(method.clone(), path, body).await?;
        if status != expected {
            bail!(
                "{method} {path}: {status} (expected {expected}): {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(500)])
            );
        }
        Ok(bytes)
    }
}
