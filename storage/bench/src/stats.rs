//! Measurements: latency histograms, throughput, medians, and how they are printed.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// A latency histogram in nanoseconds, from 1 ns to 10 minutes at 3 significant figures.
#[derive(Clone, Debug)]
pub(crate) struct Latency(Histogram<u64>);

impl Latency {
    pub(crate) fn new() -> Self {
        Latency(
            Histogram::new_with_bounds(1, 600_000_000_000, 3)
                .expect("valid histogram bounds (constant)"),
        )
    }

    /// Records the time since `start`.
    pub(crate) fn since(&mut self, start: Instant) {
        self.record(start.elapsed());
    }

    pub(crate) fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.0.saturating_record(nanos.max(1));
    }

    /// Adds another histogram's samples.
    pub(crate) fn merge(&mut self, other: &Latency) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.0.add(&other.0);
    }

    pub(crate) fn count(&self) -> u64 {
        self.0.len()
    }

    pub(crate) fn quantile(&self, quantile: f64) -> Duration {
        Duration::from_nanos(self.0.value_at_quantile(quantile))
    }

    pub(crate) fn p50(&self) -> Duration {
        self.quantile(0.50)
    }

    pub(crate) fn p99(&self) -> Duration {
        self.quantile(0.99)
    }
}

/// A timed run of `ops` operations: wall time and per-operation latency.
#[derive(Clone, Debug)]
pub(crate) struct Rate {
    pub(crate) ops: u64,
    pub(crate) elapsed: Duration,
    pub(crate) latency: Latency,
}

impl Rate {
    pub(crate) fn new(ops: usize, elapsed: Duration, latency: Latency) -> Self {
        Rate {
            ops: ops as u64,
            elapsed,
            latency,
        }
    }

    pub(crate) fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The median of some timings.
pub(crate) fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}

/// A duration with a unit that suits it: `850 ns`, `42.1 µs`, `3.20 ms`, `1.50 s`.
pub(crate) fn duration(d: Duration) -> String {
    let nanos = d.as_nanos() as f64;
    if nanos < 1e3 {
        format!("{nanos:.0} ns")
    } else if nanos < 1e6 {
        format!("{} µs", sig3(nanos / 1e3))
    } else if nanos < 1e9 {
        format!("{} ms", sig3(nanos / 1e6))
    } else {
        format!("{} s", sig3(nanos / 1e9))
    }
}

/// Operations per second, with thousands separated: `12,345`.
pub(crate) fn rate(ops_per_sec: f64) -> String {
    thousands(ops_per_sec.round() as u64)
}

/// An integer with thousands separated by commas.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count in binary units: `1.02 KiB`, `64.0 MiB`.
pub(crate) fn bytes(n: f64) -> String {
    if n < 1024.0 {
        format!("{n:.0} B")
    } else if n < 1024.0 * 1024.0 {
        format!("{} KiB", sig3(n / 1024.0))
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{} MiB", sig3(n / (1024.0 * 1024.0)))
    } else {
        format!("{} GiB", sig3(n / (1024.0 * 1024.0 * 1024.0)))
    }
}

/// A ratio: `1.07×`.
pub(crate) fn ratio(r: f64) -> String {
    format!("{r:.2}×")
}

/// Three significant figures (`1.23`, `12.3`, `123`).
fn sig3(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else if x < 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(duration(Duration::from_micros(1500)), "1.50 ms");
        assert_eq!(duration(Duration::from_nanos(42_100)), "42.1 µs");
        assert_eq!(bytes(1536.0), "1.50 KiB");
        assert_eq!(
            median(vec![
                Duration::from_secs(3),
                Duration::from_secs(1),
                Duration::from_secs(2)
            ]),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn histograms_merge() {
        let mut a = Latency::new();
        let mut b = Latency::new();
        a.record(Duration::from_micros(10));
        b.record(Duration::from_micros(1000));
        a.merge(&b);
        assert_eq!(a.count(), 2);
        assert!(a.p99() >= Duration::from_micros(999));
    }
}
