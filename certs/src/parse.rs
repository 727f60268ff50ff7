//! Reading certificates given as PEM or DER bytes.

use openssl::x509::X509;

use crate::error::{Context, Result};

/// The certificate in `bytes`: PEM if it contains a PEM header (the first block is taken), DER
/// otherwise.
pub(crate) fn certificate(bytes: &[u8]) -> Result<X509> {
    if is_pem(bytes) {
        X509::from_pem(bytes).context("parsing a PEM certificate")
    } else {
        X509::from_der(bytes).context("parsing a DER certificate")
    }
}

/// Whether `bytes` holds PEM text rather than DER.
fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|window| window == b"-----BEGIN ")
}
