//! The queue behind the daemon, as three calls. The contract, which the SQS
//! implementation and the in-memory one used by unit tests both keep:
//!
//! - `receive` returns at most `max` messages, or none when the long poll ends
//!   empty. A message stays invisible to other consumers for the visibility
//!   timeout, then comes back unless deleted; nothing is ever lost by not acting.
//! - `delete` and `extend` work on batches and report failures per message: a
//!   receipt that no longer works (the message came back and someone else
//!   received it) is not an error of the call but of that message.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    /// The queue's message id (stable across redeliveries).
    pub id: String,
    /// The receipt handle of this delivery.
    pub receipt: String,
    /// The body.
    pub body: String,
    /// When the message was sent to the queue.
    pub sent_at: Option<SystemTime>,
    /// How many times it has been received, this time included.
    pub receive_count: u32,
}

/// A failed entry of a batch call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFailure {
    /// The receipt handle concerned.
    pub receipt: String,
    /// The queue's code and message.
    pub reason: String,
}

/// A call that failed as a whole.
#[derive(Debug, thiserror::Error)]
#[error("{operation} on {queue}: {message}")]
pub struct QueueError {
    /// The call.
    pub operation: &'static str,
    /// The queue's URL.
    pub queue: String,
    /// The SDK's message.
    pub message: String,
}

/// Receive, delete, extend.
#[async_trait]
pub trait Queue: Send + Sync + 'static {
    /// A name for logs (the queue URL).
    fn name(&self) -> &str;

    /// Long-polls for up to `max` messages, each made invisible for `visibility`.
    async fn receive(
        &self,
        max: i32,
        visibility: Duration,
    ) -> Result<Vec<QueueMessage>, QueueError>;

    /// Deletes messages; returns the entries that failed.
    async fn delete(&self, receipts: &[String]) -> Result<Vec<EntryFailure>, QueueError>;

    /// Makes messages invisible for `visibility` from now; returns the entries that failed.
    async fn extend(
        &self,
        receipts: &[String],
        visibility: Duration,
    ) -> Result<Vec<EntryFailure>, QueueError>;
}
