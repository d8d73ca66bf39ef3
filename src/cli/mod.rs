//! Command-line interface: argument definitions and one module per command.

pub mod decode;
pub mod dispatch;
pub mod healthcheck;
mod lake;
pub mod lambda;
pub use crate::source::directory as inputs;
pub mod output;
pub mod query;
pub mod replay;
pub mod run;
pub mod saved;
pub mod timerange;

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
    /// Run the whole pipeline over log files and print the metrics the daemon would report.
    Replay(ReplayArgs),
    /// Run SQL (ad hoc or saved) over the normalized tables of log files.
    Query(QueryArgs),
    /// Run the service: receive notifications (or watch a directory), count, export, acknowledge.
    Run(RunArgs),
    /// Process the objects already under an S3 prefix, sharing the dedupe ledger with `run`.
    Backfill(BackfillArgs),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Exit 0 when the local health endpoint answers 200 (a container HEALTHCHECK without curl).
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Run as an AWS Lambda function behind an SQS event source (inside Lambda: polls the
    /// Lambda Runtime API and answers each batch with its partial-batch response).
    Lambda(LambdaArgs),
    /// Run the Lambda handler once on an SQS event (JSON file or `-`) and print its
    /// partial-batch response: Lambda mode, locally.
    LambdaInvoke(LambdaInvokeArgs),
}

/// Arguments of `trailflow lambda`.
#[derive(Debug, clap::Args)]
pub struct LambdaArgs {
    /// Configuration file (its source is ignored: the events are the source).
    #[arg(long, env = "TRAILFLOW_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Arguments of `trailflow lambda-invoke`.
#[derive(Debug, clap::Args)]
pub struct LambdaInvokeArgs {
    /// The SQS event (`{"Records": [...]}`), a file or `-` for standard input.
    pub event: PathBuf,
    /// Configuration file (its source is ignored: the event is the source).
    #[arg(long, env = "TRAILFLOW_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Arguments of `trailflow run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Configuration file (TOML); `TRAILFLOW_SECTION__FIELD` variables override it.
    #[arg(long, env = "TRAILFLOW_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Arguments of `trailflow backfill`.
#[derive(Debug, clap::Args)]
pub struct BackfillArgs {
    /// `s3://bucket/prefix` to list.
    pub location: String,
    /// Only objects modified within this long, e.g. `7d` or `12h`.
    #[arg(long)]
    pub since: Option<String>,
    /// Configuration file (ledger, export, limits; its source is ignored).
    #[arg(long, env = "TRAILFLOW_CONFIG")]
    pub config: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Only fill the Parquet archive (`[archive] url`, or `--archive`): no metric is exported.
    /// Objects archived before are skipped through the ledger, so an interrupted run resumes.
    #[arg(long)]
    pub archive_only: bool,
    /// The archive root (`s3://bucket/prefix` or `file:///path`), instead of `[archive] url`.
    #[arg(long, value_name = "URL")]
    pub archive: Option<String>,
}

/// `trailflow config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a configuration file (with environment overrides) and print the effective configuration.
    Check {
        /// The file.
        path: PathBuf,
    },
}

/// Arguments of `trailflow replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Files or directories (read recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ReplayOutput::Table)]
    pub output: ReplayOutput,
    /// Configuration file (TOML); built-in defaults otherwise.
    #[arg(long, env = "TRAILFLOW_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory of metric queries instead of the built-in ones.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Records per window, CloudTrail and flow logs alike (overrides both limits of the
    /// configuration).
    #[arg(long)]
    pub window_rows: Option<usize>,
    /// Which decoder to use; `auto` goes by the AWS key layout, then by content.
    #[arg(long, value_enum, default_value_t = KindArg::Auto)]
    pub kind: KindArg,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Parse and validate every record, also those no query can keep (by default they are
    /// left unparsed when every query filters their table on literals), so that record errors
    /// are counted as `trailflow run` counts them.
    #[arg(long)]
    pub parse_all: bool,
}

/// `replay --output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReplayOutput {
    /// One line per series: Prometheus name, value, labels.
    Table,
    /// One JSON object per series.
    Ndjson,
}

/// Arguments of `trailflow query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// Files, directories (read recursively) or `s3://bucket/prefix` (honours AWS_ENDPOINT_URL).
    pub paths: Vec<PathBuf>,
    /// SQL over the tables cloudtrail, cloudtrail_insight, cloudtrail_digest and flowlog.
    #[arg(long, conflicts_with_all = ["saved", "list"])]
    pub sql: Option<String>,
    /// A saved investigation query (see --list).
    #[arg(long, conflicts_with = "list")]
    pub saved: Option<String>,
    /// A parameter of the saved query, NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// List the saved investigation queries and their parameters.
    #[arg(long)]
    pub list: bool,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = QueryOutput::Table)]
    pub output: QueryOutput,
    /// Output file for --output parquet.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only records of the last DURATION (e.g. 2h, 7d); objects dated outside by their key are not read.
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Only records from this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only records up to this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Configuration file (for the lookup tables).
    #[arg(long, env = "TRAILFLOW_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory of saved investigation queries instead of the built-in ones.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Which decoder to use.
    #[arg(long, value_enum, default_value_t = KindArg::Auto)]
    pub kind: KindArg,
    /// Parse and validate every record, also those the query's filters rule out (by default
    /// they are left unparsed), so that every bad record is reported.
    #[arg(long)]
    pub parse_all: bool,
}

/// `query --output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryOutput {
    /// A table.
    Table,
    /// CSV with a header line.
    Csv,
    /// One JSON object per row.
    Ndjson,
    /// A Parquet file (--out).
    Parquet,
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
    /// Kubernetes audit events (CloudWatch Logs envelopes from Firehose, or bare events).
    #[value(name = "k8s_audit")]
    K8sAudit,
    /// Elastic Load Balancing access and connection logs.
    Elb,
    /// AWS WAF logs.
    Waf,
}

impl From<KindArg> for KindHint {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Auto => KindHint::Auto,
            KindArg::Cloudtrail => KindHint::CloudTrail,
            KindArg::Flowlog => KindHint::FlowLog,
            KindArg::K8sAudit => KindHint::K8sAudit,
            KindArg::Elb => KindHint::Elb,
            KindArg::Waf => KindHint::Waf,
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
