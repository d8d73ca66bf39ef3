//! Time ranges for `trailflow query`: `--since 2h` or `--from/--to`, and the
//! pruning of objects by the date in their AWS key layout
//! (`.../YYYY/MM/DD/..._YYYYMMDDTHHMMZ_...`) before they are read.

use crate::decode::timestamp::parse_rfc3339_micros;

const HOUR_MICROS: i64 = 3_600_000_000;
const DAY_MICROS: i64 = 24 * HOUR_MICROS;

/// A closed range of instants, in microseconds since the epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// First instant included.
    pub from: i64,
    /// Last instant included.
    pub to: i64,
}

/// Parses a duration such as `90s`, `15m`, `2h`, `7d` or `1d12h`, in microseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1_000_000,
            'm' => 60_000_000,
            'h' => HOUR_MICROS,
            'd' => DAY_MICROS,
            'w' => 7 * DAY_MICROS,
            _ => return Err(format!("`{text}`: unknown unit `{c}` (use s, m, h, d, w)")),
        };
        let n: i64 = number
            .parse()
            .map_err(|_| format!("`{text}`: a number must come before `{c}`"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(format!("`{text}` is not a duration such as 2h or 7d"));
    }
    Ok(total)
}

/// Parses `2026-11-27T10:00:00Z` (any RFC 3339 time) or a date `2026-11-27` (its midnight, UTC).
pub fn parse_instant(text: &str) -> Result<i64, String> {
    parse_rfc3339_micros(text)
        .or_else(|| parse_rfc3339_micros(&format!("{text}T00:00:00Z")))
        .ok_or_else(|| format!("`{text}` is not a time such as 2026-11-27T10:00:00Z or 2026-11-27"))
}

impl TimeRange {
    /// The range from `--since`, `--from` and `--to`; `None` when none is given.
    pub fn from_flags(
        since: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        now: i64,
    ) -> Result<Option<TimeRange>, String> {
        if since.is_some() && from.is_some() {
            return Err("use either --since or --from, not both".into());
        }
        let start = match (since, from) {
            (Some(s), _) => Some(now - parse_duration(s)?),
            (_, Some(f)) => Some(parse_instant(f)?),
            _ => None,
        };
        let end = to.map(parse_instant).transpose()?;
        Ok(match (start, end) {
            (None, None) => None,
            (s, e) => Some(TimeRange {
                from: s.unwrap_or(i64::MIN),
                to: e.unwrap_or(now.max(s.unwrap_or(i64::MIN))),
            }),
        })
    }

    /// True when an object whose key dates it may hold records of this range.
    /// Keys without a date are always read.
    pub fn may_contain(&self, key: &str) -> bool {
        match key_span(key) {
            Some((start, end)) => start <= self.to && end >= self.from,
            None => true,
        }
    }
}

/// The span of record times an AWS log object may hold, from its key: the hour
/// around the `YYYYMMDDTHHMMZ` stamp in the file name, else the day of the `YYYY/MM/DD/` folders.
pub fn key_span(key: &str) -> Option<(i64, i64)> {
    let name = key.rsplit('/').next().unwrap_or(key);
    for part in name.split(['_', '.']) {
        let b = part.as_bytes();
        if b.len() == 14
            && b[8] == b'T'
            && b[13] == b'Z'
            && b[..8].iter().chain(&b[9..13]).all(u8::is_ascii_digit)
        {
            let iso = format!(
                "{}-{}-{}T{}:{}:00Z",
                &part[0..4],
                &part[4..6],
                &part[6..8],
                &part[9..11],
                &part[11..13]
            );
            if let Some(t) = parse_rfc3339_micros(&iso) {
                // Deliveries trail their records by minutes, occasionally by up to an hour.
                return Some((t - 2 * HOUR_MICROS, t + HOUR_MICROS));
            }
        }
    }
    let segments: Vec<&str> = key.split('/').collect();
    segments.windows(3).find_map(|w| {
        let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_digit());
        if all_digits(w[0], 4) && all_digits(w[1], 2) && all_digits(w[2], 2) {
            let day = parse_rfc3339_micros(&format!("{}-{}-{}T00:00:00Z", w[0], w[1], w[2]))?;
            Some((day - HOUR_MICROS, day + DAY_MICROS + HOUR_MICROS))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2h"), Ok(2 * HOUR_MICROS));
        assert_eq!(parse_duration("1d12h"), Ok(36 * HOUR_MICROS));
        assert!(parse_duration("2x").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("12").is_err());
    }

    #[test]
    fn keys_are_dated_by_stamp_then_by_folders() {
        let t = parse_instant("2026-11-27T10:00:00Z").unwrap();
        let ct = "AWSLogs/1/CloudTrail/eu-west-1/2026/11/27/1_CloudTrail_eu-west-1_20261127T1000Z_abc.json.gz";
        assert_eq!(key_span(ct), Some((t - 2 * HOUR_MICROS, t + HOUR_MICROS)));
        let day = parse_instant("2026-11-27").unwrap();
        assert_eq!(
            key_span("AWSLogs/1/vpcflowlogs/eu-west-1/2026/11/27/x.log.gz"),
            Some((day - HOUR_MICROS, day + DAY_MICROS + HOUR_MICROS))
        );
        assert_eq!(key_span("local/file.json"), None);
    }

    #[test]
    fn ranges_prune_objects() {
        let now = parse_instant("2026-11-28T12:00:00Z").unwrap();
        let range = TimeRange::from_flags(Some("1d"), None, None, now)
            .unwrap()
            .unwrap();
        assert!(range.may_contain(
            "AWSLogs/1/CloudTrail/r/2026/11/27/1_CloudTrail_r_20261127T1300Z_a.json.gz"
        ));
        assert!(!range.may_contain(
            "AWSLogs/1/CloudTrail/r/2026/11/26/1_CloudTrail_r_20261126T1000Z_a.json.gz"
        ));
        assert!(range.may_contain("undated.json"));
        let explicit =
            TimeRange::from_flags(None, Some("2026-11-27"), Some("2026-11-27T12:00:00Z"), now)
                .unwrap()
                .unwrap();
        assert!(!explicit.may_contain("AWSLogs/1/vpcflowlogs/r/2026/11/25/x.log.gz"));
        assert!(TimeRange::from_flags(Some("1d"), Some("2026-11-27"), None, now).is_err());
        assert_eq!(TimeRange::from_flags(None, None, None, now), Ok(None));
    }
}
