//! The `/openapi/v3` index and group-version documents, as kube-apiserver serves them and
//! kubectl reads them.
//!
//! - `GET /openapi/v3` is the index [`OpenApi::index`]:
//!   `{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=<HASH>"},…}}`. The URL is
//!   relative to the server root without any `/clusters/<ws>` prefix: client-go adds the prefix
//!   of its server URL back because the value starts with `/openapi/v3/`.
//! - `GET /openapi/v3/<api/v1 | apis/<group>/<version>>` is one group-version document
//!   [`OpenApi::document`]: OpenAPI 3.0 with every resource's paths and operations
//!   (`x-kubernetes-action`, `x-kubernetes-group-version-kind`) and the schemas they reach under
//!   `components.schemas`, each kind's schema tagged with its `x-kubernetes-group-version-kind`.
//!
//! kubectl needs it for `create -f`, `apply -f` and `replace -f` with the default
//! `--validate=strict` (it then sends `fieldValidation=Strict` because each kind's `patch`
//! operation lists that parameter) and for `explain`, which walks the schemas. See
//! `paths` and `components` for the shapes and why.
//!
//! The built-in schemas come from `k8s-openapi`'s schemars impls. Documents are built on first
//! request, then kept as serialized bytes with their hash, and shared by every logical cluster.
//! A custom resource's document is built by the same code from the CRD's `openAPIV3Schema`
//! ([`custom_resource_document`]); merging it into a cluster's index is [`render_index`].

mod components;
mod kinds;
mod paths;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha512};

use crate::registry::{Registry, ResourceDef};
use components::{Components, Gvk};

/// What every `serverRelativeURL` of the index starts with.
pub const DOCUMENT_URL_PREFIX: &str = "/openapi/v3/";

/// The OpenAPI v3 documents of the built-in resources of a [`Registry`], built lazily and then
/// cached. One value serves every logical cluster.
pub struct OpenApi {
    group_versions: Vec<GroupVersion>,
    index: OnceLock<Vec<u8>>,
}

/// A serialized document and its hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Document {
    bytes: Vec<u8>,
    hash: String,
}

/// A custom resource whose document [`custom_resource_document`] builds.
#[derive(Clone, Copy, Debug)]
pub struct CustomResource<'a> {
    /// The resource, as the registry serves it (scope, kinds, verbs, subresources).
    pub def: &'a ResourceDef,
    /// The version's `schema.openAPIV3Schema`, or `Null` when it has none.
    pub schema: &'a Value,
}

/// Why a custom resource document could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenApiError {
    /// No resources were given.
    #[error("no resources to document")]
    NoResources,
    /// The resources are not all of one group version.
    #[error("resource {resource} is not in group version {expected}")]
    MixedGroupVersions {
        /// The first resource's group version.
        expected: String,
        /// The resource of another group version.
        resource: String,
    },
    /// A schema is neither an object nor null.
    #[error("the schema of {resource} is not an object")]
    SchemaNotAnObject {
        /// The resource.
        resource: String,
    },
}

impl OpenApi {
    /// The documents of every group version of `registry`. Nothing is built until asked for.
    pub fn new(registry: &Registry) -> Self {
        let mut group_versions = Vec::new();
        for group in registry.groups() {
            for version in &group.versions {
                group_versions.push(GroupVersion {
                    path: group_version_path(&group.name, version),
                    resources: registry
                        .group_version(&group.name, version)
                        .cloned()
                        .collect(),
                    document: OnceLock::new(),
                });
            }
        }
        OpenApi {
            group_versions,
            index: OnceLock::new(),
        }
    }

    /// The body of `GET /openapi/v3`. Building it builds every document, for their hashes.
    pub fn index(&self) -> &[u8] {
        self.index.get_or_init(|| render_index(self.hashes()))
    }

    /// The body and hash of `GET /openapi/v3/<gv_path>`, for a `gv_path` like `api/v1` or
    /// `apis/apps/v1`; `None` for a group version not served.
    pub fn document(&self, gv_path: &str) -> Option<(&[u8], &str)> {
        let gv_path = gv_path.trim_matches('/');
        let group_version = self.group_versions.iter().find(|gv| gv.path == gv_path)?;
        let document = group_version.document();
        Some((document.bytes(), document.hash()))
    }

    /// Every group version's path (`api/v1`, `apis/apps/v1`, ...), in registry order.
    pub fn group_versions(&self) -> impl Iterator<Item = &str> {
        self.group_versions.iter().map(|gv| gv.path.as_str())
    }

    /// Every group version's path and document hash, building the documents not built yet:
    /// the entries of the index, to merge with custom resources' ([`render_index`]).
    pub fn hashes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.group_versions
            .iter()
            .map(|gv| (gv.path.as_str(), gv.document().hash()))
    }

    /// Bytes held by the documents built so far and the index.
    pub fn built_size(&self) -> usize {
        let documents: usize = self
            .group_versions
            .iter()
            .filter_map(|gv| gv.document.get())
            .map(|document| document.bytes.len())
            .sum();
        documents + self.index.get().map_or(0, Vec::len)
    }
}

impl fmt::Debug for OpenApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenApi")
            .field("group_versions", &self.group_versions)
            .field("built_size", &self.built_size())
            .finish()
    }
}

impl Document {
    /// A document of `bytes`, hashed.
    pub fn new(bytes: Vec<u8>) -> Self {
        let digest = Sha512::digest(&bytes);
        let hash = digest[..8]
            .iter()
            .map(|byte| format!("{byte:02X}"))
            .collect();
        Document { bytes, hash }
    }

    /// The serialized JSON.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Upper-case hex of the first 64 bits of the SHA-512 of [`Document::bytes`], as
    /// kube-apiserver puts in the index's `?hash=`.
    pub fn hash(&self) -> &str {
        &self.hash
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("len", &self.bytes.len())
            .field("hash", &self.hash)
            .finish()
    }
}

/// `api/v1` for the core group, `apis/<group>/<version>` otherwise: a key of the index.
pub fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The index body listing `(group version path, hash)` entries; a later entry for the same path
/// replaces an earlier one.
pub fn render_index<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let paths: Map<String, Value> = entries
        .into_iter()
        .map(|(path, hash)| {
            let url = format!("{DOCUMENT_URL_PREFIX}{path}?hash={hash}");
            (path.to_owned(), json!({ "serverRelativeURL": url }))
        })
        .collect();
    json!({ "paths": paths }).to_string().into_bytes()
}

/// The document of one custom group version, from its resources and their CRD schemas: the same
/// paths and operations as built-ins, with each kind's schema named as kube-apiserver names it
/// (`com.example.stable.v1.CronTab` for `stable.example.com/v1`) and the standard
/// `apiVersion`, `kind` and `metadata` fields set.
pub fn custom_resource_document(
    resources: &[CustomResource<'_>],
) -> Result<Document, OpenApiError> {
    let first = resources.first().ok_or(OpenApiError::NoResources)?.def;
    let mut components = Components::new();
    for resource in resources {
        let def = resource.def;
        if (def.group.as_str(), def.version.as_str())
            != (first.group.as_str(), first.version.as_str())
        {
            return Err(OpenApiError::MixedGroupVersions {
                expected: first.api_version(),
                resource: format!("{}/{}", def.api_version(), def.resource),
            });
        }
        if !(resource.schema.is_object() || resource.schema.is_null()) {
            return Err(OpenApiError::SchemaNotAnObject {
                resource: def.group_resource(),
            });
        }
        components.define_kind(
            &Gvk::new(&def.group, &def.version, &def.kind),
            resource.schema,
        );
    }
    Ok(build_document(
        resources.iter().map(|resource| resource.def),
        components,
    ))
}

/// One group version of an [`OpenApi`].
struct GroupVersion {
    path: String,
    resources: Vec<Arc<ResourceDef>>,
    document: OnceLock<Document>,
}

impl GroupVersion {
    fn document(&self) -> &Document {
        self.document.get_or_init(|| {
            build_document(self.resources.iter().map(Arc::as_ref), Components::new())
        })
    }
}

impl fmt::Debug for GroupVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupVersion")
            .field("path", &self.path)
            .field("resources", &self.resources.len())
            .field("document", &self.document.get())
            .finish()
    }
}

/// The document of `resources`, all of one group version, with their schemas from
/// `components` (which may already define some kinds).
fn build_document<'a>(
    resources: impl Iterator<Item = &'a ResourceDef>,
    mut components: Components,
) -> Document {
    let mut paths = Map::new();
    for def in resources {
        paths::add_resource(&mut paths, def, &mut components);
    }
    let document = json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "unversioned"},
        "paths": paths,
        "components": {"schemas": components.finish()},
    });
    Document::new(document.to_string().into_bytes())
}
