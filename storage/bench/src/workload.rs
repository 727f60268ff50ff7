//! What the benchmark writes: how many operations each phase runs, the keys, and a pool of
//! pseudo-random (incompressible) values.

use bytes::Bytes;

/// Operation counts of every phase.
#[derive(Clone, Debug)]
pub(crate) struct Counts {
    /// Sequential creates (one client, each awaited).
    pub(crate) seq_ops: usize,
    /// Creates spread over `clients` concurrent clients.
    pub(crate) concurrent_ops: usize,
    /// Concurrent clients.
    pub(crate) clients: usize,
    /// Sequential CAS updates of one key.
    pub(crate) cas_ops: usize,
    /// Keys under the listed prefix.
    pub(crate) list_keys: usize,
    /// Keys under other prefixes (half sorting before the listed prefix, half after).
    pub(crate) list_other_keys: usize,
    /// Timed runs of each list (the median is reported).
    pub(crate) list_runs: usize,
    /// Page size of the paginated list.
    pub(crate) page_size: usize,
    /// Timed creates observed by one watcher.
    pub(crate) watch_events: usize,
    /// Watchers of the fan-out run (0 skips it).
    pub(crate) fanout_watchers: usize,
    /// Timed creates of the fan-out run.
    pub(crate) fanout_events: usize,
    /// Keys of the disk phase.
    pub(crate) disk_keys: usize,
    /// Updates of each key in the disk phase.
    pub(crate) disk_updates: usize,
    /// Bytes per value.
    pub(crate) value_size: usize,
}

impl Counts {
    /// The full run: about four minutes on a 2-core VM.
    pub(crate) fn full() -> Self {
        Counts {
            seq_ops: 3_000,
            concurrent_ops: 20_000,
            clients: 32,
            cas_ops: 3_000,
            list_keys: 10_000,
            list_other_keys: 4_000,
            list_runs: 10,
            page_size: 500,
            watch_events: 2_000,
            fanout_watchers: 100,
            fanout_events: 500,
            disk_keys: 1_000,
            disk_updates: 100,
            value_size: 1024,
        }
    }

    /// A smoke run, about ten times smaller (same shapes: clients, page size, value size).
    pub(crate) fn quick() -> Self {
        let full = Counts::full();
        Counts {
            seq_ops: full.seq_ops / 10,
            concurrent_ops: full.concurrent_ops / 10,
            cas_ops: full.cas_ops / 10,
            list_keys: full.list_keys / 10,
            list_other_keys: full.list_other_keys / 10,
            list_runs: 5,
            page_size: 50,
            watch_events: full.watch_events / 10,
            fanout_events: full.fanout_events / 10,
            disk_keys: full.disk_keys / 10,
            disk_updates: full.disk_updates / 10,
            ..full
        }
    }
}

/// Distinct values in the pool; enough that no engine sees repeats within a batch.
const POOL_SIZE: usize = 4096;

/// Pre-generated incompressible values, so that generating them is not timed.
#[derive(Clone, Debug)]
pub(crate) struct Values {
    pool: Vec<Bytes>,
}

impl Values {
    /// `POOL_SIZE` values of `size` bytes from a fixed seed.
    pub(crate) fn new(size: usize) -> Self {
        let mut state = 0x6e61_7665_6265_6e63_u64; // "navebenc"
        let pool = (0..POOL_SIZE)
            .map(|_| {
                let mut value = vec![0u8; size];
                for chunk in value.chunks_mut(8) {
                    let word = splitmix64(&mut state).to_le_bytes();
                    chunk.copy_from_slice(&word[..chunk.len()]);
                }
                Bytes::from(value)
            })
            .collect();
        Values { pool }
    }

    /// The `i`th value (the pool repeats every `POOL_SIZE`).
    pub(crate) fn get(&self, i: usize) -> Bytes {
        self.pool[i % self.pool.len()].clone()
    }
}

/// SplitMix64: a tiny, fast generator whose output does not compress.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The `i`th key under `prefix`; the index is the last 8 digits, so it can be parsed back.
pub(crate) fn key(prefix: &str, i: usize) -> String {
    format!("{prefix}{i:08}")
}

/// The index of a key made by [`key`].
pub(crate) fn index_of(key: &[u8]) -> Option<usize> {
    let digits = key.get(key.len().checked_sub(8)?..)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// How many of `total` operations client `client` of `clients` runs.
pub(crate) fn share(total: usize, clients: usize, client: usize) -> usize {
    total / clients + usize::from(client < total % clients)
}

/// The listed prefix of the list phase.
pub(crate) const LIST_TARGET: &str = "/registry/bench/list/m/";
/// Other keys of the list phase: a prefix sorting before the listed one, and one after it.
pub(crate) const LIST_OTHERS: [&str; 2] = ["/registry/bench/list/a/", "/registry/bench/list/z/"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_shares_add_up() {
        assert_eq!(index_of(key("/a/", 1234).as_bytes()), Some(1234));
        assert_eq!((0..32).map(|c| share(20_000, 32, c)).sum::<usize>(), 20_000);
        assert_eq!((0..32).map(|c| share(5, 32, c)).sum::<usize>(), 5);
    }

    #[test]
    fn values_are_distinct_and_sized() {
        let values = Values::new(1024);
        assert_eq!(values.get(0).len(), 1024);
        assert_ne!(values.get(0), values.get(1));
        assert_eq!(values.get(0), values.get(POOL_SIZE));
    }
}
