//! Tests of the typed operations under server-side apply: list merge order, comparisons (what
//! an Update owns), removal, and the pruning of the updater. The flows through the public API
//! are in `hub/api/tests/server_side_apply.rs`.

use serde_json::{Value, json};

use super::fieldpath::{FieldSet, PathElement, path_string};
use super::typed;
use super::updater::{self, Failure, Fields};
use super::{Identity, Operation};
use crate::typeinfo::{self, TypeRef};

fn pod_spec() -> TypeRef<'static> {
    typeinfo::named("io.k8s.api.core.v1.PodSpec").unwrap()
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect()
}

fn paths(set: &FieldSet) -> Vec<String> {
    set.paths().iter().map(|path| path_string(path)).collect()
}

#[test]
fn merged_lists_take_new_items_after_old_ones_and_the_applied_order_for_shared_ones() {
    let live = json!({"containers": [{"name": "a", "image": "1"}, {"name": "b"}, {"name": "c"}]});
    let config = json!({"containers": [{"name": "c", "image": "x"}, {"name": "a"}, {"name": "d"}]});
    let merged = typed::merge(&live, &config, pod_spec()).unwrap();
    // b (live only) stays where it was; c and a follow the configuration's order; d is new.
    assert_eq!(names(&merged["containers"]), ["b", "c", "a", "d"]);
    assert_eq!(merged["containers"][1]["image"], "x");
    assert_eq!(merged["containers"][2]["image"], "1");
}

#[test]
fn atomic_lists_and_maps_are_replaced_whole() {
    let live = json!({"tolerations": [{"key": "a"}], "nodeSelector": {"a": "1", "b": "2"}});
    let config = json!({"tolerations": [{"key": "b"}], "nodeSelector": {"c": "3"}});
    let merged = typed::merge(&live, &config, pod_spec()).unwrap();
    assert_eq!(merged, config);
    let granular = typed::merge(
        &json!({"overhead": {"cpu": "1"}}),
        &json!({"overhead": {"memory": "1Gi"}}),
        pod_spec(),
    )
    .unwrap();
    assert_eq!(granular, json!({"overhead": {"cpu": "1", "memory": "1Gi"}}));
}

#[test]
fn comparisons_mark_new_containers_and_changed_leaves() {
    let old = json!({"containers": [{"name": "a", "image": "1"}], "nodeName": "n"});
    let new = json!({"containers": [{"name": "a", "image": "2"}, {"name": "b"}], "hostname": "h"});
    let comparison = typed::compare(&old, &new, pod_spec());
    assert_eq!(
        paths(&comparison.added),
        [
            ".hostname",
            ".containers[name=\"b\"]",
            ".containers[name=\"b\"].name"
        ]
    );
    assert_eq!(
        paths(&comparison.modified),
        [".containers[name=\"a\"].image"]
    );
    assert_eq!(paths(&comparison.removed), [".nodeName"]);
    assert!(typed::compare(&old, &old, pod_spec()) == typed::Comparison::default());
}

#[test]
fn field_sets_of_applied_configurations() {
    let config = json!({"containers": [{"name": "a", "ports": [{"containerPort": 53, "protocol": "UDP"}]}],
        "securityContext": {}, "nodeSelector": {"x": "y"}, "unknownField": {"deep": 1}});
    let set = typed::field_set(&config, pod_spec(), true).unwrap();
    assert_eq!(
        paths(&set),
        [
            ".nodeSelector",
            ".securityContext",
            ".unknownField",
            ".containers[name=\"a\"]",
            ".containers[name=\"a\"].name",
            ".containers[name=\"a\"].ports[containerPort=53,protocol=\"UDP\"]",
            ".containers[name=\"a\"].ports[containerPort=53,protocol=\"UDP\"].containerPort",
            ".containers[name=\"a\"].ports[containerPort=53,protocol=\"UDP\"].protocol",
            ".unknownField.deep",
        ]
    );
}

#[test]
fn removal_drops_emptied_containers() {
    let value = json!({"containers": [{"name": "a", "env": [{"name": "X"}]}, {"name": "b"}], "nodeName": "n"});
    let mut set = FieldSet::default();
    let field = |name: &str| PathElement::Field(name.into());
    let key = |name: &str| PathElement::Key(vec![("name".into(), json!(name))]);
    set.insert(&[field("containers"), key("b")]);
    set.insert(&[field("containers"), key("a"), field("env"), key("X")]);
    set.insert(&[field("nodeName")]);
    let removed = typed::remove(&value, &set, pod_spec());
    assert_eq!(removed, json!({"containers": [{"name": "a"}]}));
}

#[test]
fn named_fields_with_owned_children_become_members() {
    let mut set = FieldSet::default();
    let field = |name: &str| PathElement::Field(name.into());
    set.insert(&[field("securityContext"), field("runAsUser")]);
    set.insert(&[field("nodeSelector"), field("a")]);
    let ensured = typed::ensure_named_fields_are_members(&set, pod_spec());
    // securityContext and nodeSelector are PodSpec fields; `a` is a map key, not a field.
    assert_eq!(
        paths(&ensured),
        [
            ".nodeSelector",
            ".securityContext",
            ".nodeSelector.a",
            ".securityContext.runAsUser"
        ]
    );
}

#[test]
fn the_updater_prunes_only_what_the_applier_owned() {
    let ty = TypeRef::UNKNOWN;
    let alice = Identity::new("alice", Operation::Apply, "v1", "");
    let bob = Identity::new("bob", Operation::Apply, "v1", "");
    let mut fields = Fields::new();
    let empty = FieldSet::default();
    let live = updater::apply(
        &json!({}),
        &json!({"a": 1, "b": 2}),
        ty,
        "v1",
        &mut fields,
        &alice,
        false,
        &empty,
    )
    .unwrap();
    let live = updater::apply(
        &live,
        &json!({"c": 3}),
        ty,
        "v1",
        &mut fields,
        &bob,
        false,
        &empty,
    )
    .unwrap();
    assert_eq!(live, json!({"a": 1, "b": 2, "c": 3}));
    // Alice drops b: removed; c is bob's and stays.
    let pruned = updater::apply(
        &live,
        &json!({"a": 1}),
        ty,
        "v1",
        &mut fields,
        &alice,
        false,
        &empty,
    )
    .unwrap();
    assert_eq!(pruned, json!({"a": 1, "c": 3}));
    // Bob changing a conflicts with alice.
    let err = updater::apply(
        &pruned,
        &json!({"a": 9}),
        ty,
        "v1",
        &mut fields.clone(),
        &bob,
        false,
        &empty,
    )
    .unwrap_err();
    let Failure::Conflicts(conflicts) = err else {
        panic!("{err:?}")
    };
    assert_eq!(paths(&conflicts[&alice]), [".a"]);
}
