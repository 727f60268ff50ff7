//! Tests of the protobuf decoder on hand-built messages (the real kubectl bodies are in
//! `hub/api/tests/protobuf.rs`), and of the schema's JSON names against the OpenAPI schemas.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::schema::{self, Form, Shape, Ty};
use super::*;

/// A protobuf encoder, just enough to write test messages.
mod enc {
    pub(super) fn varint(mut value: u64, out: &mut Vec<u8>) {
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    /// Field `number` as a varint.
    pub(super) fn v(number: u32, value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        varint(u64::from(number) << 3, &mut out);
        varint(value, &mut out);
        out
    }

    /// Field `number` as length-delimited bytes.
    pub(super) fn b(number: u32, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        varint(u64::from(number) << 3 | 2, &mut out);
        varint(bytes.len() as u64, &mut out);
        out.extend_from_slice(bytes);
        out
    }

    /// Field `number` as a string.
    pub(super) fn s(number: u32, text: &str) -> Vec<u8> {
        b(number, text.as_bytes())
    }

    /// Field `number` as a double.
    pub(super) fn d(number: u32, value: f64) -> Vec<u8> {
        let mut out = Vec::new();
        varint(u64::from(number) << 3 | 1, &mut out);
        out.extend_from_slice(&value.to_bits().to_le_bytes());
        out
    }

    /// A map entry {1: key, 2: value} as field `number`.
    pub(super) fn entry(number: u32, key: &str, value: &[u8]) -> Vec<u8> {
        b(number, &[s(1, key), value.to_vec()].concat())
    }

    /// A whole body: the magic, then runtime.Unknown {1: TypeMeta, 2: raw, 3: "", 4: ""}.
    pub(super) fn body(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = [s(1, api_version), s(2, kind)].concat();
        let unknown = [b(1, &type_meta), b(2, raw), s(3, ""), s(4, "")].concat();
        [b"k8s\0".as_slice(), &unknown].concat()
    }
}

use enc::{b, body, d, entry, s, v};

fn decoded(api_version: &str, kind: &str, raw: &[u8]) -> Value {
    decode_object(&body(api_version, kind, raw)).unwrap().2
}

/// `data` decoded as the message named `name`.
fn as_message(name: &str, data: &[u8]) -> Result<Value, ProtobufError> {
    let message = schema::by_name(name).unwrap();
    decode::decode(message, data, 0).map_err(decode::DecodeError::into_public)
}

#[test]
fn the_envelope_gives_the_type() {
    let raw = [b(1, &s(1, "cm")), entry(2, "a", &s(2, "b"))].concat();
    let (api_version, kind, object) = decode_object(&body("v1", "ConfigMap", &raw)).unwrap();
    assert_eq!((api_version.as_str(), kind.as_str()), ("v1", "ConfigMap"));
    assert_eq!(
        object,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"a": "b"}})
    );
}

#[test]
fn envelope_errors_say_what_is_wrong() {
    assert_eq!(
        decode_object(b"{\"kind\":1}"),
        Err(ProtobufError::NotProtobuf)
    );
    assert_eq!(decode_object(b"k8s"), Err(ProtobufError::NotProtobuf));
    assert_eq!(
        decode_object(&body("v1", "", &[])),
        Err(ProtobufError::MissingKind)
    );
    assert_eq!(
        decode_object(&body("", "ConfigMap", &[])),
        Err(ProtobufError::MissingVersion)
    );
    assert_eq!(
        decode_object(&body("apps/", "Deployment", &[])),
        Err(ProtobufError::MissingVersion)
    );
    let unknown = decode_object(&body("example.com/v1", "Widget", &[])).unwrap_err();
    assert!(unknown.is_unsupported_media_type());
    assert_eq!(
        unknown.to_string(),
        "no protobuf encoding is known for example.com/v1, Kind=Widget"
    );
    let corrupt = decode_object(&[b"k8s\0".as_slice(), &[0x0a, 0x10]].concat()).unwrap_err();
    assert!(!corrupt.is_unsupported_media_type());
    assert_eq!(
        corrupt.to_string(),
        "invalid protobuf body: unexpected end of data"
    );
    // Defaults fill in what the envelope leaves empty.
    let (api_version, kind, object) =
        decode_object_with_defaults(&body("", "", &b(1, &s(1, "x"))), "v1", "Secret").unwrap();
    assert_eq!((api_version.as_str(), kind.as_str()), ("v1", "Secret"));
    assert_eq!(object["metadata"]["name"], "x");
    let (api_version, ..) =
        decode_object_with_defaults(&body("apps/v1", "", &[]), "v1", "Deployment").unwrap();
    assert_eq!(api_version, "apps/v1");
    assert!(is_known_kind("batch/v1", "CronJob"));
    assert!(!is_known_kind("batch/v1", "Deployment"));
}

#[test]
fn zero_values_follow_go_pointers_and_omitempty() {
    // DeploymentSpec: 1 replicas (*int32), 5 minReadySeconds (int32, omitempty),
    // 7 paused (bool, omitempty), 4 strategy (a struct); ObjectMeta 2 generateName (string,
    // omitempty), 7 generation (int64, omitempty), 8 creationTimestamp (Time).
    let metadata = [s(1, "web"), s(2, ""), v(7, 0), b(8, &[])].concat();
    let spec = [v(1, 0), b(4, &[]), v(5, 0), v(7, 0)].concat();
    let raw = [b(1, &metadata), b(2, &spec), b(3, &[])].concat();
    assert_eq!(
        decoded("apps/v1", "Deployment", &raw),
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "creationTimestamp": null},
            "spec": {"replicas": 0, "strategy": {}},
            "status": {},
        })
    );
    // A field without omitempty keeps its zero (RoleRef.apiGroup), a *bool its false.
    let raw = [b(3, &[s(1, ""), s(2, "Role"), s(3, "r")].concat())].concat();
    assert_eq!(
        decoded("rbac.authorization.k8s.io/v1", "RoleBinding", &raw)["roleRef"],
        json!({"apiGroup": "", "kind": "Role", "name": "r"})
    );
    let raw = [v(4, 0)].concat();
    assert_eq!(
        decoded("v1", "ServiceAccount", &raw)["automountServiceAccountToken"],
        false
    );
}

#[test]
fn scalars_decode_as_go_reads_them() {
    // PodSpec 4 terminationGracePeriodSeconds (*int64), 11 hostNetwork (bool).
    let spec = [v(4, u64::MAX), v(11, 2)].concat();
    let pod = decoded("v1", "Pod", &b(2, &spec));
    assert_eq!(
        pod["spec"],
        json!({"terminationGracePeriodSeconds": -1, "hostNetwork": true})
    );
    // An int32 is the low 32 bits of the varint, as Go reads it (Deployment replicas).
    let spec = v(1, (1 << 32) | 7);
    assert_eq!(
        decoded("apps/v1", "Deployment", &b(2, &spec))["spec"]["replicas"],
        7
    );
    let spec = v(1, u64::MAX);
    assert_eq!(
        decoded("apps/v1", "Deployment", &b(2, &spec))["spec"]["replicas"],
        -1
    );
    // Invalid UTF-8 becomes U+FFFD, as Go's JSON encoder writes it.
    let metadata = b(1, b"a\xff");
    assert_eq!(
        decoded("v1", "ConfigMap", &b(1, &metadata))["metadata"]["name"],
        "a\u{fffd}"
    );
}

#[test]
fn doubles_print_as_go() {
    let props = "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps";
    // 9 maximum, 11 minimum, 19 multipleOf.
    let data = [d(9, 10.0), d(11, -0.5), d(19, 1e300)].concat();
    assert_eq!(
        as_message(props, &data).unwrap(),
        json!({"maximum": 10, "minimum": -0.5, "multipleOf": 1e300})
    );
    let error = as_message(props, &d(9, f64::NAN)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid protobuf body at maximum: unsupported value: NaN"
    );
}

#[test]
fn kubernetes_types_have_their_own_json() {
    // ObjectMeta 8 creationTimestamp, 9 deletionTimestamp; Time {1: seconds, 2: nanos}.
    let metadata = [
        b(8, &[v(1, 1_700_000_000), v(2, 5)].concat()),
        b(9, &v(1, 0)),
    ]
    .concat();
    let object = decoded("v1", "ConfigMap", &b(1, &metadata));
    assert_eq!(
        object["metadata"],
        json!({"creationTimestamp": "2023-11-14T22:13:20Z", "deletionTimestamp": "1970-01-01T00:00:00Z"})
    );
    // Event 10 eventTime is a MicroTime.
    let event = decoded(
        "v1",
        "Event",
        &b(10, &[v(1, 1_700_000_000), v(2, 123_456_789)].concat()),
    );
    assert_eq!(event["eventTime"], "2023-11-14T22:13:20.123456Z");
    let error = decode_object(&body("v1", "Event", &b(10, &v(1, 1 << 40)))).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid protobuf body at eventTime: time "),
        "{error}"
    );

    // ServicePort 4 targetPort is an IntOrString {1: type, 2: intVal, 3: strVal}.
    let port = |target: Vec<u8>| b(1, &[v(3, 80), b(4, &target)].concat());
    let spec = [
        port([v(1, 0), v(2, 8080)].concat()),
        port([v(1, 1), s(3, "http")].concat()),
    ];
    let service = decoded("v1", "Service", &b(2, &spec.concat()));
    assert_eq!(
        service["spec"]["ports"],
        json!([{"port": 80, "targetPort": 8080}, {"port": 80, "targetPort": "http"}])
    );
    let error = decode_object(&body("v1", "Service", &b(2, &port(v(1, 7))))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid protobuf body at spec.ports[0].targetPort: impossible IntOrString.Type 7"
    );

    // Quantities: the string; an empty one is Go's zero, "0".
    let quantity = "k8s.io.apimachinery.pkg.api.resource.Quantity";
    assert_eq!(as_message(quantity, &s(1, "500m")).unwrap(), "500m");
    assert_eq!(as_message(quantity, &[]).unwrap(), "0");

    let duration = "k8s.io.apimachinery.pkg.apis.meta.v1.Duration";
    assert_eq!(
        as_message(duration, &v(1, 90_000_000_000)).unwrap(),
        "1m30s"
    );
    assert_eq!(as_message(duration, &[]).unwrap(), "0s");
}

#[test]
fn raw_json_is_embedded() {
    // ControllerRevision 2 data is a RawExtension {1: raw}.
    let raw = [b(2, &b(1, br#"{"spec":{"x":[1,2]}}"#)), v(3, 4)].concat();
    let revision = decoded("apps/v1", "ControllerRevision", &raw);
    assert_eq!(revision["data"], json!({"spec": {"x": [1, 2]}}));
    assert_eq!(revision["revision"], 4);
    assert_eq!(
        decoded("apps/v1", "ControllerRevision", &b(2, &[]))["data"],
        Value::Null
    );
    let error =
        decode_object(&body("apps/v1", "ControllerRevision", &b(2, &b(1, b"{")))).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid protobuf body at data: raw JSON is not valid")
    );
    // A Go client's nested object comes in protobuf itself.
    let nested = body("v1", "ConfigMap", &b(1, &s(1, "inner")));
    let revision = decoded("apps/v1", "ControllerRevision", &b(2, &b(1, &nested)));
    assert_eq!(
        revision["data"],
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "inner"}})
    );
    // ObjectMeta 17 managedFields: 7 fieldsV1 holds JSON too.
    let entry = [
        s(1, "kubectl"),
        s(6, "FieldsV1"),
        b(7, &b(1, br#"{"f:data":{}}"#)),
    ]
    .concat();
    let object = decoded("v1", "ConfigMap", &b(1, &b(17, &entry)));
    assert_eq!(
        object["metadata"]["managedFields"],
        json!([{"manager": "kubectl", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {}}}])
    );
}

#[test]
fn repeated_fields_and_maps() {
    // PodFailurePolicyOnExitCodesRequirement 3 values: packed or not, the same.
    let name = "k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement";
    let unpacked = [s(2, "In"), v(3, 1), v(3, 2), v(3, 300)].concat();
    let packed = [s(2, "In"), b(3, &[1, 2, 0xac, 0x02])].concat();
    let expected = json!({"operator": "In", "values": [1, 2, 300]});
    assert_eq!(as_message(name, &unpacked).unwrap(), expected);
    assert_eq!(as_message(name, &packed).unwrap(), expected);
    assert!(as_message(name, &b(3, &[0x80])).is_err());

    // Secret 2 data (bytes values): base64; a missing value is empty, a later key wins.
    let raw = [
        entry(2, "a", &b(2, b"\x00\xff")),
        entry(2, "empty", &[]),
        entry(2, "twice", &b(2, b"1")),
        entry(2, "twice", &b(2, b"2")),
    ]
    .concat();
    assert_eq!(
        decoded("v1", "Secret", &raw)["data"],
        json!({"a": "AP8=", "empty": "", "twice": "Mg=="})
    );
    // ResourceQuotaSpec 1 hard: Quantity values.
    let spec = [entry(1, "pods", &b(2, &s(1, "2"))), entry(1, "cpu", &[])].concat();
    assert_eq!(
        decoded("v1", "ResourceQuota", &b(2, &spec))["spec"]["hard"],
        json!({"pods": "2", "cpu": "0"})
    );
    // SubjectAccessReviewSpec 5 extra: map of ExtraValue, a Go []string.
    let spec = [
        entry(5, "scopes", &b(2, &[s(1, "a"), s(1, "b")].concat())),
        entry(5, "none", &[]),
    ]
    .concat();
    assert_eq!(
        decoded(
            "authorization.k8s.io/v1",
            "SubjectAccessReview",
            &b(2, &spec)
        )["spec"]["extra"],
        json!({"scopes": ["a", "b"], "none": []})
    );
}

#[test]
fn inline_fields_join_their_parent() {
    // PodSpec 1 volumes; Volume {1: name, 2: VolumeSource (inline)}, VolumeSource 2 emptyDir,
    // 4 secret {1: secretName}.
    let volumes = [
        b(1, &[s(1, "cache"), b(2, &b(2, &[]))].concat()),
        b(1, &[s(1, "creds"), b(2, &b(6, &s(1, "s")))].concat()),
    ]
    .concat();
    let pod = decoded("v1", "Pod", &b(2, &volumes));
    assert_eq!(
        pod["spec"]["volumes"],
        json!([{"name": "cache", "emptyDir": {}}, {"name": "creds", "secret": {"secretName": "s"}}])
    );
}

#[test]
fn unknown_fields_are_skipped_and_repeated_messages_merge() {
    let group = [0x9b, 0x06, 0x08, 0x01, 0x9c, 0x06]; // field 99 as a group holding 1: 1
    let raw = [
        b(1, &s(1, "first")),
        v(50, 1),
        group.to_vec(),
        d(51, 1.0),
        b(
            1,
            &[s(3, "ns"), b(11, &[s(1, "k"), s(2, "v")].concat())].concat(),
        ),
        entry(2, "a", &s(2, "b")),
        b(1, &s(1, "second")),
    ]
    .concat();
    assert_eq!(
        decoded("v1", "ConfigMap", &raw),
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "second", "namespace": "ns", "labels": {"k": "v"}},
            "data": {"a": "b"},
        })
    );
}

#[test]
fn apiextensions_unions() {
    let package = "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1";
    let props = |data: &[u8]| as_message(&format!("{package}.JSONSchemaProps"), data).unwrap();
    let string = s(5, "string");
    // 30 additionalProperties (OrBool {1: allows, 2: schema}), 24 items (OrArray
    // {1: schema, 2: schemas}), 32 dependencies (map of OrStringArray {1: schema, 2: property}),
    // 38 x-kubernetes-preserve-unknown-fields (*bool), 3 $ref, 8 default (JSON).
    assert_eq!(
        props(&b(30, &v(1, 1))),
        json!({"additionalProperties": true})
    );
    assert_eq!(props(&b(30, &[])), json!({"additionalProperties": false}));
    assert_eq!(
        props(&b(30, &[v(1, 0), b(2, &string)].concat())),
        json!({"additionalProperties": {"type": "string"}})
    );
    assert_eq!(
        props(&b(24, &b(1, &string))),
        json!({"items": {"type": "string"}})
    );
    assert_eq!(
        props(&b(
            24,
            &[b(1, &string), b(2, &string), b(2, &s(5, "integer"))].concat()
        )),
        json!({"items": [{"type": "string"}, {"type": "integer"}]})
    );
    let dependencies = [
        entry(32, "a", &b(2, &[s(2, "b"), s(2, "c")].concat())),
        entry(32, "d", &b(2, &b(1, &string))),
        entry(32, "e", &b(2, &[])),
    ]
    .concat();
    assert_eq!(
        props(&dependencies),
        json!({"dependencies": {"a": ["b", "c"], "d": {"type": "string"}, "e": null}})
    );
    assert_eq!(
        props(&[s(3, "#/x"), v(38, 0), b(8, &b(1, b"{\"a\":1}"))].concat()),
        json!({"$ref": "#/x", "x-kubernetes-preserve-unknown-fields": false, "default": {"a": 1}})
    );
    // 29 properties: map of JSONSchemaProps, nested deeply: an error, not a stack overflow.
    let mut schema = string.clone();
    for _ in 0..200 {
        schema = entry(29, "p", &b(2, &schema));
    }
    let error = as_message(&format!("{package}.JSONSchemaProps"), &schema).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("messages nested more than 100 deep"),
        "{error}"
    );
}

#[test]
fn wrong_wire_types_are_errors_with_a_path() {
    let raw = b(2, &b(2, &v(1, 5)));
    let error = decode_object(&body("apps/v1", "Deployment", &raw)).unwrap_err();
    assert_eq!(
        error,
        ProtobufError::Malformed {
            path: "spec.selector.matchLabels".into(),
            reason: "a map entry field sent as a varint".into(),
        }
    );
    let containers = b(3, &b(2, &b(2, &v(1, 1))));
    let error = decode_object(&body("apps/v1", "Deployment", &b(2, &containers))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid protobuf body at spec.template.spec.containers[0].name: a string field sent as a varint"
    );
}

/// Every JSON name the schema gives matches the property of the OpenAPI schema hub-api serves
/// for that type, when the schema has it: same names ignoring case and separators are the same
/// name, and an inline message's fields are properties of the parent.
#[test]
fn json_names_match_the_openapi_schemas() {
    let registry = crate::registry::Registry::builtin();
    let openapi = crate::openapi::OpenApi::new(&registry);
    let mut properties: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let paths: Vec<String> = openapi.group_versions().map(str::to_owned).collect();
    for path in paths {
        let (bytes, _) = openapi.document(&path).unwrap();
        let document: Value = serde_json::from_slice(bytes).unwrap();
        for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
            if let Some(props) = schema["properties"].as_object() {
                properties
                    .entry(name.to_lowercase())
                    .or_default()
                    .extend(props.keys().cloned());
            }
        }
    }
    let norm = |name: &str| -> String {
        name.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let mut checked = 0;
    for message in schema::all() {
        if message.form != Form::Object {
            continue;
        }
        let openapi_name = message
            .name
            .replacen("k8s.io.", "io.k8s.", 1)
            .replace('_', "-")
            .to_lowercase();
        let Some(props) = properties.get(&openapi_name) else {
            continue;
        };
        for field in message.fields {
            let names: Vec<&str> = match (field.shape, field.ty) {
                (Shape::Inline, Ty::Msg(n)) => {
                    schema::message(n).fields.iter().map(|f| f.json).collect()
                }
                _ => vec![field.json],
            };
            for name in names {
                if let Some(prop) = props.iter().find(|prop| norm(prop) == norm(name)) {
                    assert_eq!(prop, name, "{}", message.name);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1500, "only {checked} fields checked");
}

/// `kubectl drain` sends its Eviction as JSON (`drain.body.json`); a Go client sending it as
/// protobuf writes every non-pointer field of ObjectMeta, and that decodes to the same JSON.
#[test]
fn an_eviction_in_protobuf_is_draining_json() {
    let sent: Value = serde_json::from_str(include_str!(
        "../../tests/fixtures/protobuf/drain.body.json"
    ))
    .unwrap();
    let metadata = [
        s(1, "p1"),
        s(2, ""),
        s(3, "default"),
        s(4, ""),
        s(5, ""),
        s(6, ""),
        v(7, 0),
        b(8, &[]),
    ]
    .concat();
    // DeleteOptions 1 gracePeriodSeconds (*int64).
    let raw = [b(1, &metadata), b(2, &v(1, 30))].concat();
    assert_eq!(decoded("policy/v1", "Eviction", &raw), sent);
}

/// Every kind the hub serves, and every kind its subresources take, has a message.
#[test]
fn every_served_kind_has_a_message() {
    let registry = crate::registry::Registry::builtin();
    let mut kinds = 0;
    // nave's own kinds are not in kubectl's scheme: kubectl sends them as JSON, never protobuf.
    for def in registry
        .resources()
        .iter()
        .filter(|def| def.group != crate::tenancy::GROUP)
    {
        assert!(is_known_kind(&def.api_version(), &def.kind), "{}", def.kind);
        for sub in &def.subresources {
            let api_version = if sub.group.is_empty() {
                sub.version.clone()
            } else {
                format!("{}/{}", sub.group, sub.version)
            };
            assert!(
                is_known_kind(&api_version, &sub.kind),
                "{}/{}",
                def.resource,
                sub.name
            );
        }
        kinds += 1;
    }
    assert!(kinds > 30, "{kinds}");
}
