//! [`Kubeconfig`]: rendering a one-cluster, one-user kubeconfig with embedded (base64)
//! certificate data, and parsing one back.

mod wire;

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};

/// A kubeconfig with one cluster, one user and one context, which is the current one.
#[derive(Clone, PartialEq, Eq)]
pub struct Kubeconfig {
    /// The name of the cluster entry, e.g. `"nave"`.
    pub cluster_name: String,
    /// The hub's URL, e.g. `"https://127.0.0.1:6443"`.
    pub server: String,
    /// The CA certificate (PEM) that the server's certificate must chain to.
    pub ca_pem: String,
    /// The name of the context entry, e.g. `"admin@nave"`.
    pub context_name: String,
    /// The context's default namespace, if any.
    pub namespace: Option<String>,
    /// The name of the user entry, e.g. `"admin"`.
    pub user_name: String,
    /// How the user authenticates.
    pub credentials: Credentials,
}

/// How a kubeconfig user authenticates. `Debug` hides the key and the token.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A client certificate and its key, both PEM (`client-certificate-data`,
    /// `client-key-data`).
    ClientCertificate {
        /// The client certificate, PEM.
        cert_pem: String,
        /// Its private key, PEM. Secret.
        key_pem: String,
    },
    /// A bearer token (`token`). Secret.
    Token(String),
}

impl Kubeconfig {
    /// The kubeconfig as YAML: `apiVersion: v1`, `kind: Config`, one cluster with
    /// `certificate-authority-data`, one user with `client-certificate-data` and
    /// `client-key-data` (or `token`), one context, and `current-context`.
    pub fn to_yaml(&self) -> Result<String> {
        let user = match &self.credentials {
            Credentials::ClientCertificate { cert_pem, key_pem } => wire::UserFields {
                client_certificate_data: Some(STANDARD.encode(cert_pem)),
                client_key_data: Some(STANDARD.encode(key_pem)),
                ..wire::UserFields::default()
            },
            Credentials::Token(token) => wire::UserFields {
                token: Some(token.clone()),
                ..wire::UserFields::default()
            },
        };
        let config = wire::Config {
            api_version: "v1".to_owned(),
            kind: "Config".to_owned(),
            clusters: Some(vec![wire::NamedCluster {
                name: self.cluster_name.clone(),
                cluster: wire::ClusterFields {
                    server: self.server.clone(),
                    certificate_authority_data: Some(STANDARD.encode(&self.ca_pem)),
                    certificate_authority: None,
                },
            }]),
            contexts: Some(vec![wire::NamedContext {
                name: self.context_name.clone(),
                context: wire::ContextFields {
                    cluster: self.cluster_name.clone(),
                    user: self.user_name.clone(),
                    namespace: self.namespace.clone(),
                },
            }]),
            current_context: self.context_name.clone(),
            users: Some(vec![wire::NamedUser {
                name: self.user_name.clone(),
                user,
            }]),
        };
        // Plain one-line scalars, as kubectl writes them, rather than folded (`>-`) blocks.
        let mut options = serde_saphyr::SerializerOptions::default();
        options.prefer_block_scalars = false;
        serde_saphyr::to_string_with_options(&config, options)
            .map_err(|e| Error::Kubeconfig(format!("rendering: {e}")))
    }

    /// Parses a kubeconfig and resolves its current context (or its only context, if
    /// `current-context` is unset) to the cluster and user it names.
    ///
    /// Only embedded data is supported (`certificate-authority-data`, `client-certificate-data`,
    /// `client-key-data`, `token`): entries that point at files are refused, since this crate
    /// reads none. A user with both a certificate and a token is refused as ambiguous.
    pub fn parse(yaml: &str) -> Result<Kubeconfig> {
        let config: wire::Config = serde_saphyr::from_str(yaml)
            .map_err(|e| Error::Kubeconfig(format!("parsing YAML: {e}")))?;
        if !config.kind.is_empty() && config.kind != "Config" {
            return Err(Error::Kubeconfig(format!(
                "kind is {:?}, not \"Config\"",
                config.kind
            )));
        }
        let contexts = config.contexts.unwrap_or_default();
        let context = if config.current_context.is_empty() {
            match contexts.as_slice() {
                [only] => only,
                _ => {
                    return Err(Error::Kubeconfig(
                        "no current-context, and not exactly one context".to_owned(),
                    ));
                }
            }
        } else {
            find(&contexts, &config.current_context, "context", |c| &c.name)?
        };
        let clusters = config.clusters.unwrap_or_default();
        let cluster = find(&clusters, &context.context.cluster, "cluster", |c| &c.name)?;
        let users = config.users.unwrap_or_default();
        let user = find(&users, &context.context.user, "user", |u| &u.name)?;

        let fields = &cluster.cluster;
        if fields.server.is_empty() {
            return Err(missing(&cluster.name, "server"));
        }
        let ca_pem = match (
            &fields.certificate_authority_data,
            &fields.certificate_authority,
        ) {
            (Some(data), _) => decode(data, "certificate-authority-data")?,
            (None, Some(path)) => return Err(file_reference("certificate-authority", path)),
            (None, None) => return Err(missing(&cluster.name, "certificate-authority-data")),
        };
        Ok(Kubeconfig {
            cluster_name: cluster.name.clone(),
            server: fields.server.clone(),
            ca_pem,
            context_name: context.name.clone(),
            namespace: context
                .context
                .namespace
                .clone()
                .filter(|ns| !ns.is_empty()),
            user_name: user.name.clone(),
            credentials: credentials(&user.name, &user.user)?,
        })
    }
}

/// The credentials of a `users` entry.
fn credentials(name: &str, user: &wire::UserFields) -> Result<Credentials> {
    if let Some(path) = &user.client_certificate {
        return Err(file_reference("client-certificate", path));
    }
    if let Some(path) = &user.client_key {
        return Err(file_reference("client-key", path));
    }
    let token = user.token.as_ref().filter(|t| !t.is_empty());
    match (&user.client_certificate_data, &user.client_key_data, token) {
        (Some(cert), Some(key), None) => Ok(Credentials::ClientCertificate {
            cert_pem: decode(cert, "client-certificate-data")?,
            key_pem: decode(key, "client-key-data")?,
        }),
        (None, None, Some(token)) => Ok(Credentials::Token(token.clone())),
        (None, None, None) => Err(Error::Kubeconfig(format!(
            "user {name:?} has neither client-certificate-data nor token"
        ))),
        (Some(_), None, _) => Err(missing(name, "client-key-data")),
        (None, Some(_), _) => Err(missing(name, "client-certificate-data")),
        (Some(_), Some(_), Some(_)) => Err(Error::Kubeconfig(format!(
            "user {name:?} has both a client certificate and a token"
        ))),
    }
}

/// The entry of `list` called `name`.
fn find<'a, T>(list: &'a [T], name: &str, what: &str, name_of: fn(&T) -> &String) -> Result<&'a T> {
    list.iter()
        .find(|entry| name_of(entry) == name)
        .ok_or_else(|| Error::Kubeconfig(format!("no {what} named {name:?}")))
}

/// Base64 `data` decoded to UTF-8 text (PEM).
fn decode(data: &str, field: &str) -> Result<String> {
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD
        .decode(compact)
        .map_err(|e| Error::Kubeconfig(format!("{field} is not base64: {e}")))?;
    String::from_utf8(bytes).map_err(|_| Error::Kubeconfig(format!("{field} is not PEM text")))
}

fn missing(entry: &str, field: &str) -> Error {
    Error::Kubeconfig(format!("{entry:?} has no {field}"))
}

fn file_reference(field: &str, path: &str) -> Error {
    Error::Kubeconfig(format!(
        "{field} refers to the file {path:?}; only embedded *-data fields are supported"
    ))
}

impl fmt::Debug for Kubeconfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kubeconfig")
            .field("cluster_name", &self.cluster_name)
            .field("server", &self.server)
            .field("context_name", &self.context_name)
            .field("namespace", &self.namespace)
            .field("user_name", &self.user_name)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ClientCertificate { cert_pem, .. } => f
                .debug_struct("ClientCertificate")
                .field("cert_pem", cert_pem)
                .field("key_pem", &"<redacted>")
                .finish(),
            Credentials::Token(_) => f.debug_tuple("Token").field(&"<redacted>").finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::{Ca, LEAF_VALIDITY, issue_client};

    fn sample(credentials: Credentials, namespace: Option<&str>) -> Kubeconfig {
        let ca = Ca::generate("nave-ca").unwrap();
        Kubeconfig {
            cluster_name: "nave".to_owned(),
            server: "https://127.0.0.1:6443".to_owned(),
            ca_pem: ca.cert_pem().to_owned(),
            context_name: "admin@nave".to_owned(),
            namespace: namespace.map(str::to_owned),
            user_name: "admin".to_owned(),
            credentials,
        }
    }

    fn client_credentials() -> Credentials {
        let ca = Ca::generate("nave-ca").unwrap();
        let pair = issue_client(&ca, "admin", &["system:masters"], LEAF_VALIDITY).unwrap();
        Credentials::ClientCertificate {
            cert_pem: pair.cert_pem,
            key_pem: pair.key_pem,
        }
    }

    fn decoded(value: &Value) -> String {
        String::from_utf8(STANDARD.decode(value.as_str().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn client_certificate_kubeconfig_is_yaml_with_the_kubectl_keys() {
        let config = sample(client_credentials(), Some("default"));
        let yaml = config.to_yaml().unwrap();
        let doc: Value = serde_saphyr::from_str(&yaml).unwrap();

        assert!(!yaml.contains(">-") && !yaml.contains('|'), "{yaml}");
        assert_eq!(doc["apiVersion"], "v1");
        assert_eq!(doc["kind"], "Config");
        assert_eq!(doc["current-context"], "admin@nave");
        let cluster = &doc["clusters"][0];
        assert_eq!(cluster["name"], "nave");
        assert_eq!(cluster["cluster"]["server"], "https://127.0.0.1:6443");
        assert_eq!(
            decoded(&cluster["cluster"]["certificate-authority-data"]),
            config.ca_pem
        );
        let context = &doc["contexts"][0];
        assert_eq!(context["name"], "admin@nave");
        assert_eq!(context["context"]["cluster"], "nave");
        assert_eq!(context["context"]["user"], "admin");
        assert_eq!(context["context"]["namespace"], "default");
        let user = &doc["users"][0];
        assert_eq!(user["name"], "admin");
        let Credentials::ClientCertificate { cert_pem, key_pem } = &config.credentials else {
            unreachable!()
        };
        assert_eq!(decoded(&user["user"]["client-certificate-data"]), *cert_pem);
        assert_eq!(decoded(&user["user"]["client-key-data"]), *key_pem);
        assert!(user["user"].get("token").is_none());
        for list in ["clusters", "contexts", "users"] {
            assert_eq!(doc[list].as_array().unwrap().len(), 1, "{list}");
        }

        assert_eq!(Kubeconfig::parse(&yaml).unwrap(), config);
    }

    #[test]
    fn token_kubeconfig_round_trips_without_certificate_data() {
        let config = sample(
            Credentials::Token("abcdef.0123456789abcdef".to_owned()),
            None,
        );
        let yaml = config.to_yaml().unwrap();
        let doc: Value = serde_saphyr::from_str(&yaml).unwrap();
        let user = &doc["users"][0]["user"];
        assert_eq!(user["token"], "abcdef.0123456789abcdef");
        assert!(user.get("client-certificate-data").is_none());
        assert!(user.get("client-key-data").is_none());
        assert!(doc["contexts"][0]["context"].get("namespace").is_none());
        assert_eq!(Kubeconfig::parse(&yaml).unwrap(), config);
    }

    #[test]
    fn names_that_look_like_other_yaml_types_stay_strings() {
        let mut config = sample(Credentials::Token("123456".to_owned()), Some("null"));
        config.cluster_name = "true".to_owned();
        config.context_name = "system:node:worker-1@nave: x".to_owned();
        config.user_name = "- 1.5".to_owned();
        let yaml = config.to_yaml().unwrap();
        assert_eq!(Kubeconfig::parse(&yaml).unwrap(), config, "{yaml}");
    }

    #[test]
    fn parse_follows_the_current_context_of_a_kubectl_style_file() {
        let ca = STANDARD.encode("CA PEM");
        let cert = STANDARD.encode("CERT PEM");
        let key = STANDARD.encode("KEY PEM");
        let yaml = format!(
            "apiVersion: v1
kind: Config
preferences: {{}}
clusters:
- cluster:
    certificate-authority-data: {ca}
    server: https://other:6443
  name: other
- cluster:
    certificate-authority-data: {ca}
    server: https://hub.example:6443
    extensions: []
  name: nave
contexts:
- context:
    cluster: other
    user: other
  name: other
- context:
    cluster: nave
    namespace: kube-system
    user: kubernetes-admin
  name: kubernetes-admin@nave
current-context: kubernetes-admin@nave
users:
- name: other
  user:
    token: nope
- name: kubernetes-admin
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
"
        );
        let config = Kubeconfig::parse(&yaml).unwrap();
        assert_eq!(
            config,
            Kubeconfig {
                cluster_name: "nave".to_owned(),
                server: "https://hub.example:6443".to_owned(),
                ca_pem: "CA PEM".to_owned(),
                context_name: "kubernetes-admin@nave".to_owned(),
                namespace: Some("kube-system".to_owned()),
                user_name: "kubernetes-admin".to_owned(),
                credentials: Credentials::ClientCertificate {
                    cert_pem: "CERT PEM".to_owned(),
                    key_pem: "KEY PEM".to_owned(),
                },
            }
        );
    }

    /// A kubeconfig whose context `x` names cluster `c` (with embedded CA data) and user `u`,
    /// with `users` as given.
    fn with_users(users: &str) -> String {
        let ca = STANDARD.encode("CA PEM");
        format!(
            "clusters:
- name: c
  cluster: {{server: https://h, certificate-authority-data: {ca}}}
contexts:
- name: x
  context: {{cluster: c, user: u}}
{users}"
        )
    }

    #[test]
    fn unresolvable_or_file_based_kubeconfigs_are_refused() {
        let data = STANDARD.encode("PEM");
        let file_ca = "clusters:
- name: c
  cluster: {server: https://h, certificate-authority: /etc/ca.crt}
contexts:
- name: x
  context: {cluster: c, user: u}
users:
- name: u
  user: {token: t}
";
        let cases = [
            ("not: [yaml".to_owned(), "parsing YAML"),
            ("kind: Pod\n".to_owned(), "not \"Config\""),
            ("contexts: []\n".to_owned(), "not exactly one context"),
            (with_users("current-context: y\n"), "no context named \"y\""),
            (file_ca.to_owned(), "refers to the file \"/etc/ca.crt\""),
            (with_users(""), "no user named \"u\""),
            (
                with_users("users:\n- name: u\n  user: {client-certificate: /c, client-key: /k}\n"),
                "refers to the file \"/c\"",
            ),
            (
                with_users(&format!(
                    "users:\n- name: u\n  user: {{client-certificate-data: {data}}}\n"
                )),
                "has no client-key-data",
            ),
            (
                with_users(&format!(
                    "users:\n- name: u\n  user: {{client-key-data: {data}}}\n"
                )),
                "has no client-certificate-data",
            ),
            (
                with_users(&format!(
                    "users:\n- name: u\n  user: \
                     {{client-certificate-data: {data}, client-key-data: {data}, token: t}}\n"
                )),
                "both a client certificate and a token",
            ),
            (
                with_users("users:\n- name: u\n  user: {token: t, client-key-data: \"%%%\"}\n"),
                "has no client-certificate-data",
            ),
            (
                with_users(&format!(
                    "users:\n- name: u\n  user: \
                     {{client-certificate-data: \"%%%\", client-key-data: {data}}}\n"
                )),
                "client-certificate-data is not base64",
            ),
            (
                with_users("users:\n- name: u\n"),
                "neither client-certificate-data nor token",
            ),
        ];
        for (yaml, expected) in cases {
            let err = Kubeconfig::parse(&yaml).unwrap_err().to_string();
            assert!(err.contains(expected), "{yaml}\n=> {err}");
        }
        // The fixture itself resolves once the user exists.
        let ok = Kubeconfig::parse(&with_users("users:\n- name: u\n  user: {token: t}\n")).unwrap();
        assert_eq!(ok.credentials, Credentials::Token("t".to_owned()));
    }

    #[test]
    fn debug_hides_secrets() {
        let config = sample(client_credentials(), None);
        let debug = format!("{config:?}");
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
        let token = sample(Credentials::Token("s3cr3t".to_owned()), None);
        assert!(!format!("{token:?}").contains("s3cr3t"));
    }
}
