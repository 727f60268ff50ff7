//! Request paths: the logical cluster prefix (`/clusters/<name>/…`, none for `root`) and what the
//! rest names, following kube-apiserver's request-info rules.

/// The logical cluster a request without a `/clusters/…` prefix goes to.
pub const ROOT_CLUSTER: &str = "root";
/// The cluster reference of privileged requests across every logical cluster.
pub const WILDCARD: &str = "*";

/// What a path (after the cluster prefix) names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiPath {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz` (and their sub-checks).
    Health,
    /// `/metrics`.
    Metrics,
    /// `/api`.
    CoreVersions,
    /// `/apis`.
    Groups,
    /// `/apis/<group>`.
    Group(String),
    /// `/api/v1` or `/apis/<group>/<version>`.
    ResourceList {
        /// Group; empty for core.
        group: String,
        /// Version.
        version: String,
    },
    /// `/openapi/v3`.
    OpenApiIndex,
    /// `/openapi/v3/<api/v1 | apis/<group>/<version>>`.
    OpenApiDocument(String),
    /// `/openapi/v2` (not served).
    OpenApiV2,
    /// A resource, collection or object.
    Resource(ResourcePath),
    /// Anything else.
    Unknown,
}

/// A path under `/api/v1/…` or `/apis/<group>/<version>/…` naming resources.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourcePath {
    /// Group; empty for core.
    pub group: String,
    /// Version.
    pub version: String,
    /// The namespace in the path, if any.
    pub namespace: Option<String>,
    /// The plural resource.
    pub resource: String,
    /// The object's name, if any.
    pub name: Option<String>,
    /// The subresource, if any.
    pub subresource: Option<String>,
}

/// Splits the logical cluster off a request path: `(cluster, rest)`. `cluster` is `None` for a
/// malformed prefix (`/clusters` or `/clusters/`).
pub fn split_cluster(path: &str) -> (Option<&str>, &str) {
    match path.strip_prefix("/clusters/") {
        Some(rest) => {
            let (cluster, rest) = rest
                .split_once('/')
                .map_or((rest, ""), |(cluster, rest)| (cluster, rest));
            if cluster.is_empty() {
                return (None, "");
            }
            // `rest` lost its leading slash.
            let rest_start = path.len() - rest.len();
            let rest = if rest.is_empty() {
                "/"
            } else {
                &path[rest_start - 1..]
            };
            (Some(cluster), rest)
        }
        None if path == "/clusters" => (None, ""),
        None => (Some(ROOT_CLUSTER), path),
    }
}

/// Parses the path after the cluster prefix.
pub fn parse(path: &str) -> ApiPath {
    let trimmed = path.trim_end_matches('/');
    let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
    if segments.iter().any(|segment| segment.is_empty()) {
        return ApiPath::Unknown;
    }
    match segments.as_slice() {
        ["version"] => ApiPath::Version,
        ["healthz" | "livez" | "readyz", ..] => ApiPath::Health,
        ["metrics"] => ApiPath::Metrics,
        ["openapi", "v3"] => ApiPath::OpenApiIndex,
        ["openapi", "v3", rest @ ..] => ApiPath::OpenApiDocument(rest.join("/")),
        ["openapi", "v2"] => ApiPath::OpenApiV2,
        ["api"] => ApiPath::CoreVersions,
        ["api", version] => ApiPath::ResourceList {
            group: String::new(),
            version: (*version).to_owned(),
        },
        ["api", version, rest @ ..] => resource_path("", version, rest),
        ["apis"] => ApiPath::Groups,
        ["apis", group] => ApiPath::Group((*group).to_owned()),
        ["apis", group, version] => ApiPath::ResourceList {
            group: (*group).to_owned(),
            version: (*version).to_owned(),
        },
        ["apis", group, version, rest @ ..] => resource_path(group, version, rest),
        _ => ApiPath::Unknown,
    }
}

fn resource_path(group: &str, version: &str, parts: &[&str]) -> ApiPath {
    let mut namespace = None;
    let mut parts = parts;
    if parts.first() == Some(&"namespaces") && parts.len() > 1 {
        namespace = Some(parts[1].to_owned());
        // `namespaces/<ns>/status|finalize` are subresources of the namespace itself.
        if parts.len() > 2 && !matches!(parts[2], "status" | "finalize") {
            parts = &parts[2..];
        }
    }
    let resource_path =
        |resource: &str, name: Option<&str>, subresource: Option<&str>| ResourcePath {
            group: group.to_owned(),
            version: version.to_owned(),
            namespace: namespace.clone(),
            resource: resource.to_owned(),
            name: name.map(str::to_owned),
            subresource: subresource.map(str::to_owned),
        };
    let parsed = match parts {
        [resource] => resource_path(resource, None, None),
        [resource, name] => resource_path(resource, Some(name), None),
        [resource, name, subresource] => resource_path(resource, Some(name), Some(subresource)),
        _ => return ApiPath::Unknown,
    };
    // `/api/v1/namespaces/<name>[/status]`: the namespace is the object, not a scope.
    if parsed.resource == "namespaces"
        && parsed.name.is_some()
        && namespace.is_some()
        && parts.first() == Some(&"namespaces")
    {
        return ApiPath::Resource(ResourcePath {
            namespace: None,
            ..parsed
        });
    }
    ApiPath::Resource(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str) -> ResourcePath {
        match parse(path) {
            ApiPath::Resource(resource) => resource,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn splits_the_cluster_prefix() {
        assert_eq!(
            split_cluster("/api/v1/pods"),
            (Some("root"), "/api/v1/pods")
        );
        assert_eq!(
            split_cluster("/clusters/root:acme/api/v1"),
            (Some("root:acme"), "/api/v1")
        );
        assert_eq!(split_cluster("/clusters/x"), (Some("x"), "/"));
        assert_eq!(split_cluster("/clusters/"), (None, ""));
        assert_eq!(split_cluster("/clusters"), (None, ""));
    }

    #[test]
    fn parses_like_kube_request_info() {
        assert_eq!(parse("/version"), ApiPath::Version);
        assert_eq!(parse("/apis/apps"), ApiPath::Group("apps".into()));
        assert_eq!(
            parse("/api/v1/"),
            ApiPath::ResourceList {
                group: String::new(),
                version: "v1".into()
            }
        );
        assert_eq!(
            parse("/openapi/v3/apis/apps/v1"),
            ApiPath::OpenApiDocument("apis/apps/v1".into())
        );
        let cm = resource("/api/v1/namespaces/default/configmaps/a");
        assert_eq!(
            (
                cm.namespace.as_deref(),
                cm.resource.as_str(),
                cm.name.as_deref()
            ),
            (Some("default"), "configmaps", Some("a"))
        );
        let ns = resource("/api/v1/namespaces/default");
        assert_eq!(
            (ns.namespace, ns.resource.as_str(), ns.name.as_deref()),
            (None, "namespaces", Some("default"))
        );
        let finalize = resource("/api/v1/namespaces/x/finalize");
        assert_eq!(
            (finalize.name.as_deref(), finalize.subresource.as_deref()),
            (Some("x"), Some("finalize"))
        );
        let scale = resource("/apis/apps/v1/namespaces/d/deployments/web/scale");
        assert_eq!(
            (scale.group.as_str(), scale.subresource.as_deref()),
            ("apps", Some("scale"))
        );
        let all = resource("/apis/apps/v1/deployments");
        assert_eq!((all.namespace, all.name), (None, None));
        assert_eq!(
            parse("/api/v1/namespaces/a/configmaps/b/c/d"),
            ApiPath::Unknown
        );
        assert_eq!(parse("/nonsense"), ApiPath::Unknown);
        assert_eq!(parse("//api"), ApiPath::Unknown);
    }
}
