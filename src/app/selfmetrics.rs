//! The daemon's own metrics (`trailflow.pipeline.*`, `trailflow.sqs.*`, ...),
//! recorded by any task as points of the catalog's `table: daemon` metrics and
//! handed to the coordinator, which exports them with the next window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::metrics::{MetricPoint, MetricQuery, PointValue};

/// Counters exported as zero from the start, with their label values.
const ZEROS: &[(&str, &[&str])] = &[
    (
        "trailflow.pipeline.objects",
        &[
            "counted",
            "duplicate",
            "busy",
            "not_found",
            "access_denied",
            "fetch_error",
            "undecodable",
            "dropped",
            "ledger_error",
            "archive_failed",
            "decoder_panic",
        ],
    ),
    ("trailflow.export.attempts", &["ok", "failed"]),
    ("trailflow.sqs.visibility_extensions", &["ok", "failed"]),
    ("trailflow.sqs.redeliveries", &[""]),
    ("trailflow.ledger.conflicts", &[""]),
];

/// Collects daemon metric points until the next export takes them.
#[derive(Debug, Clone)]
pub struct SelfMetrics {
    index: Arc<HashMap<String, usize>>,
    points: Arc<Mutex<Vec<MetricPoint>>>,
}

impl SelfMetrics {
    /// Points for `metrics` (indexed as in the series set).
    pub fn new(metrics: &[MetricQuery]) -> Self {
        let index = metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), i))
            .collect();
        let this = Self {
            index: Arc::new(index),
            points: Arc::new(Mutex::new(Vec::new())),
        };
        // Series with a known, small set of labels start at zero, so that `rate()` and
        // `increase()` work from the first scrape and a missing series means a missing exporter.
        for (metric, labels) in ZEROS {
            for l in *labels {
                let labels: Vec<&str> = if l.is_empty() { vec![] } else { vec![*l] };
                this.add(metric, &labels, 0.0);
            }
        }
        // Folds per query metric and label: zero says "within its limit".
        for m in metrics.iter().filter(|m| m.table.is_some()) {
            for label in crate::metrics::SeriesSet::fold_names(m) {
                this.add("trailflow.series.overflow", &[&m.name, &label], 0.0);
            }
        }
        for kind in crate::schema::LogKind::ALL {
            this.add(
                "trailflow.pipeline.record_errors",
                &[kind.table_name()],
                0.0,
            );
        }
        this
    }

    /// Adds `value` to a counter (or records it into a histogram) with `labels` in header order.
    pub fn add(&self, metric: &str, labels: &[&str], value: f64) {
        let Some(&metric) = self.index.get(metric) else {
            tracing::debug!(metric, "unknown daemon metric");
            return;
        };
        let point = MetricPoint {
            metric,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            value: PointValue::Number(value),
        };
        if let Ok(mut points) = self.points.lock() {
            points.push(point);
        }
    }

    /// Counts one.
    pub fn inc(&self, metric: &str, labels: &[&str]) {
        self.add(metric, labels, 1.0);
    }

    /// True when nothing was recorded since the last [`SelfMetrics::take`].
    pub fn is_empty(&self) -> bool {
        self.points.lock().map(|p| p.is_empty()).unwrap_or(true)
    }

    /// Everything recorded since the last call.
    pub fn take(&self) -> Vec<MetricPoint> {
        self.points
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default()
    }
}
