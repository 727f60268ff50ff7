//! Who is calling: [`Identity`], as authentication (`authn.rs`) establishes it from a client
//! certificate (CN = user, O = groups) or a token.

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The user name.
    pub user: String,
    /// The groups.
    pub groups: Vec<String>,
    /// The user's uid, when the authenticator knows one.
    pub uid: String,
}

impl Identity {
    /// The built-in administrator (`system:masters`).
    pub fn admin() -> Self {
        Identity {
            user: "admin".into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
            uid: String::new(),
        }
    }

    /// A user with `groups` (and `system:authenticated`).
    pub fn user(name: &str, groups: &[&str]) -> Self {
        let mut all: Vec<String> = groups.iter().map(|group| (*group).to_owned()).collect();
        all.push("system:authenticated".into());
        Identity {
            user: name.to_owned(),
            groups: all,
            uid: String::new(),
        }
    }

    /// Whether the caller is in `system:masters`, which bypasses authorization.
    pub fn is_superuser(&self) -> bool {
        self.groups.iter().any(|group| group == "system:masters")
    }
}

/// The identity of a verified client certificate, set by the TLS layer; authentication turns
/// it into the request's [`Identity`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertIdentity(pub Identity);
