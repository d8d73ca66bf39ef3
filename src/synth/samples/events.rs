//! The CloudTrail side of the samples scenario: identity, denies, controllers, Insights.

use simd_json::OwnedValue as Value;
use simd_json::json;

use super::{
    ACCOUNT, BREAK_GLASS_ROLE, NODE_ROLE, OIDC_PROVIDER, PARTNER, PLANTED_SESSION_TOKEN, REGION, T0,
};
use crate::synth::Rng;
use crate::synth::cloudtrail::{Caller, Event, credentials};

pub(super) fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn web_identity(audience: &str, subject: &str) -> Caller {
    Caller::WebIdentity {
        provider_arn: OIDC_PROVIDER.into(),
        audience: audience.into(),
        subject: subject.into(),
    }
}

pub(super) struct Scenario {
    pub(super) rng: Rng,
}

impl Scenario {
    pub(super) fn creds(&mut self) -> Value {
        let token = self.rng.hex(200);
        credentials(&mut self.rng, &token)
    }

    pub(super) fn ev(&mut self, t: i64, source: &str, name: &str, caller: &Caller) -> Event {
        Event::new(&mut self.rng, T0 + t, source, name, caller, REGION, ACCOUNT)
    }

    fn web_identity_call(&mut self, t: i64, role: &str, audience: &str, subject: &str) -> Event {
        let session = format!("botocore-session-{}", 1_795_000_000 + t);
        self.ev(t, "sts.amazonaws.com", "AssumeRoleWithWebIdentity", &web_identity(audience, subject))
            .request(json!({ "roleArn": role_arn(role), "roleSessionName": session, "durationSeconds": 86400 }))
            .resources(json!([{ "accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": role_arn(role) }]))
    }

    fn irsa_success(&mut self, t: i64, role: &str, subject: &str, token: &str) -> Value {
        let creds = credentials(&mut self.rng, token);
        self.web_identity_call(t, role, "sts.amazonaws.com", subject)
            .response(json!({
                "credentials": creds,
                "subjectFromWebIdentityToken": subject,
                "assumedRoleUser": { "assumedRoleId": "AROAEXAMPLEIRSA:botocore", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/botocore") },
                "provider": OIDC_PROVIDER,
                "audience": "sts.amazonaws.com"
            }))
            .build()
    }

    /// IRSA, STS and break-glass activity.
    pub(super) fn identity_file(&mut self) -> Vec<Value> {
        let payments = "system:serviceaccount:payments:app-sqs-consumer";
        let mut events = Vec::new();
        for i in 0..6 {
            let token = if i == 0 {
                PLANTED_SESSION_TOKEN.to_string()
            } else {
                self.rng.hex(200)
            };
            events.push(self.irsa_success(i * 30, "payments-sqs-consumer", payments, &token));
        }
        for i in 0..2 {
            let token = self.rng.hex(200);
            events.push(self.irsa_success(
                200 + i,
                "external-dns",
                "system:serviceaccount:kube-system:external-dns",
                &token,
            ));
        }
        for i in 0..3 {
            events.push(
                self.web_identity_call(
                    300 + i,
                    "payments-sqs-consumer",
                    "https://kubernetes.default.svc",
                    payments,
                )
                .error("InvalidIdentityToken", "Incorrect token audience")
                .build(),
            );
        }
        let orders = "system:serviceaccount:orders:orders-api-v2";
        events.push(
            self.web_identity_call(400, "orders-api", "sts.amazonaws.com", orders)
                .error(
                    "AccessDenied",
                    "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                )
                .build(),
        );
        events.push(
            self.web_identity_call(410, "orders-api", "sts.amazonaws.com", orders)
                .error("ExpiredTokenException", "Token expired: current date/time 1795774010 must be before the expiration date/time 1795773000")
                .build(),
        );
        events.push(
            self.web_identity_call(420, "payments-sqs-consumer", "sts.amazonaws.com", payments)
                .error("InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://oidc.eks.eu-west-1.amazonaws.com/id/5A1B2C3D4E5F60718293A4B5C6D7E8F9")
                .build(),
        );
        events.push(
            self.web_identity_call(430, "payments-sqs-consumer", "sts.amazonaws.com", payments)
                .error("IDPCommunicationError", "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements")
                .build(),
        );
        let ci = Caller::role(ACCOUNT, "github-actions-oidc", "gh-run-4711");
        for i in 0..4 {
            let creds = self.creds();
            let e = self
                .ev(500 + i, "sts.amazonaws.com", "AssumeRole", &ci)
                .request(json!({ "roleArn": role_arn("ci-deployer"), "roleSessionName": "gh-run-4711" }))
                .response(json!({ "credentials": creds, "assumedRoleUser": { "assumedRoleId": "AROAEXAMPLECI:gh-run-4711", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci-deployer/gh-run-4711") } }));
            events.push(
                if i < 2 {
                    e.tls_host("sts.amazonaws.com")
                } else {
                    e
                }
                .build(),
            );
        }
        events.push(
            self.ev(520, "sts.amazonaws.com", "AssumeRole", &ci)
                .request(json!({ "roleArn": role_arn("prod-admin"), "roleSessionName": "gh-run-4711" }))
                .error("AccessDenied", &format!("User: arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-oidc/gh-run-4711 is not authorized to perform: sts:AssumeRole on resource: {}", role_arn("prod-admin")))
                .build(),
        );
        let with_mfa = Caller::AssumedRole {
            account: ACCOUNT.into(),
            role: "sso-platform-admin".into(),
            session: "alice@example.com".into(),
            mfa: true,
        };
        let creds = self.creds();
        events.push(
            self.ev(600, "sts.amazonaws.com", "AssumeRole", &with_mfa)
                .request(json!({ "roleArn": BREAK_GLASS_ROLE, "roleSessionName": "alice-incident-4242", "serialNumber": format!("arn:aws:iam::{ACCOUNT}:mfa/alice"), "durationSeconds": 3600 }))
                .response(json!({ "credentials": creds }))
                .build(),
        );
        let bob = Caller::IamUser {
            account: ACCOUNT.into(),
            name: "bob".into(),
        };
        let creds = self.creds();
        events.push(
            self.ev(660, "sts.amazonaws.com", "AssumeRole", &bob)
                .request(
                    json!({ "roleArn": BREAK_GLASS_ROLE, "roleSessionName": "bob-late-night" }),
                )
                .response(json!({ "credentials": creds }))
                .source_ip("203.0.113.77")
                .build(),
        );
        for i in 0..2 {
            events.push(
                self.web_identity_call(
                    700 + i,
                    "payments-sqs-consumer",
                    "sts.amazonaws.com",
                    payments,
                )
                .tls_host("sts.amazonaws.com")
                .error("Throttling", "Rate exceeded")
                .build(),
            );
        }
        let pod = Caller::role(
            ACCOUNT,
            "payments-sqs-consumer",
            "botocore-session-1795773600",
        );
        events.push(
            self.ev(800, "sts.amazonaws.com", "GetCallerIdentity", &pod)
                .vpc_endpoint("vpce-0123456789abcdef0")
                .build(),
        );
        events
    }

    /// Access denied by every cause, cross-account KMS, and a node role used by a workload.
    pub(super) fn denies_file(&mut self) -> Vec<Value> {
        let mut events = Vec::new();
        let key =
            format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        // The key owner's copies of a partner's decrypts: the partner's account is not logged
        // here, so these are the only copies (sharedEventID set, the caller only an account).
        let partner = Caller::Account {
            account: PARTNER.into(),
            principal: "AROAPARTNERREADER0001:spark-driver-7".into(),
        };
        for i in 0..5 {
            let shared = self.rng.uuid();
            let e = Event::new(
                &mut self.rng,
                T0 + 600 + i,
                "kms.amazonaws.com",
                "Decrypt",
                &partner,
                REGION,
                ACCOUNT,
            )
            .request(json!({ "encryptionAlgorithm": "SYMMETRIC_DEFAULT" }))
            .resources(
                json!([{ "accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key.as_str() }]),
            )
            .shared(&shared);
            events.push(
                if i < 3 {
                    e.error("ThrottlingException", "Rate exceeded")
                } else {
                    e
                }
                .build(),
            );
        }
        let payments = Caller::role(
            ACCOUNT,
            "payments-sqs-consumer",
            "botocore-session-1795773600",
        );
        events.push(
            self.ev(620, "kms.amazonaws.com", "Decrypt", &payments)
                .resources(
                    json!([{ "accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key.as_str() }]),
                )
                .build(),
        );
        events.push(
            self.ev(630, "kms.amazonaws.com", "Decrypt", &payments)
                .request(json!({ "keyId": key.as_str() }))
                .error("AccessDeniedException", &format!("User: arn:aws:sts::{ACCOUNT}:assumed-role/payments-sqs-consumer/botocore-session-1795773600 is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"))
                .build(),
        );
        let ci = Caller::role(ACCOUNT, "ci-deployer", "gh-run-4711");
        let denied = |what: &str, why: &str| {
            format!(
                "User: arn:aws:sts::{ACCOUNT}:assumed-role/ci-deployer/gh-run-4711 is not authorized to perform: {what} {why}"
            )
        };
        for i in 0..2 {
            events.push(
                self.ev(700 + i, "eks.amazonaws.com", "CreateNodegroup", &ci)
                    .request(json!({ "clusterName": "prod-eks", "nodegroupName": "spot-workers", "nodeRole": role_arn(NODE_ROLE) }))
                    .error("AccessDeniedException", &denied("iam:PassRole on resource: arn:aws:iam::111122223333:role/prod-eks-node-group-NodeInstanceRole-1A2B3C4D", "with an explicit deny in a permissions boundary"))
                    .build(),
            );
        }
        events.push(
            self.ev(710, "s3.amazonaws.com", "PutBucketPolicy", &ci)
                .request(json!({ "bucketName": "prod-artifacts" }))
                .error(
                    "AccessDenied",
                    &denied(
                        "s3:PutBucketPolicy on resource: arn:aws:s3:::prod-artifacts",
                        "with an explicit deny in a service control policy",
                    ),
                )
                .build(),
        );
        events.push(
            self.ev(720, "iam.amazonaws.com", "CreateUser", &ci)
                .request(json!({ "userName": "shadow" }))
                .error(
                    "AccessDenied",
                    &denied(
                        "iam:CreateUser on resource: arn:aws:iam::111122223333:user/shadow",
                        "with an explicit deny in an identity-based policy",
                    ),
                )
                .build(),
        );
        events.push(
            self.ev(730, "s3.amazonaws.com", "GetObject", &ci)
                .data_event()
                .request(json!({ "bucketName": "payments-ledger", "key": "2026/11/27/ledger.csv" }))
                .error("AccessDenied", &denied("s3:GetObject on resource: \"arn:aws:s3:::payments-ledger/2026/11/27/ledger.csv\"", "with an explicit deny in a resource-based policy"))
                .build(),
        );
        events.push(
            self.ev(740, "dynamodb.amazonaws.com", "PutItem", &ci)
                .request(json!({ "tableName": "orders" }))
                .error("AccessDeniedException", &denied("dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/orders", "with an explicit deny in a session policy"))
                .build(),
        );
        let orders = Caller::role(ACCOUNT, "orders-api", "botocore-session-1795773999");
        for i in 0..2 {
            events.push(
                self.ev(750 + i, "secretsmanager.amazonaws.com", "GetSecretValue", &orders)
                    .request(json!({ "secretId": "prod/orders/db" }))
                    .error("AccessDenied", &format!("User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-api/botocore-session-1795773999 is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/orders/db because no identity-based policy allows the secretsmanager:GetSecretValue action"))
                    .build(),
            );
        }
        let node = Caller::role(ACCOUNT, NODE_ROLE, "i-0123456789abcdef0");
        for i in 0..3 {
            events.push(
                self.ev(800 + i, "sqs.amazonaws.com", "ReceiveMessage", &node)
                    .data_event()
                    .request(json!({ "queueUrl": format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/payments-events") }))
                    .build(),
            );
        }
        events.push(
            self.ev(810, "secretsmanager.amazonaws.com", "GetSecretValue", &node)
                .request(json!({ "secretId": "prod/payments/stripe" }))
                .build(),
        );
        events.push(
            self.ev(820, "dynamodb.amazonaws.com", "GetItem", &node)
                .data_event()
                .request(json!({ "tableName": "payments" }))
                .build(),
        );
        events.push(
            self.ev(830, "ecr.amazonaws.com", "GetAuthorizationToken", &node)
                .build(),
        );
        events.push(self.ev(840, "ec2.amazonaws.com", "DescribeInstances", &node).request(json!({ "instancesSet": { "items": [{ "instanceId": "i-0123456789abcdef0" }] } })).build());
        events
    }

    /// Image pulls, cluster controllers, audit-trail changes and risky changes.
    pub(super) fn controllers_file(&mut self) -> Vec<Value> {
        let mut events = Vec::new();
        let node_a = Caller::role(ACCOUNT, NODE_ROLE, "i-0123456789abcdef0");
        let node_b = Caller::role(ACCOUNT, NODE_ROLE, "i-0fedcba9876543210");
        let ecr = "ecr.amazonaws.com";
        let repo = |name: &str| json!({ "registryId": ACCOUNT, "repositoryName": name, "imageIds": [{ "imageTag": "v1.4.2" }] });
        let layer = |name: &str| json!({ "registryId": ACCOUNT, "repositoryName": name, "layerDigest": "sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1" });
        events.push(
            self.ev(1200, ecr, "GetAuthorizationToken", &node_a)
                .source_ip("10.0.1.25")
                .build(),
        );
        events.push(
            self.ev(1200, ecr, "BatchGetImage", &node_a)
                .source_ip("10.0.1.25")
                .request(repo("payments/api"))
                .build(),
        );
        for dt in [1, 3, 7] {
            events.push(
                self.ev(1200 + dt, ecr, "GetDownloadUrlForLayer", &node_a)
                    .source_ip("10.0.1.25")
                    .request(layer("payments/api"))
                    .build(),
            );
        }
        events.push(
            self.ev(1260, ecr, "GetAuthorizationToken", &node_b)
                .source_ip("10.0.2.40")
                .build(),
        );
        events.push(
            self.ev(1260, ecr, "BatchGetImage", &node_b)
                .source_ip("10.0.2.40")
                .request(repo("orders/api"))
                .build(),
        );
        for dt in [2, 4] {
            events.push(
                self.ev(1260 + dt, ecr, "GetDownloadUrlForLayer", &node_b)
                    .source_ip("10.0.2.40")
                    .request(layer("orders/api"))
                    .build(),
            );
        }
        events.push(
            self.ev(1300, ecr, "BatchGetImage", &node_b)
                .source_ip("10.0.2.40")
                .request(repo("payments/missing"))
                .error("RepositoryNotFoundException", "The repository with name 'payments/missing' does not exist in the registry with id '111122223333'")
                .build(),
        );

        let dns = Caller::role(ACCOUNT, "external-dns", "1795773600000000000");
        let change = json!({ "hostedZoneId": "/hostedzone/Z0123456789ABCDEFGHIJ", "changeBatch": { "changes": [{ "action": "UPSERT", "resourceRecordSet": { "name": "api.example.com", "type": "A" } }] } });
        for i in 0..3 {
            events.push(
                self.ev(
                    1400 + i,
                    "route53.amazonaws.com",
                    "ChangeResourceRecordSets",
                    &dns,
                )
                .without_tls()
                .request(change.clone())
                .build(),
            );
        }
        events.push(
            self.ev(
                1410,
                "route53.amazonaws.com",
                "ChangeResourceRecordSets",
                &dns,
            )
            .request(change.clone())
            .error(
                "PriorRequestNotComplete",
                "The request was rejected because Route 53 was still processing a prior request.",
            )
            .build(),
        );
        events.push(
            self.ev(
                1411,
                "route53.amazonaws.com",
                "ChangeResourceRecordSets",
                &dns,
            )
            .request(change)
            .error("Throttling", "Rate exceeded")
            .build(),
        );

        let lbc = Caller::role(
            ACCOUNT,
            "aws-load-balancer-controller",
            "1795773600111111111",
        );
        let elb = "elasticloadbalancing.amazonaws.com";
        events.push(self.ev(1500, elb, "CreateTargetGroup", &lbc).request(json!({ "name": "k8s-payments-api-0a1b2c3d4e", "protocol": "HTTP", "port": 8080 })).build());
        for i in 0..2 {
            events.push(self.ev(1501 + i, elb, "RegisterTargets", &lbc).request(json!({ "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-payments-api-0a1b2c3d4e/0123456789abcdef" })).build());
        }
        events.push(
            self.ev(1503, elb, "DescribeTargetHealth", &lbc)
                .error("Throttling", "Rate exceeded")
                .build(),
        );
        events.push(
            self.ev(1504, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", &lbc)
                .request(json!({ "groupId": "sg-0c0ffee0c0ffee000", "ipPermissions": { "items": [{ "ipProtocol": "tcp", "fromPort": 8080, "toPort": 8080, "ipRanges": { "items": [{ "cidrIp": "10.0.0.0/16" }] } }] } }))
                .build(),
        );
        events.push(
            self.ev(1505, "ec2.amazonaws.com", "CreateSecurityGroup", &lbc)
                .request(json!({ "groupName": "k8s-traffic-prodeks", "vpcId": "vpc-0a1b2c3d4e5f67890" }))
                .error("Client.UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: 4K0lQd9T2zXv8mC1eRpYhGfS7nWbJ3uA5kLqE6oIt0xNcVzB")
                .build(),
        );

        let ca = Caller::role(ACCOUNT, "cluster-autoscaler", "1795773600222222222");
        let asg = json!({ "autoScalingGroupName": "eks-prod-workers-2026", "desiredCapacity": 6, "honorCooldown": false });
        for i in 0..2 {
            events.push(
                self.ev(
                    1600 + i,
                    "autoscaling.amazonaws.com",
                    "SetDesiredCapacity",
                    &ca,
                )
                .request(asg.clone())
                .build(),
            );
        }
        let terminate = json!({ "instanceId": "i-0aaaaaaaaaaaaaaaa", "shouldDecrementDesiredCapacity": true, "autoScalingGroupName": "eks-prod-workers-2026" });
        events.push(
            self.ev(
                1610,
                "autoscaling.amazonaws.com",
                "TerminateInstanceInAutoScalingGroup",
                &ca,
            )
            .request(terminate.clone())
            .build(),
        );
        events.push(
            self.ev(1611, "autoscaling.amazonaws.com", "TerminateInstanceInAutoScalingGroup", &ca)
                .request(terminate)
                .error("AccessDenied", "User: arn:aws:sts::111122223333:assumed-role/cluster-autoscaler/1795773600222222222 is not authorized to perform: autoscaling:TerminateInstanceInAutoScalingGroup with an explicit deny in a permissions boundary")
                .build(),
        );

        let mallory = Caller::IamUser {
            account: ACCOUNT.into(),
            name: "mallory".into(),
        };
        let trail =
            json!({ "name": format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/prod-trail") });
        for (i, name) in [
            "StopLogging",
            "DeleteTrail",
            "UpdateTrail",
            "PutEventSelectors",
        ]
        .iter()
        .enumerate()
        {
            events.push(
                self.ev(1700 + i as i64, "cloudtrail.amazonaws.com", name, &mallory)
                    .request(trail.clone())
                    .source_ip("198.51.100.23")
                    .build(),
            );
        }
        let dev = Caller::IamUser {
            account: ACCOUNT.into(),
            name: "dev-jane".into(),
        };
        events.push(
            self.ev(1800, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", &dev)
                .request(json!({ "groupId": "sg-0aaaaaaaaaaaaaaaa", "ipPermissions": { "items": [{ "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": { "items": [{ "cidrIp": "0.0.0.0/0" }] } }] } }))
                .build(),
        );
        events.push(
            self.ev(1801, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", &dev)
                .request(json!({ "groupId": "sg-0bbbbbbbbbbbbbbbb", "ipPermissions": { "items": [{ "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipv6Ranges": { "items": [{ "cidrIpv6": "::/0" }] } }] } }))
                .build(),
        );
        events.push(
            self.ev(
                1810,
                "iam.amazonaws.com",
                "DeleteOpenIDConnectProvider",
                &dev,
            )
            .request(json!({ "openIDConnectProviderArn": OIDC_PROVIDER }))
            .build(),
        );
        let eks = "eks.amazonaws.com";
        events.push(self.ev(1820, eks, "CreateAccessEntry", &dev).request(json!({ "clusterName": "prod-eks", "principalArn": role_arn("sso-platform-admin") })).build());
        events.push(self.ev(1821, eks, "AssociateAccessPolicy", &dev).request(json!({ "clusterName": "prod-eks", "principalArn": role_arn("sso-platform-admin"), "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" })).build());
        events.push(self.ev(1830, "iam.amazonaws.com", "UpdateAssumeRolePolicy", &dev).request(json!({ "roleName": "payments-sqs-consumer", "policyDocument": "{\"Version\":\"2012-10-17\"}" })).build());
        events
    }

    pub(super) fn insights(&mut self) -> Vec<Value> {
        ["Start", "End"]
            .iter()
            .enumerate()
            .map(|(i, state)| {
                json!({
                    "eventVersion": "1.08",
                    "eventTime": crate::synth::iso_time(T0 + 1800 + 600 * i as i64),
                    "awsRegion": REGION,
                    "eventID": self.rng.uuid(),
                    "eventType": "AwsCloudTrailInsight",
                    "recipientAccountId": ACCOUNT,
                    "sharedEventID": "5b0cd2b1-7f9e-4a3c-9f52-2a9c0b0e6f11",
                    "insightDetails": {
                        "state": *state,
                        "eventSource": "sts.amazonaws.com",
                        "eventName": "AssumeRoleWithWebIdentity",
                        "insightType": "ApiCallRateInsight",
                        "insightContext": { "statistics": { "baseline": { "average": 0.25 }, "insight": { "average": 14.5 }, "insightDuration": 10, "baselineDuration": 10070 } }
                    },
                    "eventCategory": "Insight"
                })
            })
            .collect()
    }
}
