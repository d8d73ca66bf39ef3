//! `CREATE TABLE` statements over the archive, generated from the schemas (a test keeps
//! `queries/athena/` and `queries/trino/` current): Athena with partition projection (no
//! crawler, no `MSCK REPAIR`), Trino's Hive connector with a partition sync.
//!
//! A column that is also a partition key (flow logs' `region`, the `account` of the load
//! balancer, WAF and audit tables) is declared only as the partition key: Athena refuses it
//! twice, and the partition holds the column's value (`unknown` where the column is null).
//!
//! Placeholders, to be replaced before running a statement (the Terraform module does):
//! `{{archive_url}}` (`s3://bucket/prefix`, no trailing slash), `{{accounts}}` and `{{regions}}`
//! (comma-separated lists of the partitions to project), `{{start_date}}` (`YYYY-MM-DD`, the
//! first day of the archive), `{{schema}}` (Trino: the Hive schema).

use std::fmt::Write;

use arrow::datatypes::{DataType, Field, TimeUnit};

use super::partition::{self, UNKNOWN};
use crate::schema::DESCRIPTION_KEY;
use crate::schema::LogKind;

/// The partition keys, in path order.
pub const PARTITION_KEYS: [&str; 3] = ["account", "region", "date"];

/// The data columns of a table: every schema column except those named like a partition key.
pub fn data_columns(kind: LogKind) -> Vec<Field> {
    kind.schema()
        .fields()
        .iter()
        .filter(|f| !PARTITION_KEYS.contains(&f.name().as_str()))
        .map(|f| f.as_ref().clone())
        .collect()
}

fn hive_type(t: &DataType) -> &'static str {
    match t {
        DataType::Boolean => "boolean",
        DataType::Int32 => "int",
        DataType::Int64 => "bigint",
        DataType::Float64 => "double",
        // Parquet has no seconds unit: Arrow writes second timestamps (flow logs' `start` and
        // `end`) as plain INT64 Unix seconds, and the table says so.
        DataType::Timestamp(TimeUnit::Second, _) => "bigint",
        DataType::Timestamp(..) => "timestamp",
        _ => "string",
    }
}

fn trino_type(t: &DataType) -> &'static str {
    match t {
        DataType::Boolean => "boolean",
        DataType::Int32 => "integer",
        DataType::Int64 => "bigint",
        DataType::Float64 => "double",
        DataType::Timestamp(TimeUnit::Second, _) => "bigint",
        // The Hive connector reads Parquet timestamps at its configured precision
        // (`hive.timestamp-precision`, milliseconds by default).
        DataType::Timestamp(..) => "timestamp(3)",
        _ => "varchar",
    }
}

fn comment(field: &Field) -> String {
    let text = field
        .metadata()
        .get(DESCRIPTION_KEY)
        .map(String::as_str)
        .unwrap_or_default();
    let short: String = text.chars().take(250).collect();
    short.replace('\'', "''")
}

const HEADER: &str = "-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.\n\
-- Replace the {{...}} placeholders first: see docs/archive.md.\n";

/// Athena's `CREATE EXTERNAL TABLE` for one table.
pub fn athena(kind: LogKind) -> String {
    let table = kind.table_name();
    let mut out = String::from(HEADER);
    let _ = writeln!(out, "CREATE EXTERNAL TABLE IF NOT EXISTS `{table}` (");
    let columns = data_columns(kind);
    for (i, f) in columns.iter().enumerate() {
        let sep = if i + 1 < columns.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "  `{}` {} COMMENT '{}'{sep}",
            f.name(),
            hive_type(f.data_type()),
            comment(f)
        );
    }
    let regions = if partition::columns(kind).region.is_some() {
        "{{regions}}"
    } else {
        UNKNOWN
    };
    let lines = [
        ")".to_string(),
        "PARTITIONED BY (`account` string, `region` string, `date` string)".to_string(),
        "STORED AS PARQUET".to_string(),
        format!("LOCATION '{{{{archive_url}}}}/{table}/'"),
        "TBLPROPERTIES (".to_string(),
        "  'parquet.compression' = 'ZSTD',".to_string(),
        "  'projection.enabled' = 'true',".to_string(),
        "  'projection.account.type' = 'enum',".to_string(),
        "  'projection.account.values' = '{{accounts}}',".to_string(),
        "  'projection.region.type' = 'enum',".to_string(),
        format!("  'projection.region.values' = '{regions}',"),
        "  'projection.date.type' = 'date',".to_string(),
        "  'projection.date.format' = 'yyyy-MM-dd',".to_string(),
        "  'projection.date.range' = '{{start_date}},NOW',".to_string(),
        "  'projection.date.interval' = '1',".to_string(),
        "  'projection.date.interval.unit' = 'DAYS',".to_string(),
        format!(
            "  'storage.location.template' = '{{{{archive_url}}}}/{table}/account=${{account}}/region=${{region}}/date=${{date}}'"
        ),
        ");".to_string(),
    ];
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// Trino's (Hive connector) `CREATE TABLE` for one table, and the call that finds its partitions.
pub fn trino(kind: LogKind) -> String {
    let table = kind.table_name();
    let mut out = String::from(HEADER);
    let _ = writeln!(
        out,
        "CREATE TABLE IF NOT EXISTS {{{{schema}}}}.\"{table}\" ("
    );
    for f in data_columns(kind) {
        let _ = writeln!(
            out,
            "  \"{}\" {} COMMENT '{}',",
            f.name(),
            trino_type(f.data_type()),
            comment(&f)
        );
    }
    let lines = [
        "  \"account\" varchar,".to_string(),
        "  \"region\" varchar,".to_string(),
        "  \"date\" varchar".to_string(),
        ")".to_string(),
        "WITH (".to_string(),
        format!("  external_location = '{{{{archive_url}}}}/{table}',"),
        "  format = 'PARQUET',".to_string(),
        "  partitioned_by = ARRAY['account', 'region', 'date']".to_string(),
        ");".to_string(),
        "-- New partitions appear after a sync (run it daily, or after `trailflow archive`):"
            .to_string(),
        format!("CALL system.sync_partition_metadata('{{{{schema}}}}', '{table}', 'ADD');"),
    ];
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The tables the archive holds, with the file name of their statements.
pub fn files() -> Vec<(String, String, String)> {
    LogKind::ALL
        .into_iter()
        .map(|k| (format!("{}.sql", k.table_name()), athena(k), trino(k)))
        .collect()
}

/// The tables as the Terraform module's Glue catalog reads them
/// (`deploy/terraform/trailflow/archive_tables.json`): per table, its data columns with Hive
/// types and comments, and whether its records carry a region.
pub fn glue_tables_json() -> String {
    let tables: serde_json::Map<String, serde_json::Value> = LogKind::ALL
        .into_iter()
        .map(|kind| {
            let columns: Vec<serde_json::Value> = data_columns(kind)
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "name": f.name(),
                        "type": hive_type(f.data_type()),
                        // Glue limits a column comment to 255 characters.
                        "comment": f
                            .metadata()
                            .get(DESCRIPTION_KEY)
                            .map(|d| d.chars().take(250).collect::<String>())
                            .unwrap_or_default(),
                    })
                })
                .collect();
            (
                kind.table_name().to_string(),
                serde_json::json!({
                    "has_region": partition::columns(kind).region.is_some(),
                    "columns": columns,
                }),
            )
        })
        .collect();
    let mut text =
        serde_json::to_string_pretty(&serde_json::Value::Object(tables)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_keys_are_never_data_columns() {
        for kind in LogKind::ALL {
            let ddl = athena(kind);
            for key in PARTITION_KEYS {
                assert_eq!(
                    ddl.matches(&format!("`{key}` ")).count(),
                    1,
                    "{kind}: `{key}` declared once"
                );
            }
        }
        assert!(!athena(LogKind::FlowLog).contains("`region` string COMMENT"));
        assert!(athena(LogKind::FlowLog).contains("`start` bigint"));
        assert!(athena(LogKind::CloudTrail).contains("`event_time` timestamp"));
    }
}
