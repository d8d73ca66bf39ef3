//! Keeps what the daemon holds alive until the verdict: every third of the
//! visibility timeout, extends the visibility of every message in flight and
//! renews every ledger claim. A message whose extension fails is "lost" (its
//! receipt no longer deletes it; whoever receives it next deletes it once the
//! ledger says done); a claim that another replica took over means that
//! replica may count the object, so the coordinator drops it from its windows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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
    /// When every claim of `claims` was last known to be ours (the oldest claim or renewal):
    /// each is ours until then plus the lease. `None` before the first claim.
    pub confirmed: Option<Instant>,
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
        // Before the snapshot: a claim added after it was made after this instant.
        let started = Instant::now();
        let snapshot: Vec<(DeliveryId, Lease)> = lock_leases(&self.leases)
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let (messages, claims) = tokio::join!(self.extend(&snapshot), self.renew(&snapshot));
        if let Some(gone) = &claims {
            confirm(&self.leases, &snapshot, gone, started);
        }
        let claims = claims.unwrap_or_default();
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

    /// Renews every claim held; returns the claims that are no longer ours, by delivery, or
    /// `None` when the ledger could not be reached.
    async fn renew(&self, snapshot: &[(DeliveryId, Lease)]) -> Option<Vec<(DeliveryId, String)>> {
        match renew_claims(&*self.ledger, &self.owner, self.lease, snapshot).await {
            Ok(gone) => Some(gone),
            Err(e) => {
                tracing::warn!(error = %e, "claims not renewed; retrying at the next beat");
                None
            }
        }
    }
}

/// Renews the claims of `deliveries` for `lease`; returns those no longer `owner`'s, by delivery.
pub async fn renew_claims(
    ledger: &dyn Ledger,
    owner: &str,
    lease: Duration,
    deliveries: &[(DeliveryId, Lease)],
) -> Result<Vec<(DeliveryId, String)>, crate::ledger::LedgerError> {
    let claims: Vec<String> = deliveries
        .iter()
        .flat_map(|(_, l)| l.claims.iter().cloned())
        .collect();
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let gone = ledger.renew(&claims, owner, lease).await?;
    Ok(gone
        .into_iter()
        .filter_map(|claim| {
            let (d, _) = deliveries.iter().find(|(_, l)| l.claims.contains(&claim))?;
            Some((*d, claim))
        })
        .collect())
}

/// Records that the claims of `renewed` were ours at `at`, except the deliveries with a claim in
/// `gone`. A claim added since the renewal started is younger than `at`: the oldest one stands.
pub fn confirm(
    leases: &Leases,
    renewed: &[(DeliveryId, Lease)],
    gone: &[(DeliveryId, String)],
    at: Instant,
) {
    let mut leases = lock_leases(leases);
    for (d, _) in renewed {
        if gone.iter().any(|(g, _)| g == d) {
            continue;
        }
        if let Some(l) = leases.get_mut(d) {
            l.confirmed = Some(at);
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
                confirmed: None,
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
