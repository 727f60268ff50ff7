//! batch/v1 (`pkg/apis/batch/validation`): Jobs (with their generated selector) and CronJobs
//! (schedule, time zone, job template).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::builtin::field::{
    Bad, Errors, Path, duplicate, invalid, not_supported, required, too_many,
};
use crate::builtin::formats::{dns1123_label, name_is_dns_subdomain, qualified_name};
use crate::builtin::gofmt;
use crate::builtin::meta::{
    immutable, nonnegative, selector_matches, validate_label_selector, validate_object_meta,
    validate_object_meta_update,
};
use crate::builtin::value::{get, list, map_of, opt_bool, opt_int, opt_str, str_of};

use super::cron;
use super::pod::{self, Options, semantic_eq};

const LEGACY_UID: &str = "controller-uid";
const LEGACY_NAME: &str = "job-name";
const UID: &str = "batch.kubernetes.io/controller-uid";
const NAME: &str = "batch.kubernetes.io/job-name";

/// `ValidateHasLabel`.
fn has_label(meta: &Value, path: &Path, key: &str, expected: &str) -> Errors {
    let labels_path = path.child("labels").key(key);
    match map_of(meta, "labels").and_then(|labels| labels.get(key)) {
        None => vec![required(&labels_path, &format!("must be '{expected}'"))],
        Some(actual) if actual.as_str() != Some(expected) => vec![invalid(
            &labels_path,
            Bad::Raw(gofmt::string_map(get(meta, "labels"))),
            &format!("must be '{expected}'"),
        )],
        Some(_) => Vec::new(),
    }
}

/// `validateGeneratedSelector`.
fn generated_selector(job: &Value, prefixed: bool) -> Errors {
    let empty = Value::Null;
    let spec = get(job, "spec").unwrap_or(&empty);
    if opt_bool(spec, "manualSelector") == Some(true) {
        return Vec::new();
    }
    let Some(selector) = get(spec, "selector") else {
        return Vec::new();
    };
    let meta = get(job, "metadata").unwrap_or(&empty);
    let (uid, name) = (str_of(meta, "uid"), str_of(meta, "name"));
    let mut errors = Vec::new();
    if uid.is_empty() {
        errors.push(required(&Path::new("metadata").child("uid"), ""));
    }
    let template_meta = get(spec, "template")
        .and_then(|template| get(template, "metadata"))
        .unwrap_or(&empty);
    let template_path = Path::new("spec").child("template").child("metadata");
    errors.extend(has_label(template_meta, &template_path, LEGACY_UID, uid));
    errors.extend(has_label(template_meta, &template_path, LEGACY_NAME, name));
    let mut expected = serde_json::Map::new();
    if prefixed {
        errors.extend(has_label(template_meta, &template_path, UID, uid));
        errors.extend(has_label(template_meta, &template_path, NAME, name));
        expected.insert(UID.to_owned(), Value::from(uid));
        expected.insert(NAME.to_owned(), Value::from(name));
    }
    expected.insert(LEGACY_UID.to_owned(), Value::from(uid));
    expected.insert(LEGACY_NAME.to_owned(), Value::from(name));
    if selector_matches(Some(selector), Some(&Value::Object(expected))) == Some(false) {
        errors.push(invalid(
            &Path::new("spec").child("selector"),
            Bad::Raw(gofmt::label_selector(selector)),
            "`selector` not auto-generated",
        ));
    }
    errors
}

/// `ValidateJob` (`prefixed`: the `batch.kubernetes.io/` labels are required, as on create).
fn job_with(job: &Value, prefixed: bool) -> Errors {
    let mut errors = validate_object_meta(job, true, name_is_dns_subdomain);
    errors.extend(generated_selector(job, prefixed));
    let empty = Value::Null;
    let spec = get(job, "spec").unwrap_or(&empty);
    errors.extend(job_spec_with_selector(spec, &Path::new("spec")));
    let indexed = opt_str(spec, "completionMode") == Some("Indexed");
    if let Some(completions) = opt_int(spec, "completions")
        && indexed
        && completions > 0
    {
        let name = get(job, "metadata")
            .map(|meta| str_of(meta, "name"))
            .unwrap_or_default();
        let hostname = format!("{name}-{}", completions - 1);
        if !dns1123_label(&hostname).is_empty() {
            errors.push(invalid(
                &Path::new("metadata").child("name"),
                name,
                &format!("will not able to create pod with invalid DNS label: {hostname}"),
            ));
        }
    }
    errors
}

/// A Job on create.
pub(crate) fn job(job: &Value) -> Errors {
    job_with(job, true)
}

/// `ValidateJobSpec`: the spec rules, the selector, and the template matching it.
fn job_spec_with_selector(spec: &Value, path: &Path) -> Errors {
    let mut errors = job_spec(spec, path);
    let selector = get(spec, "selector");
    match selector {
        None => errors.push(required(&path.child("selector"), "")),
        Some(_) => errors.extend(validate_label_selector(selector, &path.child("selector"))),
    }
    let labels = get(spec, "template")
        .and_then(|template| get(template, "metadata"))
        .and_then(|meta| get(meta, "labels"));
    if selector_matches(selector, labels) == Some(false) {
        errors.push(invalid(
            &path.child("template").child("metadata").child("labels"),
            Bad::Raw(gofmt::string_map(labels)),
            "`selector` does not match template `labels`",
        ));
    }
    errors
}

/// `validateJobSpec`.
fn job_spec(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    for field in [
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
        "backoffLimitPerIndex",
    ] {
        if let Some(value) = opt_int(spec, field) {
            errors.extend(nonnegative(value, &path.child(field)));
        }
    }
    let completions = opt_int(spec, "completions");
    let parallelism = opt_int(spec, "parallelism");
    let per_index = opt_int(spec, "backoffLimitPerIndex");
    let max_failed = opt_int(spec, "maxFailedIndexes");
    if let Some(max_failed) = max_failed {
        errors.extend(nonnegative(max_failed, &path.child("maxFailedIndexes")));
        if per_index.is_none() {
            errors.push(required(
                &path.child("backoffLimitPerIndex"),
                "when maxFailedIndexes is specified",
            ));
        }
    }
    if let Some(managed_by) = opt_str(spec, "managedBy") {
        errors.extend(domain_prefixed_path(managed_by, &path.child("managedBy")));
        if managed_by.len() > 63 {
            let mut cause = crate::builtin::field::too_long(&path.child("managedBy"), 63);
            cause.message = "Too long: may not be more than 63 bytes".to_owned();
            errors.push(cause);
        }
    }
    let mode = opt_str(spec, "completionMode");
    if let Some(mode) = mode {
        if !matches!(mode, "NonIndexed" | "Indexed") {
            errors.push(not_supported(
                &path.child("completionMode"),
                mode,
                &["NonIndexed", "Indexed"],
            ));
        }
        if mode == "Indexed" {
            if completions.is_none() {
                errors.push(required(
                    &path.child("completions"),
                    "when completion mode is Indexed",
                ));
            }
            if let Some(parallelism) = parallelism
                && parallelism > 100_000
            {
                errors.push(invalid(
                    &path.child("parallelism"),
                    parallelism,
                    "must be less than or equal to 100000 when completion mode is Indexed",
                ));
            }
            if let (Some(completions), Some(max_failed)) = (completions, max_failed)
                && max_failed > completions
            {
                errors.push(invalid(
                    &path.child("maxFailedIndexes"),
                    max_failed,
                    "must be less than or equal to completions",
                ));
            }
            if let Some(max_failed) = max_failed
                && max_failed > 100_000
            {
                errors.push(invalid(
                    &path.child("maxFailedIndexes"),
                    max_failed,
                    "must be less than or equal to 100000",
                ));
            }
        }
    }
    if mode.is_none_or(|mode| mode == "NonIndexed") {
        if let Some(per_index) = per_index {
            errors.push(invalid(
                &path.child("backoffLimitPerIndex"),
                per_index,
                "requires indexed completion mode",
            ));
        }
        if let Some(max_failed) = max_failed {
            errors.push(invalid(
                &path.child("maxFailedIndexes"),
                max_failed,
                "requires indexed completion mode",
            ));
        }
    }
    let failure_policy = get(spec, "podFailurePolicy");
    if let Some(policy) = failure_policy {
        errors.extend(pod_failure_policy(
            spec,
            policy,
            &path.child("podFailurePolicy"),
        ));
    }
    if let Some(success) = get(spec, "successPolicy") {
        if mode != Some("Indexed") {
            errors.push(invalid(
                &path.child("successPolicy"),
                Bad::Raw(gofmt::go_struct("batch.SuccessPolicy", success)),
                "requires indexed completion mode",
            ));
        } else {
            errors.extend(success_policy(
                success,
                completions.unwrap_or(0),
                &path.child("successPolicy"),
            ));
        }
    }
    if let Some(replacement) = opt_str(spec, "podReplacementPolicy") {
        let replacement_path = path.child("podReplacementPolicy");
        if failure_policy.is_some() {
            if replacement != "Failed" {
                errors.push(not_supported(&replacement_path, replacement, &["Failed"]));
            }
        } else if !matches!(replacement, "Failed" | "TerminatingOrFailed") {
            errors.push(not_supported(
                &replacement_path,
                replacement,
                &["Failed", "TerminatingOrFailed"],
            ));
        }
    }
    let empty = Value::Null;
    let template = get(spec, "template").unwrap_or(&empty);
    errors.extend(pod::template_spec(
        template,
        &path.child("template"),
        Options::default(),
    ));
    let restart = get(template, "spec")
        .map(|pod_spec| str_of(pod_spec, "restartPolicy"))
        .unwrap_or_default();
    let restart_path = path.child("template").child("spec").child("restartPolicy");
    match restart {
        "Always" | "" => errors.push(required(
            &restart_path,
            "valid values: \"OnFailure\", \"Never\"",
        )),
        "OnFailure" | "Never" => {
            if failure_policy.is_some() && restart != "Never" {
                errors.push(invalid(
                    &restart_path,
                    restart,
                    "only \"Never\" is supported when podFailurePolicy is specified",
                ));
            }
        }
        other => errors.push(not_supported(&restart_path, other, &["OnFailure", "Never"])),
    }
    errors
}

/// `IsDomainPrefixedPath`.
fn domain_prefixed_path(value: &str, path: &Path) -> Errors {
    if value.is_empty() {
        return vec![required(path, "")];
    }
    let Some((host, rest)) = value
        .split_once('/')
        .filter(|(h, r)| !h.is_empty() && !r.is_empty())
    else {
        return vec![invalid(
            path,
            value,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        )];
    };
    let mut errors: Errors = crate::builtin::formats::dns1123_subdomain(host)
        .into_iter()
        .map(|message| invalid(path, host, &message))
        .collect();
    let valid_path = rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:".contains(c));
    if !valid_path {
        errors.push(invalid(
            path,
            rest,
            "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
        ));
    }
    errors
}

fn pod_failure_policy(spec: &Value, policy: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let rules = list(policy, "rules");
    let rules_path = path.child("rules");
    if rules.len() > 20 {
        errors.push(too_many(&rules_path, rules.len(), 20));
    }
    let empty = Value::Null;
    let template_spec = get(spec, "template")
        .and_then(|template| get(template, "spec"))
        .unwrap_or(&empty);
    let container_names: BTreeSet<&str> = list(template_spec, "containers")
        .iter()
        .chain(list(template_spec, "initContainers"))
        .map(|container| str_of(container, "name"))
        .collect();
    for (index, rule) in rules.iter().enumerate() {
        let rule_path = rules_path.index(index);
        let action_path = rule_path.child("action");
        let actions = ["Count", "FailIndex", "FailJob", "Ignore"];
        match str_of(rule, "action") {
            "" => errors.push(required(
                &action_path,
                "valid values: [\"Count\" \"FailIndex\" \"FailJob\" \"Ignore\"]",
            )),
            "FailIndex" if opt_int(spec, "backoffLimitPerIndex").is_none() => {
                errors.push(invalid(
                    &action_path,
                    "FailIndex",
                    "requires the backoffLimitPerIndex to be set",
                ));
            }
            "FailIndex" => {}
            action if !actions.contains(&action) => {
                errors.push(not_supported(&action_path, action, &actions));
            }
            _ => {}
        }
        let exit_codes = get(rule, "onExitCodes");
        let conditions = list(rule, "onPodConditions");
        if let Some(requirement) = exit_codes {
            let requirement_path = rule_path.child("onExitCodes");
            let operator = str_of(requirement, "operator");
            match operator {
                "" => errors.push(required(
                    &requirement_path.child("operator"),
                    "valid values: [\"In\" \"NotIn\"]",
                )),
                "In" | "NotIn" => {}
                other => errors.push(not_supported(
                    &requirement_path.child("operator"),
                    other,
                    &["In", "NotIn"],
                )),
            }
            if let Some(container) = opt_str(requirement, "containerName")
                && !container_names.contains(container)
            {
                errors.push(invalid(
                    &requirement_path.child("containerName"),
                    container,
                    "must be one of the container or initContainer names in the pod template",
                ));
            }
            let values = list(requirement, "values");
            let values_path = requirement_path.child("values");
            if values.is_empty() {
                errors.push(invalid(
                    &values_path,
                    Bad::Raw(gofmt::int_slice(get(requirement, "values"))),
                    "at least one value is required",
                ));
            } else if values.len() > 255 {
                errors.push(too_many(&values_path, values.len(), 255));
            }
            let mut seen = BTreeSet::new();
            let mut ordered = true;
            for (value_index, value) in values.iter().enumerate() {
                let code = value.as_i64().unwrap_or_default();
                if operator == "In" && code == 0 {
                    errors.push(invalid(
                        &values_path.index(value_index),
                        code,
                        "must not be 0 for the In operator",
                    ));
                }
                if !seen.insert(code) {
                    errors.push(duplicate(&values_path.index(value_index), code));
                }
                if value_index > 0 && values[value_index - 1].as_i64().unwrap_or_default() > code {
                    ordered = false;
                }
            }
            if !ordered {
                errors.push(invalid(
                    &values_path,
                    Bad::Raw(gofmt::int_slice(get(requirement, "values"))),
                    "must be ordered",
                ));
            }
        }
        if !conditions.is_empty() {
            let conditions_path = rule_path.child("onPodConditions");
            if conditions.len() > 20 {
                errors.push(too_many(&conditions_path, conditions.len(), 20));
            }
            for (pattern_index, pattern) in conditions.iter().enumerate() {
                let pattern_path = conditions_path.index(pattern_index);
                let kind = str_of(pattern, "type");
                for message in qualified_name(kind) {
                    errors.push(invalid(&pattern_path.child("type"), kind, &message));
                }
                match str_of(pattern, "status") {
                    "" => errors.push(required(
                        &pattern_path.child("status"),
                        "valid values: [\"False\" \"True\" \"Unknown\"]",
                    )),
                    "True" | "False" | "Unknown" => {}
                    other => errors.push(not_supported(
                        &pattern_path.child("status"),
                        other,
                        &["False", "True", "Unknown"],
                    )),
                }
            }
        }
        if exit_codes.is_some() && !conditions.is_empty() {
            errors.push(invalid(
                &rule_path,
                Bad::Omit,
                "specifying both OnExitCodes and OnPodConditions is not supported",
            ));
        }
        if exit_codes.is_none() && conditions.is_empty() {
            errors.push(invalid(
                &rule_path,
                Bad::Omit,
                "specifying one of OnExitCodes and OnPodConditions is required",
            ));
        }
    }
    errors
}

fn success_policy(policy: &Value, completions: i64, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let rules = list(policy, "rules");
    let rules_path = path.child("rules");
    if rules.is_empty() {
        errors.push(required(
            &rules_path,
            "at least one rules must be specified when the successPolicy is specified",
        ));
    }
    if rules.len() > 20 {
        errors.push(too_many(&rules_path, rules.len(), 20));
    }
    for (index, rule) in rules.iter().enumerate() {
        let rule_path = rules_path.index(index);
        let count = opt_int(rule, "succeededCount");
        let indexes = opt_str(rule, "succeededIndexes");
        if count.is_none() && indexes.is_none() {
            errors.push(required(
                &rule_path,
                "at least one of succeededCount or succeededIndexes must be specified",
            ));
        }
        let mut total = 0;
        if let Some(indexes) = indexes {
            match indexes_format(indexes, completions) {
                Ok(found) => total = found,
                Err(message) => errors.push(invalid(
                    &rule_path.child("succeededIndexes"),
                    indexes,
                    &format!("error parsing succeededIndexes: {message}"),
                )),
            }
        }
        if let Some(count) = count {
            let count_path = rule_path.child("succeededCount");
            errors.extend(nonnegative(count, &count_path));
            if count > completions {
                errors.push(invalid(
                    &count_path,
                    count,
                    &format!(
                        "must be less than or equal to {completions} (the number of specified \
                         completions)"
                    ),
                ));
            }
            if indexes.is_some() && count > total {
                errors.push(invalid(
                    &count_path,
                    count,
                    &format!(
                        "must be less than or equal to {total} (the number of indexes in the \
                         specified succeededIndexes field)"
                    ),
                ));
            }
        }
    }
    errors
}

/// `validateIndexesFormat`: the number of indexes.
fn indexes_format(text: &str, completions: i64) -> Result<i64, String> {
    if text.is_empty() {
        return Ok(0);
    }
    let mut last: Option<i64> = None;
    let mut total = 0;
    for interval in text.split(',') {
        let limits: Vec<&str> = interval.split('-').collect();
        if limits.len() > 2 {
            return Err(format!(
                "the fragment {} violates the requirement that an index interval can have at \
                 most two parts separated by '-'",
                gofmt::quote(interval)
            ));
        }
        let parse = |text: &str| -> Result<i64, String> {
            let value: i64 = text.parse().map_err(|_| {
                format!(
                    "cannot convert string to integer for index: {}",
                    gofmt::quote(text)
                )
            })?;
            if value >= completions {
                return Err(format!("too large index: {}", gofmt::quote(text)));
            }
            Ok(value)
        };
        let x = parse(limits[0])?;
        let y = if limits.len() > 1 {
            let y = parse(limits[1])?;
            if x >= y {
                return Err(format!("non-increasing order, previous: {x}, current: {y}"));
            }
            y
        } else {
            x
        };
        if let Some(last) = last
            && last >= x
        {
            return Err(format!(
                "non-increasing order, previous: {last}, current: {x}"
            ));
        }
        total += y - x + 1;
        last = Some(y);
    }
    Ok(total)
}

/// A Job update: `ValidateJob` then `ValidateJobUpdate`.
pub(crate) fn job_update(new: &Value, old: &Value) -> Errors {
    let empty = Value::Null;
    let old_template_labels = get(old, "spec")
        .and_then(|spec| get(spec, "template"))
        .and_then(|template| get(template, "metadata"))
        .and_then(|meta| map_of(meta, "labels"));
    let prefixed = old_template_labels
        .is_some_and(|labels| labels.contains_key(NAME) && labels.contains_key(UID));
    let mut errors = job_with(new, prefixed);
    errors.extend(validate_object_meta_update(new, old));
    let spec = get(new, "spec").unwrap_or(&empty);
    let old_spec = get(old, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    errors.extend(job_spec_with_selector(spec, &path));
    let (completions, old_completions) = (get(spec, "completions"), get(old_spec, "completions"));
    let indexed = opt_str(spec, "completionMode") == Some("Indexed");
    if !semantic_eq(
        completions.unwrap_or(&empty),
        old_completions.unwrap_or(&empty),
    ) {
        if !indexed {
            errors.push(immutable(&path.child("completions"), int_bad(completions)));
        } else if let Some(value) = completions.and_then(Value::as_i64)
            && Some(value) != opt_int(spec, "parallelism")
        {
            errors.push(invalid(
                &path.child("completions"),
                value,
                "can only be modified in tandem with spec.parallelism",
            ));
        }
    }
    let selector = get(spec, "selector").unwrap_or(&empty);
    if !semantic_eq(selector, get(old_spec, "selector").unwrap_or(&empty)) {
        errors.push(immutable(
            &path.child("selector"),
            if selector.is_null() {
                Bad::Null
            } else {
                Bad::Raw(gofmt::label_selector(selector))
            },
        ));
    }
    let template = get(spec, "template").unwrap_or(&empty);
    let mut old_template = get(old_spec, "template").unwrap_or(&empty).clone();
    let suspended = opt_bool(old_spec, "suspend") == Some(true);
    let started = get(old, "status").is_some_and(|status| get(status, "startTime").is_some());
    if suspended && !started {
        // Scheduling directives of a suspended Job that never ran may change.
        mutable_scheduling(&mut old_template, template);
    }
    if !semantic_eq(template, &old_template) {
        errors.push(immutable(
            &path.child("template"),
            Bad::Raw(gofmt::go_struct("core.PodTemplateSpec", template)),
        ));
    }
    for field in [
        "completionMode",
        "podFailurePolicy",
        "backoffLimitPerIndex",
        "managedBy",
        "successPolicy",
    ] {
        let value = get(spec, field).unwrap_or(&empty);
        if !semantic_eq(value, get(old_spec, field).unwrap_or(&empty)) {
            let rendered = match value {
                Value::Null => Bad::Null,
                Value::String(s) => Bad::Str(s.clone()),
                Value::Number(n) => Bad::Int(n.as_i64().unwrap_or_default()),
                other => Bad::Raw(gofmt::go_struct("batch.Spec", other)),
            };
            errors.push(immutable(&path.child(field), rendered));
        }
    }
    errors
}

fn int_bad(value: Option<&Value>) -> Bad {
    match value.and_then(Value::as_i64) {
        Some(number) => Bad::Int(number),
        None => Bad::Null,
    }
}

/// `validatePodTemplateUpdate` with mutable scheduling directives: copies the new template's
/// node affinity, node selector, tolerations, labels, annotations and scheduling gates onto the
/// old one before comparing.
fn mutable_scheduling(old_template: &mut Value, template: &Value) {
    let Some(old_map) = old_template.as_object_mut() else {
        return;
    };
    let empty = Value::Null;
    for field in ["labels", "annotations"] {
        let value = get(template, "metadata")
            .and_then(|meta| get(meta, field))
            .cloned();
        if let Some(meta) = crate::builtin::value::child(old_map, "metadata") {
            match value {
                Some(value) => {
                    meta.insert(field.to_owned(), value);
                }
                None => {
                    meta.remove(field);
                }
            }
        }
    }
    let new_spec = get(template, "spec").unwrap_or(&empty);
    if let Some(old_spec) = crate::builtin::value::child(old_map, "spec") {
        for field in ["nodeSelector", "tolerations", "schedulingGates"] {
            match new_spec.get(field) {
                Some(value) => {
                    old_spec.insert(field.to_owned(), value.clone());
                }
                None => {
                    old_spec.remove(field);
                }
            }
        }
        let node_affinity = get(new_spec, "affinity")
            .and_then(|a| get(a, "nodeAffinity"))
            .cloned();
        let has_new_affinity = get(new_spec, "affinity").is_some();
        if let Some(affinity) = old_spec.get_mut("affinity").and_then(Value::as_object_mut) {
            match node_affinity {
                Some(value) => {
                    affinity.insert("nodeAffinity".to_owned(), value);
                }
                None => {
                    affinity.remove("nodeAffinity");
                }
            }
            if !has_new_affinity && affinity.is_empty() {
                old_spec.remove("affinity");
            }
        } else if let Some(value) = node_affinity {
            old_spec.insert(
                "affinity".to_owned(),
                serde_json::json!({"nodeAffinity": value}),
            );
        }
    }
}

// --- CronJobs ---

fn cron_job_spec(spec: &Value, old_spec: Option<&Value>, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let schedule = str_of(spec, "schedule");
    let time_zone = opt_str(spec, "timeZone");
    let schedule_path = path.child("schedule");
    if schedule.is_empty() {
        errors.push(required(&schedule_path, ""));
    } else {
        if let Err(message) = cron::parse_standard(schedule) {
            errors.push(invalid(&schedule_path, schedule, &message));
        }
        let allow_tz = old_spec.is_some_and(|old| str_of(old, "schedule").contains("TZ"));
        if allow_tz && schedule.contains("TZ") && time_zone.is_some() {
            errors.push(invalid(
                &schedule_path,
                schedule,
                "cannot use both timeZone field and TZ or CRON_TZ in schedule",
            ));
        } else if !allow_tz && schedule.contains("TZ") {
            errors.push(invalid(
                &schedule_path,
                schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            ));
        }
    }
    if let Some(deadline) = opt_int(spec, "startingDeadlineSeconds") {
        errors.extend(nonnegative(
            deadline,
            &path.child("startingDeadlineSeconds"),
        ));
    }
    let zone_changed = old_spec.is_none_or(|old| opt_str(old, "timeZone") != time_zone);
    if zone_changed && let Some(zone) = time_zone {
        errors.extend(self::time_zone(zone, &path.child("timeZone")));
    }
    match str_of(spec, "concurrencyPolicy") {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errors.push(required(&path.child("concurrencyPolicy"), "")),
        other => errors.push(not_supported(
            &path.child("concurrencyPolicy"),
            other,
            &["Allow", "Forbid", "Replace"],
        )),
    }
    let empty = Value::Null;
    let template = get(spec, "jobTemplate").unwrap_or(&empty);
    let template_path = path.child("jobTemplate");
    let job_spec_value = get(template, "spec").unwrap_or(&empty);
    errors.extend(job_spec(job_spec_value, &template_path.child("spec")));
    if let Some(selector) = get(job_spec_value, "selector") {
        errors.push(invalid(
            &template_path.child("spec").child("selector"),
            Bad::Raw(gofmt::label_selector(selector)),
            "`selector` will be auto-generated",
        ));
    }
    if opt_bool(job_spec_value, "manualSelector") == Some(true) {
        errors.push(not_supported(
            &template_path.child("spec").child("manualSelector"),
            true,
            &["nil", "false"],
        ));
    }
    for field in ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
        if let Some(limit) = opt_int(spec, field) {
            errors.extend(nonnegative(limit, &path.child(field)));
        }
    }
    errors
}

/// `validateTimeZone` (syntax only: the time zone database is not consulted).
fn time_zone(zone: &str, path: &Path) -> Errors {
    if zone.is_empty() {
        return vec![invalid(
            path,
            zone,
            "timeZone must be nil or non-empty string",
        )];
    }
    for part in zone.split('/') {
        let valid = !matches!(part, "." | "..")
            && !part.starts_with('-')
            && (1..=14).contains(&part.len())
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'));
        if !valid {
            return vec![invalid(path, zone, &format!("unknown time zone {zone}"))];
        }
    }
    if zone.eq_ignore_ascii_case("Local") {
        return vec![invalid(
            path,
            zone,
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
        )];
    }
    Vec::new()
}

/// `ValidateCronJobCreate`.
pub(crate) fn cron_job(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    errors.extend(cron_job_spec(
        get(object, "spec").unwrap_or(&empty),
        None,
        &Path::new("spec"),
    ));
    let name = get(object, "metadata")
        .map(|meta| str_of(meta, "name"))
        .unwrap_or_default();
    if name.len() > 52 {
        errors.push(invalid(
            &Path::new("metadata").child("name"),
            name,
            "must be no more than 52 characters",
        ));
    }
    errors
}

/// `ValidateCronJobUpdate`.
pub(crate) fn cron_job_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    errors.extend(cron_job_spec(
        get(new, "spec").unwrap_or(&empty),
        get(old, "spec"),
        &Path::new("spec"),
    ));
    errors
}
