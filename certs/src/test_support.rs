//! Helpers for this crate's unit tests: chain verification with OpenSSL's X509 store.

use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509PurposeId, X509StoreContext};

/// Verifies `cert_pem` against the single trusted root `ca_pem` for `purpose` (e.g.
/// [`X509PurposeId::SSL_CLIENT`]), at the current time. `Err` carries OpenSSL's verdict.
pub(crate) fn verify(ca_pem: &str, cert_pem: &str, purpose: X509PurposeId) -> Result<(), String> {
    let ca = X509::from_pem(ca_pem.as_bytes()).unwrap();
    let cert = X509::from_pem(cert_pem.as_bytes()).unwrap();
    let mut store = X509StoreBuilder::new().unwrap();
    store.add_cert(ca).unwrap();
    store.set_purpose(purpose).unwrap();
    let store = store.build();
    let chain = Stack::new().unwrap();
    let mut context = X509StoreContext::new().unwrap();
    let (ok, verdict) = context
        .init(&store, &cert, &chain, |c| Ok((c.verify_cert()?, c.error())))
        .unwrap();
    if ok {
        Ok(())
    } else {
        Err(verdict.error_string().to_owned())
    }
}

/// The certificate of `pem`.
pub(crate) fn cert(pem: &str) -> X509 {
    X509::from_pem(pem.as_bytes()).unwrap()
}

/// Seconds from now until `time` (negative if past).
pub(crate) fn seconds_from_now(time: jiff::Timestamp) -> i64 {
    time.as_second() - jiff::Timestamp::now().as_second()
}
