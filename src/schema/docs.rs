//! Renders the schemas as the Markdown of `docs/schema.md` (a test keeps the file current).

use std::fmt::Write;

use arrow::datatypes::DataType;

use super::{DESCRIPTION_KEY, LogKind};

const INTRO: &str = "# Schema

One Arrow table per log kind. `trailflow decode --output ndjson` prints rows with these column
names (null columns omitted); `trailflow query` and the saved queries in `queries/` read the same
tables. Every column is nullable: a field absent from a record is null, never an error.
Timestamps are UTC. Text that holds JSON (`request_parameters`, ...) is compact JSON with secrets
removed: `responseElements.credentials` and any `secretAccessKey` or `sessionToken` key are
dropped while decoding and exist nowhere downstream.

The schemas evolve additively: a new column is appended to its table, an existing column keeps
its name, type and meaning. Every column listed here is therefore stable for external tables over
the Parquet archive (`docs/archive.md`, `queries/athena/`, `queries/trino/`): a table declared
today reads tomorrow's files, and files written before a column existed read it as null. Columns
are never renamed or retyped within a major version; one that lost its use stays, null.

This file is generated from `src/schema/` by `TRAILFLOW_UPDATE_DOCS=1 cargo test --test docs`.
";

const TABLE_NOTES: [(LogKind, &str); 7] = [
    (
        LogKind::CloudTrail,
        "CloudTrail management and data events. Accepted containers: a log file `{\"Records\": [...]}`, \
         `aws cloudtrail lookup-events` output (`{\"Events\": [...]}`, including `CloudTrailEvent` strings), \
         a bare array, a single event, newline-delimited or concatenated events, and EventBridge \
         `AWS API Call via CloudTrail` events (their `detail`). Unknown fields and newer `eventVersion`s decode \
         the same way; a field of the wrong type is null.",
    ),
    (
        LogKind::CloudTrailInsight,
        "CloudTrail Insights events (`eventCategory: Insight`), from `CloudTrail-Insight/` objects or anywhere events appear.",
    ),
    (
        LogKind::CloudTrailDigest,
        "CloudTrail digest files (`CloudTrail-Digest/`): one row per log file the digest vouches for, for completeness checks.",
    ),
    (
        LogKind::FlowLog,
        "VPC Flow Logs, text (space-separated, with or without a header line) or Parquet. Columns are every \
         field AWS publishes for versions 2 to 8, named as in AWS's Parquet delivery (hyphens become underscores); \
         the fields a file's header lacks are null, and `-` is null. A header field trailflow does not know is \
         kept as an extra text column after these (in `decode` output; the SQL tables keep the columns below).",
    ),
    (
        LogKind::ElbAccess,
        "Elastic Load Balancing logs from `AWSLogs/<account>/elasticloadbalancing/<region>/...`: Application Load \
         Balancer access logs and connection logs (`conn_log...`), Network Load Balancer (TLS listener) access logs \
         and Classic Load Balancer access logs, told apart by their first fields. Space-separated with quoted fields; \
         `-` is null and so are `-1` timings; fields AWS appends after the known ones are ignored, as AWS asks. \
         Columns a log type does not have are null.",
    ),
    (
        LogKind::Waf,
        "AWS WAF logs (one JSON object a line, as S3 or Firehose delivery writes them). Secrets never reach the \
         table: the values of the `Authorization`, `Proxy-Authorization` and `Cookie` headers are replaced while \
         decoding.",
    ),
    (
        LogKind::K8sAudit,
        "Kubernetes API server audit events of EKS clusters, as the control plane's CloudWatch Logs reach S3 through \
         a subscription filter and Firehose: objects of concatenated gzip members, each a CloudWatch Logs envelope \
         (`messageType`, `owner`, `logGroup`, `logStream`, `logEvents[]`). Only the `kube-apiserver-audit-*` streams \
         of `/aws/eks/<cluster>/cluster` become rows; `CONTROL_MESSAGE` envelopes are dropped and the other streams \
         are skipped and counted. Firehose's message-extraction mode (bare audit events, one a line) and a plain \
         audit log file decode too. The same envelopes carrying CloudTrail events or VPC flow records go to those \
         tables.",
    ),
];

fn type_name(t: &DataType) -> String {
    match t {
        DataType::Utf8 => "text".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::Float64 => "float64".into(),
        DataType::Timestamp(unit, _) => {
            format!("timestamp ({}, UTC)", format!("{unit:?}").to_lowercase())
        }
        other => other.to_string(),
    }
}

/// The full `docs/schema.md`.
pub fn markdown() -> String {
    let mut out = String::from(INTRO);
    for (kind, note) in TABLE_NOTES {
        let schema = kind.schema();
        let _ = write!(
            out,
            "\n## Table `{}`\n\n{note}\n\n| column | type | meaning |\n| --- | --- | --- |\n",
            kind.table_name()
        );
        for field in schema.fields() {
            let description = field
                .metadata()
                .get(DESCRIPTION_KEY)
                .map(String::as_str)
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                field.name(),
                type_name(field.data_type()),
                description.replace('|', "\\|")
            );
        }
    }
    out
}
