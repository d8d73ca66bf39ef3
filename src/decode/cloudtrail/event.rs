//! One CloudTrail event (a parsed JSON object) to one `cloudtrail` row: field extraction and
//! the derived columns. Secrets never reach a column: the raw JSON columns are written without
//! them (see `json_text`).

use simd_json::prelude::*;

use super::derived;
use super::fields::{Identity, Record, Request, text};
use super::json_text::{Json, encode, get, get_str};
use crate::decode::timestamp::parse_rfc3339_micros;
use crate::schema::cloudtrail::{EventBuilder, EventRow};

/// Reused buffers for the JSON text columns.
#[derive(Default)]
pub(super) struct EventScratch {
    request: Vec<u8>,
    response: Vec<u8>,
    additional: Vec<u8>,
    resources: Vec<u8>,
    accounts: String,
    role: String,
    subject: String,
    /// Which of the four raw JSON columns (request, response, additional data, resources) are
    /// filled: writing the others would be wasted.
    raw: [bool; 4],
}

impl EventScratch {
    /// Buffers for a decoder that fills the columns `mask` keeps (all without one).
    pub(super) fn keeping(mask: Option<&[bool]>) -> Self {
        let schema = crate::schema::cloudtrail::event_schema();
        let keeps = |name: &str| {
            schema
                .index_of(name)
                .map_or(true, |i| crate::schema::mask_keeps(mask, i))
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

fn json_column(buf: &[u8], present: bool) -> Option<&str> {
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
pub(super) fn envelope_source<'i>(r: &Record<'_, 'i>) -> Option<&'i str> {
    text(r.event_source)
        .or_else(|| text(r.envelope_source))
        .filter(|s| s.starts_with("aws:"))
}

/// True when the JSON object looks like a CloudTrail event at all.
pub(super) fn looks_like_event(r: &Record<'_, '_>) -> bool {
    [
        r.event_version,
        r.event_time,
        r.event_name,
        r.event_source,
        r.user_identity,
    ]
    .iter()
    .any(Option::is_some)
}

/// Appends one event to the builder.
pub(super) fn append_event(
    r: &Record<'_, '_>,
    builder: &mut EventBuilder,
    scratch: &mut EventScratch,
) {
    let ui = Identity::read(r.user_identity);
    let session = ui.session_context;
    let issuer = get(session, "sessionIssuer");
    let req = Request::read(r.request_parameters);
    let resp = r.response_elements;
    let additional = r.additional_event_data;
    let resources = r.resources.and_then(|r| r.as_array());
    let resources = resources.as_ref();

    let event_name = text(r.event_name);
    let event_source = text(r.event_source);
    let identity_type = text(ui.kind);
    let is_web_identity_user = identity_type == Some("WebIdentityUser");
    let identity_user_name = text(ui.user_name);
    let identity_account_id = text(ui.account_id);
    let recipient_account_id = text(r.recipient_account_id);
    let role_arn = derived::role_arn(r, &ui, &req, &mut scratch.role);

    let web_identity_provider = get_str(get(session, "webIdFederationData"), "federatedProvider")
        .or(if is_web_identity_user {
            text(ui.identity_provider)
        } else {
            None
        })
        .or(get_str(resp, "provider"));
    let web_identity_subject = get_str(resp, "subjectFromWebIdentityToken")
        .or(if is_web_identity_user {
            identity_user_name
        } else {
            None
        })
        .or_else(|| derived::pod_identity_subject(r, &mut scratch.subject));
    let web_identity_audience = get_str(resp, "audience").or_else(|| {
        if is_web_identity_user {
            audience_from_principal(
                text(ui.principal_id)?,
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
        .or(text(req.key_id));

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
    let mfa_used = derived::mfa_used(r, &ui, &req, session_mfa);
    let open_to_world = derived::open_to_world(r, &req);
    let eks_cluster_name =
        text(req.cluster_name).or(if event_source == Some("eks.amazonaws.com") {
            text(req.name)
        } else {
            None
        });
    let hosted_zone_id =
        text(req.hosted_zone_id).map(|z| z.strip_prefix("/hostedzone/").unwrap_or(z));

    let [raw_req, raw_resp, raw_add, raw_res] = scratch.raw;
    let has_req = raw_req && encode(r.request_parameters, true, &mut scratch.request);
    let has_resp = raw_resp && encode(resp, true, &mut scratch.response);
    let has_add = raw_add && encode(additional, true, &mut scratch.additional);
    let has_res = raw_res && encode(r.resources, false, &mut scratch.resources);

    let row = EventRow {
        event_time: text(r.event_time).and_then(parse_rfc3339_micros),
        event_version: text(r.event_version),
        event_source,
        event_name,
        aws_region: text(r.aws_region),
        source_ip: text(r.source_ip),
        user_agent: text(r.user_agent),
        error_code: text(r.error_code),
        error_message: text(r.error_message),
        read_only: boolish(r.read_only),
        event_type: text(r.event_type),
        event_category: text(r.event_category),
        management_event: boolish(r.management_event),
        recipient_account_id,
        event_id: text(r.event_id),
        request_id: text(r.request_id),
        shared_event_id: text(r.shared_event_id),
        vpc_endpoint_id: text(r.vpc_endpoint_id),
        tls_client_host: get_str(r.tls_details, "clientProvidedHostHeader"),
        identity_type,
        identity_arn: text(ui.arn),
        identity_account_id,
        identity_principal_id: text(ui.principal_id),
        identity_user_name,
        session_issuer_arn: get_str(issuer, "arn"),
        session_issuer_type: get_str(issuer, "type"),
        session_issuer_name: get_str(issuer, "userName"),
        session_mfa,
        web_identity_provider,
        invoked_by: text(ui.invoked_by),
        role_arn,
        role_session_name: text(req.role_session_name),
        web_identity_subject,
        web_identity_audience,
        kms_key_arn,
        resource_account_ids: (!accounts.is_empty()).then_some(scratch.accounts.as_str()),
        cross_account,
        mfa_used,
        ecr_repository: text(req.repository_name),
        hosted_zone_id,
        asg_name: text(req.auto_scaling_group_name),
        security_group_id: derived::security_group_id(&req),
        open_to_world,
        eks_cluster_name,
        request_parameters: json_column(&scratch.request, has_req),
        response_elements: json_column(&scratch.response, has_resp),
        additional_event_data: json_column(&scratch.additional, has_add),
        resources: json_column(&scratch.resources, has_res),
        event_copy: Some(derived::event_copy(r, &ui)),
        signin_result: derived::signin_result(r),
        iam_role_name: text(req.role_name),
        oidc_provider_arn: text(req.oidc_provider_arn),
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
