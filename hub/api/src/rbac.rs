//! kube-apiserver's RBAC authorizer as pure functions over the RBAC objects of one logical
//! cluster, with kube's semantics and messages (v1.32/1.33).
//!
//! - [`RbacIndex`]: Roles, ClusterRoles, RoleBindings and ClusterRoleBindings as kube stores
//!   them, maintained incrementally ([`RbacIndex::upsert`], [`RbacIndex::remove`]) from a watch.
//!   Bindings are indexed by subject (user name, service-account user name, group), so
//!   [`RbacIndex::authorize`] looks only at the bindings that name the user or one of its groups:
//!   kube's `RBACAuthorizer.Authorize` with its `allowed by …` reasons and its denial reasons
//!   (empty, or `RBAC: <resolution errors>`). ClusterRoles with an `aggregationRule` are
//!   evaluated with their aggregated rules even before the hub writes them back.
//! - [`RbacIndex::rules_for`]: the rules a user holds in a namespace (SelfSubjectRulesReview).
//! - [`aggregate`]: kube's ClusterRole aggregation controller, as the rules to write back.
//! - [`confirm_no_escalation`], [`covers`], [`check_role_write`], [`check_binding_write`]:
//!   privilege-escalation prevention on writes of roles and bindings, with the `escalate` and
//!   `bind` verbs ([`escalate_attributes`], [`bind_attributes`]).
//! - [`default_cluster_roles`], [`default_cluster_role_bindings`]: the bootstrap policy of a
//!   control plane without nodes and controllers.
//! - [`forbidden_message`]: the message of the `403` a denied request gets.
//!
//! `system:masters` is a superuser group ([`is_superuser`]): the hub lets its members through
//! before asking RBAC, as kube-apiserver's privileged-group authorizer does; the write checks
//! here apply the same bypass.
//!
//! What kube's authorizer sees of a request is [`Attributes`]. As kube's request-info resolver
//! does, a `list` or `watch` with the field selector `metadata.name=<name>` carries that name in
//! [`Attributes::name`], so rules with `resourceNames` can allow it; `create` and
//! `deletecollection` never carry a name.

mod aggregate;
mod bootstrap;
mod escalation;
mod index;
mod rule;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use aggregate::aggregate;
pub use bootstrap::{default_cluster_role_bindings, default_cluster_roles};
pub use escalation::{
    BindingWrite, RoleWrite, WriteDenied, bind_attributes, check_binding_write, check_role_write,
    confirm_no_escalation, covers, escalate_attributes,
};
pub use index::{IndexError, NonResourceRule, RbacIndex, ResourceRule, RulesReview};
pub use rule::{PolicyRule, RoleRef};

/// The group whose members may do anything (`user.SystemPrivilegedGroup`).
pub const SUPERUSER_GROUP: &str = "system:masters";
/// The group of every authenticated user (`user.AllAuthenticated`).
pub const AUTHENTICATED_GROUP: &str = "system:authenticated";
/// The group of anonymous requests (`user.AllUnauthenticated`).
pub const UNAUTHENTICATED_GROUP: &str = "system:unauthenticated";
/// The group of every service account (`serviceaccount.AllServiceAccountsGroup`).
pub const SERVICE_ACCOUNTS_GROUP: &str = "system:serviceaccounts";
/// The API group of RBAC objects.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Who is asking: kube's `user.Info`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name (`system:serviceaccount:<namespace>:<name>` for a service account).
    pub name: String,
    /// The groups, as the authenticator gave them (including `system:authenticated`).
    pub groups: Vec<String>,
    /// Extra attributes; RBAC does not look at them.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// A user with `groups`, taken as they are.
    pub fn new(name: impl Into<String>, groups: &[&str]) -> Self {
        Self {
            name: name.into(),
            groups: groups.iter().map(|group| (*group).to_owned()).collect(),
            extra: BTreeMap::new(),
        }
    }

    /// The user a service account's token authenticates as: `system:serviceaccount:<ns>:<name>`
    /// in the groups `system:serviceaccounts`, `system:serviceaccounts:<ns>` and
    /// `system:authenticated`.
    pub fn service_account(namespace: &str, name: &str) -> Self {
        Self {
            name: service_account_user_name(namespace, name),
            groups: vec![
                SERVICE_ACCOUNTS_GROUP.to_owned(),
                format!("{SERVICE_ACCOUNTS_GROUP}:{namespace}"),
                AUTHENTICATED_GROUP.to_owned(),
            ],
            extra: BTreeMap::new(),
        }
    }
}

/// The user name of a service account: `system:serviceaccount:<namespace>:<name>`.
pub fn service_account_user_name(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// Whether the user is in `system:masters`, whose members kube-apiserver authorizes for
/// everything and exempts from escalation checks.
pub fn is_superuser(user: &UserInfo) -> bool {
    user.groups.iter().any(|group| group == SUPERUSER_GROUP)
}

/// What kube's authorizer is asked about a request (`authorizer.Attributes`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    /// Who is asking.
    pub user: UserInfo,
    /// The verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`, or any other (`bind`, `escalate`, `impersonate`, `use`, …); for
    /// non-resource requests the lower-cased HTTP method (`get`, `post`, …).
    pub verb: String,
    /// The namespace of the request; empty for cluster-scoped requests.
    pub namespace: String,
    /// The API group (`""` for the core group).
    pub api_group: String,
    /// The resource (`pods`), empty for non-resource requests.
    pub resource: String,
    /// The subresource (`log`, `scale`, `status`), or empty.
    pub subresource: String,
    /// The object's name, or empty (collections, `create`).
    pub name: String,
    /// Whether this is a request for an API resource rather than a non-resource URL.
    pub resource_request: bool,
    /// The URL path of a non-resource request (`/healthz`).
    pub path: String,
}

impl Attributes {
    /// A resource request.
    pub fn resource(
        user: &UserInfo,
        verb: &str,
        namespace: &str,
        api_group: &str,
        resource: &str,
        subresource: &str,
        name: &str,
    ) -> Self {
        Self {
            user: user.clone(),
            verb: verb.to_owned(),
            namespace: namespace.to_owned(),
            api_group: api_group.to_owned(),
            resource: resource.to_owned(),
            subresource: subresource.to_owned(),
            name: name.to_owned(),
            resource_request: true,
            path: String::new(),
        }
    }

    /// A non-resource request (`get` of `/healthz`).
    pub fn non_resource(user: &UserInfo, verb: &str, path: &str) -> Self {
        Self {
            user: user.clone(),
            verb: verb.to_owned(),
            path: path.to_owned(),
            ..Self::default()
        }
    }
}

/// An authorization decision. RBAC never denies outright: a request it does not allow gets kube's
/// `NoOpinion`, which the hub answers with a `403`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// Whether RBAC allows the request.
    pub allowed: bool,
    /// kube's reason: `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`
    /// when allowed; when not, empty, or `RBAC: <errors>` if bindings of the user referenced
    /// roles that do not exist.
    pub reason: String,
}

/// The message of the `Status` kube-apiserver answers a request the authorizer did not allow
/// with (`responsewriters.Forbidden`), `reason` being the [`Decision::reason`]:
/// `pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the
/// namespace "default"`, `forbidden: User "alice" cannot get path "/metrics"`. The `Status` has
/// reason `Forbidden`, code 403 and details `{group: api_group, kind: resource, name}`.
pub fn forbidden_message(attributes: &Attributes, reason: &str) -> String {
    let user = go_quote(&attributes.user.name);
    let mut message = if !attributes.resource_request {
        format!(
            "User {user} cannot {} path {}",
            attributes.verb,
            go_quote(&attributes.path)
        )
    } else {
        let mut resource = attributes.resource.clone();
        if !attributes.subresource.is_empty() {
            resource.push('/');
            resource.push_str(&attributes.subresource);
        }
        let scope = if attributes.namespace.is_empty() {
            "at the cluster scope".to_owned()
        } else {
            format!("in the namespace {}", go_quote(&attributes.namespace))
        };
        format!(
            "User {user} cannot {} resource {} in API group {} {scope}",
            attributes.verb,
            go_quote(&resource),
            go_quote(&attributes.api_group),
        )
    };
    if !reason.is_empty() {
        message.push_str(": ");
        message.push_str(reason);
    }
    // apierrors.NewForbidden(GroupResource{api_group, resource}, name, message)
    if attributes.resource.is_empty() && attributes.api_group.is_empty() {
        return format!("forbidden: {message}");
    }
    let group_resource = qualified(&attributes.resource, &attributes.api_group);
    if attributes.name.is_empty() {
        format!("{group_resource} is forbidden: {message}")
    } else {
        format!(
            "{group_resource} {} is forbidden: {message}",
            go_quote(&attributes.name)
        )
    }
}

/// `schema.GroupResource.String()`: `pods`, `deployments.apps`.
fn qualified(resource: &str, group: &str) -> String {
    if group.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}.{group}")
    }
}

/// Go's `%q` of a string (`strconv.Quote`).
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn go_quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| go_quote(item)).collect();
    format!("[{}]", quoted.join(" "))
}

/// `utilerrors.NewAggregate(errors).Error()`: one message as it is, several deduplicated,
/// comma-separated and bracketed.
fn aggregate_errors(errors: &[String]) -> String {
    match errors {
        [] => String::new(),
        [one] => one.clone(),
        many => {
            let mut seen: Vec<&str> = Vec::new();
            for error in many {
                if !seen.contains(&error.as_str()) {
                    seen.push(error);
                }
            }
            if seen.len() == 1 {
                seen[0].to_owned()
            } else {
                format!("[{}]", seen.join(", "))
            }
        }
    }
}
