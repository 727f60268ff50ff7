//! Server-side apply and managedFields through the public API, in the flows of
//! kubectl-compat.md §4.6: creating by apply, two managers, a conflict and its message, force,
//! removing a field, ordinary writes next to appliers, and kubectl's move from client-side
//! apply (`kubectl-client-side-apply`) to server-side apply (`kubectl`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use hub_api::patch::apply::{self, ApplyError, Conflict, LAST_APPLIED_ANNOTATION, Write};
use hub_api::typeinfo::{self, TypeRef};
use serde_json::{Value, json};

const T1: &str = "2025-01-01T00:00:01Z";
const T2: &str = "2025-01-01T00:00:02Z";
const T3: &str = "2025-01-01T00:00:03Z";

fn config_map() -> TypeRef<'static> {
    typeinfo::for_kind("", "v1", "ConfigMap").unwrap()
}

fn deployment() -> TypeRef<'static> {
    typeinfo::for_kind("apps", "v1", "Deployment").unwrap()
}

fn cm(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}, "data": data})
}

fn entries(object: &Value) -> Vec<Value> {
    object["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn entry<'a>(object: &'a Value, manager: &str, operation: &str) -> &'a Value {
    object["metadata"]["managedFields"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|e| e["manager"] == manager && e["operation"] == operation)
        })
        .unwrap_or_else(|| panic!("no {operation} entry of {manager} in {object:#}"))
}

fn deployment_config(replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": image, "ports": [{"containerPort": 80}]}]}
            }
        }
    })
}

#[test]
fn apply_creates_with_one_apply_entry() {
    let object = apply::apply(
        None,
        &cm(json!({"k": "v"})),
        "kubectl",
        false,
        config_map(),
        T1,
    )
    .unwrap();
    assert_eq!(object["data"], json!({"k": "v"}));
    assert_eq!(
        entries(&object),
        [json!({
            "manager": "kubectl", "operation": "Apply", "apiVersion": "v1", "time": T1,
            "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:k": {}}}
        })]
    );
}

#[test]
fn apply_fields_use_keys_defaults_and_atomic_selectors() {
    let object = apply::apply(
        None,
        &deployment_config(2, "nginx:1.25"),
        "kubectl",
        false,
        deployment(),
        T1,
    )
    .unwrap();
    assert_eq!(
        entry(&object, "kubectl", "Apply")["fieldsV1"],
        json!({
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                        ".": {}, "f:image": {}, "f:name": {},
                        "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}
                    }}}
                }
            }
        })
    );
    assert_eq!(entry(&object, "kubectl", "Apply")["apiVersion"], "apps/v1");
}

#[test]
fn a_second_manager_conflicts_then_forces() {
    let live = apply::apply(
        None,
        &deployment_config(2, "nginx:1.25"),
        "alice",
        false,
        deployment(),
        T1,
    )
    .unwrap();
    let mut scale = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 3}});
    let error = apply::apply(Some(&live), &scale, "bob", false, deployment(), T2).unwrap_err();
    assert_eq!(
        error,
        ApplyError::Conflicts(vec![Conflict {
            manager: "\"alice\"".into(),
            field: ".spec.replicas".into()
        }])
    );
    assert_eq!(
        error.to_string(),
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"
    );
    assert_eq!(error.status_code(), 409);
    assert_eq!(
        error.causes(),
        [(
            "FieldManagerConflict",
            "conflict with \"alice\"".to_owned(),
            ".spec.replicas".to_owned()
        )]
    );

    let forced = apply::apply(Some(&live), &scale, "bob", true, deployment(), T2).unwrap();
    assert_eq!(forced["spec"]["replicas"], 3);
    assert_eq!(
        entry(&forced, "bob", "Apply")["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}})
    );
    assert!(
        entry(&forced, "alice", "Apply")["fieldsV1"]["f:spec"]
            .get("f:replicas")
            .is_none()
    );
    assert_eq!(
        entry(&forced, "alice", "Apply")["time"],
        T1,
        "alice's time stays"
    );
    assert_eq!(entry(&forced, "bob", "Apply")["time"], T2);

    // Alice applying her old value again now conflicts with bob.
    let error = apply::apply(
        Some(&forced),
        &deployment_config(2, "nginx:1.25"),
        "alice",
        false,
        deployment(),
        T3,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Apply failed with 1 conflict: conflict with \"bob\": .spec.replicas"
    );
    // The same value is no conflict: both own it.
    scale["spec"]["replicas"] = json!(3);
    let shared = apply::apply(Some(&forced), &scale, "carol", false, deployment(), T3).unwrap();
    assert_eq!(
        entry(&shared, "carol", "Apply")["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}})
    );
    assert_eq!(
        entry(&shared, "bob", "Apply")["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}})
    );
}

#[test]
fn conflicts_with_updaters_name_their_version_and_list_every_field() {
    // kubectl create / client-side apply write with Update operations.
    let created = apply::record_update(
        None,
        &cm(json!({"a": "1", "b": "2"})),
        "kubectl-client-side-apply",
        config_map(),
        T1,
    )
    .unwrap();
    let error = apply::apply(
        Some(&created),
        &cm(json!({"a": "x", "b": "y"})),
        "mine",
        false,
        config_map(),
        T2,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using v1:\n- .data.a\n- .data.b"
    );
    let ApplyError::Conflicts(conflicts) = &error else {
        panic!("{error}")
    };
    assert_eq!(
        conflicts[0].manager,
        "\"kubectl-client-side-apply\" using v1"
    );
    assert_eq!(error.causes()[1].2, ".data.b");
}

#[test]
fn fields_a_manager_stops_applying_are_removed_unless_others_own_them() {
    let with_tier = cm(json!({"a": "1", "tier": "web"}));
    let live = apply::apply(None, &with_tier, "alice", false, config_map(), T1).unwrap();
    let without_tier = cm(json!({"a": "1"}));
    let pruned =
        apply::apply(Some(&live), &without_tier, "alice", false, config_map(), T2).unwrap();
    assert_eq!(pruned["data"], json!({"a": "1"}));
    assert_eq!(
        entry(&pruned, "alice", "Apply")["fieldsV1"],
        json!({"f:data": {"f:a": {}}})
    );

    // Bob also applies `tier`: alice dropping it leaves it to him.
    let shared = apply::apply(
        Some(&live),
        &cm(json!({"tier": "web"})),
        "bob",
        false,
        config_map(),
        T2,
    )
    .unwrap();
    let kept = apply::apply(
        Some(&shared),
        &without_tier,
        "alice",
        false,
        config_map(),
        T3,
    )
    .unwrap();
    assert_eq!(kept["data"], json!({"a": "1", "tier": "web"}));

    // A field an ordinary write changed after the apply belongs to that writer: kept too.
    let mut edited = live.clone();
    edited["data"]["tier"] = json!("api");
    let edited =
        apply::record_update(Some(&live), &edited, "kubectl-edit", config_map(), T2).unwrap();
    assert_eq!(
        entry(&edited, "kubectl-edit", "Update")["fieldsV1"],
        json!({"f:data": {"f:tier": {}}})
    );
    assert_eq!(
        entry(&edited, "alice", "Apply")["fieldsV1"],
        json!({"f:data": {"f:a": {}}})
    );
    let kept = apply::apply(
        Some(&edited),
        &without_tier,
        "alice",
        false,
        config_map(),
        T3,
    )
    .unwrap();
    assert_eq!(kept["data"], json!({"a": "1", "tier": "api"}));
}

#[test]
fn list_items_a_manager_stops_applying_are_removed() {
    let mut two = deployment_config(1, "nginx");
    two["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "sidecar", "image": "busybox"}));
    let live = apply::apply(None, &two, "kubectl", false, deployment(), T1).unwrap();
    let one = deployment_config(1, "nginx");
    let pruned = apply::apply(Some(&live), &one, "kubectl", false, deployment(), T2).unwrap();
    let names: Vec<&Value> = pruned["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["name"])
        .collect();
    assert_eq!(names, ["nginx"]);
}

#[test]
fn apply_merges_list_items_by_key_keeping_others_items() {
    let live = apply::apply(
        None,
        &deployment_config(1, "nginx:1"),
        "alice",
        false,
        deployment(),
        T1,
    )
    .unwrap();
    // Bob adds an env var to alice's container: he owns the item's env entry only.
    let bob = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [{"name": "nginx", "env": [{"name": "X", "value": "1"}]}]}}}});
    let both = apply::apply(Some(&live), &bob, "bob", false, deployment(), T2).unwrap();
    let container = &both["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1");
    assert_eq!(container["env"], json!([{"name": "X", "value": "1"}]));
    assert_eq!(
        entry(&both, "bob", "Apply")["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"],
        json!({"k:{\"name\":\"nginx\"}": {".": {}, "f:env": {"k:{\"name\":\"X\"}": {".": {}, "f:name": {}, "f:value": {}}}, "f:name": {}}})
    );
    // Alice changing her image does not touch bob's env.
    let next = apply::apply(
        Some(&both),
        &deployment_config(1, "nginx:2"),
        "alice",
        false,
        deployment(),
        T3,
    )
    .unwrap();
    let container = &next["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:2");
    assert_eq!(container["env"], json!([{"name": "X", "value": "1"}]));
}

#[test]
fn ordinary_writes_own_what_they_change() {
    let created = apply::record_update(
        None,
        &deployment_config(2, "nginx"),
        "kubectl-create",
        deployment(),
        T1,
    )
    .unwrap();
    let create = entry(&created, "kubectl-create", "Update");
    assert_eq!(create["apiVersion"], "apps/v1");
    assert_eq!(create["time"], T1);
    // An Update's fields come from the difference with the old object: new maps are members.
    assert_eq!(
        create["fieldsV1"]["f:metadata"],
        json!({"f:labels": {".": {}, "f:app": {}}})
    );
    assert_eq!(create["fieldsV1"]["f:spec"]["f:replicas"], json!({}));
    assert_eq!(create["fieldsV1"]["f:spec"]["f:selector"], json!({}));

    // `kubectl scale` (an Update) takes .spec.replicas.
    let mut scaled = created.clone();
    scaled["spec"]["replicas"] = json!(5);
    let scaled =
        apply::record_update(Some(&created), &scaled, "kubectl-scale", deployment(), T2).unwrap();
    assert_eq!(
        entry(&scaled, "kubectl-scale", "Update")["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}})
    );
    assert!(
        entry(&scaled, "kubectl-create", "Update")["fieldsV1"]["f:spec"]
            .get("f:replicas")
            .is_none()
    );
    assert_eq!(entry(&scaled, "kubectl-create", "Update")["time"], T1);

    // A write that changes nothing keeps every entry and time.
    let again =
        apply::record_update(Some(&scaled), &scaled, "kubectl-scale", deployment(), T3).unwrap();
    assert_eq!(again, scaled);
    // Removing a field takes it from its owner.
    let mut unlabelled = scaled.clone();
    unlabelled["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("labels");
    let unlabelled = apply::record_update(
        Some(&scaled),
        &unlabelled,
        "kubectl-label",
        deployment(),
        T3,
    )
    .unwrap();
    assert!(
        entry(&unlabelled, "kubectl-create", "Update")["fieldsV1"]
            .get("f:metadata")
            .is_none()
    );
    assert!(
        entries(&unlabelled)
            .iter()
            .all(|e| e["manager"] != "kubectl-label"),
        "removing owns nothing"
    );
}

#[test]
fn entries_are_sorted_apply_first_then_by_time() {
    let created =
        apply::record_update(None, &cm(json!({"a": "1"})), "zeta", config_map(), T2).unwrap();
    let applied = apply::apply(
        Some(&created),
        &cm(json!({"b": "2"})),
        "omega",
        false,
        config_map(),
        T3,
    )
    .unwrap();
    let mut updated = applied.clone();
    updated["data"]["c"] = json!("3");
    let updated =
        apply::record_update(Some(&applied), &updated, "alpha", config_map(), T3).unwrap();
    let order: Vec<(String, String)> = entries(&updated)
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap().into(),
                e["manager"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("Apply".into(), "omega".into()),
            ("Update".into(), "zeta".into()),
            ("Update".into(), "alpha".into())
        ]
    );
}

#[test]
fn a_no_op_apply_keeps_the_object_and_its_times() {
    let live = apply::apply(
        None,
        &deployment_config(2, "nginx"),
        "kubectl",
        false,
        deployment(),
        T1,
    )
    .unwrap();
    let again = apply::apply(
        Some(&live),
        &deployment_config(2, "nginx"),
        "kubectl",
        false,
        deployment(),
        T2,
    )
    .unwrap();
    assert_eq!(again, live);
}

#[test]
fn the_first_apply_to_an_unmanaged_object_records_its_fields_first() {
    let unmanaged = cm(json!({"a": "1", "b": "2"}));
    let applied = apply::apply(
        Some(&unmanaged),
        &cm(json!({"a": "1"})),
        "kubectl",
        false,
        config_map(),
        T1,
    )
    .unwrap();
    assert_eq!(
        applied["data"],
        json!({"a": "1", "b": "2"}),
        "b belongs to before-first-apply"
    );
    // Applying the value a already has shares it.
    let before = entry(&applied, "before-first-apply", "Update");
    assert_eq!(
        before["fieldsV1"],
        json!({"f:data": {".": {}, "f:a": {}, "f:b": {}}})
    );
    assert_eq!(
        entry(&applied, "kubectl", "Apply")["fieldsV1"],
        json!({"f:data": {"f:a": {}}})
    );
}

#[test]
fn kubectl_moves_from_client_side_to_server_side_apply() {
    // `kubectl apply` (client-side) created the object: an Update entry of
    // kubectl-client-side-apply and the last-applied annotation.
    let config = cm(json!({"k": "v", "other": "o"}));
    let mut object = config.clone();
    object["metadata"]["annotations"] = json!({LAST_APPLIED_ANNOTATION: config.to_string()});
    let live =
        apply::record_update(None, &object, "kubectl-client-side-apply", config_map(), T1).unwrap();

    // Another field manager would conflict on the changed value...
    let changed = cm(json!({"k": "w", "other": "o"}));
    let error =
        apply::apply(Some(&live), &changed, "someone", false, config_map(), T2).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.k"
    );
    // ...but `kubectl` takes the fields the annotation still describes.
    let upgraded = apply::apply(Some(&live), &changed, "kubectl", false, config_map(), T2).unwrap();
    assert_eq!(upgraded["data"], json!({"k": "w", "other": "o"}));
    assert_eq!(
        entry(&upgraded, "kubectl", "Apply")["fieldsV1"],
        json!({"f:data": {"f:k": {}, "f:other": {}}})
    );
    // The annotation now holds what was applied.
    let annotation = upgraded["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
        .as_str()
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(annotation).unwrap(), changed);

    // A field changed since the last client-side apply is not covered by the annotation.
    let mut drifted = live.clone();
    drifted["data"]["other"] = json!("changed-by-hand");
    let drifted =
        apply::record_update(Some(&live), &drifted, "kubectl-edit", config_map(), T2).unwrap();
    let error =
        apply::apply(Some(&drifted), &changed, "kubectl", false, config_map(), T3).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.other"
    );
}

#[test]
fn reset_fields_are_not_owned_through_the_endpoint() {
    let config = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 1}, "status": {"replicas": 1}});
    let write = Write {
        manager: "kubectl",
        subresource: "",
        force: false,
        now: T1,
        reset_fields: &["status"],
    };
    let object = apply::apply_with(None, &config, &write, deployment()).unwrap();
    assert_eq!(
        entry(&object, "kubectl", "Apply")["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}})
    );

    // The status subresource: its manager is named with it in conflicts.
    let status = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "status": {"replicas": 2}});
    let controller = Write {
        manager: "controller",
        subresource: "status",
        force: false,
        now: T2,
        reset_fields: &["spec"],
    };
    let with_status = apply::apply_with(Some(&object), &status, &controller, deployment()).unwrap();
    assert_eq!(
        entry(&with_status, "controller", "Apply")["subresource"],
        "status"
    );
    let rival = Write {
        manager: "rival",
        subresource: "status",
        force: false,
        now: T3,
        reset_fields: &["spec"],
    };
    let mut other_status = status.clone();
    other_status["status"]["replicas"] = json!(3);
    let error =
        apply::apply_with(Some(&with_status), &other_status, &rival, deployment()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Apply failed with 1 conflict: conflict with \"controller\" with subresource \"status\": .status.replicas"
    );
}

#[test]
fn custom_resources_have_atomic_lists_and_granular_maps() {
    let widget = |items: Value| {
        json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w"}, "spec": {"items": items, "labels": {"a": "1"}}})
    };
    let live = apply::apply(
        None,
        &widget(json!([{"name": "x"}])),
        "alice",
        false,
        TypeRef::UNKNOWN,
        T1,
    )
    .unwrap();
    assert_eq!(
        entry(&live, "alice", "Apply")["fieldsV1"],
        // Without a schema every key is a map key, so objects are members too.
        json!({"f:spec": {".": {}, "f:items": {}, "f:labels": {".": {}, "f:a": {}}}})
    );
    let error = apply::apply(
        Some(&live),
        &widget(json!([{"name": "y"}])),
        "bob",
        false,
        TypeRef::UNKNOWN,
        T2,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.items"
    );
}

#[test]
fn set_lists_own_each_value() {
    let pod = typeinfo::for_kind("", "v1", "Pod").unwrap();
    let config = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "finalizers": ["a", "b"]}});
    let object = apply::apply(None, &config, "kubectl", false, pod, T1).unwrap();
    assert_eq!(
        entry(&object, "kubectl", "Apply")["fieldsV1"],
        json!({"f:metadata": {"f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}}}})
    );
}

#[test]
fn update_managers_beyond_ten_become_ancient_changes() {
    let mut object = apply::record_update(
        None,
        &cm(json!({"k0": "0"})),
        "m00",
        config_map(),
        "2025-01-01T00:00:00Z",
    )
    .unwrap();
    for i in 1..=10 {
        let mut next = object.clone();
        next["data"][format!("k{i}")] = json!(i.to_string());
        object = apply::record_update(
            Some(&object),
            &next,
            &format!("m{i:02}"),
            config_map(),
            &format!("2025-01-01T00:00:{i:02}Z"),
        )
        .unwrap();
    }
    let all = entries(&object);
    let managers: Vec<&str> = all.iter().map(|e| e["manager"].as_str().unwrap()).collect();
    assert_eq!(managers.len(), 10, "{managers:?}");
    // The two oldest (m00, m01) were merged into ancient-changes, with the newer one's time.
    let ancient = entry(&object, "ancient-changes", "Update");
    assert_eq!(
        ancient["fieldsV1"],
        json!({"f:data": {".": {}, "f:k0": {}, "f:k1": {}}})
    );
    assert_eq!(ancient["time"], "2025-01-01T00:00:01Z");
    assert!(!managers.contains(&"m00") && !managers.contains(&"m01"));
}

#[test]
fn request_managed_fields_can_be_reset_and_unmanaged_objects_stay_unmanaged() {
    let created = apply::record_update(
        None,
        &cm(json!({"a": "1"})),
        "kubectl-create",
        config_map(),
        T1,
    )
    .unwrap();
    let mut reset = created.clone();
    reset["metadata"]["managedFields"] = json!([]);
    let cleared =
        apply::record_update(Some(&created), &reset, "kubectl-edit", config_map(), T2).unwrap();
    assert!(
        cleared["metadata"].get("managedFields").is_none(),
        "{cleared:#}"
    );
    let mut changed = cleared.clone();
    changed["data"]["a"] = json!("2");
    let still =
        apply::record_update(Some(&cleared), &changed, "kubectl-edit", config_map(), T3).unwrap();
    assert!(still["metadata"].get("managedFields").is_none());
    assert_eq!(still["data"]["a"], "2");
}

#[test]
fn apply_refuses_what_kube_refuses() {
    let mut config = cm(json!({"a": "1"}));
    config["metadata"]["managedFields"] = json!([]);
    let error = apply::apply(None, &config, "m", false, config_map(), T1).unwrap_err();
    assert_eq!(error.to_string(), "metadata.managedFields must be nil");
    assert_eq!(error.status_code(), 400);

    let live = apply::apply(None, &cm(json!({"a": "1"})), "m", false, config_map(), T1).unwrap();
    let mut wrong = cm(json!({}));
    wrong["kind"] = json!("Secret");
    let error = apply::apply(Some(&live), &wrong, "m", false, config_map(), T1).unwrap_err();
    assert_eq!(error.to_string(), "invalid object type: /v1, Kind=Secret");

    let mut missing_key = deployment_config(1, "nginx");
    missing_key["spec"]["template"]["spec"]["containers"] = json!([{"image": "nginx"}]);
    let error = apply::apply(None, &missing_key, "m", false, deployment(), T1).unwrap_err();
    assert_eq!(
        error.to_string(),
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)"
    );
    assert_eq!(error.status_code(), 500);

    let mut duplicate = deployment_config(1, "nginx");
    duplicate["spec"]["template"]["spec"]["containers"] = json!([{"name": "a"}, {"name": "a"}]);
    let error = apply::apply(None, &duplicate, "m", false, deployment(), T1).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with(".spec.template.spec.containers: duplicate entries for key [name=\"a\"]"),
        "{error}"
    );

    let mut broken = live.clone();
    broken["metadata"]["managedFields"][0]["operation"] = json!("Delete");
    let error = apply::apply(
        Some(&broken),
        &cm(json!({"a": "2"})),
        "m",
        false,
        config_map(),
        T2,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "failed to decode managed fields: operation must be `Apply` or `Update`"
    );
}

#[test]
fn custom_resources_with_list_types_in_their_schema_merge_by_key() {
    let schema = typeinfo::Schema::from_openapi(
        "com.example.v1.Widget",
        &json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}}
        }}}}),
    );
    let root = schema.named("com.example.v1.Widget").unwrap();
    let widget = |ports: Value| {
        json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w"}, "spec": {"ports": ports}})
    };
    let live = apply::apply(
        None,
        &widget(json!([{"name": "a", "port": 1}])),
        "alice",
        false,
        root,
        T1,
    )
    .unwrap();
    let both = apply::apply(
        Some(&live),
        &widget(json!([{"name": "b", "port": 2}])),
        "bob",
        false,
        root,
        T2,
    )
    .unwrap();
    assert_eq!(
        both["spec"]["ports"],
        json!([{"name": "a", "port": 1}, {"name": "b", "port": 2}])
    );
    let error = apply::apply(
        Some(&both),
        &widget(json!([{"name": "a", "port": 9}])),
        "bob",
        false,
        root,
        T3,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.ports[name=\"a\"].port"
    );
}
