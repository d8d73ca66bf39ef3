//! Timestamp parsing for the formats AWS logs use.

/// Parses an ISO-8601/RFC 3339 timestamp (`2019-10-15T21:13:00Z`, with optional
/// fraction or offset) into microseconds since the Unix epoch, UTC.
pub fn parse_rfc3339_micros(s: &str) -> Option<i64> {
    fast_utc(s.as_bytes()).or_else(|| {
        arrow::compute::kernels::cast_utils::string_to_timestamp_nanos(s)
            .ok()
            .map(|n| n.div_euclid(1000))
    })
}

/// The shape CloudTrail writes: `YYYY-MM-DDTHH:MM:SS[.f+]Z`.
fn fast_utc(b: &[u8]) -> Option<i64> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut micros = 0i64;
    let rest = &b[19..];
    let tz = match rest.first()? {
        b'.' => {
            let frac_len = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if frac_len == 0 {
                return None;
            }
            let frac = &rest[1..1 + frac_len];
            for i in 0..6 {
                micros = micros * 10 + frac.get(i).map_or(0, |d| i64::from(d - b'0'));
            }
            &rest[1 + frac_len..]
        }
        _ => rest,
    };
    if tz != b"Z" {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000 + micros)
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloudtrail_times() {
        assert_eq!(parse_rfc3339_micros("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_micros("2019-10-15T21:13:00Z"),
            Some(1_571_173_980_000_000)
        );
        assert_eq!(
            parse_rfc3339_micros("2024-02-29T12:00:00.5Z"),
            Some(1_709_208_000_500_000)
        );
        assert_eq!(
            parse_rfc3339_micros("2024-02-29T12:00:00.123456789Z"),
            Some(1_709_208_000_123_456)
        );
    }

    #[test]
    fn falls_back_for_offsets_and_rejects_garbage() {
        assert_eq!(
            parse_rfc3339_micros("2019-10-15T23:13:00+02:00"),
            Some(1_571_173_980_000_000)
        );
        assert_eq!(parse_rfc3339_micros("yesterday"), None);
        assert_eq!(parse_rfc3339_micros("2019-13-15T21:13:00Z"), None);
        assert_eq!(parse_rfc3339_micros(""), None);
    }
}
