//! Where a file goes in the archive:
//! `<table>/account=<id>/region=<region>/date=<YYYY-MM-DD>/<name>.parquet`, with `<name>` derived
//! from the source object's identity (bucket, key and ETag or version, as the ledger keys it).
//! A redelivery, or a second replica, writes the same names: the archive holds each source
//! object once, and a new version of a key (another ETag) is another object.

use super::partition::Partition;
use crate::schema::LogKind;

/// FNV-1a, 64 bits: stable across releases and platforms, unlike `std`'s hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A value made safe as one path segment: ASCII letters, digits, `.`, `_` and `-` stay; every
/// other byte becomes `%XX` (as Hive escapes partition values), so no value can add a `/`.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() || out.chars().all(|c| c == '.') {
        // `.` and `..` are not names.
        out = out.replace('.', "%2E");
    }
    out
}

/// The file name for one source object: the last segment of its key without the log suffixes
/// (readable in a listing), then a hash of its whole identity (unique).
pub fn file_name(source: &str) -> String {
    // The ledger's identity is `bucket/key#version`: the readable part is the key's last segment.
    let key = source.rsplit_once('#').map_or(source, |(key, _)| key);
    let last = key.rsplit('/').next().unwrap_or(key);
    let mut stem = last;
    for suffix in [".gz", ".json", ".log", ".txt", ".parquet"] {
        stem = stem.strip_suffix(suffix).unwrap_or(stem);
    }
    let stem: String = escape(stem).chars().take(96).collect();
    format!("{stem}-{:016x}.parquet", fnv1a(source.as_bytes()))
}

/// The directory of one table's partition, relative to the archive root.
pub fn partition_dir(kind: LogKind, p: &Partition) -> String {
    format!(
        "{}/account={}/region={}/date={}",
        kind.table_name(),
        escape(&p.account),
        escape(&p.region),
        escape(&p.date)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_unique_and_safe() {
        let a = file_name(
            "logs/AWSLogs/1/CloudTrail/eu-west-1/2026/12/06/1_CloudTrail_eu-west-1_x.json.gz#etag1",
        );
        assert!(a.starts_with("1_CloudTrail_eu-west-1_x-"), "{a}");
        assert!(a.ends_with(".parquet"));
        assert_eq!(
            a,
            file_name(
                "logs/AWSLogs/1/CloudTrail/eu-west-1/2026/12/06/1_CloudTrail_eu-west-1_x.json.gz#etag1"
            )
        );
        assert_ne!(
            a,
            file_name(
                "logs/AWSLogs/1/CloudTrail/eu-west-1/2026/12/06/1_CloudTrail_eu-west-1_x.json.gz#etag2"
            )
        );
        // Known FNV-1a vectors keep names stable across releases.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn values_cannot_escape_their_segment() {
        assert_eq!(escape("eu-west-1"), "eu-west-1");
        assert_eq!(escape("../x/y"), "..%2Fx%2Fy");
        assert_eq!(escape(".."), "%2E%2E");
        assert_eq!(escape("a=b c"), "a%3Db%20c");
        let p = Partition {
            account: "1/2".into(),
            region: "unknown".into(),
            date: "2026-12-06".into(),
        };
        assert_eq!(
            partition_dir(LogKind::FlowLog, &p),
            "flowlog/account=1%2F2/region=unknown/date=2026-12-06"
        );
    }
}
