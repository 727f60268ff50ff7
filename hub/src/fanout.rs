//! The watch fan-out: one store watch over every object key feeds every client watch.
//!
//! The hub keeps a ring of recent changes; a client watch resumes from it, then receives live
//! changes through a bounded channel. A client whose channel is full is dropped (its stream
//! ends and it re-watches from its last resourceVersion, as kube clients do), so a slow client
//! never stalls others and never grows memory without bound. A client resuming from before the
//! ring reads the older history from the store, then switches to the fan-out.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use parking_lot::Mutex;
use storage::{EventKind, Revision, StorageError, Store, WatchStream};
use tokio::sync::mpsc;

use crate::keys;

/// One change to an object.
#[derive(Debug)]
pub struct Change {
    /// The object's key.
    pub key: String,
    /// The change's revision.
    pub revision: Revision,
    /// The stored bytes after the change; for a delete, the last state.
    pub value: Bytes,
    /// The stored bytes before the change and their revision (`None` for a create).
    pub prev: Option<(Bytes, Revision)>,
    /// Whether the change deleted the object.
    pub deleted: bool,
}

impl Change {
    /// Whether the change created the object.
    pub fn is_create(&self) -> bool {
        !self.deleted && self.prev.is_none()
    }
}

/// Tuning of the fan-out.
#[derive(Clone, Debug)]
pub struct FanoutOptions {
    /// Changes kept in memory for watches that resume.
    pub ring: usize,
    /// Changes buffered per client before it is dropped as too slow.
    pub client_buffer: usize,
}

impl Default for FanoutOptions {
    fn default() -> Self {
        FanoutOptions {
            ring: 2048,
            client_buffer: 4096,
        }
    }
}

/// The fan-out. Cheap to clone.
#[derive(Clone)]
pub struct Fanout {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Fanout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.inner.state.lock();
        f.debug_struct("Fanout")
            .field("position", &state.position)
            .field("ring", &state.ring.len())
            .finish()
    }
}

struct Inner {
    store: Arc<dyn Store>,
    options: FanoutOptions,
    state: Mutex<State>,
}

struct State {
    ring: VecDeque<Arc<Change>>,
    /// Every change up to this revision has been dispatched.
    position: Revision,
    /// Subscribers, by resource prefix (`/registry/<group>/<resource>/`).
    subscribers: HashMap<String, Vec<Subscriber>>,
    next_id: u64,
    open: usize,
}

struct Subscriber {
    id: u64,
    prefix: String,
    sender: mpsc::Sender<Arc<Change>>,
}

/// Why a watch cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The resource version is older than the retained history.
    #[error("too old resource version: {requested} ({oldest})")]
    TooOld {
        /// Asked for.
        requested: Revision,
        /// The oldest one still available.
        oldest: Revision,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StorageError),
}

/// A client's stream of changes under a prefix, after a revision.
pub struct Subscription {
    live: mpsc::Receiver<Arc<Change>>,
    backlog: VecDeque<Arc<Change>>,
    /// Catching up from the store before switching to `live`.
    catch_up: Option<(WatchStream, Revision)>,
    /// The last revision delivered (or the start).
    position: Revision,
    fanout: Fanout,
    id: u64,
    resource_prefix: String,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("position", &self.position)
            .finish()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut state = self.fanout.inner.state.lock();
        if let Some(list) = state.subscribers.get_mut(&self.resource_prefix) {
            let before = list.len();
            list.retain(|subscriber| subscriber.id != self.id);
            let removed = before - list.len();
            state.open -= removed;
        }
    }
}

impl Subscription {
    /// The next change, `None` when the subscription ended (the client was too slow, or the
    /// hub's store watch restarted): the client must re-watch from its last resourceVersion.
    pub async fn next(&mut self) -> Option<Result<Arc<Change>, WatchError>> {
        loop {
            if let Some((stream, switch_after)) = &mut self.catch_up {
                match stream.next().await {
                    Some(Ok(event)) => {
                        let change = Arc::new(change_from_event(event));
                        if change.revision > *switch_after {
                            // The fan-out has this change (and everything after it) too.
                            self.catch_up = None;
                            continue;
                        }
                        self.position = change.revision;
                        return Some(Ok(change));
                    }
                    Some(Err(StorageError::Compacted {
                        requested,
                        compacted,
                    })) => {
                        return Some(Err(WatchError::TooOld {
                            requested,
                            oldest: compacted,
                        }));
                    }
                    Some(Err(error)) => return Some(Err(error.into())),
                    None => return None,
                }
            }
            let change = match self.backlog.pop_front() {
                Some(change) => change,
                None => self.live.recv().await?,
            };
            if change.revision <= self.position {
                continue;
            }
            self.position = change.revision;
            return Some(Ok(change));
        }
    }

    /// A revision the client may resume from, when everything dispatched to it has been read:
    /// the fan-out's position. `None` while changes are still pending.
    pub fn bookmark(&self) -> Option<Revision> {
        if self.catch_up.is_some() || !self.backlog.is_empty() {
            return None;
        }
        let state = self.fanout.inner.state.lock();
        self.live
            .is_empty()
            .then_some(state.position.max(self.position))
    }
}

impl Fanout {
    /// Starts the fan-out at the store's current revision.
    pub async fn start(
        store: Arc<dyn Store>,
        options: FanoutOptions,
    ) -> Result<Self, StorageError> {
        let position = store.current_revision().await?;
        let fanout = Fanout {
            inner: Arc::new(Inner {
                store,
                options,
                state: Mutex::new(State {
                    ring: VecDeque::new(),
                    position,
                    subscribers: HashMap::new(),
                    next_id: 0,
                    open: 0,
                }),
            }),
        };
        let stream = fanout.inner.store.watch(keys::ROOT, position).await?;
        let weak = Arc::downgrade(&fanout.inner);
        tokio::spawn(run(weak, stream));
        Ok(fanout)
    }

    /// The revision through which every change has been dispatched.
    pub fn position(&self) -> Revision {
        self.inner.state.lock().position
    }

    /// Open client subscriptions.
    pub fn open(&self) -> usize {
        self.inner.state.lock().open
    }

    /// Subscribes to changes of keys under `prefix` (which must start with a resource prefix,
    /// `/registry/<group>/<resource>/`) after `after`.
    pub async fn subscribe(
        &self,
        prefix: &str,
        after: Revision,
    ) -> Result<Subscription, WatchError> {
        // History the store has compacted is gone for every reader, even while the ring
        // still holds some of it.
        let compacted = self.inner.store.compacted_revision().await?;
        if after < compacted {
            return Err(WatchError::TooOld {
                requested: after,
                oldest: compacted,
            });
        }
        let resource_prefix = resource_prefix_of(prefix);
        let (sender, live) = mpsc::channel(self.inner.options.client_buffer);
        let (id, backlog, covered, position) = {
            let mut state = self.inner.state.lock();
            let id = state.next_id;
            state.next_id += 1;
            state.open += 1;
            state
                .subscribers
                .entry(resource_prefix.clone())
                .or_default()
                .push(Subscriber {
                    id,
                    prefix: prefix.to_owned(),
                    sender,
                });
            // The ring holds every change after `oldest - 1`.
            let oldest = state
                .ring
                .front()
                .map_or(state.position + 1, |change| change.revision);
            let covered = after >= oldest - 1;
            let backlog: VecDeque<Arc<Change>> = if covered {
                state
                    .ring
                    .iter()
                    .filter(|change| change.revision > after && change.key.starts_with(prefix))
                    .cloned()
                    .collect()
            } else {
                VecDeque::new()
            };
            (id, backlog, covered, state.position)
        };
        let mut subscription = Subscription {
            live,
            backlog,
            catch_up: None,
            position: after,
            fanout: self.clone(),
            id,
            resource_prefix,
        };
        if !covered {
            // Older than the ring: read the history from the store up to where the fan-out
            // was when this subscription registered.
            let stream =
                self.inner
                    .store
                    .watch(prefix, after)
                    .await
                    .map_err(|error| match error {
                        StorageError::Compacted {
                            requested,
                            compacted,
                        } => WatchError::TooOld {
                            requested,
                            oldest: compacted,
                        },
                        other => WatchError::Store(other),
                    })?;
            subscription.catch_up = Some((stream, position));
        }
        Ok(subscription)
    }

    /// Waits (up to `timeout`) until the fan-out has dispatched `revision`; returns whether it has.
    pub async fn wait_for(&self, revision: Revision, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.position() >= revision {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// `/registry/<group>/<resource>/` of a key or prefix.
fn resource_prefix_of(key: &str) -> String {
    let rest = key.strip_prefix(keys::ROOT).unwrap_or(key);
    let mut end = keys::ROOT.len();
    for (count, segment) in rest.split_inclusive('/').enumerate() {
        if count == 2 {
            break;
        }
        end += segment.len();
    }
    key[..end.min(key.len())].to_owned()
}

fn change_from_event(event: storage::Event) -> Change {
    let deleted = event.kind == EventKind::Delete;
    let prev = event.prev.map(|prev| (prev.value, prev.mod_revision));
    let value = if deleted {
        prev.as_ref()
            .map(|(value, _)| value.clone())
            .unwrap_or_default()
    } else {
        event.kv.value
    };
    Change {
        key: event.kv.key,
        revision: event.kv.mod_revision,
        value,
        prev,
        deleted,
    }
}

/// The fan-out's loop: reads the store watch and dispatches; restarts it if it fails.
async fn run(inner: std::sync::Weak<Inner>, mut stream: WatchStream) {
    loop {
        let item = stream.next().await;
        let Some(inner) = inner.upgrade() else { return };
        match item {
            Some(Ok(event)) => dispatch(&inner, Arc::new(change_from_event(event))),
            other => {
                if let Some(Err(error)) = other {
                    tracing::warn!(%error, "the store watch failed; restarting it and ending client watches");
                }
                // Restart from the current revision; clients re-list or resume from the store.
                loop {
                    let restarted = async {
                        let position = inner.store.current_revision().await?;
                        let stream = inner.store.watch(keys::ROOT, position).await?;
                        Ok::<_, StorageError>((position, stream))
                    }
                    .await;
                    match restarted {
                        Ok((position, new_stream)) => {
                            let mut state = inner.state.lock();
                            state.ring.clear();
                            state.position = position;
                            state.subscribers.clear();
                            state.open = 0;
                            stream = new_stream;
                            break;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "cannot restart the store watch; retrying");
                            tokio::time::sleep(Duration::from_millis(500)).await;
                        }
                    }
                }
            }
        }
    }
}

fn dispatch(inner: &Inner, change: Arc<Change>) {
    let mut state = inner.state.lock();
    let resource_prefix = resource_prefix_of(&change.key);
    let mut removed = deliver(&mut state, &resource_prefix, &change);
    // Subscribers of every key (controllers) are filed under the root prefix.
    if resource_prefix != keys::ROOT {
        removed += deliver(&mut state, keys::ROOT, &change);
    }
    state.open -= removed;
    state.position = change.revision;
    state.ring.push_back(change);
    while state.ring.len() > inner.options.ring {
        state.ring.pop_front();
    }
}

/// Sends `change` to the subscribers filed under `prefix` whose own prefix matches; drops the
/// ones that are closed or too slow. Returns how many were dropped.
fn deliver(state: &mut State, prefix: &str, change: &Arc<Change>) -> usize {
    let Some(list) = state.subscribers.get_mut(prefix) else {
        return 0;
    };
    let before = list.len();
    list.retain(|subscriber| {
        if !change.key.starts_with(&subscriber.prefix) {
            return !subscriber.sender.is_closed();
        }
        match subscriber.sender.try_send(Arc::clone(change)) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::info!(prefix = %subscriber.prefix, "dropping a watch that fell behind");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    });
    before - list.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_prefixes() {
        assert_eq!(
            resource_prefix_of("/registry/core/configmaps/root/default/a"),
            "/registry/core/configmaps/"
        );
        assert_eq!(
            resource_prefix_of("/registry/apps/deployments/"),
            "/registry/apps/deployments/"
        );
    }

    async fn setup(ring: usize) -> (Arc<dyn Store>, Fanout) {
        let store: Arc<dyn Store> = Arc::new(storage::memory::open().unwrap());
        let fanout = Fanout::start(
            Arc::clone(&store),
            FanoutOptions {
                ring,
                client_buffer: 8,
            },
        )
        .await
        .unwrap();
        (store, fanout)
    }

    async fn next(subscription: &mut Subscription) -> Arc<Change> {
        tokio::time::timeout(Duration::from_secs(5), subscription.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn resumes_from_the_ring_and_from_the_store() {
        let (store, fanout) = setup(4).await;
        let mut revisions = Vec::new();
        for i in 0..10 {
            revisions.push(
                store
                    .create(
                        &format!("/registry/core/configmaps/root/ns/{i}"),
                        Bytes::from("v"),
                    )
                    .await
                    .unwrap(),
            );
        }
        store
            .create("/registry/core/secrets/root/ns/s", Bytes::from("v"))
            .await
            .unwrap();
        assert!(
            fanout
                .wait_for(
                    store.current_revision().await.unwrap(),
                    Duration::from_secs(5)
                )
                .await
        );
        // From the ring.
        let mut recent = fanout
            .subscribe("/registry/core/configmaps/root/", revisions[7])
            .await
            .unwrap();
        assert_eq!(next(&mut recent).await.revision, revisions[8]);
        // From before the ring: history from the store, then live from the fan-out.
        let mut old = fanout
            .subscribe("/registry/core/configmaps/root/", 0)
            .await
            .unwrap();
        for expected in &revisions {
            assert_eq!(next(&mut old).await.revision, *expected);
        }
        let live = store
            .create("/registry/core/configmaps/root/ns/live", Bytes::from("v"))
            .await
            .unwrap();
        assert_eq!(next(&mut old).await.revision, live);
        assert_eq!(next(&mut recent).await.revision, revisions[9]);
        assert_eq!(next(&mut recent).await.revision, live);
        assert_eq!(fanout.open(), 2);
        drop(old);
        assert_eq!(fanout.open(), 1);
    }

    #[tokio::test]
    async fn a_slow_client_is_dropped_without_affecting_others() {
        let (store, fanout) = setup(16).await;
        let start = fanout.position();
        let mut slow = fanout
            .subscribe("/registry/core/configmaps/", start)
            .await
            .unwrap();
        let mut fast = fanout
            .subscribe("/registry/core/configmaps/", start)
            .await
            .unwrap();
        for i in 0..20 {
            store
                .create(
                    &format!("/registry/core/configmaps/root/ns/{i}"),
                    Bytes::from("v"),
                )
                .await
                .unwrap();
            next(&mut fast).await;
        }
        // The slow one got its 8 buffered changes, then its stream ended.
        for _ in 0..8 {
            next(&mut slow).await;
        }
        assert!(slow.next().await.is_none());
        assert_eq!(fanout.open(), 1);
    }

    #[tokio::test]
    async fn compacted_history_is_too_old() {
        let (store, fanout) = setup(2).await;
        let mut last = 0;
        for i in 0..6 {
            last = store
                .create(
                    &format!("/registry/core/configmaps/root/ns/{i}"),
                    Bytes::from("v"),
                )
                .await
                .unwrap();
        }
        store.compact(last - 1).await.unwrap();
        assert!(fanout.wait_for(last, Duration::from_secs(5)).await);
        let error = fanout
            .subscribe("/registry/core/configmaps/", 1)
            .await
            .unwrap_err();
        assert!(matches!(error, WatchError::TooOld { .. }), "{error:?}");
    }
}
