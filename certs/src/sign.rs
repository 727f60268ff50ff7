//! The one place certificates are built and signed: serial numbers, validity windows (backdated,
//! capped at the CA's expiry) and the extensions implied by [`Usage`]s and [`San`]s.

use std::time::Duration;

use jiff::Timestamp;
use openssl::asn1::Asn1Integer;
use openssl::bn::{BigNum, MsbOption};
use openssl::pkey::{HasPublic, PKeyRef};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509Builder, X509NameRef};

use crate::error::{Context, Error, Result};
use crate::{BACKDATE, Ca, San, Usage, key, time};

/// What a leaf certificate says, apart from who signs it.
pub(crate) struct Leaf<'a, T> {
    /// The subject name, copied as is.
    pub(crate) subject: &'a X509NameRef,
    /// The certified public key.
    pub(crate) public_key: &'a PKeyRef<T>,
    /// Key usages and extended key usages; at least one.
    pub(crate) usages: &'a [Usage],
    /// subjectAltName entries; none gives no extension.
    pub(crate) sans: &'a [San],
    /// Requested lifetime from now; capped at the CA's own expiry.
    pub(crate) validity: Duration,
}

/// Signs `leaf` with `ca`: an X.509 v3 certificate with a random 128-bit serial, `notBefore`
/// backdated by [`BACKDATE`] (for clock skew), `notAfter` at `now + validity` or the CA's expiry,
/// whichever is first, basicConstraints CA:FALSE (critical), keyUsage (critical),
/// extendedKeyUsage, subjectAltName and authorityKeyIdentifier.
pub(crate) fn sign_leaf<T: HasPublic>(ca: &Ca, leaf: &Leaf<'_, T>) -> Result<X509> {
    if leaf.validity.is_zero() {
        return Err(Error::invalid("validity", "zero"));
    }
    if leaf.usages.is_empty() {
        return Err(Error::invalid("usages", "none given"));
    }
    let mut usages = leaf.usages.to_vec();
    usages.sort_unstable();
    usages.dedup();
    let now = Timestamp::now();
    let ca_validity = ca.validity();
    if now >= ca_validity.not_after {
        return Err(Error::CaExpired(ca_validity.not_after));
    }
    let not_before = time::sub(now, BACKDATE).max(ca_validity.not_before.as_second());
    let not_after = time::add(now, leaf.validity).min(ca_validity.not_after.as_second());

    let mut builder = X509Builder::new().context("creating a certificate builder")?;
    builder
        .set_version(2)
        .context("setting the certificate version")?;
    builder
        .set_serial_number(serial()?.as_ref())
        .context("setting the serial number")?;
    builder
        .set_subject_name(leaf.subject)
        .context("setting the subject")?;
    builder
        .set_issuer_name(ca.certificate().subject_name())
        .context("setting the issuer")?;
    builder
        .set_pubkey(leaf.public_key)
        .context("setting the public key")?;
    builder
        .set_not_before(time::asn1(not_before)?.as_ref())
        .context("setting notBefore")?;
    builder
        .set_not_after(time::asn1(not_after)?.as_ref())
        .context("setting notAfter")?;

    let basic = BasicConstraints::new().critical().build();
    builder
        .append_extension(basic.context("building basicConstraints")?)
        .context("adding basicConstraints")?;
    if let Some(key_usage) = key_usage(&usages)? {
        builder
            .append_extension(key_usage)
            .context("adding keyUsage")?;
    }
    if let Some(extended) = extended_key_usage(&usages)? {
        builder
            .append_extension(extended)
            .context("adding extendedKeyUsage")?;
    }
    if !leaf.sans.is_empty() {
        let mut names = SubjectAlternativeName::new();
        for san in leaf.sans {
            match san {
                San::Dns(name) => names.dns(name),
                San::Ip(ip) => names.ip(&ip.to_string()),
            };
        }
        let names = names.build(&builder.x509v3_context(Some(ca.certificate()), None));
        builder
            .append_extension(names.context("building subjectAltName")?)
            .context("adding subjectAltName")?;
    }
    let authority = AuthorityKeyIdentifier::new()
        .keyid(false)
        .build(&builder.x509v3_context(Some(ca.certificate()), None));
    builder
        .append_extension(authority.context("building authorityKeyIdentifier")?)
        .context("adding authorityKeyIdentifier")?;

    builder
        .sign(ca.private_key(), key::digest_for(ca.private_key()))
        .context("signing the certificate")?;
    Ok(builder.build())
}

/// A random positive 128-bit serial number (the top bit set, so always exactly 128 bits).
pub(crate) fn serial() -> Result<Asn1Integer> {
    let mut serial = BigNum::new().context("allocating a serial number")?;
    serial
        .rand(128, MsbOption::ONE, false)
        .context("drawing a random serial number")?;
    serial
        .to_asn1_integer()
        .context("encoding the serial number")
}

/// The critical keyUsage extension for the keyUsage bits among `usages`, if any.
fn key_usage(usages: &[Usage]) -> Result<Option<openssl::x509::X509Extension>> {
    let mut extension = KeyUsage::new();
    extension.critical();
    let mut any = false;
    for usage in usages {
        match usage {
            Usage::DigitalSignature => extension.digital_signature(),
            Usage::KeyEncipherment => extension.key_encipherment(),
            Usage::ClientAuth | Usage::ServerAuth => continue,
        };
        any = true;
    }
    if !any {
        return Ok(None);
    }
    extension.build().context("building keyUsage").map(Some)
}

/// The extendedKeyUsage extension for the extended usages among `usages`, if any.
fn extended_key_usage(usages: &[Usage]) -> Result<Option<openssl::x509::X509Extension>> {
    if !usages.iter().any(|usage| usage.is_extended()) {
        return Ok(None);
    }
    let mut extension = ExtendedKeyUsage::new();
    for usage in usages {
        match usage {
            Usage::ServerAuth => extension.server_auth(),
            Usage::ClientAuth => extension.client_auth(),
            Usage::DigitalSignature | Usage::KeyEncipherment => continue,
        };
    }
    extension
        .build()
        .context("building extendedKeyUsage")
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{cert, seconds_from_now};
    use crate::{LEAF_VALIDITY, Validity, issue_client};

    #[test]
    fn serials_are_random_positive_128_bit_numbers() {
        let ca = Ca::generate("nave-ca").unwrap();
        let serials: Vec<BigNum> = (0..5)
            .map(|_| {
                let pair = issue_client(&ca, "alice", &[], LEAF_VALIDITY).unwrap();
                cert(&pair.cert_pem).serial_number().to_bn().unwrap()
            })
            .collect();
        for (i, serial) in serials.iter().enumerate() {
            assert_eq!(serial.num_bits(), 128);
            assert!(!serial.is_negative());
            assert!(serials[..i].iter().all(|earlier| earlier != serial));
        }
    }

    #[test]
    fn validity_is_backdated_and_runs_for_the_requested_time() {
        let ca = Ca::generate("nave-ca").unwrap();
        let hour = Duration::from_secs(3600);
        let pair = issue_client(&ca, "alice", &[], hour).unwrap();
        let validity = Validity::of(&cert(&pair.cert_pem)).unwrap();
        let left = seconds_from_now(validity.not_after);
        assert!((3540..=3600).contains(&left), "{left}");
        let backdated = -seconds_from_now(validity.not_before);
        assert!((300..=360).contains(&backdated), "{backdated}");
    }

    #[test]
    fn validity_is_capped_at_the_ca_expiry() {
        let ca = Ca::generate_with_validity("short-ca", Duration::from_secs(3600)).unwrap();
        let pair = issue_client(&ca, "alice", &[], LEAF_VALIDITY).unwrap();
        let validity = Validity::of(&cert(&pair.cert_pem)).unwrap();
        assert_eq!(validity.not_after, ca.validity().not_after);
        assert!(validity.not_before >= ca.validity().not_before);
    }

    #[test]
    fn an_expired_ca_issues_nothing() {
        let ca = Ca::generate_with_validity("brief-ca", Duration::from_secs(1)).unwrap();
        std::thread::sleep(Duration::from_millis(2100));
        let err = issue_client(&ca, "alice", &[], LEAF_VALIDITY).unwrap_err();
        assert!(
            matches!(err, Error::CaExpired(at) if at == ca.validity().not_after),
            "{err:?}"
        );
    }

    #[test]
    fn duplicate_usages_are_written_once() {
        let ca = Ca::generate("nave-ca").unwrap();
        let key = key::generate().unwrap();
        let subject = crate::name::subject("alice", &[]).unwrap();
        let usages = [
            Usage::ClientAuth,
            Usage::ClientAuth,
            Usage::DigitalSignature,
        ];
        let leaf = sign_leaf(
            &ca,
            &Leaf {
                subject: &subject,
                public_key: &key,
                usages: &usages,
                sans: &[],
                validity: LEAF_VALIDITY,
            },
        )
        .unwrap();
        let text = String::from_utf8(leaf.to_text().unwrap()).unwrap();
        assert_eq!(
            text.matches("TLS Web Client Authentication").count(),
            1,
            "{text}"
        );
        assert!(text.contains("X509v3 Key Usage: critical\n                Digital Signature\n"));
        assert!(text.contains("CA:FALSE"), "{text}");
    }
}
