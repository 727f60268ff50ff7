//! `--store` values: which backend, and where.
//!
//! | value | store |
//! |---|---|
//! | `redb` (default), `redb:///abs/dir` | redb in the data directory, or in `dir` |
//! | `sled`, `sled:///abs/dir` | sled, likewise |
//! | `etcd://HOST:PORT[,HOST:PORT…]` | an etcd cluster (plain HTTP client URLs) |
//! | `memory` | in memory, lost on exit (tests) |

use std::fmt;
use std::path::{Path, PathBuf};

/// A parsed `--store` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreUrl {
    /// redb in this directory.
    Redb(PathBuf),
    /// sled in this directory.
    Sled(PathBuf),
    /// etcd at these client URLs (`http://HOST:PORT`).
    Etcd(Vec<String>),
    /// In memory.
    Memory,
}

/// A `--store` value that names no known backend.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreUrlError {
    /// Unknown scheme.
    #[error(
        "unknown store {0:?}: expected redb, sled, memory, redb:///DIR, sled:///DIR or etcd://HOST:PORT[,HOST:PORT...]"
    )]
    UnknownScheme(String),
    /// `etcd://` without endpoints, or with a malformed one.
    #[error("invalid etcd endpoint {0:?}: expected HOST:PORT")]
    BadEtcdEndpoint(String),
    /// A `redb://` or `sled://` path that is not absolute.
    #[error("store path {0:?} must be absolute, as in redb:///var/lib/nave")]
    RelativePath(String),
}

impl StoreUrl {
    /// Parses `value`; bare `redb` and `sled` use `data_dir`.
    pub fn parse(value: &str, data_dir: &Path) -> Result<Self, StoreUrlError> {
        match value {
            "redb" => return Ok(StoreUrl::Redb(data_dir.to_path_buf())),
            "sled" => return Ok(StoreUrl::Sled(data_dir.to_path_buf())),
            "memory" | "memory://" => return Ok(StoreUrl::Memory),
            _ => {}
        }
        if let Some(endpoints) = value.strip_prefix("etcd://") {
            let endpoints: Vec<String> = endpoints
                .split(',')
                .map(|endpoint| {
                    let endpoint = endpoint.trim().trim_end_matches('/');
                    match endpoint.rsplit_once(':') {
                        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                            Ok(format!("http://{endpoint}"))
                        }
                        _ => Err(StoreUrlError::BadEtcdEndpoint(endpoint.to_owned())),
                    }
                })
                .collect::<Result<_, _>>()?;
            return Ok(StoreUrl::Etcd(endpoints));
        }
        for (scheme, make) in [
            ("redb://", StoreUrl::Redb as fn(PathBuf) -> StoreUrl),
            ("sled://", StoreUrl::Sled),
        ] {
            if let Some(path) = value.strip_prefix(scheme) {
                if !path.starts_with('/') {
                    return Err(StoreUrlError::RelativePath(path.to_owned()));
                }
                return Ok(make(PathBuf::from(path)));
            }
        }
        Err(StoreUrlError::UnknownScheme(value.to_owned()))
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Redb(path) => write!(f, "redb://{}", path.display()),
            StoreUrl::Sled(path) => write!(f, "sled://{}", path.display()),
            StoreUrl::Etcd(endpoints) => {
                let hosts: Vec<&str> = endpoints
                    .iter()
                    .map(|endpoint| endpoint.trim_start_matches("http://"))
                    .collect();
                write!(f, "etcd://{}", hosts.join(","))
            }
            StoreUrl::Memory => f.write_str("memory"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_backend() {
        let data = Path::new("/data");
        assert_eq!(
            StoreUrl::parse("redb", data),
            Ok(StoreUrl::Redb("/data".into()))
        );
        assert_eq!(
            StoreUrl::parse("sled:///var/x", data),
            Ok(StoreUrl::Sled("/var/x".into()))
        );
        assert_eq!(StoreUrl::parse("memory", data), Ok(StoreUrl::Memory));
        assert_eq!(
            StoreUrl::parse("etcd://127.0.0.1:2379,etcd-b:2379", data),
            Ok(StoreUrl::Etcd(vec![
                "http://127.0.0.1:2379".into(),
                "http://etcd-b:2379".into()
            ]))
        );
        assert_eq!(
            StoreUrl::parse("etcd://10.0.0.1:2379", data)
                .unwrap()
                .to_string(),
            "etcd://10.0.0.1:2379"
        );
    }

    #[test]
    fn refuses_what_it_cannot_open() {
        let data = Path::new("/data");
        assert!(matches!(
            StoreUrl::parse("postgres://x", data),
            Err(StoreUrlError::UnknownScheme(_))
        ));
        assert!(matches!(
            StoreUrl::parse("etcd://", data),
            Err(StoreUrlError::BadEtcdEndpoint(_))
        ));
        assert!(matches!(
            StoreUrl::parse("etcd://host", data),
            Err(StoreUrlError::BadEtcdEndpoint(_))
        ));
        assert!(matches!(
            StoreUrl::parse("etcd://host:99999", data),
            Err(StoreUrlError::BadEtcdEndpoint(_))
        ));
        assert!(matches!(
            StoreUrl::parse("redb://relative", data),
            Err(StoreUrlError::RelativePath(_))
        ));
    }
}
