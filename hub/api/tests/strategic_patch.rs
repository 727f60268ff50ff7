//! The strategic merge patches the real kubectl 1.32 sends (captured into
//! `fixtures/strategic/`, see its README), applied to the live objects they were computed from:
//! `kubectl apply` (containers, env, ports and volumes changing; a strategy switch with
//! `$retainKeys`; a reordering with `$setElementOrder`; Service ports), `kubectl patch`,
//! `rollout restart`, `set image`, `set env`, `edit`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::path::{Path, PathBuf};

use hub_api::patch::strategic;
use hub_api::typeinfo;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/strategic")
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every captured patch: `(name, fixture, original)`.
fn captured() -> Vec<(String, Value, Value)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.ends_with("-live.json") {
            continue;
        }
        let fixture = read(&path);
        let original = read(&fixtures().join(fixture["original"].as_str().unwrap()));
        all.push((name, fixture, original));
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        all.len(),
        10,
        "fixtures: {:?}",
        all.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    all
}

fn root_of(object: &Value) -> typeinfo::TypeRef<'static> {
    let api_version = object["apiVersion"].as_str().unwrap();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    typeinfo::for_kind(group, version, object["kind"].as_str().unwrap()).unwrap()
}

#[test]
fn every_captured_patch_gives_the_expected_object() {
    for (name, fixture, original) in captured() {
        assert_eq!(
            fixture["contentType"], "application/strategic-merge-patch+json",
            "{name}"
        );
        let result = strategic::apply(&original, &fixture["patch"], root_of(&original))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if result != fixture["expected"] {
            panic!(
                "{name}: got\n{}\nexpected\n{}",
                serde_json::to_string_pretty(&result).unwrap(),
                serde_json::to_string_pretty(&fixture["expected"]).unwrap()
            );
        }
    }
}

/// Whether `part` is in `whole`: objects key by key, lists as an ordered subsequence.
fn contains(whole: &Value, part: &Value) -> bool {
    match (whole, part) {
        (Value::Object(whole), Value::Object(part)) => part
            .iter()
            .all(|(key, value)| whole.get(key).is_some_and(|w| contains(w, value))),
        (Value::Array(whole), Value::Array(part)) => {
            let mut rest = whole.iter();
            part.iter().all(|item| rest.any(|w| contains(w, item)))
        }
        _ => whole == part,
    }
}

#[test]
fn client_side_apply_converges_on_the_applied_configuration() {
    let mut applied = 0;
    for (name, fixture, original) in captured() {
        let command = fixture["command"].as_str().unwrap();
        let Some(config) = command.split(" -f ").nth(1) else {
            continue;
        };
        let config = read(&fixtures().join(config));
        let result = strategic::apply(&original, &fixture["patch"], root_of(&original)).unwrap();
        assert!(contains(&result, &config), "{name}: {result:#}");
        let annotation =
            result["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
                .as_str()
                .unwrap();
        // kubectl records the configuration with an emptied `annotations` map.
        let mut recorded: Value = serde_json::from_str(annotation).unwrap();
        assert_eq!(
            recorded["metadata"]["annotations"],
            serde_json::json!({}),
            "{name}"
        );
        recorded["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("annotations");
        assert_eq!(recorded, config, "{name}");
        // Fields the server or others set survive: the injected variable, defaults, status.
        assert_eq!(result["status"], original["status"], "{name}");
        applied += 1;
    }
    assert_eq!(applied, 4);
}

#[test]
fn the_kubectl_apply_patch_removes_what_the_configuration_dropped() {
    let (_, fixture, original) = captured()
        .into_iter()
        .find(|(name, _, _)| name == "apply-containers-env-ports-volumes.json")
        .unwrap();
    let result = strategic::apply(&original, &fixture["patch"], root_of(&original)).unwrap();
    let spec = &result["spec"]["template"]["spec"];
    let names = |list: &Value, key: &str| -> Vec<Value> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|item| item[key].clone())
            .collect()
    };
    assert_eq!(names(&spec["containers"], "name"), ["nginx", "logger"]);
    let nginx = &spec["containers"][0];
    // DEBUG deleted, LOG_LEVEL added in the configuration's order, INJECTED (not ours) kept.
    assert_eq!(
        names(&nginx["env"], "name"),
        ["MODE", "LOG_LEVEL", "INJECTED"]
    );
    assert_eq!(names(&nginx["ports"], "containerPort"), [80, 8080]);
    assert_eq!(
        nginx["ports"][0]["protocol"], "TCP",
        "server defaults of kept items stay"
    );
    assert_eq!(names(&spec["volumes"], "name"), ["cache", "data"]);
    // `$retainKeys` dropped emptyDir when the volume became a hostPath.
    assert_eq!(
        spec["volumes"][0],
        serde_json::json!({"name": "cache", "hostPath": {"path": "/tmp/cache"}})
    );
}

#[test]
fn service_ports_merge_by_port_alone() {
    // The patch merge key of Service ports is `port` (apply keys them by port and protocol):
    // kubectl's patch for a TCP port 53 replacing a UDP port 53 updates that item in place.
    let (_, fixture, original) = captured()
        .into_iter()
        .find(|(name, _, _)| name == "apply-service-ports.json")
        .unwrap();
    let result = strategic::apply(&original, &fixture["patch"], root_of(&original)).unwrap();
    assert_eq!(
        result["spec"]["ports"][0],
        serde_json::json!({"name": "dns-tcp", "port": 53, "protocol": "TCP"})
    );
    assert_eq!(result["spec"]["ports"].as_array().unwrap().len(), 2);
}

#[test]
fn without_type_metadata_lists_are_replaced() {
    // The same `kubectl patch` body as JSON merge patch semantics (what a type without
    // metadata gets): the containers list is replaced by the one-item patch list.
    let (_, fixture, original) = captured()
        .into_iter()
        .find(|(name, _, _)| name == "patch-image.json")
        .unwrap();
    let result =
        strategic::apply(&original, &fixture["patch"], typeinfo::TypeRef::UNKNOWN).unwrap();
    assert_eq!(
        result["spec"]["template"]["spec"]["containers"],
        serde_json::json!([{"name": "nginx", "image": "nginx:1.27"}])
    );
}
