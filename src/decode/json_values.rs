//! Whole objects of JSON values (newline-delimited, concatenated or pretty-printed), each parsed
//! into a simd-json DOM: the shared loop of the WAF and CloudWatch Logs decoders. A value that
//! cannot be cut out or parsed is a record error; the others go to the caller.

use simd_json::BorrowedValue;

use super::json_split::{JsonSplitter, Split, SplitLimits};
use super::{Location, Output};

/// Calls `each` with every JSON value of `content`, its location and the output.
pub fn each_value(
    content: &[u8],
    limits: SplitLimits,
    out: &mut Output,
    mut each: impl FnMut(&BorrowedValue<'_>, Location, &mut Output),
) {
    let mut splitter = JsonSplitter::new(limits);
    let mut sink = |split: Split<'_>| match split {
        Split::Value {
            bytes,
            ordinal,
            offset,
        } => {
            let location = Location::Record { ordinal, offset };
            match simd_json::to_borrowed_value(bytes) {
                Ok(value) => each(&value, location, out),
                Err(e) => out.errors.record(location, format!("invalid JSON: {e}")),
            }
        }
        Split::Error {
            ordinal,
            offset,
            message,
        } => out
            .errors
            .record(Location::Record { ordinal, offset }, message),
    };
    splitter.push(content, &mut sink);
    splitter.finish(&mut sink);
}
