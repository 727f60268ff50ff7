//! Runnable examples of nave, one file each; run one with `cargo run -p examples --example NAME`.
//!
//! - `storage_tour`: the `Store` API on the embedded redb backend: create, compare-and-swap,
//!   a paginated list at one revision, and a watch that replays history then follows live writes.
