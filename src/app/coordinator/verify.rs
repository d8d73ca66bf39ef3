//! Before an export: claims that may have lapsed are confirmed first. The heartbeat renews every
//! claim every third of the lease; a heartbeat held up (a stalled process, a starved CPU, a slow
//! queue) can let a claim lapse while its object waits in a window, and another replica may
//! then claim and count the object. Exporting it too would count it twice, past taking back.
//! So the claims of the objects about to be exported that are not known to be ours for the
//! length of the export are renewed here, and an object whose claim is gone is dropped before
//! the export, as the heartbeat's own findings are (see `docs/delivery.md`).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::Coordinator;
use crate::app::heartbeat::{Lease, Lost, confirm, lock_leases, renew_claims};
use crate::app::tracker::DeliveryId;

/// Slack for the ledger's whole-second expiry times.
const CLOCK_SLACK: Duration = Duration::from_secs(1);

impl Coordinator {
    /// Renews the claims of pending windows' deliveries that could lapse before an export of
    /// `export_timeout` ends, and drops the objects whose claim another replica holds.
    pub(super) async fn verify_claims(&mut self) {
        let lease = self.p.workers.lease;
        let deadline = Instant::now() + self.p.export_timeout + CLOCK_SLACK;
        let deliveries: BTreeSet<DeliveryId> = self
            .pending
            .iter()
            .flat_map(|p| p.window.objects())
            .map(|h| h.0)
            .collect();
        let started = Instant::now();
        let at_risk: Vec<(DeliveryId, Lease)> = {
            let leases = lock_leases(&self.p.leases);
            deliveries
                .iter()
                .filter_map(|d| {
                    let l = leases.get(d)?;
                    let confirmed = l.confirmed?;
                    (confirmed + lease <= deadline).then(|| (*d, l.clone()))
                })
                .collect()
        };
        if at_risk.is_empty() {
            return;
        }
        let owner = self.p.workers.owner.clone();
        match renew_claims(&*self.p.ledger, &owner, lease, &at_risk).await {
            Ok(gone) => {
                self.p.metrics.add(
                    "trailflow.ledger.claims_confirmed_before_export",
                    &[],
                    at_risk.iter().map(|(_, l)| l.claims.len()).sum::<usize>() as f64,
                );
                confirm(&self.p.leases, &at_risk, &gone, started);
                for (delivery, _) in &at_risk {
                    let claims: Vec<String> = gone
                        .iter()
                        .filter(|(d, _)| d == delivery)
                        .map(|(_, c)| c.clone())
                        .collect();
                    if !claims.is_empty() {
                        self.on_lost(Lost {
                            delivery: *delivery,
                            message: false,
                            claims,
                        })
                        .await;
                    }
                }
            }
            Err(e) => tracing::warn!(
                error = %e,
                claims = at_risk.iter().map(|(_, l)| l.claims.len()).sum::<usize>(),
                "claims that may have lapsed could not be confirmed before the export; exporting"
            ),
        }
    }
}
