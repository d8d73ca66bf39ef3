//! The region of a flow-log object from its S3 key, for records whose log format lacks the
//! `region` field (it came with version 4; the default format is version 2). AWS writes flow
//! logs under `AWSLogs/<account>/vpcflowlogs/<region>/...`, or with Hive-compatible prefixes
//! `AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=<region>/...`.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray};
use arrow::buffer::{Buffer, OffsetBuffer};
use arrow::record_batch::RecordBatch;

/// The region a flow-log key names, if it follows one of AWS's layouts.
pub fn region_of_key(key: &str) -> Option<&str> {
    let mut parts = key.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("vpcflowlogs") || part == "aws-service=vpcflowlogs" {
            let next = parts.next()?;
            let region = next.strip_prefix("aws-region=").unwrap_or(next);
            return looks_like_region(region).then_some(region);
        }
    }
    None
}

/// `eu-west-1`, `us-gov-west-1`, `cn-north-1`: lowercase words and a trailing number.
fn looks_like_region(s: &str) -> bool {
    let mut words = s.split('-');
    let first_ok = words
        .next()
        .is_some_and(|w| w.len() == 2 && w.bytes().all(|b| b.is_ascii_lowercase()));
    let rest: Vec<&str> = words.collect();
    first_ok
        && rest.len() >= 2
        && rest
            .last()
            .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
        && rest[..rest.len() - 1]
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
}

/// `batch` with its `region` column set to `region` when every row of it is null (the log
/// format has no `region` field). A column that has values is left as it is.
pub fn fill_region(batch: RecordBatch, region: &str) -> RecordBatch {
    let Ok(index) = batch.schema().index_of("region") else {
        return batch;
    };
    let rows = batch.num_rows();
    let column = batch.column(index);
    if rows == 0 || column.null_count() != rows {
        return batch;
    }
    let values = Buffer::from_vec(region.as_bytes().repeat(rows));
    let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(region.len(), rows));
    let Ok(filled) = StringArray::try_new(offsets, values, None) else {
        return batch;
    };
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[index] = Arc::new(filled);
    RecordBatch::try_new(batch.schema(), columns).unwrap_or(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_from_both_key_layouts() {
        assert_eq!(
            region_of_key("AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/06/x.log.gz"),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of_key(
                "p/AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=us-gov-west-1/year=2026/x.parquet"
            ),
            Some("us-gov-west-1")
        );
        assert_eq!(region_of_key("samples/flows.log"), None);
        assert_eq!(region_of_key("AWSLogs/1/vpcflowlogs/2026/12/x"), None);
    }

    fn regions(key: &str, text: &str) -> Vec<Option<String>> {
        use crate::decode::{DecodeOptions, KindHint, decode_object};
        use crate::schema::LogKind;
        let decoded = decode_object(
            key,
            text.as_bytes(),
            KindHint::Auto,
            &DecodeOptions::default(),
        );
        let mut out = Vec::new();
        for (kind, batch) in &decoded.batches {
            assert_eq!(*kind, LogKind::FlowLog);
            let column = batch
                .column_by_name("region")
                .map(|c| c.as_any().downcast_ref::<StringArray>().cloned());
            let Some(Some(column)) = column else {
                panic!("no region column")
            };
            out.extend(column.iter().map(|v| v.map(str::to_string)));
        }
        out
    }

    #[test]
    fn the_default_format_takes_the_keys_region_and_v4_keeps_its_own() {
        let key = "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/06/f.log";
        let v2 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
                  2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 443 6 1 40 1795773600 1795773660 REJECT OK\n";
        assert_eq!(regions(key, v2), vec![Some("eu-west-1".to_string())]);
        assert_eq!(regions("flows.log", v2), vec![None]);
        let v4 = "version account-id interface-id region action log-status\n4 1 eni-1 us-east-2 REJECT OK\n";
        assert_eq!(regions(key, v4), vec![Some("us-east-2".to_string())]);
    }
}
