//! Pod specs as `pkg/apis/core/validation` validates them, wherever they appear (Pods, pod
//! templates of workloads): volumes, containers (ports, env, mounts, resources, probes,
//! security contexts), scheduling fields, and the Pod update rules.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::builtin::field::{
    Bad, Errors, Path, duplicate, forbidden, invalid, not_found, not_supported, required, too_long,
};
use crate::builtin::formats::{
    config_map_key, dns1123_label, dns1123_subdomain, env_var_name, format_errors,
    http_header_name, inclusive_range_error, name_errors, name_is_dns_label, name_is_dns_subdomain,
    port_name, port_num, qualified_name, valid_ip,
};
use crate::builtin::gofmt;
use crate::builtin::meta::{
    label_name, nonnegative, validate_annotations, validate_label_selector, validate_labels,
};
use crate::builtin::quantity;
use crate::builtin::value::{
    bool_of, get, int_of, list, map_of, opt_bool, opt_int, opt_str, str_of, string_map, strings,
};

/// `PodValidationOptions` as kube sets them for current objects.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// The spec belongs to a Pod, not a template.
    pub(crate) resource_is_pod: bool,
}

/// A volume name and whether its source is a claim (for block devices).
type Volumes = BTreeMap<String, VolumeKind>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VolumeKind {
    Claim,
    Image,
    Other,
}

/// `ValidatePodTemplateSpec`.
pub(crate) fn template_spec(template: &Value, path: &Path, options: Options) -> Errors {
    let empty = Value::Null;
    let meta = get(template, "metadata").unwrap_or(&empty);
    let spec = get(template, "spec").unwrap_or(&empty);
    let mut errors = validate_labels(meta, "labels", &path.child("labels"));
    errors.extend(validate_annotations(meta, &path.child("annotations")));
    errors.extend(pod_specific_annotations(
        meta,
        spec,
        &path.child("annotations"),
    ));
    errors.extend(pod_spec(spec, None, &path.child("spec"), options));
    if !list(spec, "ephemeralContainers").is_empty() {
        errors.push(forbidden(
            &path.child("spec").child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
    errors
}

/// `ValidatePodSpecificAnnotations` (the parts that apply to current clients).
pub(crate) fn pod_specific_annotations(meta: &Value, spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let annotations = string_map(meta, "annotations");
    for (key, value) in &annotations {
        if *key == "kubernetes.io/config.mirror" && str_of(spec, "nodeName").is_empty() {
            errors.push(invalid(
                &path.key(key),
                *value,
                "must set spec.nodeName if mirror pod annotation is set",
            ));
        }
        if *key == "controller.kubernetes.io/pod-deletion-cost" && value.parse::<i32>().is_err() {
            errors.push(invalid(&path.key(key), *value, "must be a 32bit integer"));
        }
    }
    errors
}

/// `ValidatePodSpec`; `pod_meta` is the Pod's metadata (for ephemeral volume claim names).
pub(crate) fn pod_spec(
    spec: &Value,
    pod_meta: Option<&Value>,
    path: &Path,
    options: Options,
) -> Errors {
    let mut errors = Vec::new();
    let grace = opt_int(spec, "terminationGracePeriodSeconds");
    if grace.is_none() {
        errors.push(required(&path.child("terminationGracePeriodSeconds"), ""));
    }
    let host_users = map_of(spec, "securityContext")
        .and_then(|sc| sc.get("hostUsers"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let (volumes, volume_errors) =
        validate_volumes(spec, pod_meta, &path.child("volumes"), options);
    errors.extend(volume_errors);
    let claim_names: BTreeSet<&str> = list(spec, "resourceClaims")
        .iter()
        .map(|claim| str_of(claim, "name"))
        .filter(|name| !name.is_empty())
        .collect();
    errors.extend(resource_claims(spec, &path.child("resourceClaims")));
    let restart_policy = str_of(spec, "restartPolicy");
    let context = Context {
        volumes: &volumes,
        claim_names: &claim_names,
        grace,
        restart_policy,
        host_users,
    };
    errors.extend(containers(spec, &context, &path.child("containers")));
    errors.extend(init_containers(
        spec,
        &context,
        &path.child("initContainers"),
    ));
    errors.extend(ephemeral_containers(
        spec,
        &context,
        &path.child("ephemeralContainers"),
    ));
    errors.extend(host_network_deps(spec, path, options));
    match restart_policy {
        "Always" | "OnFailure" | "Never" => {}
        "" => errors.push(required(&path.child("restartPolicy"), "")),
        other => errors.push(not_supported(
            &path.child("restartPolicy"),
            other,
            &["Always", "OnFailure", "Never"],
        )),
    }
    let dns_policy = str_of(spec, "dnsPolicy");
    match dns_policy {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => errors.push(required(&path.child("dnsPolicy"), "")),
        other => errors.push(not_supported(
            &path.child("dnsPolicy"),
            other,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        )),
    }
    errors.extend(validate_labels(
        spec,
        "nodeSelector",
        &path.child("nodeSelector"),
    ));
    errors.extend(pod_security_context(spec, &path.child("securityContext")));
    for (index, secret) in list(spec, "imagePullSecrets").iter().enumerate() {
        let extra = secret
            .as_object()
            .is_some_and(|fields| fields.keys().any(|key| key != "name"));
        if extra {
            errors.push(invalid(
                &path.child("imagePullSecrets").index(index),
                Bad::Raw(gofmt::go_struct("core.LocalObjectReference", secret)),
                "only name may be set",
            ));
        }
    }
    if let Some(affinity) = get(spec, "affinity") {
        errors.extend(self::affinity(affinity, &path.child("affinity")));
    }
    errors.extend(dns_config(spec, &path.child("dnsConfig")));
    for (index, gate) in list(spec, "readinessGates").iter().enumerate() {
        let condition = str_of(gate, "conditionType");
        errors.extend(format_errors(
            &path
                .child("readinessGates")
                .index(index)
                .child("conditionType"),
            condition,
            qualified_name,
        ));
    }
    let mut seen_gates = BTreeSet::new();
    for (index, gate) in list(spec, "schedulingGates").iter().enumerate() {
        let name = str_of(gate, "name");
        let gate_path = path.child("schedulingGates").index(index);
        errors.extend(format_errors(&gate_path, name, qualified_name));
        if !seen_gates.insert(name) {
            errors.push(duplicate(&gate_path, name));
        }
    }
    errors.extend(topology_spread(
        spec,
        &path.child("topologySpreadConstraints"),
    ));
    if !host_users {
        for field in ["hostNetwork", "HostPID", "HostIPC"] {
            let json_field = match field {
                "HostPID" => "hostPID",
                "HostIPC" => "hostIPC",
                other => other,
            };
            if bool_of(spec, json_field) {
                errors.push(forbidden(
                    &path.child(field),
                    "when `pod.Spec.HostUsers` is false",
                ));
            }
        }
    }
    let service_account = str_of(spec, "serviceAccountName");
    if !service_account.is_empty() {
        errors.extend(name_errors(
            &path.child("serviceAccountName"),
            service_account,
            name_is_dns_subdomain,
        ));
    }
    let node_name = str_of(spec, "nodeName");
    if !node_name.is_empty() {
        errors.extend(name_errors(
            &path.child("nodeName"),
            node_name,
            name_is_dns_subdomain,
        ));
    }
    if let Some(deadline) = opt_int(spec, "activeDeadlineSeconds")
        && !(1..=i64::from(i32::MAX)).contains(&deadline)
    {
        errors.push(invalid(
            &path.child("activeDeadlineSeconds"),
            deadline,
            &inclusive_range_error(1, i64::from(i32::MAX)),
        ));
    }
    for field in ["hostname", "subdomain"] {
        let value = str_of(spec, field);
        if !value.is_empty() {
            errors.extend(format_errors(&path.child(field), value, dns1123_label));
        }
    }
    errors.extend(tolerations(
        list(spec, "tolerations"),
        &path.child("tolerations"),
    ));
    for (index, alias) in list(spec, "hostAliases").iter().enumerate() {
        let alias_path = path.child("hostAliases").index(index);
        errors.extend(valid_ip(&alias_path.child("ip"), str_of(alias, "ip")));
        for (host_index, hostname) in strings(alias, "hostnames").into_iter().enumerate() {
            errors.extend(format_errors(
                &alias_path.child("hostnames").index(host_index),
                hostname,
                dns1123_subdomain,
            ));
        }
    }
    let priority_class = str_of(spec, "priorityClassName");
    if !priority_class.is_empty() {
        errors.extend(name_errors(
            &path.child("priorityClassName"),
            priority_class,
            name_is_dns_subdomain,
        ));
    }
    if let Some(runtime_class) = opt_str(spec, "runtimeClassName") {
        errors.extend(name_errors(
            &path.child("runtimeClassName"),
            runtime_class,
            name_is_dns_subdomain,
        ));
    }
    if let Some(policy) = opt_str(spec, "preemptionPolicy") {
        errors.extend(preemption_policy(policy, &path.child("preemptionPolicy")));
    }
    if let Some(os) = get(spec, "os") {
        let name = str_of(os, "name");
        if name.is_empty() {
            errors.push(required(&path.child("os").child("name"), "cannot be empty"));
        } else if !matches!(name, "linux" | "windows") {
            errors.push(not_supported(
                &path.child("os"),
                name,
                &["linux", "windows"],
            ));
        }
    }
    errors
}

/// `ValidatePreemptionPolicy`.
pub(crate) fn preemption_policy(policy: &str, path: &Path) -> Errors {
    match policy {
        "PreemptLowerPriority" | "Never" => Vec::new(),
        "" => vec![required(path, "")],
        other => vec![not_supported(
            path,
            other,
            &["PreemptLowerPriority", "Never"],
        )],
    }
}

struct Context<'a> {
    volumes: &'a Volumes,
    claim_names: &'a BTreeSet<&'a str>,
    grace: Option<i64>,
    restart_policy: &'a str,
    host_users: bool,
}

/// The volume sources in kube's checking order, with the name kube uses in the
/// "more than 1 volume type" cause.
const SOURCES: &[(&str, &str)] = &[
    ("emptyDir", "emptyDir"),
    ("hostPath", "hostPath"),
    ("gitRepo", "gitRepo"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("secret", "secret"),
    ("nfs", "nfs"),
    ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"),
    ("flocker", "flocker"),
    ("persistentVolumeClaim", "persistentVolumeClaim"),
    ("rbd", "rbd"),
    ("cinder", "cinder"),
    ("cephfs", "cephFS"),
    ("quobyte", "quobyte"),
    ("downwardAPI", "downwarAPI"),
    ("fc", "fc"),
    ("flexVolume", "flexVolume"),
    ("configMap", "configMap"),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("azureDisk", "azureDisk"),
    ("storageos", "storageos"),
    ("projected", "projected"),
    ("scaleIO", "scaleIO"),
    ("csi", "csi"),
    ("ephemeral", "ephemeral"),
    ("image", "image"),
];

/// `ValidateVolumes`: the valid volumes by name, and the causes.
fn validate_volumes(
    spec: &Value,
    pod_meta: Option<&Value>,
    path: &Path,
    options: Options,
) -> (Volumes, Errors) {
    let mut volumes = Volumes::new();
    let mut errors = Vec::new();
    let pod_name = pod_meta
        .map(|meta| str_of(meta, "name"))
        .unwrap_or_default();
    let created_claims: BTreeSet<String> = if pod_name.is_empty() {
        BTreeSet::new()
    } else {
        list(spec, "volumes")
            .iter()
            .filter(|volume| get(volume, "ephemeral").is_some())
            .map(|volume| format!("{pod_name}-{}", str_of(volume, "name")))
            .collect()
    };
    for (index, volume) in list(spec, "volumes").iter().enumerate() {
        let volume_path = path.index(index);
        let name = str_of(volume, "name");
        let (kind, mut own) = volume_source(volume, &volume_path, name, pod_name, options);
        if name.is_empty() {
            own.push(required(&volume_path.child("name"), ""));
        } else {
            own.extend(format_errors(
                &volume_path.child("name"),
                name,
                dns1123_label,
            ));
        }
        if volumes.contains_key(name) {
            own.push(duplicate(&volume_path.child("name"), name));
        }
        if own.is_empty() {
            volumes.insert(name.to_owned(), kind);
        } else {
            errors.extend(own);
        }
        if let Some(claim) = get(volume, "persistentVolumeClaim") {
            let claim_name = str_of(claim, "claimName");
            if created_claims.contains(claim_name) {
                errors.push(invalid(
                    &volume_path
                        .child("persistentVolumeClaim")
                        .child("claimName"),
                    claim_name,
                    "must not reference a PVC that gets created for an ephemeral volume",
                ));
            }
        }
    }
    (volumes, errors)
}

/// `validateVolumeSource`.
fn volume_source(
    volume: &Value,
    path: &Path,
    name: &str,
    pod_name: &str,
    options: Options,
) -> (VolumeKind, Errors) {
    let mut errors = Vec::new();
    let mut count = 0;
    let mut kind = VolumeKind::Other;
    for (key, label) in SOURCES {
        let Some(source) = get(volume, key) else {
            continue;
        };
        if count > 0 {
            errors.push(forbidden(
                &path.child(label),
                "may not specify more than 1 volume type",
            ));
            continue;
        }
        count += 1;
        let source_path = path.child(key);
        match *key {
            "persistentVolumeClaim" | "ephemeral" => kind = VolumeKind::Claim,
            "image" => kind = VolumeKind::Image,
            _ => {}
        }
        errors.extend(match *key {
            "emptyDir" => match get(source, "sizeLimit").map(quantity::of) {
                Some(Ok(limit)) if limit.sign() < 0 => vec![forbidden(
                    &source_path.child("sizeLimit"),
                    "SizeLimit field must be a valid resource quantity",
                )],
                Some(Err(message)) => vec![invalid(
                    &source_path.child("sizeLimit"),
                    value_text(get(source, "sizeLimit")),
                    message,
                )],
                _ => Vec::new(),
            },
            "hostPath" => host_path(source, &source_path),
            "gitRepo" => {
                let mut errs = require_strings(source, &source_path, &["repository"]);
                errs.extend(local_descending_path(
                    str_of(source, "directory"),
                    &source_path.child("directory"),
                ));
                errs
            }
            "gcePersistentDisk" => {
                let pd_path = path.child("persistentDisk");
                let mut errs = require_strings(source, &pd_path, &["pdName"]);
                errs.extend(partition(source, &pd_path));
                errs
            }
            "awsElasticBlockStore" => {
                let mut errs = require_strings(source, &source_path, &["volumeID"]);
                errs.extend(partition(source, &source_path));
                errs
            }
            "secret" => {
                let mut errs = require_strings(source, &source_path, &["secretName"]);
                errs.extend(file_modes_and_items(source, &source_path));
                errs
            }
            "configMap" => {
                let mut errs = require_strings(source, &source_path, &["name"]);
                errs.extend(file_modes_and_items(source, &source_path));
                errs
            }
            "nfs" => {
                let mut errs = require_strings(source, &source_path, &["server", "path"]);
                if !str_of(source, "path").starts_with('/') {
                    errs.push(invalid(
                        &source_path.child("path"),
                        str_of(source, "path"),
                        "must be an absolute path",
                    ));
                }
                errs
            }
            "iscsi" => require_strings(source, &source_path, &["targetPortal", "iqn"]),
            "glusterfs" => require_strings(source, &source_path, &["endpoints", "path"]),
            "flocker" => {
                if str_of(source, "datasetName").is_empty()
                    && str_of(source, "datasetUUID").is_empty()
                {
                    vec![required(
                        &source_path,
                        "one of datasetName and datasetUUID is required",
                    )]
                } else {
                    Vec::new()
                }
            }
            "persistentVolumeClaim" => require_strings(source, &source_path, &["claimName"]),
            "rbd" => {
                let mut errs = Vec::new();
                if list(source, "monitors").is_empty() {
                    errs.push(required(&source_path.child("monitors"), ""));
                }
                errs.extend(require_strings(source, &source_path, &["image"]));
                errs
            }
            "cinder" => require_strings(source, &source_path, &["volumeID"]),
            "cephfs" => {
                if list(source, "monitors").is_empty() {
                    vec![required(&path.child("cephfs").child("monitors"), "")]
                } else {
                    Vec::new()
                }
            }
            "quobyte" => require_strings(source, &source_path, &["registry", "volume"]),
            "downwardAPI" => {
                let mut errs = default_mode(source, &source_path);
                for item in list(source, "items") {
                    errs.extend(downward_file(item, &source_path));
                }
                errs
            }
            "fc" => {
                if list(source, "targetWWNs").is_empty() && list(source, "wwids").is_empty() {
                    vec![required(
                        &source_path.child("targetWWNs"),
                        "must specify either targetWWNs or wwids, but not both",
                    )]
                } else {
                    Vec::new()
                }
            }
            "flexVolume" => require_strings(source, &source_path, &["driver"]),
            "azureFile" => require_strings(source, &source_path, &["secretName", "shareName"]),
            "vsphereVolume" => require_strings(source, &source_path, &["volumePath"]),
            "photonPersistentDisk" => require_strings(source, &source_path, &["pdID"]),
            "portworxVolume" => require_strings(source, &source_path, &["volumeID"]),
            "azureDisk" => {
                let mut errs = require_strings(source, &source_path, &["diskName"]);
                if str_of(source, "diskURI").is_empty() {
                    errs.push(required(&source_path.child("diskURI"), ""));
                }
                errs
            }
            "storageos" => {
                let volume_name = str_of(source, "volumeName");
                if volume_name.is_empty() {
                    vec![required(&source_path.child("volumeName"), "")]
                } else {
                    format_errors(&source_path.child("volumeName"), volume_name, dns1123_label)
                }
            }
            "projected" => projected(source, &source_path),
            "scaleIO" => {
                require_strings(source, &source_path, &["gateway", "system", "volumeName"])
            }
            "csi" => csi_driver(str_of(source, "driver"), &source_path.child("driver")),
            "ephemeral" => ephemeral(source, &source_path, path, name, pod_name),
            "image" => {
                let mut errs = Vec::new();
                if options.resource_is_pod && str_of(source, "reference").is_empty() {
                    errs.push(required(&source_path.child("reference"), ""));
                }
                errs.extend(pull_policy(
                    str_of(source, "pullPolicy"),
                    &source_path.child("pullPolicy"),
                ));
                errs
            }
            _ => Vec::new(),
        });
    }
    if count == 0 {
        errors.push(required(path, "must specify a volume type"));
    }
    (kind, errors)
}

fn require_strings(source: &Value, path: &Path, fields: &[&str]) -> Errors {
    fields
        .iter()
        .filter(|field| str_of(source, field).is_empty())
        .map(|field| required(&path.child(field), ""))
        .collect()
}

fn partition(source: &Value, path: &Path) -> Errors {
    let partition = int_of(source, "partition");
    if (0..=255).contains(&partition) {
        Vec::new()
    } else {
        vec![invalid(
            &path.child("partition"),
            partition,
            &inclusive_range_error(1, 255),
        )]
    }
}

const FILE_MODE_ERROR: &str = "must be a number between 0 and 0777 (octal), both inclusive";

fn default_mode(source: &Value, path: &Path) -> Errors {
    match opt_int(source, "defaultMode") {
        Some(mode) if !(0..=0o777).contains(&mode) => {
            vec![invalid(&path.child("defaultMode"), mode, FILE_MODE_ERROR)]
        }
        _ => Vec::new(),
    }
}

fn file_modes_and_items(source: &Value, path: &Path) -> Errors {
    let mut errors = default_mode(source, path);
    for (index, item) in list(source, "items").iter().enumerate() {
        errors.extend(key_to_path(item, &path.child("items").index(index)));
    }
    errors
}

/// `validateKeyToPath`.
fn key_to_path(item: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if str_of(item, "key").is_empty() {
        errors.push(required(&path.child("key"), ""));
    }
    let item_path = str_of(item, "path");
    if item_path.is_empty() {
        errors.push(required(&path.child("path"), ""));
    }
    errors.extend(local_non_reserved_path(item_path, &path.child("path")));
    if let Some(mode) = opt_int(item, "mode")
        && !(0..=0o777).contains(&mode)
    {
        errors.push(invalid(&path.child("mode"), mode, FILE_MODE_ERROR));
    }
    errors
}

fn host_path(source: &Value, path: &Path) -> Errors {
    let host = str_of(source, "path");
    if host.is_empty() {
        return vec![required(&path.child("path"), "")];
    }
    let mut errors = path_no_backsteps(host, &path.child("path"));
    if let Some(kind) = opt_str(source, "type")
        && !matches!(
            kind,
            "" | "DirectoryOrCreate"
                | "Directory"
                | "FileOrCreate"
                | "File"
                | "Socket"
                | "CharDevice"
                | "BlockDevice"
        )
    {
        errors.push(not_supported(
            &path.child("type"),
            kind,
            &[
                "",
                "BlockDevice",
                "CharDevice",
                "Directory",
                "DirectoryOrCreate",
                "File",
                "FileOrCreate",
                "Socket",
            ],
        ));
    }
    errors
}

/// `validatePathNoBacksteps`.
fn path_no_backsteps(target: &str, path: &Path) -> Errors {
    if target
        .replace('\\', "/")
        .split('/')
        .any(|part| part == "..")
    {
        vec![invalid(path, target, "must not contain '..'")]
    } else {
        Vec::new()
    }
}

/// `validateLocalDescendingPath`.
fn local_descending_path(target: &str, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if target.starts_with('/') {
        errors.push(invalid(path, target, "must be a relative path"));
    }
    errors.extend(path_no_backsteps(target, path));
    errors
}

/// `ValidateLocalNonReservedPath`.
fn local_non_reserved_path(target: &str, path: &Path) -> Errors {
    let mut errors = local_descending_path(target, path);
    if target.starts_with("..") && !target.starts_with("../") {
        errors.push(invalid(path, target, "must not start with '..'"));
    }
    errors
}

const VOLUME_FIELD_PATHS: &[&str] = &[
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
];

const ENV_FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

const RESOURCE_FIELD_PATHS: &[&str] = &[
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

/// `validateDownwardAPIVolumeFile` (causes at the source path, as kube reports them).
fn downward_file(file: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let file_path = str_of(file, "path");
    if file_path.is_empty() {
        errors.push(required(&path.child("path"), ""));
    }
    errors.extend(local_non_reserved_path(file_path, &path.child("path")));
    if let Some(field_ref) = get(file, "fieldRef") {
        errors.extend(object_field_selector(
            field_ref,
            VOLUME_FIELD_PATHS,
            &path.child("fieldRef"),
        ));
        if get(file, "resourceFieldRef").is_some() {
            errors.push(invalid(
                path,
                "resource",
                "fieldRef and resourceFieldRef can not be specified simultaneously",
            ));
        }
    } else if let Some(resource_ref) = get(file, "resourceFieldRef") {
        errors.extend(resource_field_selector(
            resource_ref,
            &path.child("resourceFieldRef"),
            true,
        ));
    } else {
        errors.push(required(
            path,
            "one of fieldRef and resourceFieldRef is required",
        ));
    }
    if let Some(mode) = opt_int(file, "mode")
        && !(0..=0o777).contains(&mode)
    {
        errors.push(invalid(&path.child("mode"), mode, FILE_MODE_ERROR));
    }
    errors
}

fn projected(source: &Value, path: &Path) -> Errors {
    let mut errors = default_mode(source, path);
    let mut paths: BTreeSet<String> = BTreeSet::new();
    for (index, projection) in list(source, "sources").iter().enumerate() {
        let source_path = path.child("sources").index(index);
        let mut count = 0;
        for key in ["secret", "configMap"] {
            let Some(reference) = get(projection, key) else {
                continue;
            };
            count += 1;
            let reference_path = source_path.child(key);
            let name = str_of(reference, "name");
            if name.is_empty() {
                errors.push(required(&reference_path.child("name"), ""));
            }
            for (item_index, item) in list(reference, "items").iter().enumerate() {
                errors.extend(key_to_path(
                    item,
                    &reference_path.child("items").index(item_index),
                ));
                let item_path = str_of(item, "path");
                if !item_path.is_empty() && !paths.insert(item_path.to_owned()) {
                    errors.push(invalid(path, name, "conflicting duplicate paths"));
                }
            }
        }
        if let Some(downward) = get(projection, "downwardAPI") {
            count += 1;
            let downward_path = source_path.child("downwardAPI");
            for item in list(downward, "items") {
                errors.extend(downward_file(item, &downward_path));
                let item_path = str_of(item, "path");
                if !item_path.is_empty() && !paths.insert(item_path.to_owned()) {
                    errors.push(invalid(path, item_path, "conflicting duplicate paths"));
                }
            }
        }
        if let Some(token) = get(projection, "serviceAccountToken") {
            count += 1;
            let token_path = source_path.child("serviceAccountToken");
            let expiration = int_of(token, "expirationSeconds");
            if expiration < 600 {
                errors.push(invalid(
                    &token_path.child("expirationSeconds"),
                    expiration,
                    "may not specify a duration less than 10 minutes",
                ));
            }
            if expiration > 1 << 32 {
                errors.push(invalid(
                    &token_path.child("expirationSeconds"),
                    expiration,
                    "may not specify a duration larger than 2^32 seconds",
                ));
            }
            let token_file = str_of(token, "path");
            if token_file.is_empty() {
                errors.push(required(&path.child("path"), ""));
            } else {
                errors.extend(local_non_reserved_path(token_file, &path.child("path")));
            }
        }
        if let Some(bundle) = get(projection, "clusterTrustBundle") {
            count += 1;
            let bundle_path = source_path.child("clusterTrustBundle");
            let bundle_file = str_of(bundle, "path");
            if bundle_file.is_empty() {
                errors.push(required(&bundle_path.child("path"), ""));
            }
            errors.extend(local_non_reserved_path(
                bundle_file,
                &bundle_path.child("path"),
            ));
            if !paths.insert(bundle_file.to_owned()) {
                errors.push(invalid(path, bundle_file, "conflicting duplicate paths"));
            }
        }
        if count > 1 {
            errors.push(forbidden(
                &source_path,
                "may not specify more than 1 volume type per source",
            ));
        }
    }
    errors
}

/// `ValidateCSIDriverName`.
pub(crate) fn csi_driver(driver: &str, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if driver.is_empty() {
        errors.push(required(path, ""));
    }
    if driver.len() > 63 {
        errors.push(too_long(path, 63));
    }
    for message in dns1123_subdomain(&driver.to_lowercase()) {
        errors.push(invalid(path, driver, &message));
    }
    errors
}

fn ephemeral(
    source: &Value,
    path: &Path,
    volume_path: &Path,
    name: &str,
    pod_name: &str,
) -> Errors {
    let mut errors = Vec::new();
    match get(source, "volumeClaimTemplate") {
        None => errors.push(required(&path.child("volumeClaimTemplate"), "")),
        Some(template) => {
            let template_path = path.child("volumeClaimTemplate");
            let empty = Value::Null;
            let meta = get(template, "metadata").unwrap_or(&empty);
            errors.extend(crate::builtin::meta::validate_annotations(
                meta,
                &template_path.child("metadata").child("annotations"),
            ));
            errors.extend(validate_labels(
                meta,
                "labels",
                &template_path.child("metadata").child("labels"),
            ));
            if let Some(fields) = meta.as_object() {
                for key in fields.keys() {
                    if !matches!(key.as_str(), "labels" | "annotations" | "creationTimestamp") {
                        errors.push(forbidden(
                            &template_path.child("metadata").child(key),
                            "cannot be set",
                        ));
                    }
                }
            }
            errors.extend(super::core::pvc_spec(
                get(template, "spec").unwrap_or(&empty),
                &template_path.child("spec"),
            ));
        }
    }
    if !pod_name.is_empty() && !name.is_empty() {
        let claim = format!("{pod_name}-{name}");
        for message in name_is_dns_subdomain(&claim, false) {
            errors.push(invalid(
                &volume_path.child("name"),
                name,
                &format!("PVC name {}: {message}", gofmt::quote(&claim)),
            ));
        }
    }
    errors
}

fn resource_claims(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut names = BTreeSet::new();
    for (index, claim) in list(spec, "resourceClaims").iter().enumerate() {
        let claim_path = path.index(index);
        let name = str_of(claim, "name");
        if name.is_empty() {
            errors.push(required(&claim_path.child("name"), ""));
        } else if !names.insert(name) {
            errors.push(duplicate(&claim_path.child("name"), name));
        } else {
            errors.extend(format_errors(
                &claim_path.child("name"),
                name,
                dns1123_label,
            ));
        }
        let by_name = opt_str(claim, "resourceClaimName");
        let by_template = opt_str(claim, "resourceClaimTemplateName");
        let rendered = Bad::Raw(gofmt::go_struct("core.PodResourceClaim", claim));
        if by_name.is_some() && by_template.is_some() {
            errors.push(invalid(
                &claim_path,
                rendered.clone(),
                "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be \
                 specified",
            ));
        }
        if by_name.is_none() && by_template.is_none() {
            errors.push(invalid(
                &claim_path,
                rendered,
                "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`",
            ));
        }
        for (field, value) in [
            ("resourceClaimName", by_name),
            ("resourceClaimTemplateName", by_template),
        ] {
            if let Some(value) = value {
                errors.extend(name_errors(
                    &claim_path.child(field),
                    value,
                    name_is_dns_subdomain,
                ));
            }
        }
    }
    errors
}

/// `validateContainers`.
fn containers(spec: &Value, context: &Context<'_>, path: &Path) -> Errors {
    let items = list(spec, "containers");
    if items.is_empty() {
        return vec![required(path, "")];
    }
    let mut errors = Vec::new();
    let mut names = BTreeSet::new();
    for (index, container) in items.iter().enumerate() {
        let container_path = path.index(index);
        errors.extend(container_common(container, context, &container_path));
        let name = str_of(container, "name");
        if !names.insert(name) {
            errors.push(duplicate(&container_path.child("name"), name));
        }
        if let Some(lifecycle) = get(container, "lifecycle") {
            errors.extend(self::lifecycle(
                lifecycle,
                context.grace,
                &container_path.child("lifecycle"),
            ));
        }
        errors.extend(probes(container, context.grace, &container_path));
        if get(container, "restartPolicy").is_some() {
            errors.push(forbidden(
                &container_path.child("restartPolicy"),
                "may not be set for non-init containers",
            ));
        }
    }
    errors.extend(host_port_conflicts(items, path));
    errors
}

fn probes(container: &Value, grace: Option<i64>, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if let Some(probe) = get(container, "livenessProbe") {
        let probe_path = path.child("livenessProbe");
        errors.extend(self::probe(probe, grace, &probe_path));
        let threshold = int_of(probe, "successThreshold");
        if threshold != 1 {
            errors.push(invalid(
                &probe_path.child("successThreshold"),
                threshold,
                "must be 1",
            ));
        }
    }
    if let Some(probe) = get(container, "readinessProbe") {
        let probe_path = path.child("readinessProbe");
        errors.extend(self::probe(probe, grace, &probe_path));
        if let Some(seconds) = opt_int(probe, "terminationGracePeriodSeconds") {
            errors.push(invalid(
                &probe_path.child("terminationGracePeriodSeconds"),
                seconds,
                "must not be set for readinessProbes",
            ));
        }
    }
    if let Some(probe) = get(container, "startupProbe") {
        let probe_path = path.child("startupProbe");
        errors.extend(self::probe(probe, grace, &probe_path));
        let threshold = int_of(probe, "successThreshold");
        if threshold != 1 {
            errors.push(invalid(
                &probe_path.child("successThreshold"),
                threshold,
                "must be 1",
            ));
        }
    }
    errors
}

/// `validateInitContainers`.
fn init_containers(spec: &Value, context: &Context<'_>, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut names: BTreeSet<&str> = list(spec, "containers")
        .iter()
        .map(|container| str_of(container, "name"))
        .collect();
    for (index, container) in list(spec, "initContainers").iter().enumerate() {
        let container_path = path.index(index);
        errors.extend(container_common(container, context, &container_path));
        let mut restart_always = false;
        if let Some(policy) = opt_str(container, "restartPolicy") {
            if policy != "Always" {
                errors.push(not_supported(
                    &container_path.child("restartPolicy"),
                    policy,
                    &["Always"],
                ));
            }
            restart_always = policy == "Always";
        }
        let name = str_of(container, "name");
        if names.contains(name) {
            errors.push(duplicate(&container_path.child("name"), name));
        } else if !name.is_empty() {
            names.insert(name);
        }
        errors.extend(host_port_conflicts(std::slice::from_ref(container), path));
        if restart_always {
            if let Some(lifecycle) = get(container, "lifecycle") {
                errors.extend(self::lifecycle(
                    lifecycle,
                    context.grace,
                    &container_path.child("lifecycle"),
                ));
            }
            errors.extend(probes(container, context.grace, &container_path));
        } else {
            for field in [
                "lifecycle",
                "livenessProbe",
                "readinessProbe",
                "startupProbe",
            ] {
                if get(container, field).is_some() {
                    errors.push(forbidden(
                        &container_path.child(field),
                        "may not be set for init containers without restartPolicy=Always",
                    ));
                }
            }
        }
    }
    errors
}

const EPHEMERAL_FORBIDDEN: &[&str] = &[
    "ports",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
];

fn ephemeral_containers(spec: &Value, context: &Context<'_>, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let items = list(spec, "ephemeralContainers");
    if items.is_empty() {
        return errors;
    }
    let others: BTreeSet<&str> = list(spec, "containers")
        .iter()
        .chain(list(spec, "initContainers"))
        .map(|container| str_of(container, "name"))
        .collect();
    let mut all = others.clone();
    for (index, container) in items.iter().enumerate() {
        let container_path = path.index(index);
        errors.extend(container_common(container, context, &container_path));
        errors.extend(image_whitespace(container, &container_path));
        let name = str_of(container, "name");
        if !all.insert(name) {
            errors.push(duplicate(&container_path.child("name"), name));
        }
        let target = str_of(container, "targetContainerName");
        if !target.is_empty() && !others.contains(target) {
            errors.push(not_found(
                &container_path.child("targetContainerName"),
                target,
            ));
        }
        for field in EPHEMERAL_FORBIDDEN {
            let set = match get(container, field) {
                None => false,
                Some(Value::Object(map)) => !map.is_empty(),
                Some(Value::Array(items)) => !items.is_empty(),
                Some(_) => true,
            };
            if set {
                errors.push(forbidden(
                    &container_path.child(field),
                    "cannot be set for an Ephemeral Container",
                ));
            }
        }
        for (mount_index, mount) in list(container, "volumeMounts").iter().enumerate() {
            for field in ["subPath", "subPathExpr"] {
                if !str_of(mount, field).is_empty() {
                    errors.push(forbidden(
                        &container_path
                            .child("volumeMounts")
                            .index(mount_index)
                            .child(field),
                        "cannot be set for an Ephemeral Container",
                    ));
                }
            }
        }
    }
    errors
}

/// `validateContainerOnlyForPod`.
pub(crate) fn image_whitespace(container: &Value, path: &Path) -> Errors {
    let image = str_of(container, "image");
    if image.len() != image.trim().len() {
        vec![invalid(
            &path.child("image"),
            image,
            "must not have leading or trailing whitespace",
        )]
    } else {
        Vec::new()
    }
}

/// `validateContainerCommon`.
fn container_common(container: &Value, context: &Context<'_>, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let name = str_of(container, "name");
    if name.is_empty() {
        errors.push(required(&path.child("name"), ""));
    } else {
        errors.extend(format_errors(&path.child("name"), name, dns1123_label));
    }
    if str_of(container, "image").is_empty() {
        errors.push(required(&path.child("image"), ""));
    }
    match str_of(container, "terminationMessagePolicy") {
        "File" | "FallbackToLogsOnError" => {}
        "" => errors.push(required(&path.child("terminationMessagePolicy"), "")),
        other => errors.push(not_supported(
            &path.child("terminationMessagePolicy"),
            other,
            &["File", "FallbackToLogsOnError"],
        )),
    }
    let mounts: BTreeMap<&str, &str> = list(container, "volumeMounts")
        .iter()
        .map(|mount| (str_of(mount, "name"), str_of(mount, "mountPath")))
        .collect();
    let devices: BTreeMap<&str, &str> = list(container, "volumeDevices")
        .iter()
        .map(|device| (str_of(device, "name"), str_of(device, "devicePath")))
        .collect();
    errors.extend(container_ports(container, &path.child("ports")));
    errors.extend(env(container, &path.child("env")));
    errors.extend(env_from(container, &path.child("envFrom")));
    errors.extend(volume_mounts(
        container,
        &devices,
        context.volumes,
        &path.child("volumeMounts"),
    ));
    errors.extend(volume_devices(
        container,
        &mounts,
        context.volumes,
        &path.child("volumeDevices"),
    ));
    errors.extend(pull_policy(
        str_of(container, "imagePullPolicy"),
        &path.child("imagePullPolicy"),
    ));
    let empty = Value::Null;
    errors.extend(resources(
        get(container, "resources").unwrap_or(&empty),
        context.claim_names,
        &path.child("resources"),
    ));
    errors.extend(resize_policy(
        container,
        context.restart_policy,
        &path.child("resizePolicy"),
    ));
    if let Some(security) = get(container, "securityContext") {
        errors.extend(security_context(
            security,
            &path.child("securityContext"),
            context.host_users,
        ));
    }
    errors
}

fn pull_policy(policy: &str, path: &Path) -> Errors {
    match policy {
        "Always" | "IfNotPresent" | "Never" => Vec::new(),
        "" => vec![required(path, "")],
        other => vec![not_supported(
            path,
            other,
            &["Always", "IfNotPresent", "Never"],
        )],
    }
}

/// `validateContainerPorts`.
fn container_ports(container: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut names = BTreeSet::new();
    for (index, port) in list(container, "ports").iter().enumerate() {
        let port_path = path.index(index);
        let name = str_of(port, "name");
        if !name.is_empty() {
            let messages = port_name(name);
            if !messages.is_empty() {
                for message in messages {
                    errors.push(invalid(&port_path.child("name"), name, &message));
                }
            } else if !names.insert(name) {
                errors.push(duplicate(&port_path.child("name"), name));
            }
        }
        let container_port = int_of(port, "containerPort");
        if container_port == 0 {
            errors.push(required(&port_path.child("containerPort"), ""));
        } else {
            for message in port_num(container_port) {
                errors.push(invalid(
                    &port_path.child("containerPort"),
                    container_port,
                    &message,
                ));
            }
        }
        let host_port = int_of(port, "hostPort");
        if host_port != 0 {
            for message in port_num(host_port) {
                errors.push(invalid(&port_path.child("hostPort"), host_port, &message));
            }
        }
        errors.extend(protocol(
            str_of(port, "protocol"),
            &port_path.child("protocol"),
        ));
    }
    errors
}

/// A port protocol (`TCP`, `UDP`, `SCTP`), required.
pub(crate) fn protocol(protocol: &str, path: &Path) -> Errors {
    match protocol {
        "TCP" | "UDP" | "SCTP" => Vec::new(),
        "" => vec![required(path, "")],
        other => vec![not_supported(path, other, &["SCTP", "TCP", "UDP"])],
    }
}

/// `ValidateEnv`.
fn env(container: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    for (index, variable) in list(container, "env").iter().enumerate() {
        let variable_path = path.index(index);
        let name = str_of(variable, "name");
        if name.is_empty() {
            errors.push(required(&variable_path.child("name"), ""));
        } else {
            errors.extend(format_errors(
                &variable_path.child("name"),
                name,
                env_var_name,
            ));
        }
        let Some(value_from) = get(variable, "valueFrom") else {
            continue;
        };
        let from_path = variable_path.child("valueFrom");
        let mut sources = 0;
        if let Some(field_ref) = get(value_from, "fieldRef") {
            sources += 1;
            errors.extend(object_field_selector(
                field_ref,
                ENV_FIELD_PATHS,
                &from_path.child("fieldRef"),
            ));
        }
        if let Some(resource_ref) = get(value_from, "resourceFieldRef") {
            sources += 1;
            errors.extend(resource_field_selector(
                resource_ref,
                &from_path.child("resourceFieldRef"),
                false,
            ));
        }
        for key in ["configMapKeyRef", "secretKeyRef"] {
            if let Some(selector) = get(value_from, key) {
                sources += 1;
                let selector_path = from_path.child(key);
                errors.extend(name_errors(
                    &selector_path.child("name"),
                    str_of(selector, "name"),
                    name_is_dns_subdomain,
                ));
                let selector_key = str_of(selector, "key");
                if selector_key.is_empty() {
                    errors.push(required(&selector_path.child("key"), ""));
                } else {
                    errors.extend(format_errors(
                        &selector_path.child("key"),
                        selector_key,
                        config_map_key,
                    ));
                }
            }
        }
        if sources == 0 {
            errors.push(invalid(
                &from_path,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or \
                 `secretKeyRef`",
            ));
        } else if !str_of(variable, "value").is_empty() {
            errors.push(invalid(
                &from_path,
                "",
                "may not be specified when `value` is not empty",
            ));
        } else if sources > 1 {
            errors.push(invalid(
                &from_path,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errors
}

/// `validateObjectFieldSelector`.
fn object_field_selector(selector: &Value, expressions: &[&str], path: &Path) -> Errors {
    let api_version = str_of(selector, "apiVersion");
    if api_version.is_empty() {
        return vec![required(&path.child("apiVersion"), "")];
    }
    let field_path = str_of(selector, "fieldPath");
    if field_path.is_empty() {
        return vec![required(&path.child("fieldPath"), "")];
    }
    let subscripted = split_subscripted(field_path);
    let converted = if api_version != "v1" {
        Err(format!("unsupported pod version: {api_version}"))
    } else if let Some((base, _)) = subscripted {
        if matches!(base, "metadata.annotations" | "metadata.labels") {
            Ok(field_path)
        } else {
            Err(format!(
                "field label does not support subscript: {field_path}"
            ))
        }
    } else {
        match field_path {
            "metadata.annotations"
            | "metadata.labels"
            | "metadata.name"
            | "metadata.namespace"
            | "metadata.uid"
            | "spec.nodeName"
            | "spec.restartPolicy"
            | "spec.serviceAccountName"
            | "spec.schedulerName"
            | "status.phase"
            | "status.hostIP"
            | "status.hostIPs"
            | "status.podIP"
            | "status.podIPs" => Ok(field_path),
            "spec.host" => Ok("spec.nodeName"),
            other => Err(format!("field label not supported: {other}")),
        }
    };
    let internal = match converted {
        Ok(internal) => internal,
        Err(message) => {
            return vec![invalid(
                &path.child("fieldPath"),
                field_path,
                &format!("error converting fieldPath: {message}"),
            )];
        }
    };
    if let Some((base, subscript)) = split_subscripted(internal) {
        return match base {
            "metadata.annotations" => {
                format_errors(path, &subscript.to_lowercase(), qualified_name)
            }
            "metadata.labels" => format_errors(path, subscript, qualified_name),
            other => vec![invalid(path, other, "does not support subscript")],
        };
    }
    if !expressions.contains(&internal) {
        return vec![not_supported(
            &path.child("fieldPath"),
            internal,
            expressions,
        )];
    }
    Vec::new()
}

/// `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['key']` → (`metadata.labels`, `key`).
fn split_subscripted(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_suffix("']")?;
    let (base, subscript) = rest.split_once("['")?;
    Some((base, subscript))
}

/// `validateContainerResourceFieldSelector`.
fn resource_field_selector(selector: &Value, path: &Path, volume: bool) -> Errors {
    let mut errors = Vec::new();
    let resource = str_of(selector, "resource");
    if volume && str_of(selector, "containerName").is_empty() {
        errors.push(required(&path.child("containerName"), ""));
    } else if resource.is_empty() {
        errors.push(required(&path.child("resource"), ""));
    } else if !RESOURCE_FIELD_PATHS.contains(&resource)
        && !resource.starts_with("requests.hugepages-")
        && !resource.starts_with("limits.hugepages-")
    {
        errors.push(not_supported(
            &path.child("resource"),
            resource,
            RESOURCE_FIELD_PATHS,
        ));
    }
    if let Some(divisor) = get(selector, "divisor").map(quantity::of)
        && let Ok(divisor) = divisor
        && !divisor.is_zero()
    {
        let text = divisor.canonical();
        let memory_like = [
            "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei",
        ];
        let message = match resource {
            "limits.cpu" | "requests.cpu" if !matches!(text.as_str(), "1m" | "1") => {
                Some("only divisor's values 1m and 1 are supported with the cpu resource")
            }
            "limits.memory" | "requests.memory" if !memory_like.contains(&text.as_str()) => Some(
                "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are \
                 supported with the memory resource",
            ),
            "limits.ephemeral-storage" | "requests.ephemeral-storage"
                if !memory_like.contains(&text.as_str()) =>
            {
                Some(
                    "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, \
                     1Ei are supported with the local ephemeral storage resource",
                )
            }
            _ => None,
        };
        if let Some(message) = message {
            errors.push(invalid(&path.child("divisor"), resource, message));
        }
    }
    errors
}

/// `ValidateEnvFrom`.
fn env_from(container: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    for (index, source) in list(container, "envFrom").iter().enumerate() {
        let source_path = path.index(index);
        let prefix = str_of(source, "prefix");
        if !prefix.is_empty() {
            errors.extend(format_errors(
                &source_path.child("prefix"),
                prefix,
                env_var_name,
            ));
        }
        let mut sources = 0;
        for key in ["configMapRef", "secretRef"] {
            if let Some(reference) = get(source, key) {
                sources += 1;
                let name = str_of(reference, "name");
                let name_path = source_path.child(key).child("name");
                if name.is_empty() {
                    errors.push(required(&name_path, ""));
                } else {
                    for message in name_is_dns_subdomain(name, true) {
                        errors.push(invalid(&name_path, name, &message));
                    }
                }
            }
        }
        if sources == 0 {
            errors.push(invalid(
                path,
                "",
                "must specify one of: `configMapRef` or `secretRef`",
            ));
        } else if sources > 1 {
            errors.push(invalid(
                path,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errors
}

/// `ValidateVolumeMounts`.
fn volume_mounts(
    container: &Value,
    devices: &BTreeMap<&str, &str>,
    volumes: &Volumes,
    path: &Path,
) -> Errors {
    let mut errors = Vec::new();
    let mut mount_points = BTreeSet::new();
    let privileged = map_of(container, "securityContext")
        .and_then(|sc| sc.get("privileged"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    for (index, mount) in list(container, "volumeMounts").iter().enumerate() {
        let mount_path = path.index(index);
        let name = str_of(mount, "name");
        if name.is_empty() {
            errors.push(required(&mount_path.child("name"), ""));
        }
        if !volumes.contains_key(name) {
            errors.push(not_found(&mount_path.child("name"), name));
        }
        let target = str_of(mount, "mountPath");
        if target.is_empty() {
            errors.push(required(&mount_path.child("mountPath"), ""));
        }
        if !mount_points.insert(target) {
            errors.push(invalid(
                &mount_path.child("mountPath"),
                target,
                "must be unique",
            ));
        }
        if devices.contains_key(name) {
            errors.push(invalid(
                &mount_path.child("name"),
                name,
                "must not already exist in volumeDevices",
            ));
        }
        if devices.values().any(|device| *device == target) {
            errors.push(invalid(
                &mount_path.child("mountPath"),
                target,
                "must not already exist as a path in volumeDevices",
            ));
        }
        let sub_path = str_of(mount, "subPath");
        let sub_path_expr = str_of(mount, "subPathExpr");
        if volumes.get(name) == Some(&VolumeKind::Image) {
            if !sub_path.is_empty() {
                errors.push(invalid(
                    &mount_path.child("subPath"),
                    sub_path,
                    "not allowed in image volume sources",
                ));
            }
            if !sub_path_expr.is_empty() {
                errors.push(invalid(
                    &mount_path.child("subPathExpr"),
                    sub_path_expr,
                    "not allowed in image volume sources",
                ));
            }
        }
        if !sub_path.is_empty() {
            errors.extend(local_descending_path(sub_path, &path.child("subPath")));
        }
        if !sub_path_expr.is_empty() {
            if !sub_path.is_empty() {
                errors.push(invalid(
                    &mount_path.child("subPathExpr"),
                    sub_path_expr,
                    "subPathExpr and subPath are mutually exclusive",
                ));
            }
            errors.extend(local_descending_path(
                sub_path_expr,
                &path.child("subPathExpr"),
            ));
        }
        if let Some(propagation) = opt_str(mount, "mountPropagation") {
            let propagation_path = path.child("mountPropagation");
            if !matches!(propagation, "Bidirectional" | "HostToContainer" | "None") {
                errors.push(not_supported(
                    &propagation_path,
                    propagation,
                    &["Bidirectional", "HostToContainer", "None"],
                ));
            }
            if propagation == "Bidirectional" && !privileged {
                errors.push(forbidden(
                    &propagation_path,
                    "Bidirectional mount propagation is available only to privileged containers",
                ));
            }
        }
        if let Some(recursive) = opt_str(mount, "recursiveReadOnly") {
            let rro_path = path.child("recursiveReadOnly");
            match recursive {
                "Disabled" => {}
                "Enabled" | "IfPossible" => {
                    if !bool_of(mount, "readOnly") {
                        errors.push(forbidden(
                            &rro_path,
                            "may only be specified when readOnly is true",
                        ));
                    }
                    if opt_str(mount, "mountPropagation").is_some_and(|p| p != "None") {
                        errors.push(forbidden(
                            &rro_path,
                            "may only be specified when mountPropagation is None or not specified",
                        ));
                    }
                }
                other => errors.push(not_supported(
                    &rro_path,
                    other,
                    &["Disabled", "Enabled", "IfPossible"],
                )),
            }
        }
    }
    errors
}

/// `ValidateVolumeDevices`.
fn volume_devices(
    container: &Value,
    mounts: &BTreeMap<&str, &str>,
    volumes: &Volumes,
    path: &Path,
) -> Errors {
    let mut errors = Vec::new();
    let mut paths = BTreeSet::new();
    let mut names = BTreeSet::new();
    for (index, device) in list(container, "volumeDevices").iter().enumerate() {
        let device_path = path.index(index);
        let name = str_of(device, "name");
        let target = str_of(device, "devicePath");
        if name.is_empty() {
            errors.push(required(&device_path.child("name"), ""));
        }
        if names.contains(name) {
            errors.push(invalid(&device_path.child("name"), name, "must be unique"));
        }
        match volumes.get(name) {
            Some(VolumeKind::Claim) => {}
            Some(_) => errors.push(invalid(
                &device_path.child("name"),
                name,
                "can only use volume source type of PersistentVolumeClaim or Ephemeral for block \
                 mode",
            )),
            None => errors.push(not_found(&device_path.child("name"), name)),
        }
        if target.is_empty() {
            errors.push(required(&device_path.child("devicePath"), ""));
        }
        if paths.contains(target) {
            errors.push(invalid(
                &device_path.child("devicePath"),
                target,
                "must be unique",
            ));
        }
        if !target.is_empty() && !path_no_backsteps(target, path).is_empty() {
            errors.push(invalid(
                &device_path.child("devicePath"),
                target,
                "can not contain backsteps ('..')",
            ));
        } else {
            paths.insert(target);
        }
        if mounts.contains_key(name) {
            errors.push(invalid(
                &device_path.child("name"),
                name,
                "must not already exist in volumeMounts",
            ));
        }
        if mounts.values().any(|mount| *mount == target) {
            errors.push(invalid(
                &device_path.child("devicePath"),
                target,
                "must not already exist as a path in volumeMounts",
            ));
        }
        if !name.is_empty() {
            names.insert(name);
        }
    }
    errors
}

const STANDARD_CONTAINER_RESOURCES: &[&str] = &["cpu", "memory", "ephemeral-storage"];

/// Standard resource names (`helper.IsStandardResourceName`).
const STANDARD_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
    "requests.storage",
];

fn is_hugepages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// `helper.IsNativeResource`.
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `helper.IsOvercommitAllowed`.
fn overcommit_allowed(name: &str) -> bool {
    is_native(name) && !is_hugepages(name)
}

/// `validateContainerResourceName`.
pub(crate) fn container_resource_name(name: &str, path: &Path) -> Errors {
    let mut errors = resource_name(name, path);
    if !name.contains('/') {
        if !STANDARD_CONTAINER_RESOURCES.contains(&name) && !is_hugepages(name) {
            errors.push(invalid(
                path,
                name,
                "must be a standard resource for containers",
            ));
        }
    } else if !is_native(name) && !is_extended(name) {
        errors.push(invalid(
            path,
            name,
            "doesn't follow extended resource name standard",
        ));
    }
    errors
}

/// `validateResourceName`.
pub(crate) fn resource_name(name: &str, path: &Path) -> Errors {
    let errors = format_errors(path, name, qualified_name);
    if !errors.is_empty() {
        return errors;
    }
    let standard = STANDARD_RESOURCES.contains(&name)
        || is_hugepages(name)
        || name.starts_with("requests.hugepages-");
    if !name.contains('/') && !standard {
        return vec![invalid(
            path,
            name,
            "must be a standard resource type or fully qualified",
        )];
    }
    Vec::new()
}

/// `helper.IsExtendedResourceName`.
fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && qualified_name(&format!("requests.{name}")).is_empty()
}

/// `ValidateResourceQuantityValue` on a JSON quantity.
pub(crate) fn quantity_value(name: &str, value: &Value, path: &Path) -> Errors {
    let quantity = match quantity::of(value) {
        Ok(quantity) => quantity,
        Err(message) => return vec![invalid(path, value_text(Some(value)), message)],
    };
    let mut errors = Vec::new();
    if quantity.sign() < 0 {
        errors.push(invalid(
            path,
            quantity.canonical(),
            "must be greater than or equal to 0",
        ));
    }
    let integer = is_extended(name)
        || matches!(
            name,
            "pods"
                | "services"
                | "replicationcontrollers"
                | "resourcequotas"
                | "secrets"
                | "configmaps"
                | "persistentvolumeclaims"
                | "services.nodeports"
                | "services.loadbalancers"
        );
    if integer && quantity.milli_value() % 1000 != 0 {
        errors.push(invalid(path, quantity.canonical(), "must be an integer"));
    }
    errors
}

fn value_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// `ValidateContainerResourceRequirements`.
fn resources(resources: &Value, claim_names: &BTreeSet<&str>, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let limits_path = path.child("limits");
    let requests_path = path.child("requests");
    let limits = sorted_quantities(resources, "limits");
    let requests = sorted_quantities(resources, "requests");
    let (mut limit_compute, mut request_compute, mut huge) = (false, false, false);
    for (name, value) in &limits {
        let item_path = limits_path.key(name);
        errors.extend(container_resource_name(name, &item_path));
        errors.extend(quantity_value(name, value, &item_path));
        huge |= is_hugepages(name);
        limit_compute |= matches!(*name, "cpu" | "memory");
    }
    for (name, value) in &requests {
        let item_path = requests_path.key(name);
        errors.extend(container_resource_name(name, &item_path));
        errors.extend(quantity_value(name, value, &item_path));
        if let Some(limit) = limits
            .iter()
            .find(|(limit, _)| limit == name)
            .map(|(_, v)| *v)
        {
            if let (Ok(request), Ok(limit)) = (quantity::of(value), quantity::of(limit)) {
                let order = request.cmp(&limit);
                if order != std::cmp::Ordering::Equal && !overcommit_allowed(name) {
                    errors.push(invalid(
                        &requests_path,
                        request.canonical(),
                        &format!("must be equal to {name} limit of {}", limit.canonical()),
                    ));
                } else if order == std::cmp::Ordering::Greater {
                    errors.push(invalid(
                        &requests_path,
                        request.canonical(),
                        &format!(
                            "must be less than or equal to {name} limit of {}",
                            limit.canonical()
                        ),
                    ));
                }
            }
        } else if !overcommit_allowed(name) {
            errors.push(required(
                &limits_path,
                "Limit must be set for non overcommitable resources",
            ));
        }
        huge |= is_hugepages(name);
        request_compute |= matches!(*name, "cpu" | "memory");
    }
    if !limit_compute && !request_compute && huge {
        errors.push(forbidden(path, "HugePages require cpu or memory"));
    }
    let mut seen = BTreeSet::new();
    for (index, claim) in list(resources, "claims").iter().enumerate() {
        let name = str_of(claim, "name");
        let claim_path = path.child("claims").index(index);
        if name.is_empty() {
            errors.push(required(&claim_path, ""));
            continue;
        }
        let key = match str_of(claim, "request") {
            "" => name.to_owned(),
            request => format!("{name}/{request}"),
        };
        if !seen.insert(key.clone()) {
            errors.push(duplicate(&claim_path, key.as_str()));
        }
        if !claim_names.contains(name) {
            let mut cause = not_found(&claim_path, name);
            let names: Vec<&str> = claim_names.iter().copied().collect();
            let detail = if names.is_empty() {
                "must be one of the names in pod.spec.resourceClaims which is empty".to_owned()
            } else {
                format!(
                    "must be one of the names in pod.spec.resourceClaims: {}",
                    names.join(", ")
                )
            };
            cause.message = format!("{}: {detail}", cause.message);
            errors.push(cause);
        }
    }
    errors
}

fn sorted_quantities<'a>(resources: &'a Value, key: &str) -> Vec<(&'a str, &'a Value)> {
    let mut entries: Vec<(&str, &Value)> = map_of(resources, key)
        .map(|map| map.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn resize_policy(container: &Value, restart_policy: &str, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, policy) in list(container, "resizePolicy").iter().enumerate() {
        let resource = str_of(policy, "resourceName");
        if !seen.insert(resource) {
            errors.push(duplicate(&path.index(index), resource));
        }
        match resource {
            "cpu" | "memory" => {}
            "" => errors.push(required(path, "")),
            other => errors.push(not_supported(path, other, &["cpu", "memory"])),
        }
        let restart = str_of(policy, "restartPolicy");
        match restart {
            "NotRequired" | "RestartContainer" => {}
            "" => errors.push(required(path, "")),
            other => errors.push(not_supported(
                path,
                other,
                &["NotRequired", "RestartContainer"],
            )),
        }
        if restart_policy == "Never" && restart != "NotRequired" {
            errors.push(invalid(
                path,
                restart,
                "must be 'NotRequired' when `restartPolicy` is 'Never'",
            ));
        }
    }
    errors
}

const MAX_ID: i64 = 0xffff_ffff;

fn id_range(value: Option<i64>, path: &Path) -> Errors {
    match value {
        Some(id) if !(0..=MAX_ID).contains(&id) => {
            vec![invalid(path, id, &inclusive_range_error(0, MAX_ID))]
        }
        _ => Vec::new(),
    }
}

/// `ValidateSecurityContext` (a container's).
fn security_context(context: &Value, path: &Path, host_users: bool) -> Errors {
    let mut errors = id_range(opt_int(context, "runAsUser"), &path.child("runAsUser"));
    errors.extend(id_range(
        opt_int(context, "runAsGroup"),
        &path.child("runAsGroup"),
    ));
    if let Some(proc_mount) = opt_str(context, "procMount") {
        if !matches!(proc_mount, "Default" | "Unmasked") {
            errors.push(not_supported(
                &path.child("procMount"),
                proc_mount,
                &["Default", "Unmasked"],
            ));
        }
        if host_users && proc_mount == "Unmasked" {
            errors.push(invalid(
                &path.child("procMount"),
                proc_mount,
                "`hostUsers` must be false to use `Unmasked`",
            ));
        }
    }
    errors.extend(seccomp_profile(
        get(context, "seccompProfile"),
        &path.child("seccompProfile"),
    ));
    if opt_bool(context, "allowPrivilegeEscalation") == Some(false) {
        let rendered = || Bad::Raw(gofmt::go_struct("core.SecurityContext", context));
        if opt_bool(context, "privileged") == Some(true) {
            errors.push(invalid(
                path,
                rendered(),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            ));
        }
        let adds_sys_admin = get(context, "capabilities")
            .is_some_and(|caps| strings(caps, "add").contains(&"CAP_SYS_ADMIN"));
        if adds_sys_admin {
            errors.push(invalid(
                path,
                rendered(),
                "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
            ));
        }
    }
    errors.extend(app_armor_profile(
        get(context, "appArmorProfile"),
        &path.child("appArmorProfile"),
    ));
    errors
}

fn seccomp_profile(profile: Option<&Value>, path: &Path) -> Errors {
    let Some(profile) = profile else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    let kind = str_of(profile, "type");
    match kind {
        "Localhost" | "RuntimeDefault" | "Unconfined" => {}
        "" => errors.push(required(
            &path.child("type"),
            "type is required when seccompProfile is set",
        )),
        other => errors.push(not_supported(
            &path.child("type"),
            other,
            &["Localhost", "RuntimeDefault", "Unconfined"],
        )),
    }
    let localhost = opt_str(profile, "localhostProfile");
    if kind == "Localhost" {
        match localhost {
            None => errors.push(required(
                &path.child("localhostProfile"),
                "must be set when seccomp type is Localhost",
            )),
            Some(local) => {
                errors.extend(local_descending_path(
                    local,
                    &path.child("localhostProfile"),
                ));
            }
        }
    } else if localhost.is_some() {
        errors.push(invalid(
            &path.child("localhostProfile"),
            Bad::Raw(gofmt::go_struct("core.SeccompProfile", profile)),
            "can only be set when seccomp type is Localhost",
        ));
    }
    errors
}

fn app_armor_profile(profile: Option<&Value>, path: &Path) -> Errors {
    let Some(profile) = profile else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    let localhost = opt_str(profile, "localhostProfile");
    match str_of(profile, "type") {
        "Localhost" => match localhost {
            None => errors.push(required(
                &path.child("localhostProfile"),
                "must be set when AppArmor type is Localhost",
            )),
            Some(local) => {
                if local.trim() != local {
                    errors.push(invalid(
                        &path.child("localhostProfile"),
                        local,
                        "must not be padded with whitespace",
                    ));
                } else if local.is_empty() {
                    errors.push(required(
                        &path.child("localhostProfile"),
                        "must be set when AppArmor type is Localhost",
                    ));
                }
                if local.len() > 4095 {
                    errors.push(too_long(&path.child("localhostProfile"), 4095));
                }
            }
        },
        "RuntimeDefault" | "Unconfined" => {
            if let Some(local) = localhost {
                errors.push(invalid(
                    &path.child("localhostProfile"),
                    local,
                    "can only be set when AppArmor type is Localhost",
                ));
            }
        }
        "" => errors.push(required(
            &path.child("type"),
            "type is required when appArmorProfile is set",
        )),
        other => errors.push(not_supported(
            &path.child("type"),
            other,
            &["Localhost", "RuntimeDefault", "Unconfined"],
        )),
    }
    errors
}

/// `validatePodSpecSecurityContext`.
fn pod_security_context(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let Some(context) = get(spec, "securityContext") else {
        return errors;
    };
    errors.extend(id_range(
        opt_int(context, "fsGroup"),
        &path.child("fsGroup"),
    ));
    errors.extend(id_range(
        opt_int(context, "runAsUser"),
        &path.child("runAsUser"),
    ));
    errors.extend(id_range(
        opt_int(context, "runAsGroup"),
        &path.child("runAsGroup"),
    ));
    for (index, group) in list(context, "supplementalGroups").iter().enumerate() {
        errors.extend(id_range(
            group.as_i64(),
            &path.child("supplementalGroups").index(index),
        ));
    }
    if opt_bool(spec, "shareProcessNamespace") == Some(true) && bool_of(spec, "hostPID") {
        errors.push(invalid(
            &path.child("shareProcessNamespace"),
            true,
            "ShareProcessNamespace and HostPID cannot both be enabled",
        ));
    }
    let mut sysctl_names = BTreeSet::new();
    for (index, sysctl) in list(context, "sysctls").iter().enumerate() {
        let name_path = path.child("sysctls").index(index).child("name");
        let name = str_of(sysctl, "name");
        if name.is_empty() {
            errors.push(required(&name_path, ""));
        } else if !valid_sysctl_name(name) {
            errors.push(invalid(
                &name_path,
                name,
                "must have at most 253 characters and match regex \
                 ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$",
            ));
        } else if sysctl_names.contains(name) {
            errors.push(duplicate(&name_path, name));
        }
        if bool_of(spec, "hostNetwork") && (name.starts_with("net.") || name.starts_with("net/")) {
            errors.push(invalid(
                &name_path,
                name,
                "may not be specified when 'hostNetwork' is true",
            ));
        }
        if bool_of(spec, "hostIPC")
            && (name.starts_with("kernel.shm")
                || name.starts_with("kernel.msg")
                || name.starts_with("kernel.sem")
                || name.starts_with("fs.mqueue."))
        {
            errors.push(invalid(
                &name_path,
                name,
                "may not be specified when 'hostIPC' is true",
            ));
        }
        sysctl_names.insert(name);
    }
    if let Some(policy) = opt_str(context, "fsGroupChangePolicy")
        && !matches!(policy, "OnRootMismatch" | "Always")
    {
        errors.push(not_supported(
            &path.child("fsGroupChangePolicy"),
            policy,
            &["Always", "OnRootMismatch"],
        ));
    }
    errors.extend(seccomp_profile(
        get(context, "seccompProfile"),
        &path.child("seccompProfile"),
    ));
    errors.extend(app_armor_profile(
        get(context, "appArmorProfile"),
        &path.child("appArmorProfile"),
    ));
    if let Some(policy) = opt_str(context, "supplementalGroupsPolicy")
        && !matches!(policy, "Merge" | "Strict")
    {
        errors.push(not_supported(
            &path.child("supplementalGroupsPolicy"),
            policy,
            &["Merge", "Strict"],
        ));
    }
    if let Some(policy) = opt_str(context, "seLinuxChangePolicy")
        && !matches!(policy, "Recursive" | "MountOption")
    {
        errors.push(not_supported(
            &path.child("seLinuxChangePolicy"),
            policy,
            &["MountOption", "Recursive"],
        ));
    }
    errors
}

/// `^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`, at most 253 bytes.
fn valid_sysctl_name(name: &str) -> bool {
    name.len() <= 253
        && name.split(['.', '/']).all(|segment| {
            let bytes = segment.as_bytes();
            let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
            match (bytes.first(), bytes.last()) {
                (Some(first), Some(last)) => {
                    alnum(first)
                        && alnum(last)
                        && bytes.iter().all(|b| alnum(b) || *b == b'-' || *b == b'_')
                }
                _ => false,
            }
        })
}

/// `validatePodHostNetworkDeps`.
fn host_network_deps(spec: &Value, path: &Path, options: Options) -> Errors {
    let mut errors = Vec::new();
    if !bool_of(spec, "hostNetwork") {
        return errors;
    }
    for (index, container) in list(spec, "containers").iter().enumerate() {
        for (port_index, port) in list(container, "ports").iter().enumerate() {
            let (host, container_port) = (int_of(port, "hostPort"), int_of(port, "containerPort"));
            if (options.resource_is_pod || host != 0) && host != container_port {
                errors.push(invalid(
                    &path
                        .child("containers")
                        .index(index)
                        .child("ports")
                        .index(port_index)
                        .child("hostPort"),
                    host,
                    "must match `containerPort` when `hostNetwork` is true",
                ));
            }
        }
    }
    errors
}

/// `AccumulateUniqueHostPorts` over `containers`.
fn host_port_conflicts(containers: &[Value], path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, container) in containers.iter().enumerate() {
        for (port_index, port) in list(container, "ports").iter().enumerate() {
            let host_port = int_of(port, "hostPort");
            if host_port == 0 {
                continue;
            }
            let key = format!(
                "{}/{}/{host_port}",
                str_of(port, "protocol"),
                str_of(port, "hostIP")
            );
            if !seen.insert(key.clone()) {
                errors.push(duplicate(
                    &path
                        .index(index)
                        .child("ports")
                        .index(port_index)
                        .child("hostPort"),
                    key,
                ));
            }
        }
    }
    errors
}

/// `validateProbe`.
fn probe(probe: &Value, grace: Option<i64>, path: &Path) -> Errors {
    let mut errors = handler(probe, false, grace, path);
    for field in [
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ] {
        errors.extend(nonnegative(int_of(probe, field), &path.child(field)));
    }
    if let Some(seconds) = opt_int(probe, "terminationGracePeriodSeconds")
        && seconds <= 0
    {
        errors.push(invalid(
            &path.child("terminationGracePeriodSeconds"),
            seconds,
            "must be greater than 0",
        ));
    }
    errors
}

fn lifecycle(lifecycle: &Value, grace: Option<i64>, path: &Path) -> Errors {
    let mut errors = Vec::new();
    for hook in ["postStart", "preStop"] {
        if let Some(handler) = get(lifecycle, hook) {
            errors.extend(self::handler(handler, true, grace, &path.child(hook)));
        }
    }
    errors
}

/// `validateHandler` of a probe (`exec`, `httpGet`, `tcpSocket`, `grpc`) or a lifecycle hook
/// (`exec`, `httpGet`, `tcpSocket`, `sleep`).
fn handler(handler: &Value, lifecycle: bool, grace: Option<i64>, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let kinds: &[&str] = if lifecycle {
        &["exec", "httpGet", "tcpSocket", "sleep"]
    } else {
        &["exec", "httpGet", "tcpSocket", "grpc"]
    };
    let mut count = 0;
    for kind in kinds {
        let Some(action) = get(handler, kind) else {
            continue;
        };
        let action_path = path.child(kind);
        if count > 0 {
            errors.push(forbidden(
                &action_path,
                "may not specify more than 1 handler type",
            ));
            continue;
        }
        count += 1;
        match *kind {
            "exec" => {
                if list(action, "command").is_empty() {
                    errors.push(required(&action_path.child("command"), ""));
                }
            }
            "httpGet" => {
                if str_of(action, "path").is_empty() {
                    errors.push(required(&action_path.child("path"), ""));
                }
                errors.extend(port_num_or_name(
                    get(action, "port"),
                    &action_path.child("port"),
                ));
                let scheme = str_of(action, "scheme");
                if !matches!(scheme, "HTTP" | "HTTPS") {
                    errors.push(not_supported(
                        &action_path.child("scheme"),
                        scheme,
                        &["HTTP", "HTTPS"],
                    ));
                }
                for header in list(action, "httpHeaders") {
                    let name = str_of(header, "name");
                    errors.extend(format_errors(
                        &action_path.child("httpHeaders"),
                        name,
                        http_header_name,
                    ));
                }
            }
            "tcpSocket" => {
                errors.extend(port_num_or_name(
                    get(action, "port"),
                    &action_path.child("port"),
                ));
            }
            "grpc" => {
                let port = int_of(action, "port");
                for message in port_num(port) {
                    errors.push(invalid(&action_path.child("port"), port, &message));
                }
            }
            _ => {
                let seconds = int_of(action, "seconds");
                if let Some(grace) = grace
                    && (seconds < 0 || seconds > grace)
                {
                    errors.push(invalid(
                        &action_path,
                        seconds,
                        &format!(
                            "must be non-negative and less than terminationGracePeriodSeconds \
                             ({grace})"
                        ),
                    ));
                }
            }
        }
    }
    if count == 0 {
        errors.push(required(path, "must specify a handler type"));
    }
    errors
}

/// `ValidatePortNumOrName` on an int-or-string port.
pub(crate) fn port_num_or_name(port: Option<&Value>, path: &Path) -> Errors {
    match port {
        Some(Value::String(name)) => port_name(name)
            .into_iter()
            .map(|message| invalid(path, name.as_str(), &message))
            .collect(),
        other => {
            let number = other.and_then(Value::as_i64).unwrap_or_default();
            port_num(number)
                .into_iter()
                .map(|message| invalid(path, number, &message))
                .collect()
        }
    }
}

/// `ValidateTolerations`.
pub(crate) fn tolerations(tolerations: &[Value], path: &Path) -> Errors {
    let mut errors = Vec::new();
    for (index, toleration) in tolerations.iter().enumerate() {
        let toleration_path = path.index(index);
        let key = str_of(toleration, "key");
        let operator = str_of(toleration, "operator");
        let effect = str_of(toleration, "effect");
        if !key.is_empty() {
            errors.extend(label_name(key, &toleration_path.child("key")));
        }
        if key.is_empty() && operator != "Exists" {
            errors.push(invalid(
                &toleration_path.child("operator"),
                operator,
                "operator must be Exists when `key` is empty, which means \"match all values and \
                 all keys\"",
            ));
        }
        if opt_int(toleration, "tolerationSeconds").is_some() && effect != "NoExecute" {
            errors.push(invalid(
                &toleration_path.child("effect"),
                effect,
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        let value = str_of(toleration, "value");
        match operator {
            "Equal" | "" => {
                let messages = crate::builtin::formats::label_value(value);
                if !messages.is_empty() {
                    errors.push(invalid(
                        &toleration_path.child("operator"),
                        value,
                        &messages.join(";"),
                    ));
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    errors.push(invalid(
                        &toleration_path.child("operator"),
                        value,
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => errors.push(not_supported(
                &toleration_path.child("operator"),
                other,
                &["Equal", "Exists"],
            )),
        }
        if !effect.is_empty() && !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute")
        {
            errors.push(not_supported(
                &toleration_path.child("effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
    errors
}

fn dns_config(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let config = get(spec, "dnsConfig");
    if str_of(spec, "dnsPolicy") == "None" {
        match config {
            None => {
                return vec![required(
                    path,
                    "must provide `dnsConfig` when `dnsPolicy` is None",
                )];
            }
            Some(config) if list(config, "nameservers").is_empty() => {
                return vec![required(
                    &path.child("nameservers"),
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                )];
            }
            _ => {}
        }
    }
    let Some(config) = config else {
        return errors;
    };
    let nameservers = list(config, "nameservers");
    if nameservers.len() > 3 {
        errors.push(invalid(
            &path.child("nameservers"),
            Bad::Raw(gofmt::string_slice("string", get(config, "nameservers"))),
            "must not have more than 3 nameservers",
        ));
    }
    for (index, server) in nameservers.iter().enumerate() {
        errors.extend(valid_ip(
            &path.child("nameservers").index(index),
            server.as_str().unwrap_or_default(),
        ));
    }
    let searches = strings(config, "searches");
    let rendered = || Bad::Raw(gofmt::string_slice("string", get(config, "searches")));
    if searches.len() > 32 {
        errors.push(invalid(
            &path.child("searches"),
            rendered(),
            "must not have more than 32 search paths",
        ));
    }
    if searches.join(" ").len() > 2048 {
        errors.push(invalid(
            &path.child("searches"),
            rendered(),
            "must not have more than 2048 characters (including spaces) in the search list",
        ));
    }
    for (index, search) in searches.iter().enumerate() {
        let search = search.strip_suffix('.').unwrap_or(search);
        errors.extend(format_errors(
            &path.child("searches").index(index),
            search,
            dns1123_subdomain,
        ));
    }
    for (index, option) in list(config, "options").iter().enumerate() {
        if str_of(option, "name").is_empty() {
            errors.push(required(
                &path.child("options").index(index),
                "must not be empty",
            ));
        }
    }
    errors
}

fn affinity(affinity: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if let Some(node) = get(affinity, "nodeAffinity") {
        let node_path = path.child("nodeAffinity");
        if let Some(required_terms) = get(node, "requiredDuringSchedulingIgnoredDuringExecution") {
            errors.extend(node_selector(
                required_terms,
                &node_path.child("requiredDuringSchedulingIgnoredDuringExecution"),
                false,
            ));
        }
        for (index, term) in list(node, "preferredDuringSchedulingIgnoredDuringExecution")
            .iter()
            .enumerate()
        {
            let term_path = node_path
                .child("preferredDuringSchedulingIgnoredDuringExecution")
                .index(index);
            let weight = int_of(term, "weight");
            if !(1..=100).contains(&weight) {
                errors.push(invalid(
                    &term_path.child("weight"),
                    weight,
                    "must be in the range 1-100",
                ));
            }
            let empty = Value::Null;
            errors.extend(node_selector_term(
                get(term, "preference").unwrap_or(&empty),
                &term_path.child("preference"),
                true,
            ));
        }
    }
    for key in ["podAffinity", "podAntiAffinity"] {
        let Some(pod_affinity) = get(affinity, key) else {
            continue;
        };
        let affinity_path = path.child(key);
        for (index, term) in list(
            pod_affinity,
            "requiredDuringSchedulingIgnoredDuringExecution",
        )
        .iter()
        .enumerate()
        {
            errors.extend(pod_affinity_term(
                term,
                &affinity_path
                    .child("requiredDuringSchedulingIgnoredDuringExecution")
                    .index(index),
            ));
        }
        for (index, weighted) in list(
            pod_affinity,
            "preferredDuringSchedulingIgnoredDuringExecution",
        )
        .iter()
        .enumerate()
        {
            let weighted_path = affinity_path
                .child("preferredDuringSchedulingIgnoredDuringExecution")
                .index(index);
            let weight = int_of(weighted, "weight");
            if !(1..=100).contains(&weight) {
                errors.push(invalid(
                    &weighted_path.child("weight"),
                    weight,
                    "must be in the range 1-100",
                ));
            }
            let empty = Value::Null;
            errors.extend(pod_affinity_term(
                get(weighted, "podAffinityTerm").unwrap_or(&empty),
                &weighted_path.child("podAffinityTerm"),
            ));
        }
    }
    errors
}

/// `ValidateNodeSelector`.
pub(crate) fn node_selector(selector: &Value, path: &Path, allow_invalid_values: bool) -> Errors {
    let terms_path = path.child("nodeSelectorTerms");
    let terms = list(selector, "nodeSelectorTerms");
    if terms.is_empty() {
        return vec![required(
            &terms_path,
            "must have at least one node selector term",
        )];
    }
    terms
        .iter()
        .enumerate()
        .flat_map(|(index, term)| {
            node_selector_term(term, &terms_path.index(index), allow_invalid_values)
        })
        .collect()
}

fn node_selector_term(term: &Value, path: &Path, allow_invalid_values: bool) -> Errors {
    let mut errors = Vec::new();
    for (index, requirement) in list(term, "matchExpressions").iter().enumerate() {
        let requirement_path = path.child("matchExpressions").index(index);
        let values = list(requirement, "values");
        let operator = str_of(requirement, "operator");
        match operator {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errors.push(required(
                        &requirement_path.child("values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errors.push(forbidden(
                        &requirement_path.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            "Gt" | "Lt" => {
                if values.len() != 1 {
                    errors.push(required(
                        &requirement_path.child("values"),
                        "must be specified single value when `operator` is 'Lt' or 'Gt'",
                    ));
                }
            }
            other => errors.push(invalid(
                &requirement_path.child("operator"),
                other,
                "not a valid selector operator",
            )),
        }
        errors.extend(label_name(
            str_of(requirement, "key"),
            &requirement_path.child("key"),
        ));
        if !allow_invalid_values {
            for (value_index, value) in values.iter().enumerate() {
                let value = value.as_str().unwrap_or_default();
                for message in crate::builtin::formats::label_value(value) {
                    errors.push(invalid(
                        &requirement_path.child("values").index(value_index),
                        value,
                        &message,
                    ));
                }
            }
        }
    }
    for (index, requirement) in list(term, "matchFields").iter().enumerate() {
        let requirement_path = path.child("matchFields").index(index);
        let values = strings(requirement, "values");
        match str_of(requirement, "operator") {
            "In" | "NotIn" => {
                if values.len() != 1 {
                    errors.push(required(
                        &requirement_path.child("values"),
                        "must be only one value when `operator` is 'In' or 'NotIn' for node \
                         field selector",
                    ));
                }
            }
            other => errors.push(invalid(
                &requirement_path.child("operator"),
                other,
                "not a valid selector operator",
            )),
        }
        let key = str_of(requirement, "key");
        if key == "metadata.name" {
            for (value_index, value) in values.iter().enumerate() {
                errors.extend(name_errors(
                    &requirement_path.child("values").index(value_index),
                    value,
                    name_is_dns_subdomain,
                ));
            }
        } else {
            errors.push(invalid(
                &requirement_path.child("key"),
                key,
                "not a valid field selector key",
            ));
        }
    }
    errors
}

fn pod_affinity_term(term: &Value, path: &Path) -> Errors {
    let mut errors =
        validate_label_selector(get(term, "labelSelector"), &path.child("labelSelector"));
    errors.extend(validate_label_selector(
        get(term, "namespaceSelector"),
        &path.child("namespaceSelector"),
    ));
    for namespace in strings(term, "namespaces") {
        for message in name_is_dns_label(namespace, false) {
            errors.push(invalid(&path.child("namespace"), namespace, &message));
        }
    }
    let selector = get(term, "labelSelector");
    for key in ["matchLabelKeys", "mismatchLabelKeys"] {
        let keys = strings(term, key);
        if keys.is_empty() {
            continue;
        }
        if selector.is_none() {
            errors.push(forbidden(
                &path.child(key),
                "must not be specified when labelSelector is not set",
            ));
            continue;
        }
        for (index, label) in keys.iter().enumerate() {
            errors.extend(label_name(label, &path.child(key).index(index)));
        }
    }
    let mismatch = strings(term, "mismatchLabelKeys");
    for (index, key) in strings(term, "matchLabelKeys").iter().enumerate() {
        if mismatch.contains(key) {
            errors.push(invalid(
                &path.child("matchLabelKeys").index(index),
                *key,
                "exists in both matchLabelKeys and mismatchLabelKeys",
            ));
        }
    }
    let topology_key = str_of(term, "topologyKey");
    if topology_key.is_empty() {
        errors.push(required(&path.child("topologyKey"), "can not be empty"));
    }
    errors.extend(label_name(topology_key, &path.child("topologyKey")));
    errors
}

fn topology_spread(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let constraints = list(spec, "topologySpreadConstraints");
    for (index, constraint) in constraints.iter().enumerate() {
        let constraint_path = path.index(index);
        let max_skew = int_of(constraint, "maxSkew");
        if max_skew <= 0 {
            errors.push(invalid(
                &constraint_path.child("maxSkew"),
                max_skew,
                "must be greater than zero",
            ));
        }
        let topology_key = str_of(constraint, "topologyKey");
        if topology_key.is_empty() {
            errors.push(required(
                &constraint_path.child("topologyKey"),
                "can not be empty",
            ));
        }
        let action = str_of(constraint, "whenUnsatisfiable");
        if !matches!(action, "DoNotSchedule" | "ScheduleAnyway") {
            errors.push(not_supported(
                &constraint_path.child("whenUnsatisfiable"),
                action,
                &["DoNotSchedule", "ScheduleAnyway"],
            ));
        }
        let repeated = constraints[index + 1..].iter().any(|other| {
            str_of(other, "topologyKey") == topology_key
                && str_of(other, "whenUnsatisfiable") == action
        });
        if repeated {
            errors.push(duplicate(
                &constraint_path.child("{topologyKey, whenUnsatisfiable}"),
                format!("{{{topology_key}, {action}}}"),
            ));
        }
        if let Some(min_domains) = opt_int(constraint, "minDomains") {
            let min_path = constraint_path.child("minDomains");
            if min_domains <= 0 {
                errors.push(invalid(&min_path, min_domains, "must be greater than zero"));
            }
            if action != "DoNotSchedule" {
                errors.push(invalid(
                    &min_path,
                    min_domains,
                    &format!(
                        "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {action}"
                    ),
                ));
            }
        }
        for field in ["nodeAffinityPolicy", "nodeTaintsPolicy"] {
            if let Some(policy) = opt_str(constraint, field)
                && !matches!(policy, "Honor" | "Ignore")
            {
                errors.push(not_supported(
                    &constraint_path.child(field),
                    policy,
                    &["Honor", "Ignore"],
                ));
            }
        }
        let selector = get(constraint, "labelSelector");
        let keys = strings(constraint, "matchLabelKeys");
        if !keys.is_empty() {
            let selector_keys: BTreeSet<&str> = selector
                .map(|selector| {
                    string_map(selector, "matchLabels")
                        .into_iter()
                        .map(|(key, _)| key)
                        .chain(
                            list(selector, "matchExpressions")
                                .iter()
                                .map(|e| str_of(e, "key")),
                        )
                        .collect()
                })
                .unwrap_or_default();
            if selector.is_none() {
                errors.push(forbidden(
                    &constraint_path.child("matchLabelKeys"),
                    "must not be specified when labelSelector is not set",
                ));
            }
            for (key_index, key) in keys.iter().enumerate() {
                let key_path = constraint_path.child("matchLabelKeys").index(key_index);
                errors.extend(label_name(key, &key_path));
                if selector_keys.contains(key) {
                    errors.push(invalid(
                        &key_path,
                        *key,
                        "exists in both matchLabelKeys and labelSelector",
                    ));
                }
            }
        }
        errors.extend(validate_label_selector(
            selector,
            &constraint_path.child("labelSelector"),
        ));
    }
    errors
}

/// `ValidatePodCreate`.
pub(crate) fn pod_create(pod: &Value) -> Errors {
    let mut errors = pod_metadata_and_spec(pod);
    let empty = Value::Null;
    let spec = get(pod, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    if !list(spec, "ephemeralContainers").is_empty() {
        errors.push(forbidden(
            &path.child("ephemeralContainers"),
            "cannot be set on create",
        ));
    }
    if !str_of(spec, "nodeName").is_empty() && !list(spec, "schedulingGates").is_empty() {
        errors.push(forbidden(
            &path.child("nodeName"),
            "cannot be set until all schedulingGates have been cleared",
        ));
    }
    errors
}

/// `validatePodMetadataAndSpec`.
fn pod_metadata_and_spec(pod: &Value) -> Errors {
    let empty = Value::Null;
    let meta = get(pod, "metadata").unwrap_or(&empty);
    let spec = get(pod, "spec").unwrap_or(&empty);
    let spec_path = Path::new("spec");
    let mut errors = crate::builtin::meta::validate_object_meta(pod, true, name_is_dns_subdomain);
    errors.extend(pod_specific_annotations(
        meta,
        spec,
        &Path::new("metadata").child("annotations"),
    ));
    errors.extend(pod_spec(
        spec,
        Some(meta),
        &spec_path,
        Options {
            resource_is_pod: true,
        },
    ));
    if str_of(spec, "serviceAccountName").is_empty() {
        for (volume_index, volume) in list(spec, "volumes").iter().enumerate() {
            let Some(projected) = get(volume, "projected") else {
                continue;
            };
            for (source_index, source) in list(projected, "sources").iter().enumerate() {
                if get(source, "serviceAccountToken").is_some() {
                    errors.push(forbidden(
                        &spec_path
                            .child("volumes")
                            .index(volume_index)
                            .child("projected")
                            .child("sources")
                            .index(source_index)
                            .child("serviceAccountToken"),
                        "must not be specified when serviceAccountName is not set",
                    ));
                }
            }
        }
    }
    for list_name in ["containers", "initContainers"] {
        for (index, container) in list(spec, list_name).iter().enumerate() {
            errors.extend(image_whitespace(
                container,
                &spec_path.child(list_name).index(index),
            ));
        }
    }
    errors
}

const UPDATABLE_POD_FIELDS: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,\
`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),\
`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// `ValidatePodUpdate`.
pub(crate) fn pod_update(new: &Value, old: &Value) -> Errors {
    let mut errors = crate::builtin::meta::validate_object_meta_update(new, old);
    errors.extend(pod_metadata_and_spec(new));
    let empty = Value::Null;
    let meta_path = Path::new("metadata").child("annotations");
    let new_meta = get(new, "metadata").unwrap_or(&empty);
    let old_meta = get(old, "metadata").unwrap_or(&empty);
    let new_annotations = string_map(new_meta, "annotations");
    let old_annotations = string_map(old_meta, "annotations");
    for (key, old_value) in &old_annotations {
        let unchanged = new_annotations
            .iter()
            .any(|(k, v)| k == key && v == old_value);
        if unchanged {
            continue;
        }
        if key.starts_with("container.apparmor.security.beta.kubernetes.io/") {
            errors.push(forbidden(
                &meta_path.key(key),
                "may not remove or update AppArmor annotations",
            ));
        }
        if *key == "kubernetes.io/config.mirror" {
            errors.push(forbidden(
                &meta_path.key(key),
                "may not remove or update mirror pod annotation",
            ));
        }
    }
    for (key, _) in &new_annotations {
        if old_annotations.iter().any(|(k, _)| k == key) {
            continue;
        }
        if key.starts_with("container.apparmor.security.beta.kubernetes.io/") {
            errors.push(forbidden(
                &meta_path.key(key),
                "may not add AppArmor annotations",
            ));
        }
        if *key == "kubernetes.io/config.mirror" {
            errors.push(forbidden(
                &meta_path.key(key),
                "may not add mirror pod annotation",
            ));
        }
    }
    let spec = get(new, "spec").unwrap_or(&empty);
    let old_spec = get(old, "spec").unwrap_or(&empty);
    let spec_path = Path::new("spec");
    for list_name in ["containers", "initContainers"] {
        let (items, old_items) = (list(spec, list_name), list(old_spec, list_name));
        let list_path = spec_path.child(list_name);
        if items.len() != old_items.len() {
            errors.push(forbidden(
                &list_path,
                "pod updates may not add or remove containers",
            ));
            return errors;
        }
        for (index, container) in items.iter().enumerate() {
            if str_of(container, "image").is_empty() {
                errors.push(required(&list_path.index(index).child("image"), ""));
            }
            errors.extend(image_whitespace(container, &list_path.index(index)));
        }
    }
    let deadline_path = spec_path.child("activeDeadlineSeconds");
    match (
        opt_int(spec, "activeDeadlineSeconds"),
        opt_int(old_spec, "activeDeadlineSeconds"),
    ) {
        (Some(new_deadline), old_deadline) => {
            if !(0..=i64::from(i32::MAX)).contains(&new_deadline) {
                errors.push(invalid(
                    &deadline_path,
                    new_deadline,
                    &inclusive_range_error(0, i64::from(i32::MAX)),
                ));
                return errors;
            }
            if old_deadline.is_some_and(|old_deadline| old_deadline < new_deadline) {
                errors.push(invalid(
                    &deadline_path,
                    new_deadline,
                    "must be less than or equal to previous value",
                ));
                return errors;
            }
        }
        (None, Some(_)) => errors.push(invalid(
            &deadline_path,
            Bad::Null,
            "must not update from a positive integer to nil value",
        )),
        (None, None) => {}
    }
    let (new_tolerations, old_tolerations) =
        (list(spec, "tolerations"), list(old_spec, "tolerations"));
    let kept = old_tolerations.iter().all(|old_toleration| {
        new_tolerations.iter().any(|new_toleration| {
            let mut old_clone = old_toleration.clone();
            if let Some(map) = old_clone.as_object_mut() {
                match new_toleration.get("tolerationSeconds") {
                    Some(seconds) => {
                        map.insert("tolerationSeconds".to_owned(), seconds.clone());
                    }
                    None => {
                        map.remove("tolerationSeconds");
                    }
                }
            }
            semantic_eq(&old_clone, new_toleration)
        })
    });
    if !kept {
        errors.push(forbidden(
            &spec_path.child("tolerations"),
            "existing toleration can not be modified except its tolerationSeconds",
        ));
    } else {
        errors.extend(tolerations(
            new_tolerations,
            &spec_path.child("tolerations"),
        ));
    }
    let old_gates: BTreeSet<&str> = list(old_spec, "schedulingGates")
        .iter()
        .map(|gate| str_of(gate, "name"))
        .collect();
    let mut added: Vec<(usize, &str)> = Vec::new();
    for (index, gate) in list(spec, "schedulingGates").iter().enumerate() {
        let name = str_of(gate, "name");
        if !old_gates.contains(name) {
            added.retain(|(_, existing)| *existing != name);
            added.push((index, name));
        }
    }
    for (index, name) in added {
        errors.push(forbidden(
            &spec_path
                .child("schedulingGates")
                .index(index)
                .child("name"),
            &format!("only deletion is allowed, but found new scheduling gate '{name}'"),
        ));
    }
    if semantic_eq(spec, old_spec) {
        return errors;
    }
    let mut munged = spec.clone();
    if let Some(map) = munged.as_object_mut() {
        for list_name in ["containers", "initContainers"] {
            if let Some(items) = map.get_mut(list_name).and_then(Value::as_array_mut) {
                for (index, container) in items.iter_mut().enumerate() {
                    let old_image = list(old_spec, list_name)
                        .get(index)
                        .and_then(|c| c.get("image"))
                        .cloned();
                    if let (Some(container), Some(image)) = (container.as_object_mut(), old_image) {
                        container.insert("image".to_owned(), image);
                    }
                }
            }
        }
        for field in ["activeDeadlineSeconds", "schedulingGates", "tolerations"] {
            match old_spec.get(field) {
                Some(value) => {
                    map.insert(field.to_owned(), value.clone());
                }
                None => {
                    map.remove(field);
                }
            }
        }
        let old_grace = opt_int(old_spec, "terminationGracePeriodSeconds");
        if old_grace.is_some_and(|grace| grace < 0)
            && opt_int(spec, "terminationGracePeriodSeconds") == Some(1)
            && let Some(grace) = old_spec.get("terminationGracePeriodSeconds")
        {
            map.insert("terminationGracePeriodSeconds".to_owned(), grace.clone());
        }
        if !list(old_spec, "schedulingGates").is_empty() {
            let old_selector = string_map(old_spec, "nodeSelector");
            let holder = munged_clone_selector(map);
            let new_selector = string_map(&holder, "nodeSelector");
            if !old_selector
                .iter()
                .all(|entry| new_selector.contains(entry))
            {
                errors.push(invalid(
                    &spec_path.child("nodeSelector"),
                    Bad::Raw(gofmt::string_map(map.get("nodeSelector"))),
                    "only additions to spec.nodeSelector are allowed (no mutations or deletions)",
                ));
            }
            match old_spec.get("nodeSelector") {
                Some(value) => {
                    map.insert("nodeSelector".to_owned(), value.clone());
                }
                None => {
                    map.remove("nodeSelector");
                }
            }
        }
    }
    if !semantic_eq(&munged, old_spec) {
        errors.push(forbidden(
            &spec_path,
            &format!(
                "pod updates may not change fields other than {UPDATABLE_POD_FIELDS}\n{}",
                spec_diff(old_spec, &munged)
            ),
        ));
    }
    errors
}

fn munged_clone_selector(map: &serde_json::Map<String, Value>) -> Value {
    let mut holder = serde_json::Map::new();
    if let Some(selector) = map.get("nodeSelector") {
        holder.insert("nodeSelector".to_owned(), selector.clone());
    }
    Value::Object(holder)
}

/// `apiequality.Semantic.DeepEqual` on JSON: absent, `null`, empty lists and empty maps are
/// equal; quantities in `resources` compare by value.
pub(crate) fn semantic_eq(a: &Value, b: &Value) -> bool {
    fn is_empty(value: Option<&Value>) -> bool {
        match value {
            None | Some(Value::Null) => true,
            Some(Value::Array(items)) => items.is_empty(),
            Some(Value::Object(map)) => map.is_empty(),
            Some(_) => false,
        }
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().all(|key| match (x.get(key), y.get(key)) {
                (Some(p), Some(q)) => semantic_eq(p, q) || (is_empty(Some(p)) && is_empty(Some(q))),
                (p, q) => is_empty(p) && is_empty(q),
            })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| semantic_eq(p, q))
        }
        (Value::Null, other) | (other, Value::Null) => is_empty(Some(other)),
        (x, y) => x == y,
    }
}

/// A compact description of what differs between two specs, in the spirit of the `cmp.Diff`
/// kube appends (whose exact Go rendering is not reproduced).
pub(crate) fn spec_diff(old: &Value, new: &Value) -> String {
    let mut lines = Vec::new();
    diff_into("", old, new, &mut lines);
    let mut out = String::from("  core.PodSpec{\n");
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("  }\n");
    out
}

fn diff_into(path: &str, old: &Value, new: &Value, lines: &mut Vec<String>) {
    if semantic_eq(old, new) {
        return;
    }
    match (old, new) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                diff_into(
                    &child,
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                    lines,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (index, (p, q)) in x.iter().zip(y).enumerate() {
                diff_into(&format!("{path}[{index}]"), p, q, lines);
            }
        }
        _ => {
            lines.push(format!("- \t{path}: {old},"));
            lines.push(format!("+ \t{path}: {new},"));
        }
    }
}
