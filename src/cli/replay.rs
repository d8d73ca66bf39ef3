//! `trailflow replay`: the whole pipeline (gunzip, decode, windows, every metric
//! query) over local files, printing the metric series the daemon would report.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};

use super::{ReplayArgs, ReplayOutput, inputs};
use crate::config::{Config, ConfigError};
use crate::engine::{EngineError, Pipeline, PipelineStats, load_catalog};
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

/// Runs the pipeline over `args.paths`; returns the series set and the totals.
pub async fn replay(
    args: &ReplayArgs,
    stderr: &mut dyn Write,
) -> Result<(SeriesSet, PipelineStats), ReplayError> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if let Some(rows) = args.window_rows {
        config.engine.window_max_rows = rows;
        config.engine.window_max_flow_rows = rows;
    }
    config.validate()?;
    let queries_dir = args.queries.clone().or(config.engine.queries_dir.clone());
    let catalog = load_catalog(queries_dir.as_deref())?;
    let mut pipeline = Pipeline::new(&config, catalog, false).await?;
    if args.parse_all {
        pipeline.parse_every_record();
    }

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
    for file in &files {
        let name = file.display().to_string();
        let bytes = std::fs::read(file)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{name}: {e}")))?;
        let decoded = pipeline.push(&name, &bytes, args.kind.into()).await?;
        for e in &decoded.errors.details {
            progress.suspend(|| writeln!(stderr, "{name}: {e}"))?;
        }
        if let Some(fatal) = &decoded.fatal {
            progress.suspend(|| writeln!(stderr, "{name}: {fatal}"))?;
        }
        progress.inc(bytes.len() as u64);
        progress.set_message(format!("{} records", pipeline.stats().records));
    }
    pipeline.finish().await?;
    progress.finish_and_clear();
    let stats = pipeline.stats();
    Ok((pipeline.series().clone(), stats))
}

/// Runs `trailflow replay`, printing series to `stdout` and the summary to `stderr`.
pub async fn run(
    args: &ReplayArgs,
    mut stdout: impl Write,
    stderr: &mut dyn Write,
) -> Result<PipelineStats, ReplayError> {
    // Not generic past this line: see `cli::decode::run`.
    print_replay(args, &mut stdout, stderr).await
}

async fn print_replay(
    args: &ReplayArgs,
    mut stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<PipelineStats, ReplayError> {
    let (series, summary) = replay(args, stderr).await?;
    let all = series.series();
    match args.output {
        ReplayOutput::Ndjson => render::write_ndjson(&all, &mut stdout)?,
        ReplayOutput::Table => render::write_table(&all, &mut stdout)?,
    }
    stdout.flush()?;
    for (metric, label, folded) in series.folded() {
        if label == crate::metrics::series::WHOLE_SET {
            writeln!(
                stderr,
                "{metric}: {folded} label sets over twice the series limit went to the overflow series"
            )?;
        } else {
            writeln!(
                stderr,
                "{metric}: {folded} label sets over the series limit had `{label}` folded to `other`"
            )?;
        }
    }
    writeln!(
        stderr,
        "replayed {} objects: {} records in {} windows -> {} series; {} record errors, {} failed objects{}",
        summary.objects,
        summary.records,
        summary.windows,
        series.len(),
        summary.record_errors,
        summary.failed_objects,
        match summary.ruled_out {
            0 => String::new(),
            n => format!("; {n} records no query keeps left unparsed"),
        }
    )?;
    Ok(summary)
}
