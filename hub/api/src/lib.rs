//! Kubernetes API semantics for the nave hub, with no IO: what the API server knows about
//! resources and objects, as plain functions over `serde_json` values.
//!
//! - [`registry`]: every served resource (scope, kind, short names, subresources, verbs).
//! - [`builtin`]: kube-apiserver's defaulting and validation of built-in kinds (field causes
//!   with kube's paths and messages, immutable fields on update).
//! - [`selectors`]: label and field selectors, parsed and matched as kube-apiserver does.
//! - [`table`]: `meta.k8s.io/v1` Table rendering with kube-apiserver's columns.
//! - [`openapi`]: the `/openapi/v3` index and group-version documents.
//! - [`crd`]: CustomResourceDefinitions: their validation and defaulting, the compiled schema
//!   of a version (validation, pruning, defaulting, CEL rules), their registry entries.
//! - [`convert`]: served ↔ stored shapes of resources sharing storage (events.k8s.io Events).
//! - [`normalize`]: decoding built-in objects through their typed schema (unknown fields).
//! - [`protobuf`]: decoding protobuf request bodies (kubectl 1.32's typed commands) into JSON.
//! - [`patch`]: strategic merge patch and server-side apply with field ownership.
//! - [`typeinfo`]: per-field merge metadata of the built-in types (patch strategies, list types).
//! - [`rbac`]: kube-apiserver's RBAC authorizer over one logical cluster's roles and bindings
//!   (decisions with kube's reasons, rules reviews, aggregation, escalation checks, defaults).
//!
//! Nothing here touches a socket, a file or the store; the `hub` crate does the IO.

pub mod builtin;
pub mod convert;
pub mod crd;
pub mod normalize;
pub mod openapi;
pub mod patch;
pub mod protobuf;
pub mod rbac;
pub mod registry;
pub mod selectors;
pub mod table;
pub mod tenancy;
pub mod typeinfo;
