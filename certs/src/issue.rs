//! Issuing key pairs: [`issue_serving`] for the hub's TLS endpoint and [`issue_client`] for users
//! and workers, each with a fresh EC P-256 key.

use std::fmt;
use std::time::Duration;

use crate::error::{Context, Error, Result};
use crate::sign::{Leaf, sign_leaf};
use crate::{Ca, San, Usage, key, name};

/// A certificate and its private key, both PEM (the key PKCS#8). `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPair {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PKCS#8 PEM. Secret.
    pub key_pem: String,
}

/// A serving certificate for `common_name`, valid for the DNS names and IP addresses in `sans`
/// (at least one: TLS clients check only those, never the CN) and for `validity` (capped at the
/// CA's expiry). extendedKeyUsage serverAuth; keyUsage digitalSignature and keyEncipherment.
pub fn issue_serving(
    ca: &Ca,
    common_name: &str,
    sans: &[San],
    validity: Duration,
) -> Result<KeyPair> {
    if sans.is_empty() {
        return Err(Error::invalid(
            "subject alternative names",
            "a serving certificate needs at least one DNS name or IP address",
        ));
    }
    for san in sans {
        if let San::Dns(dns) = san {
            check_dns(dns)?;
        }
    }
    issue(ca, common_name, &[], sans, Usage::SERVING, validity)
}

/// A client certificate for `user` (the CN) in `groups` (one O each, in order), valid for
/// `validity` (capped at the CA's expiry). extendedKeyUsage clientAuth; keyUsage
/// digitalSignature and keyEncipherment. [`identity`](crate::identity) reads it back.
pub fn issue_client(ca: &Ca, user: &str, groups: &[&str], validity: Duration) -> Result<KeyPair> {
    issue(ca, user, groups, &[], Usage::CLIENT, validity)
}

fn issue(
    ca: &Ca,
    common_name: &str,
    groups: &[&str],
    sans: &[San],
    usages: &[Usage],
    validity: Duration,
) -> Result<KeyPair> {
    let subject = name::subject(common_name, groups)?;
    let key = key::generate()?;
    let cert = sign_leaf(
        ca,
        &Leaf {
            subject: &subject,
            public_key: &key,
            usages,
            sans,
            validity,
        },
    )?;
    Ok(KeyPair {
        cert_pem: key::pem_string(cert.to_pem().context("encoding the certificate")?),
        key_pem: key::to_pem(&key)?,
    })
}

/// A DNS SAN must be non-empty printable ASCII without spaces (wildcards such as `*.svc` pass).
fn check_dns(name: &str) -> Result<()> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "DNS name",
            format!("{name:?} is not a printable ASCII host name"),
        ));
    }
    Ok(())
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use openssl::x509::{X509ExtendedKeyUsage, X509KeyUsage, X509PurposeId};

    use super::*;
    use crate::test_support::{cert, verify};
    use crate::{LEAF_VALIDITY, der, identity};

    fn sans() -> Vec<San> {
        vec![
            San::dns("localhost"),
            San::dns("nave.example"),
            San::parse("127.0.0.1"),
            San::parse("::1"),
        ]
    }

    #[test]
    fn serving_certificate_chains_to_the_ca_for_server_auth_only() {
        let ca = Ca::generate("nave-ca").unwrap();
        let serving = issue_serving(&ca, "nave-hub", &sans(), LEAF_VALIDITY).unwrap();
        verify(ca.cert_pem(), &serving.cert_pem, X509PurposeId::SSL_SERVER).unwrap();
        let refused = verify(ca.cert_pem(), &serving.cert_pem, X509PurposeId::SSL_CLIENT);
        assert_eq!(refused, Err("unsuitable certificate purpose".to_owned()));
    }

    #[test]
    fn serving_certificate_has_its_sans_and_usages() {
        let ca = Ca::generate("nave-ca").unwrap();
        let serving = cert(
            &issue_serving(&ca, "nave-hub", &sans(), LEAF_VALIDITY)
                .unwrap()
                .cert_pem,
        );

        let names = serving.subject_alt_names().unwrap();
        let dns: Vec<_> = names.iter().filter_map(|n| n.dnsname()).collect();
        assert_eq!(dns, ["localhost", "nave.example"]);
        let ips: Vec<IpAddr> = names
            .iter()
            .filter_map(|n| n.ipaddress())
            .map(|raw| match raw.len() {
                4 => IpAddr::from(<[u8; 4]>::try_from(raw).unwrap()),
                _ => IpAddr::from(<[u8; 16]>::try_from(raw).unwrap()),
            })
            .collect();
        assert_eq!(
            ips,
            [
                "127.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );

        assert_eq!(
            serving.extended_key_usage(),
            Some(X509ExtendedKeyUsage::SSL_SERVER)
        );
        assert_eq!(
            serving.key_usage(),
            Some(X509KeyUsage::DIGITAL_SIGNATURE | X509KeyUsage::KEY_ENCIPHERMENT)
        );
        assert!(!der::is_ca(&serving.to_der().unwrap()).unwrap());
        let aki = serving.authority_key_id().unwrap().as_slice().to_vec();
        assert_eq!(aki, ca.certificate().subject_key_id().unwrap().as_slice());
        assert_eq!(
            identity(serving.to_pem().unwrap().as_slice()).unwrap().user,
            "nave-hub"
        );
    }

    #[test]
    fn client_certificate_carries_user_and_groups_for_client_auth_only() {
        let ca = Ca::generate("nave-ca").unwrap();
        let groups = ["system:masters", "dev-team", "ops"];
        let client = issue_client(&ca, "alice", &groups, LEAF_VALIDITY).unwrap();
        verify(ca.cert_pem(), &client.cert_pem, X509PurposeId::SSL_CLIENT).unwrap();
        let refused = verify(ca.cert_pem(), &client.cert_pem, X509PurposeId::SSL_SERVER);
        assert_eq!(refused, Err("unsuitable certificate purpose".to_owned()));

        let parsed = cert(&client.cert_pem);
        assert_eq!(
            parsed.extended_key_usage(),
            Some(X509ExtendedKeyUsage::SSL_CLIENT)
        );
        assert!(parsed.subject_alt_names().is_none());
        let who = identity(client.cert_pem.as_bytes()).unwrap();
        assert_eq!(who.user, "alice");
        assert_eq!(who.groups, groups);
    }

    #[test]
    fn the_key_pair_matches() {
        let ca = Ca::generate("nave-ca").unwrap();
        let pair = issue_client(&ca, "alice", &[], LEAF_VALIDITY).unwrap();
        let key = openssl::pkey::PKey::private_key_from_pem(pair.key_pem.as_bytes()).unwrap();
        assert!(pair.key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(cert(&pair.cert_pem).public_key().unwrap().public_eq(&key));
        assert!(!format!("{pair:?}").contains("PRIVATE KEY"));
    }

    #[test]
    fn a_certificate_from_another_ca_does_not_verify() {
        let ca = Ca::generate("nave-ca").unwrap();
        let rogue = Ca::generate("nave-ca").unwrap();
        let client = issue_client(&rogue, "mallory", &["system:masters"], LEAF_VALIDITY).unwrap();
        let refused = verify(ca.cert_pem(), &client.cert_pem, X509PurposeId::SSL_CLIENT);
        assert_eq!(
            refused,
            Err("unable to get local issuer certificate".to_owned())
        );
        let serving = issue_serving(&rogue, "hub", &sans(), LEAF_VALIDITY).unwrap();
        assert!(verify(ca.cert_pem(), &serving.cert_pem, X509PurposeId::SSL_SERVER).is_err());
    }

    #[test]
    fn bad_inputs_are_refused() {
        let ca = Ca::generate("nave-ca").unwrap();
        let cases = [
            issue_serving(&ca, "hub", &[], LEAF_VALIDITY),
            issue_serving(&ca, "hub", &[San::dns("")], LEAF_VALIDITY),
            issue_serving(&ca, "hub", &[San::dns("a b")], LEAF_VALIDITY),
            issue_serving(&ca, "", &sans(), LEAF_VALIDITY),
            issue_client(&ca, "", &[], LEAF_VALIDITY),
            issue_client(&ca, "alice\0admin", &[], LEAF_VALIDITY),
            issue_client(&ca, "alice", &[""], LEAF_VALIDITY),
            issue_client(&ca, "alice", &["a\nb"], LEAF_VALIDITY),
            issue_client(&ca, "alice", &[], Duration::ZERO),
        ];
        for (i, case) in cases.into_iter().enumerate() {
            let err = case.unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "case {i}: {err:?}");
        }
    }

    #[test]
    fn names_longer_than_x520_bounds_are_accepted() {
        let ca = Ca::generate("nave-ca").unwrap();
        let user = format!("system:node:{}", "n".repeat(100));
        let group = "g".repeat(100);
        let client = issue_client(&ca, &user, &[&group], LEAF_VALIDITY).unwrap();
        let who = identity(client.cert_pem.as_bytes()).unwrap();
        assert_eq!((who.user, who.groups), (user, vec![group]));
    }

    #[test]
    fn unicode_names_round_trip() {
        let ca = Ca::generate("nave-ca").unwrap();
        let client = issue_client(&ca, "zoë", &["équipe"], LEAF_VALIDITY).unwrap();
        let who = identity(client.cert_pem.as_bytes()).unwrap();
        assert_eq!(
            (who.user.as_str(), who.groups),
            ("zoë", vec!["équipe".to_owned()])
        );
    }
}
