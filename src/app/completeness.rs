//! The digest completeness check in the daemon (see [`crate::engine::digests`]): digests are
//! taken from decoded objects, log files are noted when their window is committed, here and in
//! the ledger, so that a replica judging a digest finds the files another replica counted. The
//! gauge `trailflow.cloudtrail.digest.missing_files` goes out with each export.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::record_batch::RecordBatch;

use super::selfmetrics::SelfMetrics;
use crate::engine::digests::{DigestCheck, file_key, is_log_file};
use crate::engine::pipeline::{MISSING_FILES, unix_now};
use crate::ledger::Ledger;
use crate::schema::LogKind;

/// How often files still missing are looked up again in the ledger (a newly judged digest is
/// looked up at once).
const LOOKUP_EVERY: Duration = Duration::from_secs(60);

/// The check, with the ledger that other replicas write to.
pub struct Completeness {
    check: DigestCheck,
    ledger: Arc<dyn Ledger>,
    ttl: Duration,
    next_lookup: Instant,
}

impl Completeness {
    /// A check judging digests `grace_secs` after their end; files are noted in `ledger` for `ttl`.
    pub fn new(grace_secs: u64, ledger: Arc<dyn Ledger>, ttl: Duration) -> Self {
        Self {
            check: DigestCheck::new(grace_secs, grace_secs),
            ledger,
            ttl,
            next_lookup: Instant::now(),
        }
    }

    /// The source is drained and every object counted: digests past their grace are judged at
    /// the next export. Returns true when one is waiting for that export.
    pub fn input_drained(&mut self) -> bool {
        self.check.input_drained();
        self.check.any_due(unix_now())
    }

    /// Takes in the digest rows of a decoded object.
    pub fn note_digests(&mut self, batches: &[(LogKind, RecordBatch)]) {
        let digests: Vec<RecordBatch> = batches
            .iter()
            .filter(|(k, _)| *k == LogKind::CloudTrailDigest)
            .map(|(_, b)| b.clone())
            .collect();
        if !digests.is_empty() {
            self.check.note_digests(&digests, unix_now());
        }
    }

    /// Notes objects whose records are in the export being made: a digest judged in the same
    /// export must not report them.
    pub fn exporting(&mut self, names: &[String]) {
        let now = unix_now();
        for name in names {
            self.check.note_counted(name, now);
        }
    }

    /// Notes objects whose records were exported and committed, here and in the ledger.
    pub async fn counted(&mut self, names: &[String]) {
        self.exporting(names);
        let mut files = Vec::new();
        for name in names {
            let key = file_key(name);
            if is_log_file(key) {
                files.push(key.to_string());
            }
        }
        if files.is_empty() {
            return;
        }
        if let Err(e) = self.ledger.note_counted(&files, self.ttl).await {
            tracing::warn!(error = %e, files = files.len(), "counted CloudTrail files not noted in the ledger; another replica may report them missing");
        }
    }

    /// Judges the digests due now and records the gauge of missing files in `metrics`.
    pub async fn report(&mut self, metrics: &SelfMetrics) {
        let newly = self.check.advance(unix_now());
        if newly > 0 || Instant::now() >= self.next_lookup {
            self.next_lookup = Instant::now() + LOOKUP_EVERY;
            let unresolved = self.check.unresolved();
            if !unresolved.is_empty() {
                match self.ledger.counted(&unresolved).await {
                    Ok(found) => self.check.resolve(&found),
                    Err(e) => {
                        tracing::warn!(error = %e, files = unresolved.len(), "ledger lookup of digest files failed; retrying at the next export");
                        self.next_lookup = Instant::now();
                    }
                }
            }
        }
        for ((account, region), files) in self.check.missing() {
            metrics.add(MISSING_FILES, &[&account, &region], files as f64);
        }
    }
}
