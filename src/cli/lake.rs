//! `trailflow query` over the Parquet archive: a file under
//! `<root>/<table>/account=.../region=.../date=.../` is read as Parquet, not decoded. The
//! partition date prunes whole files by the time range, only the columns the query reads are
//! read, and row groups whose time statistics lie outside the range are skipped.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, new_null_array};
use arrow::datatypes::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::statistics::Statistics;

use super::timerange::TimeRange;
use crate::archive::partition;
use crate::decode::ColumnSelection;
use crate::decode::timestamp::parse_rfc3339_micros;
use crate::schema::LogKind;

/// An archive file's table and partition date, from its path (`None`: not an archive file).
pub fn archive_file(name: &str) -> Option<(LogKind, String)> {
    if !name.ends_with(".parquet") {
        return None;
    }
    let parts: Vec<&str> = name.split('/').collect();
    let at = parts.iter().position(|p| p.starts_with("account="))?;
    let kind: LogKind = parts.get(at.checked_sub(1)?)?.parse().ok()?;
    let region = parts.get(at + 1)?.strip_prefix("region=")?;
    let date = parts.get(at + 2)?.strip_prefix("date=")?;
    let _ = region;
    Some((kind, date.to_string()))
}

/// The span of record times a partition date covers, in microseconds (`None`: unknown date).
pub fn date_span(date: &str) -> Option<(i64, i64)> {
    let start = parse_rfc3339_micros(&format!("{date}T00:00:00Z"))?;
    Some((start, start + 86_400_000_000 - 1))
}

/// True when an archive file of this date may hold records of `range`.
pub fn may_contain(range: &TimeRange, date: &str) -> bool {
    date_span(date).is_none_or(|(start, end)| start <= range.to && end >= range.from)
}

/// Reads an archive file of `kind` (a local file is read in place: only the footer and the
/// selected columns' chunks of the kept row groups come off the disk): the selected columns (the rest come out null, as decoders
/// leave them), skipping row groups whose time column lies outside `range`.
pub fn read<R: parquet::file::reader::ChunkReader + 'static>(
    kind: LogKind,
    bytes: R,
    columns: &ColumnSelection,
    range: Option<&TimeRange>,
) -> Result<(Vec<RecordBatch>, u64), parquet::errors::ParquetError> {
    let canonical = kind.schema();
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes)?;
    let file_schema = builder.schema().clone();
    let wanted: Vec<usize> = (0..file_schema.fields().len())
        .filter(|&i| {
            let name = file_schema.field(i).name();
            canonical
                .index_of(name)
                .is_ok_and(|c| columns.keeps(kind, c))
        })
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted.iter().copied());
    let time = partition::columns(kind).time;
    let metadata = builder.metadata().clone();
    let time_index = file_schema.index_of(time).ok();
    let groups: Vec<usize> = (0..metadata.num_row_groups())
        .filter(|&g| {
            let (Some(range), Some(t)) = (range, time_index) else {
                return true;
            };
            let rg = metadata.row_group(g);
            let Some(Statistics::Int64(stats)) = rg.column(t).statistics() else {
                return true;
            };
            let (Some(&min), Some(&max)) = (stats.min_opt(), stats.max_opt()) else {
                return true;
            };
            // The time columns hold microseconds, or seconds for flow logs' `start`.
            let per = if kind == LogKind::FlowLog {
                1_000_000
            } else {
                1
            };
            min.saturating_mul(per) <= range.to && max.saturating_mul(per) >= range.from
        })
        .collect();
    // What comes off the disk or the network: the kept columns' chunks of the kept row groups
    // (the tables are flat: column i of the schema is leaf i of the file).
    let chunk_bytes: u64 = groups
        .iter()
        .flat_map(|&g| {
            let rg = metadata.row_group(g);
            wanted
                .iter()
                .map(move |&i| u64::try_from(rg.column(i).compressed_size()).unwrap_or(0))
        })
        .sum();
    let reader = builder
        .with_projection(mask)
        .with_row_groups(groups)
        .build()?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch?;
        // Back to the table's full schema: unread columns are null, one shared array per type
        // (a null text column of its own for each of a hundred columns would cost more memory
        // than the columns read).
        let rows = batch.num_rows();
        let mut nulls: Vec<(DataType, ArrayRef)> = Vec::new();
        let columns = canonical
            .fields()
            .iter()
            .map(|f| match batch.column_by_name(f.name()) {
                Some(c) => Arc::clone(c),
                None => match nulls.iter().find(|(t, _)| t == f.data_type()) {
                    Some((_, a)) => Arc::clone(a),
                    None => {
                        let a = new_null_array(f.data_type(), rows);
                        nulls.push((f.data_type().clone(), Arc::clone(&a)));
                        a
                    }
                },
            })
            .collect();
        out.push(RecordBatch::try_new(Arc::clone(&canonical), columns)?);
    }
    Ok((out, chunk_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths_name_their_table_and_date() {
        assert_eq!(
            archive_file("/lake/cloudtrail/account=1/region=eu-west-1/date=2026-12-06/x-1.parquet"),
            Some((LogKind::CloudTrail, "2026-12-06".to_string()))
        );
        assert_eq!(archive_file("/lake/cloudtrail/x.parquet"), None);
        assert_eq!(
            archive_file("AWSLogs/1/CloudTrail/eu-west-1/x.json.gz"),
            None
        );
        let range = TimeRange {
            from: date_span("2026-12-06").map_or(0, |s| s.0),
            to: date_span("2026-12-06").map_or(0, |s| s.1),
        };
        assert!(may_contain(&range, "2026-12-06"));
        assert!(!may_contain(&range, "2026-12-05"));
        assert!(!may_contain(&range, "2026-12-07"));
        assert!(may_contain(&range, "unknown"));
    }
}
