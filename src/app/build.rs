//! `trailflow run`'s wiring: one function per part, each built from the configuration and the
//! parts it needs, so that each can be read (and tested) alone. [`super::run`] calls them in
//! the order of this file and then drives the coordinator.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, watch};

use super::budget::{Admission, DecodedBudget};
use super::decode_pool::{Archiving, DecodePool};
use super::heartbeat::{Heartbeat, Leases};
use super::selfmetrics::SelfMetrics;
use super::tracker::Handle;
use super::worker::WorkerContext;
use super::{AppError, Event, RunOptions, depth, receive};
use crate::archive::{Archive, ArchiveError};
use crate::config::{Config, DaemonConfig, LedgerConfig, SourceConfig, SqsConfig};
use crate::decode::{ColumnSelection, DecodeOptions};
use crate::engine::{Engine, WindowPolicy, Windower, load_catalog};
use crate::export::{ExportError, Scrape, Sink, from_config};
use crate::health::Health;
use crate::ledger::{DynamoLedger, Ledger, LedgerError, LocalLedger, MemoryLedger};
use crate::metrics::SeriesSet;
use crate::source::s3::S3Reader;
use crate::source::sqs::SqsQueue;
use crate::source::{Fetcher, Queue};

/// The metric side: the queries planned, the series they fill, the daemon's own metrics and
/// the windows that batch records for them.
pub struct MetricParts {
    /// The planned queries.
    pub engine: Engine,
    /// Cumulative series, with the cardinality limit.
    pub series: SeriesSet,
    /// The daemon's own counters and gauges.
    pub metrics: SelfMetrics,
    /// Open windows.
    pub windower: Windower<Handle>,
}

/// Loads and plans the queries (built in, or `engine.queries_dir`) with their lookups.
pub async fn metric_parts(config: &Config) -> Result<MetricParts, AppError> {
    let catalog = load_catalog(config.engine.queries_dir.as_deref())?;
    let engine = Engine::new(catalog, &config.lookups).await?;
    let series = SeriesSet::new(engine.catalog(), config.engine.series_limit);
    let metrics = SelfMetrics::new(series.metrics());
    let windower = Windower::new(WindowPolicy::of(&config.engine));
    Ok(MetricParts {
        engine,
        series,
        metrics,
        windower,
    })
}

/// Opens the dedupe ledger the configuration names.
pub async fn ledger(config: &LedgerConfig) -> Result<Arc<dyn Ledger>, LedgerError> {
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

/// This replica's ledger owner id: `daemon.instance_id`, or host name and process id.
pub fn owner(config: &Config) -> String {
    config.daemon.instance_id.clone().unwrap_or_else(|| {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "trailflow".into());
        format!("{host}-{}", std::process::id())
    })
}

/// The sink of an archive-only run: accepts every export and sends it nowhere.
struct Discard;

#[async_trait::async_trait]
impl Sink for Discard {
    async fn export(&self, _series: &SeriesSet) -> Result<(), ExportError> {
        Ok(())
    }
}

/// Where the series go: the configured sink, or nowhere for an archive-only run.
pub fn sink(
    config: &Config,
    archive_only: bool,
    owner: &str,
    scrape: Arc<Scrape>,
) -> Result<Box<dyn Sink>, ExportError> {
    if archive_only {
        return Ok(Box::new(Discard));
    }
    let env: HashMap<String, String> = std::env::vars().collect();
    from_config(&config.export, &env, owner, scrape)
}

/// The archive, when `[archive]` is on, and what the decoders fill: the columns the queries
/// read, or every column when archiving (the archive keeps them all).
pub async fn archive(
    config: &Config,
    engine: &Engine,
) -> Result<(Option<Archiving>, DecodeOptions), ArchiveError> {
    let mut options = engine.decode_options();
    let Some(archive) = Archive::from_config(&config.archive).await? else {
        return Ok((None, options));
    };
    tracing::info!(root = archive.url(), "archiving every record as Parquet");
    let counted = std::mem::replace(&mut options.columns, ColumnSelection::all());
    let archiving = Archiving {
        archive,
        counted: Arc::new(counted),
    };
    Ok((Some(archiving), options))
}

/// Where deliveries come from: the queue (none for the directory source and for backfill),
/// the claim lease, and the S3 reader (none for the directory source).
pub struct Input {
    /// SQS, or a Lambda batch.
    pub queue: Option<Arc<dyn Queue>>,
    /// The claim lease: the queue's visibility timeout.
    pub lease: Duration,
    /// Reads the objects the messages name.
    pub s3: Option<S3Reader>,
}

/// The input of the configured source, unless `options` replace it (backfill, Lambda).
pub async fn input(config: &Config, options: &RunOptions) -> Input {
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
    Input { queue, lease, s3 }
}

/// Serves `/healthz`, `/readyz` and `/metrics` in the background on `daemon.health_listen`
/// (nothing when it is empty).
pub async fn health_server(
    config: &DaemonConfig,
    health: Arc<Health>,
    scrape: Arc<Scrape>,
) -> Result<(), AppError> {
    if config.health_listen.is_empty() {
        return Ok(());
    }
    let listen = &config.health_listen;
    let addr: SocketAddr =
        listen
            .parse()
            .map_err(|e: std::net::AddrParseError| AppError::Health {
                addr: listen.clone(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
            })?;
    let (local, server) = crate::health::bind(addr, health, scrape)
        .await
        .map_err(|source| AppError::Health {
            addr: listen.clone(),
            source,
        })?;
    tracing::info!(%local, "health endpoints listening");
    tokio::spawn(async move {
        if let Err(e) = server.await {
            tracing::error!(error = %e, "health server stopped");
        }
    });
    Ok(())
}

/// The handles every task of the run shares.
#[derive(Clone)]
pub struct Shared {
    /// To the coordinator.
    pub events: mpsc::Sender<Event>,
    /// Set when the drain starts.
    pub stop: watch::Receiver<bool>,
    /// Bounds the messages held from receipt to delete, and the decoded bytes held from count
    /// to export: what the sources wait for.
    pub admission: Admission,
    /// Claims and visibility the heartbeat renews.
    pub leases: Leases,
    /// The ledger.
    pub ledger: Arc<dyn Ledger>,
    /// This replica's ledger owner id.
    pub owner: String,
    /// The claim lease.
    pub lease: Duration,
    /// Readiness.
    pub health: Arc<Health>,
    /// The daemon's own metrics.
    pub metrics: SelfMetrics,
}

impl Shared {
    /// The shared handles; the receiving ends of `events` and `stop` stay with the caller.
    pub fn new(
        config: &DaemonConfig,
        events: mpsc::Sender<Event>,
        stop: watch::Receiver<bool>,
        ledger: Arc<dyn Ledger>,
        owner: String,
        lease: Duration,
        metrics: SelfMetrics,
    ) -> Self {
        Shared {
            events,
            stop,
            admission: Admission {
                inflight: Arc::new(Semaphore::new(config.max_inflight_messages)),
                decoded: DecodedBudget::new(config.max_decoded_mib),
            },
            leases: Arc::new(Mutex::new(HashMap::new())),
            ledger,
            owner,
            lease,
            health: Arc::new(Health::default()),
            metrics,
        }
    }
}

/// What the workers share: fetching, claiming, decoding (a pool of one thread per core) and
/// archiving, within the in-flight limits of `[daemon]`.
pub fn workers(
    config: &DaemonConfig,
    s3: Option<S3Reader>,
    decode: DecodeOptions,
    archive: Option<Archiving>,
    shared: &Shared,
) -> Result<WorkerContext, AppError> {
    Ok(WorkerContext {
        fetcher: Fetcher::new(
            s3,
            config.get_object_attempts,
            Duration::from_secs(config.get_object_timeout_secs),
        ),
        ledger: shared.ledger.clone(),
        owner: shared.owner.clone(),
        lease: shared.lease,
        options: Arc::new(decode),
        slots: Arc::new(Semaphore::new(config.max_inflight_objects)),
        bytes: Arc::new(Semaphore::new(config.max_inflight_mib * 1024)),
        bytes_total: config.max_inflight_mib * 1024,
        decoded: shared.admission.decoded.clone(),
        events: shared.events.clone(),
        leases: shared.leases.clone(),
        decoders: DecodePool::per_core().map_err(AppError::Threads)?,
        health: shared.health.clone(),
        archive,
    })
}

/// Starts the heartbeat: renews claims and extends the visibility of messages in flight.
pub fn spawn_heartbeat(queue: Option<Arc<dyn Queue>>, shared: &Shared) {
    let heartbeat = Heartbeat {
        queue,
        ledger: shared.ledger.clone(),
        owner: shared.owner.clone(),
        lease: shared.lease,
        leases: shared.leases.clone(),
        events: shared.events.clone(),
        metrics: shared.metrics.clone(),
    };
    tokio::spawn(heartbeat.run(shared.stop.clone()));
}

/// Starts the tasks that send deliveries: a backfill listing, a Lambda batch's one receive,
/// the SQS receivers (and the queue-depth poller), or the directory source. Returns how many
/// report `SourceDone`, or `None` when a backfill has no S3 reader to list with.
pub async fn spawn_sources(
    config: &Config,
    options: &RunOptions,
    queue: Option<&Arc<dyn Queue>>,
    s3: Option<&S3Reader>,
    shared: &Shared,
) -> Option<usize> {
    let receiver = |queue: &Arc<dyn Queue>, config: SqsConfig, once: bool| {
        receive::sqs(receive::ReceiverContext {
            queue: queue.clone(),
            config,
            admission: shared.admission.clone(),
            events: shared.events.clone(),
            stop: shared.stop.clone(),
            health: shared.health.clone(),
            metrics: shared.metrics.clone(),
            once,
        })
    };
    Some(match (&config.source, queue) {
        _ if options.backfill.is_some() => {
            let (Some(backfill), Some(s3)) = (options.backfill.clone(), s3.cloned()) else {
                return None;
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
                shared.admission.clone(),
                shared.events.clone(),
                shared.stop.clone(),
                progress,
            ));
            1
        }
        (_, Some(queue)) if options.queue.is_some() => {
            // A Lambda batch: one receive hands over the whole batch; its end ends the run.
            let batch = SqsConfig {
                queue_url: queue.name().to_string(),
                receivers: 1,
                max_messages: 10,
                wait_time_secs: 0,
                visibility_timeout_secs: 900,
                depth_interval_secs: 0,
                dead_letter_queue_url: None,
            };
            tokio::spawn(receiver(queue, batch, true));
            1
        }
        (SourceConfig::Sqs(sqs), Some(queue)) => {
            if sqs.depth_interval_secs > 0 {
                tokio::spawn(depth::poll(
                    SqsQueue::new(SqsQueue::client_from_env().await, &sqs.queue_url, 0),
                    sqs.dead_letter_queue_url.clone(),
                    Duration::from_secs(sqs.depth_interval_secs),
                    shared.metrics.clone(),
                    shared.stop.clone(),
                ));
            }
            for _ in 0..sqs.receivers {
                tokio::spawn(receiver(queue, sqs.clone(), false));
            }
            sqs.receivers
        }
        (SourceConfig::Directory(dir), _) => {
            tokio::spawn(receive::directory(
                dir.clone(),
                shared.admission.clone(),
                shared.events.clone(),
                shared.stop.clone(),
            ));
            1
        }
        (SourceConfig::Sqs(_), None) => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_archive_only_run_exports_nowhere() {
        let sink = sink(&Config::default(), true, "me", Arc::default()).unwrap();
        let series = SeriesSet::new(&Default::default(), 1);
        assert!(sink.export(&series).await.is_ok());
    }

    #[tokio::test]
    async fn a_directory_source_has_no_queue_and_no_s3() {
        let input = input(&Config::default(), &RunOptions::default()).await;
        assert!(input.queue.is_none() && input.s3.is_none());
    }

    #[tokio::test]
    async fn the_configured_ledger_opens() {
        let dir = tempfile::tempdir().unwrap();
        let local = LedgerConfig::Local {
            path: dir.path().join("ledger.redb"),
            ttl_hours: 1,
        };
        let ledger = ledger(&local).await.unwrap();
        assert_eq!(
            ledger
                .claim("k", "me", Duration::from_secs(60))
                .await
                .unwrap(),
            crate::ledger::Claim::Claimed
        );
    }

    #[tokio::test]
    async fn a_health_address_that_does_not_parse_is_named() {
        let config = DaemonConfig {
            health_listen: "not an address".into(),
            ..DaemonConfig::default()
        };
        let e = health_server(&config, Arc::default(), Arc::default())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not an address"), "{e}");
        let off = DaemonConfig {
            health_listen: String::new(),
            ..DaemonConfig::default()
        };
        assert!(
            health_server(&off, Arc::default(), Arc::default())
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn archiving_fills_every_column() {
        let m = metric_parts(&Config::default()).await.unwrap();
        let (archive, queried) = archive(&Config::default(), &m.engine).await.unwrap();
        assert!(archive.is_none());
        assert_ne!(
            queried.columns,
            ColumnSelection::all(),
            "queries read a subset"
        );
    }
}
