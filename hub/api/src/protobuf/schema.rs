//! The wire schema of the Kubernetes protobuf messages: what each field number of each message
//! is, and how it appears in JSON. The data is generated (`schema/generated.rs`, by
//! `hub/api/protobuf/generate.py`); this module holds its types and the lookups.

mod generated;

use generated::{GROUPS, MESSAGES};

/// One protobuf message.
#[derive(Debug)]
pub(super) struct Message {
    /// Full proto name, `k8s.io.api.core.v1.ConfigMap`.
    pub(super) name: &'static str,
    /// How its JSON is made.
    pub(super) form: Form,
    /// Its fields, by increasing number.
    pub(super) fields: &'static [Field],
}

/// One field of a message.
#[derive(Debug)]
pub(super) struct Field {
    /// Field number.
    pub(super) number: u32,
    /// JSON property name (empty for an inline field).
    pub(super) json: &'static str,
    /// Type; for a map, the value's (keys are strings).
    pub(super) ty: Ty,
    /// Cardinality and what a zero value means.
    pub(super) shape: Shape,
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    /// `bool`.
    Bool,
    /// `int32`.
    Int32,
    /// `int64`.
    Int64,
    /// `double`.
    Double,
    /// `string`.
    Str,
    /// `bytes`: base64 in JSON.
    Bytes,
    /// A message, `MESSAGES[n]`.
    Msg(u16),
}

/// A field's cardinality, and whether a zero scalar is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// A Go non-pointer field tagged `omitempty`: Go writes it to the wire even when zero and
    /// leaves it out of JSON then.
    OmitZero,
    /// Shown whenever it is on the wire: a Go pointer, a field without `omitempty`, a message,
    /// or a field the generator had no Go facts for.
    Present,
    /// `repeated`; left out of JSON when empty.
    Repeated,
    /// `map<string, ty>`; left out of JSON when empty.
    Map,
    /// A message whose fields are the parent's in JSON (Go `json:",inline"`, like a Volume's
    /// VolumeSource).
    Inline,
}

/// How a message appears in JSON: most as an object of their fields; the others as their Go
/// type's `MarshalJSON` writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// An object of its fields.
    Object,
    /// `meta/v1.Time` {1: seconds, 2: nanos}: RFC 3339 at second precision, `null` when zero.
    Time,
    /// `meta/v1.MicroTime`: RFC 3339 with microseconds, `null` when zero.
    MicroTime,
    /// `meta/v1.Duration` {1: nanoseconds}: a Go duration string (`1h0m0s`).
    Duration,
    /// `intstr.IntOrString` {1: type, 2: intVal, 3: strVal}: a number or a string.
    IntOrString,
    /// `resource.Quantity` {1: string}: the string.
    Quantity,
    /// {1: raw bytes} holding JSON (`RawExtension`, `FieldsV1`, apiextensions `JSON`).
    RawJson,
    /// {1: repeated string} whose Go type is a slice (`ExtraValue`, `Verbs`): an array.
    StringList,
    /// apiextensions `JSONSchemaPropsOrArray` {1: schema, 2: schemas}.
    SchemaOrArray,
    /// apiextensions `JSONSchemaPropsOrBool` {1: allows, 2: schema}.
    SchemaOrBool,
    /// apiextensions `JSONSchemaPropsOrStringArray` {1: schema, 2: property}.
    SchemaOrStringArray,
}

/// Kinds of `meta.k8s.io/v1` that every group version also serves (`AddToGroupVersion`).
const META_KINDS: &[&str] = &[
    "CreateOptions",
    "DeleteOptions",
    "GetOptions",
    "ListOptions",
    "PatchOptions",
    "UpdateOptions",
    "Status",
];
const META_V1: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";
const OBJECT_META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const LIST_META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta";

/// The message `MESSAGES[index]`.
pub(super) fn message(index: u16) -> &'static Message {
    &MESSAGES[usize::from(index)]
}

/// Every message.
#[cfg(test)]
pub(super) fn all() -> &'static [Message] {
    &MESSAGES
}

/// The message named `name`.
pub(super) fn by_name(name: &str) -> Option<&'static Message> {
    MESSAGES
        .binary_search_by(|message| message.name.cmp(name))
        .ok()
        .map(|index| &MESSAGES[index])
}

/// The message of the kind `kind` in `group`/`version`: a message of the group version's
/// package with standard object or list metadata, or a `meta.k8s.io/v1` option kind.
pub(super) fn kind(group: &str, version: &str, kind: &str) -> Option<&'static Message> {
    let index = GROUPS
        .binary_search_by(|(name, _)| (*name).cmp(group))
        .ok()?;
    let package = GROUPS[index].1;
    by_name(&format!("{package}.{version}.{kind}"))
        .filter(|message| message.has_standard_metadata())
        .or_else(|| {
            META_KINDS
                .contains(&kind)
                .then(|| by_name(&format!("{META_V1}.{kind}")))
                .flatten()
        })
}

impl Message {
    /// Whether field 1 is `metadata`, an ObjectMeta or a ListMeta: what a kind has.
    fn has_standard_metadata(&self) -> bool {
        self.fields.first().is_some_and(|field| {
            field.number == 1
                && field.json == "metadata"
                && matches!(field.ty, Ty::Msg(n) if [OBJECT_META, LIST_META].contains(&message(n).name))
        })
    }

    /// The field numbered `number`.
    pub(super) fn field(&self, number: u32) -> Option<(usize, &'static Field)> {
        let index = self
            .fields
            .binary_search_by_key(&number, |field| field.number)
            .ok()?;
        Some((index, &self.fields[index]))
    }
}

/// A message, in the generated table.
const fn m(name: &'static str, form: Form, fields: &'static [Field]) -> Message {
    Message { name, form, fields }
}

/// A field, in the generated table.
const fn f(number: u32, json: &'static str, ty: Ty, shape: Shape) -> Field {
    Field {
        number,
        json,
        ty,
        shape,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_consistent() {
        for pair in MESSAGES.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} >= {}",
                pair[0].name,
                pair[1].name
            );
        }
        for pair in GROUPS.windows(2) {
            assert!(pair[0].0 < pair[1].0);
        }
        for message in &MESSAGES {
            for pair in message.fields.windows(2) {
                assert!(pair[0].number < pair[1].number, "{}", message.name);
            }
            for field in message.fields {
                if let Ty::Msg(n) = field.ty {
                    assert!(usize::from(n) < MESSAGES.len());
                }
                assert_eq!(field.json.is_empty(), field.shape == Shape::Inline);
            }
        }
    }

    #[test]
    fn kinds_resolve_by_group_version() {
        let name = |group, version, k| kind(group, version, k).map(|message| message.name);
        assert_eq!(
            name("", "v1", "ConfigMap"),
            Some("k8s.io.api.core.v1.ConfigMap")
        );
        assert_eq!(
            name("apps", "v1", "Deployment"),
            Some("k8s.io.api.apps.v1.Deployment")
        );
        assert_eq!(
            name("rbac.authorization.k8s.io", "v1", "ClusterRole"),
            Some("k8s.io.api.rbac.v1.ClusterRole")
        );
        assert_eq!(
            name("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            Some(
                "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"
            )
        );
        assert_eq!(
            name("apiregistration.k8s.io", "v1", "APIService"),
            Some("k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIService")
        );
        assert_eq!(
            name("policy", "v1", "Eviction"),
            Some("k8s.io.api.policy.v1.Eviction")
        );
        assert_eq!(
            name("apps", "v1", "DeleteOptions"),
            Some("k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions")
        );
        assert_eq!(
            name("meta.k8s.io", "v1", "DeleteOptions"),
            Some("k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions")
        );
        // Not kinds: a part of one, a kind of another group, an unknown group.
        assert_eq!(name("", "v1", "PodSpec"), None);
        assert_eq!(name("", "v1", "Deployment"), None);
        assert_eq!(name("example.com", "v1", "Widget"), None);
    }
}
