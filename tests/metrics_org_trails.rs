//! Organization trails: a cross-account call is logged in the caller's account and in the
//! resource owner's (same `sharedEventID`), and each call must count once whether the trail
//! holds both copies or one. Fixtures follow AWS's documented examples (the IAM user guide's
//! cross-account `AssumeRole` pair, KMS's cross-account `Decrypt`), not the generator. Also:
//! C4's key account and cross-account flag, and completeness from a digest file.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::engine::*;
use common::replay::replay_ndjson;
use serde_json::{Value, json};

const CALLER: &str = "777788889999";
const OWNER: &str = "111122223333";

/// The caller's copy of JohnDoe's `AssumeRole` into `EC2-dev` (IAM user guide), as the
/// caller's account records it.
fn assume_role_caller_copy() -> Value {
    json!({
        "eventVersion": "1.05",
        "userIdentity": { "type": "IAMUser", "principalId": "AIDAQRSTUVWXYZEXAMPLE", "arn": format!("arn:aws:iam::{CALLER}:user/JohnDoe"), "accountId": CALLER, "accessKeyId": "AKIAQRSTUVWXYZEXAMPLE", "userName": "JohnDoe" },
        "eventTime": "2026-11-27T10:07:39Z", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole", "awsRegion": "us-east-2",
        "sourceIPAddress": "192.0.2.101", "userAgent": "aws-cli/2.15.0",
        "requestParameters": { "roleArn": format!("arn:aws:iam::{OWNER}:role/EC2-dev"), "roleSessionName": "JohnDoe-EC2-dev", "sourceIdentity": "JohnDoe", "serialNumber": format!("arn:aws:iam::{CALLER}:mfa") },
        "responseElements": { "credentials": { "sessionToken": "SECRET-TOKEN", "accessKeyId": "ASIAEXAMPLE", "expiration": "Nov 27, 2026, 11:07:39 AM" }, "assumedRoleUser": { "assumedRoleId": "AROAEXAMPLE:JohnDoe-EC2-dev", "arn": format!("arn:aws:sts::{OWNER}:assumed-role/EC2-dev/JohnDoe-EC2-dev") }, "sourceIdentity": "JohnDoe" },
        "resources": [{ "ARN": format!("arn:aws:iam::{OWNER}:role/EC2-dev"), "accountId": OWNER, "type": "AWS::IAM::Role" }],
        "requestID": "4EXAMPLE-0e8d-11e4-96e4-e55c0EXAMPLE", "sharedEventID": "bEXAMPLE-efea-4a70-b951-19a88EXAMPLE", "eventID": "dEXAMPLE-ac7f-466c-a608-4ac8dEXAMPLE",
        "eventType": "AwsApiCall", "recipientAccountId": CALLER,
        "tlsDetails": { "clientProvidedHostHeader": "sts.us-east-2.amazonaws.com" }
    })
}

/// The role owner's copy of the same call: the caller is only an account (`AWSAccount`).
fn assume_role_owner_copy() -> Value {
    json!({
        "eventVersion": "1.05",
        "userIdentity": { "type": "AWSAccount", "principalId": "AIDAQRSTUVWXYZEXAMPLE", "accountId": CALLER },
        "eventTime": "2026-11-27T10:07:39Z", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole", "awsRegion": "us-east-2",
        "sourceIPAddress": "192.0.2.101", "userAgent": "aws-cli/2.15.0",
        "requestParameters": { "roleArn": format!("arn:aws:iam::{OWNER}:role/EC2-dev"), "roleSessionName": "JohnDoe-EC2-dev", "sourceIdentity": "JohnDoe", "serialNumber": format!("arn:aws:iam::{CALLER}:mfa") },
        "responseElements": { "credentials": { "sessionToken": "SECRET-TOKEN", "accessKeyId": "ASIAEXAMPLE", "expiration": "Nov 27, 2026, 11:07:39 AM" }, "assumedRoleUser": { "assumedRoleId": "AROAEXAMPLE:JohnDoe-EC2-dev", "arn": format!("arn:aws:sts::{OWNER}:assumed-role/EC2-dev/JohnDoe-EC2-dev") } },
        "requestID": "4EXAMPLE-0e8d-11e4-96e4-e55c0EXAMPLE", "sharedEventID": "bEXAMPLE-efea-4a70-b951-19a88EXAMPLE", "eventID": "eEXAMPLE-0000-466c-a608-4ac8dEXAMPLE",
        "eventType": "AwsApiCall", "recipientAccountId": OWNER,
        "tlsDetails": { "clientProvidedHostHeader": "sts.us-east-2.amazonaws.com" }
    })
}

fn logging(accounts: &[&str]) -> trailflow::config::Config {
    let mut config = config();
    config.lookups.logged_accounts = accounts.iter().map(|a| a.to_string()).collect();
    config
}

const CALLS: &str = "trailflow.sts.assume_role.calls";

#[tokio::test]
async fn an_org_trail_pair_counts_once_and_so_does_either_copy_alone() {
    let org = || logging(&["*"]);
    let both = evaluate_with(
        org(),
        vec![assume_role_caller_copy(), assume_role_owner_copy()],
        "",
    )
    .await;
    assert_eq!(total(&both, CALLS, &[]), 2.0, "both copies are kept");
    assert_eq!(once(&both, CALLS, &[]), 1.0, "one call");
    assert_eq!(total(&both, CALLS, &[("copy", "caller")]), 1.0);
    assert_eq!(total(&both, CALLS, &[("copy", "duplicate")]), 1.0);
    assert_eq!(
        total(&both, "trailflow.sts.calls", &[]),
        1.0,
        "C6 counts it once by itself"
    );

    let caller_only = evaluate_with(org(), vec![assume_role_caller_copy()], "").await;
    assert_eq!(once(&caller_only, CALLS, &[]), 1.0);

    // A trail of the owner's account alone: the caller's account is not logged, so the
    // owner's copy is the only one and counts.
    let owner_only = evaluate_with(logging(&[OWNER]), vec![assume_role_owner_copy()], "").await;
    assert_eq!(once(&owner_only, CALLS, &[]), 1.0);
    assert_eq!(total(&owner_only, CALLS, &[("copy", "owner")]), 1.0);
    assert_eq!(total(&owner_only, "trailflow.sts.calls", &[]), 1.0);

    // The same pair from a trail of the caller's account and one of the owner's, both read.
    let two_trails = evaluate_with(
        logging(&[CALLER, OWNER]),
        vec![assume_role_owner_copy(), assume_role_caller_copy()],
        "",
    )
    .await;
    assert_eq!(once(&two_trails, CALLS, &[]), 1.0);
    assert_eq!(
        total(
            &two_trails,
            CALLS,
            &[("account", CALLER), ("copy", "caller")]
        ),
        1.0,
        "the counted copy is the caller's, which names the caller"
    );
}

#[tokio::test]
async fn aws_documented_pair_counts_once() {
    // The IAM user guide prints the caller's copy with the owner's recipientAccountId and the
    // owner's copy without one: the identity type decides, not the account fields.
    let mut caller = assume_role_caller_copy();
    caller["recipientAccountId"] = json!(OWNER);
    let mut owner = assume_role_owner_copy();
    owner.as_object_mut().unwrap().remove("recipientAccountId");
    let set = evaluate_with(logging(&["*"]), vec![caller, owner], "").await;
    assert_eq!(once(&set, CALLS, &[]), 1.0);
    assert_eq!(total(&set, CALLS, &[("copy", "caller")]), 1.0);
}

#[tokio::test]
async fn the_documented_pair_in_the_corpus_counts_once() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../shared/corpus/awsdocs__iam-user-guide/doc_source/cloudtrail-integration.md.extracted",
    );
    if !dir.is_dir() {
        common::skip::skip("../shared/corpus is absent");
        return;
    }
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    let set = evaluate_with(
        logging(&["*"]),
        vec![read("02-AssumeRole.json"), read("03-AssumeRole.json")],
        "",
    )
    .await;
    assert_eq!(total(&set, CALLS, &[]), 2.0);
    assert_eq!(once(&set, CALLS, &[]), 1.0, "JohnDoe assumed EC2-dev once");
}

/// A KMS `Decrypt` of a key in `OWNER` by a role session in `CALLER`: the caller's copy (key
/// named by its ARN, as cross-account calls must) and the key owner's (resources[]).
fn decrypt_pair(throttled: bool) -> Vec<Value> {
    let key = format!("arn:aws:kms:us-east-2:{OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let error = |mut e: Value| {
        if throttled {
            e["errorCode"] = json!("ThrottlingException");
            e["errorMessage"] = json!(
                "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
            );
        }
        e
    };
    let caller = json!({
        "eventVersion": "1.08",
        "userIdentity": { "type": "AssumedRole", "principalId": "AROAEXAMPLE:spark", "arn": format!("arn:aws:sts::{CALLER}:assumed-role/analytics/spark"), "accountId": CALLER,
            "sessionContext": { "sessionIssuer": { "type": "Role", "arn": format!("arn:aws:iam::{CALLER}:role/analytics"), "accountId": CALLER, "userName": "analytics" }, "attributes": { "mfaAuthenticated": "false" } } },
        "eventTime": "2026-11-27T10:00:01Z", "eventSource": "kms.amazonaws.com", "eventName": "Decrypt", "awsRegion": "us-east-2",
        "sourceIPAddress": "10.1.2.3", "userAgent": "aws-sdk-java/2.25.0",
        "requestParameters": { "keyId": key, "encryptionAlgorithm": "SYMMETRIC_DEFAULT" }, "responseElements": null,
        "resources": [{ "accountId": OWNER, "type": "AWS::KMS::Key", "ARN": key }],
        "requestID": "r-1", "eventID": "e-caller", "sharedEventID": "s-decrypt-1", "readOnly": true, "eventType": "AwsApiCall", "managementEvent": true,
        "recipientAccountId": CALLER, "eventCategory": "Management"
    });
    let owner = json!({
        "eventVersion": "1.08",
        "userIdentity": { "type": "AWSAccount", "principalId": "AROAEXAMPLE:spark", "accountId": CALLER },
        "eventTime": "2026-11-27T10:00:01Z", "eventSource": "kms.amazonaws.com", "eventName": "Decrypt", "awsRegion": "us-east-2",
        "sourceIPAddress": "10.1.2.3", "userAgent": "aws-sdk-java/2.25.0",
        "requestParameters": { "encryptionAlgorithm": "SYMMETRIC_DEFAULT" }, "responseElements": null,
        "resources": [{ "accountId": OWNER, "type": "AWS::KMS::Key", "ARN": key }],
        "requestID": "r-1", "eventID": "e-owner", "sharedEventID": "s-decrypt-1", "readOnly": true, "eventType": "AwsApiCall", "managementEvent": true,
        "recipientAccountId": OWNER, "eventCategory": "Management"
    });
    vec![error(caller), error(owner)]
}

const DECRYPTS: &str = "trailflow.kms.decrypt.calls";

#[tokio::test]
async fn a_throttled_cross_account_decrypt_counts_once_with_both_accounts() {
    let mut events = decrypt_pair(true);
    events.extend(decrypt_pair(false));
    let set = evaluate_with(logging(&["*"]), events, "").await;
    let throttled = [("outcome", "throttled"), ("cross_account", "true")];
    assert_eq!(total(&set, DECRYPTS, &throttled), 2.0, "two copies");
    assert_eq!(once(&set, DECRYPTS, &throttled), 1.0, "one throttled call");
    assert_eq!(once(&set, DECRYPTS, &[]), 2.0);
    for s in set.series().iter().filter(|s| s.metric.name == DECRYPTS) {
        assert!(s.labels.contains(&("key_account", OWNER)), "{:?}", s.labels);
        assert!(
            s.labels.contains(&("caller_account", CALLER)),
            "{:?}",
            s.labels
        );
    }
    // Only the owner's copies, the caller outside the logged accounts: still one each.
    let owner_only: Vec<Value> = decrypt_pair(true).into_iter().skip(1).collect();
    let set = evaluate_with(logging(&[OWNER]), owner_only, "").await;
    assert_eq!(once(&set, DECRYPTS, &throttled), 1.0);
}

#[tokio::test]
async fn a_bare_key_id_belongs_to_the_recording_account_and_an_unknown_caller_is_unknown() {
    let base = |identity: Value, key: &str| {
        json!({
            "eventVersion": "1.08", "userIdentity": identity, "eventTime": "2026-11-27T10:00:00Z",
            "eventSource": "kms.amazonaws.com", "eventName": "Decrypt", "awsRegion": "eu-west-1",
            "sourceIPAddress": "10.0.1.25", "requestParameters": { "keyId": key },
            "eventID": "e", "eventType": "AwsApiCall", "recipientAccountId": OWNER
        })
    };
    let set = evaluate(
        vec![
            base(json!({ "type": "AssumedRole", "arn": format!("arn:aws:sts::{OWNER}:assumed-role/app/s"), "accountId": OWNER }), "1234abcd-12ab-34cd-56ef-1234567890ab"),
            base(json!({ "type": "AssumedRole", "arn": format!("arn:aws:sts::{OWNER}:assumed-role/app/s"), "accountId": OWNER }), "alias/app"),
            // A service decrypting with no caller account in the event.
            base(json!({ "type": "AWSService", "invokedBy": "secretsmanager.amazonaws.com" }), "alias/aws/secretsmanager"),
        ],
        "",
    )
    .await;
    assert_eq!(
        total(&set, DECRYPTS, &[("key_account", OWNER)]),
        3.0,
        "never empty"
    );
    assert_eq!(total(&set, DECRYPTS, &[("cross_account", "false")]), 2.0);
    assert_eq!(
        total(&set, DECRYPTS, &[("cross_account", "unknown")]),
        1.0,
        "a missing caller account is unknown, not false"
    );
}

/// The CloudTrail user guide's digest, vouching for one log file; replayed with and without it.
#[test]
fn a_digest_reports_the_log_files_that_were_not_counted() {
    let log_key = "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz";
    let digest = json!({
        "awsAccountId": "111122223333",
        "digestStartTime": "2015-08-17T14:01:31Z",
        "digestEndTime": "2015-08-17T15:01:31Z",
        "digestS3Bucket": "S3-bucket-name",
        "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz",
        "digestPublicKeyFingerprint": "31e8b5433410dfb61a9dc45cc65b22ff",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": "2015-08-17T14:52:27Z",
        "oldestEventTime": "2015-08-17T14:42:27Z",
        "previousDigestS3Bucket": "S3-bucket-name",
        "previousDigestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T140131Z.json.gz",
        "logFiles": [{ "s3Bucket": "S3-bucket-name", "s3Object": log_key, "hashValue": "9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6", "hashAlgorithm": "SHA-256", "newestEventTime": "2015-08-17T14:52:27Z", "oldestEventTime": "2015-08-17T14:42:27Z" }]
    });
    let dir = tempfile::tempdir().unwrap();
    let write = |key: &str, text: &str| {
        let path = dir.path().join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, trailflow::synth::gzip(text.as_bytes())).unwrap();
    };
    write(
        digest["digestS3Object"].as_str().unwrap(),
        &digest.to_string(),
    );
    let missing = |dir: &std::path::Path| -> Vec<String> {
        replay_ndjson(dir, None)
            .0
            .iter()
            .filter(|v| v["metric"] == "trailflow.cloudtrail.digest.missing_files")
            .map(|v| {
                format!(
                    "{} {} {}",
                    v["labels"]["account"], v["labels"]["region"], v["value"]
                )
            })
            .collect()
    };
    assert_eq!(
        missing(dir.path()),
        vec!["\"111122223333\" \"us-east-2\" 1"]
    );
    write(
        log_key,
        &json!({ "Records": [{ "eventVersion": "1.08", "eventTime": "2015-08-17T14:42:27Z", "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances", "awsRegion": "us-east-2", "recipientAccountId": "111122223333", "userIdentity": { "type": "Root", "accountId": "111122223333" } }] }).to_string(),
    );
    assert_eq!(
        missing(dir.path()),
        vec!["\"111122223333\" \"us-east-2\" 0"]
    );
}
