//! The daemon's sections: where notifications and objects come from, the dedupe
//! ledger, where metrics go, and the service's own limits and endpoints.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where objects come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum SourceConfig {
    /// S3 notifications from an SQS queue (the service on ECS/EKS).
    Sqs(SqsConfig),
    /// Files in a local directory, processed once and then watched.
    Directory(DirectoryConfig),
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig::Directory(DirectoryConfig::default())
    }
}

/// The SQS queue that receives the bucket's notifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqsConfig {
    /// The queue URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`).
    pub queue_url: String,
    /// Concurrent long-polling receivers.
    #[serde(default = "default_receivers")]
    pub receivers: usize,
    /// Messages per receive call, 1 to 10.
    #[serde(default = "default_max_messages")]
    pub max_messages: i32,
    /// Long-poll wait per receive call, 0 to 20 seconds.
    #[serde(default = "default_wait_time_secs")]
    pub wait_time_secs: i32,
    /// Visibility timeout set on every received message and renewed by the heartbeat
    /// (every third of it) until the message is deleted or given up.
    #[serde(default = "default_visibility_timeout_secs")]
    pub visibility_timeout_secs: i32,
    /// How often the queue's and its dead-letter queue's depths are read, in seconds (0: never).
    #[serde(default = "default_depth_interval_secs")]
    pub depth_interval_secs: u64,
    /// The dead-letter queue to watch; by default the one the queue's redrive policy names.
    #[serde(default)]
    pub dead_letter_queue_url: Option<String>,
}

fn default_depth_interval_secs() -> u64 {
    30
}

fn default_receivers() -> usize {
    2
}
fn default_max_messages() -> i32 {
    10
}
fn default_wait_time_secs() -> i32 {
    20
}
fn default_visibility_timeout_secs() -> i32 {
    120
}

/// A local directory of log files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// The directory; files below it are read recursively (hidden files and `*.md` skipped).
    #[serde(default = "default_directory")]
    pub path: PathBuf,
    /// How often to look for new files, in seconds.
    #[serde(default = "default_poll_interval_secs")]
    pub poll_interval_secs: u64,
    /// Process what is there, export, and exit instead of watching.
    #[serde(default)]
    pub once: bool,
}

fn default_directory() -> PathBuf {
    PathBuf::from("samples")
}
fn default_poll_interval_secs() -> u64 {
    5
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        Self {
            path: default_directory(),
            poll_interval_secs: default_poll_interval_secs(),
            once: false,
        }
    }
}

/// The record of which objects were counted, so that redeliveries, duplicate
/// notifications and backfills never count an object twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum LedgerConfig {
    /// An embedded store on a local volume: exact for one replica, across restarts.
    Local {
        /// The database file.
        #[serde(default = "default_ledger_path")]
        path: PathBuf,
        /// How long a counted object is remembered, in hours.
        #[serde(default = "default_ttl_hours")]
        ttl_hours: u64,
    },
    /// A DynamoDB table with conditional writes: exact for any number of replicas.
    Dynamodb {
        /// Table name (partition key `object`, string; TTL attribute `expires_at`).
        table: String,
        /// How long a counted object is remembered, in hours.
        #[serde(default = "default_ttl_hours")]
        ttl_hours: u64,
    },
    /// In memory only: for demos and one-shot runs; forgets everything on exit.
    Memory {
        /// How long a counted object is remembered, in hours.
        #[serde(default = "default_ttl_hours")]
        ttl_hours: u64,
    },
}

fn default_ledger_path() -> PathBuf {
    PathBuf::from("/var/lib/trailflow/ledger.redb")
}
fn default_ttl_hours() -> u64 {
    24 * 7
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig::Local {
            path: default_ledger_path(),
            ttl_hours: default_ttl_hours(),
        }
    }
}

impl LedgerConfig {
    /// How long counted objects are remembered.
    pub fn ttl_hours(&self) -> u64 {
        match self {
            LedgerConfig::Local { ttl_hours, .. }
            | LedgerConfig::Dynamodb { ttl_hours, .. }
            | LedgerConfig::Memory { ttl_hours } => *ttl_hours,
        }
    }
}

/// Where metrics go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ExportConfig {
    /// Print every series to standard output after each window (the embedded default).
    Console {
        /// `table` or `ndjson`.
        #[serde(default = "default_console_format")]
        format: String,
    },
    /// Append every export (all series, cumulative) as one JSON line per series to a file.
    File {
        /// The file.
        path: PathBuf,
    },
    /// Send every export to an OpenTelemetry collector (OTLP over gRPC or HTTP/protobuf).
    /// Fields left out are taken from the standard `OTEL_EXPORTER_OTLP_*` variables.
    Otlp(Box<OtlpConfig>),
    /// Serve the series on `/metrics` of the health server for Prometheus to scrape.
    Prometheus {
        /// Delete a window's messages only once a scrape has served it (exact); otherwise as
        /// soon as it is published (a crash loses up to one scrape interval of counts).
        #[serde(default = "default_true")]
        wait_for_scrape: bool,
    },
}

fn default_true() -> bool {
    true
}

/// OTLP export settings; each unset field falls back to its `OTEL_EXPORTER_OTLP_*` variable, then to the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OtlpConfig {
    /// `grpc` (default, port 4317) or `http/protobuf` (port 4318).
    pub protocol: Option<String>,
    /// Collector URL; `https://` turns TLS on. For HTTP, `/v1/metrics` is appended unless present.
    pub endpoint: Option<String>,
    /// Extra request headers (e.g. an authorization token).
    pub headers: std::collections::BTreeMap<String, String>,
    /// How long one export may take, in seconds (default 10).
    pub timeout_secs: Option<u64>,
    /// `gzip` or `none` (default).
    pub compression: Option<String>,
    /// `cumulative` (default, what Prometheus expects) or `delta`.
    pub temporality: Option<String>,
    /// PEM file of the CA that signed the collector's certificate (in addition to the system roots).
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate and key, for mutual TLS.
    pub client_cert_file: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    pub client_key_file: Option<PathBuf>,
    /// Resource attributes added to (and overriding) the defaults and `OTEL_RESOURCE_ATTRIBUTES`.
    pub resource_attributes: std::collections::BTreeMap<String, String>,
}

fn default_console_format() -> String {
    "table".to_string()
}

impl Default for ExportConfig {
    fn default() -> Self {
        ExportConfig::Console {
            format: default_console_format(),
        }
    }
}

/// The service's limits, endpoints and timings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonConfig {
    /// Objects fetched and decoded at once (each holds one object's bytes and batches).
    pub max_inflight_objects: usize,
    /// Fetched object bytes (as stored) being decoded at once, in MiB: large objects wait for
    /// room instead of piling up (an object larger than the budget runs alone).
    pub max_inflight_mib: usize,
    /// Messages held at once, from receipt to delete; receiving stops at this many (backpressure).
    pub max_inflight_messages: usize,
    /// Decoded records (Arrow memory) held between their count and their export, in MiB. When
    /// it is nearly full the open window closes and is exported at once; when it is full,
    /// decoded objects wait and receiving stops (backpressure). The default suits a 512 MiB
    /// container: the rest is the objects being fetched and decoded, the queries' working
    /// memory and the runtime.
    pub max_decoded_mib: usize,
    /// Attempts per `GetObject` (transient errors only), with exponential backoff and jitter.
    pub get_object_attempts: u32,
    /// Timeout of one `GetObject` attempt, body included, in seconds.
    pub get_object_timeout_secs: u64,
    /// Longest wait between export retries, in seconds.
    pub export_max_backoff_secs: u64,
    /// Shortest time between two exports, in milliseconds: under load, windows that close
    /// meanwhile are exported together (their messages wait, bounded by `max_inflight_messages`).
    pub export_interval_ms: u64,
    /// On SIGTERM/SIGINT: time to finish in-flight objects, export and delete, in seconds
    /// (below the 30 s that ECS and Kubernetes wait before SIGKILL).
    pub shutdown_grace_secs: u64,
    /// Address of the `/healthz` and `/readyz` server; empty to disable it.
    pub health_listen: String,
    /// An id for this replica in the ledger (default: host name and process id).
    pub instance_id: Option<String>,
    /// Warnings about bad objects logged per kind per minute; the rest are counted in one
    /// summary line (the metrics count every one). 0: no limit.
    pub log_burst: u32,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            max_inflight_objects: 8,
            max_inflight_mib: 1024,
            max_inflight_messages: 200,
            max_decoded_mib: 48,
            get_object_attempts: 4,
            get_object_timeout_secs: 60,
            export_max_backoff_secs: 30,
            export_interval_ms: 1000,
            shutdown_grace_secs: 25,
            health_listen: "0.0.0.0:8080".to_string(),
            instance_id: None,
            log_burst: 20,
        }
    }
}

fn in_range<T: PartialOrd + std::fmt::Display>(
    name: &str,
    v: T,
    lo: T,
    hi: T,
) -> Result<(), String> {
    if v < lo || v > hi {
        return Err(format!("{name} must be {lo}..={hi}, not {v}"));
    }
    Ok(())
}

impl SourceConfig {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            SourceConfig::Sqs(s) => {
                if s.queue_url.is_empty() {
                    return Err("source.queue_url is required for kind = \"sqs\"".into());
                }
                in_range("source.receivers", s.receivers, 1, 64)?;
                in_range("source.max_messages", s.max_messages, 1, 10)?;
                in_range("source.wait_time_secs", s.wait_time_secs, 0, 20)?;
                in_range(
                    "source.visibility_timeout_secs",
                    s.visibility_timeout_secs,
                    2,
                    43_200,
                )
            }
            SourceConfig::Directory(d) => {
                in_range("source.poll_interval_secs", d.poll_interval_secs, 1, 3600)
            }
        }
    }
}

impl DaemonConfig {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        in_range(
            "daemon.max_inflight_objects",
            self.max_inflight_objects,
            1,
            1024,
        )?;
        in_range("daemon.max_inflight_mib", self.max_inflight_mib, 1, 1 << 20)?;
        in_range("daemon.max_decoded_mib", self.max_decoded_mib, 1, 1 << 20)?;
        in_range(
            "daemon.max_inflight_messages",
            self.max_inflight_messages,
            1,
            100_000,
        )?;
        in_range(
            "daemon.get_object_attempts",
            self.get_object_attempts,
            1,
            20,
        )?;
        in_range(
            "daemon.get_object_timeout_secs",
            self.get_object_timeout_secs,
            1,
            3600,
        )?;
        in_range(
            "daemon.export_max_backoff_secs",
            self.export_max_backoff_secs,
            1,
            600,
        )?;
        in_range(
            "daemon.export_interval_ms",
            self.export_interval_ms,
            0,
            600_000,
        )?;
        in_range(
            "daemon.shutdown_grace_secs",
            self.shutdown_grace_secs,
            1,
            3600,
        )?;
        if !self.health_listen.is_empty()
            && self.health_listen.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(format!(
                "daemon.health_listen `{}` is not an address:port",
                self.health_listen
            ));
        }
        Ok(())
    }
}
