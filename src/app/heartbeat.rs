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

    /// One round of extensions and renewals; returns what was lost. The claims are renewed
    /// beside the visibility extensions, not after them: a slow queue must not hold up the
    /// renewals that keep another replica from counting the same objects.
    pub async fn beat(&self) -> Vec<Lost> {
        let snapshot: Vec<(DeliveryId, Lease)> = lock_leases(&self.leases)
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let (messages, claims) = tokio::join!(self.extend(&snapshot), self.renew(&snapshot));
        let mut lost: HashMap<DeliveryId, Lost> = HashMap::new();
        for d in messages {
            lost_entry(&mut lost, d).message = true;
        }
        for (d, claim) in claims {
            lost_entry(&mut lost, d).claims.push(claim);
        }
        lost.into_values().collect()
    }

    /// Extends the visibility of every message held; returns the deliveries whose message
    /// could not be extended.
    async fn extend(&self, snapshot: &[(DeliveryId, Lease)]) -> Vec<DeliveryId> {
        let mut lost = Vec::new();
        let Some(queue) = &self.queue else {
            return lost;
        };
        let receipts: Vec<String> = snapshot
            .iter()
            .filter_map(|(_, l)| l.receipt.clone())
            .collect();
        if receipts.is_empty() {
            return lost;
        }
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
                        lost.push(*d);
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
        lost
    }

    /// Renews every claim held; returns the claims that are no longer ours, by delivery.
    async fn renew(&self, snapshot: &[(DeliveryId, Lease)]) -> Vec<(DeliveryId, String)> {
        let claims: Vec<String> = snapshot
            .iter()
            .flat_map(|(_, l)| l.claims.iter().cloned())
            .collect();
        if claims.is_empty() {
            return Vec::new();
        }
        match self.ledger.renew(&claims, &self.owner, self.lease).await {
            Ok(gone) => gone
                .into_iter()
                .filter_map(|claim| {
                    let (d, _) = snapshot.iter().find(|(_, l)| l.claims.contains(&claim))?;
                    Some((*d, claim))
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "claims not renewed; retrying at the next beat");
                Vec::new()
            }
        }
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
