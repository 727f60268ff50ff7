//! The durability test for embedded backends: a child process writes concurrently and reports
//! every acknowledged write on stdout; the parent SIGKILLs it at a random moment, reopens the
//! store and checks that every acknowledged write is there. Repeated many times on the same
//! directory, so each round also recovers from the previous crash.
//!
//! A backend wires it up with two tests in one test binary:
//!
//! ```text
//! #[test]
//! #[ignore = "child process of acknowledged_writes_survive_sigkill"]
//! fn crash_child() { storage::conformance::crash::child(|dir| Arc::new(open(dir).unwrap())) }
//!
//! #[test]
//! fn acknowledged_writes_survive_sigkill() {
//!     storage::conformance::crash::parent("crash_child", 30, |dir| Arc::new(open(dir).unwrap()))
//! }
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support: failing loudly is the point

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::{Revision, StorageError, Store};

/// The environment variable that tells the child test where the store is.
pub const DIR_VARIABLE: &str = "NAVE_CRASH_TEST_DIR";
const ROUND_VARIABLE: &str = "NAVE_CRASH_TEST_ROUND";
const WRITERS: usize = 16;

/// The child's side: if [`DIR_VARIABLE`] is set, opens the store there and writes from
/// [`WRITERS`] concurrent tasks until killed, printing `ack <key> <revision> <value>` after each
/// acknowledged write. Without the variable it returns at once.
pub fn child(open: impl FnOnce(&Path) -> Arc<dyn Store>) {
    let Some(dir) = std::env::var_os(DIR_VARIABLE) else {
        return;
    };
    let round = std::env::var(ROUND_VARIABLE).unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let store = open(Path::new(&dir));
    let stdout = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    runtime.block_on(async move {
        let mut tasks = Vec::new();
        for writer in 0..WRITERS {
            let store = Arc::clone(&store);
            let stdout = Arc::clone(&stdout);
            let round = round.clone();
            tasks.push(tokio::spawn(async move {
                let hot = format!("/crash/hot/{writer}");
                for i in 0u64.. {
                    let (key, value, revision) = if i % 4 == 3 {
                        // Update a hot key (read-modify-CAS, as an API server does).
                        let value = format!("r{round}-w{writer}-i{i}");
                        let revision = match store.get(&hot, 0).await {
                            Ok(current) => {
                                store
                                    .update(&hot, Bytes::from(value.clone()), current.mod_revision)
                                    .await
                            }
                            Err(StorageError::NotFound { .. }) => {
                                store.create(&hot, Bytes::from(value.clone())).await
                            }
                            Err(error) => Err(error),
                        };
                        (hot.clone(), value, revision)
                    } else {
                        let key = format!("/crash/r{round}/w{writer}/{i:08}");
                        let value = format!("{key}={}", "x".repeat((i % 7) as usize * 100));
                        let revision = store.create(&key, Bytes::from(value.clone())).await;
                        (key, value, revision)
                    };
                    let revision = revision.expect("write failed in the crash child");
                    let mut out = stdout.lock().expect("stdout lock");
                    writeln!(out, "ack {key} {revision} {value}").expect("stdout");
                    out.flush().expect("stdout");
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
    });
}

/// The parent's side: `rounds` times, runs the test `child_test` of the current test binary as
/// a child process, SIGKILLs it after it has acknowledged a random number of writes, reopens
/// the store and checks every acknowledged write.
pub fn parent(child_test: &str, rounds: u32, open: impl Fn(&Path) -> Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let exe = std::env::current_exe().expect("current test binary");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // Latest acknowledged state of every key across rounds: (revision, value).
    let mut acknowledged: HashMap<String, (Revision, String)> = HashMap::new();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut total = 0usize;
    for round in 0..rounds {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Kill after 20..2,000 acknowledgements, or after a random delay, whichever comes first.
        let kill_after = 20 + (seed % 1980) as usize;
        let kill_delay = Duration::from_millis(30 + (seed >> 32) % 300);
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                child_test,
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_VARIABLE, dir.path())
            .env(ROUND_VARIABLE, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the crash child");
        let stdout = child.stdout.take().expect("child stdout");
        let acks = Arc::new(AtomicUsize::new(0));
        let reader = {
            let acks = Arc::clone(&acks);
            std::thread::spawn(move || {
                let mut lines = Vec::new();
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if line.starts_with("ack ") {
                        lines.push(line);
                        acks.fetch_add(1, Ordering::Relaxed);
                    }
                }
                lines
            })
        };
        // Wait for the first acknowledgement (opening the store takes a moment), then kill after
        // a random number of acknowledgements or a random delay, whichever comes first.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut first_ack: Option<Instant> = None;
        loop {
            std::thread::sleep(Duration::from_millis(2));
            if let Ok(Some(status)) = child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                panic!("crash child exited by itself in round {round} with {status}: {stderr}");
            }
            let seen = acks.load(Ordering::Relaxed);
            if first_ack.is_none() && seen > 0 {
                first_ack = Some(Instant::now());
            }
            if seen >= kill_after || first_ack.is_some_and(|first| first.elapsed() >= kill_delay) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "crash child made no progress in round {round}"
            );
        }
        child.kill().expect("SIGKILL the child");
        let _ = child.wait();
        let lines = reader.join().expect("reader thread");
        total += lines.len();
        for line in &lines {
            let mut parts = line.splitn(4, ' ');
            let (_, key, revision, value) =
                (parts.next(), parts.next(), parts.next(), parts.next());
            let (Some(key), Some(revision), Some(value)) = (key, revision, value) else {
                continue;
            };
            let revision: Revision = revision.parse().expect("revision");
            let entry = acknowledged
                .entry(key.to_owned())
                .or_insert((0, String::new()));
            if revision > entry.0 {
                *entry = (revision, value.to_owned());
            }
        }
        // Reopen and check every acknowledged write.
        let store = open(dir.path());
        runtime.block_on(async {
            let current = store.current_revision().await.expect("current revision");
            let newest = acknowledged
                .values()
                .map(|(revision, _)| *revision)
                .max()
                .unwrap_or(0);
            assert!(
                current >= newest,
                "round {round}: current revision {current} < acknowledged {newest}"
            );
            for (key, (revision, value)) in &acknowledged {
                let kv = match store.get(key, 0).await {
                    Ok(kv) => kv,
                    Err(error) => {
                        panic!("round {round}: acknowledged write {key}@{revision} lost: {error}")
                    }
                };
                assert!(
                    kv.mod_revision >= *revision,
                    "round {round}: {key} went back from {revision} to {}",
                    kv.mod_revision
                );
                if kv.mod_revision == *revision {
                    assert_eq!(
                        kv.value,
                        value.as_bytes(),
                        "round {round}: {key}@{revision} has other bytes"
                    );
                }
            }
        });
        drop(store);
    }
    assert!(
        total > rounds as usize * 10,
        "too few acknowledged writes ({total}) for the test to mean anything"
    );
    eprintln!(
        "crash test: {rounds} SIGKILLs, {total} acknowledged writes, {} keys checked",
        acknowledged.len()
    );
}
