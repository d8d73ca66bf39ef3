//! The series set: every (metric, label values) pair seen so far with its
//! aggregate (counters add, gauges keep the latest value, histograms merge),
//! under a per-metric series limit. Label sets past the limit go to one
//! overflow series per metric (exported with `otel.metric.overflow="true"`)
//! and are counted.

use std::collections::{BTreeMap, HashSet};

use super::catalog::{Catalog, Instrument, MetricQuery};
use super::{Histogram, MetricPoint, PointValue};

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

/// All series, with the cardinality guard.
#[derive(Debug, Clone)]
pub struct SeriesSet {
    metrics: Vec<MetricQuery>,
    limit: usize,
    series: BTreeMap<SeriesKey, Aggregate>,
    label_sets: Vec<HashSet<Vec<String>>>,
    dropped: Vec<u64>,
}

/// Label name of the overflow series (OpenTelemetry's convention).
pub const OVERFLOW_LABEL: &str = "otel.metric.overflow";

impl SeriesSet {
    /// An empty set for the metrics of `catalog`, with at most `series_limit` label sets per metric.
    pub fn new(catalog: &Catalog, series_limit: usize) -> Self {
        let metrics: Vec<MetricQuery> = catalog.metrics().into_iter().cloned().collect();
        let n = metrics.len();
        Self {
            metrics,
            limit: series_limit.max(1),
            series: BTreeMap::new(),
            label_sets: vec![HashSet::new(); n],
            dropped: vec![0; n],
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
        let Some(metric) = self.metrics.get(point.metric) else {
            return;
        };
        let instrument = metric.instrument;
        let keep_max = metric.keep_max;
        let known = &mut self.label_sets[point.metric];
        let key = if known.contains(&point.labels) {
            SeriesKey {
                metric: point.metric,
                labels: point.labels,
                overflow: false,
            }
        } else if known.len() < self.limit {
            known.insert(point.labels.clone());
            SeriesKey {
                metric: point.metric,
                labels: point.labels,
                overflow: false,
            }
        } else {
            self.dropped[point.metric] += 1;
            SeriesKey {
                metric: point.metric,
                labels: Vec::new(),
                overflow: true,
            }
        };
        let entry = self.series.entry(key).or_insert_with(|| match instrument {
            Instrument::Counter => Aggregate::Counter(0.0),
            Instrument::Gauge => Aggregate::Gauge(f64::NAN),
            Instrument::Histogram => Aggregate::Histogram(Histogram::default()),
        });
        match (entry, point.value) {
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

    /// Label sets sent to the overflow series, per metric name.
    pub fn dropped_label_sets(&self) -> Vec<(&str, u64)> {
        self.metrics
            .iter()
            .zip(&self.dropped)
            .filter(|(_, d)| **d > 0)
            .map(|(m, d)| (m.name.as_str(), *d))
            .collect()
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

#[cfg(test)]
mod tests {
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

    #[test]
    fn label_sets_past_the_limit_go_to_one_overflow_series() {
        let mut s = SeriesSet::new(&catalog(), 3);
        for i in 0..100 {
            s.record(point(0, &format!("role-{i}"), 1.0));
        }
        s.record(point(0, "role-1", 1.0));
        assert_eq!(s.len(), 4);
        let overflow = s
            .series()
            .into_iter()
            .find(|x| x.labels == vec![(OVERFLOW_LABEL, "true")])
            .unwrap();
        assert_eq!(overflow.value, &Aggregate::Counter(97.0));
        assert_eq!(s.dropped_label_sets(), vec![("trailflow.a", 97)]);
        let total: f64 = s
            .series()
            .iter()
            .map(|x| {
                if let Aggregate::Counter(v) = x.value {
                    *v
                } else {
                    0.0
                }
            })
            .sum();
        assert_eq!(total, 101.0, "nothing is lost, only folded");
    }
}
