//! The flow-log side of the samples scenario.

use super::{ACCOUNT, T0};
use crate::synth::flowlog::Flow;

fn flow(start: i64, src: &str, dst: &str, sport: u16, dport: u16, action: &'static str) -> Flow {
    Flow {
        version: 2,
        account_id: ACCOUNT.into(),
        interface_id: "eni-0a0a0a0a0a0a0a0a0".into(),
        srcaddr: Some(src.into()),
        dstaddr: Some(dst.into()),
        srcport: Some(sport),
        dstport: Some(dport),
        protocol: Some(6),
        packets: Some(3),
        bytes: Some(180),
        start: T0 + start,
        end: T0 + start + 60,
        action: Some(action),
        log_status: "OK",
        ..Default::default()
    }
}

fn no_data(start: i64, eni: &str, status: &'static str) -> Flow {
    Flow {
        version: 2,
        account_id: ACCOUNT.into(),
        interface_id: eni.into(),
        start: T0 + start,
        end: T0 + start + 60,
        log_status: status,
        ..Default::default()
    }
}

/// Default-format flow log: control-plane rejects to the nodes, internet noise, gaps.
pub(super) fn flows_default() -> Vec<Flow> {
    let mut flows = vec![
        flow(0, "10.0.1.25", "10.0.2.40", 41000, 8080, "ACCEPT"),
        flow(0, "10.0.2.40", "10.0.1.25", 8080, 41000, "ACCEPT"),
        flow(60, "10.0.100.5", "10.0.1.25", 52000, 443, "ACCEPT"),
        flow(60, "10.0.1.25", "52.94.133.131", 43000, 443, "ACCEPT"),
        flow(120, "10.0.1.25", "10.0.3.10", 44000, 443, "ACCEPT"),
    ];
    for i in 0..3 {
        flows.push(Flow {
            interface_id: "eni-0b1b1b1b1b1b1b1b1".into(),
            ..flow(
                180 + i,
                "10.0.100.5",
                "10.0.1.25",
                53000 + i as u16,
                10250,
                "REJECT",
            )
        });
    }
    for i in 0..2 {
        flows.push(Flow {
            interface_id: "eni-0c2c2c2c2c2c2c2c2".into(),
            ..flow(
                240 + i,
                "10.0.100.6",
                "10.0.2.40",
                54000 + i as u16,
                443,
                "REJECT",
            )
        });
    }
    for i in 0..2 {
        flows.push(flow(
            300 + i,
            "198.51.100.7",
            "10.0.1.25",
            60000 + i as u16,
            22,
            "REJECT",
        ));
    }
    flows.push(no_data(360, "eni-0d3d3d3d3d3d3d3d3", "NODATA"));
    flows.push(no_data(360, "eni-0e4e4e4e4e4e4e4e4", "SKIPDATA"));
    flows
}

/// Custom (version 8) flow log: rejects toward the STS VPC endpoint and AWS services.
pub(super) const CUSTOM_FIELDS: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "vpc-id",
    "subnet-id",
    "az-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
    "flow-direction",
    "pkt-dst-aws-service",
    "reject-reason",
    "tcp-flags",
];

pub(super) fn flows_custom() -> Vec<Flow> {
    let node = |f: Flow| Flow {
        version: 8,
        vpc_id: Some("vpc-0a1b2c3d4e5f67890".into()),
        subnet_id: Some("subnet-0aaaa1111bbbb2222".into()),
        az_id: Some("euw1-az1".into()),
        flow_direction: Some("egress"),
        tcp_flags: Some(2),
        ..f
    };
    let mut flows = Vec::new();
    for i in 0..3 {
        flows.push(node(flow(
            600 + i,
            "10.0.1.25",
            "10.0.3.10",
            45000 + i as u16,
            443,
            "REJECT",
        )));
    }
    flows.push(Flow {
        pkt_dst_aws_service: Some("AMAZON"),
        ..node(flow(
            610,
            "10.0.1.25",
            "52.94.133.131",
            46000,
            443,
            "REJECT",
        ))
    });
    flows.push(Flow {
        flow_direction: Some("ingress"),
        reject_reason: Some("BPA"),
        ..node(flow(620, "203.0.113.9", "10.0.1.25", 47000, 443, "REJECT"))
    });
    for i in 0..4 {
        flows.push(node(flow(
            630 + i,
            "10.0.1.25",
            "10.0.2.40",
            48000 + i as u16,
            8080,
            "ACCEPT",
        )));
    }
    // A reject toward S3's API (a service API, unlike AMAZON above), a NodePort probed from the
    // internet, node-to-node HTTPS (no control-plane path), a webhook the control plane cannot
    // reach on 9443.
    flows.push(Flow {
        pkt_dst_aws_service: Some("S3"),
        ..node(flow(640, "10.0.1.25", "52.218.40.10", 49000, 443, "REJECT"))
    });
    flows.push(Flow {
        flow_direction: Some("ingress"),
        ..node(flow(
            641,
            "198.51.100.66",
            "10.0.1.25",
            49001,
            31080,
            "REJECT",
        ))
    });
    flows.push(Flow {
        flow_direction: Some("ingress"),
        ..node(flow(642, "10.0.2.40", "10.0.1.25", 49002, 443, "REJECT"))
    });
    for i in 0..2 {
        flows.push(Flow {
            flow_direction: Some("ingress"),
            ..node(flow(
                643 + i,
                "10.0.100.5",
                "10.0.1.25",
                49100 + i as u16,
                9443,
                "REJECT",
            ))
        });
    }
    flows.push(Flow {
        version: 8,
        ..no_data(660, "eni-0f5f5f5f5f5f5f5f5", "NODATA")
    });
    flows
}
