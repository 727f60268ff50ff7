//! The validation dispatch: each served built-in kind's strategy validation on create or update,
//! followed (create) or preceded (update) by the generic store's metadata checks, as
//! kube-apiserver's `BeforeCreate`/`BeforeUpdate` run them. Exact duplicate causes, which kube
//! can report when several layers check the same field, are reported once.

mod apps;
mod autoscaling;
mod batch;
mod core;
mod cron;
mod misc;
mod networking;
mod pod;
mod policy;
mod rbac;
mod review;
mod tenancy;

use serde_json::Value;

use super::field::{Cause, Errors};
use super::formats::{NameFn, name_is_dns_subdomain};
use super::meta::{validate_common_meta, validate_object_meta, validate_object_meta_update};

pub(crate) use core::service_patch_allocated;

type Create = fn(&Value) -> Errors;
type Update = fn(&Value, &Value) -> Errors;

/// How a kind is validated.
enum Rules {
    /// Strategy functions for create and update.
    Strategy(Create, Update),
    /// Only `ValidateObjectMeta` with this name rule.
    Meta(NameFn),
    /// Versioned HorizontalPodAutoscalers.
    Hpa,
    /// Reviews (create-only, never stored): only this function, no metadata checks.
    Review(Create),
}

/// Whether the kind is namespaced, and its rules; `None` for kinds without rules here.
fn rules(group: &str, version: &str, kind: &str) -> Option<(bool, Rules)> {
    use Rules::{Hpa, Meta, Review, Strategy};
    Some(match (group, version, kind) {
        ("", "v1", "Pod") => (true, Strategy(pod::pod_create, pod::pod_update)),
        ("", "v1", "Service") => (true, Strategy(core::service, core::service_update)),
        ("", "v1", "ConfigMap") => (true, Strategy(core::config_map, core::config_map_update)),
        ("", "v1", "Secret") => (true, Strategy(core::secret, core::secret_update)),
        ("", "v1", "Namespace") => (false, Strategy(core::namespace, core::namespace_update)),
        ("", "v1", "ServiceAccount") => (
            true,
            Strategy(core::service_account, core::service_account_update),
        ),
        ("", "v1", "PersistentVolumeClaim") => (true, Strategy(core::pvc, core::pvc_update)),
        ("", "v1", "PersistentVolume") => (false, Strategy(core::pv, core::pv_update)),
        ("", "v1", "Endpoints") => (true, Strategy(core::endpoints, endpoints_update)),
        ("", "v1", "Event") => (true, Strategy(core::event, core::event_update)),
        ("", "v1", "Node") => (false, Strategy(core::node, core::node_update)),
        ("", "v1", "ReplicationController") => (
            true,
            Strategy(
                core::replication_controller,
                core::replication_controller_update,
            ),
        ),
        ("", "v1", "PodTemplate") => (
            true,
            Strategy(core::pod_template, core::pod_template_update),
        ),
        ("", "v1", "ResourceQuota") => (
            true,
            Strategy(core::resource_quota, core::resource_quota_update),
        ),
        ("", "v1", "LimitRange") => (true, Strategy(core::limit_range, core::limit_range_update)),
        ("apps", "v1", "Deployment") => (true, Strategy(apps::deployment, apps::deployment_update)),
        ("apps", "v1", "ReplicaSet") => {
            (true, Strategy(apps::replica_set, apps::replica_set_update))
        }
        ("apps", "v1", "StatefulSet") => (
            true,
            Strategy(apps::stateful_set, apps::stateful_set_update),
        ),
        ("apps", "v1", "DaemonSet") => (true, Strategy(apps::daemon_set, apps::daemon_set_update)),
        ("apps", "v1", "ControllerRevision") => (
            true,
            Strategy(apps::controller_revision, apps::controller_revision_update),
        ),
        ("batch", "v1", "Job") => (true, Strategy(batch::job, batch::job_update)),
        ("batch", "v1", "CronJob") => (true, Strategy(batch::cron_job, batch::cron_job_update)),
        ("autoscaling", "v1" | "v2", "HorizontalPodAutoscaler") => (true, Hpa),
        ("networking.k8s.io", "v1", "Ingress") => (
            true,
            Strategy(networking::ingress, networking::ingress_update),
        ),
        ("networking.k8s.io", "v1", "NetworkPolicy") => (
            true,
            Strategy(
                networking::network_policy,
                networking::network_policy_update,
            ),
        ),
        ("networking.k8s.io", "v1", "IngressClass") => (
            false,
            Strategy(networking::ingress_class, networking::ingress_class_update),
        ),
        ("policy", "v1", "PodDisruptionBudget") => {
            (true, Strategy(policy::pod_disruption_budget, pdb_update))
        }
        ("coordination.k8s.io", "v1", "Lease") => (true, Strategy(misc::lease, misc::lease_update)),
        ("tenancy.nave.dev", "v1alpha1", "Workspace") => (
            false,
            Strategy(tenancy::workspace, tenancy::workspace_update),
        ),
        ("discovery.k8s.io", "v1", "EndpointSlice") => (
            true,
            Strategy(misc::endpoint_slice, misc::endpoint_slice_update),
        ),
        ("events.k8s.io", "v1", "Event") => (
            true,
            Strategy(misc::events_event, misc::events_event_update),
        ),
        ("rbac.authorization.k8s.io", "v1", "Role") => {
            (true, Strategy(rbac::role, rbac::role_update))
        }
        ("rbac.authorization.k8s.io", "v1", "ClusterRole") => (
            false,
            Strategy(rbac::cluster_role, rbac::cluster_role_update),
        ),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding") => (
            true,
            Strategy(rbac::role_binding, rbac::role_binding_update),
        ),
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding") => (
            false,
            Strategy(
                rbac::cluster_role_binding,
                rbac::cluster_role_binding_update,
            ),
        ),
        ("certificates.k8s.io", "v1", "CertificateSigningRequest") => {
            (false, Strategy(misc::csr, misc::csr_update))
        }
        ("scheduling.k8s.io", "v1", "PriorityClass") => (
            false,
            Strategy(misc::priority_class, misc::priority_class_update),
        ),
        ("storage.k8s.io", "v1", "StorageClass") => (
            false,
            Strategy(misc::storage_class, misc::storage_class_update),
        ),
        ("", "v1", "Binding") => (true, Meta(name_is_dns_subdomain)),
        ("authentication.k8s.io", "v1", "TokenReview" | "SelfSubjectReview")
        | ("authorization.k8s.io", "v1", "SelfSubjectRulesReview") => (false, Review(review::none)),
        ("authorization.k8s.io", "v1", "SubjectAccessReview") => {
            (false, Review(review::subject_access_review))
        }
        ("authorization.k8s.io", "v1", "SelfSubjectAccessReview") => {
            (false, Review(review::self_subject_access_review))
        }
        ("authorization.k8s.io", "v1", "LocalSubjectAccessReview") => {
            (true, Review(review::local_subject_access_review))
        }
        _ => return None,
    })
}

fn endpoints_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(core::endpoints(new));
    errors
}

fn pdb_update(new: &Value, _old: &Value) -> Errors {
    policy::pod_disruption_budget(new)
}

/// See [`super::validate`].
pub(crate) fn validate(
    group: &str,
    version: &str,
    kind: &str,
    object: &Value,
    old: Option<&Value>,
) -> Vec<Cause> {
    let Some((namespaced, rules)) = rules(group, version, kind) else {
        return Vec::new();
    };
    if let Rules::Review(check) = rules {
        return dedup(check(object));
    }
    let errors = match old {
        None => {
            let errors = match rules {
                Rules::Strategy(create, _) => create(object),
                Rules::Meta(name_fn) => validate_object_meta(object, namespaced, name_fn),
                Rules::Hpa => autoscaling::hpa(object, version),
                Rules::Review(check) => check(object),
            };
            if errors.is_empty() {
                validate_common_meta(object, namespaced)
            } else {
                errors
            }
        }
        Some(old) => {
            let mut errors = validate_common_meta(object, namespaced);
            errors.extend(validate_object_meta_update(object, old));
            errors.extend(match rules {
                Rules::Strategy(_, update) => update(object, old),
                Rules::Meta(name_fn) => {
                    let mut errors = validate_object_meta(object, namespaced, name_fn);
                    errors.extend(validate_object_meta_update(object, old));
                    errors
                }
                Rules::Hpa => autoscaling::hpa_update(object, old, version),
                Rules::Review(check) => check(object),
            });
            errors
        }
    };
    dedup(errors)
}

fn dedup(errors: Errors) -> Vec<Cause> {
    let mut out: Vec<Cause> = Vec::with_capacity(errors.len());
    for cause in errors {
        if !out.contains(&cause) {
            out.push(cause);
        }
    }
    out
}

/// Whether the kind has validation rules here, and its scope (for tests against the registry).
#[cfg(test)]
pub(crate) fn scope(group: &str, version: &str, kind: &str) -> Option<bool> {
    rules(group, version, kind).map(|(namespaced, _)| namespaced)
}
