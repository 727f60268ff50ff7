//! In-process tests of the API server: the real router and handlers over an in-memory store,
//! driven by kube-rs (`kube::Client` over the router, no socket) and by raw HTTP requests.
//! One test binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod api {
    mod apply;
    mod auth;
    mod bootstrap;
    mod clusters;
    mod crds;
    mod crud;
    mod csr;
    mod discovery;
    mod gc;
    mod impersonation;
    mod limits;
    mod malformed;
    mod namespaces;
    mod rbac;
    mod subresources;
    mod watch;
    mod workspaces;
}
