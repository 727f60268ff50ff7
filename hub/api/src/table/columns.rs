//! Column definitions of kube-apiserver's printers (`pkg/printers/internalversion`), with the
//! field descriptions kube takes from `SwaggerDoc()`, here read from k8s-openapi's schemas.
//!
//! kube-apiserver generates tables with `Wide: true`, so priority-1 (wide) columns are always
//! defined and filled; kubectl hides them unless `-o wide`.

use std::collections::HashMap;
use std::sync::OnceLock;

use k8s_openapi::api::{
    apps::v1 as apps, autoscaling::v2 as autoscaling, batch::v1 as batch,
    certificates::v1 as certificates, coordination::v1 as coordination, core::v1 as core,
    discovery::v1 as discovery, networking::v1 as networking, rbac::v1 as rbac,
    scheduling::v1 as scheduling, storage::v1 as storage,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Value, json};

/// The columns of a built-in kind with a printer, or `None` for kinds kube prints with the
/// default `Name`/`Created At` table.
pub(crate) fn builtin(group: &str, kind: &str) -> Option<&'static [Value]> {
    static TABLE: OnceLock<HashMap<&'static str, HashMap<&'static str, Vec<Value>>>> =
        OnceLock::new();
    TABLE
        .get_or_init(|| {
            let mut by_group: HashMap<_, HashMap<_, _>> = HashMap::new();
            for ((group, kind), columns) in build() {
                by_group.entry(group).or_default().insert(kind, columns);
            }
            by_group
        })
        .get(group)?
        .get(kind)
        .map(Vec::as_slice)
}

/// `Name` and `Created At`, the columns of `rest.DefaultTableConvertor`.
pub(crate) fn default_columns() -> &'static [Value] {
    static COLUMNS: OnceLock<Vec<Value>> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        vec![
            name_column(),
            column("Created At", "date", "", 0, creation_timestamp_doc()),
        ]
    })
}

/// The `Name` column every printer starts with.
pub(crate) fn name_column() -> Value {
    column("Name", "string", "name", 0, object_meta_doc("name"))
}

/// `metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]`.
pub(crate) fn creation_timestamp_doc() -> String {
    object_meta_doc("creationTimestamp")
}

/// A `metav1.TableColumnDefinition`; every field is serialized, empty or not.
pub(crate) fn column(
    name: &str,
    type_: &str,
    format: &str,
    priority: i32,
    description: impl Into<String>,
) -> Value {
    json!({
        "name": name,
        "type": type_,
        "format": format,
        "description": description.into(),
        "priority": priority,
    })
}

/// ObjectMeta's `name` or `creationTimestamp` description, read once.
fn object_meta_doc(field: &str) -> String {
    static DOCS: OnceLock<(String, String)> = OnceLock::new();
    let (name, created) = DOCS.get_or_init(|| {
        let mut docs = Docs::new();
        (
            docs.of::<ObjectMeta>("name"),
            docs.of::<ObjectMeta>("creationTimestamp"),
        )
    });
    match field {
        "name" => name.clone(),
        "creationTimestamp" => created.clone(),
        other => Docs::new().of::<ObjectMeta>(other),
    }
}

/// Field descriptions from the OpenAPI schemas, as `SwaggerDoc()` gives them: `""` for a field
/// the type does not have.
struct Docs(SchemaGenerator);

impl Docs {
    fn new() -> Self {
        Docs(SchemaGenerator::default())
    }

    fn of<T: JsonSchema>(&mut self, field: &str) -> String {
        T::json_schema(&mut self.0)
            .get("properties")
            .and_then(|properties| properties.get(field))
            .and_then(|property| property.get("description"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

const CONTAINERS: &str = "Names of each container in the template.";
const IMAGES: &str = "Images referenced by each container in the template.";
const READY_PODS: &str = "Number of the pod with ready state";

fn build() -> HashMap<(&'static str, &'static str), Vec<Value>> {
    let mut d = Docs::new();
    let name = name_column();
    let age = column("Age", "string", "", 0, creation_timestamp_doc());
    let s = |name: &str, description: String| column(name, "string", "", 0, description);
    let int = |name: &str, description: String| column(name, "integer", "", 0, description);
    let wide = |name: &str, description: String| column(name, "string", "", 1, description);
    let containers = wide("Containers", CONTAINERS.to_owned());
    let images = wide("Images", IMAGES.to_owned());

    let mut m = HashMap::new();
    m.insert(
        ("", "Pod"),
        vec![
            name.clone(),
            s(
                "Ready",
                "The aggregate readiness state of this pod for accepting traffic.".into(),
            ),
            s(
                "Status",
                "The aggregate status of the containers in this pod.".into(),
            ),
            s(
                "Restarts",
                "The number of times the containers in this pod have been restarted and when the \
                 last container in this pod has restarted."
                    .into(),
            ),
            age.clone(),
            wide("IP", d.of::<core::PodStatus>("podIP")),
            wide("Node", d.of::<core::PodSpec>("nodeName")),
            wide(
                "Nominated Node",
                d.of::<core::PodStatus>("nominatedNodeName"),
            ),
            wide("Readiness Gates", d.of::<core::PodSpec>("readinessGates")),
        ],
    );
    m.insert(
        ("", "PodTemplate"),
        vec![
            name.clone(),
            s("Containers", CONTAINERS.into()),
            s("Images", IMAGES.into()),
            s("Pod Labels", "The labels for the pod template.".into()),
        ],
    );
    m.insert(
        ("policy", "PodDisruptionBudget"),
        vec![
            name.clone(),
            s(
                "Min Available",
                "The minimum number of pods that must be available.".into(),
            ),
            s(
                "Max Unavailable",
                "The maximum number of pods that may be unavailable.".into(),
            ),
            int(
                "Allowed Disruptions",
                "Calculated number of pods that may be disrupted at this time.".into(),
            ),
            age.clone(),
        ],
    );
    m.insert(
        ("", "ReplicationController"),
        vec![
            name.clone(),
            int(
                "Desired",
                d.of::<core::ReplicationControllerSpec>("replicas"),
            ),
            int(
                "Current",
                d.of::<core::ReplicationControllerStatus>("replicas"),
            ),
            int(
                "Ready",
                d.of::<core::ReplicationControllerStatus>("readyReplicas"),
            ),
            age.clone(),
            containers.clone(),
            images.clone(),
            wide(
                "Selector",
                d.of::<core::ReplicationControllerSpec>("selector"),
            ),
        ],
    );
    m.insert(
        ("apps", "ReplicaSet"),
        vec![
            name.clone(),
            int("Desired", d.of::<apps::ReplicaSetSpec>("replicas")),
            int("Current", d.of::<apps::ReplicaSetStatus>("replicas")),
            int("Ready", d.of::<apps::ReplicaSetStatus>("readyReplicas")),
            age.clone(),
            containers.clone(),
            images.clone(),
            wide("Selector", d.of::<apps::ReplicaSetSpec>("selector")),
        ],
    );
    m.insert(
        ("apps", "DaemonSet"),
        vec![
            name.clone(),
            int(
                "Desired",
                d.of::<apps::DaemonSetStatus>("desiredNumberScheduled"),
            ),
            int(
                "Current",
                d.of::<apps::DaemonSetStatus>("currentNumberScheduled"),
            ),
            int("Ready", d.of::<apps::DaemonSetStatus>("numberReady")),
            int(
                "Up-to-date",
                d.of::<apps::DaemonSetStatus>("updatedNumberScheduled"),
            ),
            int(
                "Available",
                d.of::<apps::DaemonSetStatus>("numberAvailable"),
            ),
            s("Node Selector", d.of::<core::PodSpec>("nodeSelector")),
            age.clone(),
            containers.clone(),
            images.clone(),
            wide("Selector", d.of::<apps::DaemonSetSpec>("selector")),
        ],
    );
    m.insert(
        ("batch", "Job"),
        vec![
            name.clone(),
            s("Status", "Status of the job.".into()),
            s("Completions", d.of::<batch::JobStatus>("succeeded")),
            s("Duration", "Time required to complete the job.".into()),
            age.clone(),
            containers.clone(),
            images.clone(),
            wide("Selector", d.of::<batch::JobSpec>("selector")),
        ],
    );
    m.insert(
        ("batch", "CronJob"),
        vec![
            name.clone(),
            s("Schedule", d.of::<batch::CronJobSpec>("schedule")),
            s("Timezone", d.of::<batch::CronJobSpec>("timeZone")),
            column(
                "Suspend",
                "boolean",
                "",
                0,
                d.of::<batch::CronJobSpec>("suspend"),
            ),
            int("Active", d.of::<batch::CronJobStatus>("active")),
            s(
                "Last Schedule",
                d.of::<batch::CronJobStatus>("lastScheduleTime"),
            ),
            age.clone(),
            containers.clone(),
            images.clone(),
            wide("Selector", d.of::<batch::JobSpec>("selector")),
        ],
    );
    m.insert(
        ("", "Service"),
        vec![
            name.clone(),
            s("Type", d.of::<core::ServiceSpec>("type")),
            s("Cluster-IP", d.of::<core::ServiceSpec>("clusterIP")),
            s("External-IP", d.of::<core::ServiceSpec>("externalIPs")),
            s("Port(s)", d.of::<core::ServiceSpec>("ports")),
            age.clone(),
            wide("Selector", d.of::<core::ServiceSpec>("selector")),
        ],
    );
    m.insert(
        ("networking.k8s.io", "Ingress"),
        vec![
            name.clone(),
            s(
                "Class",
                "The name of the IngressClass resource that should be used for additional \
                 configuration"
                    .into(),
            ),
            s(
                "Hosts",
                "Hosts that incoming requests are matched against before the ingress rule".into(),
            ),
            s(
                "Address",
                "Address is a list containing ingress points for the load-balancer".into(),
            ),
            s("Ports", "Ports of TLS configurations that open".into()),
            age.clone(),
        ],
    );
    m.insert(
        ("networking.k8s.io", "IngressClass"),
        vec![
            name.clone(),
            s(
                "Controller",
                "Controller that is responsible for handling this class".into(),
            ),
            s(
                "Parameters",
                "A reference to a resource with additional parameters".into(),
            ),
            age.clone(),
        ],
    );
    m.insert(
        ("apps", "StatefulSet"),
        vec![
            name.clone(),
            s("Ready", READY_PODS.into()),
            age.clone(),
            containers.clone(),
            images.clone(),
        ],
    );
    m.insert(
        ("", "Endpoints"),
        vec![
            name.clone(),
            s("Endpoints", d.of::<core::Endpoints>("subsets")),
            age.clone(),
        ],
    );
    m.insert(
        ("", "Node"),
        vec![
            name.clone(),
            s("Status", "The status of the node".into()),
            s("Roles", "The roles of the node".into()),
            age.clone(),
            s("Version", d.of::<core::NodeSystemInfo>("kubeletVersion")),
            wide("Internal-IP", d.of::<core::NodeStatus>("addresses")),
            wide("External-IP", d.of::<core::NodeStatus>("addresses")),
            wide("OS-Image", d.of::<core::NodeSystemInfo>("osImage")),
            wide(
                "Kernel-Version",
                d.of::<core::NodeSystemInfo>("kernelVersion"),
            ),
            wide(
                "Container-Runtime",
                d.of::<core::NodeSystemInfo>("containerRuntimeVersion"),
            ),
        ],
    );
    let events = vec![
        s("Last Seen", d.of::<core::Event>("lastTimestamp")),
        s("Type", d.of::<core::Event>("type")),
        s("Reason", d.of::<core::Event>("reason")),
        s("Object", d.of::<core::Event>("involvedObject")),
        wide("Subobject", d.of::<core::ObjectReference>("fieldPath")),
        wide("Source", d.of::<core::Event>("source")),
        s("Message", d.of::<core::Event>("message")),
        wide("First Seen", d.of::<core::Event>("firstTimestamp")),
        wide("Count", d.of::<core::Event>("count")),
        column("Name", "string", "name", 1, d.of::<ObjectMeta>("name")),
    ];
    m.insert(("", "Event"), events.clone());
    m.insert(("events.k8s.io", "Event"), events);
    m.insert(
        ("", "Namespace"),
        vec![
            name.clone(),
            s("Status", "The status of the namespace".into()),
            age.clone(),
        ],
    );
    m.insert(
        ("", "Secret"),
        vec![
            name.clone(),
            s("Type", d.of::<core::Secret>("type")),
            s("Data", d.of::<core::Secret>("data")),
            age.clone(),
        ],
    );
    m.insert(
        ("", "ServiceAccount"),
        vec![
            name.clone(),
            s("Secrets", d.of::<core::ServiceAccount>("secrets")),
            age.clone(),
        ],
    );
    m.insert(
        ("", "PersistentVolume"),
        vec![
            name.clone(),
            s("Capacity", d.of::<core::PersistentVolumeSpec>("capacity")),
            s(
                "Access Modes",
                d.of::<core::PersistentVolumeSpec>("accessModes"),
            ),
            s(
                "Reclaim Policy",
                d.of::<core::PersistentVolumeSpec>("persistentVolumeReclaimPolicy"),
            ),
            s("Status", d.of::<core::PersistentVolumeStatus>("phase")),
            s("Claim", d.of::<core::PersistentVolumeSpec>("claimRef")),
            s("StorageClass", "StorageClass of the pv".into()),
            s(
                "VolumeAttributesClass",
                "VolumeAttributesClass of the pv".into(),
            ),
            s("Reason", d.of::<core::PersistentVolumeStatus>("reason")),
            age.clone(),
            wide(
                "VolumeMode",
                d.of::<core::PersistentVolumeSpec>("volumeMode"),
            ),
        ],
    );
    m.insert(
        ("", "PersistentVolumeClaim"),
        vec![
            name.clone(),
            s("Status", d.of::<core::PersistentVolumeClaimStatus>("phase")),
            s(
                "Volume",
                d.of::<core::PersistentVolumeClaimSpec>("volumeName"),
            ),
            s(
                "Capacity",
                d.of::<core::PersistentVolumeClaimStatus>("capacity"),
            ),
            s(
                "Access Modes",
                d.of::<core::PersistentVolumeClaimStatus>("accessModes"),
            ),
            s("StorageClass", "StorageClass of the pvc".into()),
            s(
                "VolumeAttributesClass",
                "VolumeAttributesClass of the pvc".into(),
            ),
            age.clone(),
            wide(
                "VolumeMode",
                d.of::<core::PersistentVolumeClaimSpec>("volumeMode"),
            ),
        ],
    );
    m.insert(
        ("apps", "Deployment"),
        vec![
            name.clone(),
            s("Ready", READY_PODS.into()),
            s(
                "Up-to-date",
                d.of::<apps::DeploymentStatus>("updatedReplicas"),
            ),
            s(
                "Available",
                d.of::<apps::DeploymentStatus>("availableReplicas"),
            ),
            age.clone(),
            containers.clone(),
            images.clone(),
            wide("Selector", d.of::<apps::DeploymentSpec>("selector")),
        ],
    );
    m.insert(
        ("autoscaling", "HorizontalPodAutoscaler"),
        vec![
            name.clone(),
            s(
                "Reference",
                d.of::<autoscaling::HorizontalPodAutoscalerSpec>("scaleTargetRef"),
            ),
            s(
                "Targets",
                d.of::<autoscaling::HorizontalPodAutoscalerSpec>("metrics"),
            ),
            s(
                "MinPods",
                d.of::<autoscaling::HorizontalPodAutoscalerSpec>("minReplicas"),
            ),
            s(
                "MaxPods",
                d.of::<autoscaling::HorizontalPodAutoscalerSpec>("maxReplicas"),
            ),
            s(
                "Replicas",
                d.of::<autoscaling::HorizontalPodAutoscalerStatus>("currentReplicas"),
            ),
            age.clone(),
        ],
    );
    m.insert(
        ("", "ConfigMap"),
        vec![
            name.clone(),
            s("Data", d.of::<core::ConfigMap>("data")),
            age.clone(),
        ],
    );
    m.insert(
        ("networking.k8s.io", "NetworkPolicy"),
        vec![
            name.clone(),
            s(
                "Pod-Selector",
                d.of::<networking::NetworkPolicySpec>("podSelector"),
            ),
            age.clone(),
        ],
    );
    for (kind, noun, role_ref) in [
        (
            "RoleBinding",
            "roleBinding",
            d.of::<rbac::RoleBinding>("roleRef"),
        ),
        (
            "ClusterRoleBinding",
            "clusterRoleBinding",
            d.of::<rbac::ClusterRoleBinding>("roleRef"),
        ),
    ] {
        m.insert(
            ("rbac.authorization.k8s.io", kind),
            vec![
                name.clone(),
                s("Role", role_ref),
                age.clone(),
                wide("Users", format!("Users in the {noun}")),
                wide("Groups", format!("Groups in the {noun}")),
                wide("ServiceAccounts", format!("ServiceAccounts in the {noun}")),
            ],
        );
    }
    m.insert(
        ("certificates.k8s.io", "CertificateSigningRequest"),
        vec![
            name.clone(),
            age.clone(),
            s(
                "SignerName",
                d.of::<certificates::CertificateSigningRequestSpec>("signerName"),
            ),
            s(
                "Requestor",
                d.of::<certificates::CertificateSigningRequestSpec>("request"),
            ),
            s(
                "RequestedDuration",
                d.of::<certificates::CertificateSigningRequestSpec>("expirationSeconds"),
            ),
            s(
                "Condition",
                d.of::<certificates::CertificateSigningRequestStatus>("conditions"),
            ),
        ],
    );
    m.insert(
        ("tenancy.nave.dev", "Workspace"),
        vec![
            name.clone(),
            s("Type", d.of::<crate::tenancy::WorkspaceSpec>("type")),
            s("Phase", d.of::<crate::tenancy::WorkspaceStatus>("phase")),
            s("URL", d.of::<crate::tenancy::WorkspaceStatus>("url")),
            age.clone(),
        ],
    );
    m.insert(
        ("coordination.k8s.io", "Lease"),
        vec![
            name.clone(),
            s("Holder", d.of::<coordination::LeaseSpec>("holderIdentity")),
            age.clone(),
        ],
    );
    m.insert(
        ("storage.k8s.io", "StorageClass"),
        vec![
            name.clone(),
            s("Provisioner", d.of::<storage::StorageClass>("provisioner")),
            s(
                "ReclaimPolicy",
                d.of::<storage::StorageClass>("reclaimPolicy"),
            ),
            s(
                "VolumeBindingMode",
                d.of::<storage::StorageClass>("volumeBindingMode"),
            ),
            s(
                "AllowVolumeExpansion",
                d.of::<storage::StorageClass>("allowVolumeExpansion"),
            ),
            age.clone(),
        ],
    );
    m.insert(
        ("apps", "ControllerRevision"),
        vec![
            name.clone(),
            s("Controller", "Controller of the object".into()),
            s("Revision", d.of::<apps::ControllerRevision>("revision")),
            age.clone(),
        ],
    );
    m.insert(
        ("", "ResourceQuota"),
        vec![
            name.clone(),
            s(
                "Request",
                "Request represents a minimum amount of cpu/memory that a container may consume."
                    .into(),
            ),
            s(
                "Limit",
                "Limits control the maximum amount of cpu/memory that a container may use \
                 independent of contention on the node."
                    .into(),
            ),
            age.clone(),
        ],
    );
    m.insert(
        ("scheduling.k8s.io", "PriorityClass"),
        vec![
            name.clone(),
            int("Value", d.of::<scheduling::PriorityClass>("value")),
            column(
                "Global-Default",
                "boolean",
                "",
                0,
                d.of::<scheduling::PriorityClass>("globalDefault"),
            ),
            age.clone(),
            s(
                "PreemptionPolicy",
                d.of::<scheduling::PriorityClass>("preemptionPolicy"),
            ),
        ],
    );
    m.insert(
        ("discovery.k8s.io", "EndpointSlice"),
        vec![
            name.clone(),
            s(
                "AddressType",
                d.of::<discovery::EndpointSlice>("addressType"),
            ),
            s("Ports", d.of::<discovery::EndpointSlice>("ports")),
            s("Endpoints", d.of::<discovery::EndpointSlice>("endpoints")),
            age.clone(),
        ],
    );
    m.insert(
        ("node.k8s.io", "RuntimeClass"),
        vec![
            name.clone(),
            // kube looks "handler" up in ObjectMeta's docs, which has no such field.
            s("Handler", d.of::<ObjectMeta>("handler")),
            age.clone(),
        ],
    );
    m.insert(
        ("storage.k8s.io", "VolumeAttachment"),
        vec![
            name.clone(),
            column(
                "Attacher",
                "string",
                "name",
                0,
                d.of::<storage::VolumeAttachmentSpec>("attacher"),
            ),
            s(
                "PV",
                d.of::<storage::VolumeAttachmentSource>("persistentVolumeName"),
            ),
            s("Node", d.of::<storage::VolumeAttachmentSpec>("nodeName")),
            column(
                "Attached",
                "boolean",
                "",
                0,
                d.of::<storage::VolumeAttachmentStatus>("attached"),
            ),
            age.clone(),
        ],
    );
    m.insert(
        ("storage.k8s.io", "CSINode"),
        vec![
            name.clone(),
            int(
                "Drivers",
                "Drivers indicates the number of CSI drivers registered on the node".into(),
            ),
            age.clone(),
        ],
    );
    let boolean = |name: &str, description: String| column(name, "boolean", "", 0, description);
    m.insert(
        ("storage.k8s.io", "CSIDriver"),
        vec![
            name.clone(),
            boolean(
                "AttachRequired",
                d.of::<storage::CSIDriverSpec>("attachRequired"),
            ),
            boolean(
                "PodInfoOnMount",
                d.of::<storage::CSIDriverSpec>("podInfoOnMount"),
            ),
            boolean(
                "StorageCapacity",
                d.of::<storage::CSIDriverSpec>("storageCapacity"),
            ),
            s(
                "TokenRequests",
                d.of::<storage::CSIDriverSpec>("tokenRequests"),
            ),
            boolean(
                "RequiresRepublish",
                d.of::<storage::CSIDriverSpec>("requiresRepublish"),
            ),
            s(
                "Modes",
                d.of::<storage::CSIDriverSpec>("volumeLifecycleModes"),
            ),
            age.clone(),
        ],
    );
    m.insert(
        ("storage.k8s.io", "CSIStorageCapacity"),
        vec![
            name.clone(),
            s(
                "StorageClassName",
                d.of::<storage::CSIStorageCapacity>("storageClassName"),
            ),
            s("Capacity", d.of::<storage::CSIStorageCapacity>("capacity")),
        ],
    );
    let webhooks = vec![
        name.clone(),
        int(
            "Webhooks",
            "Webhooks indicates the number of webhooks registered in this configuration".into(),
        ),
        age.clone(),
    ];
    m.insert(
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration",
        ),
        webhooks.clone(),
    );
    m.insert(
        (
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration",
        ),
        webhooks,
    );
    m.insert(
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        vec![
            name,
            int(
                "Validations",
                "Validations indicates the number of validation rules defined in this \
                 configuration"
                    .into(),
            ),
            s(
                "ParamKind",
                "ParamKind specifies the kind of resources used to parameterize this policy".into(),
            ),
            age,
        ],
    );
    m
}
