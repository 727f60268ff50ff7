//! The RBAC objects of one logical cluster, indexed for authorization: kube's
//! `DefaultRuleResolver.VisitRulesFor` and `RBACAuthorizer` over bindings found by subject.
//!
//! kube walks every ClusterRoleBinding, then every RoleBinding of the request's namespace, and
//! keeps those with a subject that applies to the user. Here each binding is filed under the user
//! names and groups its subjects name (a ServiceAccount subject under its user name
//! `system:serviceaccount:<ns>:<name>`, its namespace defaulting to the binding's), so a decision
//! visits only the bindings filed under the user's name or one of its groups, in name order,
//! ClusterRoleBindings first. Rules are kept once per role and shared by every binding.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

use serde_json::{Value, json};

use super::aggregate::{self, Selectors};
use super::{
    Attributes, Decision, PolicyRule, RBAC_GROUP, RoleRef, UserInfo, aggregate_errors, go_quote,
    service_account_user_name,
};

/// Why an object could not be indexed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The object's `kind` is not one of the four RBAC kinds.
    #[error("not an RBAC object: kind {0:?}")]
    UnknownKind(String),
    /// The object has no `metadata.name`.
    #[error("{0} without metadata.name")]
    MissingName(&'static str),
    /// A namespaced object without `metadata.namespace`.
    #[error("{0} {1:?} without metadata.namespace")]
    MissingNamespace(&'static str, String),
}

/// The RBAC state of one logical cluster, kept current from its watch, answering authorization
/// questions. Cheap to query from many threads behind a read lock; updates are incremental.
#[derive(Debug, Default)]
pub struct RbacIndex {
    /// Roles by namespace, then name.
    roles: HashMap<String, HashMap<String, Arc<[PolicyRule]>>>,
    /// ClusterRoles by name.
    cluster_roles: BTreeMap<String, ClusterRole>,
    /// ClusterRoleBindings.
    cluster_bindings: Bindings,
    /// RoleBindings by namespace.
    bindings: HashMap<String, Bindings>,
    /// A shared index under this one (the default policy): its roles and bindings apply unless
    /// this index has one of the same name. Lets every logical cluster share one copy.
    base: Option<Arc<RbacIndex>>,
}

/// A SelfSubjectRulesReview's answer: kube's `SubjectRulesReviewStatus`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulesReview {
    /// The resource rules, one per rule with resources, in the order they were found.
    pub resource_rules: Vec<ResourceRule>,
    /// The non-resource rules, one per rule with non-resource URLs.
    pub non_resource_rules: Vec<NonResourceRule>,
    /// Whether the list is known to be partial. RBAC enumerates everything: always false, even
    /// with an evaluation error (kube's `RBACAuthorizer.RulesFor`).
    pub incomplete: bool,
    /// Roles that bindings of the user reference but that do not exist, as kube reports them.
    pub evaluation_error: Option<String>,
}

/// A resource rule of a [`RulesReview`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceRule {
    /// `verbs`.
    pub verbs: Vec<String>,
    /// `apiGroups`.
    pub api_groups: Vec<String>,
    /// `resources`.
    pub resources: Vec<String>,
    /// `resourceNames`.
    pub resource_names: Vec<String>,
}

/// A non-resource rule of a [`RulesReview`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NonResourceRule {
    /// `verbs`.
    pub verbs: Vec<String>,
    /// `nonResourceURLs`.
    pub non_resource_urls: Vec<String>,
}

impl RulesReview {
    /// The review's `status` as kube-apiserver writes it: `resourceRules`, `nonResourceRules`
    /// and `incomplete` always, `evaluationError` when there is one; in each rule `verbs` always
    /// and the other lists when not empty.
    pub fn status_json(&self) -> Value {
        let resource_rules: Vec<Value> = self
            .resource_rules
            .iter()
            .map(|rule| {
                PolicyRule {
                    verbs: rule.verbs.clone(),
                    api_groups: rule.api_groups.clone(),
                    resources: rule.resources.clone(),
                    resource_names: rule.resource_names.clone(),
                    non_resource_urls: Vec::new(),
                }
                .to_json()
            })
            .collect();
        let non_resource_rules: Vec<Value> = self
            .non_resource_rules
            .iter()
            .map(|rule| {
                PolicyRule {
                    verbs: rule.verbs.clone(),
                    non_resource_urls: rule.non_resource_urls.clone(),
                    ..PolicyRule::default()
                }
                .to_json()
            })
            .collect();
        let mut status = json!({
            "resourceRules": resource_rules,
            "nonResourceRules": non_resource_rules,
            "incomplete": self.incomplete,
        });
        if let Some(error) = &self.evaluation_error {
            status["evaluationError"] = json!(error);
        }
        status
    }
}

#[derive(Debug)]
struct ClusterRole {
    labels: BTreeMap<String, String>,
    /// The rules as stored.
    rules: Arc<[PolicyRule]>,
    /// The `aggregationRule`, if any.
    selectors: Option<Selectors>,
    /// The rules RBAC evaluates: the aggregated ones for an aggregated role, else `rules`.
    effective: Arc<[PolicyRule]>,
}

/// The bindings of one namespace (or the ClusterRoleBindings), filed by subject.
#[derive(Debug, Default)]
struct Bindings {
    by_name: HashMap<Arc<str>, Binding>,
    /// User names (and service-account user names) → names of the bindings naming them.
    users: HashMap<Box<str>, BTreeSet<Arc<str>>>,
    /// Groups → names of the bindings naming them.
    groups: HashMap<Box<str>, BTreeSet<Arc<str>>>,
}

#[derive(Debug)]
struct Binding {
    role_ref: RoleRef,
    subjects: Box<[Subject]>,
}

#[derive(Debug)]
struct Subject {
    kind: Box<str>,
    name: Box<str>,
    namespace: Box<str>,
}

/// Which of kube's two role resolvers' messages errors carry: the authorizer's informer listers
/// (`clusterrole.rbac.authorization.k8s.io "x" not found`) or the registry the escalation checks
/// read (`clusterroles.rbac.authorization.k8s.io "x" not found`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resolver {
    Lister,
    Registry,
}

/// What a visit sees: a rule and where it came from, or a binding whose role is missing.
pub(crate) enum Visit<'a> {
    Rule(Source<'a>, &'a PolicyRule),
    Error(String),
}

/// The binding and subject a rule was granted through (kube's binding describers).
pub(crate) struct Source<'a> {
    binding: &'a str,
    /// The binding's namespace; empty for a ClusterRoleBinding.
    namespace: &'a str,
    role_ref: &'a RoleRef,
    subject: &'a Subject,
}

impl Source<'_> {
    /// `ClusterRoleBinding "x" of ClusterRole "y" to User "z"`,
    /// `RoleBinding "x/ns" of Role "y" to ServiceAccount "sa/ns"`.
    pub(crate) fn describe(&self) -> String {
        let subject = match &*self.subject.kind {
            "ServiceAccount" => {
                let namespace = if self.subject.namespace.is_empty() {
                    self.namespace
                } else {
                    &self.subject.namespace
                };
                format!(
                    "ServiceAccount {}",
                    go_quote(&format!("{}/{namespace}", self.subject.name))
                )
            }
            kind => format!("{kind} {}", go_quote(&self.subject.name)),
        };
        let binding = if self.namespace.is_empty() {
            format!("ClusterRoleBinding {}", go_quote(self.binding))
        } else {
            format!(
                "RoleBinding {}",
                go_quote(&format!("{}/{}", self.binding, self.namespace))
            )
        };
        format!(
            "{binding} of {} {} to {subject}",
            self.role_ref.kind,
            go_quote(&self.role_ref.name)
        )
    }
}

impl RbacIndex {
    /// An empty index: RBAC allows nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// An index of `objects` (any mix of the four kinds); objects that are not RBAC objects are
    /// skipped.
    pub fn from_objects<'a>(objects: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut index = Self::new();
        for object in objects {
            // Anything else in the list is not ours to index.
            let _ = index.upsert(object);
        }
        index
    }

    /// An index of `objects` layered over `base` (shared, not copied), or `None` when a
    /// ClusterRole of `objects` takes part in aggregation with the base's roles (is aggregated,
    /// or carries labels an aggregated base role selects): such a cluster needs the base's roles
    /// recomputed with its own, so the caller builds a flat index of both instead.
    pub fn layered<'a>(
        base: Arc<RbacIndex>,
        objects: impl IntoIterator<Item = &'a Value>,
    ) -> Option<Self> {
        let mut index = Self::new();
        for object in objects {
            if object.get("kind").and_then(Value::as_str) == Some("ClusterRole")
                && (aggregate::selectors_of(object).is_some()
                    || base.selects(&aggregate::labels_of(object)))
            {
                return None;
            }
            // Anything else in the list is not ours to index.
            let _ = index.upsert(object);
        }
        index.base = Some(base);
        Some(index)
    }

    /// Whether a binding of this index itself (not its base) names `user`, or one of its groups
    /// other than the ones every user has (`system:authenticated`, `system:unauthenticated`):
    /// whether the user is a member of the logical cluster at all.
    pub fn binds(&self, user: &UserInfo) -> bool {
        let specific = |group: &&String| {
            group.as_str() != "system:authenticated" && group.as_str() != "system:unauthenticated"
        };
        let member = UserInfo {
            groups: user.groups.iter().filter(specific).cloned().collect(),
            ..user.clone()
        };
        std::iter::once(("", &self.cluster_bindings))
            .chain(
                self.bindings
                    .iter()
                    .map(|(namespace, bindings)| (namespace.as_str(), bindings)),
            )
            .any(|(namespace, bindings)| {
                bindings.candidates(&member).iter().any(|name| {
                    bindings.by_name.get(*name).is_some_and(|binding| {
                        binding
                            .subjects
                            .iter()
                            .any(|subject| applies_to(&member, subject, namespace))
                    })
                })
            })
    }

    /// Whether an aggregated ClusterRole of this index selects `labels`.
    fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        self.cluster_roles
            .values()
            .any(|role| match &role.selectors {
                Some(Selectors::Valid(selectors)) => selectors
                    .iter()
                    .any(|selector| selector.matches_map(labels)),
                _ => false,
            })
    }

    /// Adds or replaces a Role, ClusterRole, RoleBinding or ClusterRoleBinding, as stored
    /// (`kind` and `metadata` required). Aggregated ClusterRoles are recomputed when the change
    /// can affect them.
    pub fn upsert(&mut self, object: &Value) -> Result<(), IndexError> {
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match kind {
            "Role" => {
                let (namespace, name) = namespaced_name(object, "Role")?;
                let rules: Arc<[PolicyRule]> =
                    PolicyRule::list_from_json(object.get("rules")).into();
                self.roles.entry(namespace).or_default().insert(name, rules);
            }
            "ClusterRole" => {
                let name = name_of(object, "ClusterRole")?;
                let rules: Arc<[PolicyRule]> =
                    PolicyRule::list_from_json(object.get("rules")).into();
                let role = ClusterRole {
                    labels: aggregate::labels_of(object),
                    effective: rules.clone(),
                    rules,
                    selectors: aggregate::selectors_of(object),
                };
                let old = self.cluster_roles.insert(name, role);
                self.reaggregate_if_needed(old.as_ref(), object);
            }
            "RoleBinding" => {
                let (namespace, name) = namespaced_name(object, "RoleBinding")?;
                let binding = binding_of(object);
                let bindings = self.bindings.entry(namespace.clone()).or_default();
                bindings.insert(name.into(), binding, &namespace);
            }
            "ClusterRoleBinding" => {
                let name = name_of(object, "ClusterRoleBinding")?;
                let binding = binding_of(object);
                self.cluster_bindings.insert(name.into(), binding, "");
            }
            other => return Err(IndexError::UnknownKind(other.to_owned())),
        }
        Ok(())
    }

    /// Removes an object by kind, namespace (empty for cluster-scoped kinds) and name. Removing
    /// what is not there does nothing.
    pub fn remove(&mut self, kind: &str, namespace: &str, name: &str) {
        match kind {
            "Role" => {
                if let Some(roles) = self.roles.get_mut(namespace) {
                    roles.remove(name);
                    if roles.is_empty() {
                        self.roles.remove(namespace);
                    }
                }
            }
            "ClusterRole" => {
                if let Some(old) = self.cluster_roles.remove(name) {
                    self.reaggregate_if_needed(Some(&old), &Value::Null);
                }
            }
            "RoleBinding" => {
                if let Some(bindings) = self.bindings.get_mut(namespace) {
                    bindings.remove(name, namespace);
                    if bindings.by_name.is_empty() {
                        self.bindings.remove(namespace);
                    }
                }
            }
            "ClusterRoleBinding" => self.cluster_bindings.remove(name, ""),
            _ => {}
        }
    }

    /// The number of Roles, ClusterRoles, RoleBindings and ClusterRoleBindings indexed.
    pub fn len(&self) -> usize {
        self.roles.values().map(HashMap::len).sum::<usize>()
            + self.cluster_roles.len()
            + self
                .bindings
                .values()
                .map(|b| b.by_name.len())
                .sum::<usize>()
            + self.cluster_bindings.by_name.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// kube's `RBACAuthorizer.Authorize`: allowed by the first rule that allows the request,
    /// among the ClusterRoleBindings, then the RoleBindings of the request's namespace, that
    /// name the user or one of its groups. A denial's reason is empty, or `RBAC: ` and the
    /// roles those bindings reference that do not exist
    /// (`RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`).
    pub fn authorize(&self, request: &Attributes) -> Decision {
        let mut errors = Vec::new();
        let mut allowed_by = None;
        self.visit(
            &request.user,
            &request.namespace,
            Resolver::Lister,
            &mut |visit| match visit {
                Visit::Rule(source, rule) if rule.allows(request) => {
                    allowed_by = Some(source.describe());
                    ControlFlow::Break(())
                }
                Visit::Rule(..) => ControlFlow::Continue(()),
                Visit::Error(error) => {
                    errors.push(error);
                    ControlFlow::Continue(())
                }
            },
        );
        match allowed_by {
            Some(source) => Decision {
                allowed: true,
                reason: format!("RBAC: allowed by {source}"),
            },
            None if errors.is_empty() => Decision::default(),
            None => Decision {
                allowed: false,
                reason: format!("RBAC: {}", aggregate_errors(&errors)),
            },
        }
    }

    /// Whether RBAC allows the request (the boolean of [`RbacIndex::authorize`], without
    /// building a reason).
    pub fn allows(&self, request: &Attributes) -> bool {
        let mut allowed = false;
        self.visit(
            &request.user,
            &request.namespace,
            Resolver::Lister,
            &mut |visit| match visit {
                Visit::Rule(_, rule) if rule.allows(request) => {
                    allowed = true;
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            },
        );
        allowed
    }

    /// The rules `user` holds in `namespace` (cluster-wide rules only when empty), for a
    /// SelfSubjectRulesReview: kube's `RBACAuthorizer.RulesFor`.
    pub fn rules_for(&self, user: &UserInfo, namespace: &str) -> RulesReview {
        let (rules, errors) = self.policy_rules_for(user, namespace, Resolver::Lister);
        let mut review = RulesReview::default();
        for rule in rules {
            if !rule.resources.is_empty() {
                review.resource_rules.push(ResourceRule {
                    verbs: rule.verbs.clone(),
                    api_groups: rule.api_groups.clone(),
                    resources: rule.resources.clone(),
                    resource_names: rule.resource_names.clone(),
                });
            }
            if !rule.non_resource_urls.is_empty() {
                review.non_resource_rules.push(NonResourceRule {
                    verbs: rule.verbs,
                    non_resource_urls: rule.non_resource_urls,
                });
            }
        }
        if !errors.is_empty() {
            review.evaluation_error = Some(aggregate_errors(&errors));
        }
        review
    }

    /// The rules of a binding's `roleRef` (kube's `GetRoleReferenceRules`): a Role of
    /// `namespace` or a ClusterRole (with its aggregated rules). The error is kube's registry
    /// message (`roles.rbac.authorization.k8s.io "x" not found`,
    /// `unsupported role reference kind: "X"`).
    pub fn role_ref_rules(
        &self,
        role_ref: &RoleRef,
        namespace: &str,
    ) -> Result<Vec<PolicyRule>, String> {
        self.resolve(role_ref, namespace, Resolver::Registry)
            .map(|rules| rules.to_vec())
    }

    /// Every rule `user` holds in `namespace` and the resolution errors (kube's
    /// `DefaultRuleResolver.RulesFor`).
    pub(crate) fn policy_rules_for(
        &self,
        user: &UserInfo,
        namespace: &str,
        resolver: Resolver,
    ) -> (Vec<PolicyRule>, Vec<String>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        self.visit(user, namespace, resolver, &mut |visit| {
            match visit {
                Visit::Rule(_, rule) => rules.push(rule.clone()),
                Visit::Error(error) => errors.push(error),
            }
            ControlFlow::Continue(())
        });
        (rules, errors)
    }

    /// kube's `VisitRulesFor`: the rules of the ClusterRoleBindings, then of the RoleBindings of
    /// `namespace` (none when empty), that apply to `user`, until `visitor` breaks.
    pub(crate) fn visit<'a>(
        &'a self,
        user: &UserInfo,
        namespace: &str,
        resolver: Resolver,
        visitor: &mut dyn FnMut(Visit<'a>) -> ControlFlow<()>,
    ) {
        // Each scope: its bindings, their namespace, and the bindings that shadow them (this
        // index's, over the base's of the same name).
        let own_namespace = (!namespace.is_empty())
            .then(|| self.bindings.get_key_value(namespace))
            .flatten();
        let base = self.base.as_deref();
        let base_namespace = base
            .filter(|_| !namespace.is_empty())
            .and_then(|base| base.bindings.get_key_value(namespace));
        let scopes: [Option<(&Bindings, &str, Option<&Bindings>)>; 4] = [
            Some((&self.cluster_bindings, "", None)),
            base.map(|base| (&base.cluster_bindings, "", Some(&self.cluster_bindings))),
            own_namespace.map(|(namespace, bindings)| (bindings, namespace.as_str(), None)),
            base_namespace.map(|(namespace, bindings)| {
                (
                    bindings,
                    namespace.as_str(),
                    own_namespace.map(|(_, own)| own),
                )
            }),
        ];
        for (bindings, binding_namespace, shadowed_by) in scopes.into_iter().flatten() {
            for name in bindings.candidates(user) {
                let Some(binding) = bindings.by_name.get(name) else {
                    continue;
                };
                if shadowed_by.is_some_and(|own| own.by_name.contains_key(name)) {
                    continue;
                }
                let Some(subject) = binding
                    .subjects
                    .iter()
                    .find(|subject| applies_to(user, subject, binding_namespace))
                else {
                    continue;
                };
                let rules = match self.resolve(&binding.role_ref, binding_namespace, resolver) {
                    Ok(rules) => rules,
                    Err(error) => {
                        if visitor(Visit::Error(error)).is_break() {
                            return;
                        }
                        continue;
                    }
                };
                for rule in rules {
                    let source = Source {
                        binding: name,
                        namespace: binding_namespace,
                        role_ref: &binding.role_ref,
                        subject,
                    };
                    if visitor(Visit::Rule(source, rule)).is_break() {
                        return;
                    }
                }
            }
        }
    }

    fn resolve(
        &self,
        role_ref: &RoleRef,
        namespace: &str,
        resolver: Resolver,
    ) -> Result<&[PolicyRule], String> {
        let (resource, found) = match role_ref.kind.as_str() {
            "Role" => (
                "role",
                self.role(namespace, &role_ref.name).or_else(|| {
                    self.base
                        .as_deref()
                        .and_then(|base| base.role(namespace, &role_ref.name))
                }),
            ),
            "ClusterRole" => (
                "clusterrole",
                self.cluster_role(&role_ref.name).or_else(|| {
                    self.base
                        .as_deref()
                        .and_then(|base| base.cluster_role(&role_ref.name))
                }),
            ),
            other => {
                return Err(format!(
                    "unsupported role reference kind: {}",
                    go_quote(other)
                ));
            }
        };
        found.ok_or_else(|| {
            let plural = if resolver == Resolver::Registry {
                "s"
            } else {
                ""
            };
            format!(
                "{resource}{plural}.{RBAC_GROUP} {} not found",
                go_quote(&role_ref.name)
            )
        })
    }

    fn role(&self, namespace: &str, name: &str) -> Option<&[PolicyRule]> {
        self.roles
            .get(namespace)
            .and_then(|roles| roles.get(name))
            .map(|rules| &**rules)
    }

    fn cluster_role(&self, name: &str) -> Option<&[PolicyRule]> {
        self.cluster_roles.get(name).map(|role| &*role.effective)
    }

    /// Recomputes the aggregated ClusterRoles if the change from `old` to `new` (a ClusterRole
    /// object, or null when removed) can affect one: either is aggregated, or either one's
    /// labels match an aggregated role's selector.
    fn reaggregate_if_needed(&mut self, old: Option<&ClusterRole>, new: &Value) {
        let new_labels = aggregate::labels_of(new);
        let new_aggregated = aggregate::selectors_of(new).is_some();
        let old_aggregated = old.is_some_and(|old| old.selectors.is_some());
        let needed = new_aggregated
            || old_aggregated
            || (!new.is_null() && self.selects(&new_labels))
            || old.is_some_and(|old| self.selects(&old.labels));
        if needed {
            self.reaggregate();
        }
    }

    fn reaggregate(&mut self) {
        let inputs: Vec<aggregate::Input<'_>> = self
            .cluster_roles
            .iter()
            .map(|(name, role)| aggregate::Input {
                name,
                labels: &role.labels,
                rules: &role.rules,
                selectors: role.selectors.as_ref(),
            })
            .collect();
        let computed = aggregate::compute(&inputs);
        drop(inputs);
        for (role, computed) in self.cluster_roles.values_mut().zip(computed) {
            role.effective = match computed {
                Some(rules) => rules.into(),
                None => role.rules.clone(),
            };
        }
    }
}

impl Bindings {
    fn insert(&mut self, name: Arc<str>, binding: Binding, namespace: &str) {
        self.remove(&name, namespace);
        for subject in &binding.subjects {
            if let Some((key, is_group)) = subject_key(subject, namespace) {
                let map = if is_group {
                    &mut self.groups
                } else {
                    &mut self.users
                };
                map.entry(key.into()).or_default().insert(name.clone());
            }
        }
        self.by_name.insert(name, binding);
    }

    fn remove(&mut self, name: &str, namespace: &str) {
        let Some((name, binding)) = self.by_name.remove_entry(name) else {
            return;
        };
        for subject in &binding.subjects {
            if let Some((key, is_group)) = subject_key(subject, namespace) {
                let map = if is_group {
                    &mut self.groups
                } else {
                    &mut self.users
                };
                if let Some(names) = map.get_mut(key.as_str()) {
                    names.remove(&name);
                    if names.is_empty() {
                        map.remove(key.as_str());
                    }
                }
            }
        }
    }

    /// The names of the bindings filed under the user's name or one of its groups, sorted,
    /// each once.
    fn candidates(&self, user: &UserInfo) -> Vec<&Arc<str>> {
        let mut names: Vec<&Arc<str>> = Vec::new();
        if let Some(found) = self.users.get(user.name.as_str()) {
            names.extend(found);
        }
        for group in &user.groups {
            if let Some(found) = self.groups.get(group.as_str()) {
                names.extend(found);
            }
        }
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// The key a subject is filed under in a binding of `namespace` (empty for a
/// ClusterRoleBinding), and whether it is a group; `None` for a subject that never applies.
fn subject_key(subject: &Subject, namespace: &str) -> Option<(String, bool)> {
    match &*subject.kind {
        "User" => Some((subject.name.to_string(), false)),
        "Group" => Some((subject.name.to_string(), true)),
        "ServiceAccount" => {
            let namespace = if subject.namespace.is_empty() {
                namespace
            } else {
                &subject.namespace
            };
            (!namespace.is_empty())
                .then(|| (service_account_user_name(namespace, &subject.name), false))
        }
        _ => None,
    }
}

/// kube's `appliesToUser`: a User by name, a Group by membership, a ServiceAccount by its user
/// name (its namespace defaulting to the binding's).
fn applies_to(user: &UserInfo, subject: &Subject, namespace: &str) -> bool {
    match &*subject.kind {
        "User" => user.name == *subject.name,
        "Group" => user.groups.iter().any(|group| *group == *subject.name),
        "ServiceAccount" => {
            let namespace = if subject.namespace.is_empty() {
                namespace
            } else {
                &subject.namespace
            };
            !namespace.is_empty()
                && user
                    .name
                    .strip_prefix("system:serviceaccount:")
                    .and_then(|rest| rest.strip_prefix(namespace))
                    .and_then(|rest| rest.strip_prefix(':'))
                    == Some(&*subject.name)
        }
        _ => false,
    }
}

fn binding_of(object: &Value) -> Binding {
    let role_ref = object
        .get("roleRef")
        .map(RoleRef::from_json)
        .unwrap_or_default();
    let subjects = match object.get("subjects") {
        Some(Value::Array(subjects)) => subjects
            .iter()
            .map(|subject| {
                let field = |key: &str| -> Box<str> {
                    subject
                        .get(key)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .into()
                };
                Subject {
                    kind: field("kind"),
                    name: field("name"),
                    namespace: field("namespace"),
                }
            })
            .collect(),
        _ => Box::default(),
    };
    Binding { role_ref, subjects }
}

fn name_of(object: &Value, kind: &'static str) -> Result<String, IndexError> {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .ok_or(IndexError::MissingName(kind))
}

fn namespaced_name(object: &Value, kind: &'static str) -> Result<(String, String), IndexError> {
    let name = name_of(object, kind)?;
    let namespace = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|namespace| !namespace.is_empty())
        .ok_or_else(|| IndexError::MissingNamespace(kind, name.clone()))?;
    Ok((namespace.to_owned(), name))
}
