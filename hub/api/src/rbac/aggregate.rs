//! ClusterRole aggregation, as kube's `clusterroleaggregation` controller computes it: a
//! ClusterRole with an `aggregationRule` gets, for each of its `clusterRoleSelectors` in order,
//! the rules of every other ClusterRole whose labels match, taken in name order, each rule once.
//!
//! The controller recomputes one role at a time from the rules currently stored in the others,
//! and the writes retrigger it until nothing changes; here that repetition runs to its fixed
//! point at once, so chained aggregation (`admin` ← `edit` ← `view`) comes out complete.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::PolicyRule;
use crate::selectors::LabelSelector;

/// The ClusterRoles among `cluster_roles` (stored objects) whose aggregated rules differ from
/// their stored `rules`, each with the `rules` to write back (a JSON list), in name order: what
/// kube's aggregation controller would write once it has settled. A ClusterRole with an
/// `aggregationRule` but no selectors gets no rules; one with a selector kube cannot convert is
/// left alone, as the controller leaves it. Nothing is returned once the stored rules are
/// current, so a hub can call this after every ClusterRole change and write what comes back.
pub fn aggregate(cluster_roles: &[Value]) -> Vec<(String, Value)> {
    let mut parsed: BTreeMap<&str, ParsedRole> = BTreeMap::new();
    for role in cluster_roles {
        let Some(name) = role.pointer("/metadata/name").and_then(Value::as_str) else {
            continue;
        };
        parsed.insert(
            name,
            ParsedRole {
                labels: labels_of(role),
                rules: PolicyRule::list_from_json(role.get("rules")),
                selectors: selectors_of(role),
            },
        );
    }
    let inputs: Vec<Input<'_>> = parsed
        .iter()
        .map(|(name, role)| Input {
            name,
            labels: &role.labels,
            rules: &role.rules,
            selectors: role.selectors.as_ref(),
        })
        .collect();
    let computed = compute(&inputs);
    inputs
        .iter()
        .zip(computed)
        .filter_map(|(input, rules)| {
            let rules = rules?;
            (rules.as_slice() != input.rules).then(|| {
                let json = rules.iter().map(PolicyRule::to_json).collect();
                (input.name.to_owned(), Value::Array(json))
            })
        })
        .collect()
}

struct ParsedRole {
    labels: BTreeMap<String, String>,
    rules: Vec<PolicyRule>,
    selectors: Option<Selectors>,
}

/// The `clusterRoleSelectors` of an `aggregationRule`.
#[derive(Clone, Debug)]
pub(crate) enum Selectors {
    /// Every selector converted (kube's `LabelSelectorAsSelector`).
    Valid(Vec<LabelSelector>),
    /// A selector kube cannot convert: the controller fails and leaves the role as it is.
    Invalid,
}

/// One ClusterRole as aggregation sees it.
pub(crate) struct Input<'a> {
    pub(crate) name: &'a str,
    pub(crate) labels: &'a BTreeMap<String, String>,
    pub(crate) rules: &'a [PolicyRule],
    /// `None` when the role has no `aggregationRule`.
    pub(crate) selectors: Option<&'a Selectors>,
}

/// The `metadata.labels` of an object (non-string values ignored).
pub(crate) fn labels_of(object: &Value) -> BTreeMap<String, String> {
    match object.pointer("/metadata/labels") {
        Some(Value::Object(labels)) => labels
            .iter()
            .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// The selectors of a ClusterRole's `aggregationRule`; `None` without one.
pub(crate) fn selectors_of(role: &Value) -> Option<Selectors> {
    let rule = role.get("aggregationRule").filter(|rule| !rule.is_null())?;
    let selectors = match rule.get("clusterRoleSelectors") {
        None | Some(Value::Null) => return Some(Selectors::Valid(Vec::new())),
        Some(Value::Array(selectors)) => selectors,
        Some(_) => return Some(Selectors::Invalid),
    };
    let mut converted = Vec::with_capacity(selectors.len());
    for selector in selectors {
        // A null entry decodes to an empty LabelSelector, which selects everything.
        let selector = if selector.is_null() {
            Ok(LabelSelector::everything())
        } else {
            LabelSelector::from_label_selector_json(selector)
        };
        match selector {
            Ok(selector) => converted.push(selector),
            Err(_) => return Some(Selectors::Invalid),
        }
    }
    Some(Selectors::Valid(converted))
}

/// The aggregated rules of each input (sorted by name) that has an `aggregationRule` with valid
/// selectors; `None` for the others.
pub(crate) fn compute(inputs: &[Input<'_>]) -> Vec<Option<Vec<PolicyRule>>> {
    // For each aggregated role, the roles its selectors pick, selector by selector, in name order.
    let picked: Vec<Option<Vec<usize>>> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| match input.selectors {
            Some(Selectors::Valid(selectors)) => Some(
                selectors
                    .iter()
                    .flat_map(|selector| {
                        inputs.iter().enumerate().filter_map(move |(j, other)| {
                            (j != i && selector.matches_map(other.labels)).then_some(j)
                        })
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    let aggregated: Vec<usize> = (0..inputs.len()).filter(|&i| picked[i].is_some()).collect();
    let mut current: Vec<Option<Vec<PolicyRule>>> = picked
        .iter()
        .zip(inputs)
        .map(|(picked, input)| picked.as_ref().map(|_| input.rules.to_vec()))
        .collect();
    // Each pass recomputes every aggregated role from the latest rules of the others, as the
    // controller does one role at a time; an acyclic chain settles within one pass per link.
    for _ in 0..=aggregated.len() {
        let mut changed = false;
        for &i in &aggregated {
            let next = {
                let mut seen: HashSet<&PolicyRule> = HashSet::new();
                let mut next = Vec::new();
                for &j in picked[i].as_deref().unwrap_or_default() {
                    let rules = current[j].as_deref().unwrap_or(inputs[j].rules);
                    for rule in rules {
                        if seen.insert(rule) {
                            next.push(rule.clone());
                        }
                    }
                }
                next
            };
            if current[i].as_ref() != Some(&next) {
                current[i] = Some(next);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn role(name: &str, labels: Value, rules: Value, aggregation: Option<Value>) -> Value {
        let mut role = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name, "labels": labels},
            "rules": rules,
        });
        if let Some(selectors) = aggregation {
            role["aggregationRule"] = json!({"clusterRoleSelectors": selectors});
        }
        role
    }

    fn get(verbs: &[&str], resources: &[&str]) -> Value {
        json!({"apiGroups": [""], "resources": resources, "verbs": verbs})
    }

    #[test]
    fn chained_aggregation_settles_in_name_order_without_duplicates() {
        let roles = vec![
            role(
                "admin",
                json!({}),
                json!(null),
                Some(json!([{"matchLabels": {"to-admin": "true"}}])),
            ),
            role(
                "edit",
                json!({"to-admin": "true"}),
                json!([]),
                Some(json!([{"matchLabels": {"to-edit": "true"}}])),
            ),
            role(
                "view",
                json!({"to-edit": "true"}),
                json!([]),
                Some(json!([{"matchLabels": {"to-view": "true"}}])),
            ),
            role(
                "b-view",
                json!({"to-view": "true"}),
                json!([get(&["get"], &["pods"])]),
                None,
            ),
            role(
                "a-view",
                json!({"to-view": "true"}),
                json!([get(&["list"], &["pods"]), get(&["get"], &["pods"])]),
                None,
            ),
            role(
                "a-edit",
                json!({"to-edit": "true"}),
                json!([get(&["update"], &["pods"])]),
                None,
            ),
            role(
                "z-admin",
                json!({"to-admin": "true"}),
                json!([get(&["get"], &["pods"])]),
                None,
            ),
            role(
                "other",
                json!({"unrelated": "true"}),
                json!([get(&["*"], &["*"])]),
                None,
            ),
        ];
        let written: BTreeMap<String, Value> = aggregate(&roles).into_iter().collect();
        let view = json!([get(&["list"], &["pods"]), get(&["get"], &["pods"])]);
        assert_eq!(written["view"], view);
        // edit: a-edit, then view (names sorted), each rule once.
        let edit = json!([
            get(&["update"], &["pods"]),
            get(&["list"], &["pods"]),
            get(&["get"], &["pods"])
        ]);
        assert_eq!(written["edit"], edit);
        // admin: edit's aggregated rules, then z-admin's (already there: not repeated).
        assert_eq!(written["admin"], edit);
        assert_eq!(written.len(), 3);

        // Once written back, nothing changes any more.
        let settled: Vec<Value> = roles
            .into_iter()
            .map(|mut role| {
                let name = role["metadata"]["name"].as_str().unwrap().to_owned();
                if let Some(rules) = written.get(&name) {
                    role["rules"] = rules.clone();
                }
                role
            })
            .collect();
        assert!(aggregate(&settled).is_empty());
    }

    #[test]
    fn empty_invalid_and_everything_selectors() {
        let roles = vec![
            // An aggregationRule without selectors aggregates nothing: its rules are cleared.
            role(
                "none",
                json!({}),
                json!([get(&["get"], &["pods"])]),
                Some(json!([])),
            ),
            // A selector kube cannot convert leaves the role alone.
            role(
                "broken",
                json!({}),
                json!([get(&["get"], &["pods"])]),
                Some(json!([{"matchExpressions": [{"key": "a", "operator": "Bogus"}]}])),
            ),
            // `{}` selects every other ClusterRole.
            role("all", json!({}), json!([]), Some(json!([{}]))),
            role("x", json!({}), json!([get(&["list"], &["secrets"])]), None),
        ];
        let written: BTreeMap<String, Value> = aggregate(&roles).into_iter().collect();
        assert_eq!(written["none"], json!([]));
        assert!(!written.contains_key("broken"));
        // `all` picks broken (as stored), none (now empty) and x, and never itself.
        assert_eq!(
            written["all"],
            json!([get(&["get"], &["pods"]), get(&["list"], &["secrets"])])
        );
    }
}
