//! An in-memory [`Queue`] with SQS's visibility semantics, for unit tests of the
//! ack, visibility and window logic (with `tokio::time::pause()` the clock is
//! the test's). Receipts change on every receive; a receipt stops working once
//! its message was received again or its visibility lapsed (a little stricter
//! than SQS, which may still accept it until the next receive). Test support: compiled for
//! tests and with the `test-support` feature only.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tokio::time::Instant;

use super::queue::{EntryFailure, Queue, QueueError, QueueMessage};

#[derive(Debug)]
struct Stored {
    id: String,
    body: String,
    sent_at: SystemTime,
    receipt: Option<String>,
    visible_at: Instant,
    receive_count: u32,
    deleted: bool,
}

/// A queue in memory.
#[derive(Debug, Default)]
pub struct MemoryQueue {
    messages: Mutex<Vec<Stored>>,
    receipts: Mutex<u64>,
}

impl MemoryQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends a message; returns its id.
    pub fn send(&self, body: &str) -> String {
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        let id = format!("m{}", messages.len() + 1);
        messages.push(Stored {
            id: id.clone(),
            body: body.to_string(),
            sent_at: SystemTime::now(),
            receipt: None,
            visible_at: Instant::now(),
            receive_count: 0,
            deleted: false,
        });
        id
    }

    /// Ids of the messages deleted so far.
    pub fn deleted(&self) -> Vec<String> {
        let messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        messages
            .iter()
            .filter(|m| m.deleted)
            .map(|m| m.id.clone())
            .collect()
    }

    fn receipt(&self) -> String {
        let mut n = self.receipts.lock().unwrap_or_else(|e| e.into_inner());
        *n += 1;
        format!("r{n}")
    }
}

#[async_trait]
impl Queue for MemoryQueue {
    fn name(&self) -> &str {
        "memory"
    }

    async fn receive(
        &self,
        max: i32,
        visibility: Duration,
    ) -> Result<Vec<QueueMessage>, QueueError> {
        let now = Instant::now();
        let mut out = Vec::new();
        let due: Vec<usize> = {
            let messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
            messages
                .iter()
                .enumerate()
                .filter(|(_, m)| !m.deleted && m.visible_at <= now)
                .map(|(i, _)| i)
                .take(max.max(1) as usize)
                .collect()
        };
        for i in due {
            let receipt = self.receipt();
            let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
            let m = &mut messages[i];
            m.receipt = Some(receipt.clone());
            m.visible_at = now + visibility;
            m.receive_count += 1;
            out.push(QueueMessage {
                id: m.id.clone(),
                receipt,
                body: m.body.clone(),
                sent_at: Some(m.sent_at),
                receive_count: m.receive_count,
            });
        }
        if out.is_empty() {
            // A short long-poll, so that callers in a loop do not spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(out)
    }

    async fn delete(&self, receipts: &[String]) -> Result<Vec<EntryFailure>, QueueError> {
        Ok(self.apply(receipts, |m| m.deleted = true))
    }

    async fn extend(
        &self,
        receipts: &[String],
        visibility: Duration,
    ) -> Result<Vec<EntryFailure>, QueueError> {
        let until = Instant::now() + visibility;
        Ok(self.apply(receipts, |m| m.visible_at = until))
    }
}

impl MemoryQueue {
    /// Applies `f` to the messages whose current receipt is given and which are still invisible.
    fn apply(&self, receipts: &[String], f: impl Fn(&mut Stored)) -> Vec<EntryFailure> {
        let now = Instant::now();
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        let mut failed = Vec::new();
        for r in receipts {
            match messages.iter_mut().find(|m| {
                m.receipt.as_deref() == Some(r.as_str()) && !m.deleted && m.visible_at > now
            }) {
                Some(m) => f(m),
                None => failed.push(EntryFailure {
                    receipt: r.clone(),
                    reason: "ReceiptHandleIsInvalid: the receipt handle has expired".into(),
                }),
            }
        }
        failed
    }
}
