//! Prints every series to standard output after each export: the embedded
//! default, for a person watching a terminal.

use std::io::Write;

use async_trait::async_trait;

use super::{ExportCause, ExportError, Sink};
use crate::metrics::SeriesSet;
use crate::metrics::render::{write_ndjson, write_table};

/// Standard output, as a table or NDJSON.
#[derive(Debug)]
pub struct ConsoleSink {
    ndjson: bool,
}

impl ConsoleSink {
    /// `format` is `table` or `ndjson`.
    pub fn new(format: &str) -> Result<Self, ExportError> {
        match format {
            "table" => Ok(Self { ndjson: false }),
            "ndjson" => Ok(Self { ndjson: true }),
            other => Err(ExportError {
                sink: "console".into(),
                cause: ExportCause::UnknownFormat(other.to_string()),
            }),
        }
    }
}

#[async_trait]
impl Sink for ConsoleSink {
    async fn export(&self, series: &SeriesSet) -> Result<(), ExportError> {
        let mut out = std::io::stdout().lock();
        let all = series.series();
        let written = if self.ndjson {
            write_ndjson(&all, &mut out)
        } else {
            write_table(&all, &mut out)
        };
        written.and_then(|_| out.flush()).map_err(|e| ExportError {
            sink: "console".into(),
            cause: ExportCause::Io(e),
        })
    }
}
