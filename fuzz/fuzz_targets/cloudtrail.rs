//! gzip detection and inflation, the record splitter and the CloudTrail decoder, on any bytes
//! under a CloudTrail key (gzip members are tried as such, anything else as plain text).
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailflow::decode::{DecodeOptions, KindHint, decode_object};

const KEY: &str = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/111122223333_CloudTrail_eu-west-1_20261127T1000Z_fuzz.json.gz";

fuzz_target!(|data: &[u8]| {
    let mut options = DecodeOptions::default();
    // Small caps keep each run fast; the code paths are the same as with the defaults.
    options.inflate.max_decompressed_bytes = 8 << 20;
    let decoded = decode_object(KEY, data, KindHint::CloudTrail, &options);
    let _ = decoded.rows();
});
