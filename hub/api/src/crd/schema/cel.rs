//! `x-kubernetes-validations`: CEL rules on schema nodes, evaluated with the `cel` crate as
//! kube-apiserver v1.32 evaluates them (`schema/cel/validation.go`): `self` (and `oldSelf` on
//! update for transition rules), values typed by the schema, property names escaped, errors
//! `<path>: Invalid value: "<type>": <message>`.
//!
//! Differences from kube, which compiles with cel-go's type checker and its Kubernetes
//! libraries: rules are only parsed when the CRD is created (a type error surfaces when the
//! rule runs, as `... evaluating rule: ...`), there is no cost estimation or runtime budget,
//! and the Kubernetes-specific libraries (quantity, IP/CIDR, URL, `isSorted`, `format`) are
//! missing; the standard library with the strings, lists and math extensions and optional
//! syntax is there.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use base64::Engine;
use cel::objects::{Key, Map, OptionalValue};
use cel::{Context, Env, ExecutionError, Program};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::ValidationRule;
use serde_json::Value;

use super::Node;
use super::value::correlate_item;
use crate::crd::cause::{Bad, Cause, FieldPath};
use crate::crd::golang::{self, Number};

/// The environment rules compile and run in.
static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
    let mut env = Env::stdlib().with_optional_support(true);
    // The extensions only add functions; a failure would leave them out, not break rules.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = env.add_extension(cel::extensions::lists);
    let _ = env.add_extension(cel::extensions::math);
    Arc::new(env)
});

/// Longest evaluated `messageExpression` kept.
const MAX_MESSAGE_EXPRESSION_BYTES: usize = 5 * 1024;

/// One `x-kubernetes-validations` entry, compiled.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) rule: String,
    pub(crate) message: String,
    pub(crate) reason: Option<String>,
    pub(crate) field_path: String,
    pub(crate) optional_old_self: bool,
    /// The program, or the compile error (`compilation failed: ERROR: <input>:1:5: ...`).
    pub(crate) program: Result<Program, String>,
    pub(crate) message_program: Option<Result<Program, String>>,
    pub(crate) uses_old_self: bool,
}

fn compile(source: &str) -> Result<Program, String> {
    ENV.compile(source)
        .map_err(|errors| format!("compilation failed: {errors}"))
}

/// Compiles a rule (and its `messageExpression`).
pub(crate) fn compile_rule(rule: &ValidationRule) -> CompiledRule {
    let program = compile(&rule.rule);
    let uses_old_self = program
        .as_ref()
        .is_ok_and(|p| p.references().has_variable("oldSelf"));
    let message_expression = rule.message_expression.clone().unwrap_or_default();
    CompiledRule {
        rule: rule.rule.clone(),
        message: rule.message.clone().unwrap_or_default(),
        message_program: (!message_expression.trim().is_empty())
            .then(|| compile(&message_expression)),
        reason: rule.reason.clone(),
        field_path: rule.field_path.clone().unwrap_or_default(),
        optional_old_self: rule.optional_old_self.unwrap_or(false),
        program,
        uses_old_self,
    }
}

impl CompiledRule {
    /// `ruleErrorString`.
    fn error_string(&self) -> &str {
        if self.message.is_empty() {
            self.rule.trim()
        } else {
            self.message.trim()
        }
    }

    /// `ruleMessageOrDefault`.
    fn message_or_default(&self) -> String {
        if self.message.is_empty() {
            format!("failed rule: {}", self.error_string())
        } else {
            self.message.trim().to_owned()
        }
    }
}

/// Evaluates every rule of the tree on `object` (`old` on update).
pub(super) fn validate(root: &Node, object: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut out = Vec::new();
    let context = Walk { ratchet: true };
    context.walk(root, &FieldPath::root(), object, old, true, &mut out);
    out
}

/// Evaluates the rules of `node` on a schema's `default` under `prefix`, as kube does when a
/// CRD is written: with `oldSelf` the default itself, without ratcheting.
pub(super) fn validate_default(node: &Node, prefix: &FieldPath, value: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    let context = Walk { ratchet: false };
    context.walk(node, prefix, value, Some(value), node.embedded, &mut out);
    out
}

/// How rules are evaluated in one pass.
struct Walk {
    /// Whether rules without `oldSelf` are skipped on values equal to their old value.
    ratchet: bool,
}

impl Walk {
    fn walk(
        &self,
        node: &Node,
        path: &FieldPath,
        value: &Value,
        old: Option<&Value>,
        resource: bool,
        out: &mut Vec<Cause>,
    ) {
        if value.is_null() {
            return;
        }
        let resource = resource || node.embedded;
        if !node.rules.is_empty() {
            self.evaluate(node, path, value, old, resource, out);
        }
        match value {
            Value::Array(items) => {
                if let Some(item_node) = &node.items {
                    let old_items = old.and_then(Value::as_array);
                    for (i, item) in items.iter().enumerate() {
                        let old_item = old_items.and_then(|o| correlate_item(node, item, o));
                        self.walk(item_node, &path.index(i), item, old_item, false, out);
                    }
                }
            }
            Value::Object(map) => {
                let correlatable = node.map_type.as_deref() != Some("atomic");
                let old_map = old.and_then(Value::as_object).filter(|_| correlatable);
                if let Some(additional) = node.additional_schema() {
                    for (key, child) in map {
                        let old_child = old_map.and_then(|o| o.get(key));
                        self.walk(additional, &path.key(key), child, old_child, false, out);
                    }
                }
                if let Some(properties) = &node.properties {
                    for (key, child) in map {
                        if let Some(property) = properties.get(key) {
                            let old_child = old_map.and_then(|o| o.get(key));
                            self.walk(property, &path.child(key), child, old_child, false, out);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn evaluate(
        &self,
        node: &Node,
        path: &FieldPath,
        value: &Value,
        old: Option<&Value>,
        resource: bool,
        out: &mut Vec<Cause>,
    ) {
        let type_name = Bad::str(&node.type_);
        let self_value = to_cel(Some(node), value, resource);
        let old_value = old.map(|old| to_cel(Some(node), old, resource));
        for rule in &node.rules {
            let program = match &rule.program {
                Ok(program) => program,
                Err(error) => {
                    out.push(Cause::invalid(
                        path.as_str(),
                        type_name.clone(),
                        &format!("rule compile error: {error}"),
                    ));
                    continue;
                }
            };
            if rule.uses_old_self && old_value.is_none() && !rule.optional_old_self {
                continue;
            }
            // Ratcheting: a rule without oldSelf is not enforced on an unchanged value.
            if self.ratchet && !rule.uses_old_self && old == Some(value) {
                continue;
            }
            let mut context = Context::with_env(Arc::clone(&ENV));
            context.add_variable_from_value("self", self_value.clone());
            if rule.optional_old_self {
                let optional = match &old_value {
                    Some(old) => OptionalValue::of(old.clone()),
                    None => OptionalValue::none(),
                };
                context.add_variable_from_value("oldSelf", cel::Value::Opaque(Arc::new(optional)));
            } else if let Some(old) = &old_value {
                context.add_variable_from_value("oldSelf", old.clone());
            }
            match program.execute(&context) {
                Ok(cel::Value::Bool(true)) => {}
                Ok(cel::Value::Bool(false)) => {
                    let field = match normalize_field_path(&rule.field_path) {
                        Some(child) if !child.is_empty() => path.child(&child),
                        _ => path.clone(),
                    };
                    let detail = rule
                        .message_program
                        .as_ref()
                        .and_then(|p| p.as_ref().ok())
                        .and_then(|p| message_expression(p, &context))
                        .unwrap_or_else(|| rule.message_or_default());
                    out.push(for_reason(
                        field.as_str(),
                        type_name.clone(),
                        &detail,
                        rule.reason.as_deref(),
                    ));
                }
                Ok(_) => out.push(Cause::invalid(
                    path.as_str(),
                    type_name.clone(),
                    "rule compile error: cel expression must evaluate to a bool",
                )),
                Err(error) => {
                    let message = match &error {
                        ExecutionError::NoSuchOverload(_) => format!(
                            "'no such overload': call arguments did not match a supported operator, \
                         function or macro signature for rule: {}",
                            rule.error_string()
                        ),
                        other => format!(
                            "{} evaluating rule: {}",
                            go_error(other),
                            rule.error_string()
                        ),
                    };
                    out.push(Cause::invalid(path.as_str(), type_name.clone(), &message));
                }
            }
        }
    }
}

/// An evaluated `messageExpression`, when it gives a usable message.
fn message_expression(program: &Program, context: &Context) -> Option<String> {
    let cel::Value::String(message) = program.execute(context).ok()? else {
        return None;
    };
    let trimmed = message.trim();
    (!trimmed.is_empty()
        && !trimmed.contains('\n')
        && trimmed.len() <= MAX_MESSAGE_EXPRESSION_BYTES)
        .then(|| trimmed.to_owned())
}

/// `fieldErrorForReason`.
fn for_reason(field: &str, value: Bad, detail: &str, reason: Option<&str>) -> Cause {
    match reason {
        Some("FieldValueForbidden") => Cause::forbidden(field, detail),
        Some("FieldValueRequired") => Cause::required(field, detail),
        Some("FieldValueDuplicate") => Cause::duplicate(field, value),
        _ => Cause::invalid(field, value, detail),
    }
}

/// cel-go's wording of common runtime errors.
fn go_error(error: &ExecutionError) -> String {
    match error {
        ExecutionError::NoSuchKey(key) => format!("no such key: {key}"),
        ExecutionError::UndeclaredReference(name) => {
            format!("undeclared reference to '{name}' (in container '')")
        }
        ExecutionError::DivisionByZero(_) => "division by zero".to_owned(),
        ExecutionError::RemainderByZero(_) => "modulus by zero".to_owned(),
        ExecutionError::IndexOutOfBounds(index) => format!("index out of bounds: {index:?}"),
        ExecutionError::FunctionError { message, .. } => message.clone(),
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

/// A rule's `fieldPath` as kube normalizes it (`ValidFieldPath(...).String()`): `.a.b` is
/// `a.b`, `['x.y']` is `x.y` (or `[x.y]` for a map key, which this does not distinguish).
pub(crate) fn normalize_field_path(field_path: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = field_path.trim();
    while !rest.is_empty() {
        let name;
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            name = after[..end].to_owned();
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("['") {
            let end = after.find("']")?;
            name = after[..end].replace("\\'", "'");
            rest = &after[end + 2..];
        } else {
            return None;
        }
        if name.is_empty() {
            return None;
        }
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&name);
    }
    Some(out)
}

/// CEL's reserved words, which kube escapes as `__word__` in property names.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// kube's `Escape`: how a property name is written in a rule (`__dash__`, `__dot__`,
/// `__slash__`, `__underscores__`, `__if__`), or `None` when it cannot be accessed.
pub(crate) fn escape(name: &str) -> Option<String> {
    let first = name.chars().next()?;
    if first.is_ascii_digit() {
        return None;
    }
    if RESERVED.contains(&name) {
        return Some(format!("__{name}__"));
    }
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '_' if chars.peek() == Some(&'_') => {
                chars.next();
                out.push_str("__underscores__");
            }
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

/// A JSON value as CEL sees it, typed by its schema (`UnstructuredToVal`).
fn to_cel(node: Option<&Node>, value: &Value, resource: bool) -> cel::Value {
    match value {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(_) => {
            let number = Number::of(value).unwrap_or(Number::Float(f64::NAN));
            match (node.map(|n| n.type_.as_str()), number) {
                (Some("number"), number) => cel::Value::Float(number.as_f64()),
                (Some("integer"), Number::Float(f)) => cel::Value::Int(f as i64),
                (_, Number::Int(i)) => cel::Value::Int(i),
                (_, Number::Float(f)) => cel::Value::Float(f),
            }
        }
        Value::String(s) => match node.filter(|n| n.type_ == "string") {
            Some(node) => typed_string(&node.raw_format, s),
            None => cel::Value::String(Arc::new(s.clone())),
        },
        Value::Array(items) => {
            let item_node = node.and_then(|n| n.items.as_deref());
            cel::Value::List(Arc::new(
                items
                    .iter()
                    .map(|item| to_cel(item_node, item, false))
                    .collect(),
            ))
        }
        Value::Object(map) => {
            let mut out: HashMap<Key, cel::Value> = HashMap::new();
            let resource = resource || node.is_some_and(|n| n.embedded);
            for (key, child) in map {
                if resource && (key == "apiVersion" || key == "kind") {
                    out.insert(Key::from(key.clone()), to_cel(None, child, false));
                    continue;
                }
                if resource && key == "metadata" {
                    let mut meta: HashMap<Key, cel::Value> = HashMap::new();
                    for field in ["name", "generateName"] {
                        if let Some(Value::String(s)) = child.get(field) {
                            meta.insert(Key::from(field.to_owned()), cel::Value::from(s.clone()));
                        }
                    }
                    out.insert(
                        Key::from(key.clone()),
                        cel::Value::Map(Map {
                            map: Arc::new(meta),
                        }),
                    );
                    continue;
                }
                let Some(node) = node else {
                    out.insert(Key::from(key.clone()), to_cel(None, child, false));
                    continue;
                };
                if let Some(property) = node.properties.as_ref().and_then(|p| p.get(key)) {
                    if let Some(name) = escape(key) {
                        out.insert(Key::from(name), to_cel(Some(property), child, false));
                    }
                } else if let Some(additional) = node.additional_schema() {
                    out.insert(
                        Key::from(key.clone()),
                        to_cel(Some(additional), child, false),
                    );
                } else if node.preserve_unknown || node.additional.is_some() {
                    out.insert(Key::from(key.clone()), to_cel(None, child, false));
                }
            }
            cel::Value::Map(Map { map: Arc::new(out) })
        }
    }
}

/// A string typed by its format: `duration`, `date` and `date-time` as CEL durations and
/// timestamps, `byte` as bytes.
fn typed_string(format: &str, s: &str) -> cel::Value {
    let fallback = || cel::Value::String(Arc::new(s.to_owned()));
    match format {
        "duration" => go_duration_nanos(s)
            .map(|n| cel::Value::Duration(chrono::Duration::nanoseconds(n)))
            .unwrap_or_else(fallback),
        "date-time" | "datetime" => chrono::DateTime::parse_from_rfc3339(s)
            .map(cel::Value::Timestamp)
            .unwrap_or_else(|_| fallback()),
        "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| cel::Value::Timestamp(t.and_utc().fixed_offset()))
            .unwrap_or_else(fallback),
        "byte" => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(|b| cel::Value::Bytes(Arc::new(b)))
            .unwrap_or_else(|_| fallback()),
        _ => fallback(),
    }
}

/// Go's `time.ParseDuration`, in nanoseconds.
fn go_duration_nanos(s: &str) -> Option<i64> {
    if !super::formats::is_go_duration(s) {
        return None;
    }
    let (negative, rest) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    let mut total = 0f64;
    let mut number = String::new();
    let mut unit = String::new();
    let mut flush = |number: &mut String, unit: &mut String| -> Option<()> {
        let scale = match unit.as_str() {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += number.parse::<f64>().ok()? * scale;
        number.clear();
        unit.clear();
        Some(())
    };
    for c in rest.chars() {
        if c.is_ascii_digit() || c == '.' {
            if !unit.is_empty() {
                flush(&mut number, &mut unit)?;
            }
            number.push(c);
        } else {
            unit.push(c);
        }
    }
    flush(&mut number, &mut unit)?;
    let nanos = total.round() as i64;
    Some(if negative { -nanos } else { nanos })
}

/// The Go value of a rule struct in kube's compile-error messages (`%#v` of
/// `apiextensions.ValidationRule`).
pub(crate) fn rule_go_value(rule: &ValidationRule) -> String {
    let optional = |present: bool, ty: &str| {
        if present {
            format!("(*{ty})(0xc000000000)")
        } else {
            format!("(*{ty})(nil)")
        }
    };
    format!(
        "apiextensions.ValidationRule{{Rule:{}, Message:{}, MessageExpression:{}, Reason:{}, \
         FieldPath:{}, OptionalOldSelf:{}}}",
        golang::quote(&rule.rule),
        golang::quote(rule.message.as_deref().unwrap_or_default()),
        golang::quote(rule.message_expression.as_deref().unwrap_or_default()),
        optional(rule.reason.is_some(), "apiextensions.FieldValueErrorReason"),
        golang::quote(rule.field_path.as_deref().unwrap_or_default()),
        optional(rule.optional_old_self.is_some(), "bool"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_kube() {
        for (name, escaped) in [
            ("foo", Some("foo")),
            ("foo-bar", Some("foo__dash__bar")),
            ("a.b/c", Some("a__dot__b__slash__c")),
            ("a__b", Some("a__underscores__b")),
            ("if", Some("__if__")),
            ("namespace", Some("__namespace__")),
            ("1a", None),
            ("a b", None),
            ("", None),
        ] {
            assert_eq!(escape(name).as_deref(), escaped, "{name}");
        }
    }

    #[test]
    fn field_paths_normalize() {
        assert_eq!(
            normalize_field_path(".spec.replicas").as_deref(),
            Some("spec.replicas")
        );
        assert_eq!(normalize_field_path("['a.b'].c").as_deref(), Some("a.b.c"));
        assert_eq!(normalize_field_path("").as_deref(), Some(""));
        assert_eq!(normalize_field_path("spec"), None);
    }

    #[test]
    fn go_durations_in_nanoseconds() {
        assert_eq!(go_duration_nanos("1h30m"), Some(5_400_000_000_000));
        assert_eq!(go_duration_nanos("-1.5s"), Some(-1_500_000_000));
        assert_eq!(go_duration_nanos("0"), Some(0));
        assert_eq!(go_duration_nanos("1x"), None);
    }

    #[test]
    fn compiled_programs_are_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CompiledRule>();
    }
}
