//! [`Ca`]: the certificate authority that signs every certificate of a cluster — generated
//! self-signed, or loaded from PEM.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use openssl::pkey::{PKey, PKeyRef, Private};
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509Builder, X509KeyUsage, X509Ref};

use crate::error::{Context, Error, Result};
use crate::{BACKDATE, Validity, der, hash, key, name, sign, time};

/// How long a generated CA is valid: ten years (3650 days), as kubeadm's CA.
pub const CA_VALIDITY: Duration = Duration::from_secs(3650 * 24 * 60 * 60);

/// A certificate authority: its certificate and private key. Cloning copies handles, not keys.
///
/// `Debug` shows the subject and expiry, never the key.
#[derive(Clone)]
pub struct Ca {
    cert: X509,
    key: PKey<Private>,
    cert_pem: String,
    key_pem: String,
    validity: Validity,
    hash: String,
}

impl Ca {
    /// A new self-signed CA named `common_name` (e.g. `"nave-ca"`), valid for [`CA_VALIDITY`]:
    /// an EC P-256 key; basicConstraints CA:TRUE, keyUsage keyCertSign, cRLSign and
    /// digitalSignature (both critical); a subjectKeyIdentifier.
    pub fn generate(common_name: &str) -> Result<Ca> {
        Ca::generate_with_validity(common_name, CA_VALIDITY)
    }

    /// [`Ca::generate`] with another lifetime (`notBefore` is backdated by [`BACKDATE`]).
    pub fn generate_with_validity(common_name: &str, validity: Duration) -> Result<Ca> {
        if validity.is_zero() {
            return Err(Error::invalid("validity", "zero"));
        }
        let key = key::generate()?;
        let subject = name::subject(common_name, &[])?;
        let now = Timestamp::now();

        let mut builder = X509Builder::new().context("creating a certificate builder")?;
        builder
            .set_version(2)
            .context("setting the certificate version")?;
        builder
            .set_serial_number(sign::serial()?.as_ref())
            .context("setting the serial number")?;
        builder
            .set_subject_name(&subject)
            .context("setting the subject")?;
        builder
            .set_issuer_name(&subject)
            .context("setting the issuer")?;
        builder.set_pubkey(&key).context("setting the public key")?;
        builder
            .set_not_before(time::asn1(time::sub(now, BACKDATE))?.as_ref())
            .context("setting notBefore")?;
        builder
            .set_not_after(time::asn1(time::add(now, validity))?.as_ref())
            .context("setting notAfter")?;
        let basic = BasicConstraints::new().critical().ca().build();
        builder
            .append_extension(basic.context("building basicConstraints")?)
            .context("adding basicConstraints")?;
        let usage = KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .digital_signature()
            .build();
        builder
            .append_extension(usage.context("building keyUsage")?)
            .context("adding keyUsage")?;
        let ski = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None));
        builder
            .append_extension(ski.context("building subjectKeyIdentifier")?)
            .context("adding subjectKeyIdentifier")?;
        builder
            .sign(&key, key::digest_for(&key))
            .context("self-signing the CA certificate")?;
        Ca::new(builder.build(), key)
    }

    /// A CA from its certificate (PEM; the first certificate of a bundle) and private key (PEM:
    /// PKCS#8 or the traditional `EC`/`RSA PRIVATE KEY` forms).
    ///
    /// Refused unless the key is the certificate's and the certificate is a CA (basicConstraints
    /// CA:TRUE, and keyCertSign if it has a keyUsage). An expired CA loads, but issues nothing
    /// ([`Error::CaExpired`]).
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Ca> {
        let cert = X509::from_pem(cert_pem).context("parsing the CA certificate PEM")?;
        let key = PKey::private_key_from_pem(key_pem).context("parsing the CA private key PEM")?;
        let public = cert
            .public_key()
            .context("reading the CA certificate's public key")?;
        if !public.public_eq(&key) {
            return Err(Error::KeyMismatch);
        }
        let der = cert.to_der().context("encoding the CA certificate")?;
        if !der::is_ca(&der)? {
            return Err(Error::NotCa("basicConstraints CA:TRUE is missing"));
        }
        if cert
            .key_usage()
            .is_some_and(|usage| !usage.contains(X509KeyUsage::KEY_CERT_SIGN))
        {
            return Err(Error::NotCa("keyUsage lacks keyCertSign"));
        }
        Ca::new(cert, key)
    }

    /// The CA certificate as PEM: what clients trust (`certificate-authority-data`).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA private key as PKCS#8 PEM. Secret.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// The parsed CA certificate, e.g. for an OpenSSL trust store.
    pub fn certificate(&self) -> &X509Ref {
        &self.cert
    }

    /// When the CA certificate is valid; nothing it issues outlives `not_after`.
    pub fn validity(&self) -> Validity {
        self.validity
    }

    /// The CA's public-key pin, `sha256:<hex>`, as [`ca_hash`](crate::ca_hash) computes it.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The CA private key, for signing.
    pub(crate) fn private_key(&self) -> &PKeyRef<Private> {
        &self.key
    }

    fn new(cert: X509, key: PKey<Private>) -> Result<Ca> {
        let cert_pem = key::pem_string(cert.to_pem().context("encoding the CA certificate")?);
        let key_pem = key::to_pem(&key)?;
        let validity = Validity::of(&cert)?;
        let der = cert.to_der().context("encoding the CA certificate")?;
        let hash = hash::of_der(&der)?;
        Ok(Ca {
            cert,
            key,
            cert_pem,
            key_pem,
            validity,
            hash,
        })
    }
}

impl fmt::Debug for Ca {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subject = crate::identity::common_names(self.cert.subject_name());
        f.debug_struct("Ca")
            .field("subject_cn", &subject)
            .field("validity", &self.validity)
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use openssl::nid::Nid;
    use openssl::x509::X509PurposeId;

    use super::*;
    use crate::test_support::{seconds_from_now, verify};
    use crate::{LEAF_VALIDITY, identity, issue_client};

    #[test]
    fn generated_ca_is_a_self_signed_p256_ca_valid_ten_years() {
        let ca = Ca::generate("nave-ca").unwrap();
        let cert = ca.certificate();

        assert_eq!(identity::common_names(cert.subject_name()), ["nave-ca"]);
        assert_eq!(cert.issued(cert), openssl::x509::X509VerifyResult::OK);
        assert!(cert.verify(&cert.public_key().unwrap()).unwrap());
        assert!(der::is_ca(&cert.to_der().unwrap()).unwrap());
        assert_eq!(
            cert.key_usage(),
            Some(
                X509KeyUsage::KEY_CERT_SIGN
                    | X509KeyUsage::CRL_SIGN
                    | X509KeyUsage::DIGITAL_SIGNATURE
            )
        );
        assert!(cert.subject_key_id().is_some_and(|id| id.len() == 20));
        let ec = cert.public_key().unwrap().ec_key().unwrap();
        assert_eq!(ec.group().curve_name(), Some(Nid::X9_62_PRIME256V1));
        assert!(ca.key_pem().starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(ca.cert_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));

        let ten_years = 3650 * 86_400;
        let left = seconds_from_now(ca.validity().not_after);
        assert!((ten_years - 60..=ten_years).contains(&left), "{left}");
        let backdated = -seconds_from_now(ca.validity().not_before);
        assert!((300..=360).contains(&backdated), "{backdated}");
        // The CA is its own trust anchor.
        verify(ca.cert_pem(), ca.cert_pem(), X509PurposeId::ANY).unwrap();
    }

    #[test]
    fn the_criticality_of_the_ca_extensions_is_set() {
        let ca = Ca::generate("nave-ca").unwrap();
        let text = String::from_utf8(ca.certificate().to_text().unwrap()).unwrap();
        assert!(
            text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"),
            "{text}"
        );
        assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
    }

    #[test]
    fn a_ca_loaded_from_its_pem_signs_for_the_original() {
        let original = Ca::generate("nave-ca").unwrap();
        let loaded = Ca::from_pem(
            original.cert_pem().as_bytes(),
            original.key_pem().as_bytes(),
        )
        .unwrap();
        assert_eq!(loaded.cert_pem(), original.cert_pem());
        assert_eq!(loaded.hash(), original.hash());
        assert_eq!(loaded.validity(), original.validity());

        let client = issue_client(&loaded, "alice", &[], LEAF_VALIDITY).unwrap();
        verify(
            original.cert_pem(),
            &client.cert_pem,
            X509PurposeId::SSL_CLIENT,
        )
        .unwrap();
    }

    #[test]
    fn loading_refuses_a_key_that_is_not_the_certificates() {
        let ca = Ca::generate("nave-ca").unwrap();
        let other = Ca::generate("nave-ca").unwrap();
        let err = Ca::from_pem(ca.cert_pem().as_bytes(), other.key_pem().as_bytes()).unwrap_err();
        assert!(matches!(err, Error::KeyMismatch), "{err:?}");
    }

    #[test]
    fn loading_refuses_a_leaf_certificate() {
        let ca = Ca::generate("nave-ca").unwrap();
        let leaf = issue_client(&ca, "alice", &[], LEAF_VALIDITY).unwrap();
        let err = Ca::from_pem(leaf.cert_pem.as_bytes(), leaf.key_pem.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::NotCa(_)), "{err:?}");
    }

    #[test]
    fn loading_refuses_garbage_with_context() {
        let err = Ca::from_pem(b"not a certificate", b"not a key").unwrap_err();
        assert!(
            matches!(
                err,
                Error::OpenSsl {
                    context: "parsing the CA certificate PEM",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let ca = Ca::generate("nave-ca").unwrap();
        let debug = format!("{ca:?}");
        assert!(debug.contains("nave-ca"), "{debug}");
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    }

    #[test]
    fn zero_validity_is_refused() {
        let err = Ca::generate_with_validity("nave-ca", Duration::ZERO).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Invalid {
                    what: "validity",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
