//! [`Queue`] over Amazon SQS: long polling, batched deletes and visibility
//! changes (ten entries per call, the API's limit), with the attributes the
//! self-metrics need (`SentTimestamp`, `ApproximateReceiveCount`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry,
    MessageSystemAttributeName,
};

use super::queue::{EntryFailure, Queue, QueueError, QueueMessage};

/// An SQS queue.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
    wait_time_secs: i32,
}

impl SqsQueue {
    /// A queue read with `client`, long-polling `wait_time_secs` per receive.
    pub fn new(client: Client, url: impl Into<String>, wait_time_secs: i32) -> Self {
        Self {
            client,
            url: url.into(),
            wait_time_secs,
        }
    }

    /// A client from the standard AWS configuration chain; honours `AWS_ENDPOINT_URL`.
    pub async fn client_from_env() -> Client {
        Client::new(&crate::aws::shared_config().await)
    }

    fn error(&self, operation: &'static str, e: impl std::error::Error) -> QueueError {
        QueueError {
            operation,
            queue: self.url.clone(),
            message: DisplayErrorContext(e).to_string(),
        }
    }
}

fn secs(d: Duration) -> i32 {
    i32::try_from(d.as_secs())
        .unwrap_or(43_200)
        .clamp(0, 43_200)
}

#[async_trait]
impl Queue for SqsQueue {
    fn name(&self) -> &str {
        &self.url
    }

    async fn receive(
        &self,
        max: i32,
        visibility: Duration,
    ) -> Result<Vec<QueueMessage>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(self.wait_time_secs)
            .visibility_timeout(secs(visibility))
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| self.error("ReceiveMessage", e))?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                let attrs = m.attributes.unwrap_or_default();
                let attr = |name| attrs.get(&name).and_then(|v| v.parse::<u64>().ok());
                Some(QueueMessage {
                    id: m.message_id?,
                    receipt: m.receipt_handle?,
                    body: m.body.unwrap_or_default(),
                    sent_at: attr(MessageSystemAttributeName::SentTimestamp)
                        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms)),
                    receive_count: attr(MessageSystemAttributeName::ApproximateReceiveCount)
                        .and_then(|c| u32::try_from(c).ok())
                        .unwrap_or(1),
                })
            })
            .collect())
    }

    async fn delete(&self, receipts: &[String]) -> Result<Vec<EntryFailure>, QueueError> {
        self.in_batches(receipts, |chunk| async move {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(r)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.error("DeleteMessageBatch", e))?;
            let out = self
                .client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| self.error("DeleteMessageBatch", e))?;
            Ok(out
                .failed
                .into_iter()
                .map(|f| (f.id, f.code, f.message))
                .collect())
        })
        .await
    }

    async fn extend(
        &self,
        receipts: &[String],
        visibility: Duration,
    ) -> Result<Vec<EntryFailure>, QueueError> {
        self.in_batches(receipts, |chunk| async move {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(r)
                        .visibility_timeout(secs(visibility))
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.error("ChangeMessageVisibilityBatch", e))?;
            let out = self
                .client
                .change_message_visibility_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| self.error("ChangeMessageVisibilityBatch", e))?;
            Ok(out
                .failed
                .into_iter()
                .map(|f| (f.id, f.code, f.message))
                .collect())
        })
        .await
    }
}

/// Approximate message counts of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depth {
    /// The queue's name (last part of its URL).
    pub queue: String,
    /// Messages waiting to be received.
    pub visible: i64,
    /// Messages received and not yet deleted.
    pub in_flight: i64,
    /// Messages waiting for their delivery delay.
    pub delayed: i64,
}

/// The queue name of a queue URL or ARN (its last `/` or `:` part).
pub fn queue_name(url_or_arn: &str) -> &str {
    url_or_arn.rsplit(['/', ':']).next().unwrap_or(url_or_arn)
}

impl SqsQueue {
    /// The approximate counts of this queue, and the URL of its dead-letter queue from its
    /// redrive policy (resolved with `GetQueueUrl`), if it has one.
    pub async fn depth(&self) -> Result<(Depth, Option<String>), QueueError> {
        let (depth, redrive) = self.attributes(&self.url, true).await?;
        let dlq = match redrive.and_then(|r| dead_letter_arn(&r)) {
            Some(arn) => {
                // arn:aws:sqs:REGION:ACCOUNT:NAME
                let parts: Vec<&str> = arn.split(':').collect();
                let (account, name) = match parts.as_slice() {
                    [.., account, name] => (account.to_string(), name.to_string()),
                    _ => return Ok((depth, None)),
                };
                let out = self
                    .client
                    .get_queue_url()
                    .queue_name(name)
                    .queue_owner_aws_account_id(account)
                    .send()
                    .await
                    .map_err(|e| self.error("GetQueueUrl", e))?;
                out.queue_url
            }
            None => None,
        };
        Ok((depth, dlq))
    }

    /// The approximate counts of the queue at `url` (with the same client).
    pub async fn depth_of(&self, url: &str) -> Result<Depth, QueueError> {
        Ok(self.attributes(url, false).await?.0)
    }

    async fn attributes(
        &self,
        url: &str,
        redrive: bool,
    ) -> Result<(Depth, Option<String>), QueueError> {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let mut call = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(A::ApproximateNumberOfMessagesDelayed);
        if redrive {
            call = call.attribute_names(A::RedrivePolicy);
        }
        let out = call.send().await.map_err(|e| QueueError {
            operation: "GetQueueAttributes",
            queue: url.to_string(),
            message: DisplayErrorContext(e).to_string(),
        })?;
        let attrs = out.attributes.unwrap_or_default();
        let count = |a: A| {
            attrs
                .get(&a)
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        };
        Ok((
            Depth {
                queue: queue_name(url).to_string(),
                visible: count(A::ApproximateNumberOfMessages),
                in_flight: count(A::ApproximateNumberOfMessagesNotVisible),
                delayed: count(A::ApproximateNumberOfMessagesDelayed),
            },
            attrs.get(&A::RedrivePolicy).cloned(),
        ))
    }
}

fn dead_letter_arn(redrive_policy: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(redrive_policy).ok()?;
    v.get("deadLetterTargetArn")?.as_str().map(str::to_string)
}

/// A failed batch entry as the API reports it: (entry id, code, message).
type Failed = (String, String, Option<String>);

impl SqsQueue {
    /// Runs a batch call per ten receipts (the API's limit); maps failed entry ids back to receipts.
    async fn in_batches<'a, F, Fut>(
        &self,
        receipts: &'a [String],
        call: F,
    ) -> Result<Vec<EntryFailure>, QueueError>
    where
        F: Fn(&'a [String]) -> Fut,
        Fut: Future<Output = Result<Vec<Failed>, QueueError>>,
    {
        let mut failed = Vec::new();
        for chunk in receipts.chunks(10) {
            for (id, code, message) in call(chunk).await? {
                failed.push(failure(chunk, &id, &code, message));
            }
        }
        Ok(failed)
    }
}

fn failure(chunk: &[String], id: &str, code: &str, message: Option<String>) -> EntryFailure {
    let receipt = id
        .parse::<usize>()
        .ok()
        .and_then(|i| chunk.get(i))
        .cloned()
        .unwrap_or_default();
    EntryFailure {
        receipt,
        reason: format!("{code}: {}", message.unwrap_or_default()),
    }
}

/// Seconds since the message was sent, for the queue-lag metric.
pub fn age(sent_at: SystemTime) -> f64 {
    SystemTime::now()
        .duration_since(sent_at)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
