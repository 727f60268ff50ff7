//! End-to-end tests of [`super::default`] and [`super::validate`]: kubectl's minimal objects
//! defaulted as a real cluster shows them, realistic valid objects, and bad objects with kube's
//! exact field paths and messages.

use serde_json::{Value, json};

use super::{default, job_selector, prepare_update, service_allocations, set_cluster_ip, validate};

fn gvk(api_version: &str, kind: &str) -> (String, String, String) {
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group.to_owned(), version.to_owned()),
        None => (String::new(), api_version.to_owned()),
    };
    (group, version, kind.to_owned())
}

fn kind_of(object: &Value) -> (String, String, String) {
    gvk(
        object["apiVersion"].as_str().unwrap_or_default(),
        object["kind"].as_str().unwrap_or_default(),
    )
}

fn defaulted(mut object: Value) -> Value {
    let (group, version, kind) = kind_of(&object);
    default(&group, &version, &kind, &mut object);
    object
}

/// Defaults then validates a create, as the hub will.
fn create(object: Value) -> Vec<String> {
    let (group, version, kind) = kind_of(&object);
    let object = defaulted(object);
    validate(&group, &version, &kind, &object, None)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Defaults both sides then validates an update.
fn update(new: Value, old: Value) -> Vec<String> {
    let (group, version, kind) = kind_of(&new);
    let old = defaulted(old);
    let mut new = defaulted(new);
    prepare_update(&group, &version, &kind, &mut new, &old);
    validate(&group, &version, &kind, &new, Some(&old))
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn kubectl_deployment() -> Value {
    json!({"kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]}},
            "strategy": {}},
        "status": {}})
}

fn kubectl_template_spec(name: &str, image: &str, pull: &str) -> Value {
    json!({"containers": [{"name": name, "image": image, "resources": {},
            "imagePullPolicy": pull, "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"}],
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
        "schedulerName": "default-scheduler", "securityContext": {},
        "terminationGracePeriodSeconds": 30})
}

#[test]
fn kubectl_create_deployment_defaults_like_a_cluster() {
    let object = defaulted(kubectl_deployment());
    assert_eq!(
        object["spec"],
        json!({"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": kubectl_template_spec("nginx", "nginx", "Always")},
            "strategy": {"type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600})
    );
    assert!(
        object["spec"]["template"]["spec"]
            .get("enableServiceLinks")
            .is_none()
    );
    assert_eq!(create(kubectl_deployment()), Vec::<String>::new());
}

#[test]
fn kubectl_run_pod_defaults_like_a_cluster() {
    let pod = json!({"kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": "nginx", "namespace": "default", "labels": {"run": "nginx"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {}}],
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}});
    let object = defaulted(pod.clone());
    let mut expected = kubectl_template_spec("nginx", "nginx:1.27", "IfNotPresent");
    expected["enableServiceLinks"] = json!(true);
    assert_eq!(object["spec"], expected);
    assert_eq!(create(pod), Vec::<String>::new());
}

#[test]
fn kubectl_create_service_defaults_and_allocations() {
    let service = json!({"kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"}, "type": "ClusterIP"},
        "status": {"loadBalancer": {}}});
    let mut object = defaulted(service);
    assert_eq!(
        object["spec"],
        json!({"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"}, "type": "ClusterIP", "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster", "ipFamilyPolicy": "SingleStack",
            "ipFamilies": ["IPv4"]})
    );
    let allocations = service_allocations(&object);
    assert!(allocations.cluster_ip);
    assert!(allocations.node_ports.is_empty());
    set_cluster_ip(&mut object, "10.96.0.12");
    assert_eq!(object["spec"]["clusterIPs"], json!(["10.96.0.12"]));
    assert!(!service_allocations(&object).cluster_ip);
    assert_eq!(validate("", "v1", "Service", &object, None), Vec::new());

    let node_port = json!({"kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"type": "NodePort", "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                {"name": "metrics", "port": 9090, "nodePort": 30090}]}});
    let mut object = defaulted(node_port.clone());
    assert_eq!(object["spec"]["externalTrafficPolicy"], "Cluster");
    assert_eq!(object["spec"]["ports"][1]["targetPort"], 9090);
    assert_eq!(object["spec"]["ports"][0]["protocol"], "TCP");
    let allocations = service_allocations(&object);
    assert_eq!(allocations.node_ports, vec![0]);
    assert!(!allocations.health_check_node_port);
    set_cluster_ip(&mut object, "10.96.0.13");
    object["spec"]["ports"][0]["nodePort"] = json!(30080);
    assert_eq!(validate("", "v1", "Service", &object, None), Vec::new());

    let mut lb = defaulted(json!({"kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "lb", "namespace": "default"},
        "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local",
            "ports": [{"port": 443}]}}));
    assert_eq!(lb["spec"]["allocateLoadBalancerNodePorts"], true);
    assert!(service_allocations(&lb).health_check_node_port);
    lb["spec"]["healthCheckNodePort"] = json!(31000);
    lb["spec"]["ports"][0]["nodePort"] = json!(31443);
    set_cluster_ip(&mut lb, "10.96.0.14");
    assert_eq!(validate("", "v1", "Service", &lb, None), Vec::new());

    let headless = defaulted(json!({"kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {"clusterIP": "None", "ports": [{"port": 5432}]}}));
    assert_eq!(headless["spec"]["ipFamilyPolicy"], "RequireDualStack");
    assert_eq!(headless["spec"]["clusterIPs"], json!(["None"]));
    assert!(!service_allocations(&headless).cluster_ip);
    let external = defaulted(json!({"kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "ext", "namespace": "default"},
        "spec": {"type": "ExternalName", "externalName": "db.example.com."}}));
    assert!(external["spec"].get("ipFamilies").is_none());
    assert_eq!(
        service_allocations(&external),
        super::ServiceAllocations::default()
    );
    assert_eq!(validate("", "v1", "Service", &external, None), Vec::new());
}

#[test]
fn kubectl_create_job_and_generated_selector() {
    let job = json!({"kind": "Job", "apiVersion": "batch/v1",
        "metadata": {"name": "pi", "namespace": "default", "uid": "5c0f6e0e-1"},
        "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl:5.34.0",
            "command": ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"], "resources": {}}],
            "restartPolicy": "Never"}}}});
    let mut object = defaulted(job.clone());
    // Before the selector exists, kube's validation asks for it.
    assert_eq!(
        validate("batch", "v1", "Job", &object, None)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does \
             not match template `labels`"
        ]
    );
    job_selector(&mut object, "5c0f6e0e-1");
    let spec = &object["spec"];
    assert_eq!(spec["completions"], 1);
    assert_eq!(spec["parallelism"], 1);
    assert_eq!(spec["backoffLimit"], 6);
    assert_eq!(spec["completionMode"], "NonIndexed");
    assert_eq!(spec["suspend"], false);
    assert_eq!(spec["manualSelector"], false);
    assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
    assert_eq!(
        spec["selector"],
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "5c0f6e0e-1"}})
    );
    assert_eq!(
        spec["template"]["metadata"]["labels"],
        json!({"batch.kubernetes.io/controller-uid": "5c0f6e0e-1",
            "batch.kubernetes.io/job-name": "pi", "controller-uid": "5c0f6e0e-1",
            "job-name": "pi"})
    );
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");
    assert!(object["metadata"].get("labels").is_none());
    assert_eq!(validate("batch", "v1", "Job", &object, None), Vec::new());

    // Template labels shared with the Job (kube's map aliasing) get the generated ones too.
    let mut labelled = json!({"kind": "Job", "apiVersion": "batch/v1",
        "metadata": {"name": "pi", "namespace": "default", "uid": "u"},
        "spec": {"template": {"metadata": {"labels": {"team": "a"}},
            "spec": {"containers": [{"name": "pi", "image": "perl"}], "restartPolicy": "OnFailure"}}}});
    default("batch", "v1", "Job", &mut labelled);
    assert_eq!(labelled["metadata"]["labels"], json!({"team": "a"}));
    job_selector(&mut labelled, "u");
    assert_eq!(labelled["metadata"]["labels"]["job-name"], "pi");
    assert_eq!(labelled["metadata"]["labels"]["team"], "a");
    assert_eq!(validate("batch", "v1", "Job", &labelled, None), Vec::new());

    // A manual selector is left alone.
    let mut manual =
        json!({"spec": {"manualSelector": true, "selector": {"matchLabels": {"a": "b"}}}});
    job_selector(&mut manual, "u");
    assert_eq!(
        manual,
        json!({"spec": {"manualSelector": true, "selector": {"matchLabels": {"a": "b"}}}})
    );
}

#[test]
fn kubectl_create_cronjob_defaults_only_the_pod_template_inside() {
    let cron = json!({"kind": "CronJob", "apiVersion": "batch/v1",
        "metadata": {"name": "hello", "namespace": "default"},
        "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"metadata": {"name": "hello"},
            "spec": {"template": {"spec": {"containers": [{"name": "hello", "image": "busybox",
                "resources": {}}], "restartPolicy": "OnFailure"}}}}}});
    let object = defaulted(cron.clone());
    let spec = &object["spec"];
    assert_eq!(spec["concurrencyPolicy"], "Allow");
    assert_eq!(spec["suspend"], false);
    assert_eq!(spec["successfulJobsHistoryLimit"], 3);
    assert_eq!(spec["failedJobsHistoryLimit"], 1);
    let job_spec = &spec["jobTemplate"]["spec"];
    assert!(job_spec.get("backoffLimit").is_none(), "{job_spec}");
    let mut expected = kubectl_template_spec("hello", "busybox", "Always");
    expected["restartPolicy"] = json!("OnFailure");
    assert_eq!(job_spec["template"]["spec"], expected);
    assert_eq!(create(cron), Vec::<String>::new());
}

fn statefulset() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "postgres", "image": "postgres:16",
                    "ports": [{"name": "pg", "containerPort": 5432}],
                    "env": [{"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                    "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                    "readinessProbe": {"exec": {"command": ["pg_isready"]}}}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                    "resources": {"requests": {"storage": "10Gi"}}}}]}})
}

#[test]
fn statefulset_defaults_and_validates() {
    let object = defaulted(statefulset());
    let spec = &object["spec"];
    assert_eq!(spec["replicas"], 1);
    assert_eq!(spec["podManagementPolicy"], "OrderedReady");
    assert_eq!(
        spec["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    );
    assert_eq!(spec["revisionHistoryLimit"], 10);
    assert_eq!(
        spec["persistentVolumeClaimRetentionPolicy"],
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
    );
    let claim = &spec["volumeClaimTemplates"][0];
    assert_eq!(claim["apiVersion"], "v1");
    assert_eq!(claim["kind"], "PersistentVolumeClaim");
    assert_eq!(claim["spec"]["volumeMode"], "Filesystem");
    assert_eq!(claim["status"], json!({"phase": "Pending"}));
    let container = &spec["template"]["spec"]["containers"][0];
    assert_eq!(container["ports"][0]["protocol"], "TCP");
    assert_eq!(
        container["env"][1]["valueFrom"]["fieldRef"]["apiVersion"],
        "v1"
    );
    assert_eq!(
        container["readinessProbe"],
        json!({"exec": {"command": ["pg_isready"]}, "timeoutSeconds": 1, "periodSeconds": 10,
            "successThreshold": 1, "failureThreshold": 3})
    );
    // The claim template is not a volume of the pod spec, yet the mount is fine: kube does not
    // validate a StatefulSet's pod spec.
    assert_eq!(create(statefulset()), Vec::<String>::new());
}

#[test]
fn other_kinds_default_as_kube() {
    let daemon = defaulted(json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "kube-system"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "agent", "image": "agent:v1"}],
                    "volumes": [{"name": "host", "hostPath": {"path": "/var/log"}},
                        {"name": "cfg", "configMap": {"name": "agent"}},
                        {"name": "scratch"},
                        {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}},
                            {"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}]}}]}}}}));
    assert_eq!(
        daemon["spec"]["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    );
    assert_eq!(daemon["spec"]["revisionHistoryLimit"], 10);
    let volumes = &daemon["spec"]["template"]["spec"]["volumes"];
    assert_eq!(
        volumes[0]["hostPath"],
        json!({"path": "/var/log", "type": ""})
    );
    assert_eq!(
        volumes[1]["configMap"],
        json!({"name": "agent", "defaultMode": 420})
    );
    assert_eq!(volumes[2], json!({"name": "scratch", "emptyDir": {}}));
    assert_eq!(volumes[3]["projected"]["defaultMode"], 420);
    assert_eq!(
        volumes[3]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"],
        3600
    );
    assert_eq!(
        volumes[3]["projected"]["sources"][1]["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"],
        "v1"
    );

    let secret =
        defaulted(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}));
    assert_eq!(secret["type"], "Opaque");
    let namespace =
        defaulted(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}));
    assert_eq!(
        namespace["metadata"]["labels"],
        json!({"kubernetes.io/metadata.name": "team-a"})
    );
    assert_eq!(namespace["status"], json!({"phase": "Active"}));
    let pvc = defaulted(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "1Gi"}}}}));
    assert_eq!(pvc["spec"]["volumeMode"], "Filesystem");
    assert_eq!(pvc["status"], json!({"phase": "Pending"}));
    let policy = defaulted(
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "p"}, "spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}}),
    );
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert_eq!(policy["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
    let binding = defaulted(
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "r"},
        "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "default", "namespace": "x"}]}),
    );
    assert_eq!(binding["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
    assert_eq!(
        binding["subjects"][0]["apiGroup"],
        "rbac.authorization.k8s.io"
    );
    assert_eq!(binding["subjects"][1]["apiGroup"], "");
    let priority = defaulted(
        json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
        "metadata": {"name": "high"}, "value": 1000}),
    );
    assert_eq!(priority["preemptionPolicy"], "PreemptLowerPriority");
    let hpa = defaulted(
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"}, "spec": {"maxReplicas": 5,
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}),
    );
    assert_eq!(hpa["spec"]["minReplicas"], 1);
    assert_eq!(
        hpa["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 80}}}])
    );
    assert_eq!(
        hpa["spec"]["behavior"],
        json!({"scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]},
            "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                    {"type": "Percent", "value": 100, "periodSeconds": 15}]}})
    );
    let hpa_without_behavior = defaulted(json!({"apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {"maxReplicas": 5}}));
    assert!(hpa_without_behavior["spec"].get("behavior").is_none());
    let slice = defaulted(
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "s"}, "addressType": "IPv4", "endpoints": [], "ports": [{"port": 80}]}),
    );
    assert_eq!(
        slice["ports"][0],
        json!({"port": 80, "name": "", "protocol": "TCP"})
    );
    let class = defaulted(
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard"}, "provisioner": "example.com/csi"}),
    );
    assert_eq!(class["reclaimPolicy"], "Delete");
    assert_eq!(class["volumeBindingMode"], "Immediate");
    let ingress = defaulted(
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "i"}, "spec": {"rules": [{"http": {"paths": [{"path": "/",
        "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
    );
    assert!(
        ingress["spec"]["rules"][0]["http"]["paths"][0]
            .get("pathType")
            .is_none()
    );
    let rc = defaulted(json!({"apiVersion": "v1", "kind": "ReplicationController",
        "metadata": {"name": "rc"}, "spec": {"template": {"metadata": {"labels": {"app": "rc"}},
        "spec": {"containers": [{"name": "c", "image": "i"}]}}}}));
    assert_eq!(rc["spec"]["selector"], json!({"app": "rc"}));
    assert_eq!(rc["metadata"]["labels"], json!({"app": "rc"}));
    assert_eq!(rc["spec"]["replicas"], 1);
    let pod = defaulted(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "i",
            "ports": [{"containerPort": 8080}],
            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "100m"}}}]}}),
    );
    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["ports"][0]["hostPort"], 8080);
    assert_eq!(
        container["resources"]["requests"],
        json!({"cpu": "100m", "memory": "128Mi"})
    );
}

#[test]
fn defaults_are_idempotent_and_keep_set_values() {
    let objects = [
        kubectl_deployment(),
        statefulset(),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": [{"port": 80}]}}),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}),
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
            "spec": {"maxReplicas": 3, "behavior": {}}}),
    ];
    for object in objects {
        let once = defaulted(object.clone());
        let twice = defaulted(once.clone());
        assert_eq!(once, twice, "{object}");
    }
    let explicit = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 0, "revisionHistoryLimit": 2, "progressDeadlineSeconds": 120,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "Recreate"},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"restartPolicy": "Always", "dnsPolicy": "Default", "schedulerName": "custom",
                    "terminationGracePeriodSeconds": 5, "securityContext": {"runAsNonRoot": true},
                    "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Never",
                        "terminationMessagePath": "/tmp/x", "terminationMessagePolicy": "FallbackToLogsOnError",
                        "livenessProbe": {"tcpSocket": {"port": 80}, "timeoutSeconds": 7, "periodSeconds": 3,
                            "failureThreshold": 9}}]}}}});
    let object = defaulted(explicit.clone());
    assert_eq!(object["spec"]["strategy"], json!({"type": "Recreate"}));
    let mut expected = explicit["spec"].clone();
    expected["template"]["spec"]["containers"][0]["resources"] = json!({});
    expected["template"]["spec"]["containers"][0]["livenessProbe"]["successThreshold"] = json!(1);
    assert_eq!(object["spec"], expected);
    assert_eq!(create(explicit), Vec::<String>::new());
}

/// Realistic objects kube accepts: defaulted, they produce no causes.
#[test]
fn valid_realistic_objects_have_no_causes() {
    let objects = [
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "prod", "labels": {"app.kubernetes.io/name": "api"},
                "annotations": {"deployment.kubernetes.io/revision": "3"}},
            "spec": {"replicas": 3, "minReadySeconds": 5,
                "selector": {"matchLabels": {"app": "api"},
                    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "10%"}},
                "template": {"metadata": {"labels": {"app": "api", "tier": "backend"},
                        "annotations": {"prometheus.io/scrape": "true"}},
                    "spec": {
                        "serviceAccountName": "api",
                        "imagePullSecrets": [{"name": "registry"}],
                        "initContainers": [{"name": "migrate", "image": "registry.example.com/api:1.4.2",
                            "command": ["/migrate"], "envFrom": [{"secretRef": {"name": "db"}}]}],
                        "containers": [{"name": "api", "image": "registry.example.com/api:1.4.2",
                            "args": ["--port=8080"],
                            "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}],
                            "env": [{"name": "LOG_LEVEL", "value": "info"},
                                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                                {"name": "CPU_LIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1m"}}}],
                            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"},
                                "limits": {"cpu": "1", "memory": "512Mi"}},
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "initialDelaySeconds": 10},
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080,
                                "httpHeaders": [{"name": "X-Probe", "value": "1"}]}},
                            "startupProbe": {"tcpSocket": {"port": 8080}, "failureThreshold": 30},
                            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
                            "securityContext": {"runAsNonRoot": true, "runAsUser": 1000,
                                "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
                                "seccompProfile": {"type": "RuntimeDefault"}},
                            "volumeMounts": [{"name": "config", "mountPath": "/etc/api", "readOnly": true},
                                {"name": "tmp", "mountPath": "/tmp"}]}],
                        "volumes": [{"name": "config", "configMap": {"name": "api", "items": [{"key": "app.yaml", "path": "app.yaml"}]}},
                            {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}],
                        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                            {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "api"}},
                                "topologyKey": "kubernetes.io/hostname"}}]},
                            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                                {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}]}}},
                        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "api", "effect": "NoSchedule"},
                            {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
                        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                            "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app": "api"}}}],
                        "nodeSelector": {"kubernetes.io/os": "linux"},
                        "securityContext": {"fsGroup": 2000, "sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}]},
                        "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
                        "priorityClassName": "high"}}}}),
        statefulset(),
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "backup", "namespace": "ops"},
            "spec": {"schedule": "30 2 * * 1-5", "timeZone": "Europe/Paris", "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 300, "successfulJobsHistoryLimit": 1,
                "jobTemplate": {"spec": {"backoffLimit": 2, "activeDeadlineSeconds": 3600,
                    "template": {"spec": {"restartPolicy": "OnFailure",
                        "containers": [{"name": "backup", "image": "backup:2", "args": ["--all"]}]}}}}}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": "default",
                "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/"}},
            "spec": {"ingressClassName": "nginx",
                "tls": [{"hosts": ["example.com", "*.example.com"], "secretName": "example-tls"}],
                "defaultBackend": {"service": {"name": "fallback", "port": {"name": "http"}}},
                "rules": [{"host": "example.com", "http": {"paths": [
                        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
                        {"path": "/api/v1", "pathType": "Exact", "backend": {"service": {"name": "api", "port": {"number": 8080}}}}]}},
                    {"host": "*.example.com", "http": {"paths": [{"pathType": "ImplementationSpecific",
                        "backend": {"resource": {"apiGroup": "example.com", "kind": "Bucket", "name": "assets"}}}]}}]}}),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"type": "NodePort", "clusterIP": "10.96.1.1", "selector": {"app": "web"},
                "externalTrafficPolicy": "Local",
                "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080},
                    {"name": "https", "port": 443, "targetPort": "https", "nodePort": 30443, "appProtocol": "https"}]}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "pod-reader", "namespace": "default"},
            "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web"], "verbs": ["get"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "read-pods", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
            "subjects": [{"kind": "User", "name": "jane"}, {"kind": "Group", "name": "system:authenticated"},
                {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:metrics-reader"},
            "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "metrics"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:metrics-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "prometheus", "namespace": "monitoring"}]}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"},
            "data": {"app.properties": "a=b", "LOG_LEVEL": "debug"}, "binaryData": {"blob": "AAEC"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls", "namespace": "default"},
            "type": "kubernetes.io/tls", "data": {"tls.crt": "Y3J0", "tls.key": "a2V5"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pull", "namespace": "default"},
            "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "eyJhdXRocyI6e319"}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}},
                "selector": {"matchLabels": {"disk": "ssd"}}}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "prod"}}),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "api", "namespace": "prod"},
            "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "api"}}}}),
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "api", "namespace": "prod"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                "minReplicas": 2, "maxReplicas": 10,
                "metrics": [{"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}},
                    {"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue", "averageValue": "100"}}}],
                "behavior": {"scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}}}),
        json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "api", "namespace": "prod"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                "maxReplicas": 4, "targetCPUUtilizationPercentage": 60}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "db", "namespace": "prod"},
            "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}},
                        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                    "ports": [{"port": 5432}, {"port": 30000, "endPort": 32767, "protocol": "UDP"}]}]}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
            "spec": {"controller": "k8s.io/ingress-nginx",
                "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"}}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "kube-system"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                "template": {"metadata": {"labels": {"app": "agent"}},
                    "spec": {"hostNetwork": true, "containers": [{"name": "agent", "image": "agent:v1",
                        "ports": [{"containerPort": 9100, "hostPort": 9100}]}]}}}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-5d4f", "namespace": "default"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d4f"}},
                "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "5d4f"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "default"},
            "spec": {"restartPolicy": "Never", "serviceAccountName": "default",
                "containers": [{"name": "shell", "image": "busybox", "command": ["sleep", "3600"],
                    "volumeMounts": [{"name": "token", "mountPath": "/var/run/secrets/tokens"}]}],
                "volumes": [{"name": "token", "projected": {"sources": [
                    {"serviceAccountToken": {"path": "token", "audience": "vault", "expirationSeconds": 7200}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}]}}),
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "leader", "namespace": "kube-system"},
            "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15, "leaseTransitions": 2}}),
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "web-abc", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": true}, "nodeName": "node-1"}],
            "ports": [{"name": "http", "port": 8080}]}),
        json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
            "value": 100000, "description": "important"}),
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"},
            "provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3"}, "volumeBindingMode": "WaitForFirstConsumer"}),
        json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": "jane"},
            "spec": {"request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJCi0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=",
                "signerName": "kubernetes.io/kube-apiserver-client", "usages": ["client auth"], "expirationSeconds": 86400}}),
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.17a", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
            "reason": "Started", "message": "Started container", "type": "Normal"}),
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": "10.244.0.7"}], "ports": [{"port": 80}]}]}),
        json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits", "namespace": "default"},
            "spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"cpu": "100m"}, "default": {"cpu": "500m"}}]}}),
        json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "quota", "namespace": "default"},
            "spec": {"hard": {"pods": "10", "requests.cpu": "4", "limits.memory": "8Gi", "count/deployments.apps": "5"}}}),
    ];
    for object in objects {
        let name = format!("{} {}", object["kind"], object["metadata"]["name"]);
        assert_eq!(create(object), Vec::<String>::new(), "{name}");
    }
}

/// `object` with the value at `pointer` replaced (or added to its existing parent).
fn with(mut object: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match object.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key.to_owned(), value);
        }
        Some(Value::Array(items)) => {
            if let Some(slot) = key
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get_mut(index))
            {
                *slot = value;
            }
        }
        _ => panic!("no parent at {pointer}"),
    }
    object
}

fn pod_with(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": spec})
}

/// Bad objects with kube's exact causes.
#[test]
fn bad_objects_have_kubes_causes() {
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "deployment without image, negative replicas",
            with(
                with(kubectl_deployment(), "/spec/replicas", json!(-1)),
                "/spec/template/spec/containers/0",
                json!({"name": "nginx"}),
            ),
            vec![
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                "spec.template.spec.containers[0].image: Required value",
            ],
        ),
        (
            "deployment selector not matching its template",
            with(
                kubectl_deployment(),
                "/spec/template/metadata/labels",
                json!({"app": "x"}),
            ),
            vec![
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\"}: \
                 `selector` does not match template `labels`",
            ],
        ),
        (
            "deployment without selector",
            with(kubectl_deployment(), "/spec/selector", Value::Null),
            vec![
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: \
                 `selector` does not match template `labels`",
            ],
        ),
        (
            "deployment with an empty selector and a bad strategy",
            with(
                with(kubectl_deployment(), "/spec/selector", json!({})),
                "/spec/strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "abc", "maxUnavailable": "150%"}}),
            ),
            vec![
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), \
                 MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
                "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, \
                 StrVal:\"abc\"}: a valid percent string must be a numeric string followed by an ending '%' \
                 (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, \
                 IntVal:0, StrVal:\"150%\"}: must not be greater than 100%",
            ],
        ),
        (
            "deployment with an unknown strategy type",
            with(
                kubectl_deployment(),
                "/spec/strategy",
                json!({"type": "BlueGreen"}),
            ),
            vec![
                "spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:\"BlueGreen\", \
                 RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: \"Recreate\", \
                 \"RollingUpdate\"",
            ],
        ),
        (
            "deployment with progress deadline below min ready",
            with(
                with(kubectl_deployment(), "/spec/minReadySeconds", json!(30)),
                "/spec/progressDeadlineSeconds",
                json!(10),
            ),
            vec![
                "spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds",
            ],
        ),
        (
            "pod with an unknown restart policy",
            pod_with(
                json!({"restartPolicy": "Sometimes", "containers": [{"name": "c", "image": "i"}]}),
            ),
            vec![
                "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \
                 \"OnFailure\", \"Never\"",
            ],
        ),
        (
            "pod containers: duplicate names, bad port, missing mount, requests over limits",
            pod_with(json!({"containers": [
                {"name": "web", "image": "nginx", "ports": [{"containerPort": 70000, "protocol": "HTTP"}],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                    "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}},
                {"name": "web", "image": "nginx", "imagePullPolicy": "Sometimes"}]})),
            vec![
                "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and \
                 65535, inclusive",
                "spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \
                 \"SCTP\", \"TCP\", \"UDP\"",
                "spec.containers[0].volumeMounts[0].name: Not found: \"data\"",
                "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal \
                 to cpu limit of 1",
                "spec.containers[1].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \
                 \"Always\", \"IfNotPresent\", \"Never\"",
                "spec.containers[1].name: Duplicate value: \"web\"",
            ],
        ),
        (
            "pod env and probes",
            pod_with(json!({"containers": [{"name": "c", "image": "i",
                "env": [{"name": ""}, {"name": "A=B", "value": "x"},
                    {"name": "X", "valueFrom": {}},
                    {"name": "Y", "valueFrom": {"fieldRef": {"fieldPath": "spec.bogus"}}}],
                "livenessProbe": {"httpGet": {"port": 0}, "successThreshold": 2},
                "readinessProbe": {}}]})),
            vec![
                "spec.containers[0].env[0].name: Required value",
                "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable \
                 name must consist only of printable ASCII characters other than '='",
                "spec.containers[0].env[2].valueFrom: Invalid value: \"\": must specify one of: \
                 `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
                "spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.bogus\": \
                 error converting fieldPath: field label not supported: spec.bogus",
                "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and \
                 65535, inclusive",
                "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
                "spec.containers[0].readinessProbe: Required value: must specify a handler type",
            ],
        ),
        (
            "pod volumes: bad name, two sources, duplicate, none",
            pod_with(
                json!({"containers": [{"name": "c", "image": "i"}], "volumes": [
                {"name": "Data", "emptyDir": {}},
                {"name": "both", "emptyDir": {}, "secret": {"secretName": "s"}},
                {"name": "cfg", "configMap": {"name": "c"}},
                {"name": "cfg", "configMap": {"name": "c", "defaultMode": 1000}}]}),
            ),
            vec![
                "spec.volumes[0].name: Invalid value: \"Data\": a lowercase RFC 1123 label must consist of \
                 lower case alphanumeric characters or '-', and must start and end with an alphanumeric \
                 character (e.g. 'my-name',  or '123-abc', regex used for validation is \
                 '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "spec.volumes[1].secret: Forbidden: may not specify more than 1 volume type",
                "spec.volumes[3].configMap.defaultMode: Invalid value: 1000: must be a number between 0 \
                 and 0777 (octal), both inclusive",
                "spec.volumes[3].name: Duplicate value: \"cfg\"",
            ],
        ),
        (
            "pod scheduling fields",
            pod_with(
                json!({"containers": [{"name": "c", "image": "i"}], "dnsPolicy": "Sometimes",
                "nodeSelector": {"disk": "fast ssd"}, "activeDeadlineSeconds": 0,
                "tolerations": [{"operator": "Equal", "value": "x"}, {"key": "k", "tolerationSeconds": 5, "effect": "NoSchedule"}],
                "affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {}, "topologyKey": ""}]}}}),
            ),
            vec![
                "spec.dnsPolicy: Unsupported value: \"Sometimes\": supported values: \"ClusterFirstWithHostNet\", \
                 \"ClusterFirst\", \"Default\", \"None\"",
                "spec.nodeSelector: Invalid value: \"fast ssd\": a valid label must be an empty string or consist of \
                 alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character \
                 (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is \
                 '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: \
                 Required value: can not be empty",
                "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: \
                 Invalid value: \"\": name part must be non-empty",
                "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: \
                 Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and \
                 must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or \
                 '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
                "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is \
                 empty, which means \"match all values and all keys\"",
                "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when \
                 `tolerationSeconds` is set",
            ],
        ),
        (
            "service: bad name, ports and type",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1web", "namespace": "default"},
                "spec": {"type": "Fancy", "ports": [{"port": 0}, {"port": 80, "protocol": "HTTP"}]}}),
            vec![
                "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case \
                 alphanumeric characters or '-', start with an alphabetic character, and end with an \
                 alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is \
                 '[a-z]([-a-z0-9]*[a-z0-9])?')",
                "spec.ports[0].name: Required value",
                "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ports[1].name: Required value",
                "spec.ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \
                 \"UDP\"",
                "spec.type: Unsupported value: \"Fancy\": supported values: \"ClusterIP\", \"ExternalName\", \
                 \"LoadBalancer\", \"NodePort\"",
            ],
        ),
        (
            "service without ports, ClusterIP with a node port",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                "spec": {"ports": [{"port": 80, "nodePort": 30080}, {"name": "b", "port": 80}]}}),
            vec![
                "spec.ports[0].name: Required value",
                "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
                "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", \
                 AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, \
                 StrVal:\"\"}, NodePort:0}",
            ],
        ),
        (
            "job with restartPolicy Always and a bad completion mode",
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "default"},
                "spec": {"completionMode": "Sometimes", "manualSelector": true, "selector": {"matchLabels": {"a": "b"}},
                    "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}),
            vec![
                "spec.completionMode: Unsupported value: \"Sometimes\": supported values: \"NonIndexed\", \
                 \"Indexed\"",
                "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"",
            ],
        ),
        (
            "cronjob with a bad schedule and policy",
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "default"},
                "spec": {"schedule": "bad", "concurrencyPolicy": "Sometimes", "timeZone": "Local",
                    "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
                        "containers": [{"name": "c", "image": "i"}]}}}}}}),
            vec![
                "spec.schedule: Invalid value: \"bad\": expected exactly 5 fields, found 1: [bad]",
                "spec.timeZone: Invalid value: \"Local\": timeZone must be an explicit time zone as defined \
                 in https://www.iana.org/time-zones",
                "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \
                 \"Forbid\", \"Replace\"",
            ],
        ),
        (
            "cronjob name too long and TZ in the schedule",
            json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "a-very-long-cronjob-name-that-exceeds-the-fifty-two-chars", "namespace": "default"},
                "spec": {"schedule": "CRON_TZ=UTC 0 * * * *",
                    "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
                        "containers": [{"name": "c", "image": "i"}]}}}}}}),
            vec![
                "spec.schedule: Invalid value: \"CRON_TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in \
                 schedule, use timeZone field instead",
                "metadata.name: Invalid value: \"a-very-long-cronjob-name-that-exceeds-the-fifty-two-chars\": \
                 must be no more than 52 characters",
            ],
        ),
        (
            "statefulset with unknown policies",
            with(
                with(statefulset(), "/spec/podManagementPolicy", json!("Random")),
                "/spec/updateStrategy",
                json!({"type": "Canary"}),
            ),
            vec![
                "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
                "spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:\"Canary\", \
                 RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or \
                 'OnDelete'",
            ],
        ),
        (
            "daemonset surging and unavailable at once",
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d", "namespace": "default"},
                "spec": {"selector": {"matchLabels": {"a": "b"}},
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
                    "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}),
            vec![
                "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, \
                 IntVal:1, StrVal:\"\"}: may not be set when maxUnavailable is non-zero",
            ],
        ),
        (
            "pdb with a percent over 100",
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p", "namespace": "default"},
                "spec": {"maxUnavailable": "150%", "selector": {"matchLabels": {"a": "b"}}}}),
            vec![
                "spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: \
                 must not be greater than 100%",
            ],
        ),
        (
            "ingress path without pathType",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "default"},
                "spec": {"rules": [{"host": "10.0.0.1", "http": {"paths": [{"path": "/",
                    "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
            vec![
                "spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address",
                "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified",
            ],
        ),
        (
            "ingress without rules or backend",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "default"},
                "spec": {}}),
            vec![
                "spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must \
                 be specified",
            ],
        ),
        (
            "rolebinding with a bad roleRef and subject",
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "b", "namespace": "default"},
                "roleRef": {"kind": "Bogus"}, "subjects": [{"kind": "Robot", "name": "r2"}]}),
            vec![
                "roleRef.kind: Unsupported value: \"Bogus\": supported values: \"Role\", \"ClusterRole\"",
                "roleRef.name: Required value",
                "subjects[0].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \
                 \"User\", \"Group\"",
            ],
        ),
        (
            "role rule without verbs and a non-resource URL",
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "r", "namespace": "default"},
                "rules": [{"apiGroups": [""], "resources": ["pods"]}, {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]}),
            vec![
                "rules[0].verbs: Required value: verbs must contain at least one value",
                "rules[1].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot \
                 apply to non-resource URLs",
            ],
        ),
        (
            "hpa bounds",
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "h", "namespace": "default"},
                "spec": {"minReplicas": 0, "maxReplicas": 0, "scaleTargetRef": {"kind": "Deployment"}}}),
            vec![
                "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
                "spec.maxReplicas: Invalid value: 0: must be greater than 0",
                "spec.scaleTargetRef.name: Required value",
                "spec.metrics: Forbidden: must specify at least one Object or External metric to support \
                 scaling to zero replicas",
            ],
        ),
        (
            "namespace with a bad name",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Team_A"}}),
            vec![
                "metadata.name: Invalid value: \"Team_A\": a lowercase RFC 1123 label must consist of lower \
                 case alphanumeric characters or '-', and must start and end with an alphanumeric character \
                 (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            ],
        ),
        (
            "tls secret without a key, configmap-style bad key",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"},
                "type": "kubernetes.io/tls", "data": {"tls.crt": "eA==", "bad key": "eA=="}}),
            vec![
                "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric \
                 characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used \
                 for validation is '[-._a-zA-Z0-9]+')",
                "data[tls.key]: Required value",
            ],
        ),
        (
            "pvc without size or access modes",
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c", "namespace": "default"},
                "spec": {"resources": {}}}),
            vec![
                "spec.accessModes: Required value: at least 1 access mode is required",
                "spec.resources[storage]: Required value",
            ],
        ),
        (
            "configmap key duplicated in binaryData",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"},
                "data": {"a": "1"}, "binaryData": {"a": "MQ=="}}),
            vec!["data[a]: Invalid value: \"a\": duplicate of key present in binaryData"],
        ),
        (
            "priority class too high, system name",
            json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "system-x"}, "value": 5}),
            vec![
                "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for \
                 system use only. error: system-x is not a known system priority class",
            ],
        ),
        (
            "rbac name that is not a path segment (checked by the generic store after the strategy)",
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "a/b"}}),
            vec!["metadata.name: Invalid value: \"a/b\": may not contain '/'"],
        ),
        (
            "pdb metadata only checked by the generic store",
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "a%b", "namespace": "default",
                "labels": {"x": "-"}}, "spec": {}}),
            vec![
                "metadata.name: Invalid value: \"a%b\": may not contain '%'",
                "metadata.labels: Invalid value: \"-\": a valid label must be an empty string or consist of \
                 alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric \
                 character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is \
                 '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            ],
        ),
    ];
    for (name, object, expected) in cases {
        assert_eq!(create(object), expected, "{name}");
    }
}

fn messages_start_with(causes: &[String], prefixes: &[&str]) {
    assert_eq!(causes.len(), prefixes.len(), "{causes:#?}");
    for (cause, prefix) in causes.iter().zip(prefixes) {
        assert!(
            cause.starts_with(prefix),
            "{cause} does not start with {prefix}"
        );
    }
}

#[test]
fn pdb_with_both_bounds_prints_the_spec() {
    let causes = create(
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"minAvailable": 1, "maxUnavailable": 1}}),
    );
    messages_start_with(
        &causes,
        &["spec: Invalid value: policy.PodDisruptionBudgetSpec{"],
    );
    assert!(causes[0].ends_with("}: minAvailable and maxUnavailable cannot be both set"));
}

#[test]
fn immutable_fields_on_update() {
    let deployment = kubectl_deployment();
    let moved = with(
        with(
            deployment.clone(),
            "/spec/selector",
            json!({"matchLabels": {"app": "web2"}}),
        ),
        "/spec/template/metadata/labels",
        json!({"app": "web2"}),
    );
    assert_eq!(
        update(moved, deployment.clone()),
        [
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, \
             MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
        ]
    );
    let scaled = with(deployment.clone(), "/spec/replicas", json!(5));
    assert_eq!(update(scaled, deployment.clone()), Vec::<String>::new());
    let new_image = with(
        deployment.clone(),
        "/spec/template/spec/containers/0/image",
        json!("nginx:1.27"),
    );
    assert_eq!(update(new_image, deployment), Vec::<String>::new());

    let mut job = defaulted(json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "j", "namespace": "default", "uid": "u"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}));
    job_selector(&mut job, "u");
    let changed = with(
        job.clone(),
        "/spec/template/spec/containers/0/image",
        json!("i:2"),
    );
    messages_start_with(
        &update(changed, job.clone()),
        &["spec.template: Invalid value: core.PodTemplateSpec{"],
    );
    let more = with(job.clone(), "/spec/completions", json!(3));
    assert_eq!(
        update(more, job.clone()),
        ["spec.completions: Invalid value: 3: field is immutable"]
    );
    // A suspended Job that never started may change its scheduling directives.
    let suspended = with(job.clone(), "/spec/suspend", json!(true));
    let scheduled = with(
        suspended.clone(),
        "/spec/template/spec/nodeSelector",
        json!({"zone": "a"}),
    );
    assert_eq!(update(scheduled, suspended), Vec::<String>::new());

    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "default"},
        "spec": {"clusterIP": "10.0.0.5", "ports": [{"port": 80}]}});
    let moved = with(service.clone(), "/spec/clusterIP", json!("10.0.0.9"));
    assert_eq!(
        update(moved, service.clone()),
        ["spec.clusterIPs[0]: Invalid value: []string{\"10.0.0.9\"}: may not change once set"]
    );
    // A replace that leaves clusterIP out keeps the allocated one.
    let replaced = with(service.clone(), "/spec/clusterIP", Value::Null);
    assert_eq!(update(replaced, service), Vec::<String>::new());

    let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"},
        "immutable": true, "data": {"a": "1"}});
    let edited = with(
        with(config.clone(), "/data/a", json!("2")),
        "/immutable",
        json!(false),
    );
    assert_eq!(
        update(edited, config),
        [
            "immutable: Forbidden: field is immutable when `immutable` is set",
            "data: Forbidden: field is immutable when `immutable` is set",
        ]
    );

    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"},
        "data": {"username": "eA=="}});
    let retyped = with(secret.clone(), "/type", json!("kubernetes.io/basic-auth"));
    assert_eq!(
        update(retyped, secret),
        ["type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable"]
    );

    let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c", "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
    let grown = with(
        pvc.clone(),
        "/spec/resources/requests/storage",
        json!("2Gi"),
    );
    assert_eq!(update(grown, pvc.clone()), Vec::<String>::new());
    let remoded = with(pvc.clone(), "/spec/accessModes", json!(["ReadWriteMany"]));
    messages_start_with(
        &update(remoded, pvc),
        &[
            "spec: Forbidden: spec is immutable after creation except resources.requests and \
           volumeAttributesClassName for bound claims\n",
        ],
    );

    let sts = statefulset();
    let resized = with(
        sts.clone(),
        "/spec/volumeClaimTemplates/0/spec/resources/requests/storage",
        json!("20Gi"),
    );
    assert_eq!(
        update(resized, sts.clone()),
        [
            "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', \
             'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' \
             are forbidden"
        ]
    );
    let scaled = with(sts.clone(), "/spec/replicas", json!(3));
    assert_eq!(update(scaled, sts), Vec::<String>::new());

    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "b", "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        "subjects": [{"kind": "User", "name": "u"}]});
    let rebound = with(binding.clone(), "/roleRef/name", json!("other"));
    assert_eq!(
        update(rebound, binding),
        [
            "roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", \
             Name:\"other\"}: cannot change roleRef"
        ]
    );

    let class = json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 10});
    let revalued = with(class.clone(), "/value", json!(20));
    assert_eq!(
        update(revalued, class),
        ["value: Forbidden: may not be changed in an update."]
    );

    let namespace =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "uid": "1"}});
    let renamed = with(namespace.clone(), "/metadata/name", json!("b"));
    assert_eq!(
        update(renamed, namespace),
        ["metadata.name: Invalid value: \"b\": field is immutable"]
    );

    let daemon = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b", "c": "d"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
    let narrowed = with(
        daemon.clone(),
        "/spec/selector",
        json!({"matchLabels": {"a": "b", "c": "d"}}),
    );
    messages_start_with(
        &update(narrowed, daemon),
        &["spec.selector: Invalid value: v1.LabelSelector{"],
    );
}

#[test]
fn pod_updates_change_only_what_kube_allows() {
    let pod = pod_with(
        json!({"containers": [{"name": "c", "image": "nginx:1", "ports": [{"containerPort": 80}]}],
        "tolerations": [{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 10}]}),
    );
    let new_image = with(pod.clone(), "/spec/containers/0/image", json!("nginx:2"));
    assert_eq!(update(new_image, pod.clone()), Vec::<String>::new());
    let more_tolerations = with(
        with(
            pod.clone(),
            "/spec/tolerations/0/tolerationSeconds",
            json!(5),
        ),
        "/spec/tolerations",
        json!([{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5},
            {"key": "b", "operator": "Exists"}]),
    );
    assert_eq!(update(more_tolerations, pod.clone()), Vec::<String>::new());
    let removed = with(pod.clone(), "/spec/tolerations", json!([]));
    assert_eq!(
        update(removed, pod.clone()),
        [
            "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
        ]
    );
    let new_port = with(
        pod.clone(),
        "/spec/containers/0/ports/0/containerPort",
        json!(81),
    );
    let causes = update(new_port, pod.clone());
    messages_start_with(
        &causes,
        &[
            "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,\
           `spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions \
           to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it \
           was previously negative)\n",
        ],
    );
    assert!(
        causes[0].contains("containers[0].ports[0].containerPort"),
        "{causes:?}"
    );
    let extra = with(
        pod.clone(),
        "/spec/containers",
        json!([{"name": "c", "image": "nginx:1"}, {"name": "d", "image": "x"}]),
    );
    assert_eq!(
        update(extra, pod.clone()),
        ["spec.containers: Forbidden: pod updates may not add or remove containers"]
    );
    let deadline = with(pod.clone(), "/spec/activeDeadlineSeconds", json!(30));
    assert_eq!(update(deadline.clone(), pod), Vec::<String>::new());
    let longer = with(deadline.clone(), "/spec/activeDeadlineSeconds", json!(60));
    assert_eq!(
        update(longer, deadline),
        [
            "spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value"
        ]
    );
}

#[test]
fn every_served_builtin_kind_is_validated() {
    let mut unvalidated = Vec::new();
    for def in crate::registry::builtin::resources() {
        match super::validate::scope(&def.group, &def.version, &def.kind) {
            None => unvalidated.push(def.kind.clone()),
            Some(namespaced) => {
                assert_eq!(namespaced, def.namespaced, "{}", def.kind);
                let mut meta = json!({"name": "a/b"});
                if namespaced {
                    meta["namespace"] = json!("default");
                }
                let causes = validate(
                    &def.group,
                    &def.version,
                    &def.kind,
                    &json!({"metadata": meta}),
                    None,
                );
                if def.kind.ends_with("Review") {
                    // Reviews get no metadata name checks; the access reviews want it empty.
                    let empty_meta = causes.iter().any(|cause| {
                        cause.field == "metadata" && cause.message.contains("must be empty")
                    });
                    assert_eq!(
                        empty_meta,
                        def.kind.ends_with("AccessReview"),
                        "{}: {causes:?}",
                        def.kind
                    );
                    continue;
                }
                assert!(
                    causes.iter().any(|cause| cause.field == "metadata.name"),
                    "{}: {causes:?}",
                    def.kind
                );
            }
        }
    }
    assert_eq!(unvalidated, ["CustomResourceDefinition"]);
    assert_eq!(
        validate(
            "authentication.k8s.io",
            "v1",
            "TokenReview",
            &json!({"metadata": {"name": "a/b"}}),
            None
        ),
        Vec::new()
    );
    assert_eq!(
        validate("example.com", "v1", "Widget", &json!({}), None),
        Vec::new()
    );
}

#[test]
fn causes_carry_kube_reasons() {
    let causes = validate(
        "",
        "v1",
        "Pod",
        &defaulted(pod_with(json!({"containers": [{"name": "c", "image": "i",
            "volumeMounts": [{"name": "x", "mountPath": "/x"}]}], "restartPolicy": "Sometimes"}))),
        None,
    );
    let reasons: Vec<&str> = causes.iter().map(|cause| cause.reason.as_str()).collect();
    assert_eq!(reasons, ["FieldValueNotFound", "FieldValueNotSupported"]);
    assert_eq!(causes[0].field, "spec.containers[0].volumeMounts[0].name");
    assert_eq!(causes[0].message, "Not found: \"x\"");
}
