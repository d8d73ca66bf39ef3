//! The hostile-input corpus, generated (no checked-in binaries): each case is
//! an object under an AWS key, how many good records it holds that must
//! survive, and what the error must say.

use serde_json::{Value, json};

pub const CT_KEY: &str = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/111122223333_CloudTrail_eu-west-1_20261127T1000Z_bad.json.gz";
pub const FLOW_KEY: &str = "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/27/111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f67890_20261127T1000Z_bad.log.gz";

/// One hostile object.
pub struct Case {
    /// Short name (also the file name under the test's directory).
    pub name: String,
    /// The object key (AWS layout: it picks the decoder).
    pub key: &'static str,
    /// The object's bytes.
    pub bytes: Vec<u8>,
    /// Good records the decoder must keep.
    pub kept: usize,
    /// Text the (record or object) error must contain; `None` when the input is valid.
    pub error: Option<&'static str>,
}

fn gzip(data: &[u8]) -> Vec<u8> {
    trailflow::synth::gzip(data)
}

/// A valid CloudTrail event (an STS call from an IRSA pod).
pub fn event(n: usize) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:pod",
            "arn": "arn:aws:sts::111122223333:assumed-role/app/pod",
            "accountId": "111122223333",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/app", "accountId": "111122223333"},
                "attributes": {"creationDate": "2026-11-27T09:59:00Z", "mfaAuthenticated": "false"}
            }
        },
        "eventTime": "2026-11-27T10:00:00Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": "Decrypt",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "10.0.1.5",
        "userAgent": "aws-sdk-go-v2",
        "requestParameters": {"keyId": "arn:aws:kms:eu-west-1:111122223333:key/k"},
        "responseElements": null,
        "resources": [{"ARN": "arn:aws:kms:eu-west-1:111122223333:key/k", "accountId": "111122223333", "type": "AWS::KMS::Key"}],
        "eventID": format!("00000000-0000-0000-0000-{n:012}"),
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management",
        "tlsDetails": {"clientProvidedHostHeader": "kms.eu-west-1.amazonaws.com"}
    })
}

fn log_file(records: &[String]) -> Vec<u8> {
    format!("{{\"Records\": [{}]}}", records.join(",")).into_bytes()
}

fn good(n: usize) -> Vec<String> {
    (0..n).map(|i| event(i).to_string()).collect()
}

/// Every field the CloudTrail decoder reads (a JSON pointer), for the wrong-type cases.
pub const CLOUDTRAIL_FIELDS: &[&str] = &[
    "/eventVersion",
    "/eventTime",
    "/eventSource",
    "/eventName",
    "/awsRegion",
    "/sourceIPAddress",
    "/userAgent",
    "/errorCode",
    "/errorMessage",
    "/readOnly",
    "/eventType",
    "/eventCategory",
    "/managementEvent",
    "/recipientAccountId",
    "/eventID",
    "/requestID",
    "/sharedEventID",
    "/vpcEndpointId",
    "/tlsDetails",
    "/tlsDetails/clientProvidedHostHeader",
    "/userIdentity",
    "/userIdentity/type",
    "/userIdentity/arn",
    "/userIdentity/accountId",
    "/userIdentity/principalId",
    "/userIdentity/userName",
    "/userIdentity/invokedBy",
    "/userIdentity/sessionContext",
    "/userIdentity/sessionContext/sessionIssuer",
    "/userIdentity/sessionContext/sessionIssuer/arn",
    "/userIdentity/sessionContext/attributes",
    "/userIdentity/sessionContext/attributes/mfaAuthenticated",
    "/userIdentity/sessionContext/webIdFederationData",
    "/requestParameters",
    "/requestParameters/keyId",
    "/requestParameters/roleArn",
    "/requestParameters/roleSessionName",
    "/responseElements",
    "/additionalEventData",
    "/additionalEventData/MFAUsed",
    "/resources",
    "/resources/0",
    "/resources/0/ARN",
    "/resources/0/accountId",
];

/// Sets the value at a JSON pointer, creating objects on the way.
fn set(v: &mut Value, pointer: &str, value: Value) {
    let mut cur = v;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if let Ok(idx) = p.parse::<usize>()
            && cur.is_array()
        {
            let arr = cur.as_array_mut().unwrap();
            while arr.len() <= idx {
                arr.push(json!({}));
            }
            if last {
                arr[idx] = value;
                return;
            }
            cur = &mut arr[idx];
            continue;
        }
        if !cur.is_object() {
            *cur = json!({});
        }
        let obj = cur.as_object_mut().unwrap();
        if last {
            obj.insert(p.to_string(), value);
            return;
        }
        cur = obj.entry(p.to_string()).or_insert_with(|| json!({}));
    }
}

/// Values of the wrong type for any field.
fn wrong_values() -> Vec<(&'static str, Value)> {
    vec![
        ("number", json!(12345678901234567890u64)),
        ("negative", json!(-1.5e300)),
        ("bool", json!(true)),
        ("array", json!(["a", {"b": 1}])),
        ("object", json!({"nested": {"x": [1, 2]}})),
        ("string", json!("not-what-you-expect")),
        ("null", Value::Null),
    ]
}

const FLOW_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

fn flow_line(port: u32, bytes: i64) -> String {
    format!(
        "2 111122223333 eni-0a0a0a0a0a0a0a0a0 10.0.1.5 10.0.2.9 49152 {port} 6 10 {bytes} 1795773600 1795773660 REJECT OK"
    )
}

/// The corpus.
pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut add = |name: &str, key, bytes, kept, error| {
        out.push(Case {
            name: name.to_string(),
            key,
            bytes,
            kept,
            error,
        })
    };

    // Compression.
    let whole = gzip(&log_file(&good(3)));
    // The complete records before the cut are kept; the object is reported cut short.
    add(
        "truncated-gzip",
        CT_KEY,
        whole[..whole.len() - 20].to_vec(),
        2,
        Some("truncated"),
    );
    add(
        "gzip-ratio-bomb",
        CT_KEY,
        members(b"", b' ', 300, b""),
        0,
        Some("ratio"),
    );
    let mut two_members = gzip(&log_file(&good(2)));
    two_members.extend(gzip(b"\x00\x01garbage"));
    add(
        "gzip-good-member-then-garbage",
        CT_KEY,
        two_members,
        2,
        Some("outside any record"),
    );
    add("not-gzip-with-gz-key", CT_KEY, log_file(&good(3)), 3, None);
    add("empty", CT_KEY, Vec::new(), 0, Some("empty"));
    add("gzip-of-nothing", CT_KEY, gzip(b""), 0, Some("empty"));
    add(
        "random-bytes-with-gzip-magic",
        CT_KEY,
        [&[0x1f, 0x8b, 8, 0][..], &[0xa5; 4096][..]].concat(),
        0,
        Some("gzip"),
    );

    // CloudTrail structure.
    let mut bytes = log_file(&good(2));
    let at = bytes.len() - 2;
    bytes.splice(at..at, b", {\"eventName\": \"\xff\xfe\"}".iter().copied());
    add(
        "invalid-utf8-record",
        CT_KEY,
        gzip(&bytes),
        2,
        Some("InvalidUtf8"),
    );
    add(
        "records-not-an-array",
        CT_KEY,
        gzip(br#"{"Records": {"eventName": "x"}}"#),
        0,
        Some("not a CloudTrail event"),
    );
    add(
        "records-a-string",
        CT_KEY,
        gzip(br#"{"Records": "nope"}"#),
        0,
        Some("not a CloudTrail event"),
    );
    let deep = format!(
        "{{\"Records\": [{}, {}{}]}}",
        event(0),
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    add(
        "deeply-nested",
        CT_KEY,
        gzip(deep.as_bytes()),
        1,
        Some("deeper"),
    );
    let deep_object = format!(
        "{{\"Records\": [{}, {{\"a\":{}1{}}}]}}",
        event(0),
        "{\"a\":".repeat(100_000),
        "}".repeat(100_000)
    );
    add(
        "deeply-nested-objects",
        CT_KEY,
        gzip(deep_object.as_bytes()),
        1,
        Some("deeper"),
    );
    // One record of 1 GiB (a 1 MiB gzip): stopped by the ratio cap before it is held.
    let huge = members(b"{\"Records\": [{\"eventName\": \"", b'x', 1024, b"\"}]}");
    add("one-gib-record", CT_KEY, huge, 0, Some("ratio"));
    // A 20 MiB record among good ones (over the 16 MiB record limit, no ratio trip).
    let mut big = good(2);
    big.insert(
        1,
        format!("{{\"eventName\": \"{}\"}}", pseudo_random_text(20 << 20)),
    );
    add(
        "record-over-the-limit",
        CT_KEY,
        log_file(&big),
        2,
        Some("exceeds"),
    );
    let mut unknown = good(2);
    unknown.push({
        let mut e = event(9);
        e["someNewField"] = json!({"with": ["anything", 1, null]});
        e["eventVersion"] = json!("9.99");
        e.to_string()
    });
    add(
        "unknown-fields-and-version",
        CT_KEY,
        gzip(&log_file(&unknown)),
        3,
        None,
    );
    let crlf = good(3).join("\r\n").into_bytes();
    add("ndjson-crlf", CT_KEY, gzip(&crlf), 3, None);
    let mut secrets = event(7);
    secrets["responseElements"] = json!({"credentials": {"sessionToken": "PLANTED-BAD-INPUT-TOKEN", "accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "PLANTED-SECRET"}});
    add(
        "credentials-in-response",
        CT_KEY,
        gzip(&log_file(&[secrets.to_string()])),
        1,
        None,
    );

    // Wrong types in every field the decoder reads: each record is kept or reported, never a panic.
    for (i, field) in CLOUDTRAIL_FIELDS.iter().enumerate() {
        let records: Vec<String> = wrong_values()
            .into_iter()
            .map(|(_, v)| {
                let mut e = event(i);
                set(&mut e, field, v);
                e.to_string()
            })
            .chain(good(1))
            .collect();
        let name = format!("wrong-type{}", field.replace('/', "-"));
        // At least the untouched good record survives; the others are counted or reported.
        out.push(Case {
            name,
            key: CT_KEY,
            bytes: gzip(&log_file(&records)),
            kept: 1,
            error: None,
        });
    }

    // Flow logs.
    let mut add = |name: &str, text: String, kept, error| {
        out.push(Case {
            name: name.to_string(),
            key: FLOW_KEY,
            bytes: gzip(text.as_bytes()),
            kept,
            error,
        })
    };
    let mut invalid = format!("{FLOW_HEADER}\n{}\n", flow_line(443, 1)).into_bytes();
    invalid.extend(b"2 111122223333 eni-\xff\xfe 10.0.1.5 10.0.2.9 1 2 6 1 1 1795773600 1795773660 REJECT OK\n");
    let fields: Vec<String> = (0..200).map(|i| format!("field-{i}")).collect();
    // Not a header trailflow knows: reported as a bad line, the data after it still read.
    add(
        "flow-header-200-fields",
        format!("{}\n{}\n", fields.join(" "), flow_line(443, 1)),
        1,
        Some("fields"),
    );
    let repeated: Vec<&str> = std::iter::repeat_n(FLOW_HEADER, 15).collect();
    add(
        "flow-header-200-known-fields",
        format!("{}\n{}\n", repeated.join(" "), flow_line(443, 1)),
        0,
        Some("field"),
    );
    add(
        "flow-line-over-1mib",
        format!(
            "{FLOW_HEADER}\n{}\n{} {}\n{}\n",
            flow_line(443, 1),
            flow_line(443, 2),
            "x".repeat(2 << 20),
            flow_line(10250, 3)
        ),
        2,
        Some("line"),
    );
    add(
        "flow-out-of-range-numbers",
        format!(
            "{FLOW_HEADER}\n{}\n{}\n{}\n{}\n",
            flow_line(443, 1),
            flow_line(70000, 1),
            flow_line(443, -5),
            flow_line(22, 99_999_999_999_999_999)
        ),
        2,
        Some("out of range"),
    );
    add(
        "flow-crlf",
        format!(
            "{FLOW_HEADER}\r\n{}\r\n{}\r\n",
            flow_line(443, 1),
            flow_line(22, 2)
        ),
        2,
        None,
    );
    add(
        "flow-header-in-the-middle",
        format!(
            "{FLOW_HEADER}\n{}\n{FLOW_HEADER}\n{}\n",
            flow_line(443, 1),
            flow_line(22, 2)
        ),
        2,
        None,
    );
    add(
        "flow-short-and-long-lines",
        format!(
            "{FLOW_HEADER}\n{}\n2 111122223333 eni-x\n{} extra fields here\n",
            flow_line(443, 1),
            flow_line(22, 2)
        ),
        1,
        Some("field"),
    );
    add("flow-only-header", format!("{FLOW_HEADER}\n"), 0, None);
    add(
        "flow-nodata-and-dashes",
        format!(
            "{FLOW_HEADER}\n2 111122223333 eni-0a - - - - - - - 1795773600 1795773660 - NODATA\n{}\n",
            flow_line(443, 1)
        ),
        2,
        None,
    );
    // Invalid UTF-8 inside a field: the line is kept, the bytes replaced (Arrow strings are UTF-8).
    out.push(Case {
        name: "flow-invalid-utf8".into(),
        key: FLOW_KEY,
        bytes: gzip(&invalid),
        kept: 2,
        error: None,
    });
    out.extend(crate::edge::cases());
    out
}

/// A multi-member gzip object: `head`, then `mib` MiB of `fill`, then `tail`, each MiB its own
/// member (compressed once and repeated: a gigabyte costs a megabyte and no time to make).
fn members(head: &[u8], fill: u8, mib: usize, tail: &[u8]) -> Vec<u8> {
    let block = gzip(&vec![fill; 1 << 20]);
    let mut out = gzip(head);
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    out.extend(gzip(tail));
    out
}

/// Text that does not compress well (so the ratio cap does not trip first).
fn pseudo_random_text(len: usize) -> String {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}
