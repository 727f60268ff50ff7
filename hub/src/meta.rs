//! Object metadata on JSON objects: accessors, server-set fields, names and their validation,
//! with kube-apiserver's rules and messages.

use serde_json::{Map, Value};

use crate::error::Cause;

/// `metadata`, if it is an object.
pub fn metadata(object: &Map<String, Value>) -> Option<&Map<String, Value>> {
    object.get("metadata").and_then(Value::as_object)
}

/// `metadata`, created if absent or not an object.
pub fn metadata_mut(object: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let slot = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(metadata) => metadata,
        _ => unreachable!("just made an object"),
    }
}

/// A string field of `metadata`.
pub fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    metadata(object)
        .and_then(|metadata| metadata.get(name))
        .and_then(Value::as_str)
}

/// `metadata.name` (empty if absent).
pub fn name(object: &Map<String, Value>) -> &str {
    field(object, "name").unwrap_or("")
}

/// `metadata.labels` (empty if absent).
pub fn labels(object: &Map<String, Value>) -> Map<String, Value> {
    metadata(object)
        .and_then(|metadata| metadata.get("labels"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// `metadata.finalizers`.
pub fn finalizers(object: &Map<String, Value>) -> Vec<String> {
    metadata(object)
        .and_then(|metadata| metadata.get("finalizers"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `metadata.deletionTimestamp` is set.
pub fn is_deleting(object: &Map<String, Value>) -> bool {
    metadata(object)
        .and_then(|metadata| metadata.get("deletionTimestamp"))
        .is_some_and(|value| !value.is_null())
}

/// The current time as Kubernetes writes timestamps (RFC 3339, seconds, UTC).
pub fn now() -> String {
    let now = jiff::Timestamp::now();
    now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A name for `generateName`: the prefix (cut to leave room) and five random characters from
/// kube-apiserver's alphabet.
pub fn generate_name(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    const MAX_PREFIX: usize = 63 - 5;
    let prefix: String = prefix.chars().take(MAX_PREFIX).collect();
    let suffix: String = (0..5)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{suffix}")
}

/// How a kind's names are validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 subdomain (most kinds).
    Subdomain,
    /// RFC 1123 label (namespaces, services).
    Label,
    /// Any path segment (RBAC kinds).
    PathSegment,
}

/// The name rule kube-apiserver applies to `group`/`resource`.
pub fn name_rule(group: &str, resource: &str) -> NameRule {
    match (group, resource) {
        ("", "namespaces" | "services") => NameRule::Label,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

/// Validates a name; returns the causes of a 422, empty when valid.
pub fn validate_name(name: &str, rule: NameRule, field: &str) -> Vec<Cause> {
    let mut problems: Vec<String> = Vec::new();
    match rule {
        NameRule::PathSegment => problems.extend(path_segment_problems(name)),
        NameRule::Label => {
            if name.len() > 63 {
                problems.push("must be no more than 63 characters".into());
            }
            if !is_dns_label(name) {
                problems.push(
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".into(),
                );
            }
        }
        NameRule::Subdomain => {
            if name.len() > 253 {
                problems.push("must be no more than 253 characters".into());
            }
            if !name.split('.').all(is_dns_label) {
                problems.push(
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into(),
                );
            }
        }
    }
    problems
        .into_iter()
        .map(|problem| Cause {
            reason: "FieldValueInvalid".into(),
            message: format!(
                "Invalid value: {}: {problem}",
                serde_json::Value::String(name.to_owned())
            ),
            field: field.to_owned(),
        })
        .collect()
}

/// Problems of a name used as a path segment (every kind's minimum).
pub fn path_segment_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if name == "." || name == ".." {
        problems.push(format!("may not be '{name}'"));
    }
    for forbidden in ["/", "%"] {
        if name.contains(forbidden) {
            problems.push(format!("may not contain '{forbidden}'"));
        }
    }
    problems
}

fn is_dns_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kube_rules() {
        assert!(validate_name("my-app.v1", NameRule::Subdomain, "metadata.name").is_empty());
        let causes = validate_name("Bad_Name", NameRule::Subdomain, "metadata.name");
        assert_eq!(causes.len(), 1);
        assert!(
            causes[0]
                .message
                .starts_with("Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain")
        );
        assert!(!validate_name("a.b", NameRule::Label, "metadata.name").is_empty());
        assert!(validate_name("system:admin", NameRule::PathSegment, "metadata.name").is_empty());
        assert_eq!(
            validate_name("a/b", NameRule::PathSegment, "metadata.name").len(),
            1
        );
        assert_eq!(name_rule("", "namespaces"), NameRule::Label);
    }

    #[test]
    fn generated_names_use_kubes_alphabet() {
        let name = generate_name("web-");
        assert_eq!(name.len(), 9);
        assert!(name.starts_with("web-"));
        assert!(
            name[4..]
                .bytes()
                .all(|byte| b"bcdfghjklmnpqrstvwxz2456789".contains(&byte))
        );
        assert_eq!(generate_name(&"x".repeat(100)).len(), 63);
    }

    #[test]
    fn timestamps_have_second_precision() {
        let now = now();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z'));
    }
}
