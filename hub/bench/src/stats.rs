//! Measurements: latency histograms, timed runs, medians, and how durations and rates print.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// A latency histogram in nanoseconds (1 ns to 10 minutes, 3 significant figures).
#[derive(Clone, Debug)]
pub(crate) struct Latency(Histogram<u64>);

impl Latency {
    pub(crate) fn new() -> Self {
        Latency(
            Histogram::new_with_bounds(1, 600_000_000_000, 3)
                .expect("constant histogram bounds are valid"),
        )
    }

    /// Records the time elapsed since `start`.
    pub(crate) fn since(&mut self, start: Instant) {
        self.record(start.elapsed());
    }

    pub(crate) fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.0.saturating_record(nanos.max(1));
    }

    /// Adds another histogram's samples (same bounds on both sides: cannot fail).
    pub(crate) fn merge(&mut self, other: &Latency) {
        let _ = self.0.add(&other.0);
    }

    pub(crate) fn count(&self) -> u64 {
        self.0.len()
    }

    pub(crate) fn p50(&self) -> Duration {
        Duration::from_nanos(self.0.value_at_quantile(0.50))
    }

    pub(crate) fn p99(&self) -> Duration {
        Duration::from_nanos(self.0.value_at_quantile(0.99))
    }
}

/// A timed run of operations: how many, the wall time, and each one's latency.
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

    pub(crate) fn per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The median of `times` (zero when empty).
pub(crate) fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}

/// A duration with three significant figures: microseconds below a millisecond (`412 µs`,
/// `1.20 µs`), milliseconds above (`15.3 ms`, `1,250 ms`).
pub(crate) fn ms(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        return format!("{} µs", significant(micros));
    }
    let millis = micros / 1e3;
    if millis >= 1000.0 {
        format!("{} ms", thousands(millis.round() as u64))
    } else {
        format!("{} ms", significant(millis))
    }
}

/// A count with thousands separators (`12,345`).
pub(crate) fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A number below 1000 with three significant figures.
fn significant(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(ms(Duration::from_micros(412)), "412 µs");
        assert_eq!(ms(Duration::from_nanos(1_200)), "1.20 µs");
        assert_eq!(ms(Duration::from_micros(15_340)), "15.3 ms");
        assert_eq!(
            median(vec![Duration::from_secs(3), Duration::from_secs(1)]),
            Duration::from_secs(2)
        );
    }
}
