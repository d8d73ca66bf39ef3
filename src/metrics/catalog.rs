//! Metric definitions read from the header of each saved query in
//! `queries/metrics/`: name, instrument, unit, description, the table read,
//! the value column and the label columns.
//!
//! ```sql
//! -- metric: trailflow.sts.assume_role.calls
//! -- instrument: counter
//! -- unit: {call}
//! -- description: STS role assumptions by role and outcome.
//! -- table: cloudtrail
//! -- value: calls
//! -- labels: role_arn, api, outcome, error_code, account
//! -- serves: C1 · "STS AssumeRole success vs failure rate tagged by IAM role ARN"
//! SELECT ...
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::schema::LogKind;

/// How a metric's values are aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Instrument {
    /// Values are added up (each window's result is a delta).
    Counter,
    /// Each value is recorded into buckets.
    Histogram,
    /// The latest value wins.
    Gauge,
}

impl Instrument {
    /// The name used in headers and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Counter => "counter",
            Instrument::Histogram => "histogram",
            Instrument::Gauge => "gauge",
        }
    }
}

/// Why a saved query's header is unusable.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A required header line is missing or a value is invalid.
    #[error("{file}: {message}")]
    Header {
        /// The query file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Two files define the same metric differently.
    #[error(
        "{file}: metric `{metric}` is also defined by {other} with a different instrument, unit or labels"
    )]
    Conflict {
        /// The later file.
        file: String,
        /// The earlier file.
        other: String,
        /// The metric name.
        metric: String,
    },
}

/// One saved metric query: its header and its SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    /// File name, e.g. `c01_sts_assume_role.sql`.
    pub file: String,
    /// OpenTelemetry metric name, e.g. `trailflow.sts.assume_role.calls`.
    pub name: String,
    /// Counter, histogram or gauge.
    pub instrument: Instrument,
    /// UCUM unit (`s`, `By`, or an annotation such as `{call}`).
    pub unit: String,
    /// What the metric means.
    pub description: String,
    /// The table the query reads; `None` for metrics the daemon records itself (`table: daemon`, no SQL).
    pub table: Option<LogKind>,
    /// The result column holding the value.
    pub value: String,
    /// The result columns that are labels, in order.
    pub labels: Vec<String>,
    /// The labels whose values may be folded into `other` past the series limit, in the order
    /// they are folded (`-- fold: key_arn, caller_account`); never one of [`NEVER_FOLDED`].
    pub fold: Vec<String>,
    /// For gauges: keep the largest value seen (`-- aggregate: max`, for timestamps) instead of the latest.
    pub keep_max: bool,
    /// The runbook line(s) the metric serves.
    pub serves: String,
    /// The event variants the query reads (`-- variants:`), for `docs/metrics.md`.
    pub variants: String,
    /// What the query deliberately leaves out (`-- leaves out:`), for `docs/metrics.md`.
    pub leaves_out: String,
    /// The SQL text (header included).
    pub sql: String,
}

/// Labels that must never be metric labels: unbounded and sometimes personal.
pub const FORBIDDEN_LABELS: &[&str] = &[
    "source_ip",
    "srcaddr",
    "dstaddr",
    "pkt_srcaddr",
    "pkt_dstaddr",
    "role_session_name",
    "request_id",
    "event_id",
    "user_agent",
    "identity_principal_id",
    "web_identity_subject",
];

/// Labels that carry the signal itself (what happened, why, which way): a query may not declare
/// them foldable, so that no outcome, reason or cause disappears into `other`.
pub const NEVER_FOLDED: &[&str] = &[
    "outcome",
    "error_code",
    "cause",
    "reason",
    "direction",
    "status",
    "copy",
    "mechanism",
    "mfa",
    "state",
    "kind",
    "managed",
    "controller",
];

/// Splits a comma-separated header value into trimmed, non-empty names.
fn names(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

impl MetricQuery {
    /// Parses a saved query file.
    pub fn parse(file: &str, sql: &str) -> Result<MetricQuery, CatalogError> {
        let err = |message: String| CatalogError::Header {
            file: file.to_string(),
            message,
        };
        let mut fields = BTreeMap::new();
        for line in sql
            .lines()
            .map(str::trim)
            .take_while(|l| l.starts_with("--") || l.is_empty())
        {
            if let Some((key, value)) = line.trim_start_matches('-').split_once(':') {
                fields.insert(key.trim().to_string(), value.trim().to_string());
            }
        }
        let get = |key: &str| {
            fields
                .get(key)
                .cloned()
                .ok_or_else(|| err(format!("missing header line `-- {key}: ...`")))
        };
        let instrument = match get("instrument")?.as_str() {
            "counter" => Instrument::Counter,
            "histogram" => Instrument::Histogram,
            "gauge" => Instrument::Gauge,
            other => {
                return Err(err(format!(
                    "instrument `{other}` is not counter, histogram or gauge"
                )));
            }
        };
        let table = match get("table")?.as_str() {
            "daemon" => None,
            t => Some(t.parse::<LogKind>().map_err(err)?),
        };
        let labels = names(&get("labels").unwrap_or_default());
        if let Some(bad) = labels
            .iter()
            .find(|l| FORBIDDEN_LABELS.contains(&l.as_str()))
        {
            return Err(err(format!("`{bad}` is unbounded and may not be a label")));
        }
        let fold = names(fields.get("fold").map_or("", String::as_str));
        for f in &fold {
            if !labels.contains(f) {
                return Err(err(format!("fold label `{f}` is not one of the labels")));
            }
            if NEVER_FOLDED.contains(&f.as_str()) {
                return Err(err(format!(
                    "`{f}` carries the signal and may not be folded"
                )));
            }
        }
        let keep_max = match fields.get("aggregate").map(String::as_str) {
            None | Some("last") => false,
            Some("max") if instrument == Instrument::Gauge => true,
            Some(other) => {
                return Err(err(format!(
                    "aggregate `{other}` is not `last` or `max` (gauges only)"
                )));
            }
        };
        let name = get("metric")?;
        if !name.starts_with("trailflow.")
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
        {
            return Err(err(format!(
                "metric name `{name}` must start with `trailflow.` and use lowercase, digits, `.` and `_`"
            )));
        }
        Ok(MetricQuery {
            file: file.to_string(),
            name,
            instrument,
            unit: get("unit")?,
            description: get("description")?,
            table,
            value: get("value")?,
            labels,
            fold,
            keep_max,
            serves: fields.get("serves").cloned().unwrap_or_default(),
            variants: fields.get("variants").cloned().unwrap_or_default(),
            leaves_out: fields.get("leaves out").cloned().unwrap_or_default(),
            sql: sql.to_string(),
        })
    }

    /// The name Prometheus gives this metric after OTLP translation (units as suffixes, `_total` for counters).
    pub fn prometheus_name(&self) -> String {
        super::prometheus::metric_name(self)
    }
}

/// Every metric, each with the queries that feed it.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Queries in file order.
    pub queries: Vec<MetricQuery>,
}

impl Catalog {
    /// Builds a catalog, checking that files sharing a metric name agree on its shape.
    pub fn new(mut queries: Vec<MetricQuery>) -> Result<Catalog, CatalogError> {
        queries.sort_by(|a, b| a.file.cmp(&b.file));
        let mut seen: BTreeMap<&str, &MetricQuery> = BTreeMap::new();
        for q in &queries {
            if let Some(first) = seen.get(q.name.as_str()) {
                if first.instrument != q.instrument
                    || first.unit != q.unit
                    || first.labels != q.labels
                    || first.fold != q.fold
                {
                    return Err(CatalogError::Conflict {
                        file: q.file.clone(),
                        other: first.file.clone(),
                        metric: q.name.clone(),
                    });
                }
            } else {
                seen.insert(&q.name, q);
            }
        }
        Ok(Catalog { queries })
    }

    /// One query per metric name (the first file), in name order: the metric list.
    pub fn metrics(&self) -> Vec<&MetricQuery> {
        let mut by_name: BTreeMap<&str, &MetricQuery> = BTreeMap::new();
        for q in &self.queries {
            by_name.entry(&q.name).or_insert(q);
        }
        by_name.into_values().collect()
    }
}

const DOC_INTRO: &str = "# Metric catalog

Every metric trailflow computes, generated from the headers of the saved queries in
`queries/metrics/` (`TRAILFLOW_UPDATE_DOCS=1 cargo test --test docs` regenerates it; a test fails
when it is stale). Each query runs once per window over the tables of [schema.md](schema.md);
counters add up what each window counted, histograms record a value per row, gauges keep the
latest value (or the largest, for timestamps). The Prometheus name is what the OTLP-to-Prometheus translation (or trailflow's
own `/metrics`) exposes. Each metric below says which event variants it reads and what it
deliberately leaves out.

## Counting cross-account calls once

AWS logs a cross-account call twice: in the caller's account and in the account that owns the
role, key or repository, with the same `sharedEventID`. The owner's copy names the caller only
as an account (`userIdentity.type` `AWSAccount`). An organization trail delivers both copies;
a single account's trail only its own. The rule:

- every CloudTrail row has an `event_copy`: `same` (no `sharedEventID`: there is one copy),
  `caller` or `owner`;
- `lookups.logged_accounts` (default `*`: an organization trail) lists the accounts whose
  CloudTrail reaches trailflow. The owner's copy of a call whose caller is listed is a
  duplicate of the caller's copy, which arrives too;
- metrics with a `copy` label (`trailflow.sts.assume_role.calls`, `trailflow.kms.decrypt.calls`,
  `trailflow.access_denied`) keep every copy, labelled `same`, `caller`, `owner` (the only copy
  trailflow receives: the caller is outside the logged accounts, a vendor say) or `duplicate`.
  **Count `copy!=\"duplicate\"`**: each call once, whether both copies arrive or one. The
  shipped dashboards and alerts do;
- metrics without the label that would otherwise count a call twice (STS endpoints, ECR
  requests, break-glass assumptions) leave duplicates out in their query.

With the default `*`, a call from outside the organization, of which only the owner's copy
arrives, is labelled `duplicate` and not counted: list your accounts in `logged_accounts` when
such callers matter.

## Outcomes, throttling, denial

Every metric with an `outcome` label uses one definition, the function `outcome(error_code)`:
`success` (no error code); `throttled` for `ThrottlingException`, `Throttling`,
`RequestLimitExceeded`, `Client.RequestLimitExceeded` (EC2 as CloudTrail records it),
`TooManyRequestsException`, `SlowDown` and `RequestThrottled`; `access_denied` for
`AccessDenied`, `*AccessDeniedException` and `*UnauthorizedOperation`; `error` otherwise. Route 53's
`PriorRequestNotComplete` is `backlog` in `trailflow.route53.changes`. A console sign-in or
`SwitchRole` whose `responseElements` says `Failure` is an `error` even without an error code.

## Cardinality

Label values are bounded: IP addresses, session names and request ids are never labels, and
ports are classes (`lookups.service_ports`). Each metric keeps at most `engine.series_limit`
label sets with their own values (default 2,000). Past that, the values of its foldable labels
(high-cardinality ones such as ARNs and interfaces, listed per metric below, folded in that
order) become `other`, while outcome, reason, cause, direction and the other labels keep their
values: totals per kept label set stay exact, and `trailflow.series.overflow` counts what was
folded, by metric and label. Folded series have a reserve of half the limit, and series whose
every foldable label is folded a further half; only a metric whose kept labels alone exceed
twice the limit falls back to one series labelled `otel_metric_overflow=\"true\"`.
";

impl Catalog {
    /// The Markdown of `docs/metrics.md`; `uses` maps Prometheus series names to the dashboard
    /// panels and alerts that read them (see [`super::usage`]).
    pub fn markdown(&self, uses: &BTreeMap<String, Vec<String>>) -> String {
        let mut out = String::from(DOC_INTRO);
        out.push_str("\n| Prometheus name | type | unit | labels | serves |\n| --- | --- | --- | --- | --- |\n");
        for m in self.metrics() {
            out.push_str(&format!(
                "| [`{}`](#{}) | {} | `{}` | {} | {} |\n",
                m.prometheus_name(),
                m.name.replace('.', ""),
                m.instrument,
                m.unit,
                m.labels
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                m.serves.split('·').next().unwrap_or_default().trim()
            ));
        }
        for m in self.metrics() {
            let files: Vec<String> = self
                .queries
                .iter()
                .filter(|q| q.name == m.name)
                .map(|q| format!("`queries/metrics/{}`", q.file))
                .collect();
            out.push_str(&format!(
                "\n## {}\n\n{}\n\n- Prometheus: `{}` ({}, unit `{}`)\n- Labels: {}\n- Folded past the series limit: {}\n- Reads: `{}`, from {}\n- Serves: {}\n- Dashboards and alerts: {}\n",
                m.name,
                m.description,
                m.prometheus_name(),
                m.instrument,
                m.unit,
                if m.labels.is_empty() { "none".to_string() } else { m.labels.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ") },
                if m.fold.is_empty() { "nothing".to_string() } else { m.fold.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", then ") },
                m.table.map_or("(daemon)", |t| t.table_name()),
                files.join(", "),
                m.serves,
                used_by(&super::prometheus::series_names(m), uses)
            ));
            let docs: [(&str, DocField); 2] = [
                ("Reads these variants", |q| &q.variants),
                ("Leaves out", |q| &q.leaves_out),
            ];
            for (title, field) in docs {
                let texts: Vec<&str> = self
                    .queries
                    .iter()
                    .filter(|q| q.name == m.name)
                    .map(field)
                    .filter(|t| !t.is_empty())
                    .collect();
                if !texts.is_empty() {
                    out.push_str(&format!("- {title}: {}\n", texts.join(" ")));
                }
            }
        }
        out
    }
}

/// A documentation field of a query header, for `docs/metrics.md`.
type DocField = fn(&MetricQuery) -> &str;

/// The dashboard panels and alerts reading any of `names`, as Markdown links (variables left out).
fn used_by(names: &[String], uses: &BTreeMap<String, Vec<String>>) -> String {
    let mut alerts: Vec<String> = Vec::new();
    let mut panels: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for place in names.iter().filter_map(|n| uses.get(n)).flatten() {
        let (file, what) = place.split_once(": ").unwrap_or((place, ""));
        if let Some(alert) = what.strip_prefix("alert ") {
            let link = format!("[{alert}](alerts.md#{})", alert.to_lowercase());
            if !alerts.contains(&link) {
                alerts.push(link);
            }
        } else if let Some(panel) = what.strip_prefix("panel ") {
            let list = panels.entry(file).or_default();
            if !list.contains(&panel) {
                list.push(panel);
            }
        }
    }
    let mut parts: Vec<String> = panels
        .iter()
        .map(|(file, list)| format!("[{file}](../dashboards/{file}) {}", list.join(", ")))
        .collect();
    if !alerts.is_empty() {
        parts.push(format!("alerts {}", alerts.join(", ")));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join("; ")
    }
}

impl fmt::Display for Instrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "-- metric: trailflow.x.calls\n-- instrument: counter\n-- unit: {call}\n-- description: d\n-- table: cloudtrail\n-- value: calls\n-- labels: a, b\nSELECT 1";

    #[test]
    fn headers_parse() {
        let q = MetricQuery::parse("x.sql", GOOD).unwrap();
        assert_eq!(q.labels, vec!["a", "b"]);
        assert_eq!(q.table, Some(LogKind::CloudTrail));
        assert_eq!(q.prometheus_name(), "trailflow_x_calls_total");
    }

    #[test]
    fn bad_headers_name_the_file() {
        let e = MetricQuery::parse("bad.sql", &GOOD.replace("counter", "meter")).unwrap_err();
        assert!(
            e.to_string().starts_with("bad.sql: instrument `meter`"),
            "{e}"
        );
        let e = MetricQuery::parse("bad.sql", &GOOD.replace("a, b", "a, source_ip")).unwrap_err();
        assert!(e.to_string().contains("source_ip"), "{e}");
        let e =
            MetricQuery::parse("bad.sql", &GOOD.replace("-- table: cloudtrail\n", "")).unwrap_err();
        assert!(e.to_string().contains("table"), "{e}");
    }

    #[test]
    fn fold_labels_must_be_labels_and_never_the_signal() {
        let q = MetricQuery::parse(
            "x.sql",
            &GOOD.replace("-- labels: a, b", "-- labels: a, b\n-- fold: b, a"),
        )
        .unwrap();
        assert_eq!(q.fold, vec!["b", "a"]);
        let e = MetricQuery::parse(
            "x.sql",
            &GOOD.replace("-- labels: a, b", "-- labels: a, b\n-- fold: c"),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("`c` is not one of the labels"),
            "{e}"
        );
        let e = MetricQuery::parse(
            "x.sql",
            &GOOD.replace("-- labels: a, b", "-- labels: a, outcome\n-- fold: outcome"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("may not be folded"), "{e}");
    }

    #[test]
    fn same_metric_in_two_files_must_agree() {
        let a = MetricQuery::parse("a.sql", GOOD).unwrap();
        let b = MetricQuery::parse("b.sql", &GOOD.replace("a, b", "a")).unwrap();
        assert!(Catalog::new(vec![a.clone(), a.clone()]).is_ok());
        assert!(matches!(
            Catalog::new(vec![a, b]),
            Err(CatalogError::Conflict { .. })
        ));
    }
}
