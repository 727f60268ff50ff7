//! policy/v1 PodDisruptionBudgets (`pkg/apis/policy/validation`). kube's strategy checks only the
//! spec (and status); metadata gets the generic store's checks.

use serde_json::Value;

use crate::builtin::field::{Bad, Errors, Path, invalid, not_supported};
use crate::builtin::gofmt;
use crate::builtin::meta::validate_label_selector;
use crate::builtin::value::{get, opt_str};

use super::apps::{not_more_than_100_percent, positive_int_or_percent};

/// `ValidatePodDisruptionBudget` (create and update alike).
pub(crate) fn pod_disruption_budget(object: &Value) -> Errors {
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    let mut errors = Vec::new();
    let min = get(spec, "minAvailable");
    let max = get(spec, "maxUnavailable");
    if min.is_some() && max.is_some() {
        errors.push(invalid(
            &path,
            Bad::Raw(gofmt::go_struct("policy.PodDisruptionBudgetSpec", spec)),
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    for (field, value) in [("minAvailable", min), ("maxUnavailable", max)] {
        if let Some(value) = value {
            errors.extend(positive_int_or_percent(value, &path.child(field)));
            errors.extend(not_more_than_100_percent(value, &path.child(field)));
        }
    }
    errors.extend(validate_label_selector(
        get(spec, "selector"),
        &path.child("selector"),
    ));
    if let Some(policy) = opt_str(spec, "unhealthyPodEvictionPolicy")
        && !matches!(policy, "IfHealthyBudget" | "AlwaysAllow")
    {
        errors.push(not_supported(
            &path.child("unhealthyPodEvictionPolicy"),
            policy,
            &["AlwaysAllow", "IfHealthyBudget"],
        ));
    }
    errors
}
