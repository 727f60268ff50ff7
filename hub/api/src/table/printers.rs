//! Row cells of kube-apiserver's printers (`pkg/printers/internalversion/printers.go`), read
//! from objects in their stored JSON form, in the order of [`super::columns`].
//!
//! kube prints internal types, converted and defaulted; the printers here read the served
//! version's JSON and apply the few defaults a missing field would otherwise change (replicas,
//! a service's type and port protocol, a job's parallelism, a secret's type). Quantities are
//! printed as stored.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::age::{human_duration, since, timestamp};
use super::format::{
    arr_at, at, bool_at, format_label_selector, format_labels, int_at, int_or_string, is_set,
    label_selector_string, layout_containers, obj_at, quantity_or_nil, quantity_or_zero, str_at,
};

/// The cells of one row, and its conditions (only pods have any).
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) cells: Vec<Value>,
    pub(crate) conditions: Option<Value>,
}

impl From<Vec<Value>> for Row {
    fn from(cells: Vec<Value>) -> Self {
        Row {
            cells,
            conditions: None,
        }
    }
}

/// The row of `object` by the printer of `group`/`kind`, or `None` when kube has no printer.
pub(crate) fn print(group: &str, kind: &str, object: &Value, now: Timestamp) -> Option<Row> {
    let o = object;
    let age = since(timestamp(at(o, &["metadata", "creationTimestamp"])), now);
    let name = Value::from(str_at(o, &["metadata", "name"]));
    let row = |cells: Vec<Value>| Some(Row::from(cells));
    match (group, kind) {
        ("", "Pod") => Some(pod(o, name, age, now)),
        ("", "PodTemplate") => {
            let (names, images) = layout_containers(arr_at(o, &["template", "spec", "containers"]));
            let labels = format_labels(obj_at(o, &["template", "metadata", "labels"]));
            row(vec![name, names.into(), images.into(), labels.into()])
        }
        ("policy", "PodDisruptionBudget") => {
            let or_na = |field| at(o, &["spec", field]).map_or("N/A".to_owned(), int_or_string);
            row(vec![
                name,
                or_na("minAvailable").into(),
                or_na("maxUnavailable").into(),
                int_at(o, &["status", "disruptionsAllowed"]).into(),
                age.into(),
            ])
        }
        ("", "ReplicationController") => {
            let (names, images) =
                layout_containers(arr_at(o, &["spec", "template", "spec", "containers"]));
            row(vec![
                name,
                replicas(o).into(),
                int_at(o, &["status", "replicas"]).into(),
                int_at(o, &["status", "readyReplicas"]).into(),
                age.into(),
                names.into(),
                images.into(),
                format_labels(obj_at(o, &["spec", "selector"])).into(),
            ])
        }
        ("apps", "ReplicaSet") => {
            let (names, images) = template_containers(o);
            row(vec![
                name,
                replicas(o).into(),
                int_at(o, &["status", "replicas"]).into(),
                int_at(o, &["status", "readyReplicas"]).into(),
                age.into(),
                names.into(),
                images.into(),
                format_label_selector(at(o, &["spec", "selector"])).into(),
            ])
        }
        ("apps", "DaemonSet") => {
            let (names, images) = template_containers(o);
            let status = |field| Value::from(int_at(o, &["status", field]));
            row(vec![
                name,
                status("desiredNumberScheduled"),
                status("currentNumberScheduled"),
                status("numberReady"),
                status("updatedNumberScheduled"),
                status("numberAvailable"),
                format_labels(obj_at(o, &["spec", "template", "spec", "nodeSelector"])).into(),
                age.into(),
                names.into(),
                images.into(),
                format_label_selector(at(o, &["spec", "selector"])).into(),
            ])
        }
        ("batch", "Job") => Some(job(o, name, age, now)),
        ("batch", "CronJob") => {
            let last_schedule = match timestamp(at(o, &["status", "lastScheduleTime"])) {
                Some(time) => since(Some(time), now),
                None if is_set(o, &["status", "lastScheduleTime"]) => "<unknown>".to_owned(),
                None => "<none>".to_owned(),
            };
            let time_zone = at(o, &["spec", "timeZone"])
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            let suspend = match at(o, &["spec", "suspend"]).and_then(Value::as_bool) {
                Some(true) => "True",
                Some(false) => "False",
                None => "<unset>",
            };
            let (names, images) = layout_containers(arr_at(
                o,
                &[
                    "spec",
                    "jobTemplate",
                    "spec",
                    "template",
                    "spec",
                    "containers",
                ],
            ));
            row(vec![
                name,
                str_at(o, &["spec", "schedule"]).into(),
                time_zone.into(),
                suspend.into(),
                (arr_at(o, &["status", "active"]).len() as i64).into(),
                last_schedule.into(),
                age.into(),
                names.into(),
                images.into(),
                format_label_selector(at(o, &["spec", "jobTemplate", "spec", "selector"])).into(),
            ])
        }
        ("", "Service") => Some(service(o, name, age)),
        ("networking.k8s.io", "Ingress") => {
            let class = at(o, &["spec", "ingressClassName"])
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            let ports = if arr_at(o, &["spec", "tls"]).is_empty() {
                "80"
            } else {
                "80, 443"
            };
            row(vec![
                name,
                class.into(),
                ingress_hosts(arr_at(o, &["spec", "rules"])).into(),
                load_balancer_ingress(o).into(),
                ports.into(),
                age.into(),
            ])
        }
        ("networking.k8s.io", "IngressClass") => {
            let parameters = match at(o, &["spec", "parameters"]) {
                Some(p) => {
                    let mut text = str_at(p, &["kind"]).to_owned();
                    if let Some(group) = at(p, &["apiGroup"]).and_then(Value::as_str) {
                        text = format!("{text}.{group}");
                    }
                    format!("{text}/{}", str_at(p, &["name"]))
                }
                None => "<none>".to_owned(),
            };
            row(vec![
                name,
                str_at(o, &["spec", "controller"]).into(),
                parameters.into(),
                age.into(),
            ])
        }
        ("apps", "StatefulSet") => {
            let (names, images) = template_containers(o);
            let ready = format!(
                "{}/{}",
                int_at(o, &["status", "readyReplicas"]),
                replicas(o)
            );
            row(vec![
                name,
                ready.into(),
                age.into(),
                names.into(),
                images.into(),
            ])
        }
        ("", "Endpoints") => row(vec![name, format_endpoints(o).into(), age.into()]),
        ("discovery.k8s.io", "EndpointSlice") => {
            let ports: Vec<String> = arr_at(o, &["ports"])
                .iter()
                .map(|port| match at(port, &["port"]) {
                    Some(number) => number.to_string(),
                    None => match at(port, &["name"]).and_then(Value::as_str) {
                        Some(name) => name.to_owned(),
                        None => "*".to_owned(),
                    },
                })
                .collect();
            let addresses: Vec<String> = arr_at(o, &["endpoints"])
                .iter()
                .flat_map(|endpoint| arr_at(endpoint, &["addresses"]))
                .map(|address| address.as_str().unwrap_or_default().to_owned())
                .collect();
            row(vec![
                name,
                str_at(o, &["addressType"]).into(),
                list_with_more(ports).into(),
                list_with_more(addresses).into(),
                age.into(),
            ])
        }
        ("", "Node") => Some(node(o, name, age)),
        ("", "Event") => Some(event(o, name, now, &CORE_EVENT)),
        ("events.k8s.io", "Event") => Some(event(o, name, now, &EVENTS_EVENT)),
        ("", "Namespace") => row(vec![
            name,
            str_at(o, &["status", "phase"]).into(),
            age.into(),
        ]),
        ("", "Secret") => {
            let type_ = match str_at(o, &["type"]) {
                "" => "Opaque",
                type_ => type_,
            };
            let data = obj_at(o, &["data"]).map_or(0, |data| data.len());
            row(vec![name, type_.into(), (data as i64).into(), age.into()])
        }
        ("", "ServiceAccount") => {
            let secrets = arr_at(o, &["secrets"]).len() as i64;
            row(vec![name, secrets.into(), age.into()])
        }
        ("", "ConfigMap") => {
            let count = |field| obj_at(o, &[field]).map_or(0, |m| m.len());
            let data = (count("data") + count("binaryData")) as i64;
            row(vec![name, data.into(), age.into()])
        }
        ("", "PersistentVolume") => {
            let claim = match at(o, &["spec", "claimRef"]) {
                Some(claim) => format!(
                    "{}/{}",
                    str_at(claim, &["namespace"]),
                    str_at(claim, &["name"])
                ),
                None => String::new(),
            };
            let phase = if is_set(o, &["metadata", "deletionTimestamp"]) {
                "Terminating"
            } else {
                str_at(o, &["status", "phase"])
            };
            let class = match at(o, &["metadata", "annotations", STORAGE_CLASS_ANNOTATION]) {
                Some(class) => class.as_str().unwrap_or_default(),
                None => str_at(o, &["spec", "storageClassName"]),
            };
            row(vec![
                name,
                quantity_or_zero(o, &["spec", "capacity", "storage"]).into(),
                access_modes(arr_at(o, &["spec", "accessModes"])).into(),
                str_at(o, &["spec", "persistentVolumeReclaimPolicy"]).into(),
                phase.into(),
                claim.into(),
                class.into(),
                unset_or(o, &["spec", "volumeAttributesClassName"]).into(),
                str_at(o, &["status", "reason"]).into(),
                age.into(),
                unset_or(o, &["spec", "volumeMode"]).into(),
            ])
        }
        ("", "PersistentVolumeClaim") => {
            let phase = if is_set(o, &["metadata", "deletionTimestamp"]) {
                "Terminating"
            } else {
                str_at(o, &["status", "phase"])
            };
            let volume = str_at(o, &["spec", "volumeName"]);
            let (capacity, modes) = if volume.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    quantity_or_zero(o, &["status", "capacity", "storage"]),
                    access_modes(arr_at(o, &["status", "accessModes"])),
                )
            };
            let class = match at(o, &["metadata", "annotations", STORAGE_CLASS_ANNOTATION]) {
                Some(class) => class.as_str().unwrap_or_default(),
                None => str_at(o, &["spec", "storageClassName"]),
            };
            row(vec![
                name,
                phase.into(),
                volume.into(),
                capacity.into(),
                modes.into(),
                class.into(),
                unset_or(o, &["spec", "volumeAttributesClassName"]).into(),
                age.into(),
                unset_or(o, &["spec", "volumeMode"]).into(),
            ])
        }
        ("apps", "Deployment") => {
            let (names, images) = template_containers(o);
            let selector = label_selector_string(at(o, &["spec", "selector"]))
                .unwrap_or_else(|()| "<invalid>".to_owned());
            let ready = format!(
                "{}/{}",
                int_at(o, &["status", "readyReplicas"]),
                replicas(o)
            );
            row(vec![
                name,
                ready.into(),
                int_at(o, &["status", "updatedReplicas"]).into(),
                int_at(o, &["status", "availableReplicas"]).into(),
                age.into(),
                names.into(),
                images.into(),
                selector.into(),
            ])
        }
        ("autoscaling", "HorizontalPodAutoscaler") => {
            let target = format!(
                "{}/{}",
                str_at(o, &["spec", "scaleTargetRef", "kind"]),
                str_at(o, &["spec", "scaleTargetRef", "name"])
            );
            let min_pods = match at(o, &["spec", "minReplicas"]) {
                Some(_) => int_at(o, &["spec", "minReplicas"]).to_string(),
                None => "<unset>".to_owned(),
            };
            row(vec![
                name,
                target.into(),
                hpa_metrics(
                    arr_at(o, &["spec", "metrics"]),
                    arr_at(o, &["status", "currentMetrics"]),
                )
                .into(),
                min_pods.into(),
                int_at(o, &["spec", "maxReplicas"]).into(),
                int_at(o, &["status", "currentReplicas"]).into(),
                age.into(),
            ])
        }
        ("networking.k8s.io", "NetworkPolicy") => row(vec![
            name,
            format_label_selector(at(o, &["spec", "podSelector"])).into(),
            age.into(),
        ]),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            let role = format!(
                "{}/{}",
                str_at(o, &["roleRef", "kind"]),
                str_at(o, &["roleRef", "name"])
            );
            let (mut users, mut groups, mut service_accounts) = (vec![], vec![], vec![]);
            for subject in arr_at(o, &["subjects"]) {
                let subject_name = str_at(subject, &["name"]).to_owned();
                match str_at(subject, &["kind"]) {
                    "ServiceAccount" => service_accounts.push(format!(
                        "{}/{subject_name}",
                        str_at(subject, &["namespace"])
                    )),
                    "User" => users.push(subject_name),
                    "Group" => groups.push(subject_name),
                    _ => {}
                }
            }
            row(vec![
                name,
                role.into(),
                age.into(),
                users.join(", ").into(),
                groups.join(", ").into(),
                service_accounts.join(", ").into(),
            ])
        }
        ("certificates.k8s.io", "CertificateSigningRequest") => {
            let signer = match str_at(o, &["spec", "signerName"]) {
                "" => "<none>",
                signer => signer,
            };
            let duration = match at(o, &["spec", "expirationSeconds"]) {
                Some(_) => human_duration(
                    i128::from(int_at(o, &["spec", "expirationSeconds"])) * 1_000_000_000,
                ),
                None => "<none>".to_owned(),
            };
            row(vec![
                name,
                age.into(),
                signer.into(),
                str_at(o, &["spec", "username"]).into(),
                duration.into(),
                csr_condition(o).into(),
            ])
        }
        ("tenancy.nave.dev", "Workspace") => row(vec![
            name,
            match str_at(o, &["spec", "type"]) {
                "" => crate::tenancy::DEFAULT_TYPE,
                kind => kind,
            }
            .into(),
            str_at(o, &["status", "phase"]).into(),
            str_at(o, &["status", "url"]).into(),
            age.into(),
        ]),
        ("coordination.k8s.io", "Lease") => row(vec![
            name,
            str_at(o, &["spec", "holderIdentity"]).into(),
            age.into(),
        ]),
        ("storage.k8s.io", "StorageClass") => {
            let annotation = |key| str_at(o, &["metadata", "annotations", key]) == "true";
            let mut display = str_at(o, &["metadata", "name"]).to_owned();
            if annotation("storageclass.kubernetes.io/is-default-class")
                || annotation("storageclass.beta.kubernetes.io/is-default-class")
            {
                display.push_str(" (default)");
            }
            let or = |field, default| match str_at(o, &[field]) {
                "" if !is_set(o, &[field]) => default,
                value => value,
            };
            row(vec![
                display.into(),
                str_at(o, &["provisioner"]).into(),
                or("reclaimPolicy", "Delete").into(),
                or("volumeBindingMode", "Immediate").into(),
                bool_at(o, &["allowVolumeExpansion"]).into(),
                age.into(),
            ])
        }
        ("apps", "ControllerRevision") => {
            let controller = arr_at(o, &["metadata", "ownerReferences"])
                .iter()
                .find(|owner| bool_at(owner, &["controller"]));
            let controller = match controller {
                Some(owner) => {
                    let api_version = str_at(owner, &["apiVersion"]);
                    let group = api_version.split_once('/').map_or("", |(group, _)| group);
                    let kind = str_at(owner, &["kind"]);
                    let owner_name = str_at(owner, &["name"]);
                    match (group, kind) {
                        ("", "") => owner_name.to_owned(),
                        ("", kind) => format!("{}/{owner_name}", kind.to_lowercase()),
                        (group, kind) => {
                            format!("{}/{owner_name}", format!("{kind}.{group}").to_lowercase())
                        }
                    }
                }
                None => "<none>".to_owned(),
            };
            row(vec![
                name,
                controller.into(),
                int_at(o, &["revision"]).into(),
                age.into(),
            ])
        }
        ("", "ResourceQuota") => {
            let hard = obj_at(o, &["status", "hard"]);
            let mut resources: Vec<&String> = hard.into_iter().flat_map(|h| h.keys()).collect();
            resources.sort();
            let (mut requests, mut limits) = (Vec::new(), Vec::new());
            for resource in resources {
                let used = quantity_or_zero(o, &["status", "used", resource]);
                let hard = quantity_or_zero(o, &["status", "hard", resource]);
                let text = format!("{resource}: {used}/{hard}");
                let mut pieces = resource.split('.');
                if pieces.next() == Some("limits") && pieces.next().is_some() {
                    limits.push(text);
                } else {
                    requests.push(text);
                }
            }
            row(vec![
                name,
                requests.join(", ").into(),
                limits.join(", ").into(),
                age.into(),
            ])
        }
        ("scheduling.k8s.io", "PriorityClass") => row(vec![
            name,
            int_at(o, &["value"]).into(),
            bool_at(o, &["globalDefault"]).into(),
            age.into(),
            str_at(o, &["preemptionPolicy"]).into(),
        ]),
        ("node.k8s.io", "RuntimeClass") => {
            row(vec![name, str_at(o, &["handler"]).into(), age.into()])
        }
        ("storage.k8s.io", "VolumeAttachment") => row(vec![
            name,
            str_at(o, &["spec", "attacher"]).into(),
            str_at(o, &["spec", "source", "persistentVolumeName"]).into(),
            str_at(o, &["spec", "nodeName"]).into(),
            bool_at(o, &["status", "attached"]).into(),
            age.into(),
        ]),
        ("storage.k8s.io", "CSINode") => {
            let drivers = arr_at(o, &["spec", "drivers"]).len() as i64;
            row(vec![name, drivers.into(), age.into()])
        }
        ("storage.k8s.io", "CSIDriver") => {
            let flag = |field, default| {
                at(o, &["spec", field])
                    .and_then(Value::as_bool)
                    .unwrap_or(default)
            };
            let token_requests = match at(o, &["spec", "tokenRequests"]) {
                Some(requests) => requests
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|request| str_at(request, &["audience"]))
                    .collect::<Vec<_>>()
                    .join(","),
                None => "<unset>".to_owned(),
            };
            let modes: Vec<&str> = arr_at(o, &["spec", "volumeLifecycleModes"])
                .iter()
                .map(|mode| mode.as_str().unwrap_or_default())
                .collect();
            let modes = if modes.is_empty() {
                "<none>".to_owned()
            } else {
                modes.join(",")
            };
            row(vec![
                name,
                flag("attachRequired", true).into(),
                flag("podInfoOnMount", false).into(),
                flag("storageCapacity", false).into(),
                token_requests.into(),
                flag("requiresRepublish", false).into(),
                modes.into(),
                age.into(),
            ])
        }
        ("storage.k8s.io", "CSIStorageCapacity") => {
            let capacity = match at(o, &["capacity"]) {
                Some(_) => quantity_or_zero(o, &["capacity"]),
                None => "<unset>".to_owned(),
            };
            row(vec![
                name,
                str_at(o, &["storageClassName"]).into(),
                capacity.into(),
            ])
        }
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => {
            let webhooks = arr_at(o, &["webhooks"]).len() as i64;
            row(vec![name, webhooks.into(), age.into()])
        }
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy") => {
            let param_kind = match at(o, &["spec", "paramKind"]) {
                Some(kind) => format!(
                    "{}/{}",
                    str_at(kind, &["apiVersion"]),
                    str_at(kind, &["kind"])
                ),
                None => "<unset>".to_owned(),
            };
            let validations = arr_at(o, &["spec", "validations"]).len() as i64;
            row(vec![
                name,
                validations.into(),
                param_kind.into(),
                age.into(),
            ])
        }
        _ => None,
    }
}

const STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";

/// `spec.replicas`, defaulted to 1 as the v1 APIs do.
fn replicas(o: &Value) -> i64 {
    at(o, &["spec", "replicas"]).map_or(1, |_| int_at(o, &["spec", "replicas"]))
}

fn template_containers(o: &Value) -> (String, String) {
    layout_containers(arr_at(o, &["spec", "template", "spec", "containers"]))
}

/// A string pointer field, `<unset>` when nil.
fn unset_or<'a>(o: &'a Value, path: &[&str]) -> &'a str {
    at(o, path).and_then(Value::as_str).unwrap_or("<unset>")
}

/// `helper.GetAccessModesAsString`.
fn access_modes(modes: &[Value]) -> String {
    let has = |mode: &str| modes.iter().any(|m| m.as_str() == Some(mode));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .into_iter()
    .filter(|(mode, _)| has(mode))
    .map(|(_, short)| short)
    .collect::<Vec<_>>()
    .join(",")
}

/// `listWithMoreString` over the first three items.
fn list_with_more(items: Vec<String>) -> String {
    const MAX: usize = 3;
    let count = items.len();
    let shown = items.into_iter().take(MAX).collect::<Vec<_>>().join(",");
    if count > MAX {
        format!("{shown} + {} more...", count - MAX)
    } else if shown.is_empty() {
        "<unset>".to_owned()
    } else {
        shown
    }
}

/// `net.JoinHostPort`.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `formatEndpoints(endpoints, nil)`.
fn format_endpoints(o: &Value) -> String {
    const MAX: usize = 3;
    let subsets = arr_at(o, &["subsets"]);
    if subsets.is_empty() {
        return "<none>".to_owned();
    }
    let (mut list, mut more, mut count) = (Vec::new(), false, 0);
    for subset in subsets {
        let addresses = arr_at(subset, &["addresses"]);
        let ports = arr_at(subset, &["ports"]);
        if ports.is_empty() {
            // Headless services may have no ports.
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(str_at(address, &["ip"]).to_owned());
            }
            continue;
        }
        for port in ports {
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(
                    str_at(address, &["ip"]),
                    int_at(port, &["port"]),
                ));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// `formatHosts`.
fn ingress_hosts(rules: &[Value]) -> String {
    const MAX: usize = 3;
    let (mut list, mut more) = (Vec::new(), false);
    for rule in rules {
        if list.len() == MAX {
            more = true;
        }
        let host = str_at(rule, &["host"]);
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".to_owned();
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", rules.len() - MAX)
    } else {
        joined
    }
}

/// The sorted, distinct IPs or hostnames of `status.loadBalancer.ingress`, unclipped (the
/// server prints wide).
fn load_balancer_ingress(o: &Value) -> String {
    let set: BTreeSet<&str> = arr_at(o, &["status", "loadBalancer", "ingress"])
        .iter()
        .filter_map(|ingress| match str_at(ingress, &["ip"]) {
            "" => Some(str_at(ingress, &["hostname"])).filter(|h| !h.is_empty()),
            ip => Some(ip),
        })
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

fn service(o: &Value, name: Value, age: String) -> Row {
    let type_ = match str_at(o, &["spec", "type"]) {
        "" => "ClusterIP",
        type_ => type_,
    };
    let cluster_ip = arr_at(o, &["spec", "clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .or_else(|| at(o, &["spec", "clusterIP"]).and_then(Value::as_str))
        .filter(|ip| !ip.is_empty())
        .unwrap_or("<none>");
    let external_ips: Vec<&str> = arr_at(o, &["spec", "externalIPs"])
        .iter()
        .map(|ip| ip.as_str().unwrap_or_default())
        .collect();
    let external = match type_ {
        "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
        "ClusterIP" | "NodePort" => "<none>".to_owned(),
        "LoadBalancer" => {
            let ingress = load_balancer_ingress(o);
            let mut all: Vec<&str> = ingress.split(',').filter(|s| !s.is_empty()).collect();
            if !external_ips.is_empty() {
                all.extend(&external_ips);
                all.join(",")
            } else if !ingress.is_empty() {
                ingress.clone()
            } else {
                "<pending>".to_owned()
            }
        }
        "ExternalName" => str_at(o, &["spec", "externalName"]).to_owned(),
        _ => "<unknown>".to_owned(),
    };
    let ports: Vec<String> = arr_at(o, &["spec", "ports"])
        .iter()
        .map(|port| {
            let protocol = match str_at(port, &["protocol"]) {
                "" => "TCP",
                protocol => protocol,
            };
            let number = int_at(port, &["port"]);
            match int_at(port, &["nodePort"]) {
                node_port if node_port > 0 => format!("{number}:{node_port}/{protocol}"),
                _ => format!("{number}/{protocol}"),
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_owned()
    } else {
        ports.join(",")
    };
    Row::from(vec![
        name,
        type_.into(),
        cluster_ip.into(),
        external.into(),
        ports.into(),
        age.into(),
        format_labels(obj_at(o, &["spec", "selector"])).into(),
    ])
}

/// The first condition of `type_` in `conditions` is `True` (`hasJobCondition`).
fn has_condition(conditions: &[Value], type_: &str) -> bool {
    conditions
        .iter()
        .find(|c| str_at(c, &["type"]) == type_)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

fn job(o: &Value, name: Value, age: String, now: Timestamp) -> Row {
    let succeeded = int_at(o, &["status", "succeeded"]);
    let completions = match at(o, &["spec", "completions"]) {
        Some(_) => format!("{succeeded}/{}", int_at(o, &["spec", "completions"])),
        None => {
            let parallelism =
                at(o, &["spec", "parallelism"]).map_or(1, |_| int_at(o, &["spec", "parallelism"]));
            if parallelism > 1 {
                format!("{succeeded}/1 of {parallelism}")
            } else {
                format!("{succeeded}/1")
            }
        }
    };
    let start = timestamp(at(o, &["status", "startTime"]));
    let duration = match (start, timestamp(at(o, &["status", "completionTime"]))) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.as_nanosecond() - start.as_nanosecond()),
        (Some(start), Some(end)) => human_duration(end.as_nanosecond() - start.as_nanosecond()),
    };
    let conditions = arr_at(o, &["status", "conditions"]);
    let status = if has_condition(conditions, "Complete") {
        "Complete"
    } else if has_condition(conditions, "Failed") {
        "Failed"
    } else if is_set(o, &["metadata", "deletionTimestamp"]) {
        "Terminating"
    } else if has_condition(conditions, "Suspended") {
        "Suspended"
    } else if has_condition(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = template_containers(o);
    Row::from(vec![
        name,
        status.into(),
        completions.into(),
        duration.into(),
        age.into(),
        names.into(),
        images.into(),
        format_label_selector(at(o, &["spec", "selector"])).into(),
    ])
}

fn node(o: &Value, name: Value, age: String) -> Row {
    let ready = arr_at(o, &["status", "conditions"])
        .iter()
        .rfind(|c| str_at(c, &["type"]) == "Ready");
    let mut status = vec![match ready {
        Some(c) if str_at(c, &["status"]) == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if bool_at(o, &["spec", "unschedulable"]) {
        status.push("SchedulingDisabled");
    }
    let mut roles = BTreeSet::new();
    for (key, value) in obj_at(o, &["metadata", "labels"]).into_iter().flatten() {
        if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role);
            }
        } else if key == "kubernetes.io/role"
            && let Some(role) = value.as_str().filter(|role| !role.is_empty())
        {
            roles.insert(role);
        }
    }
    let roles = if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    };
    let info = |field| match str_at(o, &["status", "nodeInfo", field]) {
        "" => "<unknown>",
        value => value,
    };
    let address = |type_| {
        arr_at(o, &["status", "addresses"])
            .iter()
            .find(|a| str_at(a, &["type"]) == type_)
            .map_or("<none>", |a| str_at(a, &["address"]))
    };
    Row::from(vec![
        name,
        status.join(",").into(),
        roles.into(),
        age.into(),
        str_at(o, &["status", "nodeInfo", "kubeletVersion"]).into(),
        address("InternalIP").into(),
        address("ExternalIP").into(),
        info("osImage").into(),
        info("kernelVersion").into(),
        info("containerRuntimeVersion").into(),
    ])
}

/// Where an event version keeps the fields of the internal `core.Event`.
struct EventFields {
    first: &'static str,
    last: &'static str,
    count: &'static str,
    regarding: &'static str,
    source: &'static str,
    reporting_controller: &'static str,
    message: &'static str,
}

const CORE_EVENT: EventFields = EventFields {
    first: "firstTimestamp",
    last: "lastTimestamp",
    count: "count",
    regarding: "involvedObject",
    source: "source",
    reporting_controller: "reportingComponent",
    message: "message",
};

const EVENTS_EVENT: EventFields = EventFields {
    first: "deprecatedFirstTimestamp",
    last: "deprecatedLastTimestamp",
    count: "deprecatedCount",
    regarding: "regarding",
    source: "deprecatedSource",
    reporting_controller: "reportingController",
    message: "note",
};

fn event(o: &Value, name: Value, now: Timestamp, f: &EventFields) -> Row {
    let first = match timestamp(at(o, &[f.first])) {
        Some(first) => since(Some(first), now),
        None => since(timestamp(at(o, &["eventTime"])), now),
    };
    let mut last = match timestamp(at(o, &[f.last])) {
        Some(last) => since(Some(last), now),
        None => first.clone(),
    };
    let mut count = int_at(o, &[f.count]);
    if is_set(o, &["series"]) {
        last = since(timestamp(at(o, &["series", "lastObservedTime"])), now);
        count = int_at(o, &["series", "count"]);
    } else if count == 0 {
        // Singleton events don't have a count set in the new API.
        count = 1;
    }
    let kind = str_at(o, &[f.regarding, "kind"]).to_lowercase();
    let target = match str_at(o, &[f.regarding, "name"]) {
        "" => kind,
        regarding => format!("{kind}/{regarding}"),
    };
    let component = match str_at(o, &[f.source, "component"]) {
        "" => str_at(o, &[f.reporting_controller]),
        component => component,
    };
    let instance = match str_at(o, &[f.source, "host"]) {
        "" => str_at(o, &["reportingInstance"]),
        host => host,
    };
    let source = if instance.is_empty() {
        component.to_owned()
    } else {
        format!("{component}, {instance}")
    };
    Row::from(vec![
        last.into(),
        str_at(o, &["type"]).into(),
        str_at(o, &["reason"]).into(),
        target.into(),
        str_at(o, &[f.regarding, "fieldPath"]).into(),
        source.into(),
        str_at(o, &[f.message]).trim().into(),
        first.into(),
        count.into(),
        name,
    ])
}

/// `extractCSRStatus`.
fn csr_condition(o: &Value) -> String {
    let conditions = arr_at(o, &["status", "conditions"]);
    let has = |type_| conditions.iter().any(|c| str_at(c, &["type"]) == type_);
    let mut status = if has("Denied") {
        "Denied"
    } else if has("Approved") {
        "Approved"
    } else {
        "Pending"
    }
    .to_owned();
    if has("Failed") {
        status.push_str(",Failed");
    }
    if !str_at(o, &["status", "certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    status
}

/// `formatHPAMetrics` over autoscaling/v2 metric specs and statuses.
fn hpa_metrics(specs: &[Value], statuses: &[Value]) -> String {
    const MAX: usize = 2;
    if specs.is_empty() {
        return "<none>".to_owned();
    }
    let mut list = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let status = statuses.get(i);
        // The status of this metric's source, when the status reports it.
        let current = |source: &str| status.and_then(|s| at(s, &[source]));
        let text = match str_at(spec, &["type"]) {
            source @ ("External" | "Object") => {
                let key = if source == "External" {
                    "external"
                } else {
                    "object"
                };
                let target = &spec[key]["target"];
                if is_set(target, &["averageValue"]) {
                    let now = current(key)
                        .filter(|c| is_set(c, &["current", "averageValue"]))
                        .map_or("<unknown>".to_owned(), |c| {
                            quantity_or_nil(c, &["current", "averageValue"])
                        });
                    format!("{now}/{} (avg)", quantity_or_nil(target, &["averageValue"]))
                } else {
                    let now = current(key).map_or("<unknown>".to_owned(), |c| {
                        quantity_or_nil(c, &["current", "value"])
                    });
                    format!("{now}/{}", quantity_or_nil(target, &["value"]))
                }
            }
            "Pods" => {
                let now = current("pods").map_or("<unknown>".to_owned(), |c| {
                    quantity_or_nil(c, &["current", "averageValue"])
                });
                let target = quantity_or_nil(spec, &["pods", "target", "averageValue"]);
                format!("{now}/{target}")
            }
            source @ ("Resource" | "ContainerResource") => {
                let key = if source == "Resource" {
                    "resource"
                } else {
                    "containerResource"
                };
                let resource = str_at(spec, &[key, "name"]);
                let target = &spec[key]["target"];
                if is_set(target, &["averageValue"]) {
                    let now = current(key).map_or("<unknown>".to_owned(), |c| {
                        quantity_or_nil(c, &["current", "averageValue"])
                    });
                    let target = quantity_or_nil(target, &["averageValue"]);
                    format!("{resource}: {now}/{target}")
                } else {
                    let now = current(key)
                        .filter(|c| is_set(c, &["current", "averageUtilization"]))
                        .map_or("<unknown>".to_owned(), |c| {
                            format!("{}%", int_at(c, &["current", "averageUtilization"]))
                        });
                    let target = if is_set(target, &["averageUtilization"]) {
                        format!("{}%", int_at(target, &["averageUtilization"]))
                    } else {
                        "<auto>".to_owned()
                    };
                    format!("{resource}: {now}/{target}")
                }
            }
            _ => "<unknown type>".to_owned(),
        };
        list.push(text);
    }
    let count = list.len();
    if count > MAX {
        list.truncate(MAX);
        format!("{} + {} more...", list.join(", "), count - MAX)
    } else {
        list.join(", ")
    }
}

/// `printPod`: the Ready, Status and Restarts logic of kube-apiserver, including init
/// containers, restartable (sidecar) init containers and terminating pods.
fn pod(o: &Value, name: Value, age: String, now: Timestamp) -> Row {
    let spec = &o["spec"];
    let status = &o["status"];
    let containers_total = arr_at(spec, &["containers"]).len() as i64;
    let init_specs = arr_at(spec, &["initContainers"]);
    let restartable = |container: &str| {
        // Go keys a map by name, so the last spec of a name wins.
        init_specs
            .iter()
            .rfind(|c| str_at(c, &["name"]) == container)
            .is_some_and(|c| str_at(c, &["restartPolicy"]) == "Always")
    };
    let total = containers_total
        + init_specs
            .iter()
            .filter(|c| str_at(c, &["restartPolicy"]) == "Always")
            .count() as i64;

    let phase = str_at(status, &["phase"]);
    let mut reason = match str_at(status, &["reason"]) {
        "" => phase.to_owned(),
        reason => reason.to_owned(),
    };
    let conditions = arr_at(status, &["conditions"]);
    if conditions.iter().any(|c| {
        str_at(c, &["type"]) == "PodScheduled" && str_at(c, &["reason"]) == "SchedulingGated"
    }) {
        reason = "SchedulingGated".to_owned();
    }
    let row_conditions = match phase {
        "Succeeded" => Some(json!([{
            "type": "Completed", "status": "True", "reason": "Succeeded",
            "message": "The pod has completed successfully."
        }])),
        "Failed" => Some(json!([{
            "type": "Completed", "status": "True", "reason": "Failed",
            "message": "The pod failed."
        }])),
        _ => None,
    };

    let finished = |c: &Value| timestamp(at(c, &["lastState", "terminated", "finishedAt"]));
    let mut restarts = 0;
    let mut restartable_restarts = 0;
    let mut ready = 0;
    // `None` is Go's zero time, earlier than any other.
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_restart: Option<Timestamp> = None;

    let init_statuses = arr_at(status, &["initContainerStatuses"]);
    let mut initializing = false;
    for (i, container) in init_statuses.iter().enumerate() {
        let count = int_at(container, &["restartCount"]);
        restarts += count;
        if is_set(container, &["lastState", "terminated"]) {
            last_restart = last_restart.max(finished(container));
        }
        let sidecar = restartable(str_at(container, &["name"]));
        if sidecar {
            restartable_restarts += count;
            if is_set(container, &["lastState", "terminated"]) {
                last_restartable_restart = last_restartable_restart.max(finished(container));
            }
        }
        let terminated = at(container, &["state", "terminated"]);
        let waiting_reason = str_at(container, &["state", "waiting", "reason"]);
        if terminated.is_some_and(|t| int_at(t, &["exitCode"]) == 0) {
            continue;
        } else if sidecar && bool_at(container, &["started"]) {
            if bool_at(container, &["ready"]) {
                ready += 1;
            }
            continue;
        } else if let Some(terminated) = terminated {
            // Initialization failed.
            reason = match str_at(terminated, &["reason"]) {
                "" => match int_at(terminated, &["signal"]) {
                    0 => format!("Init:ExitCode:{}", int_at(terminated, &["exitCode"])),
                    signal => format!("Init:Signal:{signal}"),
                },
                terminated_reason => format!("Init:{terminated_reason}"),
            };
        } else if is_set(container, &["state", "waiting"])
            && !waiting_reason.is_empty()
            && waiting_reason != "PodInitializing"
        {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .find(|c| str_at(c, &["type"]) == "Initialized")
        .is_some_and(|c| str_at(c, &["status"]) == "True");
    if !initializing || initialized {
        restarts = restartable_restarts;
        last_restart = last_restartable_restart;
        let mut has_running = false;
        for container in arr_at(status, &["containerStatuses"]).iter().rev() {
            restarts += int_at(container, &["restartCount"]);
            if is_set(container, &["lastState", "terminated"]) {
                last_restart = last_restart.max(finished(container));
            }
            let waiting = at(container, &["state", "waiting"]);
            let terminated = at(container, &["state", "terminated"]);
            if let Some(waiting_reason) = waiting
                .map(|w| str_at(w, &["reason"]))
                .filter(|r| !r.is_empty())
            {
                reason = waiting_reason.to_owned();
            } else if let Some(terminated) = terminated {
                reason = match str_at(terminated, &["reason"]) {
                    "" => match int_at(terminated, &["signal"]) {
                        0 => format!("ExitCode:{}", int_at(terminated, &["exitCode"])),
                        signal => format!("Signal:{signal}"),
                    },
                    terminated_reason => terminated_reason.to_owned(),
                };
            } else if bool_at(container, &["ready"]) && is_set(container, &["state", "running"]) {
                has_running = true;
                ready += 1;
            }
        }
        // Back to "Running" if a container still reports running.
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| str_at(c, &["type"]) == "Ready" && str_at(c, &["status"]) == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_owned();
        }
    }

    let deleting = is_set(o, &["metadata", "deletionTimestamp"]);
    if deleting && str_at(status, &["reason"]) == "NodeLost" {
        reason = "Unknown".to_owned();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".to_owned();
    }

    let restarts_text = match last_restart {
        Some(time) if restarts != 0 => format!("{restarts} ({} ago)", since(Some(time), now)),
        _ => restarts.to_string(),
    };

    let none_if_empty = |s: &str| {
        if s.is_empty() {
            "<none>".to_owned()
        } else {
            s.to_owned()
        }
    };
    let ip = arr_at(status, &["podIPs"])
        .first()
        .map(|ip| str_at(ip, &["ip"]))
        .unwrap_or_else(|| str_at(status, &["podIP"]));
    let gates = arr_at(spec, &["readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_owned()
    } else {
        let passing = gates
            .iter()
            .filter(|gate| {
                let type_ = str_at(gate, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| str_at(c, &["type"]) == type_)
                    .is_some_and(|c| str_at(c, &["status"]) == "True")
            })
            .count();
        format!("{passing}/{}", gates.len())
    };
    Row {
        cells: vec![
            name,
            format!("{ready}/{total}").into(),
            reason.into(),
            restarts_text.into(),
            age.into(),
            none_if_empty(ip).into(),
            none_if_empty(str_at(spec, &["nodeName"])).into(),
            none_if_empty(str_at(status, &["nominatedNodeName"])).into(),
            readiness_gates.into(),
        ],
        conditions: row_conditions,
    }
}
