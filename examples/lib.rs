//! Runnable examples of nave, one file each; run one with `cargo run -p examples --example NAME`.
//!
//! - `storage_tour`: the `Store` API on the embedded redb backend: create, compare-and-swap,
//!   a paginated list at one revision, and a watch that replays history then follows live writes.
//! - `provider`: a hosted-control-plane provider with kube-rs against a running hub: creates N
//!   tenant workspaces, mints each tenant admin a kubeconfig through the CSR API, has every
//!   tenant create objects and its own `widgets.example.com` CRD, and checks that no tenant can
//!   see or touch another's (`cargo run -p examples --example provider -- --tenants 3`).
