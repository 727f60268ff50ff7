//! The nave worker (syncer), built on the `kube` crate: `join` (registration) and `run`
//! (down-sync, status up-sync, heartbeats, node mirroring). It talks to the hub only through the
//! Kubernetes API, so it also runs against any real cluster as its downstream.
//!
//! Empty so far: it is filled by the worker issues.
