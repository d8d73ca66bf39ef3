//! One object's way to the coordinator: claim it in the ledger (before the download when the
//! notification names its version, else with the ETag the download returned), fetch it, decode
//! it (and archive it) on the decoder pool. The pool of workers is bounded; each holds at most
//! one object's bytes and batches.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::Event;
use super::budget::{DecodedBudget, arrow_bytes};
use super::decode_pool::{Archiving, DecodePool, PoolError};
use super::heartbeat::{Leases, lock_leases};
use super::tracker::{DeliveryId, Handle};
use crate::archive::ArchiveError;
use crate::decode::{DecodeOptions, DecodedObject};
use crate::health::Health;
use crate::ledger::{Claim, Ledger, LedgerError, object_key};
use crate::source::{FetchError, Fetcher, ObjectSpec};

/// What became of an object.
#[derive(Debug)]
pub enum Outcome {
    /// Claimed and decoded: ready to be counted.
    Decoded {
        /// The ledger key claimed.
        claim: String,
        /// The rows, errors and sizes.
        decoded: Box<DecodedObject>,
        /// Its room in the decoded bytes' budget, held until the object is done.
        held: Option<OwnedSemaphorePermit>,
    },
    /// Counted before.
    Duplicate,
    /// Claimed by another live consumer.
    Busy,
    /// Could not be fetched.
    Fetch(FetchError),
    /// The ledger could not be reached.
    Ledger(LedgerError),
    /// Decoded, but its records could not be archived (the claim is released).
    Archive(ArchiveError),
    /// The decoder panicked on it (the claim is released; the message is left for redrive).
    DecoderPanic(String),
}

/// What every worker shares.
#[derive(Clone)]
pub struct WorkerContext {
    /// Gets bytes.
    pub fetcher: Fetcher,
    /// Claims objects.
    pub ledger: Arc<dyn Ledger>,
    /// This replica's id in the ledger.
    pub owner: String,
    /// Claim lease (renewed by the heartbeat).
    pub lease: Duration,
    /// Decoder limits.
    pub options: Arc<DecodeOptions>,
    /// Bounds objects in flight.
    pub slots: Arc<Semaphore>,
    /// Bounds the fetched bytes being decoded, in KiB permits.
    pub bytes: Arc<Semaphore>,
    /// The budget's size in KiB.
    pub bytes_total: usize,
    /// Bounds the decoded bytes held from count to export.
    pub decoded: DecodedBudget,
    /// Where outcomes go.
    pub events: mpsc::Sender<Event>,
    /// Claims are renewed by the heartbeat from the moment they are taken.
    pub leases: Leases,
    /// Where decoding runs.
    pub decoders: DecodePool,
    /// Readiness: a failing ledger shows on `/readyz` while claims are retried.
    pub health: Arc<Health>,
    /// Where every decoded object's records are archived before they are counted (optional).
    pub archive: Option<Archiving>,
}

fn ledger_key(spec: &ObjectSpec, version: Option<&str>) -> String {
    match spec {
        ObjectSpec::S3(o) => object_key(&o.bucket, &o.key, version),
        ObjectSpec::File(p) => object_key("file:", &p.display().to_string(), version),
    }
}

/// Processes one object and reports the outcome.
pub async fn process(ctx: WorkerContext, handle: Handle, spec: ObjectSpec) {
    let outcome = run(&ctx, handle.0, &spec).await;
    // The coordinator stops last: a closed channel only happens at exit.
    let _ = ctx.events.send(Event::Object { handle, outcome }).await;
}

async fn run(ctx: &WorkerContext, delivery: DeliveryId, spec: &ObjectSpec) -> Outcome {
    let Ok(_slot) = ctx.slots.acquire().await else {
        return Outcome::Busy;
    };
    let mut claimed = None;
    if let Some(version) = spec.announced_version() {
        let key = ledger_key(spec, Some(&version));
        match claim(ctx, delivery, &key).await {
            Ok(()) => claimed = Some(key),
            Err(outcome) => return outcome,
        }
    }
    let started = std::time::Instant::now();
    let fetched = match ctx.fetcher.fetch(spec).await {
        Ok(f) => f,
        Err(e) => {
            if let Some(key) = &claimed {
                release(ctx, delivery, key).await;
            }
            return Outcome::Fetch(e);
        }
    };
    let key = match claimed {
        Some(key) => key,
        None => {
            let key = ledger_key(spec, fetched.version.as_deref());
            if let Err(outcome) = claim(ctx, delivery, &key).await {
                return outcome;
            }
            key
        }
    };
    let name = spec.name();
    tracing::debug!(object = name, took = ?started.elapsed(), bytes = fetched.bytes.len(), "fetched");
    let options = ctx.options.clone();
    // Room for this object's bytes before decoding; one larger than the whole budget takes it all.
    let kib = (fetched.bytes.len() / 1024 + 1).min(ctx.bytes_total);
    let Ok(room) = ctx
        .bytes
        .acquire_many(u32::try_from(kib).unwrap_or(u32::MAX))
        .await
    else {
        return Outcome::Busy;
    };
    let decoded = match &ctx.archive {
        None => (ctx.decoders.decode(name, fetched.bytes, options).await)
            .map(|decoded| (decoded, Ok(Vec::new()))),
        Some(archiving) => {
            let (archiving, source) = (archiving.clone(), key.clone());
            (ctx.decoders
                .decode_and_archive(name, fetched.bytes, options, archiving, source))
            .await
        }
    };
    match decoded {
        Ok((decoded, files)) => {
            // Archived before it is counted: a message is deleted only after its object's files
            // exist, and a rewrite after a redelivery replaces them (docs/delivery.md).
            if let Some(archiving) = &ctx.archive {
                let written = match files {
                    Ok(files) => archiving.archive.put(files).await.map(|_| ()),
                    Err(e) => Err(e),
                };
                if let Err(e) = written {
                    release(ctx, delivery, &key).await;
                    return Outcome::Archive(e);
                }
            }
            crate::fault::crash_point("after_archive");
            // The fetched bytes' room is given back before waiting for the decoded bytes'.
            drop(room);
            let held = ctx.decoded.hold(arrow_bytes(&decoded.batches)).await;
            Outcome::Decoded {
                claim: key,
                decoded: Box::new(decoded),
                held,
            }
        }
        Err(PoolError::Panicked(message)) => {
            release(ctx, delivery, &key).await;
            Outcome::DecoderPanic(message)
        }
        Err(e @ PoolError::Stopped) => {
            release(ctx, delivery, &key).await;
            Outcome::Fetch(FetchError::Failed {
                object: spec.name(),
                message: format!("decoder stopped: {e}"),
                attempts: 1,
            })
        }
    }
}

/// How long a claim is retried while the ledger fails (full disk, DynamoDB throttling or
/// outage). Meanwhile the message stays in flight (the heartbeat keeps it invisible) instead of
/// using up its receive count towards the dead-letter queue, and the in-flight limit stops
/// receiving: backpressure rather than redrive.
const CLAIM_PATIENCE: Duration = Duration::from_secs(300);

async fn claim(ctx: &WorkerContext, delivery: DeliveryId, key: &str) -> Result<(), Outcome> {
    let started = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        match claim_once(ctx, delivery, key).await {
            Err(Outcome::Ledger(e)) if started.elapsed() < CLAIM_PATIENCE => {
                ctx.health.set_ledger_ok(false);
                attempt += 1;
                let wait = crate::source::fetch::backoff(
                    attempt,
                    Duration::from_millis(200),
                    Duration::from_secs(10),
                );
                if attempt == 1 || attempt % 10 == 0 {
                    tracing::warn!(object = key, error = %e, attempt, ?wait, "ledger claim failed; retrying");
                }
                tokio::time::sleep(wait).await;
            }
            result => return result,
        }
    }
}

async fn claim_once(ctx: &WorkerContext, delivery: DeliveryId, key: &str) -> Result<(), Outcome> {
    match ctx.ledger.claim(key, &ctx.owner, ctx.lease).await {
        Ok(Claim::Claimed) => {
            // Renewed from now on: a slow download or decode must not let the lease lapse.
            if let Some(l) = lock_leases(&ctx.leases).get_mut(&delivery) {
                l.claims.push(key.to_string());
                // Claimed just now; an older claim of the delivery keeps its own time.
                l.confirmed.get_or_insert_with(std::time::Instant::now);
            }
            Ok(())
        }
        Ok(Claim::Done) => Err(Outcome::Duplicate),
        Ok(Claim::Busy) => Err(Outcome::Busy),
        Err(e) => Err(Outcome::Ledger(e)),
    }
}

/// Gives a claim back so that a redelivery need not wait for the lease; failures only delay that.
pub async fn release(ctx: &WorkerContext, delivery: DeliveryId, key: &str) {
    if let Some(l) = lock_leases(&ctx.leases).get_mut(&delivery) {
        l.claims.retain(|c| c != key);
    }
    if let Err(e) = ctx.ledger.release(key, &ctx.owner).await {
        tracing::warn!(error = %e, "claim not released; it ends with its lease");
    }
}
