//! Watch delivery latency, shared by both sides: many watchers of one namespace, then creates
//! one at a time; each create's time is noted just before it is sent, and each watcher notes
//! when it reads the event. The next create goes out only once every watcher has its event, so
//! the figure is delivery latency at a steady trickle, not a backlog draining.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use tokio::sync::Notify;

use crate::stats::Latency;
use crate::workload::WATCH_WARMUP_EVENTS;

/// Shared between the creating task and every watcher.
#[derive(Debug)]
pub(crate) struct Pacer {
    base: Instant,
    /// When each event's create was sent, in nanoseconds after `base` (0: not yet).
    sent: Vec<AtomicU64>,
    watchers: u64,
    delivered: AtomicU64,
    notify: Notify,
    latency: Mutex<Latency>,
}

impl Pacer {
    /// A pacer for `watchers` watchers and `events` timed events (after the warm-up events).
    pub(crate) fn new(watchers: usize, events: usize) -> Pacer {
        Pacer {
            base: Instant::now(),
            sent: (0..events + WATCH_WARMUP_EVENTS)
                .map(|_| AtomicU64::new(0))
                .collect(),
            watchers: watchers as u64,
            delivered: AtomicU64::new(0),
            notify: Notify::new(),
            latency: Mutex::new(Latency::new()),
        }
    }

    /// Every event index, warm-up ones first.
    pub(crate) fn events(&self) -> usize {
        self.sent.len()
    }

    /// A watcher read event `index`.
    pub(crate) fn deliver(&self, index: usize) {
        let now = self.nanos();
        if index >= WATCH_WARMUP_EVENTS
            && let Some(sent) = self.sent.get(index)
        {
            let sent = sent.load(Ordering::SeqCst);
            if let Ok(mut latency) = self.latency.lock() {
                latency.record(Duration::from_nanos(now.saturating_sub(sent)));
            }
        }
        let delivered = self.delivered.fetch_add(1, Ordering::SeqCst) + 1;
        if delivered.is_multiple_of(self.watchers) {
            self.notify.notify_one();
        }
    }

    /// Notes that event `index` is being sent now; call just before its create.
    pub(crate) fn sending(&self, index: usize) {
        self.sent[index].store(self.nanos(), Ordering::SeqCst);
    }

    /// Waits until every watcher has read event `index` (and every one before it).
    pub(crate) async fn delivered(&self, index: usize) -> Result<()> {
        let target = (index as u64 + 1) * self.watchers;
        let deadline = tokio::time::Instant::now() + DELIVERY_TIMEOUT;
        while self.delivered.load(Ordering::SeqCst) < target {
            if tokio::time::timeout_at(deadline, self.notify.notified())
                .await
                .is_err()
            {
                let delivered = self.delivered.load(Ordering::SeqCst);
                bail!(
                    "watch delivery stalled at event {index}: {} of {} watchers got it within \
                     {DELIVERY_TIMEOUT:?}",
                    delivered.saturating_sub(target - self.watchers),
                    self.watchers
                );
            }
        }
        Ok(())
    }

    /// The latencies of the timed events so far.
    pub(crate) fn latency(&self) -> Result<Latency> {
        let latency = self
            .latency
            .lock()
            .map_err(|_| anyhow::anyhow!("a watcher panicked"))?;
        Ok(latency.clone())
    }

    fn nanos(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// How long every watcher together may take to receive one event.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(20);
