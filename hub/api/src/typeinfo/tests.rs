//! Tests of the type table: the generated table parses, and the facts that patching and apply
//! depend on are the upstream ones.

use super::*;

#[test]
fn the_builtin_table_parses_and_has_every_kind() {
    let schema = Schema::parse(TABLE).unwrap();
    assert!(schema.types().count() > 500);
    assert!(schema.kinds().count() > 80);
    for (group, version, kind) in [
        ("", "v1", "Pod"),
        ("", "v1", "ConfigMap"),
        ("", "v1", "Service"),
        ("apps", "v1", "Deployment"),
        ("batch", "v1", "CronJob"),
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
    ] {
        let root = for_kind(group, version, kind).unwrap();
        assert_eq!(root.kind(), Kind::Struct, "{group}/{version} {kind}");
        assert!(root.declares("metadata"), "{kind} has metadata");
    }
    assert!(for_kind("example.com", "v1", "Widget").is_none());
    assert!(for_kind("", "v1", "Deployment").is_none());
}

#[test]
fn deployment_containers_merge_by_name_for_both_patch_and_apply() {
    let containers = for_kind("apps", "v1", "Deployment")
        .unwrap()
        .field("spec")
        .field("template")
        .field("spec")
        .field("containers");
    assert_eq!(containers.kind(), Kind::List);
    let patch = containers.patch_meta();
    assert_eq!(patch.strategy, PatchStrategy::Merge);
    assert_eq!(patch.merge_key.as_deref(), Some("name"));
    assert_eq!(containers.list_type(), &ListType::Map(vec!["name".into()]));
    let container = containers.item();
    assert_eq!(
        container.type_def().unwrap().name(),
        "io.k8s.api.core.v1.Container"
    );
    assert_eq!(container.field("image").kind(), Kind::Scalar);
}

#[test]
fn container_and_service_ports_keep_both_keys() {
    let ports = field("io.k8s.api.core.v1.Container", "ports").unwrap();
    assert_eq!(
        ports.facts().patch.merge_key.as_deref(),
        Some("containerPort")
    );
    assert_eq!(
        ports.facts().list_type,
        ListType::Map(vec!["containerPort".into(), "protocol".into()])
    );
    // Apply keys an item without a protocol by its default.
    let port = for_kind("", "v1", "Pod")
        .unwrap()
        .field("spec")
        .field("containers")
        .item()
        .field("ports")
        .item();
    assert_eq!(port.field("protocol").default_value(), Some("TCP"));
    assert_eq!(port.field("name").default_value(), None);
    let ports = field("io.k8s.api.core.v1.ServiceSpec", "ports").unwrap();
    assert_eq!(ports.facts().patch.merge_key.as_deref(), Some("port"));
    assert_eq!(
        ports.facts().list_type,
        ListType::Map(vec!["port".into(), "protocol".into()])
    );
}

#[test]
fn strategies_other_than_merge_are_kept() {
    let volumes = field("io.k8s.api.core.v1.PodSpec", "volumes").unwrap();
    assert_eq!(volumes.facts().patch.strategy, PatchStrategy::Merge);
    assert!(volumes.facts().patch.retain_keys);
    let strategy = field("io.k8s.api.apps.v1.DeploymentSpec", "strategy").unwrap();
    assert_eq!(strategy.facts().patch.strategy, PatchStrategy::Default);
    assert!(strategy.facts().patch.retain_keys);
    let selector = field("io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "selector").unwrap();
    assert_eq!(selector.facts().patch.strategy, PatchStrategy::Replace);
    let finalizers = field(
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "finalizers",
    )
    .unwrap();
    assert_eq!(finalizers.facts().patch.strategy, PatchStrategy::Merge);
    assert_eq!(finalizers.facts().patch.merge_key, None);
    assert_eq!(finalizers.facts().list_type, ListType::Set);
}

#[test]
fn lists_merged_only_by_apply_are_replaced_by_patches() {
    let claims = field("io.k8s.api.core.v1.ResourceRequirements", "claims").unwrap();
    assert_eq!(claims.facts().patch.strategy, PatchStrategy::Default);
    assert_eq!(claims.facts().list_type, ListType::Map(vec!["name".into()]));
    // k8s-openapi merges volumeClaimTemplates by name; upstream says atomic.
    let templates = field("io.k8s.api.apps.v1.StatefulSetSpec", "volumeClaimTemplates").unwrap();
    assert_eq!(templates.facts().list_type, ListType::Atomic);
}

#[test]
fn atomic_structs_and_maps() {
    let spec = for_kind("apps", "v1", "Deployment").unwrap().field("spec");
    assert!(spec.field("selector").is_atomic_map());
    assert!(!spec.field("template").is_atomic_map());
    let pod_spec = spec.field("template").field("spec");
    assert!(pod_spec.field("nodeSelector").is_atomic_map());
    assert!(!pod_spec.field("overhead").is_atomic_map());
    // ObjectReference is atomic, but PersistentVolumeSpec.claimRef says granular.
    assert!(
        named("io.k8s.api.core.v1.ObjectReference")
            .unwrap()
            .is_atomic_map()
    );
    let claim_ref = for_kind("", "v1", "PersistentVolume")
        .unwrap()
        .field("spec")
        .field("claimRef");
    assert!(!claim_ref.is_atomic_map());
}

#[test]
fn unknown_positions_stay_unknown() {
    let unknown = TypeRef::UNKNOWN;
    assert!(unknown.field("anything").item().is_unknown());
    assert_eq!(unknown.list_type(), &ListType::Atomic);
    assert!(!unknown.is_atomic_map());
    let pod = for_kind("", "v1", "Pod").unwrap();
    assert!(pod.field("noSuchField").is_unknown());
    assert!(!pod.declares("noSuchField"));
    // Map values have the map's value type; any key is not a declared field.
    let labels = pod.field("metadata").field("labels");
    assert_eq!(labels.kind(), Kind::Map);
    assert_eq!(labels.field("app").kind(), Kind::Scalar);
    assert!(!labels.declares("app"));
    // RawExtension-like fields carry no metadata below them.
    let raw = named("io.k8s.api.apps.v1.ControllerRevision")
        .unwrap()
        .field("data");
    assert!(raw.is_unknown());
}

#[test]
fn table_errors_name_the_line() {
    let error = Schema::parse("# c\nT a x:b\n").unwrap_err();
    assert_eq!(error.line, 2);
    assert!(error.message.contains("unknown type b"), "{error}");
    let error = Schema::parse("T a x:s;smp=sideways\n").unwrap_err();
    assert!(error.message.contains("sideways"), "{error}");
    let error = Schema::parse("K v1/A nope\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "type table line 1: kind v1/A of unknown type nope"
    );
    let schema =
        Schema::parse("K g/v1/A a\nT a! x:[s];smp=merge;ssa=set y:{s};ssa=atomic\n").unwrap();
    let a = schema.kind("g/v1", "A").unwrap();
    assert!(a.is_atomic_map());
    assert_eq!(a.field("x").list_type(), &ListType::Set);
    assert!(a.field("y").is_atomic_map());
}

#[test]
fn custom_resource_schemas_give_list_and_map_types() {
    let crd = serde_json::json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-map-type": "atomic",
                "properties": {
                    "ports": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["port", "protocol"],
                        "items": {"type": "object", "properties": {"port": {"type": "integer"}}}
                    },
                    "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "size": {"x-kubernetes-int-or-string": true},
                    "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                }
            }
        }
    });
    let schema = Schema::from_openapi("com.example.v1.Widget", &crd);
    let root = schema.named("com.example.v1.Widget").unwrap();
    let spec = root.field("spec");
    assert!(spec.is_atomic_map());
    assert_eq!(
        spec.field("ports").list_type(),
        &ListType::Map(vec!["port".into(), "protocol".into()])
    );
    assert_eq!(
        spec.field("ports").item().field("port").kind(),
        Kind::Scalar
    );
    assert_eq!(spec.field("tags").list_type(), &ListType::Set);
    assert_eq!(spec.field("labels").kind(), Kind::Map);
    assert_eq!(spec.field("size").kind(), Kind::Scalar);
    assert!(spec.field("raw").is_unknown());
    // metadata is the built-in ObjectMeta, so finalizers are a set and labels a map.
    let metadata = root.field("metadata");
    assert_eq!(metadata.field("finalizers").list_type(), &ListType::Set);
    assert_eq!(metadata.field("labels").kind(), Kind::Map);
    assert!(root.declares("apiVersion") && root.declares("kind"));
}
