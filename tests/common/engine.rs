//! Helpers for the metric-query tests: evaluate records in one window, read points back.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{Value, json};
use trailflow::config::Config;
use trailflow::decode::{DecodeOptions, KindHint, decode_object};
use trailflow::engine::{Engine, WindowPolicy, Windower, load_catalog};
use trailflow::metrics::SeriesSet;
use trailflow::metrics::series::Aggregate;

pub const ACCT: &str = "111122223333";

pub fn config() -> Config {
    Config::load(
        &std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
            .join("deploy/example.toml"),
    )
    .unwrap()
}

/// Runs every metric query over `events` (CloudTrail) and `flows` (flow-log text with header) in one window.
pub async fn evaluate(events: Vec<Value>, flows: &str) -> SeriesSet {
    evaluate_with(config(), events, flows).await
}

/// [`evaluate`] with another configuration.
pub async fn evaluate_with(config: Config, events: Vec<Value>, flows: &str) -> SeriesSet {
    let mut engine = Engine::new(load_catalog(None).unwrap(), &config.lookups)
        .await
        .unwrap();
    let mut series = SeriesSet::new(engine.catalog(), 100);
    let mut windower = Windower::new(WindowPolicy {
        max_rows: usize::MAX,
        max_flow_rows: usize::MAX,
        max_age: std::time::Duration::from_secs(3600),
    });
    let options = DecodeOptions::default();
    if !events.is_empty() {
        let d = decode_object(
            "ct.json",
            json!({ "Records": events }).to_string().as_bytes(),
            KindHint::CloudTrail,
            &options,
        );
        assert!(d.is_clean(), "{:?}", d.errors);
        windower.push("ct", d.batches, Instant::now());
    }
    if !flows.is_empty() {
        let d = decode_object("f.log", flows.as_bytes(), KindHint::FlowLog, &options);
        assert!(d.is_clean(), "{:?}", d.errors);
        windower.push("flows", d.batches, Instant::now());
    }
    if let Some(window) = windower.flush() {
        series.record_all(engine.evaluate(&window).await.unwrap());
    }
    series
}

/// The series of one metric as `label=value,...` -> value (histograms: count).
pub fn points(set: &SeriesSet, metric: &str) -> BTreeMap<String, f64> {
    set.series()
        .into_iter()
        .filter(|s| s.metric.name == metric)
        .map(|s| {
            let labels = s
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            let v = match s.value {
                Aggregate::Counter(v) | Aggregate::Gauge(v) => *v,
                Aggregate::Histogram(h) => h.count as f64,
            };
            (labels, v)
        })
        .collect()
}

/// The total of `metric` over the series whose labels contain every `label=value` of `with`.
pub fn total(set: &SeriesSet, metric: &str, with: &[(&str, &str)]) -> f64 {
    set.series()
        .into_iter()
        .filter(|s| s.metric.name == metric)
        .filter(|s| with.iter().all(|w| s.labels.contains(w)))
        .map(|s| match s.value {
            Aggregate::Counter(v) | Aggregate::Gauge(v) => *v,
            Aggregate::Histogram(h) => h.count as f64,
        })
        .sum()
}

/// The total of `metric` counting each call once: every copy but `copy="duplicate"`.
pub fn once(set: &SeriesSet, metric: &str, with: &[(&str, &str)]) -> f64 {
    total(set, metric, with) - total(set, metric, &[with, &[("copy", "duplicate")]].concat())
}

pub fn expect(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

pub fn role_session(role: &str, session: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "arn": format!("arn:aws:sts::{ACCT}:assumed-role/{role}/{session}"),
        "accountId": ACCT,
        "sessionContext": { "sessionIssuer": { "type": "Role", "arn": format!("arn:aws:iam::{ACCT}:role/{role}"), "userName": role },
                            "attributes": { "mfaAuthenticated": "false" } }
    })
}

pub fn ev(source: &str, name: &str, identity: Value, extra: Value) -> Value {
    let mut e = json!({
        "eventVersion": "1.09", "eventTime": "2026-11-27T10:00:00Z", "eventSource": source, "eventName": name,
        "awsRegion": "eu-west-1", "sourceIPAddress": "10.0.1.25", "recipientAccountId": ACCT, "userIdentity": identity
    });
    if let (Some(e), Some(x)) = (e.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    e
}

pub fn web(aud: &str, sub: &str) -> Value {
    let provider =
        format!("arn:aws:iam::{ACCT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC");
    json!({ "type": "WebIdentityUser", "principalId": format!("oidc.eks.eu-west-1.amazonaws.com/id/ABC:{aud}:{sub}"), "userName": sub, "identityProvider": provider })
}

pub fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}
