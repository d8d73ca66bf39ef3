//! Every saved metric query over hand-built records, with the exact points expected
//! (including nothing to count and failures). Records go through the real decoders.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{Value, json};
use trailflow::config::Config;
use trailflow::decode::{DecodeOptions, KindHint, decode_object};
use trailflow::engine::{Engine, WindowPolicy, Windower, load_catalog};
use trailflow::metrics::SeriesSet;
use trailflow::metrics::series::Aggregate;

const ACCT: &str = "111122223333";

fn config() -> Config {
    Config::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/example.toml"))
        .unwrap()
}

/// Runs every metric query over `events` (CloudTrail) and `flows` (flow-log text with header) in one window.
async fn evaluate(events: Vec<Value>, flows: &str) -> SeriesSet {
    let config = config();
    let mut engine = Engine::new(load_catalog(None).unwrap(), &config.lookups)
        .await
        .unwrap();
    let mut series = SeriesSet::new(engine.catalog(), 100);
    let mut windower = Windower::new(WindowPolicy {
        max_rows: usize::MAX,
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
fn points(set: &SeriesSet, metric: &str) -> BTreeMap<String, f64> {
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

fn expect(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn role_session(role: &str, session: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "arn": format!("arn:aws:sts::{ACCT}:assumed-role/{role}/{session}"),
        "accountId": ACCT,
        "sessionContext": { "sessionIssuer": { "type": "Role", "arn": format!("arn:aws:iam::{ACCT}:role/{role}"), "userName": role },
                            "attributes": { "mfaAuthenticated": "false" } }
    })
}

fn ev(source: &str, name: &str, identity: Value, extra: Value) -> Value {
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

fn web(aud: &str, sub: &str) -> Value {
    let provider =
        format!("arn:aws:iam::{ACCT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC");
    json!({ "type": "WebIdentityUser", "principalId": format!("oidc.eks.eu-west-1.amazonaws.com/id/ABC:{aud}:{sub}"), "userName": sub, "identityProvider": provider })
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

#[tokio::test]
async fn nothing_to_count_gives_no_points() {
    let set = evaluate(
        vec![ev(
            "s3.amazonaws.com",
            "ListBuckets",
            role_session("app", "s"),
            json!({}),
        )],
        "",
    )
    .await;
    let names: Vec<&str> = set
        .series()
        .iter()
        .map(|s| s.metric.name.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        names,
        vec![
            "trailflow.cloudtrail.last_event.time",
            "trailflow.record.age",
            "trailflow.records"
        ]
    );
    assert_eq!(
        points(&set, "trailflow.records"),
        expect(&[("kind=cloudtrail", 1.0)])
    );
}

#[tokio::test]
async fn c1_c2_c3_sts_and_irsa() {
    let sub = "system:serviceaccount:payments:app";
    let ok = |aud: &str| {
        ev(
            "sts.amazonaws.com",
            "AssumeRoleWithWebIdentity",
            web(aud, sub),
            json!({ "requestParameters": { "roleArn": role("app") } }),
        )
    };
    let fail = |code: &str, msg: &str, aud: &str| {
        let mut e = ok(aud);
        e["errorCode"] = json!(code);
        e["errorMessage"] = json!(msg);
        e
    };
    let assume = |code: Option<&str>| {
        let mut e = ev(
            "sts.amazonaws.com",
            "AssumeRole",
            role_session("ci", "gh"),
            json!({ "requestParameters": { "roleArn": role("deployer") } }),
        );
        if let Some(c) = code {
            e["errorCode"] = json!(c);
        }
        e
    };
    let events = vec![
        ok("sts.amazonaws.com"),
        ok("sts.amazonaws.com"),
        fail(
            "InvalidIdentityToken",
            "Incorrect token audience",
            "https://kubernetes.default.svc",
        ),
        fail(
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            "sts.amazonaws.com",
        ),
        fail(
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "sts.amazonaws.com",
        ),
        fail(
            "ExpiredTokenException",
            "Token expired: current date/time 2 must be before the expiration date/time 1",
            "sts.amazonaws.com",
        ),
        fail("Throttling", "Rate exceeded", "sts.amazonaws.com"),
        assume(None),
        assume(Some("AccessDenied")),
    ];
    let set = evaluate(events, "").await;
    let app = role("app");
    let dep = role("deployer");
    assert_eq!(
        points(&set, "trailflow.sts.assume_role.calls"),
        expect(&[
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=failure,error_code=AccessDenied,account={ACCT}"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=failure,error_code=ExpiredTokenException,account={ACCT}"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=failure,error_code=InvalidIdentityToken,account={ACCT}"
                ),
                2.0
            ),
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=failure,error_code=Throttling,account={ACCT}"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=success,account={ACCT}"
                ),
                2.0
            ),
            (
                &format!(
                    "role_arn={dep},api=AssumeRole,outcome=failure,error_code=AccessDenied,account={ACCT}"
                ),
                1.0
            ),
            (
                &format!("role_arn={dep},api=AssumeRole,outcome=success,account={ACCT}"),
                1.0
            ),
        ])
    );
    let provider = "oidc.eks.eu-west-1.amazonaws.com/id/ABC";
    assert_eq!(
        points(&set, "trailflow.irsa.token_rejections"),
        expect(&[
            (
                &format!("role_arn={app},oidc_provider={provider},reason=audience_mismatch"),
                1.0
            ),
            (
                &format!("role_arn={app},oidc_provider={provider},reason=expired"),
                1.0
            ),
            (
                &format!("role_arn={app},oidc_provider={provider},reason=provider_not_found"),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},oidc_provider={provider},reason=subject_or_trust_mismatch"
                ),
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&set, "trailflow.irsa.assumptions"),
        expect(&[(
            &format!("namespace=payments,service_account=app,role_arn={app},cluster=ABC"),
            2.0
        )])
    );
}

#[tokio::test]
async fn c4_c5_c6_kms_denies_and_sts_endpoints() {
    let partner = json!({ "type": "AssumedRole", "arn": "arn:aws:sts::444455556666:assumed-role/reader/s", "accountId": "444455556666" });
    let key = format!("arn:aws:kms:eu-west-1:{ACCT}:key/k1");
    let decrypt = |identity: Value, code: Option<&str>| {
        let mut e = ev(
            "kms.amazonaws.com",
            "Decrypt",
            identity,
            json!({ "resources": [{ "accountId": ACCT, "type": "AWS::KMS::Key", "ARN": key }] }),
        );
        if let Some(c) = code {
            e["errorCode"] = json!(c);
        }
        e
    };
    let denied = |msg: &str| {
        ev(
            "s3.amazonaws.com",
            "GetObject",
            role_session("ci", "gh"),
            json!({ "errorCode": "AccessDenied", "errorMessage": msg }),
        )
    };
    let sts = |host: &str, code: Option<&str>, vpce: bool| {
        let mut e = ev(
            "sts.amazonaws.com",
            "GetCallerIdentity",
            role_session("app", "s"),
            json!({ "tlsDetails": { "clientProvidedHostHeader": host } }),
        );
        if let Some(c) = code {
            e["errorCode"] = json!(c);
        }
        if vpce {
            e["vpcEndpointId"] = json!("vpce-1");
        }
        e
    };
    let events = vec![
        decrypt(partner.clone(), Some("ThrottlingException")),
        decrypt(partner.clone(), Some("ThrottlingException")),
        decrypt(partner, None),
        decrypt(role_session("app", "s"), None),
        denied(
            "User: x is not authorized to perform: s3:GetObject with an explicit deny in a permissions boundary",
        ),
        denied(
            "User: x is not authorized to perform: s3:GetObject with an explicit deny in a service control policy",
        ),
        denied(
            "User: x is not authorized to perform: s3:GetObject because no identity-based policy allows the s3:GetObject action",
        ),
        denied("Access Denied"),
        ev(
            "ec2.amazonaws.com",
            "RunInstances",
            role_session("ci", "gh"),
            json!({ "errorCode": "Client.UnauthorizedOperation", "errorMessage": "You are not authorized to perform this operation." }),
        ),
        sts("sts.amazonaws.com", Some("Throttling"), false),
        sts("sts.eu-west-1.amazonaws.com", None, false),
        sts("sts.eu-west-1.amazonaws.com", None, true),
    ];
    let set = evaluate(events, "").await;
    assert_eq!(
        points(&set, "trailflow.kms.decrypt.calls"),
        expect(&[
            (
                &format!(
                    "key_arn={key},caller_account=444455556666,key_account={ACCT},cross_account=true,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "key_arn={key},caller_account=444455556666,key_account={ACCT},cross_account=true,outcome=throttled,error_code=ThrottlingException"
                ),
                2.0
            ),
            (
                &format!(
                    "key_arn={key},caller_account={ACCT},key_account={ACCT},cross_account=false,outcome=success"
                ),
                1.0
            ),
        ])
    );
    let ci = role("ci");
    assert_eq!(
        points(&set, "trailflow.access_denied"),
        expect(&[
            (
                &format!(
                    "principal_arn={ci},event_source=ec2.amazonaws.com,event_name=RunInstances,cause=unknown,account={ACCT}"
                ),
                1.0
            ),
            (
                &format!(
                    "principal_arn={ci},event_source=s3.amazonaws.com,event_name=GetObject,cause=implicit,account={ACCT}"
                ),
                1.0
            ),
            (
                &format!(
                    "principal_arn={ci},event_source=s3.amazonaws.com,event_name=GetObject,cause=permissions_boundary,account={ACCT}"
                ),
                1.0
            ),
            (
                &format!(
                    "principal_arn={ci},event_source=s3.amazonaws.com,event_name=GetObject,cause=service_control_policy,account={ACCT}"
                ),
                1.0
            ),
            (
                &format!(
                    "principal_arn={ci},event_source=s3.amazonaws.com,event_name=GetObject,cause=unknown,account={ACCT}"
                ),
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&set, "trailflow.sts.calls"),
        expect(&[
            (
                "region=eu-west-1,endpoint=global,outcome=throttled,error_code=Throttling",
                1.0
            ),
            ("region=eu-west-1,endpoint=regional,outcome=success", 1.0),
            ("region=eu-west-1,endpoint=vpce,outcome=success", 1.0),
        ])
    );
}

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
                "node_role_arn={node_role},event_source=sqs.amazonaws.com,event_name=ReceiveMessage"
            ),
            2.0
        )])
    );
    assert_eq!(
        points(&set, "trailflow.ecr.requests"),
        expect(&[
            (
                "repository=team/api,api=BatchGetImage,outcome=success,az=eu-west-1a",
                1.0
            ),
            (
                "repository=team/api,api=GetDownloadUrlForLayer,outcome=success,az=eu-west-1a",
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
                vec![("repository", "team/api"), ("az", "eu-west-1a")]
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
                    "hosted_zone_id=Z1,caller_role={},outcome=success",
                    role("external-dns")
                ),
                1.0
            ),
            (
                &format!(
                    "hosted_zone_id=Z1,caller_role={},outcome=throttled,error_code=PriorRequestNotComplete",
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
                    "caller_role={lbc_role},event_name=CreateSecurityGroup,outcome=access_denied,error_code=Client.UnauthorizedOperation"
                ),
                1.0
            ),
            (
                &format!(
                    "caller_role={lbc_role},event_name=DescribeTargetHealth,outcome=throttled,error_code=Throttling"
                ),
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&set, "trailflow.autoscaling.actions"),
        expect(&[(
            &format!(
                "asg_name=workers,caller_role={},event_name=TerminateInstanceInAutoScalingGroup,outcome=failure,error_code=AccessDenied",
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
                &format!("account={ACCT},region=eu-west-1,event_name=DeleteTrail,outcome=failure"),
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
                    "account={ACCT},event_name=AuthorizeSecurityGroupIngress,target=sg-1,outcome=success"
                ),
                1.0
            ),
            (
                &format!("account={ACCT},event_name=CreateAccessEntry,target=prod,outcome=success"),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=DeleteOpenIDConnectProvider,target=oidc.eks.eu-west-1.amazonaws.com/id/ABC,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=UpdateAssumeRolePolicy,target=app,outcome=success"
                ),
                1.0
            ),
        ])
    );
    let bg = role("break-glass-admin");
    assert_eq!(
        points(&set, "trailflow.break_glass.assumptions"),
        expect(&[
            (&format!("role_arn={bg},mfa=false,outcome=success"), 1.0),
            (&format!("role_arn={bg},mfa=true,outcome=success"), 1.0)
        ])
    );
}

#[tokio::test]
async fn f1_to_f4_flow_logs() {
    let flows = "version account-id interface-id vpc-id subnet-id az-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction pkt-dst-aws-service reject-reason\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.100.5 10.0.1.25 50000 10250 6 1 40 1795773600 1795773660 REJECT OK ingress - -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.100.5 10.0.1.25 50001 10250 6 1 40 1795773600 1795773660 REJECT OK ingress - -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.1.25 10.0.3.10 50002 443 6 1 40 1795773600 1795773660 REJECT OK egress - -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.1.25 52.94.1.1 50003 443 6 1 40 1795773600 1795773660 REJECT OK egress AMAZON -\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 198.51.100.7 10.0.1.25 40000 55555 6 1 40 1795773600 1795773660 REJECT OK ingress - BPA\n\
        8 1 eni-1 vpc-1 subnet-a euw1-az1 10.0.1.25 10.0.2.40 40000 8080 6 1 40 1795773600 1795773660 ACCEPT OK egress - -\n\
        8 1 eni-2 - - - - - - - - - - 1795773600 1795773660 - NODATA - - -\n";
    let set = evaluate(Vec::new(), flows).await;
    assert_eq!(
        points(&set, "trailflow.flow.rejected"),
        expect(&[
            (
                "interface_id=eni-1,vpc_id=vpc-1,subnet_id=subnet-a,az_id=euw1-az1,direction=egress,dstport=443,protocol=6",
                2.0
            ),
            (
                "interface_id=eni-1,vpc_id=vpc-1,subnet_id=subnet-a,az_id=euw1-az1,direction=ingress,dstport=10250,protocol=6",
                2.0
            ),
            (
                "interface_id=eni-1,vpc_id=vpc-1,subnet_id=subnet-a,az_id=euw1-az1,direction=ingress,dstport=ephemeral,protocol=6,reject_reason=BPA",
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&set, "trailflow.flow.control_plane_rejected"),
        expect(&[
            ("subnet=nodes-eu-west-1a,port=10250,direction=to_node", 2.0),
            ("subnet=nodes-eu-west-1a,port=443,direction=from_node", 2.0)
        ])
    );
    assert_eq!(
        points(&set, "trailflow.flow.aws_endpoint_rejected"),
        expect(&[
            ("service=AMAZON,subnet_id=subnet-a", 1.0),
            ("service=sts,subnet_id=subnet-a", 1.0)
        ])
    );
    assert_eq!(
        points(&set, "trailflow.flow.gap_records"),
        expect(&[("interface_id=eni-2,status=NODATA", 1.0)])
    );
    assert_eq!(
        points(&set, "trailflow.records"),
        expect(&[("kind=flowlog", 7.0)])
    );
}
