//! [`Usage`]: the key usages this crate puts in certificates, named as Kubernetes'
//! `CertificateSigningRequest.spec.usages` names them.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A key usage or extended key usage of an issued certificate.
///
/// Only the usages a leaf certificate needs are supported: a signing request asking for
/// `cert sign` (a sub-CA) or anything else is refused with [`Error::UnsupportedUsage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Usage {
    /// keyUsage digitalSignature (`"digital signature"`).
    DigitalSignature,
    /// keyUsage keyEncipherment (`"key encipherment"`).
    KeyEncipherment,
    /// extendedKeyUsage clientAuth (`"client auth"`).
    ClientAuth,
    /// extendedKeyUsage serverAuth (`"server auth"`).
    ServerAuth,
}

impl Usage {
    /// The usages of a client certificate: digital signature, key encipherment, client auth.
    pub const CLIENT: &'static [Usage] = &[
        Usage::DigitalSignature,
        Usage::KeyEncipherment,
        Usage::ClientAuth,
    ];

    /// The usages of a serving certificate: digital signature, key encipherment, server auth.
    pub const SERVING: &'static [Usage] = &[
        Usage::DigitalSignature,
        Usage::KeyEncipherment,
        Usage::ServerAuth,
    ];

    /// The Kubernetes name of this usage, e.g. `"client auth"`.
    pub fn kubernetes_name(self) -> &'static str {
        match self {
            Usage::DigitalSignature => "digital signature",
            Usage::KeyEncipherment => "key encipherment",
            Usage::ClientAuth => "client auth",
            Usage::ServerAuth => "server auth",
        }
    }

    /// Whether this is an extendedKeyUsage (rather than a keyUsage bit).
    pub(crate) fn is_extended(self) -> bool {
        matches!(self, Usage::ClientAuth | Usage::ServerAuth)
    }
}

impl FromStr for Usage {
    type Err = Error;

    /// Parses a Kubernetes usage name (`"client auth"`, …).
    fn from_str(name: &str) -> Result<Self, Error> {
        [
            Usage::DigitalSignature,
            Usage::KeyEncipherment,
            Usage::ClientAuth,
            Usage::ServerAuth,
        ]
        .into_iter()
        .find(|usage| usage.kubernetes_name() == name)
        .ok_or_else(|| Error::UnsupportedUsage(name.to_owned()))
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kubernetes_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_names_round_trip() {
        for usage in [Usage::CLIENT, Usage::SERVING].concat() {
            assert_eq!(usage.to_string().parse::<Usage>().unwrap(), usage);
        }
    }

    #[test]
    fn sub_ca_and_unknown_usages_are_refused() {
        for name in ["cert sign", "crl sign", "any", "Client Auth", ""] {
            assert!(
                matches!(name.parse::<Usage>(), Err(Error::UnsupportedUsage(n)) if n == name),
                "{name:?} was accepted"
            );
        }
    }
}
