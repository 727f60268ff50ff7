//! What one side of a comparison measured: the hub over TLS, or the bare store in-process. Both
//! fill the same fields, so the report can print them side by side.

use std::time::Duration;

use crate::cpu::PhaseCpu;
use crate::procfs::Memory;
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
    /// Delivery latency of every (watcher, timed event) pair.
    pub(crate) watch: Option<Latency>,
    /// The hub process's memory: idle after start, and at the end (its peak is `VmHWM`).
    pub(crate) hub_memory: Option<(Memory, Memory)>,
    /// The etcd process's memory (hub on etcd only): idle, and at the end.
    pub(crate) etcd_memory: Option<(Memory, Memory)>,
    /// Sequential creates through `kube::Client`.
    pub(crate) kube_seq: Option<Rate>,
    /// CPU time each phase cost.
    pub(crate) cpu: Vec<PhaseCpu>,
    /// Bytes and lines the hub wrote to its log (stderr) during the run.
    pub(crate) log: Option<(u64, u64)>,
}
