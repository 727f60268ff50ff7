//! The CustomResourceDefinition controller: one for every logical cluster. It accepts names
//! and marks CRDs Established (status conditions, accepted names, stored versions), publishes
//! each cluster's served custom resources into the [`Catalog`], and when a CRD is deleted,
//! deletes its objects before letting the CRD go.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use storage::ListRequest;
use tokio::sync::mpsc;

use crate::catalog::{Catalog, CustomResource};

use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::keys;
use crate::meta;
use crate::objects::{ObjectRef, Objects};

/// The finalizer that holds a CRD until its objects are deleted.
pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

/// Starts the controller.
pub async fn start(
    objects: Objects,
    catalog: Arc<Catalog>,
    fanout: &Fanout,
) -> Result<(), ApiError> {
    let crds = Arc::clone(
        catalog
            .builtin()
            .lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            .ok_or(ApiError::NoRoute)?,
    );
    let prefix = keys::resource_prefix(&crds);
    let mut subscription = fanout
        .subscribe(&prefix, fanout.position())
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    let controller = Arc::new(Controller {
        objects,
        catalog,
        crds,
    });
    // Every cluster with CRDs: publish what is established now, then reconcile each CRD.
    let existing = controller
        .objects
        .store()
        .list(ListRequest::prefix(&prefix))
        .await?;
    let mut clusters = BTreeSet::new();
    let (queue, mut work) = mpsc::unbounded_channel::<(String, String)>();
    for kv in &existing.kvs {
        if let Some(parts) = keys::split_key(&kv.key, &prefix, false) {
            clusters.insert(parts.cluster.to_owned());
            let _ = queue.send((parts.cluster.to_owned(), parts.name.to_owned()));
        }
    }
    for cluster in clusters {
        controller.publish(&cluster).await?;
    }
    let watch_queue = queue.clone();
    tokio::spawn(async move {
        while let Some(Ok(change)) = subscription.next().await {
            if let Some(parts) = keys::split_key(&change.key, &prefix, false)
                && watch_queue
                    .send((parts.cluster.to_owned(), parts.name.to_owned()))
                    .is_err()
            {
                return;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(first) = work.recv().await {
            let mut batch = HashSet::from([first]);
            while let Ok(item) = work.try_recv() {
                batch.insert(item);
            }
            let mut touched = HashSet::new();
            for (cluster, name) in batch {
                match controller.reconcile(&cluster, &name).await {
                    Ok(true) => {}
                    Ok(false) | Err(_) => {
                        let queue = queue.clone();
                        let item = (cluster.clone(), name.clone());
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(500)).await;
                            let _ = queue.send(item);
                        });
                    }
                }
                touched.insert(cluster);
            }
            for cluster in touched {
                if let Err(error) = controller.publish(&cluster).await {
                    tracing::warn!(%cluster, %error, "cannot publish custom resources");
                }
            }
        }
    });
    Ok(())
}

struct Controller {
    objects: Objects,
    catalog: Arc<Catalog>,
    crds: Arc<hub_api::registry::ResourceDef>,
}

impl Controller {
    /// Brings one CRD's status and finalizer up to date, or cleans up after its deletion.
    /// Returns false to try again later.
    async fn reconcile(&self, cluster: &str, name: &str) -> Result<bool, ApiError> {
        let reference = ObjectRef {
            def: &self.crds,
            cluster,
            namespace: None,
            name,
        };
        let Some(stored) = self.objects.find(reference).await? else {
            return Ok(true);
        };
        let crd = stored.object()?;
        if meta::is_deleting(&crd) {
            return self
                .clean_up(cluster, &crd, reference, stored.revision)
                .await;
        }
        let mut next = crd.clone();
        meta::metadata_mut(&mut next).remove("resourceVersion");
        let mut finalizers = meta::finalizers(&crd);
        if !finalizers
            .iter()
            .any(|finalizer| finalizer == CLEANUP_FINALIZER)
        {
            finalizers.push(CLEANUP_FINALIZER.to_owned());
            meta::metadata_mut(&mut next).insert("finalizers".into(), json!(finalizers));
        }
        let conflict = self.name_conflict(cluster, &crd).await?;
        next.insert(
            "status".into(),
            established_status(&crd, conflict.as_deref()),
        );
        if next == crd_without_version(&crd) {
            return Ok(true);
        }
        match self.objects.update(reference, &next, stored.revision).await {
            Ok(_) | Err(ApiError::NotFound(_)) => Ok(true),
            Err(ApiError::Conflict { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Another CRD in the cluster serving the same group with the same kind, plural or a short
    /// name makes these names unacceptable.
    async fn name_conflict(
        &self,
        cluster: &str,
        crd: &Map<String, Value>,
    ) -> Result<Option<String>, ApiError> {
        let (group, names) = (spec_str(crd, "group"), names_of(crd));
        let page = self
            .objects
            .list(&self.crds, cluster, None, None, 0, 0)
            .await?;
        for (other_name, stored) in page.items {
            if other_name == meta::name(crd) {
                continue;
            }
            let other = stored.object()?;
            if spec_str(&other, "group") != group {
                continue;
            }
            let other_names = names_of(&other);
            if other_names.kind == names.kind {
                return Ok(Some(format!("\"{}\" is already in use", names.kind)));
            }
            if other_names.plural == names.plural {
                return Ok(Some(format!("\"{}\" is already in use", names.plural)));
            }
            if let Some(short) = names
                .short_names
                .iter()
                .find(|short| other_names.short_names.contains(short))
            {
                return Ok(Some(format!("\"{short}\" is already in use")));
            }
        }
        Ok(None)
    }

    /// Deletes every object of a deleted CRD, then releases it.
    async fn clean_up(
        &self,
        cluster: &str,
        crd: &Map<String, Value>,
        reference: ObjectRef<'_>,
        revision: i64,
    ) -> Result<bool, ApiError> {
        let group = spec_str(crd, "group");
        let plural = names_of(crd).plural;
        let prefix = format!("{}{group}/{plural}/{cluster}/", keys::ROOT);
        loop {
            let page = self
                .objects
                .store()
                .list(ListRequest::prefix(&prefix).limit(500))
                .await?;
            if page.kvs.is_empty() {
                break;
            }
            for kv in page.kvs {
                match self.objects.store().delete(&kv.key, None).await {
                    Ok(_) | Err(storage::StorageError::NotFound { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
            }
        }
        let mut next = crd.clone();
        let kept: Vec<String> = meta::finalizers(crd)
            .into_iter()
            .filter(|finalizer| finalizer != CLEANUP_FINALIZER)
            .collect();
        let metadata = meta::metadata_mut(&mut next);
        metadata.remove("resourceVersion");
        let result = if kept.is_empty() {
            self.objects
                .delete(reference, Some(revision))
                .await
                .map(drop)
        } else {
            metadata.insert("finalizers".into(), json!(kept));
            self.objects
                .update(reference, &next, revision)
                .await
                .map(drop)
        };
        match result {
            Ok(()) | Err(ApiError::NotFound(_)) => Ok(true),
            Err(ApiError::Conflict { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Publishes the cluster's served custom resources: every served version of every
    /// Established CRD not being deleted.
    async fn publish(&self, cluster: &str) -> Result<(), ApiError> {
        let mut resources = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .objects
                .list(&self.crds, cluster, None, after.as_deref(), 500, 0)
                .await?;
            for (_, stored) in &page.items {
                let crd = stored.object()?;
                if meta::is_deleting(&crd) || !is_established(&crd) {
                    continue;
                }
                let crd = Arc::new(Value::Object(crd));
                let mut versions = hub_api::crd::served_versions(&crd);
                // Discovery prefers the most stable, newest version, as kube sorts them.
                versions.sort_by_key(|version| std::cmp::Reverse(version_priority(version)));
                for version in versions {
                    let schema = match hub_api::crd::Structural::for_version(&crd, &version) {
                        Ok(schema) => Some(Arc::new(schema)),
                        Err(error) => {
                            tracing::warn!(%cluster, %error, "custom resource version without a usable schema");
                            None
                        }
                    };
                    resources.push(CustomResource {
                        def: Arc::new(hub_api::crd::resource_def(&crd, &version)),
                        crd: Arc::clone(&crd),
                        schema,
                        version,
                    });
                }
            }
            if !page.more {
                break;
            }
            after = page.items.last().map(|(key, _)| key.clone());
        }
        self.catalog.set_custom(cluster, resources);
        Ok(())
    }
}

struct Names {
    plural: String,
    kind: String,
    short_names: Vec<String>,
}

fn names_of(crd: &Map<String, Value>) -> Names {
    let names = crd.get("spec").and_then(|spec| spec.get("names"));
    let text = |field: &str| {
        names
            .and_then(|names| names.get(field))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Names {
        plural: text("plural"),
        kind: text("kind"),
        short_names: names
            .and_then(|names| names.get("shortNames"))
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn spec_str(crd: &Map<String, Value>, field: &str) -> String {
    crd.get("spec")
        .and_then(|spec| spec.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn is_established(crd: &Map<String, Value>) -> bool {
    crd.get("status")
        .and_then(|status| status.get("conditions"))
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions.iter().any(|condition| {
                condition["type"] == "Established" && condition["status"] == "True"
            })
        })
}

fn crd_without_version(crd: &Map<String, Value>) -> Map<String, Value> {
    let mut copy = crd.clone();
    meta::metadata_mut(&mut copy).remove("resourceVersion");
    copy
}

/// The status of a CRD whose names are accepted (or not, with the conflict).
fn established_status(crd: &Map<String, Value>, conflict: Option<&str>) -> Value {
    let status = crd.get("status").cloned().unwrap_or_else(|| json!({}));
    let previous: Vec<Value> = status
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let condition = |kind: &str, ok: bool, reason: &str, message: &str| {
        // Keep the transition time of a condition that does not change.
        let same = previous.iter().find(|condition| {
            condition["type"] == kind && condition["status"] == if ok { "True" } else { "False" }
        });
        let time = same
            .and_then(|condition| condition.get("lastTransitionTime").cloned())
            .unwrap_or_else(|| Value::String(meta::now()));
        json!({"type": kind, "status": if ok { "True" } else { "False" }, "lastTransitionTime": time, "reason": reason, "message": message})
    };
    let accepted = conflict.is_none();
    let names_accepted = match conflict {
        None => condition("NamesAccepted", true, "NoConflicts", "no conflicts found"),
        Some(why) => condition("NamesAccepted", false, "NamesConflict", why),
    };
    let established = if accepted {
        condition(
            "Established",
            true,
            "InitialNamesAccepted",
            "the initial names have been accepted",
        )
    } else {
        condition(
            "Established",
            false,
            "NotAccepted",
            "not all names are accepted",
        )
    };
    let mut stored_versions: Vec<Value> = status
        .get("storedVersions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(storage) = crd
        .get("spec")
        .and_then(|spec| spec.get("versions"))
        .and_then(Value::as_array)
        .and_then(|versions| {
            versions
                .iter()
                .find(|version| version.get("storage").and_then(Value::as_bool) == Some(true))
        })
        .and_then(|version| version.get("name").cloned())
        && !stored_versions.contains(&storage)
    {
        stored_versions.push(storage);
    }
    let mut accepted_names = crd
        .get("spec")
        .and_then(|spec| spec.get("names"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    if !accepted {
        accepted_names = status
            .get("acceptedNames")
            .cloned()
            .unwrap_or_else(|| json!({"plural": "", "kind": ""}));
    }
    json!({"conditions": [names_accepted, established], "acceptedNames": accepted_names, "storedVersions": stored_versions})
}

/// kube's version priority: GA before beta before alpha before anything else; within a level,
/// higher major, then higher minor, first.
fn version_priority(version: &str) -> (u8, u32, u32) {
    let Some(rest) = version.strip_prefix('v') else {
        return (0, 0, 0);
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(major) = digits.parse::<u32>() else {
        return (0, 0, 0);
    };
    let suffix = &rest[digits.len()..];
    let (level, minor) = if suffix.is_empty() {
        (3, 0)
    } else if let Some(minor) = suffix.strip_prefix("beta") {
        (2, minor.parse().unwrap_or(0))
    } else if let Some(minor) = suffix.strip_prefix("alpha") {
        (1, minor.parse().unwrap_or(0))
    } else {
        return (0, 0, 0);
    };
    (level, major, minor)
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_sort_as_kube_prefers_them() {
        let mut versions = vec!["v1alpha1", "v2beta1", "v1", "v1beta2", "v2", "foo"];
        versions.sort_by_key(|version| std::cmp::Reverse(super::version_priority(version)));
        assert_eq!(
            versions,
            ["v2", "v1", "v2beta1", "v1beta2", "v1alpha1", "foo"]
        );
    }
}
