//! `trailflow run`, `trailflow backfill` and `trailflow config check`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::{BackfillArgs, ConfigCommand, RunArgs, timerange};
use crate::app::{self, AppError, Backfill, RunOptions, RunStats};
use crate::config::{Config, ConfigError};
use crate::source::s3::S3Location;

/// Errors that stop these commands.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The daemon could not start.
    #[error(transparent)]
    App(#[from] AppError),
    /// A bad argument.
    #[error("{0}")]
    Usage(String),
    /// Writing output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The configuration file, or the defaults, with `TRAILFLOW_*` overrides from the environment.
pub(super) fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    match path {
        Some(p) => Config::load(p),
        None => Config::parse("(defaults)", "", std::env::vars()),
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `trailflow run`.
pub async fn run(args: &RunArgs) -> Result<RunStats, RunError> {
    let config = load(args.config.as_deref())?;
    let (stats, _) = app::run(config, RunOptions::default(), shutdown_signal()).await?;
    Ok(stats)
}

/// `trailflow backfill`.
pub async fn backfill(args: &BackfillArgs) -> Result<RunStats, RunError> {
    let mut config = load(args.config.as_deref())?;
    if let Some(url) = &args.archive {
        config.archive.url = Some(url.clone());
        config.validate()?;
    }
    if args.archive_only && config.archive.url.is_none() {
        return Err(RunError::Usage(
            "--archive-only needs an archive: --archive URL or [archive] url".into(),
        ));
    }
    let location = S3Location::parse(&args.location)
        .ok_or_else(|| RunError::Usage(format!("`{}` is not s3://bucket/prefix", args.location)))?;
    let since = match &args.since {
        Some(s) => {
            let micros = timerange::parse_duration(s).map_err(RunError::Usage)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            Some(now - micros / 1_000_000)
        }
        None => None,
    };
    let options = RunOptions {
        backfill: Some(Backfill {
            location,
            since,
            progress: !args.quiet && std::io::stderr().is_terminal(),
        }),
        archive_only: args.archive_only,
        ..Default::default()
    };
    let (stats, _) = app::run(config, options, shutdown_signal()).await?;
    Ok(stats)
}

/// `trailflow config check`: prints the effective configuration as TOML.
pub fn config(command: &ConfigCommand, out: &mut dyn Write) -> Result<(), RunError> {
    match command {
        ConfigCommand::Check { path } => {
            let config = Config::load(path)?;
            let text = toml::to_string_pretty(&config)
                .map_err(|e| RunError::Usage(format!("rendering the configuration: {e}")))?;
            writeln!(
                out,
                "# {}: valid; effective configuration:\n{text}",
                path.display()
            )?;
            Ok(())
        }
    }
}
