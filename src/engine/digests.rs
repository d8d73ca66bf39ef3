//! Completeness from CloudTrail digest files ("log file integrity validation"): every hour a
//! digest lists the log files CloudTrail delivered for an account and region. Once a digest is
//! older than a grace period (late deliveries), each file it vouches for should have been
//! counted; the ones that were not are missing evidence. In the daemon a digest must also have
//! been known for the grace period: during a backfill, or after a restart, digests and the
//! files they list arrive together in any order, and a file may still wait in the queue. This
//! module keeps the digests and the log files seen; the daemon asks the shared ledger about files
//! another replica counted ([`DigestCheck::unresolved`], [`DigestCheck::resolve`]). Signatures
//! are not verified.

use std::collections::{BTreeMap, HashMap, HashSet};

use arrow::array::{Array, StringArray, TimestampMicrosecondArray};
use arrow::record_batch::RecordBatch;

/// How long a judged digest's missing files stay in the gauge after it was judged: a file that
/// never arrives is reported for a day, then forgotten.
pub const REPORT_SECS: i64 = 24 * 3600;

/// The part of an object name (`s3://bucket/prefix/AWSLogs/...`, a local path, or a digest's
/// `s3Object`) that identifies a CloudTrail file wherever it was read from: from `AWSLogs/` on,
/// else the whole name.
pub fn file_key(name: &str) -> &str {
    name.find("AWSLogs/").map_or(name, |at| &name[at..])
}

/// True for the key of a CloudTrail log file (not a digest or an Insights file).
pub fn is_log_file(key: &str) -> bool {
    key.contains("/CloudTrail/")
}

/// The region in a CloudTrail key: the path segment after `CloudTrail/` or `CloudTrail-Digest/`.
fn region_of(key: &str) -> Option<&str> {
    ["/CloudTrail-Digest/", "/CloudTrail/"]
        .iter()
        .find_map(|dir| {
            let rest = &key[key.find(dir)? + dir.len()..];
            rest.split('/').next().filter(|r| !r.is_empty())
        })
}

/// One digest: its account and region, when it becomes due, the files still unseen.
#[derive(Debug, Clone)]
struct Digest {
    account: String,
    region: String,
    /// Unix seconds when the digest is old enough to judge (`digestEndTime` + grace).
    due: i64,
    /// Unix seconds when it was taken in.
    noted: i64,
    /// Unix seconds when it was judged (a backfill judges old digests long after `due`).
    judged: i64,
    missing: Vec<String>,
}

/// Digests waiting to be judged, digests judged, and the log files seen.
#[derive(Debug, Clone)]
pub struct DigestCheck {
    grace_secs: i64,
    /// How long a digest must have been known before it is judged.
    settle_secs: i64,
    /// Log-file keys counted, with the Unix second they were noted (for expiry).
    seen: HashMap<String, i64>,
    /// Digest objects already taken in (a digest delivered twice is one digest).
    digests: HashSet<String>,
    pending: Vec<Digest>,
    judged: Vec<Digest>,
}

impl DigestCheck {
    /// A check that judges digests `grace_secs` after their end, once they have been known for
    /// `settle_secs` (the grace again in the daemon; 0 when every object was seen before the
    /// judgement, as in `replay`).
    pub fn new(grace_secs: u64, settle_secs: u64) -> Self {
        let secs = |s: u64| i64::try_from(s).unwrap_or(i64::MAX / 4);
        Self {
            grace_secs: secs(grace_secs),
            settle_secs: secs(settle_secs),
            seen: HashMap::new(),
            digests: HashSet::new(),
            pending: Vec::new(),
            judged: Vec::new(),
        }
    }

    /// Every object of the run has been counted (a directory or a Lambda batch drained): digests
    /// past their grace are judged from now on without waiting to have been known that long.
    pub fn input_drained(&mut self) {
        self.settle_secs = 0;
    }

    /// True when a digest would be judged by [`Self::advance`] at `now`.
    pub fn any_due(&self, now: i64) -> bool {
        let settle = self.settle_secs;
        self.pending
            .iter()
            .any(|d| d.due <= now && d.noted.saturating_add(settle) <= now)
    }

    /// Notes an object whose records were counted (any name; only CloudTrail log files are kept).
    pub fn note_counted(&mut self, name: &str, now: i64) {
        let key = file_key(name);
        if is_log_file(key) {
            self.seen.insert(key.to_string(), now);
        }
    }

    /// Takes in the rows of `cloudtrail_digest` batches (one row per file vouched for), at `now`.
    pub fn note_digests(&mut self, batches: &[RecordBatch], now: i64) {
        let mut found: BTreeMap<String, Digest> = BTreeMap::new();
        for batch in batches {
            let text = |name: &str| {
                batch
                    .column_by_name(name)
                    .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            };
            let (Some(object), Some(account), Some(log)) = (
                text("digest_s3_object"),
                text("aws_account_id"),
                text("log_s3_object"),
            ) else {
                continue;
            };
            let Some(end) = batch
                .column_by_name("digest_end_time")
                .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
            else {
                continue;
            };
            for row in 0..batch.num_rows() {
                if object.is_null(row)
                    || end.is_null(row)
                    || self.digests.contains(object.value(row))
                {
                    continue;
                }
                let name = object.value(row);
                let region = region_of(name).unwrap_or("unknown");
                let digest = found.entry(name.to_string()).or_insert_with(|| Digest {
                    account: if account.is_null(row) {
                        "unknown"
                    } else {
                        account.value(row)
                    }
                    .to_string(),
                    region: region.to_string(),
                    due: end
                        .value(row)
                        .div_euclid(1_000_000)
                        .saturating_add(self.grace_secs),
                    noted: now,
                    judged: 0,
                    missing: Vec::new(),
                });
                if !log.is_null(row) {
                    let key = file_key(log.value(row));
                    if !self.seen.contains_key(key) {
                        digest.missing.push(key.to_string());
                    }
                }
            }
        }
        for (name, digest) in found {
            self.digests.insert(name);
            self.pending.push(digest);
        }
    }

    /// Judges the digests due at `now` against the files seen (judged ones again: a file may
    /// arrive late), and forgets digests and files past their time. Returns how many digests
    /// were judged for the first time.
    pub fn advance(&mut self, now: i64) -> usize {
        let settle = self.settle_secs;
        let (due, waiting): (Vec<Digest>, Vec<Digest>) = self
            .pending
            .drain(..)
            .partition(|d| d.due <= now && d.noted.saturating_add(settle) <= now);
        self.pending = waiting;
        let newly = due.len();
        self.judged
            .extend(due.into_iter().map(|d| Digest { judged: now, ..d }));
        self.judged.retain(|d| d.judged + REPORT_SECS > now);
        let seen = &self.seen;
        for digest in &mut self.judged {
            digest.missing.retain(|m| !seen.contains_key(m));
        }
        // A file is noted before its digest arrives, at most about an hour and a grace earlier.
        let keep = 2 * self.grace_secs + 3 * 3600;
        self.seen.retain(|_, noted| *noted + keep > now);
        newly
    }

    /// Files of judged digests not seen here: the caller may find them counted elsewhere.
    pub fn unresolved(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .judged
            .iter()
            .flat_map(|d| d.missing.iter().cloned())
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// Marks files another process counted.
    pub fn resolve(&mut self, counted: &[String]) {
        for digest in &mut self.judged {
            digest.missing.retain(|m| !counted.contains(m));
        }
    }

    /// Missing files per (account, region) over the judged digests; every (account, region)
    /// with a known digest is present, with 0 when nothing is missing (or not yet judged).
    pub fn missing(&self) -> BTreeMap<(String, String), u64> {
        let mut out: BTreeMap<(String, String), u64> = BTreeMap::new();
        for d in &self.pending {
            out.entry((d.account.clone(), d.region.clone()))
                .or_default();
        }
        for d in &self.judged {
            *out.entry((d.account.clone(), d.region.clone()))
                .or_default() += d.missing.len() as u64;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{DecodeOptions, KindHint, decode_object};
    use crate::schema::LogKind;

    const LOG: &str = "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_a.json.gz";
    const LOG2: &str = "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1450Z_b.json.gz";

    fn digest(files: &[&str]) -> Vec<RecordBatch> {
        let logs: Vec<String> = files
            .iter()
            .map(|f| format!(r#"{{"s3Bucket":"b","s3Object":"{f}","hashValue":"00","hashAlgorithm":"SHA-256"}}"#))
            .collect();
        let text = format!(
            r#"{{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T14:01:31Z","digestEndTime":"2015-08-17T15:01:31Z","digestS3Bucket":"b","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20150817T150131Z.json.gz","logFiles":[{}]}}"#,
            logs.join(",")
        );
        let d = decode_object(
            "d.json",
            text.as_bytes(),
            KindHint::Auto,
            &DecodeOptions::default(),
        );
        assert!(d.is_clean(), "{:?}", d.errors);
        d.batches
            .into_iter()
            .filter(|(k, _)| *k == LogKind::CloudTrailDigest)
            .map(|(_, b)| b)
            .collect()
    }

    const END: i64 = 1_439_823_691; // 2015-08-17T15:01:31Z

    #[test]
    fn files_vouched_for_but_not_counted_are_missing_once_the_digest_is_due() {
        let mut check = DigestCheck::new(7200, 0);
        check.note_counted(&format!("s3://bucket/{LOG}"), END);
        check.note_digests(&digest(&[LOG, LOG2]), END);
        check.advance(END + 7199);
        let key = ("111122223333".to_string(), "us-east-2".to_string());
        assert_eq!(check.missing()[&key], 0, "not due within the grace period");
        check.advance(END + 7200);
        assert_eq!(check.missing()[&key], 1);
        assert_eq!(check.unresolved(), vec![LOG2.to_string()]);
        // Another replica counted it (the ledger says so), or it arrives late here.
        check.resolve(&[LOG2.to_string()]);
        assert_eq!(check.missing()[&key], 0);
        check.advance(END + 7200 + REPORT_SECS);
        assert!(check.missing().is_empty(), "reported for a day");
        // An old digest of a backfill, read at `now`: its files may still wait in the queue, so
        // it is judged a grace period after it arrived, and reported for a day from then.
        let now = END + 30 * 86_400;
        let mut late = DigestCheck::new(7200, 7200);
        late.note_digests(&digest(&[LOG]), now);
        late.advance(now + 60);
        assert_eq!(late.missing()[&key], 0, "known for a minute: not judged");
        late.advance(now + 7200);
        assert_eq!(late.missing()[&key], 1);
    }

    #[test]
    fn a_late_file_clears_and_a_redelivered_digest_counts_once() {
        let mut check = DigestCheck::new(60, 0);
        check.note_digests(&digest(&[LOG]), END);
        check.note_digests(&digest(&[LOG]), END);
        check.advance(END + 60);
        let key = ("111122223333".to_string(), "us-east-2".to_string());
        assert_eq!(check.missing()[&key], 1);
        check.note_counted(&format!("samples/{LOG}"), END + 61);
        check.advance(END + 62);
        assert_eq!(check.missing()[&key], 0);
    }

    #[test]
    fn a_drained_input_judges_due_digests_it_has_just_seen() {
        // The daemon settles for the grace; a drained directory or Lambda batch need not.
        let mut check = DigestCheck::new(60, 60);
        let now = END + 3600;
        check.note_digests(&digest(&[LOG, LOG2]), now);
        check.note_counted(LOG, now);
        assert!(!check.any_due(now), "known for less than the grace");
        check.input_drained();
        assert!(check.any_due(now));
        check.advance(now);
        let key = ("111122223333".to_string(), "us-east-2".to_string());
        assert_eq!(check.missing()[&key], 1);
        // Still within its grace: not judged even when drained.
        let mut fresh = DigestCheck::new(7200, 7200);
        fresh.note_digests(&digest(&[LOG]), END + 60);
        fresh.input_drained();
        assert!(!fresh.any_due(END + 60));
    }

    #[test]
    fn keys_and_regions() {
        assert_eq!(
            file_key("s3://b/p/AWSLogs/1/CloudTrail/x"),
            "AWSLogs/1/CloudTrail/x"
        );
        assert_eq!(file_key("other"), "other");
        assert_eq!(
            region_of("AWSLogs/o-1/2/CloudTrail-Digest/eu-west-1/2026/"),
            Some("eu-west-1")
        );
        assert!(!is_log_file("AWSLogs/1/CloudTrail-Digest/r/x"));
        assert!(!is_log_file("AWSLogs/1/CloudTrail-Insight/r/x"));
    }
}
