//! Reads over a [`Snapshot`]: latest values, values at a past revision, consistent lists, and the
//! history replay that watches start from.

use std::collections::BTreeSet;
use std::ops::Bound;

use bytes::Bytes;

use super::codec::{self, Latest, Version, decode_rev, history_key, rev_bytes, utf8_key};
use super::{Snapshot, Table};
use crate::{Event, EventKind, KeyValue, Result, Revision, StorageError, prefix_range_end};

/// A revision stored in the meta table (0 when absent).
pub(super) fn meta(snapshot: &impl Snapshot, name: &[u8]) -> Result<Revision> {
    match snapshot.get(Table::Meta, name)? {
        Some(bytes) => decode_rev(&bytes),
        None => Ok(0),
    }
}

/// The latest version of a live key.
pub(super) fn latest(snapshot: &impl Snapshot, key: &[u8]) -> Result<Option<Latest>> {
    snapshot
        .get(Table::Kv, key)?
        .map(|bytes| Latest::decode(&bytes))
        .transpose()
}

/// The newest retained version of `key` at or before `revision`, from the history table, with its
/// revision.
fn history_at(
    snapshot: &impl Snapshot,
    key: &[u8],
    revision: Revision,
) -> Result<Option<(Revision, Version)>> {
    let from = history_key(key, 0);
    let to = history_key(key, revision);
    let mut found = None;
    snapshot.scan(
        Table::History,
        Bound::Included(&from),
        Bound::Included(&to),
        true,
        &mut |hkey, value| {
            let (_, rev) = codec::split_history_key(hkey)?;
            found = Some((rev, Version::decode(value)?));
            Ok(false)
        },
    )?;
    Ok(found)
}

/// `key` as it was at `revision` (`None` if absent then).
pub(super) fn version_at(
    snapshot: &impl Snapshot,
    key: &str,
    revision: Revision,
) -> Result<Option<KeyValue>> {
    if let Some(latest) = latest(snapshot, key.as_bytes())?
        && latest.mod_revision <= revision
    {
        return Ok(Some(latest.into_kv(key.to_owned())));
    }
    Ok(match history_at(snapshot, key.as_bytes(), revision)? {
        Some((
            mod_revision,
            Version::Put {
                create_revision,
                value,
            },
        )) => Some(KeyValue {
            key: key.to_owned(),
            value,
            create_revision,
            mod_revision,
        }),
        Some((_, Version::Delete { .. })) | None => None,
    })
}

/// The keys under `prefix` after `after`, as they were at `revision`, at most `limit` (0 = all);
/// returns them and whether more remain.
///
/// The `kv` table holds the latest versions; any key written after `revision` (found in the log)
/// is instead resolved through history. This gives a consistent page whether the snapshot is a
/// true snapshot at a later revision or a live view that moves during the scan.
pub(super) fn list(
    snapshot: &impl Snapshot,
    prefix: &str,
    after: Option<&str>,
    limit: usize,
    revision: Revision,
) -> Result<(Vec<KeyValue>, bool)> {
    let range_end = prefix_range_end(prefix.as_bytes());
    let start: Bound<&[u8]> = match after {
        Some(after) if after.as_bytes() >= prefix.as_bytes() => Bound::Excluded(after.as_bytes()),
        _ => Bound::Included(prefix.as_bytes()),
    };
    let end: Bound<&[u8]> = match &range_end {
        Some(end) => Bound::Excluded(end.as_slice()),
        None => Bound::Unbounded,
    };
    let in_range = |key: &[u8]| {
        (match start {
            Bound::Included(start) => key >= start,
            Bound::Excluded(start) => key > start,
            Bound::Unbounded => true,
        }) && range_end.as_deref().is_none_or(|end| key < end)
    };

    // Keys written after `revision`: their `kv` entry (if any) is too new.
    let mut changed = BTreeSet::new();
    let after_revision = rev_bytes(revision);
    snapshot.scan(
        Table::Log,
        Bound::Excluded(&after_revision),
        Bound::Unbounded,
        false,
        &mut |_, key| {
            if in_range(key) {
                changed.insert(key.to_vec());
            }
            Ok(true)
        },
    )?;

    let want = if limit == 0 {
        usize::MAX
    } else {
        limit.saturating_add(1)
    };
    let mut items: Vec<KeyValue> = Vec::new();
    let mut changed = changed.into_iter().peekable();
    let resolve = |key: &[u8], items: &mut Vec<KeyValue>| -> Result<()> {
        let key = utf8_key(key)?;
        if let Some(kv) = version_at(snapshot, &key, revision)? {
            items.push(kv);
        }
        Ok(())
    };
    snapshot.scan(Table::Kv, start, end, false, &mut |key, value| {
        while let Some(pending) = changed.next_if(|pending| pending.as_slice() < key) {
            resolve(&pending, &mut items)?;
            if items.len() >= want {
                return Ok(false);
            }
        }
        if changed
            .next_if(|pending| pending.as_slice() == key)
            .is_some()
        {
            resolve(key, &mut items)?;
        } else {
            let latest = Latest::decode(value)?;
            if latest.mod_revision <= revision {
                items.push(latest.into_kv(utf8_key(key)?));
            } else {
                resolve(key, &mut items)?;
            }
        }
        Ok(items.len() < want)
    })?;
    for pending in changed {
        if items.len() >= want {
            break;
        }
        resolve(&pending, &mut items)?;
    }
    let more = items.len() > limit && limit > 0;
    items.truncate(if limit == 0 { usize::MAX } else { limit });
    Ok((items, more))
}

/// The events under `prefix` with revisions in `(after, upto]`, reading at most `max_revisions`
/// log entries. Returns the events and the last revision examined (so the caller continues from
/// there even when nothing matched). Fails with `Compacted` if history after `after` is gone.
pub(super) fn replay(
    snapshot: &impl Snapshot,
    prefix: &str,
    after: Revision,
    upto: Revision,
    max_revisions: usize,
) -> Result<(Vec<Event>, Revision)> {
    let compacted = meta(snapshot, codec::META_COMPACTED)?;
    if after < compacted {
        return Err(StorageError::Compacted {
            requested: after,
            compacted,
        });
    }
    let mut entries = Vec::new();
    let from = rev_bytes(after);
    let to = rev_bytes(upto);
    let mut last = after;
    snapshot.scan(
        Table::Log,
        Bound::Excluded(&from),
        Bound::Included(&to),
        false,
        &mut |rev, key| {
            let rev = decode_rev(rev)?;
            if rev != last + 1 {
                return Err(missing(snapshot, last + 1));
            }
            last = rev;
            if key.starts_with(prefix.as_bytes()) {
                entries.push((rev, key.to_vec()));
            }
            Ok(entries.len() < max_revisions && (last - after) < max_revisions as i64)
        },
    )?;
    if last < upto && (last - after) < max_revisions as i64 {
        return Err(missing(snapshot, last + 1));
    }
    let mut events = Vec::with_capacity(entries.len());
    for (rev, key) in entries {
        let version = snapshot
            .get(Table::History, &history_key(&key, rev))?
            .ok_or_else(|| missing(snapshot, rev))?;
        let prev = match history_at(snapshot, &key, rev - 1)? {
            Some((
                mod_revision,
                Version::Put {
                    create_revision,
                    value,
                },
            )) => Some(KeyValue {
                key: utf8_key(&key)?,
                value,
                create_revision,
                mod_revision,
            }),
            _ => None,
        };
        let key = utf8_key(&key)?;
        events.push(match Version::decode(&version)? {
            Version::Put {
                create_revision,
                value,
            } => Event {
                kind: EventKind::Put,
                kv: KeyValue {
                    key,
                    value,
                    create_revision,
                    mod_revision: rev,
                },
                prev,
            },
            Version::Delete { create_revision } => Event {
                kind: EventKind::Delete,
                kv: KeyValue {
                    key,
                    value: Bytes::new(),
                    create_revision,
                    mod_revision: rev,
                },
                prev,
            },
        });
    }
    Ok((events, last))
}

/// The error for revision `rev` missing from history: `Compacted` if a compaction (possibly one
/// running concurrently with a non-isolated read) removed it, else corruption.
fn missing(snapshot: &impl Snapshot, rev: Revision) -> StorageError {
    match meta(snapshot, codec::META_COMPACTED) {
        Ok(compacted) if compacted >= rev => StorageError::Compacted {
            requested: rev - 1,
            compacted,
        },
        Ok(_) => StorageError::Corrupt(format!("history lacks revision {rev}")),
        Err(error) => error,
    }
}
