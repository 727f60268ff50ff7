//! The hub's certificates in its data directory: a CA, a serving certificate for the configured
//! names, and the `admin` client certificate (`system:masters`), generated on first start and
//! reused after; and `admin.kubeconfig`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use certs::{Ca, Credentials, KeyPair, Kubeconfig, LEAF_VALIDITY, San};

/// Why the certificates could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Certificate generation or parsing failed.
    #[error(transparent)]
    Certs(#[from] certs::Error),
}

/// The hub's certificates.
#[derive(Debug)]
pub struct Pki {
    /// The CA that signs everything.
    pub ca: Ca,
    /// The serving certificate.
    pub serving: KeyPair,
    /// The `admin` client certificate.
    pub admin: KeyPair,
    /// Signs ServiceAccount tokens.
    pub service_account_key: certs::SigningKey,
    /// Where the files are.
    pub dir: PathBuf,
}

/// Loads the certificates from `data_dir/pki`, creating what is missing. The serving certificate
/// is reissued when the requested names change.
pub fn load_or_create(data_dir: &Path, names: &[String]) -> Result<Pki, PkiError> {
    let dir = data_dir.join("pki");
    fs::create_dir_all(&dir).map_err(|source| PkiError::Io {
        path: dir.clone(),
        source,
    })?;
    let _ = fs::set_permissions(&dir, fs::Permissions::from_mode(0o700));
    let ca = match (read(&dir.join("ca.crt"))?, read(&dir.join("ca.key"))?) {
        (Some(cert), Some(key)) => Ca::from_pem(cert.as_bytes(), key.as_bytes())?,
        _ => {
            let ca = Ca::generate("nave-ca")?;
            write(&dir.join("ca.crt"), ca.cert_pem(), 0o644)?;
            write(&dir.join("ca.key"), ca.key_pem(), 0o600)?;
            ca
        }
    };
    let wanted_names = names.join(",");
    let serving = match (
        read(&dir.join("serving.crt"))?,
        read(&dir.join("serving.key"))?,
        read(&dir.join("serving.names"))?,
    ) {
        (Some(cert_pem), Some(key_pem), Some(saved))
            if saved.trim() == wanted_names && still_valid(&cert_pem) =>
        {
            KeyPair { cert_pem, key_pem }
        }
        _ => {
            let sans: Vec<San> = names.iter().map(|name| San::parse(name)).collect();
            let serving = certs::issue_serving(&ca, "nave-hub", &sans, LEAF_VALIDITY)?;
            write(&dir.join("serving.crt"), &serving.cert_pem, 0o644)?;
            write(&dir.join("serving.key"), &serving.key_pem, 0o600)?;
            write(&dir.join("serving.names"), &wanted_names, 0o644)?;
            serving
        }
    };
    let admin = match (read(&dir.join("admin.crt"))?, read(&dir.join("admin.key"))?) {
        (Some(cert_pem), Some(key_pem)) if still_valid(&cert_pem) => KeyPair { cert_pem, key_pem },
        _ => {
            let admin = certs::issue_client(&ca, "admin", &["system:masters"], LEAF_VALIDITY)?;
            write(&dir.join("admin.crt"), &admin.cert_pem, 0o644)?;
            write(&dir.join("admin.key"), &admin.key_pem, 0o600)?;
            admin
        }
    };
    let service_account_key = match read(&dir.join("sa.key"))? {
        Some(pem) => certs::SigningKey::from_pem(pem.as_bytes())?,
        None => {
            let key = certs::SigningKey::generate()?;
            write(&dir.join("sa.key"), &key.to_pem()?, 0o600)?;
            key
        }
    };
    Ok(Pki {
        ca,
        serving,
        admin,
        service_account_key,
        dir,
    })
}

/// Writes `admin.kubeconfig` for `server` (e.g. `https://127.0.0.1:6443/clusters/root`);
/// returns its path.
pub fn write_admin_kubeconfig(
    data_dir: &Path,
    pki: &Pki,
    server: &str,
) -> Result<PathBuf, PkiError> {
    let kubeconfig = Kubeconfig {
        cluster_name: "nave".into(),
        server: server.to_owned(),
        ca_pem: pki.ca.cert_pem().to_owned(),
        context_name: "admin@nave".into(),
        namespace: None,
        user_name: "admin".into(),
        credentials: Credentials::ClientCertificate {
            cert_pem: pki.admin.cert_pem.clone(),
            key_pem: pki.admin.key_pem.clone(),
        },
    };
    let path = data_dir.join("admin.kubeconfig");
    write(&path, &kubeconfig.to_yaml()?, 0o600)?;
    Ok(path)
}

fn still_valid(cert_pem: &str) -> bool {
    let Ok(validity) = certs::validity(cert_pem.as_bytes()) else {
        return false;
    };
    // Reissue a month before expiry.
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 30);
    validity.contains(soon)
}

fn read(path: &Path) -> Result<Option<String>, PkiError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PkiError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn write(path: &Path, contents: &str, mode: u32) -> Result<(), PkiError> {
    let io = |source| PkiError::Io {
        path: path.to_owned(),
        source,
    };
    let temporary = path.with_extension("tmp");
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&temporary)
        .map_err(io)?;
    file.write_all(contents.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&temporary, path).map_err(io)
}
