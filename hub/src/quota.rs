//! Limits on what a logical cluster may hold, checked on every create through the API:
//!
//! - **Workspace object limits.** A Workspace's `spec.maxObjects` (set in its parent) caps the
//!   objects of its logical cluster, every resource and namespace included. Only limited
//!   workspaces are tracked (from the Workspace objects, through the fan-out): their object count
//!   is scanned lazily at a pinned store revision, kept in memory, reserved atomically before
//!   each create (released if the create fails), decremented by API deletes, and scanned again
//!   once it is older than [`COUNT_TTL`] (controllers delete too). Creates past the limit are
//!   refused with 403; lowering the limit deletes nothing.
//! - **ResourceQuota object counts**, as kube-apiserver's quota admission enforces them:
//!   `count/<resource>`, `count/<resource>.<group>` and the legacy core names (`pods`,
//!   `configmaps`, …) in a quota's `spec.hard` cap creates of that resource in its namespace,
//!   with kube's `exceeded quota` message. An in-memory index of quotas per (cluster, namespace),
//!   kept from the fan-out, makes a create in a namespace without quotas free; in a namespace with
//!   one, check and create are serialized by a lock of that namespace and the count is read from
//!   the store, so concurrent creates cannot overshoot. One shared controller keeps each
//!   quota's `status.hard` and `status.used` current (after creates and deletes in its
//!   namespace, when its spec changes, and periodically). Compute-resource quotas (`cpu`,
//!   `requests.*`, …) and quota scopes are not enforced.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hub_api::registry::ResourceDef;
use hub_api::tenancy;
use parking_lot::{Mutex, RwLock};
use serde_json::{Map, Value};
use storage::{ListRequest, Revision};
use tokio::sync::{OwnedMutexGuard, mpsc};

use crate::catalog::Catalog;
use crate::clusters::Clusters;
use crate::codec;
use crate::error::{ApiError, Target};
use crate::fanout::{Fanout, Subscription};
use crate::keys;
use crate::meta;
use crate::objects::{ObjectRef, Objects, Stored};

/// How long a workspace's cached object count is trusted before it is scanned again.
pub const COUNT_TTL: Duration = Duration::from_secs(10);

/// The limits of every logical cluster. Cheap to clone.
#[derive(Clone)]
pub struct Limits {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("limited_workspaces", &self.inner.workspaces.read().len())
            .finish_non_exhaustive()
    }
}

/// A create admitted by [`Limits::admit`]: holds its reservation (and its namespace's quota
/// lock) until [`Admission::created`]; dropped without it, the reservation is released.
#[must_use = "an admission is released when dropped; call `created` after the store create"]
pub struct Admission {
    reserved: Option<Arc<Limited>>,
    quota: Option<QuotaLock>,
}

struct QuotaLock {
    recompute: mpsc::UnboundedSender<(String, String)>,
    cluster: String,
    namespace: String,
    _guard: OwnedMutexGuard<()>,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("reserved", &self.reserved.is_some())
            .field("quota", &self.quota.is_some())
            .finish()
    }
}

impl Admission {
    /// The create succeeded at `revision`: the reservation becomes part of the count and the
    /// namespace's quotas are recomputed.
    pub fn created(mut self, revision: Revision) {
        if let Some(limited) = self.reserved.take() {
            let mut state = limited.state.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.changed(revision, 1);
        }
        if let Some(lock) = self.quota.take() {
            let _ = lock.recompute.send((lock.cluster, lock.namespace));
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if let Some(limited) = self.reserved.take() {
            let mut state = limited.state.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
        }
    }
}

impl Limits {
    /// Loads the limited workspaces and every ResourceQuota, follows their changes through the
    /// fan-out and starts the quota status controller.
    pub async fn start(
        objects: Objects,
        catalog: Arc<Catalog>,
        clusters: Clusters,
        fanout: &Fanout,
    ) -> Result<Self, ApiError> {
        let builtin = catalog.builtin();
        let quotas = builtin
            .lookup("", "v1", "resourcequotas")
            .cloned()
            .ok_or_else(|| ApiError::Internal("no resourcequotas resource".into()))?;
        let workspaces = builtin
            .lookup(tenancy::GROUP, tenancy::VERSION, tenancy::RESOURCE)
            .cloned()
            .ok_or_else(|| ApiError::Internal("no workspaces resource".into()))?;
        let (recompute, work) = mpsc::unbounded_channel();
        let limits = Limits {
            inner: Arc::new(Inner {
                objects,
                catalog,
                clusters,
                quotas_def: quotas,
                workspaces_def: workspaces,
                workspaces: RwLock::new(HashMap::new()),
                namespaces: RwLock::new(HashMap::new()),
                recompute,
            }),
        };
        for kind in [Kind::Workspaces, Kind::Quotas] {
            let subscription = limits.sync(fanout, kind).await?;
            let follower = limits.clone();
            let fanout = fanout.clone();
            tokio::spawn(async move { follower.follow(fanout, kind, subscription).await });
        }
        let worker = limits.clone();
        tokio::spawn(async move { worker.work(work).await });
        let resync = limits.clone();
        tokio::spawn(async move { resync.resync().await });
        Ok(limits)
    }

    /// Checks a create of `name` (of `def`, in `cluster` and `namespace`) against the
    /// workspace's object limit and the namespace's quotas, reserving its place. Costs two map
    /// lookups when neither applies.
    pub async fn admit(
        &self,
        cluster: &str,
        def: &ResourceDef,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Admission, ApiError> {
        let mut admission = Admission {
            reserved: None,
            quota: None,
        };
        if def.namespaced
            && let Some(namespace) = namespace
            && let Some(quotas) = self.namespace_quotas(cluster, namespace)
        {
            let names = count_names(def);
            if quotas.limit(&names) {
                let guard = Arc::clone(&quotas.admission).lock_owned().await;
                self.check_quotas(cluster, def, namespace, name, &quotas, &names)
                    .await?;
                admission.quota = Some(QuotaLock {
                    recompute: self.inner.recompute.clone(),
                    cluster: cluster.to_owned(),
                    namespace: namespace.to_owned(),
                    _guard: guard,
                });
            }
        }
        let limited = self.inner.workspaces.read().get(cluster).cloned();
        if let Some(limited) = limited
            && self.reserve(cluster, def, name, &limited).await?
        {
            admission.reserved = Some(limited);
        }
        Ok(admission)
    }

    /// An object was written through the API: Workspaces and ResourceQuotas take effect at once
    /// (the fan-out confirms them later).
    pub fn written(&self, cluster: &str, def: &ResourceDef, stored: &Stored) {
        let is_quota = same(def, &self.inner.quotas_def);
        if !is_quota && !same(def, &self.inner.workspaces_def) {
            return;
        }
        let Ok(object) = stored.object() else {
            return;
        };
        if is_quota {
            if let Some(namespace) = meta::field(&object, "namespace") {
                let name = meta::name(&object);
                self.apply_quota(
                    cluster,
                    namespace,
                    name,
                    stored.revision,
                    Some(&object),
                    false,
                );
            }
        } else {
            self.apply_workspace(stored.revision, &object, false, false);
        }
    }

    /// An object was deleted through the API at `revision`: the workspace's count drops and the
    /// namespace's quotas are recomputed.
    pub fn deleted(
        &self,
        cluster: &str,
        def: &ResourceDef,
        namespace: Option<&str>,
        name: &str,
        revision: Revision,
    ) {
        let limited = self.inner.workspaces.read().get(cluster).cloned();
        if let Some(limited) = limited {
            limited.state.lock().changed(revision, -1);
        }
        let Some(namespace) = namespace.filter(|_| def.namespaced) else {
            return;
        };
        if same(def, &self.inner.quotas_def) {
            self.apply_quota(cluster, namespace, name, revision, None, false);
        }
        if self.namespace_quotas(cluster, namespace).is_some() {
            let _ = self
                .inner
                .recompute
                .send((cluster.to_owned(), namespace.to_owned()));
        }
    }
}

/// How often every namespace with quotas has its quotas' status recomputed (objects deleted by
/// controllers, not through the API).
const RESYNC: Duration = Duration::from_secs(15);
/// How long before a quota status that could not be written is tried again.
const RETRY: Duration = Duration::from_millis(500);
/// Core resources kube's quota also counts under their bare name.
const LEGACY: [&str; 7] = [
    "pods",
    "services",
    "configmaps",
    "secrets",
    "persistentvolumeclaims",
    "replicationcontrollers",
    "resourcequotas",
];
/// Page size of counting scans.
const PAGE: usize = 1000;

struct Inner {
    objects: Objects,
    catalog: Arc<Catalog>,
    clusters: Clusters,
    quotas_def: Arc<ResourceDef>,
    workspaces_def: Arc<ResourceDef>,
    /// Workspaces with an object limit (or a limit just removed), by logical cluster id.
    workspaces: RwLock<HashMap<String, Arc<Limited>>>,
    /// Namespaces with ResourceQuotas: cluster → namespace → quotas.
    namespaces: RwLock<HashMap<String, HashMap<String, Arc<NamespaceQuotas>>>>,
    /// `(cluster, namespace)` whose quotas' status needs recomputing.
    recompute: mpsc::UnboundedSender<(String, String)>,
}

/// A workspace with an object limit.
struct Limited {
    state: Mutex<Count>,
    /// Serializes scans of the cluster.
    recount: tokio::sync::Mutex<()>,
}

struct Count {
    /// The Workspace object's revision this entry reflects.
    revision: Revision,
    /// The limit; `None` once removed through the API, until the fan-out confirms it.
    max: Option<u64>,
    /// Objects stored as of the last scan, plus creates and less deletes since.
    stored: Option<u64>,
    /// The revision the last scan read at.
    at: Revision,
    /// When the last scan ran.
    counted: Instant,
    /// Creates reserved and not finished yet.
    in_flight: u64,
    /// A scan under way: the revision it reads at, and the creates less the deletes after it.
    scan: Option<(Revision, i64)>,
}

impl Count {
    fn fresh(&self) -> bool {
        self.stored.is_some() && self.counted.elapsed() < COUNT_TTL
    }

    /// An object created (`delta` 1) or deleted (-1) at `revision`: counted unless a scan
    /// at or after `revision` saw it already.
    fn changed(&mut self, revision: Revision, delta: i64) {
        if revision > self.at
            && let Some(stored) = self.stored.as_mut()
        {
            *stored = stored.saturating_add_signed(delta);
        }
        if let Some((at, pending)) = self.scan.as_mut()
            && revision > *at
        {
            *pending += delta;
        }
    }
}

/// The quotas of one namespace.
struct NamespaceQuotas {
    quotas: Mutex<BTreeMap<String, QuotaEntry>>,
    /// Held from the check of a create through its store create.
    admission: Arc<tokio::sync::Mutex<()>>,
}

struct QuotaEntry {
    revision: Revision,
    /// `None`: deleted through the API, until the fan-out confirms it.
    quota: Option<Quota>,
}

#[derive(Clone, PartialEq)]
struct Quota {
    /// `spec.hard` as written.
    spec_hard: Value,
    /// The object counts it limits.
    counts: BTreeMap<String, i64>,
    /// Whether it has scopes (which only pods' compute quotas use): not enforced here.
    scoped: bool,
}

impl Quota {
    fn parse(object: &Map<String, Value>) -> Quota {
        let spec = object.get("spec");
        let spec_hard = spec
            .and_then(|spec| spec.get("hard"))
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        let counts = spec_hard
            .as_object()
            .map(|hard| {
                hard.iter()
                    .filter(|(key, _)| is_count(key))
                    .filter_map(|(key, value)| Some((key.clone(), quantity(value)?)))
                    .collect()
            })
            .unwrap_or_default();
        let scoped = spec.is_some_and(|spec| {
            spec.get("scopes")
                .and_then(Value::as_array)
                .is_some_and(|scopes| !scopes.is_empty())
                || spec
                    .get("scopeSelector")
                    .is_some_and(|selector| !selector.is_null())
        });
        Quota {
            spec_hard,
            counts,
            scoped,
        }
    }
}

impl NamespaceQuotas {
    /// Whether any quota limits one of `names`.
    fn limit(&self, names: &[String]) -> bool {
        self.quotas.lock().values().any(|entry| {
            entry.quota.as_ref().is_some_and(|quota| {
                !quota.scoped && names.iter().any(|name| quota.counts.contains_key(name))
            })
        })
    }

    /// The quotas limiting one of `names`, by name.
    fn limiting(&self, names: &[String]) -> Vec<(String, BTreeMap<String, i64>)> {
        self.quotas
            .lock()
            .iter()
            .filter_map(|(name, entry)| {
                let quota = entry.quota.as_ref().filter(|quota| !quota.scoped)?;
                let counts: BTreeMap<String, i64> = quota
                    .counts
                    .iter()
                    .filter(|(key, _)| names.contains(key))
                    .map(|(key, value)| (key.clone(), *value))
                    .collect();
                (!counts.is_empty()).then(|| (name.clone(), counts))
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Workspaces,
    Quotas,
}

impl Limits {
    fn namespace_quotas(&self, cluster: &str, namespace: &str) -> Option<Arc<NamespaceQuotas>> {
        self.inner
            .namespaces
            .read()
            .get(cluster)?
            .get(namespace)
            .cloned()
    }

    /// Checks a create against the namespace's quotas (its lock held): kube's message for the
    /// first quota (by name) it would exceed.
    async fn check_quotas(
        &self,
        cluster: &str,
        def: &ResourceDef,
        namespace: &str,
        name: &str,
        quotas: &NamespaceQuotas,
        names: &[String],
    ) -> Result<(), ApiError> {
        let limiting = quotas.limiting(names);
        if limiting.is_empty() {
            return Ok(());
        }
        let active_only = names.iter().any(|name| name == "pods");
        let (all, active) = self
            .count_namespace(cluster, def, namespace, active_only)
            .await?;
        for (quota, counts) in limiting {
            let exceeded: Vec<(&String, u64, i64)> = counts
                .iter()
                .map(|(key, limit)| {
                    let used = if key == "pods" { active } else { all };
                    (key, used, *limit)
                })
                .filter(|(_, used, limit)| i128::from(*used) + 1 > i128::from(*limit))
                .collect();
            if exceeded.is_empty() {
                continue;
            }
            let list = |value: &dyn Fn(u64, i64) -> String| {
                exceeded
                    .iter()
                    .map(|(key, used, limit)| format!("{key}={}", value(*used, *limit)))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let message = format!(
                "exceeded quota: {quota}, requested: {}, used: {}, limited: {}",
                list(&|_, _| "1".to_owned()),
                list(&|used, _| used.to_string()),
                list(&|_, limit| limit.to_string()),
            );
            return Err(forbidden(def, name, &message));
        }
        Ok(())
    }

    /// Reserves one object in a limited workspace; `false` if it has no limit (any more).
    async fn reserve(
        &self,
        cluster: &str,
        def: &ResourceDef,
        name: &str,
        limited: &Limited,
    ) -> Result<bool, ApiError> {
        loop {
            {
                let mut state = limited.state.lock();
                let Some(max) = state.max else {
                    return Ok(false);
                };
                if state.fresh()
                    && let Some(stored) = state.stored
                {
                    let used = stored + state.in_flight;
                    if used >= max {
                        let path = self
                            .inner
                            .clusters
                            .path_of(cluster)
                            .unwrap_or_else(|| cluster.to_owned());
                        let message = format!(
                            "exceeded the object limit of workspace \"{path}\": limit {max}, used {used}"
                        );
                        return Err(forbidden(def, name, &message));
                    }
                    state.in_flight += 1;
                    return Ok(true);
                }
            }
            let _scan = limited.recount.lock().await;
            if limited.state.lock().fresh() {
                continue;
            }
            let at = self.inner.objects.store().current_revision().await?;
            limited.state.lock().scan = Some((at, 0));
            let counted = self.count_cluster(cluster, at).await;
            let mut state = limited.state.lock();
            let pending = state.scan.take().map_or(0, |(_, pending)| pending);
            let count = counted?;
            state.stored = Some(count.saturating_add_signed(pending));
            state.at = at;
            state.counted = Instant::now();
        }
    }

    /// Every object of logical cluster `cluster` at revision `at`.
    async fn count_cluster(&self, cluster: &str, at: Revision) -> Result<u64, ApiError> {
        let mut count = 0;
        for def in self.inner.catalog.storage_locations(cluster) {
            let prefix = keys::collection_prefix(&def, cluster, None);
            count += self.count_prefix(&prefix, at, false).await?.0;
        }
        Ok(count)
    }

    /// Objects of `def` in `namespace`: all of them, and those not terminated (pods).
    async fn count_namespace(
        &self,
        cluster: &str,
        def: &ResourceDef,
        namespace: &str,
        active_only: bool,
    ) -> Result<(u64, u64), ApiError> {
        let prefix = keys::collection_prefix(def, cluster, Some(namespace));
        self.count_prefix(&prefix, 0, active_only).await
    }

    /// Keys under `prefix` at `at` (0: latest): all, and those whose phase is not terminal when
    /// `phases` (otherwise the same number).
    async fn count_prefix(
        &self,
        prefix: &str,
        at: Revision,
        phases: bool,
    ) -> Result<(u64, u64), ApiError> {
        let store = self.inner.objects.store();
        let (mut all, mut active) = (0u64, 0u64);
        let mut after: Option<String> = None;
        let mut revision = at;
        loop {
            let mut request = ListRequest::prefix(prefix).limit(PAGE).at(revision);
            request.after = after.as_deref();
            let page = store.list(request).await?;
            revision = page.revision;
            for kv in &page.kvs {
                all += 1;
                if !phases || !terminated(&kv.value) {
                    active += 1;
                }
            }
            if !page.more {
                break;
            }
            after = page.kvs.last().map(|kv| kv.key.clone());
        }
        Ok((all, active))
    }

    /// Applies a Workspace's state: its cluster's limit is set, changed or dropped. Events
    /// older than what the entry reflects are ignored; a limit removed through the API stays
    /// as an unlimited entry until the fan-out confirms it, so a late event cannot revive it.
    fn apply_workspace(
        &self,
        revision: Revision,
        object: &Map<String, Value>,
        deleted: bool,
        confirmed: bool,
    ) {
        let Some(id) = object
            .get("status")
            .and_then(|status| status.get("cluster"))
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
        else {
            return;
        };
        let max = if deleted {
            None
        } else {
            object
                .get("spec")
                .and_then(|spec| spec.get("maxObjects"))
                .and_then(Value::as_u64)
        };
        let mut workspaces = self.inner.workspaces.write();
        match workspaces.get(id) {
            Some(limited) => {
                let mut state = limited.state.lock();
                if revision < state.revision {
                    return;
                }
                state.revision = revision;
                state.max = max;
                if max.is_none() {
                    // Creates are not counted while unlimited: count again once limited.
                    state.stored = None;
                }
                if max.is_none() && confirmed {
                    drop(state);
                    workspaces.remove(id);
                }
            }
            None => {
                if max.is_some() {
                    workspaces.insert(
                        id.to_owned(),
                        Arc::new(Limited {
                            state: Mutex::new(Count {
                                revision,
                                max,
                                stored: None,
                                at: 0,
                                counted: Instant::now(),
                                in_flight: 0,
                                scan: None,
                            }),
                            recount: tokio::sync::Mutex::new(()),
                        }),
                    );
                }
            }
        }
    }

    /// Applies a ResourceQuota's state (`None`: deleted) to the index; a new quota or a changed
    /// spec has its status recomputed.
    fn apply_quota(
        &self,
        cluster: &str,
        namespace: &str,
        name: &str,
        revision: Revision,
        object: Option<&Map<String, Value>>,
        confirmed: bool,
    ) {
        let quota = object.map(Quota::parse);
        let changed;
        {
            let mut namespaces = self.inner.namespaces.write();
            let existing = namespaces
                .get(cluster)
                .and_then(|namespaces| namespaces.get(namespace))
                .cloned();
            let entry = match existing {
                Some(entry) => entry,
                None if quota.is_some() => {
                    let entry = Arc::new(NamespaceQuotas {
                        quotas: Mutex::new(BTreeMap::new()),
                        admission: Arc::new(tokio::sync::Mutex::new(())),
                    });
                    namespaces
                        .entry(cluster.to_owned())
                        .or_default()
                        .insert(namespace.to_owned(), Arc::clone(&entry));
                    entry
                }
                None => return,
            };
            let empty = {
                let mut quotas = entry.quotas.lock();
                if quotas
                    .get(name)
                    .is_some_and(|current| revision < current.revision)
                {
                    return;
                }
                let before = quotas.get(name).and_then(|current| current.quota.clone());
                changed = quota.is_some() && before != quota;
                if quota.is_none() && confirmed {
                    quotas.remove(name);
                } else {
                    quotas.insert(name.to_owned(), QuotaEntry { revision, quota });
                }
                quotas.is_empty()
            };
            if empty && let Some(in_cluster) = namespaces.get_mut(cluster) {
                in_cluster.remove(namespace);
                if in_cluster.is_empty() {
                    namespaces.remove(cluster);
                }
            }
        }
        if changed {
            let _ = self
                .inner
                .recompute
                .send((cluster.to_owned(), namespace.to_owned()));
        }
    }

    fn prefix(&self, kind: Kind) -> String {
        match kind {
            Kind::Workspaces => keys::resource_prefix(&self.inner.workspaces_def),
            Kind::Quotas => keys::resource_prefix(&self.inner.quotas_def),
        }
    }

    /// Applies one stored (or deleted) object of `kind` at `key`.
    fn apply(&self, kind: Kind, key: &str, value: &[u8], revision: Revision, deleted: bool) {
        let Ok(object) = codec::decode(value, revision) else {
            return;
        };
        match kind {
            Kind::Workspaces => self.apply_workspace(revision, &object, deleted, true),
            Kind::Quotas => {
                let prefix = self.prefix(kind);
                if let Some(parts) = keys::split_key(key, &prefix, true)
                    && let Some(namespace) = parts.namespace
                {
                    let object = (!deleted).then_some(&object);
                    self.apply_quota(parts.cluster, namespace, parts.name, revision, object, true);
                }
            }
        }
    }

    /// Subscribes to `kind`, then loads every object of it (dropping entries of objects that
    /// are gone); returns the subscription that keeps the index current.
    async fn sync(&self, fanout: &Fanout, kind: Kind) -> Result<Subscription, ApiError> {
        let prefix = self.prefix(kind);
        let subscription = fanout
            .subscribe(&prefix, fanout.position())
            .await
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        let store = self.inner.objects.store();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let mut after: Option<String> = None;
        let mut revision = 0;
        loop {
            let mut request = ListRequest::prefix(&prefix).limit(PAGE).at(revision);
            request.after = after.as_deref();
            let page = store.list(request).await?;
            revision = page.revision;
            for kv in &page.kvs {
                self.apply(kind, &kv.key, &kv.value, kv.mod_revision, false);
                match kind {
                    Kind::Workspaces => {
                        if let Ok(object) = codec::decode(&kv.value, kv.mod_revision)
                            && let Some(id) = object
                                .get("status")
                                .and_then(|status| status.get("cluster"))
                                .and_then(Value::as_str)
                        {
                            seen.insert((id.to_owned(), String::new()));
                        }
                    }
                    Kind::Quotas => {
                        if let Some(parts) = keys::split_key(&kv.key, &prefix, true) {
                            seen.insert((
                                parts.cluster.to_owned(),
                                format!("{}/{}", parts.namespace.unwrap_or(""), parts.name),
                            ));
                        }
                    }
                }
            }
            if !page.more {
                break;
            }
            after = page.kvs.last().map(|kv| kv.key.clone());
        }
        // Whatever was indexed before and is gone as of the listing goes too.
        match kind {
            Kind::Workspaces => {
                self.inner.workspaces.write().retain(|id, limited| {
                    seen.contains(&(id.clone(), String::new()))
                        || limited.state.lock().revision > revision
                });
            }
            Kind::Quotas => {
                let mut namespaces = self.inner.namespaces.write();
                for (cluster, in_cluster) in namespaces.iter_mut() {
                    in_cluster.retain(|namespace, entry| {
                        let mut quotas = entry.quotas.lock();
                        quotas.retain(|name, quota| {
                            quota.revision > revision
                                || seen.contains(&(cluster.clone(), format!("{namespace}/{name}")))
                        });
                        !quotas.is_empty()
                    });
                }
                namespaces.retain(|_, in_cluster| !in_cluster.is_empty());
                drop(namespaces);
                for (cluster, namespace) in self.quota_namespaces() {
                    let _ = self.inner.recompute.send((cluster, namespace));
                }
            }
        }
        Ok(subscription)
    }

    /// Follows `kind` through the fan-out; loads everything again whenever the subscription
    /// ends (the follower fell behind, or the store watch restarted).
    async fn follow(self, fanout: Fanout, kind: Kind, mut subscription: Subscription) {
        loop {
            while let Some(Ok(change)) = subscription.next().await {
                self.apply(
                    kind,
                    &change.key,
                    &change.value,
                    change.revision,
                    change.deleted,
                );
            }
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                match self.sync(&fanout, kind).await {
                    Ok(next) => {
                        subscription = next;
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(?kind, %error, "cannot reload limits; retrying");
                    }
                }
            }
        }
    }

    /// Every `(cluster, namespace)` with quotas.
    fn quota_namespaces(&self) -> Vec<(String, String)> {
        self.inner
            .namespaces
            .read()
            .iter()
            .flat_map(|(cluster, in_cluster)| {
                in_cluster
                    .keys()
                    .map(|namespace| (cluster.clone(), namespace.clone()))
            })
            .collect()
    }

    /// Queues every namespace with quotas every [`RESYNC`].
    async fn resync(self) {
        loop {
            tokio::time::sleep(RESYNC).await;
            for item in self.quota_namespaces() {
                if self.inner.recompute.send(item).is_err() {
                    return;
                }
            }
        }
    }

    /// The quota status controller: merges queued namespaces, recomputes each, retries later
    /// what could not be written.
    async fn work(self, mut work: mpsc::UnboundedReceiver<(String, String)>) {
        while let Some(item) = work.recv().await {
            let mut pending: HashSet<(String, String)> = HashSet::from([item]);
            while let Ok(item) = work.try_recv() {
                pending.insert(item);
            }
            for (cluster, namespace) in pending {
                let done = match self.recompute(&cluster, &namespace).await {
                    Ok(done) => done,
                    Err(error) => {
                        tracing::warn!(%cluster, %namespace, %error, "cannot update quota status; retrying");
                        false
                    }
                };
                if !done {
                    let queue = self.inner.recompute.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(RETRY).await;
                        let _ = queue.send((cluster, namespace));
                    });
                }
            }
        }
    }

    /// Writes `status.hard` (the spec's) and `status.used` (the object counts it limits) of
    /// every quota in `namespace`; `false` if one lost a race and must be done again.
    async fn recompute(&self, cluster: &str, namespace: &str) -> Result<bool, ApiError> {
        let def = &self.inner.quotas_def;
        let page = self
            .inner
            .objects
            .list(def, cluster, Some(namespace), None, PAGE, 0)
            .await?;
        let mut counts: HashMap<String, Option<u64>> = HashMap::new();
        let mut done = true;
        for (_, stored) in page.items {
            let mut object = stored.object()?;
            let quota = Quota::parse(&object);
            let old_used = object
                .get("status")
                .and_then(|status| status.get("used"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let mut used = Map::new();
            for key in quota.spec_hard.as_object().into_iter().flat_map(Map::keys) {
                let count = if quota.scoped || !is_count(key) {
                    None
                } else if let Some(count) = counts.get(key) {
                    *count
                } else {
                    let count = self.count_key(cluster, namespace, key).await?;
                    counts.insert(key.clone(), count);
                    count
                };
                match count {
                    Some(count) => {
                        used.insert(key.clone(), Value::String(count.to_string()));
                    }
                    None => {
                        if let Some(old) = old_used.get(key) {
                            used.insert(key.clone(), old.clone());
                        }
                    }
                }
            }
            let mut status = Map::new();
            status.insert("hard".into(), quota.spec_hard.clone());
            status.insert("used".into(), Value::Object(used));
            let status = Value::Object(status);
            if object.get("status") == Some(&status) {
                continue;
            }
            object.insert("status".into(), status);
            meta::metadata_mut(&mut object).remove("resourceVersion");
            let name = meta::name(&object).to_owned();
            let reference = ObjectRef {
                def,
                cluster,
                namespace: Some(namespace),
                name: &name,
            };
            match self
                .inner
                .objects
                .update(reference, &object, stored.revision)
                .await
            {
                Ok(_) | Err(ApiError::NotFound(_)) => {}
                Err(ApiError::Conflict { .. }) => done = false,
                Err(error) => return Err(error),
            }
        }
        Ok(done)
    }

    /// The usage of quota key `key` in `namespace`, if it is an object count of a resource
    /// served in `cluster`.
    async fn count_key(
        &self,
        cluster: &str,
        namespace: &str,
        key: &str,
    ) -> Result<Option<u64>, ApiError> {
        let (resource, group) = if LEGACY.contains(&key) {
            (key, "")
        } else {
            let Some(rest) = key.strip_prefix("count/") else {
                return Ok(None);
            };
            rest.split_once('.').unwrap_or((rest, ""))
        };
        let Some(def) = self
            .inner
            .catalog
            .resources(cluster)
            .into_iter()
            .find(|def| def.namespaced && def.resource == resource && def.group == group)
        else {
            return Ok(None);
        };
        let (all, active) = self
            .count_namespace(cluster, &def, namespace, key == "pods")
            .await?;
        Ok(Some(if key == "pods" { active } else { all }))
    }
}

/// The quota names counting objects of `def`: `count/<resource>[.<group>]`, and the legacy bare
/// name of the core resources that have one.
fn count_names(def: &ResourceDef) -> Vec<String> {
    let mut names = Vec::with_capacity(2);
    if def.group.is_empty() {
        names.push(format!("count/{}", def.resource));
        if LEGACY.contains(&def.resource.as_str()) {
            names.push(def.resource.clone());
        }
    } else {
        names.push(format!("count/{}.{}", def.resource, def.group));
    }
    names
}

/// Whether quota key `key` is an object count this hub enforces.
fn is_count(key: &str) -> bool {
    key.starts_with("count/") || LEGACY.contains(&key)
}

/// A quota quantity as a whole number: digits with an optional decimal (`k`, `M`, `G`, `T`) or
/// binary (`Ki`, `Mi`, `Gi`, `Ti`) suffix.
fn quantity(value: &Value) -> Option<i64> {
    if let Some(number) = value.as_i64() {
        return Some(number);
    }
    let text = value.as_str()?.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(split);
    let number: i64 = digits.parse().ok()?;
    let factor: i64 = match suffix {
        "" => 1,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// Whether a stored pod has terminated (`Succeeded` or `Failed`): kube's `pods` quota does not
/// count it.
fn terminated(value: &[u8]) -> bool {
    codec::decode(value, 0).is_ok_and(|object| {
        matches!(
            object
                .get("status")
                .and_then(|status| status.get("phase"))
                .and_then(Value::as_str),
            Some("Succeeded" | "Failed")
        )
    })
}

fn same(def: &ResourceDef, other: &ResourceDef) -> bool {
    def.group == other.group && def.resource == other.resource
}

/// kube's 403 for a create refused by admission: `<resource>[.<group>] "<name>" is forbidden:
/// <why>`.
fn forbidden(def: &ResourceDef, name: &str, why: &str) -> ApiError {
    let resource = if def.group.is_empty() {
        def.resource.clone()
    } else {
        format!("{}.{}", def.resource, def.group)
    };
    ApiError::Forbidden {
        target: Some(Target::new(&def.group, &def.resource, name)),
        message: format!("{resource} \"{name}\" is forbidden: {why}"),
        causes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_and_deletes_count_once_around_a_scan() {
        let mut count = Count {
            revision: 1,
            max: Some(10),
            stored: Some(5),
            at: 100,
            counted: Instant::now(),
            in_flight: 0,
            scan: None,
        };
        // Seen by the scan at 100 already; after it, counted.
        count.changed(90, 1);
        count.changed(110, 1);
        count.changed(120, -1);
        assert_eq!(count.stored, Some(5));
        // A scan at 130 under way: changes after it are carried over to its result.
        count.scan = Some((130, 0));
        count.changed(125, 1);
        count.changed(140, 1);
        count.changed(150, 1);
        count.changed(160, -1);
        assert_eq!(count.scan, Some((130, 1)));
        assert_eq!(count.stored, Some(7));
    }

    #[test]
    fn quantities_and_names() {
        assert_eq!(quantity(&Value::from("10")), Some(10));
        assert_eq!(quantity(&Value::from("2k")), Some(2000));
        assert_eq!(quantity(&Value::from("1Ki")), Some(1024));
        assert_eq!(quantity(&Value::from(3)), Some(3));
        assert_eq!(quantity(&Value::from("500m")), None);
        let registry = hub_api::registry::Registry::builtin();
        let cm = registry.lookup("", "v1", "configmaps").cloned();
        let deploy = registry.lookup("apps", "v1", "deployments").cloned();
        assert_eq!(
            cm.as_deref().map(count_names),
            Some(vec!["count/configmaps".to_owned(), "configmaps".to_owned()])
        );
        assert_eq!(
            deploy.as_deref().map(count_names),
            Some(vec!["count/deployments.apps".to_owned()])
        );
    }
}
