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

/// The request types an ALB access entry starts with.
const ALB_TYPES: [&str; 6] = ["http", "https", "h2", "grpcs", "ws", "wss"];

/// Splits a line into fields: space-separated, a field that starts with `"` runs to the next
/// unescaped `"` (and loses its quotes). Returns `None` for an unterminated quote.
pub fn fields(line: &str) -> Option<Vec<&str>> {
    let mut out = Vec::with_capacity(32);
    fields_into(line, &mut out).then_some(out)
}

/// The positions of the bytes the splitter stops at, in one 64-byte block: spaces, quotes and
/// backslashes, each as a bit mask (bit `i` for byte `i`). On x86-64, four 16-byte SSE2
/// compares and movemasks per byte class (SSE2 is part of the x86-64 baseline, so no runtime
/// detection); elsewhere a byte loop.
#[cfg(target_arch = "x86_64")]
#[inline]
fn block_masks(block: &[u8; 64]) -> (u64, u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let (mut s, mut q, mut b) = (0u64, 0u64, 0u64);
    // SAFETY: every x86-64 target enables SSE2 (it is the architecture's baseline), the only
    // feature these intrinsics need; each load reads the 16 bytes of one `chunks_exact(16)`
    // chunk of the block, with no alignment requirement.
    unsafe {
        let (space, quote, backslash) = (
            _mm_set1_epi8(b' ' as i8),
            _mm_set1_epi8(b'"' as i8),
            _mm_set1_epi8(b'\\' as i8),
        );
        for (i, chunk) in block.chunks_exact(16).enumerate() {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            // movemask sets the low 16 bits only: the cast to u16 keeps them.
            s |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, space)) as u16) << (16 * i);
            q |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u16) << (16 * i);
            b |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) as u16) << (16 * i);
        }
    }
    (s, q, b)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn block_masks(block: &[u8; 64]) -> (u64, u64, u64) {
    let (mut space, mut quote, mut backslash) = (0u64, 0u64, 0u64);
    for (i, &b) in block.iter().enumerate() {
        space |= u64::from(b == b' ') << i;
        quote |= u64::from(b == b'"') << i;
        backslash |= u64::from(b == b'\\') << i;
    }
    (space, quote, backslash)
}

/// Bit `i` of the result is the parity of the bits `0..=i` of `x`: set from a quote up to the
/// byte before the next one (a carry-less prefix sum, in six shifts).
#[inline]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// [`fields`] into a reused buffer (cleared first); false for an unterminated quote.
///
/// One pass over the line 64 bytes at a time, without a branch per quote: the parity of the
/// quotes seen so far ([`prefix_xor`]) marks the bytes inside quoted fields, the spaces outside
/// them end fields, and a field that starts with a quote loses its first and last byte. That
/// reading equals the splitter's rules (a quote opens a field only where one starts, and a
/// backslash escapes the next byte inside quotes) as long as every opening quote follows a
/// space or the line's start, every closing quote precedes a space or the line's end, and the
/// line has no backslash; a line that breaks one of those (rare in AWS's logs) goes to
/// [`fields_scalar`].
fn fields_into<'a>(line: &'a str, out: &mut Vec<&'a str>) -> bool {
    out.clear();
    let bytes = line.as_bytes();
    let len = bytes.len();
    // Where the current field starts.
    let mut start = 0;
    // All ones when the previous block ended inside quotes.
    let mut inside_carry = 0u64;
    // Bit 0 set when the byte before the block is a space or the line's start.
    let mut space_before = 1u64;
    // A closing quote ended the previous block: the next byte must be a space.
    let mut close_pending = false;
    let mut tail = [0u8; 64];
    for offset in (0..len).step_by(64) {
        let block: &[u8; 64] = match bytes[offset..].first_chunk() {
            Some(b) => b,
            None => {
                tail[..len - offset].copy_from_slice(&bytes[offset..]);
                &tail
            }
        };
        let (space, quote, backslash) = block_masks(block);
        if backslash != 0 || (close_pending && space & 1 == 0) {
            return fields_scalar(line, out);
        }
        let inside = prefix_xor(quote) ^ inside_carry;
        let (openers, closers) = (quote & inside, quote & !inside);
        // A closer on the line's last byte is followed by its end; one on the block's last
        // byte, by the next block's first.
        let rest = len - offset;
        let mut followed = (space >> 1) | (1 << 63);
        if rest <= 64 {
            followed |= 1 << (rest - 1);
        }
        if openers & !((space << 1) | space_before) != 0 || closers & !followed != 0 {
            return fields_scalar(line, out);
        }
        close_pending = rest > 64 && closers >> 63 != 0;
        space_before = space >> 63;
        inside_carry = 0u64.wrapping_sub(inside >> 63);
        let mut ends = space & !inside;
        while ends != 0 {
            let pos = offset + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            if pos > start {
                out.push(unquoted(line, start, pos));
            }
            start = pos + 1;
        }
    }
    if inside_carry != 0 {
        return false;
    }
    if start < len {
        out.push(unquoted(line, start, len));
    }
    true
}

/// `line[start..end]`, without its first and last byte when it starts with a quote (then it
/// also ends with one, at least a byte later: the caller checked).
#[inline]
fn unquoted(line: &str, start: usize, end: usize) -> &str {
    let quoted = usize::from(line.as_bytes()[start] == b'"');
    line.get(start + quoted..end - quoted).unwrap_or_default()
}

/// The splitter as a state machine over the same 64-byte masks, for the lines
/// [`fields_into`]'s parity reading does not fit: a quote inside an unquoted field, a closing
/// quote with text after it, or a backslash.
fn fields_scalar<'a>(line: &'a str, out: &mut Vec<&'a str>) -> bool {
    out.clear();
    let bytes = line.as_bytes();
    // Where the current unquoted field starts, or (in a quote) where the quoted text starts.
    let mut start = 0;
    let mut in_quote = false;
    // The first position not yet looked at (past an escaped byte, one further).
    let mut next = 0;
    let mut tail = [0u8; 64];
    for offset in (0..bytes.len()).step_by(64) {
        let block: &[u8; 64] = match bytes[offset..].first_chunk() {
            Some(b) => b,
            None => {
                tail[..bytes.len() - offset].copy_from_slice(&bytes[offset..]);
                &tail
            }
        };
        let (space, quote, backslash) = block_masks(block);
        while next < offset + 64 {
            let wanted = if in_quote {
                quote | backslash
            } else {
                space | quote
            };
            let candidates = wanted & (u64::MAX << next.saturating_sub(offset));
            if candidates == 0 {
                break;
            }
            let pos = offset + candidates.trailing_zeros() as usize;
            next = pos + 1;
            match (in_quote, bytes[pos]) {
                (true, b'\\') => next = pos + 2,
                (true, _) => {
                    out.push(&line[start..pos]);
                    in_quote = false;
                    start = pos + 1;
                }
                (false, b' ') => {
                    if pos > start {
                        out.push(&line[start..pos]);
                    }
                    start = pos + 1;
                }
                // A quote opens a quoted field only where a field starts.
                (false, _) if pos == start => {
                    in_quote = true;
                    start = pos + 1;
                }
                (false, _) => {}
            }
        }
    }
    if in_quote {
        return false;
    }
    if start < bytes.len() {
        out.push(&line[start..]);
    }
    true
}

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
    fn quoted_fields_keep_their_spaces_and_escapes() {
        let f = fields(r#"a "b c" "-" "d \"e\" f" g"#).unwrap_or_default();
        assert_eq!(f, vec!["a", "b c", "-", r#"d \"e\" f"#, "g"]);
        assert!(fields(r#"a "b c"#).is_none());
    }

    /// The splitter as first written, a byte at a time: what the block splitter must equal.
    fn fields_reference(line: &str) -> Option<Vec<&str>> {
        let b = line.as_bytes();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < b.len() {
            if b[i] == b' ' {
                i += 1;
            } else if b[i] == b'"' {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if j >= b.len() {
                    return None;
                }
                out.push(&line[i + 1..j]);
                i = j + 1;
            } else {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b' ')
                    .map_or(b.len(), |k| i + k);
                out.push(&line[i..end]);
                i = end;
            }
        }
        Some(out)
    }

    #[test]
    fn the_block_splitter_equals_a_byte_at_a_time() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let check = |line: &str| {
            let expected = fields_reference(line);
            assert_eq!(fields(line), expected, "{line:?}");
            let mut out = Vec::new();
            let ok = fields_scalar(line, &mut out);
            assert_eq!(ok.then_some(out), expected, "scalar: {line:?}");
        };
        // Lines of every length across three block boundaries, from alphabets that are mostly
        // the bytes the splitter stops at, so quotes and escapes land on every block edge (the
        // first sends most lines to the scalar splitter, by a backslash; the second has none,
        // and its quotes inside fields test the parity reading's checks)...
        for alphabet in [&b"a \"\\b "[..], &b"a \"b c"[..]] {
            for len in 0..200 {
                for _ in 0..40 {
                    let line: String = (0..len)
                        .map(|_| char::from(alphabet[next(alphabet.len())]))
                        .collect();
                    check(&line);
                }
            }
        }
        // ...and lines of well-formed fields, plain and quoted (with spaces, or empty), one or
        // two spaces apart, which the parity reading splits alone; one in ten carries a stray
        // quote or backslash somewhere.
        let tokens = [
            "a",
            "bb",
            "-",
            "\"\"",
            "\"x y\"",
            "\"- - -\"",
            "\"GET /a?b=c HTTP/1.1\"",
        ];
        for _ in 0..8_000 {
            let mut line = String::new();
            for _ in 0..next(40) {
                line.push_str(tokens[next(tokens.len())]);
                line.push_str(if next(8) == 0 { "  " } else { " " });
            }
            if next(10) == 0 && !line.is_empty() {
                let at = next(line.len());
                line.insert(at, if next(2) == 0 { '"' } else { '\\' });
            }
            check(line.trim_end_matches(|c| next(2) == 0 && c == ' '));
        }
    }

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
