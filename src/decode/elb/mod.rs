//! Elastic Load Balancing access and connection logs: one entry a line, space-separated,
//! with quoted fields. The first fields tell the log type apart: an ALB access entry starts with
//! its request type (`http`, `https`, `h2`, `grpcs`, `ws`, `wss`), an NLB entry with `tls` and
//! a version, and CLB and ALB connection-log entries with a timestamp (the connection log's
//! next field is an address, the CLB's a load balancer name). Fields AWS appends after the
//! known ones are ignored; `-` is null, and so is a `-1` timing.

use super::timestamp::parse_rfc3339_micros;
use super::{Location, Output};
use crate::schema::LogKind;
use crate::schema::elb::{ElbBuilder, ElbRow};

mod split;
pub use split::fields;
use split::fields_into;

/// The request types an ALB access entry starts with.
const ALB_TYPES: [&str; 6] = ["http", "https", "h2", "grpcs", "ws", "wss"];

fn text<'a>(v: Option<&&'a str>) -> Option<&'a str> {
    v.copied().filter(|s| !s.is_empty() && *s != "-")
}

fn int(v: Option<&&str>) -> Option<i64> {
    text(v).and_then(|s| s.parse().ok())
}

/// `123.456` as digits and a fraction: exact for up to 15 digits, as `str::parse` would give
/// (an integer over a power of ten is correctly rounded); anything else goes to `str::parse`.
fn decimal(s: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 16 {
        return s.parse().ok();
    }
    let mut digits: u64 = 0;
    let mut scale = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => digits = digits * 10 + u64::from(c - b'0'),
            b'.' if scale.is_none() => scale = Some(b.len() - i - 1),
            _ => return s.parse().ok(),
        }
    }
    // At most 16 bytes with a dot: at most 15 digits, exact in an f64.
    Some(digits as f64 / POW10[scale.unwrap_or(0)])
}

/// A timing in seconds; `-1` (not reached) is null.
fn seconds(v: Option<&&str>) -> Option<f64> {
    text(v).and_then(decimal).filter(|s| *s >= 0.0)
}

fn millis(v: Option<&&str>) -> Option<f64> {
    seconds(v).map(|ms| ms / 1000.0)
}

fn time(v: Option<&&str>) -> Option<i64> {
    text(v).and_then(parse_rfc3339_micros)
}

/// `ip:port` (IPv6 addresses keep their colons: the port is after the last one).
fn address<'a>(v: Option<&&'a str>) -> (Option<&'a str>, Option<i64>) {
    let Some(s) = text(v) else {
        return (None, None);
    };
    match memchr::memrchr(b':', s.as_bytes()) {
        Some(at) => (
            Some(s[..at].trim_matches(['[', ']'])),
            s[at + 1..].parse().ok(),
        ),
        None => (Some(s), None),
    }
}

/// The request line `VERB URL PROTOCOL` (`- - -` when the client sent none): its first three
/// space-separated parts that are neither empty nor `-`.
fn request<'a>(v: Option<&&'a str>) -> (Option<&'a str>, Option<&'a str>, Option<&'a str>) {
    let Some(line) = v.copied() else {
        return (None, None, None);
    };
    let mut parts = [None; 3];
    let mut found = 0;
    let mut start = 0;
    // Split at spaces by byte (a space is one byte in UTF-8: every cut is a char boundary).
    for end in memchr::memchr_iter(b' ', line.as_bytes()).chain([line.len()]) {
        let part = line.get(start..end).unwrap_or_default();
        start = end + 1;
        if !part.is_empty() && part != "-" {
            parts[found] = Some(part);
            found += 1;
            if found == 3 {
                break;
            }
        }
    }
    (parts[0], parts[1], parts[2])
}

fn is_timestamp(s: &str) -> bool {
    s.len() >= 19 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T'
}

fn looks_like_ip(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
}

/// The fields ALB and CLB access entries share, in the same order, from the load balancer's
/// name at `at` to the TLS protocol: addresses, timings, status codes, sizes, request line,
/// user agent and cipher.
fn http_fields<'a>(r: &mut ElbRow<'a>, f: &[&'a str], at: usize) {
    r.elb = text(f.get(at));
    (r.client_ip, r.client_port) = address(f.get(at + 1));
    (r.target_ip, r.target_port) = address(f.get(at + 2));
    r.request_processing_time = seconds(f.get(at + 3));
    r.target_processing_time = seconds(f.get(at + 4));
    r.response_processing_time = seconds(f.get(at + 5));
    r.elb_status_code = int(f.get(at + 6));
    r.target_status_code = int(f.get(at + 7));
    r.received_bytes = int(f.get(at + 8));
    r.sent_bytes = int(f.get(at + 9));
    (r.request_verb, r.request_url, r.request_protocol) = request(f.get(at + 10));
    r.user_agent = text(f.get(at + 11));
    r.ssl_cipher = text(f.get(at + 12));
    r.ssl_protocol = text(f.get(at + 13));
}

/// One entry as a row, or why it is not one.
fn row<'a>(f: &[&'a str]) -> Result<ElbRow<'a>, String> {
    let first = f.first().copied().unwrap_or_default();
    let mut r = ElbRow::default();
    if ALB_TYPES.contains(&first) {
        if f.len() < 12 {
            return Err(format!("ALB entry with {} fields (at least 12)", f.len()));
        }
        r.r#type = Some(first);
        r.time = time(f.get(1));
        http_fields(&mut r, f, 2);
        r.target_group_arn = text(f.get(16));
        r.trace_id = text(f.get(17));
        r.domain_name = text(f.get(18));
        r.chosen_cert_arn = text(f.get(19));
        r.matched_rule_priority = int(f.get(20));
        r.request_creation_time = time(f.get(21));
        r.actions_executed = text(f.get(22));
        r.redirect_url = text(f.get(23));
        r.error_reason = text(f.get(24));
        r.target_port_list = text(f.get(25));
        r.target_status_code_list = text(f.get(26));
        r.classification = text(f.get(27));
        r.classification_reason = text(f.get(28));
        r.conn_trace_id = text(f.get(29));
    } else if first == "tls" {
        if f.len() < 12 {
            return Err(format!("NLB entry with {} fields (at least 12)", f.len()));
        }
        r.r#type = Some(first);
        r.time = time(f.get(2));
        r.elb = text(f.get(3));
        r.listener_id = text(f.get(4));
        (r.client_ip, r.client_port) = address(f.get(5));
        (r.target_ip, r.target_port) = address(f.get(6));
        r.connection_time = millis(f.get(7));
        r.tls_handshake_time = millis(f.get(8));
        r.received_bytes = int(f.get(9));
        r.sent_bytes = int(f.get(10));
        r.incoming_tls_alert = text(f.get(11));
        r.chosen_cert_arn = text(f.get(12));
        r.ssl_cipher = text(f.get(14));
        r.ssl_protocol = text(f.get(15));
        r.domain_name = text(f.get(17));
        r.alpn_fe_protocol = text(f.get(18));
    } else if is_timestamp(first) && f.get(1).is_some_and(|s| looks_like_ip(s)) {
        if f.len() < 7 {
            return Err(format!(
                "connection-log entry with {} fields (at least 7)",
                f.len()
            ));
        }
        r.r#type = Some("connection");
        r.time = time(f.first());
        r.client_ip = text(f.get(1));
        r.client_port = int(f.get(2));
        r.listener_port = int(f.get(3));
        r.ssl_protocol = text(f.get(4));
        r.ssl_cipher = text(f.get(5));
        r.tls_handshake_time = millis(f.get(6));
        r.tls_verify_status = text(f.get(10));
        r.conn_trace_id = text(f.get(11));
    } else if is_timestamp(first) {
        if f.len() < 11 {
            return Err(format!("CLB entry with {} fields (at least 11)", f.len()));
        }
        r.r#type = Some("classic");
        r.time = time(f.first());
        http_fields(&mut r, f, 1);
    } else {
        return Err(format!(
            "not a load balancer log entry (starts with `{}`)",
            first.chars().take(40).collect::<String>()
        ));
    }
    if r.time.is_none() {
        return Err("entry without a valid time".to_string());
    }
    Ok(r)
}

/// True when `first_line` looks like a load balancer log entry.
pub fn looks_like_elb(first_line: &str) -> bool {
    let Some(f) = fields(first_line.trim_end()) else {
        return false;
    };
    row(&f).is_ok()
}

/// Account and region from `AWSLogs/<account>/elasticloadbalancing/<region>/...`.
pub fn key_account_region(key: &str) -> (Option<&str>, Option<&str>) {
    let parts: Vec<&str> = key.split('/').collect();
    match parts.iter().position(|p| *p == "elasticloadbalancing") {
        Some(i) if i >= 1 => (
            Some(parts[i - 1]).filter(|a| a.bytes().all(|b| b.is_ascii_digit())),
            parts.get(i + 1).copied(),
        ),
        _ => (None, None),
    }
}

/// Decodes the whole content of an object named `key`, filling the columns `mask` keeps.
pub fn decode(
    key: &str,
    content: &[u8],
    batch_rows: usize,
    mask: Option<std::sync::Arc<[bool]>>,
    out: &mut Output,
) {
    let (account, region) = key_account_region(key);
    // Entries are a few hundred bytes: room for the rows the content can hold, up to a batch.
    let rows = batch_rows.min(content.len() / 256 + 16);
    let mut builder = ElbBuilder::with_capacity_keeping(rows, mask);
    // Valid UTF-8 as a whole (the usual case) is checked once; otherwise line by line.
    let whole = std::str::from_utf8(content).ok();
    let mut buf: Vec<&str> = Vec::with_capacity(40);
    let mut start = 0;
    let mut n = 0u64;
    while start < content.len() {
        let end = memchr::memchr(b'\n', &content[start..]).map_or(content.len(), |k| start + k);
        let (from, to) = (start, end);
        start = end + 1;
        n += 1;
        let raw = &content[from..to];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() || raw[0] == b'#' || raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = Location::Line(n);
        let text = match whole {
            Some(all) => &all[from..from + raw.len()],
            None => match std::str::from_utf8(raw) {
                Ok(t) => t,
                Err(_) => {
                    out.errors.record(line, "not UTF-8".to_string());
                    continue;
                }
            },
        };
        if !fields_into(text, &mut buf) {
            out.errors
                .record(line, "unterminated quoted field".to_string());
            continue;
        }
        match row(&buf) {
            Ok(mut r) => {
                r.account = account;
                r.region = region;
                builder.append(&r);
            }
            Err(e) => out.errors.record(line, e),
        }
        if builder.len() >= batch_rows {
            // The next batch needs about as much room again.
            let more = start < content.len();
            out.push(LogKind::ElbAccess, builder.finish_with_room(more));
        }
    }
    out.push(LogKind::ElbAccess, builder.finish());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alb_connection_log_entry() {
        let line = r#"2023-10-04T17:55:44.126458Z 172.168.1.1 5566 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 "CN=Amazon Root CA 1,O=Amazon,C=US" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257E9B4F8A5D8 Success TID_1a2b3c4d"#;
        let f = fields(line).unwrap_or_default();
        let r = row(&f).unwrap_or_default();
        assert_eq!(r.r#type, Some("connection"));
        assert_eq!(
            (r.client_ip, r.client_port, r.listener_port),
            (Some("172.168.1.1"), Some(5566), Some(443))
        );
        assert_eq!(
            (r.ssl_protocol, r.tls_handshake_time),
            (Some("TLSv1.2"), Some(0.004036))
        );
        assert_eq!(
            (r.tls_verify_status, r.conn_trace_id),
            (Some("Success"), Some("TID_1a2b3c4d"))
        );
        assert!(looks_like_elb(line));
        assert!(!looks_like_elb(
            "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 443 6 1 40 1795773600 1795773660 REJECT OK"
        ));
    }

    #[test]
    fn batches_past_the_first_keep_every_entry() {
        let line = "https 2018-07-02T22:23:00.186641Z app/lb/1 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.46.0\" - -\n";
        let content = line.repeat(9_000);
        let mut out = Output::new(5);
        decode(
            "AWSLogs/1/elasticloadbalancing/us-east-2/x.log",
            content.as_bytes(),
            4_096,
            None,
            &mut out,
        );
        let sizes: Vec<usize> = out.batches.iter().map(|(_, b)| b.num_rows()).collect();
        assert_eq!(sizes, vec![4_096, 4_096, 808]);
        assert_eq!(out.errors.count, 0);
        let last = &out.batches[2].1;
        let ua = last.column_by_name("user_agent").and_then(|c| {
            c.as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .cloned()
        });
        assert_eq!(
            ua.map(|a| a.value(807).to_string()),
            Some("curl/7.46.0".to_string())
        );
    }

    #[test]
    fn addresses_and_timings() {
        assert_eq!(address(Some(&"10.0.0.1:80")), (Some("10.0.0.1"), Some(80)));
        assert_eq!(
            address(Some(&"[2001:db8::1]:443")),
            (Some("2001:db8::1"), Some(443))
        );
        assert_eq!(address(Some(&"-")), (None, None));
        assert_eq!(
            request(Some(&"GET https://www.example.com:443/ HTTP/1.1")),
            (
                Some("GET"),
                Some("https://www.example.com:443/"),
                Some("HTTP/1.1")
            )
        );
        assert_eq!(request(Some(&"- - -")), (None, None, None));
        assert_eq!(
            request(Some(&"POST  /a b HTTP/2.0")),
            (Some("POST"), Some("/a"), Some("b"))
        );
        assert_eq!(seconds(Some(&"-1")), None);
        assert_eq!(seconds(Some(&"0.086")), Some(0.086));
        for t in [
            "0.000073",
            "3.012",
            "12",
            "0.1",
            "123456.000001",
            "1e-3",
            "0.0000000000000001",
        ] {
            assert_eq!(decimal(t), t.parse().ok(), "{t}");
        }
        assert_eq!(
            key_account_region(
                "p/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/x.log.gz"
            ),
            (Some("123456789012"), Some("us-east-2"))
        );
    }
}
