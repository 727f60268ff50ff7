//! Tests of the table API with realistic objects; expected cells are what `kubectl get`
//! (and `-o wide`) shows for them on a kube-apiserver.

use super::*;
use serde_json::json;

fn now() -> Timestamp {
    "2024-05-01T12:00:00Z".parse().unwrap()
}

fn options() -> TableOptions {
    TableOptions::new(now())
}

/// The cells of the single row of `object` rendered as `group`/`kind`.
fn cells(group: &str, kind: &str, object: &Value) -> Vec<Value> {
    let table = render(group, kind, [object], &json!({}), &options());
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    rows[0]["cells"].as_array().unwrap().clone()
}

fn names(columns: &[Value]) -> Vec<&str> {
    columns
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

/// Column names shown without `-o wide` (priority 0).
fn standard_names(columns: &[Value]) -> Vec<&str> {
    columns
        .iter()
        .filter(|c| c["priority"] == 0)
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

fn crash_looping_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-7c9d8f-abcde",
            "namespace": "default",
            "uid": "5f1c2c4e-9d3a-4c55-8f7e-1d2b3c4d5e6f",
            "resourceVersion": "48213",
            "creationTimestamp": "2024-05-01T11:50:00Z",
            "labels": {"app": "web", "pod-template-hash": "7c9d8f"}
        },
        "spec": {
            "nodeName": "node-1",
            "containers": [{"name": "app", "image": "registry.example.com/web:1.4.2"}]
        },
        "status": {
            "phase": "Running",
            "podIP": "10.244.1.5",
            "podIPs": [{"ip": "10.244.1.5"}],
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
                {"type": "ContainersReady", "status": "False"},
                {"type": "PodScheduled", "status": "True"}
            ],
            "containerStatuses": [{
                "name": "app",
                "ready": false,
                "started": false,
                "restartCount": 5,
                "image": "registry.example.com/web:1.4.2",
                "state": {"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": "back-off 2m40s restarting failed container=app"
                }},
                "lastState": {"terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": "2024-05-01T11:57:40Z",
                    "finishedAt": "2024-05-01T11:57:47Z"
                }}
            }]
        }
    })
}

#[test]
fn pod_columns_are_kubectls() {
    let columns = column_definitions("", "Pod");
    assert_eq!(
        names(&columns),
        [
            "Name",
            "Ready",
            "Status",
            "Restarts",
            "Age",
            "IP",
            "Node",
            "Nominated Node",
            "Readiness Gates"
        ]
    );
    assert_eq!(
        standard_names(&columns),
        ["Name", "Ready", "Status", "Restarts", "Age"]
    );
    let name = &columns[0];
    assert_eq!(name["type"], "string");
    assert_eq!(name["format"], "name");
    assert!(
        name["description"]
            .as_str()
            .unwrap()
            .starts_with("Name must be unique within a namespace.")
    );
    assert_eq!(columns[3]["type"], "string");
    assert_eq!(columns[3]["format"], "");
    assert!(
        columns[4]["description"]
            .as_str()
            .unwrap()
            .starts_with("CreationTimestamp is a timestamp representing the server time")
    );
    assert!(
        columns[5]["description"]
            .as_str()
            .unwrap()
            .contains("podIP address allocated to the pod")
    );
}

#[test]
fn crash_looping_pod_row() {
    assert_eq!(
        cells("", "Pod", &crash_looping_pod()),
        json!([
            "web-7c9d8f-abcde",
            "0/1",
            "CrashLoopBackOff",
            "5 (2m13s ago)",
            "10m",
            "10.244.1.5",
            "node-1",
            "<none>",
            "<none>"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

/// Ready, Status and Restarts of a pod with `spec` and `status` merged into a base pod.
fn pod_status(spec: Value, status: Value, deleting: bool) -> (String, String, String) {
    let mut pod = json!({
        "metadata": {"name": "p", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]},
        "status": {"phase": "Pending"}
    });
    for (key, value) in spec.as_object().unwrap() {
        pod["spec"][key] = value.clone();
    }
    for (key, value) in status.as_object().unwrap() {
        pod["status"][key] = value.clone();
    }
    if deleting {
        pod["metadata"]["deletionTimestamp"] = json!("2024-05-01T11:59:00Z");
    }
    let c = cells("", "Pod", &pod);
    let text = |i: usize| c[i].as_str().unwrap().to_owned();
    (text(1), text(2), text(3))
}

fn two_inits() -> Value {
    json!({"initContainers": [
        {"name": "init-db", "image": "busybox"},
        {"name": "init-cache", "image": "busybox"}
    ]})
}

#[test]
fn pod_waiting_on_its_first_init_container() {
    let status = json!({
        "conditions": [{"type": "Initialized", "status": "False"}],
        "initContainerStatuses": [
            {"name": "init-db", "ready": false, "restartCount": 0, "state": {"running": {"startedAt": "2024-05-01T11:59:00Z"}}},
            {"name": "init-cache", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}
        ],
        "containerStatuses": [
            {"name": "app", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}
        ]
    });
    assert_eq!(
        pod_status(two_inits(), status, false),
        ("0/1".into(), "Init:0/2".into(), "0".into())
    );
}

#[test]
fn pod_with_a_crash_looping_init_container() {
    let status = json!({
        "conditions": [{"type": "Initialized", "status": "False"}],
        "initContainerStatuses": [
            {"name": "init-db", "ready": false, "restartCount": 3,
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2024-05-01T11:59:40Z"}}},
            {"name": "init-cache", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}
        ],
        "containerStatuses": [
            {"name": "app", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}
        ]
    });
    assert_eq!(
        pod_status(two_inits(), status, false),
        (
            "0/1".into(),
            "Init:CrashLoopBackOff".into(),
            "3 (20s ago)".into()
        )
    );
}

#[test]
fn pod_with_a_failed_init_container() {
    let terminated = |reason: &str, signal: i64| {
        json!({
            "initContainerStatuses": [
                {"name": "init-db", "restartCount": 0,
                 "state": {"terminated": {"exitCode": 2, "signal": signal, "reason": reason}}}
            ]
        })
    };
    assert_eq!(
        pod_status(two_inits(), terminated("Error", 0), false).1,
        "Init:Error"
    );
    assert_eq!(
        pod_status(two_inits(), terminated("", 0), false).1,
        "Init:ExitCode:2"
    );
    assert_eq!(
        pod_status(two_inits(), terminated("", 9), false).1,
        "Init:Signal:9"
    );
}

#[test]
fn pod_initialized_but_containers_still_creating() {
    let status = json!({
        "conditions": [{"type": "Initialized", "status": "True"}],
        "initContainerStatuses": [
            {"name": "init-db", "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "init-cache", "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
        ],
        "containerStatuses": [
            {"name": "app", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}
        ]
    });
    assert_eq!(
        pod_status(two_inits(), status, false),
        ("0/1".into(), "PodInitializing".into(), "0".into())
    );
}

#[test]
fn pod_with_a_running_sidecar_counts_it_as_a_container() {
    let spec = json!({"initContainers": [
        {"name": "istio-proxy", "image": "proxy", "restartPolicy": "Always"}
    ]});
    let status = json!({
        "phase": "Running",
        "conditions": [
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "True"}
        ],
        "initContainerStatuses": [
            {"name": "istio-proxy", "ready": true, "started": true, "restartCount": 1,
             "state": {"running": {}},
             "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2024-05-01T11:55:00Z"}}}
        ],
        "containerStatuses": [
            {"name": "app", "ready": true, "started": true, "restartCount": 0, "state": {"running": {}}}
        ]
    });
    assert_eq!(
        pod_status(spec, status, false),
        ("2/2".into(), "Running".into(), "1 (5m ago)".into())
    );
}

#[test]
fn completed_and_terminating_pods() {
    let completed = json!({
        "phase": "Succeeded",
        "containerStatuses": [
            {"name": "app", "ready": false, "restartCount": 0,
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
        ]
    });
    assert_eq!(
        pod_status(json!({}), completed.clone(), false),
        ("0/1".into(), "Completed".into(), "0".into())
    );
    // A completed pod being deleted stays Completed; a running one is Terminating.
    assert_eq!(pod_status(json!({}), completed, true).1, "Completed");
    let running = json!({
        "phase": "Running",
        "containerStatuses": [
            {"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}}
        ]
    });
    assert_eq!(
        pod_status(json!({}), running, true),
        ("1/1".into(), "Terminating".into(), "0".into())
    );
    let lost = json!({"phase": "Running", "reason": "NodeLost"});
    assert_eq!(pod_status(json!({}), lost, true).1, "Unknown");
}

#[test]
fn container_termination_without_a_reason() {
    let by = |signal: i64| {
        json!({
            "phase": "Running",
            "containerStatuses": [
                {"name": "app", "restartCount": 0,
                 "state": {"terminated": {"exitCode": 137, "signal": signal}}}
            ]
        })
    };
    assert_eq!(pod_status(json!({}), by(0), false).1, "ExitCode:137");
    assert_eq!(pod_status(json!({}), by(9), false).1, "Signal:9");
}

#[test]
fn completed_container_beside_a_running_one() {
    // The last container in the list decides the reason; a running ready one turns a
    // "Completed" back into Running (pod Ready) or NotReady.
    let status = |ready: &str| {
        json!({
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": ready}],
            "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "ready": true, "restartCount": 0, "state": {"running": {}}}
            ]
        })
    };
    let spec = json!({"containers": [{"name": "a"}, {"name": "b"}]});
    assert_eq!(
        pod_status(spec.clone(), status("True"), false),
        ("1/2".into(), "Running".into(), "0".into())
    );
    assert_eq!(pod_status(spec, status("False"), false).1, "NotReady");
}

#[test]
fn scheduling_gated_pod_and_readiness_gates() {
    let pod = json!({
        "metadata": {"name": "gated", "creationTimestamp": "2024-05-01T11:59:30Z"},
        "spec": {
            "containers": [{"name": "app"}],
            "readinessGates": [{"conditionType": "example.com/lb-ready"}, {"conditionType": "example.com/dns"}]
        },
        "status": {
            "phase": "Pending",
            "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"},
                {"type": "example.com/lb-ready", "status": "True"}
            ]
        }
    });
    assert_eq!(
        cells("", "Pod", &pod),
        [
            "gated",
            "0/1",
            "SchedulingGated",
            "0",
            "30s",
            "<none>",
            "<none>",
            "<none>",
            "1/2"
        ]
        .map(Value::from)
    );
}

#[test]
fn finished_pods_carry_the_completed_row_condition() {
    let mut pod = crash_looping_pod();
    pod["status"]["phase"] = json!("Failed");
    let table = render("", "Pod", [&pod], &json!({}), &options());
    assert_eq!(
        table["rows"][0]["conditions"],
        json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}])
    );
    let running = render("", "Pod", [&crash_looping_pod()], &json!({}), &options());
    assert!(running["rows"][0].get("conditions").is_none());
}

#[test]
fn deployment_with_status() {
    let deployment = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "generation": 4, "creationTimestamp": "2024-04-28T12:00:00Z"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [
                    {"name": "nginx", "image": "nginx:1.25"},
                    {"name": "envoy", "image": "envoyproxy/envoy:v1.30.1"}
                ]}
            }
        },
        "status": {"observedGeneration": 4, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1}
    });
    assert_eq!(
        standard_names(&column_definitions("apps", "Deployment")),
        ["Name", "Ready", "Up-to-date", "Available", "Age"]
    );
    assert_eq!(
        cells("apps", "Deployment", &deployment),
        json!([
            "web",
            "2/3",
            3,
            2,
            "3d",
            "nginx,envoy",
            "nginx:1.25,envoyproxy/envoy:v1.30.1",
            "app=web"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
    // A fresh deployment has no status yet; its selector has expressions.
    let fresh = json!({
        "metadata": {"name": "api", "creationTimestamp": "2024-05-01T11:59:55Z"},
        "spec": {
            "replicas": 2,
            "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["api", "api-canary"]}]},
            "template": {"spec": {"containers": [{"name": "api", "image": "api:2"}]}}
        }
    });
    assert_eq!(
        cells("apps", "Deployment", &fresh),
        json!([
            "api",
            "0/2",
            0,
            0,
            "5s",
            "api",
            "api:2",
            "app in (api,api-canary)"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn replica_set_stateful_set_and_daemon_set() {
    let rs = json!({
        "metadata": {"name": "web-7c9d8f", "creationTimestamp": "2024-04-28T12:00:00Z"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7c9d8f"}},
                 "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}},
        "status": {"replicas": 3, "readyReplicas": 2}
    });
    assert_eq!(
        cells("apps", "ReplicaSet", &rs),
        json!([
            "web-7c9d8f",
            3,
            3,
            2,
            "3d",
            "nginx",
            "nginx:1.25",
            "app=web,pod-template-hash=7c9d8f"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
    let sts = json!({
        "metadata": {"name": "postgres", "creationTimestamp": "2024-05-01T09:30:00Z"},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]}}},
        "status": {"replicas": 2, "readyReplicas": 1}
    });
    assert_eq!(
        standard_names(&column_definitions("apps", "StatefulSet")),
        ["Name", "Ready", "Age"]
    );
    assert_eq!(
        cells("apps", "StatefulSet", &sts),
        ["postgres", "1/3", "150m", "postgres", "postgres:16"].map(Value::from)
    );
    let ds = json!({
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "creationTimestamp": "2024-03-02T12:00:00Z"},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
            "template": {"spec": {
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.33.1"}]
            }}
        },
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2}
    });
    assert_eq!(
        standard_names(&column_definitions("apps", "DaemonSet")),
        [
            "Name",
            "Desired",
            "Current",
            "Ready",
            "Up-to-date",
            "Available",
            "Node Selector",
            "Age"
        ]
    );
    assert_eq!(
        cells("apps", "DaemonSet", &ds),
        json!([
            "kube-proxy",
            3,
            3,
            2,
            3,
            2,
            "kubernetes.io/os=linux",
            "60d",
            "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.33.1",
            "k8s-app=kube-proxy"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn not_ready_cordoned_node() {
    let node = json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": "worker-2",
            "creationTimestamp": "2024-03-02T12:00:00Z",
            "labels": {
                "kubernetes.io/hostname": "worker-2",
                "node-role.kubernetes.io/control-plane": "",
                "node-role.kubernetes.io/worker": ""
            }
        },
        "spec": {"unschedulable": true, "podCIDR": "10.244.2.0/24"},
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "Unknown", "reason": "NodeStatusUnknown"},
                {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"}
            ],
            "addresses": [
                {"type": "InternalIP", "address": "192.168.49.3"},
                {"type": "Hostname", "address": "worker-2"}
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.33.1",
                "osImage": "Ubuntu 22.04.4 LTS",
                "kernelVersion": "6.8.0-1008-gcp",
                "containerRuntimeVersion": "containerd://1.7.15"
            }
        }
    });
    assert_eq!(
        names(&column_definitions("", "Node")),
        [
            "Name",
            "Status",
            "Roles",
            "Age",
            "Version",
            "Internal-IP",
            "External-IP",
            "OS-Image",
            "Kernel-Version",
            "Container-Runtime"
        ]
    );
    assert_eq!(
        cells("", "Node", &node),
        [
            "worker-2",
            "NotReady,SchedulingDisabled",
            "control-plane,worker",
            "60d",
            "v1.33.1",
            "192.168.49.3",
            "<none>",
            "Ubuntu 22.04.4 LTS",
            "6.8.0-1008-gcp",
            "containerd://1.7.15"
        ]
        .map(Value::from)
    );
    let bare = json!({"metadata": {"name": "new", "labels": {"kubernetes.io/role": "edge"}}});
    assert_eq!(
        cells("", "Node", &bare)[1..5],
        ["Unknown", "edge", "<unknown>", ""].map(Value::from)
    );
}

#[test]
fn core_event() {
    let event = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web-7c9d8f-abcde.17c8a1b2c3d4e5f6", "namespace": "default", "creationTimestamp": "2024-05-01T11:50:05Z"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-7c9d8f-abcde", "apiVersion": "v1", "fieldPath": "spec.containers{app}"},
        "reason": "BackOff",
        "message": "Back-off restarting failed container app in pod web-7c9d8f-abcde_default\n",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2024-05-01T11:50:05Z",
        "lastTimestamp": "2024-05-01T11:59:30Z",
        "count": 42,
        "type": "Warning",
        "eventTime": null,
        "reportingComponent": "kubelet",
        "reportingInstance": "node-1"
    });
    let columns = column_definitions("", "Event");
    assert_eq!(
        standard_names(&columns),
        ["Last Seen", "Type", "Reason", "Object", "Message"]
    );
    assert_eq!(
        names(&columns),
        [
            "Last Seen",
            "Type",
            "Reason",
            "Object",
            "Subobject",
            "Source",
            "Message",
            "First Seen",
            "Count",
            "Name"
        ]
    );
    assert_eq!(
        cells("", "Event", &event),
        json!([
            "30s",
            "Warning",
            "BackOff",
            "pod/web-7c9d8f-abcde",
            "spec.containers{app}",
            "kubelet, node-1",
            "Back-off restarting failed container app in pod web-7c9d8f-abcde_default",
            "9m55s",
            42,
            "web-7c9d8f-abcde.17c8a1b2c3d4e5f6"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn events_k8s_io_event_with_a_series() {
    let event = json!({
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "big.17c8a1", "namespace": "default", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "eventTime": "2024-05-01T11:00:00.000000Z",
        "series": {"count": 7, "lastObservedTime": "2024-05-01T11:58:00.123456Z"},
        "reportingController": "default-scheduler",
        "reportingInstance": "default-scheduler-cp-1",
        "action": "Scheduling",
        "reason": "FailedScheduling",
        "regarding": {"kind": "Pod", "namespace": "default", "name": "big"},
        "note": "0/3 nodes are available: 3 Insufficient cpu.",
        "type": "Warning"
    });
    assert_eq!(
        cells("events.k8s.io", "Event", &event),
        json!([
            "119s",
            "Warning",
            "FailedScheduling",
            "pod/big",
            "",
            "default-scheduler, default-scheduler-cp-1",
            "0/3 nodes are available: 3 Insufficient cpu.",
            "60m",
            7,
            "big.17c8a1"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn services_of_each_type() {
    let kubernetes = json!({
        "metadata": {"name": "kubernetes", "namespace": "default", "creationTimestamp": "2024-03-02T12:00:00Z"},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}
    });
    assert_eq!(
        cells("", "Service", &kubernetes),
        [
            "kubernetes",
            "ClusterIP",
            "10.96.0.1",
            "<none>",
            "443/TCP",
            "60d",
            "<none>"
        ]
        .map(Value::from)
    );
    let pending = json!({
        "metadata": {"name": "ingress-nginx", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"type": "LoadBalancer", "clusterIP": "10.96.12.7", "clusterIPs": ["10.96.12.7"],
                 "selector": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
                 "ports": [{"port": 80, "nodePort": 31234, "protocol": "TCP"}, {"port": 443, "nodePort": 32443, "protocol": "TCP"}]},
        "status": {"loadBalancer": {}}
    });
    assert_eq!(
        cells("", "Service", &pending),
        [
            "ingress-nginx",
            "LoadBalancer",
            "10.96.12.7",
            "<pending>",
            "80:31234/TCP,443:32443/TCP",
            "60m",
            "app.kubernetes.io/component=controller,app.kubernetes.io/name=ingress-nginx"
        ]
        .map(Value::from)
    );
    let mut provisioned = pending.clone();
    provisioned["status"]["loadBalancer"] =
        json!({"ingress": [{"ip": "203.0.113.10"}, {"hostname": "lb.example.com"}]});
    assert_eq!(
        cells("", "Service", &provisioned)[3],
        "203.0.113.10,lb.example.com"
    );
    let external = json!({
        "metadata": {"name": "db", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"type": "ExternalName", "externalName": "db.example.com"}
    });
    assert_eq!(
        cells("", "Service", &external)[1..5],
        ["ExternalName", "<none>", "db.example.com", "<none>"].map(Value::from)
    );
    let headless = json!({
        "metadata": {"name": "pg", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"clusterIP": "None", "clusterIPs": ["None"], "ports": [{"port": 5432, "protocol": "TCP"}],
                 "externalIPs": ["198.51.100.7"]}
    });
    assert_eq!(
        cells("", "Service", &headless)[1..5],
        ["ClusterIP", "None", "198.51.100.7", "5432/TCP"].map(Value::from)
    );
}

#[test]
fn jobs_and_cron_jobs() {
    let job = |status: Value, spec: Value| {
        json!({
            "metadata": {"name": "pi", "creationTimestamp": "2024-05-01T11:00:00Z"},
            "spec": {
                "completions": spec.get("completions"),
                "parallelism": spec.get("parallelism"),
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "5e0b"}},
                "template": {"spec": {"containers": [{"name": "pi", "image": "perl:5.34.0"}]}}
            },
            "status": status
        })
    };
    let complete = job(
        json!({"startTime": "2024-05-01T11:00:00Z", "completionTime": "2024-05-01T11:00:07Z",
        "succeeded": 1, "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True"},
            {"type": "Complete", "status": "True"}
        ]}),
        json!({"completions": 1, "parallelism": 1}),
    );
    assert_eq!(
        names(&column_definitions("batch", "Job")),
        [
            "Name",
            "Status",
            "Completions",
            "Duration",
            "Age",
            "Containers",
            "Images",
            "Selector"
        ]
    );
    assert_eq!(
        cells("batch", "Job", &complete),
        [
            "pi",
            "Complete",
            "1/1",
            "7s",
            "60m",
            "pi",
            "perl:5.34.0",
            "batch.kubernetes.io/controller-uid=5e0b"
        ]
        .map(Value::from)
    );
    let running = job(
        json!({"startTime": "2024-05-01T11:58:00Z", "active": 3}),
        json!({"parallelism": 3}),
    );
    assert_eq!(
        cells("batch", "Job", &running)[1..4],
        ["Running", "0/1 of 3", "2m"].map(Value::from)
    );
    let failed = job(
        json!({"startTime": "2024-05-01T11:00:00Z", "failed": 6, "conditions": [
            {"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}
        ]}),
        json!({"completions": 5}),
    );
    assert_eq!(
        cells("batch", "Job", &failed)[1..4],
        ["Failed", "0/5", "60m"].map(Value::from)
    );
    let suspended = job(
        json!({"conditions": [{"type": "Suspended", "status": "True"}]}),
        json!({}),
    );
    assert_eq!(
        cells("batch", "Job", &suspended)[1..4],
        ["Suspended", "0/1", ""].map(Value::from)
    );

    let cron = json!({
        "metadata": {"name": "hello", "creationTimestamp": "2024-04-21T12:00:00Z"},
        "spec": {
            "schedule": "*/5 * * * *",
            "suspend": false,
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "hello", "image": "busybox:1.28"}]}}}}
        },
        "status": {"lastScheduleTime": "2024-05-01T11:55:00Z", "active": [{"name": "hello-28573915"}]}
    });
    assert_eq!(
        standard_names(&column_definitions("batch", "CronJob")),
        [
            "Name",
            "Schedule",
            "Timezone",
            "Suspend",
            "Active",
            "Last Schedule",
            "Age"
        ]
    );
    assert_eq!(
        cells("batch", "CronJob", &cron),
        json!([
            "hello",
            "*/5 * * * *",
            "<none>",
            "False",
            1,
            "5m",
            "10d",
            "hello",
            "busybox:1.28",
            "<none>"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn config_objects_count_their_entries() {
    let cm = json!({"metadata": {"name": "kube-root-ca.crt", "creationTimestamp": "2024-05-01T11:00:00Z"},
                    "data": {"ca.crt": "..."}, "binaryData": {"logo.png": "iVBO", "icon.png": "iVBO"}});
    assert_eq!(
        cells("", "ConfigMap", &cm),
        json!(["kube-root-ca.crt", 3, "60m"])
            .as_array()
            .unwrap()
            .clone()
    );
    let secret = json!({"metadata": {"name": "web-tls", "creationTimestamp": "2024-05-01T11:00:00Z"},
                        "type": "kubernetes.io/tls", "data": {"tls.crt": "LS0t", "tls.key": "LS0t"}});
    assert_eq!(
        cells("", "Secret", &secret),
        json!(["web-tls", "kubernetes.io/tls", 2, "60m"])
            .as_array()
            .unwrap()
            .clone()
    );
    let sa = json!({"metadata": {"name": "default", "creationTimestamp": "2024-05-01T11:00:00Z"}});
    assert_eq!(
        cells("", "ServiceAccount", &sa),
        json!(["default", 0, "60m"]).as_array().unwrap().clone()
    );
    let ns = json!({"metadata": {"name": "kube-system", "creationTimestamp": "2024-03-02T12:00:00Z"},
                    "status": {"phase": "Active"}});
    assert_eq!(
        cells("", "Namespace", &ns),
        ["kube-system", "Active", "60d"].map(Value::from)
    );
    let lease = json!({"metadata": {"name": "kube-scheduler", "creationTimestamp": "2024-03-02T12:00:00Z"},
                       "spec": {"holderIdentity": "cp-1_6f1e6ad2-0b5b-4f3c-9e2b-6c9a8c0d1e2f"}});
    assert_eq!(
        cells("coordination.k8s.io", "Lease", &lease),
        [
            "kube-scheduler",
            "cp-1_6f1e6ad2-0b5b-4f3c-9e2b-6c9a8c0d1e2f",
            "60d"
        ]
        .map(Value::from)
    );
}

#[test]
fn storage_objects() {
    let pvc = json!({
        "metadata": {"name": "data-postgres-0", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}},
                 "storageClassName": "standard", "volumeMode": "Filesystem",
                 "volumeName": "pvc-3f2e1d0c"},
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}}
    });
    assert_eq!(
        cells("", "PersistentVolumeClaim", &pvc),
        [
            "data-postgres-0",
            "Bound",
            "pvc-3f2e1d0c",
            "10Gi",
            "RWO",
            "standard",
            "<unset>",
            "60m",
            "Filesystem"
        ]
        .map(Value::from)
    );
    let pv = json!({
        "metadata": {"name": "pvc-3f2e1d0c", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                 "claimRef": {"namespace": "default", "name": "data-postgres-0"}, "volumeMode": "Filesystem"},
        "status": {"phase": "Bound"}
    });
    assert_eq!(
        cells("", "PersistentVolume", &pv),
        [
            "pvc-3f2e1d0c",
            "10Gi",
            "RWO,RWX",
            "Delete",
            "Bound",
            "default/data-postgres-0",
            "standard",
            "<unset>",
            "",
            "60m",
            "Filesystem"
        ]
        .map(Value::from)
    );
    let class = json!({
        "metadata": {"name": "standard", "creationTimestamp": "2024-03-02T12:00:00Z",
                     "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer"
    });
    assert_eq!(
        cells("storage.k8s.io", "StorageClass", &class),
        json!([
            "standard (default)",
            "rancher.io/local-path",
            "Delete",
            "WaitForFirstConsumer",
            false,
            "60d"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn networking_and_policy_objects() {
    let ingress = json!({
        "metadata": {"name": "web", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"ingressClassName": "nginx",
                 "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}],
                 "rules": [{"host": "web.example.com"}, {"host": "www.example.com"}, {}, {"host": "a.example.com"}, {"host": "b.example.com"}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}}
    });
    assert_eq!(
        cells("networking.k8s.io", "Ingress", &ingress),
        [
            "web",
            "nginx",
            "web.example.com,www.example.com,a.example.com + 2 more...",
            "203.0.113.10",
            "80, 443",
            "60m"
        ]
        .map(Value::from)
    );
    let policy = json!({"metadata": {"name": "deny-all", "creationTimestamp": "2024-05-01T11:00:00Z"},
                        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}});
    assert_eq!(
        cells("networking.k8s.io", "NetworkPolicy", &policy),
        ["deny-all", "<none>", "60m"].map(Value::from)
    );
    let pdb = json!({"metadata": {"name": "web", "creationTimestamp": "2024-05-01T11:00:00Z"},
                     "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}});
    assert_eq!(
        cells("policy", "PodDisruptionBudget", &pdb),
        json!(["web", "50%", "N/A", 1, "60m"])
            .as_array()
            .unwrap()
            .clone()
    );
    let endpoints = json!({
        "metadata": {"name": "web", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "subsets": [{"addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.2.7"}, {"ip": "fd00::7"}],
                     "ports": [{"port": 8080}, {"port": 8443}]}]
    });
    assert_eq!(
        cells("", "Endpoints", &endpoints)[1],
        "10.244.1.5:8080,10.244.2.7:8080,[fd00::7]:8080 + 3 more..."
    );
    let slice = json!({
        "metadata": {"name": "web-abc12", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        "endpoints": [{"addresses": ["10.244.1.5"]}, {"addresses": ["10.244.2.7"]}]
    });
    assert_eq!(
        cells("discovery.k8s.io", "EndpointSlice", &slice),
        ["web-abc12", "IPv4", "8080", "10.244.1.5,10.244.2.7", "60m"].map(Value::from)
    );
    let hpa = json!({
        "metadata": {"name": "web", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "minReplicas": 2, "maxReplicas": 10,
                 "metrics": [
                     {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
                     {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}}
                 ]},
        "status": {"currentReplicas": 3, "desiredReplicas": 3,
                   "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 43, "averageValue": "215m"}}}]}
    });
    assert_eq!(
        cells("autoscaling", "HorizontalPodAutoscaler", &hpa),
        json!([
            "web",
            "Deployment/web",
            "cpu: 43%/80%, memory: <unknown>/500Mi",
            "2",
            10,
            3,
            "60m"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn rbac_and_certificates() {
    let binding = json!({
        "metadata": {"name": "read-pods", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
        "subjects": [
            {"kind": "User", "name": "jane"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "build"},
            {"kind": "User", "name": "joe"}
        ]
    });
    assert_eq!(
        cells("rbac.authorization.k8s.io", "RoleBinding", &binding),
        [
            "read-pods",
            "Role/pod-reader",
            "60m",
            "jane, joe",
            "devs",
            "build/ci"
        ]
        .map(Value::from)
    );
    // Roles have no printer: kube's default table.
    let role = json!({"metadata": {"name": "pod-reader", "creationTimestamp": "2024-05-01T10:00:00+02:00"}});
    assert!(!has_printer("rbac.authorization.k8s.io", "Role"));
    assert_eq!(
        names(&column_definitions("rbac.authorization.k8s.io", "Role")),
        ["Name", "Created At"]
    );
    assert_eq!(column_definitions("", "LimitRange")[1]["type"], "date");
    assert_eq!(
        cells("rbac.authorization.k8s.io", "Role", &role),
        ["pod-reader", "2024-05-01T08:00:00Z"].map(Value::from)
    );
    let csr = json!({
        "metadata": {"name": "csr-8x2k4", "creationTimestamp": "2024-05-01T11:59:00Z"},
        "spec": {"signerName": "kubernetes.io/kube-apiserver-client-kubelet", "username": "system:node:worker-2",
                 "expirationSeconds": 86400, "request": "LS0t", "usages": ["client auth"]},
        "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0t"}
    });
    assert_eq!(
        cells("certificates.k8s.io", "CertificateSigningRequest", &csr),
        [
            "csr-8x2k4",
            "60s",
            "kubernetes.io/kube-apiserver-client-kubelet",
            "system:node:worker-2",
            "24h",
            "Approved,Issued"
        ]
        .map(Value::from)
    );
    let revision = json!({
        "metadata": {"name": "web-5d4f8b", "creationTimestamp": "2024-05-01T11:00:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": true, "uid": "u"}]},
        "revision": 2
    });
    assert_eq!(
        cells("apps", "ControllerRevision", &revision),
        json!(["web-5d4f8b", "statefulset.apps/web", 2, "60m"])
            .as_array()
            .unwrap()
            .clone()
    );
    let quota = json!({
        "metadata": {"name": "compute", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "status": {"hard": {"requests.cpu": "4", "limits.memory": "8Gi", "pods": "10", "limits.cpu": "8"},
                   "used": {"requests.cpu": "500m", "limits.cpu": "1", "pods": "3"}}
    });
    assert_eq!(
        cells("", "ResourceQuota", &quota),
        [
            "compute",
            "pods: 3/10, requests.cpu: 500m/4",
            "limits.cpu: 1/8, limits.memory: 0/8Gi",
            "60m"
        ]
        .map(Value::from)
    );
    let priority = json!({"metadata": {"name": "system-cluster-critical", "creationTimestamp": "2024-03-02T12:00:00Z"},
                          "value": 2000000000, "globalDefault": false, "preemptionPolicy": "PreemptLowerPriority"});
    assert_eq!(
        cells("scheduling.k8s.io", "PriorityClass", &priority),
        json!([
            "system-cluster-critical",
            2000000000,
            false,
            "60d",
            "PreemptLowerPriority"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn every_printer_fills_every_column() {
    let kinds = [
        ("", "Pod"),
        ("", "PodTemplate"),
        ("policy", "PodDisruptionBudget"),
        ("", "ReplicationController"),
        ("apps", "ReplicaSet"),
        ("apps", "DaemonSet"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("", "Service"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "IngressClass"),
        ("apps", "StatefulSet"),
        ("", "Endpoints"),
        ("", "Node"),
        ("", "Event"),
        ("events.k8s.io", "Event"),
        ("", "Namespace"),
        ("", "Secret"),
        ("", "ServiceAccount"),
        ("", "PersistentVolume"),
        ("", "PersistentVolumeClaim"),
        ("apps", "Deployment"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("", "ConfigMap"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("coordination.k8s.io", "Lease"),
        ("storage.k8s.io", "StorageClass"),
        ("apps", "ControllerRevision"),
        ("", "ResourceQuota"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("discovery.k8s.io", "EndpointSlice"),
        ("node.k8s.io", "RuntimeClass"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSIStorageCapacity"),
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration",
        ),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ];
    let empty = json!({});
    let named = json!({"metadata": {"name": "x", "creationTimestamp": "2024-05-01T11:00:00Z"}});
    for (group, kind) in kinds {
        assert!(has_printer(group, kind), "{group}/{kind}");
        let columns = column_definitions(group, kind);
        for object in [&empty, &named] {
            let row = printers::print(group, kind, object, now()).unwrap();
            assert_eq!(row.cells.len(), columns.len(), "{group}/{kind}");
        }
        for column in &columns {
            let keys: Vec<&String> = column.as_object().unwrap().keys().collect();
            assert_eq!(keys.len(), 5, "{group}/{kind}: {column}");
            assert!(
                !column["description"].as_str().unwrap().is_empty() || column["name"] == "Handler",
                "{group}/{kind} {} has no description",
                column["name"]
            );
        }
    }
    // Every served kind with a printer in kube is covered; kinds kube prints by default are not.
    for def in crate::registry::Registry::builtin().resources() {
        let default = matches!(
            def.kind.as_str(),
            "Role" | "ClusterRole" | "LimitRange" | "CustomResourceDefinition"
        ) || def.verbs.iter().all(|verb| verb == "create");
        assert_eq!(
            has_printer(&def.group, &def.kind),
            !default,
            "{}/{}",
            def.group,
            def.kind
        );
    }
}

#[test]
fn include_object_modes_and_list_metadata() {
    let pod = crash_looping_pod();
    let list_meta = json!({"resourceVersion": "48300", "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ", "remainingItemCount": 12});
    let table = render("", "Pod", [&pod], &list_meta, &options());
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(table["metadata"], list_meta);
    assert_eq!(table["columnDefinitions"].as_array().unwrap().len(), 9);
    assert_eq!(
        table["rows"][0]["object"],
        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": pod["metadata"]})
    );

    let whole = TableOptions {
        include_object: IncludeObject::Object,
        ..options()
    };
    let table = render(
        "",
        "Pod",
        [&pod],
        &json!({"resourceVersion": "48213"}),
        &whole,
    );
    assert_eq!(table["rows"][0]["object"], pod);
    assert_eq!(table["metadata"], json!({"resourceVersion": "48213"}));

    let bare = TableOptions {
        include_object: IncludeObject::None,
        no_headers: true,
        ..options()
    };
    let table = render("", "Pod", [&pod], &json!({}), &bare);
    assert_eq!(table["rows"][0]["object"], Value::Null);
    assert!(table["rows"][0].as_object().unwrap().contains_key("object"));
    assert_eq!(table["columnDefinitions"], Value::Null);
    assert!(table.as_object().unwrap().contains_key("columnDefinitions"));
    assert_eq!(table["metadata"], json!({}));

    // No objects: printers give [] rows, the default table null.
    let empty = render("", "Pod", [], &json!({"resourceVersion": "9"}), &options());
    assert_eq!(empty["rows"], json!([]));
    let empty = render(
        "rbac.authorization.k8s.io",
        "ClusterRole",
        [],
        &json!({}),
        &options(),
    );
    assert_eq!(empty["rows"], Value::Null);
    let nameless = render(
        "",
        "ConfigMap",
        [&json!({"data": {}})],
        &json!({}),
        &options(),
    );
    assert_eq!(
        nameless["rows"][0]["object"],
        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
               "metadata": {"creationTimestamp": null}})
    );
    assert_eq!(nameless["rows"][0]["cells"], json!(["", 0, "<unknown>"]));
    assert_eq!(
        names(empty["columnDefinitions"].as_array().unwrap()),
        ["Name", "Created At"]
    );
}

#[test]
fn include_object_parsing() {
    assert_eq!(IncludeObject::parse(""), Ok(IncludeObject::Metadata));
    assert_eq!(
        IncludeObject::parse("Metadata"),
        Ok(IncludeObject::Metadata)
    );
    assert_eq!("Object".parse(), Ok(IncludeObject::Object));
    assert_eq!("None".parse(), Ok(IncludeObject::None));
    let error = IncludeObject::parse("metadata").unwrap_err();
    assert_eq!(
        error.to_string(),
        "Unable to convert to Table as requested: includeObject: Invalid value: \"metadata\": \
         must be 'Metadata', 'Object', 'None', or empty"
    );
}

fn certificate_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "certificates.cert-manager.io"},
        "spec": {
            "group": "cert-manager.io",
            "names": {"kind": "Certificate", "plural": "certificates"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1alpha2", "served": true, "storage": false},
                {"name": "v1", "served": true, "storage": true, "additionalPrinterColumns": [
                    {"jsonPath": ".status.conditions[?(@.type==\"Ready\")].status", "name": "Ready", "type": "string"},
                    {"jsonPath": ".spec.secretName", "name": "Secret", "type": "string"},
                    {"jsonPath": ".spec.issuerRef.name", "name": "Issuer", "priority": 1, "type": "string"},
                    {"jsonPath": ".status.conditions[?(@.type==\"Ready\")].message", "name": "Status", "priority": 1, "type": "string"},
                    {"jsonPath": ".spec.replicas", "name": "Replicas", "type": "integer", "description": "Desired replicas"},
                    {"jsonPath": ".spec.ratio", "name": "Ratio", "type": "number"},
                    {"jsonPath": ".spec.paused", "name": "Paused", "type": "boolean"},
                    {"jsonPath": ".status.notAfter", "name": "Expires", "type": "date"},
                    {"jsonPath": ".spec.missing", "name": "Missing", "type": "string"},
                    {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}
                ]}
            ]
        }
    })
}

#[test]
fn custom_resource_with_printer_columns() {
    let columns = crd_printer_columns(&certificate_crd(), "v1");
    assert_eq!(columns.len(), 10);
    assert_eq!(
        columns[2],
        PrinterColumn {
            name: "Issuer".into(),
            type_: "string".into(),
            format: String::new(),
            description: String::new(),
            priority: 1,
            json_path: ".spec.issuerRef.name".into(),
        }
    );
    let definitions = custom_column_definitions(&columns);
    assert_eq!(
        names(&definitions),
        [
            "Name", "Ready", "Secret", "Issuer", "Status", "Replicas", "Ratio", "Paused",
            "Expires", "Missing", "Age"
        ]
    );
    assert_eq!(
        definitions[1],
        json!({"name": "Ready", "type": "string", "format": "", "priority": 0,
               "description": "Custom resource definition column (in JSONPath format): .status.conditions[?(@.type==\"Ready\")].status"})
    );
    assert_eq!(definitions[5]["description"], "Desired replicas");
    assert_eq!(definitions[3]["priority"], 1);

    let certificate = json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "example-com", "namespace": "default", "creationTimestamp": "2024-04-30T12:00:00Z"},
        "spec": {"secretName": "example-com-tls", "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"},
                 "replicas": 3, "ratio": 0.5, "paused": false},
        "status": {
            "conditions": [
                {"type": "Issuing", "status": "False"},
                {"type": "Ready", "status": "True", "message": "Certificate is up to date and has not expired"}
            ],
            "notAfter": "2024-07-29T12:00:00Z"
        }
    });
    let table = render_custom(
        &columns,
        [&certificate],
        &json!({"resourceVersion": "77"}),
        &options(),
    );
    assert_eq!(table["metadata"], json!({"resourceVersion": "77"}));
    assert_eq!(
        table["rows"][0]["cells"],
        json!([
            "example-com",
            "True",
            "example-com-tls",
            "letsencrypt",
            "Certificate is up to date and has not expired",
            3,
            0.5,
            false,
            // A date in the future is a negative age: kube prints <invalid>.
            "<invalid>",
            null,
            "24h"
        ])
    );
    assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

#[test]
fn custom_columns_default_to_age_and_type_their_cells() {
    let columns = crd_printer_columns(&certificate_crd(), "v1alpha2");
    assert_eq!(columns, [PrinterColumn::age()]);
    assert_eq!(names(&custom_column_definitions(&columns)), ["Name", "Age"]);
    assert_eq!(custom_column_definitions(&columns)[1]["type"], "date");

    let column = |type_: &str, path: &str| PrinterColumn {
        name: "C".into(),
        type_: type_.into(),
        json_path: path.into(),
        ..PrinterColumn::default()
    };
    let object = json!({
        "metadata": {"name": "o", "creationTimestamp": "bogus"},
        "spec": {"count": 7, "big": 1500000.0, "small": 2.5, "whole": 4.0, "flag": true,
                 "nothing": null, "empty": "", "labels": {"b": "<2>", "a": "x&y"}, "list": [1, "two"]}
    });
    let cell = |type_: &str, path: &str| {
        render_custom(&[column(type_, path)], [&object], &json!({}), &options())["rows"][0]["cells"]
            [1]
        .clone()
    };
    assert_eq!(cell("string", ".spec.count"), "7");
    assert_eq!(cell("string", ".spec.big"), "1.5e+06");
    assert_eq!(cell("string", ".spec.small"), "2.5");
    assert_eq!(cell("string", ".spec.whole"), "4");
    assert_eq!(cell("string", ".spec.flag"), "true");
    assert_eq!(cell("string", ".spec.nothing"), "<no value>");
    assert_eq!(cell("string", ".spec.empty"), "");
    assert_eq!(
        cell("string", ".spec.labels"),
        "{\"a\":\"x\\u0026y\",\"b\":\"\\u003c2\\u003e\"}"
    );
    assert_eq!(cell("string", ".spec.list"), "[1,\"two\"]");
    assert_eq!(cell("integer", ".spec.count"), 7);
    assert_eq!(cell("integer", ".spec.small"), 2);
    assert_eq!(cell("integer", ".spec.flag"), Value::Null);
    assert_eq!(cell("integer", ".spec.nothing"), Value::Null);
    assert_eq!(cell("number", ".spec.count"), 7);
    assert_eq!(cell("number", ".spec.small"), 2.5);
    assert_eq!(cell("boolean", ".spec.flag"), true);
    assert_eq!(cell("boolean", ".spec.count"), Value::Null);
    assert_eq!(cell("date", ".metadata.creationTimestamp"), "<invalid>");
    assert_eq!(cell("date", ".spec.empty"), "<unknown>");
    assert_eq!(cell("date", ".spec.count"), Value::Null);
    assert_eq!(cell("string", ".spec.absent"), Value::Null);
    // Errors in evaluation (indexing a map) are empty cells too.
    assert_eq!(cell("string", ".spec.labels[0]"), Value::Null);

    // kube stops at the first column whose path does not parse.
    let broken = [
        column("string", ".spec.count"),
        column("string", ".spec[abc]"),
        column("string", ".spec.flag"),
    ];
    assert_eq!(custom_column_definitions(&broken).len(), 2);
    let table = render_custom(&broken, [&object], &json!({}), &options());
    assert_eq!(table["rows"][0]["cells"], json!(["o", "7"]));
    let no_headers = TableOptions {
        no_headers: true,
        ..options()
    };
    let table = render_custom(&broken, [], &json!({}), &no_headers);
    assert_eq!(table["columnDefinitions"], Value::Null);
    assert_eq!(table["rows"], json!([]));
}

#[test]
fn json_path_validation() {
    assert_eq!(validate_json_path(".spec.replicas"), Ok(()));
    assert_eq!(
        validate_json_path(".status.conditions[?(@.type==\"Ready\")].status"),
        Ok(())
    );
    assert!(matches!(
        validate_json_path("spec.replicas"),
        Err(TableError::JsonPath { .. })
    ));
    let error = validate_json_path(".spec[").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid JSONPath \".spec[\": unterminated array"
    );
}
