//! Where the shipped dashboards and alert rules use each metric: the PromQL
//! of every panel, variable and alert, with the metric names and label
//! matchers it mentions. The tests check these against the catalog, and
//! `docs/metrics.md` lists each metric's panels and alerts from them.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// One PromQL expression and where it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// File name, e.g. `iam-irsa.json` or `trailflow.rules.yml`.
    pub file: String,
    /// Human name: `panel "Title"`, `variable account` or `alert Name`.
    pub place: String,
    /// The PromQL text.
    pub expr: String,
}

/// A metric selector in an expression: the name and the label names it matches on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// The Prometheus series name, e.g. `trailflow_records_total`.
    pub name: String,
    /// Label names in its `{...}` matchers.
    pub labels: Vec<String>,
}

/// The trailflow selectors of a PromQL expression (`label_values(m, l)` counts `l` as a matcher).
pub fn selectors(expr: &str) -> Vec<Selector> {
    let bytes = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(pos) = expr[i..].find("trailflow_") {
        let start = i + pos;
        let boundary = start == 0 || {
            let c = bytes[start - 1];
            !(c.is_ascii_alphanumeric() || c == b'_' || c == b'"' || c == b'.')
        };
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        i = end;
        if !boundary {
            continue;
        }
        let name = expr[start..end].to_string();
        let mut labels = Vec::new();
        let rest = &expr[end..];
        if let Some(body) = rest.strip_prefix('{') {
            let mut depth_quote = false;
            let mut current = String::new();
            let mut matchers = Vec::new();
            for c in body.chars() {
                match c {
                    '"' => depth_quote = !depth_quote,
                    '}' if !depth_quote => break,
                    ',' if !depth_quote => matchers.push(std::mem::take(&mut current)),
                    c if !depth_quote => current.push(c),
                    _ => {}
                }
            }
            matchers.push(current);
            labels = matchers
                .iter()
                .filter_map(|m| {
                    let m = m.trim();
                    let end = m.find(['=', '!'])?;
                    Some(m[..end].trim().to_string())
                })
                .filter(|l| !l.is_empty())
                .collect();
        } else if expr[..start].trim_end().ends_with("label_values(")
            && let Some(label) = rest
                .trim_start()
                .strip_prefix(',')
                .and_then(|r| r.split(')').next())
        {
            labels.push(label.trim().to_string());
        }
        out.push(Selector { name, labels });
    }
    out
}

fn panel_queries(file: &str, panels: &[Value], out: &mut Vec<Query>) {
    for panel in panels {
        let title = panel["title"].as_str().unwrap_or_default();
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                out.push(Query {
                    file: file.to_string(),
                    place: format!("panel \"{title}\""),
                    expr: expr.to_string(),
                });
            }
        }
        if let Some(inner) = panel["panels"].as_array() {
            panel_queries(file, inner, out);
        }
    }
}

/// The queries of a Grafana dashboard: every panel target and query variable.
pub fn dashboard_queries(file: &str, dashboard: &Value) -> Vec<Query> {
    let mut out = Vec::new();
    panel_queries(
        file,
        dashboard["panels"].as_array().map_or(&[], Vec::as_slice),
        &mut out,
    );
    for var in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let query = var["query"]["query"].as_str().or(var["query"].as_str());
        if var["type"] == "query"
            && let Some(q) = query
        {
            out.push(Query {
                file: file.to_string(),
                place: format!("variable {}", var["name"].as_str().unwrap_or_default()),
                expr: q.to_string(),
            });
        }
    }
    out
}

/// The alert expressions of a Prometheus rule file (`- alert: Name` then `expr:`, inline or a `|` block).
pub fn alert_queries(file: &str, rules: &str) -> Vec<Query> {
    let mut out = Vec::new();
    let mut alert: Option<String> = None;
    let lines: Vec<&str> = rules.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        if let Some(name) = t.strip_prefix("- alert:") {
            alert = Some(name.trim().to_string());
        } else if let (Some(rest), Some(name)) = (t.strip_prefix("expr:"), alert.as_ref()) {
            let rest = rest.trim();
            let expr = if rest == "|" || rest == ">" {
                let indent = line.len() - t.len();
                let mut body = Vec::new();
                while i + 1 < lines.len() {
                    let next = lines[i + 1];
                    let inner = next.len() - next.trim_start().len();
                    if !next.trim().is_empty() && inner <= indent {
                        break;
                    }
                    body.push(next.trim());
                    i += 1;
                }
                body.join("\n")
            } else {
                rest.to_string()
            };
            out.push(Query {
                file: file.to_string(),
                place: format!("alert {name}"),
                expr,
            });
        }
        i += 1;
    }
    out
}

/// Every query of the dashboards (`*.json`) in `dir` and the rule files (`*.yml`) in `dir/alerts`.
pub fn shipped_queries(dir: &Path) -> std::io::Result<Vec<Query>> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    let alerts = dir.join("alerts");
    if alerts.is_dir() {
        files.extend(
            std::fs::read_dir(&alerts)?
                .filter_map(Result::ok)
                .map(|e| e.path()),
        );
    }
    files.sort();
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".json") {
            let value: Value =
                serde_json::from_str(&std::fs::read_to_string(&path)?).map_err(|e| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{name}: {e}"))
                })?;
            out.extend(dashboard_queries(&name, &value));
        } else if name.ends_with(".rules.yml") {
            out.extend(alert_queries(&name, &std::fs::read_to_string(&path)?));
        }
    }
    Ok(out)
}

/// Places (`file: place`) using each Prometheus series name, deduplicated.
pub fn uses_by_series(queries: &[Query]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for q in queries {
        for s in selectors(&q.expr) {
            let place = format!("{}: {}", q.file, q.place);
            let places = out.entry(s.name).or_default();
            if !places.contains(&place) {
                places.push(place);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_find_names_and_matcher_labels() {
        let s = selectors(
            r#"sum by (role_arn) (rate(trailflow_sts_assume_role_calls_total{outcome="failure", role_arn=~"$role",x!~"a,}b"}[5m])) / trailflow_records_total"#,
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "trailflow_sts_assume_role_calls_total");
        assert_eq!(s[0].labels, vec!["outcome", "role_arn", "x"]);
        assert_eq!(s[1].labels, Vec::<String>::new());
        let v = selectors("label_values(trailflow_irsa_assumptions_total, cluster)");
        assert_eq!(v[0].labels, vec!["cluster"]);
        assert!(selectors(r#"x{metric="trailflow_flow_rejected"}"#).is_empty());
    }

    #[test]
    fn block_and_inline_alert_expressions_are_read() {
        let rules = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: trailflow_a > 0\n        for: 5m\n      - alert: B\n        expr: |\n          trailflow_b\n            > 1\n        labels:\n          severity: x\n";
        let q = alert_queries("r.rules.yml", rules);
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].expr, "trailflow_a > 0");
        assert_eq!(q[1].place, "alert B");
        assert_eq!(q[1].expr, "trailflow_b\n> 1");
    }
}
