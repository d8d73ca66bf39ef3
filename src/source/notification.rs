//! Every notification envelope that can announce a log object, to a list of
//! [`ObjectRef`]s: S3 event notifications (`Records[]`), the same wrapped by SNS
//! (or delivered raw), EventBridge `Object Created` events (and Security Lake's
//! subscriber notifications, which have the same `detail`), CloudTrail's own
//! `{"s3Bucket", "s3ObjectKey": [...]}` notification, and `s3:TestEvent`.
//!
//! The outcome decides what happens to the message: objects are processed;
//! a notification with nothing to process (test event, object removed,
//! restore, ...) is discardable and deleted at once; a body that matches no
//! envelope is an error and is left for the dead-letter queue.

use aws_lambda_events::event::sns::SnsMessage;
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::Value;

/// One object a notification announces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// Bucket name.
    pub bucket: String,
    /// Object key, URL-decoded.
    pub key: String,
    /// ETag without quotes, when the notification carries it.
    pub etag: Option<String>,
    /// Version id, when the bucket is versioned.
    pub version_id: Option<String>,
    /// S3's event sequencer, when present.
    pub sequencer: Option<String>,
    /// Size in bytes, when present.
    pub size: Option<u64>,
}

impl ObjectRef {
    /// An object known by bucket and key only.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            etag: None,
            version_id: None,
            sequencer: None,
            size: None,
        }
    }

    /// `s3://bucket/key`, the name used in every message about the object.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// Which envelope a notification came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// S3 event notification, `Records[]`.
    S3,
    /// An S3 event notification inside an SNS `Notification`.
    SnsS3,
    /// EventBridge (or Security Lake) `Object Created`.
    EventBridge,
    /// An EventBridge event inside an SNS `Notification`.
    SnsEventBridge,
    /// CloudTrail's `s3ObjectKey[]` notification, raw.
    CloudTrail,
    /// CloudTrail's notification inside an SNS `Notification`.
    SnsCloudTrail,
    /// `s3:TestEvent`, sent when a notification is configured.
    TestEvent,
}

impl Envelope {
    /// A short stable name, used as a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Envelope::S3 => "s3",
            Envelope::SnsS3 => "sns_s3",
            Envelope::EventBridge => "eventbridge",
            Envelope::SnsEventBridge => "sns_eventbridge",
            Envelope::CloudTrail => "cloudtrail",
            Envelope::SnsCloudTrail => "sns_cloudtrail",
            Envelope::TestEvent => "test_event",
        }
    }

    fn in_sns(self) -> Envelope {
        match self {
            Envelope::S3 => Envelope::SnsS3,
            Envelope::EventBridge => Envelope::SnsEventBridge,
            Envelope::CloudTrail => Envelope::SnsCloudTrail,
            other => other,
        }
    }
}

/// What a message body announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The envelope it came in.
    pub envelope: Envelope,
    /// Objects to process (created objects only).
    pub objects: Vec<ObjectRef>,
    /// Event names of the records that announce something else (removals, restores, ...).
    pub ignored: Vec<String>,
}

impl Notification {
    /// True when there is nothing to process: the message can be deleted at once.
    pub fn is_discardable(&self) -> bool {
        self.objects.is_empty()
    }
}

/// A body that is not a notification trailflow understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// Not JSON at all.
    #[error("body is not JSON: {0}")]
    NotJson(String),
    /// JSON, but no known envelope.
    #[error("body matches no known notification envelope (top-level keys: {0})")]
    Unrecognized(String),
    /// A known envelope with a malformed part.
    #[error("malformed {envelope} notification: {message}")]
    Malformed {
        /// The envelope the body looked like.
        envelope: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Parses one SQS message body.
pub fn parse(body: &str) -> Result<Notification, NotificationError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| NotificationError::NotJson(e.to_string()))?;
    parse_value(value, true)
}

fn parse_value(value: Value, allow_sns: bool) -> Result<Notification, NotificationError> {
    let Value::Object(map) = &value else {
        return Err(NotificationError::Unrecognized(format!(
            "a JSON {}, not an object",
            kind_of(&value)
        )));
    };
    if allow_sns && map.get("Type").and_then(Value::as_str) == Some("Notification") {
        let sns: SnsMessage = serde_json::from_value(value).map_err(|e| malformed("SNS", e))?;
        let inner: Value = serde_json::from_str(&sns.message).map_err(|e| {
            malformed(
                "SNS",
                format!("Message is not JSON ({e}); raw text is not a notification"),
            )
        })?;
        let mut n = parse_value(inner, false)?;
        n.envelope = n.envelope.in_sns();
        return Ok(n);
    }
    if map.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(Notification {
            envelope: Envelope::TestEvent,
            objects: Vec::new(),
            ignored: vec!["s3:TestEvent".to_string()],
        });
    }
    if map.contains_key("Records") {
        return parse_s3(value);
    }
    if map.contains_key("s3ObjectKey") {
        return parse_cloudtrail(value);
    }
    if map.get("detail").is_some_and(|d| d.get("object").is_some()) {
        return parse_eventbridge(value);
    }
    let mut keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
    keys.sort_unstable();
    Err(NotificationError::Unrecognized(keys.join(", ")))
}

// S3 event records are read with serde defaults rather than `aws_lambda_events`'
// `S3EventRecord`, which requires `eventTime`, `userIdentity` and `requestParameters`:
// local servers (moto) omit some of them, and only the bucket and object matter here.
#[derive(Deserialize)]
struct S3Records {
    #[serde(rename = "Records")]
    records: Vec<S3Record>,
}

#[derive(Deserialize)]
struct S3Record {
    #[serde(rename = "eventName", default)]
    event_name: Option<String>,
    s3: S3Entity,
}

#[derive(Deserialize)]
struct S3Entity {
    bucket: S3Bucket,
    object: S3Object,
}

#[derive(Deserialize)]
struct S3Bucket {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct S3Object {
    #[serde(default)]
    key: Option<String>,
    // Only informative: a size of the wrong type must not reject the notification.
    #[serde(default)]
    size: Option<Value>,
    #[serde(rename = "eTag", default)]
    e_tag: Option<String>,
    #[serde(rename = "versionId", default)]
    version_id: Option<String>,
    #[serde(default)]
    sequencer: Option<String>,
}

fn parse_s3(value: Value) -> Result<Notification, NotificationError> {
    let event: S3Records = serde_json::from_value(value).map_err(|e| malformed("S3", e))?;
    let mut n = Notification {
        envelope: Envelope::S3,
        objects: Vec::new(),
        ignored: Vec::new(),
    };
    for (i, record) in event.records.into_iter().enumerate() {
        let name = record.event_name.clone().unwrap_or_default();
        // Names are "ObjectCreated:Put" in notifications and "s3:ObjectCreated:Put" in configurations.
        if !name.trim_start_matches("s3:").starts_with("ObjectCreated:") {
            n.ignored.push(name);
            continue;
        }
        n.objects.push(s3_record(record, i)?);
    }
    Ok(n)
}

fn s3_record(record: S3Record, i: usize) -> Result<ObjectRef, NotificationError> {
    let (bucket, object) = (record.s3.bucket, record.s3.object);
    let bucket = bucket
        .name
        .filter(|b| !b.is_empty())
        .ok_or_else(|| malformed("S3", format!("record {i} has no bucket name")))?;
    let key = object
        .key
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| malformed("S3", format!("record {i} has no object key")))?;
    Ok(ObjectRef {
        bucket,
        key: decode_key(key).map_err(|m| malformed("S3", format!("record {i}: {m}")))?,
        etag: object.e_tag.as_deref().and_then(clean_etag),
        version_id: object.version_id.filter(|v| !v.is_empty() && v != "null"),
        sequencer: object.sequencer.filter(|s| !s.is_empty()),
        size: object.size.as_ref().and_then(Value::as_u64),
    })
}

#[derive(Deserialize)]
struct CloudTrailNotification {
    #[serde(rename = "s3Bucket")]
    bucket: String,
    #[serde(rename = "s3ObjectKey")]
    keys: Vec<String>,
}

fn parse_cloudtrail(value: Value) -> Result<Notification, NotificationError> {
    let n: CloudTrailNotification =
        serde_json::from_value(value).map_err(|e| malformed("CloudTrail", e))?;
    if n.bucket.is_empty() || n.keys.iter().any(String::is_empty) {
        return Err(malformed("CloudTrail", "empty bucket or key"));
    }
    // CloudTrail writes keys as they are (no URL encoding), and its keys never need it.
    Ok(Notification {
        envelope: Envelope::CloudTrail,
        objects: n
            .keys
            .into_iter()
            .map(|k| ObjectRef::new(n.bucket.clone(), k))
            .collect(),
        ignored: Vec::new(),
    })
}

#[derive(Deserialize)]
struct EventBridgeS3 {
    #[serde(rename = "detail-type", default)]
    detail_type: Option<String>,
    detail: EventBridgeDetail,
}

#[derive(Deserialize)]
struct EventBridgeDetail {
    bucket: EventBridgeBucket,
    object: EventBridgeObject,
}

#[derive(Deserialize)]
struct EventBridgeBucket {
    name: String,
}

#[derive(Deserialize)]
struct EventBridgeObject {
    key: String,
    #[serde(default)]
    size: Option<Value>,
    #[serde(default)]
    etag: Option<String>,
    #[serde(rename = "version-id", default)]
    version_id: Option<String>,
    #[serde(default)]
    sequencer: Option<String>,
}

/// EventBridge's `Object Created`. Security Lake subscriber notifications carry the
/// same `detail` and may omit `detail-type`; anything else with a detail type is discardable.
fn parse_eventbridge(value: Value) -> Result<Notification, NotificationError> {
    let e: EventBridgeS3 =
        serde_json::from_value(value).map_err(|e| malformed("EventBridge", e))?;
    let mut n = Notification {
        envelope: Envelope::EventBridge,
        objects: Vec::new(),
        ignored: Vec::new(),
    };
    match e.detail_type.as_deref() {
        None | Some("Object Created") => {}
        Some(other) => {
            n.ignored.push(other.to_string());
            return Ok(n);
        }
    }
    if e.detail.bucket.name.is_empty() || e.detail.object.key.is_empty() {
        return Err(malformed("EventBridge", "empty bucket or key"));
    }
    let o = e.detail.object;
    n.objects.push(ObjectRef {
        bucket: e.detail.bucket.name,
        key: decode_key(&o.key).map_err(|m| malformed("EventBridge", m))?,
        etag: o.etag.as_deref().and_then(clean_etag),
        version_id: o.version_id.filter(|v| !v.is_empty() && v != "null"),
        sequencer: o.sequencer.filter(|s| !s.is_empty()),
        size: o.size.as_ref().and_then(Value::as_u64),
    });
    Ok(n)
}

/// S3 notification keys are form-encoded: `+` is a space, `%XX` a byte.
/// moto also encodes `/` as `%2F`; both decode to the same key.
pub fn decode_key(key: &str) -> Result<String, String> {
    let spaced = key.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| format!("key {key:?} does not decode to UTF-8"))
}

fn clean_etag(etag: &str) -> Option<String> {
    let e = etag.trim().trim_matches('"');
    (!e.is_empty()).then(|| e.to_string())
}

fn malformed(envelope: &'static str, e: impl std::fmt::Display) -> NotificationError {
    NotificationError::Malformed {
        envelope,
        message: e.to_string(),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests;
