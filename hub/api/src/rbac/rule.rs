//! `rbac/v1` PolicyRules and RoleRefs: decoding from stored JSON, kube's matching of a request
//! against a rule (`RuleAllows`), and kube's compact rendering for escalation messages.

use serde_json::{Map, Value, json};

use super::{Attributes, go_quote_list};

/// An `rbac/v1` PolicyRule. Empty lists and absent fields are the same thing, as in kube.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PolicyRule {
    /// `verbs`; `*` is every verb.
    pub verbs: Vec<String>,
    /// `apiGroups`; `""` is the core group, `*` every group.
    pub api_groups: Vec<String>,
    /// `resources`: `pods`, `pods/log`, `*`, `*/scale`.
    pub resources: Vec<String>,
    /// `resourceNames`: when present, only requests for these names match.
    pub resource_names: Vec<String>,
    /// `nonResourceURLs`: exact paths, or prefixes ending in `*`.
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// A resource rule.
    pub fn resource(verbs: &[&str], api_groups: &[&str], resources: &[&str]) -> Self {
        Self {
            verbs: owned(verbs),
            api_groups: owned(api_groups),
            resources: owned(resources),
            ..Self::default()
        }
    }

    /// A non-resource rule.
    pub fn non_resource(verbs: &[&str], urls: &[&str]) -> Self {
        Self {
            verbs: owned(verbs),
            non_resource_urls: owned(urls),
            ..Self::default()
        }
    }

    /// This rule restricted to `names`.
    pub fn with_names(mut self, names: &[&str]) -> Self {
        self.resource_names = owned(names);
        self
    }

    /// Decodes a PolicyRule as stored (`{"verbs": [...], "apiGroups": [...], ...}`). Entries
    /// that are not strings are skipped (validation keeps them out of stored objects).
    pub fn from_json(rule: &Value) -> Self {
        Self {
            verbs: strings(rule.get("verbs")),
            api_groups: strings(rule.get("apiGroups")),
            resources: strings(rule.get("resources")),
            resource_names: strings(rule.get("resourceNames")),
            non_resource_urls: strings(rule.get("nonResourceURLs")),
        }
    }

    /// Decodes the `rules` of a Role or ClusterRole (`null` or absent: none).
    pub fn list_from_json(rules: Option<&Value>) -> Vec<Self> {
        match rules {
            Some(Value::Array(rules)) => rules.iter().map(Self::from_json).collect(),
            _ => Vec::new(),
        }
    }

    /// The rule as kube writes it: `verbs` always, the other lists only when not empty.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("verbs".into(), json!(self.verbs));
        for (key, list) in [
            ("apiGroups", &self.api_groups),
            ("resources", &self.resources),
            ("resourceNames", &self.resource_names),
            ("nonResourceURLs", &self.non_resource_urls),
        ] {
            if !list.is_empty() {
                out.insert(key.into(), json!(list));
            }
        }
        Value::Object(out)
    }

    /// Whether this rule allows the request (kube's `RuleAllows`): the verb, the API group, the
    /// resource (with its subresource) and the name for resource requests; the verb and the path
    /// for the others.
    pub fn allows(&self, request: &Attributes) -> bool {
        if request.resource_request {
            self.verb_matches(&request.verb)
                && self.api_group_matches(&request.api_group)
                && self.resource_matches(&request.resource, &request.subresource)
                && self.resource_name_matches(&request.name)
        } else {
            self.verb_matches(&request.verb) && self.non_resource_url_matches(&request.path)
        }
    }

    /// `VerbMatches`: `*` or the verb itself.
    fn verb_matches(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == "*" || v == verb)
    }

    /// `APIGroupMatches`: `*` or the group itself.
    fn api_group_matches(&self, group: &str) -> bool {
        self.api_groups.iter().any(|g| g == "*" || g == group)
    }

    /// `ResourceMatches`: `*`, the exact `resource[/subresource]`, or `*/subresource`. A rule
    /// for `pods/*` matches only a request for the literal resource `pods/*`, never `pods/log`.
    fn resource_matches(&self, resource: &str, subresource: &str) -> bool {
        self.resources.iter().any(|rule| {
            if rule == "*" {
                return true;
            }
            if subresource.is_empty() {
                return rule == resource;
            }
            // rule == resource + "/" + subresource, without building the string
            let combined = rule.len() == resource.len() + 1 + subresource.len()
                && rule.starts_with(resource)
                && rule.as_bytes()[resource.len()] == b'/'
                && rule.ends_with(subresource);
            combined
                || (rule.len() == subresource.len() + 2
                    && rule.starts_with("*/")
                    && rule.ends_with(subresource))
        })
    }

    /// `ResourceNameMatches`: no names, or the request's name among them. A request without a
    /// name (list, watch, create, deletecollection) never matches a rule with names.
    fn resource_name_matches(&self, name: &str) -> bool {
        self.resource_names.is_empty() || self.resource_names.iter().any(|n| n == name)
    }

    /// `NonResourceURLMatches`: `*`, the exact path, or a prefix when the rule ends in `*`.
    fn non_resource_url_matches(&self, path: &str) -> bool {
        self.non_resource_urls.iter().any(|url| {
            url == "*"
                || url == path
                || (url.ends_with('*') && path.starts_with(url.trim_end_matches('*')))
        })
    }

    /// kube's `CompactString`, used in escalation messages:
    /// `{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`.
    pub fn compact_string(&self) -> String {
        let mut parts = Vec::new();
        for (label, list) in [
            ("APIGroups", &self.api_groups),
            ("Resources", &self.resources),
            ("NonResourceURLs", &self.non_resource_urls),
            ("ResourceNames", &self.resource_names),
            ("Verbs", &self.verbs),
        ] {
            if !list.is_empty() {
                parts.push(format!("{label}:{}", go_quote_list(list)));
            }
        }
        format!("{{{}}}", parts.join(", "))
    }
}

/// A binding's `roleRef`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoleRef {
    /// `apiGroup` (`rbac.authorization.k8s.io`).
    pub api_group: String,
    /// `kind`: `Role` or `ClusterRole`.
    pub kind: String,
    /// `name`.
    pub name: String,
}

impl RoleRef {
    /// A reference to the ClusterRole `name`.
    pub fn cluster_role(name: &str) -> Self {
        Self {
            api_group: super::RBAC_GROUP.to_owned(),
            kind: "ClusterRole".to_owned(),
            name: name.to_owned(),
        }
    }

    /// A reference to the Role `name` (in the binding's namespace).
    pub fn role(name: &str) -> Self {
        Self {
            kind: "Role".to_owned(),
            ..Self::cluster_role(name)
        }
    }

    /// Decodes a `roleRef` as stored.
    pub fn from_json(role_ref: &Value) -> Self {
        let field = |key: &str| {
            role_ref
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Self {
            api_group: field("apiGroup"),
            kind: field("kind"),
            name: field("name"),
        }
    }
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// The strings of a JSON list (`null`, absent or not a list: none).
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbac::UserInfo;

    fn request(verb: &str, group: &str, resource: &str, sub: &str, name: &str) -> Attributes {
        let user = UserInfo::new("alice", &[]);
        Attributes::resource(&user, verb, "default", group, resource, sub, name)
    }

    #[test]
    fn resource_matching_follows_kube() {
        let cases: &[(&[&str], &str, &str, bool)] = &[
            (&["pods"], "pods", "", true),
            (&["pods"], "pods", "log", false),
            (&["pods/log"], "pods", "log", true),
            (&["pods/log"], "pods", "", false),
            (&["*"], "pods", "log", true),
            (&["*/scale"], "deployments", "scale", true),
            (&["*/scale"], "deployments", "", false),
            (&["*/scale"], "deployments", "status", false),
            // "resource/*" is no wildcard in kube: only the literal resource matches.
            (&["pods/*"], "pods", "log", false),
            (&["pods/*"], "pods", "", false),
            (&["deployments/scale"], "deploymentsx", "scale", false),
            (&["deployments/scale"], "deployments", "scalex", false),
            (&["podsxlog"], "pods", "log", false),
        ];
        for (resources, resource, sub, want) in cases {
            let rule = PolicyRule::resource(&["get"], &[""], resources);
            let got = rule.allows(&request("get", "", resource, sub, ""));
            assert_eq!(got, *want, "{resources:?} vs {resource}/{sub}");
        }
    }

    #[test]
    fn verbs_groups_and_names_follow_kube() {
        let rule = PolicyRule::resource(&["get", "update"], &["apps"], &["deployments"])
            .with_names(&["web"]);
        assert!(rule.allows(&request("get", "apps", "deployments", "", "web")));
        assert!(!rule.allows(&request("get", "apps", "deployments", "", "db")));
        assert!(!rule.allows(&request("get", "", "deployments", "", "web")));
        assert!(!rule.allows(&request("delete", "apps", "deployments", "", "web")));
        // No name on the request: never matches a rule with names.
        assert!(!rule.allows(&request("list", "apps", "deployments", "", "")));
        let any = PolicyRule::resource(&["*"], &["*"], &["*"]);
        assert!(any.allows(&request(
            "escalate",
            "rbac.authorization.k8s.io",
            "roles",
            "",
            ""
        )));
        // A resource rule never matches a non-resource request and vice versa.
        let user = UserInfo::new("alice", &[]);
        assert!(!any.allows(&Attributes::non_resource(&user, "get", "/healthz")));
        let urls = PolicyRule::non_resource(&["get"], &["*"]);
        assert!(!urls.allows(&request("get", "", "pods", "", "")));
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_star_prefix() {
        let user = UserInfo::new("alice", &[]);
        let rule = PolicyRule::non_resource(&["get"], &["/healthz", "/apis/*", "/logs**"]);
        for (path, want) in [
            ("/healthz", true),
            ("/healthz/etcd", false),
            ("/apis", false),
            ("/apis/", true),
            ("/apis/apps/v1", true),
            ("/logs", true),
            ("/logsx/y", true),
        ] {
            let got = rule.allows(&Attributes::non_resource(&user, "get", path));
            assert_eq!(got, want, "{path}");
        }
        assert!(!rule.allows(&Attributes::non_resource(&user, "post", "/healthz")));
    }

    #[test]
    fn json_round_trip_and_compact_string() {
        let stored = json!({
            "apiGroups": ["", "apps"],
            "resources": ["pods", "deployments/scale"],
            "resourceNames": ["web"],
            "verbs": ["get", "patch"]
        });
        let rule = PolicyRule::from_json(&stored);
        assert_eq!(rule.to_json(), stored);
        assert_eq!(
            rule.compact_string(),
            r#"{APIGroups:["" "apps"], Resources:["pods" "deployments/scale"], ResourceNames:["web"], Verbs:["get" "patch"]}"#
        );
        let urls = PolicyRule::non_resource(&["get"], &["/healthz"]);
        assert_eq!(
            urls.to_json(),
            json!({"nonResourceURLs": ["/healthz"], "verbs": ["get"]})
        );
        assert_eq!(
            urls.compact_string(),
            r#"{NonResourceURLs:["/healthz"], Verbs:["get"]}"#
        );
        assert_eq!(PolicyRule::default().to_json(), json!({"verbs": []}));
    }
}
