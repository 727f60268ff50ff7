//! Tests of the OpenAPI index and documents, checked the way kubectl 1.32 reads them: the
//! fieldValidation probe of `cli-runtime/pkg/resource/query_param_verifier_v3.go` and a port of
//! the walk in `kubectl/pkg/explain/v2/templates/plaintext.tmpl`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::components::GVK_EXTENSION;
use super::*;
use crate::registry::Registry;

fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("documents are JSON")
}

fn document_value(openapi: &OpenApi, gv_path: &str) -> Value {
    let (bytes, _) = openapi.document(gv_path).expect("served group version");
    parse(bytes)
}

fn gvk_value(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "version": version, "kind": kind})
}

/// Every operation of `document` as (path, method, operation).
fn operations(document: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if method != "parameters" {
                out.push((path.as_str(), method.as_str(), operation));
            }
        }
    }
    out
}

fn has_query_parameter(operation: &Value, name: &str) -> bool {
    operation["parameters"]
        .as_array()
        .is_some_and(|parameters| {
            parameters
                .iter()
                .any(|parameter| parameter["name"] == name && parameter["in"] == "query")
        })
}

/// kubectl's `supportsQueryParamV3`: the first `patch` operation of the GVK decides, and the
/// order is Go's map order, so every one of them must have the parameter.
fn assert_field_validation_supported(document: &Value, gvk: &Value) {
    let patches: Vec<_> = operations(document)
        .into_iter()
        .filter(|(_, method, operation)| *method == "patch" && &operation[GVK_EXTENSION] == gvk)
        .collect();
    assert!(!patches.is_empty(), "no patch operation for {gvk}");
    for (path, _, operation) in patches {
        assert!(
            has_query_parameter(operation, "fieldValidation"),
            "{path} patch lacks fieldValidation"
        );
        assert_eq!(operation["x-kubernetes-action"], "patch");
        let content: BTreeSet<&str> = operation["requestBody"]["content"]
            .as_object()
            .expect("patch body")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            content,
            BTreeSet::from([
                "application/apply-patch+yaml",
                "application/json-patch+json",
                "application/merge-patch+json",
            ]),
            "{path}: strategic merge patch must not be listed"
        );
    }
}

#[test]
fn every_served_gvk_has_a_patch_operation_with_field_validation() {
    let registry = Registry::builtin();
    let openapi = OpenApi::new(&registry);
    for def in registry.resources() {
        let document = document_value(&openapi, &group_version_path(&def.group, &def.version));
        // Create-only kinds (reviews) have no patch operation, as in kube-apiserver.
        if !def.verbs.iter().any(|verb| verb == "patch") {
            continue;
        }
        assert_field_validation_supported(
            &document,
            &gvk_value(&def.group, &def.version, &def.kind),
        );
        let item = if def.namespaced {
            format!("namespaces/{{namespace}}/{}/{{name}}", def.resource)
        } else {
            format!("{}/{{name}}", def.resource)
        };
        let prefix = paths::api_prefix(&def.group, &def.version);
        for sub in &def.subresources {
            let path = format!("{prefix}/{item}/{}", sub.name);
            let operations = &document["paths"][&path];
            assert!(operations.is_object(), "missing {path}");
            let sub_gvk = gvk_value(&sub.group, &sub.version, &sub.kind);
            for (verb, method) in [
                ("get", "get"),
                ("update", "put"),
                ("patch", "patch"),
                ("create", "post"),
            ] {
                let operation = &operations[method];
                assert_eq!(
                    operation.is_object(),
                    sub.verbs.iter().any(|v| v == verb),
                    "{path} {method}"
                );
                if operation.is_object() {
                    assert_eq!(operation[GVK_EXTENSION], sub_gvk, "{path} {method}");
                }
            }
            if sub.verbs.iter().any(|verb| verb == "patch") {
                assert_field_validation_supported(&document, &sub_gvk);
            }
        }
    }
}

#[test]
fn every_write_operation_takes_field_validation_and_every_operation_names_its_kind() {
    let openapi = OpenApi::new(&Registry::builtin());
    let mut count = 0;
    for gv_path in openapi.group_versions() {
        let document = document_value(&openapi, gv_path);
        for (path, method, operation) in operations(&document) {
            count += 1;
            let action = operation["x-kubernetes-action"].as_str().expect("action");
            let expected_action = match method {
                "get"
                    if path.ends_with("}")
                        || path.ends_with("/status")
                        || path.ends_with("/scale")
                        || path.ends_with("/approval") =>
                {
                    "get"
                }
                "get" => "list",
                "post" => "post",
                "put" => "put",
                "patch" => "patch",
                "delete" if path.ends_with('}') => "delete",
                "delete" => "deletecollection",
                other => panic!("unexpected method {other} at {path}"),
            };
            assert_eq!(action, expected_action, "{path} {method}");
            let gvk = operation[GVK_EXTENSION].as_object().expect("gvk");
            assert_eq!(gvk.len(), 3, "{path} {method}: {gvk:?}");
            if matches!(method, "post" | "put" | "patch") {
                assert!(
                    has_query_parameter(operation, "fieldValidation"),
                    "{path} {method}"
                );
                assert!(has_query_parameter(operation, "dryRun"), "{path} {method}");
            }
        }
    }
    assert!(count > 300, "only {count} operations");
}

#[test]
fn paths_have_kube_apiservers_layout() {
    let openapi = OpenApi::new(&Registry::builtin());
    let core = document_value(&openapi, "api/v1");
    let paths = &core["paths"];
    let configmap = gvk_value("", "v1", "ConfigMap");
    let collection = &paths["/api/v1/namespaces/{namespace}/configmaps"];
    assert_eq!(collection["get"]["x-kubernetes-action"], "list");
    assert_eq!(
        collection["get"]["operationId"],
        "listCoreV1NamespacedConfigMap"
    );
    assert_eq!(collection["post"][GVK_EXTENSION], configmap);
    assert_eq!(
        collection["delete"]["x-kubernetes-action"],
        "deletecollection"
    );
    let item = &paths["/api/v1/namespaces/{namespace}/configmaps/{name}"];
    for method in ["get", "put", "patch", "delete"] {
        assert_eq!(item[method][GVK_EXTENSION], configmap, "{method}");
    }
    assert_eq!(
        item["patch"]["operationId"],
        "patchCoreV1NamespacedConfigMap"
    );
    let path_parameters: Vec<&str> = item["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    assert_eq!(path_parameters, ["name", "namespace", "pretty"]);
    let all_namespaces = &paths["/api/v1/configmaps"];
    assert_eq!(
        all_namespaces["get"]["operationId"],
        "listCoreV1ConfigMapForAllNamespaces"
    );
    assert_eq!(all_namespaces["get"][GVK_EXTENSION], configmap);
    assert!(all_namespaces["post"].is_null());
    // Cluster-scoped: no namespace, no all-namespaces path.
    assert!(paths["/api/v1/nodes/{name}"]["patch"].is_object());
    assert!(paths["/api/v1/namespaces/{namespace}/nodes"].is_null());
    let finalize = &paths["/api/v1/namespaces/{name}/finalize"];
    assert_eq!(
        finalize["put"]["operationId"],
        "replaceCoreV1NamespaceFinalize"
    );
    assert!(finalize["get"].is_null() && finalize["patch"].is_null());

    let apps = document_value(&openapi, "apis/apps/v1");
    let scale = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    assert_eq!(
        scale["patch"][GVK_EXTENSION],
        gvk_value("autoscaling", "v1", "Scale")
    );
    assert_eq!(
        scale["patch"]["operationId"],
        "patchAppsV1NamespacedDeploymentScale"
    );
    let status = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"];
    assert_eq!(
        status["put"][GVK_EXTENSION],
        gvk_value("apps", "v1", "Deployment")
    );
    let rbac = document_value(&openapi, "apis/rbac.authorization.k8s.io/v1");
    assert_eq!(
        rbac["paths"]["/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"]["get"]["operationId"],
        "readRbacAuthorizationV1ClusterRole"
    );
    assert!(openapi.document("apis/example.com/v1").is_none());
    assert!(openapi.document("apis/apps").is_none());
}

#[test]
fn operations_follow_the_verbs_served() {
    let registry = Registry::builtin();
    let mut leases = registry
        .lookup("coordination.k8s.io", "v1", "leases")
        .unwrap()
        .as_ref()
        .clone();
    leases.verbs = vec!["get".into(), "list".into(), "watch".into()];
    let openapi = OpenApi::new(&Registry::from_defs(vec![leases]));
    let document = document_value(&openapi, "apis/coordination.k8s.io/v1");
    let methods: BTreeSet<(&str, &str)> = operations(&document)
        .into_iter()
        .map(|(path, method, _)| (path, method))
        .collect();
    assert_eq!(
        methods,
        BTreeSet::from([
            ("/apis/coordination.k8s.io/v1/leases", "get"),
            (
                "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases",
                "get"
            ),
            (
                "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}",
                "get"
            ),
        ])
    );
}

/// Every `$ref` of `value`, with where it is.
fn collect_refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                out.push((at.clone(), reference));
            }
            for (key, child) in object {
                let key = key.replace('~', "~0").replace('/', "~1");
                collect_refs(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_refs(child, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn assert_refs_resolve(document: &Value, name: &str) -> usize {
    let mut refs = Vec::new();
    collect_refs(document, String::new(), &mut refs);
    for (at, reference) in &refs {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{name}{at}: non-local $ref {reference}"));
        let target = document.pointer(pointer);
        assert!(
            target.is_some_and(Value::is_object),
            "{name}{at}: $ref {reference} does not resolve"
        );
        // kube-apiserver's shape (and OpenAPI 3.0's rule): a $ref has no siblings.
        let holder = document.pointer(at).expect("holder");
        assert_eq!(
            holder.as_object().map(|o| o.len()),
            Some(1),
            "{name}{at}: $ref with siblings"
        );
    }
    refs.len()
}

#[test]
fn every_ref_resolves_inside_its_document() {
    let openapi = OpenApi::new(&Registry::builtin());
    let mut total = 0;
    for gv_path in openapi.group_versions() {
        let document = document_value(&openapi, gv_path);
        total += assert_refs_resolve(&document, gv_path);
    }
    assert!(total > 1000, "only {total} refs checked");
}

#[test]
fn schemas_have_kube_names_and_kinds() {
    let registry = Registry::builtin();
    let openapi = OpenApi::new(&registry);
    for def in registry.resources() {
        let document = document_value(&openapi, &group_version_path(&def.group, &def.version));
        let schemas = document["components"]["schemas"].as_object().unwrap();
        for name in schemas.keys() {
            // Kubernetes' own types, and nave's (reversed domain, as kube names CRD schemas).
            assert!(
                name.starts_with("io.k8s.") || name.starts_with("dev.nave."),
                "{name}"
            );
            // schemars renames a second type of the same name `<name>2`.
            let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
            assert!(
                base == name || !schemas.contains_key(base),
                "deduplicated name {name}"
            );
        }
        for (kind, want_description) in [(&def.kind, true), (&def.list_kind, false)] {
            let gvk = gvk_value(&def.group, &def.version, kind);
            let tagged: Vec<(&String, &Value)> = schemas
                .iter()
                .filter(|(_, schema)| {
                    schema[GVK_EXTENSION]
                        .as_array()
                        .is_some_and(|gvks| gvks.contains(&gvk))
                })
                .collect();
            assert_eq!(tagged.len(), 1, "{gvk}");
            let (name, schema) = tagged[0];
            assert!(
                name.ends_with(&format!(".{}.{kind}", def.version)),
                "{name} for {gvk}"
            );
            if want_description {
                // The compiled-in schema, not the open fallback.
                assert!(
                    schema["description"].as_str().is_some_and(|d| d.len() > 10),
                    "{name}"
                );
                assert!(
                    schema.get("x-kubernetes-preserve-unknown-fields").is_none(),
                    "{name}"
                );
            }
            for field in ["apiVersion", "kind", "metadata"] {
                assert!(schema["properties"][field].is_object(), "{name}.{field}");
            }
        }
    }
    let apps = document_value(&openapi, "apis/apps/v1");
    let schemas = &apps["components"]["schemas"];
    assert_eq!(
        schemas["io.k8s.api.apps.v1.Deployment"][GVK_EXTENSION],
        json!([gvk_value("apps", "v1", "Deployment")])
    );
    assert_eq!(
        schemas["io.k8s.api.autoscaling.v1.Scale"][GVK_EXTENSION],
        json!([gvk_value("autoscaling", "v1", "Scale")])
    );
    assert_eq!(
        schemas["io.k8s.api.apps.v1.Deployment"]["properties"]["metadata"]["allOf"],
        json!([{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}])
    );
    assert_eq!(
        schemas["io.k8s.api.apps.v1.DeploymentList"]["properties"]["items"]["items"],
        json!({"$ref": "#/components/schemas/io.k8s.api.apps.v1.Deployment"})
    );
    // Only what apps/v1 reaches: no core kinds' top-level schemas.
    assert!(schemas["io.k8s.api.core.v1.ConfigMap"].is_null());
    assert!(schemas["io.k8s.api.core.v1.Container"].is_object());
}

/// What `kubectl explain` prints, as data.
#[derive(Debug, Default)]
struct Explained {
    kind: String,
    /// `FIELD: <name> <type>` of the last path element.
    field: Option<(String, String)>,
    description: String,
    /// `(name, type, required, description)`.
    fields: Vec<(String, String, bool, String)>,
}

impl Explained {
    fn field(&self, name: &str) -> &(String, String, bool, String) {
        self.fields
            .iter()
            .find(|field| field.0 == name)
            .unwrap_or_else(|| panic!("no field {name} in {self:#?}"))
    }
}

/// A port of `plaintext.tmpl`: find the GVK from the resource's operations, the schema by its
/// `x-kubernetes-group-version-kind`, then follow `field_path` through properties, `$ref`,
/// `items`, `additionalProperties` and `allOf`.
fn explain(
    document: &Value,
    group: &str,
    version: &str,
    resource: &str,
    field_path: &[&str],
) -> Explained {
    let prefix = paths::api_prefix(group, version);
    let searched = [
        format!("{prefix}/{resource}"),
        format!("{prefix}/{resource}/{{name}}"),
        format!("{prefix}/namespaces/{{namespace}}/{resource}"),
        format!("{prefix}/namespaces/{{namespace}}/{resource}/{{name}}"),
    ];
    let gvk = searched
        .iter()
        .flat_map(|path| {
            ["get", "post", "put", "patch", "delete"].map(|method| &document["paths"][path][method])
        })
        .map(|operation| &operation[GVK_EXTENSION])
        .find(|gvk| gvk.is_object())
        .unwrap_or_else(|| panic!("GVR {resource} not found in OpenAPI schema"));
    let schema = document["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .find(|schema| {
            schema[GVK_EXTENSION]
                .as_array()
                .is_some_and(|gvks| gvks.contains(gvk))
        })
        .unwrap_or_else(|| panic!("GVK {gvk} not found in OpenAPI schema"));
    let mut explained = Explained {
        kind: gvk["kind"].as_str().unwrap().to_owned(),
        ..Explained::default()
    };
    assert!(
        output(document, schema, field_path, &mut explained, 0),
        "field {field_path:?} does not exist"
    );
    explained
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    schema["$ref"]
        .as_str()
        .and_then(|reference| reference.strip_prefix('#'))
        .and_then(|pointer| document.pointer(pointer))
        .filter(|target| target.is_object())
        .unwrap_or(schema)
}

fn output(
    document: &Value,
    schema: &Value,
    path: &[&str],
    out: &mut Explained,
    depth: usize,
) -> bool {
    assert!(depth < 64, "runaway walk");
    let resolved = resolve(document, schema);
    if path.is_empty() {
        out.description = description(document, resolved);
        field_list(document, resolved, &mut out.fields, depth);
        return true;
    }
    if let Some(subschema) = resolved["properties"].get(path[0]) {
        if path.len() == 1 {
            out.field = Some((path[0].to_owned(), type_guess(document, subschema)));
        }
        return output(document, subschema, &path[1..], out, depth + 1);
    }
    if resolved["items"].is_object() {
        return output(document, &resolved["items"], path, out, depth + 1);
    }
    if resolved["additionalProperties"].is_object() {
        return output(
            document,
            &resolved["additionalProperties"],
            path,
            out,
            depth + 1,
        );
    }
    resolved["allOf"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|subschema| output(document, subschema, path, out, depth + 1))
}

fn description(document: &Value, schema: &Value) -> String {
    let resolved = resolve(document, schema);
    let mut text = String::new();
    if let Some(description) = resolved["description"].as_str() {
        text.push_str(description);
        text.push('\n');
    }
    for subschema in resolved["allOf"].as_array().into_iter().flatten() {
        text.push_str(&description(document, subschema));
    }
    if resolved["items"].is_object() {
        text.push_str(&description(document, &resolved["items"]));
    }
    if resolved["additionalProperties"].is_object() {
        text.push_str(&description(document, &resolved["additionalProperties"]));
    }
    text
}

fn field_list(
    document: &Value,
    schema: &Value,
    out: &mut Vec<(String, String, bool, String)>,
    depth: usize,
) {
    assert!(depth < 64, "runaway walk");
    let resolved = resolve(document, schema);
    let required = resolved["required"].as_array();
    for (name, field) in resolved["properties"].as_object().into_iter().flatten() {
        out.push((
            name.clone(),
            type_guess(document, field),
            required.is_some_and(|required| required.contains(&Value::from(name.as_str()))),
            field["description"]
                .as_str()
                .unwrap_or("<no description>")
                .to_owned(),
        ));
    }
    for subschema in resolved["allOf"].as_array().into_iter().flatten() {
        field_list(document, subschema, out, depth + 1);
    }
    if resolved["items"].is_object() {
        field_list(document, &resolved["items"], out, depth + 1);
    }
    if resolved["additionalProperties"].is_object() {
        field_list(document, &resolved["additionalProperties"], out, depth + 1);
    }
}

fn type_guess(document: &Value, schema: &Value) -> String {
    if schema["items"].is_object() {
        return format!("[]{}", type_guess(document, &schema["items"]));
    }
    if schema["additionalProperties"].is_object() {
        return format!(
            "map[string]{}",
            type_guess(document, &schema["additionalProperties"])
        );
    }
    if let Some([only]) = schema["allOf"].as_array().map(Vec::as_slice)
        && schema["properties"].is_null()
    {
        return type_guess(document, only);
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let target = resolve(document, schema);
        return match target["type"].as_str() {
            Some(kind) if kind != "object" && !std::ptr::eq(target, schema) => kind.to_owned(),
            _ => reference.rsplit('.').next().unwrap_or("Object").to_owned(),
        };
    }
    match schema["type"].as_str() {
        Some("object") | None => "Object".to_owned(),
        Some(kind) => kind.to_owned(),
    }
}

#[test]
fn explain_deployment_spec_template_reaches_containers() {
    let openapi = OpenApi::new(&Registry::builtin());
    let apps = document_value(&openapi, "apis/apps/v1");

    let template = explain(&apps, "apps", "v1", "deployments", &["spec", "template"]);
    assert_eq!(template.kind, "Deployment");
    assert_eq!(
        template.field,
        Some(("template".into(), "PodTemplateSpec".into()))
    );
    assert!(
        template
            .description
            .contains("Template describes the pods that will be created"),
        "{template:#?}"
    );
    assert!(
        template
            .description
            .contains("PodTemplateSpec describes the data a pod should have")
    );
    assert_eq!(template.field("spec").1, "PodSpec");
    assert_eq!(template.field("metadata").1, "ObjectMeta");

    let containers = explain(
        &apps,
        "apps",
        "v1",
        "deployments",
        &["spec", "template", "spec", "containers"],
    );
    assert_eq!(
        containers.field,
        Some(("containers".into(), "[]Container".into()))
    );
    assert!(
        containers
            .description
            .contains("List of containers belonging to the pod")
    );
    let image = containers.field("image");
    assert_eq!(image.1, "string");
    assert!(image.3.contains("Container image name"), "{image:?}");
    let name = containers.field("name");
    assert!(name.2, "name is required");
    assert_eq!(containers.field("ports").1, "[]ContainerPort");
    assert_eq!(containers.field("resources").1, "ResourceRequirements");
    assert_eq!(containers.field("env").1, "[]EnvVar");

    let replicas = explain(&apps, "apps", "v1", "deployments", &["spec", "replicas"]);
    assert_eq!(replicas.field, Some(("replicas".into(), "integer".into())));
    let limits = explain(
        &apps,
        "apps",
        "v1",
        "deployments",
        &[
            "spec",
            "template",
            "spec",
            "containers",
            "resources",
            "limits",
        ],
    );
    assert_eq!(
        limits.field,
        Some(("limits".into(), "map[string]Quantity".into()))
    );
}

#[test]
fn explain_pods_containers_and_configmap() {
    let openapi = OpenApi::new(&Registry::builtin());
    let core = document_value(&openapi, "api/v1");

    let containers = explain(&core, "", "v1", "pods", &["spec", "containers"]);
    assert_eq!(containers.kind, "Pod");
    assert_eq!(
        containers.field,
        Some(("containers".into(), "[]Container".into()))
    );
    assert!(
        containers
            .description
            .contains("A single application container")
    );
    assert_eq!(containers.field("livenessProbe").1, "Probe");
    assert_eq!(containers.field("ports").1, "[]ContainerPort");

    let configmap = explain(&core, "", "v1", "configmaps", &[]);
    assert_eq!(configmap.kind, "ConfigMap");
    assert!(
        configmap
            .description
            .starts_with("ConfigMap holds configuration data")
    );
    assert_eq!(configmap.field("data").1, "map[string]string");
    assert!(
        configmap
            .field("data")
            .3
            .starts_with("Data contains the configuration data")
    );
    assert_eq!(configmap.field("binaryData").1, "map[string]string");
    assert_eq!(configmap.field("metadata").1, "ObjectMeta");
    assert_eq!(configmap.field("immutable").1, "boolean");

    // A cluster-scoped kind, a field through an int-or-string, and a field two refs down.
    let node = explain(&core, "", "v1", "nodes", &["spec"]);
    assert_eq!(node.kind, "Node");
    assert!(node.fields.iter().any(|field| field.0 == "podCIDR"));
    let service = explain(
        &core,
        "",
        "v1",
        "services",
        &["spec", "ports", "targetPort"],
    );
    assert_eq!(
        service.field,
        Some(("targetPort".into(), "IntOrString".into()))
    );
    let owner = explain(
        &core,
        "",
        "v1",
        "configmaps",
        &["metadata", "ownerReferences"],
    );
    assert_eq!(
        owner.field,
        Some(("ownerReferences".into(), "[]OwnerReference".into()))
    );
    assert!(owner.field("uid").2);
}

#[test]
fn index_lists_every_document_with_its_hash() {
    let registry = Registry::builtin();
    let openapi = OpenApi::new(&registry);
    let index = parse(openapi.index());
    let paths = index["paths"].as_object().unwrap();
    let expected: BTreeSet<String> = registry
        .resources()
        .iter()
        .map(|def| group_version_path(&def.group, &def.version))
        .collect();
    assert_eq!(paths.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(paths.contains_key("api/v1") && paths.contains_key("apis/apps/v1"));
    for (path, entry) in paths {
        let url = entry["serverRelativeURL"].as_str().unwrap();
        let (bytes, hash) = openapi.document(path).unwrap();
        assert_eq!(url, format!("/openapi/v3/{path}?hash={hash}"));
        assert_eq!(hash.len(), 16);
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
            "{hash}"
        );
        assert_eq!(Document::new(bytes.to_vec()).hash(), hash);
    }
}

#[test]
fn hashes_change_iff_documents_change() {
    let registry = Registry::builtin();
    let first = OpenApi::new(&registry);
    let second = OpenApi::new(&Registry::builtin());
    // Same registry: same bytes, same hashes, same index.
    assert_eq!(first.index(), second.index());
    for (path, hash) in first.hashes() {
        assert_eq!(
            first.document(path).unwrap().0,
            second.document(path).unwrap().0
        );
        assert_eq!(Some(hash), second.document(path).map(|(_, hash)| hash));
    }
    // Drop one core resource: only api/v1 changes.
    let defs = registry
        .resources()
        .iter()
        .filter(|def| !(def.group.is_empty() && def.resource == "secrets"))
        .map(|def| def.as_ref().clone())
        .collect();
    let changed = OpenApi::new(&Registry::from_defs(defs));
    for (path, hash) in first.hashes() {
        let (bytes, other_hash) = changed.document(path).unwrap();
        let same_bytes = bytes == first.document(path).unwrap().0;
        assert_eq!(same_bytes, path != "api/v1", "{path}");
        assert_eq!(hash == other_hash, same_bytes, "{path}");
    }
    assert_ne!(first.index(), changed.index());
    // Any byte counts.
    let bytes = first.document("apis/apps/v1").unwrap().0.to_vec();
    let mut edited = bytes.clone();
    let last = edited.len() - 2;
    edited[last] ^= 1;
    assert_ne!(Document::new(bytes).hash(), Document::new(edited).hash());
}

#[test]
fn documents_are_built_on_demand_and_cached() {
    let openapi = OpenApi::new(&Registry::builtin());
    assert_eq!(openapi.built_size(), 0);
    let (bytes, hash) = openapi.document("/apis/apps/v1").unwrap();
    assert_eq!(openapi.built_size(), bytes.len());
    let (again, again_hash) = openapi.document("apis/apps/v1").unwrap();
    assert!(std::ptr::eq(bytes, again) && hash == again_hash, "cached");
    let index = openapi.index();
    let total: usize = openapi
        .group_versions()
        .map(|path| openapi.document(path).unwrap().0.len())
        .sum();
    assert_eq!(openapi.built_size(), total + index.len());
}

#[test]
fn render_index_merges_entries() {
    let index = parse(&render_index([
        ("api/v1", "AAAA"),
        ("apis/example.com/v1", "B"),
        ("api/v1", "C"),
    ]));
    assert_eq!(
        index,
        json!({"paths": {
            "api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=C"},
            "apis/example.com/v1": {"serverRelativeURL": "/openapi/v3/apis/example.com/v1?hash=B"},
        }})
    );
}

fn crontab_def(resource: &str, kind: &str) -> ResourceDef {
    let mut def = Registry::builtin()
        .lookup("apps", "v1", "deployments")
        .unwrap()
        .as_ref()
        .clone();
    def.group = "stable.example.com".into();
    def.version = "v1".into();
    def.resource = resource.into();
    def.kind = kind.into();
    def.list_kind = format!("{kind}List");
    def.subresources.retain(|sub| sub.name == "scale");
    def.subresources.push(crate::registry::SubresourceDef {
        name: "status".into(),
        group: def.group.clone(),
        version: def.version.clone(),
        kind: kind.into(),
        verbs: vec!["get".into(), "patch".into(), "update".into()],
    });
    def
}

#[test]
fn custom_resource_document_is_served_like_a_builtin() {
    let crontabs = crontab_def("crontabs", "CronTab");
    let widgets = crontab_def("widgets", "Widget");
    let schema = json!({
        "type": "object",
        "description": "A cron tab.",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "cronSpec": {"type": "string", "description": "When to run."},
                    "replicas": {"type": "integer"},
                },
            },
            "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 8}}},
        },
    });
    let document = custom_resource_document(&[
        CustomResource {
            def: &crontabs,
            schema: &schema,
        },
        CustomResource {
            def: &widgets,
            schema: &Value::Null,
        },
    ])
    .unwrap();
    let value = parse(document.bytes());
    assert_eq!(
        Document::new(document.bytes().to_vec()).hash(),
        document.hash()
    );
    assert_refs_resolve(&value, "stable.example.com/v1");
    for kind in ["CronTab", "Widget"] {
        assert_field_validation_supported(&value, &gvk_value("stable.example.com", "v1", kind));
    }
    assert_field_validation_supported(&value, &gvk_value("autoscaling", "v1", "Scale"));
    let schemas = &value["components"]["schemas"];
    assert_eq!(
        schemas["com.example.stable.v1.CronTab"][GVK_EXTENSION],
        json!([gvk_value("stable.example.com", "v1", "CronTab")])
    );
    assert_eq!(
        schemas["com.example.stable.v1.WidgetList"][GVK_EXTENSION],
        json!([gvk_value("stable.example.com", "v1", "WidgetList")])
    );
    assert_eq!(
        schemas["com.example.stable.v1.Widget"]["x-kubernetes-preserve-unknown-fields"],
        true
    );

    let cron_spec = explain(
        &value,
        "stable.example.com",
        "v1",
        "crontabs",
        &["spec", "cronSpec"],
    );
    assert_eq!(cron_spec.kind, "CronTab");
    assert_eq!(cron_spec.field, Some(("cronSpec".into(), "string".into())));
    assert_eq!(cron_spec.description, "When to run.\n");
    let top = explain(&value, "stable.example.com", "v1", "crontabs", &[]);
    assert_eq!(top.description, "A cron tab.\n");
    // metadata is always ObjectMeta, as kube-apiserver serves it.
    assert_eq!(top.field("metadata").1, "ObjectMeta");
    assert_eq!(top.field("apiVersion").1, "string");
    let metadata = explain(
        &value,
        "stable.example.com",
        "v1",
        "crontabs",
        &["metadata"],
    );
    assert!(metadata.fields.iter().any(|field| field.0 == "labels"));
}

#[test]
fn custom_resource_document_rejects_bad_input() {
    assert_eq!(
        custom_resource_document(&[]).unwrap_err(),
        OpenApiError::NoResources
    );
    let crontabs = crontab_def("crontabs", "CronTab");
    let mut other = crontab_def("widgets", "Widget");
    other.version = "v2".into();
    let error = custom_resource_document(&[
        CustomResource {
            def: &crontabs,
            schema: &Value::Null,
        },
        CustomResource {
            def: &other,
            schema: &Value::Null,
        },
    ])
    .unwrap_err();
    assert!(
        matches!(error, OpenApiError::MixedGroupVersions { .. }),
        "{error}"
    );
    let error = custom_resource_document(&[CustomResource {
        def: &crontabs,
        schema: &json!([1]),
    }])
    .unwrap_err();
    assert_eq!(
        error,
        OpenApiError::SchemaNotAnObject {
            resource: "crontabs.stable.example.com".into()
        }
    );
}
