//! kube-apiserver's bootstrap RBAC policy (`bootstrappolicy/policy.go`, as its
//! `testdata/cluster-roles.yaml` renders it for v1.32/1.33) for a control plane without nodes
//! and controllers: the user-facing roles (`cluster-admin`, `admin`, `edit`, `view` and the
//! `system:aggregate-to-*` roles that carry the rules aggregated into them), discovery, health
//! and self-review access, and the ClusterRoleBindings that grant them.
//!
//! Every object has the label `kubernetes.io/bootstrapping: rbac-defaults` and the annotation
//! `rbac.authorization.kubernetes.io/autoupdate: "true"`. Rule lists are sorted, as kube's rule
//! builder sorts them. `admin`, `edit` and `view` come with the rules kube's aggregation
//! controller gives them, so writing these objects leaves it nothing to do.

use serde_json::{Map, Value, json};

use super::{
    AUTHENTICATED_GROUP, PolicyRule, RBAC_GROUP, SERVICE_ACCOUNTS_GROUP, SUPERUSER_GROUP,
    UNAUTHENTICATED_GROUP, aggregate,
};

/// The default ClusterRoles, in name order, as stored objects (`apiVersion`, `kind`,
/// `metadata` with name, labels and annotations, `rules`, `aggregationRule`).
pub fn default_cluster_roles() -> Vec<Value> {
    let mut roles: Vec<Value> = ROLES.iter().map(Role::to_json).collect();
    for (name, rules) in aggregate(&roles) {
        if let Some(role) = roles
            .iter_mut()
            .find(|role| role["metadata"]["name"] == name.as_str())
        {
            role["rules"] = rules;
        }
    }
    roles
}

/// The default ClusterRoleBindings, in name order.
pub fn default_cluster_role_bindings() -> Vec<Value> {
    BINDINGS
        .iter()
        .map(|(name, groups)| {
            let subjects: Vec<Value> = groups
                .iter()
                .map(|group| json!({"apiGroup": RBAC_GROUP, "kind": "Group", "name": group}))
                .collect();
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": metadata(name, &[]),
                "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
                "subjects": subjects,
            })
        })
        .collect()
}

const BINDINGS: &[(&str, &[&str])] = &[
    ("cluster-admin", &[SUPERUSER_GROUP]),
    ("system:basic-user", &[AUTHENTICATED_GROUP]),
    ("system:discovery", &[AUTHENTICATED_GROUP]),
    ("system:monitoring", &["system:monitoring"]),
    (
        "system:public-info-viewer",
        &[AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP],
    ),
    (
        "system:service-account-issuer-discovery",
        &[SERVICE_ACCOUNTS_GROUP],
    ),
];

const TO_ADMIN: &str = "rbac.authorization.k8s.io/aggregate-to-admin";
const TO_EDIT: &str = "rbac.authorization.k8s.io/aggregate-to-edit";
const TO_VIEW: &str = "rbac.authorization.k8s.io/aggregate-to-view";

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

struct Role {
    name: &'static str,
    /// Labels besides `kubernetes.io/bootstrapping`.
    labels: &'static [&'static str],
    /// The label an `aggregationRule` selects (`<label>: "true"`).
    aggregates: Option<&'static str>,
    rules: &'static [Rule],
}

struct Rule {
    groups: &'static [&'static str],
    resources: &'static [&'static str],
    urls: &'static [&'static str],
    verbs: &'static [&'static str],
}

const fn rule(
    groups: &'static [&'static str],
    resources: &'static [&'static str],
    verbs: &'static [&'static str],
) -> Rule {
    Rule {
        groups,
        resources,
        urls: &[],
        verbs,
    }
}

const fn urls(urls: &'static [&'static str], verbs: &'static [&'static str]) -> Rule {
    Rule {
        groups: &[],
        resources: &[],
        urls,
        verbs,
    }
}

impl Role {
    fn to_json(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|rule| {
                PolicyRule {
                    verbs: owned(rule.verbs),
                    api_groups: owned(rule.groups),
                    resources: owned(rule.resources),
                    resource_names: Vec::new(),
                    non_resource_urls: owned(rule.urls),
                }
                .to_json()
            })
            .collect();
        let mut role = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": metadata(self.name, self.labels),
            "rules": rules,
        });
        if let Some(label) = self.aggregates {
            role["aggregationRule"] =
                json!({"clusterRoleSelectors": [{"matchLabels": {label: "true"}}]});
        }
        role
    }
}

fn metadata(name: &str, labels: &[&str]) -> Value {
    let mut all = Map::new();
    all.insert("kubernetes.io/bootstrapping".into(), json!("rbac-defaults"));
    for label in labels {
        all.insert((*label).to_owned(), json!("true"));
    }
    json!({
        "name": name,
        "labels": all,
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    })
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

const ROLES: &[Role] = &[
    Role {
        name: "admin",
        labels: &[],
        aggregates: Some(TO_ADMIN),
        rules: &[],
    },
    Role {
        name: "cluster-admin",
        labels: &[],
        aggregates: None,
        rules: &[rule(&["*"], &["*"], &["*"]), urls(&["*"], &["*"])],
    },
    Role {
        name: "edit",
        labels: &[TO_ADMIN],
        aggregates: Some(TO_EDIT),
        rules: &[],
    },
    Role {
        name: "system:aggregate-to-admin",
        labels: &[TO_ADMIN],
        aggregates: None,
        rules: &[
            rule(
                &["authorization.k8s.io"],
                &["localsubjectaccessreviews"],
                &["create"],
            ),
            rule(&[RBAC_GROUP], &["rolebindings", "roles"], READ_WRITE),
        ],
    },
    Role {
        name: "system:aggregate-to-edit",
        labels: &[TO_EDIT],
        aggregates: None,
        rules: &[
            rule(
                &[""],
                &[
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                    "secrets",
                    "services/proxy",
                ],
                READ,
            ),
            rule(&[""], &["serviceaccounts"], &["impersonate"]),
            rule(
                &[""],
                &[
                    "pods",
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                ],
                WRITE,
            ),
            rule(&[""], &["pods/eviction"], &["create"]),
            rule(
                &[""],
                &[
                    "configmaps",
                    "persistentvolumeclaims",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "secrets",
                    "serviceaccounts",
                    "services",
                    "services/proxy",
                ],
                WRITE,
            ),
            rule(&[""], &["serviceaccounts/token"], &["create"]),
            rule(&["", "events.k8s.io"], &["events"], WRITE),
            rule(
                &["apps"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
                WRITE,
            ),
            rule(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
            rule(&["batch"], &["cronjobs", "jobs"], WRITE),
            rule(
                &["extensions"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "ingresses",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicationcontrollers/scale",
                ],
                WRITE,
            ),
            rule(&["policy"], &["poddisruptionbudgets"], WRITE),
            rule(
                &["networking.k8s.io"],
                &["ingresses", "networkpolicies"],
                WRITE,
            ),
            rule(&["coordination.k8s.io"], &["leases"], READ_WRITE),
            rule(
                &["resource.k8s.io"],
                &["resourceclaims", "resourceclaimtemplates"],
                WRITE,
            ),
        ],
    },
    Role {
        name: "system:aggregate-to-view",
        labels: &[TO_VIEW],
        aggregates: None,
        rules: &[
            rule(
                &[""],
                &[
                    "configmaps",
                    "endpoints",
                    "persistentvolumeclaims",
                    "persistentvolumeclaims/status",
                    "pods",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "serviceaccounts",
                    "services",
                    "services/status",
                ],
                READ,
            ),
            rule(
                &[""],
                &[
                    "bindings",
                    "limitranges",
                    "namespaces/status",
                    "pods/log",
                    "pods/status",
                    "replicationcontrollers/status",
                    "resourcequotas",
                    "resourcequotas/status",
                ],
                READ,
            ),
            rule(&[""], &["namespaces"], READ),
            rule(&["", "events.k8s.io"], &["events"], READ),
            rule(&["discovery.k8s.io"], &["endpointslices"], READ),
            rule(
                &["apps"],
                &[
                    "controllerrevisions",
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "statefulsets",
                    "statefulsets/scale",
                    "statefulsets/status",
                ],
                READ,
            ),
            rule(
                &["autoscaling"],
                &[
                    "horizontalpodautoscalers",
                    "horizontalpodautoscalers/status",
                ],
                READ,
            ),
            rule(
                &["batch"],
                &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
                READ,
            ),
            rule(
                &["extensions"],
                &[
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "ingresses",
                    "ingresses/status",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "replicationcontrollers/scale",
                ],
                READ,
            ),
            rule(
                &["policy"],
                &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                READ,
            ),
            rule(
                &["networking.k8s.io"],
                &["ingresses", "ingresses/status", "networkpolicies"],
                READ,
            ),
            rule(
                &["resource.k8s.io"],
                &[
                    "resourceclaims",
                    "resourceclaims/status",
                    "resourceclaimtemplates",
                ],
                READ,
            ),
        ],
    },
    Role {
        name: "system:auth-delegator",
        labels: &[],
        aggregates: None,
        rules: &[
            rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
            rule(
                &["authorization.k8s.io"],
                &["subjectaccessreviews"],
                &["create"],
            ),
        ],
    },
    Role {
        name: "system:basic-user",
        labels: &[],
        aggregates: None,
        rules: &[
            rule(
                &["authorization.k8s.io"],
                &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                &["create"],
            ),
            rule(
                &["authentication.k8s.io"],
                &["selfsubjectreviews"],
                &["create"],
            ),
        ],
    },
    Role {
        name: "system:discovery",
        labels: &[],
        aggregates: None,
        rules: &[urls(
            &[
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/healthz",
                "/livez",
                "/openapi",
                "/openapi/*",
                "/readyz",
                "/version",
                "/version/",
            ],
            &["get"],
        )],
    },
    Role {
        name: "system:monitoring",
        labels: &[],
        aggregates: None,
        rules: &[
            urls(
                &[
                    "/healthz",
                    "/healthz/*",
                    "/livez",
                    "/livez/*",
                    "/metrics",
                    "/metrics/slis",
                    "/readyz",
                    "/readyz/*",
                    "/statusz",
                ],
                &["get"],
            ),
            rule(&[""], &["nodes/metrics"], &["get"]),
        ],
    },
    Role {
        name: "system:public-info-viewer",
        labels: &[],
        aggregates: None,
        rules: &[urls(
            &["/healthz", "/livez", "/readyz", "/version", "/version/"],
            &["get"],
        )],
    },
    Role {
        name: "system:service-account-issuer-discovery",
        labels: &[],
        aggregates: None,
        rules: &[urls(
            &[
                "/.well-known/openid-configuration",
                "/.well-known/openid-configuration/",
                "/openid/v1/jwks",
                "/openid/v1/jwks/",
            ],
            &["get"],
        )],
    },
    Role {
        name: "view",
        labels: &[TO_EDIT],
        aggregates: Some(TO_VIEW),
        rules: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn role<'a>(roles: &'a [Value], name: &str) -> &'a Value {
        roles
            .iter()
            .find(|role| role["metadata"]["name"] == name)
            .unwrap()
    }

    #[test]
    fn every_object_carries_the_bootstrap_label_and_annotation() {
        for object in default_cluster_roles()
            .iter()
            .chain(&default_cluster_role_bindings())
        {
            let metadata = &object["metadata"];
            assert_eq!(
                metadata["labels"]["kubernetes.io/bootstrapping"], "rbac-defaults",
                "{object}"
            );
            assert_eq!(
                metadata["annotations"]["rbac.authorization.kubernetes.io/autoupdate"], "true",
                "{object}"
            );
        }
    }

    #[test]
    fn rule_lists_are_sorted_as_kubes_rule_builder_sorts_them() {
        for role in ROLES {
            for rule in role.rules {
                for list in [rule.groups, rule.resources, rule.urls, rule.verbs] {
                    assert!(list.is_sorted(), "{}: {list:?}", role.name);
                }
            }
        }
        let names: Vec<&str> = ROLES.iter().map(|role| role.name).collect();
        assert!(names.is_sorted());
    }

    #[test]
    fn admin_edit_view_come_aggregated() {
        let roles = default_cluster_roles();
        assert!(aggregate(&roles).is_empty(), "already settled");
        let rules = |name: &str| PolicyRule::list_from_json(role(&roles, name).get("rules"));
        let view = rules("view");
        let edit = rules("edit");
        let admin = rules("admin");
        assert_eq!(view, rules("system:aggregate-to-view"));
        // edit = aggregate-to-edit, then view (name order), each rule once.
        let mut expected = rules("system:aggregate-to-edit");
        expected.extend(
            view.iter()
                .filter(|r| !expected.contains(r))
                .cloned()
                .collect::<Vec<_>>(),
        );
        assert_eq!(edit, expected);
        // admin = edit, then aggregate-to-admin.
        let mut expected = edit.clone();
        expected.extend(rules("system:aggregate-to-admin"));
        assert_eq!(admin, expected);
        assert_eq!(role(&roles, "edit")["metadata"]["labels"][TO_ADMIN], "true");
        assert_eq!(
            role(&roles, "view")["aggregationRule"],
            json!({"clusterRoleSelectors": [{"matchLabels": {TO_VIEW: "true"}}]})
        );
    }

    #[test]
    fn bindings_grant_what_kube_grants() {
        let bindings = default_cluster_role_bindings();
        let public = bindings
            .iter()
            .find(|b| b["metadata"]["name"] == "system:public-info-viewer")
            .unwrap();
        assert_eq!(
            public["subjects"],
            json!([
                {"apiGroup": RBAC_GROUP, "kind": "Group", "name": "system:authenticated"},
                {"apiGroup": RBAC_GROUP, "kind": "Group", "name": "system:unauthenticated"}
            ])
        );
        let admin = bindings
            .iter()
            .find(|b| b["metadata"]["name"] == "cluster-admin")
            .unwrap();
        assert_eq!(
            admin["roleRef"],
            json!({"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "cluster-admin"})
        );
        assert_eq!(admin["subjects"][0]["name"], "system:masters");
    }
}
