//! What each `kubectl ws` command does, over one [`Session`]: the kubeconfig files, the
//! context worked on, and the hub it points at. The binary parses arguments and prints; the
//! messages are kcp's (`Current workspace is "root:acme".`).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::client::Hub;
use crate::kubeconfig::{KubeconfigFiles, Selection, cluster_of_server, locate, server_for};
use crate::path::{ROOT, WorkspacePath};
use crate::{Error, Result};

/// How long `create` waits for a new workspace to be ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the kubeconfig comes from: the flags and the environment, as the binary read them.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `$KUBECONFIG`.
    pub kubeconfig_env: Option<OsString>,
    /// `$HOME` (for `~/.kube/config`).
    pub home: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
}

/// The kubeconfig files, the selected context and its hub.
#[derive(Debug)]
pub struct Session {
    files: KubeconfigFiles,
    selection: Selection,
    server: String,
    hub: Hub,
}

/// The line `kubectl ws .` prints.
pub fn current_message(cluster: &str) -> String {
    format!("Current workspace is \"{cluster}\".")
}

impl Session {
    /// Loads the kubeconfig as `options` say and selects the context.
    pub async fn open(options: &Options) -> Result<Session> {
        let paths = locate(
            options.kubeconfig.as_deref(),
            options.kubeconfig_env.as_deref(),
            options.home.as_deref(),
        )?;
        let files = KubeconfigFiles::load(&paths)?;
        let selection = files.select(options.context.as_deref())?;
        let server = files.server(&selection)?;
        let hub = Hub::from_files(&paths, Some(&selection.context)).await?;
        Ok(Session {
            files,
            selection,
            server,
            hub,
        })
    }

    /// The hub.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The current logical cluster as the server URL names it (a path, or an id).
    pub fn current_cluster(&self) -> String {
        cluster_of_server(&self.server)
    }

    /// The current workspace's path (an error if the server URL names a cluster id).
    pub fn current(&self) -> Result<WorkspacePath> {
        let cluster = self.current_cluster();
        WorkspacePath::parse(&cluster).map_err(|_| Error::NotAPath(cluster))
    }

    /// Resolves a `kubectl ws` argument: `-` (the previous workspace), `.`, `..`, absolute or
    /// relative.
    pub fn resolve(&self, target: &str) -> Result<WorkspacePath> {
        if target == "-" {
            let previous = self
                .files
                .previous(&self.selection)
                .ok_or(Error::NoPrevious)?;
            return WorkspacePath::parse(&previous);
        }
        if target == ROOT || target.starts_with("root:") {
            return WorkspacePath::parse(target);
        }
        self.current()?.resolve(target)
    }

    /// Switches to `target` (see [`Session::resolve`]) after checking it can be entered;
    /// remembers the workspace left for `kubectl ws -`. Returns the line to print.
    pub async fn switch(&mut self, target: &str) -> Result<String> {
        let path = self.resolve(target)?;
        self.enter(&path).await
    }

    /// Switches to `path` after checking it can be entered.
    pub async fn enter(&mut self, path: &WorkspacePath) -> Result<String> {
        self.hub.check_enterable(path).await?;
        let current = self.current_cluster();
        let target = path.to_string();
        if target != current {
            let server = server_for(&self.server, &target);
            self.files.set_server(&self.selection, &server)?;
            self.files.set_previous(&self.selection, &current)?;
            self.files.save()?;
            self.server = server;
        }
        Ok(current_message(&target))
    }

    /// Creates workspace `name` in the current workspace and waits until it is ready (and
    /// enters it with `enter`), telling `say` what happens.
    pub async fn create(
        &mut self,
        name: &str,
        workspace_type: Option<&str>,
        ignore_existing: bool,
        enter: bool,
        say: &mut dyn FnMut(&str),
    ) -> Result<()> {
        let parent = self.current()?;
        let path = parent.child(name)?;
        match self.hub.create(&parent, name, workspace_type).await {
            Ok(workspace) => say(&format!(
                "Workspace \"{name}\" (type {}) created. Waiting for it to be ready...",
                workspace.workspace_type
            )),
            Err(Error::AlreadyExists(_)) if ignore_existing => {
                say(&format!("Workspace \"{name}\" already exists."));
            }
            Err(error) => return Err(error),
        }
        self.hub.wait_ready(&path, READY_TIMEOUT).await?;
        say(&format!("Workspace \"{name}\" is ready."));
        if enter {
            let line = self.enter(&path).await?;
            say(&line);
        }
        Ok(())
    }

    /// The tree of workspaces under the current one, drawn as kcp draws it (full paths with
    /// `full`, else names).
    pub async fn tree(&self, full: bool) -> Result<String> {
        let start = self.current()?;
        let mut children: BTreeMap<String, Vec<WorkspacePath>> = BTreeMap::new();
        let mut pending = vec![start.clone()];
        while let Some(path) = pending.pop() {
            let found = match self.hub.list(&path).await {
                Ok(found) => found,
                // A workspace below the start that this user may not look into (or that is
                // still initializing) is a leaf.
                Err(Error::Forbidden(_) | Error::NotFound(_)) if path != start => Vec::new(),
                Err(error) => return Err(error),
            };
            let mut below = Vec::new();
            for workspace in found {
                let child = path.child(&workspace.name)?;
                pending.push(child.clone());
                below.push(child);
            }
            children.insert(path.to_string(), below);
        }
        let label = |path: &WorkspacePath| {
            if full {
                path.to_string()
            } else {
                path.base().to_owned()
            }
        };
        let mut out = String::from(".\n");
        draw(&start, "", true, &children, &label, &mut out);
        Ok(out)
    }
}

/// Draws `path` and its subtree below `prefix`, treeprint style.
fn draw(
    path: &WorkspacePath,
    prefix: &str,
    last: bool,
    children: &BTreeMap<String, Vec<WorkspacePath>>,
    label: &dyn Fn(&WorkspacePath) -> String,
    out: &mut String,
) {
    out.push_str(prefix);
    out.push_str(if last { "└── " } else { "├── " });
    out.push_str(&label(path));
    out.push('\n');
    let below = format!("{prefix}{}", if last { "    " } else { "│   " });
    if let Some(kids) = children.get(&path.to_string()) {
        for (index, kid) in kids.iter().enumerate() {
            draw(kid, &below, index + 1 == kids.len(), children, label, out);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn draws_a_tree() {
        let path = |text: &str| WorkspacePath::parse(text).unwrap();
        let mut children = BTreeMap::new();
        children.insert(
            "root:acme".to_owned(),
            vec![path("root:acme:team-a"), path("root:acme:team-b")],
        );
        children.insert(
            "root:acme:team-a".to_owned(),
            vec![path("root:acme:team-a:dev")],
        );
        let mut out = String::from(".\n");
        let label = |p: &WorkspacePath| p.base().to_owned();
        draw(&path("root:acme"), "", true, &children, &label, &mut out);
        assert_eq!(
            out,
            ".\n└── acme\n    ├── team-a\n    │   └── dev\n    └── team-b\n"
        );
    }
}
