//! `tenancy.nave.dev` Workspaces: names are DNS labels (a name is one segment of a workspace
//! path), `spec.type` is a DNS label and immutable, `spec.maxObjects` is not negative.

use serde_json::Value;

use crate::builtin::field::{Errors, Path, invalid};
use crate::builtin::formats::{dns1123_label, name_is_dns_label};
use crate::builtin::meta::{immutable, validate_object_meta, validate_object_meta_update};
use crate::builtin::value::{get, opt_int, opt_str};

/// A Workspace on create.
pub(crate) fn workspace(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, false, name_is_dns_label);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    if let Some(kind) = opt_str(spec, "type") {
        for message in dns1123_label(kind) {
            errors.push(invalid(&path.child("type"), kind, &message));
        }
    }
    if let Some(max) = opt_int(spec, "maxObjects")
        && max < 0
    {
        errors.push(invalid(
            &path.child("maxObjects"),
            max,
            "must be greater than or equal to 0",
        ));
    }
    errors
}

/// A Workspace on update: also `spec.type` may not change.
pub(crate) fn workspace_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(workspace(new));
    let kind = |object: &Value| {
        get(object, "spec")
            .and_then(|spec| opt_str(spec, "type"))
            .unwrap_or(crate::tenancy::DEFAULT_TYPE)
            .to_owned()
    };
    if kind(new) != kind(old) {
        errors.push(immutable(&Path::new("spec").child("type"), kind(new)));
    }
    errors
}
