//! The VPC Flow Logs decoder (header detection, custom formats, text and gzip; Parquet when
//! the bytes start with its magic) on any bytes under a flow-log key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailflow::decode::{DecodeOptions, KindHint, decode_object};

const KEY: &str = "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/27/111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f67890_20261127T1000Z_fuzz.log.gz";

fuzz_target!(|data: &[u8]| {
    let mut options = DecodeOptions::default();
    options.inflate.max_decompressed_bytes = 8 << 20;
    let decoded = decode_object(KEY, data, KindHint::FlowLog, &options);
    let _ = decoded.rows();
});
