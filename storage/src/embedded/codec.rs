//! Byte layouts of the embedded engines' four tables.
//!
//! | table | key | value |
//! |---|---|---|
//! | `kv` | user key | `create_rev:8 mod_rev:8 value…` (the latest version of each live key) |
//! | `history` | user key, `0x00`, `rev:8` | `tag:1 create_rev:8 value…` (every version; tag 0 put, 1 delete) |
//! | `log` | `rev:8` | user key (which key each revision wrote) |
//! | `meta` | name | `rev:8` (`current`, `compacted`) |
//!
//! Revisions are big-endian so that byte order is revision order. User keys never contain NUL
//! (see [`crate::validate_key`]), so `key 0x00 rev` sorts all versions of a key together and
//! before any longer key.

use bytes::Bytes;

use crate::{KeyValue, Revision, StorageError};

/// Meta key holding the revision of the last committed write.
pub(crate) const META_CURRENT: &[u8] = b"current";
/// Meta key holding the compacted revision.
pub(crate) const META_COMPACTED: &[u8] = b"compacted";

const TAG_PUT: u8 = 0;
const TAG_DELETE: u8 = 1;

pub(crate) fn rev_bytes(rev: Revision) -> [u8; 8] {
    rev.to_be_bytes()
}

pub(crate) fn decode_rev(bytes: &[u8]) -> Result<Revision, StorageError> {
    let array: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StorageError::Corrupt(format!("revision of {} bytes", bytes.len())))?;
    Ok(Revision::from_be_bytes(array))
}

/// The latest version of a live key, as kept in `kv`.
#[derive(Clone, Debug)]
pub(crate) struct Latest {
    pub(crate) create_revision: Revision,
    pub(crate) mod_revision: Revision,
    pub(crate) value: Bytes,
}

impl Latest {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.value.len());
        out.extend_from_slice(&rev_bytes(self.create_revision));
        out.extend_from_slice(&rev_bytes(self.mod_revision));
        out.extend_from_slice(&self.value);
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        if bytes.len() < 16 {
            return Err(StorageError::Corrupt(format!(
                "kv record of {} bytes",
                bytes.len()
            )));
        }
        Ok(Latest {
            create_revision: decode_rev(&bytes[..8])?,
            mod_revision: decode_rev(&bytes[8..16])?,
            value: Bytes::copy_from_slice(&bytes[16..]),
        })
    }

    pub(crate) fn into_kv(self, key: String) -> KeyValue {
        KeyValue {
            key,
            value: self.value,
            create_revision: self.create_revision,
            mod_revision: self.mod_revision,
        }
    }
}

/// One version of a key, as kept in `history`.
#[derive(Clone, Debug)]
pub(crate) enum Version {
    Put {
        create_revision: Revision,
        value: Bytes,
    },
    Delete {
        create_revision: Revision,
    },
}

impl Version {
    pub(crate) fn encode(&self) -> Vec<u8> {
        match self {
            Version::Put {
                create_revision,
                value,
            } => {
                let mut out = Vec::with_capacity(9 + value.len());
                out.push(TAG_PUT);
                out.extend_from_slice(&rev_bytes(*create_revision));
                out.extend_from_slice(value);
                out
            }
            Version::Delete { create_revision } => {
                let mut out = Vec::with_capacity(9);
                out.push(TAG_DELETE);
                out.extend_from_slice(&rev_bytes(*create_revision));
                out
            }
        }
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        if bytes.len() < 9 {
            return Err(StorageError::Corrupt(format!(
                "history record of {} bytes",
                bytes.len()
            )));
        }
        let create_revision = decode_rev(&bytes[1..9])?;
        match bytes[0] {
            TAG_PUT => Ok(Version::Put {
                create_revision,
                value: Bytes::copy_from_slice(&bytes[9..]),
            }),
            TAG_DELETE => Ok(Version::Delete { create_revision }),
            tag => Err(StorageError::Corrupt(format!("history record tag {tag}"))),
        }
    }
}

/// The `history` key of `key` at `rev`.
pub(crate) fn history_key(key: &[u8], rev: Revision) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 9);
    out.extend_from_slice(key);
    out.push(0);
    out.extend_from_slice(&rev_bytes(rev));
    out
}

/// Splits a `history` key into the user key and the revision.
pub(crate) fn split_history_key(hkey: &[u8]) -> Result<(&[u8], Revision), StorageError> {
    if hkey.len() < 9 || hkey[hkey.len() - 9] != 0 {
        return Err(StorageError::Corrupt("malformed history key".into()));
    }
    let (key, rest) = hkey.split_at(hkey.len() - 9);
    Ok((key, decode_rev(&rest[1..])?))
}

pub(crate) fn utf8_key(bytes: &[u8]) -> Result<String, StorageError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| StorageError::Corrupt("stored key is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keys_sort_versions_together_and_before_longer_keys() {
        let a1 = history_key(b"/a", 1);
        let a2 = history_key(b"/a", 300);
        let ab = history_key(b"/a/b", 2);
        assert!(a1 < a2 && a2 < ab);
        assert_eq!(split_history_key(&a2).unwrap(), (&b"/a"[..], 300));
    }

    #[test]
    fn records_round_trip() {
        let latest = Latest {
            create_revision: 3,
            mod_revision: 9,
            value: Bytes::from_static(b"v"),
        };
        let back = Latest::decode(&latest.encode()).unwrap();
        assert_eq!(
            (back.create_revision, back.mod_revision, &back.value[..]),
            (3, 9, &b"v"[..])
        );
        assert!(matches!(
            Version::decode(&Version::Delete { create_revision: 4 }.encode()).unwrap(),
            Version::Delete { create_revision: 4 }
        ));
        assert!(Version::decode(&[7; 9]).is_err());
        assert!(Latest::decode(&[0; 3]).is_err());
    }
}
