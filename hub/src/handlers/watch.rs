//! Watches: newline-delimited JSON events, flushed as they happen, from the fan-out.
//!
//! Without a resourceVersion (or with `0`) the watch first sends the current objects as ADDED;
//! with `sendInitialEvents=true` it then marks the end with a bookmark. With a resourceVersion
//! it resumes after it, with no gaps; one older than the retained history is a 410 `Expired`
//! ERROR event inside the stream. Selectors apply to old and new states, so an object that stops
//! matching is DELETED for this watcher. Bookmarks, `timeoutSeconds` and server shutdown end or
//! punctuate the stream as kube-apiserver does.

use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::{BufMut, Bytes, BytesMut};
use http::StatusCode;
use serde_json::{Map, Value, json};
use storage::Revision;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{parse_resource_version, wait_for_revision};
use crate::api::{Ctx, json_as};
use crate::codec;
use crate::error::ApiError;
use crate::fanout::{Change, WatchError};
use crate::filters::Filter;
use crate::keys;
use crate::objects::Stored;
use crate::tables;

/// How often a watch that allows bookmarks gets one.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(30);
/// Frames buffered between a watch task and the connection.
const FRAMES: usize = 64;

/// `GET …?watch=true`.
pub async fn watch(ctx: Ctx) -> Result<Response, ApiError> {
    let filter = Filter::parse(&ctx)?;
    let allow_bookmarks = ctx.query.flag("allowWatchBookmarks")?;
    let send_initial = match ctx.query.get("sendInitialEvents") {
        None => None,
        Some(_) => Some(ctx.query.flag("sendInitialEvents")?),
    };
    let revision_match = ctx.query.non_empty("resourceVersionMatch");
    match (send_initial, revision_match) {
        (Some(_), Some("NotOlderThan")) => {}
        (Some(_), _) => {
            return Err(ApiError::BadRequest(
                "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::BadRequest(
                "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided".into(),
            ));
        }
        (None, None) => {}
    }
    if send_initial == Some(true) && !allow_bookmarks {
        return Err(ApiError::BadRequest(
            "allowWatchBookmarks: Required value: allowWatchBookmarks must be set to true when sendInitialEvents is set".into(),
        ));
    }
    let timeout = match ctx.query.integer("timeoutSeconds")? {
        Some(seconds) if seconds > 0 => Duration::from_secs(seconds as u64),
        _ => Duration::from_secs(1800 + fastrand::u64(..1800)),
    };
    let requested = parse_resource_version(ctx.query.get("resourceVersion"))?;
    let from_now = matches!(requested, None | Some(0));
    // Initial events: the legacy "no resourceVersion" watch, or sendInitialEvents=true.
    let initial = send_initial.unwrap_or(from_now);
    let prefix = keys::collection_prefix(&ctx.def, &ctx.cluster, ctx.namespace());

    let mut initial_objects = Vec::new();
    let start = if initial {
        let (objects, revision) = current_objects(&ctx, &filter, requested).await?;
        initial_objects = objects;
        revision
    } else if let Some(revision) = requested.filter(|revision| *revision > 0) {
        wait_for_revision(&ctx, revision).await?;
        revision
    } else {
        ctx.state.objects.store().current_revision().await?
    };

    let (frames, receiver) = mpsc::channel::<Bytes>(FRAMES);
    let subscription = ctx.state.fanout.subscribe(&prefix, start).await;
    let content_type = if ctx.accept.table {
        tables::CONTENT_TYPE
    } else {
        "application/json"
    };
    let mut shutdown = ctx.state.shutdown.clone();
    let watchers = ctx.state.metrics.watchers.clone();
    watchers.inc();
    tokio::spawn(async move {
        let mut writer = EventWriter {
            ctx: &ctx,
            first_table: true,
        };
        let sent = async {
            let mut subscription = match subscription {
                Ok(subscription) => subscription,
                Err(error) => {
                    frames.send(writer.error(&error)).await.ok()?;
                    return Some(());
                }
            };
            for stored in &initial_objects {
                frames.send(writer.event("ADDED", stored)?).await.ok()?;
            }
            if send_initial == Some(true) {
                frames.send(writer.bookmark(start, true)).await.ok()?;
            }
            let deadline = tokio::time::sleep(timeout);
            tokio::pin!(deadline);
            let mut bookmarks = tokio::time::interval_at(
                tokio::time::Instant::now() + BOOKMARK_INTERVAL,
                BOOKMARK_INTERVAL,
            );
            loop {
                tokio::select! {
                    _ = &mut deadline => return Some(()),
                    _ = shutdown.changed() => return Some(()),
                    _ = frames.closed() => return None,
                    _ = bookmarks.tick(), if allow_bookmarks => {
                        if let Some(revision) = subscription.bookmark() {
                            frames.send(writer.bookmark(revision, false)).await.ok()?;
                        }
                    }
                    change = subscription.next() => match change {
                        Some(Ok(change)) => {
                            if let Some(frame) = writer.change(&filter, &change) {
                                frames.send(frame?).await.ok()?;
                            }
                        }
                        Some(Err(error)) => {
                            frames.send(writer.error(&error)).await.ok()?;
                            return Some(());
                        }
                        // Dropped as too slow, or the fan-out restarted: end the stream; the
                        // client re-watches from its last resourceVersion.
                        None => return Some(()),
                    }
                }
            }
        };
        sent.await;
        watchers.dec();
    });
    let mut response = json_as(
        StatusCode::OK,
        content_type,
        Body::from_stream(futures::StreamExt::map(
            ReceiverStream::new(receiver),
            Ok::<Bytes, std::convert::Infallible>,
        )),
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-cache, private"),
    );
    Ok(response)
}

/// The current objects matching `filter`, and the revision they were read at.
async fn current_objects(
    ctx: &Ctx,
    filter: &Filter,
    requested: Option<Revision>,
) -> Result<(Vec<Stored>, Revision), ApiError> {
    if let Some(revision) = requested.filter(|revision| *revision > 0) {
        wait_for_revision(ctx, revision).await?;
    }
    let mut objects = Vec::new();
    let mut after: Option<String> = None;
    let mut revision = 0;
    loop {
        let page = ctx
            .state
            .objects
            .list(
                &ctx.def,
                &ctx.cluster,
                ctx.namespace(),
                after.as_deref(),
                1000,
                revision,
            )
            .await?;
        revision = page.revision;
        let more = page.more;
        after = page.items.last().map(|(key, _)| key.clone());
        for (key, stored) in page.items {
            if filter.matches_stored(&stored)? {
                if ctx.is_wildcard() {
                    objects.push(ctx.across_clusters(ctx.cluster_of(&key), stored)?);
                } else {
                    objects.push(stored);
                }
            }
        }
        if !more || after.is_none() {
            return Ok((objects, revision));
        }
    }
}

/// Renders watch events for one client.
struct EventWriter<'a> {
    ctx: &'a Ctx,
    first_table: bool,
}

impl EventWriter<'_> {
    /// The frame for a change, if this watcher sees one.
    fn change(&mut self, filter: &Filter, change: &Change) -> Option<Option<Bytes>> {
        let new_match = !change.deleted
            && filter
                .matches_bytes(&change.value, change.revision)
                .unwrap_or(false);
        let old_match = match &change.prev {
            Some((prev, revision)) => filter.matches_bytes(prev, *revision).unwrap_or(false),
            None => false,
        };
        let event_type = match (change.deleted, old_match, new_match) {
            (true, true, _) => "DELETED",
            (true, false, _) => return None,
            (false, false, true) => "ADDED",
            (false, true, true) => "MODIFIED",
            (false, true, false) => "DELETED",
            (false, false, false) => return None,
        };
        let mut stored = Stored {
            bytes: change.value.clone(),
            revision: change.revision,
        };
        if self.ctx.is_wildcard() {
            stored = self
                .ctx
                .across_clusters(self.ctx.cluster_of(&change.key), stored)
                .ok()?;
        }
        Some(self.event(event_type, &stored))
    }

    /// `{"type":…,"object":…}\n`.
    fn event(&mut self, event_type: &str, stored: &Stored) -> Option<Bytes> {
        let mut out = BytesMut::with_capacity(stored.bytes.len() + 40);
        out.put_slice(b"{\"type\":\"");
        out.put_slice(event_type.as_bytes());
        out.put_slice(b"\",\"object\":");
        if self.ctx.accept.table {
            let object = stored.object().ok()?;
            let table = tables::render(
                self.ctx,
                &[object],
                Value::Object(Map::new()),
                self.first_table,
            )
            .ok()?;
            self.first_table = false;
            out.put_slice(table.to_string().as_bytes());
        } else {
            codec::write_with_revision(&mut out, &stored.bytes, stored.revision).ok()?;
        }
        out.put_slice(b"}\n");
        Some(out.freeze())
    }

    fn bookmark(&self, revision: Revision, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if initial_events_end && let Some(object) = metadata.as_object_mut() {
            object.insert(
                "annotations".into(),
                json!({"k8s.io/initial-events-end": "true"}),
            );
        }
        let object = json!({"kind": self.ctx.def.kind, "apiVersion": self.ctx.def.api_version(), "metadata": metadata});
        let mut line = json!({"type": "BOOKMARK", "object": object}).to_string();
        line.push('\n');
        Bytes::from(line)
    }

    fn error(&self, error: &WatchError) -> Bytes {
        let status = match error {
            WatchError::TooOld { requested, oldest } => {
                ApiError::Expired(format!("too old resource version: {requested} ({oldest})"))
                    .status()
            }
            WatchError::Store(error) => ApiError::Internal(error.to_string()).status(),
        };
        let mut line = json!({"type": "ERROR", "object": status}).to_string();
        line.push('\n');
        Bytes::from(line)
    }
}
