//! Validation of a CRD's `openAPIV3Schema` (`validateCustomResourceDefinitionValidation` in
//! apiextensions' `validation.go`): the OpenAPI subset CRDs may use, structural-schema rules
//! (`schema/validation.go`, `schema/complete.go`), defaults that validate and are pruned, list
//! and map types, and `x-kubernetes-validations` that compile.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use serde_json::Value;

use super::cause::{Bad, Cause, FieldPath};
use super::schema::{self, Node, compile_rule};

/// The OpenAPI types a CRD schema may use (`openapiV3Types`, sorted as kube lists them).
const OPENAPI_TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];

/// Fields allowed at the root of a schema whose version has a status subresource.
const ALLOWED_AT_ROOT_WITH_STATUS: &str = "[Description Type Format Title Maximum \
     ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems \
     UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields \
     XValidations]";

/// Validates a `CustomResourceValidation` at `base` (`spec.validation` or
/// `spec.versions[i].schema`).
pub(crate) fn validate_validation(
    props: &JSONSchemaProps,
    base: &FieldPath,
    status_enabled: bool,
) -> Vec<Cause> {
    let mut errors = Vec::new();
    let path = base.child("openAPIV3Schema");
    if status_enabled {
        errors.extend(status_root_restrictions(props, base));
    }
    if props.nullable == Some(true) {
        errors.push(Cause::forbidden(
            base.child("openAPIV3Schema.nullable").as_str(),
            "nullable cannot be true at the root",
        ));
    }
    let mut init_errors = Vec::new();
    let mut compile_rules = false;
    match Node::build(props) {
        Err(error) => init_errors.push(Cause::invalid(path.as_str(), "", &error)),
        Ok(node) => {
            let structural = validate_structural(props, &path);
            if !structural.is_empty() {
                errors.extend(structural);
            } else {
                let defaults = validate_defaults(props, &node, &path);
                if defaults.is_empty() {
                    compile_rules = true;
                } else {
                    errors.extend(defaults);
                }
            }
        }
    }
    let (schema_errors, cel_errors) =
        openapi_schema(props, &path, &Ssv::root(), true, compile_rules);
    errors.extend(schema_errors);
    errors.extend(cel_errors);
    if errors.is_empty() {
        errors.extend(init_errors);
    }
    errors
}

/// With a status subresource, only some fields may be set at the root.
fn status_root_restrictions(props: &JSONSchemaProps, base: &FieldPath) -> Vec<Cause> {
    if let Some(type_) = &props.type_
        && type_ != "object"
    {
        return vec![Cause::invalid(
            base.child("openAPIV3Schema.type").as_str(),
            type_.as_str(),
            "only \"object\" is allowed as the type at the root of the schema if the status \
             subresource is enabled",
        )];
    }
    let disallowed = props.ref_path.is_some()
        || props.schema.is_some()
        || props.additional_items.is_some()
        || props.additional_properties.is_some()
        || props.all_of.is_some()
        || props.any_of.is_some()
        || props.default.is_some()
        || props.definitions.is_some()
        || props.dependencies.is_some()
        || props.enum_.is_some()
        || props.id.is_some()
        || props.max_properties.is_some()
        || props.min_properties.is_some()
        || props.not.is_some()
        || props.nullable == Some(true)
        || props.one_of.is_some()
        || props.pattern_properties.is_some()
        || props.x_kubernetes_embedded_resource == Some(true)
        || props.x_kubernetes_int_or_string == Some(true)
        || props.x_kubernetes_list_map_keys.is_some()
        || props.x_kubernetes_list_type.is_some()
        || props.x_kubernetes_map_type.is_some();
    if disallowed {
        vec![Cause::invalid(
            base.child("openAPIV3Schema").as_str(),
            Bad::Raw("apiextensions.JSONSchemaProps{...}".to_owned()),
            &format!(
                "only {ALLOWED_AT_ROOT_WITH_STATUS} fields are allowed at the root of the schema \
                 if the status subresource is enabled"
            ),
        )]
    } else {
        Vec::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Structural schema rules (ValidateStructural), reported sorted by their text.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Item,
    Field,
}

fn non_empty(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.is_empty())
}

fn schema_items(props: &JSONSchemaProps) -> Option<&JSONSchemaProps> {
    match &props.items {
        Some(JSONSchemaPropsOrArray::Schema(item)) => Some(item),
        _ => None,
    }
}

fn additional_schema(props: &JSONSchemaProps) -> Option<&JSONSchemaProps> {
    match &props.additional_properties {
        Some(JSONSchemaPropsOrBool::Schema(schema)) => Some(schema),
        _ => None,
    }
}

/// `ValidateStructural`: invariants and completeness, sorted by `Error()`.
pub(crate) fn validate_structural(props: &JSONSchemaProps, path: &FieldPath) -> Vec<Cause> {
    let mut errors = Vec::new();
    structural_invariants(props, Level::Root, path, &mut errors);
    completeness(props, path, &mut errors);
    errors.sort_by_key(|cause| cause.to_string());
    errors
}

fn structural_invariants(
    props: &JSONSchemaProps,
    level: Level,
    path: &FieldPath,
    out: &mut Vec<Cause>,
) {
    let type_ = props.type_.as_deref().unwrap_or_default();
    let embedded = props.x_kubernetes_embedded_resource == Some(true);
    let int_or_string = props.x_kubernetes_int_or_string == Some(true);
    let preserve = props.x_kubernetes_preserve_unknown_fields == Some(true);
    if type_ == "array" && props.items.is_none() {
        out.push(Cause::required(
            path.child("items").as_str(),
            "must be specified",
        ));
    }
    if let Some(item) = schema_items(props) {
        structural_invariants(item, Level::Item, &path.child("items"), out);
    }
    for (name, property) in props.properties.iter().flatten() {
        structural_invariants(
            property,
            Level::Field,
            &path.child("properties").key(name),
            out,
        );
    }
    if props.additional_properties.is_some() {
        if level == Level::Root {
            out.push(Cause::forbidden(
                path.child("additionalProperties").as_str(),
                "must not be used at the root",
            ));
        }
        if let Some(schema) = additional_schema(props) {
            structural_invariants(
                schema,
                Level::Field,
                &path.child("additionalProperties"),
                out,
            );
        }
    }
    if int_or_string && props.x_kubernetes_preserve_unknown_fields.is_some() && preserve {
        out.push(Cause::invalid(
            path.child("x-kubernetes-preserve-unknown-fields").as_str(),
            true,
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    if int_or_string && embedded {
        out.push(Cause::invalid(
            path.child("x-kubernetes-embedded-resource").as_str(),
            true,
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    let skip_any_of = is_int_or_string_any_of(props.any_of.as_deref());
    let skip_first_all_of_any_of = props
        .all_of
        .as_deref()
        .and_then(<[JSONSchemaProps]>::first)
        .is_some_and(|first| is_int_or_string_any_of(first.any_of.as_deref()));
    value_validation(props, skip_any_of, skip_first_all_of_any_of, path, out);

    let check_metadata = level == Level::Root || embedded;
    if embedded && type_ != "object" {
        if type_.is_empty() {
            out.push(Cause::required(
                path.child("type").as_str(),
                "must be object if x-kubernetes-embedded-resource is true",
            ));
        } else {
            out.push(Cause::invalid(
                path.child("type").as_str(),
                type_,
                "must be object if x-kubernetes-embedded-resource is true",
            ));
        }
    } else if type_.is_empty() && !int_or_string && !preserve {
        let detail = match level {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        out.push(Cause::required(path.child("type").as_str(), detail));
    }
    if embedded && props.additional_properties.is_some() {
        out.push(Cause::forbidden(
            path.child("additionalProperties").as_str(),
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if level == Level::Root && !type_.is_empty() && type_ != "object" {
        out.push(Cause::invalid(
            path.child("type").as_str(),
            type_,
            "must be object at the root",
        ));
    }
    if check_metadata {
        for name in ["kind", "apiVersion"] {
            if let Some(property) = props.properties.as_ref().and_then(|p| p.get(name)) {
                let property_type = property.type_.as_deref().unwrap_or_default();
                if property_type != "string" {
                    out.push(Cause::invalid(
                        path.child("properties").key(name).child("type").as_str(),
                        property_type,
                        "must be string",
                    ));
                }
            }
        }
    }
    if let Some(metadata) = props.properties.as_ref().and_then(|p| p.get("metadata")) {
        metadata_invariants(
            metadata,
            check_metadata,
            level,
            &path.child("properties").key("metadata"),
            out,
        );
    }
    if embedded && !preserve && props.properties.as_ref().is_none_or(|p| p.is_empty()) {
        out.push(Cause::required(
            path.child("properties").as_str(),
            "must not be empty if x-kubernetes-embedded-resource is true without \
             x-kubernetes-preserve-unknown-fields",
        ));
    }
}

fn metadata_invariants(
    props: &JSONSchemaProps,
    check_metadata: bool,
    level: Level,
    path: &FieldPath,
    out: &mut Vec<Cause>,
) {
    let type_ = props.type_.as_deref().unwrap_or_default();
    if check_metadata && type_ != "object" {
        out.push(Cause::invalid(
            path.child("type").as_str(),
            type_,
            "must be object",
        ));
    }
    if level != Level::Root {
        return;
    }
    let mut rest = props.clone();
    let names_only = rest.properties.as_ref().is_some_and(|p| {
        !p.is_empty() && p.len() <= 2 && p.keys().all(|k| k == "name" || k == "generateName")
    });
    if names_only {
        rest.properties = None;
    }
    if rest.properties.as_ref().is_some_and(|p| p.is_empty()) {
        rest.properties = None;
    }
    rest.type_ = None;
    rest.default = None;
    // Go's zero values are not "specified".
    for flag in [
        &mut rest.nullable,
        &mut rest.exclusive_maximum,
        &mut rest.exclusive_minimum,
        &mut rest.unique_items,
        &mut rest.x_kubernetes_embedded_resource,
        &mut rest.x_kubernetes_int_or_string,
    ] {
        if *flag == Some(false) {
            *flag = None;
        }
    }
    // What a structural schema keeps of the rest (not the docs-only externalDocs and example).
    rest.external_docs = None;
    rest.example = None;
    if serde_json::to_value(&rest).ok() != Some(Value::Object(Default::default())) {
        out.push(Cause::forbidden(
            path.as_str(),
            "must not specify anything other than name and generateName, but metadata is \
             implicitly specified",
        ));
    }
}

fn is_int_or_string_any_of(any_of: Option<&[JSONSchemaProps]>) -> bool {
    let Some([first, second]) = any_of else {
        return false;
    };
    let only_type = |p: &JSONSchemaProps, t: &str| {
        serde_json::to_value(p).ok() == Some(serde_json::json!({"type": t}))
    };
    only_type(first, "integer") && only_type(second, "string")
}

/// `validateValueValidation`: the junctors and the pattern.
fn value_validation(
    props: &JSONSchemaProps,
    skip_any_of: bool,
    skip_first_all_of_any_of: bool,
    path: &FieldPath,
    out: &mut Vec<Cause>,
) {
    if !skip_any_of {
        for (i, nested) in props.any_of.iter().flatten().enumerate() {
            nested_value_validation(nested, false, false, &path.child("anyOf").index(i), out);
        }
    }
    for (i, nested) in props.all_of.iter().flatten().enumerate() {
        let skip = skip_first_all_of_any_of && i == 0;
        nested_value_validation(nested, skip, false, &path.child("allOf").index(i), out);
    }
    for (i, nested) in props.one_of.iter().flatten().enumerate() {
        nested_value_validation(nested, false, false, &path.child("oneOf").index(i), out);
    }
    if let Some(not) = &props.not {
        nested_value_validation(not, false, false, &path.child("not"), out);
    }
    if let Some(pattern) = props.pattern.as_deref().filter(|p| !p.is_empty())
        && let Err(error) = regex::Regex::new(pattern)
    {
        out.push(Cause::invalid(
            path.child("pattern").as_str(),
            pattern,
            &format!("must be a valid regular expression, but isn't: {error}"),
        ));
    }
}

/// `validateNestedValueValidation`: what may not appear inside allOf/anyOf/oneOf/not.
fn nested_value_validation(
    props: &JSONSchemaProps,
    skip_any_of: bool,
    skip_all_of_any_of: bool,
    path: &FieldPath,
    out: &mut Vec<Cause>,
) {
    value_validation(props, skip_any_of, skip_all_of_any_of, path, out);
    if let Some(item) = schema_items(props) {
        nested_value_validation(item, false, false, &path.child("items"), out);
    }
    for (name, property) in props.properties.iter().flatten() {
        nested_value_validation(
            property,
            false,
            false,
            &path.child("properties").key(name),
            out,
        );
    }
    let forbid = |field: &str, detail: &str, out: &mut Vec<Cause>| {
        out.push(Cause::forbidden(path.child(field).as_str(), detail));
    };
    if non_empty(&props.type_) {
        forbid("type", "must be empty to be structural", out);
    }
    if props.additional_properties.is_some() {
        forbid(
            "additionalProperties",
            "must be undefined to be structural",
            out,
        );
    }
    if props.default.is_some() {
        forbid("default", "must be undefined to be structural", out);
    }
    if non_empty(&props.title) {
        forbid("title", "must be empty to be structural", out);
    }
    if non_empty(&props.description) {
        forbid("description", "must be empty to be structural", out);
    }
    if props.nullable == Some(true) {
        forbid("nullable", "must be false to be structural", out);
    }
    if props.x_kubernetes_preserve_unknown_fields == Some(true) {
        forbid(
            "x-kubernetes-preserve-unknown-fields",
            "must be false to be structural",
            out,
        );
    }
    if props.x_kubernetes_embedded_resource == Some(true) {
        forbid(
            "x-kubernetes-embedded-resource",
            "must be false to be structural",
            out,
        );
    }
    if props.x_kubernetes_int_or_string == Some(true) {
        forbid(
            "x-kubernetes-int-or-string",
            "must be false to be structural",
            out,
        );
    }
    if props
        .x_kubernetes_list_map_keys
        .as_ref()
        .is_some_and(|k| !k.is_empty())
    {
        forbid(
            "x-kubernetes-list-map-keys",
            "must be empty to be structural",
            out,
        );
    }
    if props.x_kubernetes_list_type.is_some() {
        forbid(
            "x-kubernetes-list-type",
            "must be undefined to be structural",
            out,
        );
    }
    if props.x_kubernetes_map_type.is_some() {
        forbid(
            "x-kubernetes-map-type",
            "must be undefined to be structural",
            out,
        );
    }
    if props
        .x_kubernetes_validations
        .as_ref()
        .is_some_and(|v| !v.is_empty())
    {
        forbid(
            "x-kubernetes-validations",
            "must be empty to be structural",
            out,
        );
    }
    if props
        .properties
        .as_ref()
        .is_some_and(|p| p.contains_key("metadata"))
    {
        out.push(Cause::forbidden(
            path.child("properties").key("metadata").as_str(),
            "must not be specified in a nested context",
        ));
    }
}

/// `validateStructuralCompleteness`: fields and items of the root's junctors must also be
/// specified in the structural part.
fn completeness(props: &JSONSchemaProps, path: &FieldPath, out: &mut Vec<Cause>) {
    value_completeness(props, Some(props), path, path, out);
}

fn value_completeness(
    value: &JSONSchemaProps,
    structural: Option<&JSONSchemaProps>,
    s_path: &FieldPath,
    v_path: &FieldPath,
    out: &mut Vec<Cause>,
) {
    if let Some(not) = &value.not {
        nested_completeness(not, structural, s_path, &v_path.child("not"), out);
    }
    for (name, list) in [
        ("allOf", &value.all_of),
        ("anyOf", &value.any_of),
        ("oneOf", &value.one_of),
    ] {
        for (i, nested) in list.iter().flatten().enumerate() {
            nested_completeness(
                nested,
                structural,
                s_path,
                &v_path.child(name).index(i),
                out,
            );
        }
    }
}

fn nested_completeness(
    value: &JSONSchemaProps,
    structural: Option<&JSONSchemaProps>,
    s_path: &FieldPath,
    v_path: &FieldPath,
    out: &mut Vec<Cause>,
) {
    let Some(structural) = structural else {
        out.push(Cause::required(
            s_path.as_str(),
            &format!("because it is defined in {v_path}"),
        ));
        return;
    };
    value_completeness(value, Some(structural), s_path, v_path, out);
    if let Some(item) = schema_items(value) {
        nested_completeness(
            item,
            schema_items(structural),
            &s_path.child("items"),
            &v_path.child("items"),
            out,
        );
    }
    for (name, property) in value.properties.iter().flatten() {
        let s_property = s_path.child("properties").key(name);
        let v_property = v_path.child("properties").key(name);
        match structural.properties.as_ref().and_then(|p| p.get(name)) {
            Some(s) => nested_completeness(property, Some(s), &s_property, &v_property, out),
            None => out.push(Cause::required(
                s_property.as_str(),
                &format!("because it is defined in {v_property}"),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Defaults: they must validate and be pruned (structuraldefaulting.ValidateDefaults).

fn validate_defaults(props: &JSONSchemaProps, node: &Node, path: &FieldPath) -> Vec<Cause> {
    let mut out = Vec::new();
    defaults_walk(props, node, path, true, false, &mut out);
    out
}

fn defaults_walk(
    props: &JSONSchemaProps,
    node: &Node,
    path: &FieldPath,
    resource_root: bool,
    inside_meta: bool,
    out: &mut Vec<Cause>,
) {
    let embedded = node.embedded || resource_root;
    let inside_meta = inside_meta && !node.embedded;
    if let Some(default) = &node.default {
        let default_path = path.child("default");
        if !inside_meta && !schema::default_is_pruned(node, default) {
            out.push(Cause::invalid(
                default_path.as_str(),
                default,
                "must not have unknown fields",
            ));
        }
        let errors = schema::validate_default_value(node, &default_path, default);
        out.extend(errors);
    }
    if let (Some(item_props), Some(item_node)) = (schema_items(props), node.items.as_deref()) {
        defaults_walk(
            item_props,
            item_node,
            &path.child("items"),
            false,
            inside_meta,
            out,
        );
    }
    for (name, property) in props.properties.iter().flatten() {
        let Some(property_node) = node.properties.as_ref().and_then(|p| p.get(name)) else {
            continue;
        };
        let meta = inside_meta
            || (embedded && matches!(name.as_str(), "metadata" | "apiVersion" | "kind"));
        defaults_walk(
            property,
            property_node,
            &path.child("properties").key(name),
            false,
            meta,
            out,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// ValidateCustomResourceDefinitionOpenAPISchema.

/// The state `specStandardValidatorV3` carries down the schema.
#[derive(Clone, Default)]
struct Ssv {
    allow_defaults: bool,
    disallow_reason: String,
    inside_meta: bool,
    forbid_old_self: Option<FieldPath>,
}

impl Ssv {
    fn root() -> Ssv {
        Ssv {
            allow_defaults: true,
            ..Ssv::default()
        }
    }

    fn forbidden_defaults(&self, reason: &str) -> Ssv {
        Ssv {
            allow_defaults: false,
            disallow_reason: reason.to_owned(),
            ..self.clone()
        }
    }

    fn forbid_old_self(&self, path: &FieldPath) -> Ssv {
        let mut clone = self.clone();
        if clone.forbid_old_self.is_none() {
            clone.forbid_old_self = Some(path.clone());
        }
        clone
    }

    fn validate(&self, props: &JSONSchemaProps, path: &FieldPath, out: &mut Vec<Cause>) {
        if let Some(type_) = props.type_.as_deref().filter(|t| !t.is_empty())
            && !OPENAPI_TYPES.contains(&type_)
        {
            out.push(Cause::not_supported(
                path.child("type").as_str(),
                type_,
                OPENAPI_TYPES,
            ));
        }
        if props.default.is_some() && !self.allow_defaults {
            let mut detail = "must not be set".to_owned();
            if !self.disallow_reason.is_empty() {
                detail.push(' ');
                detail.push_str(&self.disallow_reason);
            }
            out.push(Cause::forbidden(path.child("default").as_str(), &detail));
        }
        if non_empty(&props.id) {
            out.push(Cause::forbidden(
                path.child("id").as_str(),
                "id is not supported",
            ));
        }
        if props.additional_items.is_some() {
            out.push(Cause::forbidden(
                path.child("additionalItems").as_str(),
                "additionalItems is not supported",
            ));
        }
        if props
            .pattern_properties
            .as_ref()
            .is_some_and(|p| !p.is_empty())
        {
            out.push(Cause::forbidden(
                path.child("patternProperties").as_str(),
                "patternProperties is not supported",
            ));
        }
        if props.definitions.as_ref().is_some_and(|d| !d.is_empty()) {
            out.push(Cause::forbidden(
                path.child("definitions").as_str(),
                "definitions is not supported",
            ));
        }
        if props.dependencies.is_some() {
            out.push(Cause::forbidden(
                path.child("dependencies").as_str(),
                "dependencies is not supported",
            ));
        }
        if props.ref_path.is_some() {
            out.push(Cause::forbidden(
                path.child("$ref").as_str(),
                "$ref is not supported",
            ));
        }
        if props.type_.as_deref() == Some("null") {
            out.push(Cause::forbidden(
                path.child("type").as_str(),
                "type cannot be set to null, use nullable as an alternative",
            ));
        }
        if let Some(JSONSchemaPropsOrArray::Schemas(schemas)) = &props.items
            && !schemas.is_empty()
        {
            out.push(Cause::forbidden(
                path.child("items").as_str(),
                "items must be a schema object and not an array",
            ));
        }
        if self.inside_meta && props.x_kubernetes_embedded_resource == Some(true) {
            out.push(Cause::forbidden(
                path.child("x-kubernetes-embedded-resource").as_str(),
                "must not be used inside of resource meta",
            ));
        }
    }
}

/// Returns (schema errors, CEL errors).
fn openapi_schema(
    props: &JSONSchemaProps,
    path: &FieldPath,
    ssv: &Ssv,
    is_root: bool,
    compile_rules: bool,
) -> (Vec<Cause>, Vec<Cause>) {
    let mut schema_errors = Vec::new();
    let mut cel_errors = Vec::new();
    let mut merge = |(s, c): (Vec<Cause>, Vec<Cause>), schema_errors: &mut Vec<Cause>| {
        schema_errors.extend(s);
        cel_errors.extend(c);
    };
    ssv.validate(props, path, &mut schema_errors);
    if props.unique_items == Some(true) {
        schema_errors.push(Cause::forbidden(
            path.child("uniqueItems").as_str(),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    if let Some(additional) = &props.additional_properties {
        let has_properties = props.properties.as_ref().is_some_and(|p| !p.is_empty());
        let restricts = matches!(
            additional,
            JSONSchemaPropsOrBool::Bool(false) | JSONSchemaPropsOrBool::Schema(_)
        );
        if has_properties && restricts {
            schema_errors.push(Cause::forbidden(
                path.child("additionalProperties").as_str(),
                "additionalProperties and properties are mutual exclusive",
            ));
        }
        if let JSONSchemaPropsOrBool::Schema(schema) = additional {
            let sub = if ssv.inside_meta {
                ssv.forbidden_defaults("inside additionalProperties applying to object metadata")
            } else {
                ssv.clone()
            };
            merge(
                openapi_schema(
                    schema,
                    &path.child("additionalProperties"),
                    &sub,
                    false,
                    compile_rules,
                ),
                &mut schema_errors,
            );
        }
    }
    let embedded = props.x_kubernetes_embedded_resource == Some(true);
    for (name, property) in props.properties.iter().flatten() {
        let mut sub = ssv.clone();
        if props.x_kubernetes_map_type.as_deref() == Some("atomic") {
            sub = sub.forbid_old_self(path);
        }
        if (is_root || embedded) && matches!(name.as_str(), "metadata" | "kind" | "apiVersion") {
            sub.inside_meta = true;
            if is_root {
                sub = sub.forbidden_defaults(&format!("in top-level {name}"));
            }
        }
        merge(
            openapi_schema(
                property,
                &path.child("properties").key(name),
                &sub,
                false,
                compile_rules,
            ),
            &mut schema_errors,
        );
    }
    if let Some(not) = &props.not {
        merge(
            openapi_schema(not, &path.child("not"), ssv, false, false),
            &mut schema_errors,
        );
    }
    for (field, list) in [
        ("allOf", &props.all_of),
        ("oneOf", &props.one_of),
        ("anyOf", &props.any_of),
    ] {
        for (i, nested) in list.iter().flatten().enumerate() {
            merge(
                openapi_schema(nested, &path.child(field).index(i), ssv, false, false),
                &mut schema_errors,
            );
        }
    }
    for (name, definition) in props.definitions.iter().flatten() {
        merge(
            openapi_schema(
                definition,
                &path.child("definitions").key(name),
                ssv,
                false,
                false,
            ),
            &mut schema_errors,
        );
    }
    if let Some(items) = &props.items {
        let sub = if props.x_kubernetes_list_type.as_deref() != Some("map") {
            ssv.forbid_old_self(path)
        } else {
            ssv.clone()
        };
        match items {
            JSONSchemaPropsOrArray::Schema(item) => merge(
                openapi_schema(item, &path.child("items"), &sub, false, compile_rules),
                &mut schema_errors,
            ),
            JSONSchemaPropsOrArray::Schemas(schemas) => {
                for (i, item) in schemas.iter().enumerate() {
                    merge(
                        openapi_schema(
                            item,
                            &path.child("items").index(i),
                            &sub,
                            false,
                            compile_rules,
                        ),
                        &mut schema_errors,
                    );
                }
            }
        }
    }
    if props.x_kubernetes_preserve_unknown_fields == Some(false) {
        schema_errors.push(Cause::invalid(
            path.child("x-kubernetes-preserve-unknown-fields").as_str(),
            false,
            "must be true or undefined",
        ));
    }
    list_and_map_types(props, path, &mut schema_errors);
    if let Some(rules) = &props.x_kubernetes_validations
        && !rules.is_empty()
    {
        rule_checks(props, path, &mut schema_errors);
        if schema_errors.is_empty() && compile_rules {
            cel_errors.extend(compile_checks(props, path, ssv));
        }
    }
    (schema_errors, cel_errors)
}

fn list_and_map_types(props: &JSONSchemaProps, path: &FieldPath, out: &mut Vec<Cause>) {
    let type_ = props.type_.as_deref().unwrap_or_default();
    let list_type = props.x_kubernetes_list_type.as_deref();
    let map_type = props.x_kubernetes_map_type.as_deref();
    if map_type.is_some() && type_ != "object" {
        if type_.is_empty() {
            out.push(Cause::required(
                path.child("type").as_str(),
                "must be object if x-kubernetes-map-type is specified",
            ));
        } else {
            out.push(Cause::invalid(
                path.child("type").as_str(),
                type_,
                "must be object if x-kubernetes-map-type is specified",
            ));
        }
    }
    if let Some(map_type) = map_type
        && map_type != "atomic"
        && map_type != "granular"
    {
        out.push(Cause::not_supported(
            path.child("x-kubernetes-map-type").as_str(),
            map_type,
            &["atomic", "granular"],
        ));
    }
    let items = schema_items(props);
    if list_type.is_some() && type_ != "array" {
        if type_.is_empty() {
            out.push(Cause::required(
                path.child("type").as_str(),
                "must be array if x-kubernetes-list-type is specified",
            ));
        } else {
            out.push(Cause::invalid(
                path.child("type").as_str(),
                type_,
                "must be array if x-kubernetes-list-type is specified",
            ));
        }
    } else if list_type == Some("set")
        && let Some(item) = items
    {
        match item.type_.as_deref() {
            Some("array") => {
                if let Some(item_list) = item.x_kubernetes_list_type.as_deref()
                    && item_list != "atomic"
                {
                    out.push(Cause::invalid(
                        path.child("items").child("x-kubernetes-list-type").as_str(),
                        item_list,
                        "must be atomic as item of a list with x-kubernetes-list-type=set",
                    ));
                }
            }
            Some("object") if item.x_kubernetes_map_type.as_deref() != Some("atomic") => {
                // kube passes the item's list type as the value.
                let value = match &item.x_kubernetes_list_type {
                    Some(t) => Bad::str(t),
                    None => Bad::Json(Value::Null),
                };
                out.push(Cause::invalid(
                    path.child("items").child("x-kubernetes-map-type").as_str(),
                    value,
                    "must be atomic as item of a list with x-kubernetes-list-type=set",
                ));
            }
            _ => {}
        }
    }
    if let Some(list_type) = list_type
        && !matches!(list_type, "atomic" | "set" | "map")
    {
        out.push(Cause::not_supported(
            path.child("x-kubernetes-list-type").as_str(),
            list_type,
            &["atomic", "set", "map"],
        ));
    }
    let keys = props.x_kubernetes_list_map_keys.clone().unwrap_or_default();
    let keys_value = || {
        let quoted: Vec<String> = keys.iter().map(|k| crate::crd::golang::quote(k)).collect();
        Bad::Raw(format!("[]string{{{}}}", quoted.join(", ")))
    };
    if !keys.is_empty() {
        match list_type {
            None => out.push(Cause::required(
                path.child("x-kubernetes-list-type").as_str(),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
            Some("map") => {}
            Some(other) => out.push(Cause::invalid(
                path.child("x-kubernetes-list-type").as_str(),
                other,
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
        }
    }
    if list_type == Some("map") {
        if keys.is_empty() {
            out.push(Cause::required(
                path.child("x-kubernetes-list-map-keys").as_str(),
                "must not be empty if x-kubernetes-list-type is map",
            ));
        }
        match &props.items {
            None => out.push(Cause::required(
                path.child("items").as_str(),
                "must have a schema if x-kubernetes-list-type is map",
            )),
            Some(JSONSchemaPropsOrArray::Schemas(_)) => out.push(Cause::invalid(
                path.child("items").as_str(),
                Bad::Raw("&apiextensions.JSONSchemaPropsOrArray{...}".to_owned()),
                "must only have a single schema if x-kubernetes-list-type is map",
            )),
            Some(JSONSchemaPropsOrArray::Schema(item)) => {
                let item_type = item.type_.as_deref().unwrap_or_default();
                if item_type != "object" {
                    out.push(Cause::invalid(
                        path.child("items").child("type").as_str(),
                        item_type,
                        "must be object if parent array's x-kubernetes-list-type is map",
                    ));
                } else {
                    let mut seen = std::collections::HashSet::new();
                    for key in &keys {
                        match item.properties.as_ref().and_then(|p| p.get(key)) {
                            Some(property) => {
                                let property_type = property.type_.as_deref().unwrap_or_default();
                                if property_type == "array" || property_type == "object" {
                                    out.push(Cause::invalid(
                                        path.child("items").child("properties").key(key).child("type").as_str(),
                                        item_type,
                                        "must be a scalar type if parent array's x-kubernetes-list-type is map",
                                    ));
                                }
                            }
                            None => out.push(Cause::invalid(
                                path.child("x-kubernetes-list-map-keys").as_str(),
                                keys_value(),
                                "entries must all be names of item properties",
                            )),
                        }
                        if !seen.insert(key.clone()) {
                            out.push(Cause::invalid(
                                path.child("x-kubernetes-list-map-keys").as_str(),
                                keys_value(),
                                "must not contain duplicate entries",
                            ));
                        }
                    }
                }
            }
        }
    }
    // validateMapListKeysMapSet
    if let (Some(item), Some(list_type @ ("set" | "map"))) = (items, list_type) {
        if item.nullable == Some(true) {
            out.push(Cause::forbidden(
                path.child("items").child("nullable").as_str(),
                &format!("cannot be nullable when x-kubernetes-list-type is {list_type}"),
            ));
        }
        if list_type == "map" {
            let required = item.required.clone().unwrap_or_default();
            for key in &keys {
                let Some(property) = item.properties.as_ref().and_then(|p| p.get(key)) else {
                    continue;
                };
                let property_path = path.child("items").child("properties").key(key);
                if !required.contains(key) && property.default.is_none() {
                    out.push(Cause::required(
                        property_path.child("default").as_str(),
                        "this property is in x-kubernetes-list-map-keys, so it must have a default \
                         or be a required property",
                    ));
                }
                if property.nullable == Some(true) {
                    out.push(Cause::forbidden(
                        property_path.child("nullable").as_str(),
                        "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                    ));
                }
            }
        }
    }
}

/// The per-rule checks of `x-kubernetes-validations` that need no compiler.
fn rule_checks(props: &JSONSchemaProps, path: &FieldPath, out: &mut Vec<Cause>) {
    let node = Node::build(props).ok();
    for (i, rule) in props.x_kubernetes_validations.iter().flatten().enumerate() {
        let rule_path = path.child("x-kubernetes-validations").index(i);
        let trimmed_rule = rule.rule.trim();
        let message = rule.message.clone().unwrap_or_default();
        let trimmed_message = message.trim();
        let message_expression = rule.message_expression.clone().unwrap_or_default();
        let has_newlines = |s: &str| s.contains(['\n', '\r']);
        if trimmed_rule.is_empty() {
            out.push(Cause::required(
                rule_path.child("rule").as_str(),
                "rule is not specified",
            ));
        } else if !message.is_empty() && trimmed_message.is_empty() {
            out.push(Cause::invalid(
                rule_path.child("message").as_str(),
                message.as_str(),
                "message must be non-empty if specified",
            ));
        } else if has_newlines(trimmed_message) {
            out.push(Cause::invalid(
                rule_path.child("message").as_str(),
                message.as_str(),
                "message must not contain line breaks",
            ));
        } else if has_newlines(trimmed_rule) && trimmed_message.is_empty() {
            out.push(Cause::required(
                rule_path.child("message").as_str(),
                "message must be specified if rule contains line breaks",
            ));
        }
        if !message_expression.is_empty() && message_expression.trim().is_empty() {
            out.push(Cause::required(
                rule_path.child("messageExpression").as_str(),
                "messageExpression must be non-empty if specified",
            ));
        }
        const REASONS: &[&str] = &[
            "FieldValueDuplicate",
            "FieldValueForbidden",
            "FieldValueInvalid",
            "FieldValueRequired",
        ];
        if let Some(reason) = &rule.reason
            && !REASONS.contains(&reason.as_str())
        {
            out.push(Cause::not_supported(
                rule_path.child("reason").as_str(),
                reason.as_str(),
                REASONS,
            ));
        }
        let field_path = rule.field_path.clone().unwrap_or_default();
        if !field_path.is_empty() && field_path.trim().is_empty() {
            out.push(Cause::invalid(
                rule_path.child("fieldPath").as_str(),
                field_path.as_str(),
                "fieldPath must be non-empty if specified",
            ));
        }
        if field_path.contains('\n') {
            out.push(Cause::invalid(
                rule_path.child("fieldPath").as_str(),
                field_path.as_str(),
                "fieldPath must not contain line breaks",
            ));
        }
        if !field_path.is_empty()
            && let Some(node) = &node
            && !field_path_valid(node, &field_path)
        {
            out.push(Cause::invalid(
                rule_path.child("fieldPath").as_str(),
                field_path.as_str(),
                "fieldPath must be a valid path",
            ));
        }
    }
}

/// `ValidFieldPath`: `.a.b` or `['a']` through declared properties (or map keys).
fn field_path_valid(node: &Node, field_path: &str) -> bool {
    let mut node = node;
    let mut rest = field_path;
    while !rest.is_empty() {
        let name;
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            name = &after[..end];
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("['") {
            let Some(end) = after.find("']") else {
                return false;
            };
            name = &after[..end];
            rest = &after[end + 2..];
        } else {
            return false;
        }
        let next = if let Some(properties) = &node.properties {
            properties.get(name)
        } else {
            node.additional_schema()
        };
        match next {
            Some(next) => node = next,
            None => return false,
        }
    }
    true
}

/// Compiling the rules of one node (`cel.Compile`, without cel-go's type checker).
fn compile_checks(props: &JSONSchemaProps, path: &FieldPath, ssv: &Ssv) -> Vec<Cause> {
    let mut out = Vec::new();
    for (i, rule) in props.x_kubernetes_validations.iter().flatten().enumerate() {
        let rule_path = path.child("x-kubernetes-validations").index(i);
        let go_value = || Bad::Raw(schema::rule_go_value(rule));
        let compiled = compile_rule(rule);
        if let Err(error) = &compiled.program {
            out.push(Cause::invalid(
                rule_path.child("rule").as_str(),
                go_value(),
                error,
            ));
        }
        if let Some(Err(error)) = &compiled.message_program {
            out.push(Cause::invalid(
                rule_path.child("messageExpression").as_str(),
                go_value(),
                error,
            ));
        }
        if compiled.uses_old_self {
            if let Some(uncorrelatable) = &ssv.forbid_old_self {
                out.push(Cause::invalid(
                    rule_path.child("rule").as_str(),
                    rule.rule.as_str(),
                    &format!(
                        "oldSelf cannot be used on the uncorrelatable portion of the schema within \
                         {uncorrelatable}"
                    ),
                ));
            }
        } else if let Some(optional) = rule.optional_old_self {
            out.push(Cause::invalid(
                rule_path.child("optionalOldSelf").as_str(),
                optional,
                "may not be set if oldSelf is not used in rule",
            ));
        }
    }
    out
}
