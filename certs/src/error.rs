//! [`Error`]: the one error type of this crate, wrapping OpenSSL's error stack with context.

use openssl::error::ErrorStack;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a certificate operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// OpenSSL failed; `context` says what was being done, `source` holds OpenSSL's error stack.
    #[error("{context}")]
    OpenSsl {
        /// What this crate was doing, e.g. "parsing the CA certificate".
        context: &'static str,
        /// OpenSSL's own errors.
        #[source]
        source: ErrorStack,
    },
    /// The private key given for a CA is not the key of its certificate.
    #[error("the private key does not match the CA certificate")]
    KeyMismatch,
    /// The certificate given as a CA may not sign certificates.
    #[error("the certificate is not a CA: {0}")]
    NotCa(&'static str),
    /// The CA certificate is no longer valid, so it cannot issue anything.
    #[error("the CA certificate expired at {0}")]
    CaExpired(jiff::Timestamp),
    /// A certificate signing request's self-signature does not verify against its own key.
    #[error("the certificate signing request's signature does not verify")]
    CsrSignature,
    /// A usage that this crate does not issue (see [`Usage`](crate::Usage)).
    #[error("unsupported key usage {0:?}")]
    UnsupportedUsage(String),
    /// An input is malformed or out of range.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which input, e.g. "common name".
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A kubeconfig could not be rendered, parsed or resolved.
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            what,
            reason: reason.into(),
        }
    }
}

/// Attaches a context to OpenSSL results: `op().context("signing the certificate")?`.
pub(crate) trait Context<T> {
    /// Wraps an [`ErrorStack`] into [`Error::OpenSsl`] with `context`.
    fn context(self, context: &'static str) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, ErrorStack> {
    fn context(self, context: &'static str) -> Result<T> {
        self.map_err(|source| Error::OpenSsl { context, source })
    }
}
