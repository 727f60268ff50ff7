//! The hub's `Workspace` API (`tenancy.nave.dev/v1alpha1`, cluster-scoped, in the parent
//! workspace) through kube-rs, as `DynamicObject`s: one [`Hub`] holds the kube-rs `Config` of a
//! kubeconfig context and makes a client per logical cluster by pointing the server URL at
//! `/clusters/<path>`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use serde_json::Value;

use crate::kubeconfig::base_of_server;
use crate::path::WorkspacePath;
use crate::{Error, Result};

/// The API group of workspaces.
pub const GROUP: &str = "tenancy.nave.dev";
/// Its version.
pub const VERSION: &str = "v1alpha1";
/// The kind.
pub const KIND: &str = "Workspace";
/// The resource.
pub const PLURAL: &str = "workspaces";
/// The type a workspace gets when none is asked for.
pub const DEFAULT_TYPE: &str = "universal";
/// The phase of a workspace that can be entered.
pub const READY: &str = "Ready";

/// The `Workspace` resource for kube-rs.
pub fn workspace_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(GROUP, VERSION, KIND), PLURAL)
}

/// What `kubectl ws` needs of a Workspace object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// Its name (in the parent).
    pub name: String,
    /// `spec.type`.
    pub workspace_type: String,
    /// `status.phase` (empty before the hub set one).
    pub phase: String,
    /// `status.cluster`: the logical cluster id.
    pub cluster: String,
    /// `status.url`.
    pub url: String,
    /// Whether it is being deleted.
    pub deleting: bool,
}

impl Workspace {
    /// Reads the fields out of an object.
    pub fn from_object(object: &DynamicObject) -> Workspace {
        let text = |section: &str, field: &str| {
            object
                .data
                .get(section)
                .and_then(|value| value.get(field))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let workspace_type = text("spec", "type");
        Workspace {
            name: object.metadata.name.clone().unwrap_or_default(),
            workspace_type: if workspace_type.is_empty() {
                DEFAULT_TYPE.to_owned()
            } else {
                workspace_type
            },
            phase: text("status", "phase"),
            cluster: text("status", "cluster"),
            url: text("status", "url"),
            deleting: object.metadata.deletion_timestamp.is_some(),
        }
    }

    /// Whether it can be entered.
    pub fn is_ready(&self) -> bool {
        self.phase == READY && !self.deleting
    }
}

/// The hub as one kubeconfig context's user sees it.
#[derive(Debug, Clone)]
pub struct Hub {
    config: kube::Config,
    base: String,
}

impl Hub {
    /// The hub of context `context` (else the current one) in the kubeconfig `files`, merged
    /// as kubectl merges them.
    pub async fn from_files(files: &[PathBuf], context: Option<&str>) -> Result<Hub> {
        let mut merged: Option<kube::config::Kubeconfig> = None;
        for path in files {
            let next = kube::config::Kubeconfig::read_from(path)
                .map_err(|error| Error::Config(format!("{}: {error}", path.display())))?;
            merged = Some(match merged {
                Some(merged) => merged
                    .merge(next)
                    .map_err(|error| Error::Config(error.to_string()))?,
                None => next,
            });
        }
        let kubeconfig =
            merged.ok_or_else(|| Error::NoKubeconfig("no kubeconfig files".to_owned()))?;
        let options = kube::config::KubeConfigOptions {
            context: context.map(str::to_owned),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|error| Error::Config(error.to_string()))?;
        Ok(Hub::from_config(config))
    }

    /// The hub a kube-rs `Config` points at (any `/clusters/…` suffix is ignored).
    pub fn from_config(config: kube::Config) -> Hub {
        let server = config.cluster_url.to_string();
        let base = base_of_server(&server).to_owned();
        Hub { config, base }
    }

    /// The hub's URL without a cluster path.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The URL of logical cluster `cluster` (a path or an id).
    pub fn url(&self, cluster: &str) -> String {
        format!("{}/clusters/{cluster}", self.base)
    }

    /// A client for logical cluster `cluster` (a path or an id).
    pub fn client(&self, cluster: &str) -> Result<kube::Client> {
        let mut config = self.config.clone();
        let url = self.url(cluster);
        config.cluster_url = url
            .parse()
            .map_err(|error| Error::Config(format!("invalid server URL {url:?}: {error}")))?;
        kube::Client::try_from(config)
            .map_err(|error| Error::Config(format!("cannot build a client: {error}")))
    }

    fn workspaces(&self, parent: &WorkspacePath) -> Result<Api<DynamicObject>> {
        Ok(Api::all_with(
            self.client(&parent.to_string())?,
            &workspace_resource(),
        ))
    }

    /// The Workspace object of `path` in its parent; `None` if there is none.
    pub async fn get(&self, path: &WorkspacePath) -> Result<Option<Workspace>> {
        let parent = path.parent().ok_or_else(|| Error::Api {
            context: "the root workspace".to_owned(),
            message: "has no Workspace object".to_owned(),
        })?;
        match self.workspaces(&parent)?.get(path.base()).await {
            Ok(object) => Ok(Some(Workspace::from_object(&object))),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
            Err(kube::Error::Api(status)) if status.code == 403 => {
                Err(Error::Forbidden(path.to_string()))
            }
            Err(error) => Err(api_error(format!("cannot get workspace {path}"), &error)),
        }
    }

    /// The workspaces directly under `parent`, by name.
    pub async fn list(&self, parent: &WorkspacePath) -> Result<Vec<Workspace>> {
        match self.workspaces(parent)?.list(&ListParams::default()).await {
            Ok(list) => {
                let mut workspaces: Vec<Workspace> =
                    list.items.iter().map(Workspace::from_object).collect();
                workspaces.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(workspaces)
            }
            Err(kube::Error::Api(status)) if status.code == 404 => {
                Err(Error::NotFound(parent.to_string()))
            }
            Err(kube::Error::Api(status)) if status.code == 403 => {
                Err(Error::Forbidden(parent.to_string()))
            }
            Err(error) => Err(api_error(
                format!("cannot list the workspaces in {parent}"),
                &error,
            )),
        }
    }

    /// Creates workspace `name` of type `workspace_type` (else the hub's default) in `parent`.
    pub async fn create(
        &self,
        parent: &WorkspacePath,
        name: &str,
        workspace_type: Option<&str>,
    ) -> Result<Workspace> {
        let path = parent.child(name)?;
        let mut object = DynamicObject::new(name, &workspace_resource());
        object.data = match workspace_type {
            Some(workspace_type) => serde_json::json!({ "spec": { "type": workspace_type } }),
            None => serde_json::json!({ "spec": {} }),
        };
        match self
            .workspaces(parent)?
            .create(&PostParams::default(), &object)
            .await
        {
            Ok(object) => Ok(Workspace::from_object(&object)),
            Err(kube::Error::Api(status)) if status.code == 409 => {
                Err(Error::AlreadyExists(path.to_string()))
            }
            Err(kube::Error::Api(status)) if status.code == 404 => {
                Err(Error::NotFound(parent.to_string()))
            }
            Err(error) => Err(api_error(format!("cannot create workspace {path}"), &error)),
        }
    }

    /// Deletes the workspace at `path` (it is gone once its subtree is).
    pub async fn delete(&self, path: &WorkspacePath) -> Result<()> {
        let parent = path.parent().ok_or(Error::NoParent)?;
        match self
            .workspaces(&parent)?
            .delete(path.base(), &DeleteParams::default())
            .await
        {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => {
                Err(Error::NotFound(path.to_string()))
            }
            Err(error) => Err(api_error(format!("cannot delete workspace {path}"), &error)),
        }
    }

    /// Waits until the workspace at `path` is Ready.
    pub async fn wait_ready(&self, path: &WorkspacePath, timeout: Duration) -> Result<Workspace> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.get(path).await? {
                Some(workspace) if workspace.is_ready() => return Ok(workspace),
                Some(workspace) if workspace.deleting => {
                    return Err(Error::NotReady {
                        path: path.to_string(),
                        phase: "Terminating".to_owned(),
                    });
                }
                Some(_) => {}
                None => return Err(Error::NotFound(path.to_string())),
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    path: path.to_string(),
                    what: "be ready",
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the workspace at `path` is gone.
    pub async fn wait_deleted(&self, path: &WorkspacePath, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        while self.get(path).await?.is_some() {
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    path: path.to_string(),
                    what: "be deleted",
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Checks that the workspace at `path` exists, is Ready and can be entered: its Workspace
    /// object in the parent, else (for users who may not read that) its API discovery.
    pub async fn check_enterable(&self, path: &WorkspacePath) -> Result<()> {
        if path.is_root() {
            return Ok(());
        }
        match self.get(path).await {
            Ok(Some(workspace)) if workspace.is_ready() => Ok(()),
            Ok(Some(workspace)) => Err(Error::NotReady {
                path: path.to_string(),
                phase: if workspace.deleting {
                    "Terminating".to_owned()
                } else if workspace.phase.is_empty() {
                    "unknown".to_owned()
                } else {
                    workspace.phase
                },
            }),
            Ok(None) => Err(Error::NotFound(path.to_string())),
            Err(Error::Forbidden(_)) => {
                match self
                    .client(&path.to_string())?
                    .list_core_api_versions()
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(kube::Error::Api(status)) if status.code == 404 => {
                        Err(Error::NotFound(path.to_string()))
                    }
                    Err(kube::Error::Api(status)) if status.code == 403 => {
                        Err(Error::Forbidden(path.to_string()))
                    }
                    Err(error) => Err(api_error(format!("cannot reach workspace {path}"), &error)),
                }
            }
            Err(error) => Err(error),
        }
    }
}

/// A kube error on one line: a Status answer's message and code, else the error and its causes.
fn api_error(context: String, error: &kube::Error) -> Error {
    let message = match error {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => {
            let mut message = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                let text = cause.to_string();
                if !message.contains(&text) {
                    message.push_str(": ");
                    message.push_str(&text);
                }
                source = cause.source();
            }
            message
        }
    };
    Error::Api { context, message }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn reads_a_workspace_object() {
        let object: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "tenancy.nave.dev/v1alpha1",
            "kind": "Workspace",
            "metadata": {"name": "acme"},
            "spec": {},
            "status": {"phase": "Ready", "cluster": "abc", "url": "https://h/clusters/root:acme"},
        }))
        .unwrap();
        let workspace = Workspace::from_object(&object);
        assert_eq!(workspace.name, "acme");
        assert_eq!(workspace.workspace_type, DEFAULT_TYPE);
        assert!(workspace.is_ready());
        assert_eq!(workspace.url, "https://h/clusters/root:acme");
        let resource = workspace_resource();
        assert_eq!(resource.api_version, "tenancy.nave.dev/v1alpha1");
        assert_eq!(resource.plural, "workspaces");
    }
}
