//! Records the queries cannot match, ruled out on their raw bytes before they are parsed.
//!
//! When every query over a table keeps only rows whose verbatim text column equals one of a
//! few literals (`event_source = 'sts.amazonaws.com'`, `action = 'REJECT'`), a record whose
//! bytes contain none of them cannot produce a row any query keeps. One multi-pattern search
//! over the record's bytes then replaces its parse. The test only ever keeps more than the
//! queries need: the queries still filter every row.
//!
//! What a ruled-out record costs: it is not parsed, so it yields no row and no record error.
//! The decoders count it in [`crate::decode::DecodedObject::ruled_out`]. The daemon never sets
//! a filter (its record and error counters cover every record); `replay` and `query` do.

use std::collections::BTreeMap;
use std::sync::Arc;

use aho_corasick::packed;
use memchr::memmem;

use crate::schema::LogKind;

/// Byte strings a CloudTrail record may hold any query's literal behind: `\u` escapes (JSON may
/// spell any character so), and the keys of records bound for the Insights and digest tables,
/// which the filter of the `cloudtrail` table must not take from them.
const CLOUDTRAIL_KEEP: [&str; 5] = [
    "\\u",
    "Insight",
    "insightDetails",
    "digestStartTime",
    "logFiles",
];

/// The literals per table; a table without an entry is not filtered.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    tables: BTreeMap<LogKind, Arc<Needles>>,
}

impl RecordFilter {
    /// No record is ruled out (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// Rules out the records of `kind` that hold none of `literals`. Only CloudTrail and flow-log
    /// text are filtered; other kinds, an empty list, or a literal the decoder could not find
    /// verbatim in a record (see [`RecordFilter::literal_is_searchable`]) leave it unfiltered.
    pub fn with(mut self, kind: LogKind, literals: Vec<String>) -> Self {
        let searchable = !literals.is_empty()
            && literals
                .iter()
                .all(|l| Self::literal_is_searchable(kind, l));
        if !searchable {
            self.tables.remove(&kind);
            return self;
        }
        let mut patterns = literals.clone();
        if kind == LogKind::CloudTrail {
            patterns.extend(CLOUDTRAIL_KEEP.iter().map(|s| s.to_string()));
        }
        let matcher = Matcher::new(&patterns);
        self.tables
            .insert(kind, Arc::new(Needles { literals, matcher }));
        self
    }

    /// Whether a record of `kind` holding a column equal to `literal` holds it byte for byte:
    /// a flow-log field always does; a JSON string does unless it escapes a character, and the
    /// only escape a literal without `"`, `\`, `/` and control characters can meet is `\u`,
    /// which the CloudTrail filter keeps.
    pub fn literal_is_searchable(kind: LogKind, literal: &str) -> bool {
        match kind {
            LogKind::CloudTrail => {
                !literal.is_empty()
                    && !literal
                        .chars()
                        .any(|c| c == '"' || c == '\\' || c == '/' || c.is_control())
            }
            LogKind::FlowLog => !literal.is_empty(),
            _ => false,
        }
    }

    /// The test for records of `kind`, if they are filtered.
    pub fn of(&self, kind: LogKind) -> Option<&Arc<Needles>> {
        self.tables.get(&kind)
    }

    /// The literals of `kind`, if its records are filtered (for reports and tests).
    pub fn literals(&self, kind: LogKind) -> Option<&[String]> {
        self.tables.get(&kind).map(|n| &n.literals[..])
    }
}

/// One table's literals, searched for together.
#[derive(Debug)]
pub struct Needles {
    literals: Vec<String>,
    matcher: Matcher,
}

/// How the patterns are searched for. aho-corasick's automaton runs a byte at a time when its
/// prefilter gives up on short or common patterns (`\u`): 53% of a filtered CloudTrail replay
/// (perf). Its packed SIMD searcher (Teddy) takes up to a few dozen patterns in one pass;
/// one pattern goes to memchr's SIMD `memmem`.
#[derive(Debug)]
enum Matcher {
    One(memmem::Finder<'static>),
    Packed(packed::Searcher),
    /// Teddy needs SSSE3 or NEON: one `memmem` pass per pattern otherwise.
    Each(Vec<memmem::Finder<'static>>),
}

impl Matcher {
    fn new(patterns: &[String]) -> Self {
        let finders = || {
            patterns
                .iter()
                .map(|p| memmem::Finder::new(p.as_bytes()).into_owned())
                .collect::<Vec<_>>()
        };
        if patterns.len() == 1 {
            return Matcher::One(memmem::Finder::new(patterns[0].as_bytes()).into_owned());
        }
        match packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(patterns)
            .build()
        {
            Some(searcher) => Matcher::Packed(searcher),
            None => Matcher::Each(finders()),
        }
    }

    fn find_from(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let rest = haystack.get(from..)?;
        let found = match self {
            Matcher::One(finder) => finder.find(rest),
            Matcher::Packed(searcher) => searcher.find(rest).map(|m| m.start()),
            Matcher::Each(finders) => finders.iter().filter_map(|f| f.find(rest)).min(),
        };
        found.map(|at| from + at)
    }
}

impl Needles {
    /// False when `record` cannot hold a row the queries keep.
    #[inline]
    pub fn may_match(&self, record: &[u8]) -> bool {
        self.matcher.find_from(record, 0).is_some()
    }

    /// The first position at or after `from` where a pattern starts, if any.
    #[inline]
    pub fn next_match(&self, haystack: &[u8], from: usize) -> Option<usize> {
        self.matcher.find_from(haystack, from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_a_record_may_escape_are_not_searched_for() {
        let ct = |l: &str| RecordFilter::none().with(LogKind::CloudTrail, vec![l.into()]);
        assert!(ct("sts.amazonaws.com").of(LogKind::CloudTrail).is_some());
        for escaped in ["a/b", "say \"hi\"", "back\\slash", "tab\t", ""] {
            assert!(ct(escaped).of(LogKind::CloudTrail).is_none(), "{escaped:?}");
        }
        // One unsearchable literal leaves the whole table unfiltered.
        let mixed =
            RecordFilter::none().with(LogKind::CloudTrail, vec!["AssumeRole".into(), "x/y".into()]);
        assert!(mixed.of(LogKind::CloudTrail).is_none());
        // Tables whose decoders take no filter.
        assert!(
            RecordFilter::none()
                .with(LogKind::Waf, vec!["BLOCK".into()])
                .of(LogKind::Waf)
                .is_none()
        );
    }

    #[test]
    fn cloudtrail_records_that_may_hide_a_literal_or_feed_other_tables_are_kept() {
        let filter =
            RecordFilter::none().with(LogKind::CloudTrail, vec!["sts.amazonaws.com".into()]);
        let needles = filter.of(LogKind::CloudTrail).unwrap();
        assert!(needles.may_match(br#"{"eventSource":"sts.amazonaws.com"}"#));
        assert!(!needles.may_match(br#"{"eventSource":"s3.amazonaws.com"}"#));
        // `\u0073ts...` is `sts...`.
        assert!(needles.may_match(br#"{"eventSource":"\u0073ts.amazonaws.com"}"#));
        assert!(needles.may_match(br#"{"eventType":"AwsCloudTrailInsight"}"#));
        assert!(needles.may_match(br#"{"digestStartTime":"2024-01-01T00:00:00Z"}"#));
        assert!(needles.may_match(br#"{"awsAccountId":"1","logFiles":[]}"#));
    }

    #[test]
    fn every_matcher_finds_the_same_first_pattern() {
        let patterns: Vec<String> = ["REJECT", "\\u", "NODATA"].map(String::from).into();
        let each = Matcher::Each(
            patterns
                .iter()
                .map(|p| memmem::Finder::new(p.as_bytes()).into_owned())
                .collect(),
        );
        let packed = Matcher::new(&patterns);
        assert!(matches!(packed, Matcher::Packed(_)) || cfg!(not(target_arch = "x86_64")));
        let text = b"2 a ACCEPT OK\n2 b NODATA x\\u2 c REJECT OK";
        for from in 0..text.len() + 2 {
            assert_eq!(
                each.find_from(text, from),
                packed.find_from(text, from),
                "{from}"
            );
        }
        assert_eq!(packed.find_from(text, 0), Some(18));
    }

    #[test]
    fn next_match_finds_the_first_literal_from_a_position() {
        let filter = RecordFilter::none().with(LogKind::FlowLog, vec!["REJECT".into()]);
        let needles = filter.of(LogKind::FlowLog).unwrap();
        let text = b"2 a ACCEPT OK\n2 b REJECT OK\n2 c REJECT OK\n";
        assert_eq!(needles.next_match(text, 0), Some(18));
        assert_eq!(needles.next_match(text, 19), Some(32));
        assert_eq!(needles.next_match(text, 33), None);
    }
}
