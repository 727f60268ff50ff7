//! The OpenAPI value validator kube-apiserver runs on custom resources
//! (`k8s.io/kube-openapi/pkg/validation/validate`), with its checks, their order and its
//! messages, and the mapping of its results to field errors that the apiextensions-apiserver
//! applies (`kubeOpenAPIResultToFieldErrors`), plus v1.32's validation ratcheting on update.

use serde_json::{Map, Value};

use super::{Additional, Node, error_path, formats, property_path};
use crate::crd::cause::{Bad, Cause, FieldPath};
use crate::crd::golang::{self, Number};

/// Validates a whole object (`old` for ratcheting on update).
pub(super) fn validate(root: &Node, object: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut errors = Vec::new();
    schema(root, "", object, old, &mut errors);
    to_causes(&FieldPath::root(), errors)
}

/// Validates `value` with errors under `prefix` (how kube validates a schema's `default`).
pub(super) fn validate_at(node: &Node, prefix: &FieldPath, value: &Value) -> Vec<Cause> {
    let mut errors = Vec::new();
    schema(node, "", value, None, &mut errors);
    to_causes(prefix, errors)
}

/// One kube-openapi error.
#[derive(Debug)]
enum OpenApiError {
    /// An `errors.Validation`.
    Validation {
        code: Code,
        name: String,
        value: Option<Value>,
        message: String,
        /// The limit of `TooLong`, `MaxItems` and `TooManyProperties`.
        limit: i64,
        /// The values of an enum.
        values: Vec<Value>,
    },
    /// Any other error (the composite `anyOf`/`oneOf`/`allOf`/`not` ones).
    Other(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Code {
    InvalidType,
    Required,
    TooLong,
    Enum,
    MaxItems,
    TooManyProperties,
    Other,
}

fn validation(code: Code, name: &str, value: Option<&Value>, message: String) -> OpenApiError {
    OpenApiError::Validation {
        code,
        name: name.to_owned(),
        value: value.cloned(),
        message,
        limit: -1,
        values: Vec::new(),
    }
}

/// `kubeOpenAPIResultToFieldErrors`.
fn to_causes(prefix: &FieldPath, errors: Vec<OpenApiError>) -> Vec<Cause> {
    errors
        .into_iter()
        .map(|error| match error {
            OpenApiError::Validation {
                code,
                name,
                value,
                message,
                limit,
                values,
            } => {
                let path = error_path(prefix, &name);
                let path = path.as_str();
                let or_empty = || match &value {
                    Some(value) if !value.is_null() => Bad::Json(value.clone()),
                    _ => Bad::str(""),
                };
                match code {
                    Code::Required => Cause::required(path, ""),
                    Code::Enum => {
                        let supported: Vec<String> = values
                            .iter()
                            .map(|v| match v {
                                Value::String(s) => s.clone(),
                                other => golang::json(other),
                            })
                            .collect();
                        let supported: Vec<&str> = supported.iter().map(String::as_str).collect();
                        Cause::not_supported(
                            path,
                            Bad::Json(value.unwrap_or(Value::Null)),
                            &supported,
                        )
                    }
                    Code::TooLong => Cause::too_long(path, limit),
                    Code::MaxItems | Code::TooManyProperties => {
                        let actual = value.as_ref().and_then(Value::as_i64).unwrap_or(-1);
                        Cause::too_many(path, actual, limit)
                    }
                    Code::InvalidType => Cause::type_invalid(path, or_empty(), &message),
                    Code::Other => Cause::invalid(path, or_empty(), &message),
                }
            }
            OpenApiError::Other(message) => Cause::invalid(prefix.as_str(), "", &message),
        })
        .collect()
}

/// `SchemaValidator.Validate`: the validators that apply to `data`, in kube-openapi's order.
fn schema(node: &Node, path: &str, data: &Value, old: Option<&Value>, out: &mut Vec<OpenApiError>) {
    // Ratcheting: a value equal to the value it correlates with in the old object is not
    // validated again.
    if old.is_some_and(|old| old == data) {
        return;
    }
    if data.is_null() {
        type_check(node, path, data, out);
        enum_check(node, path, data, out);
        return;
    }
    type_check(node, path, data, out);
    composition(node, path, data, old, out);
    if let Value::String(s) = data {
        string_check(node, path, s, data, out);
        if !node.format.is_empty()
            && formats::is_supported(&node.format)
            && !formats::validates(&node.format, s)
        {
            out.push(invalid_type(path, &node.format, data));
        }
    }
    if let Some(number) = Number::of(data) {
        number_check(node, path, number, data, out);
    }
    if let Value::Array(items) = data {
        slice_check(node, path, items, old, out);
    }
    enum_check(node, path, data, out);
    if let Value::Object(map) = data {
        object_check(node, path, map, old, out);
    }
}

/// `errors.InvalidType` with a string value (`%s in body must be of type %s: %q`).
fn invalid_type(path: &str, type_name: &str, value: &Value) -> OpenApiError {
    let shown = value.as_str().unwrap_or_default();
    validation(
        Code::InvalidType,
        path,
        Some(value),
        format!(
            "{path} in body must be of type {type_name}: {}",
            golang::quote(shown)
        ),
    )
}

/// The JSON type and format kube-openapi infers for decoded data.
fn data_type(data: &Value) -> (&'static str, &'static str) {
    match data {
        Value::Bool(_) => ("boolean", ""),
        Value::String(_) => ("string", ""),
        Value::Number(_) => match Number::of(data) {
            Some(Number::Int(_)) => ("integer", "int64"),
            _ => ("number", "float64"),
        },
        Value::Array(_) => ("array", ""),
        Value::Object(_) => ("object", ""),
        Value::Null => ("null", ""),
    }
}

/// `swag.IsFloat64AJSONInteger`.
fn is_json_integer(f: f64) -> bool {
    const MAX_JSON_FLOAT: f64 = 9007199254740992.0; // 2^53
    if f.is_nan() || f.is_infinite() || !(-MAX_JSON_FLOAT..=MAX_JSON_FLOAT).contains(&f) {
        return false;
    }
    // Go computes `float64(uint64(f))`, which is not `f` for negative values.
    if f < 0.0 {
        return false;
    }
    let g = f.trunc();
    if f == g {
        return true;
    }
    let diff = (f - g).abs();
    diff / (f.abs() + g.abs()) < 1e-9
}

/// `typeValidator`.
fn type_check(node: &Node, path: &str, data: &Value, out: &mut Vec<OpenApiError>) {
    let types: Vec<&str> = if node.int_or_string {
        vec!["integer", "string"]
    } else if node.type_.is_empty() {
        Vec::new()
    } else {
        vec![node.type_.as_str()]
    };
    if types.is_empty() && node.format.is_empty() {
        return;
    }
    if data.is_null() {
        if !types.is_empty() && !types.contains(&"null") && !node.nullable {
            out.push(invalid_type(path, &types.join(","), &Value::from("null")));
        }
        return;
    }
    let (sch_type, format) = data_type(data);
    let is_float_int = sch_type == "number"
        && types.contains(&"integer")
        && data.as_f64().is_some_and(is_json_integer);
    let is_int_float = sch_type == "integer" && types.contains(&"number");
    let stringish = data.is_string() || data.is_array();
    let numeric = types.contains(&"number") || types.contains(&"integer");
    let matches_format =
        types.contains(&sch_type) || format == node.format || is_float_int || is_int_float;
    if !(stringish || node.format.is_empty() || matches_format) {
        out.push(invalid_type(path, &node.format, &Value::from(format)));
        return;
    }
    // A non-numeric type with a format accepts strings and arrays as they are.
    if !(numeric || node.format.is_empty() || !stringish) {
        return;
    }
    if !(types.contains(&sch_type) || is_float_int || is_int_float) {
        out.push(invalid_type(path, &types.join(","), &Value::from(sch_type)));
    }
}

/// `schemaPropsValidator`: anyOf, oneOf, allOf, not.
fn composition(
    node: &Node,
    path: &str,
    data: &Value,
    old: Option<&Value>,
    out: &mut Vec<OpenApiError>,
) {
    let run = |sub: &Node| {
        let mut errors = Vec::new();
        schema(sub, path, data, old, &mut errors);
        errors
    };
    let quoted = golang::quote(path);
    if !node.any_of.is_empty() {
        let results: Vec<Vec<OpenApiError>> = node.any_of.iter().map(run).collect();
        if !results.iter().any(Vec::is_empty) {
            out.push(OpenApiError::Other(format!(
                "{quoted} must validate at least one schema (anyOf)"
            )));
            if let Some(best) = results.into_iter().min_by_key(Vec::len) {
                out.extend(best);
            }
        }
    }
    if !node.one_of.is_empty() {
        let results: Vec<Vec<OpenApiError>> = node.one_of.iter().map(run).collect();
        let valid = results.iter().filter(|r| r.is_empty()).count();
        if valid != 1 {
            let detail = if valid == 0 {
                "Found none valid".to_owned()
            } else {
                format!("Found {valid} valid alternatives")
            };
            out.push(OpenApiError::Other(format!(
                "{quoted} must validate one and only one schema (oneOf). {detail}"
            )));
            if valid == 0
                && let Some(best) = results.into_iter().min_by_key(Vec::len)
            {
                out.extend(best);
            }
        }
    }
    if !node.all_of.is_empty() {
        let mut validated = 0;
        for sub in &node.all_of {
            let errors = run(sub);
            if errors.is_empty() {
                validated += 1;
            }
            out.extend(errors);
        }
        if validated != node.all_of.len() {
            let detail = if validated == 0 {
                ". None validated"
            } else {
                ""
            };
            out.push(OpenApiError::Other(format!(
                "{quoted} must validate all the schemas (allOf){detail}"
            )));
        }
    }
    if let Some(not) = &node.not
        && run(not).is_empty()
    {
        out.push(OpenApiError::Other(format!(
            "{quoted} must not validate the schema (not)"
        )));
    }
}

/// `stringValidator`: maxLength, minLength, pattern; the first failure only.
fn string_check(node: &Node, path: &str, s: &str, data: &Value, out: &mut Vec<OpenApiError>) {
    let length = s.chars().count() as i64;
    if let Some(max) = node.max_length
        && length > max
    {
        let mut error = validation(
            Code::TooLong,
            path,
            Some(data),
            format!("{path} in body should be at most {max} chars long"),
        );
        if let OpenApiError::Validation { limit, .. } = &mut error {
            *limit = max;
        }
        out.push(error);
        return;
    }
    if let Some(min) = node.min_length
        && length < min
    {
        out.push(validation(
            Code::Other,
            path,
            Some(data),
            format!("{path} in body should be at least {min} chars long"),
        ));
        return;
    }
    if let Some(pattern) = &node.pattern {
        match &pattern.regex {
            Ok(regex) if regex.is_match(s) => {}
            Ok(_) => out.push(validation(
                Code::Other,
                path,
                Some(data),
                format!("{path} in body should match '{}'", pattern.source),
            )),
            Err(error) => out.push(validation(
                Code::Other,
                path,
                Some(data),
                format!(
                    "{path} in body should match '{}, but pattern is invalid: {error}'",
                    pattern.source
                ),
            )),
        }
    }
}

/// `numberValidator`: multipleOf, minimum, maximum (in that order), with integers compared as
/// integers (the bound truncated, as Go converts it).
fn number_check(
    node: &Node,
    path: &str,
    number: Number,
    data: &Value,
    out: &mut Vec<OpenApiError>,
) {
    if let Some(factor) = node.multiple_of {
        let failed = match number {
            // Integers are checked against the factor converted to an integer, as Go does.
            Number::Int(i) if factor as i64 != 0 => {
                let f = factor as i64;
                if f < 0 {
                    Some((true, f.to_string()))
                } else {
                    ((i / f) * f != i).then(|| (false, f.to_string()))
                }
            }
            _ => {
                let data = number.as_f64();
                if factor < 0.0 {
                    Some((true, golang::float(factor)))
                } else {
                    let mult = if factor < 1.0 {
                        1.0 / factor * data
                    } else {
                        data / factor
                    };
                    (!is_json_integer(mult)).then(|| (false, golang::float(factor)))
                }
            }
        };
        if let Some((negative, factor)) = failed {
            let message = if negative {
                format!("factor MultipleOf declared for {path} must be positive: {factor}")
            } else {
                format!("{path} in body should be a multiple of {factor}")
            };
            out.push(validation(Code::Other, path, Some(data), message));
        }
    }
    if let Some(min) = node.minimum {
        let exclusive = node.exclusive_minimum;
        let (fails, bound) = match number {
            Number::Int(i) => {
                let min = min as i64;
                (if exclusive { i <= min } else { i < min }, min.to_string())
            }
            Number::Float(f) => (
                if exclusive { f <= min } else { f < min },
                golang::float(min),
            ),
        };
        if fails {
            let relation = if exclusive {
                "greater than"
            } else {
                "greater than or equal to"
            };
            out.push(validation(
                Code::Other,
                path,
                Some(data),
                format!("{path} in body should be {relation} {bound}"),
            ));
        }
    }
    if let Some(max) = node.maximum {
        let exclusive = node.exclusive_maximum;
        let (fails, bound) = match number {
            Number::Int(i) => {
                let max = max as i64;
                (if exclusive { i >= max } else { i > max }, max.to_string())
            }
            Number::Float(f) => (
                if exclusive { f >= max } else { f > max },
                golang::float(max),
            ),
        };
        if fails {
            let relation = if exclusive {
                "less than"
            } else {
                "less than or equal to"
            };
            out.push(validation(
                Code::Other,
                path,
                Some(data),
                format!("{path} in body should be {relation} {bound}"),
            ));
        }
    }
}

/// `schemaSliceValidator`: items, then minItems, maxItems, uniqueItems.
fn slice_check(
    node: &Node,
    path: &str,
    items: &[Value],
    old: Option<&Value>,
    out: &mut Vec<OpenApiError>,
) {
    if let Some(item_schema) = &node.items {
        let old_items = old.and_then(Value::as_array);
        for (i, item) in items.iter().enumerate() {
            let old_item = old_items.and_then(|old| correlate_item(node, item, old));
            schema(item_schema, &format!("{path}[{i}]"), item, old_item, out);
        }
    }
    let size = items.len() as i64;
    if let Some(min) = node.min_items
        && size < min
    {
        out.push(validation(
            Code::Other,
            path,
            Some(&Value::from(size)),
            format!("{path} in body should have at least {min} items"),
        ));
    }
    if let Some(max) = node.max_items
        && size > max
    {
        let mut error = validation(
            Code::MaxItems,
            path,
            Some(&Value::from(size)),
            format!("{path} in body should have at most {max} items"),
        );
        if let OpenApiError::Validation { limit, .. } = &mut error {
            *limit = max;
        }
        out.push(error);
    }
    if node.unique_items {
        let duplicate = items
            .iter()
            .enumerate()
            .any(|(i, item)| items[..i].contains(item));
        if duplicate {
            out.push(validation(
                Code::Other,
                path,
                None,
                format!("{path} in body shouldn't contain duplicates"),
            ));
        }
    }
}

/// The old item a new item of a `x-kubernetes-list-type: map` list correlates with (same
/// keys); other lists do not correlate items.
pub(super) fn correlate_item<'a>(node: &Node, item: &Value, old: &'a [Value]) -> Option<&'a Value> {
    if node.list_type.as_deref() != Some("map") || node.list_map_keys.is_empty() {
        return None;
    }
    let key = |v: &Value| -> Option<Vec<Option<Value>>> {
        let map = v.as_object()?;
        Some(
            node.list_map_keys
                .iter()
                .map(|k| map.get(k).cloned())
                .collect(),
        )
    };
    let wanted = key(item)?;
    old.iter()
        .find(|candidate| key(candidate).as_ref() == Some(&wanted))
}

/// `basicCommonValidator`: enum, with Go's `reflect` conversions (an integer matches an enum
/// float, a float matches an enum integer it truncates to).
fn enum_check(node: &Node, path: &str, data: &Value, out: &mut Vec<OpenApiError>) {
    let Some(values) = &node.enum_ else {
        return;
    };
    if values.is_empty() || values.iter().any(|e| enum_matches(data, e)) {
        return;
    }
    out.push(OpenApiError::Validation {
        code: Code::Enum,
        name: path.to_owned(),
        value: Some(data.clone()),
        message: format!("{path} in body should be one of {values:?}"),
        limit: -1,
        values: values.clone(),
    });
}

fn enum_matches(data: &Value, candidate: &Value) -> bool {
    if data.is_null() {
        return false;
    }
    if data == candidate {
        return true;
    }
    match (Number::of(data), candidate) {
        (Some(number), Value::Number(_)) => match Number::of(candidate) {
            Some(Number::Int(want)) => match number {
                Number::Int(i) => i == want,
                Number::Float(f) => f as i64 == want,
            },
            Some(Number::Float(want)) => number.as_f64() == want,
            None => false,
        },
        // Go converts an integer to a string as a code point.
        (Some(Number::Int(i)), Value::String(s)) => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            s.chars().eq(std::iter::once(c))
        }
        _ => false,
    }
}

/// `objectValidator`: min/maxProperties, additionalProperties, properties, required.
fn object_check(
    node: &Node,
    path: &str,
    map: &Map<String, Value>,
    old: Option<&Value>,
    out: &mut Vec<OpenApiError>,
) {
    let count = map.len() as i64;
    if let Some(min) = node.min_properties
        && count < min
    {
        out.push(validation(
            Code::Other,
            path,
            Some(&Value::from(count)),
            format!("{path} in body should have at least {min} properties"),
        ));
        return;
    }
    if let Some(max) = node.max_properties
        && count > max
    {
        let mut error = validation(
            Code::TooManyProperties,
            path,
            Some(&Value::from(count)),
            format!("{path} in body should have at most {max} properties"),
        );
        if let OpenApiError::Validation { limit, .. } = &mut error {
            *limit = max;
        }
        out.push(error);
        return;
    }
    let is_property = |key: &str| {
        node.properties
            .as_ref()
            .is_some_and(|p| p.contains_key(key))
    };
    let old_map = old.and_then(Value::as_object);
    match &node.additional {
        Some(Additional::Allows(false)) => {
            for key in map.keys().filter(|key| !is_property(key)) {
                out.push(validation(
                    Code::Other,
                    path,
                    Some(&Value::from(key.as_str())),
                    format!("{path}.{key} in body is a forbidden property"),
                ));
            }
        }
        Some(Additional::Schema(additional)) => {
            for (key, value) in map.iter().filter(|(key, _)| !is_property(key)) {
                let old_value = old_map.and_then(|old| old.get(key));
                schema(additional, &format!("{path}.{key}"), value, old_value, out);
            }
        }
        _ => {}
    }
    for (name, property) in node.properties.iter().flatten() {
        if let Some(value) = map.get(name) {
            let old_value = old_map.and_then(|old| old.get(name));
            schema(property, &property_path(path, name), value, old_value, out);
        }
    }
    for name in &node.required {
        if !map.contains_key(name) {
            out.push(validation(
                Code::Required,
                &format!("{path}.{name}"),
                None,
                format!("{path}.{name} in body is required"),
            ));
        }
    }
}
