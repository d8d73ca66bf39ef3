//! The series set: every (metric, label values) pair seen so far with its
//! aggregate (counters add, gauges keep the latest value, histograms merge),
//! under a per-metric series limit.
//!
//! Past the limit, label *values* are folded, not label sets: the metric's
//! foldable labels (`-- fold:` in its query header, high-cardinality ones such
//! as ARNs and interfaces) become `other`, first only the first of them, then
//! the first two, and so on, until the label set lands in a series that exists
//! or fits. Outcome, reason, cause and the other labels keep their values, so
//! totals per kept label set stay exact (the way Vector's
//! `tag_cardinality_limit` drops one tag, not the event). Partly folded series
//! may use a reserve of half the limit; series with every foldable label folded
//! a further half. Only when even those are full (a metric whose kept labels
//! alone are unbounded) does a point go to the one overflow series of its
//! metric, exported with `otel.metric.overflow="true"`. Every fold is counted
//! by metric and by the labels folded. The daemon's own metrics, whose labels the
//! code bounds, are not limited.

use std::collections::HashMap;

use super::catalog::{Catalog, Instrument, MetricQuery};
use super::{Histogram, MetricPoint, PointValue};

/// The series map's hasher: label values are long strings and std's SipHash over them was 3%
/// of a flow-log run with the archive on (callgrind); the map is bounded by the series limit.
type Hasher = foldhash::fast::RandomState;

/// The aggregate of one series.
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregate {
    /// Sum of counter deltas.
    Counter(f64),
    /// The latest value reported, or the largest for `-- aggregate: max` gauges (timestamps).
    Gauge(f64),
    /// Merged histogram.
    Histogram(Histogram),
}

/// Identity of a series: metric index, label values, and whether it is the overflow series.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// Index in [`Catalog::metrics`].
    pub metric: usize,
    /// Label values (empty for the overflow series).
    pub labels: Vec<String>,
    /// True for the overflow series.
    pub overflow: bool,
}

/// A series as read out of the set.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    /// The metric.
    pub metric: &'a MetricQuery,
    /// Label names and values (null values omitted); `otel.metric.overflow=true` for the overflow series.
    pub labels: Vec<(&'a str, &'a str)>,
    /// The aggregate.
    pub value: &'a Aggregate,
}

/// How one metric's label sets are admitted: its foldable label positions and what it folded.
#[derive(Debug, Clone, Default)]
struct Guard {
    /// Label sets held (own values and folded ones).
    count: usize,
    /// Positions (in the metric's labels) of the foldable labels, in folding order.
    fold: Vec<usize>,
    /// Per fold depth, the labels folded at that depth, comma-separated (`key_arn,caller_account`).
    names: Vec<String>,
    /// Points folded, per fold depth; the last entry counts points sent to the overflow series.
    folded: Vec<u64>,
    /// A daemon metric (`table: daemon`): its labels are bounded by the code, not the logs,
    /// and it is never limited (the overflow counter itself must not overflow).
    unlimited: bool,
}

/// All series, with the cardinality guard.
#[derive(Debug, Clone)]
pub struct SeriesSet {
    metrics: Vec<MetricQuery>,
    limit: usize,
    series: HashMap<SeriesKey, Aggregate, Hasher>,
    guards: Vec<Guard>,
}

/// Label name of the overflow series (OpenTelemetry's convention).
pub const OVERFLOW_LABEL: &str = "otel.metric.overflow";

/// The value a folded label takes.
pub const FOLDED_VALUE: &str = "other";

/// The `label` value of `trailflow.series.overflow` for points that went to the overflow series.
pub const WHOLE_SET: &str = "*";

impl Guard {
    fn new(metric: &MetricQuery) -> Self {
        let fold: Vec<usize> = metric
            .fold
            .iter()
            .filter_map(|f| metric.labels.iter().position(|l| l == f))
            .collect();
        let names = (1..=fold.len())
            .map(|depth| metric.fold[..depth].join(","))
            .collect();
        Self {
            count: 0,
            folded: vec![0; fold.len() + 1],
            fold,
            names,
            unlimited: metric.table.is_none(),
        }
    }

    /// The key a new label set `key` (not held yet) is counted under: its own, a folded one,
    /// or the overflow series. `held` says whether a key is held already.
    fn admit(
        &mut self,
        mut key: SeriesKey,
        limit: usize,
        held: impl Fn(&SeriesKey) -> bool,
    ) -> SeriesKey {
        if self.unlimited || self.count < limit {
            self.count += 1;
            return key;
        }
        let depths = self.fold.len();
        if depths == 0 && self.count < 2 * limit {
            // Nothing to fold: every label is bounded by the query itself.
            self.count += 1;
            return key;
        }
        for (depth, &position) in self.fold.iter().enumerate() {
            if let Some(value) = key.labels.get_mut(position)
                && !value.is_empty()
            {
                value.clear();
                value.push_str(FOLDED_VALUE);
            }
            let room = if depth + 1 == depths {
                2 * limit
            } else {
                limit + limit / 2
            };
            if held(&key) {
                self.folded[depth] += 1;
                return key;
            }
            if self.count < room {
                self.count += 1;
                self.folded[depth] += 1;
                return key;
            }
        }
        self.folded[depths] += 1;
        SeriesKey {
            metric: key.metric,
            labels: Vec::new(),
            overflow: true,
        }
    }
}

impl SeriesSet {
    /// An empty set for the metrics of `catalog`, with at most `series_limit` label sets of
    /// their own values per metric.
    pub fn new(catalog: &Catalog, series_limit: usize) -> Self {
        let metrics: Vec<MetricQuery> = catalog.metrics().into_iter().cloned().collect();
        let guards = metrics.iter().map(Guard::new).collect();
        Self {
            metrics,
            limit: series_limit.max(1),
            series: HashMap::default(),
            guards,
        }
    }

    /// The metrics, indexed as in [`MetricPoint::metric`].
    pub fn metrics(&self) -> &[MetricQuery] {
        &self.metrics
    }

    /// Adds a window's points.
    pub fn record_all(&mut self, points: impl IntoIterator<Item = MetricPoint>) {
        for p in points {
            self.record(p);
        }
    }

    /// Adds one point.
    pub fn record(&mut self, point: MetricPoint) {
        let (Some(metric), Some(guard)) = (
            self.metrics.get(point.metric),
            self.guards.get_mut(point.metric),
        ) else {
            return;
        };
        let instrument = metric.instrument;
        let keep_max = metric.keep_max;
        let key = SeriesKey {
            metric: point.metric,
            labels: point.labels,
            overflow: false,
        };
        // Most points add to a series that exists: one lookup.
        if let Some(entry) = self.series.get_mut(&key) {
            add(entry, point.value, keep_max);
            return;
        }
        let series = &self.series;
        let key = guard.admit(key, self.limit, |k| series.contains_key(k));
        let entry = self.series.entry(key).or_insert_with(|| match instrument {
            Instrument::Counter => Aggregate::Counter(0.0),
            Instrument::Gauge => Aggregate::Gauge(f64::NAN),
            Instrument::Histogram => Aggregate::Histogram(Histogram::default()),
        });
        add(entry, point.value, keep_max);
    }

    /// Points folded so far: (metric name, labels folded, points), where the labels folded are
    /// comma-separated (`key_arn,caller_account`: the first two foldable labels) or
    /// [`WHOLE_SET`] for points sent to the overflow series.
    pub fn folded(&self) -> Vec<(&str, &str, u64)> {
        let mut out = Vec::new();
        for (metric, guard) in self.metrics.iter().zip(&self.guards) {
            let names = guard.names.iter().map(String::as_str).chain([WHOLE_SET]);
            for (name, points) in names.zip(&guard.folded) {
                if *points > 0 {
                    out.push((metric.name.as_str(), name, *points));
                }
            }
        }
        out
    }

    /// The `label` values under which `trailflow.series.overflow` reports folds of `metric`:
    /// its fold depths, or [`WHOLE_SET`] when it has no foldable label.
    pub fn fold_names(metric: &MetricQuery) -> Vec<String> {
        let names = Guard::new(metric).names;
        if names.is_empty() {
            vec![WHOLE_SET.to_string()]
        } else {
            names
        }
    }

    /// Every series, ordered by metric name and label values.
    pub fn series(&self) -> Vec<Series<'_>> {
        let mut out: Vec<Series<'_>> = self
            .series
            .iter()
            .map(|(key, value)| {
                let metric = &self.metrics[key.metric];
                let labels = if key.overflow {
                    vec![(OVERFLOW_LABEL, "true")]
                } else {
                    metric
                        .labels
                        .iter()
                        .map(String::as_str)
                        .zip(key.labels.iter().map(String::as_str))
                        .filter(|(_, v)| !v.is_empty())
                        .collect()
                };
                Series {
                    metric,
                    labels,
                    value,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.metric
                .name
                .cmp(&b.metric.name)
                .then_with(|| a.labels.cmp(&b.labels))
        });
        out
    }

    /// Number of series held.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// True when no series is held.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
}

/// Adds a point's value to its series' aggregate.
fn add(entry: &mut Aggregate, value: PointValue, keep_max: bool) {
    match (entry, value) {
        (Aggregate::Counter(total), PointValue::Number(v)) => *total += v,
        (Aggregate::Gauge(last), PointValue::Number(v)) => {
            *last = if last.is_nan() || !keep_max {
                v
            } else {
                last.max(v)
            }
        }
        (Aggregate::Histogram(h), PointValue::Histogram(other)) => h.merge(&other),
        (Aggregate::Histogram(h), PointValue::Number(v)) => h.record(v),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::metrics::MetricQuery;

    fn catalog() -> Catalog {
        let q = |name: &str, instrument: &str| {
            MetricQuery::parse(
                "t.sql",
                &format!("-- metric: {name}\n-- instrument: {instrument}\n-- unit: s\n-- description: d\n-- table: cloudtrail\n-- value: v\n-- labels: role\nSELECT 1"),
            )
            .unwrap()
        };
        Catalog::new(vec![
            q("trailflow.a", "counter"),
            q("trailflow.b", "histogram"),
            q("trailflow.c", "gauge\n-- aggregate: max"),
            q("trailflow.d", "gauge"),
        ])
        .unwrap()
    }

    fn point(metric: usize, label: &str, v: f64) -> MetricPoint {
        MetricPoint {
            metric,
            labels: vec![label.to_string()],
            value: PointValue::Number(v),
        }
    }

    #[test]
    fn counters_add_gauges_keep_the_newest_histograms_merge() {
        let mut s = SeriesSet::new(&catalog(), 10);
        s.record_all([
            point(0, "r", 2.0),
            point(0, "r", 3.0),
            point(1, "r", 1.0),
            point(1, "r", 100.0),
            point(2, "r", 5.0),
            point(2, "r", 4.0),
            point(3, "r", 5.0),
            point(3, "r", 4.0),
        ]);
        let all = s.series();
        assert_eq!(all.len(), 4);
        assert_eq!(
            all[3].value,
            &Aggregate::Gauge(4.0),
            "a depth gauge keeps the latest"
        );
        assert_eq!(all[0].value, &Aggregate::Counter(5.0));
        assert!(matches!(all[1].value, Aggregate::Histogram(h) if h.count == 2 && h.sum == 101.0));
        assert_eq!(
            all[2].value,
            &Aggregate::Gauge(5.0),
            "a gauge of times keeps the newest"
        );
        assert_eq!(all[0].labels, vec![("role", "r")]);
    }

    fn folding_catalog() -> Catalog {
        Catalog::new(vec![
            MetricQuery::parse(
                "k.sql",
                "-- metric: trailflow.k\n-- instrument: counter\n-- unit: {call}\n-- description: d\n-- table: cloudtrail\n-- value: v\n-- labels: key_arn, account, outcome\n-- fold: key_arn, account\nSELECT 1",
            )
            .unwrap(),
            MetricQuery::parse(
                "b.sql",
                "-- metric: trailflow.b\n-- instrument: counter\n-- unit: {call}\n-- description: d\n-- table: cloudtrail\n-- value: v\n-- labels: region\nSELECT 1",
            )
            .unwrap(),
        ])
        .unwrap()
    }

    fn kms(key: usize, account: usize, outcome: &str) -> MetricPoint {
        MetricPoint {
            metric: 1,
            labels: vec![
                format!("key-{key}"),
                format!("acct-{account}"),
                outcome.to_string(),
            ],
            value: PointValue::Number(1.0),
        }
    }

    fn totals_by(set: &SeriesSet, metric: &str, label: &str) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for s in set.series().iter().filter(|s| s.metric.name == metric) {
            let value = s
                .labels
                .iter()
                .find(|(k, _)| *k == label)
                .map_or("-", |(_, v)| *v);
            if let Aggregate::Counter(v) = s.value {
                *out.entry(value.to_string()).or_default() += v;
            }
        }
        out
    }

    #[test]
    fn past_the_limit_values_of_the_first_foldable_label_become_other() {
        let mut s = SeriesSet::new(&folding_catalog(), 10);
        for key in 0..1000 {
            let outcome = if key % 7 == 0 { "throttled" } else { "success" };
            s.record(kms(key, 1, outcome));
        }
        assert_eq!(s.len(), 12, "10 keys of their own, other x 2 outcomes");
        let outcomes = totals_by(&s, "trailflow.k", "outcome");
        assert_eq!(outcomes["throttled"], 143.0, "no throttle is lost");
        assert_eq!(outcomes["success"], 857.0);
        let folded = s
            .series()
            .into_iter()
            .filter(|x| x.labels.contains(&("key_arn", "other")))
            .count();
        assert_eq!(folded, 2);
        assert_eq!(s.folded(), vec![("trailflow.k", "key_arn", 990)]);
    }

    #[test]
    fn when_the_first_fold_does_not_fit_the_next_label_folds_too() {
        let mut s = SeriesSet::new(&folding_catalog(), 4);
        // Distinct keys and accounts: folding the key alone gives a new set each time.
        for i in 0..100 {
            s.record(kms(i, i, if i % 2 == 0 { "throttled" } else { "success" }));
        }
        let outcomes = totals_by(&s, "trailflow.k", "outcome");
        assert_eq!(outcomes["throttled"], 50.0);
        assert_eq!(outcomes["success"], 50.0);
        assert!(s.len() <= 8, "{} series", s.len());
        let folded = s.folded();
        assert_eq!(folded[0], ("trailflow.k", "key_arn", 2));
        assert_eq!(folded[1].1, "key_arn,account");
        assert_eq!(folded[0].2 + folded[1].2, 96);
        assert!(
            s.series()
                .iter()
                .all(|x| !x.labels.contains(&(OVERFLOW_LABEL, "true")))
        );
    }

    #[test]
    fn a_metric_without_foldable_labels_overflows_only_past_twice_the_limit() {
        let mut s = SeriesSet::new(&folding_catalog(), 3);
        for i in 0..10 {
            s.record(MetricPoint {
                metric: 0,
                labels: vec![format!("region-{i}")],
                value: PointValue::Number(1.0),
            });
        }
        let overflow = s
            .series()
            .into_iter()
            .find(|x| x.labels == vec![(OVERFLOW_LABEL, "true")])
            .unwrap();
        assert_eq!(overflow.value, &Aggregate::Counter(4.0));
        assert_eq!(s.folded(), vec![("trailflow.b", WHOLE_SET, 4)]);
        assert_eq!(
            totals_by(&s, "trailflow.b", "region").values().sum::<f64>(),
            10.0
        );
        assert_eq!(
            SeriesSet::fold_names(folding_catalog().metrics()[1]),
            vec!["key_arn", "key_arn,account"]
        );
        assert_eq!(
            SeriesSet::fold_names(folding_catalog().metrics()[0]),
            vec!["*"]
        );
    }
}
