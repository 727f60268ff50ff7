//! The `paths` of a group-version document: for each resource, its collection, item and
//! subresource paths (plus the all-namespaces list of a namespaced resource), with one operation
//! per verb it serves, named and annotated as kube-apiserver does.
//!
//! What kubectl reads here:
//! - `create -f`/`apply -f`/`replace -f` (`--validate=strict`) look for a `patch` operation whose
//!   `x-kubernetes-group-version-kind` is the object's GVK and check that its own `parameters`
//!   (not the path's) hold `fieldValidation`. kubectl takes the first such operation it meets, in
//!   map order, so every `patch` operation carries it, subresources included.
//! - Client-side apply computes a strategic merge patch from the document only when the `patch`
//!   request body lists `application/strategic-merge-patch+json`. It is not listed: the
//!   compiled-in schemas carry no patch strategies, and kubectl then falls back to its own Go
//!   types for built-ins and to a merge patch for custom resources, as on a real cluster.
//! - `explain` finds a resource's GVK from the `get`/`post`/`put`/`patch`/`delete` operations of
//!   `<prefix>/<resource>`, `<prefix>/<resource>/{name}` or their `namespaces/{namespace}/` forms.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{DeleteOptions, Patch, Status};
use serde_json::{Map, Value, json};

use super::components::{Components, GVK_EXTENSION, Gvk};
use crate::registry::ResourceDef;

/// The patch types accepted, without strategic merge patch (see the module docs).
const PATCH_CONTENT_TYPES: &[&str] = &[
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
];

/// `/api/v1` or `/apis/<group>/<version>`.
pub(super) fn api_prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

/// Adds the paths of `def` to `paths`, and the schemas they refer to to `components`.
pub(super) fn add_resource(
    paths: &mut Map<String, Value>,
    def: &ResourceDef,
    components: &mut Components,
) {
    let gvk = Gvk::new(&def.group, &def.version, &def.kind);
    let refs = Refs {
        object: components.kind(&gvk),
        list: components.list(&gvk, &def.list_kind),
        status: components.reference_for::<Status>(),
        delete_options: components.reference_for::<DeleteOptions>(),
        patch: components.reference_for::<Patch>(),
    };
    let names = OperationNames::new(def);
    let prefix = api_prefix(&def.group, &def.version);
    let scope = if def.namespaced {
        format!("{prefix}/namespaces/{{namespace}}")
    } else {
        prefix.clone()
    };
    let collection_path = format!("{scope}/{}", def.resource);
    let item_path = format!("{collection_path}/{{name}}");
    let serves = |verb: &str| def.verbs.iter().any(|served| served == verb);

    let mut collection = Map::new();
    if serves("list") {
        collection.insert(
            "get".into(),
            list_operation(&gvk, &names.id("list", ""), &refs),
        );
    }
    if serves("create") {
        collection.insert(
            "post".into(),
            operation(
                &gvk,
                "post",
                &names.id("create", ""),
                &format!("create a {}", def.kind),
            )
            .parameters(&WRITE_PARAMETERS)
            .body(&refs.object)
            .responses(
                &[("200", "OK"), ("201", "Created"), ("202", "Accepted")],
                &refs.object,
            )
            .build(),
        );
    }
    if serves("deletecollection") {
        collection.insert(
            "delete".into(),
            operation(
                &gvk,
                "deletecollection",
                &names.id("deleteCollection", ""),
                &format!("delete collection of {}", def.kind),
            )
            .parameters(&DELETE_COLLECTION_PARAMETERS)
            .body(&refs.delete_options)
            .responses(&[("200", "OK")], &refs.status)
            .build(),
        );
    }
    if !collection.is_empty() {
        collection.insert("parameters".into(), scope_parameters(def, None));
        paths.insert(collection_path, Value::Object(collection));
    }

    if def.namespaced && serves("list") {
        let mut all_namespaces = Map::new();
        all_namespaces.insert(
            "get".into(),
            list_operation(&gvk, &names.id_all_namespaces(), &refs),
        );
        all_namespaces.insert("parameters".into(), json!([pretty_parameter()]));
        paths.insert(
            format!("{prefix}/{}", def.resource),
            Value::Object(all_namespaces),
        );
    }

    let item_verbs: Vec<&str> = ["get", "update", "patch", "delete"]
        .into_iter()
        .filter(|verb| serves(verb))
        .collect();
    let item = item_operations(def, &gvk, &names, "", &refs, &item_verbs, &refs.object);
    if !item.is_empty() {
        insert_item_path(paths, item_path.clone(), item, def);
    }

    for sub in &def.subresources {
        let sub_gvk = Gvk::new(&sub.group, &sub.version, &sub.kind);
        let object = components.kind(&sub_gvk);
        let verbs: Vec<&str> = sub.verbs.iter().map(String::as_str).collect();
        let operations = item_operations(
            def,
            &sub_gvk,
            &names,
            &camel(&sub.name),
            &refs,
            &verbs,
            &object,
        );
        if !operations.is_empty() {
            insert_item_path(paths, format!("{item_path}/{}", sub.name), operations, def);
        }
    }
}

/// The `$ref`s an operation may need.
struct Refs {
    object: Value,
    list: Value,
    status: Value,
    delete_options: Value,
    patch: Value,
}

/// The operations on one object (`object_ref` is what they read and write: the kind itself, or a
/// subresource's kind).
fn item_operations(
    def: &ResourceDef,
    gvk: &Gvk,
    names: &OperationNames,
    subresource: &str,
    refs: &Refs,
    verbs: &[&str],
    object_ref: &Value,
) -> Map<String, Value> {
    let what = if subresource.is_empty() {
        def.kind.clone()
    } else {
        format!(
            "{} of the specified {}",
            subresource.to_lowercase(),
            def.kind
        )
    };
    let mut operations = Map::new();
    if verbs.contains(&"get") {
        operations.insert(
            "get".into(),
            operation(
                gvk,
                "get",
                &names.id("read", subresource),
                &format!("read the specified {what}"),
            )
            .responses(&[("200", "OK")], object_ref)
            .build(),
        );
    }
    // A subresource that is only created (serviceaccounts/token, pods/eviction).
    if verbs.contains(&"create") && !subresource.is_empty() {
        operations.insert(
            "post".into(),
            operation(
                gvk,
                "post",
                &names.id("create", subresource),
                &format!("create {what}"),
            )
            .parameters(&WRITE_PARAMETERS)
            .body(object_ref)
            .responses(
                &[("200", "OK"), ("201", "Created"), ("202", "Accepted")],
                object_ref,
            )
            .build(),
        );
    }
    if verbs.contains(&"update") {
        operations.insert(
            "put".into(),
            operation(
                gvk,
                "put",
                &names.id("replace", subresource),
                &format!("replace the specified {what}"),
            )
            .parameters(&WRITE_PARAMETERS)
            .body(object_ref)
            .responses(&[("200", "OK"), ("201", "Created")], object_ref)
            .build(),
        );
    }
    if verbs.contains(&"patch") {
        let content: Map<String, Value> = PATCH_CONTENT_TYPES
            .iter()
            .map(|content_type| ((*content_type).to_owned(), json!({"schema": refs.patch})))
            .collect();
        operations.insert(
            "patch".into(),
            operation(
                gvk,
                "patch",
                &names.id("patch", subresource),
                &format!("partially update the specified {what}"),
            )
            .parameters(&PATCH_PARAMETERS)
            .raw_body(json!({"content": content, "required": true}))
            .responses(&[("200", "OK"), ("201", "Created")], object_ref)
            .build(),
        );
    }
    if verbs.contains(&"delete") {
        operations.insert(
            "delete".into(),
            operation(
                gvk,
                "delete",
                &names.id("delete", subresource),
                &format!("delete a {what}"),
            )
            .parameters(&DELETE_PARAMETERS)
            .body(&refs.delete_options)
            .responses(&[("200", "OK"), ("202", "Accepted")], &refs.status)
            .build(),
        );
    }
    operations
}

fn insert_item_path(
    paths: &mut Map<String, Value>,
    path: String,
    mut operations: Map<String, Value>,
    def: &ResourceDef,
) {
    operations.insert("parameters".into(), scope_parameters(def, Some(&def.kind)));
    paths.insert(path, Value::Object(operations));
}

fn list_operation(gvk: &Gvk, operation_id: &str, refs: &Refs) -> Value {
    operation(
        gvk,
        "list",
        operation_id,
        &format!("list or watch objects of kind {}", gvk.kind),
    )
    .parameters(&LIST_PARAMETERS)
    .responses(&[("200", "OK")], &refs.list)
    .build()
}

/// Path-level parameters: `name` (for an item), `namespace` (when namespaced) and `pretty`.
fn scope_parameters(def: &ResourceDef, item_kind: Option<&str>) -> Value {
    let mut parameters = Vec::new();
    if let Some(kind) = item_kind {
        parameters.push(json!({
            "name": "name", "in": "path", "required": true,
            "description": format!("name of the {kind}"),
            "schema": {"type": "string", "uniqueItems": true},
        }));
    }
    if def.namespaced {
        parameters.push(json!({
            "name": "namespace", "in": "path", "required": true,
            "description": "object name and auth scope, such as for teams and projects",
            "schema": {"type": "string", "uniqueItems": true},
        }));
    }
    parameters.push(pretty_parameter());
    Value::Array(parameters)
}

fn pretty_parameter() -> Value {
    query_parameter(&PRETTY)
}

/// kube-apiserver's operation ids: `<verb><Group><Version>[Namespaced]<Kind>[<Subresource>]`,
/// e.g. `patchAppsV1NamespacedDeploymentStatus`.
struct OperationNames {
    group_version: String,
    namespaced: &'static str,
    kind: String,
}

impl OperationNames {
    fn new(def: &ResourceDef) -> Self {
        let group = if def.group.is_empty() {
            "Core".to_owned()
        } else {
            def.group
                .trim_end_matches(".k8s.io")
                .split(['.', '-'])
                .map(camel)
                .collect()
        };
        OperationNames {
            group_version: format!("{group}{}", camel(&def.version)),
            namespaced: if def.namespaced { "Namespaced" } else { "" },
            kind: def.kind.clone(),
        }
    }

    fn id(&self, verb: &str, subresource: &str) -> String {
        let OperationNames {
            group_version,
            namespaced,
            kind,
        } = self;
        format!("{verb}{group_version}{namespaced}{kind}{subresource}")
    }

    fn id_all_namespaces(&self) -> String {
        let OperationNames {
            group_version,
            kind,
            ..
        } = self;
        format!("list{group_version}{kind}ForAllNamespaces")
    }
}

/// `status` → `Status`.
fn camel(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn operation(gvk: &Gvk, action: &str, operation_id: &str, description: &str) -> OperationBuilder {
    let mut operation = Map::new();
    operation.insert("description".into(), description.into());
    operation.insert("operationId".into(), operation_id.into());
    operation.insert("x-kubernetes-action".into(), action.into());
    operation.insert(GVK_EXTENSION.into(), gvk.to_value());
    OperationBuilder(operation)
}

struct OperationBuilder(Map<String, Value>);

impl OperationBuilder {
    fn parameters(mut self, parameters: &[&QueryParameter]) -> Self {
        let parameters = parameters
            .iter()
            .map(|parameter| query_parameter(parameter));
        self.0.insert("parameters".into(), parameters.collect());
        self
    }

    /// A required request body of `schema`, in every content type.
    fn body(self, schema: &Value) -> Self {
        self.raw_body(json!({"content": content(schema), "required": true}))
    }

    fn raw_body(mut self, body: Value) -> Self {
        self.0.insert("requestBody".into(), body);
        self
    }

    fn responses(mut self, codes: &[(&str, &str)], schema: &Value) -> Self {
        let mut responses: Map<String, Value> = codes
            .iter()
            .map(|(code, description)| {
                let response = json!({"description": description, "content": content(schema)});
                ((*code).to_owned(), response)
            })
            .collect();
        responses.insert("401".into(), json!({"description": "Unauthorized"}));
        self.0.insert("responses".into(), Value::Object(responses));
        self
    }

    fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// Content types of responses and of create/update bodies.
const CONTENT_TYPES: &[&str] = &["application/json", "application/yaml"];

fn content(schema: &Value) -> Value {
    CONTENT_TYPES
        .iter()
        .map(|content_type| ((*content_type).to_owned(), json!({"schema": schema})))
        .collect::<Map<String, Value>>()
        .into()
}

/// A query parameter and its type.
struct QueryParameter {
    name: &'static str,
    kind: &'static str,
    description: &'static str,
}

fn query_parameter(parameter: &QueryParameter) -> Value {
    json!({
        "name": parameter.name,
        "in": "query",
        "description": parameter.description,
        "schema": {"type": parameter.kind, "uniqueItems": true},
    })
}

const PRETTY: QueryParameter = QueryParameter {
    name: "pretty",
    kind: "string",
    description: "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
};
const DRY_RUN: QueryParameter = QueryParameter {
    name: "dryRun",
    kind: "string",
    description: "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed",
};
const FIELD_MANAGER: QueryParameter = QueryParameter {
    name: "fieldManager",
    kind: "string",
    description: "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types.",
};
const FIELD_VALIDATION: QueryParameter = QueryParameter {
    name: "fieldValidation",
    kind: "string",
    description: "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.",
};
const FORCE: QueryParameter = QueryParameter {
    name: "force",
    kind: "boolean",
    description: "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.",
};
const ALLOW_WATCH_BOOKMARKS: QueryParameter = QueryParameter {
    name: "allowWatchBookmarks",
    kind: "boolean",
    description: "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server's discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.",
};
const CONTINUE: QueryParameter = QueryParameter {
    name: "continue",
    kind: "string",
    description: "The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.",
};
const FIELD_SELECTOR: QueryParameter = QueryParameter {
    name: "fieldSelector",
    kind: "string",
    description: "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
};
const LABEL_SELECTOR: QueryParameter = QueryParameter {
    name: "labelSelector",
    kind: "string",
    description: "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
};
const LIMIT: QueryParameter = QueryParameter {
    name: "limit",
    kind: "integer",
    description: "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.",
};
const RESOURCE_VERSION: QueryParameter = QueryParameter {
    name: "resourceVersion",
    kind: "string",
    description: "resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details. Defaults to unset",
};
const RESOURCE_VERSION_MATCH: QueryParameter = QueryParameter {
    name: "resourceVersionMatch",
    kind: "string",
    description: "resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set. Defaults to unset",
};
const SEND_INITIAL_EVENTS: QueryParameter = QueryParameter {
    name: "sendInitialEvents",
    kind: "boolean",
    description: "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic \"Bookmark\" event will be sent.",
};
const TIMEOUT_SECONDS: QueryParameter = QueryParameter {
    name: "timeoutSeconds",
    kind: "integer",
    description: "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.",
};
const WATCH: QueryParameter = QueryParameter {
    name: "watch",
    kind: "boolean",
    description: "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.",
};
const GRACE_PERIOD_SECONDS: QueryParameter = QueryParameter {
    name: "gracePeriodSeconds",
    kind: "integer",
    description: "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.",
};
const ORPHAN_DEPENDENTS: QueryParameter = QueryParameter {
    name: "orphanDependents",
    kind: "boolean",
    description: "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the \"orphan\" finalizer will be added to/removed from the object's finalizers list. Either this field or PropagationPolicy may be set, but not both.",
};
const PROPAGATION_POLICY: QueryParameter = QueryParameter {
    name: "propagationPolicy",
    kind: "string",
    description: "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
};

const WRITE_PARAMETERS: [&QueryParameter; 3] = [&DRY_RUN, &FIELD_MANAGER, &FIELD_VALIDATION];
const PATCH_PARAMETERS: [&QueryParameter; 4] =
    [&DRY_RUN, &FIELD_MANAGER, &FIELD_VALIDATION, &FORCE];
const LIST_PARAMETERS: [&QueryParameter; 10] = [
    &ALLOW_WATCH_BOOKMARKS,
    &CONTINUE,
    &FIELD_SELECTOR,
    &LABEL_SELECTOR,
    &LIMIT,
    &RESOURCE_VERSION,
    &RESOURCE_VERSION_MATCH,
    &SEND_INITIAL_EVENTS,
    &TIMEOUT_SECONDS,
    &WATCH,
];
const DELETE_PARAMETERS: [&QueryParameter; 4] = [
    &DRY_RUN,
    &GRACE_PERIOD_SECONDS,
    &ORPHAN_DEPENDENTS,
    &PROPAGATION_POLICY,
];
const DELETE_COLLECTION_PARAMETERS: [&QueryParameter; 12] = [
    &CONTINUE,
    &DRY_RUN,
    &FIELD_SELECTOR,
    &GRACE_PERIOD_SECONDS,
    &LABEL_SELECTOR,
    &LIMIT,
    &ORPHAN_DEPENDENTS,
    &PROPAGATION_POLICY,
    &RESOURCE_VERSION,
    &RESOURCE_VERSION_MATCH,
    &SEND_INITIAL_EVENTS,
    &TIMEOUT_SECONDS,
];
