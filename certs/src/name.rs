//! Subject names: building `O=<group>…, CN=<user>` names and validating their parts.

use openssl::asn1::Asn1Type;
use openssl::nid::Nid;
use openssl::x509::{X509Name, X509NameBuilder};

use crate::error::{Context, Error, Result};

/// A subject with one `O` per group (in order) followed by `CN=<common_name>`, the order Go's
/// `pkix.Name` writes them in.
///
/// Entries are UTF8Strings set without OpenSSL's X.520 length table, so names longer than 64
/// characters (common for `system:node:<long hostname>`) are accepted, as Kubernetes does.
pub(crate) fn subject(common_name: &str, groups: &[&str]) -> Result<X509Name> {
    check("common name", common_name)?;
    for group in groups {
        check("group", group)?;
    }
    let mut name = X509NameBuilder::new().context("creating a subject name")?;
    for group in groups {
        name.append_entry_by_nid_with_type(Nid::ORGANIZATIONNAME, group, Asn1Type::UTF8STRING)
            .context("adding an organization (group) to the subject")?;
    }
    name.append_entry_by_nid_with_type(Nid::COMMONNAME, common_name, Asn1Type::UTF8STRING)
        .context("adding the common name to the subject")?;
    Ok(name.build())
}

/// Refuses empty values and values with control characters (NUL included), which would make an
/// identity ambiguous when printed or compared.
pub(crate) fn check(what: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(what, "empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            what,
            format!("{value:?} contains a control character"),
        ));
    }
    Ok(())
}
