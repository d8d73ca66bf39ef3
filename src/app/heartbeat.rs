//! Keeps what the daemon holds alive until the verdict: every third of the
//! visibility timeout, extends the visibility of every message in flight and
//! renews every ledger claim. A message whose extension fails is "lost" (its
//! receipt no longer deletes it; whoever receives it next deletes it once the
//! ledger says done); a claim that another replica took over means that
//! replica may count the object, so the coordinator drops it from its windows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::Event;
use super::selfmetrics::SelfMetrics;
use super::tracker::DeliveryId;
use crate::ledger::Ledger;
use crate::source::Queue;

/// What one delivery holds.
#[derive(Debug, Clone, Default)]
pub struct Lease {
    /// The message's receipt handle, if it came from the queue.
    pub receipt: Option<String>,
    /// The message's id, for logs.
    pub message_id: Option<String>,
    /// Ledger keys claimed for its objects.
    pub claims: Vec<String>,
}

/// Leases by delivery, shared by the coordinator (which adds and removes) and the heartbeat.
pub type Leases = Arc<Mutex<HashMap<DeliveryId, Lease>>>;

/// The lease table, locked. A lock poisoned by a panic elsewhere is logged and taken as it is:
/// the table is a plain map, whole between operations, and a heartbeat that found it empty
/// would let every lease lapse and every message be redelivered.
pub fn lock_leases(leases: &Leases) -> MutexGuard<'_, HashMap<DeliveryId, Lease>> {
    leases.lock().unwrap_or_else(|poisoned| {
        tracing::error!("the lease table's lock was poisoned by a panic; carrying on with it");
        leases.clear_poison();
        poisoned.into_inner()
    })
}

/// What the heartbeat found lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    /// The delivery.
    pub delivery: DeliveryId,
    /// True when the message's visibility could not be extended.
    pub message: bool,
    /// Claims that are no longer ours.
    pub claims: Vec<String>,
}

/// The heartbeat's collaborators.
pub struct Heartbeat {
    /// The queue, when messages are held.
    pub queue: Option<Arc<dyn Queue>>,
    /// The ledger.
    pub ledger: Arc<dyn Ledger>,
    /// This replica.
    pub owner: String,
    /// Visibility timeout and claim lease: both renewed to this from now.
    pub lease: Duration,
    /// The leases.
    pub leases: Leases,
    /// Where losses go.
    pub events: mpsc::Sender<Event>,
    /// Self-metrics.
    pub metrics: SelfMetrics,
}

impl Heartbeat {
    /// Beats every third of the lease until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let every = (self.lease / 3).max(Duration::from_millis(200));
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => if *stop.borrow() { return },
            }
            for lost in self.beat().await {
                if self.events.send(Event::Lost(lost)).await.is_err() {
                    return;
                }
            }
        }
    }

    /// One round of extensions and renewals; returns what was lost.
    pub async fn beat(&self) -> Vec<Lost> {
        let snapshot: Vec<(DeliveryId, Lease)> = lock_leases(&self.leases)
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let mut lost: HashMap<DeliveryId, Lost> = HashMap::new();
        if let Some(queue) = &self.queue {
            let receipts: Vec<String> = snapshot
                .iter()
                .filter_map(|(_, l)| l.receipt.clone())
                .collect();
            if !receipts.is_empty() {
                match queue.extend(&receipts, self.lease).await {
                    Ok(failed) => {
                        let ok = receipts.len() - failed.len();
                        self.metrics
                            .add("trailflow.sqs.visibility_extensions", &["ok"], ok as f64);
                        for f in failed {
                            self.metrics
                                .inc("trailflow.sqs.visibility_extensions", &["failed"]);
                            if let Some((d, l)) = snapshot
                                .iter()
                                .find(|(_, l)| l.receipt.as_deref() == Some(&f.receipt))
                            {
                                let message_id = l.message_id.as_deref().unwrap_or_default();
                                tracing::warn!(message_id, reason = %f.reason, "visibility not extended; message lost");
                                lost_entry(&mut lost, *d).message = true;
                            }
                        }
                    }
                    Err(e) => {
                        // The queue is unreachable: nothing is known lost; the claims still protect the objects.
                        self.metrics.add(
                            "trailflow.sqs.visibility_extensions",
                            &["failed"],
                            receipts.len() as f64,
                        );
                        tracing::warn!(error = %e, "visibility extension failed; retrying at the next beat");
                    }
                }
            }
        }
        let claims: Vec<String> = snapshot
            .iter()
            .flat_map(|(_, l)| l.claims.iter().cloned())
            .collect();
        if !claims.is_empty() {
            match self.ledger.renew(&claims, &self.owner, self.lease).await {
                Ok(gone) => {
                    for claim in gone {
                        if let Some((d, _)) =
                            snapshot.iter().find(|(_, l)| l.claims.contains(&claim))
                        {
                            lost_entry(&mut lost, *d).claims.push(claim);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claims not renewed; retrying at the next beat")
                }
            }
        }
        lost.into_values().collect()
    }
}

fn lost_entry(lost: &mut HashMap<DeliveryId, Lost>, delivery: DeliveryId) -> &mut Lost {
    lost.entry(delivery).or_insert_with(|| Lost {
        delivery,
        message: false,
        claims: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lease_table_keeps_its_leases() {
        let leases: Leases = Arc::default();
        lock_leases(&leases).insert(
            7,
            Lease {
                receipt: Some("r".into()),
                message_id: Some("m".into()),
                claims: vec!["k".into()],
            },
        );
        let held = leases.clone();
        let panicked = std::thread::spawn(move || {
            let _guard = held.lock();
            panic!("a panic while the lock is held");
        })
        .join();
        assert!(panicked.is_err() && leases.is_poisoned());
        assert_eq!(lock_leases(&leases)[&7].claims, vec!["k".to_string()]);
        assert!(!leases.is_poisoned(), "cleared once logged");
    }
}
