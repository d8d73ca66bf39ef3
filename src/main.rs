//! The `trailflow` binary: parse the command line, set up logging, run the command.

use std::process::ExitCode;

use clap::Parser;
use trailflow::cli::{Cli, Command, decode};

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.log)?)
        .with_writer(std::io::stderr)
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
    }
}
