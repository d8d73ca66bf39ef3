//! Prometheus names and the text exposition format. The names are the ones
//! the OpenTelemetry Collector's Prometheus exporter (and Prometheus's own
//! OTLP receiver) derive from an OTLP metric, so a dashboard works the same
//! whether it reads trailflow's `/metrics` or an OTLP pipeline:
//! `trailflow.sts.assume_role.calls` (counter, unit `{call}`) becomes
//! `trailflow_sts_assume_role_calls_total`, `trailflow.record.age`
//! (histogram, unit `s`) becomes `trailflow_record_age_seconds_bucket`, ...

use std::fmt::Write as _;
use std::io::{self, Write};

use super::catalog::{Instrument, MetricQuery};
use super::series::{Aggregate, SeriesSet};
use super::{HISTOGRAM_BOUNDS, Histogram};

/// The unit's Prometheus suffix (UCUM annotations such as `{call}` have none).
fn unit_suffix(unit: &str) -> String {
    let word = |u: &str| -> String {
        match u {
            "d" => "days",
            "h" => "hours",
            "min" => "minutes",
            "s" => "seconds",
            "ms" => "milliseconds",
            "us" => "microseconds",
            "ns" => "nanoseconds",
            "By" => "bytes",
            "KiBy" => "kibibytes",
            "MiBy" => "mebibytes",
            "GiBy" => "gibibytes",
            "KBy" => "kilobytes",
            "MBy" => "megabytes",
            "GBy" => "gigabytes",
            "%" => "percent",
            "1" => "",
            other => other,
        }
        .to_string()
    };
    let unit = unit.trim();
    if unit.starts_with('{') {
        return String::new();
    }
    match unit.split_once('/') {
        Some((main, per)) => {
            let (main, per) = (word(main), word(per));
            match (main.is_empty(), per.is_empty()) {
                (_, true) => main,
                (true, false) => format!("per_{per}"),
                (false, false) => format!("{main}_per_{per}"),
            }
        }
        None => word(unit),
    }
}

/// The Prometheus name of a metric (without `_bucket`/`_sum`/`_count` for histograms).
pub fn metric_name(metric: &MetricQuery) -> String {
    let mut tokens: Vec<String> = metric
        .name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let suffix = unit_suffix(&metric.unit);
    for part in suffix.split('_').filter(|p| !p.is_empty()) {
        if !tokens.iter().any(|t| t == part) {
            tokens.push(part.to_string());
        }
    }
    match metric.instrument {
        Instrument::Counter => {
            tokens.retain(|t| t != "total");
            tokens.push("total".into());
        }
        Instrument::Gauge if metric.unit == "1" => tokens.push("ratio".into()),
        _ => {}
    }
    let name = tokens.join("_");
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

/// Every name a metric appears under in a scrape (histograms: `_bucket`, `_sum`, `_count`).
pub fn series_names(metric: &MetricQuery) -> Vec<String> {
    let base = metric_name(metric);
    match metric.instrument {
        Instrument::Histogram => ["_bucket", "_sum", "_count"]
            .iter()
            .map(|s| format!("{base}{s}"))
            .collect(),
        _ => vec![base],
    }
}

/// A label name as Prometheus allows it (`otel.metric.overflow` becomes `otel_metric_overflow`).
pub fn label_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if clean.starts_with(|c: char| c.is_ascii_digit()) {
        format!("key_{clean}")
    } else {
        clean
    }
}

fn escape_label_value(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn labels_text(labels: &[(&str, &str)], extra: Option<(&str, &str)>) -> String {
    let mut out = String::new();
    for (i, (k, v)) in labels.iter().copied().chain(extra).enumerate() {
        out.push(if i == 0 { '{' } else { ',' });
        out.push_str(&label_name(k));
        out.push_str("=\"");
        escape_label_value(v, &mut out);
        out.push('"');
    }
    if !out.is_empty() {
        out.push('}');
    }
    out
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

fn histogram_lines(name: &str, labels: &[(&str, &str)], h: &Histogram, out: &mut String) {
    let mut cumulative = 0;
    for (bound, count) in HISTOGRAM_BOUNDS.iter().zip(&h.buckets) {
        cumulative += count;
        let le = number(*bound);
        let _ = writeln!(
            out,
            "{name}_bucket{} {cumulative}",
            labels_text(labels, Some(("le", &le)))
        );
    }
    let _ = writeln!(
        out,
        "{name}_bucket{} {}",
        labels_text(labels, Some(("le", "+Inf"))),
        h.count
    );
    let _ = writeln!(
        out,
        "{name}_sum{} {}",
        labels_text(labels, None),
        number(h.sum)
    );
    let _ = writeln!(out, "{name}_count{} {}", labels_text(labels, None), h.count);
}

/// Renders every series in the text exposition format (version 0.0.4).
pub fn render(series: &SeriesSet) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for s in series.series() {
        let name = metric_name(s.metric);
        if current != Some(s.metric.name.as_str()) {
            current = Some(s.metric.name.as_str());
            let help = s
                .metric
                .description
                .replace('\\', "\\\\")
                .replace('\n', " ");
            let kind = match s.metric.instrument {
                Instrument::Counter => "counter",
                Instrument::Gauge => "gauge",
                Instrument::Histogram => "histogram",
            };
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
        }
        match s.value {
            Aggregate::Counter(v) => {
                let _ = writeln!(out, "{name}{} {}", labels_text(&s.labels, None), number(*v));
            }
            Aggregate::Gauge(v) if !v.is_nan() => {
                let _ = writeln!(out, "{name}{} {}", labels_text(&s.labels, None), number(*v));
            }
            Aggregate::Gauge(_) => {}
            Aggregate::Histogram(h) => histogram_lines(&name, &s.labels, h, &mut out),
        }
    }
    out
}

/// Writes [`render`]'s text.
pub fn write(series: &SeriesSet, out: &mut impl Write) -> io::Result<()> {
    out.write_all(render(series).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Catalog, MetricPoint, PointValue};

    fn metric(name: &str, instrument: &str, unit: &str) -> MetricQuery {
        MetricQuery::parse(
            "t.sql",
            &format!("-- metric: {name}\n-- instrument: {instrument}\n-- unit: {unit}\n-- description: d\n-- table: cloudtrail\n-- value: v\n-- labels: role\nSELECT 1"),
        )
        .unwrap()
    }

    #[test]
    fn names_follow_the_collector_translation() {
        let cases = [
            (
                "trailflow.sts.assume_role.calls",
                "counter",
                "{call}",
                "trailflow_sts_assume_role_calls_total",
            ),
            (
                "trailflow.record.age",
                "histogram",
                "s",
                "trailflow_record_age_seconds",
            ),
            (
                "trailflow.pipeline.bytes",
                "counter",
                "By",
                "trailflow_pipeline_bytes_total",
            ),
            (
                "trailflow.cloudtrail.last_event.time",
                "gauge",
                "s",
                "trailflow_cloudtrail_last_event_time_seconds",
            ),
            (
                "trailflow.sqs.dlq.messages",
                "gauge",
                "{message}",
                "trailflow_sqs_dlq_messages",
            ),
            (
                "trailflow.cpu.utilization",
                "gauge",
                "1",
                "trailflow_cpu_utilization_ratio",
            ),
            (
                "trailflow.requests.total",
                "counter",
                "{request}",
                "trailflow_requests_total",
            ),
            (
                "trailflow.throughput",
                "gauge",
                "By/s",
                "trailflow_throughput_bytes_per_seconds",
            ),
        ];
        for (name, instrument, unit, want) in cases {
            assert_eq!(metric_name(&metric(name, instrument, unit)), want, "{name}");
        }
        assert_eq!(label_name("otel.metric.overflow"), "otel_metric_overflow");
        assert_eq!(label_name("1st"), "key_1st");
    }

    #[test]
    fn exposition_escapes_labels_and_accumulates_buckets() {
        let catalog = Catalog::new(vec![
            metric("trailflow.a", "counter", "{call}"),
            metric("trailflow.b", "histogram", "s"),
        ])
        .unwrap();
        let mut set = SeriesSet::new(&catalog, 10);
        let a = set
            .metrics()
            .iter()
            .position(|m| m.name == "trailflow.a")
            .unwrap();
        let b = set
            .metrics()
            .iter()
            .position(|m| m.name == "trailflow.b")
            .unwrap();
        set.record(MetricPoint {
            metric: a,
            labels: vec!["ro\"le\\x\ny".into()],
            value: PointValue::Number(3.0),
        });
        for v in [0.05, 0.3, 1e6] {
            set.record(MetricPoint {
                metric: b,
                labels: vec!["r".into()],
                value: PointValue::Number(v),
            });
        }
        let text = render(&set);
        assert!(
            text.contains("# TYPE trailflow_a_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("trailflow_a_total{role=\"ro\\\"le\\\\x\\ny\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("trailflow_b_seconds_bucket{role=\"r\",le=\"0.1\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("trailflow_b_seconds_bucket{role=\"r\",le=\"0.5\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("trailflow_b_seconds_bucket{role=\"r\",le=\"86400\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("trailflow_b_seconds_bucket{role=\"r\",le=\"+Inf\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("trailflow_b_seconds_count{role=\"r\"} 3\n"),
            "{text}"
        );
    }
}
