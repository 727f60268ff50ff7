//! [`Validity`]: when a certificate starts and stops being valid.

use jiff::Timestamp;
use openssl::x509::X509Ref;

use crate::error::Result;
use crate::{parse, time};

/// The validity window of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// The certificate is not valid before this instant (`notBefore`).
    pub not_before: Timestamp,
    /// The certificate is not valid after this instant (`notAfter`): its expiry.
    pub not_after: Timestamp,
}

/// The validity window of the certificate in `cert` (PEM or DER).
pub fn validity(cert: &[u8]) -> Result<Validity> {
    let cert = parse::certificate(cert)?;
    Validity::of(&cert)
}

impl Validity {
    /// The validity window of an already parsed certificate.
    pub fn of(cert: &X509Ref) -> Result<Validity> {
        Ok(Validity {
            not_before: time::timestamp(cert.not_before())?,
            not_after: time::timestamp(cert.not_after())?,
        })
    }

    /// Whether `at` lies inside the window (both ends included).
    pub fn contains(&self, at: Timestamp) -> bool {
        self.not_before <= at && at <= self.not_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ca, LEAF_VALIDITY, issue_client};

    #[test]
    fn validity_reads_the_window_and_contains_now() {
        let ca = Ca::generate("nave-ca").unwrap();
        assert_eq!(validity(ca.cert_pem().as_bytes()).unwrap(), ca.validity());
        let leaf = issue_client(&ca, "alice", &[], LEAF_VALIDITY).unwrap();
        let window = validity(leaf.cert_pem.as_bytes()).unwrap();
        let now = Timestamp::now();
        assert!(window.contains(now));
        assert!(!window.contains(window.not_after + jiff::SignedDuration::from_secs(1)));
        assert!(!window.contains(window.not_before - jiff::SignedDuration::from_secs(1)));
        let year = window.not_after.as_second() - now.as_second();
        assert!((365 * 86_400 - 60..=365 * 86_400).contains(&year), "{year}");
    }
}
