//! What every run does, in numbers (counts, with the full and `--quick` defaults), and the
//! objects it writes: ConfigMaps with about 1 KiB of data, the same bytes over the API and,
//! for the bare store, as the stored JSON the hub would keep.

use bytes::Bytes;
use serde_json::json;

/// Namespaces of the phases (one each, so every list counts exactly what it should).
pub(crate) const NS_WARM: &str = "bench-warm";
/// Sequential creates land here; it is also the "list of `seq_ops`" namespace.
pub(crate) const NS_SEQ: &str = "bench-seq";
/// Concurrent creates land here; it is the big list.
pub(crate) const NS_LIST: &str = "bench-list";
/// Objects whose creation the watchers time.
pub(crate) const NS_WATCH: &str = "bench-watch";
/// Sequential creates through `kube::Client`.
pub(crate) const NS_KUBE: &str = "bench-kube";
/// Every namespace the API run creates first.
pub(crate) const NAMESPACES: [&str; 5] = [NS_WARM, NS_SEQ, NS_LIST, NS_WATCH, NS_KUBE];

/// The size of each run. Resolved from the flags in `main`.
#[derive(Clone, Debug)]
pub(crate) struct Counts {
    /// Untimed creates before the timed ones (connection and cache warm-up).
    pub(crate) warmup: usize,
    /// Sequential creates from one keep-alive client.
    pub(crate) seq_ops: usize,
    /// Creates by the concurrent clients; they populate the big list.
    pub(crate) objects: usize,
    /// Concurrent clients (one connection each).
    pub(crate) clients: usize,
    /// Sequential GETs of one object.
    pub(crate) gets: usize,
    /// Timed runs of each full list (the median is reported).
    pub(crate) list_runs: usize,
    /// Timed walks of the paginated list.
    pub(crate) paged_runs: usize,
    /// The page size of the paginated list.
    pub(crate) page_size: usize,
    /// Concurrent watchers.
    pub(crate) watchers: usize,
    /// HTTP/2 connections the watchers are spread over.
    pub(crate) watch_connections: usize,
    /// Timed creates each watcher must see.
    pub(crate) watch_events: usize,
    /// Sequential creates through `kube::Client` (0 skips them).
    pub(crate) kube_ops: usize,
    /// Bytes of data in each ConfigMap.
    pub(crate) value_bytes: usize,
}

impl Counts {
    /// The full run's defaults.
    pub(crate) fn full() -> Counts {
        Counts {
            warmup: 50,
            seq_ops: 2_000,
            objects: 10_000,
            clients: 32,
            gets: 3_000,
            list_runs: 9,
            paged_runs: 5,
            page_size: 500,
            watchers: 1_000,
            watch_connections: 8,
            watch_events: 200,
            kube_ops: 1_000,
            value_bytes: 1_024,
        }
    }

    /// A smoke run's defaults, about a tenth of the work.
    pub(crate) fn quick() -> Counts {
        Counts {
            warmup: 10,
            seq_ops: 200,
            objects: 1_000,
            clients: 32,
            gets: 300,
            list_runs: 3,
            paged_runs: 2,
            page_size: 100,
            watchers: 100,
            watch_connections: 2,
            watch_events: 20,
            kube_ops: 100,
            value_bytes: 1_024,
        }
    }
}

/// Untimed watch events sent first, so every watcher is known to be live before timing.
pub(crate) const WATCH_WARMUP_EVENTS: usize = 3;

/// The name of the `i`th object of a phase (`cm-000042`); fixed width, so key order is index
/// order.
pub(crate) fn name(i: usize) -> String {
    format!("cm-{i:06}")
}

/// Parses an index back out of a name or key ending in `cm-NNNNNN`.
pub(crate) fn index_of(text: &[u8]) -> Option<usize> {
    let at = find(text, b"cm-")?;
    let digits = text.get(at + 3..at + 9)?;
    digits.iter().try_fold(0usize, |value, digit| {
        digit
            .is_ascii_digit()
            .then(|| value * 10 + usize::from(digit - b'0'))
    })
}

/// The first position of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Payload shared by every object: `value_bytes` of printable data.
pub(crate) fn payload(value_bytes: usize) -> String {
    (0..value_bytes)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect()
}

/// The request body of a create: a ConfigMap named `name` in `namespace`.
pub(crate) fn create_body(namespace: &str, name: &str, payload: &str) -> Bytes {
    Bytes::from(
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace},
            "data": {"payload": payload},
        })
        .to_string(),
    )
}

/// The bare store's key for `name` in `namespace`, shaped like the hub's
/// (`/registry/<group>/<resource>/<cluster>/<namespace>/<name>`).
pub(crate) fn key(namespace: &str, name: &str) -> String {
    format!("{}{name}", prefix(namespace))
}

/// The bare store's prefix of `namespace`.
pub(crate) fn prefix(namespace: &str) -> String {
    format!("/registry/core/configmaps/root/{namespace}/")
}

/// The bare store's value: about what the hub stores for the same create (the object with the
/// metadata the hub adds), so both move the same bytes.
pub(crate) fn stored_value(namespace: &str, name: &str, payload: &str) -> Bytes {
    Bytes::from(
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": "7c1e4a52-8f0e-4c4e-9a57-3f0f4d8a9b21",
                "creationTimestamp": "2025-01-01T00:00:00Z",
            },
            "data": {"payload": payload},
        })
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(name(42), "cm-000042");
        assert_eq!(
            index_of(br#"{"metadata":{"name":"cm-000042","x":1}}"#),
            Some(42)
        );
        assert_eq!(index_of(key(NS_WATCH, &name(7)).as_bytes()), Some(7));
        assert_eq!(index_of(b"cm-12"), None);
    }
}
