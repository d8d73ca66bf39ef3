//! The fourth CloudTrail file of the samples: the event variants the metrics must read right on
//! real accounts. A cross-account assumption's caller copy, EKS Pod Identity beside IRSA for
//! the same service account, a console SwitchRole into the break-glass role, STS over its
//! dual-stack endpoint, a VPC endpoint policy denial, Karpenter, and platform changes shaped
//! as AWS logs them (ModifySecurityGroupRules' nested group, a description that mentions /0,
//! the default egress removed, the EKS endpoint opened, a node role widened).

use simd_json::OwnedValue as Value;
use simd_json::json;

use super::events::{Scenario, role_arn};
use super::{ACCOUNT, BREAK_GLASS_ROLE, NODE_ROLE, OIDC_PROVIDER, REGION};
use crate::synth::cloudtrail::Caller;

/// The shared-services account whose role the CI deployer assumes; its trail is not here.
pub const SHARED_SERVICES: &str = "555566667777";

impl Scenario {
    /// Organization, Pod Identity, console and platform-change activity.
    pub(crate) fn platform_file(&mut self) -> Vec<Value> {
        let mut events = Vec::new();
        // The caller's copy of a cross-account assumption (the role owner's copy is logged in
        // 555566667777, whose trail trailflow does not read).
        let ci = Caller::role(ACCOUNT, "ci-deployer", "gh-run-4711");
        let shared_role = format!("arn:aws:iam::{SHARED_SERVICES}:role/shared-ecr-reader");
        let shared = self.rng.uuid();
        let creds = self.creds();
        events.push(
            self.ev(1800, "sts.amazonaws.com", "AssumeRole", &ci)
                .request(json!({ "roleArn": shared_role.as_str(), "roleSessionName": "gh-run-4711" }))
                .response(json!({ "credentials": creds, "assumedRoleUser": { "assumedRoleId": "AROASHAREDREADER0001:gh-run-4711", "arn": format!("arn:aws:sts::{SHARED_SERVICES}:assumed-role/shared-ecr-reader/gh-run-4711") } }))
                .resources(json!([{ "accountId": SHARED_SERVICES, "type": "AWS::IAM::Role", "ARN": shared_role.as_str() }]))
                .shared(&shared)
                .build(),
        );

        // EKS Pod Identity for the service account IRSA also serves: the dual annotation.
        let agent = Caller::role(ACCOUNT, NODE_ROLE, "i-0123456789abcdef0");
        for i in 0..2 {
            let creds = self.creds();
            events.push(
                self.ev(1810 + i, "eks-auth.amazonaws.com", "AssumeRoleForPodIdentity", &agent)
                    .request(json!({ "clusterName": "prod-eks", "token": "HIDDEN_DUE_TO_SECURITY_REASONS" }))
                    .response(json!({
                        "subject": { "namespace": "payments", "serviceAccount": "app-sqs-consumer" },
                        "audience": "pods.eks.amazonaws.com",
                        "podIdentityAssociation": {
                            "associationArn": format!("arn:aws:eks:{REGION}:{ACCOUNT}:podidentityassociation/prod-eks/a-0pq9rs8tu7vw6xyz5"),
                            "associationId": "a-0pq9rs8tu7vw6xyz5"
                        },
                        "assumedRoleUser": {
                            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/payments-sqs-consumer/eks-prod-eks-app-sqs-co-0a1b2c3d"),
                            "assumeRoleId": "AROAEXAMPLEPODID:eks-prod-eks-app-sqs-co-0a1b2c3d"
                        },
                        "credentials": creds
                    }))
                    .build(),
            );
        }

        // Alice switches into the break-glass role in the console, from an MFA session.
        let switched = Caller::AssumedRole {
            account: ACCOUNT.into(),
            role: "break-glass-admin".into(),
            session: "alice@example.com".into(),
            mfa: true,
        };
        events.push(
            self.ev(1820, "signin.amazonaws.com", "SwitchRole", &switched)
                .console()
                .without_tls()
                .source_ip("192.0.2.44")
                .response(json!({ "SwitchRole": "Success" }))
                .additional(json!({
                    "SwitchFrom": role_arn("sso-platform-admin"),
                    "SwitchTo": BREAK_GLASS_ROLE,
                    "RedirectTo": "https://console.aws.amazon.com/console/home"
                }))
                .build(),
        );

        // STS over the dual-stack endpoint; a denial by a VPC endpoint policy.
        let pod = Caller::role(
            ACCOUNT,
            "payments-sqs-consumer",
            "botocore-session-1795773600",
        );
        events.push(
            self.ev(1830, "sts.amazonaws.com", "GetCallerIdentity", &pod)
                .tls_host(&format!("sts.{REGION}.api.aws"))
                .build(),
        );
        let orders = Caller::role(ACCOUNT, "orders-api", "botocore-session-1795773999");
        events.push(
            self.ev(1831, "secretsmanager.amazonaws.com", "GetSecretValue", &orders)
                .request(json!({ "secretId": "prod/orders/db" }))
                .vpc_endpoint("vpce-0fedcba9876543210")
                .error("AccessDeniedException", &format!("User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-api/botocore-session-1795773999 is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/orders/db because no VPC endpoint policy allows the secretsmanager:GetSecretValue action"))
                .build(),
        );
        // EBS decrypting for the node: a service call on its behalf, not a pod's.
        let node = Caller::role(ACCOUNT, NODE_ROLE, "i-0123456789abcdef0");
        let key =
            format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        events.push(
            self.ev(1832, "kms.amazonaws.com", "Decrypt", &node)
                .invoked_by("ebs.amazonaws.com")
                .without_tls()
                .resources(
                    json!([{ "accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key.as_str() }]),
                )
                .build(),
        );
        // A manifest check ten minutes after the pull: the image is cached, nothing is pulled.
        events.push(
            self.ev(1840, "ecr.amazonaws.com", "BatchGetImage", &node)
                .source_ip("10.0.1.25")
                .request(json!({ "registryId": ACCOUNT, "repositoryName": "payments/api", "imageIds": [{ "imageTag": "v1.4.2" }] }))
                .build(),
        );

        // Karpenter launching and removing nodes; EC2 throttles one fleet request.
        let karpenter = Caller::role(
            ACCOUNT,
            "KarpenterControllerRole-prod-eks",
            "1795775400333333333",
        );
        let fleet = json!({ "CreateFleetRequest": { "Type": "instant", "TargetCapacitySpecification": { "TotalTargetCapacity": 1 } } });
        events.push(
            self.ev(1850, "ec2.amazonaws.com", "CreateFleet", &karpenter)
                .request(fleet.clone())
                .build(),
        );
        events.push(
            self.ev(1851, "ec2.amazonaws.com", "CreateFleet", &karpenter)
                .request(fleet)
                .error("Client.RequestLimitExceeded", "Request limit exceeded.")
                .build(),
        );
        events.push(self.ev(1852, "ec2.amazonaws.com", "TerminateInstances", &karpenter).request(json!({ "instancesSet": { "items": [{ "instanceId": "i-0bbbbbbbbbbbbbbbb" }] } })).build());

        // Security groups: an edited rule opened to the world (its group nested in the request),
        // the Load Balancer Controller opening its internet-facing group, a rule whose
        // description mentions /0 but whose CIDR does not, the default egress removed.
        let dev = Caller::IamUser {
            account: ACCOUNT.into(),
            name: "dev-jane".into(),
        };
        events.push(
            self.ev(1900, "ec2.amazonaws.com", "ModifySecurityGroupRules", &dev)
                .request(json!({ "ModifySecurityGroupRulesRequest": { "GroupId": "sg-0dddddddddddddddd", "SecurityGroupRule": { "SecurityGroupRuleId": "sgr-0123456789abcdef0", "SecurityGroupRule": { "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIpv4": "0.0.0.0/0", "Description": "debug" }, "tag": 1 } } }))
                .build(),
        );
        let lbc = Caller::role(
            ACCOUNT,
            "aws-load-balancer-controller",
            "1795773600111111111",
        );
        events.push(
            self.ev(1901, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", &lbc)
                .request(json!({ "groupId": "sg-0c0ffee0c0ffee001", "ipPermissions": { "items": [{ "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipRanges": { "items": [{ "cidrIp": "0.0.0.0/0", "description": "k8s: payments/api ingress" }] } }] } }))
                .build(),
        );
        events.push(
            self.ev(1902, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", &dev)
                .request(json!({ "groupId": "sg-0aaaaaaaaaaaaaaaa", "ipPermissions": { "items": [{ "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": { "items": [{ "cidrIp": "10.20.0.0/16", "description": "office VPN, replaces 0.0.0.0/0" }] } }] } }))
                .build(),
        );
        events.push(
            self.ev(1903, "ec2.amazonaws.com", "RevokeSecurityGroupEgress", &dev)
                .request(json!({ "groupId": "sg-0eeeeeeeeeeeeeeee", "ipPermissions": { "items": [{ "ipProtocol": "-1", "ipRanges": { "items": [{ "cidrIp": "0.0.0.0/0" }] } }] } }))
                .build(),
        );

        // The EKS endpoint opened to the internet, the OIDC provider narrowed, a key scheduled
        // for deletion, the node role widened.
        events.push(
            self.ev(1910, "eks.amazonaws.com", "UpdateClusterConfig", &dev)
                .request(json!({ "name": "prod-eks", "resourcesVpcConfig": { "endpointPublicAccess": true, "endpointPrivateAccess": true, "publicAccessCidrs": ["0.0.0.0/0"] } }))
                .build(),
        );
        events.push(
            self.ev(1911, "iam.amazonaws.com", "RemoveClientIDFromOpenIDConnectProvider", &dev)
                .request(json!({ "openIDConnectProviderArn": OIDC_PROVIDER, "clientID": "sts.amazonaws.com" }))
                .build(),
        );
        events.push(
            self.ev(1912, "kms.amazonaws.com", "ScheduleKeyDeletion", &dev)
                .request(json!({ "keyId": key.as_str(), "pendingWindowInDays": 7 }))
                .resources(
                    json!([{ "accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key.as_str() }]),
                )
                .build(),
        );
        events.push(
            self.ev(1913, "iam.amazonaws.com", "AttachRolePolicy", &dev)
                .request(json!({ "roleName": NODE_ROLE, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess" }))
                .build(),
        );
        events
    }
}
