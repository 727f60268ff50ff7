//! [`Identity`]: who a client certificate names — the user from the subject's CN, the groups from
//! its O entries — as Kubernetes' x509 authenticator reads them.

use openssl::nid::Nid;
use openssl::x509::{X509NameRef, X509Ref};

use crate::error::{Context, Error, Result};
use crate::{name, parse};

/// A user and the groups it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    /// The subject's common name (CN).
    pub user: String,
    /// The subject's organization (O) entries, in certificate order.
    pub groups: Vec<String>,
}

/// The identity named by the certificate in `cert` (PEM or DER). This does not verify the
/// certificate: the TLS handshake (or an X509 store) must have done that.
pub fn identity(cert: &[u8]) -> Result<Identity> {
    let cert = parse::certificate(cert)?;
    Identity::from_certificate(&cert)
}

impl Identity {
    /// The identity named by an already parsed (and verified) certificate, e.g. a TLS peer's.
    pub fn from_certificate(cert: &X509Ref) -> Result<Identity> {
        Identity::from_name(cert.subject_name())
    }

    /// The identity named by a subject: exactly one non-empty CN, any number of O entries.
    /// Several CNs are refused rather than guessed between, and so are values with control
    /// characters.
    pub(crate) fn from_name(subject: &X509NameRef) -> Result<Identity> {
        let mut users = entries(subject, Nid::COMMONNAME)?;
        let user = match (users.pop(), users.is_empty()) {
            (Some(user), true) => user,
            (None, _) => return Err(Error::invalid("subject", "no common name (CN)")),
            (Some(_), false) => return Err(Error::invalid("subject", "more than one common name")),
        };
        name::check("common name", &user)?;
        let groups = entries(subject, Nid::ORGANIZATIONNAME)?;
        for group in &groups {
            name::check("group", group)?;
        }
        Ok(Identity { user, groups })
    }
}

/// The common names of `subject`, for `Debug` output (unreadable ones are skipped).
pub(crate) fn common_names(subject: &X509NameRef) -> Vec<String> {
    subject
        .entries_by_nid(Nid::COMMONNAME)
        .filter_map(|entry| entry.data().to_string().ok())
        .collect()
}

fn entries(subject: &X509NameRef, nid: Nid) -> Result<Vec<String>> {
    subject
        .entries_by_nid(nid)
        .map(|entry| {
            entry
                .data()
                .to_string()
                .context("decoding a subject entry as UTF-8")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use openssl::x509::X509NameBuilder;

    use super::*;
    use crate::{Ca, LEAF_VALIDITY, issue_client};

    #[test]
    fn identity_reads_pem_and_der_alike() {
        let ca = Ca::generate("nave-ca").unwrap();
        let pair = issue_client(&ca, "bob", &["a", "b", "c"], LEAF_VALIDITY).unwrap();
        let der = openssl::x509::X509::from_pem(pair.cert_pem.as_bytes())
            .unwrap()
            .to_der()
            .unwrap();
        let expected = Identity {
            user: "bob".to_owned(),
            groups: vec!["a".to_owned(), "b".to_owned(), "c".to_owned()],
        };
        assert_eq!(identity(pair.cert_pem.as_bytes()).unwrap(), expected);
        assert_eq!(identity(&der).unwrap(), expected);
    }

    #[test]
    fn no_groups_is_an_empty_list() {
        let ca = Ca::generate("nave-ca").unwrap();
        let pair = issue_client(&ca, "bob", &[], LEAF_VALIDITY).unwrap();
        assert!(
            identity(pair.cert_pem.as_bytes())
                .unwrap()
                .groups
                .is_empty()
        );
    }

    #[test]
    fn ambiguous_or_missing_common_names_are_refused() {
        let mut two = X509NameBuilder::new().unwrap();
        two.append_entry_by_nid(Nid::COMMONNAME, "alice").unwrap();
        two.append_entry_by_nid(Nid::COMMONNAME, "admin").unwrap();
        let err = Identity::from_name(&two.build()).unwrap_err();
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

        let mut none = X509NameBuilder::new().unwrap();
        none.append_entry_by_nid(Nid::ORGANIZATIONNAME, "system:masters")
            .unwrap();
        let err = Identity::from_name(&none.build()).unwrap_err();
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
    fn control_characters_in_names_are_refused() {
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_nid(Nid::COMMONNAME, "alice\u{0}admin")
            .unwrap();
        let err = Identity::from_name(&name.build()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Invalid {
                    what: "common name",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn other_subject_entries_are_ignored() {
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_nid(Nid::COUNTRYNAME, "FR").unwrap();
        name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "dev")
            .unwrap();
        name.append_entry_by_nid(Nid::ORGANIZATIONALUNITNAME, "not-a-group")
            .unwrap();
        name.append_entry_by_nid(Nid::COMMONNAME, "carol").unwrap();
        let who = Identity::from_name(&name.build()).unwrap();
        assert_eq!(
            (who.user.as_str(), who.groups),
            ("carol", vec!["dev".to_owned()])
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(identity(b"garbage").is_err());
        assert!(identity(b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").is_err());
    }
}
