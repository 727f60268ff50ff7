//! Patches that need per-field type metadata ([`crate::typeinfo`]), as pure functions over
//! `serde_json` values:
//!
//! - [`strategic`]: `application/strategic-merge-patch+json`, kube's strategic merge patch
//!   (lists merged by key, `$patch`, `$retainKeys`, `$setElementOrder`,
//!   `$deleteFromPrimitiveList` directives).
//! - [`apply`]: server-side apply (`application/apply-patch+yaml`) with field ownership in
//!   `metadata.managedFields`, and the bookkeeping of ordinary writes in the same field.
//!
//! JSON Patch and JSON merge patch need no metadata and live with the handlers.

pub mod apply;
pub mod strategic;
