//! Tests of the RBAC authorizer against a realistic logical cluster: the default policy plus
//! the bindings and roles teams create, checked for kube's decisions and reasons, rules
//! reviews, escalation checks, incremental updates, and a timing run over 10,000 RoleBindings.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;

fn role(namespace: &str, name: &str, rules: Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": name, "namespace": namespace},
        "rules": rules,
    })
}

fn cluster_role(name: &str, labels: Value, rules: Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": labels},
        "rules": rules,
    })
}

fn subject(kind: &str, name: &str) -> Value {
    match kind {
        "ServiceAccount" => json!({"kind": kind, "name": name}),
        _ => json!({"apiGroup": RBAC_GROUP, "kind": kind, "name": name}),
    }
}

fn role_binding(
    namespace: &str,
    name: &str,
    role_kind: &str,
    role: &str,
    subjects: Value,
) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": namespace},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": role_kind, "name": role},
        "subjects": subjects,
    })
}

fn cluster_role_binding(name: &str, role: &str, subjects: Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    })
}

/// The default policy, plus what two teams and a platform group set up.
fn cluster() -> RbacIndex {
    let mut objects = default_cluster_roles();
    objects.extend(default_cluster_role_bindings());
    objects.extend([
        role_binding("team-a", "vera-view", "ClusterRole", "view", json!([subject("User", "vera")])),
        role_binding("team-a", "devs-edit", "ClusterRole", "edit", json!([subject("Group", "devs")])),
        role_binding("team-a", "ada-admin", "ClusterRole", "admin", json!([subject("User", "ada")])),
        role(
            "team-a",
            "pod-reader",
            json!([
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}
            ]),
        ),
        // A ServiceAccount subject without a namespace is the binding's namespace's.
        role_binding(
            "team-a",
            "ci-reads-pods",
            "Role",
            "pod-reader",
            json!([subject("ServiceAccount", "ci")]),
        ),
        role(
            "team-a",
            "one-config",
            json!([{
                "apiGroups": [""],
                "resources": ["configmaps"],
                "resourceNames": ["app-config"],
                "verbs": ["get", "list", "update", "watch"]
            }]),
        ),
        role_binding("team-a", "rita-config", "Role", "one-config", json!([subject("User", "rita")])),
        role_binding("team-a", "ghost", "ClusterRole", "ghost", json!([subject("User", "gus")])),
        role_binding("team-a", "ghost-role", "Role", "missing", json!([subject("Group", "ghosts")])),
        role_binding(
            "team-b",
            "builder-edit",
            "ClusterRole",
            "edit",
            json!([{"kind": "ServiceAccount", "name": "builder", "namespace": "ci"}]),
        ),
        cluster_role(
            "scaler",
            json!({}),
            json!([
                {"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["update", "patch"]},
                {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}
            ]),
        ),
        cluster_role_binding("scalers", "scaler", json!([subject("Group", "scalers")])),
        cluster_role(
            "wild",
            json!({}),
            json!([{"apiGroups": ["example.com"], "resources": ["*"], "verbs": ["*"]}]),
        ),
        cluster_role_binding("wild", "wild", json!([subject("User", "wally")])),
        cluster_role(
            "logs-reader",
            json!({}),
            json!([{"nonResourceURLs": ["/logs", "/logs/*"], "verbs": ["get"]}]),
        ),
        cluster_role_binding("logs", "logs-reader", json!([subject("User", "lou")])),
        cluster_role(
            "sub-star",
            json!({}),
            json!([{"apiGroups": [""], "resources": ["pods/*"], "verbs": ["get"]}]),
        ),
        cluster_role_binding("sub-star", "sub-star", json!([subject("User", "stan")])),
        cluster_role(
            "escalator",
            json!({}),
            json!([{"apiGroups": [RBAC_GROUP], "resources": ["roles", "clusterroles"], "verbs": ["escalate"]}]),
        ),
        role_binding("team-a", "esme-escalates", "ClusterRole", "escalator", json!([subject("User", "esme")])),
        cluster_role(
            "view-binder",
            json!({}),
            json!([{
                "apiGroups": [RBAC_GROUP],
                "resources": ["clusterroles"],
                "resourceNames": ["view", "ghost"],
                "verbs": ["bind"]
            }]),
        ),
        role_binding("team-a", "bea-binds-view", "ClusterRole", "view-binder", json!([subject("User", "bea")])),
        // A CRD's roles, aggregated into the default `view` and into a custom role.
        cluster_role(
            "widgets-view",
            json!({"rbac.authorization.k8s.io/aggregate-to-view": "true"}),
            json!([{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get", "list", "watch"]}]),
        ),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "monitoring"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate-to-monitoring": "true"}}]},
            "rules": null
        }),
        cluster_role(
            "monitoring-pods",
            json!({"example.com/aggregate-to-monitoring": "true"}),
            json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]),
        ),
        cluster_role_binding("mon", "monitoring", json!([subject("User", "mona")])),
    ]);
    let mut index = RbacIndex::new();
    for object in &objects {
        index.upsert(object).unwrap();
    }
    index
}

fn user(name: &str, groups: &[&str]) -> UserInfo {
    let mut all: Vec<&str> = groups.to_vec();
    all.push(AUTHENTICATED_GROUP);
    UserInfo::new(name, &all)
}

/// Who, verb, namespace, API group, resource, subresource, name, and the expected reason:
/// `RBAC: allowed by …` when allowed, empty or `RBAC: <errors>` when not.
type ResourceCase<'a> = (
    &'a UserInfo,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
);

#[test]
fn resource_requests_are_decided_with_kubes_reasons() {
    let index = cluster();
    let vera = user("vera", &[]);
    let dan = user("dan", &["devs"]);
    let ada = user("ada", &[]);
    let ci = UserInfo::service_account("team-a", "ci");
    let ci_elsewhere = UserInfo::service_account("team-b", "ci");
    let builder = UserInfo::service_account("ci", "builder");
    let rita = user("rita", &[]);
    let gus = user("gus", &["ghosts"]);
    let sam = user("sam", &["scalers"]);
    let wally = user("wally", &[]);
    let stan = user("stan", &[]);
    let mona = user("mona", &[]);
    let eve = user("eve", &[]);
    let cases: &[ResourceCase<'_>] = &[
        // view: reads, but not secrets, and writes nothing; only in its namespace.
        (
            &vera,
            "get",
            "team-a",
            "",
            "pods",
            "",
            "web",
            r#"RBAC: allowed by RoleBinding "vera-view/team-a" of ClusterRole "view" to User "vera""#,
        ),
        (
            &vera,
            "list",
            "team-a",
            "apps",
            "deployments",
            "",
            "",
            r#"RBAC: allowed by RoleBinding "vera-view/team-a" of ClusterRole "view" to User "vera""#,
        ),
        (
            &vera,
            "get",
            "team-a",
            "",
            "pods",
            "log",
            "web",
            r#"RBAC: allowed by RoleBinding "vera-view/team-a" of ClusterRole "view" to User "vera""#,
        ),
        (&vera, "get", "team-a", "", "secrets", "", "token", ""),
        (&vera, "list", "team-a", "", "secrets", "", "", ""),
        (&vera, "create", "team-a", "", "pods", "", "", ""),
        (
            &vera,
            "delete",
            "team-a",
            "apps",
            "deployments",
            "",
            "web",
            "",
        ),
        (&vera, "get", "team-a", "", "pods", "exec", "web", ""),
        (&vera, "get", "team-b", "", "pods", "", "web", ""),
        (&vera, "list", "", "", "pods", "", "", ""),
        // A CRD's role labelled aggregate-to-view extends view before any write-back.
        (
            &vera,
            "list",
            "team-a",
            "example.com",
            "widgets",
            "",
            "",
            r#"RBAC: allowed by RoleBinding "vera-view/team-a" of ClusterRole "view" to User "vera""#,
        ),
        // edit through a group: workloads and secrets, not RBAC.
        (
            &dan,
            "create",
            "team-a",
            "apps",
            "deployments",
            "",
            "",
            r#"RBAC: allowed by RoleBinding "devs-edit/team-a" of ClusterRole "edit" to Group "devs""#,
        ),
        (
            &dan,
            "patch",
            "team-a",
            "apps",
            "deployments",
            "scale",
            "web",
            r#"RBAC: allowed by RoleBinding "devs-edit/team-a" of ClusterRole "edit" to Group "devs""#,
        ),
        (
            &dan,
            "get",
            "team-a",
            "",
            "secrets",
            "",
            "token",
            r#"RBAC: allowed by RoleBinding "devs-edit/team-a" of ClusterRole "edit" to Group "devs""#,
        ),
        (
            &dan,
            "create",
            "team-a",
            "",
            "pods",
            "exec",
            "web",
            r#"RBAC: allowed by RoleBinding "devs-edit/team-a" of ClusterRole "edit" to Group "devs""#,
        ),
        (&dan, "create", "team-a", RBAC_GROUP, "roles", "", "", ""),
        (
            &dan,
            "create",
            "team-a",
            RBAC_GROUP,
            "rolebindings",
            "",
            "",
            "",
        ),
        (&dan, "update", "team-a", "", "resourcequotas", "", "q", ""),
        (&dan, "create", "team-b", "apps", "deployments", "", "", ""),
        // admin = edit + RBAC in the namespace.
        (
            &ada,
            "create",
            "team-a",
            RBAC_GROUP,
            "roles",
            "",
            "",
            r#"RBAC: allowed by RoleBinding "ada-admin/team-a" of ClusterRole "admin" to User "ada""#,
        ),
        (
            &ada,
            "delete",
            "team-a",
            RBAC_GROUP,
            "rolebindings",
            "",
            "b",
            r#"RBAC: allowed by RoleBinding "ada-admin/team-a" of ClusterRole "admin" to User "ada""#,
        ),
        (&ada, "create", "", RBAC_GROUP, "clusterroles", "", "", ""),
        // A ServiceAccount subject: its own namespace's account only.
        (
            &ci,
            "get",
            "team-a",
            "",
            "pods",
            "",
            "web",
            r#"RBAC: allowed by RoleBinding "ci-reads-pods/team-a" of Role "pod-reader" to ServiceAccount "ci/team-a""#,
        ),
        (
            &ci,
            "get",
            "team-a",
            "",
            "pods",
            "log",
            "web",
            r#"RBAC: allowed by RoleBinding "ci-reads-pods/team-a" of Role "pod-reader" to ServiceAccount "ci/team-a""#,
        ),
        (&ci, "delete", "team-a", "", "pods", "", "web", ""),
        (&ci_elsewhere, "get", "team-a", "", "pods", "", "web", ""),
        (
            &builder,
            "create",
            "team-b",
            "apps",
            "deployments",
            "",
            "",
            r#"RBAC: allowed by RoleBinding "builder-edit/team-b" of ClusterRole "edit" to ServiceAccount "builder/ci""#,
        ),
        (&builder, "create", "ci", "apps", "deployments", "", "", ""),
        // resourceNames: only requests that name the object.
        (
            &rita,
            "get",
            "team-a",
            "",
            "configmaps",
            "",
            "app-config",
            r#"RBAC: allowed by RoleBinding "rita-config/team-a" of Role "one-config" to User "rita""#,
        ),
        (
            &rita,
            "update",
            "team-a",
            "",
            "configmaps",
            "",
            "app-config",
            r#"RBAC: allowed by RoleBinding "rita-config/team-a" of Role "one-config" to User "rita""#,
        ),
        (&rita, "get", "team-a", "", "configmaps", "", "other", ""),
        (&rita, "list", "team-a", "", "configmaps", "", "", ""),
        (&rita, "watch", "team-a", "", "configmaps", "", "", ""),
        (&rita, "create", "team-a", "", "configmaps", "", "", ""),
        (
            &rita,
            "deletecollection",
            "team-a",
            "",
            "configmaps",
            "",
            "",
            "",
        ),
        // list/watch with fieldSelector metadata.name=app-config carry the name.
        (
            &rita,
            "list",
            "team-a",
            "",
            "configmaps",
            "",
            "app-config",
            r#"RBAC: allowed by RoleBinding "rita-config/team-a" of Role "one-config" to User "rita""#,
        ),
        // Bindings to roles that do not exist: denied, and said why.
        (
            &gus,
            "get",
            "team-a",
            "",
            "pods",
            "",
            "",
            r#"RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, role.rbac.authorization.k8s.io "missing" not found]"#,
        ),
        (
            &user("gus", &[]),
            "get",
            "team-a",
            "",
            "pods",
            "",
            "",
            r#"RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found"#,
        ),
        // …but only when looking in that namespace.
        (&gus, "get", "team-b", "", "pods", "", "", ""),
        // Subresource wildcards.
        (
            &sam,
            "patch",
            "team-b",
            "apps",
            "deployments",
            "scale",
            "web",
            r#"RBAC: allowed by ClusterRoleBinding "scalers" of ClusterRole "scaler" to Group "scalers""#,
        ),
        (
            &sam,
            "update",
            "",
            "apps",
            "statefulsets",
            "scale",
            "db",
            r#"RBAC: allowed by ClusterRoleBinding "scalers" of ClusterRole "scaler" to Group "scalers""#,
        ),
        (
            &sam,
            "update",
            "team-b",
            "apps",
            "deployments",
            "",
            "web",
            "",
        ),
        (
            &sam,
            "update",
            "team-b",
            "apps",
            "deployments",
            "status",
            "web",
            "",
        ),
        (
            &sam,
            "update",
            "team-b",
            "",
            "replicationcontrollers",
            "scale",
            "rc",
            "",
        ),
        (&stan, "get", "team-a", "", "pods", "log", "web", ""),
        (&stan, "get", "team-a", "", "pods", "", "web", ""),
        // Verb and resource wildcards in one group.
        (
            &wally,
            "deletecollection",
            "team-a",
            "example.com",
            "gadgets",
            "",
            "",
            r#"RBAC: allowed by ClusterRoleBinding "wild" of ClusterRole "wild" to User "wally""#,
        ),
        (
            &wally,
            "escalate",
            "",
            "example.com",
            "gadgets",
            "status",
            "g",
            r#"RBAC: allowed by ClusterRoleBinding "wild" of ClusterRole "wild" to User "wally""#,
        ),
        (&wally, "get", "team-a", "apps", "deployments", "", "", ""),
        // A custom aggregated ClusterRole, evaluated with its aggregated rules.
        (
            &mona,
            "list",
            "",
            "",
            "pods",
            "",
            "",
            r#"RBAC: allowed by ClusterRoleBinding "mon" of ClusterRole "monitoring" to User "mona""#,
        ),
        (&mona, "delete", "team-a", "", "pods", "", "x", ""),
        // Everyone authenticated may review itself; nobody else gets anything.
        (
            &eve,
            "create",
            "",
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "",
            "",
            r#"RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated""#,
        ),
        (
            &eve,
            "create",
            "",
            "authentication.k8s.io",
            "selfsubjectreviews",
            "",
            "",
            r#"RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated""#,
        ),
        (&eve, "get", "team-a", "", "pods", "", "web", ""),
        (&eve, "get", "", "", "namespaces", "", "team-a", ""),
        // system:masters holds cluster-admin through RBAC too (the hub bypasses first).
        (
            &user("root", &[SUPERUSER_GROUP]),
            "delete",
            "",
            "",
            "nodes",
            "",
            "n1",
            r#"RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters""#,
        ),
    ];
    for (who, verb, namespace, group, resource, sub, name, reason) in cases {
        let request = Attributes::resource(who, verb, namespace, group, resource, sub, name);
        let decision = index.authorize(&request);
        let allowed = reason.starts_with("RBAC: allowed by ");
        assert_eq!(
            decision,
            Decision {
                allowed,
                reason: (*reason).to_owned()
            },
            "{} {verb} {group}/{resource}/{sub} {name:?} in {namespace:?}",
            who.name
        );
        assert_eq!(index.allows(&request), allowed);
    }
}

#[test]
fn non_resource_urls_are_decided_with_kubes_reasons() {
    let index = cluster();
    let anonymous = UserInfo::new("system:anonymous", &[UNAUTHENTICATED_GROUP]);
    let eve = user("eve", &[]);
    let lou = user("lou", &[]);
    let sa = UserInfo::service_account("team-a", "ci");
    let discovery = r#"RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated""#;
    let cases: &[(&UserInfo, &str, &str, &str)] = &[
        (
            &anonymous,
            "get",
            "/healthz",
            r#"RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated""#,
        ),
        (
            &anonymous,
            "get",
            "/version/",
            r#"RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated""#,
        ),
        (&anonymous, "get", "/api", ""),
        (&anonymous, "get", "/healthz/etcd", ""),
        // system:discovery sorts before system:public-info-viewer.
        (&eve, "get", "/healthz", discovery),
        (&eve, "get", "/api", discovery),
        (&eve, "get", "/apis/apps/v1", discovery),
        (&eve, "get", "/openapi/v3", discovery),
        (&eve, "post", "/api", ""),
        (&eve, "get", "/metrics", ""),
        (&eve, "get", "/logs", ""),
        (
            &lou,
            "get",
            "/logs",
            r#"RBAC: allowed by ClusterRoleBinding "logs" of ClusterRole "logs-reader" to User "lou""#,
        ),
        (
            &lou,
            "get",
            "/logs/kube-apiserver.log",
            r#"RBAC: allowed by ClusterRoleBinding "logs" of ClusterRole "logs-reader" to User "lou""#,
        ),
        (&lou, "get", "/logsx", ""),
        (&lou, "put", "/logs", ""),
        (
            &sa,
            "get",
            "/openid/v1/jwks",
            r#"RBAC: allowed by ClusterRoleBinding "system:service-account-issuer-discovery" of ClusterRole "system:service-account-issuer-discovery" to Group "system:serviceaccounts""#,
        ),
        (&eve, "get", "/openid/v1/jwks", ""),
    ];
    for (who, verb, path, reason) in cases {
        let decision = index.authorize(&Attributes::non_resource(who, verb, path));
        assert_eq!(decision.reason, *reason, "{} {verb} {path}", who.name);
        assert_eq!(decision.allowed, reason.starts_with("RBAC: allowed by "));
    }
}

#[test]
fn rules_review_lists_cluster_then_namespace_rules() {
    let index = cluster();
    let review = index.rules_for(&UserInfo::service_account("team-a", "ci"), "team-a");
    assert_eq!(
        review.status_json(),
        json!({
            "resourceRules": [
                {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]},
                {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]},
                {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods"]},
                {"verbs": ["get"], "apiGroups": [""], "resources": ["pods/log"]}
            ],
            "nonResourceRules": [
                {"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]},
                {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]},
                {"verbs": ["get"], "nonResourceURLs": ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"]}
            ],
            "incomplete": false
        })
    );
    // Cluster-wide, the namespace's bindings do not count.
    let cluster_wide = index.rules_for(&UserInfo::service_account("team-a", "ci"), "");
    assert_eq!(cluster_wide.resource_rules.len(), 2);
    // Named rules keep their names.
    let rita = index.rules_for(&user("rita", &[]), "team-a");
    let last = rita.resource_rules.last().unwrap();
    assert_eq!(last.resource_names, ["app-config"]);
    // Missing roles: an evaluation error, yet complete (kube's RBAC never says incomplete).
    let gus = index.rules_for(&user("gus", &["ghosts"]), "team-a");
    assert!(!gus.incomplete);
    assert_eq!(
        gus.status_json()["evaluationError"],
        r#"[clusterrole.rbac.authorization.k8s.io "ghost" not found, role.rbac.authorization.k8s.io "missing" not found]"#
    );
    // view's rules include the aggregated CRD role.
    let vera = index.rules_for(&user("vera", &[]), "team-a");
    assert!(
        vera.resource_rules
            .iter()
            .any(|rule| rule.api_groups == ["example.com"] && rule.resources == ["widgets"])
    );
}

fn role_write<'a>(resource: &'a str, namespace: &'a str, object: &'a Value) -> RoleWrite<'a> {
    RoleWrite {
        resource,
        namespace,
        request_name: "",
        object,
        old: None,
    }
}

#[test]
fn role_writes_are_limited_to_held_rules_unless_escalate() {
    let index = cluster();
    let dan = user("dan", &["devs"]);
    let esme = user("esme", &[]);
    let secrets_reader = role(
        "team-a",
        "secrets-reader",
        json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]),
    );
    let role_maker = role(
        "team-a",
        "role-maker",
        json!([
            {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
            {"apiGroups": [RBAC_GROUP], "resources": ["roles", "rolebindings"], "verbs": ["create", "get"]},
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"], "resourceNames": ["n1"]}
        ]),
    );
    // edit holds get/list secrets in team-a: may grant them there…
    assert_eq!(
        check_role_write(
            &index,
            &dan,
            &role_write("roles", "team-a", &secrets_reader)
        ),
        Ok(())
    );
    // …but not in a namespace where it holds nothing.
    let denied = check_role_write(
        &index,
        &dan,
        &role_write("roles", "team-b", &secrets_reader),
    )
    .unwrap_err();
    assert_eq!(
        denied.to_string(),
        "roles.rbac.authorization.k8s.io \"secrets-reader\" is forbidden: user \"dan\" \
         (groups=[\"devs\" \"system:authenticated\"]) is attempting to grant RBAC permissions \
         not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}"
    );
    // Missing permissions are merged per group and resource, sorted, one per line.
    let denied =
        check_role_write(&index, &dan, &role_write("roles", "team-a", &role_maker)).unwrap_err();
    assert_eq!(
        denied,
        WriteDenied::Forbidden {
            resource: "roles".into(),
            name: "role-maker".into(),
            reason: "user \"dan\" (groups=[\"devs\" \"system:authenticated\"]) is attempting to \
                     grant RBAC permissions not currently held:\n\
                     {APIGroups:[\"\"], Resources:[\"nodes\"], ResourceNames:[\"n1\"], Verbs:[\"get\"]}\n\
                     {APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"rolebindings\"], Verbs:[\"create\" \"get\"]}\n\
                     {APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"roles\"], Verbs:[\"create\" \"get\"]}"
                .into(),
        }
    );
    // `escalate` on roles in team-a lifts the check there, and only there.
    assert_eq!(
        check_role_write(&index, &esme, &role_write("roles", "team-a", &role_maker)),
        Ok(())
    );
    assert!(check_role_write(&index, &esme, &role_write("roles", "team-b", &role_maker)).is_err());
    // system:masters writes anything.
    let root = user("root", &[SUPERUSER_GROUP]);
    assert_eq!(
        check_role_write(&index, &root, &role_write("roles", "team-b", &role_maker)),
        Ok(())
    );
    // An update that only touches what the garbage collector touches is not checked.
    let mut finalized = role_maker.clone();
    finalized["metadata"]["finalizers"] = json!(["example.com/cleanup"]);
    let update = RoleWrite {
        request_name: "role-maker",
        old: Some(&role_maker),
        ..role_write("roles", "team-a", &finalized)
    };
    assert_eq!(check_role_write(&index, &dan, &update), Ok(()));
}

#[test]
fn aggregation_rules_need_every_permission() {
    let index = cluster();
    let ada = user("ada", &[]);
    let aggregated = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "collector"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]},
    });
    let write = role_write("clusterroles", "", &aggregated);
    assert_eq!(
        check_role_write(&index, &ada, &write),
        Err(WriteDenied::Forbidden {
            resource: "clusterroles".into(),
            name: "collector".into(),
            reason: "must have cluster-admin privileges to use the aggregationRule".into(),
        })
    );
    // Removing the rule from an aggregated role needs it too.
    let plain = json!({"kind": "ClusterRole", "metadata": {"name": "collector"}});
    let removal = RoleWrite {
        request_name: "collector",
        old: Some(&aggregated),
        ..role_write("clusterroles", "", &plain)
    };
    assert!(check_role_write(&index, &ada, &removal).is_err());
    let root = user("root", &[SUPERUSER_GROUP]);
    assert_eq!(check_role_write(&index, &root, &write), Ok(()));
}

#[test]
fn bindings_need_the_roles_rules_or_bind() {
    let index = cluster();
    let dan = user("dan", &["devs"]);
    let bea = user("bea", &[]);
    let ada = user("ada", &[]);
    let binding = |namespace: &str, role_kind: &str, role: &str| {
        role_binding(
            namespace,
            "b",
            role_kind,
            role,
            json!([subject("User", "x")]),
        )
    };
    let check = |who: &UserInfo, object: &Value| {
        check_binding_write(
            &index,
            who,
            &BindingWrite {
                resource: "rolebindings",
                namespace: object["metadata"]["namespace"].as_str().unwrap(),
                object,
                old: None,
            },
        )
    };
    // edit covers view: dan may hand out view in team-a.
    assert_eq!(
        check(&dan, &binding("team-a", "ClusterRole", "view")),
        Ok(())
    );
    // admin's RBAC rules are beyond edit.
    let denied = check(&dan, &binding("team-a", "ClusterRole", "admin")).unwrap_err();
    let WriteDenied::Forbidden {
        resource,
        name,
        reason,
    } = &denied
    else {
        panic!("{denied:?}");
    };
    assert_eq!((resource.as_str(), name.as_str()), ("rolebindings", "b"));
    assert!(reason.ends_with(
        "{APIGroups:[\"authorization.k8s.io\"], Resources:[\"localsubjectaccessreviews\"], Verbs:[\"create\"]}\n\
         {APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"rolebindings\"], Verbs:[\"create\" \"delete\" \"deletecollection\" \"get\" \"list\" \"patch\" \"update\" \"watch\"]}\n\
         {APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"roles\"], Verbs:[\"create\" \"delete\" \"deletecollection\" \"get\" \"list\" \"patch\" \"update\" \"watch\"]}"
    ), "{reason}");
    assert!(
        denied
            .to_string()
            .starts_with("rolebindings.rbac.authorization.k8s.io \"b\" is forbidden: user \"dan\"")
    );
    // A Role of the binding's namespace is resolved there.
    assert_eq!(
        check(&dan, &binding("team-a", "Role", "pod-reader")),
        Ok(())
    );
    assert_eq!(
        check(&dan, &binding("team-a", "Role", "nope")),
        Err(WriteDenied::RoleNotFound {
            resource: "roles".into(),
            name: "nope".into()
        })
    );
    // bind on the named ClusterRole, in the binding's namespace, suffices without its rules.
    assert_eq!(
        check(&bea, &binding("team-a", "ClusterRole", "view")),
        Ok(())
    );
    assert_eq!(
        check(&bea, &binding("team-a", "ClusterRole", "ghost")),
        Ok(())
    );
    assert!(check(&bea, &binding("team-a", "ClusterRole", "edit")).is_err());
    assert!(check(&bea, &binding("team-b", "ClusterRole", "view")).is_err());
    assert_eq!(
        check(&dan, &binding("team-a", "ClusterRole", "ghost")),
        Err(WriteDenied::RoleNotFound {
            resource: "clusterroles".into(),
            name: "ghost".into()
        })
    );
    // A ClusterRoleBinding is checked cluster-wide: ada's admin is namespaced.
    let crb = cluster_role_binding("b", "view", json!([subject("User", "x")]));
    let crb_write = BindingWrite {
        resource: "clusterrolebindings",
        namespace: "",
        object: &crb,
        old: None,
    };
    assert!(check_binding_write(&index, &ada, &crb_write).is_err());
    let root = user("root", &[SUPERUSER_GROUP]);
    assert_eq!(check_binding_write(&index, &root, &crb_write), Ok(()));
    // The attributes of the two checks.
    let attributes = bind_attributes(&bea, &RoleRef::cluster_role("view"), "team-a").unwrap();
    assert_eq!(
        (
            attributes.verb.as_str(),
            attributes.api_group.as_str(),
            attributes.resource.as_str()
        ),
        ("bind", RBAC_GROUP, "clusterroles")
    );
    assert!(
        bind_attributes(
            &bea,
            &RoleRef {
                kind: "Group".into(),
                ..RoleRef::role("x")
            },
            ""
        )
        .is_none()
    );
    let attributes = escalate_attributes(&bea, "roles", "team-a", "r");
    assert_eq!(
        (attributes.verb.as_str(), attributes.name.as_str()),
        ("escalate", "r")
    );
}

#[test]
fn confirm_no_escalation_reports_resolution_errors() {
    let index = cluster();
    let gus = user("gus", &["ghosts"]);
    let error = confirm_no_escalation(
        &index,
        &gus,
        "team-a",
        &[PolicyRule::resource(&["get"], &[""], &["pods"])],
    )
    .unwrap_err();
    // The escalation checks read roles from the registry: plural resource names.
    assert!(
        error.ends_with(
            r#"; resolution errors: [[clusterroles.rbac.authorization.k8s.io "ghost" not found, roles.rbac.authorization.k8s.io "missing" not found]]"#
        ),
        "{error}"
    );
    assert_eq!(confirm_no_escalation(&index, &gus, "team-a", &[]), Ok(()));
}

#[test]
fn incremental_updates_follow_the_watch() {
    let mut index = cluster();
    let vera = user("vera", &[]);
    let get_pods = Attributes::resource(&vera, "get", "team-a", "", "pods", "", "web");
    assert!(index.allows(&get_pods));
    // Replacing the binding's subjects drops vera.
    index
        .upsert(&role_binding(
            "team-a",
            "vera-view",
            "ClusterRole",
            "view",
            json!([subject("User", "val")]),
        ))
        .unwrap();
    assert!(!index.allows(&get_pods));
    let val = Attributes {
        user: user("val", &[]),
        ..get_pods.clone()
    };
    assert!(index.allows(&val));
    index.remove("RoleBinding", "team-a", "vera-view");
    assert!(!index.allows(&val));
    // A ServiceAccount subject without namespace is dropped on removal too.
    let ci = Attributes::resource(
        &UserInfo::service_account("team-a", "ci"),
        "get",
        "team-a",
        "",
        "pods",
        "",
        "web",
    );
    assert!(index.allows(&ci));
    index.remove("RoleBinding", "team-a", "ci-reads-pods");
    assert!(!index.allows(&ci));
    // Rules change with their role; a missing role is reported until it is back.
    let rita = Attributes::resource(
        &user("rita", &[]),
        "get",
        "team-a",
        "",
        "configmaps",
        "",
        "other",
    );
    assert!(!index.allows(&rita));
    index
        .upsert(&role(
            "team-a",
            "one-config",
            json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]),
        ))
        .unwrap();
    assert!(index.allows(&rita));
    index.remove("Role", "team-a", "one-config");
    assert_eq!(
        index.authorize(&rita).reason,
        r#"RBAC: role.rbac.authorization.k8s.io "one-config" not found"#
    );
    // Aggregation follows labels: unlabelling the CRD role takes it out of view.
    let dan = user("dan", &["devs"]);
    let widgets = Attributes::resource(&dan, "list", "team-a", "example.com", "widgets", "", "");
    assert!(index.allows(&widgets));
    index
        .upsert(&cluster_role(
            "widgets-view",
            json!({}),
            json!([{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get", "list", "watch"]}]),
        ))
        .unwrap();
    assert!(!index.allows(&widgets));
    // A new role labelled for edit reaches edit (and admin) but not view.
    index
        .upsert(&cluster_role(
            "gadgets-edit",
            json!({"rbac.authorization.k8s.io/aggregate-to-edit": "true"}),
            json!([{"apiGroups": ["example.com"], "resources": ["gadgets"], "verbs": ["create"]}]),
        ))
        .unwrap();
    let gadgets = Attributes::resource(&dan, "create", "team-a", "example.com", "gadgets", "", "");
    assert!(index.allows(&gadgets));
    let ada = Attributes {
        user: user("ada", &[]),
        ..gadgets.clone()
    };
    assert!(index.allows(&ada));
    let mut vera_again = gadgets.clone();
    vera_again.user = user("vera", &[]);
    index
        .upsert(&role_binding(
            "team-a",
            "vera-view",
            "ClusterRole",
            "view",
            json!([subject("User", "vera")]),
        ))
        .unwrap();
    assert!(!index.allows(&vera_again));
    index.remove("ClusterRole", "", "gadgets-edit");
    assert!(!index.allows(&gadgets));
    // Objects of other kinds are refused, not silently indexed.
    assert_eq!(
        index.upsert(&json!({"kind": "ConfigMap", "metadata": {"name": "x"}})),
        Err(IndexError::UnknownKind("ConfigMap".into()))
    );
    assert_eq!(
        index.upsert(&json!({"kind": "Role", "metadata": {"name": "x"}})),
        Err(IndexError::MissingNamespace("Role", "x".into()))
    );
}

#[test]
fn forbidden_messages_are_kubes() {
    let alice = user("alice", &[]);
    let cases = [
        (
            Attributes::resource(&alice, "get", "default", "", "pods", "", "web"),
            "",
            r#"pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default""#,
        ),
        (
            Attributes::resource(&alice, "list", "", "apps", "deployments", "", ""),
            "",
            r#"deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" at the cluster scope"#,
        ),
        (
            Attributes::resource(&alice, "get", "ns", "", "pods", "log", "web"),
            r#"RBAC: clusterrole.rbac.authorization.k8s.io "x" not found"#,
            r#"pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "ns": RBAC: clusterrole.rbac.authorization.k8s.io "x" not found"#,
        ),
        (
            Attributes::non_resource(&alice, "get", "/metrics"),
            "",
            r#"forbidden: User "alice" cannot get path "/metrics""#,
        ),
    ];
    for (attributes, reason, message) in cases {
        assert_eq!(forbidden_message(&attributes, reason), message);
    }
    assert!(is_superuser(&user("root", &[SUPERUSER_GROUP])));
    assert!(!is_superuser(&user("root", &["system:master"])));
}

/// A tiny deterministic generator for the timing run.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Not a wall-time assertion: builds an index of 10,000 RoleBindings (100 namespaces × 100, one
/// user each, every tenth also naming a team group) plus 1,000 ClusterRoleBindings and the
/// default policy, then times decisions and prints p50/p99. Every decision is checked.
#[test]
fn timing_with_ten_thousand_role_bindings() {
    const NAMESPACES: usize = 100;
    const PER_NAMESPACE: usize = 100;
    let started = Instant::now();
    let mut index = RbacIndex::new();
    for object in default_cluster_roles()
        .iter()
        .chain(&default_cluster_role_bindings())
    {
        index.upsert(object).unwrap();
    }
    for n in 0..NAMESPACES {
        let namespace = format!("ns-{n}");
        for b in 0..PER_NAMESPACE {
            let role = if b % 2 == 0 { "view" } else { "edit" };
            let mut subjects = vec![subject("User", &format!("user-{n}-{b}"))];
            if b % 10 == 0 {
                subjects.push(subject("Group", &format!("team-{n}")));
            }
            let binding = role_binding(
                &namespace,
                &format!("rb-{b}"),
                "ClusterRole",
                role,
                json!(subjects),
            );
            index.upsert(&binding).unwrap();
        }
    }
    for c in 0..1000 {
        let binding = cluster_role_binding(
            &format!("crb-{c}"),
            "system:basic-user",
            json!([subject("User", &format!("operator-{c}"))]),
        );
        index.upsert(&binding).unwrap();
    }
    let built = started.elapsed();
    assert_eq!(index.len(), 10_000 + 1000 + 6 + 13);

    let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut allowed_timings: Vec<Duration> = Vec::with_capacity(20_000);
    let mut denied_timings: Vec<Duration> = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let n = random.below(NAMESPACES);
        let b = random.below(PER_NAMESPACE);
        // Half the requests go to the user's own namespace.
        let in_namespace = if random.below(2) == 0 {
            n
        } else {
            random.below(NAMESPACES)
        };
        let verb = ["get", "create", "delete"][random.below(3)];
        let team = random.below(NAMESPACES);
        let who = UserInfo::new(
            format!("user-{n}-{b}"),
            &[&format!("team-{team}"), AUTHENTICATED_GROUP],
        );
        let request = Attributes::resource(
            &who,
            verb,
            &format!("ns-{in_namespace}"),
            "apps",
            "deployments",
            "",
            "web",
        );
        let started = Instant::now();
        let decision = index.authorize(&request);
        let elapsed = started.elapsed();
        // Own binding in its namespace (view reads, edit writes too), or the team group's
        // binding (rb-0, to view) in the team's namespace.
        let own = in_namespace == n && (verb == "get" || b % 2 == 1);
        let via_team = team == in_namespace && verb == "get";
        assert_eq!(decision.allowed, own || via_team, "{request:?}");
        if decision.allowed {
            allowed_timings.push(elapsed);
        } else {
            denied_timings.push(elapsed);
        }
    }
    let summary = |timings: &mut Vec<Duration>| {
        timings.sort();
        let at = |p: usize| timings[(timings.len() * p / 100).min(timings.len() - 1)];
        format!(
            "{} decisions: p50 {:?}, p99 {:?}, max {:?}",
            timings.len(),
            at(50),
            at(99),
            timings[timings.len() - 1]
        )
    };
    println!(
        "rbac timing: built {} objects in {built:?}; allowed {}; denied {}",
        index.len(),
        summary(&mut allowed_timings),
        summary(&mut denied_timings)
    );
}

#[test]
fn a_layered_index_decides_as_a_flat_copy_of_the_defaults_does() {
    let mut defaults = super::default_cluster_roles();
    defaults.extend(super::default_cluster_role_bindings());
    let base = std::sync::Arc::new(RbacIndex::from_objects(defaults.iter()));
    let own = [
        json!({"kind": "RoleBinding", "metadata": {"name": "alice-view", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "alice"}]}),
        json!({"kind": "ClusterRole", "metadata": {"name": "widgets"},
            "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["*"]}]}),
        json!({"kind": "ClusterRoleBinding", "metadata": {"name": "bob-widgets"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "widgets"},
            "subjects": [{"kind": "User", "name": "bob"}]}),
        // Shadows the default binding of the same name: nobody gets system:discovery here.
        json!({"kind": "ClusterRoleBinding", "metadata": {"name": "system:discovery"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "widgets"},
            "subjects": [{"kind": "User", "name": "carol"}]}),
    ];
    let layered = RbacIndex::layered(std::sync::Arc::clone(&base), own.iter()).unwrap();
    let mut all = defaults.clone();
    all.extend(own.iter().cloned());
    let flat = RbacIndex::from_objects(all.iter());
    for user in ["alice", "bob", "carol", "dave"] {
        let info = UserInfo::new(user, &["system:authenticated"]);
        for namespace in ["default", "other", ""] {
            for (group, resource, verb) in [
                ("", "pods", "get"),
                ("", "pods", "delete"),
                ("", "secrets", "get"),
                ("example.com", "widgets", "create"),
                ("authorization.k8s.io", "selfsubjectaccessreviews", "create"),
            ] {
                let request = Attributes::resource(&info, verb, namespace, group, resource, "", "");
                assert_eq!(
                    layered.allows(&request),
                    flat.allows(&request),
                    "{user} {verb} {group}/{resource} in {namespace:?}"
                );
            }
            for path in ["/api", "/healthz", "/version"] {
                let request = Attributes::non_resource(&info, "get", path);
                assert_eq!(
                    layered.allows(&request),
                    flat.allows(&request),
                    "{user} {path}"
                );
            }
        }
    }
    // An own ClusterRole that the default `view` aggregates needs a flat index.
    let aggregated = [
        json!({"kind": "ClusterRole", "metadata": {"name": "widgets-view",
        "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
        "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]}]}),
    ];
    assert!(RbacIndex::layered(base, aggregated.iter()).is_none());
}
