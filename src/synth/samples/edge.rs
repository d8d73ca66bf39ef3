//! The load balancer and WAF side of the samples scenario: the platform's ingress in front of
//! `prod-eks` (an ALB per Ingress, an NLB for TLS passthrough, a legacy CLB) and its web ACL.

use simd_json::OwnedValue as Value;
use simd_json::json;
use simd_json::prelude::*;

use super::{ACCOUNT, REGION, T0};
use crate::synth::iso_time;

/// The `Authorization` value planted in a WAF record: it must never come out of trailflow.
pub const PLANTED_AUTHORIZATION: &str =
    "Bearer eyJhbGciOiJSUzI1NiJ9.PLANTED-WAF-TOKEN-MUST-NEVER-LEAK";
/// The `Cookie` value planted beside it.
pub const PLANTED_COOKIE: &str = "session=PLANTED-WAF-COOKIE-MUST-NEVER-LEAK";

const ALB: &str = "app/k8s-payments-web-1a2b3c4d5e/0a1b2c3d4e5f6a7b";
const TARGET_GROUP: &str = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-payments-web-80/6d0ecf831eec9f09";
const HOST: &str = "shop.example.com";

/// The key of a load balancer log in AWS's layout.
pub(super) fn elb_key(name: &str, t: i64, ip: &str, suffix: &str, ext: &str) -> String {
    format!(
        "AWSLogs/{ACCOUNT}/elasticloadbalancing/{REGION}/2026/11/27/{ACCOUNT}_elasticloadbalancing_{REGION}_{name}_{}_{ip}_{suffix}.{ext}",
        crate::synth::key_time(t)
    )
}

/// The key of a WAF log delivered to S3.
pub(super) fn waf_key(acl: &str, t: i64, suffix: &str) -> String {
    format!(
        "AWSLogs/{ACCOUNT}/WAFLogs/{REGION}/{acl}/2026/11/27/10/05/{ACCOUNT}_waflogs_{REGION}_{acl}_{}_{suffix}.log.gz",
        crate::synth::key_time(t)
    )
}

/// One ALB access-log line.
#[allow(clippy::too_many_arguments)]
fn alb(
    t: i64,
    client: &str,
    target: &str,
    timings: (&str, &str, &str),
    elb_status: u16,
    target_status: &str,
    path: &str,
    actions: &str,
    error_reason: &str,
) -> String {
    let (request, target_time, response) = timings;
    format!(
        "https {time} {ALB} {client}:{port} {target} {request} {target_time} {response} {elb_status} {target_status} 312 {sent} \"GET https://{HOST}:443{path} HTTP/1.1\" \"Mozilla/5.0 (X11; Linux x86_64)\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 {TARGET_GROUP} \"Root=1-6746ed{t:x}-0a1b2c3d4e5f60718293a4b5\" \"{HOST}\" \"arn:aws:acm:eu-west-1:111122223333:certificate/12345678-1234-1234-1234-123456789012\" 1 {created} \"{actions}\" \"-\" \"{error_reason}\" \"{target_list}\" \"{target_status}\" \"-\" \"-\" TID_{t:x}a1b2c3d4",
        time = micros(t, 186_641),
        port = 40_000 + t % 1000,
        sent = if elb_status < 300 { 1_843 } else { 190 },
        created = micros(t, 98_000),
        target_list = if target == "-" { "-" } else { target },
    )
}

fn micros(t: i64, us: u32) -> String {
    let base = iso_time(t);
    format!("{}.{us:06}Z", base.trim_end_matches('Z'))
}

/// The ALB of the payments Ingress: successes, target 5xx, the load balancer's own 502, 503
/// and 504, application 404s and requests WAF blocked.
pub(super) fn alb_log() -> Vec<u8> {
    let mut lines = Vec::new();
    let t = T0 + 300;
    let ok = ("0.000", "0.045", "0.000");
    for i in 0..12 {
        let target_time = format!("0.{:03}", 20 + i * 15);
        lines.push(alb(
            t + i,
            "203.0.113.10",
            "10.0.1.25:8080",
            ("0.000", &target_time, "0.000"),
            200,
            "200",
            "/api/cart",
            "forward",
            "-",
        ));
    }
    // A slow target: 3 seconds.
    lines.push(alb(
        t + 20,
        "203.0.113.11",
        "10.0.2.40:8080",
        ("0.001", "3.012", "0.000"),
        200,
        "200",
        "/api/checkout",
        "forward",
        "-",
    ));
    // The application's own 500.
    lines.push(alb(
        t + 21,
        "203.0.113.12",
        "10.0.1.25:8080",
        ok,
        500,
        "500",
        "/api/checkout",
        "forward",
        "-",
    ));
    // The target reset the connection: the load balancer answers 502, no target status.
    lines.push(alb(
        t + 22,
        "203.0.113.13",
        "10.0.2.40:8080",
        ("0.000", "-1", "-1"),
        502,
        "-",
        "/api/checkout",
        "forward",
        "-",
    ));
    // The target did not answer within the idle timeout: 504.
    for i in 0..2 {
        lines.push(alb(
            t + 23 + i,
            "203.0.113.14",
            "10.0.2.40:8080",
            ("0.000", "-1", "-1"),
            504,
            "-",
            "/api/report",
            "forward",
            "-",
        ));
    }
    // No healthy target: 503, no target at all.
    lines.push(alb(
        t + 25,
        "203.0.113.15",
        "-",
        ("-1", "-1", "-1"),
        503,
        "-",
        "/api/cart",
        "forward",
        "-",
    ));
    // The application's 404s.
    for i in 0..3 {
        lines.push(alb(
            t + 26 + i,
            "198.51.100.7",
            "10.0.1.25:8080",
            ok,
            404,
            "404",
            "/wp-login.php",
            "forward",
            "-",
        ));
    }
    // WAF blocked these before any target: 403 with the waf action.
    for i in 0..4 {
        lines.push(alb(
            t + 30 + i,
            "198.51.100.66",
            "-",
            ("-1", "-1", "-1"),
            403,
            "-",
            "/api/cart?id=1%20OR%201=1",
            "waf",
            "-",
        ));
    }
    (lines.join("\n") + "\n").into_bytes()
}

/// The NLB in front of the TLS-passthrough ingress.
pub(super) fn nlb_log() -> Vec<u8> {
    let t = iso_time(T0 + 400);
    let t = t.trim_end_matches('Z');
    let mut lines = Vec::new();
    for i in 0..3 {
        lines.push(format!(
            "tls 2.0 {t} net/k8s-ingress-nlb/0f1e2d3c4b5a6978 g3d4b5e8bb8464cd 192.0.2.{i}:5134{i} 10.0.1.30:443 {ms} 2 98 246 - arn:aws:acm:eu-west-1:111122223333:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - ingress.example.com h2 h2 \"h2\",\"http/1.1\" {t}",
            ms = 120 + i * 40
        ));
    }
    (lines.join("\n") + "\n").into_bytes()
}

/// The legacy Classic Load Balancer (CLB logs are plain text, not gzip).
pub(super) fn clb_log() -> Vec<u8> {
    let t = micros(T0 + 500, 945_958);
    format!(
        "{t} legacy-web 192.168.131.39:2817 10.0.3.30:80 0.000073 0.001048 0.000057 200 200 0 29 \"GET http://legacy.example.com:80/ HTTP/1.1\" \"curl/7.38.0\" - -\n\
         {t} legacy-web 192.168.131.39:2818 10.0.3.30:80 0.000086 -1 -1 504 - 0 0 \"GET http://legacy.example.com:80/slow HTTP/1.1\" \"curl/7.38.0\" - -\n"
    )
    .into_bytes()
}

fn waf_record(
    t: i64,
    action: &str,
    rule: &str,
    rule_type: &str,
    uri: &str,
    secrets: bool,
) -> Value {
    let mut headers = vec![
        json!({"name": "Host", "value": HOST}),
        json!({"name": "User-Agent", "value": "Mozilla/5.0 (X11; Linux x86_64)"}),
    ];
    if secrets {
        headers.push(json!({"name": "Authorization", "value": PLANTED_AUTHORIZATION}));
        headers.push(json!({"name": "cookie", "value": PLANTED_COOKIE}));
    }
    json!({
        "timestamp": t * 1000 + 123,
        "formatVersion": 1,
        "webaclId": format!("arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/prod-web-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
        "terminatingRuleId": rule,
        "terminatingRuleType": rule_type,
        "action": action,
        "terminatingRuleMatchDetails": [],
        "httpSourceName": "ALB",
        "httpSourceId": format!("{ACCOUNT}-{ALB}"),
        "ruleGroupList": [],
        "rateBasedRuleList": [],
        "nonTerminatingMatchingRules": [],
        "requestHeadersInserted": null,
        "responseCodeSent": null,
        "httpRequest": {
            "clientIp": if action == "BLOCK" { "198.51.100.66" } else { "203.0.113.10" },
            "country": if action == "BLOCK" { "NL" } else { "DE" },
            "headers": Value::Array(Box::new(headers)),
            "uri": uri,
            "args": "",
            "httpVersion": "HTTP/1.1",
            "httpMethod": "GET",
            "requestId": format!("1-6746ed{t:x}-0a1b2c3d4e5f60718293a4b5")
        },
        "labels": if action == "BLOCK" {
            json!([{"name": "awswaf:managed:aws:sql-database:SQLi_QueryArguments"}])
        } else {
            json!([])
        }
    })
}

/// The web ACL of the payments ALB: allowed requests, SQL injection blocked, a CAPTCHA.
pub(super) fn waf_log() -> Vec<u8> {
    let mut lines = Vec::new();
    let t = T0 + 300;
    for i in 0..5 {
        lines.push(
            waf_record(
                t + i,
                "ALLOW",
                "Default_Action",
                "REGULAR",
                "/api/cart",
                i == 0,
            )
            .encode(),
        );
    }
    for i in 0..4 {
        lines.push(
            waf_record(
                t + 30 + i,
                "BLOCK",
                "AWS-AWSManagedRulesSQLiRuleSet",
                "MANAGED_RULE_GROUP",
                "/api/cart",
                false,
            )
            .encode(),
        );
    }
    lines.push(
        waf_record(
            t + 40,
            "CAPTCHA",
            "captcha-login",
            "REGULAR",
            "/login",
            false,
        )
        .encode(),
    );
    (lines.join("\n") + "\n").into_bytes()
}
