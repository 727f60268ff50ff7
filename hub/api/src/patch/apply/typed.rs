//! Operations on objects guided by their type, as structured-merge-diff's `typed` package does
//! them: the set of fields a value sets, merging an applied configuration into an object,
//! comparing two objects, and removing the fields of a set.
//!
//! A position's shape comes from its [`TypeRef`]; where there is none (or the value does not fit
//! it) it is deduced from the value: objects are granular maps, lists are atomic.

use serde_json::{Map, Value};

use super::fieldpath::{FieldSet, PathElement, path_string, values_equal};
use crate::typeinfo::{Kind, ListType, TypeRef};

/// What two versions of an object differ in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Comparison {
    /// Paths only the new object has.
    pub(crate) added: FieldSet,
    /// Leaf paths both have, with different values.
    pub(crate) modified: FieldSet,
    /// Paths only the old object has.
    pub(crate) removed: FieldSet,
}

impl Comparison {
    /// Drops `ignored` paths and everything below them from all three sets.
    pub(crate) fn exclude(&mut self, ignored: &FieldSet) {
        self.added = self.added.recursive_difference(ignored);
        self.modified = self.modified.recursive_difference(ignored);
        self.removed = self.removed.recursive_difference(ignored);
    }
}

/// The fields `value` sets: every leaf, every list or map item, every empty object; the error
/// names the first item without its keys, or a duplicate item, when `strict`.
pub(crate) fn field_set(value: &Value, ty: TypeRef<'_>, strict: bool) -> Result<FieldSet, String> {
    let mut set = FieldSet::default();
    let mut path = Vec::new();
    collect(&mut set, &mut path, value, ty, strict)?;
    Ok(set)
}

/// `rhs` merged into `lhs`: rhs wins at leaves and atomic lists and maps; lists keyed by their
/// items are merged item by item, rhs items in rhs order, lhs-only items where they were.
pub(crate) fn merge(lhs: &Value, rhs: &Value, ty: TypeRef<'_>) -> Result<Value, String> {
    let mut merger = Merger::default();
    let out = merger.merge(Some(lhs), Some(rhs), ty);
    match merger.error {
        Some(error) => Err(error),
        None => Ok(out.unwrap_or_else(|| Value::Object(Map::new()))),
    }
}

/// What changed from `old` to `new`.
pub(crate) fn compare(old: &Value, new: &Value, ty: TypeRef<'_>) -> Comparison {
    let mut merger = Merger {
        comparison: Some(Comparison::default()),
        ..Merger::default()
    };
    merger.merge(Some(old), Some(new), ty);
    merger.comparison.unwrap_or_default()
}

/// `value` without the fields and items of `set`; emptied lists and objects disappear.
pub(crate) fn remove(value: &Value, set: &FieldSet, ty: TypeRef<'_>) -> Value {
    remove_items(value, set, ty).unwrap_or_else(|| Value::Object(Map::new()))
}

/// `set` with every named field of a struct that has paths below it also a member (so
/// removing the set removes the field itself).
pub(crate) fn ensure_named_fields_are_members(set: &FieldSet, ty: TypeRef<'_>) -> FieldSet {
    let mut out = FieldSet::default();
    for member in set.members() {
        out.insert_member(member.clone());
    }
    for (element, child) in set.children() {
        if let PathElement::Field(name) = element
            && ty.declares(name)
        {
            out.insert_member(element.clone());
        }
        let child_type = match element {
            PathElement::Field(name) => ty.field(name),
            _ => ty.item(),
        };
        out.set_child(
            element.clone(),
            ensure_named_fields_are_members(child, child_type),
        );
    }
    out
}

/// A position's shape.
#[derive(Clone, Copy)]
enum Atom<'a> {
    Scalar,
    List { item: TypeRef<'a>, keys: Keys<'a> },
    Map { ty: TypeRef<'a>, atomic: bool },
}

/// How a list's items are told apart.
#[derive(Clone, Copy)]
enum Keys<'a> {
    /// The list is one value.
    Atomic,
    /// Scalars, by value.
    Set,
    /// Objects, by these fields.
    Map(&'a [Box<str>]),
}

impl<'a> Atom<'a> {
    fn same_shape(self, other: Atom<'_>) -> bool {
        matches!(
            (self, other),
            (Atom::Scalar, Atom::Scalar)
                | (Atom::List { .. }, Atom::List { .. })
                | (Atom::Map { .. }, Atom::Map { .. })
        )
    }
}

/// The shape of `value` at `ty`.
fn resolve<'a>(ty: TypeRef<'a>, value: &Value) -> Atom<'a> {
    let deduced = || match value {
        Value::Object(_) => Atom::Map {
            ty: TypeRef::UNKNOWN,
            atomic: false,
        },
        Value::Array(_) => Atom::List {
            item: TypeRef::UNKNOWN,
            keys: Keys::Atomic,
        },
        _ => Atom::Scalar,
    };
    match ty.kind() {
        Kind::Unknown => deduced(),
        Kind::Scalar => Atom::Scalar,
        Kind::Struct | Kind::Map => match value {
            Value::Object(_) | Value::Null => Atom::Map {
                ty,
                atomic: ty.is_atomic_map(),
            },
            _ => deduced(),
        },
        Kind::List => match value {
            Value::Array(_) | Value::Null => Atom::List {
                item: ty.item(),
                keys: match ty.list_type() {
                    ListType::Atomic => Keys::Atomic,
                    ListType::Set => Keys::Set,
                    ListType::Map(keys) => Keys::Map(keys),
                },
            },
            _ => deduced(),
        },
    }
}

/// The path element of a list item.
fn item_element(
    keys: Keys<'_>,
    item_type: TypeRef<'_>,
    index: usize,
    item: &Value,
) -> Result<PathElement, String> {
    match keys {
        Keys::Atomic => Ok(PathElement::Index(index)),
        Keys::Set => match item {
            Value::Object(_) => {
                Err("associative list without keys has an element that's a map type".into())
            }
            Value::Array(_) => {
                Err("associative list without keys has an element that's a list type".into())
            }
            Value::Null => {
                Err("associative list without keys has an element that's an explicit null".into())
            }
            _ => Ok(PathElement::Value(item.clone())),
        },
        Keys::Map(keys) => {
            let map = match item {
                Value::Object(map) => map,
                Value::Null => {
                    return Err("associative list with keys may not have a null element".into());
                }
                _ => return Err("associative list with keys may not have non-map elements".into()),
            };
            let mut fields = Vec::with_capacity(keys.len());
            for key in keys {
                let value = match map.get(&**key) {
                    Some(value) => value.clone(),
                    None => match item_type.field(key).default_value() {
                        Some(default) => Value::String(default.to_owned()),
                        None => {
                            return Err(format!(
                                "associative list with keys has an element that omits key field {key:?} (and doesn't have default value)"
                            ));
                        }
                    },
                };
                fields.push((key.to_string(), value));
            }
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(PathElement::Key(fields))
        }
    }
}

fn collect(
    set: &mut FieldSet,
    path: &mut Vec<PathElement>,
    value: &Value,
    ty: TypeRef<'_>,
    strict: bool,
) -> Result<(), String> {
    match resolve(ty, value) {
        Atom::Scalar => set.insert(path),
        Atom::List { item, keys } => {
            if matches!(keys, Keys::Atomic) {
                set.insert(path);
                return Ok(());
            }
            let Value::Array(items) = value else {
                return Ok(());
            };
            let mut seen = Vec::with_capacity(items.len());
            for (index, child) in items.iter().enumerate() {
                let element = match item_element(keys, item, index, child) {
                    Ok(element) => element,
                    Err(message) if strict => {
                        return Err(format!("{}: element {index}: {message}", path_string(path)));
                    }
                    Err(_) => continue,
                };
                if seen.contains(&element) {
                    if strict {
                        return Err(format!(
                            "{}: duplicate entries for key {element}",
                            path_string(path)
                        ));
                    }
                    continue;
                }
                seen.push(element.clone());
                path.push(element);
                collect(set, path, child, item, strict)?;
                set.insert(path);
                path.pop();
            }
        }
        Atom::Map { ty, atomic } => {
            if atomic {
                set.insert(path);
                return Ok(());
            }
            let Value::Object(map) = value else {
                return Ok(());
            };
            for (key, child) in map {
                path.push(PathElement::Field(key.clone()));
                collect(set, path, child, ty.field(key), strict)?;
                let empty = match child {
                    Value::Null => true,
                    Value::Object(child) => child.is_empty(),
                    _ => false,
                };
                if empty || !ty.declares(key) {
                    set.insert(path);
                }
                path.pop();
            }
        }
    }
    Ok(())
}

/// structured-merge-diff's merging walker: merges, and records differences when comparing.
#[derive(Default)]
struct Merger {
    path: Vec<PathElement>,
    comparison: Option<Comparison>,
    error: Option<String>,
}

impl Merger {
    fn merge(
        &mut self,
        lhs: Option<&Value>,
        rhs: Option<&Value>,
        ty: TypeRef<'_>,
    ) -> Option<Value> {
        let left = lhs.map(|value| resolve(ty, value));
        let right = rhs.map(|value| resolve(ty, value));
        let atom = match (left, right) {
            (Some(left), Some(right)) if !left.same_shape(right) => {
                // Different shapes (schemaless data): the old one goes, the new one is a leaf.
                if self.comparison.is_some() {
                    self.walk(left, lhs, None);
                }
                return self.leaf(lhs, rhs);
            }
            (_, Some(atom)) | (Some(atom), None) => atom,
            (None, None) => return None,
        };
        self.walk(atom, lhs, rhs)
    }

    fn walk(&mut self, atom: Atom<'_>, lhs: Option<&Value>, rhs: Option<&Value>) -> Option<Value> {
        match atom {
            Atom::Scalar => self.leaf(lhs, rhs),
            Atom::List { item, keys } => {
                let left = lhs.and_then(Value::as_array);
                let right = rhs.and_then(Value::as_array);
                let empty = left.is_none_or(Vec::is_empty) && right.is_none_or(Vec::is_empty);
                if matches!(keys, Keys::Atomic) || empty {
                    return self.leaf(lhs, rhs);
                }
                let out = self.list_items(item, keys, left, right);
                self.container_done(lhs, rhs);
                out
            }
            Atom::Map { ty, atomic } => {
                let left = lhs.and_then(Value::as_object);
                let right = rhs.and_then(Value::as_object);
                let empty = left.is_none_or(Map::is_empty) && right.is_none_or(Map::is_empty);
                if atomic || empty {
                    return self.leaf(lhs, rhs);
                }
                let mut out = Map::new();
                let mut keys: Vec<&String> = left.into_iter().flat_map(Map::keys).collect();
                keys.extend(right.into_iter().flat_map(Map::keys));
                keys.sort();
                keys.dedup();
                for key in keys {
                    self.path.push(PathElement::Field(key.clone()));
                    let merged = self.merge(
                        left.and_then(|map| map.get(key)),
                        right.and_then(|map| map.get(key)),
                        ty.field(key),
                    );
                    self.path.pop();
                    if let Some(merged) = merged {
                        out.insert(key.clone(), merged);
                    }
                }
                self.container_done(lhs, rhs);
                (!out.is_empty()).then_some(Value::Object(out))
            }
        }
    }

    /// A leaf: the new value wins; a comparison records an addition, removal or change.
    fn leaf(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) -> Option<Value> {
        if let Some(comparison) = &mut self.comparison {
            match (lhs, rhs) {
                (None, Some(_)) => comparison.added.insert(&self.path),
                (Some(_), None) => comparison.removed.insert(&self.path),
                (Some(l), Some(r)) if !values_equal(l, r) => comparison.modified.insert(&self.path),
                _ => {}
            }
        }
        rhs.or(lhs).cloned()
    }

    /// After a list's or map's items: a comparison records the container's addition or removal.
    fn container_done(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) {
        if let Some(comparison) = &mut self.comparison {
            match (lhs, rhs) {
                (None, Some(_)) => comparison.added.insert(&self.path),
                (Some(_), None) => comparison.removed.insert(&self.path),
                _ => {}
            }
        }
    }

    fn list_items(
        &mut self,
        item: TypeRef<'_>,
        keys: Keys<'_>,
        lhs: Option<&Vec<Value>>,
        rhs: Option<&Vec<Value>>,
    ) -> Option<Value> {
        let left = self.index(keys, item, lhs, true);
        let right = self.index(keys, item, rhs, false);
        let in_right =
            |element: &PathElement| right.iter().find(|(e, _)| e == element).map(|(_, v)| *v);
        let in_left =
            |element: &PathElement| left.iter().find(|(e, _)| e == element).map(|(_, v)| *v);
        let mut shared: std::collections::VecDeque<&PathElement> = right
            .iter()
            .map(|(element, _)| element)
            .filter(|element| in_left(element).is_some())
            .collect();
        let mut next_shared = shared.pop_front();
        let mut out = Vec::new();
        let (mut l, mut r) = (0, 0);
        while l < left.len() || r < right.len() {
            if l < left.len() && r < right.len() {
                let element = &left[l].0;
                if *element == right[r].0 {
                    let merged = self.item(element, Some(left[l].1), Some(right[r].1), item);
                    out.extend(merged);
                    l += 1;
                    r += 1;
                    next_shared = shared.pop_front();
                    continue;
                }
                if in_right(element).is_some() && next_shared.is_some_and(|next| next != element) {
                    l += 1;
                    continue;
                }
            }
            if l < left.len() && in_right(&left[l].0).is_none() {
                let (element, value) = &left[l];
                out.extend(self.item(element, Some(value), None, item));
                l += 1;
                continue;
            }
            if r < right.len() {
                let (element, value) = &right[r];
                out.extend(self.item(element, in_left(element), Some(value), item));
                r += 1;
                if next_shared.is_some_and(|next| next == element) {
                    next_shared = shared.pop_front();
                }
            } else {
                // An lhs item the rhs has, met after the rhs ran out: already merged.
                l += 1;
            }
        }
        (!out.is_empty()).then_some(Value::Array(out))
    }

    fn item(
        &mut self,
        element: &PathElement,
        lhs: Option<&Value>,
        rhs: Option<&Value>,
        ty: TypeRef<'_>,
    ) -> Option<Value> {
        self.path.push(element.clone());
        let out = self.merge(lhs, rhs, ty);
        self.path.pop();
        out
    }

    /// The items of a list with their path elements. Duplicates are tolerated on the old side
    /// (stored objects may have them) and refused on the new side.
    fn index<'v>(
        &mut self,
        keys: Keys<'_>,
        item: TypeRef<'_>,
        list: Option<&'v Vec<Value>>,
        tolerate_duplicates: bool,
    ) -> Vec<(PathElement, &'v Value)> {
        let mut out: Vec<(PathElement, &Value)> = Vec::new();
        for (index, child) in list.into_iter().flatten().enumerate() {
            match item_element(keys, item, index, child) {
                Ok(element) => {
                    if out.iter().any(|(e, _)| *e == element) && !tolerate_duplicates {
                        self.fail(format!(
                            "{}: duplicate entries for key {element}",
                            path_string(&self.path)
                        ));
                        continue;
                    }
                    out.push((element, child));
                }
                Err(message) => {
                    if !tolerate_duplicates {
                        self.fail(format!(
                            "{}: element {index}: {message}",
                            path_string(&self.path)
                        ));
                    }
                }
            }
        }
        out
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }
}

fn remove_items(value: &Value, set: &FieldSet, ty: TypeRef<'_>) -> Option<Value> {
    match resolve(ty, value) {
        Atom::Scalar => Some(value.clone()),
        Atom::List { item, keys } => {
            let Value::Array(items) = value else {
                return None;
            };
            if items.is_empty() || matches!(keys, Keys::Atomic) {
                return None;
            }
            let mut out = Vec::with_capacity(items.len());
            for (index, child) in items.iter().enumerate() {
                let Ok(element) = item_element(keys, item, index, child) else {
                    out.push(child.clone());
                    continue;
                };
                if set.has_member(&element) {
                    continue;
                }
                match set.child(&element) {
                    Some(below) => out.extend(remove_items(child, below, item)),
                    None => out.push(child.clone()),
                }
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        Atom::Map { ty, atomic } => {
            let Value::Object(map) = value else {
                return None;
            };
            if map.is_empty() || atomic {
                return None;
            }
            let mut out = Map::new();
            for (key, child) in map {
                let element = PathElement::Field(key.clone());
                if set.has_member(&element) {
                    continue;
                }
                match set.child(&element) {
                    Some(below) => {
                        if let Some(kept) = remove_items(child, below, ty.field(key)) {
                            out.insert(key.clone(), kept);
                        }
                    }
                    None => {
                        out.insert(key.clone(), child.clone());
                    }
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
    }
}
