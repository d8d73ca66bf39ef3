//! The ack decision, in one place. The coordinator owns the windows, the
//! engine and the series; it is the only part that sees both a message's
//! receipt and the export result. Its order (see `docs/delivery.md`):
//! claim (in the worker) -> count (into the open window) -> export (the whole
//! series set, cumulative) -> commit (ledger: done) -> delete (batched).

mod ack;
mod verify;

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::completeness::Completeness;
use super::heartbeat::{Lease, Leases, Lost};
use super::selfmetrics::SelfMetrics;
use super::tracker::{Delivery, DeliveryId, Handle, ObjState, Tracker};
use super::worker::{self, Outcome, WorkerContext};
use crate::engine::{Engine, Window, Windower};
use crate::export::Sink;
use crate::health::Health;
use crate::ledger::Ledger;
use crate::metrics::{MetricPoint, SeriesSet};
use crate::source::Queue;
use crate::source::fetch::backoff;

/// A window evaluated but not yet exported; its batches are kept so that an
/// object lost before the export can be taken out and the window re-evaluated.
struct Pending {
    window: Window<Handle>,
    points: Vec<MetricPoint>,
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Deliveries received (messages or files).
    pub deliveries: u64,
    /// Objects counted and committed.
    pub objects_committed: u64,
    /// Objects skipped as already counted.
    pub duplicates: u64,
    /// Objects that failed or were busy (their messages left for redrive).
    pub objects_failed: u64,
    /// Records counted.
    pub records: u64,
    /// Messages deleted after export.
    pub messages_deleted: u64,
    /// Successful exports.
    pub exports: u64,
    /// Failed export attempts.
    pub export_failures: u64,
}

/// The coordinator's collaborators.
pub struct Parts {
    /// Planned queries.
    pub engine: Engine,
    /// Windows of counted objects.
    pub windower: Windower<Handle>,
    /// The series as last exported (empty at start).
    pub series: SeriesSet,
    /// The destination.
    pub sink: Box<dyn Sink>,
    /// The ledger.
    pub ledger: Arc<dyn Ledger>,
    /// The queue, when deliveries are messages.
    pub queue: Option<Arc<dyn Queue>>,
    /// What workers share.
    pub workers: WorkerContext,
    /// What the heartbeat renews.
    pub leases: Leases,
    /// Readiness.
    pub health: Arc<Health>,
    /// Self-metrics.
    pub metrics: SelfMetrics,
    /// How long done records are kept.
    pub ttl: Duration,
    /// Longest wait between export retries.
    pub max_backoff: Duration,
    /// Timeout of one export.
    pub export_timeout: Duration,
    /// Export the daemon's metrics at least this often when no window closes.
    pub idle_export: Duration,
    /// Export at most this often; windows closing meanwhile wait and go together.
    pub export_interval: Duration,
    /// Warnings per kind per minute about bad objects (0: unlimited).
    pub log_burst: u32,
    /// Seconds after a CloudTrail digest's end when its files must have been counted.
    pub digest_grace_secs: u64,
}

/// The coordinator.
pub struct Coordinator {
    p: Parts,
    tracker: Tracker,
    pending: Vec<Pending>,
    self_points: Vec<MetricPoint>,
    failed_exports: u32,
    retry_at: Option<Instant>,
    export_at: Option<Instant>,
    deletes: Vec<(String, String)>,
    /// Points folded per (metric, labels folded), as last exported.
    reported_overflow: std::collections::BTreeMap<(String, String), u64>,
    logs: super::loglimit::LogLimiter,
    last_export: Instant,
    stats: RunStats,
    completeness: Completeness,
}

impl Coordinator {
    /// A coordinator over `parts`.
    pub fn new(parts: Parts) -> Self {
        let log_burst = parts.log_burst;
        let completeness =
            Completeness::new(parts.digest_grace_secs, parts.ledger.clone(), parts.ttl);
        Self {
            p: parts,
            tracker: Tracker::default(),
            pending: Vec::new(),
            self_points: Vec::new(),
            failed_exports: 0,
            retry_at: None,
            export_at: None,
            deletes: Vec::new(),
            reported_overflow: Default::default(),
            logs: super::loglimit::LogLimiter::new(log_burst),
            last_export: Instant::now(),
            stats: RunStats::default(),
            completeness,
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> RunStats {
        self.stats
    }

    /// The series as last exported.
    pub fn series(&self) -> &SeriesSet {
        &self.p.series
    }

    /// Objects being fetched or decoded.
    pub fn working(&self) -> usize {
        self.tracker.working()
    }

    /// True when nothing waits for an export.
    pub fn idle(&self) -> bool {
        self.pending.is_empty() && self.p.windower.open_rows() == 0 && self.tracker.working() == 0
    }

    /// When the open window is due by age.
    pub fn window_deadline(&self) -> Option<Instant> {
        self.p.windower.deadline()
    }

    /// When the next export is due: a retry after a failure, or windows waiting for the export interval.
    pub fn export_due(&self) -> Option<Instant> {
        self.retry_at.or(self.export_at)
    }

    /// Starts tracking a delivery and hands its objects to workers.
    pub fn on_delivery(&mut self, delivery: Delivery) {
        self.stats.deliveries += 1;
        let objects = delivery.objects.clone();
        let receipt = delivery.message.as_ref().map(|m| m.receipt.clone());
        let message_id = delivery.message_id();
        let id = self.tracker.add(delivery);
        crate::app::heartbeat::lock_leases(&self.p.leases).insert(
            id,
            Lease {
                receipt,
                message_id,
                claims: Vec::new(),
                confirmed: None,
            },
        );
        for (i, spec) in objects.into_iter().enumerate() {
            tokio::spawn(worker::process(self.p.workers.clone(), (id, i), spec));
        }
        // A message that announces no object (not produced by parsing, but possible in tests) settles at once.
        self.settle(id);
    }

    /// Takes a worker's outcome.
    pub async fn on_object(&mut self, handle: Handle, outcome: Outcome) {
        let (id, _) = handle;
        let Some(tracked) = self.tracker.get(id) else {
            return;
        };
        let message_id = tracked.delivery.message_id().unwrap_or_default();
        let object = tracked
            .delivery
            .objects
            .get(handle.1)
            .map(|o| o.name())
            .unwrap_or_default();
        let m = &self.p.metrics;
        match outcome {
            Outcome::Decoded {
                claim,
                decoded,
                held,
            } => {
                if let Some(held) = held {
                    self.tracker.hold(handle, held);
                }
                // It was claimed: the ledger is writable again.
                self.p.health.set_ledger_ok(true);
                let kind = decoded
                    .batches
                    .first()
                    .map(|(k, _)| k.table_name())
                    .unwrap_or("unknown");
                m.add(
                    "trailflow.pipeline.bytes",
                    &[kind],
                    decoded.stored_bytes as f64,
                );
                if decoded.skipped > 0 {
                    m.add(
                        "trailflow.pipeline.skipped_records",
                        &[kind],
                        decoded.skipped as f64,
                    );
                }
                if decoded.errors.count > 0 {
                    m.add(
                        "trailflow.pipeline.record_errors",
                        &[kind],
                        decoded.errors.count as f64,
                    );
                    if self.logs.allow("records_skipped") {
                        tracing::warn!(
                            object, message_id, errors = decoded.errors.count,
                            first = %decoded.errors.details.first().map(|e| e.to_string()).unwrap_or_default(),
                            "records skipped; the rest of the object is counted"
                        );
                    }
                }
                if let Some(fatal) = &decoded.fatal {
                    if decoded.rows() == 0 {
                        m.inc("trailflow.pipeline.objects", &["undecodable"]);
                        if self.logs.allow("undecodable") {
                            tracing::warn!(object, message_id, error = %fatal, "object undecodable; message left for redrive");
                        }
                        self.tracker
                            .set(handle, ObjState::Failed, Some(claim.clone()));
                        worker::release(&self.p.workers, id, &claim).await;
                        self.stats.objects_failed += 1;
                        self.settle(id);
                        return;
                    }
                    if self.logs.allow("cut_short") {
                        tracing::warn!(object, message_id, error = %fatal, rows = decoded.rows(), "object cut short; its decoded records are counted");
                    }
                }
                self.stats.records += decoded.rows() as u64;
                self.completeness.note_digests(&decoded.batches);
                self.tracker.set(handle, ObjState::Windowed, Some(claim));
                let mut decoded = decoded;
                let batches = std::mem::take(&mut decoded.batches);
                if let Some(window) = self.p.windower.push(handle, batches, Instant::now()) {
                    self.close(window, false).await;
                } else if self.p.workers.decoded.pressed() && self.windows_hold_most() {
                    self.relieve().await;
                }
            }
            Outcome::Duplicate => {
                m.inc("trailflow.pipeline.objects", &["duplicate"]);
                // Counted before, by this process or another: not missing from any digest.
                self.completeness.exporting(std::slice::from_ref(&object));
                tracing::debug!(object, message_id, "counted before; skipped");
                self.stats.duplicates += 1;
                self.tracker.set(handle, ObjState::Duplicate, None);
            }
            Outcome::Busy => {
                m.inc("trailflow.pipeline.objects", &["busy"]);
                tracing::info!(
                    object,
                    message_id,
                    "claimed by another consumer; message left"
                );
                self.stats.objects_failed += 1;
                self.tracker.set(handle, ObjState::Busy, None);
            }
            Outcome::Fetch(e) => {
                m.inc("trailflow.pipeline.objects", &[e.outcome()]);
                if self.logs.allow("not_fetched") {
                    tracing::warn!(message_id, error = %e, "object not fetched; message left for redrive");
                }
                self.stats.objects_failed += 1;
                self.tracker.set(handle, ObjState::Failed, None);
            }
            Outcome::Archive(e) => {
                m.inc("trailflow.pipeline.objects", &["archive_failed"]);
                if self.logs.allow("not_archived") {
                    tracing::warn!(object, message_id, error = %e, "object not archived; message left for redrive");
                }
                self.stats.objects_failed += 1;
                self.tracker.set(handle, ObjState::Failed, None);
            }
            Outcome::DecoderPanic(cause) => {
                m.inc("trailflow.pipeline.objects", &["decoder_panic"]);
                // Every one is logged: a decoder panic is a bug to report, not noise.
                tracing::error!(
                    object,
                    message_id,
                    cause,
                    "decoder panicked on this object; message left for redrive"
                );
                self.stats.objects_failed += 1;
                self.tracker.set(handle, ObjState::Failed, None);
            }
            Outcome::Ledger(e) => {
                self.p.health.set_ledger_ok(false);
                m.inc("trailflow.pipeline.objects", &["ledger_error"]);
                if self.logs.allow("not_claimed") {
                    tracing::warn!(object, message_id, error = %e, "object not claimed; message left for redrive");
                }
                self.stats.objects_failed += 1;
                self.tracker.set(handle, ObjState::Failed, None);
            }
        }
        self.settle(id);
    }

    /// Takes what the heartbeat found lost.
    pub async fn on_lost(&mut self, lost: Lost) {
        let Some(tracked) = self.tracker.get_mut(lost.delivery) else {
            return;
        };
        if lost.message {
            tracked.lost = true;
            self.p.metrics.inc(
                "trailflow.sqs.messages",
                &["lost", tracked.delivery.envelope],
            );
        }
        let dropped: Vec<Handle> = tracked
            .claims
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                c.as_ref().is_some_and(|c| lost.claims.contains(c))
                    && tracked.states.get(*i) == Some(&ObjState::Windowed)
            })
            .map(|(i, _)| (lost.delivery, i))
            .collect();
        let message_id = tracked.delivery.message_id().unwrap_or_default();
        let names: Vec<String> = dropped
            .iter()
            .filter_map(|h| tracked.delivery.objects.get(h.1).map(|o| o.name()))
            .collect();
        for object in &names {
            tracing::warn!(
                object,
                message_id,
                "claim taken over by another consumer; object dropped before export"
            );
        }
        for handle in &dropped {
            self.tracker.set(*handle, ObjState::Dropped, None);
            self.p
                .metrics
                .inc("trailflow.pipeline.objects", &["dropped"]);
        }
        if !dropped.is_empty() {
            self.p.windower.retain_open(|h| !dropped.contains(h));
            for i in 0..self.pending.len() {
                if self.pending[i].window.retain(|h| !dropped.contains(h)) > 0 {
                    self.pending[i].points = self.evaluate(i).await;
                }
            }
        }
        self.settle(lost.delivery);
    }

    async fn evaluate(&mut self, i: usize) -> Vec<MetricPoint> {
        let window = &self.pending[i].window;
        if window.is_empty() {
            return Vec::new();
        }
        match self.p.engine.evaluate(window).await {
            Ok(points) => points,
            Err(e) => {
                tracing::error!(error = %e, "window re-evaluation failed; its points are dropped");
                Vec::new()
            }
        }
    }

    /// True when the windows (open and waiting for export) hold at least half of the room held
    /// in the decoded bytes' budget. The rest is objects decoded and on their way here, which
    /// join the open window next: exporting for them would free little and cost a whole export
    /// (on two cores, a flow-log run exported once per object). Once they have arrived the
    /// windows hold everything held, so a pressed budget always gets relieved.
    fn windows_hold_most(&self) -> bool {
        let windowed: usize = self
            .p
            .windower
            .open_objects()
            .chain(self.pending.iter().flat_map(|p| p.window.objects()))
            .map(|h| self.tracker.held_kib(*h))
            .sum();
        windowed * 1024 * 2 >= self.p.workers.decoded.held_bytes()
    }

    /// The decoded bytes' budget is nearly full: windows that are closed and waiting for the
    /// export interval are exported now, which gives their room back; when the open window
    /// holds it all, it closes early. (A failed export waits for its retry either way.)
    async fn relieve(&mut self) {
        if self.retry_at.is_some() {
            return;
        }
        if !self.pending.is_empty() {
            self.export().await;
        } else if let Some(window) = self.p.windower.flush() {
            self.close(window, true).await;
        }
    }

    /// Closes the open window if it is due by age.
    pub async fn on_window_age(&mut self) {
        if let Some(window) = self.p.windower.poll_age(Instant::now()) {
            self.close(window, false).await;
        }
    }

    /// Exports the daemon's own metrics when no window did for a while (an idle or
    /// duplicate-only stream still reports its receives and errors).
    pub async fn on_idle_tick(&mut self) {
        // Idle or not, an export at least every `idle_export` keeps
        // `trailflow.export.last_success_time` moving: a heartbeat alerts can watch.
        if self.retry_at.is_none()
            && self.pending.is_empty()
            && self.last_export.elapsed() >= self.p.idle_export
        {
            self.export().await;
        }
    }

    /// Closes the open window now (drain); exports unless a failed export is waiting for its retry.
    /// `input_complete`: the sources ended by themselves (a directory or a Lambda batch, not a
    /// shutdown), so every object of the run is counted and due digests can be judged.
    pub async fn flush(&mut self, input_complete: bool) {
        let digests_due = input_complete && self.completeness.input_drained();
        if let Some(window) = self.p.windower.flush() {
            self.close(window, true).await;
        } else if self.retry_at.is_some() {
            // The retry timer exports; exporting here too would ignore the backoff.
        } else if digests_due
            || !self.pending.is_empty()
            || !self.self_points.is_empty()
            || !self.p.metrics.is_empty()
        {
            self.export().await;
        }
    }

    async fn close(&mut self, window: Window<Handle>, force: bool) {
        match self.p.engine.evaluate(&window).await {
            Ok(points) => self.pending.push(Pending { window, points }),
            Err(e) => {
                // A query failing at run time is a bug or a resource limit; the objects go back to the queue.
                tracing::error!(error = %e, objects = window.objects().count(), "window evaluation failed; its messages are left for redrive");
                for handle in window.into_objects() {
                    self.tracker.set(handle, ObjState::Failed, None);
                    self.settle(handle.0);
                }
                return;
            }
        }
        if self.retry_at.is_some() {
            return;
        }
        // Under load windows close many times a second; one cumulative export covers them all.
        // A nearly full decoded bytes' budget exports now: the room comes back with the commit.
        let due = self.last_export + self.p.export_interval;
        if force || self.p.workers.decoded.pressed() || Instant::now() >= due {
            self.export().await;
        } else {
            self.export_at = Some(due);
        }
    }

    /// Exports the series with every pending window; on success commits their objects and deletes their messages.
    pub async fn export(&mut self) {
        self.retry_at = None;
        self.export_at = None;
        self.verify_claims().await;
        let exporting: Vec<String> = self
            .pending
            .iter()
            .flat_map(|p| p.window.objects())
            .filter_map(|h| Some(self.tracker.get(h.0)?.delivery.objects.get(h.1)?.name()))
            .collect();
        self.completeness.exporting(&exporting);
        self.completeness.report(&self.p.metrics).await;
        // Reaches the collector only if this export succeeds: the time of the latest success.
        self.p
            .metrics
            .add("trailflow.export.last_success_time", &[], unix_seconds());
        self.self_points.extend(self.p.metrics.take());
        let mut snapshot = self.p.series.clone();
        for p in &self.pending {
            snapshot.record_all(p.points.iter().cloned());
        }
        self.overflow_points(&snapshot);
        snapshot.record_all(self.self_points.iter().cloned());
        let result =
            tokio::time::timeout(self.p.export_timeout, self.p.sink.export(&snapshot)).await;
        let error = match result {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!("timed out after {:?}", self.p.export_timeout)),
        };
        if let Some(error) = error {
            self.failed_exports += 1;
            self.stats.export_failures += 1;
            self.p.health.set_export_ok(false);
            self.p.metrics.inc("trailflow.export.attempts", &["failed"]);
            let wait = backoff(
                self.failed_exports,
                Duration::from_millis(500),
                self.p.max_backoff,
            );
            tracing::warn!(
                error,
                windows = self.pending.len(),
                ?wait,
                "export failed; nothing deleted, retrying"
            );
            self.retry_at = Some(Instant::now() + wait);
            return;
        }
        self.p.series = snapshot;
        self.last_export = Instant::now();
        self.self_points.clear();
        self.failed_exports = 0;
        self.stats.exports += 1;
        self.p.health.set_export_ok(true);
        self.p.metrics.inc("trailflow.export.attempts", &["ok"]);
        crate::fault::crash_point("after_export");
        let handles: Vec<Handle> = self
            .pending
            .drain(..)
            .flat_map(|p| p.window.into_objects())
            .collect();
        self.commit(&handles).await;
        crate::fault::crash_point("after_commit");
        let mut ids: Vec<DeliveryId> = handles.iter().map(|h| h.0).collect();
        ids.dedup();
        for id in ids {
            self.settle(id);
        }
        self.flush_deletes().await;
    }

    /// Counts points newly folded (label values to `other`, or into the overflow series) since
    /// the last export, by metric and the labels folded.
    fn overflow_points(&mut self, snapshot: &SeriesSet) {
        for (metric, label, folded) in snapshot.folded() {
            let key = (metric.to_string(), label.to_string());
            let before = self.reported_overflow.get(&key).copied().unwrap_or(0);
            if folded > before {
                self.p.metrics.add(
                    "trailflow.series.overflow",
                    &[metric, label],
                    (folded - before) as f64,
                );
                self.reported_overflow.insert(key, folded);
            }
        }
        self.self_points.extend(self.p.metrics.take());
    }
}

/// Now as Unix seconds (with fractions).
fn unix_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
