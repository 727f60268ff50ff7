//! networking.k8s.io/v1 (`pkg/apis/networking/validation`): Ingresses, IngressClasses,
//! NetworkPolicies.

use serde_json::Value;

use crate::builtin::field::{
    Bad, Errors, Path, forbidden, invalid, not_supported, required, too_long,
};
use crate::builtin::formats::{
    dns1123_subdomain, format_errors, name_errors, name_is_dns_label, name_is_dns_subdomain,
    name_is_dns1035_label, parse_cidr, parse_ip, path_segment_name, port_name, port_num,
    wildcard_dns1123_subdomain,
};
use crate::builtin::gofmt;
use crate::builtin::meta::{
    immutable, validate_label_selector, validate_object_meta, validate_object_meta_update,
};
use crate::builtin::value::{get, int_of, list, opt_int, opt_str, str_of, string_map, strings};

// --- NetworkPolicies ---

fn network_policy_spec(spec: &Value, path: &Path) -> Errors {
    let empty = serde_json::json!({});
    let mut errors = validate_label_selector(
        Some(get(spec, "podSelector").unwrap_or(&empty)),
        &path.child("podSelector"),
    );
    for (direction, peers_key) in [("ingress", "from"), ("egress", "to")] {
        for (index, rule) in list(spec, direction).iter().enumerate() {
            let rule_path = path.child(direction).index(index);
            for (port_index, port) in list(rule, "ports").iter().enumerate() {
                errors.extend(policy_port(
                    port,
                    &rule_path.child("ports").index(port_index),
                ));
            }
            for (peer_index, peer) in list(rule, peers_key).iter().enumerate() {
                errors.extend(policy_peer(
                    peer,
                    &rule_path.child(peers_key).index(peer_index),
                ));
            }
        }
    }
    let types = strings(spec, "policyTypes");
    if types.len() > 2 {
        errors.push(invalid(
            &path.child("policyTypes"),
            Bad::Raw(format!(
                "&{}",
                gofmt::string_slice("networking.PolicyType", get(spec, "policyTypes"))
            )),
            "may not specify more than two policyTypes",
        ));
        return errors;
    }
    for (index, kind) in types.iter().enumerate() {
        if !matches!(*kind, "Ingress" | "Egress") {
            errors.push(not_supported(
                &path.child("policyTypes").index(index),
                *kind,
                &["Ingress", "Egress"],
            ));
        }
    }
    errors
}

fn policy_port(port: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if let Some(protocol) = opt_str(port, "protocol")
        && !matches!(protocol, "TCP" | "UDP" | "SCTP")
    {
        errors.push(not_supported(
            &path.child("protocol"),
            protocol,
            &["TCP", "UDP", "SCTP"],
        ));
    }
    let end_port = opt_int(port, "endPort");
    match get(port, "port") {
        Some(Value::String(name)) => {
            if let Some(end) = end_port {
                errors.push(invalid(
                    &path.child("endPort"),
                    end,
                    "may not be specified when `port` is non-numeric",
                ));
            }
            for message in port_name(name) {
                errors.push(invalid(&path.child("port"), name.as_str(), &message));
            }
        }
        Some(number) => {
            let number = number.as_i64().unwrap_or_default();
            for message in port_num(number) {
                errors.push(invalid(&path.child("port"), number, &message));
            }
            if let Some(end) = end_port {
                if end < number {
                    errors.push(invalid(
                        &path.child("endPort"),
                        number,
                        "must be greater than or equal to `port`",
                    ));
                }
                for message in port_num(end) {
                    errors.push(invalid(&path.child("endPort"), end, &message));
                }
            }
        }
        None => {
            if let Some(end) = end_port {
                errors.push(invalid(
                    &path.child("endPort"),
                    end,
                    "may not be specified when `port` is not specified",
                ));
            }
        }
    }
    errors
}

fn policy_peer(peer: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut count = 0;
    for key in ["podSelector", "namespaceSelector"] {
        if let Some(selector) = get(peer, key) {
            count += 1;
            errors.extend(validate_label_selector(Some(selector), &path.child(key)));
        }
    }
    let block = get(peer, "ipBlock");
    if let Some(block) = block {
        count += 1;
        errors.extend(ip_block(block, &path.child("ipBlock")));
    }
    if count == 0 {
        errors.push(required(path, "must specify a peer"));
    } else if count > 1 && block.is_some() {
        errors.push(forbidden(
            path,
            "may not specify both ipBlock and another peer",
        ));
    }
    errors
}

fn ip_block(block: &Value, path: &Path) -> Errors {
    let cidr = str_of(block, "cidr");
    if cidr.is_empty() {
        return vec![required(&path.child("cidr"), "")];
    }
    let Some((network, bits)) = parse_cidr(cidr) else {
        return vec![invalid(&path.child("cidr"), cidr, "not a valid CIDR")];
    };
    let mut errors = Vec::new();
    for (index, except) in strings(block, "except").into_iter().enumerate() {
        let except_path = path.child("except").index(index);
        let Some((address, except_bits)) = parse_cidr(except) else {
            errors.push(invalid(&except_path, except, "not a valid CIDR"));
            return errors;
        };
        if !cidr_contains(network, bits, address) || bits >= except_bits {
            errors.push(invalid(
                &except_path,
                except,
                "must be a strict subset of `cidr`",
            ));
        }
    }
    errors
}

fn cidr_contains(network: std::net::IpAddr, bits: u8, address: std::net::IpAddr) -> bool {
    let to_bits = |ip: std::net::IpAddr| -> (u128, u32) {
        match ip {
            std::net::IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            std::net::IpAddr::V6(v6) => (u128::from(v6), 128),
        }
    };
    let ((net, width), (addr, addr_width)) = (to_bits(network), to_bits(address));
    if width != addr_width {
        return false;
    }
    let shift = width - u32::from(bits);
    let mask = if shift >= 128 { 0 } else { u128::MAX << shift };
    (net & mask) == (addr & mask)
}

/// `ValidateNetworkPolicy`.
pub(crate) fn network_policy(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    errors.extend(network_policy_spec(
        get(object, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

/// `ValidateNetworkPolicyUpdate`.
pub(crate) fn network_policy_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    errors.extend(network_policy_spec(
        get(new, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

// --- Ingresses ---

fn ingress_spec(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let rules = list(spec, "rules");
    let default_backend = get(spec, "defaultBackend");
    if rules.is_empty() && default_backend.is_none() {
        errors.push(invalid(
            path,
            Bad::Raw(format!(
                "[]networking.IngressRule{}",
                if get(spec, "rules").is_some() {
                    "{}"
                } else {
                    "(nil)"
                }
            )),
            "either `defaultBackend` or `rules` must be specified",
        ));
    }
    if let Some(backend) = default_backend {
        errors.extend(ingress_backend(backend, &path.child("defaultBackend")));
    }
    for (index, rule) in rules.iter().enumerate() {
        let rule_path = path.child("rules").index(index);
        let host = str_of(rule, "host");
        if !host.is_empty() {
            if parse_ip(host).is_some() {
                errors.push(invalid(
                    &rule_path.child("host"),
                    host,
                    "must be a DNS name, not an IP address",
                ));
            }
            if host.contains('*') {
                errors.extend(format_errors(
                    &rule_path.child("host"),
                    host,
                    wildcard_dns1123_subdomain,
                ));
            } else {
                errors.extend(format_errors(
                    &rule_path.child("host"),
                    host,
                    dns1123_subdomain,
                ));
            }
        }
        if let Some(http) = get(rule, "http") {
            let http_path = rule_path.child("http");
            let paths = list(http, "paths");
            if paths.is_empty() {
                errors.push(required(&http_path.child("paths"), ""));
            }
            for (path_index, http_path_value) in paths.iter().enumerate() {
                errors.extend(http_ingress_path(
                    http_path_value,
                    &http_path.child("paths").index(path_index),
                ));
            }
        }
    }
    for (index, tls) in list(spec, "tls").iter().enumerate() {
        let tls_path = path.child("tls").index(index);
        for (host_index, host) in strings(tls, "hosts").into_iter().enumerate() {
            let host_path = tls_path.child("hosts").index(host_index);
            if host.contains('*') {
                errors.extend(format_errors(&host_path, host, wildcard_dns1123_subdomain));
            } else {
                errors.extend(format_errors(&host_path, host, dns1123_subdomain));
            }
        }
        let secret = str_of(tls, "secretName");
        if !secret.is_empty() {
            errors.extend(name_errors(
                &tls_path.child("secretName"),
                secret,
                name_is_dns_subdomain,
            ));
        }
    }
    if let Some(class) = opt_str(spec, "ingressClassName") {
        errors.extend(name_errors(
            &path.child("ingressClassName"),
            class,
            name_is_dns_subdomain,
        ));
    }
    errors
}

fn http_ingress_path(value: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let Some(path_type) = opt_str(value, "pathType") else {
        return vec![required(
            &path.child("pathType"),
            "pathType must be specified",
        )];
    };
    let target = str_of(value, "path");
    match path_type {
        "Exact" | "Prefix" => {
            if !target.starts_with('/') {
                errors.push(invalid(
                    &path.child("path"),
                    target,
                    "must be an absolute path",
                ));
            }
            if !target.is_empty() {
                for sequence in ["//", "/./", "/../", "%2f", "%2F"] {
                    if target.contains(sequence) {
                        errors.push(invalid(
                            &path.child("path"),
                            target,
                            &format!("must not contain '{sequence}'"),
                        ));
                    }
                }
                for suffix in ["/..", "/."] {
                    if target.ends_with(suffix) {
                        errors.push(invalid(
                            &path.child("path"),
                            target,
                            &format!("cannot end with '{suffix}'"),
                        ));
                    }
                }
            }
        }
        "ImplementationSpecific" => {
            if !target.is_empty() && !target.starts_with('/') {
                errors.push(invalid(
                    &path.child("path"),
                    target,
                    "must be an absolute path",
                ));
            }
        }
        other => errors.push(not_supported(
            &path.child("pathType"),
            other,
            &["Exact", "ImplementationSpecific", "Prefix"],
        )),
    }
    let empty = Value::Null;
    errors.extend(ingress_backend(
        get(value, "backend").unwrap_or(&empty),
        &path.child("backend"),
    ));
    errors
}

fn ingress_backend(backend: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let resource = get(backend, "resource");
    let service = get(backend, "service");
    match (resource, service) {
        (Some(_), Some(_)) => {
            return vec![invalid(
                path,
                "",
                "cannot set both resource and service backends",
            )];
        }
        (Some(resource), None) => {
            errors.extend(typed_local_reference(resource, &path.child("resource")))
        }
        (None, Some(service)) => {
            let name = str_of(service, "name");
            let name_path = path.child("service").child("name");
            if name.is_empty() {
                errors.push(required(&name_path, ""));
            } else {
                errors.extend(name_errors(&name_path, name, name_is_dns1035_label));
            }
            let empty = Value::Null;
            let port = get(service, "port").unwrap_or(&empty);
            let port_name_value = str_of(port, "name");
            let number = int_of(port, "number");
            match (port_name_value.is_empty(), number == 0) {
                (false, false) => {
                    errors.push(invalid(path, "", "cannot set both port name & port number"))
                }
                (false, true) => {
                    for message in port_name(port_name_value) {
                        errors.push(invalid(
                            &path.child("service").child("port").child("name"),
                            port_name_value,
                            &message,
                        ));
                    }
                }
                (true, false) => {
                    for message in port_num(number) {
                        errors.push(invalid(
                            &path.child("service").child("port").child("number"),
                            number,
                            &message,
                        ));
                    }
                }
                (true, true) => errors.push(required(path, "port name or number is required")),
            }
        }
        (None, None) => errors.push(invalid(path, "", "resource or service backend is required")),
    }
    errors
}

fn typed_local_reference(reference: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if let Some(group) = opt_str(reference, "apiGroup") {
        errors.extend(format_errors(
            &path.child("apiGroup"),
            group,
            dns1123_subdomain,
        ));
    }
    for (field, detail) in [("kind", "kind is required"), ("name", "name is required")] {
        let value = str_of(reference, field);
        if value.is_empty() {
            errors.push(required(&path.child(field), detail));
        } else {
            for message in path_segment_name(value, false) {
                errors.push(invalid(&path.child(field), value, &message));
            }
        }
    }
    errors
}

/// `ValidateIngressCreate`.
pub(crate) fn ingress(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    errors.extend(ingress_spec(spec, &Path::new("spec")));
    let meta = get(object, "metadata").unwrap_or(&empty);
    let class_annotation = string_map(meta, "annotations")
        .into_iter()
        .find(|(key, _)| *key == "kubernetes.io/ingress.class");
    if let Some((_, value)) = class_annotation
        && get(spec, "ingressClassName").is_some()
    {
        errors.push(invalid(
            &Path::new("annotations").child("kubernetes.io/ingress.class"),
            value,
            "can not be set when the class field is also set",
        ));
    }
    errors
}

/// `ValidateIngressUpdate`.
pub(crate) fn ingress_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(validate_object_meta(new, true, name_is_dns_subdomain));
    let empty = Value::Null;
    errors.extend(ingress_spec(
        get(new, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

// --- IngressClasses ---

fn ingress_class_spec(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let controller = str_of(spec, "controller");
    let controller_path = path.child("controller");
    if controller.len() > 250 {
        errors.push(too_long(&controller_path, 250));
    }
    if controller.is_empty() {
        errors.push(required(&controller_path, ""));
    } else {
        match controller.split_once('/') {
            Some((host, rest)) if !host.is_empty() && !rest.is_empty() => {
                errors.extend(format_errors(&controller_path, host, dns1123_subdomain));
            }
            _ => errors.push(invalid(
                &controller_path,
                controller,
                "must be a domain-prefixed path (such as \"acme.io/foo\")",
            )),
        }
    }
    if let Some(parameters) = get(spec, "parameters") {
        let parameters_path = path.child("parameters");
        errors.extend(typed_local_reference(parameters, &parameters_path));
        match opt_str(parameters, "scope") {
            None => errors.push(required(&parameters_path.child("scope"), "")),
            Some(scope) if !matches!(scope, "Namespace" | "Cluster") => {
                errors.push(not_supported(
                    &parameters_path.child("scope"),
                    scope,
                    &["Cluster", "Namespace"],
                ));
            }
            Some("Namespace") => match opt_str(parameters, "namespace") {
                None => errors.push(required(
                    &parameters_path.child("namespace"),
                    "`parameters.scope` is set to 'Namespace'",
                )),
                Some(namespace) => errors.extend(name_errors(
                    &parameters_path.child("namespace"),
                    namespace,
                    name_is_dns_label,
                )),
            },
            Some(_) => {
                if opt_str(parameters, "namespace").is_some() {
                    errors.push(forbidden(
                        &parameters_path.child("namespace"),
                        "`parameters.scope` is set to 'Cluster'",
                    ));
                }
            }
        }
    }
    errors
}

/// `ValidateIngressClass`.
pub(crate) fn ingress_class(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, false, name_is_dns_subdomain);
    let empty = Value::Null;
    errors.extend(ingress_class_spec(
        get(object, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

/// `ValidateIngressClassUpdate`: the controller is immutable.
pub(crate) fn ingress_class_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let controller = get(new, "spec")
        .map(|spec| str_of(spec, "controller"))
        .unwrap_or_default();
    let old_controller = get(old, "spec")
        .map(|spec| str_of(spec, "controller"))
        .unwrap_or_default();
    if controller != old_controller {
        errors.push(immutable(
            &Path::new("spec").child("controller"),
            controller,
        ));
    }
    errors.extend(ingress_class(new));
    errors
}
