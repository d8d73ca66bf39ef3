//! `trailflow run`: wiring and the main loop. Sources (SQS receivers or the
//! directory source) send deliveries; workers claim, fetch and decode their
//! objects; the [`coordinator::Coordinator`] counts, exports, commits and
//! deletes; the heartbeat keeps messages and claims alive meanwhile. The
//! shutdown future starts the drain: stop receiving, finish in-flight objects,
//! close and export the window, commit, delete, exit within the grace period.

mod completeness;
pub mod coordinator;
pub mod decode_pool;
mod depth;
pub mod heartbeat;
pub mod lambda;
mod loglimit;
pub mod receive;
pub mod selfmetrics;
pub mod tracker;
pub mod worker;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc, watch};

use crate::archive::{Archive, ArchiveError};
use crate::config::{Config, LedgerConfig, SourceConfig, SqsConfig};
use crate::engine::{Engine, EngineError, WindowPolicy, Windower, load_catalog};
use crate::export::{ExportError, Scrape, from_config};
use crate::health::Health;
use crate::ledger::{DynamoLedger, Ledger, LedgerError, LocalLedger, MemoryLedger};
use crate::metrics::SeriesSet;
use crate::source::s3::S3Reader;
use crate::source::sqs::SqsQueue;
use crate::source::{Fetcher, Queue};
pub use coordinator::RunStats;
use coordinator::{Coordinator, Parts};
use heartbeat::{Heartbeat, Lost};
use selfmetrics::SelfMetrics;
use tracker::{Delivery, Handle};
use worker::{Outcome, WorkerContext};

/// What tasks tell the coordinator.
#[derive(Debug)]
pub enum Event {
    /// A message or file to process.
    Delivery(Delivery),
    /// A worker finished an object.
    Object {
        /// Which object.
        handle: Handle,
        /// What became of it.
        outcome: Outcome,
    },
    /// The heartbeat lost a message or claims.
    Lost(Lost),
    /// A source has nothing more to send.
    SourceDone,
}

/// Why the daemon could not start (once running, it does not stop on errors).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Queries or lookups.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The ledger could not be opened.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The sink is misconfigured.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The archive is misconfigured.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The decoder threads could not start.
    #[error("starting decoder threads: {0}")]
    Threads(std::io::Error),
    /// The health server could not bind.
    #[error("health server on {addr}: {source}")]
    Health {
        /// The address.
        addr: String,
        /// The bind error.
        source: std::io::Error,
    },
}

/// Options the caller (CLI or test) adds to the configuration.
#[derive(Default)]
pub struct RunOptions {
    /// Instead of the configured source: list this location once (`trailflow backfill`).
    pub backfill: Option<Backfill>,
    /// Instead of the configured source: drain this queue once and stop (a Lambda batch).
    pub queue: Option<Arc<dyn Queue>>,
    /// Fill the archive only: windows are still closed and committed in order, but their
    /// metrics go nowhere (`backfill --archive-only`).
    pub archive_only: bool,
}

/// The sink of an archive-only run: accepts every export and sends it nowhere.
struct Discard;

#[async_trait::async_trait]
impl crate::export::Sink for Discard {
    async fn export(&self, _series: &SeriesSet) -> Result<(), ExportError> {
        Ok(())
    }
}

/// What `trailflow backfill` processes.
#[derive(Debug, Clone)]
pub struct Backfill {
    /// Bucket and prefix.
    pub location: crate::source::s3::S3Location,
    /// Only objects modified at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Show a progress bar.
    pub progress: bool,
}

/// This replica's ledger owner id.
fn instance_id(config: &Config) -> String {
    config.daemon.instance_id.clone().unwrap_or_else(|| {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "trailflow".into());
        format!("{host}-{}", std::process::id())
    })
}

async fn open_ledger(config: &LedgerConfig) -> Result<Arc<dyn Ledger>, LedgerError> {
    Ok(match config {
        LedgerConfig::Memory { .. } => Arc::new(MemoryLedger::new()),
        LedgerConfig::Local { path, .. } => {
            let path = path.clone();
            let ledger = tokio::task::spawn_blocking(move || LocalLedger::open(&path))
                .await
                .map_err(|e| LedgerError {
                    operation: "open",
                    object: String::new(),
                    message: e.to_string(),
                })??;
            Arc::new(ledger)
        }
        LedgerConfig::Dynamodb { table, .. } => Arc::new(DynamoLedger::new(
            DynamoLedger::client_from_env().await,
            table.clone(),
        )),
    })
}

/// Runs until `shutdown` resolves (or, for a one-shot directory source, until everything is exported).
pub async fn run(
    config: Config,
    options: RunOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(RunStats, SeriesSet), AppError> {
    let catalog = load_catalog(config.engine.queries_dir.as_deref())?;
    let engine = Engine::new(catalog, &config.lookups).await?;
    let series = SeriesSet::new(engine.catalog(), config.engine.series_limit);
    let metrics = SelfMetrics::new(series.metrics());
    let windower = Windower::new(WindowPolicy::of(&config.engine));
    let ledger = open_ledger(&config.ledger).await?;
    let health = Arc::new(Health::default());
    let owner = instance_id(&config);
    let scrape = Arc::new(Scrape::default());
    let env: HashMap<String, String> = std::env::vars().collect();
    let sink: Box<dyn crate::export::Sink> = if options.archive_only {
        Box::new(Discard)
    } else {
        from_config(&config.export, &env, &owner, scrape.clone())?
    };
    let archive = Archive::from_config(&config.archive).await?;
    let mut decode_options = engine.decode_options();
    if let Some(archive) = &archive {
        // The archive keeps every column, not only those the queries read.
        decode_options.columns = crate::decode::ColumnSelection::all();
        tracing::info!(root = archive.url(), "archiving every record as Parquet");
    }
    let d = &config.daemon;

    let (events_tx, mut events) = mpsc::channel::<Event>(1024);
    let (stop_tx, stop) = watch::channel(false);
    let inflight = Arc::new(Semaphore::new(d.max_inflight_messages));

    let (queue, lease, s3): (Option<Arc<dyn Queue>>, Duration, Option<S3Reader>) =
        match &config.source {
            SourceConfig::Sqs(sqs) => {
                let client = SqsQueue::client_from_env().await;
                let queue: Arc<dyn Queue> =
                    Arc::new(SqsQueue::new(client, &sqs.queue_url, sqs.wait_time_secs));
                let lease = Duration::from_secs(sqs.visibility_timeout_secs.max(1) as u64);
                (Some(queue), lease, Some(S3Reader::from_env().await))
            }
            SourceConfig::Directory(_) => (None, Duration::from_secs(300), None),
        };
    let (queue, s3) = match (&options.backfill, &options.queue) {
        (Some(_), _) => (None, Some(S3Reader::from_env().await)),
        (None, Some(batch)) => (Some(batch.clone()), Some(S3Reader::from_env().await)),
        (None, None) => (queue, s3),
    };
    let once = options.queue.is_some();

    if !d.health_listen.is_empty() {
        let addr: SocketAddr = d
            .health_listen
            .parse()
            .map_err(|e: std::net::AddrParseError| AppError::Health {
                addr: d.health_listen.clone(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
            })?;
        let (local, server) = crate::health::bind(addr, health.clone(), scrape.clone())
            .await
            .map_err(|source| AppError::Health {
                addr: d.health_listen.clone(),
                source,
            })?;
        tracing::info!(%local, "health endpoints listening");
        tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::error!(error = %e, "health server stopped");
            }
        });
    }

    let leases = Arc::new(Mutex::new(Default::default()));
    let workers = WorkerContext {
        fetcher: Fetcher::new(
            s3,
            d.get_object_attempts,
            Duration::from_secs(d.get_object_timeout_secs),
        ),
        ledger: ledger.clone(),
        owner: owner.clone(),
        lease,
        options: Arc::new(decode_options),
        slots: Arc::new(Semaphore::new(d.max_inflight_objects)),
        bytes: Arc::new(Semaphore::new(d.max_inflight_mib * 1024)),
        bytes_total: d.max_inflight_mib * 1024,
        events: events_tx.clone(),
        leases: leases.clone(),
        decoders: decode_pool::DecodePool::per_core().map_err(AppError::Threads)?,
        health: health.clone(),
        archive,
    };
    let heartbeat = Heartbeat {
        queue: queue.clone(),
        ledger: ledger.clone(),
        owner: owner.clone(),
        lease,
        leases: leases.clone(),
        events: events_tx.clone(),
        metrics: metrics.clone(),
    };
    tokio::spawn(heartbeat.run(stop.clone()));

    let sources = match (&config.source, &queue) {
        _ if options.backfill.is_some() => {
            let (Some(backfill), Some(s3)) =
                (options.backfill.clone(), workers.fetcher.s3().cloned())
            else {
                return Ok((RunStats::default(), SeriesSet::new(&Default::default(), 1)));
            };
            let progress = if backfill.progress {
                indicatif::ProgressBar::new(0)
            } else {
                indicatif::ProgressBar::hidden()
            };
            tokio::spawn(receive::listing(
                s3,
                backfill.location,
                backfill.since,
                inflight.clone(),
                events_tx.clone(),
                stop.clone(),
                progress,
            ));
            1
        }
        (_, Some(queue)) if once => {
            // A Lambda batch: one receive hands over the whole batch; its end ends the run.
            tokio::spawn(receive::sqs(receive::ReceiverContext {
                queue: queue.clone(),
                config: SqsConfig {
                    queue_url: queue.name().to_string(),
                    receivers: 1,
                    max_messages: 10,
                    wait_time_secs: 0,
                    visibility_timeout_secs: 900,
                    depth_interval_secs: 0,
                    dead_letter_queue_url: None,
                },
                inflight: inflight.clone(),
                events: events_tx.clone(),
                stop: stop.clone(),
                health: health.clone(),
                metrics: metrics.clone(),
                once: true,
            }));
            1
        }
        (SourceConfig::Sqs(sqs), Some(queue)) => {
            if sqs.depth_interval_secs > 0 {
                tokio::spawn(depth::poll(
                    SqsQueue::new(SqsQueue::client_from_env().await, &sqs.queue_url, 0),
                    sqs.dead_letter_queue_url.clone(),
                    Duration::from_secs(sqs.depth_interval_secs),
                    metrics.clone(),
                    stop.clone(),
                ));
            }
            for _ in 0..sqs.receivers {
                tokio::spawn(receive::sqs(receive::ReceiverContext {
                    queue: queue.clone(),
                    config: sqs.clone(),
                    inflight: inflight.clone(),
                    events: events_tx.clone(),
                    stop: stop.clone(),
                    health: health.clone(),
                    metrics: metrics.clone(),
                    once: false,
                }));
            }
            sqs.receivers
        }
        (SourceConfig::Directory(dir), _) => {
            tokio::spawn(receive::directory(
                dir.clone(),
                inflight.clone(),
                events_tx.clone(),
                stop.clone(),
            ));
            1
        }
        (SourceConfig::Sqs(_), None) => 0,
    };
    drop(events_tx);
    tracing::info!(owner, "trailflow running");

    let mut coordinator = Coordinator::new(Parts {
        engine,
        windower,
        series,
        sink,
        ledger,
        queue,
        workers,
        leases,
        health: health.clone(),
        metrics,
        ttl: Duration::from_secs(config.ledger.ttl_hours() * 3600),
        max_backoff: Duration::from_secs(d.export_max_backoff_secs),
        export_timeout: Duration::from_secs(30),
        idle_export: Duration::from_secs(config.engine.window_max_age_secs),
        export_interval: Duration::from_millis(d.export_interval_ms),
        log_burst: d.log_burst,
        digest_grace_secs: config.engine.digest_grace_secs,
    });
    let mut idle_tick =
        tokio::time::interval(Duration::from_secs(config.engine.window_max_age_secs));
    idle_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    let grace = Duration::from_secs(d.shutdown_grace_secs);
    let mut deadline: Option<Instant> = None;
    let mut sources_done = 0;
    tokio::pin!(shutdown);
    let far = || tokio::time::Instant::now() + Duration::from_secs(86_400);
    loop {
        let drained = sources_done >= sources;
        if drained && coordinator.working() == 0 {
            coordinator.flush(deadline.is_none()).await;
            if coordinator.idle() {
                break;
            }
        }
        if deadline.is_some_and(|dl| Instant::now() >= dl) {
            tracing::warn!(
                "grace period over; exiting with work not exported (it will be redelivered)"
            );
            break;
        }
        let window_at = coordinator
            .window_deadline()
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(far);
        let retry_at = coordinator
            .export_due()
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(far);
        let grace_at = deadline
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(far);
        tokio::select! {
            event = events.recv() => match event {
                Some(Event::Delivery(d)) => coordinator.on_delivery(d),
                Some(Event::Object { handle, outcome }) => coordinator.on_object(handle, outcome).await,
                Some(Event::Lost(lost)) => coordinator.on_lost(lost).await,
                Some(Event::SourceDone) => sources_done += 1,
                None => sources_done = sources,
            },
            _ = tokio::time::sleep_until(window_at) => coordinator.on_window_age().await,
            _ = tokio::time::sleep_until(retry_at) => coordinator.export().await,
            _ = tokio::time::sleep_until(grace_at) => {}
            _ = idle_tick.tick() => coordinator.on_idle_tick().await,
            _ = &mut shutdown, if deadline.is_none() => {
                tracing::info!(?grace, "shutting down: no more receives; draining");
                health.set_draining();
                deadline = Some(Instant::now() + grace);
                let _ = stop_tx.send(true);
            }
        }
        coordinator.flush_deletes().await;
    }
    let _ = stop_tx.send(true);
    coordinator.flush_deletes().await;
    let stats = coordinator.stats();
    tracing::info!(?stats, "trailflow stopped");
    Ok((stats, coordinator.series().clone()))
}

#[cfg(test)]
mod tests;
