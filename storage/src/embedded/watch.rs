//! Watchers of an embedded store: each replays history from disk up to the committed revision,
//! then follows the writer's broadcast, and goes back to disk whenever it falls behind it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::{Engine, Shared, read};
use crate::{Event, Result, Revision, StorageError, WatchStream};

/// Events buffered between a watcher's task and its consumer.
const STREAM_BUFFER: usize = 256;
/// Revisions read from disk per replay step.
const REPLAY_CHUNK: usize = 1024;

/// Starts a watcher of `prefix` after revision `after`.
pub(super) fn start<E: Engine>(
    shared: Arc<Shared<E>>,
    prefix: String,
    after: Revision,
) -> WatchStream {
    let (sender, receiver) = mpsc::channel(STREAM_BUFFER);
    // Subscribe before reading the committed revision: every batch committed after that read is
    // then either replayed from disk or received here (or both; duplicates are skipped).
    let live = shared.events.subscribe();
    tokio::spawn(async move {
        if let Err(error) = follow(shared, prefix, after, live, &sender).await {
            let _ = sender.send(Err(error)).await;
        }
    });
    Box::pin(ReceiverStream::new(receiver))
}

/// Why a watcher's task stopped without an error to report.
struct Stop;

async fn follow<E: Engine>(
    shared: Arc<Shared<E>>,
    prefix: String,
    after: Revision,
    mut live: broadcast::Receiver<Arc<[Event]>>,
    sender: &mpsc::Sender<Result<Event>>,
) -> Result<()> {
    // The last revision this watcher has examined (delivered or filtered out).
    let mut position = after;
    loop {
        match catch_up(&shared, &prefix, &mut position, sender).await {
            Ok(()) => {}
            Err(Ok(Stop)) => return Ok(()),
            Err(Err(error)) => return Err(error),
        }
        loop {
            let batch = tokio::select! {
                _ = sender.closed() => return Ok(()),
                batch = live.recv() => batch,
            };
            match batch {
                Ok(batch) => {
                    let Some(first) = batch.first() else { continue };
                    if first.revision() > position + 1 {
                        // Revisions between the disk replay and this batch: read them from disk.
                        live = shared.events.subscribe();
                        break;
                    }
                    for event in batch.iter() {
                        if event.revision() <= position {
                            continue;
                        }
                        position = event.revision();
                        if event.kv.key.starts_with(prefix.as_str())
                            && sender.send(Ok(event.clone())).await.is_err()
                        {
                            return Ok(());
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Fell behind the broadcast: resubscribe (before reading the committed
                    // revision again) and catch up from disk.
                    live = shared.events.subscribe();
                    break;
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            }
        }
    }
}

/// Replays from disk everything after `position` up to the committed revision.
async fn catch_up<E: Engine>(
    shared: &Arc<Shared<E>>,
    prefix: &str,
    position: &mut Revision,
    sender: &mpsc::Sender<Result<Event>>,
) -> std::result::Result<(), std::result::Result<Stop, StorageError>> {
    loop {
        let target = shared.committed.load(Ordering::Acquire);
        if *position >= target {
            return Ok(());
        }
        let shared = Arc::clone(shared);
        let prefix_owned = prefix.to_owned();
        let from = *position;
        let (events, last) = tokio::task::spawn_blocking(move || {
            let snapshot = shared.engine.snapshot()?;
            read::replay(&snapshot, &prefix_owned, from, target, REPLAY_CHUNK)
        })
        .await
        .map_err(|error| Err(StorageError::unavailable("watch replay task failed", error)))?
        .map_err(Err)?;
        for event in events {
            if sender.send(Ok(event)).await.is_err() {
                return Err(Ok(Stop));
            }
        }
        *position = last;
    }
}
