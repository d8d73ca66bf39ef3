//! The SQS message body parser: S3, SNS-wrapped, EventBridge, Security Lake and CloudTrail
//! envelopes, and key percent-decoding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = std::str::from_utf8(data) {
        let _ = trailflow::source::notification::parse(body);
        let _ = trailflow::source::notification::decode_key(body);
    }
});
