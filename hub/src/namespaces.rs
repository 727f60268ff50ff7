//! The namespace controller: one shared worker for every logical cluster. When a namespace is
//! marked for deletion it deletes everything in it (objects with finalizers are marked and
//! waited for), then removes the `kubernetes` finalizer and the namespace itself.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use hub_api::registry::ResourceDef;

use crate::catalog::Catalog;
use serde_json::Value;
use storage::ListRequest;
use tokio::sync::mpsc;

use crate::codec;
use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::keys;
use crate::meta;
use crate::objects::{ObjectRef, Objects};

/// How long to wait before looking again at a namespace whose contents still have finalizers.
const RECHECK: Duration = Duration::from_secs(1);

/// Starts the controller.
pub async fn start(
    objects: Objects,
    catalog: Arc<Catalog>,
    fanout: &Fanout,
) -> Result<(), ApiError> {
    let namespaces = Arc::clone(
        catalog
            .builtin()
            .lookup("", "v1", "namespaces")
            .ok_or(ApiError::NoRoute)?,
    );
    let prefix = keys::resource_prefix(&namespaces);
    let mut subscription = fanout
        .subscribe(&prefix, fanout.position())
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    let (queue, mut work) = mpsc::unbounded_channel::<(String, String)>();

    // Namespaces already terminating when the hub starts.
    let existing = objects.store().list(ListRequest::prefix(&prefix)).await?;
    for kv in existing.kvs {
        if let Some(parts) = keys::split_key(&kv.key, &prefix, false)
            && codec::decode(&kv.value, kv.mod_revision)
                .is_ok_and(|object| meta::is_deleting(&object))
        {
            let _ = queue.send((parts.cluster.to_owned(), parts.name.to_owned()));
        }
    }
    let watcher_queue = queue.clone();
    let watch_prefix = prefix.clone();
    tokio::spawn(async move {
        while let Some(Ok(change)) = subscription.next().await {
            if change.deleted {
                continue;
            }
            if let Some(parts) = keys::split_key(&change.key, &watch_prefix, false)
                && codec::decode(&change.value, change.revision)
                    .is_ok_and(|object| meta::is_deleting(&object))
                && watcher_queue
                    .send((parts.cluster.to_owned(), parts.name.to_owned()))
                    .is_err()
            {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut pending: HashSet<(String, String)> = HashSet::new();
        while let Some(item) = work.recv().await {
            pending.insert(item);
            while let Ok(item) = work.try_recv() {
                pending.insert(item);
            }
            let batch: BTreeSet<(String, String)> = pending.drain().collect();
            for (cluster, name) in batch {
                match finalize(&objects, &catalog, &namespaces, &cluster, &name).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let queue = queue.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(RECHECK).await;
                            let _ = queue.send((cluster, name));
                        });
                    }
                    Err(error) => {
                        tracing::warn!(%cluster, namespace = %name, %error, "namespace cleanup failed; retrying");
                        let queue = queue.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(RECHECK).await;
                            let _ = queue.send((cluster, name));
                        });
                    }
                }
            }
        }
    });
    Ok(())
}

/// Deletes the contents of a terminating namespace; removes the namespace once empty. Returns
/// whether it is done (false: objects with finalizers remain).
async fn finalize(
    objects: &Objects,
    catalog: &Catalog,
    namespaces: &ResourceDef,
    cluster: &str,
    name: &str,
) -> Result<bool, ApiError> {
    let reference = ObjectRef {
        def: namespaces,
        cluster,
        namespace: None,
        name,
    };
    let Some(stored) = objects.find(reference).await? else {
        return Ok(true);
    };
    let namespace = stored.object()?;
    if !meta::is_deleting(&namespace) {
        return Ok(true);
    }
    let mut remaining = false;
    for def in catalog
        .storage_locations(cluster)
        .iter()
        .filter(|def| def.namespaced)
    {
        remaining |= !empty_namespace(objects, def, cluster, name).await?;
    }
    if remaining {
        return Ok(false);
    }
    // Empty: drop the `kubernetes` finalizer and the namespace.
    let mut object = namespace;
    if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("finalizers");
    }
    meta::metadata_mut(&mut object).remove("resourceVersion");
    if meta::finalizers(&object).is_empty() {
        match objects.delete(reference, Some(stored.revision)).await {
            Ok(_) | Err(ApiError::NotFound(_)) => Ok(true),
            Err(ApiError::Conflict { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    } else {
        match objects.update(reference, &object, stored.revision).await {
            Ok(_) | Err(ApiError::NotFound(_)) => Ok(false),
            Err(ApiError::Conflict { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }
}

/// Deletes every object of `def` in the namespace; true when none remain.
async fn empty_namespace(
    objects: &Objects,
    def: &ResourceDef,
    cluster: &str,
    namespace: &str,
) -> Result<bool, ApiError> {
    let mut empty = true;
    loop {
        let page = objects
            .list(def, cluster, Some(namespace), None, 500, 0)
            .await?;
        if page.items.is_empty() {
            return Ok(empty);
        }
        let mut progressed = false;
        for (name, stored) in &page.items {
            let reference = ObjectRef {
                def,
                cluster,
                namespace: Some(namespace),
                name,
            };
            let object = stored.object()?;
            if meta::finalizers(&object).is_empty() {
                match objects.delete(reference, Some(stored.revision)).await {
                    Ok(_) | Err(ApiError::NotFound(_)) => progressed = true,
                    Err(ApiError::Conflict { .. }) => {}
                    Err(error) => return Err(error),
                }
            } else {
                empty = false;
                if !meta::is_deleting(&object) {
                    let mut marked = object.clone();
                    let metadata = meta::metadata_mut(&mut marked);
                    metadata.remove("resourceVersion");
                    metadata.insert("deletionTimestamp".into(), Value::String(meta::now()));
                    metadata.insert("deletionGracePeriodSeconds".into(), Value::from(0));
                    match objects.update(reference, &marked, stored.revision).await {
                        Ok(_) | Err(ApiError::NotFound(_) | ApiError::Conflict { .. }) => {}
                        Err(error) => return Err(error),
                    }
                }
            }
        }
        if !progressed {
            return Ok(false);
        }
    }
}
