//! Field errors as apimachinery's `field.Error` renders them: a reason (`FieldValueInvalid`,
//! ...), a field path (`spec.versions[0].name`, `metadata.labels[app]`) and the body kube puts
//! in `details.causes[].message` (`Invalid value: "x": must be ...`).

use std::fmt;

use serde_json::Value;

use super::golang;

/// Why a field was rejected: apimachinery's `field.ErrorType`, which becomes a cause's
/// `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// `FieldValueRequired`: `Required value`.
    Required,
    /// `FieldValueInvalid`: `Invalid value: <value>`.
    Invalid,
    /// `FieldValueTypeInvalid`: a value of the wrong JSON type, also `Invalid value: <value>`.
    TypeInvalid,
    /// `FieldValueNotSupported`: `Unsupported value: <value>: supported values: ...`.
    NotSupported,
    /// `FieldValueForbidden`: `Forbidden`.
    Forbidden,
    /// `FieldValueDuplicate`: `Duplicate value: <value>`.
    Duplicate,
    /// `FieldValueTooLong`: `Too long`.
    TooLong,
    /// `FieldValueTooMany`: `Too many: <count>`.
    TooMany,
    /// `InternalError`: `Internal error`.
    Internal,
}

impl Reason {
    /// The cause reason kube puts in `details.causes[].reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Required => "FieldValueRequired",
            Reason::Invalid => "FieldValueInvalid",
            Reason::TypeInvalid => "FieldValueTypeInvalid",
            Reason::NotSupported => "FieldValueNotSupported",
            Reason::Forbidden => "FieldValueForbidden",
            Reason::Duplicate => "FieldValueDuplicate",
            Reason::TooLong => "FieldValueTooLong",
            Reason::TooMany => "FieldValueTooMany",
            Reason::Internal => "InternalError",
        }
    }

    /// How the body of a message of this reason starts (`ErrorType.String()`).
    fn title(self) -> &'static str {
        match self {
            Reason::Required => "Required value",
            Reason::Invalid | Reason::TypeInvalid => "Invalid value",
            Reason::NotSupported => "Unsupported value",
            Reason::Forbidden => "Forbidden",
            Reason::Duplicate => "Duplicate value",
            Reason::TooLong => "Too long",
            Reason::TooMany => "Too many",
            Reason::Internal => "Internal error",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rejected field: a `details.causes` entry of a 422 `Invalid` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// The reason, e.g. [`Reason::Invalid`] (`FieldValueInvalid`).
    pub reason: Reason,
    /// kube's body, e.g. `Invalid value: "string": spec.size in body must be of type integer:
    /// "string"` or `Required value`.
    pub message: String,
    /// The field path, e.g. `spec.size`; empty for the object itself.
    pub field: String,
}

impl fmt::Display for Cause {
    /// `field: message`, as kube joins them in the `Status` message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A bad value as `field.Error` prints it.
#[derive(Clone, Debug)]
pub(crate) enum Bad {
    /// A decoded JSON value (`"s"` quoted, numbers with `%v`, objects and arrays with `%#v`,
    /// null as `"null"`).
    Json(Value),
    /// Go text printed as is (a struct's `%#v`, a pointer's target).
    Raw(String),
    /// No value (`field.OmitValueType`, or a type that prints none).
    Omit,
}

impl Bad {
    /// A string value.
    pub(crate) fn str(s: &str) -> Bad {
        Bad::Json(Value::String(s.to_owned()))
    }

    fn render(&self) -> Option<String> {
        match self {
            Bad::Json(Value::Null) => Some("\"null\"".to_owned()),
            Bad::Json(Value::String(s)) => Some(golang::quote(s)),
            Bad::Json(value @ Value::Number(_)) => golang::Number::of(value).map(golang::number),
            Bad::Json(Value::Bool(b)) => Some(b.to_string()),
            Bad::Json(value) => Some(golang::sharp_v(value)),
            Bad::Raw(text) => Some(text.clone()),
            Bad::Omit => None,
        }
    }
}

impl From<&Value> for Bad {
    fn from(value: &Value) -> Self {
        Bad::Json(value.clone())
    }
}

impl Cause {
    /// A cause of `reason` at `field` for `value` with `detail`, rendered as `ErrorBody()`.
    pub(crate) fn new(reason: Reason, field: &str, value: Bad, detail: &str) -> Cause {
        let mut message = reason.title().to_owned();
        let shows_value = !matches!(
            reason,
            Reason::Required | Reason::Forbidden | Reason::TooLong | Reason::Internal
        );
        if shows_value && let Some(value) = value.render() {
            message.push_str(": ");
            message.push_str(&value);
        }
        if !detail.is_empty() {
            message.push_str(": ");
            message.push_str(detail);
        }
        Cause {
            reason,
            message,
            field: field.to_owned(),
        }
    }

    /// `field.Required`.
    pub(crate) fn required(field: &str, detail: &str) -> Cause {
        Cause::new(Reason::Required, field, Bad::Omit, detail)
    }

    /// `field.Invalid`.
    pub(crate) fn invalid(field: &str, value: impl Into<Bad>, detail: &str) -> Cause {
        Cause::new(Reason::Invalid, field, value.into(), detail)
    }

    /// `field.TypeInvalid`.
    pub(crate) fn type_invalid(field: &str, value: impl Into<Bad>, detail: &str) -> Cause {
        Cause::new(Reason::TypeInvalid, field, value.into(), detail)
    }

    /// `field.Forbidden`.
    pub(crate) fn forbidden(field: &str, detail: &str) -> Cause {
        Cause::new(Reason::Forbidden, field, Bad::Omit, detail)
    }

    /// `field.Duplicate`.
    pub(crate) fn duplicate(field: &str, value: impl Into<Bad>) -> Cause {
        Cause::new(Reason::Duplicate, field, value.into(), "")
    }

    /// `field.NotSupported`: `supported values: "a", "b"`.
    pub(crate) fn not_supported(field: &str, value: impl Into<Bad>, supported: &[&str]) -> Cause {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| golang::quote(s)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Cause::new(Reason::NotSupported, field, value.into(), &detail)
    }

    /// `field.TooLong` (v1.32): `Too long: may not be more than N bytes`.
    pub(crate) fn too_long(field: &str, max: i64) -> Cause {
        let detail = if max >= 0 {
            format!(
                "may not be more than {max} {}",
                if max == 1 { "byte" } else { "bytes" }
            )
        } else {
            "value is too long".to_owned()
        };
        Cause::new(Reason::TooLong, field, Bad::Omit, &detail)
    }

    /// `field.TooMany`: `Too many: 5: must have at most 3 items`.
    pub(crate) fn too_many(field: &str, actual: i64, max: i64) -> Cause {
        let detail = if max >= 0 {
            format!("must have at most {max} items")
        } else {
            "has too many items".to_owned()
        };
        let value = if actual >= 0 {
            Bad::Json(Value::from(actual))
        } else {
            Bad::Omit
        };
        Cause::new(Reason::TooMany, field, value, &detail)
    }
}

impl From<&str> for Bad {
    fn from(value: &str) -> Self {
        Bad::str(value)
    }
}

impl From<String> for Bad {
    fn from(value: String) -> Self {
        Bad::Json(Value::String(value))
    }
}

impl From<bool> for Bad {
    fn from(value: bool) -> Self {
        Bad::Json(Value::Bool(value))
    }
}

impl From<i64> for Bad {
    fn from(value: i64) -> Self {
        Bad::Json(Value::from(value))
    }
}

/// A field path as apimachinery's `field.Path` prints it: children joined by `.`, indexes and
/// map keys in brackets (`spec.versions[0]`, `properties[spec]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(String);

impl FieldPath {
    /// The root (prints as the empty string, like a nil `*field.Path`).
    pub(crate) fn root() -> FieldPath {
        FieldPath(String::new())
    }

    /// A path starting at `name`.
    pub(crate) fn new(name: &str) -> FieldPath {
        FieldPath(name.to_owned())
    }

    /// `Child(name)`.
    pub(crate) fn child(&self, name: &str) -> FieldPath {
        if self.0.is_empty() {
            FieldPath(name.to_owned())
        } else {
            FieldPath(format!("{}.{name}", self.0))
        }
    }

    /// `Index(i)`.
    pub(crate) fn index(&self, index: usize) -> FieldPath {
        FieldPath(format!("{}[{index}]", self.0))
    }

    /// `Key(key)`.
    pub(crate) fn key(&self, key: &str) -> FieldPath {
        FieldPath(format!("{}[{key}]", self.0))
    }

    /// The printed path.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_match_field_error_body() {
        let cases = [
            (
                Cause::required("spec.name", ""),
                "spec.name: Required value",
            ),
            (
                Cause::required("spec.group", "must be set"),
                "spec.group: Required value: must be set",
            ),
            (
                Cause::invalid("spec.replicas", &json!(12), "must be small"),
                "spec.replicas: Invalid value: 12: must be small",
            ),
            (
                Cause::invalid("spec.x", &json!(1.5), "d"),
                "spec.x: Invalid value: 1.5: d",
            ),
            (
                Cause::invalid("spec.x", &json!(null), "d"),
                "spec.x: Invalid value: \"null\": d",
            ),
            (
                Cause::invalid("spec.x", &json!({"a": [1]}), "d"),
                "spec.x: Invalid value: map[string]interface {}{\"a\":[]interface {}{1}}: d",
            ),
            (
                Cause::not_supported("spec.color", "pink", &["red", "blue"]),
                "spec.color: Unsupported value: \"pink\": supported values: \"red\", \"blue\"",
            ),
            (
                Cause::forbidden("spec.x", "nope"),
                "spec.x: Forbidden: nope",
            ),
            (
                Cause::duplicate("spec.tags[1]", "a"),
                "spec.tags[1]: Duplicate value: \"a\"",
            ),
            (
                Cause::too_long("spec.name", 5),
                "spec.name: Too long: may not be more than 5 bytes",
            ),
            (
                Cause::too_long("spec.name", 1),
                "spec.name: Too long: may not be more than 1 byte",
            ),
            (
                Cause::too_many("spec.list", 5, 3),
                "spec.list: Too many: 5: must have at most 3 items",
            ),
            (
                Cause::type_invalid("spec.size", "string", "bad"),
                "spec.size: Invalid value: \"string\": bad",
            ),
            (
                Cause::new(Reason::Internal, "x", Bad::Omit, "boom"),
                "x: Internal error: boom",
            ),
        ];
        for (cause, text) in cases {
            assert_eq!(cause.to_string(), text);
        }
        assert_eq!(
            Cause::type_invalid("a", "b", "c").reason.as_str(),
            "FieldValueTypeInvalid"
        );
        assert_eq!(Reason::TooMany.to_string(), "FieldValueTooMany");
    }

    #[test]
    fn paths_print_like_field_path() {
        let path = FieldPath::new("spec")
            .child("versions")
            .index(0)
            .child("schema")
            .child("openAPIV3Schema")
            .child("properties")
            .key("spec");
        assert_eq!(
            path.as_str(),
            "spec.versions[0].schema.openAPIV3Schema.properties[spec]"
        );
        assert_eq!(FieldPath::root().child("spec").as_str(), "spec");
        assert_eq!(FieldPath::root().as_str(), "");
    }
}
