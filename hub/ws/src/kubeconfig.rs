//! The kubeconfig files as kubectl loads them, read as generic values so that writing one back
//! keeps every field this crate does not know.
//!
//! Which files: `--kubeconfig FILE` alone, else the `$KUBECONFIG` list (colon-separated; files
//! that do not exist are skipped, as kubectl does), else `~/.kube/config`. Merging follows
//! kubectl: the first file to set `current-context`, or to define a context or cluster by a
//! name, wins. A change goes to the file that defines what it changes: the server URL to the
//! file defining the cluster, the previous workspace to the file defining the context.
//!
//! The workspace is the `/clusters/<path>` suffix of the cluster's server URL (none means the
//! root); the previous one is kept in the context as the extension [`EXTENSION`]
//! (`{previous: <path>}`), for `kubectl ws -`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{Error, Result};

/// The name of the context extension that remembers the previous workspace.
pub const EXTENSION: &str = "nave.dev/workspace";

/// The files to load: `explicit` (`--kubeconfig`) alone, else the `$KUBECONFIG` list
/// (`env`) without missing files, else `<home>/.kube/config`.
pub fn locate(
    explicit: Option<&Path>,
    env: Option<&OsStr>,
    home: Option<&Path>,
) -> Result<Vec<PathBuf>> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(Error::NoKubeconfig(format!(
                "{} does not exist",
                path.display()
            )));
        }
        return Ok(vec![path.to_owned()]);
    }
    if let Some(env) = env {
        let mut listed: Vec<PathBuf> = Vec::new();
        for path in std::env::split_paths(env) {
            if !path.as_os_str().is_empty() && !listed.contains(&path) {
                listed.push(path);
            }
        }
        if !listed.is_empty() {
            let existing: Vec<PathBuf> = listed.iter().filter(|p| p.is_file()).cloned().collect();
            if existing.is_empty() {
                return Err(Error::NoKubeconfig(format!(
                    "none of the files in $KUBECONFIG exists ({})",
                    env.to_string_lossy()
                )));
            }
            return Ok(existing);
        }
    }
    let Some(home) = home else {
        return Err(Error::NoKubeconfig(
            "no --kubeconfig, $KUBECONFIG or $HOME".to_owned(),
        ));
    };
    let path = home.join(".kube").join("config");
    if !path.is_file() {
        return Err(Error::NoKubeconfig(format!(
            "{} does not exist (pass --kubeconfig or set $KUBECONFIG)",
            path.display()
        )));
    }
    Ok(vec![path])
}

/// The cluster path or id in a server URL: what follows `/clusters/`, else `root`.
pub fn cluster_of_server(server: &str) -> String {
    match server.find("/clusters/") {
        Some(at) => {
            let rest = &server[at + "/clusters/".len()..];
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match &rest[..end] {
                "" => crate::path::ROOT.to_owned(),
                cluster => cluster.to_owned(),
            }
        }
        None => crate::path::ROOT.to_owned(),
    }
}

/// The server URL without its `/clusters/…` suffix (and without a trailing `/`).
pub fn base_of_server(server: &str) -> &str {
    match server.find("/clusters/") {
        Some(at) => &server[..at],
        None => server.trim_end_matches('/'),
    }
}

/// `server` pointing at logical cluster `cluster` (a path or an id): its `/clusters/…` suffix
/// replaced, or appended if it has none.
pub fn server_for(server: &str, cluster: &str) -> String {
    format!("{}/clusters/{cluster}", base_of_server(server))
}

/// One loaded file.
#[derive(Debug, Clone)]
struct File {
    path: PathBuf,
    document: Value,
    changed: bool,
}

/// The context a command works on, and where its parts are defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The context's name.
    pub context: String,
    /// The name of the cluster it references.
    pub cluster: String,
    context_file: usize,
    cluster_file: usize,
}

/// The loaded kubeconfig files, in precedence order.
#[derive(Debug, Clone)]
pub struct KubeconfigFiles {
    files: Vec<File>,
}

impl KubeconfigFiles {
    /// Reads and parses `paths` (from [`locate`]).
    pub fn load(paths: &[PathBuf]) -> Result<KubeconfigFiles> {
        let mut documents = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
                action: "read",
                path: path.display().to_string(),
                source,
            })?;
            documents.push((path.clone(), parse(path, &text)?));
        }
        Ok(KubeconfigFiles::from_documents(documents))
    }

    /// Files already parsed (tests).
    pub fn from_documents(documents: Vec<(PathBuf, Value)>) -> KubeconfigFiles {
        KubeconfigFiles {
            files: documents
                .into_iter()
                .map(|(path, document)| File {
                    path,
                    document,
                    changed: false,
                })
                .collect(),
        }
    }

    /// The files, in precedence order.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(|file| file.path.clone()).collect()
    }

    /// The document of file `index` (tests and diagnostics).
    pub fn document(&self, index: usize) -> Option<&Value> {
        self.files.get(index).map(|file| &file.document)
    }

    /// The context `context` (else the current context) and its cluster.
    pub fn select(&self, context: Option<&str>) -> Result<Selection> {
        let context = match context {
            Some(name) => name.to_owned(),
            None => self
                .files
                .iter()
                .find_map(|file| {
                    file.document
                        .get("current-context")
                        .and_then(Value::as_str)
                        .filter(|name| !name.is_empty())
                })
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::Kubeconfig(
                        "the kubeconfig has no current context (pass --context NAME)".to_owned(),
                    )
                })?,
        };
        let (context_file, entry) = self
            .files
            .iter()
            .enumerate()
            .find_map(|(index, file)| {
                named(&file.document, "contexts", &context, "context").map(|entry| (index, entry))
            })
            .ok_or_else(|| {
                Error::Kubeconfig(format!("context {context:?} not found in the kubeconfig"))
            })?;
        let cluster = entry
            .get("cluster")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| Error::Kubeconfig(format!("context {context:?} names no cluster")))?
            .to_owned();
        let cluster_file = self
            .files
            .iter()
            .position(|file| named(&file.document, "clusters", &cluster, "cluster").is_some())
            .ok_or_else(|| {
                Error::Kubeconfig(format!(
                    "cluster {cluster:?} (of context {context:?}) not found in the kubeconfig"
                ))
            })?;
        Ok(Selection {
            context,
            cluster,
            context_file,
            cluster_file,
        })
    }

    /// The server URL of the selected cluster.
    pub fn server(&self, selection: &Selection) -> Result<String> {
        self.files
            .get(selection.cluster_file)
            .and_then(|file| named(&file.document, "clusters", &selection.cluster, "cluster"))
            .and_then(|cluster| cluster.get("server"))
            .and_then(Value::as_str)
            .filter(|server| !server.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::Kubeconfig(format!("cluster {:?} has no server", selection.cluster))
            })
    }

    /// Sets the server URL of the selected cluster.
    pub fn set_server(&mut self, selection: &Selection, server: &str) -> Result<()> {
        let file = self
            .files
            .get_mut(selection.cluster_file)
            .ok_or_else(|| Error::Kubeconfig("no such file".to_owned()))?;
        let cluster = named_mut(
            &mut file.document,
            "clusters",
            &selection.cluster,
            "cluster",
        )
        .ok_or_else(|| Error::Kubeconfig(format!("cluster {:?} not found", selection.cluster)))?;
        let object = as_object(cluster);
        if object.get("server").and_then(Value::as_str) != Some(server) {
            object.insert("server".to_owned(), Value::String(server.to_owned()));
            file.changed = true;
        }
        Ok(())
    }

    /// The previous workspace remembered in the selected context.
    pub fn previous(&self, selection: &Selection) -> Option<String> {
        let context = self
            .files
            .get(selection.context_file)
            .and_then(|file| named(&file.document, "contexts", &selection.context, "context"))?;
        context
            .get("extensions")?
            .as_array()?
            .iter()
            .find(|entry| entry.get("name").and_then(Value::as_str) == Some(EXTENSION))?
            .get("extension")?
            .get("previous")?
            .as_str()
            .filter(|previous| !previous.is_empty())
            .map(str::to_owned)
    }

    /// Remembers `previous` in the selected context.
    pub fn set_previous(&mut self, selection: &Selection, previous: &str) -> Result<()> {
        let file = self
            .files
            .get_mut(selection.context_file)
            .ok_or_else(|| Error::Kubeconfig("no such file".to_owned()))?;
        let context = named_mut(
            &mut file.document,
            "contexts",
            &selection.context,
            "context",
        )
        .ok_or_else(|| Error::Kubeconfig(format!("context {:?} not found", selection.context)))?;
        let extensions = as_object(context)
            .entry("extensions")
            .or_insert_with(|| Value::Array(Vec::new()));
        if !extensions.is_array() {
            *extensions = Value::Array(Vec::new());
        }
        let Value::Array(extensions) = extensions else {
            return Err(Error::Kubeconfig("extensions is not a list".to_owned()));
        };
        let value = serde_json::json!({ "previous": previous });
        match extensions
            .iter_mut()
            .find(|entry| entry.get("name").and_then(Value::as_str) == Some(EXTENSION))
        {
            Some(entry) => {
                if entry.get("extension") != Some(&value) {
                    as_object(entry).insert("extension".to_owned(), value);
                    file.changed = true;
                }
            }
            None => {
                extensions.push(serde_json::json!({ "name": EXTENSION, "extension": value }));
                file.changed = true;
            }
        }
        Ok(())
    }

    /// The YAML of file `index` as it would be written.
    pub fn render(&self, index: usize) -> Result<String> {
        let file = self
            .files
            .get(index)
            .ok_or_else(|| Error::Kubeconfig("no such file".to_owned()))?;
        render(&file.path, &file.document)
    }

    /// Writes back the files that changed (in place, so their mode and owner stay).
    pub fn save(&mut self) -> Result<()> {
        for index in 0..self.files.len() {
            if !self.files[index].changed {
                continue;
            }
            let text = self.render(index)?;
            let file = &mut self.files[index];
            std::fs::write(&file.path, text).map_err(|source| Error::Io {
                action: "write",
                path: file.path.display().to_string(),
                source,
            })?;
            file.changed = false;
        }
        Ok(())
    }
}

/// Parses one kubeconfig file (empty means no settings).
fn parse(path: &Path, text: &str) -> Result<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_saphyr::from_str(text).map_err(|error| Error::Parse {
        path: path.display().to_string(),
        message: error.to_string(),
    })?;
    match value {
        Value::Object(_) => Ok(value),
        Value::Null => Ok(Value::Object(Map::new())),
        _ => Err(Error::Parse {
            path: path.display().to_string(),
            message: "not a mapping".to_owned(),
        }),
    }
}

/// Renders a kubeconfig document as kubectl writes it (plain one-line scalars).
fn render(path: &Path, document: &Value) -> Result<String> {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(document, options).map_err(|error| Error::Render {
        path: path.display().to_string(),
        message: error.to_string(),
    })
}

/// The `field` object of the entry named `name` in the list `list` (`clusters`/`cluster`,
/// `contexts`/`context`).
fn named<'a>(document: &'a Value, list: &str, name: &str, field: &str) -> Option<&'a Value> {
    document
        .get(list)?
        .as_array()?
        .iter()
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(name))?
        .get(field)
}

/// [`named`], mutable; creates the `field` object if the entry has none.
fn named_mut<'a>(
    document: &'a mut Value,
    list: &str,
    name: &str,
    field: &str,
) -> Option<&'a mut Value> {
    let entry = document
        .get_mut(list)?
        .as_array_mut()?
        .iter_mut()
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(name))?;
    Some(
        as_object(entry)
            .entry(field)
            .or_insert_with(|| Value::Object(Map::new())),
    )
}

/// `value` as an object, replacing anything else (null) with an empty one.
fn as_object(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    match value {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const ADMIN: &str = "\
apiVersion: v1
kind: Config
clusters:
- name: nave
  cluster:
    server: https://127.0.0.1:6443/clusters/root
    certificate-authority-data: QUJD
    tls-server-name: hub.example
contexts:
- name: admin@nave
  context:
    cluster: nave
    user: admin
    namespace: default
current-context: admin@nave
preferences: {}
users:
- name: admin
  user:
    token: \"0123\"
    x-unknown: yes
";

    #[test]
    fn server_urls() {
        assert_eq!(cluster_of_server("https://h:6443"), "root");
        assert_eq!(cluster_of_server("https://h:6443/"), "root");
        assert_eq!(
            cluster_of_server("https://h:6443/clusters/root:a"),
            "root:a"
        );
        assert_eq!(cluster_of_server("https://h/clusters/root:a/"), "root:a");
        assert_eq!(cluster_of_server("https://h/clusters/"), "root");
        assert_eq!(
            server_for("https://h:6443", "root:acme"),
            "https://h:6443/clusters/root:acme"
        );
        assert_eq!(
            server_for("https://h:6443/", "root:acme"),
            "https://h:6443/clusters/root:acme"
        );
        assert_eq!(
            server_for("https://h:6443/clusters/root:acme:x", "root"),
            "https://h:6443/clusters/root"
        );
        assert_eq!(
            server_for("https://h/proxy/clusters/abc123", "root:b"),
            "https://h/proxy/clusters/root:b"
        );
        assert_eq!(
            base_of_server("https://h/proxy/clusters/x"),
            "https://h/proxy"
        );
    }

    fn one(text: &str) -> KubeconfigFiles {
        let path = PathBuf::from("/k/config");
        KubeconfigFiles::from_documents(vec![(path.clone(), parse(&path, text).unwrap())])
    }

    #[test]
    fn rewrites_the_server_and_keeps_everything_else() {
        let mut files = one(ADMIN);
        let selection = files.select(None).unwrap();
        assert_eq!(selection.context, "admin@nave");
        assert_eq!(selection.cluster, "nave");
        let server = files.server(&selection).unwrap();
        assert_eq!(cluster_of_server(&server), "root");
        files
            .set_server(&selection, &server_for(&server, "root:acme"))
            .unwrap();
        files.set_previous(&selection, "root").unwrap();
        let text = files.render(0).unwrap();
        let reparsed = parse(Path::new("x"), &text).unwrap();
        let mut expected = parse(Path::new("x"), ADMIN).unwrap();
        expected["clusters"][0]["cluster"]["server"] =
            Value::from("https://127.0.0.1:6443/clusters/root:acme");
        expected["contexts"][0]["context"]["extensions"] = serde_json::json!([
            {"name": EXTENSION, "extension": {"previous": "root"}}
        ]);
        assert_eq!(reparsed, expected, "{text}");
        // Strings that look like other scalars stay strings.
        assert_eq!(reparsed["users"][0]["user"]["token"], "0123");
        assert_eq!(reparsed["users"][0]["user"]["x-unknown"], true);
        // And kube-rs reads the result.
        let parsed = kube::config::Kubeconfig::from_yaml(&text).unwrap();
        assert_eq!(parsed.contexts.len(), 1);

        let again = one(&text);
        let selection = again.select(None).unwrap();
        assert_eq!(again.previous(&selection).as_deref(), Some("root"));
    }

    #[test]
    fn appends_a_cluster_path_to_a_bare_server() {
        let mut files = one(&ADMIN.replace("https://127.0.0.1:6443/clusters/root", "https://h:1/"));
        let selection = files.select(None).unwrap();
        let server = files.server(&selection).unwrap();
        assert_eq!(cluster_of_server(&server), "root");
        files
            .set_server(&selection, &server_for(&server, "root:a"))
            .unwrap();
        assert_eq!(
            files.server(&selection).unwrap(),
            "https://h:1/clusters/root:a"
        );
    }

    #[test]
    fn updates_an_existing_extension_and_keeps_others() {
        let text = ADMIN.replace(
            "    namespace: default\n",
            "    namespace: default\n    extensions:\n    - name: other\n      extension: {a: 1}\n    - name: nave.dev/workspace\n      extension: {previous: root:x}\n",
        );
        let mut files = one(&text);
        let selection = files.select(None).unwrap();
        assert_eq!(files.previous(&selection).as_deref(), Some("root:x"));
        files.set_previous(&selection, "root:y").unwrap();
        let extensions = &files.document(0).unwrap()["contexts"][0]["context"]["extensions"];
        assert_eq!(
            extensions,
            &serde_json::json!([
                {"name": "other", "extension": {"a": 1}},
                {"name": EXTENSION, "extension": {"previous": "root:y"}},
            ])
        );
    }

    #[test]
    fn missing_pieces_are_errors() {
        let files = one("apiVersion: v1\nkind: Config\n");
        assert!(
            files
                .select(None)
                .unwrap_err()
                .to_string()
                .contains("no current context")
        );
        let files = one(ADMIN);
        assert!(
            files
                .select(Some("nope"))
                .unwrap_err()
                .to_string()
                .contains("context \"nope\" not found")
        );
        let files = one(&ADMIN.replace("    cluster: nave\n", "    cluster: gone\n"));
        assert!(
            files
                .select(None)
                .unwrap_err()
                .to_string()
                .contains("cluster \"gone\"")
        );
        assert!(parse(Path::new("x"), "[1, 2]").is_err());
        assert!(parse(Path::new("x"), "a: [").is_err());
        assert!(parse(Path::new("x"), "").unwrap().is_object());
    }

    /// Two files, as `KUBECONFIG=a:b`: the context comes from the first, its cluster is
    /// defined only in the second, so the server change goes to the second and the previous
    /// workspace to the first.
    #[test]
    fn multiple_files_change_where_things_are_defined() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a");
        let second = dir.path().join("b");
        std::fs::write(
            &first,
            "apiVersion: v1\nkind: Config\ncurrent-context: ws\ncontexts:\n- name: ws\n  context: {cluster: nave, user: admin}\n",
        )
        .unwrap();
        std::fs::write(&second, ADMIN).unwrap();
        let env = std::env::join_paths([&first, &dir.path().join("missing"), &second]).unwrap();
        let paths = locate(None, Some(&env), None).unwrap();
        assert_eq!(paths, vec![first.clone(), second.clone()]);
        let mut files = KubeconfigFiles::load(&paths).unwrap();
        let selection = files.select(None).unwrap();
        assert_eq!(selection.context, "ws");
        let server = files.server(&selection).unwrap();
        files
            .set_server(&selection, &server_for(&server, "root:acme"))
            .unwrap();
        files.set_previous(&selection, "root").unwrap();
        files.save().unwrap();

        let a = std::fs::read_to_string(&first).unwrap();
        let b = std::fs::read_to_string(&second).unwrap();
        assert!(
            !a.contains("clusters/root:acme") && a.contains(EXTENSION),
            "{a}"
        );
        assert!(
            b.contains("clusters/root:acme") && !b.contains(EXTENSION),
            "{b}"
        );
        // The other context in the second file keeps its own settings.
        assert!(b.contains("namespace: default"), "{b}");

        // With --kubeconfig only that file counts: its own context and cluster.
        let paths = locate(Some(&second), Some(&env), None).unwrap();
        assert_eq!(paths, vec![second.clone()]);
        let files = KubeconfigFiles::load(&paths).unwrap();
        let selection = files.select(None).unwrap();
        assert_eq!(selection.context, "admin@nave");
        assert_eq!(files.previous(&selection), None);
    }

    #[test]
    fn locating_files() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        assert!(locate(Some(&missing), None, None).is_err());
        let env = missing.clone().into_os_string();
        let error = locate(None, Some(&env), None).unwrap_err().to_string();
        assert!(error.contains("$KUBECONFIG"), "{error}");
        // An empty $KUBECONFIG falls back to the home directory.
        let home = dir.path();
        assert!(locate(None, Some(OsStr::new("")), Some(home)).is_err());
        std::fs::create_dir_all(home.join(".kube")).unwrap();
        std::fs::write(home.join(".kube/config"), ADMIN).unwrap();
        assert_eq!(
            locate(None, Some(OsStr::new("")), Some(home)).unwrap(),
            vec![home.join(".kube/config")]
        );
    }
}
