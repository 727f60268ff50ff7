//! [`Objects`]: Kubernetes objects over the [`Store`]: keys, the stored codec, and storage errors
//! turned into API errors naming the object. Handlers and controllers both go through it; nothing
//! above it sees a store key or a storage error.

use std::sync::Arc;

use bytes::Bytes;
use hub_api::registry::ResourceDef;
use serde_json::{Map, Value};
use storage::{KeyValue, ListRequest, Revision, StorageError, Store};

use crate::codec;
use crate::error::{ApiError, Target};
use crate::keys;

/// One object, as stored: its encoded bytes and revisions.
#[derive(Clone, Debug)]
pub struct Stored {
    /// The stored bytes (see [`codec`]).
    pub bytes: Bytes,
    /// The last write's revision: the object's `resourceVersion`.
    pub revision: Revision,
}

impl Stored {
    fn from_kv(kv: KeyValue) -> Self {
        Stored {
            bytes: kv.value,
            revision: kv.mod_revision,
        }
    }

    /// The object as JSON bytes, with its resourceVersion.
    pub fn json(&self) -> Result<Bytes, ApiError> {
        Ok(codec::json_with_revision(&self.bytes, self.revision)?)
    }

    /// The object parsed, with its resourceVersion.
    pub fn object(&self) -> Result<Map<String, Value>, ApiError> {
        Ok(codec::decode(&self.bytes, self.revision)?)
    }
}

/// Where one object lives.
#[derive(Clone, Copy, Debug)]
pub struct ObjectRef<'a> {
    /// Its resource.
    pub def: &'a ResourceDef,
    /// Its logical cluster.
    pub cluster: &'a str,
    /// Its namespace (namespaced resources only).
    pub namespace: Option<&'a str>,
    /// Its name.
    pub name: &'a str,
}

impl ObjectRef<'_> {
    fn key(&self) -> String {
        keys::object_key(self.def, self.cluster, self.namespace, self.name)
    }

    fn served(&self, stored: Stored) -> Result<Stored, ApiError> {
        served(self.def, stored)
    }

    fn target(&self) -> Target {
        Target::new(&self.def.group, &self.def.resource, self.name)
    }

    fn not_found(&self) -> ApiError {
        ApiError::NotFound(self.target())
    }
}

/// A page of a collection.
#[derive(Debug)]
pub struct Page {
    /// The objects, in key order, with the key each was read at.
    pub items: Vec<(String, Stored)>,
    /// The revision the page was read at.
    pub revision: Revision,
    /// Whether more remain after the last key.
    pub more: bool,
}

/// Kubernetes objects over a [`Store`].
#[derive(Clone, Debug)]
pub struct Objects {
    store: Arc<dyn Store>,
}

impl Objects {
    /// Objects over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Objects { store }
    }

    /// The underlying store (for watches and revisions).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Reads an object.
    pub async fn get(&self, object: ObjectRef<'_>) -> Result<Stored, ApiError> {
        match self.store.get(&object.key(), 0).await {
            Ok(kv) => object.served(Stored::from_kv(kv)),
            Err(StorageError::NotFound { .. }) => Err(object.not_found()),
            Err(error) => Err(error.into()),
        }
    }

    /// Reads an object, `None` if absent.
    pub async fn find(&self, object: ObjectRef<'_>) -> Result<Option<Stored>, ApiError> {
        match self.get(object).await {
            Ok(stored) => Ok(Some(stored)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates an object; `AlreadyExists` if the name is taken.
    pub async fn create(
        &self,
        object: ObjectRef<'_>,
        value: &Map<String, Value>,
    ) -> Result<Stored, ApiError> {
        let bytes = codec::encode(value);
        match self
            .store
            .create(&object.key(), stored_bytes(object.def, value, &bytes))
            .await
        {
            Ok(revision) => Ok(Stored { bytes, revision }),
            Err(StorageError::AlreadyExists { .. }) => {
                Err(ApiError::AlreadyExists(object.target()))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Replaces an object if it is still at `expected`; `Conflict` ("the object has been
    /// modified") otherwise.
    pub async fn update(
        &self,
        object: ObjectRef<'_>,
        value: &Map<String, Value>,
        expected: Revision,
    ) -> Result<Stored, ApiError> {
        let bytes = codec::encode(value);
        match self
            .store
            .update(
                &object.key(),
                stored_bytes(object.def, value, &bytes),
                expected,
            )
            .await
        {
            Ok(revision) => Ok(Stored { bytes, revision }),
            Err(StorageError::NotFound { .. }) => Err(object.not_found()),
            Err(StorageError::Conflict { .. }) => Err(ApiError::modified(
                &object.def.group,
                &object.def.resource,
                object.name,
            )),
            Err(error) => Err(error.into()),
        }
    }

    /// Deletes an object (if still at `expected`, when given); returns its last state with the
    /// deletion's revision as its resourceVersion.
    pub async fn delete(
        &self,
        object: ObjectRef<'_>,
        expected: Option<Revision>,
    ) -> Result<Stored, ApiError> {
        match self.store.delete(&object.key(), expected).await {
            Ok(deleted) => object.served(Stored {
                bytes: deleted.last.value,
                revision: deleted.revision,
            }),
            Err(StorageError::NotFound { .. }) => Err(object.not_found()),
            Err(StorageError::Conflict { .. }) => Err(ApiError::modified(
                &object.def.group,
                &object.def.resource,
                object.name,
            )),
            Err(error) => Err(error.into()),
        }
    }

    /// Reads a page of a collection: keys after `after` (a name, or `namespace/name` for
    /// all-namespace lists), at `revision` (0 = latest).
    pub async fn list(
        &self,
        def: &ResourceDef,
        cluster: &str,
        namespace: Option<&str>,
        after: Option<&str>,
        limit: usize,
        revision: Revision,
    ) -> Result<Page, ApiError> {
        let prefix = keys::collection_prefix(def, cluster, namespace);
        let after_key = after.map(|after| format!("{prefix}{after}"));
        let mut request = ListRequest::prefix(&prefix).limit(limit).at(revision);
        request.after = after_key.as_deref();
        let result = self.store.list(request).await?;
        Ok(Page {
            items: result
                .kvs
                .into_iter()
                .map(|kv| {
                    let suffix = kv.key.strip_prefix(&prefix).unwrap_or(&kv.key).to_owned();
                    Ok((suffix, served(def, Stored::from_kv(kv))?))
                })
                .collect::<Result<_, ApiError>>()?,
            revision: result.revision,
            more: result.more,
        })
    }

    /// Whether any object of `def` exists in `cluster` (and `namespace`).
    pub async fn any(
        &self,
        def: &ResourceDef,
        cluster: &str,
        namespace: Option<&str>,
    ) -> Result<bool, ApiError> {
        Ok(!self
            .list(def, cluster, namespace, None, 1, 0)
            .await?
            .items
            .is_empty())
    }
}

/// The stored bytes of `value` (encoded as `bytes` in its served form): the same bytes unless
/// the resource is stored in another version's shape.
fn stored_bytes(def: &ResourceDef, value: &Map<String, Value>, bytes: &Bytes) -> Bytes {
    if hub_api::convert::needs_conversion(&def.group, &def.version, &def.resource) {
        codec::encode(&hub_api::convert::to_storage(
            &def.group,
            &def.version,
            &def.resource,
            value.clone(),
        ))
    } else {
        bytes.clone()
    }
}

/// `stored` in the shape `def` serves (a no-op for almost every resource).
pub fn served(def: &ResourceDef, stored: Stored) -> Result<Stored, ApiError> {
    if !hub_api::convert::needs_conversion(&def.group, &def.version, &def.resource) {
        // Versions sharing storage without conversion (CRD `conversion: None`) differ only in
        // their apiVersion.
        if codec::has_api_version(&stored.bytes, &def.api_version()) {
            return Ok(stored);
        }
        let mut object = stored.object()?;
        object.insert("apiVersion".into(), Value::String(def.api_version()));
        return Ok(Stored {
            bytes: codec::encode(&object),
            revision: stored.revision,
        });
    }
    let object =
        hub_api::convert::from_storage(&def.group, &def.version, &def.resource, stored.object()?);
    Ok(Stored {
        bytes: codec::encode(&object),
        revision: stored.revision,
    })
}
