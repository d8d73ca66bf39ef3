//! Human and machine renderings of a series set: what `trailflow replay` prints.

use std::io::{self, Write};

use super::HISTOGRAM_BOUNDS;
use super::series::{Aggregate, Series};

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

/// One JSON object per series: `{"metric", "prometheus", "type", "unit", "labels", "value"}`;
/// histograms carry `count`, `sum`, `min`, `max` and cumulative `buckets` (`le` to count).
pub fn write_ndjson(series: &[Series<'_>], out: &mut impl Write) -> io::Result<()> {
    for s in series {
        let labels: Vec<String> = s
            .labels
            .iter()
            .map(|(k, v)| format!("{}:{}", json_escape(k), json_escape(v)))
            .collect();
        write!(
            out,
            "{{\"metric\":{},\"prometheus\":{},\"type\":\"{}\",\"unit\":{},\"labels\":{{{}}},",
            json_escape(&s.metric.name),
            json_escape(&s.metric.prometheus_name()),
            s.metric.instrument,
            json_escape(&s.metric.unit),
            labels.join(",")
        )?;
        match s.value {
            Aggregate::Counter(v) | Aggregate::Gauge(v) => {
                writeln!(out, "\"value\":{}}}", number(*v))?
            }
            Aggregate::Histogram(h) => {
                let mut cumulative = 0;
                let buckets: Vec<String> = h
                    .buckets
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        cumulative += n;
                        let le = HISTOGRAM_BOUNDS
                            .get(i)
                            .map_or("\"+Inf\"".to_string(), |b| number(*b));
                        format!("{{\"le\":{le},\"count\":{cumulative}}}")
                    })
                    .collect();
                writeln!(
                    out,
                    "\"count\":{},\"sum\":{},\"min\":{},\"max\":{},\"buckets\":[{}]}}",
                    h.count,
                    number(h.sum),
                    number(h.min),
                    number(h.max),
                    buckets.join(",")
                )?
            }
        }
    }
    Ok(())
}

/// An aligned table: metric, labels, value (histograms as count/sum/max).
pub fn write_table(series: &[Series<'_>], out: &mut impl Write) -> io::Result<()> {
    let rows: Vec<(String, String, String)> = series
        .iter()
        .map(|s| {
            let labels = s
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            let value = match s.value {
                Aggregate::Counter(v) | Aggregate::Gauge(v) => number(*v),
                Aggregate::Histogram(h) => format!(
                    "count={} sum={} max={}",
                    h.count,
                    number(h.sum),
                    number(h.max)
                ),
            };
            (s.metric.prometheus_name(), labels, value)
        })
        .collect();
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(6).max(6);
    let w2 = rows.iter().map(|r| r.2.len()).max().unwrap_or(5).max(5);
    writeln!(out, "{:<w0$}  {:>w2$}  labels", "metric", "value")?;
    for (m, l, v) in rows {
        writeln!(out, "{m:<w0$}  {v:>w2$}  {l}")?;
    }
    Ok(())
}
