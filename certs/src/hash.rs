//! [`ca_hash`]: the CA public-key pin that `kubeadm token create --print-join-command` prints
//! after `--discovery-token-ca-cert-hash`.
//!
//! kubeadm's definition (`cmd/kubeadm/app/util/pubkeypin`): `"sha256:"` followed by the lowercase
//! hex SHA-256 of the certificate's DER SubjectPublicKeyInfo, taken exactly as encoded in the
//! certificate (Go's `RawSubjectPublicKeyInfo`), not re-encoded from the key.

use openssl::hash::{MessageDigest, hash};

use crate::der;
use crate::error::{Context, Error, Result};

/// The pin of the certificate in `ca_cert` (PEM or DER): `sha256:<64 lowercase hex digits>`.
pub fn ca_hash(ca_cert: &[u8]) -> Result<String> {
    let cert = crate::parse::certificate(ca_cert)?;
    of_der(&cert.to_der().context("encoding the CA certificate")?)
}

/// Whether `expected` (`sha256:<hex>`, any case, as kubeadm accepts it) pins the certificate in
/// `ca_cert`. A malformed `expected` is an error, not a mismatch.
pub fn ca_hash_matches(ca_cert: &[u8], expected: &str) -> Result<bool> {
    let (format, value) = expected
        .split_once(':')
        .ok_or_else(|| Error::invalid("CA hash", "expected \"sha256:<hex>\""))?;
    if !format.eq_ignore_ascii_case("sha256") {
        return Err(Error::invalid(
            "CA hash",
            format!("unknown format {format:?}; known: sha256"),
        ));
    }
    if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::invalid("CA hash", "expected 64 hex digits"));
    }
    let actual = ca_hash(ca_cert)?;
    Ok(actual["sha256:".len()..].eq_ignore_ascii_case(value))
}

/// The pin of a DER certificate.
pub(crate) fn of_der(cert_der: &[u8]) -> Result<String> {
    let spki = der::subject_public_key_info(cert_der)?;
    let digest = hash(MessageDigest::sha256(), spki).context("hashing the public key")?;
    let mut pin = String::with_capacity("sha256:".len() + 2 * digest.len());
    pin.push_str("sha256:");
    for byte in digest.iter() {
        pin.push(char::from(HEX[usize::from(byte >> 4)]));
        pin.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    Ok(pin)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ca;

    #[test]
    fn the_hash_is_sha256_of_the_public_key_info() {
        let ca = Ca::generate("nave-ca").unwrap();
        // An independent derivation: OpenSSL re-encodes the key as SubjectPublicKeyInfo.
        let spki = ca
            .certificate()
            .public_key()
            .unwrap()
            .public_key_to_der()
            .unwrap();
        let digest = hash(MessageDigest::sha256(), &spki).unwrap();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let expected = format!("sha256:{hex}");

        assert_eq!(ca_hash(ca.cert_pem().as_bytes()).unwrap(), expected);
        assert_eq!(ca.hash(), expected);
        let der = ca.certificate().to_der().unwrap();
        assert_eq!(ca_hash(&der).unwrap(), expected);
    }

    #[test]
    fn the_hash_depends_on_the_key_not_the_certificate() {
        let a = Ca::generate("nave-ca").unwrap();
        let b = Ca::generate("nave-ca").unwrap();
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), "sha256:".len() + 64);
    }

    #[test]
    fn pins_match_in_any_case_and_malformed_pins_are_errors() {
        let ca = Ca::generate("nave-ca").unwrap();
        let other = Ca::generate("nave-ca").unwrap();
        let pem = ca.cert_pem().as_bytes();
        assert!(ca_hash_matches(pem, ca.hash()).unwrap());
        assert!(ca_hash_matches(pem, &ca.hash().to_uppercase()).unwrap());
        assert!(!ca_hash_matches(pem, other.hash()).unwrap());
        for bad in [
            "",
            "sha256",
            "sha1:abcd",
            "sha256:abcd",
            &format!("md5:{}", &ca.hash()[7..]),
        ] {
            assert!(ca_hash_matches(pem, bad).is_err(), "{bad:?} accepted");
        }
    }
}
