//! Per-phase CPU accounting: how much CPU time each process of one side (the server, its etcd,
//! the client) spent in each phase, from `/proc` before and after. Unlike wall time, it is
//! barely moved by other work on the machine, so it shows where the time goes even on a busy
//! machine.

use std::time::Duration;

use crate::procfs;

/// CPU time one phase cost each process.
#[derive(Debug)]
pub(crate) struct PhaseCpu {
    /// The phase.
    pub(crate) phase: &'static str,
    /// Its operations.
    pub(crate) ops: u64,
    /// What one operation is (`create`, `GET`, …).
    pub(crate) unit: &'static str,
    /// The server: the hub process, or this process for the bare store (which runs in it).
    pub(crate) server: Duration,
    /// The etcd process under the server, if any.
    pub(crate) etcd: Option<Duration>,
    /// The client (this process) when the server is another process.
    pub(crate) client: Option<Duration>,
}

/// Samples the processes at each phase end.
#[derive(Debug)]
pub(crate) struct CpuMeter {
    server: u32,
    etcd: Option<u32>,
    client: Option<u32>,
    last: Sample,
    phases: Vec<PhaseCpu>,
}

impl CpuMeter {
    /// Starts accounting for `server`, its `etcd`, and a separate `client` process.
    pub(crate) fn new(server: u32, etcd: Option<u32>, client: Option<u32>) -> CpuMeter {
        let last = Sample::take(server, etcd, client);
        CpuMeter {
            server,
            etcd,
            client,
            last,
            phases: Vec::new(),
        }
    }

    /// Closes a phase of `ops` operations (0: not recorded, e.g. start-up) and starts the next.
    pub(crate) fn phase(&mut self, phase: &'static str, ops: u64, unit: &'static str) {
        let now = Sample::take(self.server, self.etcd, self.client);
        if ops > 0 {
            let since = |now: Option<Duration>, then: Option<Duration>| {
                now.zip(then).map(|(now, then)| now.saturating_sub(then))
            };
            self.phases.push(PhaseCpu {
                phase,
                ops,
                unit,
                server: since(now.server, self.last.server).unwrap_or_default(),
                etcd: since(now.etcd, self.last.etcd),
                client: since(now.client, self.last.client),
            });
        }
        self.last = now;
    }

    /// The phases so far.
    pub(crate) fn finish(self) -> Vec<PhaseCpu> {
        self.phases
    }
}

#[derive(Debug)]
struct Sample {
    server: Option<Duration>,
    etcd: Option<Duration>,
    client: Option<Duration>,
}

impl Sample {
    fn take(server: u32, etcd: Option<u32>, client: Option<u32>) -> Sample {
        Sample {
            server: procfs::cpu(server),
            etcd: etcd.and_then(procfs::cpu),
            client: client.and_then(procfs::cpu),
        }
    }
}
