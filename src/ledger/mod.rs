//! The dedupe ledger: which objects have been counted, and who is counting
//! which right now. The daemon claims an object before its records enter a
//! window, renews the claim with the message's visibility, and commits it as
//! done right after the window's export succeeded (see `docs/delivery.md`).
//!
//! Three stores keep the same contract: [`MemoryLedger`] (one-shot runs and
//! unit tests), [`LocalLedger`] (redb on a volume: one replica, exact across
//! restarts) and [`DynamoLedger`] (conditional writes: any number of replicas).

mod dynamodb;
mod local;
mod memory;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

pub use dynamodb::DynamoLedger;
pub use local::LocalLedger;
pub use memory::MemoryLedger;

/// What a claim found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The object is ours to count.
    Claimed,
    /// The object was counted already (within the TTL): skip it, its message can go.
    Done,
    /// Another live owner holds it: do not count it, leave its message.
    Busy,
}

/// A ledger failure, naming the object concerned.
#[derive(Debug, thiserror::Error)]
#[error("ledger {operation} {object}: {message}")]
pub struct LedgerError {
    /// What was attempted.
    pub operation: &'static str,
    /// The ledger key of the object.
    pub object: String,
    /// The store's message.
    pub message: String,
}

/// Claim, renew, commit, release.
#[async_trait]
pub trait Ledger: Send + Sync + 'static {
    /// Claims `object` for `owner` until `lease` from now, unless it is done or held by a live
    /// claim, even one of `owner`'s (two deliveries of one object in one process must not both count it).
    async fn claim(&self, object: &str, owner: &str, lease: Duration)
    -> Result<Claim, LedgerError>;

    /// Extends the claims of `owner`; returns the objects whose claim is no longer `owner`'s.
    async fn renew(
        &self,
        objects: &[String],
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<String>, LedgerError>;

    /// Marks objects done for `ttl`; returns the objects that another owner had claimed meanwhile
    /// (they were committed anyway: their records were exported).
    async fn commit(
        &self,
        objects: &[String],
        owner: &str,
        ttl: Duration,
    ) -> Result<Vec<String>, LedgerError>;

    /// Gives up `owner`'s claim, so another consumer need not wait for the lease to end.
    async fn release(&self, object: &str, owner: &str) -> Result<(), LedgerError>;

    /// Records that the files `names` were counted, for `ttl`. A name is what identifies a file
    /// without its version (a CloudTrail key from `AWSLogs/` on), for checks that know a file
    /// by its key alone: the log files a CloudTrail digest vouches for.
    async fn note_counted(&self, names: &[String], ttl: Duration) -> Result<(), LedgerError>;

    /// Those of `names` recorded by [`Ledger::note_counted`] and not expired, by any replica.
    async fn counted(&self, names: &[String]) -> Result<Vec<String>, LedgerError>;
}

/// The ledger key under which a counted file's name is recorded: never an object key, which
/// has a `#version` suffix and no such prefix.
pub fn counted_key(name: &str) -> String {
    format!("counted:{name}")
}

/// The ledger key of an object: bucket, key and the version that makes a
/// rewritten key a new object (version id, else ETag, else sequencer).
pub fn object_key(bucket: &str, key: &str, version: Option<&str>) -> String {
    format!("{bucket}/{key}#{}", version.unwrap_or("-"))
}

/// One ledger entry, as the embedded stores keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub done: bool,
    pub owner: String,
    /// Unix seconds: end of the claim's lease, or of the done record's TTL.
    pub until: u64,
}

impl Entry {
    pub fn encode(&self) -> Vec<u8> {
        format!("{}|{}|{}", u8::from(self.done), self.until, self.owner).into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Option<Entry> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(3, '|');
        let done = parts.next()? == "1";
        let until = parts.next()?.parse().ok()?;
        Some(Entry {
            done,
            until,
            owner: parts.next()?.to_string(),
        })
    }

    /// What a claim by `owner` at `now` finds.
    pub fn claim_outcome(existing: Option<&Entry>, now: u64) -> Claim {
        match existing {
            Some(e) if e.until > now && e.done => Claim::Done,
            Some(e) if e.until > now => Claim::Busy,
            _ => Claim::Claimed,
        }
    }
}

/// Unix seconds now.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(any(test, feature = "test-support"))]
pub mod contract;
