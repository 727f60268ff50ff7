//! Process memory from `/proc/<pid>/status`: resident set now (`VmRSS`) and its peak
//! (`VmHWM`, the high-water mark the kernel keeps), and finding a process by its command line.

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

/// The process whose command line contains `needle` (e.g. etcd's `--listen-client-urls=…`).
pub(crate) fn find_pid(needle: &str) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
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
    }
}
