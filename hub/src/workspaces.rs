//! Workspaces (`tenancy.nave.dev/v1alpha1`): admission and the one shared controller.
//!
//! Creating a Workspace assigns its logical cluster a fresh id and writes `Initializing`, the id
//! and the URL into its status, its creator into an annotation and a finalizer into its metadata,
//! all in the create itself, so the response already names the cluster. The controller then
//! makes the cluster (record, default namespaces, the creator's `workspace-admin` binding) and
//! sets `Ready`. Deleting a Workspace marks it `Terminating`; the controller deletes the whole
//! subtree (`Clusters::delete_tree`) and then lets the Workspace go.
//!
//! The controller works on many workspaces at once (the store commits their writes together),
//! one reconcile per workspace at a time.

use std::sync::Arc;
use std::time::Duration;

use hub_api::registry::ResourceDef;
use hub_api::tenancy::{self, phase};
use serde_json::{Map, Value, json};
use storage::ListRequest;

use crate::api::Ctx;
use crate::catalog::Catalog;
use crate::clusters::{Clusters, Owner};
use crate::codec;
use crate::controller::{Controller, Outcome};
use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::keys;
use crate::meta;
use crate::objects::{ObjectRef, Objects};

/// How many workspaces the controller works on at once.
const CONCURRENCY: usize = 128;
/// How long before a workspace that could not be finished is looked at again.
const RETRY: Duration = Duration::from_millis(500);

/// Whether `def` is the Workspace resource.
pub fn applies(def: &ResourceDef) -> bool {
    def.group == tenancy::GROUP && def.resource == tenancy::RESOURCE
}

/// Admission of a Workspace write. On create: the default type, the finalizer, the creator, and
/// the status (`Initializing`, a fresh cluster id, the URL). On update: the finalizer stays and
/// the status's cluster and URL cannot change, so no write can point a Workspace (and its
/// deletion) at another logical cluster.
pub fn admit(ctx: &Ctx, object: &mut Map<String, Value>, old: Option<&Map<String, Value>>) {
    match old {
        None => {
            let spec = object
                .entry("spec")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(spec) = spec
                && !spec.contains_key("type")
            {
                spec.insert("type".into(), Value::String(tenancy::DEFAULT_TYPE.into()));
            }
            add_finalizer(object);
            let owner = json!({"username": ctx.identity.user, "groups": ctx.identity.groups});
            let metadata = meta::metadata_mut(object);
            let annotations = metadata
                .entry("annotations")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(annotations) = annotations {
                annotations.insert(
                    tenancy::OWNER_ANNOTATION.into(),
                    Value::String(owner.to_string()),
                );
            }
            let id = tenancy::cluster_id(uuid::Uuid::new_v4().as_u128());
            let parent = ctx
                .state
                .clusters
                .path_of(&ctx.cluster)
                .unwrap_or_else(|| ctx.cluster.clone());
            let path = tenancy::child_path(&parent, meta::name(object));
            object.insert(
                "status".into(),
                json!({
                    "phase": phase::INITIALIZING,
                    "cluster": id,
                    "url": format!("{}/clusters/{path}", ctx.state.base_url),
                }),
            );
        }
        Some(old) => {
            if meta::finalizers(old)
                .iter()
                .any(|finalizer| finalizer == tenancy::FINALIZER)
            {
                add_finalizer(object);
            }
            let status = object
                .entry("status")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(status) = status {
                for field in ["cluster", "url"] {
                    match old.get("status").and_then(|old| old.get(field)) {
                        Some(value) => {
                            status.insert(field.into(), value.clone());
                        }
                        None => {
                            status.remove(field);
                        }
                    }
                }
            }
        }
    }
}

/// Starts the Workspace controller.
pub async fn start(
    objects: Objects,
    catalog: &Catalog,
    clusters: Clusters,
    fanout: &Fanout,
) -> Result<(), ApiError> {
    let def = Arc::clone(
        catalog
            .builtin()
            .lookup(tenancy::GROUP, tenancy::VERSION, tenancy::RESOURCE)
            .ok_or(ApiError::NoRoute)?,
    );
    let controller = Controller {
        name: "workspaces",
        wants: |object| meta::is_deleting(object) || status(object, "phase") != phase::READY,
        retry: RETRY,
        concurrency: CONCURRENCY,
    };
    let reconciled = Arc::clone(&def);
    let store = objects.clone();
    controller
        .start(&objects, fanout, &def, move |cluster, name| {
            let (objects, clusters, def) =
                (store.clone(), clusters.clone(), Arc::clone(&reconciled));
            async move { reconcile(&objects, &clusters, &def, &cluster, &name).await }
        })
        .await
}

async fn reconcile(
    objects: &Objects,
    clusters: &Clusters,
    def: &ResourceDef,
    parent: &str,
    name: &str,
) -> Result<Outcome, ApiError> {
    let reference = ObjectRef {
        def,
        cluster: parent,
        namespace: None,
        name,
    };
    let Some(stored) = objects.find(reference).await? else {
        return Ok(Outcome::Done);
    };
    let mut workspace = stored.object()?;
    let id = status(&workspace, "cluster").to_owned();
    if meta::is_deleting(&workspace) {
        let mut revision = stored.revision;
        if status(&workspace, "phase") != phase::TERMINATING {
            set_phase(&mut workspace, phase::TERMINATING);
            match objects.update(reference, &workspace, revision).await {
                Ok(updated) => revision = updated.revision,
                Err(ApiError::Conflict { .. }) => return Ok(Outcome::Later),
                Err(ApiError::NotFound(_)) => return Ok(Outcome::Done),
                Err(error) => return Err(error),
            }
        }
        if !id.is_empty() && owns(clusters, parent, name, &id) {
            let deleted = delete_subtree(objects, clusters, &id).await?;
            tracing::debug!(workspace = name, cluster = %id, deleted, "workspace deleted");
        }
        let metadata = meta::metadata_mut(&mut workspace);
        if let Some(Value::Array(finalizers)) = metadata.get_mut("finalizers") {
            finalizers.retain(|finalizer| finalizer != tenancy::FINALIZER);
        }
        metadata.remove("resourceVersion");
        let result = if meta::finalizers(&workspace).is_empty() {
            objects.delete(reference, Some(revision)).await.map(|_| ())
        } else {
            objects
                .update(reference, &workspace, revision)
                .await
                .map(|_| ())
        };
        return match result {
            Ok(()) | Err(ApiError::NotFound(_)) => Ok(Outcome::Done),
            Err(ApiError::Conflict { .. }) => Ok(Outcome::Later),
            Err(error) => Err(error),
        };
    }
    if status(&workspace, "phase") == phase::READY || id.is_empty() {
        return Ok(Outcome::Done);
    }
    let owner = meta::metadata(&workspace)
        .and_then(|metadata| metadata.get("annotations"))
        .and_then(|annotations| annotations.get(tenancy::OWNER_ANNOTATION))
        .and_then(Value::as_str)
        .and_then(|owner| serde_json::from_str::<Owner>(owner).ok());
    clusters
        .initialize(&id, Some((parent, name)), owner.as_ref())
        .await?;
    set_phase(&mut workspace, phase::READY);
    meta::metadata_mut(&mut workspace).remove("resourceVersion");
    match objects.update(reference, &workspace, stored.revision).await {
        Ok(_) | Err(ApiError::NotFound(_)) => Ok(Outcome::Done),
        Err(ApiError::Conflict { .. }) => Ok(Outcome::Later),
        Err(error) => Err(error),
    }
}

/// Whether logical cluster `id` belongs to workspace `name` in `parent`: its record says so, or
/// its record is already gone (a deletion interrupted by a restart) and no other workspace
/// claims it.
fn owns(clusters: &Clusters, parent: &str, name: &str, id: &str) -> bool {
    match clusters.parent_of(id) {
        Some((recorded_parent, recorded_name)) => {
            recorded_parent == parent && recorded_name == name
        }
        // A stand-alone cluster (root, or one made without a workspace) is never deleted this way.
        None => !clusters.exists(id),
    }
}

/// Deletes cluster `id` and every cluster below it. Descendants are found both in the tree and
/// in the Workspace objects stored in each cluster, so a deletion interrupted after the records
/// went (a restart) still finds every cluster whose contents remain.
async fn delete_subtree(
    objects: &Objects,
    clusters: &Clusters,
    id: &str,
) -> Result<usize, ApiError> {
    let mut order = vec![id.to_owned()];
    let mut next = 0;
    while next < order.len() {
        let current = order[next].clone();
        let mut below = clusters.children(&current);
        below.extend(stored_children(objects, &current).await?);
        for child in below {
            if !order.contains(&child) {
                order.push(child);
            }
        }
        next += 1;
    }
    clusters.delete_clusters(&order).await?;
    Ok(order.len())
}

/// The cluster ids named by the Workspace objects stored in cluster `id`.
async fn stored_children(objects: &Objects, id: &str) -> Result<Vec<String>, ApiError> {
    let prefix = format!(
        "{}{}/{}/{id}/",
        keys::ROOT,
        tenancy::GROUP,
        tenancy::RESOURCE
    );
    let listed = objects.store().list(ListRequest::prefix(&prefix)).await?;
    Ok(listed
        .kvs
        .iter()
        .filter_map(|kv| codec::decode(&kv.value, kv.mod_revision).ok())
        .map(|workspace| status(&workspace, "cluster").to_owned())
        .filter(|child| !child.is_empty())
        .collect())
}

fn status<'a>(object: &'a Map<String, Value>, field: &str) -> &'a str {
    object
        .get("status")
        .and_then(|status| status.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn set_phase(object: &mut Map<String, Value>, value: &str) {
    let status = object
        .entry("status")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(status) = status {
        status.insert("phase".into(), Value::String(value.into()));
    }
}

fn add_finalizer(object: &mut Map<String, Value>) {
    let metadata = meta::metadata_mut(object);
    let finalizers = metadata
        .entry("finalizers")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(finalizers) = finalizers
        && !finalizers
            .iter()
            .any(|finalizer| finalizer == tenancy::FINALIZER)
    {
        finalizers.push(Value::String(tenancy::FINALIZER.into()));
    }
}
