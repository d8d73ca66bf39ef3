//! Where metrics go. A sink receives the whole series set after each window
//! (cumulative values: what Prometheus expects, and what makes a retried
//! export idempotent) and says whether it was accepted; the daemon deletes
//! messages only after a sink said yes. Knows the series set, not DataFusion.

mod console;
mod file;

use async_trait::async_trait;

pub use console::ConsoleSink;
pub use file::FileSink;

use crate::config::ExportConfig;
use crate::metrics::SeriesSet;

/// An export that was not accepted.
#[derive(Debug, thiserror::Error)]
#[error("export to {sink}: {message}")]
pub struct ExportError {
    /// The sink (kind and destination).
    pub sink: String,
    /// What went wrong.
    pub message: String,
}

/// A destination for metrics.
#[async_trait]
pub trait Sink: Send + Sync {
    /// Exports every series with its cumulative value; `Ok` means the destination accepted all of it.
    async fn export(&self, series: &SeriesSet) -> Result<(), ExportError>;
}

/// The sink a configuration names.
pub fn from_config(config: &ExportConfig) -> Result<Box<dyn Sink>, ExportError> {
    Ok(match config {
        ExportConfig::Console { format } => Box::new(ConsoleSink::new(format)?),
        ExportConfig::File { path } => Box::new(FileSink::new(path.clone())),
    })
}
