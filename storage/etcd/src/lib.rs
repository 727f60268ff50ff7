//! The etcd backend: the [`Store`] trait mapped onto etcd v3 (3.4 and later) through
//! `etcd-client`, using etcd's own revisions, transactions and watch.
//!
//! - create: a transaction `create_revision(key) == 0 → put`;
//! - update: `mod_revision(key) == expected → put, else get` (the get tells NotFound from Conflict);
//! - delete: the same shape with a delete returning the previous value;
//! - list: a range at a pinned revision, paginated internally so no response exceeds the gRPC
//!   message limit;
//! - watch: an etcd watch from `after + 1` with previous values; a compacted start revision is
//!   [`StorageError::Compacted`].
//!
//! Several hubs may share one etcd cluster: every guarantee comes from etcd itself.

mod errors;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, DeleteOptions, GetOptions, Txn, TxnOp,
    TxnOpResponse, WatchOptions,
};
use storage::{
    Deleted, Event, EventKind, KeyValue, ListRequest, ListResult, Result, Revision, StorageError,
    Store, WatchStream, prefix_range_end, validate_key, validate_prefix, validate_value,
};

pub use errors::ConnectError;

/// Keys fetched per etcd range request when a list has no limit, so that no response exceeds
/// the decoding limit.
const LIST_PAGE: i64 = 1000;
/// The largest gRPC message accepted: a full page of the largest values.
const MAX_DECODING_MESSAGE: usize = 512 << 20;

/// Connection settings.
#[derive(Clone, Debug)]
pub struct EtcdOptions {
    /// Client URLs, e.g. `http://127.0.0.1:2379`.
    pub endpoints: Vec<String>,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long one request may take.
    pub request_timeout: Duration,
}

impl EtcdOptions {
    /// Options for `endpoints` with default timeouts.
    pub fn new(endpoints: Vec<String>) -> Self {
        EtcdOptions {
            endpoints,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// A [`Store`] on an etcd cluster.
#[derive(Clone)]
pub struct EtcdStore {
    client: Client,
    endpoints: Arc<[String]>,
    /// The highest compacted revision this store has learned of.
    compacted: Arc<AtomicI64>,
}

impl std::fmt::Debug for EtcdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdStore")
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

impl EtcdStore {
    /// Connects to etcd and learns its compacted revision.
    pub async fn connect(options: EtcdOptions) -> Result<Self, ConnectError> {
        if options.endpoints.is_empty() {
            return Err(ConnectError::NoEndpoints);
        }
        let connect = ConnectOptions::new()
            .with_connect_timeout(options.connect_timeout)
            .with_timeout(options.request_timeout)
            .with_keep_alive(Duration::from_secs(10), Duration::from_secs(5));
        let client = Client::connect(&options.endpoints, Some(connect))
            .await
            .map_err(|source| ConnectError::Connect {
                endpoints: options.endpoints.join(","),
                source,
            })?;
        let store = EtcdStore {
            client,
            endpoints: options.endpoints.into(),
            compacted: Arc::new(AtomicI64::new(0)),
        };
        let compacted =
            store
                .probe_compacted()
                .await
                .map_err(|source| ConnectError::Unreachable {
                    endpoints: store.endpoints.join(","),
                    source,
                })?;
        store.compacted.store(compacted, Ordering::Release);
        Ok(store)
    }

    /// etcd answers a watch from revision 1 with the compacted revision, if there is one.
    async fn probe_compacted(&self) -> Result<Revision> {
        let mut watch_client = self.client.watch_client();
        let options = WatchOptions::new().with_all_keys().with_start_revision(1);
        let mut stream = watch_client
            .watch(vec![0u8], Some(options))
            .await
            .map_err(errors::map)?;
        let response = tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .map_err(|_| StorageError::unavailable_msg("etcd did not answer a watch"))?
            .map_err(errors::map)?;
        Ok(response
            .map(|response| response.compact_revision())
            .unwrap_or(0))
    }

    fn kv(&self) -> etcd_client::KvClient {
        self.client
            .kv_client()
            .max_decoding_message_size(MAX_DECODING_MESSAGE)
    }

    fn learn_compacted(&self, revision: Revision) {
        self.compacted.fetch_max(revision, Ordering::AcqRel);
    }

    /// Maps an etcd error, filling in the compacted revision this store knows of.
    fn error(&self, error: etcd_client::Error, requested: Revision) -> StorageError {
        match errors::map(error) {
            StorageError::Compacted { .. } => StorageError::Compacted {
                requested,
                compacted: self.compacted.load(Ordering::Acquire).max(requested + 1),
            },
            StorageError::FutureRevision { .. } => StorageError::FutureRevision {
                requested,
                current: 0,
            },
            other => other,
        }
    }
}

impl EtcdStore {
    /// Fills the current revision into a `FutureRevision` error.
    async fn with_current(&self, error: StorageError) -> StorageError {
        match error {
            StorageError::FutureRevision { requested, .. } => match self.current_revision().await {
                Ok(current) => StorageError::FutureRevision { requested, current },
                Err(error) => error,
            },
            other => other,
        }
    }
}

fn header_revision(header: Option<&etcd_client::ResponseHeader>) -> Result<Revision> {
    header
        .map(|header| header.revision())
        .ok_or_else(|| StorageError::Corrupt("etcd response without a header".into()))
}

fn to_kv(kv: &etcd_client::KeyValue) -> Result<KeyValue> {
    Ok(KeyValue {
        key: std::str::from_utf8(kv.key())
            .map_err(|_| StorageError::Corrupt("etcd key is not UTF-8".into()))?
            .to_owned(),
        value: Bytes::copy_from_slice(kv.value()),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
    })
}

/// The kv the `or_else` get of a failed transaction returned, if the key exists.
fn else_kv(response: &etcd_client::TxnResponse) -> Result<Option<KeyValue>> {
    for op in response.op_responses() {
        if let TxnOpResponse::Get(get) = op {
            return get.kvs().first().map(to_kv).transpose();
        }
    }
    Ok(None)
}

#[async_trait::async_trait]
impl Store for EtcdStore {
    fn backend(&self) -> &'static str {
        "etcd"
    }

    async fn create(&self, key: &str, value: Bytes) -> Result<Revision> {
        validate_key(key)?;
        validate_value(&value)?;
        let txn = Txn::new()
            .when([Compare::create_revision(key, CompareOp::Equal, 0)])
            .and_then([TxnOp::put(key, value.to_vec(), None)]);
        let response = self.kv().txn(txn).await.map_err(errors::map)?;
        if !response.succeeded() {
            return Err(StorageError::AlreadyExists {
                key: key.to_owned(),
            });
        }
        header_revision(response.header())
    }

    async fn get(&self, key: &str, revision: Revision) -> Result<KeyValue> {
        validate_key(key)?;
        if revision < 0 {
            return Err(StorageError::Compacted {
                requested: revision,
                compacted: 0,
            });
        }
        let options = (revision > 0).then(|| GetOptions::new().with_revision(revision));
        let response = match self.kv().get(key, options).await {
            Ok(response) => response,
            Err(error) => return Err(self.with_current(self.error(error, revision)).await),
        };
        match response.kvs().first() {
            Some(kv) => to_kv(kv),
            None => Err(StorageError::NotFound {
                key: key.to_owned(),
            }),
        }
    }

    async fn list(&self, request: ListRequest<'_>) -> Result<ListResult> {
        validate_prefix(request.prefix)?;
        if let Some(after) = request.after {
            validate_prefix(after)?;
        }
        if request.revision < 0 {
            return Err(StorageError::Compacted {
                requested: request.revision,
                compacted: 0,
            });
        }
        let range_end = prefix_range_end(request.prefix.as_bytes()).unwrap_or_else(|| vec![0]);
        let mut start: Vec<u8> = match request.after {
            Some(after) if after.as_bytes() >= request.prefix.as_bytes() => {
                let mut start = after.as_bytes().to_vec();
                start.push(0);
                start
            }
            _ if request.prefix.is_empty() => vec![0],
            _ => request.prefix.as_bytes().to_vec(),
        };
        let mut revision = request.revision;
        let mut kvs = Vec::new();
        let mut kv_client = self.kv();
        loop {
            let wanted = if request.limit == 0 {
                LIST_PAGE
            } else {
                (request.limit - kvs.len()) as i64
            };
            let mut options = GetOptions::new()
                .with_range(range_end.clone())
                .with_limit(wanted.min(LIST_PAGE));
            if revision > 0 {
                options = options.with_revision(revision);
            }
            let response = match kv_client.get(start.clone(), Some(options)).await {
                Ok(response) => response,
                Err(error) => return Err(self.with_current(self.error(error, revision)).await),
            };
            if revision == 0 {
                revision = header_revision(response.header())?;
            }
            for kv in response.kvs() {
                kvs.push(to_kv(kv)?);
            }
            let done = request.limit > 0 && kvs.len() >= request.limit;
            if !response.more() || done {
                return Ok(ListResult {
                    kvs,
                    revision,
                    more: response.more(),
                });
            }
            match kvs.last() {
                Some(last) => {
                    start = last.key.as_bytes().to_vec();
                    start.push(0);
                }
                None => {
                    return Ok(ListResult {
                        kvs,
                        revision,
                        more: false,
                    });
                }
            }
        }
    }

    async fn update(&self, key: &str, value: Bytes, expected: Revision) -> Result<Revision> {
        validate_key(key)?;
        validate_value(&value)?;
        let txn = Txn::new()
            .when([Compare::mod_revision(key, CompareOp::Equal, expected)])
            .and_then([TxnOp::put(key, value.to_vec(), None)])
            .or_else([TxnOp::get(key, None)]);
        let response = self.kv().txn(txn).await.map_err(errors::map)?;
        if response.succeeded() {
            return header_revision(response.header());
        }
        match else_kv(&response)? {
            None => Err(StorageError::NotFound {
                key: key.to_owned(),
            }),
            Some(current) => Err(StorageError::Conflict {
                key: key.to_owned(),
                expected,
                actual: current.mod_revision,
            }),
        }
    }

    async fn delete(&self, key: &str, expected: Option<Revision>) -> Result<Deleted> {
        validate_key(key)?;
        let compare = match expected {
            Some(expected) => Compare::mod_revision(key, CompareOp::Equal, expected),
            None => Compare::create_revision(key, CompareOp::Greater, 0),
        };
        let txn = Txn::new()
            .when([compare])
            .and_then([TxnOp::delete(
                key,
                Some(DeleteOptions::new().with_prev_key()),
            )])
            .or_else([TxnOp::get(key, None)]);
        let response = self.kv().txn(txn).await.map_err(errors::map)?;
        if !response.succeeded() {
            return match (else_kv(&response)?, expected) {
                (Some(current), Some(expected)) => Err(StorageError::Conflict {
                    key: key.to_owned(),
                    expected,
                    actual: current.mod_revision,
                }),
                _ => Err(StorageError::NotFound {
                    key: key.to_owned(),
                }),
            };
        }
        let revision = header_revision(response.header())?;
        for op in response.op_responses() {
            if let TxnOpResponse::Delete(delete) = op
                && let Some(last) = delete.prev_kvs().first()
            {
                return Ok(Deleted {
                    revision,
                    last: to_kv(last)?,
                });
            }
        }
        // Deleted between the compare and the delete is impossible inside one transaction.
        Err(StorageError::Corrupt(
            "etcd delete returned no previous value".into(),
        ))
    }

    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream> {
        validate_prefix(prefix)?;
        let compacted = self.compacted.load(Ordering::Acquire);
        if after < compacted {
            return Err(StorageError::Compacted {
                requested: after,
                compacted,
            });
        }
        let mut options = WatchOptions::new()
            .with_prev_key()
            .with_start_revision(after + 1);
        let key: Vec<u8> = if prefix.is_empty() {
            options = options.with_all_keys();
            vec![0]
        } else {
            options = options.with_prefix();
            prefix.as_bytes().to_vec()
        };
        let stream = self
            .client
            .watch_client()
            .watch(key, Some(options))
            .await
            .map_err(errors::map)?;
        let state = WatchState {
            stream,
            pending: VecDeque::new(),
            done: false,
            after,
            store: self.clone(),
        };
        Ok(Box::pin(futures::stream::unfold(state, WatchState::next)))
    }

    async fn current_revision(&self) -> Result<Revision> {
        let response = self
            .kv()
            .get(vec![0u8], Some(GetOptions::new().with_count_only()))
            .await
            .map_err(errors::map)?;
        header_revision(response.header())
    }

    async fn compacted_revision(&self) -> Result<Revision> {
        Ok(self.compacted.load(Ordering::Acquire))
    }

    async fn compact(&self, revision: Revision) -> Result<()> {
        let compacted = self.compacted.load(Ordering::Acquire);
        if revision <= compacted {
            return Err(StorageError::Compacted {
                requested: revision,
                compacted,
            });
        }
        match self.kv().compact(revision, None).await {
            Ok(_) => {
                self.learn_compacted(revision);
                Ok(())
            }
            Err(error) => Err(self.with_current(self.error(error, revision)).await),
        }
    }
}

/// The state of one watch stream: etcd's response stream and events not yet yielded.
struct WatchState {
    stream: etcd_client::WatchStream,
    pending: VecDeque<Result<Event>>,
    done: bool,
    after: Revision,
    store: EtcdStore,
}

impl WatchState {
    async fn next(mut self) -> Option<(Result<Event>, Self)> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                if item.is_err() {
                    self.done = true;
                }
                return Some((item, self));
            }
            if self.done {
                return None;
            }
            let response = match self.stream.message().await {
                Ok(Some(response)) => response,
                Ok(None) => {
                    self.done = true;
                    return Some((
                        Err(StorageError::unavailable_msg("etcd closed the watch")),
                        self,
                    ));
                }
                Err(error) => {
                    self.done = true;
                    return Some((Err(errors::map(error)), self));
                }
            };
            if response.compact_revision() > 0 {
                let compacted = response.compact_revision();
                self.store.learn_compacted(compacted);
                self.pending.push_back(Err(StorageError::Compacted {
                    requested: self.after,
                    compacted,
                }));
                continue;
            }
            if response.canceled() {
                let reason = response.cancel_reason().to_owned();
                self.pending
                    .push_back(Err(StorageError::unavailable_msg(format!(
                        "etcd cancelled the watch: {reason}"
                    ))));
                continue;
            }
            for event in response.events() {
                let converted = convert_event(event);
                if let Ok(event) = &converted {
                    self.after = event.revision();
                }
                self.pending.push_back(converted);
            }
        }
    }
}

fn convert_event(event: &etcd_client::Event) -> Result<Event> {
    let kv = event
        .kv()
        .ok_or_else(|| StorageError::Corrupt("etcd event without a key".into()))?;
    let prev = event.prev_kv().map(to_kv).transpose()?;
    let mut kv = to_kv(kv)?;
    let kind = match event.event_type() {
        etcd_client::EventType::Put => EventKind::Put,
        etcd_client::EventType::Delete => {
            kv.create_revision = prev.as_ref().map_or(0, |prev| prev.create_revision);
            EventKind::Delete
        }
    };
    Ok(Event { kind, kv, prev })
}

#[cfg(test)]
mod conformance;
