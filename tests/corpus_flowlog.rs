//! Conformance against real public VPC Flow Log samples in `../shared/corpus/`. When the
//! corpus is present every check must pass. Expected values were read off the files by hand.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::corpus::*;
use common::{decode, rows, s};
use serde_json::{Value, json};
use trailflow::schema::LogKind;

/// (a documentation ellipsis) that must be counted and skipped.
const FLOW_FILES: &[(&str, usize, &[u64])] = &[
    (
        "01-v2-default-accept-reject.with-default-header.log",
        2,
        &[],
    ),
    (
        "02-v2-default-nodata-skipdata.with-default-header.log",
        2,
        &[],
    ),
    ("03-v2-default-icmp-sg-nacl.with-default-header.log", 2, &[]),
    ("04-v2-default-ipv6.with-default-header.log", 1, &[]),
    ("05-v3-custom-tcp-flags.log", 8, &[]),
    ("06-custom-nat-gateway.log", 6, &[]),
    ("07-v3-custom-transit-gateway.log", 4, &[3]),
    ("08-v5-custom-traffic-path.log", 2, &[]),
];

#[test]
fn flow_logs_decode_with_typed_fields() {
    let Some(root) = corpus() else { return };
    for (file, n, bad_lines) in FLOW_FILES {
        let d = decode_file(&root, &format!("{VPC_GUIDE}{file}"));
        assert!(d.fatal.is_none(), "{file}: {:?}", d.fatal);
        let lines: Vec<u64> = d
            .errors
            .details
            .iter()
            .map(|e| match e.location {
                trailflow::decode::Location::Line(l) => l,
                other => panic!("{file}: {other}"),
            })
            .collect();
        assert_eq!(lines, *bad_lines, "{file}: {:?}", d.errors);
        assert_eq!(d.rows_of(LogKind::FlowLog), *n, "{file}");
    }
    let row = |file: &str, i: usize| {
        let d = decode_file(&root, &format!("{VPC_GUIDE}{file}"));
        rows(&d, LogKind::FlowLog).swap_remove(i)
    };
    let reject = row("01-v2-default-accept-reject.with-default-header.log", 1);
    assert_eq!(s(&reject, "action"), Some("REJECT"));
    assert_eq!(reject["dstport"], json!(3389));
    assert_eq!(reject["srcport"], json!(49761));
    assert_eq!(s(&reject, "start"), Some("2014-12-14T04:06:50Z"));
    let nodata = row("02-v2-default-nodata-skipdata.with-default-header.log", 0);
    assert_eq!(s(&nodata, "log_status"), Some("NODATA"));
    assert_eq!(nodata.get("srcaddr"), None);
    assert_eq!(
        s(
            &row("02-v2-default-nodata-skipdata.with-default-header.log", 1),
            "log_status"
        ),
        Some("SKIPDATA")
    );
    let icmp = row("03-v2-default-icmp-sg-nacl.with-default-header.log", 0);
    assert_eq!(icmp["protocol"], json!(1));
    let v6 = row("04-v2-default-ipv6.with-default-header.log", 0);
    assert_eq!(
        s(&v6, "srcaddr"),
        Some("2001:db8:1234:a100:8d6e:3477:df66:f105")
    );
    let flags = row("05-v3-custom-tcp-flags.log", 1);
    assert_eq!(flags["tcp_flags"], json!(18));
    assert_eq!(s(&flags, "type"), Some("IPv4"));
    assert_eq!(s(&flags, "vpc_id"), Some("vpc-abcdefab012345678"));
    let nat = row("06-custom-nat-gateway.log", 0);
    assert_eq!(nat.get("instance_id"), None);
    assert_eq!(s(&nat, "pkt_dstaddr"), Some("203.0.113.5"));
    assert_eq!(
        nat.get("version"),
        None,
        "the NAT layout has no version field"
    );
    let path_in = row("08-v5-custom-traffic-path.log", 0);
    assert_eq!(s(&path_in, "pkt_src_aws_service"), Some("S3"));
    assert_eq!(s(&path_in, "flow_direction"), Some("ingress"));
    assert_eq!(s(&path_in, "az_id"), Some("apse2-az3"));
    assert_eq!(path_in.get("traffic_path"), None);
    let path_out = row("08-v5-custom-traffic-path.log", 1);
    assert_eq!(path_out["traffic_path"], json!(8));
    assert_eq!(s(&path_out, "pkt_dst_aws_service"), Some("S3"));

    let loki = only_row(
        &root,
        &format!("{LOKI}vpcflowlog.log.gz"),
        LogKind::FlowLog,
        0,
    );
    assert_eq!(loki["dstport"], json!(443));
    assert_eq!(loki["bytes"], json!(21869));
    assert_eq!(s(&loki, "interface_id"), Some("eni-0050644426037aa0f"));
    assert_eq!(
        decode_file(&root, &format!("{LOKI}vpcflowlog.log.gz")).rows(),
        3
    );
}

#[test]
fn panther_flow_records_decode_in_their_own_field_order() {
    let Some(root) = corpus() else { return };
    let text =
        std::fs::read_to_string(root.join(
            "panther-labs__panther-analysis/panther-analysis__vpcflow_rule_test_events.jsonl",
        ))
        .unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let log = serde_json::from_str::<Value>(line).unwrap()["log"].clone();
        if log["p_log_type"] != "AWS.VPCFlow" {
            continue;
        }
        // Render the record as a flow-log file whose header lists its own fields.
        let fields: Vec<(String, String)> = log
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| !k.starts_with("p_"))
            .map(|(k, v)| {
                let name = if k == "status" {
                    "log-status".to_string()
                } else {
                    k.to_lowercase()
                };
                (
                    name,
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                )
            })
            .collect();
        let header: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
        let d = decode(
            "flow.log",
            format!("{}\n{}\n", header.join(" "), values.join(" ")).as_bytes(),
        );
        assert!(d.is_clean(), "{log}: {:?}", d.errors);
        let r = rows(&d, LogKind::FlowLog);
        assert_eq!(r.len(), 1);
        if let Some(port) = log.get("dstPort") {
            assert_eq!(&r[0]["dstport"], port, "{log}");
        }
        if let Some(status) = log.get("status") {
            assert_eq!(&r[0]["log_status"], status, "{log}");
        }
        checked += 1;
    }
    assert_eq!(checked, 15);
}
