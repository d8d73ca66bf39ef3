//! Metric queries F1-F4 over hand-built flow-log records, with the exact points expected.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::engine::*;

#[tokio::test]
async fn f1_to_f4_flow_logs() {
    let flows = "version account-id interface-id vpc-id subnet-id az-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction pkt-dst-aws-service reject-reason\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.100.5 10.0.1.25 50000 10250 6 1 40 1795773600 1795773660 REJECT OK ingress - -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.100.5 10.0.1.25 50001 10250 6 1 40 1795773600 1795773660 REJECT OK ingress - -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.1.25 10.0.3.10 50002 443 6 1 40 1795773600 1795773660 REJECT OK egress - -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.1.25 52.94.1.1 50003 443 6 1 40 1795773600 1795773660 REJECT OK egress AMAZON -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 198.51.100.7 10.0.1.25 40000 55555 6 1 40 1795773600 1795773660 REJECT OK ingress - BPA\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.1.25 10.0.2.40 40000 8080 6 1 40 1795773600 1795773660 ACCEPT OK egress - -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.1.25 52.218.1.9 50004 443 6 1 40 1795773600 1795773660 REJECT OK egress S3 -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.2.40 10.0.1.25 50005 443 6 1 40 1795773600 1795773660 REJECT OK ingress - -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 203.0.113.9 10.0.1.25 50006 31080 6 1 40 1795773600 1795773660 REJECT OK ingress - -\n\
        8 1 eni-2 - - - - - - - - - - 1795773600 1795773660 - NODATA - - -\n\
        8 1 eni-3 - - - - - - - - - - 1795773600 1795773660 - SKIPDATA - - -\n";
    let set = evaluate(Vec::new(), flows).await;
    assert_eq!(
        points(&set, "trailflow.flow.rejected"),
        expect(&[
            (
                "interface_id=eni-1,vpc_id=vpc-1,subnet_id=subnet-a,az_id=euw1-az1,direction=egress,port=443,protocol=6,account=1",
                3.0
            ),
            (
                "interface_id=eni-1,vpc_id=vpc-1,subnet_id=subnet-a,az_id=euw1-az1,direction=ingress,port=10250,protocol=6,account=1",
                2.0
            ),
            (
                "interface_id=eni-1,vpc_id=vpc-1,subnet_id=subnet-a,az_id=euw1-az1,direction=ingress,port=443,protocol=6,account=1",
                1.0
            ),
            (
                "interface_id=eni-1,vpc_id=vpc-1,subnet_id=subnet-a,az_id=euw1-az1,direction=ingress,port=nodeport,protocol=6,account=1",
                1.0
            ),
            (
                "interface_id=eni-1,vpc_id=vpc-1,subnet_id=subnet-a,az_id=euw1-az1,direction=ingress,port=other,protocol=6,reject_reason=BPA,account=1",
                1.0
            ),
        ])
    );
    // The control plane lives in 10.0.100.0/24 (deploy/example.toml): the node-to-node 443
    // reject and the rejects toward endpoints are not control-plane paths.
    assert_eq!(
        points(&set, "trailflow.flow.control_plane_rejected"),
        expect(&[(
            "subnet=nodes-eu-west-1a,port=10250,direction=control_plane_to_node,account=1",
            2.0
        )])
    );
    // AMAZON covers any EC2-hosted address: not a service API.
    assert_eq!(
        points(&set, "trailflow.flow.aws_endpoint_rejected"),
        expect(&[
            ("service=s3,subnet_id=subnet-a,account=1", 1.0),
            ("service=sts,subnet_id=subnet-a,account=1", 1.0)
        ])
    );
    assert_eq!(
        points(&set, "trailflow.flow.idle_records"),
        expect(&[("interface_id=eni-2,account=1", 1.0)])
    );
    assert_eq!(
        points(&set, "trailflow.flow.skipped_records"),
        expect(&[("interface_id=eni-3,account=1", 1.0)])
    );
    assert_eq!(
        points(&set, "trailflow.records"),
        expect(&[("kind=flowlog", 11.0)])
    );
}
