//! Appends every export to a file: one line `{"export": N}` and then one JSON
//! line per series (cumulative). For pipelines that read files, and for tests
//! that compare totals with the truth across restarts.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use super::{ExportCause, ExportError, Sink};
use crate::metrics::SeriesSet;
use crate::metrics::render::write_ndjson;

/// A file that exports are appended to.
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    exports: AtomicU64,
}

impl FileSink {
    /// Appends to `path` (created when missing; its directory must exist).
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            exports: AtomicU64::new(0),
        }
    }
}

#[async_trait]
impl Sink for FileSink {
    async fn export(&self, series: &SeriesSet) -> Result<(), ExportError> {
        let n = self.exports.fetch_add(1, Ordering::Relaxed) + 1;
        let mut buf = format!("{{\"export\":{n},\"pid\":{}}}\n", std::process::id()).into_bytes();
        write_ndjson(&series.series(), &mut buf).map_err(|e| self.error(e))?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            // One write call per export, then fsync: a reader never sees half an export.
            f.write_all(&buf)?;
            f.sync_data()
        })
        .await
        .map_err(|e| self.error(std::io::Error::other(e)))?
        .map_err(|e| self.error(e))
    }
}

impl FileSink {
    fn error(&self, e: std::io::Error) -> ExportError {
        ExportError {
            sink: format!("file {}", self.path.display()),
            cause: ExportCause::Io(e),
        }
    }
}
