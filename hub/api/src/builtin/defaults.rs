//! kube-apiserver's defaulting of built-in kinds (`pkg/apis/*/v*/defaults.go` and the generated
//! `+default` markers), applied to JSON. Defaults never overwrite a set value and applying them
//! twice changes nothing.

mod pod;

use serde_json::{Map, Value, json};

use super::value::{child, child_if, default_nil, default_str, each_mut, is_empty_str};

/// Applies the defaults of `group`/`version`/`kind` to `object`; kinds without defaults (and
/// non-objects) are left alone.
pub(crate) fn default(group: &str, version: &str, kind: &str, object: &mut Value) {
    let Some(object) = object.as_object_mut() else {
        return;
    };
    match (group, version, kind) {
        ("", "v1", "Pod") => pod::pod(object),
        ("", "v1", "PodTemplate") => {
            if let Some(template) = child_if(object, "template") {
                pod::template(template);
            }
        }
        ("", "v1", "ReplicationController") => replication_controller(object),
        ("", "v1", "Service") => service(object),
        ("", "v1", "Secret") => default_str(object, "type", "Opaque"),
        ("", "v1", "Namespace") => namespace(object),
        ("", "v1", "PersistentVolumeClaim") => {
            if let Some(spec) = child(object, "spec") {
                pvc_spec(spec);
            }
            if let Some(status) = child(object, "status") {
                default_str(status, "phase", "Pending");
            }
        }
        ("", "v1", "PersistentVolume") => {
            if let Some(spec) = child(object, "spec") {
                default_str(spec, "persistentVolumeReclaimPolicy", "Retain");
                default_nil(spec, "volumeMode", json!("Filesystem"));
            }
            if let Some(status) = child(object, "status") {
                default_str(status, "phase", "Pending");
            }
        }
        ("", "v1", "Endpoints") => {
            for subset in each_mut(object, "subsets") {
                for port in each_mut(subset, "ports") {
                    default_str(port, "protocol", "TCP");
                }
            }
        }
        ("", "v1", "LimitRange") => limit_range(object),
        ("apps", "v1", "Deployment") => deployment(object),
        ("apps", "v1", "ReplicaSet") => {
            if let Some(spec) = child(object, "spec") {
                default_nil(spec, "replicas", json!(1));
                template_of(spec);
            }
        }
        ("apps", "v1", "StatefulSet") => stateful_set(object),
        ("apps", "v1", "DaemonSet") => daemon_set(object),
        ("batch", "v1", "Job") => job(object),
        ("batch", "v1", "CronJob") => cron_job(object),
        ("autoscaling", "v2", "HorizontalPodAutoscaler") => hpa_v2(object),
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => {
            if let Some(spec) = child(object, "spec") {
                default_nil(spec, "minReplicas", json!(1));
            }
        }
        ("networking.k8s.io", "v1", "NetworkPolicy") => network_policy(object),
        ("networking.k8s.io", "v1", "IngressClass") => {
            if let Some(parameters) =
                child_if(object, "spec").and_then(|spec| child_if(spec, "parameters"))
            {
                default_nil(parameters, "scope", json!("Cluster"));
            }
        }
        ("rbac.authorization.k8s.io", "v1", "RoleBinding" | "ClusterRoleBinding") => {
            if let Some(role_ref) = child(object, "roleRef") {
                default_str(role_ref, "apiGroup", "rbac.authorization.k8s.io");
            }
            for subject in each_mut(object, "subjects") {
                if is_empty_str(subject, "apiGroup") {
                    match subject.get("kind").and_then(Value::as_str) {
                        Some("User" | "Group") => {
                            subject
                                .insert("apiGroup".to_owned(), json!("rbac.authorization.k8s.io"));
                        }
                        Some("ServiceAccount") => {
                            subject.insert("apiGroup".to_owned(), json!(""));
                        }
                        _ => {}
                    }
                }
            }
        }
        ("scheduling.k8s.io", "v1", "PriorityClass") => {
            default_nil(object, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
        ("discovery.k8s.io", "v1", "EndpointSlice") => {
            for port in each_mut(object, "ports") {
                default_nil(port, "name", json!(""));
                default_nil(port, "protocol", json!("TCP"));
            }
        }
        ("storage.k8s.io", "v1", "StorageClass") => {
            default_nil(object, "reclaimPolicy", json!("Delete"));
            default_nil(object, "volumeBindingMode", json!("Immediate"));
        }
        _ => {}
    }
}

/// The pod template at `spec.template`, if any.
fn template_of(spec: &mut Map<String, Value>) {
    if let Some(template) = child_if(spec, "template") {
        pod::template(template);
    }
}

fn replication_controller(object: &mut Map<String, Value>) {
    let template_labels = object
        .get("spec")
        .and_then(|spec| spec.get("template"))
        .and_then(|template| template.get("metadata"))
        .and_then(|metadata| metadata.get("labels"))
        .filter(|labels| labels.is_object())
        .cloned();
    if let Some(labels) = template_labels {
        if let Some(spec) = child(object, "spec")
            && spec
                .get("selector")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty)
        {
            spec.insert("selector".to_owned(), labels.clone());
        }
        if let Some(metadata) = child(object, "metadata")
            && metadata
                .get("labels")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty)
        {
            metadata.insert("labels".to_owned(), labels);
        }
    }
    if let Some(spec) = child(object, "spec") {
        default_nil(spec, "replicas", json!(1));
        template_of(spec);
    }
}

fn service(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    default_str(spec, "sessionAffinity", "None");
    match spec.get("sessionAffinity").and_then(Value::as_str) {
        Some("None") => {
            spec.remove("sessionAffinityConfig");
        }
        Some("ClientIP") => {
            let has_timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|config| config.get("clientIP"))
                .and_then(|client| client.get("timeoutSeconds"))
                .is_some_and(|timeout| !timeout.is_null());
            if !has_timeout {
                spec.insert(
                    "sessionAffinityConfig".to_owned(),
                    json!({"clientIP": {"timeoutSeconds": 10800}}),
                );
            }
        }
        _ => {}
    }
    default_str(spec, "type", "ClusterIP");
    for port in each_mut(spec, "ports") {
        default_str(port, "protocol", "TCP");
        let unset = match port.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(value) => value.as_i64() == Some(0),
        };
        if unset && let Some(number) = port.get("port").cloned() {
            port.insert("targetPort".to_owned(), number);
        }
    }
    let service_type = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let has_external_ips = spec
        .get("externalIPs")
        .and_then(Value::as_array)
        .is_some_and(|ips| !ips.is_empty());
    let externally_accessible = matches!(service_type.as_str(), "LoadBalancer" | "NodePort")
        || (service_type == "ClusterIP" && has_external_ips);
    if externally_accessible {
        default_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(
        service_type.as_str(),
        "NodePort" | "LoadBalancer" | "ClusterIP"
    ) {
        default_nil(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if service_type == "LoadBalancer" {
        default_nil(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    // What the Service REST storage fills before validation (single-stack IPv4 cluster).
    if service_type != "ExternalName" {
        let cluster_ip = spec
            .get("clusterIP")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let no_cluster_ips = spec
            .get("clusterIPs")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if !cluster_ip.is_empty() && no_cluster_ips {
            spec.insert("clusterIPs".to_owned(), json!([cluster_ip]));
        }
        let headless = cluster_ip == "None";
        let has_selector = spec
            .get("selector")
            .and_then(Value::as_object)
            .is_some_and(|selector| !selector.is_empty());
        let policy = if headless && !has_selector {
            "RequireDualStack"
        } else {
            "SingleStack"
        };
        default_nil(spec, "ipFamilyPolicy", json!(policy));
        let no_families = spec
            .get("ipFamilies")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if no_families {
            spec.insert("ipFamilies".to_owned(), json!(["IPv4"]));
        }
    }
}

fn namespace(object: &mut Map<String, Value>) {
    let name = object
        .get("metadata")
        .and_then(|metadata| metadata.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !name.is_empty()
        && let Some(labels) =
            child(object, "metadata").and_then(|metadata| child(metadata, "labels"))
    {
        // kube sets this label on every write, so it follows the name rather than the input.
        labels.insert("kubernetes.io/metadata.name".to_owned(), json!(name));
    }
    if let Some(status) = child(object, "status") {
        default_str(status, "phase", "Active");
    }
}

fn pvc_spec(spec: &mut Map<String, Value>) {
    default_nil(spec, "volumeMode", json!("Filesystem"));
}

fn limit_range(object: &mut Map<String, Value>) {
    let Some(spec) = child_if(object, "spec") else {
        return;
    };
    for item in each_mut(spec, "limits") {
        if item.get("type").and_then(Value::as_str) != Some("Container") {
            continue;
        }
        let max = item
            .get("max")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let min = item
            .get("min")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(default) = child(item, "default") {
            for (name, quantity) in max {
                default.entry(name).or_insert(quantity);
            }
        }
        let default = item
            .get("default")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(request) = child(item, "defaultRequest") {
            for (name, quantity) in default {
                request.entry(name).or_insert(quantity);
            }
            for (name, quantity) in min {
                request.entry(name).or_insert(quantity);
            }
        }
    }
}

fn deployment(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    default_nil(spec, "replicas", json!(1));
    if let Some(strategy) = child(spec, "strategy") {
        default_str(strategy, "type", "RollingUpdate");
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            default_nil(rolling, "maxUnavailable", json!("25%"));
            default_nil(rolling, "maxSurge", json!("25%"));
        }
    }
    default_nil(spec, "revisionHistoryLimit", json!(10));
    default_nil(spec, "progressDeadlineSeconds", json!(600));
    template_of(spec);
}

fn stateful_set(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    default_str(spec, "podManagementPolicy", "OrderedReady");
    if let Some(strategy) = child(spec, "updateStrategy") {
        if is_empty_str(strategy, "type") {
            strategy.insert("type".to_owned(), json!("RollingUpdate"));
            default_nil(strategy, "rollingUpdate", json!({}));
        }
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
            && let Some(rolling) = child_if(strategy, "rollingUpdate")
        {
            default_nil(rolling, "partition", json!(0));
        }
    }
    if let Some(policy) = child(spec, "persistentVolumeClaimRetentionPolicy") {
        default_str(policy, "whenDeleted", "Retain");
        default_str(policy, "whenScaled", "Retain");
    }
    default_nil(spec, "replicas", json!(1));
    default_nil(spec, "revisionHistoryLimit", json!(10));
    template_of(spec);
    for claim in each_mut(spec, "volumeClaimTemplates") {
        // The apps/v1 conversion types each template as a PersistentVolumeClaim.
        default_str(claim, "apiVersion", "v1");
        default_str(claim, "kind", "PersistentVolumeClaim");
        if let Some(claim_spec) = child(claim, "spec") {
            pvc_spec(claim_spec);
        }
        // The templates are PersistentVolumeClaims: their status defaults too.
        if let Some(status) = child(claim, "status") {
            default_str(status, "phase", "Pending");
        }
    }
}

fn daemon_set(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    if let Some(strategy) = child(spec, "updateStrategy") {
        default_str(strategy, "type", "RollingUpdate");
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            default_nil(rolling, "maxUnavailable", json!(1));
            default_nil(rolling, "maxSurge", json!(0));
        }
    }
    default_nil(spec, "revisionHistoryLimit", json!(10));
    template_of(spec);
}

/// `SetDefaults_Job` on a Job's spec.
fn job_spec(spec: &mut Map<String, Value>) {
    let completions_unset = spec.get("completions").is_none_or(Value::is_null);
    let parallelism_unset = spec.get("parallelism").is_none_or(Value::is_null);
    if completions_unset && parallelism_unset {
        spec.insert("completions".to_owned(), json!(1));
        spec.insert("parallelism".to_owned(), json!(1));
    }
    default_nil(spec, "parallelism", json!(1));
    let per_index = spec
        .get("backoffLimitPerIndex")
        .is_some_and(|limit| !limit.is_null());
    default_nil(
        spec,
        "backoffLimit",
        json!(if per_index { i64::from(i32::MAX) } else { 6 }),
    );
    default_nil(spec, "completionMode", json!("NonIndexed"));
    default_nil(spec, "suspend", json!(false));
    let has_failure_policy = spec
        .get("podFailurePolicy")
        .is_some_and(|policy| !policy.is_null());
    default_nil(
        spec,
        "podReplacementPolicy",
        json!(if has_failure_policy {
            "Failed"
        } else {
            "TerminatingOrFailed"
        }),
    );
    default_nil(spec, "manualSelector", json!(false));
    job_template_spec(spec);
}

/// The defaults every job spec gets, a CronJob's job template included (`SetDefaults_Job`
/// takes a whole Job, so a template's spec gets only these).
fn job_template_spec(spec: &mut Map<String, Value>) {
    if let Some(policy) = child_if(spec, "podFailurePolicy") {
        for rule in each_mut(policy, "rules") {
            for pattern in each_mut(rule, "onPodConditions") {
                default_str(pattern, "status", "True");
            }
        }
    }
    template_of(spec);
}

fn job(object: &mut Map<String, Value>) {
    let template_labels = object
        .get("spec")
        .and_then(|spec| spec.get("template"))
        .and_then(|template| template.get("metadata"))
        .and_then(|metadata| metadata.get("labels"))
        .filter(|labels| labels.is_object())
        .cloned();
    if let Some(labels) = template_labels
        && let Some(metadata) = child(object, "metadata")
        && metadata
            .get("labels")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
    {
        metadata.insert("labels".to_owned(), labels);
    }
    if let Some(spec) = child(object, "spec") {
        job_spec(spec);
    }
}

fn cron_job(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    default_str(spec, "concurrencyPolicy", "Allow");
    default_nil(spec, "suspend", json!(false));
    default_nil(spec, "successfulJobsHistoryLimit", json!(3));
    default_nil(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(job_spec) =
        child_if(spec, "jobTemplate").and_then(|template| child_if(template, "spec"))
    {
        job_template_spec(job_spec);
    }
}

fn hpa_v2(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    default_nil(spec, "minReplicas", json!(1));
    let no_metrics = spec
        .get("metrics")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if no_metrics {
        spec.insert(
            "metrics".to_owned(),
            json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80}}}]),
        );
    }
    if let Some(behavior) = child_if(spec, "behavior") {
        let scale_up = json!({"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15}]});
        let scale_down = json!({"selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15}]});
        for (key, defaults) in [("scaleUp", scale_up), ("scaleDown", scale_down)] {
            let Value::Object(defaults) = defaults else {
                continue;
            };
            if let Some(rules) = child(behavior, key) {
                for (field, value) in defaults {
                    default_nil(rules, &field, value);
                }
            }
        }
    }
}

fn network_policy(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    let no_types = spec
        .get("policyTypes")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if no_types {
        let has_egress = spec
            .get("egress")
            .and_then(Value::as_array)
            .is_some_and(|egress| !egress.is_empty());
        let types = if has_egress {
            json!(["Ingress", "Egress"])
        } else {
            json!(["Ingress"])
        };
        spec.insert("policyTypes".to_owned(), types);
    }
    for direction in ["ingress", "egress"] {
        for rule in each_mut(spec, direction) {
            for port in each_mut(rule, "ports") {
                default_nil(port, "protocol", json!("TCP"));
            }
        }
    }
}
