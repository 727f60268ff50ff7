//! The CustomResourceDefinition object itself: defaulting and validation as kube-apiserver v1.32
//! does them (`apis/apiextensions/v1/defaults.go`, `apis/apiextensions/validation`), stored
//! versions, and what the hub serves for one of its versions (registry entry, scale, printer
//! columns).
//!
//! kube validates the internal form of a v1 CRD, in which a schema (and subresources, printer
//! columns, selectable fields) that every version has identically is hoisted to the top level;
//! its messages then name `spec.validation.openAPIV3Schema...`, `spec.subresources...` and
//! `spec.additionalPrinterColumns[i]...`. This module reports the same paths.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionNames,
    CustomResourceDefinitionVersion, CustomResourceSubresources, JSONSchemaProps, SelectableField,
};
use serde_json::{Map, Value, json};

use super::cause::{Bad, Cause, FieldPath};
use super::golang;
use super::names::dns1035_label_errors;
use super::openapi::validate_validation;
use super::schema::Node;
use crate::registry::{ALL_VERBS, ResourceDef, SUBRESOURCE_VERBS, ScaleDef, SubresourceDef};
use crate::selectors::dns1123_subdomain_errors;
use crate::table::{PrinterColumn, crd_printer_columns, validate_json_path};

/// The annotation protected groups (`*.k8s.io`, `*.kubernetes.io`) must carry.
pub const API_APPROVED_ANNOTATION: &str = "api-approved.kubernetes.io";

/// Most selectable fields a version may declare.
const MAX_SELECTABLE_FIELDS: usize = 8;

/// Applies kube's v1 defaults: `names.singular` (the lower-cased kind), `names.listKind`
/// (`<Kind>List`), `conversion.strategy: None`, a conversion webhook service's port 443, and
/// `status.storedVersions` (the storage version) when empty.
pub fn default_crd(crd: &mut Value) {
    let Some(object) = crd.as_object_mut() else {
        return;
    };
    let spec = object
        .entry("spec")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(spec) = spec.as_object_mut() {
        if let Some(names) = spec.get_mut("names").and_then(Value::as_object_mut) {
            let kind = names
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if names
                .get("singular")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                names.insert("singular".to_owned(), Value::String(kind.to_lowercase()));
            }
            if names
                .get("listKind")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
                && !kind.is_empty()
            {
                names.insert("listKind".to_owned(), Value::String(format!("{kind}List")));
            }
        }
        match spec.get_mut("conversion") {
            Some(Value::Object(conversion)) => {
                if let Some(service) = conversion
                    .get_mut("webhook")
                    .and_then(|w| w.get_mut("clientConfig"))
                    .and_then(|c| c.get_mut("service"))
                    .and_then(Value::as_object_mut)
                {
                    service.entry("port").or_insert(json!(443));
                }
            }
            _ => {
                spec.insert("conversion".to_owned(), json!({"strategy": "None"}));
            }
        }
    }
    let stored_empty = crd
        .pointer("/status/storedVersions")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if stored_empty && let Some(storage) = storage_version(crd) {
        set_stored_versions(crd, vec![Value::String(storage)]);
    }
}

/// The version marked `storage: true`, if there is one.
pub fn storage_version(crd: &Value) -> Option<String> {
    versions(crd)
        .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .and_then(|v| v.get("name").and_then(Value::as_str))
        .map(str::to_owned)
}

/// The names of the versions with `served: true`, in order.
pub fn served_versions(crd: &Value) -> Vec<String> {
    versions(crd)
        .filter(|v| v.get("served").and_then(Value::as_bool) == Some(true))
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// Adds the current storage version to `status.storedVersions` if it is not there, as kube's
/// CRD strategy does on create and update (the status is otherwise the controller's).
pub fn record_storage_version(crd: &mut Value) {
    let Some(storage) = storage_version(crd) else {
        return;
    };
    let mut stored: Vec<Value> = crd
        .pointer("/status/storedVersions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !stored.iter().any(|v| v.as_str() == Some(storage.as_str())) {
        stored.push(Value::String(storage));
        set_stored_versions(crd, stored);
    }
}

fn set_stored_versions(crd: &mut Value, stored: Vec<Value>) {
    if let Some(object) = crd.as_object_mut() {
        let status = object
            .entry("status")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(status) = status.as_object_mut() {
            status.insert("storedVersions".to_owned(), Value::Array(stored));
        }
    }
}

fn versions(crd: &Value) -> impl Iterator<Item = &Value> {
    crd.pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn version<'a>(crd: &'a Value, name: &str) -> Option<&'a Value> {
    versions(crd).find(|v| v.get("name").and_then(Value::as_str) == Some(name))
}

/// The printer columns of `version` (kube's default `Age` column when it declares none).
pub fn printer_columns(crd: &Value, version: &str) -> Vec<PrinterColumn> {
    crd_printer_columns(crd, version)
}

/// Where the scale subresource of `version` reads and writes replicas, if it has one.
pub fn scale_def(crd: &Value, version_name: &str) -> Option<ScaleDef> {
    let scale = version(crd, version_name)?.pointer("/subresources/scale")?;
    let text = |key: &str| scale.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(ScaleDef {
        spec_replicas: text("specReplicasPath")?,
        status_replicas: text("statusReplicasPath")?,
        label_selector: text("labelSelectorPath").filter(|p| !p.is_empty()),
    })
}

/// The registry entry of `version` of a CRD: its names (the accepted names when the status has
/// them, else the spec's), scope, every verb, `status` and `scale` subresources, storage under
/// `/registry/<group>/<plural>/`, and `metadata.generation` kept.
pub fn resource_def(crd: &Value, version_name: &str) -> ResourceDef {
    let group = crd
        .pointer("/spec/group")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let names = crd
        .pointer("/status/acceptedNames")
        .filter(|n| {
            n.get("plural")
                .and_then(Value::as_str)
                .is_some_and(|p| !p.is_empty())
        })
        .or_else(|| crd.pointer("/spec/names"))
        .cloned()
        .unwrap_or(Value::Null);
    let text = |key: &str| {
        names
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let list = |key: &str| -> Vec<String> {
        names
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let kind = text("kind");
    let plural = text("plural");
    let singular = match text("singular") {
        s if s.is_empty() => kind.to_lowercase(),
        s => s,
    };
    let list_kind = match text("listKind") {
        s if s.is_empty() => format!("{kind}List"),
        s => s,
    };
    let subresources = version(crd, version_name).and_then(|v| v.get("subresources"));
    let mut subresource_defs = Vec::new();
    let verbs = |list: &[&str]| list.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    if subresources
        .and_then(|s| s.get("status"))
        .is_some_and(|s| !s.is_null())
    {
        subresource_defs.push(SubresourceDef {
            name: "status".to_owned(),
            group: group.clone(),
            version: version_name.to_owned(),
            kind: kind.clone(),
            verbs: verbs(SUBRESOURCE_VERBS),
        });
    }
    let scale = scale_def(crd, version_name);
    if scale.is_some() {
        subresource_defs.push(SubresourceDef {
            name: "scale".to_owned(),
            group: "autoscaling".to_owned(),
            version: "v1".to_owned(),
            kind: "Scale".to_owned(),
            verbs: verbs(SUBRESOURCE_VERBS),
        });
    }
    ResourceDef {
        storage_group: group.clone(),
        storage_resource: plural.clone(),
        group,
        version: version_name.to_owned(),
        resource: plural,
        singular,
        kind,
        list_kind,
        namespaced: crd.pointer("/spec/scope").and_then(Value::as_str) == Some("Namespaced"),
        short_names: list("shortNames"),
        categories: list("categories"),
        verbs: verbs(ALL_VERBS),
        subresources: subresource_defs,
        generation: true,
        scale,
    }
}

/// Validates a CustomResourceDefinition (JSON) for create, as kube-apiserver does after
/// defaulting ([`default_crd`]): names, group, versions, schemas (structural, defaults,
/// list/map types, CEL rules), subresources, printer columns, selectable fields, conversion,
/// stored versions, API approval. Generic ObjectMeta rules are the caller's; only the CRD's
/// own rule on `metadata.name` (`<plural>.<group>`) is checked here. Conversion webhooks are
/// refused: the hub has none.
pub fn validate_crd(crd: &Value) -> Vec<Cause> {
    validate(crd, None)
}

/// Validates an update of a CustomResourceDefinition: as [`validate_crd`], plus immutability
/// (`spec.group`, `spec.names.plural`; `spec.scope` and `spec.names.kind` once `old` is
/// Established), with API approval checked only when its state changes and schemas required
/// only if `old` had them all.
pub fn validate_crd_update(crd: &Value, old: &Value) -> Vec<Cause> {
    validate(crd, Some(old))
}

fn decode(crd: &Value) -> Result<CustomResourceDefinition, Cause> {
    let mut filled = crd.clone();
    fill_required(&mut filled);
    serde_json::from_value(filled).map_err(|error| Cause::invalid("", "", &error.to_string()))
}

/// Zero values for the fields k8s-openapi requires, as Go decodes missing fields.
fn fill_required(crd: &mut Value) {
    let ensure = |map: &mut Map<String, Value>, key: &str, zero: Value| {
        if map.get(key).is_none_or(Value::is_null) {
            map.insert(key.to_owned(), zero);
        }
    };
    let Some(object) = crd.as_object_mut() else {
        return;
    };
    ensure(object, "spec", json!({}));
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    ensure(spec, "group", json!(""));
    ensure(spec, "scope", json!(""));
    ensure(spec, "names", json!({}));
    ensure(spec, "versions", json!([]));
    if let Some(names) = spec.get_mut("names").and_then(Value::as_object_mut) {
        ensure(names, "kind", json!(""));
        ensure(names, "plural", json!(""));
    }
    for version in spec
        .get_mut("versions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let Some(version) = version.as_object_mut() else {
            continue;
        };
        ensure(version, "name", json!(""));
        ensure(version, "served", json!(false));
        ensure(version, "storage", json!(false));
        for column in version
            .get_mut("additionalPrinterColumns")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            ensure(column, "name", json!(""));
            ensure(column, "type", json!(""));
            ensure(column, "jsonPath", json!(""));
        }
        if let Some(scale) = version
            .get_mut("subresources")
            .and_then(|s| s.get_mut("scale"))
            .and_then(Value::as_object_mut)
        {
            ensure(scale, "specReplicasPath", json!(""));
            ensure(scale, "statusReplicasPath", json!(""));
        }
        for field in version
            .get_mut("selectableFields")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            ensure(field, "jsonPath", json!(""));
        }
    }
}

/// The internal (hoisted) view kube validates.
struct Internal<'a> {
    versions: &'a [CustomResourceDefinitionVersion],
    /// The schema every version has identically, hoisted to `spec.validation`.
    validation: Option<Option<&'a JSONSchemaProps>>,
    subresources: Option<Option<&'a CustomResourceSubresources>>,
    columns: Option<&'a [CustomResourceColumnDefinition]>,
    selectable_fields: Option<&'a [SelectableField]>,
}

impl<'a> Internal<'a> {
    fn new(versions: &'a [CustomResourceDefinitionVersion]) -> Internal<'a> {
        let identical = |f: &dyn Fn(&CustomResourceDefinitionVersion) -> Value| {
            let first = versions.first().map(f);
            first.is_some() && versions.iter().all(|v| Some(f(v)) == first)
        };
        let empty_as_null = |v: Value| match &v {
            Value::Array(a) if a.is_empty() => Value::Null,
            _ => v,
        };
        let validation =
            identical(&|v| serde_json::to_value(&v.schema).unwrap_or_default()).then(|| {
                versions[0]
                    .schema
                    .as_ref()
                    .and_then(|s| s.open_api_v3_schema.as_ref())
            });
        let subresources =
            identical(&|v| serde_json::to_value(&v.subresources).unwrap_or_default())
                .then(|| versions[0].subresources.as_ref());
        let columns = identical(&|v| {
            empty_as_null(serde_json::to_value(&v.additional_printer_columns).unwrap_or_default())
        })
        .then(|| {
            versions[0]
                .additional_printer_columns
                .as_deref()
                .unwrap_or(&[])
        });
        let selectable_fields = identical(&|v| {
            empty_as_null(serde_json::to_value(&v.selectable_fields).unwrap_or_default())
        })
        .then(|| versions[0].selectable_fields.as_deref().unwrap_or(&[]));
        Internal {
            versions,
            validation,
            subresources,
            columns,
            selectable_fields,
        }
    }

    /// The subresources that apply to a version (`getSubresourcesForVersion`).
    fn subresources_for(
        &self,
        version: &'a CustomResourceDefinitionVersion,
    ) -> Option<&'a CustomResourceSubresources> {
        match self.subresources {
            Some(top) => top,
            None => version.subresources.as_ref(),
        }
    }

    fn any_status(&self) -> bool {
        self.versions
            .iter()
            .any(|v| self.subresources_for(v).is_some_and(|s| s.status.is_some()))
    }
}

fn validate(value: &Value, old: Option<&Value>) -> Vec<Cause> {
    let crd = match decode(value) {
        Ok(crd) => crd,
        Err(cause) => return vec![cause],
    };
    let old_crd = old.and_then(|old| decode(old).ok());
    let mut out = Vec::new();
    let spec = &crd.spec;
    let name = crd.metadata.name.as_deref().unwrap_or_default();
    if !name.is_empty() && name != format!("{}.{}", spec.names.plural, spec.group) {
        out.push(Cause::invalid(
            "metadata.name",
            name,
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    let internal = Internal::new(&spec.versions);
    let spec_path = FieldPath::new("spec");
    let preserve_unknown = spec.preserve_unknown_fields == Some(true);

    // group
    if spec.group.is_empty() {
        out.push(Cause::required("spec.group", ""));
    } else {
        let errors = dns1123_subdomain_errors(&spec.group);
        if !errors.is_empty() {
            out.push(Cause::invalid(
                "spec.group",
                spec.group.as_str(),
                &errors.join(","),
            ));
        } else if spec.group.split('.').count() < 2 {
            out.push(Cause::invalid(
                "spec.group",
                spec.group.as_str(),
                "should be a domain with at least one dot",
            ));
        }
    }
    // scope
    match spec.scope.as_str() {
        "" => out.push(Cause::required("spec.scope", "")),
        "Cluster" | "Namespaced" => {}
        other => out.push(Cause::not_supported(
            "spec.scope",
            other,
            &["Cluster", "Namespaced"],
        )),
    }
    // schemas required
    let require_schema = old_crd.as_ref().is_none_or(|old| {
        old.spec.versions.iter().all(|v| {
            v.schema
                .as_ref()
                .is_some_and(|s| s.open_api_v3_schema.is_some())
        })
    });
    let hoisted_schema = internal.validation.flatten();
    if hoisted_schema.is_none() {
        for (i, version) in spec.versions.iter().enumerate() {
            let has = version
                .schema
                .as_ref()
                .is_some_and(|s| s.open_api_v3_schema.is_some());
            if !has && (require_schema || (!preserve_unknown && version.served)) {
                let detail = if require_schema {
                    "schemas are required"
                } else {
                    "because otherwise all fields are pruned"
                };
                out.push(Cause::required(
                    spec_path
                        .child("versions")
                        .index(i)
                        .child("schema")
                        .child("openAPIV3Schema")
                        .as_str(),
                    detail,
                ));
            }
        }
    }
    if has_defaults(
        spec.versions
            .iter()
            .filter_map(|v| v.schema.as_ref()?.open_api_v3_schema.as_ref()),
    ) && preserve_unknown
    {
        out.push(Cause::invalid(
            "spec.preserveUnknownFields",
            true,
            "must be false in order to use defaults in the schema",
        ));
    }
    // versions
    let mut storage = 0;
    let mut seen = std::collections::HashSet::new();
    let mut unique = true;
    for (i, version) in spec.versions.iter().enumerate() {
        let path = spec_path.child("versions").index(i);
        if version.storage {
            storage += 1;
        }
        if !seen.insert(version.name.as_str()) {
            unique = false;
        }
        let errors = dns1035_label_errors(&version.name);
        if !errors.is_empty() {
            out.push(Cause::invalid(
                path.child("name").as_str(),
                version.name.as_str(),
                &errors.join(","),
            ));
        }
        out.extend(validate_version(version, &path, &internal));
    }
    let versions_value = || Bad::Raw(go_versions(&spec.versions, &internal));
    if !unique {
        out.push(Cause::invalid(
            "spec.versions",
            versions_value(),
            "must contain unique version names",
        ));
    }
    if storage != 1 {
        out.push(Cause::invalid(
            "spec.versions",
            versions_value(),
            "must have exactly one version marked as storage version",
        ));
    }
    if let Some(first) = spec.versions.first() {
        let errors = dns1035_label_errors(&first.name);
        if !errors.is_empty() {
            out.push(Cause::invalid(
                "spec.version",
                first.name.as_str(),
                &errors.join(","),
            ));
        }
    }
    // names
    let names = &spec.names;
    for (field, value) in [
        ("plural", Some(names.plural.as_str())),
        ("singular", names.singular.as_deref()),
        ("kind", Some(names.kind.as_str())),
        ("listKind", names.list_kind.as_deref()),
    ] {
        if value.is_none_or(str::is_empty) {
            out.push(Cause::required(&format!("spec.names.{field}"), ""));
        }
    }
    out.extend(validate_names(names, &spec_path.child("names")));
    // hoisted schema, subresources, columns, selectable fields
    if let Some(schema) = hoisted_schema {
        out.extend(validate_validation(
            schema,
            &spec_path.child("validation"),
            internal.any_status(),
        ));
    }
    if let Some(Some(subresources)) = internal.subresources {
        out.extend(validate_subresources(
            subresources,
            &spec_path.child("subresources"),
        ));
    }
    if let Some(columns) = internal.columns {
        for (i, column) in columns.iter().enumerate() {
            out.extend(validate_column(
                column,
                &spec_path.child("additionalPrinterColumns").index(i),
            ));
        }
    }
    if let Some(fields) = internal.selectable_fields.filter(|f| !f.is_empty()) {
        match hoisted_schema {
            None => out.push(Cause::invalid(
                "spec.selectableFields",
                "",
                "selectableFields may only be set when validations.schema is included",
            )),
            Some(schema) => out.extend(validate_selectable_fields(
                fields,
                schema,
                &spec_path.child("selectableFields"),
            )),
        }
    }
    // conversion
    if let Some(conversion) = &spec.conversion {
        let path = spec_path.child("conversion");
        if conversion.strategy != "None" && preserve_unknown {
            out.push(Cause::invalid(
                path.child("strategy").as_str(),
                conversion.strategy.as_str(),
                "must be None if spec.preserveUnknownFields is true",
            ));
        }
        match conversion.strategy.as_str() {
            "" => out.push(Cause::required(path.child("strategy").as_str(), "")),
            "None" => {
                if let Some(webhook) = &conversion.webhook {
                    if webhook.client_config.is_some() {
                        out.push(Cause::forbidden(
                            path.child("webhookClientConfig").as_str(),
                            "should not be set when strategy is not set to Webhook",
                        ));
                    }
                    if !webhook.conversion_review_versions.is_empty() {
                        out.push(Cause::forbidden(
                            path.child("conversionReviewVersions").as_str(),
                            "should not be set when strategy is not set to Webhook",
                        ));
                    }
                }
            }
            "Webhook" => out.push(Cause::invalid(
                path.child("strategy").as_str(),
                "Webhook",
                "conversion webhooks are not supported by this server; use strategy None",
            )),
            other => out.push(Cause::not_supported(
                path.child("strategy").as_str(),
                other,
                &["None", "Webhook"],
            )),
        }
    }
    // status
    if let Some(accepted) = crd.status.as_ref().and_then(|s| s.accepted_names.as_ref()) {
        out.extend(validate_names(
            accepted,
            &FieldPath::new("status").child("acceptedNames"),
        ));
    }
    let stored: Vec<String> = crd
        .status
        .as_ref()
        .and_then(|s| s.stored_versions.clone())
        .unwrap_or_default();
    out.extend(validate_stored_versions(&stored, &spec.versions));
    // immutability
    if let Some(old) = &old_crd {
        let established = old.status.as_ref().is_some_and(|s| {
            s.conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Established" && c.status == "True")
        });
        let mut immutable = |path: &str, new: &str, old: &str| {
            if new != old {
                out.push(Cause::invalid(path, new, "field is immutable"));
            }
        };
        if established {
            immutable("spec.scope", &spec.scope, &old.spec.scope);
            immutable("spec.names.kind", &spec.names.kind, &old.spec.names.kind);
        }
        immutable("spec.group", &spec.group, &old.spec.group);
        immutable(
            "spec.names.plural",
            &spec.names.plural,
            &old.spec.names.plural,
        );
    }
    out.extend(validate_api_approval(&crd, old_crd.as_ref()));
    if preserve_unknown
        && old_crd
            .as_ref()
            .is_none_or(|o| o.spec.preserve_unknown_fields != Some(true))
    {
        out.push(Cause::invalid(
            "spec.preserveUnknownFields",
            true,
            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in \
             spec.versions[*].schema instead",
        ));
    }
    out
}

fn has_defaults<'a>(mut schemas: impl Iterator<Item = &'a JSONSchemaProps>) -> bool {
    fn has(props: &JSONSchemaProps) -> bool {
        let value = serde_json::to_value(props).unwrap_or_default();
        fn walk(value: &Value) -> bool {
            match value {
                Value::Object(map) => map.contains_key("default") || map.values().any(walk),
                Value::Array(items) => items.iter().any(walk),
                _ => false,
            }
        }
        walk(&value)
    }
    schemas.any(has)
}

fn validate_version(
    version: &CustomResourceDefinitionVersion,
    path: &FieldPath,
    internal: &Internal<'_>,
) -> Vec<Cause> {
    let mut out = Vec::new();
    for problem in deprecation_warning_errors(
        version.deprecated.unwrap_or(false),
        version.deprecation_warning.as_deref(),
    ) {
        out.push(Cause::invalid(
            path.child("deprecationWarning").as_str(),
            match &version.deprecation_warning {
                Some(w) => Bad::str(w),
                None => Bad::Raw("<nil>".to_owned()),
            },
            &problem,
        ));
    }
    let status_enabled = internal
        .subresources_for(version)
        .is_some_and(|s| s.status.is_some());
    if internal.validation.is_none()
        && let Some(schema) = version
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
    {
        out.extend(validate_validation(
            schema,
            &path.child("schema"),
            status_enabled,
        ));
    }
    if internal.subresources.is_none()
        && let Some(subresources) = &version.subresources
    {
        out.extend(validate_subresources(
            subresources,
            &path.child("subresources"),
        ));
    }
    if internal.columns.is_none() {
        for (i, column) in version
            .additional_printer_columns
            .iter()
            .flatten()
            .enumerate()
        {
            out.extend(validate_column(
                column,
                &path.child("additionalPrinterColumns").index(i),
            ));
        }
    }
    if internal.selectable_fields.is_none()
        && let Some(fields) = version
            .selectable_fields
            .as_deref()
            .filter(|f| !f.is_empty())
    {
        match version.schema.as_ref().and_then(|s| s.open_api_v3_schema.as_ref()) {
            None => out.push(Cause::invalid(
                path.child("selectableFields").as_str(),
                "",
                "selectableFields may only be set when version.schema.openAPIV3Schema is not included",
            )),
            Some(schema) => out.extend(validate_selectable_fields(fields, schema, &path.child("selectableFields"))),
        }
    }
    out
}

fn deprecation_warning_errors(deprecated: bool, warning: Option<&str>) -> Vec<String> {
    if !deprecated && warning.is_some() {
        return vec!["can only be set for deprecated versions".to_owned()];
    }
    let Some(warning) = warning else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    if warning.len() > 256 {
        errors.push("must be <= 256 characters long".to_owned());
    }
    if warning.is_empty() {
        errors.push("must not be an empty string".to_owned());
    }
    for (i, c) in warning.char_indices() {
        if c.is_control() {
            errors.push(format!(
                "must only contain printable UTF-8 characters; non-printable character found at index {i}"
            ));
            break;
        }
    }
    errors
}

/// `ValidateCustomResourceDefinitionNames`.
fn validate_names(names: &CustomResourceDefinitionNames, path: &FieldPath) -> Vec<Cause> {
    let mut out = Vec::new();
    let label = |field: &str, value: &str, out: &mut Vec<Cause>| {
        let errors = dns1035_label_errors(value);
        if !value.is_empty() && !errors.is_empty() {
            out.push(Cause::invalid(
                path.child(field).as_str(),
                value,
                &errors.join(","),
            ));
        }
    };
    label("plural", &names.plural, &mut out);
    label(
        "singular",
        names.singular.as_deref().unwrap_or_default(),
        &mut out,
    );
    let mixed = |field: &str, value: &str, out: &mut Vec<Cause>| {
        let errors = dns1035_label_errors(&value.to_lowercase());
        if !value.is_empty() && !errors.is_empty() {
            out.push(Cause::invalid(
                path.child(field).as_str(),
                value,
                &format!(
                    "may have mixed case, but should otherwise match: {}",
                    errors.join(",")
                ),
            ));
        }
    };
    mixed("kind", &names.kind, &mut out);
    let list_kind = names.list_kind.as_deref().unwrap_or_default();
    mixed("listKind", list_kind, &mut out);
    for (i, short) in names.short_names.iter().flatten().enumerate() {
        let errors = dns1035_label_errors(short);
        if !errors.is_empty() {
            out.push(Cause::invalid(
                path.child("shortNames").index(i).as_str(),
                short.as_str(),
                &errors.join(","),
            ));
        }
    }
    if !names.kind.is_empty() && names.kind == list_kind {
        out.push(Cause::invalid(
            path.child("listKind").as_str(),
            list_kind,
            "kind and listKind may not be the same",
        ));
    }
    for (i, category) in names.categories.iter().flatten().enumerate() {
        let errors = dns1035_label_errors(category);
        if !errors.is_empty() {
            out.push(Cause::invalid(
                path.child("categories").index(i).as_str(),
                category.as_str(),
                &errors.join(","),
            ));
        }
    }
    out
}

/// `validateSimpleJSONPath`, then the table's own parse of the path (kube's table convertor
/// would fail on a path it cannot parse).
fn simple_json_path(value: &str, path: &str) -> Option<Cause> {
    if value.is_empty() {
        return Some(Cause::invalid(path, value, "must not be empty"));
    }
    if !value.starts_with('.') {
        return Some(Cause::invalid(
            path,
            value,
            "must be a simple json path starting with .",
        ));
    }
    match validate_json_path(value) {
        Ok(()) => None,
        Err(crate::table::TableError::JsonPath { reason, .. }) => {
            Some(Cause::invalid(path, value, &reason))
        }
        Err(other) => Some(Cause::invalid(path, value, &other.to_string())),
    }
}

/// `ValidateCustomResourceDefinitionSubresources`.
fn validate_subresources(
    subresources: &CustomResourceSubresources,
    path: &FieldPath,
) -> Vec<Cause> {
    let mut out = Vec::new();
    let Some(scale) = &subresources.scale else {
        return out;
    };
    let field = |name: &str| path.child(name).as_str().to_owned();
    let spec_field = field("scale.specReplicasPath");
    if scale.spec_replicas_path.is_empty() {
        out.push(Cause::required(&spec_field, ""));
    } else if let Some(cause) = simple_json_path(&scale.spec_replicas_path, &spec_field) {
        out.push(cause);
    } else if !scale.spec_replicas_path.starts_with(".spec.") {
        out.push(Cause::invalid(
            &spec_field,
            scale.spec_replicas_path.as_str(),
            "should be a json path under .spec",
        ));
    }
    let status_field = field("scale.statusReplicasPath");
    if scale.status_replicas_path.is_empty() {
        out.push(Cause::required(&status_field, ""));
    } else if let Some(cause) = simple_json_path(&scale.status_replicas_path, &status_field) {
        out.push(cause);
    } else if !scale.status_replicas_path.starts_with(".status.") {
        out.push(Cause::invalid(
            &status_field,
            scale.status_replicas_path.as_str(),
            "should be a json path under .status",
        ));
    }
    if let Some(selector) = scale
        .label_selector_path
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        let selector_field = field("scale.labelSelectorPath");
        if let Some(cause) = simple_json_path(selector, &selector_field) {
            out.push(cause);
        } else if !selector.starts_with(".spec.") && !selector.starts_with(".status.") {
            out.push(Cause::invalid(
                &selector_field,
                selector,
                "should be a json path under either .spec or .status",
            ));
        }
    }
    out
}

/// `ValidateCustomResourceColumnDefinition`.
fn validate_column(column: &CustomResourceColumnDefinition, path: &FieldPath) -> Vec<Cause> {
    const TYPES: &str = "boolean,date,integer,number,string";
    const FORMATS: &[&str] = &[
        "byte",
        "date",
        "date-time",
        "double",
        "float",
        "int32",
        "int64",
        "password",
    ];
    let mut out = Vec::new();
    if column.name.is_empty() {
        out.push(Cause::required(path.child("name").as_str(), ""));
    }
    if column.type_.is_empty() {
        out.push(Cause::required(
            path.child("type").as_str(),
            &format!("must be one of {TYPES}"),
        ));
    } else if !TYPES.split(',').any(|t| t == column.type_) {
        out.push(Cause::invalid(
            path.child("type").as_str(),
            column.type_.as_str(),
            &format!("must be one of {TYPES}"),
        ));
    }
    if let Some(format) = column.format.as_deref().filter(|f| !f.is_empty())
        && !FORMATS.contains(&format)
    {
        out.push(Cause::invalid(
            path.child("format").as_str(),
            format,
            &format!("must be one of {}", FORMATS.join(",")),
        ));
    }
    let json_path = path.child("JSONPath");
    if column.json_path.is_empty() {
        out.push(Cause::required(json_path.as_str(), ""));
    } else if let Some(cause) = simple_json_path(&column.json_path, json_path.as_str()) {
        out.push(cause);
    }
    out
}

/// `ValidateCustomResourceSelectableFields`.
fn validate_selectable_fields(
    fields: &[SelectableField],
    schema: &JSONSchemaProps,
    path: &FieldPath,
) -> Vec<Cause> {
    let mut out = Vec::new();
    let Ok(root) = Node::build(schema) else {
        return out;
    };
    let mut unique = std::collections::HashSet::new();
    for (i, field) in fields.iter().enumerate() {
        let json_path = path.index(i).child("jsonPath");
        if field.json_path.is_empty() {
            out.push(Cause::required(json_path.as_str(), ""));
            continue;
        }
        let (normalized, node) = match selectable_path(&root, &field.json_path) {
            Ok(found) => found,
            Err(error) => {
                out.push(Cause::invalid(
                    json_path.as_str(),
                    field.json_path.as_str(),
                    &format!("is an invalid path: {error}"),
                ));
                continue;
            }
        };
        if normalized.split('.').next() == Some("metadata") {
            out.push(Cause::invalid(
                json_path.as_str(),
                field.json_path.as_str(),
                "must not point to fields in metadata",
            ));
        }
        if !matches!(node.type_.as_str(), "string" | "boolean" | "integer") {
            out.push(Cause::invalid(
                json_path.as_str(),
                field.json_path.as_str(),
                "must point to a field of type string, boolean or integer. Enum string fields and \
                 strings with formats are allowed.",
            ));
        }
        if !unique.insert(normalized) {
            out.push(Cause::duplicate(
                json_path.as_str(),
                field.json_path.as_str(),
            ));
        }
    }
    if unique.len() > MAX_SELECTABLE_FIELDS {
        out.push(Cause::too_many(
            path.as_str(),
            unique.len() as i64,
            MAX_SELECTABLE_FIELDS as i64,
        ));
    }
    out
}

/// `ValidFieldPath` without array notation: `.a.b` through declared properties.
fn selectable_path<'a>(root: &'a Node, json_path: &str) -> Result<(String, &'a Node), String> {
    let mut node = root;
    let mut normalized = Vec::new();
    let mut rest = json_path;
    while !rest.is_empty() {
        if rest.starts_with('[') {
            return Err("array notation is not allowed".to_owned());
        }
        let Some(after) = rest.strip_prefix('.') else {
            let token = rest.split(['.', '[']).next().unwrap_or(rest);
            return Err(format!("expected [ or . but got: {token}"));
        };
        if after.is_empty() {
            return Err("unexpected end of JSON path".to_owned());
        }
        let end = after.find(['.', '[']).unwrap_or(after.len());
        let name = &after[..end];
        rest = &after[end..];
        node = match (&node.properties, node.additional_schema()) {
            (Some(properties), _) => properties
                .get(name)
                .ok_or("does not refer to a valid field")?,
            (None, Some(additional)) => additional,
            (None, None) => return Err("does not refer to a valid field".to_owned()),
        };
        normalized.push(name.to_owned());
    }
    Ok((normalized.join("."), node))
}

/// `ValidateCustomResourceDefinitionStoredVersions`.
fn validate_stored_versions(
    stored: &[String],
    versions: &[CustomResourceDefinitionVersion],
) -> Vec<Cause> {
    let path = "status.storedVersions";
    let stored_value = || Bad::Raw(go_strings(stored));
    if stored.is_empty() {
        return vec![Cause::invalid(
            path,
            stored_value(),
            "must have at least one stored version",
        )];
    }
    let mut out = Vec::new();
    let mut remaining: Vec<(usize, &String)> = stored.iter().enumerate().collect();
    for version in versions {
        let present = stored.contains(&version.name);
        if version.storage && !present {
            out.push(Cause::invalid(
                path,
                stored_value(),
                &format!("must have the storage version {}", version.name),
            ));
        }
        remaining.retain(|(_, v)| **v != version.name);
    }
    for (i, v) in remaining {
        out.push(Cause::invalid(
            &format!("{path}[{i}]"),
            v.as_str(),
            &format!(
                "missing from spec.versions; {v} was previously a storage version, and must remain \
                 in spec.versions until a storage migration ensures no data remains persisted in \
                 {v} and removes {v} from status.storedVersions"
            ),
        ));
    }
    out
}

/// API approval for protected groups (`validateAPIApproval`).
fn validate_api_approval(
    crd: &CustomResourceDefinition,
    old: Option<&CustomResourceDefinition>,
) -> Vec<Cause> {
    let group = crd.spec.group.as_str();
    let protected = group == "k8s.io"
        || group.ends_with(".k8s.io")
        || group == "kubernetes.io"
        || group.ends_with(".kubernetes.io");
    if !protected {
        return Vec::new();
    }
    let state = |crd: &CustomResourceDefinition| {
        let annotation = crd
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(API_APPROVED_ANNOTATION))
            .cloned()
            .unwrap_or_default();
        let state = if annotation.is_empty() {
            "missing"
        } else if annotation.starts_with("unapproved") {
            "bypassed"
        } else if annotation.starts_with('/')
            || annotation.contains("://")
            || annotation.contains(':')
        {
            "approved"
        } else {
            "invalid"
        };
        (state, annotation)
    };
    let (new_state, annotation) = state(crd);
    if let Some(old) = old
        && state(old).0 == new_state
    {
        return Vec::new();
    }
    let field = format!("metadata.annotations[{API_APPROVED_ANNOTATION}]");
    match new_state {
        "missing" => vec![Cause::required(
            &field,
            &format!(
                "protected groups must have approval annotation {}, see \
                 https://github.com/kubernetes/enhancements/pull/1111",
                golang::quote(API_APPROVED_ANNOTATION)
            ),
        )],
        "invalid" => vec![Cause::invalid(
            &field,
            annotation.as_str(),
            &format!(
                "protected groups must have approval annotation {} with either a URL or a reason \
                 starting with \"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111",
                golang::quote(API_APPROVED_ANNOTATION)
            ),
        )],
        _ => Vec::new(),
    }
}

/// `%#v` of a `[]string`.
fn go_strings(values: &[String]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_owned();
    }
    let quoted: Vec<String> = values.iter().map(|v| golang::quote(v)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// An approximation of `%#v` of the internal `[]CustomResourceDefinitionVersion` (pointers
/// print as kube's do, but without their addresses).
fn go_versions(versions: &[CustomResourceDefinitionVersion], internal: &Internal<'_>) -> String {
    if versions.is_empty() {
        return "[]apiextensions.CustomResourceDefinitionVersion(nil)".to_owned();
    }
    let pointer = |set: bool, ty: &str| {
        if set {
            format!("(*{ty})(0xc000000000)")
        } else {
            format!("(*{ty})(nil)")
        }
    };
    let items: Vec<String> = versions
        .iter()
        .map(|v| {
            let schema = internal.validation.is_none() && v.schema.is_some();
            let subresources = internal.subresources.is_none() && v.subresources.is_some();
            let columns = internal.columns.is_none() && v.additional_printer_columns.as_ref().is_some_and(|c| !c.is_empty());
            format!(
                "apiextensions.CustomResourceDefinitionVersion{{Name:{}, Served:{}, Storage:{}, \
                 Deprecated:{}, DeprecationWarning:{}, Schema:{}, Subresources:{}, \
                 AdditionalPrinterColumns:{}, SelectableFields:[]apiextensions.SelectableField(nil)}}",
                golang::quote(&v.name),
                v.served,
                v.storage,
                v.deprecated.unwrap_or(false),
                pointer(v.deprecation_warning.is_some(), "string"),
                pointer(schema, "apiextensions.CustomResourceValidation"),
                pointer(subresources, "apiextensions.CustomResourceSubresources"),
                if columns {
                    "[]apiextensions.CustomResourceColumnDefinition{...}".to_owned()
                } else {
                    "[]apiextensions.CustomResourceColumnDefinition(nil)".to_owned()
                },
            )
        })
        .collect();
    format!(
        "[]apiextensions.CustomResourceDefinitionVersion{{{}}}",
        items.join(", ")
    )
}

#[cfg(test)]
mod tests;
