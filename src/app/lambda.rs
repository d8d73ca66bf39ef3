//! Lambda mode: one SQS event batch through the daemon's own path (claim,
//! count, export, commit, "delete"). The batch is a [`Queue`] whose receive
//! hands over the event's records once and whose delete records what may go;
//! every record not deleted is reported in `batchItemFailures`, so Lambda
//! returns exactly those messages to the queue (`ReportBatchItemFailures`).
//! The metrics are exported before the handler returns. The `lambda_runtime`
//! glue is `trailflow lambda` (`cli/lambda.rs`); this part needs no runtime.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

use crate::app::{self, AppError, RunOptions};
use crate::config::{Config, ExportConfig};
use crate::source::{EntryFailure, Queue, QueueError, QueueMessage};

/// One event's records as a queue.
#[derive(Debug)]
pub struct BatchQueue {
    pending: Mutex<Vec<QueueMessage>>,
    deleted: Mutex<HashSet<String>>,
    ids: Vec<(String, String)>,
}

impl BatchQueue {
    /// The records of `event`; a record without a message id gets one from its position.
    pub fn new(event: &SqsEvent) -> Self {
        let mut messages = Vec::new();
        let mut ids = Vec::new();
        for (i, r) in event.records.iter().enumerate() {
            let id = r
                .message_id
                .clone()
                .unwrap_or_else(|| format!("record-{i}"));
            let receipt = r.receipt_handle.clone().unwrap_or_else(|| id.clone());
            let sent_at = r
                .attributes
                .get("SentTimestamp")
                .and_then(|t| t.parse::<u64>().ok())
                .map(|ms| UNIX_EPOCH + Duration::from_millis(ms));
            let receive_count = r
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|c| c.parse().ok())
                .unwrap_or(1);
            ids.push((id.clone(), receipt.clone()));
            messages.push(QueueMessage {
                id,
                receipt,
                body: r.body.clone().unwrap_or_default(),
                sent_at: sent_at.or(Some(SystemTime::now())),
                receive_count,
            });
        }
        Self {
            pending: Mutex::new(messages),
            deleted: Mutex::new(HashSet::new()),
            ids,
        }
    }

    /// The response: every record that was not deleted is a failure, to be redelivered.
    pub fn response(&self) -> SqsBatchResponse {
        let deleted = self.deleted.lock().map(|d| d.clone()).unwrap_or_default();
        let mut response = SqsBatchResponse::default();
        for (id, receipt) in &self.ids {
            if !deleted.contains(receipt) {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id.clone();
                response.batch_item_failures.push(failure);
            }
        }
        response
    }
}

#[async_trait]
impl Queue for BatchQueue {
    fn name(&self) -> &str {
        "lambda-sqs-batch"
    }

    async fn receive(
        &self,
        max: i32,
        _visibility: Duration,
    ) -> Result<Vec<QueueMessage>, QueueError> {
        let mut pending = self.pending.lock().map_err(|_| QueueError {
            operation: "receive",
            queue: self.name().into(),
            message: "batch lock poisoned".into(),
        })?;
        let n = pending.len().min(max.max(1) as usize);
        Ok(pending.drain(..n).collect())
    }

    async fn delete(&self, receipts: &[String]) -> Result<Vec<EntryFailure>, QueueError> {
        if let Ok(mut deleted) = self.deleted.lock() {
            deleted.extend(receipts.iter().cloned());
        }
        Ok(Vec::new())
    }

    async fn extend(
        &self,
        _receipts: &[String],
        _visibility: Duration,
    ) -> Result<Vec<EntryFailure>, QueueError> {
        // Lambda holds the batch invisible for the function's timeout.
        Ok(Vec::new())
    }
}

/// Why an invocation could not run (Lambda then retries the whole batch).
#[derive(Debug, thiserror::Error)]
pub enum LambdaError {
    /// The configuration cannot work inside Lambda.
    #[error("configuration unusable in Lambda: {0}")]
    Config(String),
    /// The pipeline could not start.
    #[error(transparent)]
    App(#[from] AppError),
}

/// Adapts a service configuration to Lambda, where every invocation is one short run of the
/// pipeline in an execution environment that may be frozen or discarded between invocations:
///
/// - no health server (nothing probes a function);
/// - OTLP exports delta temporality: every invocation counts from zero, so cumulative series
///   would reset with each one. An explicit `cumulative` is refused;
/// - the `prometheus` sink is refused: nothing scrapes a function;
/// - the replica id is the execution environment's log stream, so that concurrent
///   environments export distinct series.
pub fn configure(
    mut config: Config,
    env: &std::collections::HashMap<String, String>,
) -> Result<LambdaConfig, LambdaError> {
    config.daemon.health_listen = String::new();
    if config.daemon.instance_id.is_none() {
        config.daemon.instance_id = env.get("AWS_LAMBDA_LOG_STREAM_NAME").cloned();
    }
    match &mut config.export {
        ExportConfig::Prometheus { .. } => {
            return Err(LambdaError::Config(
                "export.kind = \"prometheus\" needs a scrape, and nothing scrapes a Lambda \
                 function: use \"otlp\""
                    .into(),
            ));
        }
        ExportConfig::Otlp(otlp) => {
            let chosen = otlp.temporality.clone().or_else(|| {
                env.get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")
                    .cloned()
            });
            match chosen.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
                None | Some("") | Some("delta") | Some("lowmemory") => {
                    otlp.temporality = Some("delta".into());
                }
                Some(other) => {
                    return Err(LambdaError::Config(format!(
                        "OTLP temporality `{other}`: every invocation counts from zero, so Lambda \
                         mode exports delta"
                    )));
                }
            }
        }
        ExportConfig::Console { .. } | ExportConfig::File { .. } => {}
    }
    Ok(LambdaConfig(config))
}

/// A configuration [`configure`] adapted to Lambda: the only kind [`handle`] accepts.
#[derive(Debug, Clone)]
pub struct LambdaConfig(Config);

/// How long before the invocation's deadline the drain starts: the configured grace, but
/// never more than a quarter of the time left, plus a second to return the response.
/// Returns when the drain starts (from now) and the grace it then has.
fn drain(deadline: SystemTime, grace: Duration) -> (Duration, Duration) {
    let left = deadline
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    let grace = grace.min(left / 4);
    (left.saturating_sub(grace + Duration::from_secs(1)), grace)
}

/// Processes one SQS event with `config` (its `source` is ignored) and
/// returns the partial-batch response. With a `deadline` (the invocation's), the drain starts
/// early enough to export and answer before it: records not exported by then are reported
/// as failures and come back. An error means nothing could run: Lambda retries the batch.
pub async fn handle(
    config: LambdaConfig,
    event: &SqsEvent,
    deadline: Option<SystemTime>,
) -> Result<SqsBatchResponse, LambdaError> {
    let LambdaConfig(mut config) = config;
    let batch = Arc::new(BatchQueue::new(event));
    let options = RunOptions {
        queue: Some(batch.clone()),
        ..Default::default()
    };
    match deadline {
        Some(deadline) => {
            let (start, grace) = drain(
                deadline,
                Duration::from_secs(config.daemon.shutdown_grace_secs),
            );
            config.daemon.shutdown_grace_secs = grace.as_secs();
            app::run(config, options, tokio::time::sleep(start)).await?;
        }
        None => {
            app::run(config, options, std::future::pending()).await?;
        }
    }
    Ok(batch.response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn otlp(temporality: Option<&str>) -> Config {
        Config {
            export: ExportConfig::Otlp(Box::new(crate::config::OtlpConfig {
                temporality: temporality.map(String::from),
                ..Default::default()
            })),
            ..Default::default()
        }
    }

    fn temporality(config: &Config) -> Option<String> {
        match &config.export {
            ExportConfig::Otlp(o) => o.temporality.clone(),
            _ => None,
        }
    }

    #[test]
    fn lambda_exports_delta_without_a_health_server() {
        let e = env(&[("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/29/[$LATEST]abc")]);
        let config = configure(otlp(None), &e).unwrap().0;
        assert_eq!(temporality(&config).as_deref(), Some("delta"));
        assert_eq!(config.daemon.health_listen, "");
        assert_eq!(
            config.daemon.instance_id.as_deref(),
            Some("2026/11/29/[$LATEST]abc")
        );
        let from_env = env(&[("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta")]);
        assert!(configure(otlp(None), &from_env).is_ok());
    }

    #[test]
    fn cumulative_and_prometheus_are_refused() {
        let err = configure(otlp(Some("cumulative")), &env(&[])).unwrap_err();
        assert!(err.to_string().contains("delta"), "{err}");
        let e = env(&[(
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
            "cumulative",
        )]);
        assert!(configure(otlp(None), &e).is_err());
        let config = Config {
            export: ExportConfig::Prometheus {
                wait_for_scrape: true,
            },
            ..Default::default()
        };
        let err = configure(config, &env(&[])).unwrap_err();
        assert!(err.to_string().contains("scrape"), "{err}");
    }

    #[test]
    fn the_drain_leaves_time_to_export_and_answer() {
        let now = SystemTime::now();
        // 5 minutes left, 25 s grace: drain 26 s before the deadline.
        let (start, _) = drain(now + Duration::from_secs(300), Duration::from_secs(25));
        assert!((273..=274).contains(&start.as_secs()), "{start:?}");
        // 8 s left: a quarter (2 s) plus a second.
        let (start, _) = drain(now + Duration::from_secs(8), Duration::from_secs(25));
        assert!((4..=5).contains(&start.as_secs()), "{start:?}");
        // Past the deadline: drain now.
        assert_eq!(
            drain(now - Duration::from_secs(1), Duration::from_secs(25)).0,
            Duration::ZERO
        );
    }
}
