//! Flow logs in AWS's Parquet delivery: hyphens become underscores in column
//! names, numbers arrive as int32/int64, and any subset of fields may be present.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
use common::{decode, rows, s};
use parquet::arrow::ArrowWriter;
use serde_json::json;
use trailflow::decode::{ContentFormat, DecodeError};
use trailflow::schema::LogKind;

fn parquet_object() -> Vec<u8> {
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("version", Arc::new(Int32Array::from(vec![5, 5]))),
        (
            "account_id",
            Arc::new(StringArray::from(vec!["111122223333", "111122223333"])),
        ),
        (
            "srcaddr",
            Arc::new(StringArray::from(vec![Some("10.0.1.25"), None])),
        ),
        (
            "dstport",
            Arc::new(Int32Array::from(vec![Some(10250), None])),
        ),
        ("bytes", Arc::new(Int64Array::from(vec![Some(4249), None]))),
        (
            "start",
            Arc::new(Int64Array::from(vec![1_795_773_600, 1_795_773_660])),
        ),
        (
            "action",
            Arc::new(StringArray::from(vec![Some("REJECT"), None])),
        ),
        (
            "log_status",
            Arc::new(StringArray::from(vec!["OK", "NODATA"])),
        ),
        (
            "flow_direction",
            Arc::new(StringArray::from(vec![Some("ingress"), None])),
        ),
        (
            "tgw_id",
            Arc::new(StringArray::from(vec![Some("tgw-1"), None])),
        ),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

#[test]
fn parquet_flow_logs_map_onto_the_flowlog_table() {
    let bytes = parquet_object();
    for key in [
        "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/27/x.log.parquet",
        "anything.bin",
    ] {
        let d = decode(key, &bytes);
        assert_eq!(d.format, ContentFormat::FlowLogParquet, "{key}");
        assert!(d.is_clean(), "{key}: {:?} {:?}", d.errors, d.fatal);
        let r = rows(&d, LogKind::FlowLog);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0]["dstport"], json!(10250));
        assert_eq!(r[0]["bytes"], json!(4249));
        assert_eq!(s(&r[0], "start"), Some("2026-11-27T10:00:00Z"));
        assert_eq!(s(&r[0], "action"), Some("REJECT"));
        assert_eq!(
            s(&r[0], "tgw_id"),
            Some("tgw-1"),
            "unknown columns are kept as text"
        );
        assert_eq!(s(&r[1], "log_status"), Some("NODATA"));
        assert_eq!(r[1].get("srcaddr"), None);
        let batch = &d.batches[0].1;
        assert_eq!(
            &batch.schema().fields()[..trailflow::schema::flowlog::KNOWN_FIELDS.len()],
            trailflow::schema::flowlog::schema().fields().as_ref()
        );
    }
}

#[test]
fn corrupt_parquet_is_an_object_error() {
    let mut bytes = parquet_object();
    let n = bytes.len();
    bytes.truncate(n - 20);
    let d = decode("x.parquet", &bytes);
    assert!(
        matches!(d.fatal, Some(DecodeError::Parquet(_))),
        "{:?}",
        d.fatal
    );
}
