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

use aho_corasick::AhoCorasick;

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

impl PartialEq for RecordFilter {
    fn eq(&self, other: &Self) -> bool {
        self.tables.len() == other.tables.len()
            && self
                .tables
                .iter()
                .zip(&other.tables)
                .all(|((a, x), (b, y))| a == b && x.literals == y.literals)
    }
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
        match AhoCorasick::new(&patterns) {
            Ok(matcher) => {
                self.tables
                    .insert(kind, Arc::new(Needles { literals, matcher }));
            }
            Err(_) => {
                self.tables.remove(&kind);
            }
        }
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
    matcher: AhoCorasick,
}

impl Needles {
    /// False when `record` cannot hold a row the queries keep.
    #[inline]
    pub fn may_match(&self, record: &[u8]) -> bool {
        self.matcher.is_match(record)
    }

    /// The first position at or after `from` where a pattern starts, if any.
    #[inline]
    pub fn next_match(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let input = aho_corasick::Input::new(haystack).range(from..);
        self.matcher.find(input).map(|m| m.start())
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
    fn next_match_finds_the_first_literal_from_a_position() {
        let filter = RecordFilter::none().with(LogKind::FlowLog, vec!["REJECT".into()]);
        let needles = filter.of(LogKind::FlowLog).unwrap();
        let text = b"2 a ACCEPT OK\n2 b REJECT OK\n2 c REJECT OK\n";
        assert_eq!(needles.next_match(text, 0), Some(18));
        assert_eq!(needles.next_match(text, 19), Some(32));
        assert_eq!(needles.next_match(text, 33), None);
    }
}
