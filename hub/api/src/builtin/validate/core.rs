//! The core/v1 kinds besides Pods (`pkg/apis/core/validation`): Services, ConfigMaps, Secrets,
//! Namespaces, PersistentVolumeClaims and PersistentVolumes, ServiceAccounts, Endpoints, Events,
//! Nodes, ReplicationControllers, PodTemplates, ResourceQuotas, LimitRanges.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::builtin::field::{
    Bad, Errors, Path, duplicate, forbidden, invalid, not_supported, required, too_long,
};
use crate::builtin::formats::{
    config_map_key, dns1123_label, dns1123_subdomain, format_errors, name_errors,
    name_is_dns_label, name_is_dns_subdomain, name_is_dns1035_label, parse_ip, port_num,
    qualified_name, valid_cidr, valid_ip,
};
use crate::builtin::gofmt;
use crate::builtin::meta::{
    immutable, nonnegative, validate_label_selector, validate_labels, validate_object_meta,
    validate_object_meta_update,
};
use crate::builtin::quantity;
use crate::builtin::value::{
    get, int_of, list, map_of, opt_bool, opt_str, str_of, string_map, strings,
};

use super::pod::{self, Options, port_num_or_name, protocol, semantic_eq};

/// `core.MaxSecretSize`.
const MAX_SECRET_SIZE: usize = 1024 * 1024;

// --- Services ---

fn is_headless(spec: &Value) -> bool {
    let ips = strings(spec, "clusterIPs");
    ips.len() == 1 && ips[0] == "None"
}

/// `ValidateService`.
pub(crate) fn service(service: &Value) -> Errors {
    let mut errors = validate_object_meta(service, true, name_is_dns1035_label);
    let empty = Value::Null;
    let spec = get(service, "spec").unwrap_or(&empty);
    let meta = get(service, "metadata").unwrap_or(&empty);
    let path = Path::new("spec");
    let annotations = string_map(meta, "annotations");
    let annotation = |key: &str| annotations.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    if let (Some(mode), Some(hints)) = (
        annotation("service.kubernetes.io/topology-mode"),
        annotation("service.kubernetes.io/topology-aware-hints"),
    ) && mode != hints
    {
        errors.push(invalid(
            &Path::new("metadata")
                .child("annotations")
                .key("service.kubernetes.io/topology-mode"),
            mode,
            "must match annotations[service.kubernetes.io/topology-aware-hints] when both are \
             specified",
        ));
    }
    let service_type = str_of(spec, "type");
    let ports = list(spec, "ports");
    let headless = is_headless(spec);
    if ports.is_empty() && !headless && service_type != "ExternalName" {
        errors.push(required(&path.child("ports"), ""));
    }
    match service_type {
        "LoadBalancer" | "NodePort" if headless => errors.push(invalid(
            &path.child("clusterIPs").index(0),
            "None",
            &format!("may not be set to 'None' for {service_type} services"),
        )),
        "ExternalName" => {
            if !list(spec, "clusterIPs").is_empty() {
                errors.push(forbidden(
                    &path.child("clusterIPs"),
                    "may not be set for ExternalName services",
                ));
            }
            if !list(spec, "ipFamilies").is_empty() {
                errors.push(forbidden(
                    &path.child("ipFamilies"),
                    "may not be set for ExternalName services",
                ));
            }
            if get(spec, "ipFamilyPolicy").is_some() {
                errors.push(forbidden(
                    &path.child("ipFamilyPolicy"),
                    "may not be set for ExternalName services",
                ));
            }
            let cname = str_of(spec, "externalName");
            let cname = cname.strip_suffix('.').unwrap_or(cname);
            if cname.is_empty() {
                errors.push(required(&path.child("externalName"), ""));
            } else {
                errors.extend(format_errors(
                    &path.child("externalName"),
                    cname,
                    dns1123_subdomain,
                ));
            }
        }
        _ => {}
    }
    let mut names = BTreeSet::new();
    for (index, port) in ports.iter().enumerate() {
        let port_path = path.child("ports").index(index);
        let name = str_of(port, "name");
        if ports.len() > 1 && name.is_empty() {
            errors.push(required(&port_path.child("name"), ""));
        } else if !name.is_empty() {
            errors.extend(format_errors(&port_path.child("name"), name, dns1123_label));
            if !names.insert(name) {
                errors.push(duplicate(&port_path.child("name"), name));
            }
        }
        let number = int_of(port, "port");
        for message in port_num(number) {
            errors.push(invalid(&port_path.child("port"), number, &message));
        }
        errors.extend(protocol(
            str_of(port, "protocol"),
            &port_path.child("protocol"),
        ));
        errors.extend(port_num_or_name(
            get(port, "targetPort"),
            &port_path.child("targetPort"),
        ));
        if let Some(app_protocol) = opt_str(port, "appProtocol") {
            errors.extend(format_errors(
                &port_path.child("appProtocol"),
                app_protocol,
                qualified_name,
            ));
        }
    }
    errors.extend(validate_labels(spec, "selector", &path.child("selector")));
    let affinity = str_of(spec, "sessionAffinity");
    match affinity {
        "" => errors.push(required(&path.child("sessionAffinity"), "")),
        "ClientIP" | "None" => {}
        other => errors.push(not_supported(
            &path.child("sessionAffinity"),
            other,
            &["ClientIP", "None"],
        )),
    }
    let config_path = path.child("sessionAffinityConfig");
    if affinity == "ClientIP" {
        let config = get(spec, "sessionAffinityConfig");
        let client = config.and_then(|config| get(config, "clientIP"));
        let timeout = client.and_then(|client| get(client, "timeoutSeconds"));
        let detail = "when session affinity type is ClientIP";
        match (config, client, timeout) {
            (None, _, _) => errors.push(required(&config_path, detail)),
            (Some(_), None, _) => errors.push(required(&config_path.child("clientIP"), detail)),
            (_, _, None) => errors.push(required(
                &config_path.child("clientIP").child("timeoutSeconds"),
                detail,
            )),
            (_, _, Some(timeout)) => {
                let seconds = timeout.as_i64().unwrap_or_default();
                if seconds <= 0 || seconds > 86400 {
                    errors.push(invalid(
                        &config_path.child("clientIP").child("timeoutSeconds"),
                        seconds,
                        "must be greater than 0 and less than 86400",
                    ));
                }
            }
        }
    } else if affinity == "None" && get(spec, "sessionAffinityConfig").is_some() {
        errors.push(forbidden(
            &config_path,
            "must not be set when session affinity is None",
        ));
    }
    errors.extend(cluster_ips_related(spec));
    for (index, ip) in strings(spec, "externalIPs").into_iter().enumerate() {
        let ip_path = path.child("externalIPs").index(index);
        let ip_errors = valid_ip(&ip_path, ip);
        if ip_errors.is_empty() {
            errors.extend(non_special_ip(ip, &ip_path));
        } else {
            errors.extend(ip_errors);
        }
    }
    match service_type {
        "" => errors.push(required(&path.child("type"), "")),
        "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName" => {}
        other => errors.push(not_supported(
            &path.child("type"),
            other,
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        )),
    }
    if service_type == "ClusterIP" {
        for (index, port) in ports.iter().enumerate() {
            if int_of(port, "nodePort") != 0 {
                errors.push(forbidden(
                    &path.child("ports").index(index).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (index, port) in ports.iter().enumerate() {
        let node_port = int_of(port, "nodePort");
        if node_port != 0 && !node_ports.insert((str_of(port, "protocol"), node_port)) {
            errors.push(duplicate(
                &path.child("ports").index(index).child("nodePort"),
                node_port,
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for (index, port) in ports.iter().enumerate() {
        let key = (str_of(port, "protocol"), int_of(port, "port"));
        if !seen.insert(key) {
            errors.push(duplicate(
                &path.child("ports").index(index),
                Bad::Raw(format!(
                    "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{}, \
                     TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
                    gofmt::quote(key.0),
                    key.1
                )),
            ));
        }
    }
    let ranges = strings(spec, "loadBalancerSourceRanges");
    if !ranges.is_empty() {
        let ranges_path = path.child("LoadBalancerSourceRanges");
        if service_type != "LoadBalancer" {
            errors.push(forbidden(
                &ranges_path,
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
        for (index, range) in ranges.iter().enumerate() {
            errors.extend(valid_cidr(&ranges_path.index(index), range.trim()));
        }
    } else if let Some(value) = annotation("service.beta.kubernetes.io/load-balancer-source-ranges")
    {
        let annotation_path = Path::new("metadata")
            .child("annotations")
            .key("service.beta.kubernetes.io/load-balancer-source-ranges");
        if service_type != "LoadBalancer" {
            errors.push(forbidden(
                &annotation_path,
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
        let value = value.trim();
        if !value.is_empty() {
            for cidr in value.split(',') {
                errors.extend(valid_cidr(&annotation_path, cidr.trim()));
            }
        }
    }
    let allocate = opt_bool(spec, "allocateLoadBalancerNodePorts");
    if allocate.is_some() && service_type != "LoadBalancer" {
        errors.push(forbidden(
            &path.child("allocateLoadBalancerNodePorts"),
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if service_type == "LoadBalancer" && allocate.is_none() {
        errors.push(required(&Path::new("allocateLoadBalancerNodePorts"), ""));
    }
    if let Some(class) = opt_str(spec, "loadBalancerClass") {
        if service_type == "LoadBalancer" {
            errors.extend(format_errors(
                &path.child("loadBalancerClass"),
                class,
                qualified_name,
            ));
        } else {
            errors.push(forbidden(
                &path.child("loadBalancerClass"),
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
    }
    let externally_accessible = matches!(service_type, "LoadBalancer" | "NodePort")
        || (service_type == "ClusterIP" && !list(spec, "externalIPs").is_empty());
    let external_policy = str_of(spec, "externalTrafficPolicy");
    if !externally_accessible {
        if !external_policy.is_empty() {
            errors.push(invalid(
                &path.child("externalTrafficPolicy"),
                external_policy,
                "may only be set for externally-accessible services",
            ));
        }
    } else if external_policy.is_empty() {
        errors.push(required(&path.child("externalTrafficPolicy"), ""));
    } else if !matches!(external_policy, "Cluster" | "Local") {
        errors.push(not_supported(
            &path.child("externalTrafficPolicy"),
            external_policy,
            &["Cluster", "Local"],
        ));
    }
    let health_port = int_of(spec, "healthCheckNodePort");
    if service_type == "LoadBalancer" && external_policy == "Local" {
        if health_port == 0 {
            errors.push(required(&path.child("healthCheckNodePort"), ""));
        } else {
            for message in port_num(health_port) {
                errors.push(invalid(
                    &path.child("healthCheckNodePort"),
                    health_port,
                    &message,
                ));
            }
        }
    } else if health_port != 0 {
        errors.push(invalid(
            &path.child("healthCheckNodePort"),
            health_port,
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ));
    }
    match opt_str(spec, "internalTrafficPolicy") {
        None if matches!(service_type, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            errors.push(required(&path.child("internalTrafficPolicy"), ""));
        }
        Some(policy) if !matches!(policy, "Cluster" | "Local") => errors.push(not_supported(
            &path.child("internalTrafficPolicy"),
            policy,
            &["Cluster", "Local"],
        )),
        _ => {}
    }
    if let Some(distribution) = opt_str(spec, "trafficDistribution")
        && distribution != "PreferClose"
    {
        errors.push(not_supported(
            &path.child("trafficDistribution"),
            distribution,
            &["PreferClose"],
        ));
    }
    errors
}

/// `ValidateNonSpecialIP`.
pub(crate) fn non_special_ip(ip: &str, path: &Path) -> Errors {
    let Some(address) = parse_ip(ip) else {
        return vec![invalid(path, ip, "must be a valid IP address")];
    };
    let mut errors = Vec::new();
    let (unspecified, loopback, link_local, link_local_multicast) = match address {
        std::net::IpAddr::V4(v4) => (
            v4.is_unspecified(),
            v4.is_loopback(),
            v4.is_link_local(),
            v4.octets()[..3] == [224, 0, 0],
        ),
        std::net::IpAddr::V6(v6) => (
            v6.is_unspecified(),
            v6.is_loopback(),
            (v6.segments()[0] & 0xffc0) == 0xfe80,
            (v6.segments()[0] & 0xff0f) == 0xff02,
        ),
    };
    if unspecified {
        errors.push(invalid(path, ip, &format!("may not be unspecified ({ip})")));
    }
    if loopback {
        errors.push(invalid(
            path,
            ip,
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ));
    }
    if link_local {
        errors.push(invalid(
            path,
            ip,
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ));
    }
    if link_local_multicast {
        errors.push(invalid(
            path,
            ip,
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ));
    }
    errors
}

/// `ValidateServiceClusterIPsRelatedFields`.
fn cluster_ips_related(spec: &Value) -> Errors {
    if str_of(spec, "type") == "ExternalName" {
        return Vec::new();
    }
    let mut errors = Vec::new();
    let path = Path::new("spec");
    let ips_path = path.child("clusterIPs");
    let families_path = path.child("ipFamilies");
    let cluster_ip = str_of(spec, "clusterIP");
    let cluster_ips = strings(spec, "clusterIPs");
    let rendered = || Bad::Raw(gofmt::string_slice("string", get(spec, "clusterIPs")));
    if !cluster_ip.is_empty() {
        if cluster_ips.is_empty() {
            errors.push(required(&ips_path, ""));
        } else if cluster_ips[0] != cluster_ip {
            errors.push(invalid(
                &ips_path,
                rendered(),
                "first value must match `clusterIP`",
            ));
        }
    } else if !cluster_ips.is_empty() {
        errors.push(invalid(
            &ips_path,
            rendered(),
            "must be empty when `clusterIP` is not specified",
        ));
    }
    let mut seen = BTreeSet::new();
    let families = strings(spec, "ipFamilies");
    for (index, family) in families.iter().enumerate() {
        if !matches!(*family, "IPv4" | "IPv6") {
            errors.push(not_supported(
                &families_path.index(index),
                *family,
                &["IPv4", "IPv6"],
            ));
        }
        if !seen.insert(*family) {
            errors.push(duplicate(&families_path.index(index), *family));
        }
    }
    if let Some(policy) = opt_str(spec, "ipFamilyPolicy")
        && !matches!(
            policy,
            "SingleStack" | "PreferDualStack" | "RequireDualStack"
        )
    {
        errors.push(not_supported(
            &path.child("ipFamilyPolicy"),
            policy,
            &["PreferDualStack", "RequireDualStack", "SingleStack"],
        ));
    }
    let mut invalid_ips = false;
    for (index, ip) in cluster_ips.iter().enumerate() {
        if index == 0 && *ip == "None" {
            if cluster_ips.len() > 1 {
                invalid_ips = true;
                errors.push(invalid(
                    &ips_path,
                    rendered(),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        let ip_errors = valid_ip(&ips_path.index(index), ip);
        invalid_ips |= !ip_errors.is_empty();
        errors.extend(ip_errors);
    }
    if cluster_ips.len() > 2 {
        errors.push(invalid(
            &ips_path,
            rendered(),
            "may only hold up to 2 values",
        ));
    }
    if invalid_ips {
        return errors;
    }
    if cluster_ips.len() > 1 {
        let v6: Vec<bool> = cluster_ips.iter().map(|ip| ip.contains(':')).collect();
        if v6.iter().all(|x| *x) || v6.iter().all(|x| !*x) {
            errors.push(invalid(
                &ips_path,
                rendered(),
                "may specify no more than one IP for each IP family",
            ));
        }
    }
    if !is_headless(spec) {
        for (index, ip) in cluster_ips.iter().enumerate() {
            let Some(family) = families.get(index) else {
                break;
            };
            if *family == "IPv4" && ip.contains(':') {
                errors.push(invalid(
                    &ips_path.index(index),
                    *ip,
                    &format!("expected an IPv4 value as indicated by `ipFamilies[{index}]`"),
                ));
            }
            if *family == "IPv6" && !ip.contains(':') {
                errors.push(invalid(
                    &ips_path.index(index),
                    *ip,
                    &format!("expected an IPv6 value as indicated by `ipFamilies[{index}]`"),
                ));
            }
        }
    }
    errors
}

/// `ValidateServiceUpdate`.
pub(crate) fn service_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    let spec = get(new, "spec").unwrap_or(&empty);
    let old_spec = get(old, "spec").unwrap_or(&empty);
    let external_name =
        str_of(spec, "type") == "ExternalName" || str_of(old_spec, "type") == "ExternalName";
    let ips_path = Path::new("spec").child("clusterIPs");
    if !(external_name || is_headless(spec) && is_headless(old_spec)) {
        let (ips, old_ips) = (strings(spec, "clusterIPs"), strings(old_spec, "clusterIPs"));
        let rendered = || Bad::Raw(gofmt::string_slice("string", get(spec, "clusterIPs")));
        if ips.len() == old_ips.len() {
            for (index, ip) in old_ips.iter().enumerate() {
                if ips[index] != *ip {
                    errors.push(invalid(
                        &ips_path.index(index),
                        rendered(),
                        "may not change once set",
                    ));
                }
            }
        } else if old_ips.len() > ips.len() {
            if ips.is_empty() {
                errors.push(invalid(
                    &ips_path.index(0),
                    rendered(),
                    "primary clusterIP can not be unset",
                ));
            }
            if !old_ips.is_empty() && !ips.is_empty() && ips[0] != old_ips[0] {
                errors.push(invalid(
                    &ips_path.index(0),
                    rendered(),
                    "may not change once set",
                ));
            }
            if ips.len() == 1 && opt_str(spec, "ipFamilyPolicy") != Some("SingleStack") {
                errors.push(invalid(
                    &Path::new("spec").child("ipFamilyPolicy"),
                    opt_str(spec, "ipFamilyPolicy").map_or(Bad::Null, Bad::from),
                    "must be set to 'SingleStack' when releasing the secondary clusterIP",
                ));
            }
        } else if !old_ips.is_empty() && ips[0] != old_ips[0] {
            errors.push(invalid(
                &ips_path.index(0),
                rendered(),
                "may not change once set",
            ));
        }
    }
    if !external_name && is_headless(spec) == is_headless(old_spec) && !is_headless(spec) {
        let (families, old_families) =
            (strings(spec, "ipFamilies"), strings(old_spec, "ipFamilies"));
        let families_path = Path::new("spec").child("ipFamilies");
        let rendered = || {
            Bad::Raw(gofmt::string_slice(
                "core.IPFamily",
                get(spec, "ipFamilies"),
            ))
        };
        if families.len() == old_families.len() {
            for (index, family) in old_families.iter().enumerate() {
                if families[index] != *family {
                    errors.push(invalid(
                        &families_path.index(0),
                        rendered(),
                        "may not change once set",
                    ));
                }
            }
        } else if !old_families.is_empty() && !families.is_empty() && families[0] != old_families[0]
        {
            errors.push(invalid(
                &families_path.index(0),
                Bad::Raw(gofmt::string_slice("string", get(spec, "clusterIPs"))),
                "may not change once set",
            ));
        }
    }
    if str_of(spec, "type") == "LoadBalancer"
        && str_of(old_spec, "type") == "LoadBalancer"
        && opt_str(spec, "loadBalancerClass") != opt_str(old_spec, "loadBalancerClass")
    {
        errors.push(invalid(
            &Path::new("spec").child("loadBalancerClass"),
            opt_str(spec, "loadBalancerClass").map_or(Bad::Null, Bad::from),
            "may not change once set",
        ));
    }
    let needs_health = |spec: &Value| {
        str_of(spec, "type") == "LoadBalancer" && str_of(spec, "externalTrafficPolicy") == "Local"
    };
    if needs_health(spec)
        && needs_health(old_spec)
        && int_of(spec, "healthCheckNodePort") != int_of(old_spec, "healthCheckNodePort")
    {
        errors.push(forbidden(
            &Path::new("spec").child("healthCheckNodePort"),
            "field is immutable",
        ));
    }
    errors.extend(service(new));
    errors
}

/// kube's Service `patchAllocatedValues` and `normalizeClusterIPs` for an update.
pub(crate) fn service_patch_allocated(object: &mut Value, old: &Value) {
    let empty = Value::Null;
    let old_spec = get(old, "spec").unwrap_or(&empty).clone();
    let Some(spec) = object
        .as_object_mut()
        .and_then(|object| crate::builtin::value::child(object, "spec"))
    else {
        return;
    };
    let needs_ip = |spec: &Value| str_of(spec, "type") != "ExternalName";
    let spec_value = Value::Object(spec.clone());
    if needs_ip(&old_spec) && needs_ip(&spec_value) {
        let old_ip = str_of(&old_spec, "clusterIP");
        let new_ip = str_of(&spec_value, "clusterIP");
        if new_ip.is_empty() && !old_ip.is_empty() {
            spec.insert("clusterIP".to_owned(), json!(old_ip));
            if list(&spec_value, "clusterIPs").is_empty()
                && !list(&old_spec, "clusterIPs").is_empty()
            {
                spec.insert("clusterIPs".to_owned(), old_spec["clusterIPs"].clone());
            }
        } else if !new_ip.is_empty() && new_ip != old_ip {
            // A changed clusterIP with untouched clusterIPs moves the primary.
            let ips = strings(&spec_value, "clusterIPs");
            let old_ips = strings(&old_spec, "clusterIPs");
            if ips.is_empty() || ips == old_ips {
                spec.insert("clusterIPs".to_owned(), json!([new_ip]));
            }
        } else if list(&spec_value, "clusterIPs").is_empty() && !new_ip.is_empty() {
            spec.insert("clusterIPs".to_owned(), json!([new_ip]));
        }
    }
    let needs_node_port =
        |spec: &Value| matches!(str_of(spec, "type"), "NodePort" | "LoadBalancer");
    if needs_node_port(&old_spec) && needs_node_port(&spec_value) {
        let used: BTreeSet<i64> = list(&spec_value, "ports")
            .iter()
            .map(|port| int_of(port, "nodePort"))
            .filter(|port| *port != 0)
            .collect();
        let old_ports: Vec<(String, i64)> = list(&old_spec, "ports")
            .iter()
            .map(|port| (str_of(port, "name").to_owned(), int_of(port, "nodePort")))
            .collect();
        let old_used: BTreeSet<i64> = old_ports.iter().map(|(_, port)| *port).collect();
        let taken: BTreeSet<i64> = used.intersection(&old_used).copied().collect();
        if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
            for port in ports.iter_mut().filter_map(Value::as_object_mut) {
                let unset = port.get("nodePort").and_then(Value::as_i64).unwrap_or(0) == 0;
                if !unset {
                    continue;
                }
                let name = port.get("name").and_then(Value::as_str).unwrap_or_default();
                if let Some((_, old_port)) = old_ports.iter().find(|(n, _)| n == name)
                    && *old_port != 0
                    && !taken.contains(old_port)
                {
                    port.insert("nodePort".to_owned(), json!(old_port));
                }
            }
        }
    }
    let needs_health = |spec: &Value| {
        str_of(spec, "type") == "LoadBalancer" && str_of(spec, "externalTrafficPolicy") == "Local"
    };
    if needs_health(&old_spec)
        && needs_health(&spec_value)
        && int_of(&spec_value, "healthCheckNodePort") == 0
        && let Some(port) = old_spec.get("healthCheckNodePort")
    {
        spec.insert("healthCheckNodePort".to_owned(), port.clone());
    }
}

// --- ConfigMaps and Secrets ---

/// `ValidateConfigMap`.
pub(crate) fn config_map(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let mut total = 0;
    let binary_keys: BTreeSet<&str> = crate::builtin::value::string_map(object, "binaryData")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for (key, value) in crate::builtin::value::string_map(object, "data") {
        let key_path = Path::new("data").key(key);
        errors.extend(format_errors(&key_path, key, config_map_key));
        if binary_keys.contains(key) {
            errors.push(invalid(
                &key_path,
                key,
                "duplicate of key present in binaryData",
            ));
        }
        total += value.len();
    }
    for (key, value) in crate::builtin::value::string_map(object, "binaryData") {
        errors.extend(format_errors(
            &Path::new("binaryData").key(key),
            key,
            config_map_key,
        ));
        total += decoded_len(value);
    }
    if total > MAX_SECRET_SIZE {
        errors.push(too_long(&Path::root(), MAX_SECRET_SIZE));
    }
    errors
}

/// The decoded length of base64 data (the size kube counts).
fn decoded_len(encoded: &str) -> usize {
    let trimmed = encoded.trim_end_matches('=');
    trimmed.len() * 3 / 4
}

/// `ValidateConfigMapUpdate`.
pub(crate) fn config_map_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    if opt_bool(old, "immutable") == Some(true) {
        if opt_bool(new, "immutable") != Some(true) {
            errors.push(forbidden(
                &Path::new("immutable"),
                "field is immutable when `immutable` is set",
            ));
        }
        for field in ["data", "binaryData"] {
            if !semantic_eq(
                get(new, field).unwrap_or(&Value::Null),
                get(old, field).unwrap_or(&Value::Null),
            ) {
                errors.push(forbidden(
                    &Path::new(field),
                    "field is immutable when `immutable` is set",
                ));
            }
        }
    }
    errors.extend(config_map(new));
    errors
}

/// `ValidateSecret`.
pub(crate) fn secret(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let data_path = Path::new("data");
    let data = crate::builtin::value::string_map(object, "data");
    let mut total = 0;
    for (key, value) in &data {
        errors.extend(format_errors(&data_path.key(key), key, config_map_key));
        total += decoded_len(value);
    }
    if total > MAX_SECRET_SIZE {
        errors.push(too_long(&data_path, MAX_SECRET_SIZE));
    }
    let has = |key: &str| data.iter().any(|(k, _)| *k == key);
    let empty = Value::Null;
    let meta = get(object, "metadata").unwrap_or(&empty);
    match str_of(object, "type") {
        "kubernetes.io/service-account-token" => {
            let annotations = crate::builtin::value::string_map(meta, "annotations");
            let named = annotations
                .iter()
                .any(|(k, v)| *k == "kubernetes.io/service-account.name" && !v.is_empty());
            if !named {
                errors.push(required(
                    &Path::new("metadata")
                        .child("annotations")
                        .key("kubernetes.io/service-account.name"),
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" | "kubernetes.io/dockerconfigjson" => {
            let key = if str_of(object, "type") == "kubernetes.io/dockercfg" {
                ".dockercfg"
            } else {
                ".dockerconfigjson"
            };
            match data.iter().find(|(k, _)| *k == key) {
                None => errors.push(required(&data_path.key(key), "")),
                Some((_, encoded)) => {
                    let decoded = base64_decode(encoded);
                    let parses = decoded
                        .as_deref()
                        .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok())
                        .is_some_and(|value| value.is_object());
                    if !parses {
                        errors.push(invalid(
                            &data_path.key(key),
                            "<secret contents redacted>",
                            "unexpected end of JSON input",
                        ));
                    }
                }
            }
        }
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errors.push(required(&data_path.key("username"), ""));
            errors.push(required(&data_path.key("password"), ""));
        }
        "kubernetes.io/ssh-auth" => {
            let present = data
                .iter()
                .any(|(k, v)| *k == "ssh-privatekey" && !v.is_empty());
            if !present {
                errors.push(required(&data_path.key("ssh-privatekey"), ""));
            }
        }
        "kubernetes.io/tls" => {
            if !has("tls.crt") {
                errors.push(required(&data_path.key("tls.crt"), ""));
            }
            if !has("tls.key") {
                errors.push(required(&data_path.key("tls.key"), ""));
            }
        }
        _ => {}
    }
    errors
}

fn base64_decode(encoded: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
}

/// `ValidateSecretUpdate`.
pub(crate) fn secret_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let (new_type, old_type) = (str_of(new, "type"), str_of(old, "type"));
    if new_type != old_type {
        errors.push(immutable(&Path::new("type"), new_type));
    }
    if opt_bool(old, "immutable") == Some(true) {
        if opt_bool(new, "immutable") != Some(true) {
            errors.push(forbidden(
                &Path::new("immutable"),
                "field is immutable when `immutable` is set",
            ));
        }
        if !semantic_eq(
            get(new, "data").unwrap_or(&Value::Null),
            get(old, "data").unwrap_or(&Value::Null),
        ) {
            errors.push(forbidden(
                &Path::new("data"),
                "field is immutable when `immutable` is set",
            ));
        }
    }
    errors.extend(secret(new));
    errors
}

// --- Namespaces, ServiceAccounts ---

/// `ValidateNamespace`.
pub(crate) fn namespace(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, false, name_is_dns_label);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec").child("finalizers");
    for finalizer in strings(spec, "finalizers") {
        errors.extend(format_errors(&path, finalizer, qualified_name));
        if !finalizer.contains('/') && finalizer != "kubernetes" {
            errors.push(invalid(
                &path,
                finalizer,
                "name is neither a standard finalizer name nor is it fully qualified",
            ));
        }
    }
    errors
}

/// A Namespace update: `ValidateNamespace` then `ValidateNamespaceUpdate`.
pub(crate) fn namespace_update(new: &Value, old: &Value) -> Errors {
    let mut errors = namespace(new);
    errors.extend(validate_object_meta_update(new, old));
    errors
}

// --- Persistent volumes ---

const ACCESS_MODES: &[&str] = &[
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

fn access_modes(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let (mut once_pod, mut others) = (false, false);
    for mode in strings(spec, "accessModes") {
        if !ACCESS_MODES.contains(&mode) {
            errors.push(not_supported(
                &path.child("accessModes"),
                mode,
                ACCESS_MODES,
            ));
        }
        if mode == "ReadWriteOncePod" {
            once_pod = true;
        } else if ACCESS_MODES.contains(&mode) {
            others = true;
        }
    }
    if once_pod && others {
        errors.push(forbidden(
            &path.child("accessModes"),
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
    errors
}

/// `ValidatePersistentVolumeClaimSpec`.
pub(crate) fn pvc_spec(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if list(spec, "accessModes").is_empty() {
        errors.push(required(
            &path.child("accessModes"),
            "at least 1 access mode is required",
        ));
    }
    errors.extend(validate_label_selector(
        get(spec, "selector"),
        &path.child("selector"),
    ));
    errors.extend(access_modes(spec, path));
    let storage_path = path.child("resources").key("storage");
    let storage = get(spec, "resources")
        .and_then(|resources| get(resources, "requests"))
        .and_then(|requests| get(requests, "storage"));
    match storage {
        None => errors.push(required(&storage_path, "")),
        Some(value) => match quantity::of(value) {
            Err(message) => errors.push(invalid(&storage_path, value.to_string(), message)),
            Ok(quantity) if quantity.sign() <= 0 => {
                errors.push(invalid(
                    &storage_path,
                    quantity.canonical(),
                    "must be greater than zero",
                ));
            }
            Ok(_) => {}
        },
    }
    if let Some(class) = opt_str(spec, "storageClassName")
        && !class.is_empty()
    {
        errors.extend(name_errors(
            &path.child("storageClassName"),
            class,
            name_is_dns_subdomain,
        ));
    }
    if let Some(mode) = opt_str(spec, "volumeMode")
        && !matches!(mode, "Block" | "Filesystem")
    {
        errors.push(not_supported(
            &path.child("volumeMode"),
            mode,
            &["Block", "Filesystem"],
        ));
    }
    for key in ["dataSource", "dataSourceRef"] {
        let Some(source) = get(spec, key) else {
            continue;
        };
        let source_path = path.child(key);
        if str_of(source, "name").is_empty() {
            errors.push(required(&source_path.child("name"), ""));
        }
        let kind = str_of(source, "kind");
        if kind.is_empty() {
            errors.push(required(&source_path.child("kind"), ""));
        }
        let group = str_of(source, "apiGroup");
        if group.is_empty() && kind != "PersistentVolumeClaim" {
            errors.push(invalid(
                &source_path,
                kind,
                "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
            ));
        }
        if !group.is_empty() {
            errors.extend(format_errors(
                &source_path.child("apiGroup"),
                group,
                dns1123_subdomain,
            ));
        }
        if key == "dataSourceRef"
            && let Some(namespace) = opt_str(source, "namespace")
            && !namespace.is_empty()
        {
            errors.extend(name_errors(
                &source_path.child("namespace"),
                namespace,
                name_is_dns_label,
            ));
        }
    }
    if let Some(class) = opt_str(spec, "volumeAttributesClassName")
        && !class.is_empty()
    {
        errors.extend(name_errors(
            &path.child("volumeAttributesClassName"),
            class,
            name_is_dns_subdomain,
        ));
    }
    errors
}

/// `ValidatePersistentVolumeClaim`.
pub(crate) fn pvc(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    errors.extend(pvc_spec(
        get(object, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

/// `ValidatePersistentVolumeClaimUpdate`: only `resources.requests` (growing) and, once,
/// `volumeName` may change.
pub(crate) fn pvc_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(pvc(new));
    let empty = Value::Null;
    let spec = get(new, "spec").unwrap_or(&empty);
    let old_spec = get(old, "spec").unwrap_or(&empty);
    let mut new_clone = spec.clone();
    let mut old_clone = old_spec.clone();
    if str_of(old_spec, "volumeName").is_empty()
        && let (Some(old_map), Some(name)) = (old_clone.as_object_mut(), spec.get("volumeName"))
    {
        old_map.insert("volumeName".to_owned(), name.clone());
    }
    let bound = get(new, "status").is_some_and(|status| str_of(status, "phase") == "Bound");
    // Requests (and the attributes class of a bound claim) may change.
    for clone in [&mut new_clone, &mut old_clone] {
        if let Some(map) = clone.as_object_mut() {
            if let Some(requests) = map
                .get_mut("resources")
                .and_then(Value::as_object_mut)
                .and_then(|resources| resources.get_mut("requests"))
                .and_then(Value::as_object_mut)
            {
                requests.remove("storage");
            }
            if bound {
                map.remove("volumeAttributesClassName");
            }
        }
    }
    let class_upgrade = opt_str(old_spec, "storageClassName").is_none()
        && opt_str(spec, "storageClassName").is_some();
    if class_upgrade && let Some(map) = new_clone.as_object_mut() {
        map.remove("storageClassName");
    }
    if !semantic_eq(&new_clone, &old_clone) {
        errors.push(forbidden(
            &Path::new("spec"),
            &format!(
                "spec is immutable after creation except resources.requests and \
                 volumeAttributesClassName for bound claims\n{}",
                pod::spec_diff(&old_clone, &new_clone)
                    .replace("core.PodSpec", "core.PersistentVolumeClaimSpec")
            ),
        ));
    }
    let storage = |spec: &Value| {
        get(spec, "resources")
            .and_then(|r| get(r, "requests"))
            .and_then(|r| get(r, "storage"))
            .and_then(|q| quantity::of(q).ok())
    };
    if let (Some(new_size), Some(old_size)) = (storage(spec), storage(old_spec))
        && new_size.cmp(&old_size) == std::cmp::Ordering::Less
    {
        let status_size = get(old, "status")
            .and_then(|status| get(status, "capacity"))
            .and_then(|capacity| get(capacity, "storage"))
            .and_then(|q| quantity::of(q).ok());
        if status_size.is_some_and(|status| new_size.cmp(&status) != std::cmp::Ordering::Greater) {
            errors.push(forbidden(
                &Path::new("spec")
                    .child("resources")
                    .child("requests")
                    .child("storage"),
                "field can not be less than status.capacity",
            ));
        }
    }
    if opt_str(spec, "volumeMode") != opt_str(old_spec, "volumeMode") {
        errors.push(invalid(
            &Path::new("volumeMode"),
            opt_str(spec, "volumeMode").map_or(Bad::Null, Bad::from),
            "field is immutable",
        ));
    }
    errors
}

const PV_SOURCES: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "glusterfs",
    "flocker",
    "nfs",
    "rbd",
    "quobyte",
    "cephfs",
    "iscsi",
    "cinder",
    "fc",
    "flexVolume",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "scaleIO",
    "local",
    "storageos",
    "csi",
];

/// `ValidatePersistentVolume` (source details beyond presence and the common ones are not
/// checked).
pub(crate) fn pv(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, false, name_is_dns_subdomain);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    if list(spec, "accessModes").is_empty() {
        errors.push(required(&path.child("accessModes"), ""));
    }
    errors.extend(access_modes(spec, &path));
    let capacity = crate::builtin::value::map_of(spec, "capacity");
    if capacity.is_none_or(|c| c.is_empty()) {
        errors.push(required(&path.child("capacity"), ""));
    }
    let only_storage = capacity.is_some_and(|c| c.len() == 1 && c.contains_key("storage"));
    if !only_storage {
        errors.push(not_supported(
            &path.child("capacity"),
            Bad::Raw(format!(
                "core.ResourceList{{{}}}",
                capacity
                    .map(|c| c
                        .keys()
                        .map(|k| format!("{}:{{...}}", gofmt::quote(k)))
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            )),
            &["storage"],
        ));
    }
    if let Some(capacity) = capacity {
        let mut entries: Vec<(&String, &Value)> = capacity.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (name, value) in entries {
            let item_path = path.child("capacity").key(name);
            match quantity::of(value) {
                Err(message) => errors.push(invalid(&item_path, value.to_string(), message)),
                Ok(q) if q.sign() <= 0 => {
                    if q.value() < 0 {
                        errors.push(invalid(
                            &item_path,
                            Bad::Int(q.value() as i64),
                            "must be a valid resource quantity",
                        ));
                    }
                    errors.push(invalid(
                        &item_path,
                        q.canonical(),
                        "must be greater than zero",
                    ));
                }
                Ok(_) => {}
            }
        }
    }
    if let Some(policy) = opt_str(spec, "persistentVolumeReclaimPolicy")
        && !policy.is_empty()
        && !matches!(policy, "Delete" | "Recycle" | "Retain")
    {
        errors.push(not_supported(
            &path.child("persistentVolumeReclaimPolicy"),
            policy,
            &["Delete", "Recycle", "Retain"],
        ));
    }
    let mut count = 0;
    for source in PV_SOURCES {
        if get(spec, source).is_some() {
            if count > 0 {
                errors.push(forbidden(
                    &path.child(source),
                    "may not specify more than 1 volume type",
                ));
            }
            count += 1;
        }
    }
    if count == 0 {
        errors.push(required(&path, "must specify a volume type"));
    }
    if let Some(local) = get(spec, "local") {
        if str_of(local, "path").is_empty() {
            errors.push(required(&path.child("local").child("path"), ""));
        }
        if get(spec, "nodeAffinity").is_none() {
            errors.push(required(
                &path.child("nodeAffinity"),
                "Local volume requires node affinity",
            ));
        }
    }
    if let Some(host) = get(spec, "hostPath")
        && str_of(host, "path").is_empty()
    {
        errors.push(required(&path.child("hostPath").child("path"), ""));
    }
    if let Some(csi) = get(spec, "csi") {
        errors.extend(pod::csi_driver(
            str_of(csi, "driver"),
            &path.child("csi").child("driver"),
        ));
        if str_of(csi, "volumeHandle").is_empty() {
            errors.push(required(&path.child("csi").child("volumeHandle"), ""));
        }
    }
    if let Some(class) = opt_str(spec, "storageClassName")
        && !class.is_empty()
    {
        errors.extend(name_errors(
            &path.child("storageClassName"),
            class,
            name_is_dns_subdomain,
        ));
    }
    if let Some(mode) = opt_str(spec, "volumeMode")
        && !matches!(mode, "Block" | "Filesystem")
    {
        errors.push(not_supported(
            &path.child("volumeMode"),
            mode,
            &["Block", "Filesystem"],
        ));
    }
    if let Some(affinity) = get(spec, "nodeAffinity") {
        match get(affinity, "required") {
            Some(required_terms) => errors.extend(pod::node_selector(
                required_terms,
                &path.child("nodeAffinity").child("required"),
                false,
            )),
            None => errors.push(required(
                &path.child("nodeAffinity").child("required"),
                "must specify required node constraints",
            )),
        }
    }
    errors
}

/// `ValidatePersistentVolumeUpdate`: the volume source is immutable.
pub(crate) fn pv_update(new: &Value, old: &Value) -> Errors {
    let mut errors = pv(new);
    errors.extend(validate_object_meta_update(new, old));
    let empty = Value::Null;
    let spec = get(new, "spec").unwrap_or(&empty);
    let old_spec = get(old, "spec").unwrap_or(&empty);
    let changed = PV_SOURCES.iter().any(|source| {
        !semantic_eq(
            get(spec, source).unwrap_or(&Value::Null),
            get(old_spec, source).unwrap_or(&Value::Null),
        )
    });
    if changed {
        errors.push(forbidden(
            &Path::new("spec").child("persistentvolumesource"),
            "spec.persistentvolumesource is immutable after creation",
        ));
    }
    if opt_str(spec, "volumeMode") != opt_str(old_spec, "volumeMode") {
        errors.push(invalid(
            &Path::new("volumeMode"),
            opt_str(spec, "volumeMode").map_or(Bad::Null, Bad::from),
            "field is immutable",
        ));
    }
    errors
}

// --- ServiceAccounts, Endpoints, Events, Nodes ---

/// `ValidateServiceAccount`.
pub(crate) fn service_account(object: &Value) -> Errors {
    validate_object_meta(object, true, name_is_dns_subdomain)
}

/// `ValidateServiceAccountUpdate`.
pub(crate) fn service_account_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(service_account(new));
    errors
}

/// `ValidateEndpoints`.
pub(crate) fn endpoints(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let path = Path::new("subsets");
    for (index, subset) in list(object, "subsets").iter().enumerate() {
        let subset_path = path.index(index);
        let (addresses, not_ready) = (list(subset, "addresses"), list(subset, "notReadyAddresses"));
        if addresses.is_empty() && not_ready.is_empty() {
            errors.push(required(
                &subset_path,
                "must specify `addresses` or `notReadyAddresses`",
            ));
        }
        for (key, items) in [("addresses", addresses), ("notReadyAddresses", not_ready)] {
            for (address_index, address) in items.iter().enumerate() {
                let address_path = subset_path.child(key).index(address_index);
                let ip = str_of(address, "ip");
                errors.extend(valid_ip(&address_path.child("ip"), ip));
                let hostname = str_of(address, "hostname");
                if !hostname.is_empty() {
                    errors.extend(format_errors(
                        &address_path.child("hostname"),
                        hostname,
                        dns1123_label,
                    ));
                }
                if let Some(node) = opt_str(address, "nodeName") {
                    errors.extend(name_errors(
                        &address_path.child("nodeName"),
                        node,
                        name_is_dns_subdomain,
                    ));
                }
                errors.extend(non_special_ip(ip, &address_path.child("ip")));
            }
        }
        let ports = list(subset, "ports");
        for (port_index, port) in ports.iter().enumerate() {
            let port_path = subset_path.child("ports").index(port_index);
            let name = str_of(port, "name");
            if ports.len() > 1 && name.is_empty() {
                errors.push(required(&port_path.child("name"), ""));
            } else if !name.is_empty() {
                errors.extend(format_errors(&port_path.child("name"), name, dns1123_label));
            }
            let number = int_of(port, "port");
            for message in port_num(number) {
                errors.push(invalid(&port_path.child("port"), number, &message));
            }
            errors.extend(protocol(
                str_of(port, "protocol"),
                &port_path.child("protocol"),
            ));
            if let Some(app_protocol) = opt_str(port, "appProtocol") {
                errors.extend(format_errors(
                    &port_path.child("appProtocol"),
                    app_protocol,
                    qualified_name,
                ));
            }
        }
    }
    errors
}

/// A core/v1 Event on create (`legacyValidateEvent`: no metadata checks beyond the generic
/// ones, for compatibility).
pub(crate) fn event(object: &Value) -> Errors {
    let mut errors = Vec::new();
    let empty = Value::Null;
    let namespace = get(object, "metadata")
        .map(|meta| str_of(meta, "namespace"))
        .unwrap_or_default();
    let involved = get(object, "involvedObject").unwrap_or(&empty);
    let involved_namespace = str_of(involved, "namespace");
    let involved_path = Path::new("involvedObject").child("namespace");
    let event_time = str_of(object, "eventTime");
    if event_time.is_empty() {
        let mismatch = if involved_namespace.is_empty() {
            !namespace.is_empty() && namespace != "default"
        } else {
            namespace != involved_namespace
        };
        if mismatch {
            errors.push(invalid(
                &involved_path,
                involved_namespace,
                "does not match event.namespace",
            ));
        }
    } else {
        if involved_namespace.is_empty() && namespace != "default" && namespace != "kube-system" {
            errors.push(invalid(
                &involved_path,
                involved_namespace,
                "does not match event.namespace",
            ));
        }
        let controller = str_of(object, "reportingComponent");
        if controller.is_empty() {
            errors.push(required(&Path::new("reportingComponent"), ""));
        }
        errors.extend(format_errors(
            &Path::new("reportingComponent"),
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
        let action = str_of(object, "action");
        if action.is_empty() {
            errors.push(required(&Path::new("action"), ""));
        }
        if action.len() > 128 {
            errors.push(invalid(
                &Path::new("action"),
                "",
                "can have at most 128 characters",
            ));
        }
        let reason = str_of(object, "reason");
        if reason.is_empty() {
            errors.push(required(&Path::new("reason"), ""));
        }
        if reason.len() > 128 {
            errors.push(invalid(
                &Path::new("reason"),
                "",
                "can have at most 128 characters",
            ));
        }
        if str_of(object, "message").len() > 1024 {
            errors.push(invalid(
                &Path::new("message"),
                "",
                "can have at most 1024 characters",
            ));
        }
    }
    for message in dns1123_subdomain(namespace) {
        errors.push(invalid(&Path::new("namespace"), namespace, &message));
    }
    errors
}

/// A core/v1 Event update: the legacy rules again.
pub(crate) fn event_update(new: &Value, old: &Value) -> Errors {
    let mut errors = event(new);
    errors.extend(validate_object_meta_update(new, old));
    errors
}

/// `ValidateNode` (metadata, taints, pod CIDRs).
pub(crate) fn node(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, false, name_is_dns_subdomain);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    errors.extend(taints(spec, &Path::new("metadata").child("taints")));
    for (index, cidr) in strings(spec, "podCIDRs").into_iter().enumerate() {
        errors.extend(valid_cidr(
            &Path::new("spec").child("podCIDRs").index(index),
            cidr,
        ));
    }
    errors
}

fn taints(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, taint) in list(spec, "taints").iter().enumerate() {
        let taint_path = path.index(index);
        let key = str_of(taint, "key");
        errors.extend(crate::builtin::meta::label_name(
            key,
            &taint_path.child("key"),
        ));
        let value = str_of(taint, "value");
        let messages = crate::builtin::formats::label_value(value);
        if !messages.is_empty() {
            errors.push(invalid(
                &taint_path.child("value"),
                value,
                &messages.join(";"),
            ));
        }
        let effect = str_of(taint, "effect");
        match effect {
            "" => errors.push(required(&taint_path.child("effect"), "")),
            "NoSchedule" | "PreferNoSchedule" | "NoExecute" => {}
            other => errors.push(not_supported(
                &taint_path.child("effect"),
                other,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            )),
        }
        if !seen.insert((effect, key)) {
            let mut cause = duplicate(&taint_path, Bad::Raw(gofmt::go_struct("core.Taint", taint)));
            cause.message = format!(
                "{}: taints must be unique by key and effect pair",
                cause.message
            );
            errors.push(cause);
        }
    }
    errors
}

/// `ValidateNodeUpdate` (metadata, taints, pod CIDRs and provider ID set once).
pub(crate) fn node_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    let spec = get(new, "spec").unwrap_or(&empty);
    let old_spec = get(old, "spec").unwrap_or(&empty);
    let old_cidrs = strings(old_spec, "podCIDRs");
    if !old_cidrs.is_empty() && old_cidrs != strings(spec, "podCIDRs") {
        errors.push(forbidden(
            &Path::new("spec").child("podCIDRs"),
            "node updates may not change podCIDR except from \"\" to valid",
        ));
    }
    let old_provider = str_of(old_spec, "providerID");
    if !old_provider.is_empty() && old_provider != str_of(spec, "providerID") {
        errors.push(forbidden(
            &Path::new("spec").child("providerID"),
            "node updates may not change providerID except from \"\" to valid",
        ));
    }
    errors.extend(taints(spec, &Path::new("metadata").child("taints")));
    errors
}

// --- ReplicationControllers, PodTemplates ---

/// `ValidateReplicationController`.
pub(crate) fn replication_controller(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    errors.extend(replication_controller_spec(object));
    errors
}

fn replication_controller_spec(object: &Value) -> Errors {
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    let mut errors = nonnegative(
        int_of(spec, "minReadySeconds"),
        &path.child("minReadySeconds"),
    );
    let selector = string_map(spec, "selector");
    if selector.is_empty() {
        errors.push(required(&path.child("selector"), ""));
    }
    errors.extend(nonnegative(
        int_of(spec, "replicas"),
        &path.child("replicas"),
    ));
    let template_path = path.child("template");
    match get(spec, "template") {
        None => errors.push(required(&template_path, "")),
        Some(template) => {
            let labels = get(template, "metadata").and_then(|meta| get(meta, "labels"));
            if !selector.is_empty() {
                let matches = selector.iter().all(|(key, value)| {
                    labels
                        .and_then(|labels| labels.get(*key))
                        .and_then(Value::as_str)
                        == Some(*value)
                });
                if !matches {
                    errors.push(invalid(
                        &template_path.child("metadata").child("labels"),
                        Bad::Raw(gofmt::string_map(labels)),
                        "`selector` does not match template `labels`",
                    ));
                }
            }
            errors.extend(pod::template_spec(
                template,
                &template_path,
                Options::default(),
            ));
            let spec = get(template, "spec").unwrap_or(&empty);
            let restart = str_of(spec, "restartPolicy");
            if restart != "Always" {
                errors.push(not_supported(
                    &template_path.child("spec").child("restartPolicy"),
                    restart,
                    &["Always"],
                ));
            }
            if get(spec, "activeDeadlineSeconds").is_some() {
                errors.push(forbidden(
                    &template_path.child("spec").child("activeDeadlineSeconds"),
                    "activeDeadlineSeconds in ReplicationController is not Supported",
                ));
            }
        }
    }
    errors
}

/// `ValidateReplicationControllerUpdate`.
pub(crate) fn replication_controller_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(replication_controller_spec(new));
    errors
}

/// `ValidatePodTemplate`.
pub(crate) fn pod_template(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    errors.extend(pod::template_spec(
        get(object, "template").unwrap_or(&empty),
        &Path::new("template"),
        Options::default(),
    ));
    errors
}

/// `ValidatePodTemplateUpdate`.
pub(crate) fn pod_template_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    errors.extend(pod::template_spec(
        get(new, "template").unwrap_or(&empty),
        &Path::new("template"),
        Options::default(),
    ));
    errors
}

// --- ResourceQuotas, LimitRanges ---

const QUOTA_RESOURCES: &[&str] = &[
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "cpu",
    "memory",
    "ephemeral-storage",
];

fn quota_resources(map: &Value, key: &str, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut entries: Vec<(&String, &Value)> = map_of(map, key)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in entries {
        let item_path = path.key(name);
        let name_errors = pod::resource_name(name, &item_path);
        let mut own = name_errors;
        if own.is_empty()
            && !name.contains('/')
            && !QUOTA_RESOURCES.contains(&name.as_ref())
            && !name.starts_with("hugepages-")
            && !name.starts_with("requests.hugepages-")
        {
            own.push(invalid(
                &item_path,
                name.to_owned(),
                "must be a standard resource for quota",
            ));
        }
        errors.extend(own);
        errors.extend(pod::quantity_value(name, value, &item_path));
    }
    errors
}

/// `ValidateResourceQuota` (resource names and quantities, scopes).
pub(crate) fn resource_quota(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    errors.extend(quota_resources(
        spec,
        "hard",
        &Path::new("spec").child("hard"),
    ));
    let scopes = strings(spec, "scopes");
    let known = [
        "Terminating",
        "NotTerminating",
        "BestEffort",
        "NotBestEffort",
        "PriorityClass",
        "CrossNamespacePodAffinity",
        "VolumeAttributesClass",
    ];
    for scope in &scopes {
        if !known.contains(scope) {
            errors.push(invalid(
                &Path::new("spec").child("scopes"),
                Bad::Raw(gofmt::string_slice(
                    "core.ResourceQuotaScope",
                    get(spec, "scopes"),
                )),
                "unsupported scope",
            ));
        }
    }
    for (a, b) in [
        ("BestEffort", "NotBestEffort"),
        ("Terminating", "NotTerminating"),
    ] {
        if scopes.contains(&a) && scopes.contains(&b) {
            errors.push(invalid(
                &Path::new("spec").child("scopes"),
                Bad::Raw(gofmt::string_slice(
                    "core.ResourceQuotaScope",
                    get(spec, "scopes"),
                )),
                "conflicting scopes",
            ));
        }
    }
    if let Some(status) = get(object, "status") {
        errors.extend(quota_resources(
            status,
            "hard",
            &Path::new("status").child("hard"),
        ));
        errors.extend(quota_resources(
            status,
            "used",
            &Path::new("status").child("used"),
        ));
    }
    errors
}

/// `ValidateResourceQuotaUpdate`: scopes are immutable.
pub(crate) fn resource_quota_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    let spec = get(new, "spec").unwrap_or(&empty);
    let old_spec = get(old, "spec").unwrap_or(&empty);
    errors.extend(quota_resources(
        spec,
        "hard",
        &Path::new("spec").child("hard"),
    ));
    let scopes: BTreeSet<&str> = strings(spec, "scopes").into_iter().collect();
    let old_scopes: BTreeSet<&str> = strings(old_spec, "scopes").into_iter().collect();
    if scopes != old_scopes {
        errors.push(immutable(
            &Path::new("spec").child("scopes"),
            Bad::Raw(gofmt::string_slice(
                "core.ResourceQuotaScope",
                get(spec, "scopes"),
            )),
        ));
    }
    errors
}

/// `ValidateLimitRange` (types and resource names; min/max/default ordering).
pub(crate) fn limit_range(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec").child("limits");
    let mut types = BTreeSet::new();
    for (index, limit) in list(spec, "limits").iter().enumerate() {
        let limit_path = path.index(index);
        let kind = str_of(limit, "type");
        let type_errors = format_errors(&limit_path.child("type"), kind, qualified_name);
        if type_errors.is_empty() {
            if !kind.contains('/') && !matches!(kind, "Pod" | "Container" | "PersistentVolumeClaim")
            {
                errors.push(invalid(
                    &limit_path.child("type"),
                    kind,
                    "must be a standard limit type or fully qualified",
                ));
            }
        } else {
            errors.extend(type_errors);
        }
        if !types.insert(kind) {
            errors.push(duplicate(&limit_path.child("type"), kind));
        }
        if kind == "Pod" {
            for field in ["default", "defaultRequest"] {
                if crate::builtin::value::has_entries(limit, field) {
                    errors.push(forbidden(
                        &limit_path.child(field),
                        "may not be specified when `type` is 'Pod'",
                    ));
                }
            }
        }
        for field in [
            "max",
            "min",
            "default",
            "defaultRequest",
            "maxLimitRequestRatio",
        ] {
            let mut names: Vec<&String> = map_of(limit, field)
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            names.sort();
            for name in names {
                let item_path = limit_path.child(field).key(name);
                if matches!(kind, "Pod" | "Container") {
                    errors.extend(pod::container_resource_name(name, &item_path));
                } else {
                    errors.extend(pod::resource_name(name, &item_path));
                }
            }
        }
        if kind == "PersistentVolumeClaim" {
            let has = |field: &str| map_of(limit, field).is_some_and(|m| m.contains_key("storage"));
            if !has("min") && !has("max") {
                errors.push(required(
                    &limit_path.child("limits"),
                    "either minimum or maximum storage value is required, but neither was provided",
                ));
            }
        }
        let quantity_of = |field: &str, name: &str| {
            map_of(limit, field)
                .and_then(|m| m.get(name))
                .and_then(|q| quantity::of(q).ok())
        };
        let mut names: BTreeSet<&String> = BTreeSet::new();
        for field in ["max", "min", "default", "defaultRequest"] {
            if let Some(map) = map_of(limit, field) {
                names.extend(map.keys());
            }
        }
        for name in names {
            let (min, max) = (quantity_of("min", name), quantity_of("max", name));
            let (default, request) = (
                quantity_of("default", name),
                quantity_of("defaultRequest", name),
            );
            let greater = |a: &Option<quantity::Quantity>, b: &Option<quantity::Quantity>| matches!((a, b), (Some(a), Some(b)) if a.cmp(b) == std::cmp::Ordering::Greater);
            let text =
                |q: &Option<quantity::Quantity>| q.map(|q| q.canonical()).unwrap_or_default();
            if greater(&min, &max) {
                errors.push(invalid(
                    &limit_path.child("min").key(name),
                    text(&min),
                    &format!(
                        "min value {} is greater than max value {}",
                        text(&min),
                        text(&max)
                    ),
                ));
            }
            if greater(&min, &request) {
                errors.push(invalid(
                    &limit_path.child("defaultRequest").key(name),
                    text(&request),
                    &format!(
                        "min value {} is greater than default request value {}",
                        text(&min),
                        text(&request)
                    ),
                ));
            }
            if greater(&request, &max) {
                errors.push(invalid(
                    &limit_path.child("defaultRequest").key(name),
                    text(&request),
                    &format!(
                        "default request value {} is greater than max value {}",
                        text(&request),
                        text(&max)
                    ),
                ));
            }
            if greater(&request, &default) {
                errors.push(invalid(
                    &limit_path.child("defaultRequest").key(name),
                    text(&request),
                    &format!(
                        "default request value {} is greater than default limit value {}",
                        text(&request),
                        text(&default)
                    ),
                ));
            }
            if greater(&min, &default) {
                errors.push(invalid(
                    &limit_path.child("default").key(name),
                    text(&min),
                    &format!(
                        "min value {} is greater than default value {}",
                        text(&min),
                        text(&default)
                    ),
                ));
            }
            if greater(&default, &max) {
                errors.push(invalid(
                    &limit_path.child("default").key(name),
                    text(&max),
                    &format!(
                        "default value {} is greater than max value {}",
                        text(&default),
                        text(&max)
                    ),
                ));
            }
        }
    }
    errors
}

/// A LimitRange update: metadata, then the create rules.
pub(crate) fn limit_range_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(limit_range(new));
    errors
}
