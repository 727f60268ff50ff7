//! Authentication: who a request is, from (in kube-apiserver's order) its client certificate,
//! a bearer token from the static token file, a bootstrap token of the logical cluster, or a
//! ServiceAccount token the hub issued. Requests with none are anonymous.
//!
//! ServiceAccount tokens are ES256 JWTs signed by the hub's key, carrying their logical cluster:
//! they are valid only in that cluster, only for the hub's audiences, only until they expire,
//! and only while the ServiceAccount they name exists with the same uid.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use http::HeaderMap;
use serde_json::{Value, json};

use crate::auth::Identity;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::meta;
use crate::objects::{ObjectRef, Objects};

/// The audience of tokens for the hub's own API, as kube-apiserver's default.
pub const DEFAULT_AUDIENCE: &str = "https://kubernetes.default.svc.cluster.local";
/// The issuer written into ServiceAccount tokens.
pub const ISSUER: &str = "https://nave.dev";
/// The claim naming a token's logical cluster.
const CLUSTER_CLAIM: &str = "nave.dev/cluster";

/// Why the static token file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("token file line {line}: {reason}")]
pub struct TokenFileError {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Authenticates requests. Shared by every logical cluster.
pub struct Authenticator {
    static_tokens: HashMap<String, Identity>,
    key: certs::SigningKey,
    audiences: Vec<String>,
    objects: Objects,
    catalog: Arc<Catalog>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("static_tokens", &self.static_tokens.len())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator with the ServiceAccount token `key` and the static `tokens`.
    pub fn new(
        objects: Objects,
        catalog: Arc<Catalog>,
        key: certs::SigningKey,
        tokens: HashMap<String, Identity>,
    ) -> Self {
        Authenticator {
            static_tokens: tokens,
            key,
            audiences: vec![DEFAULT_AUDIENCE.to_owned(), ISSUER.to_owned()],
            objects,
            catalog,
        }
    }

    /// Who made a request to `cluster`: the client certificate's identity, else the bearer
    /// token's. `Ok(None)` is anonymous; an invalid token is 401.
    pub async fn authenticate(
        &self,
        cluster: &str,
        headers: &HeaderMap,
        cert: Option<&Identity>,
    ) -> Result<Option<Identity>, ApiError> {
        if let Some(identity) = cert {
            return Ok(Some(identity.clone()));
        }
        let Some(token) = bearer(headers) else {
            return Ok(None);
        };
        match self.token(cluster, token, None).await? {
            Some((identity, _)) => Ok(Some(identity)),
            None => Err(ApiError::Unauthorized),
        }
    }

    /// The identity a token stands for in `cluster` (and the audiences it was accepted for),
    /// or `None`. `audiences` restricts ServiceAccount tokens to those audiences (TokenReview).
    pub async fn token(
        &self,
        cluster: &str,
        token: &str,
        audiences: Option<&[String]>,
    ) -> Result<Option<(Identity, Vec<String>)>, ApiError> {
        if let Some(identity) = self.static_tokens.get(token) {
            return Ok(Some((identity.clone(), self.audiences.clone())));
        }
        if let Some(identity) = self.bootstrap_token(cluster, token).await? {
            return Ok(Some((identity, self.audiences.clone())));
        }
        self.service_account_token(cluster, token, audiences).await
    }

    /// A bootstrap token `ID.SECRET`: the Secret `bootstrap-token-ID` in `kube-system`.
    async fn bootstrap_token(
        &self,
        cluster: &str,
        token: &str,
    ) -> Result<Option<Identity>, ApiError> {
        let Ok(parsed) = certs::BootstrapToken::parse(token) else {
            return Ok(None);
        };
        let Some(secrets) = self.catalog.builtin().lookup("", "v1", "secrets").cloned() else {
            return Ok(None);
        };
        let name = format!("bootstrap-token-{}", parsed.id());
        let reference = ObjectRef {
            def: &secrets,
            cluster,
            namespace: Some("kube-system"),
            name: &name,
        };
        let Some(stored) = self.objects.find(reference).await? else {
            return Ok(None);
        };
        let secret = stored.object()?;
        if secret.get("type").and_then(Value::as_str) != Some("bootstrap.kubernetes.io/token")
            || meta::is_deleting(&secret)
        {
            return Ok(None);
        }
        let data = |field: &str| -> Option<String> {
            let encoded = secret.get("data")?.get(field)?.as_str()?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()?;
            String::from_utf8(bytes).ok()
        };
        if data("token-id").as_deref() != Some(parsed.id())
            || !data("token-secret").is_some_and(|secret| parsed.secret_matches(&secret))
        {
            return Ok(None);
        }
        if data("usage-bootstrap-authentication").as_deref() != Some("true") {
            return Ok(None);
        }
        if let Some(expiration) = data("expiration") {
            match expiration.parse::<jiff::Timestamp>() {
                Ok(expiration) if expiration > jiff::Timestamp::now() => {}
                _ => return Ok(None),
            }
        }
        let mut groups = vec!["system:bootstrappers".to_owned()];
        if let Some(extra) = data("auth-extra-groups") {
            groups.extend(
                extra
                    .split(',')
                    .map(str::trim)
                    .filter(|group| group.starts_with("system:bootstrappers:"))
                    .map(str::to_owned),
            );
        }
        groups.push("system:authenticated".to_owned());
        Ok(Some(Identity {
            user: format!("system:bootstrap:{}", parsed.id()),
            groups,
            uid: String::new(),
        }))
    }

    async fn service_account_token(
        &self,
        cluster: &str,
        token: &str,
        audiences: Option<&[String]>,
    ) -> Result<Option<(Identity, Vec<String>)>, ApiError> {
        let Ok(claims) = self.key.verify(token, jiff::Timestamp::now().as_second()) else {
            return Ok(None);
        };
        if claims.get(CLUSTER_CLAIM).and_then(Value::as_str) != Some(cluster) {
            return Ok(None);
        }
        let token_audiences: Vec<String> = claims
            .get("aud")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let wanted = audiences.unwrap_or(&self.audiences);
        let accepted: Vec<String> = token_audiences
            .iter()
            .filter(|audience| wanted.contains(audience))
            .cloned()
            .collect();
        if accepted.is_empty() {
            return Ok(None);
        }
        let service_account = claims.pointer("/kubernetes.io/serviceaccount");
        let namespace = claims
            .pointer("/kubernetes.io/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = service_account
            .and_then(|sa| sa.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let uid = service_account
            .and_then(|sa| sa.get("uid"))
            .and_then(Value::as_str)
            .unwrap_or("");
        // The ServiceAccount must still exist: deleting it revokes its tokens.
        let Some(accounts) = self
            .catalog
            .builtin()
            .lookup("", "v1", "serviceaccounts")
            .cloned()
        else {
            return Ok(None);
        };
        let reference = ObjectRef {
            def: &accounts,
            cluster,
            namespace: Some(namespace),
            name,
        };
        let Some(stored) = self.objects.find(reference).await? else {
            return Ok(None);
        };
        let account = stored.object()?;
        if meta::field(&account, "uid") != Some(uid) || meta::is_deleting(&account) {
            return Ok(None);
        }
        let identity = Identity {
            user: format!("system:serviceaccount:{namespace}:{name}"),
            groups: vec![
                "system:serviceaccounts".to_owned(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".to_owned(),
            ],
            uid: uid.to_owned(),
        };
        Ok(Some((identity, accepted)))
    }

    /// A token for ServiceAccount `name` (uid `uid`) in `cluster`/`namespace`, for `audiences`
    /// (the hub's by default), valid for `seconds`; returns the token and its expiry (epoch s).
    pub fn issue(
        &self,
        cluster: &str,
        namespace: &str,
        name: &str,
        uid: &str,
        audiences: &[String],
        seconds: i64,
    ) -> Result<(String, i64), ApiError> {
        let now = jiff::Timestamp::now().as_second();
        let audiences: Vec<String> = if audiences.is_empty() {
            self.audiences.clone()
        } else {
            audiences.to_vec()
        };
        let claims = json!({
            "iss": ISSUER,
            "aud": audiences,
            "sub": format!("system:serviceaccount:{namespace}:{name}"),
            "iat": now,
            "nbf": now,
            "exp": now + seconds,
            CLUSTER_CLAIM: cluster,
            "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}},
        });
        let token = self
            .key
            .sign(&claims)
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        Ok((token, now + seconds))
    }
}

/// The bearer token of a request.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// Parses a kube-apiserver static token file: `token,user,uid[,"group1,group2"]` per line.
pub fn parse_token_file(text: &str) -> Result<HashMap<String, Identity>, TokenFileError> {
    let mut tokens = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = split_csv(line);
        let error = |reason: &str| TokenFileError {
            line: index + 1,
            reason: reason.to_owned(),
        };
        if fields.len() < 3 {
            return Err(error("expected token,user,uid[,groups]"));
        }
        if fields[0].is_empty() || fields[1].is_empty() {
            return Err(error("token and user must not be empty"));
        }
        let mut groups: Vec<String> = fields
            .get(3)
            .map(|groups| {
                groups
                    .split(',')
                    .map(str::trim)
                    .filter(|group| !group.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        groups.push("system:authenticated".to_owned());
        tokens.insert(
            fields[0].clone(),
            Identity {
                user: fields[1].clone(),
                groups,
                uid: fields[2].clone(),
            },
        );
    }
    Ok(tokens)
}

/// Splits one CSV line, honouring double quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut current).trim().to_owned()),
            c => current.push(c),
        }
    }
    fields.push(current.trim().to_owned());
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_parse_like_kube_apiservers() {
        let tokens =
            parse_token_file("# comment\nsecret1,alice,uid-1,\"devs,ops\"\nsecret2,bob,uid-2\n")
                .unwrap();
        assert_eq!(tokens["secret1"].user, "alice");
        assert_eq!(
            tokens["secret1"].groups,
            ["devs", "ops", "system:authenticated"]
        );
        assert_eq!(tokens["secret2"].groups, ["system:authenticated"]);
        assert!(parse_token_file("only,two\n").is_err());
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Basic abc"),
        );
        assert_eq!(bearer(&headers), None);
    }
}
