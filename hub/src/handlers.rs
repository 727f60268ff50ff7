//! The resource handlers, one module per kind of request, and what they share.

pub mod certificates;
pub mod delete;
pub mod read;
pub mod reviews;
pub mod watch;
pub mod write;

use std::time::Duration;

use axum::response::Response;
use http::StatusCode;
use serde_json::{Map, Value};
use storage::Revision;

use crate::api::{Ctx, json, json_as};
use crate::error::ApiError;
use crate::objects::{ObjectRef, Stored};
use crate::tables;

/// How long a request for a resource version the hub has not reached waits before a 504.
const FRESHNESS_WAIT: Duration = Duration::from_secs(3);

impl Ctx {
    /// The object this request names.
    pub fn object_ref<'a>(&'a self, name: &'a str) -> ObjectRef<'a> {
        ObjectRef {
            def: &self.def,
            cluster: &self.cluster,
            namespace: self.namespace(),
            name,
        }
    }

    /// The name in the path (handlers of named requests only).
    pub fn name(&self) -> &str {
        self.path.name.as_deref().unwrap_or("")
    }

    /// The logical cluster of a key under this request's resource, or of the part of a key
    /// after the resource prefix (`<cluster>/[<ns>/]<name>`, what lists return).
    pub(crate) fn cluster_of<'k>(&self, key: &'k str) -> &'k str {
        let prefix = crate::keys::resource_prefix(&self.def);
        let rest = key.strip_prefix(prefix.as_str()).unwrap_or(key);
        rest.split('/').next().unwrap_or("")
    }

    /// Whether the request spans every logical cluster (`/clusters/*`).
    pub fn is_wildcard(&self) -> bool {
        self.cluster == crate::path::WILDCARD
    }

    /// An object as a wildcard request returns it: annotated with its logical cluster.
    pub(crate) fn across_clusters(
        &self,
        cluster: &str,
        stored: Stored,
    ) -> Result<Stored, ApiError> {
        let mut object = stored.object()?;
        let metadata = crate::meta::metadata_mut(&mut object);
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(annotations) = annotations {
            annotations.insert(
                hub_api::tenancy::CLUSTER_ANNOTATION.into(),
                Value::String(cluster.to_owned()),
            );
        }
        metadata.remove("resourceVersion");
        Ok(Stored {
            bytes: crate::codec::encode(&object),
            revision: stored.revision,
        })
    }
}

/// Parses a `resourceVersion` value: empty = none, else a non-negative integer.
pub fn parse_resource_version(value: Option<&str>) -> Result<Option<Revision>, ApiError> {
    match value {
        None | Some("") => Ok(None),
        Some(text) => match text.parse::<Revision>() {
            Ok(revision) if revision >= 0 => Ok(Some(revision)),
            _ => Err(ApiError::BadRequest(format!(
                "invalid resource version \"{text}\""
            ))),
        },
    }
}

/// Waits until the store has reached `revision` (for "not older than" reads); 504 otherwise.
pub async fn wait_for_revision(ctx: &Ctx, revision: Revision) -> Result<(), ApiError> {
    let deadline = tokio::time::Instant::now() + FRESHNESS_WAIT;
    loop {
        let current = ctx.state.objects.store().current_revision().await?;
        if current >= revision {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::TooLargeResourceVersion {
                requested: revision,
                current,
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Answers with one object: a one-row Table when asked for, else its JSON.
pub fn object_response(ctx: &Ctx, code: StatusCode, stored: &Stored) -> Result<Response, ApiError> {
    if ctx.accept.table && ctx.path.subresource.is_none() {
        let object = stored.object()?;
        let table = tables::render(ctx, &[object], Value::Object(Map::new()), true)?;
        return Ok(json_as(code, tables::CONTENT_TYPE, table.to_string()));
    }
    Ok(json(code, stored.json()?))
}

/// Answers with an object held as JSON (dry runs, subresource views).
pub fn value_response(
    ctx: &Ctx,
    code: StatusCode,
    object: &Map<String, Value>,
) -> Result<Response, ApiError> {
    if ctx.accept.table && ctx.path.subresource.is_none() {
        let table = tables::render(
            ctx,
            std::slice::from_ref(object),
            Value::Object(Map::new()),
            true,
        )?;
        return Ok(json_as(code, tables::CONTENT_TYPE, table.to_string()));
    }
    Ok(json(code, serde_json::to_vec(object).unwrap_or_default()))
}
