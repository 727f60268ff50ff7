//! Certificate signing requests (PKCS#10): [`generate_csr`] for clients (the worker), and
//! [`Csr`] plus [`sign_csr`] for the hub's `CertificateSigningRequest` signer.

use std::fmt;
use std::time::Duration;

use openssl::pkey::{Id, PKey, Public};
use openssl::x509::{X509Req, X509ReqBuilder};

use crate::error::{Context, Error, Result};
use crate::sign::{Leaf, sign_leaf};
use crate::{Ca, Identity, Usage, key, name};

/// The smallest RSA key a signing request may carry.
const MIN_RSA_BITS: u32 = 2048;

/// A parsed PKCS#10 request whose self-signature verified, and the identity its subject names.
pub struct Csr {
    request: X509Req,
    public_key: PKey<Public>,
    identity: Identity,
}

/// A new signing request and the private key it was made with, both PEM. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedCsr {
    /// The request, PEM (`-----BEGIN CERTIFICATE REQUEST-----`): `spec.request` of a
    /// `CertificateSigningRequest`.
    pub csr_pem: String,
    /// The private key, PKCS#8 PEM. Secret: it never leaves the requester.
    pub key_pem: String,
}

/// A signing request for `common_name` in `groups` (one O each) with a fresh EC P-256 key.
pub fn generate_csr(common_name: &str, groups: &[&str]) -> Result<GeneratedCsr> {
    let subject = name::subject(common_name, groups)?;
    let key = key::generate()?;
    let mut builder = X509ReqBuilder::new().context("creating a request builder")?;
    builder
        .set_version(0)
        .context("setting the request version")?;
    builder
        .set_subject_name(&subject)
        .context("setting the request subject")?;
    builder
        .set_pubkey(&key)
        .context("setting the request public key")?;
    builder
        .sign(&key, key::digest_for(&key))
        .context("signing the request")?;
    let csr = builder.build();
    Ok(GeneratedCsr {
        csr_pem: key::pem_string(csr.to_pem().context("encoding the request")?),
        key_pem: key::to_pem(&key)?,
    })
}

/// A certificate (PEM) for `csr`'s subject and public key, with `usages`, valid for `validity`
/// from now but never past the CA's own expiry — how Kubernetes treats `spec.expirationSeconds`.
/// Only the subject and key are taken from the request: extensions it asks for (SANs included)
/// are ignored, so what is certified is decided here, not by the requester.
pub fn sign_csr(ca: &Ca, csr: &Csr, usages: &[Usage], validity: Duration) -> Result<String> {
    let cert = sign_leaf(
        ca,
        &Leaf {
            subject: csr.request.subject_name(),
            public_key: &csr.public_key,
            usages,
            sans: &[],
            validity,
        },
    )?;
    Ok(key::pem_string(
        cert.to_pem().context("encoding the certificate")?,
    ))
}

impl Csr {
    /// Parses a PEM request and checks it: its signature must verify with its own public key
    /// ([`Error::CsrSignature`] otherwise), the key must be EC, Ed25519 or RSA of at least 2048
    /// bits, and the subject must name an [`Identity`] (exactly one CN).
    pub fn from_pem(pem: &[u8]) -> Result<Csr> {
        let request = X509Req::from_pem(pem).context("parsing the certificate signing request")?;
        let public_key = request
            .public_key()
            .context("reading the request's public key")?;
        if !request.verify(&public_key).unwrap_or(false) {
            return Err(Error::CsrSignature);
        }
        match public_key.id() {
            Id::EC | Id::ED25519 => {}
            Id::RSA if public_key.bits() >= MIN_RSA_BITS => {}
            Id::RSA => {
                return Err(Error::invalid(
                    "request public key",
                    format!(
                        "RSA with {} bits; at least {MIN_RSA_BITS}",
                        public_key.bits()
                    ),
                ));
            }
            _ => {
                return Err(Error::invalid(
                    "request public key",
                    "only EC, Ed25519 and RSA keys are signed",
                ));
            }
        }
        let identity = Identity::from_name(request.subject_name())?;
        Ok(Csr {
            request,
            public_key,
            identity,
        })
    }

    /// Who the request asks to be: CN as user, O entries as groups. The signer decides whether
    /// the requester may claim it.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }
}

impl fmt::Debug for Csr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Csr")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for GeneratedCsr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedCsr")
            .field("csr_pem", &self.csr_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use openssl::rsa::Rsa;
    use openssl::stack::Stack;
    use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
    use openssl::x509::{X509ExtendedKeyUsage, X509PurposeId};

    use super::*;
    use crate::test_support::{cert, seconds_from_now, verify};
    use crate::{LEAF_VALIDITY, Validity, der, identity};

    fn pem(label: &str, der: &[u8]) -> String {
        let body = STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn a_generated_csr_is_signed_for_its_subject_and_key() {
        let ca = Ca::generate("nave-ca").unwrap();
        let generated = generate_csr("system:node:worker-1", &["system:nodes"]).unwrap();
        assert!(
            generated
                .csr_pem
                .starts_with("-----BEGIN CERTIFICATE REQUEST-----\n")
        );
        assert!(
            generated
                .key_pem
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
        assert!(!format!("{generated:?}").contains("PRIVATE KEY"));

        let csr = Csr::from_pem(generated.csr_pem.as_bytes()).unwrap();
        assert_eq!(csr.identity().user, "system:node:worker-1");
        assert_eq!(csr.identity().groups, ["system:nodes"]);

        let cert_pem = sign_csr(&ca, &csr, Usage::CLIENT, LEAF_VALIDITY).unwrap();
        verify(ca.cert_pem(), &cert_pem, X509PurposeId::SSL_CLIENT).unwrap();
        assert_eq!(&identity(cert_pem.as_bytes()).unwrap(), csr.identity());
        let issued = cert(&cert_pem);
        assert_eq!(
            issued.extended_key_usage(),
            Some(X509ExtendedKeyUsage::SSL_CLIENT)
        );
        let key = PKey::private_key_from_pem(generated.key_pem.as_bytes()).unwrap();
        assert!(issued.public_key().unwrap().public_eq(&key));
    }

    #[test]
    fn a_tampered_csr_is_refused() {
        let generated = generate_csr("alice", &["dev"]).unwrap();
        let mut der = X509Req::from_pem(generated.csr_pem.as_bytes())
            .unwrap()
            .to_der()
            .unwrap();
        let at = der.windows(5).position(|w| w == b"alice").unwrap();
        der[at] = b'A'; // claim to be "Alice" under alice's signature
        let tampered = pem("CERTIFICATE REQUEST", &der);
        // The tampered request still parses; only the signature check stops it.
        assert!(X509Req::from_pem(tampered.as_bytes()).is_ok());
        let err = Csr::from_pem(tampered.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::CsrSignature), "{err:?}");
    }

    #[test]
    fn a_csr_signed_by_another_key_is_refused() {
        let claimed = key::generate().unwrap();
        let signer = key::generate().unwrap();
        let mut builder = X509ReqBuilder::new().unwrap();
        builder
            .set_subject_name(&name::subject("alice", &[]).unwrap())
            .unwrap();
        builder.set_pubkey(&claimed).unwrap();
        builder
            .sign(&signer, openssl::hash::MessageDigest::sha256())
            .unwrap();
        let forged = builder.build().to_pem().unwrap();
        let err = Csr::from_pem(&forged).unwrap_err();
        assert!(matches!(err, Error::CsrSignature), "{err:?}");
    }

    #[test]
    fn requested_extensions_are_not_copied() {
        let ca = Ca::generate("nave-ca").unwrap();
        let key = key::generate().unwrap();
        let mut builder = X509ReqBuilder::new().unwrap();
        builder
            .set_subject_name(&name::subject("alice", &[]).unwrap())
            .unwrap();
        builder.set_pubkey(&key).unwrap();
        let mut extensions = Stack::new().unwrap();
        let san = SubjectAlternativeName::new()
            .dns("kubernetes.default")
            .build(&builder.x509v3_context(None))
            .unwrap();
        extensions.push(san).unwrap();
        extensions
            .push(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        builder.add_extensions(&extensions).unwrap();
        builder
            .sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        let request = builder.build().to_pem().unwrap();

        let csr = Csr::from_pem(&request).unwrap();
        let issued = cert(&sign_csr(&ca, &csr, Usage::CLIENT, LEAF_VALIDITY).unwrap());
        assert!(issued.subject_alt_names().is_none());
        assert!(!der::is_ca(&issued.to_der().unwrap()).unwrap());
    }

    #[test]
    fn expiration_is_honoured_and_capped_at_the_ca_expiry() {
        let ca = Ca::generate_with_validity("short-ca", Duration::from_secs(7200)).unwrap();
        let csr = Csr::from_pem(generate_csr("alice", &[]).unwrap().csr_pem.as_bytes()).unwrap();

        let ten_minutes = sign_csr(&ca, &csr, Usage::CLIENT, Duration::from_secs(600)).unwrap();
        let left = seconds_from_now(Validity::of(&cert(&ten_minutes)).unwrap().not_after);
        assert!((540..=600).contains(&left), "{left}");

        let year = sign_csr(&ca, &csr, Usage::CLIENT, LEAF_VALIDITY).unwrap();
        let validity = Validity::of(&cert(&year)).unwrap();
        assert_eq!(validity.not_after, ca.validity().not_after);
    }

    #[test]
    fn usages_decide_the_purpose() {
        let ca = Ca::generate("nave-ca").unwrap();
        let csr = Csr::from_pem(generate_csr("alice", &[]).unwrap().csr_pem.as_bytes()).unwrap();
        let serving = sign_csr(&ca, &csr, &[Usage::ServerAuth], LEAF_VALIDITY).unwrap();
        verify(ca.cert_pem(), &serving, X509PurposeId::SSL_SERVER).unwrap();
        assert!(verify(ca.cert_pem(), &serving, X509PurposeId::SSL_CLIENT).is_err());
        let err = sign_csr(&ca, &csr, &[], LEAF_VALIDITY).unwrap_err();
        assert!(
            matches!(err, Error::Invalid { what: "usages", .. }),
            "{err:?}"
        );
    }

    #[test]
    fn weak_rsa_keys_and_nameless_subjects_are_refused() {
        let weak = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap();
        let mut builder = X509ReqBuilder::new().unwrap();
        builder
            .set_subject_name(&name::subject("alice", &[]).unwrap())
            .unwrap();
        builder.set_pubkey(&weak).unwrap();
        builder
            .sign(&weak, openssl::hash::MessageDigest::sha256())
            .unwrap();
        let err = Csr::from_pem(&builder.build().to_pem().unwrap()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Invalid {
                    what: "request public key",
                    ..
                }
            ),
            "{err:?}"
        );

        let key = key::generate().unwrap();
        let mut builder = X509ReqBuilder::new().unwrap();
        let mut subject = openssl::x509::X509NameBuilder::new().unwrap();
        subject
            .append_entry_by_nid(openssl::nid::Nid::ORGANIZATIONNAME, "dev")
            .unwrap();
        builder.set_subject_name(&subject.build()).unwrap();
        builder.set_pubkey(&key).unwrap();
        builder
            .sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        let err = Csr::from_pem(&builder.build().to_pem().unwrap()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Invalid {
                    what: "subject",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn garbage_is_a_parse_error() {
        let err = Csr::from_pem(
            b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        )
        .unwrap_err();
        assert!(matches!(err, Error::OpenSsl { .. }), "{err:?}");
    }
}
