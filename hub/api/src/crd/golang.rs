//! Go's formatting of JSON values, as kube-apiserver's messages print them: `strconv.Quote`,
//! `%v` of a float64, `%#v` of decoded JSON (`map[string]interface {}{"a":1}`), and Go's
//! `encoding/json` rendering.

use serde_json::Value;

/// A JSON number as Go's unstructured decoding sees it: an `int64` when the literal is an
/// integer that fits, a `float64` otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    /// `int64`.
    Int(i64),
    /// `float64`.
    Float(f64),
}

impl Number {
    /// The number of a JSON value, if it is one.
    pub(crate) fn of(value: &Value) -> Option<Number> {
        let Value::Number(n) = value else {
            return None;
        };
        Some(match n.as_i64() {
            Some(i) => Number::Int(i),
            None => Number::Float(n.as_f64().unwrap_or(f64::NAN)),
        })
    }

    /// The value as a float64.
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// `strconv.Quote` (and `%q`): a double-quoted Go string literal.
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
                out.push_str(&format!("\\x{:02x}", c as u32))
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

/// `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest representation, in
/// exponent form when the decimal exponent is below -4 or at least 6 (`1e+06`).
pub(crate) fn float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        format!("{f}")
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// `%v` of a number as Go prints the decoded value (`int64` or `float64`).
pub(crate) fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => float(f),
    }
}

/// `%#v` of a decoded JSON value: `map[string]interface {}{"a":1}`, `[]interface {}{"x"}`,
/// `"s"`, `1`, `true`, `interface {}(nil)` (nested) .
pub(crate) fn sharp_v(value: &Value) -> String {
    let mut out = String::new();
    sharp_v_into(value, &mut out, true);
    out
}

fn sharp_v_into(value: &Value, out: &mut String, top: bool) {
    match value {
        Value::Null if top => out.push_str("<nil>"),
        Value::Null => out.push_str("interface {}(nil)"),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Number(_) => out.push_str(&Number::of(value).map(number).unwrap_or_default()),
        Value::String(s) => out.push_str(&quote(s)),
        Value::Array(items) => {
            out.push_str("[]interface {}{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                sharp_v_into(item, out, false);
            }
            out.push('}');
        }
        Value::Object(map) => {
            out.push_str("map[string]interface {}{");
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(key));
                out.push(':');
                sharp_v_into(&map[key], out, false);
            }
            out.push('}');
        }
    }
}

/// Go's `json.Marshal` of a decoded JSON value: sorted keys, HTML-safe escaping, Go's float
/// formatting.
pub(crate) fn json(value: &Value) -> String {
    let mut out = String::new();
    json_into(value, &mut out);
    out
}

fn json_into(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(key, out);
                out.push(':');
                json_into(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_into(item, out);
            }
            out.push(']');
        }
        Value::String(s) => json_string(s, out),
        Value::Number(_) => match Number::of(value) {
            Some(Number::Float(f)) => out.push_str(&json_float(f)),
            Some(Number::Int(i)) => out.push_str(&i.to_string()),
            None => {}
        },
        other => out.push_str(&other.to_string()),
    }
}

/// encoding/json's float64: `'f'` form unless the exponent is below -6 or at least 21.
fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let scientific = format!("{f:e}");
        let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        let exponent = match exponent.strip_prefix('-') {
            Some(negative) => format!("-{negative:0>2}"),
            None => format!("+{exponent:0>2}"),
        };
        format!("{mantissa}e{exponent}")
    } else {
        format!("{f}")
    }
}

fn json_string(s: &str, out: &mut String) {
    let quoted = Value::String(s.to_owned()).to_string();
    for c in quoted.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_like_strconv() {
        assert_eq!(quote("pink"), r#""pink""#);
        assert_eq!(quote("a\"b\\c\nd\te"), r#""a\"b\\c\nd\te""#);
        assert_eq!(quote("\u{1}"), r#""\x01""#);
        assert_eq!(quote("héllo"), "\"héllo\"");
    }

    #[test]
    fn floats_like_percent_v() {
        for (f, text) in [
            (1.5, "1.5"),
            (10.0, "10"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.25, "-2.25"),
        ] {
            assert_eq!(float(f), text, "{f}");
        }
    }

    #[test]
    fn sharp_v_prints_go_syntax() {
        assert_eq!(
            sharp_v(&json!({"name": "a", "port": 80, "x": [1.5, null, true]})),
            r#"map[string]interface {}{"name":"a", "port":80, "x":[]interface {}{1.5, interface {}(nil), true}}"#
        );
        assert_eq!(sharp_v(&json!([])), "[]interface {}{}");
        assert_eq!(sharp_v(&json!({})), "map[string]interface {}{}");
    }

    #[test]
    fn json_like_encoding_json() {
        assert_eq!(
            json(&json!({"b": 1, "a": "<x>"})),
            r#"{"a":"\u003cx\u003e","b":1}"#
        );
        assert_eq!(json(&json!(1e21)), "1e+21");
        assert_eq!(json(&json!(2.5)), "2.5");
    }

    #[test]
    fn numbers_keep_go_kinds() {
        assert_eq!(Number::of(&json!(3)), Some(Number::Int(3)));
        assert_eq!(Number::of(&json!(3.0)), Some(Number::Float(3.0)));
        assert_eq!(
            Number::of(&json!(u64::MAX)),
            Some(Number::Float(u64::MAX as f64))
        );
        assert_eq!(Number::of(&json!("3")), None);
    }
}
