//! Signed JSON Web Tokens (JWS compact form, ES256) for ServiceAccount tokens: a signing key,
//! signing claims, and verifying a token's signature and time bounds.
//!
//! Only what the hub needs: ES256 over EC P-256, `typ: JWT`, a `kid` naming the key. Audience and
//! subject checks are the caller's, since they depend on the request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::{MessageDigest, hash};
use openssl::pkey::{PKey, Private, Public};

use crate::error::{Context, Error, Result};

/// An EC P-256 key that signs tokens.
#[derive(Clone)]
pub struct SigningKey {
    private: PKey<Private>,
    public: PKey<Public>,
    kid: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Why a token is not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url parts with JSON header and claims.
    #[error("malformed token")]
    Malformed,
    /// Not ES256, or signed by another key.
    #[error("token signed by an unknown key or algorithm")]
    UnknownKey,
    /// The signature does not verify.
    #[error("invalid token signature")]
    BadSignature,
    /// Past `exp`, or before `nbf`.
    #[error("token is expired or not yet valid")]
    Expired,
}

impl SigningKey {
    /// A new random key.
    pub fn generate() -> Result<SigningKey> {
        let private = crate::key::generate()?;
        SigningKey::from_private(private)
    }

    /// A key from its PKCS#8 PEM.
    pub fn from_pem(pem: &[u8]) -> Result<SigningKey> {
        let private = PKey::private_key_from_pem(pem).context("parsing the token signing key")?;
        SigningKey::from_private(private)
    }

    fn from_private(private: PKey<Private>) -> Result<SigningKey> {
        let public_der = private
            .public_key_to_der()
            .context("encoding the token signing key's public key")?;
        let public = PKey::public_key_from_der(&public_der)
            .context("reading the token signing key's public key")?;
        let digest =
            hash(MessageDigest::sha256(), &public_der).context("hashing the public key")?;
        let kid = URL_SAFE_NO_PAD.encode(&digest[..16]);
        Ok(SigningKey {
            private,
            public,
            kid,
        })
    }

    /// The key as PKCS#8 PEM, to store it.
    pub fn to_pem(&self) -> Result<String> {
        crate::key::to_pem(&self.private)
    }

    /// The key's id, carried in each token's header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A token carrying `claims`.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String> {
        let header = serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let digest =
            hash(MessageDigest::sha256(), signing_input.as_bytes()).context("hashing the token")?;
        let ec = self.private.ec_key().context("reading the signing key")?;
        let signature = EcdsaSig::sign(&digest, &ec).context("signing the token")?;
        let mut raw = pad32(&signature.r().to_vec());
        raw.extend(pad32(&signature.s().to_vec()));
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(raw)))
    }

    /// The claims of `token` if this key signed it and it is within its time bounds at `now`
    /// (seconds since the epoch).
    pub fn verify(
        &self,
        token: &str,
        now: i64,
    ) -> std::result::Result<serde_json::Value, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let decode = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| TokenError::Malformed)
        };
        let header: serde_json::Value =
            serde_json::from_slice(&decode(header)?).map_err(|_| TokenError::Malformed)?;
        if header["alg"] != "ES256" || header["kid"] != self.kid.as_str() {
            return Err(TokenError::UnknownKey);
        }
        let raw = decode(signature)?;
        if raw.len() != 64 {
            return Err(TokenError::BadSignature);
        }
        let (r, s) = raw.split_at(32);
        let signature = BigNum::from_slice(r)
            .and_then(|r| {
                BigNum::from_slice(s).and_then(|s| EcdsaSig::from_private_components(r, s))
            })
            .map_err(|_| TokenError::BadSignature)?;
        let signing_input_len = token.len() - raw_len_b64(token);
        let digest = hash(
            MessageDigest::sha256(),
            &token.as_bytes()[..signing_input_len],
        )
        .map_err(|_| TokenError::BadSignature)?;
        let ec = self.public.ec_key().map_err(|_| TokenError::UnknownKey)?;
        if !signature.verify(&digest, &ec).unwrap_or(false) {
            return Err(TokenError::BadSignature);
        }
        let claims: serde_json::Value =
            serde_json::from_slice(&decode(claims)?).map_err(|_| TokenError::Malformed)?;
        let exp = claims.get("exp").and_then(serde_json::Value::as_i64);
        let nbf = claims.get("nbf").and_then(serde_json::Value::as_i64);
        if exp.is_some_and(|exp| now >= exp) || nbf.is_some_and(|nbf| now < nbf - 60) {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// The length of `.signature` at the end of a token.
fn raw_len_b64(token: &str) -> usize {
    token.rfind('.').map_or(0, |dot| token.len() - dot)
}

fn pad32(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32usize.saturating_sub(bytes.len())];
    out.extend_from_slice(bytes);
    out
}

impl From<TokenError> for Error {
    fn from(error: TokenError) -> Self {
        Error::Invalid {
            what: "token",
            reason: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_round_trip_and_refuse_tampering_and_expiry() {
        let key = SigningKey::generate().unwrap();
        let token = key
            .sign(
                &json!({"sub": "system:serviceaccount:default:robot", "exp": 2_000, "nbf": 1_000}),
            )
            .unwrap();
        assert_eq!(
            key.verify(&token, 1_500).unwrap()["sub"],
            "system:serviceaccount:default:robot"
        );
        assert_eq!(key.verify(&token, 2_000), Err(TokenError::Expired));
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(
            json!({"sub": "system:serviceaccount:kube-system:admin", "exp": 2_000}).to_string(),
        );
        parts[1] = &forged;
        assert_eq!(
            key.verify(&parts.join("."), 1_500),
            Err(TokenError::BadSignature)
        );
        let other = SigningKey::generate().unwrap();
        assert_eq!(other.verify(&token, 1_500), Err(TokenError::UnknownKey));
        assert_eq!(key.verify("a.b", 1_500), Err(TokenError::Malformed));
        let reloaded = SigningKey::from_pem(key.to_pem().unwrap().as_bytes()).unwrap();
        assert_eq!(reloaded.kid(), key.kid());
        assert!(reloaded.verify(&token, 1_500).is_ok());
    }
}
