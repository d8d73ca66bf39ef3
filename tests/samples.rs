//! `samples/` is what the generator writes, and decodes to the scenario's counts.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::{decode, rows, s};
use trailflow::schema::LogKind;
use trailflow::synth::samples;

fn samples_dir() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("samples")
}

#[test]
fn samples_are_up_to_date() {
    for object in samples::objects() {
        let path = samples_dir().join(&object.key);
        let on_disk = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run `cargo run --example gen_samples`)",
                path.display()
            )
        });
        assert!(
            on_disk == object.bytes,
            "{} is stale: run `cargo run --example gen_samples`",
            path.display()
        );
    }
}

#[test]
fn samples_decode_to_the_scenario() {
    let mut totals = std::collections::BTreeMap::new();
    let mut all_events = Vec::new();
    for object in samples::objects() {
        let d = decode(&object.key, &object.bytes);
        assert!(d.is_clean(), "{}: {:?} {:?}", object.key, d.errors, d.fatal);
        for kind in LogKind::ALL {
            *totals.entry(kind).or_insert(0) += d.rows_of(kind);
        }
        all_events.extend(rows(&d, LogKind::CloudTrail));
    }
    assert_eq!(totals[&LogKind::CloudTrail], 101);
    assert_eq!(totals[&LogKind::CloudTrailInsight], 2);
    assert_eq!(totals[&LogKind::CloudTrailDigest], 4);
    assert_eq!(totals[&LogKind::FlowLog], 29);

    let count = |f: &dyn Fn(&serde_json::Value) -> bool| all_events.iter().filter(|e| f(e)).count();
    let web = |e: &serde_json::Value| s(e, "event_name") == Some("AssumeRoleWithWebIdentity");
    assert_eq!(
        count(&|e| web(e) && s(e, "error_code").is_none()),
        8,
        "IRSA successes"
    );
    assert_eq!(
        count(&|e| web(e) && s(e, "error_message") == Some("Incorrect token audience")),
        3
    );
    assert_eq!(
        count(&|e| e["open_to_world"] == true),
        6,
        "two ingress rules, the edited rule, the controller's group, the revoked egress, the EKS endpoint"
    );
    assert_eq!(
        count(&|e| e["cross_account"] == true && s(e, "event_name") == Some("Decrypt")),
        5
    );
    assert_eq!(
        count(&|e| s(e, "role_arn") == Some(samples::BREAK_GLASS_ROLE)),
        3,
        "two AssumeRole and a console SwitchRole"
    );
    let text = serde_json::to_string(&all_events).unwrap();
    assert!(
        !text.contains(samples::PLANTED_SESSION_TOKEN),
        "the planted session token leaked"
    );
}
