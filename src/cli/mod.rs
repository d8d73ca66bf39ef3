//! Command-line interface: argument definitions and one module per command.

pub mod decode;
pub mod inputs;
pub mod output;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::decode::KindHint;

/// trailflow: CloudTrail and VPC Flow Logs to metrics for EKS platform teams.
#[derive(Debug, Parser)]
#[command(name = "trailflow", version, about, long_about = None)]
pub struct Cli {
    /// Log filter (`RUST_LOG` syntax), e.g. `info` or `trailflow=debug`.
    #[arg(long, global = true, env = "TRAILFLOW_LOG", default_value = "warn")]
    pub log: String,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// trailflow's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the normalized rows of log files, exactly as the daemon sees them.
    Decode(DecodeArgs),
}

/// Arguments of `trailflow decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// Files or directories (read recursively), gzip-compressed or not.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Which decoder to use; `auto` goes by the AWS key layout, then by content.
    #[arg(long, value_enum, default_value_t = KindArg::Auto)]
    pub kind: KindArg,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Ndjson)]
    pub output: OutputFormat,
    /// Directory for `--output parquet` (one file per table).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Largest decompressed object accepted, in bytes.
    #[arg(long, default_value_t = 2 * 1024 * 1024 * 1024)]
    pub max_decompressed_bytes: u64,
}

/// `--kind` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Decide per object.
    Auto,
    /// CloudTrail JSON.
    Cloudtrail,
    /// VPC Flow Logs.
    Flowlog,
}

impl From<KindArg> for KindHint {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Auto => KindHint::Auto,
            KindArg::Cloudtrail => KindHint::CloudTrail,
            KindArg::Flowlog => KindHint::FlowLog,
        }
    }
}

/// `--output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per row, columns named as in the schema (null columns omitted).
    Ndjson,
    /// Human-readable tables, one per object and table.
    Table,
    /// Parquet files, one per table, in the directory given by `--out`.
    Parquet,
}
