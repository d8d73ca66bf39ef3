//! Writers of decoded batches: NDJSON and tables to a stream, Parquet files to a directory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use arrow::json::LineDelimitedWriter;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::schema::LogKind;

/// Errors of the output writers.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Writing to the output failed.
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
    /// Arrow could not format a batch.
    #[error("formatting output: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Parquet could not write a batch.
    #[error("writing Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// `--output parquet` without `--out`.
    #[error("--output parquet needs --out DIR")]
    MissingOutDir,
}

/// A sink for decoded batches.
pub enum BatchWriter<W: Write> {
    /// One JSON object per row.
    Ndjson(W),
    /// Pretty tables with a title per block.
    Table(W),
    /// One Parquet file per table under a directory.
    Parquet {
        /// Target directory.
        dir: PathBuf,
        /// Open writers by table.
        writers: BTreeMap<LogKind, ArrowWriter<File>>,
    },
}

impl<W: Write> BatchWriter<W> {
    /// Writes one batch of `kind`, titled `title` where the format shows titles.
    pub fn write(
        &mut self,
        kind: LogKind,
        title: &str,
        batch: &RecordBatch,
    ) -> Result<(), OutputError> {
        match self {
            BatchWriter::Ndjson(w) => {
                let mut json = LineDelimitedWriter::new(&mut *w);
                json.write(batch)?;
                json.finish()?;
            }
            BatchWriter::Table(w) => {
                writeln!(w, "{title} [{kind}, {} rows]", batch.num_rows())?;
                writeln!(
                    w,
                    "{}",
                    arrow::util::pretty::pretty_format_batches(std::slice::from_ref(batch))?
                )?;
            }
            BatchWriter::Parquet { dir, writers } => {
                let canonical = kind.schema();
                // Extra (unknown) flow-log columns vary per object; Parquet output keeps the canonical ones.
                let batch = batch.project(&(0..canonical.fields().len()).collect::<Vec<_>>())?;
                let batch = RecordBatch::try_new(canonical.clone(), batch.columns().to_vec())?;
                if let std::collections::btree_map::Entry::Vacant(slot) = writers.entry(kind) {
                    std::fs::create_dir_all(&*dir)?;
                    let file = File::create(dir.join(format!("{}.parquet", kind.table_name())))?;
                    let props = WriterProperties::builder()
                        .set_compression(Compression::ZSTD(ZstdLevel::default()))
                        .build();
                    slot.insert(ArrowWriter::try_new(file, canonical, Some(props))?);
                }
                if let Some(writer) = writers.get_mut(&kind) {
                    writer.write(&batch)?;
                }
            }
        }
        Ok(())
    }

    /// Flushes and closes the output.
    pub fn finish(self) -> Result<(), OutputError> {
        match self {
            BatchWriter::Ndjson(mut w) | BatchWriter::Table(mut w) => w.flush()?,
            BatchWriter::Parquet { writers, .. } => {
                for (_, writer) in writers {
                    writer.close()?;
                }
            }
        }
        Ok(())
    }
}
