//! Hostile input of the load balancer, WAF and Kubernetes audit kinds: a Firehose object cut
//! inside a gzip member, a load balancer line with too few fields, a CloudWatch Logs envelope
//! whose message is not JSON, a WAF line that is not JSON. Each keeps its good records.

use serde_json::json;

use crate::corpus::Case;

pub const ELB_KEY: &str = "AWSLogs/111122223333/elasticloadbalancing/eu-west-1/2026/11/27/111122223333_elasticloadbalancing_eu-west-1_app.k8s-web.0a1b2c3d_20261127T1005Z_10.0.1.10_bad.log.gz";
pub const WAF_KEY: &str = "AWSLogs/111122223333/WAFLogs/eu-west-1/prod-web-acl/2026/11/27/10/05/111122223333_waflogs_eu-west-1_prod-web-acl_20261127T1005Z_bad.log.gz";
pub const FIREHOSE_KEY: &str =
    "firehose/eks-audit/2026/11/27/10/prod-eks-audit-1-2026-11-27-10-05-12_bad.0a1b";

fn gzip(data: &[u8]) -> Vec<u8> {
    trailflow::synth::gzip(data)
}

fn audit(n: usize) -> String {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("00000000-0000-0000-0000-{n:012}"), "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/payments/pods", "verb": "list",
        "user": {"username": "system:serviceaccount:payments:app"},
        "responseStatus": {"code": 200},
        "requestReceivedTimestamp": "2026-11-27T10:05:00.100000Z",
        "stageTimestamp": "2026-11-27T10:05:00.112000Z"
    })
    .to_string()
}

fn envelope(messages: &[String]) -> Vec<u8> {
    let events: Vec<_> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"id": i.to_string(), "timestamp": 1_795_773_900_000_i64 + i as i64, "message": m}))
        .collect();
    json!({
        "messageType": "DATA_MESSAGE", "owner": "111122223333",
        "logGroup": "/aws/eks/prod-eks/cluster", "logStream": "kube-apiserver-audit-0a1b",
        "subscriptionFilters": ["to-firehose"], "logEvents": events
    })
    .to_string()
    .into_bytes()
}

const ALB_LINE: &str = "https 2026-11-27T10:05:00.186641Z app/k8s-web/0a1b2c3d 203.0.113.10:40000 10.0.1.25:8080 0.000 0.045 0.000 200 200 312 1843 \"GET https://shop.example.com:443/ HTTP/1.1\" \"curl/8.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/6d0e \"Root=1-6746ed00-0a1b\" \"shop.example.com\" \"-\" 1 2026-11-27T10:05:00.098000Z \"forward\" \"-\" \"-\" \"10.0.1.25:8080\" \"200\" \"-\" \"-\"";

fn waf_line(n: usize) -> String {
    json!({
        "timestamp": 1_795_773_900_000_i64 + n as i64, "formatVersion": 1,
        "webaclId": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/prod-web-acl/a1b2",
        "terminatingRuleId": "Default_Action", "terminatingRuleType": "REGULAR", "action": "ALLOW",
        "httpSourceName": "ALB", "httpSourceId": "alb",
        "httpRequest": {"clientIp": "203.0.113.10", "country": "DE", "headers": [], "uri": "/", "args": "",
                        "httpVersion": "HTTP/1.1", "httpMethod": "GET", "requestId": "1-6746"}
    })
    .to_string()
}

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    // Two whole envelopes (3 events each), then a third member cut short.
    let mut firehose = gzip(&envelope(&[audit(1), audit(2), audit(3)]));
    firehose.extend(gzip(&envelope(&[audit(4), audit(5), audit(6)])));
    let third = gzip(&envelope(&[audit(7)]));
    firehose.extend_from_slice(&third[..third.len() - 12]);
    out.push(Case {
        name: "firehose-truncated-member".into(),
        key: FIREHOSE_KEY,
        bytes: firehose,
        kept: 6,
        error: Some("truncated"),
    });
    out.push(Case {
        name: "cloudwatch-message-not-json".into(),
        key: FIREHOSE_KEY,
        bytes: gzip(&envelope(&[
            audit(1),
            "kube-apiserver: not an audit event {".into(),
            audit(2),
        ])),
        kept: 2,
        error: Some("message is not JSON"),
    });
    out.push(Case {
        name: "elb-line-too-few-fields".into(),
        key: ELB_KEY,
        bytes: gzip(format!("{ALB_LINE}\nhttps 2026-11-27T10:05:01Z app/k8s-web/0a1b2c3d 203.0.113.10:40000\n{ALB_LINE}\n").as_bytes()),
        kept: 2,
        error: Some("at least 12"),
    });
    out.push(Case {
        name: "waf-line-not-json".into(),
        key: WAF_KEY,
        bytes: gzip(
            format!(
                "{}\n{{\"webaclId\": \"arn:aws:wafv2\", \"httpRequest\": \n{}\n",
                waf_line(1),
                waf_line(2)
            )
            .as_bytes(),
        ),
        kept: 1,
        error: Some("JSON"),
    });
    out
}
