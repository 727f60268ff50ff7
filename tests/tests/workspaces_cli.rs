//! Workspaces from the command line against a real `nave serve`: the `kubectl ws` plugin run
//! through the real kubectl (create, `--enter`, tree, absolute, relative, `..`, `-`, errors),
//! with the kubeconfig from `--kubeconfig` and from a two-file `$KUBECONFIG` alike; and
//! `nave workspace create|list|delete`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tests::{Hub, Output, kubectl_binary, nave_binary, run_nave};

/// kubectl with the freshly built `kubectl-ws` first on its PATH, and its own home and cache.
struct Plugin {
    kubectl: PathBuf,
    path: OsString,
    home: tempfile::TempDir,
}

impl Plugin {
    /// `None` when kubectl is missing (outside CI).
    fn new() -> Option<Plugin> {
        let kubectl = kubectl_binary()?;
        let profile_dir = nave_binary().parent().unwrap().to_path_buf();
        assert!(
            profile_dir.join("kubectl-ws").exists(),
            "{} does not exist: build it first with `cargo build --workspace --bins` (`just test` does)",
            profile_dir.join("kubectl-ws").display()
        );
        let mut dirs = vec![profile_dir];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        Some(Plugin {
            kubectl,
            path: std::env::join_paths(dirs).unwrap(),
            home: tempfile::tempdir().unwrap(),
        })
    }

    /// Runs kubectl with `args` and `$KUBECONFIG` set to `kubeconfig` (one file or a list).
    fn run(&self, kubeconfig: &OsString, args: &[&str]) -> Output {
        let output = Command::new(&self.kubectl)
            .args(args)
            .env("PATH", &self.path)
            .env("KUBECONFIG", kubeconfig)
            .env("HOME", self.home.path())
            .env("KUBECACHEDIR", self.home.path().join("cache"))
            .stdin(Stdio::null())
            .output()
            .expect("run kubectl");
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

fn current(workspace: &str) -> String {
    format!("Current workspace is \"{workspace}\".\n")
}

/// The server URL of the first cluster of a kubeconfig file.
fn server_in(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .find_map(|line| line.trim().strip_prefix("server: "))
        .map(|server| server.trim_matches('"').to_owned())
        .unwrap_or_else(|| panic!("no server in {}:\n{text}", path.display()))
}

/// Asserts a one-line error on stderr containing `needle`.
fn one_line_error(output: Output, needle: &str) {
    let stderr = output.fails();
    assert!(stderr.contains(needle), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn kubectl_ws_switches_creates_and_lists() {
    let hub = Hub::start(&[]);
    let Some(plugin) = Plugin::new() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.kubeconfig");
    std::fs::copy(&hub.kubeconfig, &main).unwrap();
    let env = main.clone().into_os_string();
    let ws = |args: &[&str]| {
        let mut all = vec!["ws"];
        all.extend_from_slice(args);
        plugin.run(&env, &all)
    };

    // Where we are.
    assert_eq!(ws(&[]).ok(), current("root"));
    assert_eq!(ws(&["."]).ok(), current("root"));
    assert_eq!(ws(&["current"]).ok(), current("root"));
    one_line_error(ws(&["-"]), "no previous workspace");

    // Create and enter.
    let created = ws(&["create", "acme", "--enter"]).ok();
    assert_eq!(
        created,
        "Workspace \"acme\" (type universal) created. Waiting for it to be ready...\n\
         Workspace \"acme\" is ready.\n\
         Current workspace is \"root:acme\".\n"
    );
    assert!(
        server_in(&main).ends_with("/clusters/root:acme"),
        "{}",
        server_in(&main)
    );
    let namespaces = plugin.run(&env, &["get", "namespaces", "-o", "name"]).ok();
    assert!(namespaces.contains("namespace/default"), "{namespaces}");
    plugin
        .run(&env, &["create", "configmap", "marker", "-n", "default"])
        .ok();

    // Children without entering; a type; an existing name.
    let created = ws(&["create", "team-a"]).ok();
    assert!(
        created.ends_with("Workspace \"team-a\" is ready.\n"),
        "{created}"
    );
    let created = ws(&["create", "team-b", "--type", "special"]).ok();
    assert!(created.contains("(type special) created"), "{created}");
    assert_eq!(ws(&["."]).ok(), current("root:acme"));
    one_line_error(ws(&["create", "team-a"]), "already exists");
    let again = ws(&["create", "team-a", "--ignore-existing"]).ok();
    assert!(again.contains("already exists"), "{again}");
    one_line_error(ws(&["create", "Team_A"]), "invalid workspace name");

    // The tree under the current workspace, and from the root with full paths.
    assert_eq!(
        ws(&["tree"]).ok(),
        ".\n└── acme\n    ├── team-a\n    └── team-b\n"
    );

    // Relative, parent, previous, sibling.
    assert_eq!(ws(&["team-a"]).ok(), current("root:acme:team-a"));
    let configmaps = plugin.run(&env, &["get", "configmaps", "-n", "default"]);
    assert!(!configmaps.stdout.contains("marker"), "{configmaps:?}");
    assert_eq!(ws(&[".."]).ok(), current("root:acme"));
    assert_eq!(ws(&["-"]).ok(), current("root:acme:team-a"));
    assert_eq!(ws(&["-"]).ok(), current("root:acme"));
    assert_eq!(ws(&["team-a"]).ok(), current("root:acme:team-a"));
    assert_eq!(ws(&["..:team-b"]).ok(), current("root:acme:team-b"));

    // Absolute.
    assert_eq!(ws(&["root"]).ok(), current("root"));
    assert_eq!(
        ws(&["tree", "--full"]).ok(),
        ".\n└── root\n    └── root:acme\n        ├── root:acme:team-a\n        └── root:acme:team-b\n"
    );
    one_line_error(ws(&[".."]), "no parent");
    assert_eq!(ws(&["use", "root:acme"]).ok(), current("root:acme"));
    let marker = plugin.run(&env, &["get", "configmap", "marker", "-n", "default"]);
    assert_eq!(marker.code, 0, "{marker:?}");

    // Unknown workspaces and bad arguments leave the kubeconfig alone.
    let before = std::fs::read_to_string(&main).unwrap();
    one_line_error(ws(&["nope"]), "workspace \"root:acme:nope\" not found");
    one_line_error(ws(&["root:nope:deeper"]), "not found");
    one_line_error(
        ws(&["use", "root:nope"]),
        "workspace \"root:nope\" not found",
    );
    one_line_error(ws(&["Bad_Name"]), "invalid workspace name");
    one_line_error(ws(&["--bogus"]), "unexpected argument '--bogus'");
    one_line_error(ws(&["use"]), "required");
    one_line_error(
        ws(&["--context", "nope", "."]),
        "context \"nope\" not found",
    );
    assert_eq!(std::fs::read_to_string(&main).unwrap(), before);
    assert_eq!(ws(&["."]).ok(), current("root:acme"));

    // kubectl still reads the rewritten kubeconfig, extension and all.
    let view = plugin.run(&env, &["config", "view"]).ok();
    assert!(view.contains("nave.dev/workspace"), "{view}");
}

#[test]
fn kubeconfig_flag_and_env_list_behave_alike() {
    let hub = Hub::start(&[]);
    let Some(plugin) = Plugin::new() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.kubeconfig");
    let flag = dir.path().join("flag.kubeconfig");
    std::fs::copy(&hub.kubeconfig, &main).unwrap();
    std::fs::copy(&hub.kubeconfig, &flag).unwrap();
    let main_env = main.clone().into_os_string();
    let flag_str = flag.to_str().unwrap();
    assert!(
        plugin
            .run(&main_env, &["ws", "create", "acme"])
            .ok()
            .contains("is ready")
    );

    // --kubeconfig: that file alone is read and changed, whatever $KUBECONFIG says.
    assert_eq!(
        plugin
            .run(&main_env, &["ws", "--kubeconfig", flag_str, "acme"])
            .ok(),
        current("root:acme")
    );
    assert!(server_in(&flag).ends_with("/clusters/root:acme"));
    assert!(server_in(&main).ends_with("/clusters/root"));
    assert_eq!(
        plugin
            .run(&main_env, &["ws", ".", "--kubeconfig", flag_str])
            .ok(),
        current("root:acme")
    );
    assert_eq!(plugin.run(&main_env, &["ws", "."]).ok(), current("root"));
    let namespaces = plugin
        .run(
            &main_env,
            &["get", "ns", "--kubeconfig", flag_str, "-o", "name"],
        )
        .ok();
    assert!(namespaces.contains("namespace/kube-system"), "{namespaces}");
    assert_eq!(
        plugin
            .run(&main_env, &["ws", "--kubeconfig", flag_str, "-"])
            .ok(),
        current("root")
    );
    one_line_error(
        plugin.run(
            &main_env,
            &["ws", "--kubeconfig", "/nonexistent/kubeconfig", "."],
        ),
        "does not exist",
    );

    // $KUBECONFIG with two files: the first holds only the current context, which names the
    // cluster (and user) the second defines. The server changes in the second file, the
    // previous workspace is kept in the first.
    let text = std::fs::read_to_string(&main).unwrap();
    let cluster = hub_entry_name(&text, "clusters");
    let user = hub_entry_name(&text, "users");
    let first = dir.path().join("first.kubeconfig");
    std::fs::write(
        &first,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: work\ncontexts:\n- name: work\n  context:\n    cluster: {cluster}\n    user: {user}\n    namespace: kube-system\n"
        ),
    )
    .unwrap();
    let list = std::env::join_paths([&first, &main]).unwrap();
    assert_eq!(plugin.run(&list, &["ws"]).ok(), current("root"));
    assert_eq!(
        plugin.run(&list, &["ws", "acme"]).ok(),
        current("root:acme")
    );
    assert!(server_in(&main).ends_with("/clusters/root:acme"));
    let first_text = std::fs::read_to_string(&first).unwrap();
    assert!(
        first_text.contains("nave.dev/workspace") && first_text.contains("previous: root"),
        "{first_text}"
    );
    assert!(
        first_text.contains("namespace: kube-system"),
        "{first_text}"
    );
    assert!(
        !std::fs::read_to_string(&main)
            .unwrap()
            .contains("nave.dev/workspace")
    );
    // kubectl merges the same files and lands in the same workspace (in the first file's
    // namespace).
    plugin
        .run(&list, &["create", "configmap", "list-marker"])
        .ok();
    let marker = [
        "get",
        "configmap",
        "list-marker",
        "-n",
        "kube-system",
        "-o",
        "name",
    ];
    assert_eq!(
        plugin.run(&main_env, &marker).ok(),
        "configmap/list-marker\n"
    );
    assert_eq!(plugin.run(&list, &["ws", "-"]).ok(), current("root"));
    let stderr = plugin.run(&list, &marker).fails();
    assert!(
        stderr.contains("NotFound") || stderr.contains("not found"),
        "{stderr}"
    );
    assert_eq!(plugin.run(&list, &["ws", "-"]).ok(), current("root:acme"));
    // The flag pointed at the second file sees the same cluster.
    assert_eq!(
        plugin
            .run(&list, &["ws", "--kubeconfig", main.to_str().unwrap(), "."])
            .ok(),
        current("root:acme")
    );
    // --context picks the second file's own context: same cluster, its own previous (none).
    let context = hub_entry_name(&text, "contexts");
    assert_eq!(
        plugin.run(&list, &["ws", "--context", &context, "."]).ok(),
        current("root:acme")
    );
    one_line_error(
        plugin.run(&list, &["ws", "--context", &context, "-"]),
        "no previous workspace",
    );
    one_line_error(plugin.run(&list, &["ws", "nope"]), "not found");

    // A $KUBECONFIG list whose files are all missing.
    let missing = dir.path().join("missing").into_os_string();
    one_line_error(plugin.run(&missing, &["ws"]), "$KUBECONFIG");

    // A user who may not read the Workspace objects in root but is bound in root:acme enters
    // it (the check falls back to the workspace's own API), and nothing else.
    let alice = dir.path().join("alice.kubeconfig");
    let (code, text) = run_nave(&[
        "kubeconfig",
        "create",
        "--data-dir",
        hub.data.path().to_str().unwrap(),
        "--user",
        "alice",
        "-o",
        alice.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{text}");
    plugin
        .run(&main_env, &["ws", "--kubeconfig", flag_str, "root:acme"])
        .ok();
    plugin
        .run(
            &main_env,
            &[
                "create",
                "clusterrolebinding",
                "alice-admin",
                "--clusterrole=cluster-admin",
                "--user=alice",
                "--kubeconfig",
                flag_str,
            ],
        )
        .ok();
    let alice_env = alice.into_os_string();
    assert_eq!(plugin.run(&alice_env, &["ws"]).ok(), current("root"));
    one_line_error(
        plugin.run(&alice_env, &["ws", "root:nope"]),
        "workspace \"root:nope\" not found or access denied",
    );
    assert_eq!(
        plugin.run(&alice_env, &["ws", "acme"]).ok(),
        current("root:acme")
    );
    let namespaces = plugin.run(&alice_env, &["get", "ns", "-o", "name"]).ok();
    assert!(namespaces.contains("namespace/default"), "{namespaces}");
    assert_eq!(plugin.run(&alice_env, &["ws", ".."]).ok(), current("root"));
}

/// The name of the first entry of `list` (`clusters`, `users`, `contexts`) in the hub's
/// admin kubeconfig.
fn hub_entry_name(kubeconfig: &str, list: &str) -> String {
    let parsed = kube::config::Kubeconfig::from_yaml(kubeconfig).unwrap();
    match list {
        "clusters" => parsed.clusters[0].name.clone(),
        "users" => parsed.auth_infos[0].name.clone(),
        "contexts" => parsed.contexts[0].name.clone(),
        other => panic!("no list {other}"),
    }
}

#[test]
fn nave_workspace_create_list_delete() {
    let hub = Hub::start(&[]);
    let data = hub.data.path().to_str().unwrap();
    let nave = |args: &[&str]| {
        let mut all = vec!["workspace"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", data]);
        run_nave(&all)
    };
    let ok = |(code, text): (Option<i32>, String)| {
        assert_eq!(code, Some(0), "{text}");
        text
    };
    let fails = |(code, text): (Option<i32>, String), needle: &str| {
        assert_eq!(code, Some(1), "{text}");
        assert!(text.contains(needle), "{text}");
        assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    };

    let created = ok(nave(&["create", "acme"]));
    assert!(
        created.starts_with("workspace root:acme (type universal) created: https://")
            && created.trim_end().ends_with("/clusters/root:acme"),
        "{created}"
    );
    ok(nave(&[
        "create",
        "team-a",
        "--parent",
        "root:acme",
        "--type",
        "special",
    ]));
    fails(nave(&["create", "acme"]), "already exists");
    fails(nave(&["create", "Bad_Name"]), "invalid workspace name");
    fails(nave(&["create", "x", "--parent", "acme"]), "--parent");

    let table = ok(nave(&["list"]));
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["NAME", "TYPE", "PHASE", "URL"], "{table}");
    assert_eq!(lines.len(), 2, "{table}");
    assert_eq!(lines[1][..3], ["acme", "universal", "Ready"], "{table}");
    assert!(lines[1][3].ends_with("/clusters/root:acme"), "{table}");
    let table = ok(nave(&["list", "--parent", "root:acme"]));
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[..3], ["team-a", "special", "Ready"], "{table}");
    assert!(row[3].ends_with("/clusters/root:acme:team-a"), "{table}");
    fails(nave(&["list", "--parent", "root:nope"]), "not found");

    let deleted = ok(nave(&["delete", "team-a", "--parent", "root:acme"]));
    assert_eq!(deleted.trim_end(), "workspace root:acme:team-a deleted");
    assert!(ok(nave(&["list", "--parent", "root:acme"])).contains("No workspaces"));
    ok(nave(&["delete", "acme"]));
    assert!(ok(nave(&["list"])).contains("No workspaces in root"));
    fails(nave(&["delete", "acme"]), "not found");
    // The same name again is a fresh workspace.
    ok(nave(&["create", "acme"]));
    assert!(ok(nave(&["list", "--parent", "root:acme"])).contains("No workspaces"));

    // Without a running hub's data directory.
    let empty = tempfile::tempdir().unwrap();
    let (code, text) = run_nave(&[
        "workspace",
        "list",
        "--data-dir",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("admin.kubeconfig"), "{text}");
}

#[test]
fn a_hub_restart_keeps_every_workspace_and_its_contents() {
    let hub = Hub::start(&[]);
    let data = hub.data.path().to_str().unwrap().to_owned();
    let nave = |args: &[&str]| {
        let mut all = vec!["workspace"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", &data]);
        let (code, text) = run_nave(&all);
        assert_eq!(code, Some(0), "{text}");
        text
    };
    nave(&["create", "acme"]);
    nave(&["create", "team", "--parent", "root:acme"]);
    let Some(kubectl) = kubectl_binary() else {
        return;
    };
    let base = hub.server().replace("/clusters/root", "");
    let kubectl_at = |kubeconfig: &Path, server: &str, args: &[&str]| {
        let output = Command::new(&kubectl)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .arg("--server")
            .arg(server)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    kubectl_at(
        &hub.kubeconfig,
        &format!("{base}/clusters/root:acme:team"),
        &["create", "configmap", "kept", "--from-literal=a=b"],
    );

    let (code, data_dir) = hub.stop("TERM");
    assert_eq!(code, Some(0));
    let hub = Hub::start_in(data_dir, &[]);
    let base = hub.server().replace("/clusters/root", "");
    assert!(nave(&["list"]).contains("acme"));
    assert!(nave(&["list", "--parent", "root:acme"]).contains("team"));
    let kept = kubectl_at(
        &hub.kubeconfig,
        &format!("{base}/clusters/root:acme:team"),
        &["get", "configmap", "kept", "-o", "jsonpath={.data.a}"],
    );
    assert_eq!(kept, "b");
}
