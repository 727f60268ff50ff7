//! Tests of the compiled schema: validation messages as kube-apiserver renders them, pruning,
//! defaulting and CEL rules.

use serde_json::{Value, json};

use super::*;
use crate::crd::Reason;

fn widget_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
                    "size": {"type": "integer", "minimum": 1, "maximum": 10},
                    "ratio": {"type": "number", "maximum": 1.5, "exclusiveMaximum": true},
                    "step": {"type": "integer", "multipleOf": 5},
                    "color": {"type": "string", "enum": ["red", "blue"]},
                    "level": {"type": "integer", "enum": [1, 2]},
                    "when": {"type": "string", "format": "date-time"},
                    "id": {"type": "string", "format": "uuid"},
                    "custom": {"type": "string", "format": "not-a-kube-format"},
                    "tags": {
                        "type": "array",
                        "maxItems": 2,
                        "minItems": 1,
                        "items": {"type": "string"},
                        "x-kubernetes-list-type": "set"
                    },
                    "ports": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        "items": {
                            "type": "object",
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string"},
                                "port": {"type": "integer", "default": 80}
                            }
                        }
                    },
                    "labels": {
                        "type": "object",
                        "maxProperties": 2,
                        "additionalProperties": {"type": "string"}
                    },
                    "quantity": {"x-kubernetes-int-or-string": true},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "note": {"type": "string", "nullable": true},
                    "shape": {
                        "type": "object",
                        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                        "oneOf": [{"required": ["a"]}, {"required": ["b"]}]
                    },
                    "template": {
                        "type": "object",
                        "x-kubernetes-embedded-resource": true,
                        "x-kubernetes-preserve-unknown-fields": true
                    }
                }
            },
            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}
        }
    })
}

fn widget() -> Structural {
    Structural::new(&widget_schema()).expect("schema compiles")
}

fn object(spec: Value) -> Value {
    json!({
        "apiVersion": "acme.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": spec,
    })
}

fn texts(causes: &[Cause]) -> Vec<String> {
    causes.iter().map(Cause::to_string).collect()
}

#[test]
fn valid_objects_have_no_causes() {
    let schema = widget();
    let spec = json!({
        "name": "abc",
        "size": 3,
        "ratio": 1.25,
        "step": 10,
        "color": "red",
        "level": 2,
        "when": "2024-01-02T03:04:05Z",
        "id": "123e4567-e89b-12d3-a456-426614174000",
        "custom": "anything at all",
        "tags": ["a", "b"],
        "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
        "labels": {"a": "x"},
        "quantity": "50%",
        "free": {"anything": [1, {"x": true}]},
        "note": null,
        "shape": {"a": "x"},
        "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
    });
    assert_eq!(texts(&schema.validate(&object(spec))), Vec::<String>::new());
    // an integral float is an integer, an integer is a number
    let spec = json!({"name": "abc", "size": 3.0, "ratio": 0, "quantity": 5});
    assert_eq!(texts(&schema.validate(&object(spec))), Vec::<String>::new());
}

#[test]
fn value_errors_have_kubes_messages() {
    let schema = widget();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"name": "abc", "size": "string"}),
            vec![
                r#"spec.size: Invalid value: "string": spec.size in body must be of type integer: "string""#,
            ],
        ),
        (
            json!({"name": "abc", "size": 12}),
            vec![
                "spec.size: Invalid value: 12: spec.size in body should be less than or equal to 10",
            ],
        ),
        (
            json!({"name": "abc", "size": 0}),
            vec![
                "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1",
            ],
        ),
        (
            json!({"name": "abc", "size": 2.5}),
            vec![
                r#"spec.size: Invalid value: "number": spec.size in body must be of type integer: "number""#,
            ],
        ),
        (
            json!({"name": "abc", "ratio": 1.5}),
            vec!["spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5"],
        ),
        (
            // Go compares an integer with the bound converted to an integer: 1 < int64(1.5)
            json!({"name": "abc", "ratio": 1}),
            vec!["spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1"],
        ),
        (
            json!({"name": "abc", "step": 7}),
            vec!["spec.step: Invalid value: 7: spec.step in body should be a multiple of 5"],
        ),
        (
            json!({"name": "abc", "color": "pink"}),
            vec![r#"spec.color: Unsupported value: "pink": supported values: "red", "blue""#],
        ),
        (
            json!({"name": "abc", "level": 3}),
            vec![r#"spec.level: Unsupported value: 3: supported values: "1", "2""#],
        ),
        (json!({}), vec!["spec.name: Required value"]),
        (
            json!({"name": "a"}),
            vec![
                r#"spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long"#,
            ],
        ),
        (
            json!({"name": "abcdef"}),
            vec!["spec.name: Too long: may not be more than 5 bytes"],
        ),
        (
            json!({"name": "AB"}),
            vec![r#"spec.name: Invalid value: "AB": spec.name in body should match '^[a-z]+$'"#],
        ),
        (
            json!({"name": null}),
            vec![
                r#"spec.name: Invalid value: "null": spec.name in body must be of type string: "null""#,
            ],
        ),
        (
            json!({"name": "abc", "when": "garbage"}),
            vec![
                r#"spec.when: Invalid value: "garbage": spec.when in body must be of type date-time: "garbage""#,
            ],
        ),
        (
            json!({"name": "abc", "id": "nope"}),
            vec![r#"spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope""#],
        ),
        (
            json!({"name": "abc", "tags": ["a", "b", "c"]}),
            vec!["spec.tags: Too many: 3: must have at most 2 items"],
        ),
        (
            json!({"name": "abc", "tags": []}),
            vec!["spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"],
        ),
        (
            json!({"name": "abc", "tags": ["a", 1]}),
            vec![
                r#"spec.tags[1]: Invalid value: "integer": spec.tags[1] in body must be of type string: "integer""#,
            ],
        ),
        (
            json!({"name": "abc", "ports": [{"port": 1}]}),
            vec!["spec.ports[0].name: Required value"],
        ),
        (
            json!({"name": "abc", "labels": {"a": "1", "b": "2", "c": "3"}}),
            vec!["spec.labels: Too many: 3: must have at most 2 items"],
        ),
        (
            json!({"name": "abc", "labels": {"a": 1}}),
            vec![
                r#"spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer""#,
            ],
        ),
        (
            json!({"name": "abc", "quantity": true}),
            vec![
                r#"spec.quantity: Invalid value: "boolean": spec.quantity in body must be of type integer,string: "boolean""#,
            ],
        ),
        (
            json!({"name": "abc", "shape": {}}),
            vec![
                r#": Invalid value: "": "spec.shape" must validate one and only one schema (oneOf). Found none valid"#,
                "spec.shape.a: Required value",
            ],
        ),
        (
            json!({"name": "abc", "shape": {"a": "x", "b": "y"}}),
            vec![
                r#": Invalid value: "": "spec.shape" must validate one and only one schema (oneOf). Found 2 valid alternatives"#,
            ],
        ),
        (
            json!("string"),
            vec![r#"spec: Invalid value: "string": spec in body must be of type object: "string""#],
        ),
    ];
    for (spec, expected) in cases {
        let causes = schema.validate(&object(spec.clone()));
        assert_eq!(texts(&causes), expected, "spec {spec}");
    }
}

#[test]
fn reasons_are_kubes() {
    let schema = widget();
    let reasons = |spec: Value| -> Vec<Reason> {
        schema
            .validate(&object(spec))
            .iter()
            .map(|c| c.reason)
            .collect()
    };
    assert_eq!(
        reasons(json!({"name": "abc", "size": "x"})),
        vec![Reason::TypeInvalid]
    );
    assert_eq!(reasons(json!({})), vec![Reason::Required]);
    assert_eq!(
        reasons(json!({"name": "abc", "color": "x"})),
        vec![Reason::NotSupported]
    );
    assert_eq!(reasons(json!({"name": "abcdefg"})), vec![Reason::TooLong]);
    assert_eq!(
        reasons(json!({"name": "abc", "size": 11})),
        vec![Reason::Invalid]
    );
    assert_eq!(
        reasons(json!({"name": "abc", "tags": ["a", "a"]})),
        vec![Reason::Duplicate]
    );
    let cause = &schema.validate(&object(json!({"name": "abc", "size": 11})))[0];
    assert_eq!(
        (cause.field.as_str(), cause.reason.as_str()),
        ("spec.size", "FieldValueInvalid")
    );
}

#[test]
fn list_types_report_duplicates() {
    let schema = widget();
    let cases = [
        (
            json!({"name": "abc", "tags": ["a", "a"]}),
            vec![r#"spec.tags[1]: Duplicate value: "a""#],
        ),
        (
            json!({"name": "abc", "ports": [{"name": "http", "port": 1}, {"name": "http", "port": 2}]}),
            vec![r#"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}"#],
        ),
        (
            json!({"name": "abc", "ports": ["x"]}),
            vec![
                r#"spec.ports[0]: Invalid value: "string": spec.ports[0] in body must be of type object: "string""#,
                r#"spec.ports[0]: Invalid value: "x": must be an object for an array of list-type map"#,
            ],
        ),
    ];
    for (spec, expected) in cases {
        assert_eq!(
            texts(&schema.validate(&object(spec.clone()))),
            expected,
            "spec {spec}"
        );
    }
}

#[test]
fn embedded_resources_are_validated_as_objects() {
    let schema = widget();
    let causes = schema.validate(&object(
        json!({"name": "abc", "template": {"metadata": {"name": "a/b", "labels": {"-x": "ok"}}}}),
    ));
    assert_eq!(
        texts(&causes),
        vec![
            "spec.template.apiVersion: Required value",
            "spec.template.kind: Required value",
            "spec.template.metadata.name: Invalid value: \"a/b\": may not contain '/'",
            "spec.template.metadata.labels: Invalid value: \"-x\": name part must consist of \
             alphanumeric characters, '-', '_' or '.', and must start and end with an \
             alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used \
             for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ]
    );
    let causes = schema.validate(&object(
        json!({"name": "abc", "template": {"apiVersion": "a/b/c", "kind": "Not_Valid"}}),
    ));
    assert_eq!(
        texts(&causes),
        vec![
            r#"spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c"#,
            "spec.template.kind: Invalid value: \"Not_Valid\": may have mixed case, but should \
             otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters \
             or '-', start with an alphabetic character, and end with an alphanumeric character \
             (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ]
    );
}

#[test]
fn updates_ratchet_unchanged_values() {
    let schema = widget();
    let old = object(json!({"name": "abc", "size": 12, "color": "pink"}));
    // nothing changed: nothing reported
    assert!(schema.validate_update(&old, &old).is_empty());
    // an unchanged invalid field is tolerated, a changed one is not
    let new = object(json!({"name": "abc", "size": 12, "color": "green"}));
    assert_eq!(
        texts(&schema.validate_update(&new, &old)),
        vec![r#"spec.color: Unsupported value: "green": supported values: "red", "blue""#]
    );
    // on create the same object is fully validated
    assert_eq!(schema.validate(&new).len(), 2);
}

#[test]
fn pruning_removes_unknown_fields_and_reports_them() {
    let schema = widget();
    let mut value = json!({
        "apiVersion": "acme.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "bogus": 1},
        "spec": {
            "name": "abc",
            "extra": 1,
            "ports": [{"name": "a", "x": 1}],
            "labels": {"k": "v"},
            "free": {"kept": {"deep": 1}},
            "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "junk": 1}, "anything": 2}
        },
        "status": {"ready": true, "unknown": "x"},
        "toplevel": {}
    });
    let pruned = schema.prune(&mut value);
    assert_eq!(
        pruned,
        vec![
            "metadata.bogus",
            "spec.extra",
            "spec.ports[0].x",
            "spec.template.metadata.junk",
            "status.unknown",
            "toplevel",
        ]
    );
    assert_eq!(
        value,
        json!({
            "apiVersion": "acme.example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {
                "name": "abc",
                "ports": [{"name": "a"}],
                "labels": {"k": "v"},
                "free": {"kept": {"deep": 1}},
                "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "anything": 2}
            },
            "status": {"ready": true}
        })
    );
    // pruning again finds nothing
    assert!(schema.prune(&mut value).is_empty());
}

#[test]
fn defaults_apply_in_properties_items_and_maps() {
    let schema = Structural::new(&json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "default": {},
                "properties": {
                    "replicas": {"type": "integer", "default": 1},
                    "mode": {"type": "string", "default": "auto"},
                    "keep": {"type": "string"},
                    "maybe": {"type": "string", "nullable": true, "default": "d"},
                    "ports": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"port": {"type": "integer", "default": 80}}}
                    },
                    "limits": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "default": "none"}
                    }
                }
            }
        }
    }))
    .expect("schema compiles");
    let mut value = json!({"metadata": {"name": "x"}});
    schema.default(&mut value);
    assert_eq!(
        value,
        json!({"metadata": {"name": "x"}, "spec": {"replicas": 1, "mode": "auto", "maybe": "d"}})
    );

    let mut value = json!({"spec": {
        "replicas": 3,
        "mode": null,
        "keep": null,
        "maybe": null,
        "ports": [{}, {"port": 8080}],
        "limits": {"cpu": null, "mem": "1Gi"}
    }});
    schema.default(&mut value);
    assert_eq!(
        value,
        json!({"spec": {
            "replicas": 3,
            "mode": "auto",
            "maybe": null,
            "ports": [{"port": 80}, {"port": 8080}],
            "limits": {"cpu": "none", "mem": "1Gi"}
        }})
    );
}

fn rules_schema() -> Structural {
    Structural::new(&json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-validations": [
                    {"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"},
                    {"rule": "self.name.startsWith('x')"},
                    {"rule": "!has(self.forbidden)", "fieldPath": ".forbidden", "reason": "FieldValueForbidden", "message": "may not be set"},
                    {"rule": "self.replicas < 100", "messageExpression": "'replicas is ' + string(self.replicas)"}
                ],
                "properties": {
                    "replicas": {"type": "integer"},
                    "maxReplicas": {"type": "integer"},
                    "name": {"type": "string"},
                    "forbidden": {"type": "string"},
                    "my-field": {"type": "string", "x-kubernetes-validations": [{"rule": "self != 'bad'"}]},
                    "items": {
                        "type": "array",
                        "items": {"type": "string"},
                        "x-kubernetes-validations": [{"rule": "self.all(x, x.size() < 4)"}]
                    },
                    "frozen": {
                        "type": "string",
                        "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "frozen is immutable"}]
                    },
                    "until": {
                        "type": "string",
                        "format": "date-time",
                        "x-kubernetes-validations": [{"rule": "self > timestamp('2020-01-01T00:00:00Z')"}]
                    }
                }
            }
        },
        "x-kubernetes-validations": [
            {"rule": "self.metadata.name.size() < 10 && self.kind == 'Widget'", "message": "short names only"}
        ]
    }))
    .expect("schema compiles")
}

#[test]
fn cel_rules_report_like_kube() {
    let schema = rules_schema();
    let ok = object(
        json!({"replicas": 1, "maxReplicas": 2, "name": "xy", "items": ["a"], "until": "2024-01-01T00:00:00Z"}),
    );
    assert_eq!(texts(&schema.validate(&ok)), Vec::<String>::new());

    let bad = json!({
        "apiVersion": "acme.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "a-very-long-name"},
        "spec": {
            "replicas": 120,
            "maxReplicas": 2,
            "name": "yz",
            "forbidden": "x",
            "my-field": "bad",
            "items": ["long one"],
            "until": "2019-01-01T00:00:00Z"
        }
    });
    assert_eq!(
        texts(&schema.validate(&bad)),
        vec![
            r#": Invalid value: "object": short names only"#,
            r#"spec: Invalid value: "object": replicas must not exceed maxReplicas"#,
            r#"spec: Invalid value: "object": failed rule: self.name.startsWith('x')"#,
            "spec.forbidden: Forbidden: may not be set",
            r#"spec: Invalid value: "object": replicas is 120"#,
            r#"spec.items: Invalid value: "array": failed rule: self.all(x, x.size() < 4)"#,
            r#"spec.my-field: Invalid value: "string": failed rule: self != 'bad'"#,
            r#"spec.until: Invalid value: "string": failed rule: self > timestamp('2020-01-01T00:00:00Z')"#,
        ]
    );
}

#[test]
fn transition_rules_need_the_old_object() {
    let schema = rules_schema();
    let old = object(json!({"replicas": 1, "maxReplicas": 2, "name": "xa", "frozen": "a"}));
    let new = object(json!({"replicas": 1, "maxReplicas": 2, "name": "xa", "frozen": "b"}));
    // on create, oldSelf rules are not evaluated
    assert!(schema.validate(&new).is_empty());
    assert_eq!(
        texts(&schema.validate_update(&new, &old)),
        vec![r#"spec.frozen: Invalid value: "string": frozen is immutable"#]
    );
    assert!(schema.validate_update(&old, &old).is_empty());
}

#[test]
fn blocking_errors_skip_cel_rules() {
    let schema = rules_schema();
    let bad = object(json!({"replicas": "many", "maxReplicas": 2, "name": "yz"}));
    assert_eq!(
        texts(&schema.validate(&bad)),
        vec![
            r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            r#": Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"#,
        ]
    );
}

#[test]
fn cel_runtime_errors_are_reported() {
    let schema = Structural::new(&json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": true,
                "x-kubernetes-validations": [{"rule": "self.missing == 1"}]
            }
        }
    }))
    .expect("schema compiles");
    assert_eq!(
        texts(&schema.validate(&object(json!({})))),
        vec![
            r#"spec: Invalid value: "object": no such key: missing evaluating rule: self.missing == 1"#
        ]
    );
}

#[test]
fn schema_errors() {
    assert!(matches!(
        Structural::new(&json!("x")),
        Err(SchemaError::Decode(_))
    ));
    assert_eq!(
        Structural::new(&json!({"type": "array", "items": [{"type": "string"}]})).err(),
        Some(SchemaError::NotStructural(
            "OpenAPIV3Schema 'items' must be a schema, but is an array".to_owned()
        ))
    );
    assert_eq!(
        Structural::new(&json!({"$ref": "#/x"}))
            .err()
            .map(|e| e.to_string()),
        Some("OpenAPIV3Schema '$ref' is not supported".to_owned())
    );
    let crd = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": widget_schema()}}]}});
    assert!(Structural::for_version(&crd, "v1").is_ok());
    assert_eq!(
        Structural::for_version(&crd, "v2").err(),
        Some(SchemaError::NoSchema("v2".to_owned()))
    );
    assert_eq!(widget().field_type(".spec.size"), Some("integer"));
    assert_eq!(widget().field_type(".spec.nope"), None);
}

#[test]
fn unsupported_formats_are_ignored_and_int_formats_checked() {
    let schema = Structural::new(&json!({
        "type": "object",
        "properties": {
            "a": {"type": "string", "format": "k8s-short-name"},
            "b": {"type": "integer", "format": "int32"},
            "c": {"type": "string", "format": "date-time"}
        }
    }))
    .expect("schema compiles");
    assert!(
        schema
            .validate(&json!({"a": "Not A Name", "b": 5}))
            .is_empty()
    );
    assert_eq!(
        texts(&schema.validate(&json!({"c": 5}))),
        vec![r#"c: Invalid value: "int64": c in body must be of type date-time: "int64""#,]
    );
}

#[test]
fn typical_rules_evaluate() {
    let spec_schema = json!({
        "type": "object",
        "properties": {
            "replicas": {"type": "integer"},
            "maxReplicas": {"type": "integer"},
            "ratio": {"type": "number"},
            "name": {"type": "string"},
            "foo": {"type": "string"},
            "items": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "timeout": {"type": "string", "format": "duration"},
            "dash-name": {"type": "string"}
        }
    });
    let spec = json!({
        "replicas": 3,
        "maxReplicas": 5,
        "ratio": 2,
        "name": "xylophone",
        "items": ["a", "bb"],
        "labels": {"app": "web"},
        "timeout": "90s",
        "dash-name": "d"
    });
    let cases = [
        ("self.replicas <= self.maxReplicas", true),
        ("self.items.all(x, x.size() < 10)", true),
        ("self.items.exists(x, x == 'c')", false),
        ("has(self.name)", true),
        ("has(self.foo)", false),
        ("self.name.startsWith('x')", true),
        ("self.name.matches('^x[a-z]+$')", true),
        ("size(self.items) == 2", true),
        ("self.labels['app'] == 'web'", true),
        ("'app' in self.labels", true),
        ("self.ratio == 2.0", true),
        ("self.timeout > duration('1m')", true),
        ("self.dash__dash__name == 'd'", true),
        ("self.?foo.orValue('none') == 'none'", true),
        ("self.name.lowerAscii() == self.name", true),
        ("self.items.map(x, x + '!').exists(x, x == 'a!')", true),
        ("self.replicas > 2 ? self.name != '' : false", true),
    ];
    for (rule, passes) in cases {
        let schema = Structural::new(&json!({
            "type": "object",
            "properties": {"spec": {
                "type": "object",
                "properties": spec_schema["properties"].clone(),
                "x-kubernetes-validations": [{"rule": rule}]
            }}
        }))
        .expect("schema compiles");
        let causes = schema.validate(&object(spec.clone()));
        assert_eq!(causes.is_empty(), passes, "{rule}: {causes:?}");
        if !passes {
            assert_eq!(
                texts(&causes),
                vec![format!(
                    "spec: Invalid value: \"object\": failed rule: {rule}"
                )]
            );
        }
    }
}

#[test]
fn compiled_schemas_are_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Structural>();
}
