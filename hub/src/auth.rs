//! Who is calling: the identity taken from the client certificate (CN = user, O = groups).
//! Requests without one reach only the health endpoints; authorization comes with RBAC.

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The user name.
    pub user: String,
    /// The groups.
    pub groups: Vec<String>,
}

impl Identity {
    /// The built-in administrator (`system:masters`).
    pub fn admin() -> Self {
        Identity {
            user: "admin".into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
        }
    }
}
