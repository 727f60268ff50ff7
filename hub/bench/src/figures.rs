//! What one side of a comparison measured: the hub over TLS, or the bare store in-process. Both
//! fill the same fields, so the report can print them side by side.

use std::time::Duration;

use crate::rss::Memory;
use crate::stats::{Latency, Rate};

/// The figures of one side. `None` where a side does not measure something (memory of the bare
/// store, which lives inside the benchmark process).
#[derive(Debug, Default)]
pub(crate) struct Figures {
    /// Sequential creates from one client.
    pub(crate) seq: Option<Rate>,
    /// Creates from the concurrent clients.
    pub(crate) concurrent: Option<Rate>,
    /// GETs of one object.
    pub(crate) get: Option<Latency>,
    /// Median full list of the sequential namespace, and its object count.
    pub(crate) list_small: Option<(usize, Duration)>,
    /// Median full list of the big namespace, and its object count.
    pub(crate) list_full: Option<(usize, Duration)>,
    /// Median walk of the big namespace page by page.
    pub(crate) list_paged: Option<Duration>,
    /// Delivery latency of every (watcher, event) pair.
    pub(crate) watch: Option<WatchFigures>,
    /// The hub process's memory: idle after start, and at the end (its peak is `VmHWM`).
    pub(crate) hub_memory: Option<(Memory, Memory)>,
    /// The etcd process's memory (hub on etcd only): idle, and at the end.
    pub(crate) etcd_memory: Option<(Memory, Memory)>,
    /// Sequential creates through `kube::Client`.
    pub(crate) kube_seq: Option<Rate>,
    /// Bytes and lines the hub wrote to its log (stderr) during the run.
    pub(crate) log: Option<(u64, u64)>,
}

/// The watch run's outcome.
#[derive(Debug)]
pub(crate) struct WatchFigures {
    /// Watchers.
    pub(crate) watchers: usize,
    /// Connections they shared (0 for the bare store).
    pub(crate) connections: usize,
    /// From just before each create to each watcher reading its event.
    pub(crate) latency: Latency,
    /// Deliveries expected (watchers × timed events).
    pub(crate) expected: u64,
}
