use serde_json::json;

use super::*;

fn s3_record(event: &str, key: &str) -> Value {
    json!({
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-28T10:00:00.000Z", "eventName": event,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "responseElements": {"x-amz-request-id": "R", "x-amz-id-2": "I"},
        "s3": {
            "s3SchemaVersion": "1.0", "configurationId": "trailflow",
            "bucket": {"name": "logs", "ownerIdentity": {"principalId": "A"}, "arn": "arn:aws:s3:::logs"},
            "object": {"key": key, "size": 1234, "eTag": "\"0123abcd\"", "sequencer": "0055AED6DCD90281E5"}
        }
    })
}

fn sns(message: &Value) -> String {
    json!({
        "Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:1:t",
        "Subject": "Amazon S3 Notification", "Message": message.to_string(),
        "Timestamp": "2026-11-28T10:00:00.000Z", "SignatureVersion": "1", "Signature": "sig",
        "SigningCertURL": "https://sns/cert.pem", "UnsubscribeURL": "https://sns/unsub"
    })
    .to_string()
}

#[test]
fn s3_records_are_all_read_and_keys_url_decoded() {
    let body = json!({"Records": [
        s3_record("ObjectCreated:Put", "AWSLogs%2F1%2Fx+y%3Az.json.gz"),
        s3_record("ObjectRemoved:Delete", "gone.json.gz"),
        s3_record("ObjectCreated:CompleteMultipartUpload", "AWSLogs/2/b.json.gz"),
    ]})
    .to_string();
    let n = parse(&body).unwrap();
    assert_eq!(n.envelope, Envelope::S3);
    let keys: Vec<&str> = n.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["AWSLogs/1/x y:z.json.gz", "AWSLogs/2/b.json.gz"]);
    assert_eq!(n.ignored, ["ObjectRemoved:Delete"]);
    let o = &n.objects[0];
    assert_eq!(o.etag.as_deref(), Some("0123abcd"), "quotes are stripped");
    assert_eq!(o.size, Some(1234));
    assert_eq!(o.sequencer.as_deref(), Some("0055AED6DCD90281E5"));
    assert_eq!(o.url(), "s3://logs/AWSLogs/1/x y:z.json.gz");
}

#[test]
fn moto_records_without_identity_fields_still_parse() {
    // moto leaves out userIdentity and requestParameters and encodes `/` in keys.
    let body = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1",
        "eventTime":"2026-11-28T10:00:00.000Z","eventName":"ObjectCreated:Put",
        "s3":{"s3SchemaVersion":"1.0","configurationId":"c","bucket":{"name":"logs","arn":"arn:aws:s3:::logs"},
        "object":{"key":"AWSLogs%2F1%2Fx+y%3Az.json.gz","size":10,"eTag":"abc"}}}]}"#;
    let n = parse(body).unwrap();
    assert_eq!(n.objects[0].key, "AWSLogs/1/x y:z.json.gz");
    assert_eq!(n.objects[0].etag.as_deref(), Some("abc"));
}

#[test]
fn sns_wrapped_notifications_unwrap_once() {
    let inner = json!({"Records": [s3_record("ObjectCreated:Put", "a%2Bb.gz")]});
    let n = parse(&sns(&inner)).unwrap();
    assert_eq!(n.envelope, Envelope::SnsS3);
    assert_eq!(n.objects[0].key, "a+b.gz", "%2B is a plus, + a space");

    let trail = json!({"s3Bucket": "trail", "s3ObjectKey": ["AWSLogs/1/CloudTrail/a.json.gz", "AWSLogs/1/CloudTrail/b.json.gz"]});
    let n = parse(&sns(&trail)).unwrap();
    assert_eq!(n.envelope, Envelope::SnsCloudTrail);
    assert_eq!(n.objects.len(), 2);
    assert_eq!(n.objects[1].bucket, "trail");
    assert_eq!(n.objects[1].etag, None);

    // SNS inside SNS is not a shape AWS produces.
    assert!(matches!(
        parse(&sns(&serde_json::from_str::<Value>(&sns(&inner)).unwrap())),
        Err(NotificationError::Unrecognized(_))
    ));
}

#[test]
fn cloudtrail_notification_raw_delivery() {
    let n = parse(r#"{"s3Bucket":"b","s3ObjectKey":["k1","k+2"]}"#).unwrap();
    assert_eq!(n.envelope, Envelope::CloudTrail);
    assert_eq!(
        n.objects[1].key, "k+2",
        "CloudTrail keys are not URL-encoded"
    );
    assert!(matches!(
        parse(r#"{"s3Bucket":"b","s3ObjectKey":"k1"}"#),
        Err(NotificationError::Malformed {
            envelope: "CloudTrail",
            ..
        })
    ));
}

#[test]
fn eventbridge_and_security_lake() {
    let created = json!({
        "version": "0", "id": "e", "detail-type": "Object Created", "source": "aws.s3",
        "account": "1", "time": "2026-11-28T10:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"version": "0", "bucket": {"name": "lake"},
                   "object": {"key": "ext/a+b.gz.parquet", "size": 5, "etag": "e1", "version-id": "v1", "sequencer": "s"},
                   "request-id": "r", "requester": "1", "reason": "PutObject"}
    });
    let n = parse(&created.to_string()).unwrap();
    assert_eq!(n.envelope, Envelope::EventBridge);
    assert_eq!(n.objects[0].key, "ext/a b.gz.parquet");
    assert_eq!(n.objects[0].version_id.as_deref(), Some("v1"));

    let mut lake = created.clone();
    let m = lake.as_object_mut().unwrap();
    m.remove("detail-type");
    m.remove("version");
    m.remove("id");
    assert_eq!(parse(&lake.to_string()).unwrap().objects.len(), 1);

    let mut deleted = created.clone();
    deleted["detail-type"] = json!("Object Deleted");
    let n = parse(&deleted.to_string()).unwrap();
    assert!(n.is_discardable());
    assert_eq!(n.ignored, ["Object Deleted"]);

    let n = parse(&sns(&created)).unwrap();
    assert_eq!(n.envelope, Envelope::SnsEventBridge);
}

#[test]
fn test_event_is_discardable() {
    let body = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-28T10:00:00.000Z","Bucket":"logs","RequestId":"R","HostId":"H"}"#;
    let n = parse(body).unwrap();
    assert_eq!(n.envelope, Envelope::TestEvent);
    assert!(n.is_discardable());
}

#[test]
fn unknown_bodies_are_errors_not_discards() {
    assert!(matches!(parse("hello"), Err(NotificationError::NotJson(_))));
    assert!(matches!(
        parse("[1,2]"),
        Err(NotificationError::Unrecognized(_))
    ));
    let e = parse(r#"{"foo": 1, "bar": 2}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "body matches no known notification envelope (top-level keys: bar, foo)"
    );
    assert!(matches!(
        parse(r#"{"Records": "nope"}"#),
        Err(NotificationError::Malformed { envelope: "S3", .. })
    ));
    let no_key = json!({"Records": [s3_record("ObjectCreated:Put", "")]}).to_string();
    assert!(parse(&no_key).is_err());
    // An SNS notification whose message is plain text.
    let text = sns(&json!("x")).replace(r#""Message":"\"x\"""#, r#""Message":"plain text""#);
    assert!(matches!(
        parse(&text),
        Err(NotificationError::Malformed {
            envelope: "SNS",
            ..
        })
    ));
}
