//! Where metrics go. A sink receives the whole series set after each window
//! (cumulative values: what Prometheus expects, and what makes a retried
//! export idempotent) and says whether it was accepted; the daemon deletes
//! messages only after a sink said yes. Knows the series set, not DataFusion.

mod console;
mod file;
pub mod otlp;
pub mod scrape;

use async_trait::async_trait;

pub use console::ConsoleSink;
pub use file::FileSink;
pub use otlp::OtlpSink;
pub use scrape::{PrometheusSink, Published, Scrape};

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::ExportConfig;
use crate::metrics::SeriesSet;

/// An export that was not accepted.
#[derive(Debug, thiserror::Error)]
#[error("export to {sink}: {cause}")]
pub struct ExportError {
    /// The sink (kind and destination).
    pub sink: String,
    /// What went wrong (part of the message, so not also a `source`: said once).
    pub cause: ExportCause,
}

/// Why a sink did not accept an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportCause {
    /// The collector, or the way to it.
    #[error(transparent)]
    Otlp(#[from] otlp::OtlpError),
    /// Writing to the console or a file.
    #[error("{0}")]
    Io(std::io::Error),
    /// The `/metrics` endpoint was not scraped in time.
    #[error("not scraped within {0:?}")]
    NotScraped(std::time::Duration),
    /// The console sink's format is not `table` or `ndjson`.
    #[error("unknown format `{0}` (table or ndjson)")]
    UnknownFormat(String),
}

/// A destination for metrics.
#[async_trait]
pub trait Sink: Send + Sync {
    /// Exports every series with its cumulative value; `Ok` means the destination accepted all of it.
    async fn export(&self, series: &SeriesSet) -> Result<(), ExportError>;
}

/// The sink a configuration names. Every sink also publishes what it exported on
/// `scrape` (`/metrics`); `env` holds the `OTEL_*` variables, `instance_id` names the replica.
pub fn from_config(
    config: &ExportConfig,
    env: &HashMap<String, String>,
    instance_id: &str,
    scrape: Arc<Scrape>,
) -> Result<Box<dyn Sink>, ExportError> {
    let inner: Box<dyn Sink> = match config {
        ExportConfig::Console { format } => Box::new(ConsoleSink::new(format)?),
        ExportConfig::File { path } => Box::new(FileSink::new(path.clone())),
        ExportConfig::Otlp(otlp) => Box::new(OtlpSink::new(otlp, env, instance_id)?),
        ExportConfig::Prometheus { wait_for_scrape } => {
            return Ok(Box::new(PrometheusSink::new(scrape, *wait_for_scrape)));
        }
    };
    Ok(Box::new(Published::new(inner, scrape)))
}
