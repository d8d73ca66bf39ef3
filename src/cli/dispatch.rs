//! What the binary runs: parse the command line, set up logging, run the command on the
//! runtime it needs, and turn the outcome into an exit code and one line of error.
//!
//! It lives in the library, not in `main.rs`: the binary is compiled as a crate of its own, and
//! generic code it calls (error conversions, `block_on` over each command's future, derived
//! `Debug` through DataFusion's and sqlparser's types) was compiled again there, which took over
//! a minute of a cold release build.

use std::process::ExitCode;

use clap::Parser;

use super::decode::DecodeCommandError;
use super::lambda::LambdaCliError;
use super::query::QueryError;
use super::replay::ReplayError;
use super::run::RunError;
use super::{Cli, Command, decode, healthcheck, lambda, query, replay, run};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// `--log` (or `TRAILFLOW_LOG`) is not a valid filter.
    #[error("log filter: {0}")]
    LogFilter(String),
    /// The async runtime could not start.
    #[error("starting the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// `trailflow decode` failed.
    #[error(transparent)]
    Decode(#[from] DecodeCommandError),
    /// `trailflow replay` failed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// `trailflow query` failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// `trailflow run`, `backfill` or `config` failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// `trailflow lambda` or `lambda-invoke` failed.
    #[error(transparent)]
    Lambda(#[from] LambdaCliError),
}

/// A single-threaded runtime: replay and query run on one core, like the benchmarks measure.
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// The service's runtime: one worker thread per core; decoding runs on the decoder pool
/// (`app::decode_pool`), not on the runtime. Its blocking pool runs the local ledger's
/// transactions (which redb serializes anyway), a directory source's file reads, the file
/// sink's writes and name lookups: a few threads serve them. Tokio's default of up to 512
/// started one thread per object in flight, each with its own allocator heap, and took a
/// CloudTrail run from 225 to 290 MiB of peak RSS (docs/performance.md).
fn service_runtime() -> Result<tokio::runtime::Runtime, CliError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(cores.max(4))
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// Runs the command line of this process; the binary's `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match command(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", report(&e));
            ExitCode::from(1)
        }
    }
}

/// An error and its causes as one message, each cause said once: a cause whose text the
/// message already holds (errors that print their source, or DataFusion's nested wrappers of
/// one schema error) adds nothing and is left out.
pub fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(text.trim()) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
    }
    message
}

fn command(cli: &Cli) -> Result<ExitCode, CliError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log)
                .map_err(|e| CliError::LogFilter(e.to_string()))?,
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match &cli.command {
        Command::Decode(args) => {
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            let summary = decode::run(args, stdout, &mut std::io::stderr().lock())?;
            // Exit 1 when any record or object failed, so scripts notice partial results.
            Ok(if summary.is_clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Replay(args) => {
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            let summary = runtime()?.block_on(replay::run(args, stdout, &mut std::io::stderr()))?;
            Ok(
                if summary.record_errors == 0 && summary.failed_objects == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                },
            )
        }
        Command::Query(args) => {
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            runtime()?.block_on(query::run(args, stdout, &mut std::io::stderr()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => {
            let stats = service_runtime()?.block_on(run::run(args))?;
            Ok(if stats.objects_failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Backfill(args) => {
            let stats = service_runtime()?.block_on(run::backfill(args))?;
            eprintln!(
                "backfill: {} objects counted, {} already counted, {} failed, {} records",
                stats.objects_committed, stats.duplicates, stats.objects_failed, stats.records
            );
            Ok(if stats.objects_failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Config(command) => {
            run::config(command, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lambda(args) => match lambda::serve(args) {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e @ lambda::LambdaCliError::NotInLambda(_)) => {
                eprintln!("{e}");
                Ok(ExitCode::from(2))
            }
            Err(e) => Err(e.into()),
        },
        Command::LambdaInvoke(args) => {
            lambda::invoke(args, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck(args) => match healthcheck::status(args) {
            Ok(200) => Ok(ExitCode::SUCCESS),
            Ok(code) => {
                eprintln!("{}{}: HTTP {code}", args.addr, args.path);
                Ok(ExitCode::from(1))
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(ExitCode::from(1))
            }
        },
    }
}
