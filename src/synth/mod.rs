//! Synthetic CloudTrail and flow-log content shaped like AWS deliveries: the
//! scenario behind `samples/` ([`samples`]) and the large, realistic objects
//! the benchmarks decode ([`bulk`]). Deterministic for a given seed. Test support: compiled
//! for tests and with the `test-support` feature (which tests, benches and examples enable
//! through the dev-dependency on this crate), never into the release binary.

pub mod bulk;
pub mod bulk_edge;
pub mod cloudtrail;
pub mod flowlog;
pub mod samples;

use std::io::Write;

/// A small deterministic generator (SplitMix64): reproducible data without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// `len` uppercase hex digits.
    pub fn upper_hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789ABCDEF"[self.below(16) as usize]))
            .collect()
    }

    /// `len` lowercase hex digits.
    pub fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }

    /// A random UUID-shaped string.
    pub fn uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }
}

/// `unix_secs` as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_time(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (y, m, d) = crate::decode::timestamp::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `unix_secs` as `YYYYMMDDTHHMMZ`, the stamp in AWS log object names.
pub fn key_time(unix_secs: i64) -> String {
    iso_time(unix_secs).replace(['-', ':'], "")[..13].to_string() + "Z"
}

/// Gzip-compresses `data` as AWS does for log objects.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    encoder
        .write_all(data)
        .unwrap_or_else(|e| unreachable!("in-memory gzip: {e}"));
    encoder
        .finish()
        .unwrap_or_else(|e| unreachable!("in-memory gzip: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_like_aws() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_time(1_571_173_980), "2019-10-15T21:13:00Z");
        assert_eq!(key_time(1_571_173_980), "20191015T2113Z");
        assert_eq!(
            crate::decode::timestamp::parse_rfc3339_micros(&iso_time(1_800_000_000)),
            Some(1_800_000_000_000_000)
        );
    }
}
