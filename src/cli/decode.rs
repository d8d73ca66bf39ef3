//! `trailflow decode`: print the normalized rows of local log files.

use std::io::Write;

use super::output::{BatchWriter, OutputError};
use super::{DecodeArgs, OutputFormat, inputs};
use crate::decode::{DecodeOptions, InflateLimits, decode_object};
use crate::schema::LogKind;

/// Totals of a decode run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DecodeSummary {
    /// Objects read.
    pub objects: u64,
    /// Rows per table.
    pub rows: Vec<(LogKind, u64)>,
    /// Record errors over all objects.
    pub record_errors: u64,
    /// Objects that ended with an object-level error.
    pub failed_objects: u64,
    /// Records skipped by design (CloudWatch Logs streams trailflow does not read).
    pub skipped: u64,
}

impl DecodeSummary {
    /// True when nothing went wrong.
    pub fn is_clean(&self) -> bool {
        self.record_errors == 0 && self.failed_objects == 0
    }
}

/// Errors that stop `trailflow decode`.
#[derive(Debug, thiserror::Error)]
pub enum DecodeCommandError {
    /// A path could not be read.
    #[error("{0}")]
    Input(#[from] std::io::Error),
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Runs `trailflow decode`, writing rows to `stdout` and problems to `stderr`.
pub fn run(
    args: &DecodeArgs,
    mut stdout: impl Write,
    stderr: &mut dyn Write,
) -> Result<DecodeSummary, DecodeCommandError> {
    // One body behind `dyn Write`: a generic body would be compiled again, with every generic
    // callee, in each crate that calls it (the binary, tests, examples).
    decode_files(args, &mut stdout, stderr)
}

fn decode_files(
    args: &DecodeArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<DecodeSummary, DecodeCommandError> {
    let files = inputs::collect_files(&args.paths)?;
    let options = DecodeOptions {
        inflate: InflateLimits {
            max_decompressed_bytes: args.max_decompressed_bytes,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut writer = match args.output {
        OutputFormat::Ndjson => BatchWriter::Ndjson(stdout),
        OutputFormat::Table => BatchWriter::Table(stdout),
        OutputFormat::Parquet => BatchWriter::Parquet {
            dir: args.out.clone().ok_or(OutputError::MissingOutDir)?,
            writers: Default::default(),
        },
    };
    let mut summary = DecodeSummary::default();
    let mut rows = std::collections::BTreeMap::<LogKind, u64>::new();
    for file in &files {
        let name = file.display().to_string();
        let bytes = std::fs::read(file)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{name}: {e}")))?;
        let decoded = decode_object(&name, &bytes, args.kind.into(), &options);
        summary.objects += 1;
        for (kind, batch) in &decoded.batches {
            *rows.entry(*kind).or_default() += batch.num_rows() as u64;
            writer.write(*kind, &name, batch)?;
        }
        for e in &decoded.errors.details {
            writeln!(stderr, "{name}: {e}")?;
        }
        let undescribed = decoded.errors.count - decoded.errors.details.len() as u64;
        if undescribed > 0 {
            writeln!(stderr, "{name}: ... and {undescribed} more record errors")?;
        }
        summary.record_errors += decoded.errors.count;
        summary.skipped += decoded.skipped;
        if let Some(fatal) = &decoded.fatal {
            summary.failed_objects += 1;
            writeln!(
                stderr,
                "{name}: {fatal} ({} rows decoded before it)",
                decoded.rows()
            )?;
        }
    }
    writer.finish()?;
    summary.rows = rows.into_iter().collect();
    let rows_text: Vec<String> = summary
        .rows
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    writeln!(
        stderr,
        "decoded {} objects: {} rows; {} record errors, {} failed objects{}",
        summary.objects,
        if rows_text.is_empty() {
            "no".to_string()
        } else {
            rows_text.join(", ")
        },
        summary.record_errors,
        summary.failed_objects,
        if summary.skipped > 0 {
            format!(", {} records of other log streams skipped", summary.skipped)
        } else {
            String::new()
        }
    )?;
    Ok(summary)
}
