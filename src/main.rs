//! The `trailflow` binary: parse the command line, set up logging, run the command.

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use trailflow::cli::{Cli, Command, decode, lambda, query, replay, run};

/// A single-threaded runtime: replay and query run on one core, like the benchmarks measure.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The service's runtime: one worker thread per core; decoding runs on the blocking pool.
fn service_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn main() -> ExitCode {
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
fn report(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(text.trim()) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}

fn command(cli: &Cli) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.log)?)
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
        Command::Healthcheck(args) => match trailflow::cli::healthcheck::status(args) {
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
