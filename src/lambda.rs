//! Lambda mode: one SQS event batch through the daemon's own path (claim,
//! count, export, commit, "delete"). The batch is a [`Queue`] whose receive
//! hands over the event's records once and whose delete records what may go;
//! every record not deleted is reported in `batchItemFailures`, so Lambda
//! returns exactly those messages to the queue (`ReportBatchItemFailures`).
//! The metrics are exported before the handler returns. The `lambda_runtime`
//! glue lives in the `trailflow-lambda` binary; this part needs no runtime
//! and is what the tests call.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

use crate::app::{self, AppError, RunOptions};
use crate::config::Config;
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

/// Processes one SQS event with `config` (its `source` is ignored); returns the partial-batch
/// response. An error means nothing could run (bad configuration): Lambda retries the batch.
pub async fn handle(config: Config, event: &SqsEvent) -> Result<SqsBatchResponse, AppError> {
    let batch = Arc::new(BatchQueue::new(event));
    let options = RunOptions {
        queue: Some(batch.clone()),
        ..Default::default()
    };
    app::run(config, options, std::future::pending()).await?;
    Ok(batch.response())
}
