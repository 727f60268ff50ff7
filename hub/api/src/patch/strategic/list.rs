//! Merging lists with the `merge` patch strategy, and ordering the result as kube does: items
//! named by the patch (or its `$setElementOrder`) in the patch's order, the original's other
//! items kept in their relative order and interleaved where they stood next to the patch's.

use serde_json::{Map, Value};

use super::{
    DELETE, DIRECTIVE, MERGE, PatchError, REPLACE, bad_arg_type, bad_patch_type, gofmt, merge_map,
};
use crate::typeinfo::TypeRef;

/// The JSON type shared by the items of some lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ElementKind {
    /// Objects.
    Map,
    /// Strings, numbers, booleans or nulls.
    Scalar,
}

/// Merges `patch` into `original` (kube's `mergeSlice`); `list` is the list's type, `merge_key`
/// its merge key; a `delete_list` is a `$deleteFromPrimitiveList`.
pub(super) fn merge(
    original: Vec<Value>,
    patch: Vec<Value>,
    list: TypeRef<'_>,
    merge_key: Option<&str>,
    delete_list: bool,
) -> Result<Vec<Value>, PatchError> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = element_kind(&[original.as_slice(), patch.as_slice()])?;
    let (merged, original, patch) = match kind {
        ElementKind::Scalar => {
            if delete_list {
                return Ok(original
                    .into_iter()
                    .filter(|item| !patch.iter().any(|gone| go_eq(item, gone)))
                    .collect());
            }
            let mut both = original.clone();
            both.extend(patch.iter().cloned());
            (deduplicate(both), original, patch)
        }
        ElementKind::Map => {
            let Some(key) = merge_key else {
                let name = list.item().type_def().map_or("map", |def| def.name());
                return Err(PatchError::NoMergeKeyForType(name.to_owned()));
            };
            let (original, patch) = special_elements(original, patch, key)?;
            let merged = merge_items(original.clone(), &patch, list.item(), key)?;
            (merged, original, patch)
        }
    };
    let (in_patch, others) = partition(merged, &patch, merge_key)?;
    normalize_order(in_patch, others, &patch, &original, merge_key, kind)
}

/// The items' common JSON type (kube's `sliceElementType`).
pub(super) fn element_kind(lists: &[&[Value]]) -> Result<ElementKind, PatchError> {
    let mut first: Option<&Value> = None;
    for item in lists.iter().flat_map(|list| list.iter()) {
        match first {
            None => {
                if item.is_array() {
                    return Err(PatchError::ListOfLists);
                }
                first = Some(item);
            }
            Some(first) => {
                if gofmt::type_name(first) != gofmt::type_name(item) {
                    let lists: Vec<Value> = lists
                        .iter()
                        .map(|list| Value::Array(list.to_vec()))
                        .collect();
                    return Err(PatchError::MixedElementTypes(gofmt::value(&Value::Array(
                        lists,
                    ))));
                }
            }
        }
    }
    match first {
        None => Err(PatchError::NoElements),
        Some(Value::Object(_)) => Ok(ElementKind::Map),
        Some(_) => Ok(ElementKind::Scalar),
    }
}

/// Checks that the patch list's items (deletions and directives aside) appear in the
/// `$setElementOrder` list, in its order.
pub(super) fn validate_order(
    patch: &[Value],
    order: &[Value],
    merge_key: Option<&str>,
) -> Result<(), PatchError> {
    if patch.is_empty() || order.is_empty() {
        return Ok(());
    }
    let kept: Vec<&Value> = match merge_key {
        Some(_) => {
            let mut kept = Vec::new();
            for item in patch {
                let map = item
                    .as_object()
                    .ok_or_else(|| bad_arg_type(gofmt::MAP, item))?;
                if map.get(DIRECTIVE).and_then(Value::as_str) != Some(DELETE) {
                    kept.push(item);
                }
            }
            kept
        }
        None => patch.iter().collect(),
    };
    let (mut at_patch, mut at_order) = (0, 0);
    while at_patch < kept.len() && at_order < order.len() {
        if kept[at_patch]
            .as_object()
            .is_some_and(|map| map.contains_key(DIRECTIVE))
        {
            at_patch += 1;
            continue;
        }
        if merge_key_equal(kept[at_patch], &order[at_order], merge_key)? {
            at_patch += 1;
        }
        at_order += 1;
    }
    if at_patch < kept.len() && at_order >= order.len() {
        return Err(PatchError::OrderMismatch {
            patch: gofmt::value(&Value::Array(patch.to_vec())),
            order: gofmt::value(&Value::Array(order.to_vec())),
        });
    }
    Ok(())
}

/// Splits `merged` into the items present in `by` and the others, keeping their order.
pub(super) fn partition(
    merged: Vec<Value>,
    by: &[Value],
    merge_key: Option<&str>,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut present = Vec::with_capacity(merged.len());
    let mut others = Vec::new();
    for item in merged {
        let found = match merge_key {
            None => by.iter().any(|other| go_eq(other, &item)),
            Some(key) => {
                let map = item
                    .as_object()
                    .ok_or_else(|| bad_arg_type(gofmt::MAP, &item))?;
                let value = map.get(key).ok_or_else(|| no_merge_key(map, key))?;
                find_by_key(by, key, value)?.is_some()
            }
        };
        if found {
            present.push(item);
        } else {
            others.push(item);
        }
    }
    Ok((present, others))
}

/// kube's `normalizeElementOrder`: `in_patch` sorted by `patch_order`, `others` by
/// `server_order`, then interleaved: an original item goes before a patch item only when both
/// are in the original and it stood before it there.
pub(super) fn normalize_order(
    in_patch: Vec<Value>,
    others: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: Option<&str>,
    kind: ElementKind,
) -> Result<Vec<Value>, PatchError> {
    let in_patch = sort_by_order(in_patch, patch_order, merge_key, kind)?;
    let others = sort_by_order(others, server_order, merge_key, kind)?;
    let mut out = Vec::with_capacity(in_patch.len() + others.len());
    let mut left = others.into_iter().peekable();
    let mut right = in_patch.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                match (
                    index(server_order, l, merge_key, kind),
                    index(server_order, r, merge_key, kind),
                ) {
                    (Some(li), Some(ri)) => li < ri,
                    _ => false,
                }
            }
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    Ok(out)
}

/// Stable sort of `items` by their position in `order` (kube's `normalizeSliceOrder`); items
/// not in `order` go last.
fn sort_by_order(
    items: Vec<Value>,
    order: &[Value],
    merge_key: Option<&str>,
    kind: ElementKind,
) -> Result<Vec<Value>, PatchError> {
    let mut items = items;
    if kind == ElementKind::Map {
        for item in items.iter().chain(order) {
            let map = item
                .as_object()
                .ok_or_else(|| bad_arg_type(gofmt::MAP, item))?;
            if let Some(key) = merge_key
                && !map.contains_key(key)
            {
                return Err(no_merge_key(map, key));
            }
        }
        let (kept, deleted): (Vec<Value>, Vec<Value>) = items
            .into_iter()
            .partition(|item| item.get(DIRECTIVE).and_then(Value::as_str) != Some(DELETE));
        items = kept;
        let mut keyed: Vec<(usize, Value)> = items
            .into_iter()
            .map(|item| {
                (
                    index(order, &item, merge_key, kind).unwrap_or(usize::MAX),
                    item,
                )
            })
            .collect();
        keyed.sort_by_key(|(position, _)| *position);
        let mut sorted: Vec<Value> = keyed.into_iter().map(|(_, item)| item).collect();
        sorted.extend(deleted);
        return Ok(sorted);
    }
    let mut keyed: Vec<(usize, Value)> = items
        .into_iter()
        .map(|item| {
            (
                index(order, &item, merge_key, kind).unwrap_or(usize::MAX),
                item,
            )
        })
        .collect();
    keyed.sort_by_key(|(position, _)| *position);
    Ok(keyed.into_iter().map(|(_, item)| item).collect())
}

/// The position of `item` in `list`: by merge key value for objects, by value otherwise.
fn index(
    list: &[Value],
    item: &Value,
    merge_key: Option<&str>,
    kind: ElementKind,
) -> Option<usize> {
    let key_of = |value: &'_ Value| -> Option<Value> {
        match (kind, merge_key) {
            (ElementKind::Map, Some(key)) => value.get(key).cloned(),
            (ElementKind::Map, None) => None,
            (ElementKind::Scalar, _) => Some(value.clone()),
        }
    };
    let wanted = key_of(item);
    list.iter()
        .position(|other| match (&wanted, key_of(other)) {
            (Some(a), Some(b)) => go_eq(a, &b),
            (None, None) => true,
            _ => false,
        })
}

/// Applies the `$patch` items of a merged list of objects: deletions remove the original's
/// items with that key; a `replace` marker makes the rest of the patch the whole list.
fn special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    key: &str,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut rest = Vec::with_capacity(patch.len());
    let mut replace = false;
    for item in patch {
        let Some(directive) = item.get(DIRECTIVE) else {
            rest.push(item);
            continue;
        };
        let map = item
            .as_object()
            .ok_or_else(|| bad_arg_type(gofmt::MAP, &item))?;
        match directive.as_str() {
            Some(DELETE) => {
                let value = map.get(key).ok_or_else(|| no_merge_key(map, key))?;
                original.retain(|other| !other.get(key).is_some_and(|v| go_eq(v, value)));
            }
            Some(REPLACE) => replace = true,
            Some(MERGE) => return Err(PatchError::MergeListDirective),
            _ => return Err(bad_patch_type(directive, map)),
        }
    }
    Ok(if replace {
        (rest, Vec::new())
    } else {
        (original, rest)
    })
}

/// Merges each patch item into the item with the same key, or appends it.
fn merge_items(
    mut items: Vec<Value>,
    patch: &[Value],
    item_type: TypeRef<'_>,
    key: &str,
) -> Result<Vec<Value>, PatchError> {
    for item in patch {
        let map = item
            .as_object()
            .ok_or_else(|| bad_arg_type(gofmt::MAP, item))?;
        let value = map.get(key).ok_or_else(|| no_merge_key(map, key))?;
        match find_by_key(&items, key, value)? {
            Some(position) => {
                let Value::Object(existing) = items[position].take() else {
                    return Err(bad_arg_type(gofmt::MAP, &items[position]));
                };
                items[position] = Value::Object(merge_map(existing, map.clone(), item_type)?);
            }
            None => items.push(item.clone()),
        }
    }
    Ok(items)
}

/// The first object of `list` whose `key` equals `value`.
fn find_by_key(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>, PatchError> {
    for (position, item) in list.iter().enumerate() {
        let Some(map) = item.as_object() else {
            return Err(PatchError::BadArgType {
                expected: gofmt::MAP,
                actual: gofmt::type_name(item),
            });
        };
        if map.get(key).is_some_and(|v| go_eq(v, value)) {
            return Ok(Some(position));
        }
    }
    Ok(None)
}

/// Whether two items have the same merge key value (or are equal, without a key).
fn merge_key_equal(
    left: &Value,
    right: &Value,
    merge_key: Option<&str>,
) -> Result<bool, PatchError> {
    let Some(key) = merge_key else {
        return Ok(go_eq(left, right));
    };
    let left = left
        .as_object()
        .ok_or_else(|| bad_arg_type(gofmt::MAP, left))?;
    let right = right
        .as_object()
        .ok_or_else(|| bad_arg_type(gofmt::MAP, right))?;
    let l = left.get(key).ok_or_else(|| no_merge_key(left, key))?;
    let r = right.get(key).ok_or_else(|| no_merge_key(right, key))?;
    Ok(go_eq(l, r))
}

/// Go's `deduplicateScalars` (the order it leaves does not matter: the result is sorted next).
fn deduplicate(mut items: Vec<Value>) -> Vec<Value> {
    let mut i = 0;
    while i < items.len() {
        let mut j = i + 1;
        while j < items.len() {
            if go_eq(&items[i], &items[j]) {
                items.swap_remove(j);
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    items
}

/// Go's `==` on decoded JSON: numbers are float64.
fn go_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn no_merge_key(map: &Map<String, Value>, key: &str) -> PatchError {
    PatchError::NoMergeKey {
        map: gofmt::value(&Value::Object(map.clone())),
        key: key.to_owned(),
    }
}
