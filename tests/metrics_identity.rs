//! Metric queries C1-C6 over hand-built records, with the exact points expected
//! (including nothing to count and failures). Records go through the real decoders.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::engine::*;
use serde_json::{Value, json};

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
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=access_denied,error_code=AccessDenied,account={ACCT},copy=same"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=error,error_code=ExpiredTokenException,account={ACCT},copy=same"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=error,error_code=InvalidIdentityToken,account={ACCT},copy=same"
                ),
                2.0
            ),
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=throttled,error_code=Throttling,account={ACCT},copy=same"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},api=AssumeRoleWithWebIdentity,outcome=success,account={ACCT},copy=same"
                ),
                2.0
            ),
            (
                &format!(
                    "role_arn={dep},api=AssumeRole,outcome=access_denied,error_code=AccessDenied,account={ACCT},copy=same"
                ),
                1.0
            ),
            (
                &format!("role_arn={dep},api=AssumeRole,outcome=success,account={ACCT},copy=same"),
                1.0
            ),
        ])
    );
    let provider = "oidc.eks.eu-west-1.amazonaws.com/id/ABC";
    assert_eq!(
        points(&set, "trailflow.irsa.token_rejections"),
        expect(&[
            (
                &format!(
                    "role_arn={app},oidc_provider={provider},cluster=ABC,reason=audience_mismatch"
                ),
                1.0
            ),
            (
                &format!("role_arn={app},oidc_provider={provider},cluster=ABC,reason=expired"),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},oidc_provider={provider},cluster=ABC,reason=provider_not_found"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={app},oidc_provider={provider},cluster=ABC,reason=subject_or_trust_mismatch"
                ),
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&set, "trailflow.irsa.assumptions"),
        expect(&[(
            &format!(
                "namespace=payments,service_account=app,role_arn={app},cluster=ABC,mechanism=irsa"
            ),
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
                    "key_arn={key},caller_account=444455556666,key_account={ACCT},cross_account=true,outcome=success,copy=same"
                ),
                1.0
            ),
            (
                &format!(
                    "key_arn={key},caller_account=444455556666,key_account={ACCT},cross_account=true,outcome=throttled,error_code=ThrottlingException,copy=same"
                ),
                2.0
            ),
            (
                &format!(
                    "key_arn={key},caller_account={ACCT},key_account={ACCT},cross_account=false,outcome=success,copy=same"
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
                    "principal_arn={ci},event_source=ec2.amazonaws.com,event_name=RunInstances,cause=unknown,account={ACCT},copy=same"
                ),
                1.0
            ),
            (
                &format!(
                    "principal_arn={ci},event_source=s3.amazonaws.com,event_name=GetObject,cause=implicit,account={ACCT},copy=same"
                ),
                1.0
            ),
            (
                &format!(
                    "principal_arn={ci},event_source=s3.amazonaws.com,event_name=GetObject,cause=permissions_boundary,account={ACCT},copy=same"
                ),
                1.0
            ),
            (
                &format!(
                    "principal_arn={ci},event_source=s3.amazonaws.com,event_name=GetObject,cause=service_control_policy,account={ACCT},copy=same"
                ),
                1.0
            ),
            (
                &format!(
                    "principal_arn={ci},event_source=s3.amazonaws.com,event_name=GetObject,cause=unknown,account={ACCT},copy=same"
                ),
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&set, "trailflow.sts.calls"),
        expect(&[
            (
                "region=eu-west-1,endpoint=global,outcome=throttled,error_code=Throttling,account=111122223333",
                1.0
            ),
            (
                "region=eu-west-1,endpoint=regional,outcome=success,account=111122223333",
                1.0
            ),
            (
                "region=eu-west-1,endpoint=vpce,outcome=success,account=111122223333",
                1.0
            ),
        ])
    );
}
