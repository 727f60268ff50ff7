//! The loop the built-in controllers share (the hub's small client-go workqueue): follow one
//! resource in every logical cluster through the fan-out, queue each `(cluster, name)` whose
//! object a filter wants (those already stored when the hub starts, then every change), merge
//! duplicates while a batch is worked on, and retry after a delay what is not done yet.

use std::collections::{BTreeSet, HashSet};
use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use hub_api::registry::ResourceDef;
use serde_json::{Map, Value};
use storage::ListRequest;
use tokio::sync::mpsc;

use crate::codec;
use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::keys;
use crate::objects::Objects;

/// What one reconcile of an object came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing left to do until the object changes again.
    Done,
    /// Look again after [`Controller::retry`] (e.g. objects with finalizers remain).
    Later,
}

/// A controller of one resource.
#[derive(Clone, Copy, Debug)]
pub struct Controller {
    /// Its name, for log lines.
    pub name: &'static str,
    /// Which objects it works on.
    pub wants: fn(&Map<String, Value>) -> bool,
    /// How long to wait before looking again at an object that is not done or failed.
    pub retry: Duration,
    /// How many objects are reconciled at once (never the same object twice at once).
    pub concurrency: usize,
}

impl Controller {
    /// Starts following `def` and calling `reconcile(cluster, name)` for each object it wants,
    /// up to [`Controller::concurrency`] at a time, until the fan-out ends.
    pub async fn start<F, Fut>(
        self,
        objects: &Objects,
        fanout: &Fanout,
        def: &ResourceDef,
        reconcile: F,
    ) -> Result<(), ApiError>
    where
        F: Fn(String, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome, ApiError>> + Send,
    {
        let prefix = keys::resource_prefix(def);
        let mut subscription = fanout
            .subscribe(&prefix, fanout.position())
            .await
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        let (queue, mut work) = mpsc::unbounded_channel::<(String, String)>();
        let wants = self.wants;

        // Objects already waiting when the hub starts.
        let existing = objects.store().list(ListRequest::prefix(&prefix)).await?;
        for kv in existing.kvs {
            if let Some(parts) = keys::split_key(&kv.key, &prefix, false)
                && codec::decode(&kv.value, kv.mod_revision).is_ok_and(|object| wants(&object))
            {
                let _ = queue.send((parts.cluster.to_owned(), parts.name.to_owned()));
            }
        }
        let watcher_queue = queue.clone();
        tokio::spawn(async move {
            while let Some(Ok(change)) = subscription.next().await {
                if change.deleted {
                    continue;
                }
                if let Some(parts) = keys::split_key(&change.key, &prefix, false)
                    && codec::decode(&change.value, change.revision)
                        .is_ok_and(|object| wants(&object))
                    && watcher_queue
                        .send((parts.cluster.to_owned(), parts.name.to_owned()))
                        .is_err()
                {
                    return;
                }
            }
        });
        tokio::spawn(async move {
            let mut pending: HashSet<(String, String)> = HashSet::new();
            while let Some(item) = work.recv().await {
                pending.insert(item);
                while let Ok(item) = work.try_recv() {
                    pending.insert(item);
                }
                let batch: BTreeSet<(String, String)> = pending.drain().collect();
                futures::stream::iter(batch)
                    .for_each_concurrent(self.concurrency.max(1), |(cluster, name)| {
                        let (queue, reconcile) = (queue.clone(), &reconcile);
                        async move {
                            match reconcile(cluster.clone(), name.clone()).await {
                                Ok(Outcome::Done) => return,
                                Ok(Outcome::Later) => {}
                                Err(error) => {
                                    tracing::warn!(controller = self.name, %cluster, %name, %error, "reconcile failed; retrying");
                                }
                            }
                            let retry = self.retry;
                            tokio::spawn(async move {
                                tokio::time::sleep(retry).await;
                                let _ = queue.send((cluster, name));
                            });
                        }
                    })
                    .await;
            }
        });
        Ok(())
    }
}
