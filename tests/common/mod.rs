//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod corpus;
pub mod daemon;
pub mod duckdb;
pub mod engine;
pub mod moto;
pub mod otlp;
pub mod proxy;
pub mod replay;
pub mod skip;

use arrow::json::LineDelimitedWriter;
use serde_json::Value;
use trailflow::decode::{DecodeOptions, DecodedObject, KindHint, decode_object};
use trailflow::schema::LogKind;

/// Decodes `bytes` as if it were the object `key`.
/// Decodes an object as the daemon does, and checks every array against Arrow's full validation
/// (the decoders build text columns without it).
pub fn decode(key: &str, bytes: &[u8]) -> DecodedObject {
    let decoded = decode_object(key, bytes, KindHint::Auto, &DecodeOptions::default());
    for (kind, batch) in &decoded.batches {
        for (column, field) in batch.columns().iter().zip(batch.schema().fields()) {
            if let Err(e) = column.to_data().validate_full() {
                panic!("{key}: {kind}.{}: {e}", field.name());
            }
        }
    }
    decoded
}

/// The rows of one table as JSON objects (null columns omitted), via the same writer `trailflow decode` uses.
pub fn rows(decoded: &DecodedObject, kind: LogKind) -> Vec<Value> {
    let mut buf = Vec::new();
    {
        let mut w = LineDelimitedWriter::new(&mut buf);
        for (k, b) in &decoded.batches {
            if *k == kind {
                w.write(b).unwrap();
            }
        }
        w.finish().unwrap();
    }
    String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A column of a row as text (`None` when null or absent).
pub fn s<'a>(row: &'a Value, col: &str) -> Option<&'a str> {
    row.get(col).and_then(|v| v.as_str())
}

/// The shared corpus, when this checkout has it beside it.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Gzip helper.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    trailflow::synth::gzip(data)
}

/// Runs `trailflow config check PATH` and fails the test with its message unless it accepts the file.
pub fn config_check(path: &std::path::Path) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["config", "check"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
