//! The garbage collector: one shared controller for every logical cluster, following
//! `metadata.ownerReferences` as kube-controller-manager's does.
//!
//! - **Background** (the default): an owner is deleted at once; dependents whose owners are all
//!   gone are then deleted.
//! - **Foreground**: the owner gets the `foregroundDeletion` finalizer; its dependents are
//!   deleted, and once none with `blockOwnerDeletion` remains, the finalizer goes and with it
//!   the owner.
//! - **Orphan**: the owner gets the `orphan` finalizer; references to it are removed from its
//!   dependents, then the finalizer goes.
//!
//! It keeps one index, owner uid → dependents, built from a scan at start and kept current from
//! the watch fan-out; an idle logical cluster costs it nothing.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use hub_api::registry::ResourceDef;
use parking_lot::Mutex;
use serde_json::{Map, Value};
use storage::ListRequest;
use tokio::sync::Notify;

use crate::catalog::Catalog;
use crate::codec;
use crate::error::ApiError;
use crate::fanout::{Change, Fanout};
use crate::keys;
use crate::meta;
use crate::objects::{ObjectRef, Objects};

/// The finalizer that makes a deletion wait for dependents.
pub const FOREGROUND: &str = "foregroundDeletion";
/// The finalizer that makes a deletion orphan its dependents.
pub const ORPHAN: &str = "orphan";

/// Where an object lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Location {
    cluster: String,
    group: String,
    resource: String,
    namespace: Option<String>,
    name: String,
}

/// Work for the collector.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Task {
    /// Check whether this object's owners are gone.
    Dependent(Location),
    /// This owner is being deleted with a `foregroundDeletion` or `orphan` finalizer.
    Owner(Location),
}

struct State {
    /// (cluster, owner uid) → dependents.
    dependents: HashMap<(String, String), HashSet<Location>>,
    queue: VecDeque<Task>,
    queued: HashSet<Task>,
}

/// The collector.
struct Collector {
    objects: Objects,
    catalog: Arc<Catalog>,
    state: Mutex<State>,
    work: Notify,
}

/// Starts the collector.
pub async fn start(
    objects: Objects,
    catalog: Arc<Catalog>,
    fanout: &Fanout,
) -> Result<(), ApiError> {
    let collector = Arc::new(Collector {
        objects,
        catalog,
        state: Mutex::new(State {
            dependents: HashMap::new(),
            queue: VecDeque::new(),
            queued: HashSet::new(),
        }),
        work: Notify::new(),
    });
    let subscription = collector.resync(fanout).await?;
    let follower = Arc::clone(&collector);
    let fanout = fanout.clone();
    tokio::spawn(async move { follower.follow(subscription, fanout).await });
    let worker = Arc::clone(&collector);
    tokio::spawn(async move { worker.work().await });
    Ok(())
}

impl Collector {
    /// Rebuilds the index from a full scan; returns the subscription that keeps it current.
    async fn resync(&self, fanout: &Fanout) -> Result<crate::fanout::Subscription, ApiError> {
        let subscription = fanout
            .subscribe(keys::ROOT, fanout.position())
            .await
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        let mut dependents: HashMap<(String, String), HashSet<Location>> = HashMap::new();
        let mut owners_to_check = Vec::new();
        for prefix in self.storage_prefixes() {
            let mut after: Option<String> = None;
            loop {
                let mut request = ListRequest::prefix(&prefix).limit(1000);
                request.after = after.as_deref();
                let page = self.objects.store().list(request).await?;
                for kv in &page.kvs {
                    let Ok(object) = codec::decode(&kv.value, kv.mod_revision) else {
                        continue;
                    };
                    let Some(def) = self.def_for_key(&kv.key) else {
                        continue;
                    };
                    let Some(location) = location_of(&def, &kv.key) else {
                        continue;
                    };
                    for uid in owner_uids(&object) {
                        dependents
                            .entry((location.cluster.clone(), uid))
                            .or_default()
                            .insert(location.clone());
                    }
                    if pending_finalizer(&object) {
                        owners_to_check.push(location);
                    }
                }
                if !page.more {
                    break;
                }
                after = page.kvs.last().map(|kv| kv.key.clone());
            }
        }
        let mut state = self.state.lock();
        // Every indexed dependent is checked once: its owner may have gone while we were away.
        let all: Vec<Location> = dependents.values().flatten().cloned().collect();
        state.dependents = dependents;
        for location in all {
            enqueue(&mut state, Task::Dependent(location));
        }
        for location in owners_to_check {
            enqueue(&mut state, Task::Owner(location));
        }
        drop(state);
        self.work.notify_one();
        Ok(subscription)
    }

    /// Every resource prefix to scan: built-in storage locations, and those of every
    /// cluster's custom resources.
    fn storage_prefixes(&self) -> Vec<String> {
        let mut prefixes: Vec<String> = self
            .catalog
            .storage_locations("")
            .iter()
            .map(|def| keys::resource_prefix(def))
            .collect();
        for (_, def) in self.catalog.custom_storage_locations() {
            let prefix = keys::resource_prefix(&def);
            if !prefixes.contains(&prefix) {
                prefixes.push(prefix);
            }
        }
        prefixes
    }

    /// Keeps the index current from the fan-out; resyncs if the subscription ends.
    async fn follow(
        self: Arc<Self>,
        mut subscription: crate::fanout::Subscription,
        fanout: Fanout,
    ) {
        loop {
            match subscription.next().await {
                Some(Ok(change)) => self.observe(&change),
                Some(Err(_)) | None => loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    match self.resync(&fanout).await {
                        Ok(fresh) => {
                            subscription = fresh;
                            break;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "garbage collector resync failed; retrying")
                        }
                    }
                },
            }
        }
    }

    fn observe(&self, change: &Change) {
        let Some(def) = self.def_for_key(&change.key) else {
            return;
        };
        let Some(location) = location_of(&def, &change.key) else {
            return;
        };
        let new = if change.deleted {
            None
        } else {
            codec::decode(&change.value, change.revision).ok()
        };
        let old = change
            .prev
            .as_ref()
            .and_then(|(bytes, revision)| codec::decode(bytes, *revision).ok());
        let mut state = self.state.lock();
        let old_owners: HashSet<String> = old.as_ref().map(owner_uids).unwrap_or_default();
        let new_owners: HashSet<String> = new.as_ref().map(owner_uids).unwrap_or_default();
        for uid in old_owners.difference(&new_owners) {
            let key = (location.cluster.clone(), uid.clone());
            if let Some(set) = state.dependents.get_mut(&key) {
                set.remove(&location);
                if set.is_empty() {
                    state.dependents.remove(&key);
                }
            }
        }
        for uid in &new_owners {
            state
                .dependents
                .entry((location.cluster.clone(), uid.clone()))
                .or_default()
                .insert(location.clone());
        }
        // An object gone or going: its dependents may now be orphans.
        let gone_uid = match (&new, &old) {
            (None, Some(old)) => meta::field(old, "uid").map(str::to_owned),
            _ => None,
        };
        if let Some(uid) = gone_uid
            && let Some(dependents) = state.dependents.get(&(location.cluster.clone(), uid))
        {
            let dependents: Vec<Location> = dependents.iter().cloned().collect();
            for dependent in dependents {
                enqueue(&mut state, Task::Dependent(dependent));
            }
        }
        if new.as_ref().is_some_and(pending_finalizer) {
            enqueue(&mut state, Task::Owner(location.clone()));
        }
        // A dependent whose owner references changed is checked too.
        if !new_owners.is_empty() && new_owners != old_owners {
            enqueue(&mut state, Task::Dependent(location));
        }
        drop(state);
        self.work.notify_one();
    }

    fn def_for_key(&self, key: &str) -> Option<Arc<ResourceDef>> {
        let rest = key.strip_prefix(keys::ROOT)?;
        let mut parts = rest.splitn(4, '/');
        let (group, resource, cluster) = (parts.next()?, parts.next()?, parts.next()?);
        self.catalog.by_storage(cluster, group, resource)
    }

    async fn work(self: Arc<Self>) {
        loop {
            let task = {
                let mut state = self.state.lock();
                let task = state.queue.pop_front();
                if let Some(task) = &task {
                    state.queued.remove(task);
                }
                task
            };
            let Some(task) = task else {
                self.work.notified().await;
                continue;
            };
            let result = match &task {
                Task::Dependent(location) => self.check_dependent(location).await,
                Task::Owner(location) => self.finish_owner(location).await,
            };
            match result {
                Ok(true) => {}
                Ok(false) | Err(_) => {
                    if let Err(error) = &result {
                        tracing::debug!(%error, ?task, "garbage collection retry");
                    }
                    let collector = Arc::clone(&self);
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        let mut state = collector.state.lock();
                        enqueue(&mut state, task);
                        drop(state);
                        collector.work.notify_one();
                    });
                }
            }
        }
    }

    fn def(&self, location: &Location) -> Option<Arc<ResourceDef>> {
        self.catalog
            .resources(&location.cluster)
            .into_iter()
            .find(|def| def.group == location.group && def.resource == location.resource)
    }

    /// Deletes a dependent whose owners are all gone, or drops references to gone owners when
    /// some remain. Returns false to retry later.
    async fn check_dependent(&self, location: &Location) -> Result<bool, ApiError> {
        let Some(def) = self.def(location) else {
            return Ok(true);
        };
        let reference = ObjectRef {
            def: &def,
            cluster: &location.cluster,
            namespace: location.namespace.as_deref(),
            name: &location.name,
        };
        let Some(stored) = self.objects.find(reference).await? else {
            return Ok(true);
        };
        let object = stored.object()?;
        let references = owner_references(&object);
        if references.is_empty() {
            return Ok(true);
        }
        let mut absent = Vec::new();
        for owner in &references {
            if matches!(self.owner_state(location, owner).await?, OwnerState::Absent) {
                absent.push(owner.uid.clone());
            }
        }
        if absent.len() == references.len() {
            // Every owner is gone: delete (respecting the dependent's own finalizers).
            return self
                .delete_object(reference, &object, stored.revision)
                .await;
        }
        if !absent.is_empty() {
            let mut next = object.clone();
            let kept: Vec<Value> = references
                .iter()
                .filter(|owner| !absent.contains(&owner.uid))
                .map(|owner| owner.raw.clone())
                .collect();
            meta::metadata_mut(&mut next).insert("ownerReferences".into(), Value::Array(kept));
            meta::metadata_mut(&mut next).remove("resourceVersion");
            return match self.objects.update(reference, &next, stored.revision).await {
                Ok(_) | Err(ApiError::NotFound(_)) => Ok(true),
                Err(ApiError::Conflict { .. }) => Ok(false),
                Err(error) => Err(error),
            };
        }
        Ok(true)
    }

    async fn owner_state(
        &self,
        dependent: &Location,
        owner: &OwnerRef,
    ) -> Result<OwnerState, ApiError> {
        let group = owner
            .api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group);
        let Some(def) = self.catalog.by_kind(&dependent.cluster, group, &owner.kind) else {
            // An owner of a kind this hub does not serve cannot be confirmed: keep the dependent.
            return Ok(OwnerState::Present);
        };
        let namespace = if def.namespaced {
            dependent.namespace.as_deref()
        } else {
            None
        };
        let reference = ObjectRef {
            def: &def,
            cluster: &dependent.cluster,
            namespace,
            name: &owner.name,
        };
        let Some(stored) = self.objects.find(reference).await? else {
            return Ok(OwnerState::Absent);
        };
        let object = stored.object()?;
        if meta::field(&object, "uid") != Some(owner.uid.as_str()) {
            return Ok(OwnerState::Absent);
        }
        Ok(OwnerState::Present)
    }

    async fn delete_object(
        &self,
        reference: ObjectRef<'_>,
        object: &Map<String, Value>,
        revision: i64,
    ) -> Result<bool, ApiError> {
        if !meta::finalizers(object).is_empty() {
            if meta::is_deleting(object) {
                return Ok(true);
            }
            let mut marked = object.clone();
            let metadata = meta::metadata_mut(&mut marked);
            metadata.remove("resourceVersion");
            metadata.insert("deletionTimestamp".into(), Value::String(meta::now()));
            metadata.insert("deletionGracePeriodSeconds".into(), Value::from(0));
            return match self.objects.update(reference, &marked, revision).await {
                Ok(_) | Err(ApiError::NotFound(_)) => Ok(true),
                Err(ApiError::Conflict { .. }) => Ok(false),
                Err(error) => Err(error),
            };
        }
        match self.objects.delete(reference, Some(revision)).await {
            Ok(_) | Err(ApiError::NotFound(_)) => Ok(true),
            Err(ApiError::Conflict { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Completes a foreground or orphan deletion of an owner. Returns false to look again later.
    async fn finish_owner(&self, location: &Location) -> Result<bool, ApiError> {
        let Some(def) = self.def(location) else {
            return Ok(true);
        };
        let reference = ObjectRef {
            def: &def,
            cluster: &location.cluster,
            namespace: location.namespace.as_deref(),
            name: &location.name,
        };
        let Some(stored) = self.objects.find(reference).await? else {
            return Ok(true);
        };
        let object = stored.object()?;
        if !pending_finalizer(&object) {
            return Ok(true);
        }
        let Some(uid) = meta::field(&object, "uid").map(str::to_owned) else {
            return Ok(true);
        };
        let dependents: Vec<Location> = self
            .state
            .lock()
            .dependents
            .get(&(location.cluster.clone(), uid.clone()))
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        let finalizers = meta::finalizers(&object);
        let remove;
        if finalizers.iter().any(|f| f == ORPHAN) {
            for dependent in &dependents {
                self.drop_reference(dependent, &uid).await?;
            }
            remove = ORPHAN;
        } else {
            let mut blocking = false;
            for dependent in &dependents {
                let Some(dependent_def) = self.def(dependent) else {
                    continue;
                };
                let dependent_ref = ObjectRef {
                    def: &dependent_def,
                    cluster: &dependent.cluster,
                    namespace: dependent.namespace.as_deref(),
                    name: &dependent.name,
                };
                let Some(stored) = self.objects.find(dependent_ref).await? else {
                    continue;
                };
                let dependent_object = stored.object()?;
                let blocks = owner_references(&dependent_object)
                    .iter()
                    .any(|owner| owner.uid == uid && owner.block_owner_deletion);
                blocking |= blocks;
                if !meta::is_deleting(&dependent_object) {
                    // Dependents go in the foreground too, so their own dependents go first.
                    let mut marked = dependent_object.clone();
                    let metadata = meta::metadata_mut(&mut marked);
                    metadata.remove("resourceVersion");
                    metadata.insert("deletionTimestamp".into(), Value::String(meta::now()));
                    metadata.insert("deletionGracePeriodSeconds".into(), Value::from(0));
                    let mut dependent_finalizers = meta::finalizers(&dependent_object);
                    if !dependent_finalizers.iter().any(|f| f == FOREGROUND) {
                        dependent_finalizers.push(FOREGROUND.into());
                    }
                    metadata.insert("finalizers".into(), Value::from(dependent_finalizers));
                    match self
                        .objects
                        .update(dependent_ref, &marked, stored.revision)
                        .await
                    {
                        Ok(_) | Err(ApiError::NotFound(_) | ApiError::Conflict { .. }) => {}
                        Err(error) => return Err(error),
                    }
                }
            }
            if blocking {
                return Ok(false);
            }
            remove = FOREGROUND;
        }
        let mut next = object.clone();
        let kept: Vec<String> = finalizers.into_iter().filter(|f| f != remove).collect();
        let metadata = meta::metadata_mut(&mut next);
        metadata.remove("resourceVersion");
        if kept.is_empty() {
            metadata.remove("finalizers");
        } else {
            metadata.insert("finalizers".into(), Value::from(kept.clone()));
        }
        let result = if kept.is_empty() {
            self.objects
                .delete(reference, Some(stored.revision))
                .await
                .map(drop)
        } else {
            self.objects
                .update(reference, &next, stored.revision)
                .await
                .map(drop)
        };
        match result {
            Ok(()) | Err(ApiError::NotFound(_)) => Ok(true),
            Err(ApiError::Conflict { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn drop_reference(&self, location: &Location, owner_uid: &str) -> Result<(), ApiError> {
        let Some(def) = self.def(location) else {
            return Ok(());
        };
        let reference = ObjectRef {
            def: &def,
            cluster: &location.cluster,
            namespace: location.namespace.as_deref(),
            name: &location.name,
        };
        for _ in 0..8 {
            let Some(stored) = self.objects.find(reference).await? else {
                return Ok(());
            };
            let object = stored.object()?;
            let references = owner_references(&object);
            if !references.iter().any(|owner| owner.uid == owner_uid) {
                return Ok(());
            }
            let kept: Vec<Value> = references
                .iter()
                .filter(|owner| owner.uid != owner_uid)
                .map(|owner| owner.raw.clone())
                .collect();
            let mut next = object.clone();
            let metadata = meta::metadata_mut(&mut next);
            metadata.remove("resourceVersion");
            if kept.is_empty() {
                metadata.remove("ownerReferences");
            } else {
                metadata.insert("ownerReferences".into(), Value::Array(kept));
            }
            match self.objects.update(reference, &next, stored.revision).await {
                Ok(_) | Err(ApiError::NotFound(_)) => return Ok(()),
                Err(ApiError::Conflict { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(ApiError::Internal(
            "could not remove an owner reference".into(),
        ))
    }
}

enum OwnerState {
    Absent,
    Present,
}

struct OwnerRef {
    api_version: String,
    kind: String,
    name: String,
    uid: String,
    block_owner_deletion: bool,
    raw: Value,
}

fn owner_references(object: &Map<String, Value>) -> Vec<OwnerRef> {
    meta::metadata(object)
        .and_then(|metadata| metadata.get("ownerReferences"))
        .and_then(Value::as_array)
        .map(|references| {
            references
                .iter()
                .filter_map(|raw| {
                    Some(OwnerRef {
                        api_version: raw.get("apiVersion")?.as_str()?.to_owned(),
                        kind: raw.get("kind")?.as_str()?.to_owned(),
                        name: raw.get("name")?.as_str()?.to_owned(),
                        uid: raw.get("uid")?.as_str()?.to_owned(),
                        block_owner_deletion: raw
                            .get("blockOwnerDeletion")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        raw: raw.clone(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn owner_uids(object: &Map<String, Value>) -> HashSet<String> {
    owner_references(object)
        .into_iter()
        .map(|owner| owner.uid)
        .collect()
}

fn pending_finalizer(object: &Map<String, Value>) -> bool {
    meta::is_deleting(object)
        && meta::finalizers(object)
            .iter()
            .any(|f| f == FOREGROUND || f == ORPHAN)
}

fn location_of(def: &ResourceDef, key: &str) -> Option<Location> {
    let parts = keys::split_key(key, &keys::resource_prefix(def), def.namespaced)?;
    Some(Location {
        cluster: parts.cluster.to_owned(),
        group: def.group.clone(),
        resource: def.resource.clone(),
        namespace: parts.namespace.map(str::to_owned),
        name: parts.name.to_owned(),
    })
}

fn enqueue(state: &mut State, task: Task) {
    if state.queued.insert(task.clone()) {
        state.queue.push_back(task);
    }
}
