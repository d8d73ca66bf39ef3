//! A series set as one OTLP `ExportMetricsServiceRequest`. Built from the
//! protocol's message types rather than the SDK's instruments: trailflow's
//! values are aggregates recomputed per window (and merged histograms), which
//! the SDK's record-a-measurement API cannot express.

use std::collections::HashMap;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::metrics::series::{Aggregate, Series, SeriesSet};
use crate::metrics::{HISTOGRAM_BOUNDS, MetricQuery};

/// How sums and histograms are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporality {
    /// Totals since the process started (what Prometheus expects).
    Cumulative,
    /// Changes since the last accepted export.
    Delta,
}

/// A string attribute.
pub fn attribute(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_string())),
        }),
        ..Default::default()
    }
}

type SeriesId = (String, Vec<(String, String)>);

fn id(s: &Series<'_>) -> SeriesId {
    (
        s.metric.name.clone(),
        s.labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// The values of the last accepted export, by series, for delta temporality.
#[derive(Debug, Default, Clone)]
pub struct Baseline {
    values: HashMap<SeriesId, Aggregate>,
    /// When the baseline was exported, in Unix nanoseconds.
    pub time_unix_nano: u64,
}

impl Baseline {
    /// The values of `series` exported at `time_unix_nano`.
    pub fn of(series: &SeriesSet, time_unix_nano: u64) -> Self {
        Self {
            values: series
                .series()
                .iter()
                .map(|s| (id(s), s.value.clone()))
                .collect(),
            time_unix_nano,
        }
    }
}

/// What one export reports.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    /// Start of cumulative series: when the process started, in Unix nanoseconds.
    pub start_unix_nano: u64,
    /// Now, in Unix nanoseconds.
    pub now_unix_nano: u64,
}

fn number_point(attributes: Vec<KeyValue>, start: u64, now: u64, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        start_time_unix_nano: start,
        time_unix_nano: now,
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    }
}

fn histogram_point(
    attributes: Vec<KeyValue>,
    start: u64,
    now: u64,
    h: &crate::metrics::Histogram,
    previous: Option<&crate::metrics::Histogram>,
) -> HistogramDataPoint {
    let (count, sum, buckets, min, max) = match previous {
        // Min and max of a difference are unknown: omitted, as the data model allows.
        Some(p) => (
            h.count.saturating_sub(p.count),
            h.sum - p.sum,
            h.buckets
                .iter()
                .zip(&p.buckets)
                .map(|(a, b)| a.saturating_sub(*b))
                .collect(),
            None,
            None,
        ),
        None => (
            h.count,
            h.sum,
            h.buckets.clone(),
            (h.count > 0).then_some(h.min),
            (h.count > 0).then_some(h.max),
        ),
    };
    HistogramDataPoint {
        attributes,
        start_time_unix_nano: start,
        time_unix_nano: now,
        count,
        sum: Some(sum),
        bucket_counts: buckets,
        explicit_bounds: HISTOGRAM_BOUNDS.to_vec(),
        min,
        max,
        ..Default::default()
    }
}

fn empty_metric(m: &MetricQuery) -> Metric {
    Metric {
        name: m.name.clone(),
        description: m.description.clone(),
        unit: m.unit.clone(),
        ..Default::default()
    }
}

/// The request for `series`; with a `baseline`, sums and histograms are the change since it
/// (delta temporality) and unchanged series are left out.
pub fn request(
    series: &SeriesSet,
    resource: &[KeyValue],
    times: Times,
    temporality: Temporality,
    baseline: Option<&Baseline>,
) -> ExportMetricsServiceRequest {
    let (kind, start) = match (temporality, baseline) {
        (Temporality::Delta, Some(b)) => (AggregationTemporality::Delta, b.time_unix_nano),
        (Temporality::Delta, None) => (AggregationTemporality::Delta, times.start_unix_nano),
        (Temporality::Cumulative, _) => (AggregationTemporality::Cumulative, times.start_unix_nano),
    };
    let delta = temporality == Temporality::Delta;
    let now = times.now_unix_nano;
    let mut metrics: Vec<Metric> = Vec::new();
    let mut current: Option<&str> = None;
    for s in series.series() {
        if current != Some(s.metric.name.as_str()) {
            current = Some(s.metric.name.as_str());
            metrics.push(empty_metric(s.metric));
        }
        let Some(metric) = metrics.last_mut() else {
            continue;
        };
        let attributes: Vec<KeyValue> = s.labels.iter().map(|(k, v)| attribute(k, v)).collect();
        let previous = if delta {
            baseline.and_then(|b| b.values.get(&id(&s)))
        } else {
            None
        };
        match s.value {
            Aggregate::Counter(v) => {
                let v = match previous {
                    Some(Aggregate::Counter(p)) => v - p,
                    _ => *v,
                };
                if delta && v == 0.0 {
                    continue;
                }
                let data = metric.data.get_or_insert_with(|| {
                    metric::Data::Sum(Sum {
                        data_points: Vec::new(),
                        aggregation_temporality: kind as i32,
                        is_monotonic: true,
                    })
                });
                if let metric::Data::Sum(sum) = data {
                    sum.data_points
                        .push(number_point(attributes, start, now, v));
                }
            }
            Aggregate::Gauge(v) => {
                if v.is_nan() {
                    continue;
                }
                let data = metric.data.get_or_insert_with(|| {
                    metric::Data::Gauge(Gauge {
                        data_points: Vec::new(),
                    })
                });
                if let metric::Data::Gauge(g) = data {
                    g.data_points.push(number_point(attributes, 0, now, *v));
                }
            }
            Aggregate::Histogram(h) => {
                let previous = match previous {
                    Some(Aggregate::Histogram(p)) => Some(p),
                    _ => None,
                };
                if delta && previous.is_some_and(|p| p.count == h.count) {
                    continue;
                }
                let data = metric.data.get_or_insert_with(|| {
                    metric::Data::Histogram(Histogram {
                        data_points: Vec::new(),
                        aggregation_temporality: kind as i32,
                    })
                });
                if let metric::Data::Histogram(hist) = data {
                    let previous = if delta { previous } else { None };
                    hist.data_points
                        .push(histogram_point(attributes, start, now, h, previous));
                }
            }
        }
    }
    metrics.retain(|m| m.data.is_some());
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: resource.to_vec(),
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "trailflow".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                metrics,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// Number of data points in a request.
pub fn data_points(request: &ExportMetricsServiceRequest) -> usize {
    request
        .resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .map(|m| match &m.data {
            Some(metric::Data::Sum(s)) => s.data_points.len(),
            Some(metric::Data::Gauge(g)) => g.data_points.len(),
            Some(metric::Data::Histogram(h)) => h.data_points.len(),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Catalog, MetricPoint, PointValue};

    fn set() -> SeriesSet {
        let q = |name: &str, instrument: &str| {
            MetricQuery::parse(
                "t.sql",
                &format!("-- metric: {name}\n-- instrument: {instrument}\n-- unit: s\n-- description: d\n-- table: cloudtrail\n-- value: v\n-- labels: role\nSELECT 1"),
            )
            .unwrap()
        };
        let catalog = Catalog::new(vec![
            q("trailflow.a", "counter"),
            q("trailflow.b", "histogram"),
        ])
        .unwrap();
        SeriesSet::new(&catalog, 10)
    }

    fn record(set: &mut SeriesSet, metric: usize, role: &str, v: f64) {
        set.record(MetricPoint {
            metric,
            labels: vec![role.into()],
            value: PointValue::Number(v),
        });
    }

    fn sum_points(r: &ExportMetricsServiceRequest) -> Vec<(String, f64, i32)> {
        let mut out = Vec::new();
        for m in &r.resource_metrics[0].scope_metrics[0].metrics {
            if let Some(metric::Data::Sum(s)) = &m.data {
                for p in &s.data_points {
                    let role = match &p.attributes[0].value.as_ref().unwrap().value {
                        Some(any_value::Value::StringValue(v)) => v.clone(),
                        _ => String::new(),
                    };
                    let Some(number_data_point::Value::AsDouble(v)) = p.value else {
                        panic!("double")
                    };
                    out.push((role, v, s.aggregation_temporality));
                }
            }
        }
        out
    }

    #[test]
    fn cumulative_sends_totals_and_delta_sends_changes() {
        let mut s = set();
        let times = Times {
            start_unix_nano: 1,
            now_unix_nano: 10,
        };
        record(&mut s, 0, "x", 2.0);
        record(&mut s, 0, "y", 1.0);
        record(&mut s, 1, "x", 0.3);
        let first = Baseline::of(&s, 10);
        record(&mut s, 0, "x", 3.0);
        let cumulative = request(&s, &[], times, Temporality::Cumulative, None);
        assert_eq!(
            sum_points(&cumulative),
            vec![("x".into(), 5.0, 2), ("y".into(), 1.0, 2)]
        );
        assert_eq!(data_points(&cumulative), 3);
        let delta = request(&s, &[], times, Temporality::Delta, Some(&first));
        assert_eq!(sum_points(&delta), vec![("x".into(), 3.0, 1)]);
        assert_eq!(data_points(&delta), 1, "unchanged series are left out");
    }

    #[test]
    fn histograms_carry_bounds_and_per_bucket_counts() {
        let mut s = set();
        record(&mut s, 1, "x", 0.05);
        record(&mut s, 1, "x", 7.0);
        let times = Times {
            start_unix_nano: 1,
            now_unix_nano: 2,
        };
        let r = request(
            &s,
            &[attribute("service.name", "t")],
            times,
            Temporality::Cumulative,
            None,
        );
        let m = &r.resource_metrics[0].scope_metrics[0].metrics[0];
        let Some(metric::Data::Histogram(h)) = &m.data else {
            panic!("histogram")
        };
        let p = &h.data_points[0];
        assert_eq!(p.count, 2);
        assert_eq!(p.bucket_counts.len(), p.explicit_bounds.len() + 1);
        assert_eq!(p.bucket_counts.iter().sum::<u64>(), 2);
        assert_eq!((p.min, p.max), (Some(0.05), Some(7.0)));
    }
}
