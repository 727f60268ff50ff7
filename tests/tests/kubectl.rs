//! The real kubectl (1.32) against a real `nave serve` over TLS with the admin client
//! certificate: the everyday commands, their output and their error messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::io::Read;
use std::time::Duration;

use tests::{Hub, Kubectl};

const MANIFEST: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
  labels: {app: web}
data:
  color: blue
  size: large
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
";

#[test]
fn everyday_kubectl() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };

    // Version and discovery.
    let version = kubectl.run(&["version"], None).ok();
    assert!(version.contains("Server Version: v1.32."), "{version}");
    let resources = kubectl.run(&["api-resources"], None).ok();
    assert!(resources.lines().any(|line| line.starts_with("deployments")
        && line.contains("deploy")
        && line.contains("apps/v1")));
    assert!(
        resources
            .lines()
            .any(|line| line.starts_with("namespaces") && line.contains("false"))
    );

    // Create from a manifest (default strict validation needs OpenAPI), then read back.
    let created = kubectl.run(&["create", "-f", "-"], Some(MANIFEST)).ok();
    assert!(
        created.contains("namespace/shop created")
            && created.contains("deployment.apps/web created"),
        "{created}"
    );
    let table = kubectl.run(&["get", "configmaps", "-n", "shop"], None).ok();
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "DATA", "AGE"]);
    assert!(
        table
            .lines()
            .any(|line| line.starts_with("web-config")
                && line.split_whitespace().nth(1) == Some("2")),
        "{table}"
    );
    let deployments = kubectl.run(&["get", "deploy", "-n", "shop"], None).ok();
    assert!(
        deployments.starts_with("NAME")
            && deployments.contains("READY")
            && deployments.contains("0/2"),
        "{deployments}"
    );
    let yaml = kubectl
        .run(
            &["get", "deployment", "web", "-n", "shop", "-o", "yaml"],
            None,
        )
        .ok();
    assert!(
        yaml.contains("generation: 1")
            && yaml.contains("uid: ")
            && yaml.contains("resourceVersion:"),
        "{yaml}"
    );
    let jsonpath = kubectl
        .run(
            &[
                "get",
                "cm",
                "-n",
                "shop",
                "-o",
                "jsonpath={.items[*].data.color}",
            ],
            None,
        )
        .ok();
    assert_eq!(jsonpath, "blue");
    let namespaces = kubectl.run(&["get", "ns"], None).ok();
    assert!(
        namespaces.contains("shop")
            && namespaces.contains("Active")
            && namespaces.contains("kube-system"),
        "{namespaces}"
    );

    // Selectors and chunking.
    kubectl
        .run(
            &["label", "cm", "web-config", "-n", "shop", "tier=front"],
            None,
        )
        .ok();
    kubectl
        .run(
            &["annotate", "cm", "web-config", "-n", "shop", "note=hello"],
            None,
        )
        .ok();
    let labelled = kubectl
        .run(
            &["get", "cm", "-n", "shop", "-l", "tier=front", "-o", "name"],
            None,
        )
        .ok();
    assert_eq!(labelled.trim(), "configmap/web-config");
    assert!(
        kubectl
            .run(
                &["get", "cm", "-n", "shop", "-l", "tier=back", "-o", "name"],
                None
            )
            .ok()
            .trim()
            .is_empty()
    );
    let field = kubectl
        .run(
            &[
                "get",
                "cm",
                "-A",
                "--field-selector",
                "metadata.name=web-config",
                "-o",
                "name",
            ],
            None,
        )
        .ok();
    assert_eq!(field.trim(), "configmap/web-config");
    for i in 0..5 {
        kubectl.run(&["create", "-f", "-"], Some(&format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chunk-{i}\n  namespace: shop\n"))).ok();
    }
    let chunked = kubectl
        .run(
            &["get", "cm", "-n", "shop", "--chunk-size=2", "-o", "name"],
            None,
        )
        .ok();
    assert_eq!(chunked.lines().count(), 6, "{chunked}");

    // A replace with a stale resourceVersion is a conflict.
    let stale = kubectl
        .run(
            &["get", "cm", "web-config", "-n", "shop", "-o", "json"],
            None,
        )
        .ok();
    kubectl
        .run(
            &["label", "cm", "web-config", "-n", "shop", "again=yes"],
            None,
        )
        .ok();
    let conflict = kubectl.run(&["replace", "-f", "-"], Some(&stale)).fails();
    assert!(
        conflict.contains("Error from server (Conflict)")
            && conflict.contains("the object has been modified"),
        "{conflict}"
    );

    // Dry run persists nothing.
    let dry = kubectl
        .run(
            &["create", "-n", "shop", "-f", "-", "--dry-run=server"],
            Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ghost\n"),
        )
        .ok();
    assert!(
        dry.contains("configmap/ghost created (server dry run)"),
        "{dry}"
    );
    let missing = kubectl
        .run(&["get", "cm", "ghost", "-n", "shop"], None)
        .fails();
    assert!(
        missing.contains("Error from server (NotFound): configmaps \"ghost\" not found"),
        "{missing}"
    );

    // Watch: changes arrive as events with table rows.
    let mut watch = kubectl.spawn(&[
        "get",
        "cm",
        "-n",
        "shop",
        "-w",
        "--output-watch-events",
        "--watch-only",
    ]);
    std::thread::sleep(Duration::from_millis(1500));
    kubectl
        .run(
            &["label", "cm", "chunk-0", "-n", "shop", "watched=yes"],
            None,
        )
        .ok();
    kubectl
        .run(&["delete", "cm", "chunk-1", "-n", "shop"], None)
        .ok();
    std::thread::sleep(Duration::from_millis(1500));
    let _ = watch.kill();
    let _ = watch.wait();
    let mut events = String::new();
    watch
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut events)
        .unwrap();
    let events: Vec<Vec<&str>> = events
        .lines()
        .map(|line| line.split_whitespace().take(2).collect())
        .collect();
    assert!(events.contains(&vec!["MODIFIED", "chunk-0"]), "{events:?}");
    assert!(events.contains(&vec!["DELETED", "chunk-1"]), "{events:?}");

    // Waiting for a field, and for deletion.
    kubectl
        .run(
            &[
                "wait",
                "-n",
                "shop",
                "--for=jsonpath={.spec.replicas}=2",
                "deployment/web",
                "--timeout=20s",
            ],
            None,
        )
        .ok();
    kubectl
        .run(
            &["scale", "-n", "shop", "deployment/web", "--replicas=4"],
            None,
        )
        .ok();
    let replicas = kubectl
        .run(
            &[
                "get",
                "deploy",
                "web",
                "-n",
                "shop",
                "-o",
                "jsonpath={.spec.replicas}",
            ],
            None,
        )
        .ok();
    assert_eq!(replicas, "4");
    let mut waiter = kubectl.spawn(&[
        "wait",
        "-n",
        "shop",
        "--for=delete",
        "configmap/chunk-2",
        "--timeout=20s",
    ]);
    std::thread::sleep(Duration::from_millis(500));
    kubectl
        .run(&["delete", "cm", "chunk-2", "-n", "shop"], None)
        .ok();
    assert!(waiter.wait().unwrap().success(), "wait --for=delete");

    // explain works from the served OpenAPI.
    let explained = kubectl
        .run(&["explain", "deployment.spec.template"], None)
        .ok();
    assert!(
        explained.contains("KIND:       Deployment") && explained.contains("PodTemplateSpec"),
        "{explained}"
    );

    // Error messages, verbatim from the Status.
    let protected = kubectl
        .run(&["delete", "namespace", "default"], None)
        .fails();
    assert!(protected.contains("Error from server (Forbidden): namespaces \"default\" is forbidden: this namespace may not be deleted"), "{protected}");
    let unknown = kubectl.run(&["get", "widgets"], None).fails();
    assert!(
        unknown.contains("the server doesn't have a resource type \"widgets\""),
        "{unknown}"
    );
    let exists = kubectl.run(&["create", "-f", "-"], Some(MANIFEST)).fails();
    assert!(
        exists.contains("Error from server (AlreadyExists)")
            && exists.contains("configmaps \"web-config\" already exists"),
        "{exists}"
    );

    // Deleting the namespace waits until its contents and itself are gone.
    let deleted = kubectl
        .run(&["delete", "namespace", "shop", "--timeout=30s"], None)
        .ok();
    assert!(deleted.contains("namespace \"shop\" deleted"), "{deleted}");
    let gone = kubectl.run(&["get", "namespace", "shop"], None).fails();
    assert!(gone.contains("NotFound"), "{gone}");
    assert!(
        kubectl
            .run(&["get", "deploy", "-A", "-o", "name"], None)
            .ok()
            .trim()
            .is_empty()
    );
}

#[test]
fn shutdown_ends_watches_and_loses_nothing() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    for i in 0..20 {
        kubectl
            .run(
                &["create", "-f", "-"],
                Some(&format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept-{i}\n"
                )),
            )
            .ok();
    }
    let mut watch = kubectl.spawn(&["get", "cm", "-w"]);
    std::thread::sleep(Duration::from_millis(1000));
    let started = std::time::Instant::now();
    let (code, data) = hub.stop("TERM");
    assert_eq!(code, Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown took {:?}",
        started.elapsed()
    );
    // The watch ended with the server (kubectl get -w exits when its stream ends).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while watch.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the watch outlived the server"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Restarted on the same directory, every acknowledged write is there.
    let hub = Hub::start_in(data, &[]);
    let kubectl = Kubectl::new(&hub).unwrap();
    let names = kubectl.run(&["get", "cm", "-o", "name"], None).ok();
    assert_eq!(
        names
            .lines()
            .filter(|line| line.starts_with("configmap/kept-"))
            .count(),
        20,
        "{names}"
    );
}

/// kubectl 1.32's typed `create` commands send protobuf bodies.
#[test]
fn typed_create_commands() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    kubectl.run(&["create", "namespace", "typed"], None).ok();
    let commands: &[&[&str]] = &[
        &["create", "configmap", "c1", "--from-literal=a=b"],
        &["create", "secret", "generic", "s1", "--from-literal=p=q"],
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2",
            "--port=80",
        ],
        &["create", "service", "clusterip", "svc", "--tcp=80:8080"],
        &["create", "serviceaccount", "sa1"],
        &["create", "job", "j", "--image=busybox"],
        &[
            "create",
            "cronjob",
            "cj",
            "--image=busybox",
            "--schedule=*/1 * * * *",
        ],
        &["create", "role", "r", "--verb=get", "--resource=pods"],
        &["create", "rolebinding", "rb", "--role=r", "--user=alice"],
        &["create", "ingress", "ing", "--rule=foo.com/bar=svc1:8080"],
        &[
            "create",
            "poddisruptionbudget",
            "p",
            "--selector=app=x",
            "--min-available=1",
        ],
        &["create", "quota", "q", "--hard=pods=2"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.extend_from_slice(&["-n", "typed"]);
        let out = kubectl.run(&args, None).ok();
        assert!(out.contains("created"), "{command:?}: {out}");
    }
    kubectl
        .run(
            &[
                "create",
                "clusterrole",
                "cr",
                "--verb=get",
                "--resource=pods",
            ],
            None,
        )
        .ok();
    kubectl
        .run(&["create", "priorityclass", "pc", "--value=10"], None)
        .ok();
    let secret = kubectl
        .run(
            &[
                "get",
                "secret",
                "s1",
                "-n",
                "typed",
                "-o",
                "jsonpath={.data.p}",
            ],
            None,
        )
        .ok();
    assert_eq!(secret, "cQ==", "base64 of q");
    let image = kubectl
        .run(
            &[
                "get",
                "deploy",
                "web",
                "-n",
                "typed",
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image} {.spec.replicas}",
            ],
            None,
        )
        .ok();
    assert_eq!(image, "nginx 2");
    let port = kubectl
        .run(
            &[
                "get",
                "svc",
                "svc",
                "-n",
                "typed",
                "-o",
                "jsonpath={.spec.ports[0].targetPort}",
            ],
            None,
        )
        .ok();
    assert_eq!(port, "8080");
}

const WIDGET_CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.acme.example.com
spec:
  group: acme.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            properties:
              size: {type: integer, maximum: 10, description: How big.}
              color: {type: string, enum: [red, blue], default: red}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
";

/// A CRD applied, established, its objects applied, listed with printer columns, explained,
/// refused when invalid, and deleted with its objects.
#[test]
fn custom_resources_with_kubectl() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    kubectl.run(&["apply", "-f", "-"], Some(WIDGET_CRD)).ok();
    kubectl
        .run(
            &[
                "wait",
                "--for=condition=Established",
                "crd/widgets.acme.example.com",
                "--timeout=20s",
            ],
            None,
        )
        .ok();
    let widget =
        "apiVersion: acme.example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n";
    let applied = kubectl.run(&["apply", "-f", "-"], Some(widget)).ok();
    assert!(
        applied.contains("widget.acme.example.com/w1 created"),
        "{applied}"
    );
    let table = kubectl.run(&["get", "widgets"], None).ok();
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "SIZE", "COLOR", "AGE"]);
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..3], ["w1", "3", "red"]);
    assert!(row[3].ends_with('s'), "age rendered as an age: {table}");
    assert!(
        kubectl
            .run(&["get", "wd", "-o", "name"], None)
            .ok()
            .contains("widget.acme.example.com/w1")
    );
    assert!(
        kubectl
            .run(&["get", "all", "-o", "name"], None)
            .ok()
            .contains("widget.acme.example.com/w1")
    );
    // Re-apply with a change (client-side apply: a merge patch for custom resources).
    let changed = widget.replace("size: 3", "size: 5");
    let reapplied = kubectl.run(&["apply", "-f", "-"], Some(&changed)).ok();
    assert!(reapplied.contains("configured"), "{reapplied}");
    assert_eq!(
        kubectl
            .run(
                &["get", "widget", "w1", "-o", "jsonpath={.spec.size}"],
                None
            )
            .ok(),
        "5"
    );
    let explained = kubectl.run(&["explain", "widget.spec"], None).ok();
    assert!(
        explained.contains("What the widget should be") && explained.contains("size"),
        "{explained}"
    );
    let invalid = kubectl
        .run(
            &["apply", "-f", "-"],
            Some(&widget.replace("size: 3", "size: 30")),
        )
        .fails();
    assert!(
        invalid.contains(
            "spec.size: Invalid value: 30: spec.size in body should be less than or equal to 10"
        ),
        "{invalid}"
    );
    kubectl
        .run(
            &["delete", "crd", "widgets.acme.example.com", "--timeout=30s"],
            None,
        )
        .ok();
    // kubectl's discovery cache still knows the type; the server no longer serves it.
    let gone = kubectl.run(&["get", "widgets"], None).fails();
    assert!(
        gone.contains("the server could not find the requested resource")
            || gone.contains("doesn't have a resource type"),
        "{gone}"
    );
}

const DEPLOYMENT_V1: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels: {app: app, stage: one}
spec:
  replicas: 2
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: web
        image: nginx:1.26
        env:
        - {name: MODE, value: one}
        - {name: EXTRA, value: gone-later}
      - name: sidecar
        image: busybox:1.36
";

/// Client-side apply (twice, a changed and a removed field), diff, edit, patch in all three
/// types, scale, rollout restart, server-side apply with a conflict and with force.
#[test]
fn patches_and_apply() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    assert!(
        kubectl
            .run(&["apply", "-f", "-"], Some(DEPLOYMENT_V1))
            .ok()
            .contains("deployment.apps/app created")
    );
    let v2 = DEPLOYMENT_V1
        .replace("image: nginx:1.26", "image: nginx:1.27")
        .replace("        - {name: EXTRA, value: gone-later}\n", "")
        .replace(", stage: one", "");
    // diff shows the change (exit 1) without applying it.
    let diff = kubectl.run(&["diff", "-f", "-"], Some(&v2));
    assert_eq!(diff.code, 1, "{}{}", diff.stdout, diff.stderr);
    assert!(diff.stdout.contains("nginx:1.27"), "{}", diff.stdout);
    assert!(
        kubectl
            .run(&["apply", "-f", "-"], Some(&v2))
            .ok()
            .contains("configured")
    );
    let image = kubectl
        .run(
            &[
                "get",
                "deploy",
                "app",
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image}",
            ],
            None,
        )
        .ok();
    assert_eq!(image, "nginx:1.27");
    let env = kubectl
        .run(
            &[
                "get",
                "deploy",
                "app",
                "-o",
                "jsonpath={.spec.template.spec.containers[0].env[*].name}",
            ],
            None,
        )
        .ok();
    assert_eq!(env, "MODE", "the removed env var is gone, the other kept");
    let labels = kubectl
        .run(
            &["get", "deploy", "app", "-o", "jsonpath={.metadata.labels}"],
            None,
        )
        .ok();
    assert!(!labels.contains("stage"), "{labels}");
    assert_eq!(
        kubectl.run(&["diff", "-f", "-"], Some(&v2)).code,
        0,
        "no difference once applied"
    );

    // patch: strategic (default), merge, json.
    kubectl.run(&["patch", "deploy", "app", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}"#], None).ok();
    let images = kubectl
        .run(
            &[
                "get",
                "deploy",
                "app",
                "-o",
                "jsonpath={.spec.template.spec.containers[*].image}",
            ],
            None,
        )
        .ok();
    assert_eq!(images, "nginx:1.27 busybox:1.37");
    kubectl
        .run(
            &[
                "patch",
                "deploy",
                "app",
                "--type=merge",
                "-p",
                r#"{"metadata":{"annotations":{"team":"blue"}}}"#,
            ],
            None,
        )
        .ok();
    kubectl
        .run(
            &[
                "patch",
                "deploy",
                "app",
                "--type=json",
                "-p",
                r#"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
            ],
            None,
        )
        .ok();
    assert_eq!(
        kubectl
            .run(
                &["get", "deploy", "app", "-o", "jsonpath={.spec.replicas}"],
                None
            )
            .ok(),
        "4"
    );
    // scale and rollout restart.
    kubectl
        .run(&["scale", "deploy/app", "--replicas=5"], None)
        .ok();
    assert_eq!(
        kubectl
            .run(
                &["get", "deploy", "app", "-o", "jsonpath={.spec.replicas}"],
                None
            )
            .ok(),
        "5"
    );
    kubectl
        .run(&["rollout", "restart", "deploy/app"], None)
        .ok();
    let restarted = kubectl
        .run(
            &[
                "get",
                "deploy",
                "app",
                "-o",
                "jsonpath={.spec.template.metadata.annotations}",
            ],
            None,
        )
        .ok();
    assert!(
        restarted.contains("kubectl.kubernetes.io/restartedAt"),
        "{restarted}"
    );
    // edit with a scripted KUBE_EDITOR.
    kubectl
        .run_with_env(
            &["edit", "deploy", "app"],
            None,
            &[("KUBE_EDITOR", "sed -i s/replicas:\\ 5/replicas:\\ 6/")],
        )
        .ok();
    assert_eq!(
        kubectl
            .run(
                &["get", "deploy", "app", "-o", "jsonpath={.spec.replicas}"],
                None
            )
            .ok(),
        "6"
    );

    // Server-side apply: a conflict with another manager, then force.
    let ssa = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: one\n";
    kubectl
        .run(
            &["apply", "--server-side", "--field-manager=alice", "-f", "-"],
            Some(ssa),
        )
        .ok();
    let conflict = kubectl
        .run(
            &["apply", "--server-side", "--field-manager=bob", "-f", "-"],
            Some(&ssa.replace("one", "two")),
        )
        .fails();
    assert!(
        conflict.contains("conflict with \"alice\"") && conflict.contains(".data.k"),
        "{conflict}"
    );
    kubectl
        .run(
            &[
                "apply",
                "--server-side",
                "--field-manager=bob",
                "--force-conflicts",
                "-f",
                "-",
            ],
            Some(&ssa.replace("one", "two")),
        )
        .ok();
    assert_eq!(
        kubectl
            .run(&["get", "cm", "ssa", "-o", "jsonpath={.data.k}"], None)
            .ok(),
        "two"
    );
    let managed = kubectl
        .run(
            &[
                "get",
                "cm",
                "ssa",
                "--show-managed-fields",
                "-o",
                "jsonpath={.metadata.managedFields[*].manager}",
            ],
            None,
        )
        .ok();
    assert!(managed.contains("bob"), "{managed}");
}

/// Cascading deletion through kubectl: foreground waits for dependents, orphan keeps them,
/// background (the default) collects them after the owner is gone.
#[test]
fn cascading_deletion() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    let owner_with_children = |owner: &str| {
        kubectl
            .run(
                &["create", "-f", "-"],
                Some(&format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {owner}\n"
                )),
            )
            .ok();
        let uid = kubectl
            .run(
                &["get", "cm", owner, "-o", "jsonpath={.metadata.uid}"],
                None,
            )
            .ok();
        for child in ["a", "b"] {
            let manifest = format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {owner}-{child}\n  ownerReferences:\n  - {{apiVersion: v1, kind: ConfigMap, name: {owner}, uid: {uid}, blockOwnerDeletion: true}}\n"
            );
            kubectl.run(&["create", "-f", "-"], Some(&manifest)).ok();
        }
    };
    let names = || kubectl.run(&["get", "cm", "-o", "name"], None).ok();
    owner_with_children("fg");
    kubectl
        .run(
            &[
                "delete",
                "cm",
                "fg",
                "--cascade=foreground",
                "--timeout=30s",
            ],
            None,
        )
        .ok();
    let left = names();
    assert!(
        !left.contains("configmap/fg"),
        "the owner and its blocking dependents are gone: {left}"
    );
    owner_with_children("orphaner");
    kubectl
        .run(
            &[
                "delete",
                "cm",
                "orphaner",
                "--cascade=orphan",
                "--timeout=30s",
            ],
            None,
        )
        .ok();
    let left = names();
    assert!(
        left.contains("configmap/orphaner-a") && left.contains("configmap/orphaner-b"),
        "{left}"
    );
    let references = kubectl
        .run(
            &[
                "get",
                "cm",
                "orphaner-a",
                "-o",
                "jsonpath={.metadata.ownerReferences}",
            ],
            None,
        )
        .ok();
    assert!(references.is_empty(), "{references}");
    owner_with_children("bg");
    kubectl.run(&["delete", "cm", "bg"], None).ok();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while names().contains("configmap/bg-") {
        assert!(
            std::time::Instant::now() < deadline,
            "background dependents were not collected"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `auth whoami`, `auth can-i` (protobuf reviews), `create token` and using that token.
#[test]
fn identity_commands() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    let whoami = kubectl.run(&["auth", "whoami"], None).ok();
    assert!(
        whoami.contains("Username")
            && whoami.contains("admin")
            && whoami.contains("system:masters"),
        "{whoami}"
    );
    assert_eq!(
        kubectl
            .run(&["auth", "can-i", "create", "deployments"], None)
            .ok()
            .trim(),
        "yes"
    );
    kubectl
        .run(&["create", "serviceaccount", "robot"], None)
        .ok();
    let token = kubectl.run(&["create", "token", "robot"], None).ok();
    let token = token.trim();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    // The token alone (no client certificate) authenticates as the ServiceAccount.
    let ca = hub.data.path().join("pki/ca.crt");
    let ca = ca.to_str().unwrap();
    let server = hub.server();
    let as_robot = kubectl
        .run(
            &[
                "--kubeconfig=/dev/null",
                "--server",
                &server,
                "--certificate-authority",
                ca,
                "--token",
                token,
                "auth",
                "whoami",
            ],
            None,
        )
        .ok();
    assert!(
        as_robot.contains("system:serviceaccount:default:robot"),
        "{as_robot}"
    );
    // RBAC: the unbound ServiceAccount may not list pods until a RoleBinding grants `view`.
    let robot = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = [
            "--kubeconfig=/dev/null",
            "--server",
            &server,
            "--certificate-authority",
            ca,
            "--token",
            token,
        ]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
        all.extend(args.iter().map(|arg| arg.to_string()));
        all
    };
    let args = robot(&["get", "pods"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let denied = kubectl.run(&args, None).fails();
    assert!(
        denied.contains("Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:default:robot\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""),
        "{denied}"
    );
    let can_i = robot(&["auth", "can-i", "list", "pods"]);
    let can_i: Vec<&str> = can_i.iter().map(String::as_str).collect();
    let answer = kubectl.run(&can_i, None);
    assert_eq!((answer.code, answer.stdout.trim()), (1, "no"), "{answer:?}");
    kubectl
        .run(
            &[
                "create",
                "rolebinding",
                "robot-view",
                "--clusterrole=view",
                "--serviceaccount=default:robot",
            ],
            None,
        )
        .ok();
    assert_eq!(kubectl.run(&can_i, None).ok().trim(), "yes");
    kubectl.run(&args, None).ok();
    let write = robot(&["create", "configmap", "nope"]);
    let write: Vec<&str> = write.iter().map(String::as_str).collect();
    let refused = kubectl.run(&write, None).fails();
    assert!(
        refused.contains("configmaps is forbidden: User \"system:serviceaccount:default:robot\" cannot create resource \"configmaps\""),
        "{refused}"
    );
    // Impersonation: the admin acts as others and gets exactly their rights.
    let as_alice = kubectl.run(&["--as", "alice", "get", "pods"], None).fails();
    assert!(
        as_alice.contains("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""),
        "{as_alice}"
    );
    kubectl
        .run(
            &["--as", "system:serviceaccount:default:robot", "get", "pods"],
            None,
        )
        .ok();
    let who = kubectl
        .run(
            &["auth", "whoami", "--as", "bob", "--as-group", "devs"],
            None,
        )
        .ok();
    assert!(who.contains("bob") && who.contains("devs"), "{who}");
    // The unprivileged ServiceAccount may not impersonate.
    let as_other = robot(&["--as", "alice", "get", "pods"]);
    let as_other: Vec<&str> = as_other.iter().map(String::as_str).collect();
    let refused = kubectl.run(&as_other, None).fails();
    assert!(
        refused.contains("users \"alice\" is forbidden: User \"system:serviceaccount:default:robot\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"),
        "{refused}"
    );
    let bad = kubectl
        .run(
            &[
                "--kubeconfig=/dev/null",
                "--server",
                &server,
                "--certificate-authority",
                ca,
                "--token",
                "garbage",
                "get",
                "ns",
            ],
            None,
        )
        .fails();
    assert!(
        bad.contains("Unauthorized") || bad.contains("You must be logged in"),
        "{bad}"
    );
}
