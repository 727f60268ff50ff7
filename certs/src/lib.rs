//! Certificates for nave: CA creation, serving and client certificates, CSR signing, client
//! identities, kubeconfig rendering, bootstrap tokens and the kubeadm CA hash.
//!
//! Bytes in, bytes out: PEM (or DER) goes in and comes out; nothing here reads files or opens
//! sockets. Keys are EC P-256, written as PKCS#8 PEM. Every issued certificate has a random
//! 128-bit serial, is backdated by [`BACKDATE`] for clock skew, and never outlives its CA.
//!
//! ```
//! # fn main() -> Result<(), certs::Error> {
//! use std::time::Duration;
//! use certs::{Ca, San, issue_client, issue_serving, identity};
//!
//! let ca = Ca::generate("nave-ca")?;
//! let day = Duration::from_secs(86_400);
//! let sans = [San::dns("localhost"), San::parse("127.0.0.1")];
//! let serving = issue_serving(&ca, "nave-hub", &sans, day)?;
//! let admin = issue_client(&ca, "admin", &["system:masters"], day)?;
//! assert_eq!(identity(admin.cert_pem.as_bytes())?.groups, ["system:masters"]);
//! # let _ = serving;
//! # Ok(())
//! # }
//! ```

mod ca;
mod csr;
mod der;
mod error;
mod hash;
mod identity;
mod issue;
mod jwt;
mod key;
mod kubeconfig;
mod name;
mod parse;
mod san;
mod sign;
mod time;
mod token;
mod usage;
mod validity;

#[cfg(test)]
mod test_support;

use std::time::Duration;

pub use ca::{CA_VALIDITY, Ca};
pub use csr::{Csr, GeneratedCsr, generate_csr, sign_csr};
pub use error::{Error, Result};
pub use hash::{ca_hash, ca_hash_matches};
pub use identity::{Identity, identity};
pub use issue::{KeyPair, issue_client, issue_serving};
pub use jwt::{SigningKey, TokenError};
pub use kubeconfig::{Credentials, Kubeconfig};
pub use san::San;
pub use token::BootstrapToken;
pub use usage::Usage;
pub use validity::{Validity, validity};

/// How far `notBefore` is set in the past, so that peers with slightly slow clocks accept a
/// certificate right away: five minutes, as Kubernetes' CSR signer does.
pub const BACKDATE: Duration = Duration::from_secs(5 * 60);

/// A sensible default lifetime for leaf certificates: one year, as kubeadm's.
pub const LEAF_VALIDITY: Duration = Duration::from_secs(365 * 24 * 60 * 60);
