//! `kubectl ws`: moving between nave workspaces from a kubeconfig, as kcp's plugin does.
//!
//! - [`path`]: workspace paths (`root:acme:team-a`) and how `.`, `..`, relative and absolute
//!   arguments resolve against the current one.
//! - [`kubeconfig`]: the kubeconfig files as kubectl loads them (`--kubeconfig`, else the
//!   `$KUBECONFIG` list, else `~/.kube/config`), the `/clusters/<path>` suffix of a cluster's
//!   server URL, and the previous workspace remembered in the context; written back with every
//!   field it does not know kept.
//! - [`client`]: the `Workspace` API of the hub (`tenancy.nave.dev/v1alpha1`) through kube-rs,
//!   shared with `nave workspace`.
//! - [`commands`]: what each `kubectl ws` command does, for the binary to call and print.

pub mod client;
pub mod commands;
pub mod kubeconfig;
pub mod path;

pub use client::{Hub, Workspace};
pub use kubeconfig::KubeconfigFiles;
pub use path::WorkspacePath;

/// Everything that can go wrong, each one line for the user.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A workspace name that is not a DNS-1123 label.
    #[error(
        "invalid workspace name {0:?}: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"
    )]
    InvalidName(String),
    /// A workspace path that cannot be parsed.
    #[error("invalid workspace path {0:?}: {1}")]
    InvalidPath(String, &'static str),
    /// `..` at the root.
    #[error("the root workspace has no parent")]
    NoParent,
    /// `kubectl ws -` before any switch.
    #[error("no previous workspace to go back to")]
    NoPrevious,
    /// The current server URL names a cluster by id, so a relative move is impossible.
    #[error(
        "the current server URL names logical cluster {0:?}, not a workspace path: switch with an absolute path (e.g. `kubectl ws root`)"
    )]
    NotAPath(String),
    /// No kubeconfig file to read.
    #[error("no kubeconfig: {0}")]
    NoKubeconfig(String),
    /// A kubeconfig that is missing something it needs.
    #[error("{0}")]
    Kubeconfig(String),
    /// Reading or writing a file.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A kubeconfig that is not YAML.
    #[error("cannot parse {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// Rendering a kubeconfig back to YAML.
    #[error("cannot render {path}: {message}")]
    Render {
        /// The file.
        path: String,
        /// The serializer's message.
        message: String,
    },
    /// kube-rs could not use the kubeconfig.
    #[error("cannot use the kubeconfig: {0}")]
    Config(String),
    /// The workspace does not exist.
    #[error("workspace {0:?} not found")]
    NotFound(String),
    /// The workspace exists but is not ready.
    #[error("workspace {path:?} is not ready (phase {phase})")]
    NotReady {
        /// The workspace.
        path: String,
        /// Its phase.
        phase: String,
    },
    /// The user may not see or enter the workspace.
    #[error("workspace {0:?} not found or access denied")]
    Forbidden(String),
    /// Creating a workspace whose name is taken.
    #[error("workspace {0:?} already exists")]
    AlreadyExists(String),
    /// A wait that did not end in time.
    #[error("timed out after {seconds}s waiting for workspace {path:?} to {what}")]
    Timeout {
        /// The workspace.
        path: String,
        /// What was awaited.
        what: &'static str,
        /// How long.
        seconds: u64,
    },
    /// Any other answer of the hub.
    #[error("{context}: {message}")]
    Api {
        /// What was being done.
        context: String,
        /// The hub's message (or the transport error).
        message: String,
    },
}

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
