//! [`Structural`]: a CRD version's `openAPIV3Schema`, parsed once, and what kube-apiserver does
//! with it to custom resources: validation (kube-openapi's value validator, embedded resources,
//! list types, CEL rules), pruning of unknown fields, and defaulting.

mod cel;
mod formats;
mod meta;
mod prune;
mod value;

use std::collections::BTreeMap;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use serde_json::Value;

use super::cause::{Cause, FieldPath};

pub(crate) use cel::{CompiledRule, compile_rule, rule_go_value};

/// A CRD version's schema, compiled for validating, pruning and defaulting custom resources.
/// Build it once per CRD version ([`Structural::new`]) and share it.
#[derive(Debug)]
pub struct Structural {
    root: Node,
}

/// Why a schema cannot be compiled. The CRD's own validation ([`super::validate_crd`]) reports
/// these as causes; a stored CRD that passed it always compiles.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The schema is not a `JSONSchemaProps`.
    #[error("invalid openAPIV3Schema: {0}")]
    Decode(String),
    /// A construct a structural schema cannot have (kube's `NewStructural` errors), e.g.
    /// `OpenAPIV3Schema 'items' must be a schema, but is an array`.
    #[error("{0}")]
    NotStructural(String),
    /// The CRD has no such version, or the version has no schema.
    #[error("no schema for version {0:?}")]
    NoSchema(String),
}

impl Structural {
    /// Compiles an `openAPIV3Schema` (JSON).
    pub fn new(open_api_v3_schema: &Value) -> Result<Structural, SchemaError> {
        let props: JSONSchemaProps = serde_json::from_value(open_api_v3_schema.clone())
            .map_err(|error| SchemaError::Decode(error.to_string()))?;
        Structural::from_props(&props)
    }

    /// Compiles the schema of `version` of a CustomResourceDefinition (JSON).
    pub fn for_version(crd: &Value, version: &str) -> Result<Structural, SchemaError> {
        let schema = crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|v| v.get("name").and_then(Value::as_str) == Some(version))
            .and_then(|v| v.pointer("/schema/openAPIV3Schema"))
            .ok_or_else(|| SchemaError::NoSchema(version.to_owned()))?;
        Structural::new(schema)
    }

    pub(crate) fn from_props(props: &JSONSchemaProps) -> Result<Structural, SchemaError> {
        Ok(Structural {
            root: Node::build(props).map_err(SchemaError::NotStructural)?,
        })
    }

    /// Validates a custom resource on create, as kube-apiserver does after decoding, pruning
    /// and defaulting: the OpenAPI value validation, embedded resources' `apiVersion`, `kind`
    /// and `metadata`, `x-kubernetes-list-type` uniqueness, then the `x-kubernetes-validations`
    /// rules. The root `metadata` is validated by the caller (name rules differ per resource).
    pub fn validate(&self, object: &Value) -> Vec<Cause> {
        self.validate_with(object, None)
    }

    /// Validates a custom resource on update: as [`Structural::validate`], with transition
    /// rules (`oldSelf`) evaluated against `old`, and validation ratcheting (errors in values
    /// left unchanged from `old` are not reported), as kube-apiserver v1.32 does.
    pub fn validate_update(&self, object: &Value, old: &Value) -> Vec<Cause> {
        self.validate_with(object, Some(old))
    }

    fn validate_with(&self, object: &Value, old: Option<&Value>) -> Vec<Cause> {
        let mut causes = value::validate(&self.root, object, old);
        causes.extend(meta::validate_embedded(&self.root, object));
        let list_errors = meta::validate_list_types(&self.root, object);
        let old_list_errors = old.map(|old| meta::validate_list_types(&self.root, old));
        if old_list_errors.is_none_or(|old| old.is_empty()) {
            causes.extend(list_errors);
        }
        if self.root.has_rules() {
            if causes.iter().any(|cause| cause.blocks_rules()) {
                causes.push(Cause::invalid(
                    "",
                    &Value::Null,
                    "some validation rules were not checked because the object was invalid; \
                     correct the existing errors to complete validation",
                ));
            } else {
                causes.extend(cel::validate(&self.root, object, old));
            }
        }
        causes
    }

    /// Removes the fields the schema does not know, except under
    /// `x-kubernetes-preserve-unknown-fields` and the `apiVersion`, `kind` and `metadata` of the
    /// object and of embedded resources; unknown fields of embedded resources' `metadata` are
    /// removed too. Returns the removed fields' paths, sorted (`spec.extra`, `spec.list[0].x`),
    /// for `fieldValidation` (`unknown field "spec.extra"`).
    pub fn prune(&self, object: &mut Value) -> Vec<String> {
        prune::prune(&self.root, object)
    }

    /// Applies the schema's `default` values (also inside array items and additionalProperties)
    /// after dropping nulls of non-nullable fields that have no default, as kube-apiserver does
    /// on every decode (requests and reads from storage).
    pub fn default(&self, object: &mut Value) {
        prune::default(&self.root, object);
    }

    /// The schema of the field at `path` (dotted, from the root: `.spec.replicas`), if the
    /// schema declares it.
    pub fn field_type(&self, path: &str) -> Option<&str> {
        let mut node = &self.root;
        for part in path.trim_start_matches('.').split('.') {
            node = node.properties.as_ref()?.get(part)?;
        }
        Some(node.type_.as_str())
    }
}

/// `additionalProperties`: a boolean or a schema.
#[derive(Debug)]
pub(crate) enum Additional {
    /// `true` or `false`.
    Allows(bool),
    /// A schema for every other property.
    Schema(Box<Node>),
}

/// One compiled schema node.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) type_: String,
    /// The format as validated: formats kube does not support are dropped.
    pub(crate) format: String,
    /// The format as written (CEL uses it to type strings).
    pub(crate) raw_format: String,
    pub(crate) nullable: bool,
    pub(crate) default: Option<Value>,
    pub(crate) maximum: Option<f64>,
    pub(crate) exclusive_maximum: bool,
    pub(crate) minimum: Option<f64>,
    pub(crate) exclusive_minimum: bool,
    pub(crate) max_length: Option<i64>,
    pub(crate) min_length: Option<i64>,
    pub(crate) pattern: Option<Pattern>,
    pub(crate) max_items: Option<i64>,
    pub(crate) min_items: Option<i64>,
    pub(crate) unique_items: bool,
    pub(crate) multiple_of: Option<f64>,
    pub(crate) enum_: Option<Vec<Value>>,
    pub(crate) max_properties: Option<i64>,
    pub(crate) min_properties: Option<i64>,
    pub(crate) required: Vec<String>,
    pub(crate) items: Option<Box<Node>>,
    pub(crate) properties: Option<BTreeMap<String, Node>>,
    pub(crate) additional: Option<Additional>,
    pub(crate) all_of: Vec<Node>,
    pub(crate) any_of: Vec<Node>,
    pub(crate) one_of: Vec<Node>,
    pub(crate) not: Option<Box<Node>>,
    pub(crate) preserve_unknown: bool,
    pub(crate) embedded: bool,
    pub(crate) int_or_string: bool,
    pub(crate) list_type: Option<String>,
    pub(crate) list_map_keys: Vec<String>,
    pub(crate) map_type: Option<String>,
    pub(crate) rules: Vec<CompiledRule>,
}

/// A compiled `pattern`; the compile error is kept, as kube-openapi reports it on use.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub(crate) source: String,
    pub(crate) regex: Result<regex::Regex, String>,
}

impl Node {
    /// Compiles a `JSONSchemaProps`, with kube's `NewStructural` restrictions.
    pub(crate) fn build(props: &JSONSchemaProps) -> Result<Node, String> {
        unsupported_fields(props)?;
        let type_ = props.type_.clone().unwrap_or_default();
        let raw_format = props.format.clone().unwrap_or_default();
        let items = match &props.items {
            None => None,
            Some(JSONSchemaPropsOrArray::Schema(item)) => Some(Box::new(Node::build(item)?)),
            Some(JSONSchemaPropsOrArray::Schemas(_)) => {
                return Err("OpenAPIV3Schema 'items' must be a schema, but is an array".to_owned());
            }
        };
        let properties = match &props.properties {
            None => None,
            Some(properties) => Some(
                properties
                    .iter()
                    .map(|(name, props)| Ok((name.clone(), Node::build(props)?)))
                    .collect::<Result<BTreeMap<_, _>, String>>()?,
            ),
        };
        let additional = match &props.additional_properties {
            None => None,
            Some(JSONSchemaPropsOrBool::Bool(allows)) => Some(Additional::Allows(*allows)),
            Some(JSONSchemaPropsOrBool::Schema(schema)) => {
                Some(Additional::Schema(Box::new(Node::build(schema)?)))
            }
        };
        let nested = |list: &Option<Vec<JSONSchemaProps>>| -> Result<Vec<Node>, String> {
            list.iter().flatten().map(Node::build).collect()
        };
        if props.x_kubernetes_preserve_unknown_fields == Some(false) {
            return Err(
                "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined"
                    .to_owned(),
            );
        }
        let rules = props
            .x_kubernetes_validations
            .iter()
            .flatten()
            .map(compile_rule)
            .collect();
        Ok(Node {
            format: supported_format(&type_, &raw_format),
            raw_format,
            nullable: props.nullable.unwrap_or(false),
            default: props.default.as_ref().map(|json| json.0.clone()),
            maximum: props.maximum,
            exclusive_maximum: props.exclusive_maximum.unwrap_or(false),
            minimum: props.minimum,
            exclusive_minimum: props.exclusive_minimum.unwrap_or(false),
            max_length: props.max_length,
            min_length: props.min_length,
            pattern: props
                .pattern
                .as_ref()
                .filter(|p| !p.is_empty())
                .map(|p| Pattern {
                    source: p.clone(),
                    regex: regex::Regex::new(p).map_err(|e| e.to_string()),
                }),
            max_items: props.max_items,
            min_items: props.min_items,
            unique_items: props.unique_items.unwrap_or(false),
            multiple_of: props.multiple_of,
            enum_: props
                .enum_
                .as_ref()
                .map(|values| values.iter().map(|json| json.0.clone()).collect()),
            max_properties: props.max_properties,
            min_properties: props.min_properties,
            required: props.required.clone().unwrap_or_default(),
            items,
            properties,
            additional,
            all_of: nested(&props.all_of)?,
            any_of: nested(&props.any_of)?,
            one_of: nested(&props.one_of)?,
            not: props
                .not
                .as_deref()
                .map(Node::build)
                .transpose()?
                .map(Box::new),
            preserve_unknown: props.x_kubernetes_preserve_unknown_fields == Some(true),
            embedded: props.x_kubernetes_embedded_resource.unwrap_or(false),
            int_or_string: props.x_kubernetes_int_or_string.unwrap_or(false),
            list_type: props.x_kubernetes_list_type.clone(),
            list_map_keys: props.x_kubernetes_list_map_keys.clone().unwrap_or_default(),
            map_type: props.x_kubernetes_map_type.clone(),
            rules,
            type_,
        })
    }

    /// The schema of property `name`, or of additionalProperties.
    pub(crate) fn field(&self, name: &str) -> Option<&Node> {
        if let Some(node) = self.properties.as_ref().and_then(|p| p.get(name)) {
            return Some(node);
        }
        match &self.additional {
            Some(Additional::Schema(node)) => Some(node),
            _ => None,
        }
    }

    /// The additionalProperties schema, if any.
    pub(crate) fn additional_schema(&self) -> Option<&Node> {
        match &self.additional {
            Some(Additional::Schema(node)) => Some(node),
            _ => None,
        }
    }

    /// Whether this node or one below has `x-kubernetes-validations`.
    pub(crate) fn has_rules(&self) -> bool {
        !self.rules.is_empty()
            || self.items.as_deref().is_some_and(Node::has_rules)
            || self
                .properties
                .iter()
                .flat_map(|p| p.values())
                .any(Node::has_rules)
            || self.additional_schema().is_some_and(Node::has_rules)
    }
}

impl Cause {
    /// Errors after which kube does not run CEL rules (`hasBlockingErr`).
    fn blocks_rules(&self) -> bool {
        use super::cause::Reason;
        matches!(
            self.reason,
            Reason::NotSupported
                | Reason::Required
                | Reason::TooLong
                | Reason::TooMany
                | Reason::TypeInvalid
        )
    }
}

/// kube's `validateUnsupportedFields`.
fn unsupported_fields(props: &JSONSchemaProps) -> Result<(), String> {
    let set = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    if set(&props.id) {
        return Err("OpenAPIV3Schema 'id' is not supported".to_owned());
    }
    if set(&props.schema) {
        return Err("OpenAPIV3Schema 'schema' is not supported".to_owned());
    }
    if set(&props.ref_path) {
        return Err("OpenAPIV3Schema '$ref' is not supported".to_owned());
    }
    if props
        .pattern_properties
        .as_ref()
        .is_some_and(|p| !p.is_empty())
    {
        return Err("OpenAPIV3Schema 'patternProperties' is not supported".to_owned());
    }
    if props.dependencies.as_ref().is_some_and(|d| !d.is_empty()) {
        return Err("OpenAPIV3Schema 'dependencies' is not supported".to_owned());
    }
    if props.additional_items.is_some() {
        return Err("OpenAPIV3Schema 'additionalItems' is not supported".to_owned());
    }
    if props.definitions.as_ref().is_some_and(|d| !d.is_empty()) {
        return Err("OpenAPIV3Schema 'definitions' is not supported".to_owned());
    }
    Ok(())
}

/// kube's `StripUnsupportedFormatsPostProcess` (v1.32): the formats it validates, others
/// dropped.
fn supported_format(type_: &str, format: &str) -> String {
    let keep = match type_ {
        "" | "string" => formats::is_supported(format),
        "integer" => matches!(format, "int32" | "int64"),
        "number" => matches!(format, "float" | "double"),
        _ => false,
    };
    if keep {
        format.to_owned()
    } else {
        String::new()
    }
}

/// The path kube-openapi gives a property `name` of the object at `path`.
pub(crate) fn property_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// `fldPath.Child(...)` of a kube-openapi error name (`.spec.x` or `spec.x`).
pub(crate) fn error_path(prefix: &FieldPath, name: &str) -> FieldPath {
    if name.is_empty() || name == "." {
        prefix.clone()
    } else {
        prefix.child(name.strip_prefix('.').unwrap_or(name))
    }
}

/// Validates `value` against `node` as kube validates a schema's `default`, reporting under
/// `prefix` (`...properties[x].default`).
pub(crate) fn validate_default_value(node: &Node, prefix: &FieldPath, value: &Value) -> Vec<Cause> {
    let causes = value::validate_at(node, prefix, value);
    if !causes.is_empty() || !node.has_rules() {
        return causes;
    }
    cel::validate_default(node, prefix, value)
}

/// Prunes `value` with `node` (not as a resource root) and says whether anything was removed.
pub(crate) fn default_is_pruned(node: &Node, value: &Value) -> bool {
    let mut copy = value.clone();
    prune::prune_value(node, &mut copy);
    copy == *value
}

#[cfg(test)]
mod tests;
