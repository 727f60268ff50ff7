//! Privilege-escalation prevention on writes of RBAC objects, as kube's `policybased` storages
//! do it: a user may write a Role or ClusterRole only with rules they hold themselves
//! (`ConfirmNoEscalation` over `Covers`), unless they may `escalate` roles; and may bind a role
//! only if they hold its rules or may `bind` it.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde_json::Value;

use super::index::Resolver;
use super::{
    Attributes, PolicyRule, RBAC_GROUP, RbacIndex, RoleRef, UserInfo, aggregate_errors, go_quote,
    go_quote_list, is_superuser,
};

/// kube's `Covers`: whether `owner` rules cover every permission of `servant` rules, and the
/// permissions they miss, broken down to one API group, resource, verb (and name) each.
pub fn covers(owner: &[PolicyRule], servant: &[PolicyRule]) -> (bool, Vec<PolicyRule>) {
    let missing: Vec<PolicyRule> = servant
        .iter()
        .flat_map(breakdown)
        .filter(|subrule| !owner.iter().any(|rule| rule_covers(rule, subrule)))
        .collect();
    (missing.is_empty(), missing)
}

/// kube's `ConfirmNoEscalation`: `Ok` if the rules `user` holds in `namespace` (cluster-wide
/// only when empty) cover `rules`; otherwise kube's message, e.g.
///
/// ```text
/// user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
/// {APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}
/// ```
///
/// the missing permissions merged by API group and resource, one per line, sorted; followed by
/// `; resolution errors: [...]` when bindings of the user reference missing roles.
pub fn confirm_no_escalation(
    index: &RbacIndex,
    user: &UserInfo,
    namespace: &str,
    rules: &[PolicyRule],
) -> Result<(), String> {
    let (owner, errors) = index.policy_rules_for(user, namespace, Resolver::Registry);
    let (covered, missing) = covers(&owner, rules);
    if covered {
        return Ok(());
    }
    let descriptions: BTreeSet<String> = compact(missing)
        .iter()
        .map(PolicyRule::compact_string)
        .collect();
    let mut message = format!(
        "user {} (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
        go_quote(&user.name),
        go_quote_list(&user.groups),
        descriptions.into_iter().collect::<Vec<_>>().join("\n")
    );
    if !errors.is_empty() {
        message.push_str(&format!(
            "; resolution errors: [{}]",
            aggregate_errors(&errors)
        ));
    }
    Err(message)
}

/// What kube asks the authorizer to let a write of a role through without the rule check
/// (`RoleEscalationAuthorized`): `escalate` on the request's resource (`roles` or
/// `clusterroles` of `rbac.authorization.k8s.io`), namespace and name (empty on create, where
/// the name is only in the body).
pub fn escalate_attributes(
    user: &UserInfo,
    resource: &str,
    namespace: &str,
    request_name: &str,
) -> Attributes {
    Attributes::resource(
        user,
        "escalate",
        namespace,
        RBAC_GROUP,
        resource,
        "",
        request_name,
    )
}

/// What kube asks the authorizer to let a binding through without the rule check
/// (`BindingAuthorized`): `bind` on the referenced role (`roles` or `clusterroles` in the role
/// reference's API group, named as it), in the binding's namespace (empty for a
/// ClusterRoleBinding). `None` for a reference to another kind, which is never authorized.
pub fn bind_attributes(
    user: &UserInfo,
    role_ref: &RoleRef,
    binding_namespace: &str,
) -> Option<Attributes> {
    let resource = match role_ref.kind.as_str() {
        "ClusterRole" => "clusterroles",
        "Role" => "roles",
        _ => return None,
    };
    Some(Attributes::resource(
        user,
        "bind",
        binding_namespace,
        &role_ref.api_group,
        resource,
        "",
        &role_ref.name,
    ))
}

/// A create or update of a Role or ClusterRole.
#[derive(Clone, Copy, Debug)]
pub struct RoleWrite<'a> {
    /// `roles` or `clusterroles`.
    pub resource: &'a str,
    /// The request's namespace (empty for ClusterRoles).
    pub namespace: &'a str,
    /// The name in the request's URL: empty on create.
    pub request_name: &'a str,
    /// The object being written.
    pub object: &'a Value,
    /// The stored object an update replaces.
    pub old: Option<&'a Value>,
}

/// A create or update of a RoleBinding or ClusterRoleBinding.
#[derive(Clone, Copy, Debug)]
pub struct BindingWrite<'a> {
    /// `rolebindings` or `clusterrolebindings`.
    pub resource: &'a str,
    /// The request's namespace (empty for ClusterRoleBindings).
    pub namespace: &'a str,
    /// The object being written.
    pub object: &'a Value,
    /// The stored object an update replaces.
    pub old: Option<&'a Value>,
}

/// Why a write of an RBAC object is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteDenied {
    /// A `403 Forbidden` (`apierrors.NewForbidden`), details `{group:
    /// rbac.authorization.k8s.io, kind: resource, name}`.
    Forbidden {
        /// `roles`, `clusterroles`, `rolebindings` or `clusterrolebindings`.
        resource: String,
        /// The object's name (empty when it is still to be generated).
        name: String,
        /// Why: the escalation message, or that an aggregation rule needs cluster-admin.
        reason: String,
    },
    /// A `404 NotFound`: the binding's role does not exist (and the user may not `bind` it).
    RoleNotFound {
        /// `roles` or `clusterroles`.
        resource: String,
        /// The role's name.
        name: String,
    },
    /// A `500`: the binding references a kind of role that does not exist (validation rejects
    /// such bindings first).
    Internal(String),
}

impl fmt::Display for WriteDenied {
    /// kube's `Status` message: `roles.rbac.authorization.k8s.io "r" is forbidden: user
    /// "alice" …`, `clusterroles.rbac.authorization.k8s.io "x" not found`,
    /// `Internal error occurred: unsupported role reference kind: "X"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Forbidden {
                resource,
                name,
                reason,
            } if name.is_empty() => write!(f, "{resource}.{RBAC_GROUP} is forbidden: {reason}"),
            Self::Forbidden {
                resource,
                name,
                reason,
            } => write!(
                f,
                "{resource}.{RBAC_GROUP} {} is forbidden: {reason}",
                go_quote(name)
            ),
            Self::RoleNotFound { resource, name } => {
                write!(f, "{resource}.{RBAC_GROUP} {} not found", go_quote(name))
            }
            Self::Internal(message) => write!(f, "Internal error occurred: {message}"),
        }
    }
}

impl std::error::Error for WriteDenied {}

/// kube's check of a Role or ClusterRole write: members of `system:masters` and users who may
/// `escalate` (see [`escalate_attributes`]) write anything; an update that changes only what
/// the garbage collector changes (owner references, finalizers) passes; otherwise the object's
/// rules must be covered by the user's ([`confirm_no_escalation`] in the request's namespace),
/// and a ClusterRole with an `aggregationRule` (new or old) needs every permission.
pub fn check_role_write(
    index: &RbacIndex,
    user: &UserInfo,
    write: &RoleWrite<'_>,
) -> Result<(), WriteDenied> {
    if is_superuser(user)
        || index.allows(&escalate_attributes(
            user,
            write.resource,
            write.namespace,
            write.request_name,
        ))
    {
        return Ok(());
    }
    if write
        .old
        .is_some_and(|old| is_only_mutating_gc_fields(write.object, old))
    {
        return Ok(());
    }
    let forbidden = |reason: String| WriteDenied::Forbidden {
        resource: write.resource.to_owned(),
        name: object_name(write.object),
        reason,
    };
    let rules = PolicyRule::list_from_json(write.object.get("rules"));
    confirm_no_escalation(index, user, write.namespace, &rules).map_err(forbidden)?;
    let aggregated =
        has_aggregation_rule(write.object) || write.old.is_some_and(has_aggregation_rule);
    if write.resource == "clusterroles" && aggregated {
        let everything = [
            PolicyRule::resource(&["*"], &["*"], &["*"]),
            PolicyRule::non_resource(&["*"], &["*"]),
        ];
        confirm_no_escalation(index, user, write.namespace, &everything).map_err(|_| {
            forbidden("must have cluster-admin privileges to use the aggregationRule".to_owned())
        })?;
    }
    Ok(())
}

/// kube's check of a RoleBinding or ClusterRoleBinding write: members of `system:masters` bind
/// anything; an update that changes only what the garbage collector changes passes; users who
/// may `bind` the role (see [`bind_attributes`]) bind it; otherwise the role must exist and the
/// user must hold its rules in the binding's namespace.
pub fn check_binding_write(
    index: &RbacIndex,
    user: &UserInfo,
    write: &BindingWrite<'_>,
) -> Result<(), WriteDenied> {
    if is_superuser(user)
        || write
            .old
            .is_some_and(|old| is_only_mutating_gc_fields(write.object, old))
    {
        return Ok(());
    }
    let role_ref = write
        .object
        .get("roleRef")
        .map(RoleRef::from_json)
        .unwrap_or_default();
    if bind_attributes(user, &role_ref, write.namespace)
        .is_some_and(|attributes| index.allows(&attributes))
    {
        return Ok(());
    }
    let rules = index
        .role_ref_rules(&role_ref, write.namespace)
        .map_err(|error| match role_ref.kind.as_str() {
            "Role" => WriteDenied::RoleNotFound {
                resource: "roles".to_owned(),
                name: role_ref.name.clone(),
            },
            "ClusterRole" => WriteDenied::RoleNotFound {
                resource: "clusterroles".to_owned(),
                name: role_ref.name.clone(),
            },
            _ => WriteDenied::Internal(error),
        })?;
    confirm_no_escalation(index, user, write.namespace, &rules).map_err(|reason| {
        WriteDenied::Forbidden {
            resource: write.resource.to_owned(),
            name: object_name(write.object),
            reason,
        }
    })
}

/// `BreakdownRule`: one rule per API group × resource × verb (× name), then per URL × verb.
fn breakdown(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut subrules = Vec::new();
    for group in &rule.api_groups {
        for resource in &rule.resources {
            for verb in &rule.verbs {
                let base = PolicyRule {
                    verbs: vec![verb.clone()],
                    api_groups: vec![group.clone()],
                    resources: vec![resource.clone()],
                    ..PolicyRule::default()
                };
                if rule.resource_names.is_empty() {
                    subrules.push(base);
                } else {
                    for name in &rule.resource_names {
                        subrules.push(PolicyRule {
                            resource_names: vec![name.clone()],
                            ..base.clone()
                        });
                    }
                }
            }
        }
    }
    for url in &rule.non_resource_urls {
        for verb in &rule.verbs {
            subrules.push(PolicyRule {
                verbs: vec![verb.clone()],
                non_resource_urls: vec![url.clone()],
                ..PolicyRule::default()
            });
        }
    }
    subrules
}

/// `ruleCovers`: whether one owner rule covers a broken-down rule.
fn rule_covers(owner: &PolicyRule, sub: &PolicyRule) -> bool {
    let verbs = has(&owner.verbs, "*") || has_all(&owner.verbs, &sub.verbs);
    let groups = has(&owner.api_groups, "*") || has_all(&owner.api_groups, &sub.api_groups);
    let resources = resource_covers_all(&owner.resources, &sub.resources);
    let urls = sub.non_resource_urls.iter().all(|path| {
        owner.non_resource_urls.iter().any(|url| {
            url == path || (url.ends_with('*') && path.starts_with(url.trim_end_matches('*')))
        })
    });
    let names = if sub.resource_names.is_empty() {
        owner.resource_names.is_empty()
    } else {
        owner.resource_names.is_empty() || has_all(&owner.resource_names, &sub.resource_names)
    };
    verbs && groups && resources && urls && names
}

/// `resourceCoversAll`: `*`, every resource exactly, or `*/subresource` for subresources.
fn resource_covers_all(owner: &[String], covered: &[String]) -> bool {
    if has(owner, "*") || has_all(owner, covered) {
        return true;
    }
    covered.iter().all(|path| {
        has(owner, path)
            || path
                .split_once('/')
                .is_some_and(|(_, sub)| has(owner, &format!("*/{sub}")))
    })
}

fn has(set: &[String], item: &str) -> bool {
    set.iter().any(|s| s == item)
}

fn has_all(set: &[String], items: &[String]) -> bool {
    items.iter().all(|item| has(set, item))
}

/// `CompactRules`: rules with one API group, one resource and only verbs merged per group and
/// resource (verbs in order of appearance); others kept as they are.
fn compact(rules: Vec<PolicyRule>) -> Vec<PolicyRule> {
    let mut out = Vec::with_capacity(rules.len());
    let mut simple: HashMap<(String, String), PolicyRule> = HashMap::new();
    for rule in rules {
        let is_simple = rule.resource_names.is_empty()
            && rule.non_resource_urls.is_empty()
            && rule.api_groups.len() == 1
            && rule.resources.len() == 1;
        if !is_simple {
            out.push(rule);
            continue;
        }
        let key = (rule.api_groups[0].clone(), rule.resources[0].clone());
        match simple.get_mut(&key) {
            Some(existing) => existing.verbs.extend(rule.verbs),
            None => {
                simple.insert(key, rule);
            }
        }
    }
    out.extend(simple.into_values());
    out
}

/// `hasAggregationRule`: an `aggregationRule` with at least one selector.
fn has_aggregation_rule(role: &Value) -> bool {
    role.pointer("/aggregationRule/clusterRoleSelectors")
        .and_then(Value::as_array)
        .is_some_and(|selectors| !selectors.is_empty())
}

fn object_name(object: &Value) -> String {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// kube's `IsOnlyMutatingGCFields`: whether `new` equals `old` once its owner references,
/// finalizers, selfLink and managed fields are taken from `old`, compared as Go compares the
/// typed objects (absent, null and empty values alike; `kind` and `apiVersion` ignored).
fn is_only_mutating_gc_fields(new: &Value, old: &Value) -> bool {
    let mut copied = new.clone();
    if let Some(metadata) = copied.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["ownerReferences", "finalizers", "selfLink", "managedFields"] {
            match old.pointer(&format!("/metadata/{key}")) {
                Some(value) => {
                    metadata.insert(key.to_owned(), value.clone());
                }
                None => {
                    metadata.remove(key);
                }
            }
        }
    }
    let typed = |value: &Value| {
        let mut value = semantic(value);
        if let Some(object) = value.as_object_mut() {
            object.remove("kind");
            object.remove("apiVersion");
        }
        value
    };
    typed(&copied) == typed(old)
}

/// A JSON value with the zero values Go cannot tell from absent ones removed from objects.
fn semantic(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| (key.clone(), semantic(value)))
                .filter(|(_, value)| !is_zero(value))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(semantic).collect()),
        other => other.clone(),
    }
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(object) => object.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
        PolicyRule::resource(verbs, groups, resources)
    }

    #[test]
    fn covers_follows_kube_policy_comparator() {
        let cases: Vec<(&str, Vec<PolicyRule>, Vec<PolicyRule>, usize)> = vec![
            (
                "star covers all",
                vec![rule(&["*"], &["*"], &["*"])],
                vec![rule(
                    &["get", "delete"],
                    &["", "apps"],
                    &["pods", "deployments/scale"],
                )],
                0,
            ),
            (
                "exact verbs",
                vec![rule(&["get"], &[""], &["pods"])],
                vec![rule(&["get", "list"], &[""], &["pods"])],
                1,
            ),
            (
                "group mismatch",
                vec![rule(&["get"], &["apps"], &["pods"])],
                vec![rule(&["get"], &[""], &["pods"])],
                1,
            ),
            (
                "star subresource",
                vec![rule(&["get"], &["apps"], &["*/scale"])],
                vec![rule(
                    &["get"],
                    &["apps"],
                    &["deployments/scale", "replicasets/scale"],
                )],
                0,
            ),
            (
                "resource does not cover subresource",
                vec![rule(&["get"], &[""], &["pods"])],
                vec![rule(&["get"], &[""], &["pods/log"])],
                1,
            ),
            (
                "pods/* is literal",
                vec![rule(&["get"], &[""], &["pods/*"])],
                vec![rule(&["get"], &[""], &["pods/log"])],
                1,
            ),
            (
                "unnamed owner covers names",
                vec![rule(&["get"], &[""], &["secrets"])],
                vec![rule(&["get"], &[""], &["secrets"]).with_names(&["a", "b"])],
                0,
            ),
            (
                "named owner does not cover unnamed",
                vec![rule(&["get"], &[""], &["secrets"]).with_names(&["a"])],
                vec![rule(&["get"], &[""], &["secrets"])],
                1,
            ),
            (
                "named owner covers its names only",
                vec![rule(&["get"], &[""], &["secrets"]).with_names(&["a"])],
                vec![rule(&["get"], &[""], &["secrets"]).with_names(&["a", "b"])],
                1,
            ),
            (
                "url prefix",
                vec![PolicyRule::non_resource(&["get"], &["/apis/*"])],
                vec![PolicyRule::non_resource(&["get"], &["/apis/apps", "/api"])],
                1,
            ),
            (
                "resource owner does not cover urls",
                vec![rule(&["*"], &["*"], &["*"])],
                vec![PolicyRule::non_resource(&["get"], &["/healthz"])],
                1,
            ),
            (
                "no groups: nothing to cover",
                vec![],
                vec![rule(&["get"], &[], &["pods"])],
                0,
            ),
        ];
        for (name, owner, servant, missing) in cases {
            let (covered, uncovered) = covers(&owner, &servant);
            assert_eq!(uncovered.len(), missing, "{name}: {uncovered:?}");
            assert_eq!(covered, missing == 0, "{name}");
        }
    }

    #[test]
    fn compact_merges_verbs_per_group_and_resource() {
        let (_, missing) = covers(
            &[],
            &[
                rule(&["get", "list"], &["", "apps"], &["secrets"]),
                rule(&["watch"], &[""], &["secrets"]).with_names(&["x"]),
            ],
        );
        let mut described: Vec<String> = compact(missing)
            .iter()
            .map(PolicyRule::compact_string)
            .collect();
        described.sort();
        assert_eq!(
            described,
            [
                r#"{APIGroups:[""], Resources:["secrets"], ResourceNames:["x"], Verbs:["watch"]}"#,
                r#"{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}"#,
                r#"{APIGroups:["apps"], Resources:["secrets"], Verbs:["get" "list"]}"#,
            ]
        );
    }

    #[test]
    fn only_gc_fields_changing_is_recognised() {
        let old = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "r", "namespace": "ns", "resourceVersion": "5"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
        });
        let mut gc = old.clone();
        gc["metadata"]["finalizers"] = json!(["foregroundDeletion"]);
        gc["metadata"]["ownerReferences"] =
            json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "u"}]);
        gc["metadata"]["labels"] = json!({});
        assert!(is_only_mutating_gc_fields(&gc, &old));
        let mut changed = gc.clone();
        changed["rules"][0]["verbs"] = json!(["get", "list"]);
        assert!(!is_only_mutating_gc_fields(&changed, &old));
        let mut labelled = old.clone();
        labelled["metadata"]["labels"] = json!({"a": "b"});
        assert!(!is_only_mutating_gc_fields(&labelled, &old));
    }

    #[test]
    fn denial_messages_are_kubes() {
        let forbidden = WriteDenied::Forbidden {
            resource: "roles".into(),
            name: "r".into(),
            reason: "why".into(),
        };
        assert_eq!(
            forbidden.to_string(),
            r#"roles.rbac.authorization.k8s.io "r" is forbidden: why"#
        );
        let unnamed = WriteDenied::Forbidden {
            resource: "roles".into(),
            name: String::new(),
            reason: "why".into(),
        };
        assert_eq!(
            unnamed.to_string(),
            "roles.rbac.authorization.k8s.io is forbidden: why"
        );
        let missing = WriteDenied::RoleNotFound {
            resource: "clusterroles".into(),
            name: "x".into(),
        };
        assert_eq!(
            missing.to_string(),
            r#"clusterroles.rbac.authorization.k8s.io "x" not found"#
        );
    }
}
