//! AWS WAF logs: one JSON object per request, newline-delimited as S3 and Firehose delivery
//! write them (concatenated or pretty-printed objects are read too). The values of headers that
//! carry credentials are replaced before anything is kept.

use simd_json::BorrowedValue;
use simd_json::prelude::*;

use super::Output;
use super::json_split::SplitLimits;
use super::json_values::each_value;
use crate::schema::LogKind;
use crate::schema::waf::{WafBuilder, WafRow};

/// Headers whose values are secrets: never stored.
const SECRET_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

/// What replaces a secret header's value.
pub const REDACTED: &str = "REDACTED";

fn text<'v>(v: Option<&'v BorrowedValue<'v>>) -> Option<&'v str> {
    v.and_then(|v| v.as_str()).filter(|s| !s.is_empty())
}

/// JSON text of a value, null for null or absent.
fn json(v: Option<&BorrowedValue<'_>>) -> Option<String> {
    v.filter(|v| !v.is_null()).map(|v| v.encode())
}

/// The headers as JSON text with secret values replaced, and the `Host` header.
fn headers(request: Option<&BorrowedValue<'_>>) -> (Option<String>, Option<String>) {
    let Some(list) = request
        .and_then(|r| r.get("headers"))
        .and_then(|h| h.as_array())
    else {
        return (None, None);
    };
    let mut host = None;
    let mut out: Vec<BorrowedValue<'_>> = Vec::with_capacity(list.len());
    for h in list {
        let name = h.get("name").and_then(|n| n.as_str()).unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        let mut kept = h.clone();
        if SECRET_HEADERS.contains(&lower.as_str()) {
            if let Some(o) = kept.as_object_mut() {
                o.insert("value".into(), BorrowedValue::from(REDACTED));
            }
        } else if lower == "host" && host.is_none() {
            host = h.get("value").and_then(|v| v.as_str()).map(str::to_string);
        }
        out.push(kept);
    }
    (Some(BorrowedValue::Array(Box::new(out)).encode()), host)
}

/// `arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID` -> (name, account, region).
fn acl_parts(id: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let parts: Vec<&str> = id.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return (None, None, None);
    }
    let resource: Vec<&str> = parts[5].split('/').collect();
    let name = resource.get(2).copied();
    let region = match (parts[3], resource.first()) {
        ("", _) | (_, Some(&"global")) => Some("global"),
        (r, _) => Some(r),
    };
    (name, Some(parts[4]).filter(|a| !a.is_empty()), region)
}

fn label_names(v: Option<&BorrowedValue<'_>>) -> Option<String> {
    let list = v?.as_array()?;
    let names: Vec<BorrowedValue<'_>> = list
        .iter()
        .filter_map(|l| l.get("name").and_then(|n| n.as_str()))
        .map(BorrowedValue::from)
        .collect();
    Some(BorrowedValue::Array(Box::new(names)).encode())
}

/// Appends the row of one WAF record; `Err` when it is not one.
fn append(value: &BorrowedValue<'_>, builder: &mut WafBuilder) -> Result<(), String> {
    if value.get("webaclId").is_none() && value.get("httpRequest").is_none() {
        return Err("not a WAF log record (no webaclId or httpRequest)".to_string());
    }
    let request = value.get("httpRequest");
    let (headers, host) = headers(request);
    let acl = text(value.get("webaclId"));
    let (name, account, region) = acl.map_or((None, None, None), acl_parts);
    let timestamp = value
        .get("timestamp")
        .and_then(|t| t.as_i64())
        .map(|ms| ms.saturating_mul(1000));
    let match_details = json(value.get("terminatingRuleMatchDetails"));
    let rule_groups = json(value.get("ruleGroupList"));
    let non_terminating = json(value.get("nonTerminatingMatchingRules"));
    let rate_based = json(value.get("rateBasedRuleList"));
    let labels = label_names(value.get("labels"));
    let field = |k: &str| text(request.and_then(|r| r.get(k)));
    let row = WafRow {
        timestamp,
        format_version: value.get("formatVersion").and_then(|v| v.as_i64()),
        web_acl_id: acl,
        web_acl_name: name,
        action: text(value.get("action")),
        terminating_rule_id: text(value.get("terminatingRuleId")),
        terminating_rule_type: text(value.get("terminatingRuleType")),
        terminating_rule_match_details: match_details.as_deref(),
        http_source_name: text(value.get("httpSourceName")),
        http_source_id: text(value.get("httpSourceId")),
        client_ip: field("clientIp"),
        country: field("country"),
        uri: field("uri"),
        args: field("args"),
        http_version: field("httpVersion"),
        http_method: field("httpMethod"),
        host: host.as_deref(),
        request_id: field("requestId"),
        headers: headers.as_deref(),
        response_code_sent: value.get("responseCodeSent").and_then(|v| v.as_i64()),
        labels: labels.as_deref(),
        rule_group_list: rule_groups.as_deref(),
        non_terminating_matching_rules: non_terminating.as_deref(),
        rate_based_rule_list: rate_based.as_deref(),
        ja3_fingerprint: text(value.get("ja3Fingerprint")),
        account,
        region,
        ..Default::default()
    };
    builder.append(&row);
    Ok(())
}

/// Decodes the whole content of a WAF log object.
pub fn decode(content: &[u8], limits: SplitLimits, batch_rows: usize, out: &mut Output) {
    let mut builder = WafBuilder::with_capacity(batch_rows.min(4096));
    each_value(content, limits, out, |value, location, out| {
        if let Err(e) = append(value, &mut builder) {
            out.errors.record(location, e);
        }
        if builder.len() >= batch_rows {
            out.push(LogKind::Waf, builder.finish());
        }
    });
    out.push(LogKind::Waf, builder.finish());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_names_accounts_and_regions() {
        assert_eq!(
            acl_parts("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/app-acl/3a1b"),
            (Some("app-acl"), Some("123456789012"), Some("us-east-1"))
        );
        assert_eq!(
            acl_parts("arn:aws:wafv2:us-east-1:123456789012:global/webacl/cf-acl/3a1b").2,
            Some("global")
        );
        assert_eq!(
            acl_parts("385cb038-3a6f-4f1f-a2a9-ebf37fed3f47"),
            (None, None, None)
        );
    }
}
