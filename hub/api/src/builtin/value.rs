//! Reading and defaulting JSON objects with Go's zero-value semantics: an absent or `null` field
//! reads as the zero value (`""`, `0`, `false`, empty list), the way kube's typed structs see it.

use serde_json::{Map, Value};

/// Field `key` of `value` if present and not `null`.
pub(crate) fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.get(key).filter(|field| !field.is_null())
}

/// A string field; `""` when absent or not a string.
pub(crate) fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    get(value, key).and_then(Value::as_str).unwrap_or_default()
}

/// A string field if present (a Go `*string`).
pub(crate) fn opt_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    get(value, key).and_then(Value::as_str)
}

/// An integer field; 0 when absent.
pub(crate) fn int_of(value: &Value, key: &str) -> i64 {
    opt_int(value, key).unwrap_or_default()
}

/// An integer field if present (a Go `*int32`/`*int64`).
pub(crate) fn opt_int(value: &Value, key: &str) -> Option<i64> {
    get(value, key).and_then(Value::as_i64)
}

/// A boolean field; false when absent.
pub(crate) fn bool_of(value: &Value, key: &str) -> bool {
    opt_bool(value, key).unwrap_or_default()
}

/// A boolean field if present (a Go `*bool`).
pub(crate) fn opt_bool(value: &Value, key: &str) -> Option<bool> {
    get(value, key).and_then(Value::as_bool)
}

/// A list field; empty when absent.
pub(crate) fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    get(value, key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// An object field if present.
pub(crate) fn map_of<'a>(value: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    get(value, key).and_then(Value::as_object)
}

/// Whether an object field has at least one entry (Go's `len(map) > 0`).
pub(crate) fn has_entries(value: &Value, key: &str) -> bool {
    map_of(value, key).is_some_and(|map| !map.is_empty())
}

/// The strings of a list field.
pub(crate) fn strings<'a>(value: &'a Value, key: &str) -> Vec<&'a str> {
    list(value, key).iter().filter_map(Value::as_str).collect()
}

/// The entries of a `map[string]string` field, sorted by key (Go's iteration order is random;
/// sorting makes causes deterministic).
pub(crate) fn string_map<'a>(value: &'a Value, key: &str) -> Vec<(&'a str, &'a str)> {
    let mut entries: Vec<(&str, &str)> = map_of(value, key)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    entries.sort_unstable();
    entries
}

/// The object field `key` of `map`, created when absent or `null` (not when another type).
pub(crate) fn child<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    let slot = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// The object field `key` of `map` if it exists as an object.
pub(crate) fn child_if<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    map.get_mut(key).and_then(Value::as_object_mut)
}

/// Each object in the list field `key` of `map`.
pub(crate) fn each_mut<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    map.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// Sets `key` when absent or `null` (a Go pointer or map left nil).
pub(crate) fn default_nil(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get(key) {
        None | Some(Value::Null) => {
            map.insert(key.to_owned(), value);
        }
        Some(_) => {}
    }
}

/// Sets `key` when absent, `null` or `""` (a Go string left empty).
pub(crate) fn default_str(map: &mut Map<String, Value>, key: &str, value: &str) {
    match map.get(key) {
        None | Some(Value::Null) => {
            map.insert(key.to_owned(), Value::from(value));
        }
        Some(Value::String(s)) if s.is_empty() => {
            map.insert(key.to_owned(), Value::from(value));
        }
        Some(_) => {}
    }
}

/// Sets `key` when absent, `null` or `0` (a Go integer left zero).
pub(crate) fn default_int(map: &mut Map<String, Value>, key: &str, value: i64) {
    match map.get(key) {
        None | Some(Value::Null) => {
            map.insert(key.to_owned(), Value::from(value));
        }
        Some(Value::Number(n)) if n.as_i64() == Some(0) => {
            map.insert(key.to_owned(), Value::from(value));
        }
        Some(_) => {}
    }
}

/// Whether `map[key]` is absent, `null` or the empty string.
pub(crate) fn is_empty_str(map: &Map<String, Value>, key: &str) -> bool {
    match map.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_zero_values() {
        let v = json!({"a": {"b": "x", "n": null, "i": 3, "l": [1, 2], "m": {"z": "1", "a": "2"}}});
        let a = &v["a"];
        assert_eq!(str_of(a, "b"), "x");
        assert_eq!(str_of(a, "n"), "");
        assert_eq!(opt_str(a, "n"), None);
        assert_eq!(int_of(a, "i"), 3);
        assert_eq!(int_of(a, "missing"), 0);
        assert_eq!(list(a, "l").len(), 2);
        assert_eq!(string_map(a, "m"), vec![("a", "2"), ("z", "1")]);
        assert!(has_entries(a, "m"));
        assert_eq!(get(a, "n"), None);
    }

    #[test]
    fn defaults_only_zero_values() {
        let mut map = json!({"s": "", "t": "keep", "i": 0, "j": 5, "p": null})
            .as_object()
            .cloned()
            .unwrap_or_default();
        default_str(&mut map, "s", "d");
        default_str(&mut map, "t", "d");
        default_int(&mut map, "i", 7);
        default_int(&mut map, "j", 7);
        default_nil(&mut map, "p", json!(1));
        default_nil(&mut map, "q", json!(2));
        assert_eq!(
            Value::Object(map),
            json!({"s": "d", "t": "keep", "i": 7, "j": 5, "p": 1, "q": 2})
        );
    }
}
