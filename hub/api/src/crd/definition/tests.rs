//! Tests of CRD defaulting and validation, with kube's paths and messages, and of the registry
//! entry a version gets.

use serde_json::{Value, json};

use super::*;

const LABEL_ERROR: &str = "a DNS-1035 label must consist of lower case alphanumeric characters \
    or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. \
    'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "replicas": {"type": "integer", "default": 1},
                    "selector": {"type": "string"}
                }
            },
            "status": {
                "type": "object",
                "properties": {"replicas": {"type": "integer"}, "selector": {"type": "string"}}
            }
        }
    })
}

fn crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.acme.example.com"},
        "spec": {
            "group": "acme.example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]},
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "schema": {"openAPIV3Schema": schema()},
                "subresources": {
                    "status": {},
                    "scale": {
                        "specReplicasPath": ".spec.replicas",
                        "statusReplicasPath": ".status.replicas",
                        "labelSelectorPath": ".status.selector"
                    }
                },
                "additionalPrinterColumns": [
                    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}
                ]
            }]
        }
    })
}

fn defaulted(mut crd: Value) -> Value {
    default_crd(&mut crd);
    crd
}

fn texts(causes: &[Cause]) -> Vec<String> {
    causes.iter().map(Cause::to_string).collect()
}

/// The causes of the defaulted `crd()` after `edit`.
fn causes_after(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut value = crd();
    edit(&mut value);
    texts(&validate_crd(&defaulted(value)))
}

#[test]
fn defaults_fill_names_conversion_and_stored_versions() {
    let value = defaulted(crd());
    assert_eq!(
        value.pointer("/spec/names/singular"),
        Some(&json!("widget"))
    );
    assert_eq!(
        value.pointer("/spec/names/listKind"),
        Some(&json!("WidgetList"))
    );
    assert_eq!(
        value.pointer("/spec/conversion"),
        Some(&json!({"strategy": "None"}))
    );
    assert_eq!(
        value.pointer("/status/storedVersions"),
        Some(&json!(["v1"]))
    );
    // explicit values are kept
    let mut value = crd();
    value["spec"]["names"]["singular"] = json!("gadget");
    value["spec"]["conversion"] = json!({"strategy": "Webhook", "webhook": {"clientConfig": {"service": {"name": "s", "namespace": "n"}}}});
    default_crd(&mut value);
    assert_eq!(
        value.pointer("/spec/names/singular"),
        Some(&json!("gadget"))
    );
    assert_eq!(
        value.pointer("/spec/conversion/webhook/clientConfig/service/port"),
        Some(&json!(443))
    );
}

#[test]
fn a_valid_crd_has_no_causes() {
    assert_eq!(
        texts(&validate_crd(&defaulted(crd()))),
        Vec::<String>::new()
    );
}

#[test]
fn crd_errors_have_kubes_messages() {
    type Edit = fn(&mut Value);
    let cases: Vec<(Edit, Vec<String>)> = vec![
        (
            |c| c["metadata"]["name"] = json!("gadgets.acme.example.com"),
            vec![r#"metadata.name: Invalid value: "gadgets.acme.example.com": must be spec.names.plural+"."+spec.group"#.into()],
        ),
        (
            |c| {
                c["spec"]["group"] = json!("acme");
                c["metadata"]["name"] = json!("widgets.acme");
            },
            vec![r#"spec.group: Invalid value: "acme": should be a domain with at least one dot"#.into()],
        ),
        (
            |c| {
                c["spec"]["group"] = json!("Acme.com");
                c["metadata"]["name"] = json!("widgets.Acme.com");
            },
            vec!["spec.group: Invalid value: \"Acme.com\": a lowercase RFC 1123 subdomain must \
                  consist of lower case alphanumeric characters, '-' or '.', and must start and end \
                  with an alphanumeric character (e.g. 'example.com', regex used for validation is \
                  '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                .into()],
        ),
        (
            |c| c["spec"]["scope"] = json!("Global"),
            vec![r#"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#.into()],
        ),
        (
            |c| {
                c["spec"]["names"]["kind"] = json!("Wid_get");
                c["spec"]["names"]["singular"] = json!("widget");
                c["spec"]["names"]["listKind"] = json!("WidgetList");
            },
            vec![format!(
                "spec.names.kind: Invalid value: \"Wid_get\": may have mixed case, but should \
                 otherwise match: {LABEL_ERROR}"
            )],
        ),
        (
            |c| c["spec"]["names"]["shortNames"] = json!(["ok", "Bad"]),
            vec![format!("spec.names.shortNames[1]: Invalid value: \"Bad\": {LABEL_ERROR}")],
        ),
        (
            |c| c["spec"]["names"]["listKind"] = json!("Widget"),
            vec![r#"spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same"#.into()],
        ),
        (
            |c| c["spec"]["versions"][0]["name"] = json!("V1"),
            vec![
                format!("spec.versions[0].name: Invalid value: \"V1\": {LABEL_ERROR}"),
                format!("spec.version: Invalid value: \"V1\": {LABEL_ERROR}"),
            ],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["selector"] = json!({});
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].properties[selector].type: \
                  Required value: must not be empty for specified object fields"
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["metadata"] =
                    json!({"type": "object", "properties": {"labels": {"type": "object"}}});
            },
            vec!["spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify \
                  anything other than name and generateName, but metadata is implicitly specified"
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["additionalProperties"] =
                    json!({"type": "string"});
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: \
                  additionalProperties and properties are mutual exclusive"
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["replicas"]["default"] =
                    json!("many");
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: \
                  Invalid value: \"string\":  in body must be of type integer: \"string\""
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["default"] =
                    json!({"bogus": 1});
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].default: Invalid value: \
                  map[string]interface {}{\"bogus\":1}: must not have unknown fields"
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["tags"] =
                    json!({"type": "array", "uniqueItems": true, "items": {"type": "string"}});
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].properties[tags].uniqueItems: \
                  Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes \
                  quadratic"
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["ports"] = json!({
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {"type": "object", "properties": {"name": {"type": "string"}}}
                });
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].properties[ports].items.properties[name].default: \
                  Required value: this property is in x-kubernetes-list-map-keys, so it must have a \
                  default or be a required property"
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["x"] =
                    json!({"type": "string", "x-kubernetes-list-type": "set"});
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].properties[x].type: Invalid value: \
                  \"string\": must be array if x-kubernetes-list-type is specified"
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["type"] = json!("string");
            },
            vec![
                "spec.validation.openAPIV3Schema.type: Invalid value: \"string\": only \"object\" is \
                 allowed as the type at the root of the schema if the status subresource is enabled"
                    .into(),
                "spec.validation.openAPIV3Schema.type: Invalid value: \"string\": must be object at the root".into(),
            ],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["replicas"]["x-kubernetes-validations"] =
                    json!([{"rule": "self >= oldSelf"}]);
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["x-kubernetes-map-type"] =
                    json!("atomic");
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].properties[replicas].x-kubernetes-validations[0].rule: \
                  Invalid value: \"self >= oldSelf\": oldSelf cannot be used on the uncorrelatable \
                  portion of the schema within spec.validation.openAPIV3Schema.properties[spec]"
                .into()],
        ),
        (
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["x-kubernetes-validations"] =
                    json!([{"rule": ""}]);
            },
            vec!["spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: \
                  Required value: rule is not specified"
                .into()],
        ),
        (
            |c| {
                let spec = &mut c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
                spec["default"] = json!({"replicas": 0});
                spec["x-kubernetes-validations"] = json!([{"rule": "self.replicas > 0"}]);
            },
            vec![r#"spec.validation.openAPIV3Schema.properties[spec].default: Invalid value: "object": failed rule: self.replicas > 0"#.into()],
        ),
        (
            |c| c["spec"]["versions"][0]["subresources"]["scale"]["specReplicasPath"] = json!(".status.replicas"),
            vec![r#"spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec"#.into()],
        ),
        (
            |c| c["spec"]["versions"][0]["subresources"]["scale"]["statusReplicasPath"] = json!("status.replicas"),
            vec![r#"spec.subresources.scale.statusReplicasPath: Invalid value: "status.replicas": must be a simple json path starting with ."#.into()],
        ),
        (
            |c| c["spec"]["versions"][0]["additionalPrinterColumns"] = json!([{"name": "", "type": "money", "jsonPath": ""}]),
            vec![
                "spec.additionalPrinterColumns[0].name: Required value".into(),
                r#"spec.additionalPrinterColumns[0].type: Invalid value: "money": must be one of boolean,date,integer,number,string"#.into(),
                "spec.additionalPrinterColumns[0].JSONPath: Required value".into(),
            ],
        ),
        (
            |c| c["spec"]["versions"][0]["additionalPrinterColumns"] = json!([{"name": "A", "type": "string", "format": "uuid", "jsonPath": ".spec.a"}]),
            vec![r#"spec.additionalPrinterColumns[0].format: Invalid value: "uuid": must be one of byte,date,date-time,double,float,int32,int64,password"#.into()],
        ),
        (
            |c| c["spec"]["conversion"] = json!({"strategy": "Webhook", "webhook": {"conversionReviewVersions": ["v1"]}}),
            vec![r#"spec.conversion.strategy: Invalid value: "Webhook": conversion webhooks are not supported by this server; use strategy None"#.into()],
        ),
        (
            |c| c["spec"]["conversion"] = json!({"strategy": "None", "webhook": {"conversionReviewVersions": ["v1"]}}),
            vec!["spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook".into()],
        ),
        (
            |c| c["spec"]["versions"][0]["deprecationWarning"] = json!("old"),
            vec![r#"spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions"#.into()],
        ),
        (
            |c| c["spec"]["versions"][0]["selectableFields"] = json!([{"jsonPath": ".spec.selector"}, {"jsonPath": ".spec.nope"}, {"jsonPath": ".status"}]),
            vec![
                r#"spec.selectableFields[1].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field"#.into(),
                r#"spec.selectableFields[2].jsonPath: Invalid value: ".status": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed."#.into(),
            ],
        ),
        (
            |c| {
                c["spec"]["group"] = json!("widgets.k8s.io");
                c["metadata"]["name"] = json!("widgets.widgets.k8s.io");
            },
            vec![r#"metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111"#.into()],
        ),
        (
            |c| c["spec"]["preserveUnknownFields"] = json!(true),
            vec![
                "spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema".into(),
                "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set \
                 x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"
                    .into(),
            ],
        ),
    ];
    for (i, (edit, expected)) in cases.into_iter().enumerate() {
        assert_eq!(causes_after(edit), expected, "case {i}");
    }
}

#[test]
fn versions_are_checked() {
    let causes = causes_after(|c| {
        let mut v2 = c["spec"]["versions"][0].clone();
        v2["name"] = json!("v2");
        v2["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["replicas"] = json!({});
        c["spec"]["versions"]
            .as_array_mut()
            .expect("versions")
            .push(v2);
    });
    assert_eq!(
        causes,
        vec![
            "spec.versions[1].schema.openAPIV3Schema.properties[spec].properties[replicas].type: \
             Required value: must not be empty for specified object fields",
            "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:\"v1\", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(0xc000000000), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}, apiextensions.CustomResourceDefinitionVersion{Name:\"v2\", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(0xc000000000), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}: must have exactly one version marked as storage version",
            r#"status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v2"#,
        ]
    );
    let causes = causes_after(|c| c["spec"]["versions"][0]["schema"] = Value::Null);
    assert_eq!(
        causes,
        vec!["spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"]
    );
    let mut empty = crd();
    empty["spec"]["versions"] = json!([]);
    assert_eq!(
        texts(&validate_crd(&defaulted(empty))),
        vec![
            "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): \
             must have exactly one version marked as storage version",
            "status.storedVersions: Invalid value: []string(nil): must have at least one stored version",
        ]
    );
}

#[test]
fn missing_names_are_required() {
    let mut value = json!({"metadata": {"name": "x"}, "spec": {"versions": []}});
    default_crd(&mut value);
    let causes = texts(&validate_crd(&value));
    for expected in [
        "spec.group: Required value",
        "spec.scope: Required value",
        "spec.names.plural: Required value",
        "spec.names.singular: Required value",
        "spec.names.kind: Required value",
        "spec.names.listKind: Required value",
    ] {
        assert!(
            causes.iter().any(|c| c == expected),
            "{expected} in {causes:?}"
        );
    }
}

#[test]
fn cel_rules_must_parse() {
    let causes = causes_after(|c| {
        c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["x-kubernetes-validations"] =
            json!([{"rule": "self.spec.replicas >"}]);
    });
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert!(
        causes[0].starts_with(
            "spec.validation.openAPIV3Schema.x-kubernetes-validations[0].rule: Invalid value: \
             apiextensions.ValidationRule{Rule:\"self.spec.replicas >\", Message:\"\", \
             MessageExpression:\"\", Reason:(*apiextensions.FieldValueErrorReason)(nil), \
             FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:"
        ),
        "{}",
        causes[0]
    );
    assert!(
        causes_after(|c| {
            c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["x-kubernetes-validations"] =
                json!([{"rule": "self.spec.replicas >= 0", "message": "no negative replicas"}]);
        })
        .is_empty()
    );
}

#[test]
fn stored_versions_must_stay_in_versions() {
    let mut value = defaulted(crd());
    value["status"]["storedVersions"] = json!(["v0", "v1"]);
    assert_eq!(
        texts(&validate_crd(&value)),
        vec![
            "status.storedVersions[0]: Invalid value: \"v0\": missing from spec.versions; v0 was \
              previously a storage version, and must remain in spec.versions until a storage \
              migration ensures no data remains persisted in v0 and removes v0 from \
              status.storedVersions"
        ]
    );
    value["status"]["storedVersions"] = json!(["v2"]);
    value["spec"]["versions"][0]["name"] = json!("v1");
    let causes = texts(&validate_crd(&value));
    assert_eq!(
        causes[0],
        r#"status.storedVersions: Invalid value: []string{"v2"}: must have the storage version v1"#
    );
}

#[test]
fn storage_version_helpers() {
    let mut value = crd();
    assert_eq!(storage_version(&value).as_deref(), Some("v1"));
    assert_eq!(served_versions(&value), vec!["v1"]);
    record_storage_version(&mut value);
    assert_eq!(
        value.pointer("/status/storedVersions"),
        Some(&json!(["v1"]))
    );
    value["spec"]["versions"][0]["storage"] = json!(false);
    let mut v2 = value["spec"]["versions"][0].clone();
    v2["name"] = json!("v2");
    v2["storage"] = json!(true);
    v2["served"] = json!(false);
    value["spec"]["versions"]
        .as_array_mut()
        .expect("versions")
        .push(v2);
    record_storage_version(&mut value);
    record_storage_version(&mut value);
    assert_eq!(
        value.pointer("/status/storedVersions"),
        Some(&json!(["v1", "v2"]))
    );
    assert_eq!(served_versions(&value), vec!["v1"]);
}

#[test]
fn updates_keep_identity_fields() {
    let old = {
        let mut old = defaulted(crd());
        old["status"]["conditions"] = json!([{"type": "Established", "status": "True"}]);
        old
    };
    let mut new = old.clone();
    new["spec"]["scope"] = json!("Cluster");
    new["spec"]["names"]["kind"] = json!("Gadget");
    new["spec"]["names"]["listKind"] = json!("GadgetList");
    new["spec"]["names"]["singular"] = json!("gadget");
    assert_eq!(
        texts(&validate_crd_update(&new, &old)),
        vec![
            r#"spec.scope: Invalid value: "Cluster": field is immutable"#,
            r#"spec.names.kind: Invalid value: "Gadget": field is immutable"#,
        ]
    );
    // before Established, scope and kind may change
    let mut not_established = old.clone();
    not_established["status"] = json!({"storedVersions": ["v1"]});
    assert!(validate_crd_update(&new, &not_established).is_empty());
    let mut renamed = old.clone();
    renamed["spec"]["names"]["plural"] = json!("gadgets");
    assert!(texts(&validate_crd_update(&renamed, &old)).contains(
        &r#"spec.names.plural: Invalid value: "gadgets": field is immutable"#.to_owned()
    ));
}

#[test]
fn resource_def_describes_the_version() {
    let value = defaulted(crd());
    let def = resource_def(&value, "v1");
    assert_eq!(
        (
            def.group.as_str(),
            def.version.as_str(),
            def.resource.as_str()
        ),
        ("acme.example.com", "v1", "widgets")
    );
    assert_eq!(
        (
            def.singular.as_str(),
            def.kind.as_str(),
            def.list_kind.as_str()
        ),
        ("widget", "Widget", "WidgetList")
    );
    assert!(def.namespaced && def.generation);
    assert_eq!(def.short_names, vec!["wd"]);
    assert_eq!(def.categories, vec!["all"]);
    assert_eq!(def.verbs.len(), crate::registry::ALL_VERBS.len());
    assert_eq!(
        (def.storage_group.as_str(), def.storage_resource.as_str()),
        ("acme.example.com", "widgets")
    );
    let status = def.subresource("status").expect("status");
    assert_eq!(
        (
            status.group.as_str(),
            status.version.as_str(),
            status.kind.as_str()
        ),
        ("acme.example.com", "v1", "Widget")
    );
    let scale = def.subresource("scale").expect("scale");
    assert_eq!(
        (
            scale.group.as_str(),
            scale.version.as_str(),
            scale.kind.as_str()
        ),
        ("autoscaling", "v1", "Scale")
    );
    assert_eq!(
        def.scale,
        Some(ScaleDef {
            spec_replicas: ".spec.replicas".into(),
            status_replicas: ".status.replicas".into(),
            label_selector: Some(".status.selector".into()),
        })
    );
    // accepted names win over the spec's
    let mut accepted = value.clone();
    accepted["status"]["acceptedNames"] =
        json!({"plural": "widgets", "kind": "Widget", "shortNames": ["w"]});
    assert_eq!(resource_def(&accepted, "v1").short_names, vec!["w"]);
    // no subresources, cluster scope
    let mut bare = value;
    bare["spec"]["scope"] = json!("Cluster");
    bare["spec"]["versions"][0]["subresources"] = Value::Null;
    let def = resource_def(&bare, "v1");
    assert!(!def.namespaced && def.subresources.is_empty() && def.scale.is_none());
    assert_eq!(printer_columns(&bare, "v1")[0].name, "Replicas");
    assert_eq!(printer_columns(&bare, "v9")[0].name, "Age");
}

#[test]
fn root_metadata_may_restrict_name_only() {
    for metadata in [
        json!({"type": "object"}),
        json!({"type": "object", "nullable": false, "properties": {}}),
        json!({"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}}}),
        json!({"type": "object", "properties": {
            "name": {"type": "string"},
            "generateName": {"type": "string"}
        }}),
    ] {
        let causes = causes_after(|c| {
            c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["metadata"] =
                metadata.clone();
        });
        assert!(causes.is_empty(), "{metadata}: {causes:?}");
    }
    let causes = causes_after(|c| {
        c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["metadata"] =
            json!({"type": "string", "description": "meta"});
    });
    assert_eq!(
        causes,
        vec![
            r#"spec.validation.openAPIV3Schema.properties[metadata].type: Invalid value: "string": must be object"#,
            "spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify \
             anything other than name and generateName, but metadata is implicitly specified",
        ]
    );
}
