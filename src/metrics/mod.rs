//! Metric definitions and values, independent of how they are computed
//! (DataFusion, in [`crate::engine`]) and where they go (sinks): the catalog
//! read from the saved queries, the points a window produces, and the series
//! set that aggregates them under a cardinality limit.

pub mod catalog;
pub mod daemon;
pub mod prometheus;
pub mod render;
pub mod series;
pub mod usage;

pub use catalog::{Catalog, Instrument, MetricQuery};
pub use series::{Series, SeriesSet};

/// Upper bounds of the histogram buckets, in the metric's unit (seconds for every
/// histogram trailflow defines): from sub-second API latencies to a day of delivery delay.
pub const HISTOGRAM_BOUNDS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0,
    21600.0, 86400.0,
];

/// A histogram of recorded values over [`HISTOGRAM_BOUNDS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Values recorded.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// Count per bucket: `buckets[i]` counts values `<= HISTOGRAM_BOUNDS[i]` and above the previous bound; the last counts the rest.
    pub buckets: Vec<u64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            buckets: vec![0; HISTOGRAM_BOUNDS.len() + 1],
        }
    }
}

impl Histogram {
    /// Records one value (NaN is ignored).
    pub fn record(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        let i = HISTOGRAM_BOUNDS.partition_point(|b| *b < v);
        self.buckets[i] += 1;
    }

    /// Adds another histogram's values to this one.
    pub fn merge(&mut self, other: &Histogram) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
    }
}

/// The value a window contributes to one series.
#[derive(Debug, Clone, PartialEq)]
pub enum PointValue {
    /// A counter delta or a gauge value.
    Number(f64),
    /// Histogram values.
    Histogram(Histogram),
}

/// One result row of a metric query: a series (metric and label values) and its value for the window.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    /// Index of the metric in [`Catalog::metrics`].
    pub metric: usize,
    /// Label values, in the order of the metric's `labels` header (null is empty).
    pub labels: Vec<String>,
    /// The value.
    pub value: PointValue,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_upper_inclusive() {
        let mut h = Histogram::default();
        for v in [0.05, 0.1, 0.11, 7.0, 1e9, f64::NAN] {
            h.record(v);
        }
        assert_eq!(h.count, 5);
        assert_eq!(h.buckets[0], 2, "0.05 and 0.1 are <= 0.1");
        assert_eq!(h.buckets[1], 1);
        assert_eq!(h.buckets[6], 1, "7 is in (5, 10]");
        assert_eq!(*h.buckets.last().unwrap(), 1);
        assert_eq!(h.max, 1e9);
    }
}
