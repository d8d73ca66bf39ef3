//! Reads the queue's and its dead-letter queue's approximate depths every
//! `depth_interval_secs` into `trailflow.sqs.queue.messages` and
//! `trailflow.sqs.dlq.messages`: backlog and poison messages are visible
//! on the dashboards and alerts without CloudWatch.

use std::time::Duration;

use tokio::sync::watch;

use super::selfmetrics::SelfMetrics;
use crate::source::sqs::SqsQueue;

/// Polls until `stop` turns true.
pub async fn poll(
    queue: SqsQueue,
    dead_letter: Option<String>,
    interval: Duration,
    metrics: SelfMetrics,
    mut stop: watch::Receiver<bool>,
) {
    let mut dlq = dead_letter;
    let mut warned = false;
    loop {
        match queue.depth().await {
            Ok((depth, from_policy)) => {
                for (state, n) in [
                    ("visible", depth.visible),
                    ("in_flight", depth.in_flight),
                    ("delayed", depth.delayed),
                ] {
                    metrics.add(
                        "trailflow.sqs.queue.messages",
                        &[&depth.queue, state],
                        n as f64,
                    );
                }
                if dlq.is_none() {
                    dlq = from_policy;
                }
            }
            Err(e) if !warned => {
                warned = true;
                tracing::warn!(error = %e, "reading the queue depth (repeats are logged at debug)");
            }
            Err(e) => tracing::debug!(error = %e, "reading the queue depth"),
        }
        if let Some(url) = &dlq {
            match queue.depth_of(url).await {
                Ok(depth) => metrics.add(
                    "trailflow.sqs.dlq.messages",
                    &[&depth.queue],
                    (depth.visible + depth.in_flight + depth.delayed) as f64,
                ),
                Err(e) => tracing::debug!(error = %e, "reading the dead-letter queue depth"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}
