//! Large objects with the size and variety of real deliveries, for benchmarks
//! and load tests: CloudTrail events of about 1.5 KB on average, flow-log lines
//! of about 200 bytes in a 29-field version-5 layout.

use simd_json::OwnedValue as Value;
use simd_json::json;

use super::Rng;
use super::cloudtrail::{Caller, Event, credentials, log_file};
use super::flowlog::Flow;
use crate::schema::flowlog::KNOWN_FIELDS;

const ACCOUNT: &str = "111122223333";
const OTHER_ACCOUNT: &str = "444455556666";
const REGION: &str = "eu-west-1";
const START: i64 = 1_795_770_000; // 2026-11-27T06:20:00Z

/// The layout the flow-log benchmarks use: every field of versions 2 to 5 (29 fields), in AWS's order.
pub fn flow_fields_v5() -> Vec<&'static str> {
    KNOWN_FIELDS
        .iter()
        .filter(|f| f.since_version <= 5)
        .map(|f| f.aws_name)
        .collect()
}

fn one_event(rng: &mut Rng, i: usize) -> Value {
    let t = START + (i as i64) / 20;
    let pod = Caller::role(
        ACCOUNT,
        &format!("app-{}-irsa", rng.below(40)),
        &format!("botocore-session-{}", rng.below(1_000_000)),
    );
    match rng.below(8) {
        0 => {
            let sub = format!("system:serviceaccount:ns-{}:sa-{}", rng.below(20), rng.below(50));
            let caller = Caller::WebIdentity {
                provider_arn: format!("arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/5A1B2C3D4E5F60718293A4B5C6D7E8F9"),
                audience: "sts.amazonaws.com".into(),
                subject: sub.clone(),
            };
            let role = format!("arn:aws:iam::{ACCOUNT}:role/app-{}-irsa", rng.below(40));
            let session = format!("botocore-session-{}", rng.below(1_000_000));
            let token = rng.hex(300);
            let creds = credentials(rng, &token);
            Event::new(rng, t, "sts.amazonaws.com", "AssumeRoleWithWebIdentity", &caller, REGION, ACCOUNT)
                .request(json!({ "roleArn": role.as_str(), "roleSessionName": session.as_str(), "durationSeconds": 3600 }))
                .response(json!({
                    "credentials": creds,
                    "subjectFromWebIdentityToken": sub.as_str(),
                    "assumedRoleUser": { "assumedRoleId": format!("AROA{}:{session}", rng.upper_hex(16)), "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/{session}") },
                    "provider": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/5A1B2C3D4E5F60718293A4B5C6D7E8F9"),
                    "audience": "sts.amazonaws.com"
                }))
                .resources(json!([{ "accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": role.as_str() }]))
                .build()
        }
        1 => {
            let key = format!("arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:key/{}", rng.uuid());
            let e = Event::new(rng, t, "kms.amazonaws.com", "Decrypt", &pod, REGION, ACCOUNT)
                .request(json!({ "encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": { "aws:secretsmanager:arn": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-{}", rng.hex(6)) } }))
                .resources(json!([{ "accountId": OTHER_ACCOUNT, "type": "AWS::KMS::Key", "ARN": key.as_str() }]));
            if rng.below(10) == 0 { e.error("ThrottlingException", "Rate exceeded").build() } else { e.build() }
        }
        2 => {
            let bucket = format!("data-lake-{}", rng.below(5));
            let key = format!("events/2026/11/27/part-{}.parquet", rng.hex(12));
            Event::new(rng, t, "s3.amazonaws.com", "GetObject", &pod, REGION, ACCOUNT)
                .data_event()
                .request(json!({ "bucketName": bucket.as_str(), "Host": format!("{bucket}.s3.{REGION}.amazonaws.com"), "key": key.as_str() }))
                .additional(json!({ "SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader", "x-amz-id-2": rng.hex(60), "bytesTransferredOut": rng.below(10_000_000) }))
                .resources(json!([
                    { "type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{bucket}/{key}") },
                    { "accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}") }
                ]))
                .build()
        }
        3 => Event::new(rng, t, "ec2.amazonaws.com", "DescribeInstances", &pod, REGION, ACCOUNT)
            .request(json!({ "instancesSet": {}, "filterSet": { "items": [ { "name": "tag:eks:cluster-name", "valueSet": { "items": [ { "value": "prod-eks" } ] } }, { "name": "instance-state-name", "valueSet": { "items": [ { "value": "running" } ] } } ] } }))
            .build(),
        4 => Event::new(rng, t, "sqs.amazonaws.com", "ReceiveMessage", &pod, REGION, ACCOUNT)
            .data_event()
            .request(json!({ "queueUrl": format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders-{}", rng.below(10)), "maxNumberOfMessages": 10, "waitTimeSeconds": 20, "attributeNames": ["All"], "messageAttributeNames": ["All"] }))
            .build(),
        5 => Event::new(rng, t, "secretsmanager.amazonaws.com", "GetSecretValue", &pod, REGION, ACCOUNT)
            .request(json!({ "secretId": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/db-{}", rng.hex(6)) }))
            .error("AccessDenied", &format!("User: arn:aws:sts::{ACCOUNT}:assumed-role/app-irsa/botocore-session-1 is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/db because no identity-based policy allows the secretsmanager:GetSecretValue action"))
            .build(),
        6 => {
            let role = format!("arn:aws:iam::{OTHER_ACCOUNT}:role/ci-deployer-{}", rng.below(5));
            let token = rng.hex(300);
            let creds = credentials(rng, &token);
            Event::new(rng, t, "sts.amazonaws.com", "AssumeRole", &pod, REGION, ACCOUNT)
                .request(json!({ "roleArn": role.as_str(), "roleSessionName": format!("gh-{}", rng.below(100_000)), "durationSeconds": 900 }))
                .response(json!({ "credentials": creds, "assumedRoleUser": { "assumedRoleId": format!("AROA{}:gh", rng.upper_hex(16)), "arn": format!("arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/ci/gh") } }))
                .resources(json!([{ "accountId": OTHER_ACCOUNT, "type": "AWS::IAM::Role", "ARN": role.as_str() }]))
                .build()
        }
        _ => {
            let node = Caller::role(ACCOUNT, "prod-eks-node-group-NodeInstanceRole", &format!("i-0{}", rng.hex(16)));
            Event::new(rng, t, "ecr.amazonaws.com", "BatchGetImage", &node, REGION, ACCOUNT)
            .request(json!({ "registryId": ACCOUNT, "repositoryName": format!("team-{}/service", rng.below(30)), "imageIds": [ { "imageTag": format!("v1.{}.{}", rng.below(20), rng.below(10)) } ], "acceptedMediaTypes": ["application/vnd.docker.distribution.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"] }))
            .resources(json!([{ "accountId": ACCOUNT, "ARN": format!("arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team/service") }]))
            .build()
        }
    }
}

/// A CloudTrail log file (uncompressed) of `events` varied events.
pub fn cloudtrail_object(events: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    log_file((0..events).map(|i| one_event(&mut rng, i)).collect())
}

/// A flow-log object (uncompressed) of `lines` records in the 29-field layout, with header.
pub fn flowlog_object(lines: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let fields = flow_fields_v5();
    let mut out = fields.join(" ");
    out.push('\n');
    for i in 0..lines {
        let reject = rng.below(10) == 0;
        let egress = rng.below(2) == 0;
        let flow = Flow {
            version: 5,
            account_id: ACCOUNT.into(),
            interface_id: format!("eni-0{}", rng.hex(16)),
            srcaddr: Some(format!("10.0.{}.{}", rng.below(4), rng.below(256))),
            dstaddr: Some(format!(
                "{}.{}.{}.{}",
                10 + rng.below(200),
                rng.below(256),
                rng.below(256),
                rng.below(256)
            )),
            srcport: Some(1024 + rng.below(60_000) as u16),
            dstport: Some([443, 10250, 53, 8080, 5432][rng.below(5) as usize]),
            protocol: Some(6),
            packets: Some(1 + rng.below(500)),
            bytes: Some(40 + rng.below(1_000_000)),
            start: START + (i as i64) / 100,
            end: START + (i as i64) / 100 + 60,
            action: Some(if reject { "REJECT" } else { "ACCEPT" }),
            log_status: "OK",
            vpc_id: Some("vpc-0a1b2c3d4e5f67890".into()),
            subnet_id: Some(format!("subnet-0{}", rng.hex(16))),
            instance_id: Some(format!("i-0{}", rng.hex(16))),
            tcp_flags: Some([2, 18, 19, 3][rng.below(4) as usize]),
            region: Some(REGION.into()),
            az_id: Some(format!("euw1-az{}", 1 + rng.below(3))),
            pkt_src_aws_service: None,
            pkt_dst_aws_service: if rng.below(8) == 0 {
                Some("AMAZON")
            } else {
                None
            },
            flow_direction: Some(if egress { "egress" } else { "ingress" }),
            traffic_path: if egress { Some(1) } else { None },
            reject_reason: None,
        };
        flow.write_line(&fields, &mut out);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_benchmark_layout_has_the_29_fields_of_version_5() {
        let fields = super::flow_fields_v5();
        assert_eq!(fields.len(), 29);
        assert_eq!(fields.first(), Some(&"version"));
        assert_eq!(fields.last(), Some(&"traffic-path"));
    }
}
