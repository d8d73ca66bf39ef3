//! `trailflow replay`: the whole pipeline (gunzip, decode, windows, every metric
//! query) over local files, printing the metric series the daemon would report.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::{ReplayArgs, ReplayOutput, inputs};
use crate::config::{Config, ConfigError};
use crate::decode::{DecodeOptions, decode_object};
use crate::engine::{Engine, EngineError, WindowPolicy, Windower, load_catalog};
use crate::metrics::{SeriesSet, render};

/// Errors that stop `trailflow replay`.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Reading inputs or writing output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A query failed to load, plan or run.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Totals of a replay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Objects read.
    pub objects: u64,
    /// Records decoded.
    pub records: u64,
    /// Windows evaluated.
    pub windows: u64,
    /// Record errors.
    pub record_errors: u64,
    /// Objects that ended with an object-level error.
    pub failed_objects: u64,
    /// Series in the output.
    pub series: usize,
}

/// Runs the pipeline over `args.paths`; returns the series set and the totals.
pub async fn replay(
    args: &ReplayArgs,
    stderr: &mut impl Write,
) -> Result<(SeriesSet, ReplaySummary), ReplayError> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if let Some(rows) = args.window_rows {
        config.engine.window_max_rows = rows;
    }
    config.validate()?;
    let queries_dir = args.queries.clone().or(config.engine.queries_dir.clone());
    let catalog = load_catalog(queries_dir.as_deref())?;
    let mut engine = Engine::new(catalog, &config.lookups).await?;
    let mut series = SeriesSet::new(engine.catalog(), config.engine.series_limit);
    // Replay is not paced by arrival time: windows close on rows only.
    let policy = WindowPolicy {
        max_rows: config.engine.window_max_rows,
        max_age: Duration::from_secs(u64::MAX / 4),
    };
    let mut windower = Windower::new(policy);

    let files = inputs::collect_files(&args.paths)?;
    let total_bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let progress = if std::io::stderr().is_terminal() && !args.quiet {
        let bar = ProgressBar::new(total_bytes);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {bar:30} {msg} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let options = DecodeOptions::default();
    let mut summary = ReplaySummary::default();
    for file in &files {
        let name = file.display().to_string();
        let bytes = std::fs::read(file)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{name}: {e}")))?;
        let decoded = decode_object(&name, &bytes, args.kind.into(), &options);
        summary.objects += 1;
        summary.records += decoded.rows() as u64;
        summary.record_errors += decoded.errors.count;
        for e in &decoded.errors.details {
            progress.suspend(|| writeln!(stderr, "{name}: {e}"))?;
        }
        if let Some(fatal) = &decoded.fatal {
            summary.failed_objects += 1;
            progress.suspend(|| writeln!(stderr, "{name}: {fatal}"))?;
        }
        if let Some(window) = windower.push(name, decoded.batches, Instant::now()) {
            series.record_all(engine.evaluate(&window).await?);
            summary.windows += 1;
        }
        progress.inc(bytes.len() as u64);
        progress.set_message(format!("{} records", summary.records));
    }
    if let Some(window) = windower.flush() {
        series.record_all(engine.evaluate(&window).await?);
        summary.windows += 1;
    }
    progress.finish_and_clear();
    summary.series = series.len();
    Ok((series, summary))
}

/// Runs `trailflow replay`, printing series to `stdout` and the summary to `stderr`.
pub async fn run(
    args: &ReplayArgs,
    mut stdout: impl Write,
    stderr: &mut impl Write,
) -> Result<ReplaySummary, ReplayError> {
    let (series, summary) = replay(args, stderr).await?;
    let all = series.series();
    match args.output {
        ReplayOutput::Ndjson => render::write_ndjson(&all, &mut stdout)?,
        ReplayOutput::Table => render::write_table(&all, &mut stdout)?,
    }
    stdout.flush()?;
    for (metric, dropped) in series.dropped_label_sets() {
        writeln!(
            stderr,
            "{metric}: {dropped} label sets over the series limit went to the overflow series"
        )?;
    }
    writeln!(
        stderr,
        "replayed {} objects: {} records in {} windows -> {} series; {} record errors, {} failed objects",
        summary.objects,
        summary.records,
        summary.windows,
        summary.series,
        summary.record_errors,
        summary.failed_objects
    )?;
    Ok(summary)
}
