//! Go's printing of typed values, as kube-apiserver's field errors show them: `%q` of a string,
//! and `%#v` of the Go types behind JSON values (`map[string]string{"app":"web"}`,
//! `v1.LabelSelector{...}`, `intstr.IntOrString{...}`).

use serde_json::Value;

/// `strconv.Quote` (and `%q`, `%#v` of a string).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                let code = c as u32;
                if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `%#v` of a `map[string]string` (keys sorted, as fmt prints maps); `map[string]string(nil)`
/// when absent.
pub(crate) fn string_map(value: Option<&Value>) -> String {
    match value.and_then(Value::as_object) {
        None => "map[string]string(nil)".to_owned(),
        Some(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let entries: Vec<String> = keys
                .into_iter()
                .map(|key| {
                    format!(
                        "{}:{}",
                        quote(key),
                        quote(map[key].as_str().unwrap_or_default())
                    )
                })
                .collect();
            format!("map[string]string{{{}}}", entries.join(", "))
        }
    }
}

/// `%#v` of a `[]<type>` of strings; `[]<type>(nil)` when absent.
pub(crate) fn string_slice(type_name: &str, value: Option<&Value>) -> String {
    match value.and_then(Value::as_array) {
        None => format!("[]{type_name}(nil)"),
        Some(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| quote(item.as_str().unwrap_or_default()))
                .collect();
            format!("[]{type_name}{{{}}}", items.join(", "))
        }
    }
}

/// `%#v` of a `[]int32`.
pub(crate) fn int_slice(value: Option<&Value>) -> String {
    match value.and_then(Value::as_array) {
        None => "[]int32(nil)".to_owned(),
        Some(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| item.as_i64().unwrap_or_default().to_string())
                .collect();
            format!("[]int32{{{}}}", items.join(", "))
        }
    }
}

/// `%#v` of a `metav1.LabelSelector` (the dereferenced `*LabelSelector` kube passes).
pub(crate) fn label_selector(value: &Value) -> String {
    let expressions = match value.get("matchExpressions").and_then(Value::as_array) {
        None => "[]v1.LabelSelectorRequirement(nil)".to_owned(),
        Some(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| {
                    format!(
                        "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{}}}",
                        quote(str_field(item, "key")),
                        quote(str_field(item, "operator")),
                        string_slice("string", item.get("values"))
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{}}}",
        string_map(value.get("matchLabels")),
        expressions
    )
}

/// `%#v` of an `intstr.IntOrString` (Type 0 for an integer, 1 for a string).
pub(crate) fn int_or_string(value: &Value) -> String {
    match value {
        Value::String(s) => format!(
            "intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}",
            quote(s)
        ),
        other => format!(
            "intstr.IntOrString{{Type:0, IntVal:{}, StrVal:\"\"}}",
            other.as_i64().unwrap_or_default()
        ),
    }
}

/// A struct of type `type_name` printed Go-style from its JSON form: `type{Field:value, ...}`,
/// fields in JSON order, named by capitalising the JSON names. kube prints every field of the Go
/// struct (zero values included) and pointers as addresses, so this is a readable approximation
/// for large structs, not a byte-exact one.
pub(crate) fn go_struct(type_name: &str, value: &Value) -> String {
    let mut out = String::new();
    out.push_str(type_name);
    struct_body(value, &mut out);
    out
}

fn struct_body(value: &Value, out: &mut String) {
    out.push('{');
    if let Some(map) = value.as_object() {
        for (i, (key, field)) in map.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let mut chars = key.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
            out.push(':');
            go_value(field, out);
        }
    }
    out.push('}');
}

fn go_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("nil"),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&quote(s)),
        Value::Array(items) => {
            out.push_str("[]{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                go_value(item, out);
            }
            out.push('}');
        }
        Value::Object(_) => struct_body(value, out),
    }
}

fn str_field<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_like_go() {
        assert_eq!(quote("a\"b\n"), "\"a\\\"b\\n\"");
        assert_eq!(
            string_map(Some(&json!({"tier": "web", "app": "x"}))),
            "map[string]string{\"app\":\"x\", \"tier\":\"web\"}"
        );
        assert_eq!(string_map(None), "map[string]string(nil)");
        assert_eq!(
            string_slice("string", Some(&json!(["a", "b"]))),
            "[]string{\"a\", \"b\"}"
        );
        assert_eq!(int_slice(Some(&json!([3, 1]))), "[]int32{3, 1}");
        assert_eq!(
            label_selector(&json!({"matchLabels": {"app": "web2"}})),
            "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, \
             MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
        );
        assert_eq!(
            label_selector(
                &json!({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x"]}]})
            ),
            "v1.LabelSelector{MatchLabels:map[string]string(nil), \
             MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"a\", \
             Operator:\"In\", Values:[]string{\"x\"}}}}"
        );
        assert_eq!(
            int_or_string(&json!("abc")),
            "intstr.IntOrString{Type:1, IntVal:0, StrVal:\"abc\"}"
        );
        assert_eq!(
            int_or_string(&json!(-1)),
            "intstr.IntOrString{Type:0, IntVal:-1, StrVal:\"\"}"
        );
        assert_eq!(
            go_struct(
                "rbac.RoleRef",
                &json!({"apiGroup": "g", "kind": "Role", "name": "n"})
            ),
            "rbac.RoleRef{ApiGroup:\"g\", Kind:\"Role\", Name:\"n\"}"
        );
    }
}
