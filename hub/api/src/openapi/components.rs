//! The `components.schemas` of one group-version document.
//!
//! Built-in kinds come from `k8s-openapi` through a schemars generator set up for OpenAPI 3.0:
//! definitions land under `#/components/schemas/` with kube's names
//! (`io.k8s.api.apps.v1.Deployment`), and a `$ref` with sibling keywords (a field's own
//! `description`) becomes `{"description": …, "allOf": [{"$ref": …}]}`, the shape kube-apiserver
//! serves and `kubectl explain` walks. Lists, custom resources and kinds without a compiled-in
//! schema are written here in that same shape. Only what the document's operations reach is
//! included, so every `$ref` resolves inside the document.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::kinds;

/// Where schemas live, as a `$ref` prefix.
const SCHEMAS_REF_PREFIX: &str = "#/components/schemas/";

/// The extension naming the kinds a schema (or an operation) is about.
pub(super) const GVK_EXTENSION: &str = "x-kubernetes-group-version-kind";

/// A group, version and kind.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Gvk {
    pub(super) group: String,
    pub(super) version: String,
    pub(super) kind: String,
}

impl Gvk {
    pub(super) fn new(group: &str, version: &str, kind: &str) -> Self {
        Gvk {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        }
    }

    /// `{"group", "version", "kind"}`: exactly these three keys, because `kubectl explain`
    /// compares an operation's value with a schema's entries by deep equality.
    pub(super) fn to_value(&self) -> Value {
        json!({"group": self.group, "version": self.version, "kind": self.kind})
    }
}

/// The schemas of one document, as they are added by its operations.
pub(super) struct Components {
    generator: SchemaGenerator,
    /// Schemas written here rather than by the generator, already in their final shape.
    extra: Map<String, Value>,
    /// Kinds whose schema was given explicitly (custom resources), by schema name.
    defined: HashMap<Gvk, String>,
    /// The kinds to list in each schema's `x-kubernetes-group-version-kind`.
    tags: BTreeMap<String, BTreeSet<Gvk>>,
}

impl Components {
    pub(super) fn new() -> Self {
        let settings = SchemaSettings::openapi3().with(|settings| settings.meta_schema = None);
        Components {
            generator: settings.into_generator(),
            extra: Map::new(),
            defined: HashMap::new(),
            tags: BTreeMap::new(),
        }
    }

    /// Defines the kind `gvk` with `schema` (a custom resource's `openAPIV3Schema`, or `Null`
    /// for none), giving it the standard `apiVersion`, `kind` and `metadata` fields.
    pub(super) fn define_kind(&mut self, gvk: &Gvk, schema: &Value) {
        let mut schema = match schema {
            Value::Object(object) => object.clone(),
            _ => {
                let mut object = Map::new();
                object.insert("x-kubernetes-preserve-unknown-fields".into(), true.into());
                object
            }
        };
        schema.insert("type".into(), "object".into());
        let object_meta = self.reference_for::<ObjectMeta>();
        let properties = schema
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if !properties.is_object() {
            *properties = Value::Object(Map::new());
        }
        if let Value::Object(properties) = properties {
            properties.insert(
                "apiVersion".into(),
                json!({"description": API_VERSION_DESCRIPTION, "type": "string"}),
            );
            properties.insert(
                "kind".into(),
                json!({"description": KIND_DESCRIPTION, "type": "string"}),
            );
            properties.insert(
                "metadata".into(),
                with_description(object_meta, OBJECT_META_DESCRIPTION),
            );
        }
        let name = rest_friendly_name(gvk);
        self.extra.insert(name.clone(), Value::Object(schema));
        self.defined.insert(gvk.clone(), name);
    }

    /// A `$ref` to the schema of the kind `gvk`, which is then listed under that kind.
    ///
    /// The schema is, first match wins: one given to [`Components::define_kind`], the
    /// compiled-in one, or an open object with the standard fields.
    pub(super) fn kind(&mut self, gvk: &Gvk) -> Value {
        let name = if let Some(name) = self.defined.get(gvk) {
            name.clone()
        } else if let Some(name) = kinds::lookup(&gvk.group, &gvk.version, &gvk.kind)
            .and_then(|builtin| ref_name((builtin.subschema)(&mut self.generator).as_value()))
        {
            name
        } else {
            self.define_kind(gvk, &Value::Null);
            rest_friendly_name(gvk)
        };
        self.tags
            .entry(name.clone())
            .or_default()
            .insert(gvk.clone());
        reference(&name)
    }

    /// A `$ref` to the schema of the list kind `list_kind` of `item` (the kind's schema name
    /// with the list kind as its last segment, like `io.k8s.api.apps.v1.DeploymentList`).
    pub(super) fn list(&mut self, item: &Gvk, list_kind: &str) -> Value {
        let item_ref = self.kind(item);
        let item_name = ref_name(&item_ref).unwrap_or_default();
        let name = match item_name.rsplit_once('.') {
            Some((package, _)) => format!("{package}.{list_kind}"),
            None => list_kind.to_owned(),
        };
        if !self.extra.contains_key(&name) {
            let list_meta = self.reference_for::<ListMeta>();
            let kind = &item.kind;
            self.extra.insert(
                name.clone(),
                json!({
                    "description": format!("{list_kind} is a list of {kind} objects."),
                    "type": "object",
                    "properties": {
                        "apiVersion": {"description": API_VERSION_DESCRIPTION, "type": "string"},
                        "items": {
                            "description": format!("List of {kind} objects."),
                            "type": "array",
                            "items": item_ref,
                        },
                        "kind": {"description": KIND_DESCRIPTION, "type": "string"},
                        "metadata": with_description(list_meta, LIST_META_DESCRIPTION),
                    },
                    "required": ["items"],
                }),
            );
        }
        let list_gvk = Gvk::new(&item.group, &item.version, list_kind);
        self.tags.entry(name.clone()).or_default().insert(list_gvk);
        reference(&name)
    }

    /// A `$ref` to the schema of `T` (`Status`, `DeleteOptions`, `Patch`, ...).
    pub(super) fn reference_for<T: JsonSchema>(&mut self) -> Value {
        self.generator.subschema_for::<T>().to_value()
    }

    /// Every schema, with the generator's OpenAPI transforms applied and each kind's schema
    /// listing its kinds in `x-kubernetes-group-version-kind`.
    pub(super) fn finish(mut self) -> Map<String, Value> {
        let mut schemas = self.generator.take_definitions(true);
        schemas.append(&mut self.extra);
        for (name, gvks) in self.tags {
            if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
                schema.insert(
                    GVK_EXTENSION.into(),
                    gvks.iter().map(Gvk::to_value).collect(),
                );
            }
        }
        schemas
    }
}

/// `{"$ref": "#/components/schemas/<name>"}`.
fn reference(name: &str) -> Value {
    json!({ "$ref": format!("{SCHEMAS_REF_PREFIX}{}", escape_pointer(name)) })
}

/// The schema name a `{"$ref": …}` schema points at.
fn ref_name(schema: &Value) -> Option<String> {
    let name = schema
        .get("$ref")?
        .as_str()?
        .strip_prefix(SCHEMAS_REF_PREFIX)?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// `schema` (a `$ref`) as a field with its own description, in kube-apiserver's shape.
fn with_description(schema: Value, description: &str) -> Value {
    json!({"description": description, "allOf": [schema]})
}

/// kube-apiserver's name for a kind without a Go package: the group's DNS labels reversed, then
/// the version and the kind (`stable.example.com/v1 CronTab` is `com.example.stable.v1.CronTab`).
fn rest_friendly_name(gvk: &Gvk) -> String {
    let mut parts: Vec<&str> = gvk
        .group
        .split('.')
        .filter(|part| !part.is_empty())
        .rev()
        .collect();
    parts.push(&gvk.version);
    parts.push(&gvk.kind);
    parts.join(".")
}

const API_VERSION_DESCRIPTION: &str = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DESCRIPTION: &str = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const OBJECT_META_DESCRIPTION: &str = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_META_DESCRIPTION: &str = "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
