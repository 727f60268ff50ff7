//! The conformance suite: every case here runs against every backend, each on a fresh store.
//!
//! A backend's tests expand it with [`conformance_tests!`](crate::conformance_tests), giving an
//! async factory that returns a [`Fixture`] (or `None` to skip, e.g. without an etcd binary):
//!
//! ```text
//! async fn fixture() -> Option<storage::conformance::Fixture> { /* open an empty store */ }
//! storage::conformance_tests!(fixture);
//! ```
//!
//! Cases assert only what the [`Store`] contract promises, never a backend's absolute revision
//! numbers (etcd starts at 1, the embedded stores at 0).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support: failing loudly is the point

pub mod crash;

use std::any::Any;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;

use crate::{
    Event, EventKind, KeyValue, ListRequest, MAX_KEY_LEN, MAX_VALUE_LEN, StorageError, Store,
    WatchStream,
};

/// A fresh, empty store for one case, and whatever must live as long as it (a temporary
/// directory, a child process).
pub struct Fixture {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// Dropped after the case.
    pub guard: Box<dyn Any + Send>,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture")
            .field("store", &self.store)
            .finish()
    }
}

/// Expands one `#[tokio::test]` per conformance case, each calling `$factory().await` for a
/// fresh [`Fixture`]. A factory returns `None` to skip (it prints why, and must refuse to skip
/// under `CI=true`).
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@cases $factory;
            create_then_get, create_existing_is_already_exists, get_missing_is_not_found,
            revisions_strictly_increase, update_is_compare_and_swap, delete_returns_last_value,
            delete_with_precondition, recreate_after_delete_is_a_new_incarnation,
            get_at_past_revision, list_by_prefix, list_paginates_with_continue_key,
            list_pages_stay_consistent_while_writes_continue, list_at_past_revision,
            reads_of_compacted_or_future_revisions_fail, concurrent_cas_has_one_winner_per_revision,
            concurrent_creates_of_one_key_have_one_winner, concurrent_writers_get_distinct_revisions,
            watch_delivers_live_changes_with_prev, watch_replays_history_then_continues_live,
            watch_from_compacted_revision_is_compacted, watch_is_gap_free_under_concurrent_writes,
            slow_watcher_catches_up_or_is_told_to_relist, watchers_are_independent,
            compaction_keeps_latest_values_and_later_history, invalid_keys_and_values_are_refused,
            largest_value_round_trips
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let fixture: ::std::option::Option<$crate::conformance::Fixture> = $factory().await;
                let Some(fixture) = fixture else { return };
                $crate::conformance::$case(::std::sync::Arc::clone(&fixture.store)).await;
                drop(fixture);
            }
        )*
    };
}

const PATIENCE: Duration = Duration::from_secs(20);

fn val(text: &str) -> Bytes {
    Bytes::copy_from_slice(text.as_bytes())
}

async fn next_event(stream: &mut WatchStream) -> Event {
    match tokio::time::timeout(PATIENCE, stream.next()).await {
        Ok(Some(Ok(event))) => event,
        Ok(Some(Err(error))) => panic!("watch failed: {error}"),
        Ok(None) => panic!("watch ended"),
        Err(_) => panic!("no watch event within {PATIENCE:?}"),
    }
}

/// Asserts that nothing more arrives on `stream` for a short while.
async fn assert_quiet(stream: &mut WatchStream) {
    if let Ok(item) = tokio::time::timeout(Duration::from_millis(200), stream.next()).await {
        panic!("unexpected watch item: {item:?}");
    }
}

fn keys(kvs: &[KeyValue]) -> Vec<&str> {
    kvs.iter().map(|kv| kv.key.as_str()).collect()
}

/// Create, then get the same bytes and revisions back.
pub async fn create_then_get(store: Arc<dyn Store>) {
    let rev = store.create("/registry/cm/a", val("one")).await.unwrap();
    assert!(rev > 0);
    let kv = store.get("/registry/cm/a", 0).await.unwrap();
    assert_eq!(kv.value, val("one"));
    assert_eq!((kv.create_revision, kv.mod_revision), (rev, rev));
    assert_eq!(store.current_revision().await.unwrap(), rev);
}

/// Creating a present key fails with `AlreadyExists` and changes nothing.
pub async fn create_existing_is_already_exists(store: Arc<dyn Store>) {
    let rev = store.create("/k", val("one")).await.unwrap();
    let error = store.create("/k", val("two")).await.unwrap_err();
    assert!(
        matches!(error, StorageError::AlreadyExists { ref key } if key == "/k"),
        "{error:?}"
    );
    assert_eq!(store.get("/k", 0).await.unwrap().value, val("one"));
    assert_eq!(store.current_revision().await.unwrap(), rev);
}

/// Reading an absent key is `NotFound`.
pub async fn get_missing_is_not_found(store: Arc<dyn Store>) {
    let error = store.get("/nothing", 0).await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

/// Every write gets a revision greater than every earlier one.
pub async fn revisions_strictly_increase(store: Arc<dyn Store>) {
    let mut last = store.current_revision().await.unwrap();
    for i in 0..20 {
        let rev = store.create(&format!("/r/{i}"), val("x")).await.unwrap();
        assert!(rev > last, "{rev} after {last}");
        last = rev;
    }
    let rev = store
        .update(
            "/r/3",
            val("y"),
            store.get("/r/3", 0).await.unwrap().mod_revision,
        )
        .await
        .unwrap();
    assert!(rev > last);
    let deleted = store.delete("/r/4", None).await.unwrap();
    assert!(deleted.revision > rev);
    assert_eq!(store.current_revision().await.unwrap(), deleted.revision);
}

/// Update succeeds only against the key's current mod revision.
pub async fn update_is_compare_and_swap(store: Arc<dyn Store>) {
    let created = store.create("/k", val("v1")).await.unwrap();
    let updated = store.update("/k", val("v2"), created).await.unwrap();
    assert!(updated > created);
    let kv = store.get("/k", 0).await.unwrap();
    assert_eq!(
        (kv.value.clone(), kv.create_revision, kv.mod_revision),
        (val("v2"), created, updated)
    );

    let error = store.update("/k", val("v3"), created).await.unwrap_err();
    match error {
        StorageError::Conflict {
            key,
            expected,
            actual,
        } => {
            assert_eq!((key.as_str(), expected, actual), ("/k", created, updated));
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(store.get("/k", 0).await.unwrap().value, val("v2"));
    let error = store
        .update("/absent", val("v"), created)
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

/// Delete removes the key and returns what it held.
pub async fn delete_returns_last_value(store: Arc<dyn Store>) {
    let created = store.create("/k", val("v1")).await.unwrap();
    let updated = store.update("/k", val("v2"), created).await.unwrap();
    let deleted = store.delete("/k", None).await.unwrap();
    assert!(deleted.revision > updated);
    assert_eq!(deleted.last.value, val("v2"));
    assert_eq!(
        (deleted.last.create_revision, deleted.last.mod_revision),
        (created, updated)
    );
    assert!(store.get("/k", 0).await.unwrap_err().is_not_found());
    assert!(store.delete("/k", None).await.unwrap_err().is_not_found());
    assert_eq!(store.current_revision().await.unwrap(), deleted.revision);
}

/// A delete preconditioned on a stale mod revision fails with `Conflict`.
pub async fn delete_with_precondition(store: Arc<dyn Store>) {
    let created = store.create("/k", val("v1")).await.unwrap();
    let updated = store.update("/k", val("v2"), created).await.unwrap();
    let error = store.delete("/k", Some(created)).await.unwrap_err();
    assert!(
        matches!(error, StorageError::Conflict { expected, actual, .. } if expected == created && actual == updated),
        "{error:?}"
    );
    assert_eq!(store.get("/k", 0).await.unwrap().value, val("v2"));
    let deleted = store.delete("/k", Some(updated)).await.unwrap();
    assert_eq!(deleted.last.mod_revision, updated);
}

/// A key deleted and created again starts a new incarnation.
pub async fn recreate_after_delete_is_a_new_incarnation(store: Arc<dyn Store>) {
    let first = store.create("/k", val("a")).await.unwrap();
    store.delete("/k", None).await.unwrap();
    let second = store.create("/k", val("b")).await.unwrap();
    let kv = store.get("/k", 0).await.unwrap();
    assert!(second > first);
    assert_eq!(
        (kv.create_revision, kv.mod_revision, kv.value),
        (second, second, val("b"))
    );
}

/// Get at a past revision sees the value of that time, including absence.
pub async fn get_at_past_revision(store: Arc<dyn Store>) {
    let before = store.current_revision().await.unwrap();
    let r1 = store.create("/k", val("v1")).await.unwrap();
    let r2 = store.update("/k", val("v2"), r1).await.unwrap();
    store.create("/other", val("o")).await.unwrap();
    let r3 = store.delete("/k", None).await.unwrap().revision;
    let r4 = store.create("/k", val("v4")).await.unwrap();

    if before > 0 {
        assert!(store.get("/k", before).await.unwrap_err().is_not_found());
    }
    let at1 = store.get("/k", r1).await.unwrap();
    assert_eq!((at1.value, at1.mod_revision), (val("v1"), r1));
    let at2 = store.get("/k", r2).await.unwrap();
    assert_eq!(
        (at2.value, at2.create_revision, at2.mod_revision),
        (val("v2"), r1, r2)
    );
    assert_eq!(store.get("/k", r2 + 1).await.unwrap().value, val("v2"));
    assert!(store.get("/k", r3).await.unwrap_err().is_not_found());
    assert_eq!(store.get("/k", r4).await.unwrap().value, val("v4"));
    let error = store.get("/k", r4 + 100).await.unwrap_err();
    assert!(
        matches!(error, StorageError::FutureRevision { requested, .. } if requested == r4 + 100),
        "{error:?}"
    );
}

/// List returns exactly the keys under the prefix, in byte order.
pub async fn list_by_prefix(store: Arc<dyn Store>) {
    for key in ["/a/2", "/a/1", "/ab/1", "/a/10", "/b/1", "/a"] {
        store.create(key, val(key)).await.unwrap();
    }
    let result = store.list(ListRequest::prefix("/a/")).await.unwrap();
    assert_eq!(keys(&result.kvs), ["/a/1", "/a/10", "/a/2"]);
    assert!(!result.more);
    assert_eq!(result.revision, store.current_revision().await.unwrap());
    assert_eq!(result.kvs[0].value, val("/a/1"));
    let all = store.list(ListRequest::prefix("")).await.unwrap();
    assert_eq!(
        keys(&all.kvs),
        ["/a", "/a/1", "/a/10", "/a/2", "/ab/1", "/b/1"]
    );
    assert!(
        store
            .list(ListRequest::prefix("/zzz/"))
            .await
            .unwrap()
            .kvs
            .is_empty()
    );
}

/// `limit` and the continue key walk a prefix page by page.
pub async fn list_paginates_with_continue_key(store: Arc<dyn Store>) {
    for i in 0..25 {
        store.create(&format!("/p/{i:03}"), val("x")).await.unwrap();
    }
    store.create("/q/000", val("x")).await.unwrap();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let mut request = ListRequest::prefix("/p/").limit(10);
        request.after = after.as_deref();
        let page = store.list(request).await.unwrap();
        pages.push((page.kvs.len(), page.more));
        seen.extend(page.kvs.iter().map(|kv| kv.key.clone()));
        if !page.more {
            break;
        }
        after = page.kvs.last().map(|kv| kv.key.clone());
    }
    assert_eq!(pages, [(10, true), (10, true), (5, false)]);
    let expected: Vec<String> = (0..25).map(|i| format!("/p/{i:03}")).collect();
    assert_eq!(seen, expected);
    let exact = store
        .list(ListRequest::prefix("/p/").limit(25))
        .await
        .unwrap();
    assert_eq!((exact.kvs.len(), exact.more), (25, false));
}

/// Pages read at the first page's revision show the state at that revision, whatever is written
/// between them.
pub async fn list_pages_stay_consistent_while_writes_continue(store: Arc<dyn Store>) {
    for i in 0..50 {
        store
            .create(&format!("/c/{i:03}"), val(&format!("v{i}")))
            .await
            .unwrap();
    }
    let first = store
        .list(ListRequest::prefix("/c/").limit(10))
        .await
        .unwrap();
    let revision = first.revision;
    let expected: BTreeMap<String, Bytes> = (0..50)
        .map(|i| (format!("/c/{i:03}"), val(&format!("v{i}"))))
        .collect();

    // Writers change later pages: updates, deletes, new keys in the middle and at the end.
    let writer = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for i in (10..50).step_by(3) {
                let key = format!("/c/{i:03}");
                let kv = store.get(&key, 0).await.unwrap();
                store
                    .update(&key, val("changed"), kv.mod_revision)
                    .await
                    .unwrap();
            }
            for i in (11..50).step_by(5) {
                store.delete(&format!("/c/{i:03}"), None).await.unwrap();
            }
            for i in 0..20 {
                store
                    .create(&format!("/c/{:03}a", i * 2 + 10), val("new"))
                    .await
                    .unwrap();
            }
        })
    };
    let mut got: Vec<KeyValue> = first.kvs.clone();
    let mut more = first.more;
    while more {
        let after = got.last().map(|kv| kv.key.clone()).unwrap();
        let page = store
            .list(
                ListRequest::prefix("/c/")
                    .limit(7)
                    .after(&after)
                    .at(revision),
            )
            .await
            .unwrap();
        assert_eq!(page.revision, revision);
        more = page.more;
        got.extend(page.kvs);
        tokio::task::yield_now().await;
    }
    writer.await.unwrap();
    let got: BTreeMap<String, Bytes> = got.into_iter().map(|kv| (kv.key, kv.value)).collect();
    assert_eq!(got, expected);

    // And the same list read again now at that revision, in one go, agrees.
    let again = store
        .list(ListRequest::prefix("/c/").at(revision))
        .await
        .unwrap();
    let again: BTreeMap<String, Bytes> =
        again.kvs.into_iter().map(|kv| (kv.key, kv.value)).collect();
    assert_eq!(again, expected);
}

/// A list at a past revision shows keys since deleted and values since changed.
pub async fn list_at_past_revision(store: Arc<dyn Store>) {
    let a = store.create("/l/a", val("a1")).await.unwrap();
    store.create("/l/b", val("b1")).await.unwrap();
    let then = store.create("/l/c", val("c1")).await.unwrap();
    store.update("/l/a", val("a2"), a).await.unwrap();
    store.delete("/l/b", None).await.unwrap();
    store.create("/l/d", val("d1")).await.unwrap();

    let past = store
        .list(ListRequest::prefix("/l/").at(then))
        .await
        .unwrap();
    assert_eq!(past.revision, then);
    let past: Vec<(&str, Bytes)> = past
        .kvs
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.clone()))
        .collect();
    assert_eq!(
        past,
        [
            ("/l/a", val("a1")),
            ("/l/b", val("b1")),
            ("/l/c", val("c1"))
        ]
    );
    let now = store.list(ListRequest::prefix("/l/")).await.unwrap();
    assert_eq!(keys(&now.kvs), ["/l/a", "/l/c", "/l/d"]);
    let page = store
        .list(ListRequest::prefix("/l/").at(then).limit(1).after("/l/a"))
        .await
        .unwrap();
    assert_eq!((keys(&page.kvs), page.more), (vec!["/l/b"], true));
}

/// Reads below the compacted revision answer `Compacted`; above the current one, `FutureRevision`.
pub async fn reads_of_compacted_or_future_revisions_fail(store: Arc<dyn Store>) {
    let r1 = store.create("/k", val("v1")).await.unwrap();
    let r2 = store.update("/k", val("v2"), r1).await.unwrap();
    let r3 = store.update("/k", val("v3"), r2).await.unwrap();
    store.compact(r2).await.unwrap();
    assert_eq!(store.compacted_revision().await.unwrap(), r2);

    let error = store.get("/k", r1).await.unwrap_err();
    assert!(
        matches!(error, StorageError::Compacted { requested, .. } if requested == r1),
        "{error:?}"
    );
    let error = store
        .list(ListRequest::prefix("/").at(r1))
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Compacted { .. }), "{error:?}");
    assert_eq!(store.get("/k", r2).await.unwrap().value, val("v2"));
    assert_eq!(store.get("/k", r3).await.unwrap().value, val("v3"));
    let error = store
        .list(ListRequest::prefix("/").at(r3 + 10))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StorageError::FutureRevision { .. }),
        "{error:?}"
    );
    let error = store.compact(r1).await.unwrap_err();
    assert!(matches!(error, StorageError::Compacted { .. }), "{error:?}");
    let error = store.compact(r3 + 10).await.unwrap_err();
    assert!(
        matches!(error, StorageError::FutureRevision { .. }),
        "{error:?}"
    );
}

/// Of many writers racing a compare-and-swap on the same revision, exactly one wins.
pub async fn concurrent_cas_has_one_winner_per_revision(store: Arc<dyn Store>) {
    let mut expected = store.create("/race", val("0")).await.unwrap();
    for round in 0..10 {
        let mut tasks = Vec::new();
        for writer in 0..32 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                store
                    .update("/race", val(&format!("{round}-{writer}")), expected)
                    .await
            }));
        }
        let mut winners = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(rev) => winners.push(rev),
                Err(StorageError::Conflict { actual, .. }) => assert!(actual > expected),
                Err(other) => panic!("unexpected error {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        assert_eq!(
            store.get("/race", 0).await.unwrap().mod_revision,
            winners[0]
        );
        expected = winners[0];
    }
}

/// Of many concurrent creates of one key, exactly one succeeds.
pub async fn concurrent_creates_of_one_key_have_one_winner(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for writer in 0..32 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store.create("/once", val(&writer.to_string())).await
        }));
    }
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => winners += 1,
            Err(StorageError::AlreadyExists { .. }) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(winners, 1);
}

/// Concurrent writers to distinct keys all succeed, each with its own revision.
pub async fn concurrent_writers_get_distinct_revisions(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for writer in 0..32 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut revs = Vec::new();
            for i in 0..20 {
                revs.push(
                    store
                        .create(&format!("/w/{writer:02}/{i:02}"), val("x"))
                        .await
                        .unwrap(),
                );
            }
            revs
        }));
    }
    let mut all = HashSet::new();
    for task in tasks {
        let revs = task.await.unwrap();
        assert!(revs.windows(2).all(|pair| pair[0] < pair[1]));
        all.extend(revs);
    }
    assert_eq!(all.len(), 640);
    assert_eq!(
        store
            .list(ListRequest::prefix("/w/"))
            .await
            .unwrap()
            .kvs
            .len(),
        640
    );
    assert_eq!(
        store.current_revision().await.unwrap(),
        *all.iter().max().unwrap()
    );
}

/// A watch sees creates, updates and deletes under its prefix, with previous values, in order.
pub async fn watch_delivers_live_changes_with_prev(store: Arc<dyn Store>) {
    let start = store.current_revision().await.unwrap();
    let mut watch = store.watch("/w/", start).await.unwrap();
    let r1 = store.create("/w/a", val("1")).await.unwrap();
    store.create("/x/a", val("outside")).await.unwrap();
    let r2 = store.update("/w/a", val("2"), r1).await.unwrap();
    let r3 = store.delete("/w/a", None).await.unwrap().revision;

    let created = next_event(&mut watch).await;
    assert!(created.is_create() && created.prev.is_none());
    assert_eq!(
        (
            created.kv.key.as_str(),
            created.kv.value.clone(),
            created.revision()
        ),
        ("/w/a", val("1"), r1)
    );
    let updated = next_event(&mut watch).await;
    assert_eq!(
        (updated.kind, updated.revision(), updated.kv.create_revision),
        (EventKind::Put, r2, r1)
    );
    assert!(!updated.is_create());
    assert_eq!(
        updated
            .prev
            .as_ref()
            .map(|prev| (prev.value.clone(), prev.mod_revision)),
        Some((val("1"), r1))
    );
    let deleted = next_event(&mut watch).await;
    assert_eq!(
        (deleted.kind, deleted.revision(), deleted.kv.key.as_str()),
        (EventKind::Delete, r3, "/w/a")
    );
    assert_eq!(
        deleted
            .prev
            .as_ref()
            .map(|prev| (prev.value.clone(), prev.mod_revision)),
        Some((val("2"), r2))
    );
    assert_quiet(&mut watch).await;
}

/// A watch from an old revision replays every later change in order, then continues live.
pub async fn watch_replays_history_then_continues_live(store: Arc<dyn Store>) {
    let start = store.current_revision().await.unwrap();
    let mut revisions = Vec::new();
    for i in 0..30 {
        revisions.push(store.create(&format!("/h/{i}"), val("x")).await.unwrap());
        store
            .create(&format!("/other/{i}"), val("x"))
            .await
            .unwrap();
    }
    let kv = store.get("/h/3", 0).await.unwrap();
    revisions.push(
        store
            .update("/h/3", val("y"), kv.mod_revision)
            .await
            .unwrap(),
    );

    // From the beginning: everything; from the middle: the rest.
    let mut watch = store.watch("/h/", start).await.unwrap();
    for expected in &revisions {
        assert_eq!(next_event(&mut watch).await.revision(), *expected);
    }
    let mut from_middle = store.watch("/h/", revisions[14]).await.unwrap();
    for expected in &revisions[15..] {
        assert_eq!(next_event(&mut from_middle).await.revision(), *expected);
    }
    let live = store.create("/h/live", val("z")).await.unwrap();
    assert_eq!(next_event(&mut watch).await.revision(), live);
    assert_eq!(next_event(&mut from_middle).await.revision(), live);
    let replayed_update = store
        .watch("/h/3", revisions[29])
        .await
        .unwrap()
        .next()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(replayed_update.prev.map(|prev| prev.value), Some(val("x")));
}

/// A watch starting before the compacted revision fails with `Compacted`.
pub async fn watch_from_compacted_revision_is_compacted(store: Arc<dyn Store>) {
    let start = store.current_revision().await.unwrap();
    let r1 = store.create("/k", val("1")).await.unwrap();
    let r2 = store.update("/k", val("2"), r1).await.unwrap();
    let r3 = store.update("/k", val("3"), r2).await.unwrap();
    store.compact(r2).await.unwrap();
    let outcome = match store.watch("/", start).await {
        Err(error) => error,
        Ok(mut stream) => match tokio::time::timeout(PATIENCE, stream.next()).await {
            Ok(Some(Err(error))) => error,
            other => panic!("expected a Compacted error, got {other:?}"),
        },
    };
    assert!(
        matches!(outcome, StorageError::Compacted { .. }),
        "{outcome:?}"
    );
    // From the compacted revision itself, the later history is intact.
    let mut watch = store.watch("/", r2).await.unwrap();
    assert_eq!(next_event(&mut watch).await.revision(), r3);
}

/// Under concurrent writers a watch gets every change exactly once, in revision order.
pub async fn watch_is_gap_free_under_concurrent_writes(store: Arc<dyn Store>) {
    let start = store.current_revision().await.unwrap();
    let mut watch = store.watch("/g/", start).await.unwrap();
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut revs = Vec::new();
            for i in 0..50 {
                revs.push(
                    store
                        .create(&format!("/g/{writer}/{i}"), val("x"))
                        .await
                        .unwrap(),
                );
            }
            revs
        }));
    }
    let mut written = Vec::new();
    for task in tasks {
        written.extend(task.await.unwrap());
    }
    written.sort_unstable();
    let mut seen = Vec::new();
    for _ in 0..written.len() {
        seen.push(next_event(&mut watch).await.revision());
    }
    assert_eq!(seen, written);
    assert_quiet(&mut watch).await;
}

/// A watcher that stops reading while thousands of changes are made either receives every one of
/// them in order afterwards, or is told to re-list; it never silently skips.
pub async fn slow_watcher_catches_up_or_is_told_to_relist(store: Arc<dyn Store>) {
    let start = store.current_revision().await.unwrap();
    let mut watch = store.watch("/s/", start).await.unwrap();
    let mut written = Vec::new();
    for i in 0..3000 {
        written.push(
            store
                .create(&format!("/s/{i:05}"), Bytes::from(vec![b'v'; 256]))
                .await
                .unwrap(),
        );
    }
    let mut position = 0;
    while position < written.len() {
        match tokio::time::timeout(PATIENCE, watch.next())
            .await
            .expect("watch stalled")
        {
            Some(Ok(event)) => {
                assert_eq!(event.revision(), written[position], "skipped or reordered");
                position += 1;
            }
            Some(Err(StorageError::Compacted { .. })) => return,
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Watchers of different prefixes and positions do not affect each other.
pub async fn watchers_are_independent(store: Arc<dyn Store>) {
    let start = store.current_revision().await.unwrap();
    let mut a = store.watch("/a/", start).await.unwrap();
    let mut b = store.watch("/b/", start).await.unwrap();
    let abandoned = store.watch("/", start).await.unwrap();
    let ra = store.create("/a/1", val("x")).await.unwrap();
    let rb = store.create("/b/1", val("x")).await.unwrap();
    drop(abandoned);
    let ra2 = store.create("/a/2", val("x")).await.unwrap();
    assert_eq!(next_event(&mut a).await.revision(), ra);
    assert_eq!(next_event(&mut b).await.revision(), rb);
    assert_eq!(next_event(&mut a).await.revision(), ra2);
    assert_quiet(&mut b).await;
}

/// Compaction keeps every live key's latest value and all history after the compacted revision.
pub async fn compaction_keeps_latest_values_and_later_history(store: Arc<dyn Store>) {
    let mut revs = BTreeMap::new();
    for i in 0..20 {
        let key = format!("/k/{i:02}");
        let mut rev = store.create(&key, val("0")).await.unwrap();
        for round in 1..5 {
            rev = store
                .update(&key, val(&round.to_string()), rev)
                .await
                .unwrap();
        }
        revs.insert(key, rev);
    }
    store.delete("/k/00", None).await.unwrap();
    let middle = store.current_revision().await.unwrap();
    let after = store
        .update("/k/01", val("later"), revs["/k/01"])
        .await
        .unwrap();
    store.compact(middle).await.unwrap();

    let now = store.list(ListRequest::prefix("/k/")).await.unwrap();
    assert_eq!(now.kvs.len(), 19);
    assert_eq!(now.kvs[0].value, val("later"));
    assert!(now.kvs[1..].iter().all(|kv| kv.value == val("4")));
    let at_middle = store
        .list(ListRequest::prefix("/k/").at(middle))
        .await
        .unwrap();
    assert_eq!(at_middle.kvs.len(), 19);
    assert!(at_middle.kvs.iter().all(|kv| kv.value == val("4")));
    assert_eq!(store.get("/k/01", middle).await.unwrap().value, val("4"));
    let mut watch = store.watch("/k/", middle).await.unwrap();
    let event = next_event(&mut watch).await;
    assert_eq!(
        (event.revision(), event.prev.map(|prev| prev.value)),
        (after, Some(val("4")))
    );
}

/// Bad keys and values get typed errors from every operation, never a panic.
pub async fn invalid_keys_and_values_are_refused(store: Arc<dyn Store>) {
    let long_key = format!("/{}", "k".repeat(MAX_KEY_LEN));
    for key in ["", "/with\0nul", long_key.as_str()] {
        let invalid = |error: StorageError| matches!(error, StorageError::InvalidKey { .. });
        assert!(
            invalid(store.create(key, val("v")).await.unwrap_err()),
            "create {key:?}"
        );
        assert!(invalid(store.get(key, 0).await.unwrap_err()), "get {key:?}");
        assert!(
            invalid(store.update(key, val("v"), 1).await.unwrap_err()),
            "update {key:?}"
        );
        assert!(
            invalid(store.delete(key, None).await.unwrap_err()),
            "delete {key:?}"
        );
    }
    assert!(matches!(
        store.list(ListRequest::prefix("/a\0")).await.unwrap_err(),
        StorageError::InvalidKey { .. }
    ));
    assert!(matches!(
        store.watch("/a\0", 0).await.err(),
        Some(StorageError::InvalidKey { .. })
    ));
    let invalid_value = |error: StorageError| matches!(error, StorageError::InvalidValue { .. });
    assert!(invalid_value(
        store.create("/k", Bytes::new()).await.unwrap_err()
    ));
    assert!(invalid_value(
        store
            .create("/k", Bytes::from(vec![0u8; MAX_VALUE_LEN + 1]))
            .await
            .unwrap_err()
    ));
    let rev = store.create("/k", val("ok")).await.unwrap();
    assert!(invalid_value(
        store.update("/k", Bytes::new(), rev).await.unwrap_err()
    ));
    assert_eq!(store.get("/k", 0).await.unwrap().value, val("ok"));
}

/// A value of exactly the maximum size is stored and read back intact.
pub async fn largest_value_round_trips(store: Arc<dyn Store>) {
    let value = Bytes::from(
        (0..MAX_VALUE_LEN)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    store.create("/big", value.clone()).await.unwrap();
    assert_eq!(store.get("/big", 0).await.unwrap().value, value);
    let listed = store.list(ListRequest::prefix("/big")).await.unwrap();
    assert_eq!(listed.kvs[0].value, value);
}
