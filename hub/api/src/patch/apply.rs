//! Server-side apply and field ownership, as kube-apiserver's field manager does them
//! (`k8s.io/apimachinery/pkg/util/managedfields` over `sigs.k8s.io/structured-merge-diff`).
//!
//! Every object carries `metadata.managedFields`: one entry per manager and operation
//! (`Apply`, or `Update` per apiVersion), each with its `time` and the fields it owns as
//! `FieldsV1` (`{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}}`:
//! `f:` a field, `k:` a list item by its keys, `v:` a set item, `.` the node itself).
//!
//! - [`apply`] merges an applied configuration into the live object (or creates it) by the
//!   type's list and map types ([`crate::typeinfo`]), fails with [`ApplyError::Conflicts`]
//!   when other managers own fields it changes (unless forced, which takes them), and removes
//!   the fields the manager applied before but no longer does, unless someone else owns them.
//! - [`record_update`] is the bookkeeping of every other write (create, update, patch): the
//!   fields the write changed become the writer's, and other managers lose them.
//!
//! kube's layers around that are here too: `metadata.name`, `uid`, `resourceVersion` and the
//! like are never owned; an object without managedFields gets a `before-first-apply` owner on
//! its first apply; at most ten Update entries are kept (`ancient-changes` takes the oldest);
//! timestamps do not change when nothing else does; and `kubectl`'s first server-side apply
//! over a client-side applied object takes the fields its last-applied annotation still
//! describes without conflicts, then keeps that annotation in step.
//!
//! Positions without type metadata (custom resources, [`TypeRef::UNKNOWN`]) treat objects as
//! granular maps and lists as atomic.

mod conflict;
mod fieldpath;
mod last_applied;
mod layers;
mod managed;
mod object;
#[cfg(test)]
mod tests;
mod typed;
mod updater;

use std::fmt;

use serde_json::{Map, Value};

use crate::typeinfo::TypeRef;
use conflict::{conflicts_message, failure_error, gvk_string};
use last_applied::{
    allowed_from_last_applied, build_last_applied, last_applied, set_annotation, without,
};
use layers::{Context, reset_set};
use managed::{Identity, Managed};
use object::{encode, keep_timestamps_if_unchanged, managed_fields, without_managed_fields};
use updater::Failure;

/// The annotation of client-side apply.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A managedFields operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Server-side apply.
    Apply,
    /// Any other write: create, update, patch.
    Update,
}

/// Who writes, and how, beyond the manager's name.
#[derive(Debug, Clone, Copy)]
pub struct Write<'a> {
    /// The field manager (`fieldManager`).
    pub manager: &'a str,
    /// The subresource written (`status`, `scale`), or `""` for the resource itself.
    pub subresource: &'a str,
    /// Whether an apply takes the fields other managers own (`force=true`).
    pub force: bool,
    /// The time of the write, RFC 3339 in seconds (`2025-01-01T00:00:00Z`).
    pub now: &'a str,
    /// Paths this endpoint resets rather than writes, which nobody owns through it: `status`
    /// for the resource of a kind with a status subresource; `spec` (and the like) for the
    /// status subresource. Dotted field names.
    pub reset_fields: &'a [&'a str],
}

/// A field another manager owns that an apply would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The other manager as kube names it: `"kubectl-client-side-apply" using v1`, or `"m"`
    /// for an applier.
    pub manager: String,
    /// The field: `.spec.replicas`, `.spec.containers[name="nginx"].image`.
    pub field: String,
}

/// Why an apply or an update's bookkeeping failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// Other managers own fields the apply changes (409 Conflict, reason `Conflict`, one
    /// `FieldManagerConflict` cause per field).
    #[error("{}", conflicts_message(.0))]
    Conflicts(Vec<Conflict>),
    /// The applied configuration is not an object with `apiVersion` and `kind` (400).
    #[error("{0}")]
    BadRequest(String),
    /// The applied configuration does not fit its type (500, as kube answers).
    #[error("failed to create typed patch object ({object}): {message}")]
    Invalid {
        /// `namespace/name; group/version, Kind=kind`.
        object: String,
        /// What does not fit.
        message: String,
    },
    /// The live object's managedFields do not decode (500).
    #[error("failed to decode managed fields: {0}")]
    ManagedFields(String),
}

impl ApplyError {
    /// The HTTP status kube-apiserver answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            ApplyError::Conflicts(_) => 409,
            ApplyError::BadRequest(_) => 400,
            ApplyError::Invalid { .. } | ApplyError::ManagedFields(_) => 500,
        }
    }

    /// The `details.causes` of a conflict: `(type, message, field)`.
    pub fn causes(&self) -> Vec<(&'static str, String, String)> {
        match self {
            ApplyError::Conflicts(conflicts) => conflicts
                .iter()
                .map(|conflict| {
                    (
                        "FieldManagerConflict",
                        format!("conflict with {}", conflict.manager),
                        conflict.field.clone(),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Operation {
    /// `Apply` or `Update`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// Server-side apply of `applied` by `manager` to `live` (`None` creates the object) of type
/// `root`, at time `now`: the new object with its managedFields.
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    root: TypeRef<'_>,
    now: &str,
) -> Result<Value, ApplyError> {
    let write = Write {
        manager,
        subresource: "",
        force,
        now,
        reset_fields: &[],
    };
    apply_with(live, applied, &write, root)
}

/// [`apply`] with every option of a write.
pub fn apply_with(
    live: Option<&Value>,
    applied: &Value,
    write: &Write<'_>,
    root: TypeRef<'_>,
) -> Result<Value, ApplyError> {
    let Value::Object(config) = applied else {
        return Err(ApplyError::BadRequest(
            "the applied configuration is not an object".into(),
        ));
    };
    if config
        .get("metadata")
        .and_then(|metadata| metadata.get("managedFields"))
        .is_some_and(|fields| !fields.is_null())
    {
        return Err(ApplyError::BadRequest(
            "metadata.managedFields must be nil".into(),
        ));
    }
    let text = |object: &Value, key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (api_version, kind) = (text(applied, "apiVersion"), text(applied, "kind"));
    if api_version.is_empty() || kind.is_empty() {
        return Err(ApplyError::BadRequest(
            "apiVersion and kind must be set in the applied configuration".into(),
        ));
    }
    if let Some(live) = live
        && (text(live, "apiVersion") != api_version || text(live, "kind") != kind)
    {
        return Err(ApplyError::BadRequest(format!(
            "invalid object type: {}",
            gvk_string(&api_version, &kind)
        )));
    }

    let mut managed = match live {
        Some(live) => managed::decode(managed_fields(live)).map_err(ApplyError::ManagedFields)?,
        None => Managed::default(),
    };
    let live_value = live.map_or_else(|| Value::Object(Map::new()), without_managed_fields);
    let ignored = reset_set(write.reset_fields);
    let context = Context {
        root,
        api_version: &api_version,
        write,
        ignored: &ignored,
    };

    if managed.fields.is_empty() && live.is_some() {
        // An object no one manages yet: its fields become `before-first-apply`'s.
        let before = Write {
            manager: BEFORE_FIRST_APPLY,
            ..*write
        };
        let empty = Value::Object(Map::new());
        context
            .with(&before)
            .record(&empty, &live_value, &mut managed);
    }

    let applier = Identity::new(
        write.manager,
        Operation::Apply,
        &api_version,
        write.subresource,
    );
    let mut result =
        match context.apply(&live_value, applied, managed.clone(), &applier, write.force) {
            Err(Failure::Conflicts(conflicts)) if write.manager == KUBECTL && !write.force => {
                // kubectl's first server-side apply over client-side apply: the fields its
                // last-applied annotation still describes are its own to take.
                match allowed_from_last_applied(live, &live_value, root) {
                    Some(allowed) => {
                        let remaining = without(&conflicts, &allowed);
                        if remaining.is_empty() {
                            context.apply(&live_value, applied, managed, &applier, true)
                        } else {
                            Err(Failure::Conflicts(remaining))
                        }
                    }
                    None => Err(Failure::Conflicts(conflicts)),
                }
            }
            other => other,
        }
        .map_err(|failure| failure_error(failure, applied, &api_version, &kind))?;

    if write.manager == KUBECTL
        && let Some(live) = live
        && last_applied(live).is_some_and(|annotation| !annotation.is_empty())
    {
        set_annotation(
            &mut result.0,
            LAST_APPLIED_ANNOTATION,
            build_last_applied(applied),
        );
    }
    let (mut object, managed) = result;
    encode(&mut object, &managed);
    Ok(keep_timestamps_if_unchanged(live, object))
}

/// Records a write other than apply by `manager` (create when `old` is `None`, update or
/// patch) in `new`'s managedFields: what the write changed becomes the manager's.
pub fn record_update(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    root: TypeRef<'_>,
    now: &str,
) -> Result<Value, ApplyError> {
    let write = Write {
        manager,
        subresource: "",
        force: false,
        now,
        reset_fields: &[],
    };
    record_update_with(old, new, &write, root)
}

/// [`record_update`] with every option of a write.
pub fn record_update_with(
    old: Option<&Value>,
    new: &Value,
    write: &Write<'_>,
    root: TypeRef<'_>,
) -> Result<Value, ApplyError> {
    let api_version = new
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let decode_old = || {
        old.map(|old| managed::decode(managed_fields(old)).unwrap_or_default())
            .unwrap_or_default()
    };
    // The managedFields of the request are used when it sets them (so clients can edit or
    // clear them), except through a subresource; otherwise the stored ones are kept.
    let mut managed = if !write.subresource.is_empty() {
        decode_old()
    } else if managed::is_reset(managed_fields(new)) {
        Managed::default()
    } else {
        match managed::decode(managed_fields(new)) {
            Ok(managed) if !managed.fields.is_empty() => managed,
            _ => decode_old(),
        }
    };
    let new_value = without_managed_fields(new);
    if managed.fields.is_empty() && old.is_some() {
        // kube does not start tracking an existing object on an ordinary write.
        return Ok(new_value);
    }
    let old_value = old.map_or_else(|| Value::Object(Map::new()), without_managed_fields);
    let ignored = reset_set(write.reset_fields);
    let context = Context {
        root,
        api_version: &api_version,
        write,
        ignored: &ignored,
    };
    context.record(&old_value, &new_value, &mut managed);
    let mut object = new_value;
    encode(&mut object, &managed);
    Ok(keep_timestamps_if_unchanged(old, object))
}

/// The manager kubectl uses for server-side apply.
const KUBECTL: &str = "kubectl";
/// The owner of an unmanaged object's fields on its first apply.
const BEFORE_FIRST_APPLY: &str = "before-first-apply";
