//! Tests of the strategic merge patch: every directive, the list orders kube produces, and the
//! errors with kube's words and statuses. kubectl's own patches are in
//! `hub/api/tests/strategic_patch.rs`.

use serde_json::{Value, json};

use super::*;
use crate::typeinfo;

fn deployment() -> TypeRef<'static> {
    typeinfo::for_kind("apps", "v1", "Deployment").unwrap()
}

fn pod() -> TypeRef<'static> {
    typeinfo::for_kind("", "v1", "Pod").unwrap()
}

fn patch(original: Value, patch: Value, root: TypeRef<'_>) -> Value {
    apply(&original, &patch, root).unwrap_or_else(|error| panic!("{error}"))
}

fn error(original: Value, patch: Value, root: TypeRef<'_>) -> PatchError {
    match apply(&original, &patch, root) {
        Ok(result) => panic!("expected an error, got {result}"),
        Err(error) => error,
    }
}

fn containers(list: Value) -> Value {
    json!({"spec": {"containers": list}})
}

#[test]
fn maps_merge_and_nulls_delete() {
    let result = patch(
        json!({"metadata": {"labels": {"a": "1", "b": "2"}, "name": "x"}}),
        json!({"metadata": {"labels": {"a": null, "c": "3"}}, "spec": {"nodeName": "n"}}),
        pod(),
    );
    assert_eq!(
        result,
        json!({"metadata": {"labels": {"b": "2", "c": "3"}, "name": "x"}, "spec": {"nodeName": "n"}})
    );
    // A null for an absent key is ignored; nulls inside an added object are dropped.
    let result = patch(
        json!({}),
        json!({"gone": null, "metadata": {"labels": {"a": "1", "b": null}}}),
        pod(),
    );
    assert_eq!(result, json!({"metadata": {"labels": {"a": "1"}}}));
}

#[test]
fn values_of_another_type_replace() {
    let result = patch(
        json!({"a": {"b": 1}, "c": [1]}),
        json!({"a": "s", "c": {"d": 1}}),
        TypeRef::UNKNOWN,
    );
    assert_eq!(result, json!({"a": "s", "c": {"d": 1}}));
}

#[test]
fn merge_lists_update_items_by_key() {
    let result = patch(
        containers(
            json!([{"name": "a", "image": "a:1", "tty": true}, {"name": "b", "image": "b:1"}]),
        ),
        containers(json!([{"name": "b", "image": "b:2"}])),
        pod(),
    );
    assert_eq!(
        result,
        containers(
            json!([{"name": "a", "image": "a:1", "tty": true}, {"name": "b", "image": "b:2"}])
        )
    );
}

#[test]
fn items_a_patch_adds_come_before_the_original_ones() {
    // kube's normalizeElementOrder puts patch items not in the original first.
    let result = patch(
        containers(json!([{"name": "a"}, {"name": "b"}])),
        containers(json!([{"name": "c"}])),
        pod(),
    );
    assert_eq!(
        result,
        containers(json!([{"name": "c"}, {"name": "a"}, {"name": "b"}]))
    );
    // Items the patch names keep the original's relative position.
    let result = patch(
        containers(json!([{"name": "a"}, {"name": "b"}])),
        containers(json!([{"name": "b", "image": "x"}, {"name": "c"}])),
        pod(),
    );
    assert_eq!(
        result,
        containers(json!([{"name": "a"}, {"name": "b", "image": "x"}, {"name": "c"}]))
    );
}

#[test]
fn lists_without_merge_strategy_are_replaced() {
    let result = patch(
        json!({"spec": {"tolerations": [{"key": "a"}, {"key": "b"}]}}),
        json!({"spec": {"tolerations": [{"key": "c"}]}}),
        pod(),
    );
    assert_eq!(result, json!({"spec": {"tolerations": [{"key": "c"}]}}));
    // Container args are atomic too.
    let result = patch(
        containers(json!([{"name": "a", "args": ["x", "y"]}])),
        containers(json!([{"name": "a", "args": ["z"]}])),
        pod(),
    );
    assert_eq!(result, containers(json!([{"name": "a", "args": ["z"]}])));
}

#[test]
fn primitive_merge_lists_are_unions() {
    let result = patch(
        json!({"metadata": {"finalizers": ["a", "b"]}}),
        json!({"metadata": {"finalizers": ["b", "c"]}}),
        pod(),
    );
    assert_eq!(result, json!({"metadata": {"finalizers": ["a", "b", "c"]}}));
    let result = patch(
        json!({"metadata": {"finalizers": ["a", "b"]}}),
        json!({"metadata": {"finalizers": ["c"]}}),
        pod(),
    );
    assert_eq!(result, json!({"metadata": {"finalizers": ["c", "a", "b"]}}));
}

#[test]
fn delete_from_primitive_list() {
    let result = patch(
        json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "x"]}}),
        pod(),
    );
    assert_eq!(result, json!({"metadata": {"finalizers": ["a", "c"]}}));
    // Nothing to delete from: the list is not created.
    let result = patch(
        json!({"metadata": {"name": "p"}}),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}),
        pod(),
    );
    assert_eq!(result, json!({"metadata": {"name": "p"}}));
    let err = error(
        json!({"metadata": {}}),
        json!({"metadata": {"$deleteFromPrimitiveList": ["b"]}}),
        pod(),
    );
    assert_eq!(err, PatchError::BadPrimitiveList);
    assert_eq!(err.to_string(), "invalid patch format of primitive list");
    assert_eq!(err.status_code(), 400);
}

#[test]
fn patch_delete_removes_list_items_and_maps() {
    let result = patch(
        containers(json!([{"name": "a"}, {"name": "b"}, {"name": "c"}])),
        containers(json!([{"name": "b", "$patch": "delete"}])),
        pod(),
    );
    assert_eq!(result, containers(json!([{"name": "a"}, {"name": "c"}])));
    // `$patch: delete` in an object empties it.
    let result = patch(
        json!({"spec": {"securityContext": {"runAsUser": 1}, "nodeName": "n"}}),
        json!({"spec": {"securityContext": {"$patch": "delete"}}}),
        pod(),
    );
    assert_eq!(
        result,
        json!({"spec": {"securityContext": {}, "nodeName": "n"}})
    );
    let err = error(
        containers(json!([{"name": "a"}])),
        containers(json!([{"$patch": "delete", "image": "x"}])),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "map: map[$patch:delete image:x] does not contain declared merge key: name"
    );
    assert_eq!(err.status_code(), 500);
}

#[test]
fn patch_replace_replaces_lists_and_maps() {
    let result = patch(
        containers(json!([{"name": "a"}, {"name": "b"}])),
        containers(json!([{"name": "c", "image": "c"}, {"$patch": "replace"}])),
        pod(),
    );
    assert_eq!(result, containers(json!([{"name": "c", "image": "c"}])));
    let result = patch(
        json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
        json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
        pod(),
    );
    assert_eq!(result, json!({"metadata": {"labels": {"c": "3"}}}));
}

#[test]
fn other_patch_directives_are_refused() {
    let err = error(
        json!({"metadata": {"labels": {"a": "1"}}}),
        json!({"metadata": {"labels": {"$patch": "merge"}}}),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "unknown patch type: merge in map: map[$patch:merge]"
    );
    assert_eq!(err.status_code(), 500);
    let err = error(
        containers(json!([{"name": "a"}])),
        containers(json!([{"$patch": "merge"}])),
        pod(),
    );
    assert_eq!(err, PatchError::MergeListDirective);
    let err = error(
        containers(json!([{"name": "a"}])),
        containers(json!([{"$patch": "sideways", "name": "a"}])),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "unknown patch type: sideways in map: map[$patch:sideways name:a]"
    );
}

#[test]
fn merge_keys_are_required() {
    let err = error(
        containers(json!([{"name": "a"}])),
        containers(json!([{"image": "nginx"}])),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "map: map[image:nginx] does not contain declared merge key: name"
    );
    // Numbers print as Go prints float64.
    let err = error(
        json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}}),
        json!({"spec": {"containers": [{"name": "a", "ports": [{"hostPort": 8080}]}]}}),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "map: map[hostPort:8080] does not contain declared merge key: containerPort"
    );
}

#[test]
fn retain_keys_drops_other_keys() {
    let strategy = |value: Value| json!({"spec": {"strategy": value}});
    let result = patch(
        strategy(json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}})),
        strategy(json!({"$retainKeys": ["type"], "type": "Recreate"})),
        deployment(),
    );
    assert_eq!(result, strategy(json!({"type": "Recreate"})));
    let err = error(
        strategy(json!({"type": "RollingUpdate"})),
        strategy(json!({"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 2}})),
        deployment(),
    );
    assert_eq!(err, PatchError::RetainKeysMismatch);
    assert_eq!(
        err.to_string(),
        "patch content doesn't match retainKeys list"
    );
    assert_eq!(err.status_code(), 422);
    let err = error(
        strategy(json!({})),
        strategy(json!({"$retainKeys": "type"})),
        deployment(),
    );
    assert_eq!(err, PatchError::BadRetainKeys);
    assert_eq!(err.status_code(), 400);
}

#[test]
fn set_element_order_orders_merged_lists() {
    let result = patch(
        containers(json!([{"name": "a"}, {"name": "b"}, {"name": "c"}])),
        json!({"spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}]}}),
        pod(),
    );
    // An unlisted item goes before a listed one it preceded in the original: b stood before c.
    assert_eq!(
        result,
        containers(json!([{"name": "b"}, {"name": "c"}, {"name": "a"}]))
    );
    let result = patch(
        containers(json!([{"name": "a"}, {"name": "b"}])),
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "b"}, {"name": "new"}, {"name": "a"}],
            "containers": [{"name": "new", "image": "n"}]
        }}),
        pod(),
    );
    assert_eq!(
        result,
        containers(json!([{"name": "b"}, {"name": "new", "image": "n"}, {"name": "a"}]))
    );
    // Primitive lists too.
    let result = patch(
        json!({"metadata": {"finalizers": ["a", "b"]}}),
        json!({"metadata": {"$setElementOrder/finalizers": ["b", "c", "a"], "finalizers": ["c"]}}),
        pod(),
    );
    assert_eq!(result, json!({"metadata": {"finalizers": ["b", "c", "a"]}}));
}

#[test]
fn set_element_order_errors() {
    let err = error(
        containers(json!([{"name": "a"}])),
        json!({"spec": {"$setElementOrder": [{"name": "a"}]}}),
        pod(),
    );
    assert_eq!(err, PatchError::BadSetElementOrder);
    assert_eq!(err.status_code(), 400);
    let err = error(
        containers(json!([{"name": "a"}])),
        json!({"spec": {"$setElementOrder/containers": {"name": "a"}}}),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "expected a []interface {}, but received a map[string]interface {}"
    );
    let err = error(
        containers(json!([{"name": "a"}, {"name": "b"}])),
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "a"}],
            "containers": [{"name": "b", "image": "x"}]
        }}),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "The order in patch list:\n[map[image:x name:b]]\n doesn't match $setElementOrder list:\n[map[name:a]]\n"
    );
}

#[test]
fn replace_strategy_replaces_maps() {
    let pdb = typeinfo::for_kind("policy", "v1", "PodDisruptionBudget").unwrap();
    let result = patch(
        json!({"spec": {"selector": {"matchLabels": {"a": "1"}}, "minAvailable": 1}}),
        json!({"spec": {"selector": {"matchExpressions": [{"key": "b", "operator": "Exists"}]}}}),
        pdb,
    );
    assert_eq!(
        result,
        json!({"spec": {"selector": {"matchExpressions": [{"key": "b", "operator": "Exists"}]}, "minAvailable": 1}})
    );
    // A Deployment's selector has no such strategy: it merges.
    let result = patch(
        json!({"spec": {"selector": {"matchLabels": {"a": "1"}}}}),
        json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
        deployment(),
    );
    assert_eq!(
        result,
        json!({"spec": {"selector": {"matchLabels": {"a": "1", "b": "2"}}}})
    );
}

#[test]
fn list_shape_errors() {
    let err = error(
        json!({"metadata": {"finalizers": [["a"]]}}),
        json!({"metadata": {"finalizers": [["b"]]}}),
        pod(),
    );
    assert_eq!(err, PatchError::ListOfLists);
    assert_eq!(err.status_code(), 422);
    let err = error(
        json!({"metadata": {"finalizers": ["a"]}}),
        json!({"metadata": {"finalizers": [1]}}),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "list element types are not identical: [[a] [1]]"
    );
}

#[test]
fn fields_a_type_lacks_are_refused_when_both_sides_have_them() {
    let err = error(
        json!({"spec": {"bogus": {"a": 1}}}),
        json!({"spec": {"bogus": {"b": 1}}}),
        pod(),
    );
    assert_eq!(
        err.to_string(),
        "unable to find api field in struct PodSpec for the json field \"bogus\""
    );
    // Only in the patch: taken as is (decoding decides about unknown fields).
    let result = patch(
        json!({"spec": {}}),
        json!({"spec": {"bogus": {"b": 1}}}),
        pod(),
    );
    assert_eq!(result, json!({"spec": {"bogus": {"b": 1}}}));
}

#[test]
fn unknown_types_merge_like_json_merge_patch() {
    let result = patch(
        json!({"spec": {"items": [1, 2], "nested": {"a": 1, "b": 2}}}),
        json!({"spec": {"items": [3], "nested": {"a": null, "c": {"d": null, "e": 1}}}}),
        TypeRef::UNKNOWN,
    );
    assert_eq!(
        result,
        json!({"spec": {"items": [3], "nested": {"b": 2, "c": {"e": 1}}}})
    );
}

#[test]
fn documents_must_be_objects() {
    assert_eq!(
        apply(&json!({}), &json!([1]), pod()),
        Err(PatchError::BadJsonDoc)
    );
    assert_eq!(PatchError::BadJsonDoc.to_string(), "invalid JSON document");
    assert_eq!(PatchError::BadJsonDoc.status_code(), 400);
}

#[test]
fn merge_keys_compare_numbers_by_value() {
    let result = patch(
        json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}),
        json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80.0, "name": "http"}]}]}}),
        pod(),
    );
    let ports = result["spec"]["containers"][0]["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 1, "{ports:?}");
    assert_eq!(ports[0]["containerPort"].as_f64(), Some(80.0));
    assert_eq!(ports[0]["protocol"], "TCP");
    assert_eq!(ports[0]["name"], "http");
}
