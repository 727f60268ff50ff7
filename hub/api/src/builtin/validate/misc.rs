//! The smaller groups: coordination (Leases), discovery (EndpointSlices), events.k8s.io (Events),
//! certificates (CertificateSigningRequests), scheduling (PriorityClasses), storage
//! (StorageClasses).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::builtin::field::{
    Bad, Errors, Path, duplicate, forbidden, invalid, not_supported, required, too_long, too_many,
};
use crate::builtin::formats::{
    dns1123_label, dns1123_subdomain, format_errors, name_errors, name_is_dns_subdomain, parse_ip,
    qualified_name,
};
use crate::builtin::meta::{immutable, validate_object_meta, validate_object_meta_update};
use crate::builtin::value::{get, int_of, list, opt_int, opt_str, str_of, strings};

use super::pod::{preemption_policy, semantic_eq};

// --- Leases ---

/// `ValidateLease`.
pub(crate) fn lease(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    if let Some(duration) = opt_int(spec, "leaseDurationSeconds")
        && duration <= 0
    {
        errors.push(invalid(
            &path.child("leaseDurationSeconds"),
            duration,
            "must be greater than 0",
        ));
    }
    if let Some(transitions) = opt_int(spec, "leaseTransitions")
        && transitions < 0
    {
        errors.push(invalid(
            &path.child("leaseTransitions"),
            transitions,
            "must be greater than or equal to 0",
        ));
    }
    if let Some(strategy) = opt_str(spec, "strategy")
        && strategy != "OldestEmulationVersion"
    {
        errors.push(not_supported(
            &path.child("strategy"),
            strategy,
            &["OldestEmulationVersion"],
        ));
    }
    if opt_str(spec, "preferredHolder").is_some_and(|holder| !holder.is_empty())
        && opt_str(spec, "strategy").is_none_or(str::is_empty)
    {
        errors.push(forbidden(
            &path.child("preferredHolder"),
            "may only be specified if `strategy` is defined",
        ));
    }
    errors
}

/// `ValidateLeaseUpdate`.
pub(crate) fn lease_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(lease(new));
    errors
}

// --- EndpointSlices ---

/// `ValidateEndpointSlice`.
pub(crate) fn endpoint_slice(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let address_type = str_of(object, "addressType");
    match address_type {
        "" => errors.push(required(&Path::new("addressType"), "")),
        "IPv4" | "IPv6" | "FQDN" => {}
        other => errors.push(not_supported(
            &Path::new("addressType"),
            other,
            &["FQDN", "IPv4", "IPv6"],
        )),
    }
    let endpoints = list(object, "endpoints");
    let path = Path::new("endpoints");
    if endpoints.len() > 1000 {
        errors.push(too_many(&path, endpoints.len(), 1000));
    }
    for (index, endpoint) in endpoints.iter().enumerate() {
        let endpoint_path = path.index(index);
        let addresses = strings(endpoint, "addresses");
        let addresses_path = endpoint_path.child("addresses");
        if addresses.is_empty() {
            errors.push(required(&addresses_path, "must contain at least 1 address"));
        } else if addresses.len() > 100 {
            errors.push(too_many(&addresses_path, addresses.len(), 100));
        }
        for (address_index, address) in addresses.iter().enumerate() {
            let address_path = addresses_path.index(address_index);
            match address_type {
                "IPv4" if !parse_ip(address).is_some_and(|ip| ip.is_ipv4()) => {
                    errors.push(invalid(
                        &address_path,
                        *address,
                        "must be a valid IPv4 address",
                    ));
                }
                "IPv6" if !parse_ip(address).is_some_and(|ip| ip.is_ipv6()) => {
                    errors.push(invalid(
                        &address_path,
                        *address,
                        "must be a valid IPv6 address",
                    ));
                }
                "FQDN" => {
                    let name = address.strip_suffix('.').unwrap_or(address);
                    let messages = dns1123_subdomain(name);
                    if !messages.is_empty() {
                        errors.push(invalid(&address_path, name, &messages.join(",")));
                    } else if name.split('.').count() < 2 {
                        errors.push(invalid(
                            &address_path,
                            name,
                            "should be a domain with at least two segments separated by dots",
                        ));
                    }
                }
                _ => {}
            }
        }
        if let Some(node) = opt_str(endpoint, "nodeName") {
            errors.extend(name_errors(
                &endpoint_path.child("nodeName"),
                node,
                name_is_dns_subdomain,
            ));
        }
        if let Some(hostname) = opt_str(endpoint, "hostname") {
            errors.extend(format_errors(
                &endpoint_path.child("hostname"),
                hostname,
                dns1123_label,
            ));
        }
    }
    let ports = list(object, "ports");
    let ports_path = Path::new("ports");
    if ports.len() > 20000 {
        errors.push(too_many(&ports_path, ports.len(), 20000));
    }
    let mut names = BTreeSet::new();
    for (index, port) in ports.iter().enumerate() {
        let port_path = ports_path.index(index);
        let name = str_of(port, "name");
        if !name.is_empty() {
            errors.extend(format_errors(&port_path.child("name"), name, dns1123_label));
        }
        if !names.insert(name) {
            errors.push(duplicate(&port_path.child("name"), name));
        }
        match opt_str(port, "protocol") {
            None => errors.push(required(&port_path.child("protocol"), "")),
            Some("TCP" | "UDP" | "SCTP") => {}
            Some(other) => {
                errors.push(not_supported(
                    &port_path.child("protocol"),
                    other,
                    &["SCTP", "TCP", "UDP"],
                ));
            }
        }
        if let Some(app_protocol) = opt_str(port, "appProtocol") {
            errors.extend(format_errors(
                &port_path.child("appProtocol"),
                app_protocol,
                qualified_name,
            ));
        }
    }
    errors
}

/// `ValidateEndpointSliceUpdate`: `addressType` is immutable.
pub(crate) fn endpoint_slice_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(endpoint_slice(new));
    let address_type = str_of(new, "addressType");
    if address_type != str_of(old, "addressType") {
        errors.push(immutable(&Path::new("addressType"), address_type));
    }
    errors
}

// --- events.k8s.io Events ---

/// An events.k8s.io/v1 Event on create (the strict rules, on the core Event's field names
/// kube reports).
pub(crate) fn events_event(object: &Value) -> Errors {
    let mut errors = Vec::new();
    let empty = Value::Null;
    let namespace = get(object, "metadata")
        .map(|meta| str_of(meta, "namespace"))
        .unwrap_or_default();
    let regarding_namespace = get(object, "regarding")
        .map(|regarding| str_of(regarding, "namespace"))
        .unwrap_or_default();
    let has_time = !str_of(object, "eventTime").is_empty();
    let involved_path = Path::new("involvedObject").child("namespace");
    if has_time {
        if regarding_namespace.is_empty() && namespace != "default" && namespace != "kube-system" {
            errors.push(invalid(
                &involved_path,
                regarding_namespace,
                "does not match event.namespace",
            ));
        }
        let controller = str_of(object, "reportingController");
        if controller.is_empty() {
            errors.push(required(&Path::new("reportingController"), ""));
        }
        errors.extend(format_errors(
            &Path::new("reportingController"),
            controller,
            qualified_name,
        ));
        let instance = str_of(object, "reportingInstance");
        if instance.is_empty() {
            errors.push(required(&Path::new("reportingInstance"), ""));
        }
        if instance.len() > 128 {
            errors.push(invalid(
                &Path::new("reportingInstance"),
                "",
                "can have at most 128 characters",
            ));
        }
        for field in ["action", "reason"] {
            let value = str_of(object, field);
            if value.is_empty() {
                errors.push(required(&Path::new(field), ""));
            }
            if value.len() > 128 {
                errors.push(invalid(
                    &Path::new(field),
                    "",
                    "can have at most 128 characters",
                ));
            }
        }
        if str_of(object, "note").len() > 1024 {
            errors.push(invalid(
                &Path::new("message"),
                "",
                "can have at most 1024 characters",
            ));
        }
    } else if !regarding_namespace.is_empty() && namespace != regarding_namespace {
        errors.push(invalid(
            &involved_path,
            regarding_namespace,
            "does not match event.namespace",
        ));
    }
    for message in dns1123_subdomain(namespace) {
        errors.push(invalid(&Path::new("namespace"), namespace, &message));
    }
    errors.extend(validate_object_meta(object, true, name_is_dns_subdomain));
    if let Some(series) = get(object, "series") {
        if int_of(series, "count") < 2 {
            errors.push(invalid(
                &Path::new("series").child("count"),
                "",
                "should be at least 2",
            ));
        }
        if str_of(series, "lastObservedTime").is_empty() {
            errors.push(required(&Path::new("series").child("lastObservedTime"), ""));
        }
    }
    if !has_time {
        errors.push(required(&Path::new("eventTime"), ""));
    }
    let kind = str_of(object, "type");
    if !matches!(kind, "Normal" | "Warning") {
        errors.push(invalid(
            &Path::new("type"),
            "",
            &format!("has invalid value: {kind}"),
        ));
    }
    for (field, path) in [
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
    ] {
        if !str_of(object, field).is_empty() {
            errors.push(invalid(&Path::new(path), "", "needs to be unset"));
        }
    }
    if int_of(object, "deprecatedCount") != 0 {
        errors.push(invalid(&Path::new("count"), "", "needs to be unset"));
    }
    let source = get(object, "deprecatedSource").unwrap_or(&empty);
    if !str_of(source, "component").is_empty() || !str_of(source, "host").is_empty() {
        errors.push(invalid(&Path::new("source"), "", "needs to be unset"));
    }
    errors
}

/// An events.k8s.io/v1 Event update: metadata, and only the series may change.
pub(crate) fn events_event_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    for (field, path) in [
        ("regarding", "involvedObject"),
        ("reason", "reason"),
        ("note", "message"),
        ("type", "type"),
        ("eventTime", "eventTime"),
        ("action", "action"),
        ("related", "related"),
        ("reportingController", "reportingController"),
        ("reportingInstance", "reportingInstance"),
    ] {
        let empty = Value::Null;
        let value = get(new, field).unwrap_or(&empty);
        if !semantic_eq(value, get(old, field).unwrap_or(&empty)) {
            let rendered = match value {
                Value::String(s) => Bad::Str(s.clone()),
                Value::Null => Bad::Null,
                other => Bad::Raw(crate::builtin::gofmt::go_struct(
                    "core.ObjectReference",
                    other,
                )),
            };
            errors.push(immutable(&Path::new(path), rendered));
        }
    }
    errors
}

// --- CertificateSigningRequests ---

const USAGES: &[&str] = &[
    "any",
    "cert sign",
    "client auth",
    "code signing",
    "content commitment",
    "crl sign",
    "data encipherment",
    "decipher only",
    "digital signature",
    "email protection",
    "encipher only",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "key agreement",
    "key encipherment",
    "microsoft sgc",
    "netscape sgc",
    "ocsp signing",
    "s/mime",
    "server auth",
    "signing",
    "timestamping",
];

/// `ValidateSignerName`.
pub(crate) fn signer_name(path: &Path, signer: &str) -> Errors {
    if signer.is_empty() {
        return vec![required(path, "")];
    }
    let segments: Vec<&str> = signer.split('/').collect();
    if segments.len() != 2 {
        return vec![invalid(
            path,
            signer,
            "must be a fully qualified domain and path of the form 'example.com/signer-name'",
        )];
    }
    let mut errors = Vec::new();
    if segments[0].len() > 253 {
        errors.push(too_long(path, 253));
    }
    let labels: Vec<&str> = segments[0].split('.').collect();
    for label in &labels {
        let messages = dns1123_label(label);
        if !messages.is_empty() {
            for message in messages {
                errors.push(invalid(
                    path,
                    segments[0],
                    &format!(
                        "validating label {}: {message}",
                        crate::builtin::gofmt::quote(label)
                    ),
                ));
            }
            break;
        }
    }
    if labels.len() < 2 {
        errors.push(invalid(
            path,
            segments[0],
            "should be a domain with at least two segments separated by dots",
        ));
    }
    for component in segments[1].split('.') {
        let messages = dns1123_subdomain(component);
        if !messages.is_empty() {
            for message in messages {
                errors.push(invalid(
                    path,
                    segments[1],
                    &format!(
                        "validating component {}: {message}",
                        crate::builtin::gofmt::quote(component)
                    ),
                ));
            }
            break;
        }
    }
    if signer.len() > 507 {
        errors.push(too_long(path, 507));
    }
    errors
}

/// Whether `request` (base64 of PEM) holds a `CERTIFICATE REQUEST` block.
fn request_error(request: &str) -> Option<&'static str> {
    use base64::Engine as _;
    let pem = base64::engine::general_purpose::STANDARD
        .decode(request)
        .ok();
    let text = pem
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let begin = "-----BEGIN CERTIFICATE REQUEST-----";
    let end = "-----END CERTIFICATE REQUEST-----";
    match (text.find(begin), text.find(end)) {
        (Some(start), Some(stop)) if start < stop => None,
        _ => Some("PEM block type must be CERTIFICATE REQUEST"),
    }
}

/// `ValidateCertificateSigningRequestCreate` (the request is checked for a PEM
/// `CERTIFICATE REQUEST` block, not parsed as x509).
pub(crate) fn csr(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, false, name_is_dns_subdomain);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    let request = str_of(spec, "request");
    if let Some(message) = request_error(request) {
        errors.push(invalid(
            &path.child("request"),
            Bad::Raw(format!("[]byte{{/* {} bytes */}}", request.len() * 3 / 4)),
            message,
        ));
    }
    let usages = strings(spec, "usages");
    if usages.is_empty() {
        errors.push(required(&path.child("usages"), ""));
    }
    for (index, usage) in usages.iter().enumerate() {
        if !USAGES.contains(usage) {
            errors.push(not_supported(
                &path.child("usages").index(index),
                *usage,
                USAGES,
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for (index, usage) in usages.iter().enumerate() {
        if !seen.insert(*usage) {
            errors.push(duplicate(&path.child("usages").index(index), *usage));
        }
    }
    let signer = str_of(spec, "signerName");
    if signer == "kubernetes.io/legacy-unknown" {
        errors.push(invalid(
            &path.child("signerName"),
            signer,
            "the legacy signerName is not allowed via this API version",
        ));
    } else {
        errors.extend(signer_name(&path.child("signerName"), signer));
    }
    if let Some(seconds) = opt_int(spec, "expirationSeconds")
        && seconds < 600
    {
        errors.push(invalid(
            &path.child("expirationSeconds"),
            seconds,
            "may not specify a duration less than 600 seconds (10 minutes)",
        ));
    }
    errors
}

/// A CSR update: kube keeps the stored spec (changes to it are dropped, not refused), so only the
/// metadata is checked.
pub(crate) fn csr_update(new: &Value, old: &Value) -> Errors {
    validate_object_meta_update(new, old)
}

// --- PriorityClasses ---

const HIGHEST_USER_PRIORITY: i64 = 1_000_000_000;

/// `ValidatePriorityClass`.
pub(crate) fn priority_class(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, false, name_is_dns_subdomain);
    let name = get(object, "metadata")
        .map(|meta| str_of(meta, "name"))
        .unwrap_or_default();
    let value = int_of(object, "value");
    if name.starts_with("system-") {
        let global_default = crate::builtin::value::bool_of(object, "globalDefault");
        let known = match name {
            "system-node-critical" => Some(2_000_001_000),
            "system-cluster-critical" => Some(2_000_000_000),
            _ => None,
        };
        let problem = match known {
            None => Some(format!("{name} is not a known system priority class")),
            Some(expected) if expected != value => {
                Some(format!("value of {name} PriorityClass must be {expected}"))
            }
            Some(_) if global_default => Some(format!(
                "globalDefault of {name} PriorityClass must be false"
            )),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            errors.push(forbidden(
                &Path::new("metadata").child("name"),
                &format!(
                    "priority class names with 'system-' prefix are reserved for system use \
                     only. error: {problem}"
                ),
            ));
        }
    } else if value > HIGHEST_USER_PRIORITY {
        errors.push(forbidden(
            &Path::new("value"),
            &format!("maximum allowed value of a user defined priority is {HIGHEST_USER_PRIORITY}"),
        ));
    }
    if let Some(policy) = opt_str(object, "preemptionPolicy") {
        errors.extend(preemption_policy(policy, &Path::new("preemptionPolicy")));
    }
    errors
}

/// `ValidatePriorityClassUpdate`: `value` and `preemptionPolicy` are immutable.
pub(crate) fn priority_class_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    if int_of(new, "value") != int_of(old, "value") {
        errors.push(forbidden(
            &Path::new("value"),
            "may not be changed in an update.",
        ));
    }
    let policy = opt_str(new, "preemptionPolicy");
    if policy != opt_str(old, "preemptionPolicy") {
        errors.push(immutable(
            &Path::new("preemptionPolicy"),
            policy.map_or(Bad::Null, Bad::from),
        ));
    }
    errors
}

// --- StorageClasses ---

/// `ValidateStorageClass`.
pub(crate) fn storage_class(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, false, name_is_dns_subdomain);
    let provisioner = str_of(object, "provisioner");
    let path = Path::new("provisioner");
    if provisioner.is_empty() {
        errors.push(required(&path, ""));
    } else {
        errors.extend(format_errors(
            &path,
            &provisioner.to_lowercase(),
            qualified_name,
        ));
    }
    let parameters = crate::builtin::value::string_map(object, "parameters");
    let mut total = 0;
    for (key, value) in &parameters {
        if key.is_empty() {
            errors.push(invalid(
                &Path::new("parameters"),
                *key,
                "field can not be empty.",
            ));
        }
        total += key.len() + value.len();
    }
    if total > 256 * 1024 {
        errors.push(too_long(&Path::new("parameters"), 256 * 1024));
    }
    if let Some(policy) = opt_str(object, "reclaimPolicy")
        && !matches!(policy, "Delete" | "Retain")
    {
        errors.push(not_supported(
            &Path::new("reclaimPolicy"),
            policy,
            &["Delete", "Retain"],
        ));
    }
    match opt_str(object, "volumeBindingMode") {
        None => errors.push(required(&Path::new("volumeBindingMode"), "")),
        Some("Immediate" | "WaitForFirstConsumer") => {}
        Some(other) => errors.push(not_supported(
            &Path::new("volumeBindingMode"),
            other,
            &["Immediate", "WaitForFirstConsumer"],
        )),
    }
    errors
}

/// `ValidateStorageClassUpdate`: provisioner, parameters and reclaim policy are fixed.
pub(crate) fn storage_class_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    if !semantic_eq(
        get(new, "parameters").unwrap_or(&empty),
        get(old, "parameters").unwrap_or(&empty),
    ) {
        errors.push(forbidden(
            &Path::new("parameters"),
            "updates to parameters are forbidden.",
        ));
    }
    if str_of(new, "provisioner") != str_of(old, "provisioner") {
        errors.push(forbidden(
            &Path::new("provisioner"),
            "updates to provisioner are forbidden.",
        ));
    }
    if opt_str(new, "reclaimPolicy") != opt_str(old, "reclaimPolicy") {
        errors.push(forbidden(
            &Path::new("reclaimPolicy"),
            "updates to reclaimPolicy are forbidden.",
        ));
    }
    let mode = opt_str(new, "volumeBindingMode");
    if mode != opt_str(old, "volumeBindingMode") {
        errors.push(immutable(
            &Path::new("volumeBindingMode"),
            mode.map_or(Bad::Null, Bad::from),
        ));
    }
    errors.extend(storage_class(new));
    errors
}
