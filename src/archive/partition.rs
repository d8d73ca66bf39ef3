//! Which partition of the archive each row belongs to: `account=`, `region=` and `date=` from
//! the record's own columns (the record's UTC date, not the date in the source key), so an
//! object that crosses midnight lands in two partitions.

use std::collections::BTreeMap;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use arrow::error::ArrowError;

use crate::schema::LogKind;

/// A partition value for a record without one (a null account or region, a missing time).
pub const UNKNOWN: &str = "unknown";

/// The columns a table's partitions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionColumns {
    /// The AWS account (null: `unknown`).
    pub account: Option<&'static str>,
    /// The region (null, or a table without one: `unknown`).
    pub region: Option<&'static str>,
    /// The record's time; its UTC date is the `date` partition.
    pub time: &'static str,
}

/// The partition columns of each table.
pub fn columns(kind: LogKind) -> PartitionColumns {
    let (account, region, time) = match kind {
        LogKind::CloudTrail | LogKind::CloudTrailInsight => (
            Some("recipient_account_id"),
            Some("aws_region"),
            "event_time",
        ),
        LogKind::CloudTrailDigest => (Some("aws_account_id"), None, "digest_end_time"),
        LogKind::FlowLog => (Some("account_id"), Some("region"), "start"),
        LogKind::ElbAccess => (Some("account"), Some("region"), "time"),
        LogKind::Waf => (Some("account"), Some("region"), "timestamp"),
        LogKind::K8sAudit => (Some("account"), None, "request_received_time"),
    };
    PartitionColumns {
        account,
        region,
        time,
    }
}

/// One partition's values, as they appear in the path (`account=...`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Partition {
    /// Account id, or `unknown`.
    pub account: String,
    /// Region, or `unknown`.
    pub region: String,
    /// `YYYY-MM-DD` (UTC), or `unknown`.
    pub date: String,
}

/// Days since the Unix epoch of each row's time (None when null or not a timestamp).
fn days(column: Option<&ArrayRef>) -> Vec<Option<i64>> {
    let Some(column) = column else {
        return Vec::new();
    };
    let per_day = match column.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => 86_400,
        DataType::Timestamp(TimeUnit::Millisecond, _) => 86_400_000,
        DataType::Timestamp(TimeUnit::Microsecond, _) => 86_400_000_000,
        DataType::Timestamp(TimeUnit::Nanosecond, _) => 86_400_000_000_000,
        _ => return vec![None; column.len()],
    };
    let Ok(ints) = arrow::compute::cast(column, &DataType::Int64) else {
        return vec![None; column.len()];
    };
    ints.as_primitive::<Int64Type>()
        .iter()
        .map(|v| v.map(|t| t.div_euclid(per_day)))
        .collect()
}

/// `YYYY-MM-DD` of a day count since the epoch.
pub fn date_of_day(day: i64) -> String {
    let (y, m, d) = crate::decode::timestamp::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn text(column: Option<&ArrayRef>, row: usize) -> Option<&str> {
    let column = column?;
    let strings = column.as_string_opt::<i32>()?;
    (strings.is_valid(row) && !strings.value(row).is_empty()).then(|| strings.value(row))
}

/// A row's account, region and day, before they become path values.
type RowKey<'a> = (Option<&'a str>, Option<&'a str>, Option<i64>);

/// Splits a batch of `kind` by partition, keeping row order within each part.
pub fn split(
    kind: LogKind,
    batch: &RecordBatch,
) -> Result<Vec<(Partition, RecordBatch)>, ArrowError> {
    let cols = columns(kind);
    let account = cols.account.and_then(|c| batch.column_by_name(c));
    let region = cols.region.and_then(|c| batch.column_by_name(c));
    let days = days(batch.column_by_name(cols.time));
    let key = |row: usize| {
        (
            text(account, row),
            text(region, row),
            days.get(row).copied().flatten(),
        )
    };
    let partition = |(a, r, d): RowKey<'_>| Partition {
        account: a.unwrap_or(UNKNOWN).to_string(),
        region: r.unwrap_or(UNKNOWN).to_string(),
        date: d.map_or_else(|| UNKNOWN.to_string(), date_of_day),
    };
    let rows = batch.num_rows();
    if rows == 0 {
        return Ok(Vec::new());
    }
    // The common case: one account, region and day for the whole batch.
    let first = key(0);
    if (1..rows).all(|row| key(row) == first) {
        return Ok(vec![(partition(first), batch.clone())]);
    }
    let mut groups: BTreeMap<RowKey<'_>, Vec<u32>> = BTreeMap::new();
    for row in 0..rows {
        groups
            .entry(key(row))
            .or_default()
            .push(u32::try_from(row).unwrap_or(u32::MAX));
    }
    groups
        .into_iter()
        .map(|(k, indices)| {
            let part = take_record_batch(batch, &UInt32Array::from(indices))?;
            Ok((partition(k), part))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_names_columns_of_its_schema() {
        for kind in LogKind::ALL {
            let schema = kind.schema();
            let cols = columns(kind);
            for name in [cols.account, cols.region, Some(cols.time)]
                .into_iter()
                .flatten()
            {
                assert!(schema.field_with_name(name).is_ok(), "{kind}: {name}");
            }
            assert!(matches!(
                schema
                    .field_with_name(cols.time)
                    .map(|f| f.data_type().clone()),
                Ok(DataType::Timestamp(..))
            ));
        }
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date_of_day(0), "1970-01-01");
        assert_eq!(date_of_day(20_000), "2024-10-04");
        assert_eq!(date_of_day(-1), "1969-12-31");
    }
}
