//! The scenario behind `samples/`: one hour of an EKS platform's CloudTrail and
//! VPC Flow Logs (2026-11-27 10:00-11:00 UTC, account 111122223333, eu-west-1,
//! cluster `prod-eks`) in which every metric of `docs/metrics.md` has something
//! to count. `samples/README.md` lists what each object holds.

mod audit;
mod edge;
mod events;
mod flows;
mod platform;

pub use edge::{PLANTED_AUTHORIZATION, PLANTED_COOKIE};
pub use platform::SHARED_SERVICES;

use simd_json::OwnedValue as Value;
use simd_json::json;
use simd_json::prelude::*;

use super::cloudtrail::log_file;
use super::flowlog;
use super::{Rng, gzip, key_time};
/// Account the trail and flow logs belong to.
pub const ACCOUNT: &str = "111122223333";
/// A partner account that decrypts with this account's KMS key.
pub const PARTNER: &str = "444455556666";
/// Region of everything.
pub const REGION: &str = "eu-west-1";
/// 2026-11-27T10:00:00Z.
pub const T0: i64 = 1_795_773_600;
/// The EKS OIDC provider of cluster `prod-eks`.
pub const OIDC_PROVIDER: &str = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5A1B2C3D4E5F60718293A4B5C6D7E8F9";
/// The session token planted in `responseElements.credentials`: it must never come out of trailflow.
pub const PLANTED_SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEPLANTED-SESSION-TOKEN-MUST-NEVER-LEAK";
/// The node instance role.
pub const NODE_ROLE: &str = "prod-eks-node-group-NodeInstanceRole-1A2B3C4D";
/// The break-glass role.
pub const BREAK_GLASS_ROLE: &str = "arn:aws:iam::111122223333:role/break-glass-admin";

/// One sample object: its key under `samples/` and its (gzip) bytes.
pub struct SampleObject {
    /// Key in AWS's layout, e.g. `AWSLogs/111122223333/CloudTrail/...json.gz`.
    pub key: String,
    /// Stored bytes (gzip).
    pub bytes: Vec<u8>,
}

pub(super) fn cloudtrail_key(kind: &str, t: i64, suffix: &str) -> String {
    format!(
        "AWSLogs/{ACCOUNT}/{kind}/{REGION}/2026/11/27/{ACCOUNT}_{kind}_{REGION}_{}_{suffix}.json.gz",
        key_time(t)
    )
}

pub(super) fn flow_key(t: i64, suffix: &str) -> String {
    format!(
        "AWSLogs/{ACCOUNT}/vpcflowlogs/{REGION}/2026/11/27/{ACCOUNT}_vpcflowlogs_{REGION}_fl-0a1b2c3d4e5f67890_{}_{suffix}.log.gz",
        key_time(t)
    )
}

fn digest(files: &[&SampleObject]) -> Value {
    let logs: Vec<Value> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "s3Bucket": "org-cloudtrail-logs",
                "s3Object": f.key.as_str(),
                "hashValue": format!("{:064x}", 0x5eed_0000 + i),
                "hashAlgorithm": "SHA-256",
                "newestEventTime": super::iso_time(T0 + 600 * (i as i64 + 1)),
                "oldestEventTime": super::iso_time(T0 + 600 * i as i64)
            })
        })
        .collect();
    json!({
        "awsAccountId": ACCOUNT,
        "digestStartTime": super::iso_time(T0),
        "digestEndTime": super::iso_time(T0 + 3600),
        "digestS3Bucket": "org-cloudtrail-logs",
        "digestS3Object": cloudtrail_key("CloudTrail-Digest", T0 + 3600, "prod-trail"),
        "digestPublicKeyFingerprint": "31e8b5433410dfb61a9dc45cc65b22ff",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": super::iso_time(T0 + 1913),
        "oldestEventTime": super::iso_time(T0),
        "previousDigestS3Bucket": "org-cloudtrail-logs",
        "previousDigestS3Object": cloudtrail_key("CloudTrail-Digest", T0, "prod-trail"),
        "logFiles": Value::Array(Box::new(logs))
    })
}

/// Every sample object, in key order.
pub fn objects() -> Vec<SampleObject> {
    let mut s = events::Scenario {
        rng: Rng::new(20_261_127),
    };
    let ct = |t: i64, suffix: &str, events: Vec<Value>| SampleObject {
        key: cloudtrail_key("CloudTrail", t, suffix),
        bytes: gzip(&log_file(events)),
    };
    let identity = ct(T0, "Irsa0Sts1Mfa2Calls", s.identity_file());
    let denies = ct(T0 + 600, "Deny0Kms1Node2Role", s.denies_file());
    let controllers = ct(T0 + 1200, "Ecr0Dns1Lbc2Audit", s.controllers_file());
    let platform = ct(T0 + 1800, "Org0Pod1Switch2Sg", s.platform_file());
    let insight = SampleObject {
        key: cloudtrail_key("CloudTrail-Insight", T0 + 1800, "Insight0Sts1Rate2"),
        bytes: gzip(&log_file(s.insights())),
    };
    let digest = SampleObject {
        key: cloudtrail_key("CloudTrail-Digest", T0 + 3600, "prod-trail"),
        bytes: gzip(
            digest(&[&identity, &denies, &controllers, &platform])
                .encode()
                .as_bytes(),
        ),
    };
    let flows_a = SampleObject {
        key: flow_key(T0, "5f3c2a1b"),
        bytes: gzip(&flowlog::log_file(
            crate::schema::flowlog::DEFAULT_V2_FIELDS,
            &flows::flows_default(),
        )),
    };
    let flows_b = SampleObject {
        key: flow_key(T0 + 600, "7d9e8f0a"),
        bytes: gzip(&flowlog::log_file(
            flows::CUSTOM_FIELDS,
            &flows::flows_custom(),
        )),
    };
    let t = T0 + 300;
    let edge = [
        SampleObject {
            key: edge::elb_key(
                "app.k8s-payments-web-1a2b3c4d5e.0a1b2c3d4e5f6a7b",
                t,
                "10.0.1.10",
                "4c8scnzy",
                "log.gz",
            ),
            bytes: gzip(&edge::alb_log()),
        },
        SampleObject {
            key: edge::elb_key(
                "net.k8s-ingress-nlb.0f1e2d3c4b5a6978",
                t,
                "10.0.2.20",
                "7a8b9c0d",
                "log.gz",
            ),
            bytes: gzip(&edge::nlb_log()),
        },
        SampleObject {
            key: edge::elb_key("legacy-web", t, "10.0.3.30", "1a2b3c4d", "log"),
            bytes: edge::clb_log(),
        },
        SampleObject {
            key: edge::waf_key("prod-web-acl", t, "5e6f7a8b"),
            bytes: gzip(&edge::waf_log()),
        },
        SampleObject {
            key: audit::firehose_key(),
            bytes: audit::firehose_object(),
        },
    ];
    let mut all = vec![
        identity,
        denies,
        controllers,
        platform,
        insight,
        digest,
        flows_a,
        flows_b,
    ];
    all.extend(edge);
    all.sort_by(|a, b| a.key.cmp(&b.key));
    all
}
