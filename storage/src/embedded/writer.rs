//! The group-commit writer: one thread that owns every write to the engine.
//!
//! It drains queued requests into one batch, checks each against the state left by the ones
//! before it, assigns consecutive revisions, commits the batch durably in one engine transaction,
//! publishes the events, and only then answers the callers. Compaction runs on the same thread,
//! a bounded chunk at a time between batches, so it never stalls writers for long.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::codec::{self, Latest, Version, decode_rev, history_key, rev_bytes};
use super::{EmbeddedOptions, Engine, Shared, Snapshot, Table, WriteBatch, read};
use crate::{Deleted, Event, EventKind, KeyValue, Result, Revision, StorageError};

/// Log entries one compaction chunk handles.
const COMPACTION_CHUNK: usize = 4096;
/// Bytes of values one write batch may carry before it is committed.
const MAX_BATCH_BYTES: usize = 16 << 20;

/// A request to the writer thread.
pub(super) enum Request {
    Create {
        key: String,
        value: Bytes,
        reply: oneshot::Sender<Result<Revision>>,
    },
    Update {
        key: String,
        value: Bytes,
        expected: Revision,
        reply: oneshot::Sender<Result<Revision>>,
    },
    Delete {
        key: String,
        expected: Option<Revision>,
        reply: oneshot::Sender<Result<Deleted>>,
    },
    Compact {
        revision: Revision,
        reply: oneshot::Sender<Result<()>>,
    },
}

/// Starts the writer thread; it stops, after answering every queued request, when every sender
/// is dropped.
pub(super) fn spawn<E: Engine>(
    shared: Arc<Shared<E>>,
    options: EmbeddedOptions,
) -> Result<(Sender<Request>, std::thread::JoinHandle<()>)> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(format!("{}-writer", shared.name))
        .spawn(move || Writer::new(shared, options).run(receiver))
        .map_err(|error| StorageError::unavailable("cannot start the writer thread", error))?;
    Ok((sender, handle))
}

/// A write's answer, held until its batch is committed.
enum Pending {
    Revision(oneshot::Sender<Result<Revision>>, Result<Revision>),
    Deleted(oneshot::Sender<Result<Deleted>>, Result<Deleted>),
}

impl Pending {
    fn send(self) {
        // A caller that gave up waiting is not an error.
        match self {
            Pending::Revision(reply, result) => drop(reply.send(result)),
            Pending::Deleted(reply, result) => drop(reply.send(result)),
        }
    }

    fn fail(self, error: &StorageError) {
        let error = || StorageError::unavailable_msg(format!("commit failed: {error}"));
        match self {
            Pending::Revision(reply, _) => drop(reply.send(Err(error()))),
            Pending::Deleted(reply, _) => drop(reply.send(Err(error()))),
        }
    }
}

struct Writer<E: Engine> {
    shared: Arc<Shared<E>>,
    options: EmbeddedOptions,
    /// The revision of the last committed write.
    current: Revision,
    /// Compaction in progress: the target and who waits for it (none for automatic ones).
    compaction: Option<(Revision, Vec<oneshot::Sender<Result<()>>>)>,
}

impl<E: Engine> Writer<E> {
    fn new(shared: Arc<Shared<E>>, options: EmbeddedOptions) -> Self {
        let current = shared.committed.load(Ordering::Acquire);
        Writer {
            shared,
            options,
            current,
            compaction: None,
        }
    }

    fn run(mut self, requests: Receiver<Request>) {
        loop {
            let first = if self.compaction.is_some() {
                match requests.try_recv() {
                    Ok(request) => Some(request),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                }
            } else {
                match requests.recv() {
                    Ok(request) => Some(request),
                    Err(_) => return,
                }
            };
            if let Some(first) = first {
                let mut batch = vec![first];
                let mut bytes = 0;
                while batch.len() < self.options.max_batch && bytes < MAX_BATCH_BYTES {
                    match requests.try_recv() {
                        Ok(request) => {
                            bytes += request_bytes(&request);
                            batch.push(request);
                        }
                        Err(_) => break,
                    }
                }
                self.write(batch);
            }
            if self.compaction.is_some() {
                self.compact_chunk();
            } else {
                self.maybe_start_retention();
            }
        }
    }

    /// Applies one batch of requests and commits it.
    fn write(&mut self, requests: Vec<Request>) {
        let snapshot = match self.shared.engine.snapshot() {
            Ok(snapshot) => snapshot,
            Err(error) => {
                for request in requests {
                    fail_request(request, &error);
                }
                return;
            }
        };
        let mut overlay: HashMap<String, Option<Latest>> = HashMap::new();
        let mut batch = WriteBatch::default();
        let mut events = Vec::new();
        let mut pending = Vec::with_capacity(requests.len());
        let mut next = self.current + 1;
        for request in requests {
            match request {
                Request::Compact { revision, reply } => {
                    self.queue_compaction(revision, Some(reply))
                }
                Request::Create { key, value, reply } => {
                    let result = match current_of(&snapshot, &overlay, &key) {
                        Err(error) => Err(error),
                        Ok(Some(_)) => Err(StorageError::AlreadyExists { key }),
                        Ok(None) => {
                            let rev = next;
                            next += 1;
                            let latest = Latest {
                                create_revision: rev,
                                mod_revision: rev,
                                value,
                            };
                            put(&mut batch, &key, &latest);
                            events.push(Event {
                                kind: EventKind::Put,
                                kv: latest.clone().into_kv(key.clone()),
                                prev: None,
                            });
                            overlay.insert(key, Some(latest));
                            Ok(rev)
                        }
                    };
                    pending.push(Pending::Revision(reply, result));
                }
                Request::Update {
                    key,
                    value,
                    expected,
                    reply,
                } => {
                    let result = match current_of(&snapshot, &overlay, &key) {
                        Err(error) => Err(error),
                        Ok(None) => Err(StorageError::NotFound { key }),
                        Ok(Some(old)) if old.mod_revision != expected => {
                            Err(StorageError::Conflict {
                                key,
                                expected,
                                actual: old.mod_revision,
                            })
                        }
                        Ok(Some(old)) => {
                            let rev = next;
                            next += 1;
                            let latest = Latest {
                                create_revision: old.create_revision,
                                mod_revision: rev,
                                value,
                            };
                            put(&mut batch, &key, &latest);
                            events.push(Event {
                                kind: EventKind::Put,
                                kv: latest.clone().into_kv(key.clone()),
                                prev: Some(old.into_kv(key.clone())),
                            });
                            overlay.insert(key, Some(latest));
                            Ok(rev)
                        }
                    };
                    pending.push(Pending::Revision(reply, result));
                }
                Request::Delete {
                    key,
                    expected,
                    reply,
                } => {
                    let result = match current_of(&snapshot, &overlay, &key) {
                        Err(error) => Err(error),
                        Ok(None) => Err(StorageError::NotFound { key }),
                        Ok(Some(old))
                            if expected.is_some_and(|expected| expected != old.mod_revision) =>
                        {
                            Err(StorageError::Conflict {
                                key,
                                expected: expected.unwrap_or_default(),
                                actual: old.mod_revision,
                            })
                        }
                        Ok(Some(old)) => {
                            let rev = next;
                            next += 1;
                            let version = Version::Delete {
                                create_revision: old.create_revision,
                            };
                            batch.put(
                                Table::History,
                                history_key(key.as_bytes(), rev),
                                version.encode(),
                            );
                            batch.put(
                                Table::Log,
                                rev_bytes(rev).to_vec(),
                                key.clone().into_bytes(),
                            );
                            batch.remove(Table::Kv, key.clone().into_bytes());
                            let last = old.into_kv(key.clone());
                            events.push(Event {
                                kind: EventKind::Delete,
                                kv: KeyValue {
                                    key: key.clone(),
                                    value: Bytes::new(),
                                    create_revision: last.create_revision,
                                    mod_revision: rev,
                                },
                                prev: Some(last.clone()),
                            });
                            overlay.insert(key, None);
                            Ok(Deleted {
                                revision: rev,
                                last,
                            })
                        }
                    };
                    pending.push(Pending::Deleted(reply, result));
                }
            }
        }
        drop(snapshot);
        if events.is_empty() {
            pending.into_iter().for_each(Pending::send);
            return;
        }
        let last = next - 1;
        batch.put(
            Table::Meta,
            codec::META_CURRENT.to_vec(),
            rev_bytes(last).to_vec(),
        );
        match self.shared.engine.commit(batch) {
            Ok(()) => {
                self.current = last;
                self.shared.committed.store(last, Ordering::Release);
                // No receivers is fine: nobody is watching.
                let _ = self.shared.events.send(Arc::from(events));
                pending.into_iter().for_each(Pending::send);
            }
            Err(error) => {
                tracing::error!(backend = self.shared.name, %error, "commit failed");
                pending.into_iter().for_each(|pending| pending.fail(&error));
            }
        }
    }

    fn queue_compaction(&mut self, revision: Revision, reply: Option<oneshot::Sender<Result<()>>>) {
        match &mut self.compaction {
            Some((target, waiters)) => {
                *target = (*target).max(revision);
                waiters.extend(reply);
            }
            None => self.compaction = Some((revision, reply.into_iter().collect())),
        }
    }

    /// Starts an automatic compaction when more history than the retention is kept.
    fn maybe_start_retention(&mut self) {
        let retain = self.options.retain_revisions;
        if retain <= 0 {
            return;
        }
        let compacted = self.shared.compacted.load(Ordering::Acquire);
        // Compact in steps of at least an eighth of the retention, not after every write.
        if self.current - compacted > retain + retain / 8 {
            self.queue_compaction(self.current - retain, None);
        }
    }

    /// Compacts one chunk of the log towards the pending target.
    fn compact_chunk(&mut self) {
        let Some((target, _)) = &self.compaction else {
            return;
        };
        let target = *target;
        let compacted = self.shared.compacted.load(Ordering::Acquire);
        let result = if compacted >= target {
            Ok(compacted)
        } else {
            self.compact_range(compacted, target)
        };
        match result {
            Ok(done) if done >= target => {
                if let Some((_, waiters)) = self.compaction.take() {
                    for waiter in waiters {
                        let _ = waiter.send(Ok(()));
                    }
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(backend = self.shared.name, %error, "compaction failed");
                if let Some((_, waiters)) = self.compaction.take() {
                    for waiter in waiters {
                        let _ = waiter.send(Err(StorageError::unavailable_msg(format!(
                            "compaction failed: {error}"
                        ))));
                    }
                }
            }
        }
    }

    /// Drops the history of up to [`COMPACTION_CHUNK`] revisions after `compacted`, up to
    /// `target`; returns the new compacted revision.
    ///
    /// For each key written in the chunk, every version at or before the chunk's end goes,
    /// except the newest one when it is a live value that `kv` does not already hold (it is
    /// still the key's value at revisions between the chunk's end and its next write).
    fn compact_range(&self, compacted: Revision, target: Revision) -> Result<Revision> {
        let snapshot = self.shared.engine.snapshot()?;
        let mut revisions = Vec::new();
        let mut keys = BTreeSet::new();
        let from = rev_bytes(compacted);
        let to = rev_bytes(target);
        snapshot.scan(
            Table::Log,
            Bound::Excluded(&from),
            Bound::Included(&to),
            false,
            &mut |rev, key| {
                revisions.push(decode_rev(rev)?);
                keys.insert(key.to_vec());
                Ok(revisions.len() < COMPACTION_CHUNK)
            },
        )?;
        let end = if revisions.len() < COMPACTION_CHUNK {
            target
        } else {
            *revisions.last().unwrap_or(&target)
        };
        let mut batch = WriteBatch::default();
        for key in &keys {
            let live = read::latest(&snapshot, key)?.map(|latest| latest.mod_revision);
            let from = history_key(key, 0);
            let to = history_key(key, end);
            let mut newest = true;
            snapshot.scan(
                Table::History,
                Bound::Included(&from),
                Bound::Included(&to),
                true,
                &mut |hkey, value| {
                    let (_, rev) = codec::split_history_key(hkey)?;
                    let keep = newest
                        && matches!(Version::decode(value)?, Version::Put { .. })
                        && live != Some(rev);
                    newest = false;
                    if !keep {
                        batch.remove(Table::History, hkey.to_vec());
                    }
                    Ok(true)
                },
            )?;
        }
        for rev in revisions {
            batch.remove(Table::Log, rev_bytes(rev).to_vec());
        }
        batch.put(
            Table::Meta,
            codec::META_COMPACTED.to_vec(),
            rev_bytes(end).to_vec(),
        );
        drop(snapshot);
        self.shared.engine.commit(batch)?;
        self.shared.compacted.store(end, Ordering::Release);
        tracing::debug!(
            backend = self.shared.name,
            compacted = end,
            keys = keys.len(),
            "compacted history"
        );
        Ok(end)
    }
}

/// The current version of `key`, seeing earlier writes of the same batch.
fn current_of(
    snapshot: &impl Snapshot,
    overlay: &HashMap<String, Option<Latest>>,
    key: &str,
) -> Result<Option<Latest>> {
    match overlay.get(key) {
        Some(state) => Ok(state.clone()),
        None => read::latest(snapshot, key.as_bytes()),
    }
}

/// Adds the writes of a create or update: history and log first, then `kv`.
fn put(batch: &mut WriteBatch, key: &str, latest: &Latest) {
    let version = Version::Put {
        create_revision: latest.create_revision,
        value: latest.value.clone(),
    };
    batch.put(
        Table::History,
        history_key(key.as_bytes(), latest.mod_revision),
        version.encode(),
    );
    batch.put(
        Table::Log,
        rev_bytes(latest.mod_revision).to_vec(),
        key.as_bytes().to_vec(),
    );
    batch.put(Table::Kv, key.as_bytes().to_vec(), latest.encode());
}

fn request_bytes(request: &Request) -> usize {
    match request {
        Request::Create { value, .. } | Request::Update { value, .. } => value.len(),
        _ => 0,
    }
}

fn fail_request(request: Request, error: &StorageError) {
    let error = || StorageError::unavailable_msg(format!("cannot read the store: {error}"));
    match request {
        Request::Create { reply, .. } | Request::Update { reply, .. } => {
            drop(reply.send(Err(error())))
        }
        Request::Delete { reply, .. } => drop(reply.send(Err(error()))),
        Request::Compact { reply, .. } => drop(reply.send(Err(error()))),
    }
}
