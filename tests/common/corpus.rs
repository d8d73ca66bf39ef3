//! Helpers for the corpus conformance tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use trailflow::decode::DecodedObject;
use trailflow::schema::LogKind;

use super::{corpus_dir, decode, rows};

/// The shared corpus; without it the test skips (and fails under CI, which has it).
pub fn corpus() -> Option<PathBuf> {
    let dir = corpus_dir();
    if dir.is_none() {
        super::skip::skip("../shared/corpus is absent beside the checkout");
    }
    dir
}

pub fn decode_file(root: &Path, rel: &str) -> DecodedObject {
    let path = root.join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode(rel, &bytes)
}

pub const STRATUS: &str = "DataDog__stratus-red-team/docs/detonation-logs/aws.";
pub const CT_GUIDE: &str = "awsdocs__aws-cloudtrail-user-guide/doc_source/";
pub const IAM_GUIDE: &str =
    "awsdocs__iam-user-guide/doc_source/cloudtrail-integration.md.extracted/";
pub const VPC_GUIDE: &str =
    "awsdocs__amazon-vpc-user-guide/doc_source/flow-logs-records-examples.md.extracted/";
pub const LOKI: &str = "grafana__loki/tools/lambda-promtail/testdata/";
pub const RUST_RT: &str = "awslabs__aws-lambda-rust-runtime/lambda-events/src/fixtures/";

pub fn only_row(root: &Path, rel: &str, kind: LogKind, index: usize) -> Value {
    let d = decode_file(root, rel);
    assert!(d.is_clean(), "{rel}: {:?}", d.errors);
    rows(&d, kind).swap_remove(index)
}
