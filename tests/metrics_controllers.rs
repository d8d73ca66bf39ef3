//! Metric queries C7-C14 over hand-built records, with the exact points expected.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::engine::*;
use serde_json::json;
use trailflow::metrics::series::Aggregate;

#[tokio::test]
async fn c7_to_c11_node_roles_and_controllers() {
    let node = role_session("prod-eks-node-group-NodeInstanceRole-1", "i-0123");
    let mut ecr_a = ev(
        "ecr.amazonaws.com",
        "BatchGetImage",
        node.clone(),
        json!({ "requestParameters": { "repositoryName": "team/api" } }),
    );
    ecr_a["eventTime"] = json!("2026-11-27T10:00:00Z");
    let layer = |t: &str| {
        let mut e = ev(
            "ecr.amazonaws.com",
            "GetDownloadUrlForLayer",
            node.clone(),
            json!({ "requestParameters": { "repositoryName": "team/api" } }),
        );
        e["eventTime"] = json!(t);
        e
    };
    let lbc = role_session("aws-load-balancer-controller", "1");
    let ca = role_session("cluster-autoscaler", "1");
    let dns = role_session("external-dns", "1");
    let events = vec![
        ev(
            "sqs.amazonaws.com",
            "ReceiveMessage",
            node.clone(),
            json!({}),
        ),
        ev(
            "sqs.amazonaws.com",
            "ReceiveMessage",
            node.clone(),
            json!({}),
        ),
        ev(
            "ec2.amazonaws.com",
            "DescribeInstances",
            node.clone(),
            json!({}),
        ),
        ev(
            "sqs.amazonaws.com",
            "ReceiveMessage",
            role_session("prod-eks-node-group-NodeInstanceRole-1", "not-an-instance"),
            json!({}),
        ),
        ecr_a,
        layer("2026-11-27T10:00:03Z"),
        layer("2026-11-27T10:00:08Z"),
        layer("2026-11-27T11:00:00Z"),
        ev(
            "route53.amazonaws.com",
            "ChangeResourceRecordSets",
            dns.clone(),
            json!({ "requestParameters": { "hostedZoneId": "/hostedzone/Z1" } }),
        ),
        ev(
            "route53.amazonaws.com",
            "ChangeResourceRecordSets",
            dns,
            json!({ "requestParameters": { "hostedZoneId": "Z1" }, "errorCode": "PriorRequestNotComplete" }),
        ),
        ev(
            "elasticloadbalancing.amazonaws.com",
            "DescribeTargetHealth",
            lbc.clone(),
            json!({ "errorCode": "Throttling" }),
        ),
        ev(
            "ec2.amazonaws.com",
            "CreateSecurityGroup",
            lbc,
            json!({ "errorCode": "Client.UnauthorizedOperation" }),
        ),
        ev(
            "elasticloadbalancing.amazonaws.com",
            "DescribeTargetHealth",
            role_session("someone-else", "1"),
            json!({}),
        ),
        ev(
            "autoscaling.amazonaws.com",
            "TerminateInstanceInAutoScalingGroup",
            ca,
            json!({ "requestParameters": { "autoScalingGroupName": "workers" }, "errorCode": "AccessDenied" }),
        ),
    ];
    let set = evaluate(events, "").await;
    let node_role = role("prod-eks-node-group-NodeInstanceRole-1");
    assert_eq!(
        points(&set, "trailflow.node_role.workload_calls"),
        expect(&[(
            &format!(
                "node_role_arn={node_role},event_source=sqs.amazonaws.com,event_name=ReceiveMessage,account=111122223333,region=eu-west-1"
            ),
            2.0
        )])
    );
    assert_eq!(
        points(&set, "trailflow.ecr.requests"),
        expect(&[
            (
                "repository=team/api,api=BatchGetImage,outcome=success,az=eu-west-1a,account=111122223333,region=eu-west-1",
                1.0
            ),
            (
                "repository=team/api,api=GetDownloadUrlForLayer,outcome=success,az=eu-west-1a,account=111122223333,region=eu-west-1",
                3.0
            ),
        ])
    );
    let durations: Vec<(String, f64)> = set
        .series()
        .into_iter()
        .filter(|s| s.metric.name == "trailflow.ecr.pull.duration")
        .map(|s| match s.value {
            Aggregate::Histogram(h) => (format!("{:?}", s.labels), h.max),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        durations,
        vec![(
            format!(
                "{:?}",
                vec![
                    ("repository", "team/api"),
                    ("az", "eu-west-1a"),
                    ("account", "111122223333"),
                    ("region", "eu-west-1")
                ]
            ),
            8.0
        )],
        "the layer an hour later is another pull"
    );
    assert_eq!(
        points(&set, "trailflow.route53.changes"),
        expect(&[
            (
                &format!(
                    "hosted_zone_id=Z1,caller_role={},outcome=success,account=111122223333,region=eu-west-1",
                    role("external-dns")
                ),
                1.0
            ),
            (
                &format!(
                    "hosted_zone_id=Z1,caller_role={},outcome=backlog,error_code=PriorRequestNotComplete,account=111122223333,region=eu-west-1",
                    role("external-dns")
                ),
                1.0
            ),
        ])
    );
    let lbc_role = role("aws-load-balancer-controller");
    assert_eq!(
        points(&set, "trailflow.lb_controller.calls"),
        expect(&[
            (
                &format!(
                    "caller_role={lbc_role},event_name=CreateSecurityGroup,outcome=access_denied,error_code=Client.UnauthorizedOperation,account=111122223333,region=eu-west-1"
                ),
                1.0
            ),
            (
                &format!(
                    "caller_role={lbc_role},event_name=DescribeTargetHealth,outcome=throttled,error_code=Throttling,account=111122223333,region=eu-west-1"
                ),
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&set, "trailflow.autoscaling.actions"),
        expect(&[(
            &format!(
                "asg_name=workers,caller_role={},controller=cluster_autoscaler,event_name=TerminateInstanceInAutoScalingGroup,outcome=access_denied,error_code=AccessDenied,account=111122223333,region=eu-west-1",
                role("cluster-autoscaler")
            ),
            1.0
        )])
    );
}

#[tokio::test]
async fn c12_c13_c14_audit_risky_changes_and_break_glass() {
    let user = json!({ "type": "IAMUser", "arn": format!("arn:aws:iam::{ACCT}:user/u"), "accountId": ACCT, "userName": "u" });
    let mfa_session = json!({ "type": "AssumedRole", "arn": format!("arn:aws:sts::{ACCT}:assumed-role/sso/alice"), "accountId": ACCT,
        "sessionContext": { "sessionIssuer": { "arn": role("sso") }, "attributes": { "mfaAuthenticated": "true" } } });
    let mut late = ev(
        "cloudtrail.amazonaws.com",
        "StopLogging",
        user.clone(),
        json!({}),
    );
    late["eventTime"] = json!("2026-11-27T10:30:00Z");
    let events = vec![
        late,
        ev(
            "cloudtrail.amazonaws.com",
            "DeleteTrail",
            user.clone(),
            json!({ "errorCode": "AccessDenied" }),
        ),
        ev(
            "cloudtrail.amazonaws.com",
            "LookupEvents",
            user.clone(),
            json!({}),
        ),
        ev(
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            user.clone(),
            json!({ "requestParameters": { "groupId": "sg-1", "ipPermissions": { "items": [{ "ipRanges": { "items": [{ "cidrIp": "0.0.0.0/0" }] } }] } } }),
        ),
        ev(
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            user.clone(),
            json!({ "requestParameters": { "groupId": "sg-2", "cidrIp": "10.0.0.0/8" } }),
        ),
        ev(
            "iam.amazonaws.com",
            "DeleteOpenIDConnectProvider",
            user.clone(),
            json!({ "requestParameters": { "openIDConnectProviderArn": format!("arn:aws:iam::{ACCT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC") } }),
        ),
        ev(
            "eks.amazonaws.com",
            "CreateAccessEntry",
            user.clone(),
            json!({ "requestParameters": { "clusterName": "prod" } }),
        ),
        ev(
            "iam.amazonaws.com",
            "UpdateAssumeRolePolicy",
            user.clone(),
            json!({ "requestParameters": { "roleName": "app" } }),
        ),
        ev(
            "sts.amazonaws.com",
            "AssumeRole",
            mfa_session,
            json!({ "requestParameters": { "roleArn": role("break-glass-admin") } }),
        ),
        ev(
            "sts.amazonaws.com",
            "AssumeRole",
            user,
            json!({ "requestParameters": { "roleArn": role("break-glass-admin") } }),
        ),
    ];
    let set = evaluate(events, "").await;
    assert_eq!(
        points(&set, "trailflow.cloudtrail.trail_changes"),
        expect(&[
            (
                &format!(
                    "account={ACCT},region=eu-west-1,event_name=DeleteTrail,outcome=access_denied"
                ),
                1.0
            ),
            (
                &format!("account={ACCT},region=eu-west-1,event_name=StopLogging,outcome=success"),
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&set, "trailflow.cloudtrail.last_event.time"),
        expect(&[(&format!("account={ACCT},region=eu-west-1"), 1_795_775_400.0)])
    );
    assert_eq!(
        points(&set, "trailflow.risky_changes"),
        expect(&[
            (
                &format!(
                    "account={ACCT},event_name=AuthorizeSecurityGroupIngress,target=sg-1,direction=ingress,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=CreateAccessEntry,target=prod,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=DeleteOpenIDConnectProvider,target=oidc.eks.eu-west-1.amazonaws.com/id/ABC,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=UpdateAssumeRolePolicy,target=app,managed=none,outcome=success"
                ),
                1.0
            ),
        ])
    );
    let bg = role("break-glass-admin");
    assert_eq!(
        points(&set, "trailflow.break_glass.assumptions"),
        expect(&[
            (
                &format!(
                    "role_arn={bg},mfa=false,outcome=success,account=111122223333,region=eu-west-1"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={bg},mfa=true,outcome=success,account=111122223333,region=eu-west-1"
                ),
                1.0
            )
        ])
    );
}
