//! The end of the ack order: commit exported objects as done in the ledger,
//! apply each delivery's verdict once its objects are settled, and delete the
//! messages in batches.

use std::time::Duration;

use super::Coordinator;
use crate::app::tracker::{DeliveryId, Handle, ObjState, Verdict};
use crate::source::fetch::backoff;

impl Coordinator {
    /// Records the exported objects as done; retried until it works, because their records are out.
    pub(super) async fn commit(&mut self, handles: &[Handle]) {
        let claims: Vec<String> = handles
            .iter()
            .filter_map(|h| self.tracker.get(h.0)?.claims.get(h.1)?.clone())
            .collect();
        let mut attempt = 0;
        while !claims.is_empty() {
            match self
                .p
                .ledger
                .commit(&claims, &self.p.workers.owner, self.p.ttl)
                .await
            {
                Ok(conflicts) => {
                    self.p.health.set_ledger_ok(true);
                    for c in &conflicts {
                        self.p.metrics.inc("trailflow.ledger.conflicts", &[]);
                        tracing::error!(
                            object = c,
                            "claim was taken over before the commit; the object may be counted twice"
                        );
                    }
                    break;
                }
                Err(e) => {
                    self.p.health.set_ledger_ok(false);
                    attempt += 1;
                    let wait =
                        backoff(attempt, Duration::from_millis(200), Duration::from_secs(10));
                    tracing::warn!(error = %e, ?wait, "commit after export failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
        let names: Vec<String> = handles
            .iter()
            .filter_map(|h| Some(self.tracker.get(h.0)?.delivery.objects.get(h.1)?.name()))
            .collect();
        self.completeness.counted(&names).await;
        for h in handles {
            self.tracker.set(*h, ObjState::Committed, None);
            self.p
                .metrics
                .inc("trailflow.pipeline.objects", &["counted"]);
            self.stats.objects_committed += 1;
        }
    }

    /// Applies the verdict of a delivery whose objects are all settled.
    pub(super) fn settle(&mut self, id: DeliveryId) {
        let Some(verdict) = self.tracker.get(id).and_then(|t| t.verdict()) else {
            return;
        };
        let Some(tracked) = self.tracker.remove(id) else {
            return;
        };
        crate::app::heartbeat::lock_leases(&self.p.leases).remove(&id);
        let envelope = tracked.delivery.envelope;
        match (verdict, tracked.delivery.message) {
            (Verdict::Delete, Some(m)) => self.deletes.push((m.receipt, m.id)),
            (Verdict::Abandon, Some(m)) => {
                self.p
                    .metrics
                    .inc("trailflow.sqs.messages", &["abandoned", envelope]);
                tracing::warn!(message_id = %m.id, receive_count = m.receive_count, "message left for redrive");
            }
            _ => {}
        }
    }

    /// Deletes the messages whose objects are all done.
    pub async fn flush_deletes(&mut self) {
        if self.deletes.is_empty() {
            return;
        }
        let Some(queue) = &self.p.queue else {
            self.deletes.clear();
            return;
        };
        let batch = std::mem::take(&mut self.deletes);
        let receipts: Vec<String> = batch.iter().map(|(r, _)| r.clone()).collect();
        let failed = match queue.delete(&receipts).await {
            Ok(failed) => failed,
            Err(e) => {
                // The ledger says done: redeliveries are deleted without being counted.
                tracing::warn!(error = %e, messages = batch.len(), "delete failed; the messages come back and are skipped as done");
                self.p.metrics.add(
                    "trailflow.sqs.messages",
                    &["delete_failed", "all"],
                    batch.len() as f64,
                );
                return;
            }
        };
        for f in &failed {
            let id = batch
                .iter()
                .find(|(r, _)| *r == f.receipt)
                .map(|(_, id)| id.as_str())
                .unwrap_or("");
            tracing::warn!(message_id = id, reason = %f.reason, "delete failed; the message comes back and is skipped as done");
        }
        let deleted = batch.len() - failed.len();
        self.stats.messages_deleted += deleted as u64;
        self.p.metrics.add(
            "trailflow.sqs.messages",
            &["deleted", "all"],
            deleted as f64,
        );
        if !failed.is_empty() {
            self.p.metrics.add(
                "trailflow.sqs.messages",
                &["delete_failed", "all"],
                failed.len() as f64,
            );
        }
    }
}
