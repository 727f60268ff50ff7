# Every routine command of nave. `just` lists them.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list --unsorted

# Run the hub on the embedded default store (redb in ./.nave). Extra flags go to `nave serve`.
run *FLAGS:
    cargo run --release -p hub --bin nave -- serve {{FLAGS}}

# Every test: unit, storage conformance (memory, redb, sled, etcd), crash, end-to-end, examples.
test:
    cargo build --workspace --bins --examples
    cargo test --workspace --no-fail-fast
    cargo run -q -p examples --example storage_tour > /dev/null

# Only the end-to-end tests (real `nave` and etcd processes).
e2e:
    cargo build -p hub --bin nave
    cargo build -p kubectl-ws --bins
    cargo build -p examples --examples
    cargo test -p tests

# Every benchmark; figures go to docs/benchmarks.md by hand, with the command that made them.
bench: bench-storage bench-api bench-rbac bench-workspaces

# The storage layer on every backend, beside the raw engines (release build).
bench-storage *FLAGS:
    cargo run --release -p storage-bench -- {{FLAGS}}

# The API server (real `nave serve` on redb and etcd over TLS) beside the bare store; `--quick` smoke.
bench-api *FLAGS:
    cargo build --release -p hub --bin nave
    cargo run --release -p api-bench -- {{FLAGS}}

# 10,000 workspaces on a real `nave serve`: creations/s, RSS and store bytes per workspace, reads
# beside them, deletion; `--quick` smoke (N=200), `--also 100000` adds a run.
bench-workspaces *FLAGS:
    cargo build --release -p hub --bin nave
    cargo run --release -p api-bench --bin workspace-bench -- {{FLAGS}}

# RBAC decisions with 10,000 RoleBindings over 1,000 logical clusters; RBAC vs system:masters.
bench-rbac:
    cargo run --release -p api-bench --bin rbac-bench

# Format the code.
fmt:
    cargo fmt --all

# Lint everything, warnings as errors.
clippy:
    cargo clippy --workspace --all-targets -- -D warnings

# Build the API docs.
doc:
    cargo doc --workspace --no-deps

# What CI runs on a fresh machine (installs the system packages first).
ci:
    bash .ci/run
