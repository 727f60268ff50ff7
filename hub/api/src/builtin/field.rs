//! Field errors as apimachinery's `field.Error` renders them for built-in kinds: a [`Reason`], a
//! field path ([`Path`]) and the body kube puts in `details.causes[].message`, with bad values
//! printed as Go prints the typed value (`%q` for strings, `%v` for numbers, `%#v` for structs).

use std::fmt;

use super::gofmt;

/// Why a field was rejected: apimachinery's `field.ErrorType`, which becomes a cause's `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// `FieldValueNotFound`: `Not found: <value>`.
    NotFound,
    /// `FieldValueRequired`: `Required value`.
    Required,
    /// `FieldValueDuplicate`: `Duplicate value: <value>`.
    Duplicate,
    /// `FieldValueInvalid`: `Invalid value: <value>`.
    Invalid,
    /// `FieldValueNotSupported`: `Unsupported value: <value>: supported values: ...`.
    NotSupported,
    /// `FieldValueForbidden`: `Forbidden`.
    Forbidden,
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
            Reason::NotFound => "FieldValueNotFound",
            Reason::Required => "FieldValueRequired",
            Reason::Duplicate => "FieldValueDuplicate",
            Reason::Invalid => "FieldValueInvalid",
            Reason::NotSupported => "FieldValueNotSupported",
            Reason::Forbidden => "FieldValueForbidden",
            Reason::TooLong => "FieldValueTooLong",
            Reason::TooMany => "FieldValueTooMany",
            Reason::Internal => "InternalError",
        }
    }

    /// How a message of this reason starts (`ErrorType.String()`).
    fn title(self) -> &'static str {
        match self {
            Reason::NotFound => "Not found",
            Reason::Required => "Required value",
            Reason::Duplicate => "Duplicate value",
            Reason::Invalid => "Invalid value",
            Reason::NotSupported => "Unsupported value",
            Reason::Forbidden => "Forbidden",
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

/// One rejected field: a `details.causes` entry of a 422 `Invalid` answer. Mirrors
/// [`crate::crd::Cause`], with the extra [`Reason::NotFound`] that built-in validation uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// The reason, e.g. [`Reason::Invalid`] (`FieldValueInvalid`).
    pub reason: Reason,
    /// kube's body after the field path, e.g. `Invalid value: -1: must be greater than or equal
    /// to 0` or `Required value`.
    pub message: String,
    /// The field path, e.g. `spec.template.spec.containers[0].image`; empty for the object.
    pub field: String,
}

impl fmt::Display for Cause {
    /// `field: message`, as kube joins them in the `Status` message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// A bad value as `field.Error` prints it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Bad {
    /// A Go string (printed with `%q`).
    Str(String),
    /// A Go integer (printed with `%v`).
    Int(i64),
    /// A Go bool.
    Bool(bool),
    /// Text printed as is (a struct's `%#v`, a `Stringer`).
    Raw(String),
    /// A nil pointer or interface: printed `"null"`.
    Null,
    /// No value (`field.OmitValueType`).
    Omit,
}

impl Bad {
    fn render(&self) -> Option<String> {
        match self {
            Bad::Str(s) => Some(gofmt::quote(s)),
            Bad::Int(i) => Some(i.to_string()),
            Bad::Bool(b) => Some(b.to_string()),
            Bad::Raw(text) => Some(text.clone()),
            Bad::Null => Some("\"null\"".to_owned()),
            Bad::Omit => None,
        }
    }
}

impl From<&str> for Bad {
    fn from(value: &str) -> Self {
        Bad::Str(value.to_owned())
    }
}

impl From<String> for Bad {
    fn from(value: String) -> Self {
        Bad::Str(value)
    }
}

impl From<&String> for Bad {
    fn from(value: &String) -> Self {
        Bad::Str(value.clone())
    }
}

impl From<i64> for Bad {
    fn from(value: i64) -> Self {
        Bad::Int(value)
    }
}

impl From<bool> for Bad {
    fn from(value: bool) -> Self {
        Bad::Bool(value)
    }
}

/// A field path as apimachinery's `field.Path` prints it: children joined by `.`, indexes and
/// map keys in brackets (`spec.containers[0]`, `metadata.annotations[a/b]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    /// The root (prints as the empty string).
    pub(crate) fn root() -> Path {
        Path(String::new())
    }

    /// A path starting at `name` (which may itself contain dots, like `field.NewPath`'s
    /// arguments joined).
    pub(crate) fn new(name: &str) -> Path {
        Path(name.to_owned())
    }

    /// `Child(name)`.
    pub(crate) fn child(&self, name: &str) -> Path {
        if self.0.is_empty() {
            Path(name.to_owned())
        } else {
            Path(format!("{}.{name}", self.0))
        }
    }

    /// `Index(i)`.
    pub(crate) fn index(&self, index: usize) -> Path {
        Path(format!("{}[{index}]", self.0))
    }

    /// `Key(key)`.
    pub(crate) fn key(&self, key: &str) -> Path {
        Path(format!("{}[{key}]", self.0))
    }

    /// The printed path.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A cause of `reason` at `path` for `value` with `detail`, rendered as `ErrorBody()`.
pub(crate) fn cause(reason: Reason, path: &Path, value: Bad, detail: &str) -> Cause {
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
        field: path.as_str().to_owned(),
    }
}

/// `field.Required`.
pub(crate) fn required(path: &Path, detail: &str) -> Cause {
    cause(Reason::Required, path, Bad::Omit, detail)
}

/// `field.Invalid`.
pub(crate) fn invalid(path: &Path, value: impl Into<Bad>, detail: &str) -> Cause {
    cause(Reason::Invalid, path, value.into(), detail)
}

/// `field.Forbidden`.
pub(crate) fn forbidden(path: &Path, detail: &str) -> Cause {
    cause(Reason::Forbidden, path, Bad::Omit, detail)
}

/// `field.Duplicate`.
pub(crate) fn duplicate(path: &Path, value: impl Into<Bad>) -> Cause {
    cause(Reason::Duplicate, path, value.into(), "")
}

/// `field.NotFound`.
pub(crate) fn not_found(path: &Path, value: impl Into<Bad>) -> Cause {
    cause(Reason::NotFound, path, value.into(), "")
}

/// `field.NotSupported`: `supported values: "a", "b"`.
pub(crate) fn not_supported(path: &Path, value: impl Into<Bad>, supported: &[&str]) -> Cause {
    let detail = if supported.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = supported.iter().map(|s| gofmt::quote(s)).collect();
        format!("supported values: {}", quoted.join(", "))
    };
    cause(Reason::NotSupported, path, value.into(), &detail)
}

/// `field.TooLong`: `Too long: may not be more than N bytes`.
pub(crate) fn too_long(path: &Path, max: usize) -> Cause {
    let unit = if max == 1 { "byte" } else { "bytes" };
    cause(
        Reason::TooLong,
        path,
        Bad::Omit,
        &format!("may not be more than {max} {unit}"),
    )
}

/// `field.TooMany`: `Too many: 5: must have at most 3 items`.
pub(crate) fn too_many(path: &Path, actual: usize, max: usize) -> Cause {
    cause(
        Reason::TooMany,
        path,
        Bad::Int(actual as i64),
        &format!("must have at most {max} items"),
    )
}

/// The list of causes kube returns, built in validation order.
pub(crate) type Errors = Vec<Cause>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_match_field_error_body() {
        let path = Path::new("spec").child("replicas");
        let cases = [
            (
                invalid(&path, -1, "must be greater than or equal to 0"),
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            ),
            (required(&path, ""), "spec.replicas: Required value"),
            (
                not_supported(&path, "Sometimes", &["Always", "Never", "OnFailure"]),
                "spec.replicas: Unsupported value: \"Sometimes\": supported values: \"Always\", \
                 \"Never\", \"OnFailure\"",
            ),
            (
                duplicate(&path, "web"),
                "spec.replicas: Duplicate value: \"web\"",
            ),
            (
                not_found(&path, "data"),
                "spec.replicas: Not found: \"data\"",
            ),
            (forbidden(&path, "nope"), "spec.replicas: Forbidden: nope"),
            (
                too_long(&path, 262144),
                "spec.replicas: Too long: may not be more than 262144 bytes",
            ),
            (
                too_many(&path, 21, 20),
                "spec.replicas: Too many: 21: must have at most 20 items",
            ),
            (
                invalid(&path, Bad::Null, "x"),
                "spec.replicas: Invalid value: \"null\": x",
            ),
            (
                invalid(&path, Bad::Omit, "x"),
                "spec.replicas: Invalid value: x",
            ),
            (
                cause(Reason::Internal, &path, Bad::Omit, "boom"),
                "spec.replicas: Internal error: boom",
            ),
        ];
        for (cause, text) in cases {
            assert_eq!(cause.to_string(), text);
        }
        assert_eq!(Reason::NotFound.to_string(), "FieldValueNotFound");
        assert_eq!(
            Path::new("metadata")
                .child("annotations")
                .key("a/b")
                .index(2)
                .as_str(),
            "metadata.annotations[a/b][2]"
        );
        assert_eq!(Path::root().child("x").as_str(), "x");
    }
}
