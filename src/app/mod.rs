//! `trailflow run`: the main loop (its parts are wired in `build.rs`). Sources (SQS receivers or the
//! directory source) send deliveries; workers claim, fetch and decode their
//! objects; the [`coordinator::Coordinator`] counts, exports, commits and
//! deletes; the heartbeat keeps messages and claims alive meanwhile. The
//! shutdown future starts the drain: stop receiving, finish in-flight objects,
//! close and export the window, commit, delete, exit within the grace period.

pub mod budget;
pub mod build;
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

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::archive::ArchiveError;
use crate::config::Config;
use crate::engine::EngineError;
use crate::export::{ExportError, Scrape};
use crate::health::Health;
use crate::ledger::LedgerError;
use crate::metrics::SeriesSet;
use crate::source::Queue;
pub use coordinator::RunStats;
use coordinator::{Coordinator, Parts};
use heartbeat::Lost;
use tracker::{Delivery, Handle};
use worker::Outcome;

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

/// Runs until `shutdown` resolves (or, for a one-shot directory source, until everything is
/// exported). Builds the parts (`build.rs`, one function each), starts the tasks, then drives
/// the coordinator.
pub async fn run(
    config: Config,
    options: RunOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(RunStats, SeriesSet), AppError> {
    let m = build::metric_parts(&config).await?;
    let ledger = build::ledger(&config.ledger).await?;
    let owner = build::owner(&config);
    let scrape = Arc::new(Scrape::default());
    let sink = build::sink(&config, options.archive_only, &owner, scrape.clone())?;
    let (archive, decode) = build::archive(&config, &m.engine).await?;
    let input = build::input(&config, &options).await;

    let (events_tx, events) = mpsc::channel::<Event>(1024);
    let (stop_tx, stop) = watch::channel(false);
    let shared = build::Shared::new(
        &config.daemon,
        events_tx,
        stop,
        ledger.clone(),
        owner.clone(),
        input.lease,
        m.metrics.clone(),
    );
    build::health_server(&config.daemon, shared.health.clone(), scrape).await?;
    let workers = build::workers(&config.daemon, input.s3, decode, archive, &shared)?;
    build::spawn_heartbeat(input.queue.clone(), &shared);
    let Some(sources) = build::spawn_sources(
        &config,
        &options,
        input.queue.as_ref(),
        workers.fetcher.s3(),
        &shared,
    )
    .await
    else {
        return Ok((RunStats::default(), SeriesSet::new(&Default::default(), 1)));
    };
    let health = shared.health.clone();
    // Only the tasks hold senders now: the channel closes when they are all gone.
    drop(shared);
    tracing::info!(owner, "trailflow running");

    let d = &config.daemon;
    let coordinator = Coordinator::new(Parts {
        engine: m.engine,
        windower: m.windower,
        series: m.series,
        sink,
        ledger,
        queue: input.queue,
        leases: workers.leases.clone(),
        workers,
        health: health.clone(),
        metrics: m.metrics,
        ttl: Duration::from_secs(config.ledger.ttl_hours() * 3600),
        max_backoff: Duration::from_secs(d.export_max_backoff_secs),
        export_timeout: Duration::from_secs(30),
        idle_export: Duration::from_secs(config.engine.window_max_age_secs),
        export_interval: Duration::from_millis(d.export_interval_ms),
        log_burst: d.log_burst,
        digest_grace_secs: config.engine.digest_grace_secs,
    });
    let drive = Drive {
        events,
        sources,
        stop: stop_tx,
        health,
        idle_every: Duration::from_secs(config.engine.window_max_age_secs),
        grace: Duration::from_secs(d.shutdown_grace_secs),
    };
    Ok(drive.run(coordinator, shutdown).await)
}

/// The main loop's inputs besides the coordinator.
struct Drive {
    events: mpsc::Receiver<Event>,
    /// How many sources report `SourceDone`.
    sources: usize,
    stop: watch::Sender<bool>,
    health: Arc<Health>,
    idle_every: Duration,
    grace: Duration,
}

impl Drive {
    /// Feeds events and timers to the coordinator until the sources are done and everything is
    /// exported, or the drain's grace period is over.
    async fn run(
        mut self,
        mut coordinator: Coordinator,
        shutdown: impl Future<Output = ()> + Send,
    ) -> (RunStats, SeriesSet) {
        let mut idle_tick = tokio::time::interval(self.idle_every);
        idle_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let grace = self.grace;
        let mut deadline: Option<Instant> = None;
        let mut sources_done = 0;
        tokio::pin!(shutdown);
        let far = || tokio::time::Instant::now() + Duration::from_secs(86_400);
        loop {
            let drained = sources_done >= self.sources;
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
                event = self.events.recv() => match event {
                    Some(Event::Delivery(d)) => coordinator.on_delivery(d),
                    Some(Event::Object { handle, outcome }) => coordinator.on_object(handle, outcome).await,
                    Some(Event::Lost(lost)) => coordinator.on_lost(lost).await,
                    Some(Event::SourceDone) => sources_done += 1,
                    None => sources_done = self.sources,
                },
                _ = tokio::time::sleep_until(window_at) => coordinator.on_window_age().await,
                _ = tokio::time::sleep_until(retry_at) => coordinator.export().await,
                _ = tokio::time::sleep_until(grace_at) => {}
                _ = idle_tick.tick() => coordinator.on_idle_tick().await,
                _ = &mut shutdown, if deadline.is_none() => {
                    tracing::info!(?grace, "shutting down: no more receives; draining");
                    self.health.set_draining();
                    deadline = Some(Instant::now() + grace);
                    let _ = self.stop.send(true);
                }
            }
            coordinator.flush_deletes().await;
        }
        let _ = self.stop.send(true);
        coordinator.flush_deletes().await;
        let stats = coordinator.stats();
        tracing::info!(?stats, "trailflow stopped");
        (stats, coordinator.series().clone())
    }
}

#[cfg(test)]
mod tests;
