//! The sources of deliveries: SQS receivers (long polling, stopped by
//! backpressure when the in-flight limit is reached) and the directory source.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::Event;
use super::budget::Admission;
use super::selfmetrics::SelfMetrics;
use super::tracker::Delivery;
use crate::config::{DirectoryConfig, SqsConfig};
use crate::health::Health;
use crate::source::fetch::backoff;
use crate::source::{ObjectSpec, Queue, QueueMessage, notification};

/// What a receiver needs.
pub struct ReceiverContext {
    /// The queue.
    pub queue: Arc<dyn Queue>,
    /// Receive settings.
    pub config: SqsConfig,
    /// Places in flight and room for decoded bytes.
    pub admission: Admission,
    /// Where deliveries go.
    pub events: mpsc::Sender<Event>,
    /// Becomes true on shutdown.
    pub stop: watch::Receiver<bool>,
    /// Readiness.
    pub health: Arc<Health>,
    /// Self-metrics.
    pub metrics: SelfMetrics,
    /// Stop after the first empty receive (a Lambda batch: the queue holds what it holds).
    pub once: bool,
}

/// Receives until stopped.
pub async fn sqs(mut ctx: ReceiverContext) {
    let visibility = Duration::from_secs(ctx.config.visibility_timeout_secs.max(1) as u64);
    let max = ctx.config.max_messages.clamp(1, 10);
    let mut failures = 0;
    while !*ctx.stop.borrow() {
        let permits = tokio::select! {
            p = ctx.admission.admit(max as u32) => p,
            _ = ctx.stop.changed() => break,
        };
        let Some(mut permits) = permits else { break };
        let received = tokio::select! {
            r = ctx.queue.receive(max, visibility) => r,
            _ = ctx.stop.changed() => break,
        };
        let messages = match received {
            Ok(m) => {
                failures = 0;
                ctx.health.set_queue_ok(true);
                m
            }
            Err(e) => {
                failures += 1;
                ctx.health.set_queue_ok(false);
                let wait = backoff(
                    failures,
                    Duration::from_millis(500),
                    Duration::from_secs(30),
                );
                tracing::warn!(error = %e, ?wait, "receive failed; retrying");
                drop(permits);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => continue,
                    _ = ctx.stop.changed() => break,
                }
            }
        };
        tracing::debug!(messages = messages.len(), "received");
        if ctx.once && messages.is_empty() {
            break;
        }
        for message in messages {
            let permit = permits.split(1);
            if let Some(delivery) = accept(&ctx, message, permit).await
                && ctx.events.send(Event::Delivery(delivery)).await.is_err()
            {
                return;
            }
        }
    }
    let _ = ctx.events.send(Event::SourceDone).await;
}

/// Parses a message: deliveries for objects; test events and other non-create
/// notifications deleted at once; unknown bodies left for the dead-letter queue.
async fn accept(
    ctx: &ReceiverContext,
    message: QueueMessage,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
) -> Option<Delivery> {
    let m = &ctx.metrics;
    if let Some(sent) = message.sent_at {
        m.add("trailflow.sqs.lag", &[], crate::source::sqs::age(sent));
    }
    if message.receive_count > 1 {
        m.inc("trailflow.sqs.redeliveries", &[]);
    }
    match notification::parse(&message.body) {
        Err(e) => {
            m.inc("trailflow.sqs.messages", &["received", "unknown"]);
            m.inc("trailflow.sqs.messages", &["unrecognized", "unknown"]);
            tracing::warn!(
                message_id = %message.id,
                receive_count = message.receive_count,
                error = %e,
                "message left for the dead-letter queue"
            );
            None
        }
        Ok(n) if n.is_discardable() => {
            let envelope = n.envelope.as_str();
            m.inc("trailflow.sqs.messages", &["received", envelope]);
            tracing::debug!(message_id = %message.id, envelope, ignored = ?n.ignored, "nothing to process; deleting");
            match ctx
                .queue
                .delete(std::slice::from_ref(&message.receipt))
                .await
            {
                Ok(failed) if failed.is_empty() => {
                    m.inc("trailflow.sqs.messages", &["discarded", envelope])
                }
                Ok(failed) => {
                    m.inc("trailflow.sqs.messages", &["delete_failed", envelope]);
                    tracing::warn!(message_id = %message.id, reason = %failed[0].reason, "discardable message not deleted");
                }
                Err(e) => {
                    m.inc("trailflow.sqs.messages", &["delete_failed", envelope]);
                    tracing::warn!(message_id = %message.id, error = %e, "discardable message not deleted");
                }
            }
            None
        }
        Ok(n) => {
            m.inc("trailflow.sqs.messages", &["received", n.envelope.as_str()]);
            Some(Delivery {
                envelope: n.envelope.as_str(),
                objects: n.objects.into_iter().map(ObjectSpec::S3).collect(),
                message: Some(message),
                permit,
            })
        }
    }
}

/// Lists `config.path` every poll interval and delivers each new file once
/// (the ledger keeps restarts from counting a file twice); with `once`, lists once.
pub async fn directory(
    config: DirectoryConfig,
    admission: Admission,
    events: mpsc::Sender<Event>,
    mut stop: watch::Receiver<bool>,
) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    loop {
        let root = config.path.clone();
        let listed =
            tokio::task::spawn_blocking(move || crate::source::directory::collect_files(&[root]))
                .await;
        match listed {
            Ok(Ok(files)) => {
                for file in files {
                    if !seen.insert(file.clone()) {
                        continue;
                    }
                    let permit = tokio::select! {
                        p = admission.admit(1) => p,
                        _ = stop.changed() => break,
                    };
                    let delivery = Delivery {
                        message: None,
                        envelope: "file",
                        objects: vec![ObjectSpec::File(file)],
                        permit,
                    };
                    if events.send(Event::Delivery(delivery)).await.is_err() {
                        return;
                    }
                }
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "listing the source directory failed"),
            Err(e) => tracing::warn!(error = %e, "listing the source directory failed"),
        }
        if config.once || *stop.borrow() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(config.poll_interval_secs)) => {}
            _ = stop.changed() => break,
        }
    }
    let _ = events.send(Event::SourceDone).await;
}

/// Lists `location` and delivers every object modified at or after `since` (Unix seconds), then stops.
/// Shares the ledger with live ingestion, so objects already counted are skipped.
pub async fn listing(
    s3: crate::source::s3::S3Reader,
    location: crate::source::s3::S3Location,
    since: Option<i64>,
    admission: Admission,
    events: mpsc::Sender<Event>,
    mut stop: watch::Receiver<bool>,
    progress: indicatif::ProgressBar,
) {
    match s3.list(&location).await {
        Ok(objects) => {
            let selected: Vec<_> = objects
                .into_iter()
                .filter(|o| since.is_none_or(|s| o.modified_secs.is_none_or(|m| m >= s)))
                .collect();
            progress.set_length(selected.len() as u64);
            for o in selected {
                let permit = tokio::select! {
                    p = admission.admit(1) => p,
                    _ = stop.changed() => break,
                };
                let mut object = crate::source::ObjectRef::new(o.bucket, o.key);
                object.etag = o.etag;
                object.size = Some(o.size);
                let delivery = Delivery {
                    message: None,
                    envelope: "listing",
                    objects: vec![ObjectSpec::S3(object)],
                    permit,
                };
                if events.send(Event::Delivery(delivery)).await.is_err() {
                    return;
                }
                progress.inc(1);
            }
        }
        Err(e) => tracing::error!(error = %e, "backfill listing failed"),
    }
    progress.finish_and_clear();
    let _ = events.send(Event::SourceDone).await;
}
