//! The namespace controller: one shared worker for every logical cluster. When a namespace is
//! marked for deletion it deletes everything in it (objects with finalizers are marked and
//! waited for), then removes the `kubernetes` finalizer and the namespace itself.

use std::sync::Arc;
use std::time::Duration;

use hub_api::registry::ResourceDef;

use crate::catalog::Catalog;
use serde_json::Value;

use crate::controller::{Controller, Outcome};
use crate::error::ApiError;
use crate::fanout::Fanout;
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
    let controller = Controller {
        name: "namespaces",
        wants: meta::is_deleting,
        retry: RECHECK,
        concurrency: 1,
    };
    let reconciled = Arc::clone(&namespaces);
    let store = objects.clone();
    controller
        .start(&objects, fanout, &namespaces, move |cluster, name| {
            let (objects, catalog, namespaces) =
                (store.clone(), Arc::clone(&catalog), Arc::clone(&reconciled));
            async move {
                Ok(
                    if finalize(&objects, &catalog, &namespaces, &cluster, &name).await? {
                        Outcome::Done
                    } else {
                        Outcome::Later
                    },
                )
            }
        })
        .await
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
