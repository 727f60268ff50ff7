//! Workspace paths: colon-joined names from the root (`root`, `root:acme`, `root:acme:team-a`),
//! and how the argument of `kubectl ws` resolves against the current one: `.` (here), `..`
//! (the parent), `root…` (absolute), anything else relative to the current workspace, with
//! `..` allowed as a segment (`..:team-b` is a sibling).

use std::fmt;

use crate::{Error, Result};

/// The name of the root workspace, the first segment of every path.
pub const ROOT: &str = "root";

/// An absolute workspace path: `root` then zero or more workspace names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkspacePath {
    /// The names below the root.
    names: Vec<String>,
}

impl WorkspacePath {
    /// The root workspace.
    pub fn root() -> WorkspacePath {
        WorkspacePath { names: Vec::new() }
    }

    /// Parses an absolute path (`root`, `root:acme`, …).
    pub fn parse(text: &str) -> Result<WorkspacePath> {
        let mut segments = text.split(':');
        match segments.next() {
            Some(ROOT) => {}
            _ => {
                return Err(Error::InvalidPath(
                    text.to_owned(),
                    "it must start with root",
                ));
            }
        }
        let mut path = WorkspacePath::root();
        for segment in segments {
            if segment.is_empty() {
                return Err(Error::InvalidPath(text.to_owned(), "empty segment"));
            }
            validate_name(segment)?;
            path.names.push(segment.to_owned());
        }
        Ok(path)
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.names.is_empty()
    }

    /// The parent, `None` at the root.
    pub fn parent(&self) -> Option<WorkspacePath> {
        let mut names = self.names.clone();
        names.pop()?;
        Some(WorkspacePath { names })
    }

    /// The last segment (`root` for the root).
    pub fn base(&self) -> &str {
        self.names.last().map_or(ROOT, String::as_str)
    }

    /// The child workspace `name`.
    pub fn child(&self, name: &str) -> Result<WorkspacePath> {
        validate_name(name)?;
        let mut names = self.names.clone();
        names.push(name.to_owned());
        Ok(WorkspacePath { names })
    }

    /// Resolves a `kubectl ws` argument against this (the current) workspace: `.`, `..`,
    /// an absolute path (`root…`), or a relative one (`team-a`, `team-a:dev`, `..:team-b`).
    pub fn resolve(&self, target: &str) -> Result<WorkspacePath> {
        if target.is_empty() {
            return Err(Error::InvalidPath(String::new(), "empty"));
        }
        if target == ROOT || target.starts_with("root:") {
            return WorkspacePath::parse(target);
        }
        let mut path = self.clone();
        for segment in target.split(':') {
            match segment {
                "" => return Err(Error::InvalidPath(target.to_owned(), "empty segment")),
                "." => {}
                ".." => path = path.parent().ok_or(Error::NoParent)?,
                name => path = path.child(name)?,
            }
        }
        Ok(path)
    }
}

impl fmt::Display for WorkspacePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ROOT)?;
        for name in &self.names {
            write!(f, ":{name}")?;
        }
        Ok(())
    }
}

/// Checks a workspace name: a DNS-1123 label (lowercase letters, digits and `-`, starting and
/// ending with a letter or digit, at most 63 characters).
pub fn validate_name(name: &str) -> Result<()> {
    let bytes = name.as_bytes();
    let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let valid = !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.iter().all(|b| alphanumeric(b) || *b == b'-')
        && bytes.first().is_some_and(alphanumeric)
        && bytes.last().is_some_and(alphanumeric);
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn path(text: &str) -> WorkspacePath {
        WorkspacePath::parse(text).unwrap()
    }

    #[test]
    fn parses_and_prints_absolute_paths() {
        assert_eq!(path("root").to_string(), "root");
        assert!(path("root").is_root());
        assert_eq!(path("root:acme:team-a").to_string(), "root:acme:team-a");
        assert_eq!(path("root:acme:team-a").base(), "team-a");
        assert_eq!(path("root").base(), "root");
        for bad in [
            "",
            "acme",
            "root:",
            "root::a",
            ":root",
            "root:Acme",
            "rooty:a",
        ] {
            assert!(WorkspacePath::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn parent_and_child() {
        assert_eq!(path("root:acme").parent(), Some(path("root")));
        assert_eq!(path("root").parent(), None);
        assert_eq!(path("root").child("acme").unwrap(), path("root:acme"));
        assert!(path("root").child("a:b").is_err());
    }

    #[test]
    fn resolves_dot_and_dotdot() {
        let current = path("root:acme:team-a");
        assert_eq!(current.resolve(".").unwrap(), current);
        assert_eq!(current.resolve("..").unwrap(), path("root:acme"));
        assert_eq!(current.resolve("..:..").unwrap(), path("root"));
        assert_eq!(
            current.resolve("..:team-b").unwrap(),
            path("root:acme:team-b")
        );
        assert!(matches!(path("root").resolve(".."), Err(Error::NoParent)));
        assert!(matches!(current.resolve("..:..:.."), Err(Error::NoParent)));
    }

    #[test]
    fn resolves_relative_and_absolute() {
        let current = path("root:acme");
        assert_eq!(current.resolve("team-a").unwrap(), path("root:acme:team-a"));
        assert_eq!(
            current.resolve("team-a:dev").unwrap(),
            path("root:acme:team-a:dev")
        );
        assert_eq!(current.resolve("root").unwrap(), path("root"));
        assert_eq!(current.resolve("root:other").unwrap(), path("root:other"));
        // A name that merely starts with "root" is relative.
        assert_eq!(current.resolve("rooted").unwrap(), path("root:acme:rooted"));
    }

    #[test]
    fn rejects_invalid_names() {
        let current = path("root");
        for bad in [
            "",
            "Team",
            "-a",
            "a-",
            "a_b",
            "a/b",
            "a::b",
            "a:",
            "ä",
            &"a".repeat(64),
        ] {
            assert!(current.resolve(bad).is_err(), "{bad:?} resolved");
        }
        assert!(validate_name(&"a".repeat(63)).is_ok());
        assert!(validate_name("0a-b9").is_ok());
        let message = current.resolve("Team").unwrap_err().to_string();
        assert!(
            message.contains("invalid workspace name \"Team\""),
            "{message}"
        );
    }
}
