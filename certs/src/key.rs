//! Private keys: generating the EC P-256 keys this crate issues, encoding them as PKCS#8 PEM, and
//! choosing the signature digest for a signing key.

use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, PKeyRef, Private};

use crate::error::{Context, Result};

/// A fresh EC P-256 (prime256v1) private key.
pub(crate) fn generate() -> Result<PKey<Private>> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).context("loading curve P-256")?;
    let key = EcKey::generate(&group).context("generating an EC P-256 key")?;
    PKey::from_ec_key(key).context("wrapping the EC key")
}

/// `key` as an unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
pub(crate) fn to_pem(key: &PKeyRef<Private>) -> Result<String> {
    let pem = key
        .private_key_to_pem_pkcs8()
        .context("encoding the private key as PKCS#8 PEM")?;
    Ok(pem_string(pem))
}

/// The digest to sign with `key`: none for the EdDSA keys (which hash internally), SHA-256
/// otherwise.
pub(crate) fn digest_for(key: &PKeyRef<Private>) -> MessageDigest {
    match key.id() {
        Id::ED25519 | Id::ED448 => MessageDigest::null(),
        _ => MessageDigest::sha256(),
    }
}

/// PEM bytes from OpenSSL as a `String`. PEM is ASCII by construction, so the lossy conversion
/// never replaces anything.
pub(crate) fn pem_string(pem: Vec<u8>) -> String {
    String::from_utf8(pem).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
