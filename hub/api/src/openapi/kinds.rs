//! The built-in kinds whose schemas come from `k8s-openapi`: every stable (`v1`, `v2`) kind of
//! Kubernetes 1.33, keyed by the group, version and kind that `k8s_openapi::Resource` declares,
//! so a key cannot drift from its type.

use k8s_openapi::Resource;
use k8s_openapi::api;
use k8s_openapi::apiextensions_apiserver;
use k8s_openapi::kube_aggregator;
use schemars::{JsonSchema, Schema, SchemaGenerator};

/// One kind with a compiled-in schema.
pub(super) struct BuiltinKind {
    /// API group; empty for the core group.
    pub(super) group: &'static str,
    /// API version.
    pub(super) version: &'static str,
    /// Kind.
    pub(super) kind: &'static str,
    /// Adds the kind's schema (and everything it references) to a generator's definitions and
    /// returns a `$ref` to it.
    pub(super) subschema: fn(&mut SchemaGenerator) -> Schema,
}

/// The kind `group`/`version`/`kind`, when `k8s-openapi` has it.
pub(super) fn lookup(group: &str, version: &str, kind: &str) -> Option<&'static BuiltinKind> {
    BUILTIN_KINDS.iter().find(|builtin| {
        builtin.group == group && builtin.version == version && builtin.kind == kind
    })
}

const fn kind<K: Resource + JsonSchema>() -> BuiltinKind {
    BuiltinKind {
        group: K::GROUP,
        version: K::VERSION,
        kind: K::KIND,
        subschema: SchemaGenerator::subschema_for::<K>,
    }
}

static BUILTIN_KINDS: &[BuiltinKind] = &[
    kind::<api::admissionregistration::v1::MutatingWebhookConfiguration>(),
    kind::<api::admissionregistration::v1::ValidatingAdmissionPolicy>(),
    kind::<api::admissionregistration::v1::ValidatingAdmissionPolicyBinding>(),
    kind::<api::admissionregistration::v1::ValidatingWebhookConfiguration>(),
    kind::<api::apps::v1::ControllerRevision>(),
    kind::<api::apps::v1::DaemonSet>(),
    kind::<api::apps::v1::Deployment>(),
    kind::<api::apps::v1::ReplicaSet>(),
    kind::<api::apps::v1::StatefulSet>(),
    kind::<api::authentication::v1::SelfSubjectReview>(),
    kind::<api::authentication::v1::TokenRequest>(),
    kind::<api::authentication::v1::TokenReview>(),
    kind::<api::authorization::v1::LocalSubjectAccessReview>(),
    kind::<api::authorization::v1::SelfSubjectAccessReview>(),
    kind::<api::authorization::v1::SelfSubjectRulesReview>(),
    kind::<api::authorization::v1::SubjectAccessReview>(),
    kind::<api::autoscaling::v1::HorizontalPodAutoscaler>(),
    kind::<api::autoscaling::v1::Scale>(),
    kind::<api::autoscaling::v2::HorizontalPodAutoscaler>(),
    kind::<api::batch::v1::CronJob>(),
    kind::<api::batch::v1::Job>(),
    kind::<api::certificates::v1::CertificateSigningRequest>(),
    kind::<crate::tenancy::Workspace>(),
    kind::<api::coordination::v1::Lease>(),
    kind::<api::core::v1::Binding>(),
    kind::<api::core::v1::ComponentStatus>(),
    kind::<api::core::v1::ConfigMap>(),
    kind::<api::core::v1::Endpoints>(),
    kind::<api::core::v1::Event>(),
    kind::<api::core::v1::LimitRange>(),
    kind::<api::core::v1::Namespace>(),
    kind::<api::core::v1::Node>(),
    kind::<api::core::v1::PersistentVolume>(),
    kind::<api::core::v1::PersistentVolumeClaim>(),
    kind::<api::core::v1::Pod>(),
    kind::<api::core::v1::PodTemplate>(),
    kind::<api::core::v1::ReplicationController>(),
    kind::<api::core::v1::ResourceQuota>(),
    kind::<api::core::v1::Secret>(),
    kind::<api::core::v1::Service>(),
    kind::<api::core::v1::ServiceAccount>(),
    kind::<api::discovery::v1::EndpointSlice>(),
    kind::<api::events::v1::Event>(),
    kind::<api::flowcontrol::v1::FlowSchema>(),
    kind::<api::flowcontrol::v1::PriorityLevelConfiguration>(),
    kind::<api::networking::v1::Ingress>(),
    kind::<api::networking::v1::IngressClass>(),
    kind::<api::networking::v1::IPAddress>(),
    kind::<api::networking::v1::NetworkPolicy>(),
    kind::<api::networking::v1::ServiceCIDR>(),
    kind::<api::node::v1::RuntimeClass>(),
    kind::<api::policy::v1::Eviction>(),
    kind::<api::policy::v1::PodDisruptionBudget>(),
    kind::<api::rbac::v1::ClusterRole>(),
    kind::<api::rbac::v1::ClusterRoleBinding>(),
    kind::<api::rbac::v1::Role>(),
    kind::<api::rbac::v1::RoleBinding>(),
    kind::<api::scheduling::v1::PriorityClass>(),
    kind::<api::storage::v1::CSIDriver>(),
    kind::<api::storage::v1::CSINode>(),
    kind::<api::storage::v1::CSIStorageCapacity>(),
    kind::<api::storage::v1::StorageClass>(),
    kind::<api::storage::v1::VolumeAttachment>(),
    kind::<apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>(),
    kind::<kube_aggregator::pkg::apis::apiregistration::v1::APIService>(),
];
