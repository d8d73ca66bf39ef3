//! The event variants AWS really emits, each with the outcome a platform engineer expects:
//! console SwitchRole, MFA on AssumeRole, EKS Pod Identity beside IRSA, VPC endpoint policy and
//! EC2's encoded denials, FIPS and dual-stack STS, calls a service made on a node's behalf,
//! every throttling code, Karpenter, ExternalDNS by its role, ECR pulls, and risky changes in
//! the shapes CloudTrail logs them. Fixtures follow AWS's documented events, through the real
//! decoder and engine.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::engine::*;
use serde_json::{Value, json};

fn session(role_name: &str, session: &str, mfa: Option<bool>) -> Value {
    let mut identity = json!({
        "type": "AssumedRole",
        "principalId": format!("AROAEXAMPLE:{session}"),
        "arn": format!("arn:aws:sts::{ACCT}:assumed-role/{role_name}/{session}"),
        "accountId": ACCT,
        "sessionContext": { "sessionIssuer": { "type": "Role", "arn": role(role_name), "accountId": ACCT, "userName": role_name } }
    });
    if let Some(mfa) = mfa {
        identity["sessionContext"]["attributes"] =
            json!({ "mfaAuthenticated": mfa.to_string(), "creationDate": "2026-11-27T09:00:00Z" });
    }
    identity
}

#[tokio::test]
async fn c14_switch_role_and_assume_role_mfa_as_aws_logs_them() {
    let bg = role("break-glass-admin");
    // The console's SwitchRole: signin.amazonaws.com, the role in additionalEventData.SwitchTo.
    let switch = |mfa: Option<bool>, result: &str| {
        json!({
            "eventVersion": "1.08",
            "userIdentity": session("break-glass-admin", "alice", mfa),
            "eventTime": "2026-11-27T10:00:00Z", "eventSource": "signin.amazonaws.com", "eventName": "SwitchRole",
            "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.44", "userAgent": "Mozilla/5.0",
            "requestParameters": null,
            "responseElements": { "SwitchRole": result },
            "additionalEventData": { "SwitchFrom": format!("arn:aws:iam::{ACCT}:user/alice"), "SwitchTo": bg, "RedirectTo": "https://console.aws.amazon.com/" },
            "eventID": "e", "eventType": "AwsConsoleSignIn", "recipientAccountId": ACCT
        })
    };
    let assume = |identity: Value, request: Value| {
        ev(
            "sts.amazonaws.com",
            "AssumeRole",
            identity,
            json!({ "requestParameters": request }),
        )
    };
    let user = json!({ "type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": format!("arn:aws:iam::{ACCT}:user/bob"), "accountId": ACCT, "userName": "bob" });
    let saml = json!({ "type": "SAMLUser", "principalId": "SAMPLE:idp", "userName": "carol" });
    let set = evaluate(
        vec![
            switch(Some(true), "Success"),
            switch(None, "Success"),
            switch(Some(true), "Failure"),
            // MFA given in the request (serialNumber and tokenCode), by a user's access keys.
            assume(user.clone(), json!({ "roleArn": bg, "roleSessionName": "bob", "serialNumber": format!("arn:aws:iam::{ACCT}:mfa/bob"), "tokenCode": "123456" })),
            // Access keys without MFA: it cannot have been used.
            assume(user, json!({ "roleArn": bg, "roleSessionName": "bob" })),
            // A session that says nothing about MFA.
            assume(saml, json!({ "roleArn": bg, "roleSessionName": "carol" })),
            assume(session("ops", "dave", Some(false)), json!({ "roleArn": bg, "roleSessionName": "dave" })),
            assume(session("ops", "erin", Some(true)), json!({ "roleArn": role("ops-admin"), "roleSessionName": "erin" })),
        ],
        "",
    )
    .await;
    assert_eq!(
        points(&set, "trailflow.break_glass.assumptions"),
        expect(&[
            // AssumeRole is logged in its region, the console's SwitchRole in us-east-1.
            (
                &format!(
                    "role_arn={bg},mfa=false,outcome=success,account=111122223333,region=eu-west-1"
                ),
                2.0
            ),
            (
                &format!(
                    "role_arn={bg},mfa=true,outcome=error,account=111122223333,region=us-east-1"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={bg},mfa=true,outcome=success,account=111122223333,region=eu-west-1"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={bg},mfa=true,outcome=success,account=111122223333,region=us-east-1"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={bg},mfa=unknown,outcome=success,account=111122223333,region=eu-west-1"
                ),
                1.0
            ),
            (
                &format!(
                    "role_arn={bg},mfa=unknown,outcome=success,account=111122223333,region=us-east-1"
                ),
                1.0
            ),
        ])
    );
}

#[tokio::test]
async fn c3_pod_identity_beside_irsa_with_cluster_names() {
    let issuer = "oidc.eks.eu-west-1.amazonaws.com/id/5A1B2C3D4E5F60718293A4B5C6D7E8F9";
    let provider = format!("arn:aws:iam::{ACCT}:oidc-provider/{issuer}");
    let sub = "system:serviceaccount:payments:app";
    let irsa = |id_provider: &str| {
        json!({
            "eventVersion": "1.08",
            "userIdentity": { "type": "WebIdentityUser", "principalId": format!("{issuer}:sts.amazonaws.com:{sub}"), "userName": sub, "identityProvider": id_provider },
            "eventTime": "2026-11-27T10:00:00Z", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
            "awsRegion": "eu-west-1", "sourceIPAddress": "10.0.1.25",
            "requestParameters": { "roleArn": role("payments"), "roleSessionName": "botocore-session-1" },
            "responseElements": { "subjectFromWebIdentityToken": sub, "audience": "sts.amazonaws.com", "provider": id_provider },
            "eventID": "e", "eventType": "AwsApiCall", "recipientAccountId": ACCT
        })
    };
    // The EKS Auth API's response, as its API reference documents it.
    let pod_identity = |error: Option<&str>| {
        let mut e = json!({
            "eventVersion": "1.08",
            "userIdentity": session("prod-eks-node-group-NodeInstanceRole-1", "i-0123", None),
            "eventTime": "2026-11-27T10:00:05Z", "eventSource": "eks-auth.amazonaws.com", "eventName": "AssumeRoleForPodIdentity",
            "awsRegion": "eu-west-1", "sourceIPAddress": "10.0.1.25",
            "requestParameters": { "clusterName": "prod-eks", "token": "HIDDEN_DUE_TO_SECURITY_REASONS" },
            "responseElements": {
                "subject": { "namespace": "payments", "serviceAccount": "app" },
                "audience": "pods.eks.amazonaws.com",
                "podIdentityAssociation": { "associationArn": format!("arn:aws:eks:eu-west-1:{ACCT}:podidentityassociation/prod-eks/a-1"), "associationId": "a-1" },
                "assumedRoleUser": { "arn": format!("arn:aws:sts::{ACCT}:assumed-role/payments/eks-prod-eks-app-0a1b"), "assumeRoleId": "AROAEXAMPLE:eks-prod-eks-app-0a1b" },
                "credentials": { "accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "SECRET", "sessionToken": "SECRET-TOKEN", "expiration": 1795777200 }
            },
            "eventID": "e2", "eventType": "AwsApiCall", "recipientAccountId": ACCT
        });
        if let Some(code) = error {
            e["errorCode"] = json!(code);
            e["responseElements"] = Value::Null;
        }
        e
    };
    let set = evaluate(
        vec![
            irsa(&provider),
            irsa(&format!("https://{issuer}")),
            irsa(&format!(
                "arn:aws:iam::{ACCT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/UNLISTED"
            )),
            pod_identity(None),
            pod_identity(Some("AccessDeniedException")),
        ],
        "",
    )
    .await;
    let payments = role("payments");
    assert_eq!(
        points(&set, "trailflow.irsa.assumptions"),
        expect(&[
            (
                &format!(
                    "namespace=payments,service_account=app,role_arn={payments},cluster=UNLISTED,mechanism=irsa"
                ),
                1.0
            ),
            (
                &format!(
                    "namespace=payments,service_account=app,role_arn={payments},cluster=prod-eks,mechanism=irsa"
                ),
                2.0
            ),
            (
                &format!(
                    "namespace=payments,service_account=app,role_arn={payments},cluster=prod-eks,mechanism=pod_identity"
                ),
                1.0
            ),
        ])
    );
}

#[tokio::test]
async fn c5_causes_and_principals_from_documented_messages() {
    let denied =
        |identity: Value, source: &str, name: &str, code: &str, message: &str, extra: Value| {
            let mut e = ev(source, name, identity, extra);
            e["errorCode"] = json!(code);
            e["errorMessage"] = json!(message);
            e
        };
    let app = session("app", "s", None);
    let web = web("sts.amazonaws.com", "system:serviceaccount:orders:api");
    let set = evaluate(
        vec![
            denied(app.clone(), "s3.amazonaws.com", "GetObject", "AccessDenied",
                &format!("User: arn:aws:sts::{ACCT}:assumed-role/app/s is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" because no VPC endpoint policy allows the s3:GetObject action"), json!({})),
            denied(app.clone(), "sqs.amazonaws.com", "SendMessage", "AccessDenied",
                &format!("User: arn:aws:sts::{ACCT}:assumed-role/app/s is not authorized to perform: sqs:SendMessage on resource: q with an explicit deny in a VPC endpoint policy"), json!({})),
            denied(app.clone(), "ec2.amazonaws.com", "RunInstances", "Client.UnauthorizedOperation",
                "You are not authorized to perform this operation. Encoded authorization failure message: 0jJzX9Ev2AbCdEf", json!({})),
            denied(app.clone(), "iam.amazonaws.com", "PassRole", "AccessDenied",
                &format!("User: arn:aws:sts::{ACCT}:assumed-role/app/s is not authorized to perform: iam:PassRole on resource: x with an explicit deny in a resource control policy"), json!({})),
            denied(app, "kms.amazonaws.com", "Decrypt", "AccessDeniedException",
                "User: x is not authorized to perform: kms:Decrypt because no resource-based policy allows the kms:Decrypt action", json!({})),
            // A web identity denied: its principal is the role it tried.
            denied(web, "sts.amazonaws.com", "AssumeRoleWithWebIdentity", "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity", json!({ "requestParameters": { "roleArn": role("orders-api") } })),
        ],
        "",
    )
    .await;
    let causes = |cause: &str| total(&set, "trailflow.access_denied", &[("cause", cause)]);
    assert_eq!(causes("vpc_endpoint_policy"), 2.0);
    assert_eq!(
        causes("encoded"),
        1.0,
        "EC2's encoded message is not unknown"
    );
    assert_eq!(causes("resource_control_policy"), 1.0);
    assert_eq!(causes("resource_policy"), 1.0);
    let orders = role("orders-api");
    assert_eq!(
        total(
            &set,
            "trailflow.access_denied",
            &[("principal_arn", orders.as_str()), ("cause", "unknown")]
        ),
        1.0,
        "the WebIdentityUser's principal is the role it tried"
    );
}

#[tokio::test]
async fn c6_endpoints_and_one_definition_of_throttled() {
    let sts = |host: &str, code: Option<&str>| {
        let mut e = ev(
            "sts.amazonaws.com",
            "GetCallerIdentity",
            session("app", "s", None),
            json!({ "tlsDetails": { "clientProvidedHostHeader": host } }),
        );
        if let Some(c) = code {
            e["errorCode"] = json!(c);
        }
        e
    };
    let set = evaluate(
        vec![
            sts("sts-fips.us-east-1.amazonaws.com", None),
            sts("sts-fips.us-east-1.api.aws", None),
            sts("sts.eu-west-1.api.aws", None),
            sts(
                "sts.eu-west-1.amazonaws.com",
                Some("TooManyRequestsException"),
            ),
            sts("sts.amazonaws.com", Some("RequestLimitExceeded")),
        ],
        "",
    )
    .await;
    assert_eq!(
        points(&set, "trailflow.sts.calls"),
        expect(&[
            (
                "region=eu-west-1,endpoint=dualstack,outcome=success,account=111122223333",
                1.0
            ),
            (
                "region=eu-west-1,endpoint=fips,outcome=success,account=111122223333",
                2.0
            ),
            (
                "region=eu-west-1,endpoint=global,outcome=throttled,error_code=RequestLimitExceeded,account=111122223333",
                1.0
            ),
            (
                "region=eu-west-1,endpoint=regional,outcome=throttled,error_code=TooManyRequestsException,account=111122223333",
                1.0
            ),
        ])
    );
}

#[tokio::test]
async fn c7_leaves_out_calls_services_make_for_the_node() {
    let node = session("prod-eks-node-group-NodeInstanceRole-1", "i-0123", None);
    let mut on_behalf = node.clone();
    on_behalf["invokedBy"] = json!("ebs.amazonaws.com");
    let set = evaluate(
        vec![
            ev("kms.amazonaws.com", "Decrypt", node.clone(), json!({})),
            ev(
                "kms.amazonaws.com",
                "Decrypt",
                on_behalf,
                json!({ "sourceIPAddress": "ebs.amazonaws.com" }),
            ),
        ],
        "",
    )
    .await;
    assert_eq!(total(&set, "trailflow.node_role.workload_calls", &[]), 1.0);
}

#[tokio::test]
async fn c8_one_observation_per_pull_c9_c11_by_their_roles() {
    let node = session("prod-eks-node-group-NodeInstanceRole-1", "i-0123", None);
    let at = |name: &str, t: &str, repo: &str| {
        let mut e = ev(
            "ecr.amazonaws.com",
            name,
            node.clone(),
            json!({ "requestParameters": { "repositoryName": repo } }),
        );
        e["eventTime"] = json!(t);
        e
    };
    let dns = |who: Value, code: Option<&str>| {
        let mut e = ev(
            "route53.amazonaws.com",
            "ChangeResourceRecordSets",
            who,
            json!({ "requestParameters": { "hostedZoneId": "/hostedzone/Z1" } }),
        );
        if let Some(c) = code {
            e["errorCode"] = json!(c);
        }
        e
    };
    let karpenter = session("KarpenterControllerRole-prod", "k", None);
    let ec2 = |name: &str, who: Value, code: Option<&str>| {
        let mut e = ev("ec2.amazonaws.com", name, who, json!({}));
        if let Some(c) = code {
            e["errorCode"] = json!(c);
        }
        e
    };
    let set = evaluate(
        vec![
            // A manifest check (cached image: no layers), then much later a real pull of 12 s.
            at("BatchGetImage", "2026-11-27T10:00:00Z", "team/api"),
            at("BatchGetImage", "2026-11-27T10:30:00Z", "team/api"),
            at("GetDownloadUrlForLayer", "2026-11-27T10:30:02Z", "team/api"),
            at("GetDownloadUrlForLayer", "2026-11-27T10:30:12Z", "team/api"),
            // Right after, a new manifest request starts the next pull (3 s).
            at("BatchGetImage", "2026-11-27T10:30:20Z", "team/api"),
            at("GetDownloadUrlForLayer", "2026-11-27T10:30:23Z", "team/api"),
            dns(session("external-dns", "1", None), None),
            dns(
                session("external-dns", "1", None),
                Some("PriorRequestNotComplete"),
            ),
            dns(session("cert-manager", "1", None), None),
            ec2("CreateFleet", karpenter.clone(), None),
            ec2(
                "CreateFleet",
                karpenter.clone(),
                Some("Client.RequestLimitExceeded"),
            ),
            ec2("TerminateInstances", karpenter, None),
            ec2("RunInstances", session("terraform", "1", None), None),
        ],
        "",
    )
    .await;
    let pulls: Vec<(u64, f64)> = set
        .series()
        .iter()
        .filter(|s| s.metric.name == "trailflow.ecr.pull.duration")
        .filter_map(|s| match s.value {
            trailflow::metrics::series::Aggregate::Histogram(h) => Some((h.count, h.sum)),
            _ => None,
        })
        .collect();
    assert_eq!(
        pulls,
        vec![(2, 15.0)],
        "two pulls of 12 s and 3 s; the manifest check is none"
    );
    assert_eq!(
        total(&set, "trailflow.route53.changes", &[]),
        2.0,
        "cert-manager is not ExternalDNS"
    );
    assert_eq!(
        total(&set, "trailflow.route53.changes", &[("outcome", "backlog")]),
        1.0
    );
    let karpenter = role("KarpenterControllerRole-prod");
    assert_eq!(
        points(&set, "trailflow.autoscaling.actions"),
        expect(&[
            (
                &format!(
                    "caller_role={karpenter},controller=karpenter,event_name=CreateFleet,outcome=success,account=111122223333,region=eu-west-1"
                ),
                1.0
            ),
            (
                &format!(
                    "caller_role={karpenter},controller=karpenter,event_name=CreateFleet,outcome=throttled,error_code=Client.RequestLimitExceeded,account=111122223333,region=eu-west-1"
                ),
                1.0
            ),
            (
                &format!(
                    "caller_role={karpenter},controller=karpenter,event_name=TerminateInstances,outcome=success,account=111122223333,region=eu-west-1"
                ),
                1.0
            ),
        ])
    );
}

#[tokio::test]
async fn c13_risky_changes_in_the_shapes_cloudtrail_logs() {
    let jane = json!({ "type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": format!("arn:aws:iam::{ACCT}:user/jane"), "accountId": ACCT, "userName": "jane" });
    let lbc = session("aws-load-balancer-controller", "1", None);
    let call = |who: &Value, source: &str, name: &str, request: Value| {
        ev(
            source,
            name,
            who.clone(),
            json!({ "requestParameters": request }),
        )
    };
    let ec2 = "ec2.amazonaws.com";
    let set = evaluate(
        vec![
            // ModifySecurityGroupRules: the group is nested in the request.
            call(&jane, ec2, "ModifySecurityGroupRules", json!({ "ModifySecurityGroupRulesRequest": { "GroupId": "sg-1", "SecurityGroupRule": { "SecurityGroupRuleId": "sgr-1", "SecurityGroupRule": { "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0" } } } })),
            // A description that ends in /0 is not a CIDR.
            call(&jane, ec2, "AuthorizeSecurityGroupIngress", json!({ "groupId": "sg-2", "ipPermissions": { "items": [{ "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": { "items": [{ "cidrIp": "10.0.0.0/8", "description": "was 0.0.0.0/0" }] } }] } })),
            call(&jane, ec2, "AuthorizeSecurityGroupEgress", json!({ "groupId": "sg-3", "ipPermissions": { "items": [{ "ipProtocol": "-1", "ipv6Ranges": { "items": [{ "cidrIpv6": "::/0" }] } }] } })),
            call(&jane, ec2, "RevokeSecurityGroupEgress", json!({ "groupId": "sg-4", "ipPermissions": { "items": [{ "ipProtocol": "-1", "ipRanges": { "items": [{ "cidrIp": "0.0.0.0/0" }] } }] } })),
            call(&lbc, ec2, "AuthorizeSecurityGroupIngress", json!({ "groupId": "sg-5", "ipPermissions": { "items": [{ "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipRanges": { "items": [{ "cidrIp": "0.0.0.0/0" }] } }] } })),
            // The EKS public endpoint: opened to the world, turned on without a CIDR list (the
            // default is 0.0.0.0/0), and restricted (not risky).
            call(&jane, "eks.amazonaws.com", "UpdateClusterConfig", json!({ "name": "prod", "resourcesVpcConfig": { "endpointPublicAccess": true, "publicAccessCidrs": ["0.0.0.0/0"] } })),
            call(&jane, "eks.amazonaws.com", "UpdateClusterConfig", json!({ "name": "dev", "resourcesVpcConfig": { "endpointPublicAccess": true } })),
            call(&jane, "eks.amazonaws.com", "UpdateClusterConfig", json!({ "name": "stage", "resourcesVpcConfig": { "endpointPublicAccess": true, "publicAccessCidrs": ["203.0.113.0/24"] } })),
            call(&jane, "iam.amazonaws.com", "RemoveClientIDFromOpenIDConnectProvider", json!({ "openIDConnectProviderArn": format!("arn:aws:iam::{ACCT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"), "clientID": "sts.amazonaws.com" })),
            call(&jane, "kms.amazonaws.com", "PutKeyPolicy", json!({ "keyId": format!("arn:aws:kms:eu-west-1:{ACCT}:key/k1"), "policyName": "default" })),
            call(&jane, "kms.amazonaws.com", "DisableKey", json!({ "keyId": format!("arn:aws:kms:eu-west-1:{ACCT}:key/k1") })),
            // A node role widened, and the same on an application role (not a node role).
            call(&jane, "iam.amazonaws.com", "AttachRolePolicy", json!({ "roleName": "prod-eks-node-group-NodeInstanceRole-1", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess" })),
            call(&jane, "iam.amazonaws.com", "PutRolePolicy", json!({ "roleName": "eksctl-prod-nodegroup-ng-1-NodeInstanceRole-ABC", "policyName": "extra" })),
            call(&jane, "iam.amazonaws.com", "AttachRolePolicy", json!({ "roleName": "payments", "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" })),
        ],
        "",
    )
    .await;
    let key = format!("arn:aws:kms:eu-west-1:{ACCT}:key/k1");
    let provider = "oidc.eks.eu-west-1.amazonaws.com/id/ABC";
    assert_eq!(
        points(&set, "trailflow.risky_changes"),
        expect(&[
            (
                &format!(
                    "account={ACCT},event_name=AttachRolePolicy,target=prod-eks-node-group-NodeInstanceRole-1,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=AuthorizeSecurityGroupEgress,target=sg-3,direction=egress,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=AuthorizeSecurityGroupIngress,target=sg-5,direction=ingress,managed=lb_controller,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=DisableKey,target={key},managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=ModifySecurityGroupRules,target=sg-1,direction=unknown,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=PutKeyPolicy,target={key},managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=PutRolePolicy,target=eksctl-prod-nodegroup-ng-1-NodeInstanceRole-ABC,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=RemoveClientIDFromOpenIDConnectProvider,target={provider},managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=RevokeSecurityGroupEgress,target=sg-4,direction=egress,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=UpdateClusterConfig,target=dev,managed=none,outcome=success"
                ),
                1.0
            ),
            (
                &format!(
                    "account={ACCT},event_name=UpdateClusterConfig,target=prod,managed=none,outcome=success"
                ),
                1.0
            ),
        ])
    );
}
