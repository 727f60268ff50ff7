//! Defaults of Pods and everything embedding a pod template (`pkg/apis/core/v1/defaults.go` and
//! its generated `SetObjectDefaults_*`): pod spec, containers, probes, lifecycle handlers, ports,
//! environment, volumes.

use serde_json::{Map, Value, json};

use super::super::value::{
    child, child_if, default_int, default_nil, default_str, each_mut, is_empty_str,
};

/// `SetObjectDefaults_Pod`: the pod-only defaults (`SetDefaults_Pod`) and the spec's.
pub(crate) fn pod(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    for list in ["containers", "initContainers"] {
        for container in each_mut(spec, list) {
            requests_from_limits(container);
        }
    }
    default_nil(spec, "enableServiceLinks", json!(true));
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for list in ["containers", "initContainers"] {
            for container in each_mut(spec, list) {
                for port in each_mut(container, "ports") {
                    let container_port = port.get("containerPort").cloned();
                    if is_zero(port.get("hostPort"))
                        && let Some(container_port) = container_port
                    {
                        port.insert("hostPort".to_owned(), container_port);
                    }
                }
            }
        }
    }
    pod_spec(spec);
}

/// Defaults of a `PodTemplateSpec` (a template's spec gets `SetDefaults_PodSpec`, not the
/// pod-only `SetDefaults_Pod`).
pub(crate) fn template(template: &mut Map<String, Value>) {
    if let Some(spec) = child(template, "spec") {
        pod_spec(spec);
    }
}

/// `SetDefaults_PodSpec` and the defaults of everything a pod spec holds.
pub(crate) fn pod_spec(spec: &mut Map<String, Value>) {
    default_str(spec, "dnsPolicy", "ClusterFirst");
    default_str(spec, "restartPolicy", "Always");
    default_nil(spec, "securityContext", json!({}));
    default_nil(spec, "terminationGracePeriodSeconds", json!(30));
    default_str(spec, "schedulerName", "default-scheduler");
    for volume in each_mut(spec, "volumes") {
        self::volume(volume);
    }
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for container in each_mut(spec, list) {
            self::container(container);
        }
    }
}

/// `SetDefaults_Container` and its nested defaults.
pub(crate) fn container(container: &mut Map<String, Value>) {
    if is_empty_str(container, "imagePullPolicy") {
        let image = container
            .get("image")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let policy = if image_tag(image).as_deref() == Some("latest") {
            "Always"
        } else {
            "IfNotPresent"
        };
        container.insert("imagePullPolicy".to_owned(), json!(policy));
    }
    default_str(container, "terminationMessagePath", "/dev/termination-log");
    default_str(container, "terminationMessagePolicy", "File");
    default_nil(container, "resources", json!({}));
    for port in each_mut(container, "ports") {
        default_str(port, "protocol", "TCP");
    }
    for env in each_mut(container, "env") {
        if let Some(field_ref) =
            child_if(env, "valueFrom").and_then(|value_from| child_if(value_from, "fieldRef"))
        {
            default_str(field_ref, "apiVersion", "v1");
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(probe) = child_if(container, probe) {
            self::probe(probe);
        }
    }
    if let Some(lifecycle) = child_if(container, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(http_get) = child_if(lifecycle, hook).and_then(|h| child_if(h, "httpGet")) {
                self::http_get(http_get);
            }
        }
    }
}

/// `SetDefaults_Probe`, `SetDefaults_HTTPGetAction`, and a gRPC probe's empty service.
fn probe(probe: &mut Map<String, Value>) {
    default_int(probe, "timeoutSeconds", 1);
    default_int(probe, "periodSeconds", 10);
    default_int(probe, "successThreshold", 1);
    default_int(probe, "failureThreshold", 3);
    if let Some(http_get) = child_if(probe, "httpGet") {
        self::http_get(http_get);
    }
    if let Some(grpc) = child_if(probe, "grpc") {
        default_nil(grpc, "service", json!(""));
    }
}

fn http_get(action: &mut Map<String, Value>) {
    default_str(action, "path", "/");
    default_str(action, "scheme", "HTTP");
}

/// The volume sources of `core/v1`, to tell whether a volume has one.
const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

/// `SetDefaults_Volume` and the defaults of its source.
fn volume(volume: &mut Map<String, Value>) {
    let has_source = VOLUME_SOURCES
        .iter()
        .any(|source| volume.get(*source).is_some_and(|v| !v.is_null()));
    if !has_source {
        volume.insert("emptyDir".to_owned(), json!({}));
    }
    for source in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(source) = child_if(volume, source) {
            default_nil(source, "defaultMode", json!(420));
        }
    }
    if let Some(downward) = child_if(volume, "downwardAPI") {
        downward_items(downward);
    }
    if let Some(projected) = child_if(volume, "projected") {
        for source in each_mut(projected, "sources") {
            if let Some(downward) = child_if(source, "downwardAPI") {
                downward_items(downward);
            }
            if let Some(token) = child_if(source, "serviceAccountToken") {
                default_nil(token, "expirationSeconds", json!(3600));
            }
        }
    }
    if let Some(host_path) = child_if(volume, "hostPath") {
        default_nil(host_path, "type", json!(""));
    }
    if let Some(iscsi) = child_if(volume, "iscsi") {
        default_str(iscsi, "iscsiInterface", "default");
    }
    if let Some(rbd) = child_if(volume, "rbd") {
        default_str(rbd, "pool", "rbd");
        default_str(rbd, "user", "admin");
        default_str(rbd, "keyring", "/etc/ceph/keyring");
    }
    if let Some(azure) = child_if(volume, "azureDisk") {
        default_nil(azure, "cachingMode", json!("ReadWrite"));
        default_nil(azure, "fsType", json!("ext4"));
        default_nil(azure, "readOnly", json!(false));
        default_nil(azure, "kind", json!("Shared"));
    }
    if let Some(scale_io) = child_if(volume, "scaleIO") {
        default_str(scale_io, "storageMode", "ThinProvisioned");
        default_str(scale_io, "fsType", "xfs");
    }
    if let Some(image) = child_if(volume, "image")
        && is_empty_str(image, "pullPolicy")
    {
        let reference = image
            .get("reference")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let policy = if image_tag(reference).as_deref() == Some("latest") {
            "Always"
        } else {
            "IfNotPresent"
        };
        image.insert("pullPolicy".to_owned(), json!(policy));
    }
    if let Some(spec) = child_if(volume, "ephemeral")
        .and_then(|ephemeral| child_if(ephemeral, "volumeClaimTemplate"))
        .and_then(|template| child_if(template, "spec"))
    {
        default_nil(spec, "volumeMode", json!("Filesystem"));
    }
}

fn downward_items(source: &mut Map<String, Value>) {
    for item in each_mut(source, "items") {
        if let Some(field_ref) = child_if(item, "fieldRef") {
            default_str(field_ref, "apiVersion", "v1");
        }
    }
}

/// Pod-only: a container's missing requests default to its limits.
fn requests_from_limits(container: &mut Map<String, Value>) {
    let Some(resources) = child_if(container, "resources") else {
        return;
    };
    let Some(limits) = resources.get("limits").and_then(Value::as_object).cloned() else {
        return;
    };
    let Some(requests) = child(resources, "requests") else {
        return;
    };
    for (name, quantity) in limits {
        requests.entry(name).or_insert(quantity);
    }
}

fn is_zero(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(value) => value.as_i64() == Some(0),
    }
}

/// The tag of an image reference as `parsers.ParseImageName` sees it: `latest` when neither a
/// tag nor a digest is given, `None` for a digest-only or unparsable reference.
pub(crate) fn image_tag(image: &str) -> Option<String> {
    if image.is_empty() || image.chars().any(char::is_whitespace) {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |index| index + 1);
    let (repository, tag) = match name[last_slash..].rfind(':') {
        Some(index) => (
            &name[..last_slash + index],
            Some(&name[last_slash + index + 1..]),
        ),
        None => (name, None),
    };
    // The first path component may be a registry host (with a port and capitals); the
    // repository path itself must be lowercase.
    let path = match repository.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => repository,
    };
    if path.is_empty()
        || path.chars().any(|c| c.is_ascii_uppercase())
        || !path
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
    {
        return None;
    }
    match (tag, digest) {
        (Some(tag), _) if !tag.is_empty() => Some(tag.to_owned()),
        (Some(_), _) => None,
        (None, Some(_)) => None,
        (None, None) => Some("latest".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_like_parse_image_name() {
        for (image, tag) in [
            ("nginx", Some("latest")),
            ("nginx:latest", Some("latest")),
            ("nginx:1.25", Some("1.25")),
            ("docker.io/library/nginx", Some("latest")),
            ("localhost:5000/app", Some("latest")),
            ("localhost:5000/app:v1", Some("v1")),
            ("registry.example.com/team/app@sha256:abcd", None),
            ("app:v2@sha256:abcd", Some("v2")),
            ("Nginx", None),
            ("", None),
        ] {
            assert_eq!(image_tag(image).as_deref(), tag, "{image}");
        }
    }

    #[test]
    fn container_defaults() {
        let mut c = json!({"name": "c", "image": "nginx:1.25",
            "ports": [{"containerPort": 80}],
            "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
            "livenessProbe": {"httpGet": {"port": 80}},
            "readinessProbe": {"grpc": {"port": 9000}, "periodSeconds": 5},
            "lifecycle": {"preStop": {"httpGet": {"port": 80}}}
        });
        if let Some(map) = c.as_object_mut() {
            container(map);
        }
        assert_eq!(
            c,
            json!({"name": "c", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
                "resources": {},
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "env": [{"name": "N", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
                "livenessProbe": {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                    "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                "readinessProbe": {"grpc": {"port": 9000, "service": ""}, "periodSeconds": 5,
                    "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                "lifecycle": {"preStop": {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}}}
            })
        );
    }
}
