//! kube-apiserver's defaulting and validation of built-in kinds, as pure functions over JSON:
//!
//! - [`default`]: the defaults kube's scheme applies when decoding (`SetDefaults_*` and the
//!   generated `+default` markers), plus what the Service REST storage fills before validating
//!   (`clusterIPs` from `clusterIP`, single-stack IPv4 `ipFamilies`/`ipFamilyPolicy`);
//! - [`validate`]: the kind's strategy validation on create or update (`old` given), with
//!   kube's field paths and messages ([`Cause`]), then the generic store's metadata checks;
//! - [`job_selector`]: the selector and pod labels kube generates for a Job on create (they need
//!   the Job's uid);
//! - [`prepare_update`]: what kube carries over from the stored object before validating an
//!   update (a Service's allocated cluster IPs and node ports);
//! - [`service_allocations`] and [`set_cluster_ip`]: which cluster IP and node ports the hub must
//!   allocate for a Service, and recording the allocated IP.
//!
//! The hub calls, on create: `default`, (`job_selector` for Jobs,) allocation, `validate(obj,
//! None)`; on update: `default`, `prepare_update`, `validate(obj, Some(old))` once the
//! server-owned metadata (uid, creationTimestamp, generation, resourceVersion) is in place.
//! The review kinds (TokenReview, the access reviews) get only their REST handlers' checks, no
//! metadata name rules. Kinds without rules here (custom resources, CRDs) yield no defaults and
//! no causes.

mod defaults;
mod field;
mod formats;
mod gofmt;
mod meta;
mod quantity;
mod validate;
mod value;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

pub use field::{Cause, Reason};

/// Applies kube's defaults for `group`/`version`/`kind` to `object` in place. Set values are
/// kept (except where kube itself overwrites: a Namespace's `kubernetes.io/metadata.name`
/// label, a Service's `sessionAffinityConfig` when affinity is `None`); applying twice changes
/// nothing.
pub fn default(group: &str, version: &str, kind: &str, object: &mut Value) {
    defaults::default(group, version, kind, object);
}

/// Validates `object` as kube-apiserver does for `group`/`version`/`kind`: the create rules, or
/// the update rules when `old` (the stored object) is given. Each [`Cause`] carries kube's field
/// path and message; an empty list means valid. Run it on a defaulted object.
pub fn validate(
    group: &str,
    version: &str,
    kind: &str,
    object: &Value,
    old: Option<&Value>,
) -> Vec<Cause> {
    validate::validate(group, version, kind, object, old)
}

/// kube's Job `generateSelector` (create only, unless `spec.manualSelector` is true): adds the
/// pod template labels `controller-uid`, `batch.kubernetes.io/controller-uid` (= `uid`),
/// `job-name`, `batch.kubernetes.io/job-name` (= the Job's name) unless present, and
/// `spec.selector.matchLabels["batch.kubernetes.io/controller-uid"] = uid` unless present. When
/// the Job's own labels were defaulted from the template's (kube shares that map), they receive
/// the generated labels too.
pub fn job_selector(job: &mut Value, uid: &str) {
    let Some(object) = job.as_object_mut() else {
        return;
    };
    let manual = object
        .get("spec")
        .and_then(|spec| spec.get("manualSelector"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if manual {
        return;
    }
    let name = object
        .get("metadata")
        .and_then(|metadata| metadata.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let template_labels = object
        .get("spec")
        .and_then(|spec| spec.get("template"))
        .and_then(|template| template.get("metadata"))
        .and_then(|metadata| metadata.get("labels"))
        .cloned();
    let shared = template_labels.as_ref().is_some_and(|labels| {
        object
            .get("metadata")
            .and_then(|metadata| metadata.get("labels"))
            == Some(labels)
    });
    let generated = [
        ("job-name", name.as_str()),
        ("batch.kubernetes.io/job-name", name.as_str()),
        ("controller-uid", uid),
        ("batch.kubernetes.io/controller-uid", uid),
    ];
    let add = |labels: &mut Map<String, Value>| {
        for (key, value) in generated {
            labels.entry(key.to_owned()).or_insert_with(|| json!(value));
        }
    };
    if let Some(labels) = value::child(object, "spec")
        .and_then(|spec| value::child(spec, "template"))
        .and_then(|template| value::child(template, "metadata"))
        .and_then(|metadata| value::child(metadata, "labels"))
    {
        add(labels);
    }
    if shared
        && let Some(labels) =
            value::child(object, "metadata").and_then(|metadata| value::child(metadata, "labels"))
    {
        add(labels);
    }
    if let Some(match_labels) = value::child(object, "spec")
        .and_then(|spec| value::child(spec, "selector"))
        .and_then(|selector| value::child(selector, "matchLabels"))
    {
        match_labels
            .entry("batch.kubernetes.io/controller-uid".to_owned())
            .or_insert_with(|| json!(uid));
    }
}

/// What kube's update path carries over from the stored object before validating: for a
/// Service, the allocated `clusterIP`/`clusterIPs`, node ports (matched by port name) and
/// `healthCheckNodePort` that the new object leaves unset (`patchAllocatedValues`), then
/// `clusterIPs` synced from a changed `clusterIP`.
pub fn prepare_update(group: &str, version: &str, kind: &str, object: &mut Value, old: &Value) {
    if (group, version, kind) == ("", "v1", "Service") {
        validate::service_patch_allocated(object, old);
    }
}

/// The allocations a Service needs before it is stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceAllocations {
    /// A cluster IP must be allocated (`spec.clusterIP` is unset and the type is not
    /// `ExternalName`); record it with [`set_cluster_ip`].
    pub cluster_ip: bool,
    /// Indexes in `spec.ports` whose `nodePort` must be allocated (NodePort and LoadBalancer
    /// Services, unless `allocateLoadBalancerNodePorts` is false).
    pub node_ports: Vec<usize>,
    /// `spec.healthCheckNodePort` must be allocated (LoadBalancer with
    /// `externalTrafficPolicy: Local`).
    pub health_check_node_port: bool,
}

/// What the hub must allocate for a (defaulted) Service.
pub fn service_allocations(service: &Value) -> ServiceAllocations {
    let empty = Value::Null;
    let spec = value::get(service, "spec").unwrap_or(&empty);
    let service_type = value::str_of(spec, "type");
    let mut allocations = ServiceAllocations::default();
    if service_type.is_empty() || service_type == "ExternalName" {
        return allocations;
    }
    allocations.cluster_ip = value::str_of(spec, "clusterIP").is_empty();
    let node_ports = service_type == "NodePort"
        || (service_type == "LoadBalancer"
            && value::opt_bool(spec, "allocateLoadBalancerNodePorts") != Some(false));
    if node_ports {
        allocations.node_ports = value::list(spec, "ports")
            .iter()
            .enumerate()
            .filter(|(_, port)| value::int_of(port, "nodePort") == 0)
            .map(|(index, _)| index)
            .collect();
    }
    allocations.health_check_node_port = service_type == "LoadBalancer"
        && value::str_of(spec, "externalTrafficPolicy") == "Local"
        && value::int_of(spec, "healthCheckNodePort") == 0;
    allocations
}

/// Records an allocated cluster IP: `spec.clusterIP` and `spec.clusterIPs`.
pub fn set_cluster_ip(service: &mut Value, ip: &str) {
    if let Some(spec) = service
        .as_object_mut()
        .and_then(|object| value::child(object, "spec"))
    {
        spec.insert("clusterIP".to_owned(), json!(ip));
        spec.insert("clusterIPs".to_owned(), json!([ip]));
    }
}
