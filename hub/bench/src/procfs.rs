//! What `/proc` says about a process: resident memory now (`VmRSS`) and its peak (`VmHWM`, the
//! high-water mark the kernel keeps), CPU time used, and finding a process by its command line.

use std::time::Duration;

/// Memory of one process, in KiB.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Memory {
    /// `VmRSS`: resident now.
    pub(crate) rss_kib: u64,
    /// `VmHWM`: the most ever resident.
    pub(crate) peak_kib: u64,
}

/// Reads `pid`'s memory; `None` if the process is gone.
pub(crate) fn memory(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(Memory {
        rss_kib: field(&status, "VmRSS:")?,
        peak_kib: field(&status, "VmHWM:")?,
    })
}

/// CPU time (user + system, every thread) `pid` has used; `None` if the process is gone.
/// Resolution: one clock tick (10 ms).
pub(crate) fn cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may contain spaces) start at `state`, field 3.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux the kernel ABI allows user space to see.
    Some(Duration::from_millis((user + system) * 10))
}

/// The 1-minute load average (how busy the machine was: other work skews every figure).
pub(crate) fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The process whose command line contains `needle` (e.g. etcd's `--listen-client-urls=…`).
pub(crate) fn find_pid(needle: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(needle).then_some(pid)
        })
}

/// KiB as megabytes with one decimal (`52.3 MB`, 1 MB = 10^6 bytes as in the reference figure).
pub(crate) fn mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 * 1024.0 / 1e6)
}

fn field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_memory() {
        let own = memory(std::process::id()).expect("own /proc status");
        assert!(own.rss_kib > 0 && own.peak_kib >= own.rss_kib);
        assert_eq!(mb(1000), "1.0 MB");
        assert!(cpu(std::process::id()).is_some());
        assert!(load_average().is_some());
    }
}
