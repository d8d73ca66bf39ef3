//! One CloudTrail event (a parsed JSON object) to one `cloudtrail` row: field extraction and
//! the derived columns. Secrets never reach a column: the raw JSON columns are written without
//! them (see `json_text`).

use simd_json::prelude::*;

use super::json_text::{Json, contains_world_cidr, encode, get, get_str};
use crate::decode::timestamp::parse_rfc3339_micros;
use crate::schema::cloudtrail::{EventBuilder, EventRow};

/// Events whose request can open a security group to the world.
const SG_RULE_EVENTS: [&str; 3] = [
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "ModifySecurityGroupRules",
];

/// Reused buffers for the JSON text columns.
#[derive(Default)]
pub(super) struct EventScratch {
    request: Vec<u8>,
    response: Vec<u8>,
    additional: Vec<u8>,
    resources: Vec<u8>,
    accounts: String,
    /// Which of the four raw JSON columns (request, response, additional data, resources) are
    /// filled: writing the others would be wasted.
    raw: [bool; 4],
}

impl EventScratch {
    /// Buffers for a decoder that fills the columns `mask` keeps (all without one).
    pub(super) fn keeping(mask: Option<&[bool]>) -> Self {
        let schema = crate::schema::cloudtrail::event_schema();
        let keeps = |name: &str| {
            mask.is_none_or(|m| {
                schema
                    .index_of(name)
                    .ok()
                    .and_then(|i| m.get(i).copied())
                    .unwrap_or(true)
            })
        };
        Self {
            raw: [
                "request_parameters",
                "response_elements",
                "additional_event_data",
                "resources",
            ]
            .map(keeps),
            ..Self::default()
        }
    }
}

/// Booleans that CloudTrail writes either as JSON booleans or as `"true"`/`"false"` strings.
fn boolish(v: Option<Json<'_, '_>>) -> Option<bool> {
    let v = v?;
    v.as_bool().or_else(|| match v.as_str()? {
        s if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("yes") => Some(true),
        s if s.eq_ignore_ascii_case("false") || s.eq_ignore_ascii_case("no") => Some(false),
        _ => None,
    })
}

fn text(buf: &[u8], present: bool) -> Option<&str> {
    if present {
        std::str::from_utf8(buf).ok()
    } else {
        None
    }
}

/// The account id inside an ARN (`arn:aws:iam::123456789012:role/x`), when it has one.
pub fn account_of_arn(arn: &str) -> Option<&str> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// The audience inside a `WebIdentityUser` principal id: `<issuer>:<audience>:<subject>`.
fn audience_from_principal<'a>(
    principal: &'a str,
    provider: Option<&str>,
    subject: Option<&str>,
) -> Option<&'a str> {
    let provider = provider?;
    let issuer = provider
        .rsplit_once("oidc-provider/")
        .map_or(provider, |(_, host)| host);
    let at = principal.find(issuer)?;
    let rest = principal[at + issuer.len()..].strip_prefix(':')?;
    if let Some(sub) = subject
        && let Some(aud) = rest.strip_suffix(sub).and_then(|r| r.strip_suffix(':'))
    {
        return Some(aud);
    }
    rest.split(':').next().filter(|a| !a.is_empty())
}

/// The Lambda-style envelope a record belongs to (`aws:s3`, `aws:sns`, `aws:sqs`), if it is one:
/// such records carry `eventSource: "aws:..."`, which no CloudTrail event does.
pub(super) fn envelope_source<'i>(obj: Json<'_, 'i>) -> Option<&'i str> {
    get_str(Some(obj), "eventSource")
        .or_else(|| get_str(Some(obj), "EventSource"))
        .filter(|s| s.starts_with("aws:"))
}

/// True when the JSON object looks like a CloudTrail event at all.
pub(super) fn looks_like_event(obj: Json<'_, '_>) -> bool {
    [
        "eventVersion",
        "eventTime",
        "eventName",
        "eventSource",
        "userIdentity",
    ]
    .iter()
    .any(|k| obj.get(*k).is_some())
}

/// Appends one event to the builder.
pub(super) fn append_event(
    ev: Json<'_, '_>,
    builder: &mut EventBuilder,
    scratch: &mut EventScratch,
) {
    let o = Some(ev);
    let ui = get(o, "userIdentity");
    let session = get(ui, "sessionContext");
    let issuer = get(session, "sessionIssuer");
    let req = get(o, "requestParameters");
    let resp = get(o, "responseElements");
    let additional = get(o, "additionalEventData");
    let resources = get(o, "resources").and_then(|r| r.as_array());
    let resources = resources.as_ref();

    let event_name = get_str(o, "eventName");
    let event_source = get_str(o, "eventSource");
    let identity_type = get_str(ui, "type");
    let is_web_identity_user = identity_type == Some("WebIdentityUser");
    let identity_user_name = get_str(ui, "userName");
    let identity_account_id = get_str(ui, "accountId");
    let recipient_account_id = get_str(o, "recipientAccountId");
    let role_arn = get_str(req, "roleArn");

    let web_identity_provider = get_str(get(session, "webIdFederationData"), "federatedProvider")
        .or(if is_web_identity_user {
            get_str(ui, "identityProvider")
        } else {
            None
        })
        .or(get_str(resp, "provider"));
    let web_identity_subject =
        get_str(resp, "subjectFromWebIdentityToken").or(if is_web_identity_user {
            identity_user_name
        } else {
            None
        });
    let web_identity_audience = get_str(resp, "audience").or_else(|| {
        if is_web_identity_user {
            audience_from_principal(
                get_str(ui, "principalId")?,
                web_identity_provider,
                web_identity_subject,
            )
        } else {
            None
        }
    });

    let kms_key_arn = resources
        .and_then(|rs| {
            rs.iter().find_map(|r| {
                let arn = get_str(Some(r), "ARN")?;
                (get_str(Some(r), "type") == Some("AWS::KMS::Key")
                    || arn.starts_with("arn:aws:kms:"))
                .then_some(arn)
            })
        })
        .or(get_str(req, "keyId"));

    // Accounts of the resources touched, in first-seen order, without repeats.
    let mut accounts: Vec<&str> = Vec::new();
    let resource_accounts = resources.into_iter().flat_map(|rs| rs.iter()).map(|r| {
        get_str(Some(r), "accountId").or_else(|| get_str(Some(r), "ARN").and_then(account_of_arn))
    });
    let arn_accounts = [
        role_arn.and_then(account_of_arn),
        kms_key_arn.and_then(account_of_arn),
    ];
    for a in resource_accounts.chain(arn_accounts).flatten() {
        if !a.is_empty() && !accounts.contains(&a) {
            accounts.push(a);
        }
    }
    scratch.accounts.clear();
    for (i, a) in accounts.iter().enumerate() {
        if i > 0 {
            scratch.accounts.push(',');
        }
        scratch.accounts.push_str(a);
    }
    let cross_account = identity_account_id.and_then(|caller| {
        let mut others = recipient_account_id
            .into_iter()
            .chain(accounts.iter().copied())
            .peekable();
        others.peek()?;
        Some(others.any(|a| a != caller))
    });

    let session_mfa = boolish(get(get(session, "attributes"), "mfaAuthenticated"));
    let mfa_used = match get_str(additional, "MFAUsed") {
        Some(s) if s.eq_ignore_ascii_case("yes") => Some(true),
        Some(s) if s.eq_ignore_ascii_case("no") => Some(false),
        _ => session_mfa,
    };
    let open_to_world = event_name
        .filter(|n| SG_RULE_EVENTS.contains(n))
        .map(|_| req.is_some_and(contains_world_cidr));
    let eks_cluster_name =
        get_str(req, "clusterName").or(if event_source == Some("eks.amazonaws.com") {
            get_str(req, "name")
        } else {
            None
        });
    let hosted_zone_id =
        get_str(req, "hostedZoneId").map(|z| z.strip_prefix("/hostedzone/").unwrap_or(z));

    let [raw_req, raw_resp, raw_add, raw_res] = scratch.raw;
    let has_req = raw_req && encode(req, true, &mut scratch.request);
    let has_resp = raw_resp && encode(resp, true, &mut scratch.response);
    let has_add = raw_add && encode(additional, true, &mut scratch.additional);
    let has_res = raw_res && encode(get(o, "resources"), false, &mut scratch.resources);

    let row = EventRow {
        event_time: get_str(o, "eventTime").and_then(parse_rfc3339_micros),
        event_version: get_str(o, "eventVersion"),
        event_source,
        event_name,
        aws_region: get_str(o, "awsRegion"),
        source_ip: get_str(o, "sourceIPAddress"),
        user_agent: get_str(o, "userAgent"),
        error_code: get_str(o, "errorCode"),
        error_message: get_str(o, "errorMessage"),
        read_only: boolish(get(o, "readOnly")),
        event_type: get_str(o, "eventType"),
        event_category: get_str(o, "eventCategory"),
        management_event: boolish(get(o, "managementEvent")),
        recipient_account_id,
        event_id: get_str(o, "eventID"),
        request_id: get_str(o, "requestID"),
        shared_event_id: get_str(o, "sharedEventID"),
        vpc_endpoint_id: get_str(o, "vpcEndpointId"),
        tls_client_host: get_str(get(o, "tlsDetails"), "clientProvidedHostHeader"),
        identity_type,
        identity_arn: get_str(ui, "arn"),
        identity_account_id,
        identity_principal_id: get_str(ui, "principalId"),
        identity_user_name,
        session_issuer_arn: get_str(issuer, "arn"),
        session_issuer_type: get_str(issuer, "type"),
        session_issuer_name: get_str(issuer, "userName"),
        session_mfa,
        web_identity_provider,
        invoked_by: get_str(ui, "invokedBy"),
        role_arn,
        role_session_name: get_str(req, "roleSessionName"),
        web_identity_subject,
        web_identity_audience,
        kms_key_arn,
        resource_account_ids: (!accounts.is_empty()).then_some(scratch.accounts.as_str()),
        cross_account,
        mfa_used,
        ecr_repository: get_str(req, "repositoryName"),
        hosted_zone_id,
        asg_name: get_str(req, "autoScalingGroupName"),
        security_group_id: get_str(req, "groupId"),
        open_to_world,
        eks_cluster_name,
        request_parameters: text(&scratch.request, has_req),
        response_elements: text(&scratch.response, has_resp),
        additional_event_data: text(&scratch.additional, has_add),
        resources: text(&scratch.resources, has_res),
        _lifetime: std::marker::PhantomData,
    };
    builder.append(&row);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_is_found_in_web_identity_principals() {
        let issuer =
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC";
        let principal = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC:sts.amazonaws.com:system:serviceaccount:ns:sa";
        assert_eq!(
            audience_from_principal(principal, Some(issuer), Some("system:serviceaccount:ns:sa")),
            Some("sts.amazonaws.com")
        );
        assert_eq!(
            audience_from_principal(
                "accounts.google.com:app.apps.googleusercontent.com:user",
                Some("accounts.google.com"),
                None
            ),
            Some("app.apps.googleusercontent.com")
        );
        assert_eq!(audience_from_principal("x", None, None), None);
    }

    #[test]
    fn account_is_read_from_arns() {
        assert_eq!(
            account_of_arn("arn:aws:iam::111122223333:role/x"),
            Some("111122223333")
        );
        assert_eq!(account_of_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(account_of_arn("alias/foo"), None);
    }
}
