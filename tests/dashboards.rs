//! The shipped dashboards and alert rules fit the metrics trailflow exports:
//! every metric they name is in the catalog (under its Prometheus name), every
//! label they match on is one of that metric's labels, the dashboards are
//! provisioning-ready and up to date with their generator, every alert has a
//! runbook section, and promtool accepts and unit-tests the rules.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/skip.rs"]
mod skip;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use trailflow::metrics::prometheus::{label_name, series_names};
use trailflow::metrics::usage::{Query, alert_queries, selectors, shipped_queries};

fn root() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
}

/// Prometheus series name -> label names it can carry.
fn catalog_series() -> BTreeMap<String, BTreeSet<String>> {
    let catalog = trailflow::engine::load_catalog(None).unwrap();
    let mut out = BTreeMap::new();
    for m in catalog.metrics() {
        for name in series_names(m) {
            let mut labels: BTreeSet<String> = m.labels.iter().map(|l| label_name(l)).collect();
            labels.insert("otel_metric_overflow".into());
            // Added by the scrape or the collector, not by trailflow.
            for l in ["job", "instance", "service_name", "service_instance_id"] {
                labels.insert(l.into());
            }
            if name.ends_with("_bucket") {
                labels.insert("le".into());
            }
            out.insert(name, labels);
        }
    }
    out
}

fn check_queries(queries: &[Query]) -> Vec<String> {
    let catalog = catalog_series();
    let mut problems = Vec::new();
    for q in queries {
        let found = selectors(&q.expr);
        if found.is_empty() {
            problems.push(format!(
                "{} {}: no trailflow metric in `{}`",
                q.file, q.place, q.expr
            ));
        }
        for s in found {
            match catalog.get(&s.name) {
                None => problems.push(format!(
                    "{} {}: `{}` is not a metric trailflow exports",
                    q.file, q.place, s.name
                )),
                Some(labels) => {
                    for l in s.labels.iter().filter(|l| !labels.contains(*l)) {
                        problems.push(format!(
                            "{} {}: `{}` has no label `{l}`",
                            q.file, q.place, s.name
                        ));
                    }
                }
            }
        }
    }
    problems
}

#[test]
fn every_dashboard_and_alert_query_uses_catalog_metrics_and_labels() {
    let queries = shipped_queries(&root().join("dashboards")).unwrap();
    let files: BTreeSet<&str> = queries.iter().map(|q| q.file.as_str()).collect();
    for f in [
        "iam-irsa.json",
        "kms-cross-account.json",
        "network.json",
        "cluster-controllers.json",
        "audit-integrity.json",
        "pipeline-health.json",
        "trailflow.rules.yml",
    ] {
        assert!(files.contains(f), "{f} has no query");
    }
    let problems = check_queries(&queries);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_catches_unknown_metrics_and_labels() {
    let bad = [
        Query {
            file: "x.json".into(),
            place: "panel".into(),
            expr: "rate(trailflow_sts_assume_role_calls{outcome=\"failure\"}[5m])".into(),
        },
        Query {
            file: "x.json".into(),
            place: "panel".into(),
            expr: "trailflow_records_total{source_ip=\"1.2.3.4\"}".into(),
        },
        Query {
            file: "x.json".into(),
            place: "panel".into(),
            expr: "up".into(),
        },
    ];
    assert_eq!(check_queries(&bad).len(), 3, "{:?}", check_queries(&bad));
}

#[test]
fn dashboards_are_provisioning_ready_and_current() {
    let dir = root().join("dashboards");
    let mut uids = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let d: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(
            d["id"].is_null(),
            "{name}: provisioned dashboards carry no numeric id"
        );
        let uid = d["uid"].as_str().unwrap_or_default();
        assert!(!uid.is_empty() && uid.len() <= 40, "{name}: uid");
        assert!(uids.insert(uid.to_string()), "{name}: duplicate uid {uid}");
        let vars: BTreeMap<&str, &Value> = d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["name"].as_str().unwrap(), v))
            .collect();
        assert_eq!(vars["datasource"]["type"], "datasource", "{name}");
        assert_eq!(vars["datasource"]["query"], "prometheus", "{name}");
        for v in ["account", "region", "cluster", "role"] {
            assert!(vars.contains_key(v), "{name}: variable {v}");
        }
        let panels = d["panels"].as_array().unwrap();
        assert!(!panels.is_empty(), "{name}: no panels");
        for p in panels {
            let title = p["title"].as_str().unwrap_or_default();
            assert_eq!(p["datasource"]["uid"], "${datasource}", "{name} {title}");
            let targets = p["targets"].as_array().unwrap();
            assert!(!targets.is_empty(), "{name} {title}: no query");
            for t in targets {
                assert_eq!(t["datasource"]["uid"], "${datasource}", "{name} {title}");
                assert!(
                    t["expr"].as_str().is_some_and(|e| !e.is_empty()),
                    "{name} {title}"
                );
            }
        }
    }
    assert_eq!(uids.len(), 8, "eight dashboards");
    let out = Command::new("python3")
        .arg(dir.join("generate.py"))
        .arg("--check")
        .output()
        .expect("python3 runs the dashboard generator");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_alert_has_a_runbook_section() {
    let rules_path = root().join("dashboards/alerts/trailflow.rules.yml");
    let rules = std::fs::read_to_string(&rules_path).unwrap();
    let docs = std::fs::read_to_string(root().join("docs/alerts.md")).unwrap();
    let anchors: BTreeSet<String> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|h| h.trim().to_lowercase())
        .collect();
    let alerts = alert_queries("trailflow.rules.yml", &rules);
    assert!(alerts.len() >= 10, "{} alerts", alerts.len());
    for a in &alerts {
        let name = a.place.trim_start_matches("alert ");
        // Absolute, so that Alertmanager, Grafana and PagerDuty links open.
        assert!(
            rules.contains(&format!(
                "runbook_url: \"https://github.com/trailflow/trailflow/blob/main/docs/alerts.md#{}\"",
                name.to_lowercase()
            )),
            "{name}: runbook_url"
        );
        assert!(
            anchors.contains(&name.to_lowercase()),
            "{name}: no `## {name}` section in docs/alerts.md"
        );
    }
}

fn generate_rules(args: &[&str]) -> std::process::Output {
    Command::new("python3")
        .arg(root().join("dashboards/alerts/generate.py"))
        .args(args)
        .output()
        .expect("python3 runs the rule generator")
}

#[test]
fn rules_are_current_and_take_a_deployments_runbook_base() {
    let out = generate_rules(&["--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    let out = generate_rules(&[
        "--runbook-base",
        "https://wiki.example.com/ops/trailflow-alerts",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules = std::fs::read_to_string(&path).unwrap();
    let alerts = alert_queries("rules.yml", &rules);
    let links = rules
        .matches("runbook_url: \"https://wiki.example.com/ops/trailflow-alerts#")
        .count();
    assert_eq!(
        links,
        alerts.len(),
        "every rule links to the deployment's page"
    );
    let refused = generate_rules(&[
        "--runbook-base",
        "docs/alerts.md",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert!(
        !refused.status.success(),
        "a relative base opens nowhere in a page"
    );
}

/// Each `trailflow_*{...}` selector of `expr` with the text between its braces.
fn matchers_of(expr: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(pos) = rest.find("trailflow_") {
        let tail = &rest[pos..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = tail[..end].to_string();
        let after = &tail[end..];
        let inside = match after.strip_prefix('{') {
            Some(body) => body[..body.find('}').unwrap_or(body.len())].to_string(),
            None => String::new(),
        };
        // A metric name inside a quoted label value (label_replace, overflow labels) is no selector.
        let quoted = pos > 0 && rest.as_bytes()[pos - 1] == b'"';
        if !quoted {
            out.push((name, inside));
        }
        rest = &tail[end..];
    }
    out
}

#[test]
fn every_panel_applies_every_variable_its_metric_can_take() {
    let catalog = trailflow::engine::load_catalog(None).unwrap();
    let mut labels_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in catalog.metrics() {
        for name in series_names(m) {
            labels_of.insert(name, m.labels.iter().map(|l| label_name(l)).collect());
        }
    }
    let variables = [
        ("account", "account"),
        ("region", "region"),
        ("cluster", "cluster"),
        ("role_arn", "role"),
        ("principal_arn", "role"),
        ("caller_role", "role"),
        ("node_role_arn", "role"),
    ];
    let mut missing = Vec::new();
    let mut checked = 0;
    for q in shipped_queries(&root().join("dashboards")).unwrap() {
        if !q.file.ends_with(".json") || q.place.starts_with("variable") {
            continue;
        }
        for (metric, inside) in matchers_of(&q.expr) {
            let Some(labels) = labels_of.get(&metric) else {
                continue;
            };
            for (label, var) in variables {
                if labels.contains(label) {
                    checked += 1;
                    if !inside.contains(&format!("{label}=~\"${var}\"")) {
                        missing.push(format!(
                            "{} {}: {metric} without {label}=~\"${var}\"",
                            q.file, q.place
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 100, "{checked} label checks");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    // The role variable lists the roles of every label that names one.
    let iam: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("dashboards/iam-irsa.json")).unwrap(),
    )
    .unwrap();
    let role = iam["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "role")
        .unwrap();
    let query = role["query"]["query"].as_str().unwrap();
    for (label, var) in variables {
        if var == "role" {
            assert!(
                query.contains(&format!("\"{label}\"")),
                "$role lacks {label}: {query}"
            );
        }
    }
}

fn promtool(args: &[&str], dir: &Path) -> Option<(bool, String)> {
    match Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(out) => Some((
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )),
        Err(e) => {
            skip::skip(&format!(
                "promtool is not installed ({e}): apt-get install prometheus"
            ));
            None
        }
    }
}

#[test]
fn promtool_checks_and_unit_tests_the_rules() {
    let dir = root().join("dashboards/alerts");
    if let Some((ok, out)) = promtool(&["check", "rules", "trailflow.rules.yml"], &dir) {
        assert!(ok, "{out}");
    }
    if let Some((ok, out)) = promtool(&["test", "rules", "trailflow.rules.test.yml"], &dir) {
        assert!(ok, "{out}");
    }
}
