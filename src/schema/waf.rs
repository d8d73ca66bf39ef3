//! Table of AWS WAF logs: one row per inspected web request.

use super::table::define_table;

define_table! {
    /// One AWS WAF log record (table `waf`).
    row WafRow, builder WafBuilder, schema waf_schema {
        /// `timestamp` (milliseconds since the epoch), UTC.
        timestamp: TsMicros,
        /// `formatVersion`.
        format_version: I64,
        /// `webaclId`: the web ACL's ARN (WAF classic: its id).
        web_acl_id: Str,
        /// Web ACL name, from `webaclId`.
        web_acl_name: Str,
        /// `action`: `ALLOW`, `BLOCK`, `COUNT`, `CAPTCHA`, `CHALLENGE`.
        action: Str,
        /// `terminatingRuleId`: the rule that decided (`Default_Action` when none matched).
        terminating_rule_id: Str,
        /// `terminatingRuleType`: `REGULAR`, `RATE_BASED`, `GROUP`, `MANAGED_RULE_GROUP`.
        terminating_rule_type: Str,
        /// `terminatingRuleMatchDetails`, JSON text.
        terminating_rule_match_details: Str,
        /// `httpSourceName`: `ALB`, `CF`, `APIGW`, `APPSYNC`, `COGNITOIDP`, ...
        http_source_name: Str,
        /// `httpSourceId`: the protected resource.
        http_source_id: Str,
        /// `httpRequest.clientIp`.
        client_ip: Str,
        /// `httpRequest.country`.
        country: Str,
        /// `httpRequest.uri`.
        uri: Str,
        /// `httpRequest.args`, the query string.
        args: Str,
        /// `httpRequest.httpVersion`.
        http_version: Str,
        /// `httpRequest.httpMethod`.
        http_method: Str,
        /// The request's `Host` header.
        host: Str,
        /// `httpRequest.requestId` (CloudFront: its request id).
        request_id: Str,
        /// `httpRequest.headers` as JSON text `[{"name", "value"}]`; the values of `Authorization`, `Proxy-Authorization` and `Cookie` are replaced by `REDACTED` while decoding.
        headers: Str,
        /// `responseCodeSent`: the status of a custom block response.
        response_code_sent: I64,
        /// Names of the labels added to the request (`labels[].name`), JSON text array.
        labels: Str,
        /// `ruleGroupList`, JSON text.
        rule_group_list: Str,
        /// `nonTerminatingMatchingRules` (COUNT matches), JSON text.
        non_terminating_matching_rules: Str,
        /// `rateBasedRuleList`, JSON text.
        rate_based_rule_list: Str,
        /// `ja3Fingerprint` of the TLS client hello.
        ja3_fingerprint: Str,
        /// AWS account, from the web ACL's ARN.
        account: Str,
        /// Region, from the web ACL's ARN (`global` for CloudFront).
        region: Str,
    }
}
