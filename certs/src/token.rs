//! [`BootstrapToken`]: kubeadm-style bootstrap tokens `ID.SECRET` (`[a-z0-9]{6}.[a-z0-9]{16}`),
//! drawn from OpenSSL's cryptographic RNG.

use std::fmt;
use std::str::FromStr;

use openssl::rand::rand_priv_bytes;

use crate::error::{Context, Error, Result};

/// The alphabet of token IDs and secrets.
const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// Length of the public token ID.
const ID_LEN: usize = 6;
/// Length of the token secret.
const SECRET_LEN: usize = 16;

/// A bootstrap token: a public ID (which names the token, e.g. `bootstrap-token-<id>`) and a
/// secret. `Display` gives `id.secret`; `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct BootstrapToken {
    id: String,
    secret: String,
}

impl BootstrapToken {
    /// A fresh random token. Characters are drawn uniformly (rejection sampling, no modulo bias):
    /// about 31 bits of ID and 82 bits of secret.
    pub fn generate() -> Result<BootstrapToken> {
        Ok(BootstrapToken {
            id: random_string(ID_LEN)?,
            secret: random_string(SECRET_LEN)?,
        })
    }

    /// Parses `id.secret`, refusing anything that is not `[a-z0-9]{6}.[a-z0-9]{16}`.
    pub fn parse(token: &str) -> Result<BootstrapToken> {
        let malformed = || Error::invalid("bootstrap token", "expected [a-z0-9]{6}.[a-z0-9]{16}");
        let (id, secret) = token.split_once('.').ok_or_else(malformed)?;
        if id.len() != ID_LEN
            || secret.len() != SECRET_LEN
            || !in_alphabet(id)
            || !in_alphabet(secret)
        {
            return Err(malformed());
        }
        Ok(BootstrapToken {
            id: id.to_owned(),
            secret: secret.to_owned(),
        })
    }

    /// The public token ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The secret half. Secret.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Whether `secret` is this token's secret, compared in constant time.
    pub fn secret_matches(&self, secret: &str) -> bool {
        secret.len() == self.secret.len()
            && openssl::memcmp::eq(secret.as_bytes(), self.secret.as_bytes())
    }
}

impl FromStr for BootstrapToken {
    type Err = Error;

    fn from_str(token: &str) -> Result<Self> {
        BootstrapToken::parse(token)
    }
}

impl fmt::Display for BootstrapToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.id, self.secret)
    }
}

impl fmt::Debug for BootstrapToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BootstrapToken")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn in_alphabet(text: &str) -> bool {
    text.bytes().all(|b| ALPHABET.contains(&b))
}

/// `len` characters drawn uniformly from [`ALPHABET`]: random bytes at or above the largest
/// multiple of 36 below 256 (252) are thrown away so every character is equally likely.
fn random_string(len: usize) -> Result<String> {
    const LIMIT: u8 = 252;
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 32];
    while out.len() < len {
        rand_priv_bytes(&mut buf).context("drawing random bytes")?;
        for byte in buf.iter().filter(|b| **b < LIMIT) {
            if out.len() == len {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(byte % 36)]));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_kubeadm_shape_and_differ() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let token = BootstrapToken::generate().unwrap();
            let text = token.to_string();
            assert_eq!(text.len(), 23, "{text}");
            assert_eq!(BootstrapToken::parse(&text).unwrap(), token);
            assert!(token.secret_matches(token.secret()));
            assert!(!token.secret_matches("0000000000000000"));
            assert!(seen.insert(text), "a token repeated");
        }
    }

    #[test]
    fn all_characters_of_the_alphabet_occur() {
        // 200 × 22 draws from 36 symbols: each is missed with probability ~1e-53.
        let mut counts = [0usize; 36];
        for _ in 0..200 {
            let token = BootstrapToken::generate().unwrap();
            for b in token.to_string().bytes().filter(|b| *b != b'.') {
                let index = ALPHABET.iter().position(|a| *a == b).unwrap();
                counts[index] += 1;
            }
        }
        assert!(counts.iter().all(|c| *c > 0), "{counts:?}");
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in [
            "",
            "abcdef",
            "abcdef.0123456789abcde",
            "abcdef.0123456789abcdef0",
            "ABCDEF.0123456789abcdef",
            "abcde.0123456789abcdefg",
            "abc-ef.0123456789abcdef",
            "abcdef:0123456789abcdef",
            "abcdef.0123456789abcdeé",
        ] {
            assert!(BootstrapToken::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(BootstrapToken::parse("abcdef.0123456789abcdef").is_ok());
    }

    #[test]
    fn debug_hides_the_secret() {
        let token = BootstrapToken::parse("abcdef.0123456789abcdef").unwrap();
        let debug = format!("{token:?}");
        assert!(
            debug.contains("abcdef") && !debug.contains("0123456789abcdef"),
            "{debug}"
        );
    }
}
