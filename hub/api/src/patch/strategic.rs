//! Strategic merge patch (`application/strategic-merge-patch+json`) as kube-apiserver applies it
//! (`k8s.io/apimachinery/pkg/util/strategicpatch`, server side: parallel lists merged, unmatched
//! nulls ignored).
//!
//! - Objects merge key by key; a `null` deletes the key; a value of another JSON type replaces.
//! - Lists whose field has the patch strategy `merge` are merged: lists of objects by the
//!   field's merge key (a patch item updates the item with the same key, or is added), lists of
//!   scalars as a union. Every other list is replaced. Fields with the strategy `replace` are
//!   replaced even when they are objects.
//! - Directives: `$patch: replace` or `$patch: delete` in an object (replace it with the rest of
//!   the patch, or empty it); `{"<key>": …, "$patch": "delete"}` and `{"$patch": "replace"}` as
//!   items of a merged list; `$retainKeys: [..]` (drop the original's other keys);
//!   `$setElementOrder/<field>: [..]` (the order of a merged list);
//!   `$deleteFromPrimitiveList/<field>: [..]` (remove scalars from a merged list).
//! - Items a patch adds to a merged list come first, then the original's others, unless
//!   `$setElementOrder` gives the order (as kube does).
//! - A position without type metadata ([`TypeRef::UNKNOWN`]) merges as a JSON merge patch:
//!   objects recursively, lists replaced.
//!
//! Errors carry kube's messages; [`PatchError::status_code`] says which HTTP status kube answers
//! them with.

mod gofmt;
mod list;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::typeinfo::{Kind, PatchStrategy, TypeRef};

/// Applies the strategic merge patch `patch` to `original`, both JSON objects, whose type is
/// `root` (from [`crate::typeinfo::for_kind`], or [`TypeRef::UNKNOWN`]).
pub fn apply(original: &Value, patch: &Value, root: TypeRef<'_>) -> Result<Value, PatchError> {
    let (Value::Object(original), Value::Object(patch)) = (original, patch) else {
        return Err(PatchError::BadJsonDoc);
    };
    merge_map(original.clone(), patch.clone(), root).map(Value::Object)
}

/// Why a strategic merge patch failed, worded as kube words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The patch or the original is not a JSON object.
    #[error("invalid JSON document")]
    BadJsonDoc,
    /// A `$deleteFromPrimitiveList/…` key without a field name.
    #[error("invalid patch format of primitive list")]
    BadPrimitiveList,
    /// `$retainKeys` is not a list.
    #[error("invalid patch format of retainKeys")]
    BadRetainKeys,
    /// A `$setElementOrder/…` key without a field name.
    #[error("invalid patch format of setElementOrder list")]
    BadSetElementOrder,
    /// A list item is a list.
    #[error("lists of lists are not supported")]
    ListOfLists,
    /// The patch sets a key missing from its `$retainKeys`.
    #[error("patch content doesn't match retainKeys list")]
    RetainKeysMismatch,
    /// An item of a list merged by key lacks the key.
    #[error("map: {map} does not contain declared merge key: {key}")]
    NoMergeKey {
        /// The item, as Go prints it.
        map: String,
        /// The merge key.
        key: String,
    },
    /// A value of the wrong JSON type.
    #[error("expected a {expected}, but received a {actual}")]
    BadArgType {
        /// Go's name of the expected type.
        expected: &'static str,
        /// Go's name of the type received.
        actual: &'static str,
    },
    /// A `$patch` directive other than `replace` or `delete` (or `merge` in a list).
    #[error("unknown patch type: {directive} in map: {map}")]
    BadPatchType {
        /// The directive.
        directive: String,
        /// The object holding it, as Go prints it.
        map: String,
    },
    /// `{"$patch": "merge"}` in a list.
    #[error("merging lists cannot yet be specified in the patch")]
    MergeListDirective,
    /// A merged list of objects whose field has no merge key.
    #[error("cannot merge lists without merge key for {0}")]
    NoMergeKeyForType(String),
    /// The items of the lists to merge are of different JSON types.
    #[error("list element types are not identical: {0}")]
    MixedElementTypes(String),
    /// `$setElementOrder` for a list that is empty on both sides.
    #[error("no elements in any of the given slices")]
    NoElements,
    /// A patch list whose items are not in the order of its `$setElementOrder` list.
    #[error("The order in patch list:\n{patch}\n doesn't match $setElementOrder list:\n{order}\n")]
    OrderMismatch {
        /// The patch list, as Go prints it.
        patch: String,
        /// The `$setElementOrder` list, as Go prints it.
        order: String,
    },
    /// A field a built-in type does not have, present in both the original and the patch.
    #[error("unable to find api field in struct {kind} for the json field {field:?}")]
    UnknownField {
        /// The type's short name (`PodSpec`).
        kind: String,
        /// The JSON field name.
        field: String,
    },
}

impl PatchError {
    /// The HTTP status kube-apiserver answers with: 400 for malformed directives, 422 for
    /// lists of lists and `$retainKeys` mismatches, 500 for the rest (kube passes those errors
    /// through unclassified).
    pub fn status_code(&self) -> u16 {
        match self {
            PatchError::BadJsonDoc
            | PatchError::BadPrimitiveList
            | PatchError::BadRetainKeys
            | PatchError::BadSetElementOrder => 400,
            PatchError::ListOfLists | PatchError::RetainKeysMismatch => 422,
            _ => 500,
        }
    }
}

const DIRECTIVE: &str = "$patch";
const DELETE: &str = "delete";
const REPLACE: &str = "replace";
const MERGE: &str = "merge";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";

/// Merges `patch` into `original` (kube's `mergeMap`).
fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    ty: TypeRef<'_>,
) -> Result<Map<String, Value>, PatchError> {
    if let Some(directive) = patch.get(DIRECTIVE) {
        return match directive.as_str() {
            Some(REPLACE) => {
                patch.remove(DIRECTIVE);
                Ok(patch)
            }
            Some(DELETE) => Ok(Map::new()),
            _ => Err(bad_patch_type(directive, &patch)),
        };
    }
    retain_keys(&mut original, &mut patch)?;
    set_element_order(&mut original, &mut patch, ty)?;

    let mut keys: Vec<String> = patch.keys().cloned().collect();
    keys.sort();
    for key in keys {
        let Some(patch_value) = patch.remove(&key) else {
            continue;
        };
        let (key, delete_list) = if key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
            let field = extract_key(&key, DELETE_FROM_PRIMITIVE_LIST)
                .ok_or(PatchError::BadPrimitiveList)?;
            (field.to_owned(), true)
        } else {
            (key, false)
        };
        if patch_value.is_null() {
            original.remove(&key);
            continue;
        }
        let Some(original_value) = original.remove(&key) else {
            if !delete_list {
                let mut value = patch_value;
                discard_nulls(&mut value);
                original.insert(key, value);
            }
            continue;
        };
        let merged = match (original_value, patch_value) {
            (Value::Object(original_map), Value::Object(patch_map)) => {
                let field = field_type(ty, &key)?;
                if field.patch_meta().strategy == PatchStrategy::Replace {
                    Value::Object(patch_map)
                } else {
                    Value::Object(merge_map(original_map, patch_map, field)?)
                }
            }
            (Value::Array(original_list), Value::Array(patch_list)) => {
                let field = field_type(ty, &key)?;
                let meta = field.patch_meta();
                if meta.strategy == PatchStrategy::Merge || delete_list {
                    let merge_key = meta.merge_key.as_deref();
                    Value::Array(list::merge(
                        original_list,
                        patch_list,
                        field,
                        merge_key,
                        delete_list,
                    )?)
                } else {
                    Value::Array(patch_list)
                }
            }
            (_, patch_value) => patch_value,
        };
        original.insert(key, merged);
    }
    Ok(original)
}

/// `$retainKeys`: the original keeps only the listed keys, which must cover the patch's.
fn retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<(), PatchError> {
    let Some(retain) = patch.remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(PatchError::BadRetainKeys);
    };
    let retained = |key: &str| retain.iter().any(|k| k.as_str() == Some(key));
    for (key, value) in patch.iter() {
        if value.is_null()
            || key.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || key.starts_with(SET_ELEMENT_ORDER)
        {
            continue;
        }
        if !retained(key) {
            return Err(PatchError::RetainKeysMismatch);
        }
    }
    original.retain(|key, _| retained(key));
    Ok(())
}

/// `$setElementOrder/<field>`: merges the field's list now and orders it: the listed items in
/// the listed order, the original's other items where they were relative to them.
fn set_element_order(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    ty: TypeRef<'_>,
) -> Result<(), PatchError> {
    let mut keys: Vec<String> = patch
        .keys()
        .filter(|key| key.starts_with(SET_ELEMENT_ORDER))
        .cloned()
        .collect();
    keys.sort();
    for key in keys {
        let Some(order) = patch.remove(&key) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err(bad_arg_type(gofmt::LIST, &order));
        };
        let field_name =
            extract_key(&key, SET_ELEMENT_ORDER).ok_or(PatchError::BadSetElementOrder)?;
        let original_list = list_at(original, field_name)?;
        let patch_list = list_at(patch, field_name)?;
        let field = field_type(ty, field_name)?;
        let meta = field.patch_meta();
        let merge_key = meta.merge_key.as_deref().filter(|key| !key.is_empty());
        list::validate_order(patch_list.as_deref().unwrap_or_default(), &order, merge_key)?;
        let kind = list::element_kind(&[
            original_list.as_deref().unwrap_or_default(),
            patch_list.as_deref().unwrap_or_default(),
        ]);
        let merged = match (&original_list, patch_list) {
            (Some(original_list), None) => original_list.clone(),
            (None, Some(patch_list)) => patch_list,
            (Some(original_list), Some(patch_list)) => {
                if meta.strategy == PatchStrategy::Merge {
                    list::merge(original_list.clone(), patch_list, field, merge_key, false)?
                } else {
                    patch_list
                }
            }
            (None, None) => continue,
        };
        let kind = kind?;
        let (listed, others) = list::partition(merged, &order, merge_key)?;
        let ordered = list::normalize_order(
            listed,
            others,
            &order,
            original_list.as_deref().unwrap_or_default(),
            merge_key,
            kind,
        )?;
        original.insert(field_name.to_owned(), Value::Array(ordered));
        patch.remove(field_name);
    }
    Ok(())
}

/// The list at `key`, if any; an error if it is not a list.
fn list_at(map: &Map<String, Value>, key: &str) -> Result<Option<Vec<Value>>, PatchError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items.clone())),
        Some(other) => Err(bad_arg_type(gofmt::LIST, other)),
    }
}

/// The type of `key` under `ty`; kube refuses fields its struct does not declare.
fn field_type<'a>(ty: TypeRef<'a>, key: &str) -> Result<TypeRef<'a>, PatchError> {
    if let Some(def) = ty.type_def()
        && ty.kind() == Kind::Struct
        && def.field(key).is_none()
    {
        let name = def.name();
        return Err(PatchError::UnknownField {
            kind: name.rsplit('.').next().unwrap_or(name).to_owned(),
            field: key.to_owned(),
        });
    }
    Ok(ty.field(key))
}

/// `prefix/field` → `field`.
fn extract_key<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    match key.split_once('/') {
        Some((head, field)) if head == prefix => Some(field),
        _ => None,
    }
}

/// Removes the nulls of a value the patch adds (they would delete nothing).
fn discard_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(discard_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_nulls),
        _ => {}
    }
}

fn bad_arg_type(expected: &'static str, actual: &Value) -> PatchError {
    PatchError::BadArgType {
        expected,
        actual: gofmt::type_name(actual),
    }
}

fn bad_patch_type(directive: &Value, map: &Map<String, Value>) -> PatchError {
    PatchError::BadPatchType {
        directive: match directive {
            Value::String(s) => s.clone(),
            other => format!("%!s({}={})", gofmt::type_name(other), gofmt::value(other)),
        },
        map: gofmt::value(&Value::Object(map.clone())),
    }
}
