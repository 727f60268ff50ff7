//! CustomResourceDefinitions with kube-apiserver's semantics and messages
//! (`k8s.io/apiextensions-apiserver`, v1.32), as pure functions over JSON:
//!
//! - the CRD object: [`default_crd`] then [`validate_crd`] (or [`validate_crd_update`]), with
//!   kube's field paths and messages as [`Cause`]s; [`storage_version`],
//!   [`record_storage_version`] and [`served_versions`] for `status.storedVersions`;
//! - what a version serves: [`resource_def`] (the registry entry), [`scale_def`],
//!   [`printer_columns`];
//! - custom resources of a version: [`Structural`], compiled once from its schema, validates
//!   (OpenAPI, embedded resources, list types, `x-kubernetes-validations` CEL rules), prunes
//!   unknown fields and applies defaults.
//!
//! Causes carry kube's body text (`Invalid value: "string": spec.size in body must be of type
//! integer: "string"`); the hub wraps them in a 422 `Invalid` Status.

mod cause;
mod definition;
mod golang;
mod names;
mod openapi;
mod schema;

pub use cause::{Cause, Reason};
pub use definition::{
    API_APPROVED_ANNOTATION, default_crd, printer_columns, record_storage_version, resource_def,
    scale_def, served_versions, storage_version, validate_crd, validate_crd_update,
};
pub use schema::{SchemaError, Structural};
