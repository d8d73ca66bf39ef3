//! Columns derived from the shape of an event rather than read from one field: which copy of a
//! cross-account call a record is, the role a console `SwitchRole` or an EKS Pod Identity
//! exchange went into, whether MFA backed the call, and whether a rule change opens something
//! to the whole internet. Each follows the event variants AWS documents, not one generator's.

use simd_json::prelude::*;

use super::fields::{Identity, Record, Request, text};
use super::json_text::{Json, contains_world_cidr, get, get_str};

/// Events whose request changes security-group rules; `open_to_world` is set for them.
const SG_RULE_EVENTS: [&str; 4] = [
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "ModifySecurityGroupRules",
    "RevokeSecurityGroupEgress",
];

/// Which copy of a call the record is (see the `event_copy` column).
pub(super) fn event_copy(r: &Record<'_, '_>, ui: &Identity<'_, '_>) -> &'static str {
    if text(r.shared_event_id).is_none() {
        return "same";
    }
    // The owner's copy shows the caller only as an account (`AWSAccount`); AWS's own example
    // of the caller's copy names a `recipientAccountId` that is not the caller's, so the
    // identity decides, and the accounts only when the identity has no type.
    match text(ui.kind) {
        Some("AWSAccount") => "owner",
        Some(_) => "caller",
        None => match (text(ui.account_id), text(r.recipient_account_id)) {
            (Some(caller), Some(recipient)) if caller != recipient => "owner",
            _ => "caller",
        },
    }
}

/// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` -> `arn:aws:iam::ACCOUNT:role/ROLE`, written
/// into `out` (the assumed-role ARN has no role path: the role's name is what it keeps).
pub(super) fn role_of_assumed_role<'o>(arn: &str, out: &'o mut String) -> Option<&'o str> {
    let (prefix, rest) = arn.split_once(":assumed-role/")?;
    let (partition, account) = prefix.strip_prefix("arn:")?.split_once(":sts::")?;
    let role = rest.split('/').next().filter(|r| !r.is_empty())?;
    out.clear();
    out.push_str("arn:");
    out.push_str(partition);
    out.push_str(":iam::");
    out.push_str(account);
    out.push_str(":role/");
    out.push_str(role);
    Some(out.as_str())
}

/// The role an event assumed or tried to, beyond `requestParameters.roleArn` (see `role_arn`).
pub(super) fn role_arn<'i, 'o>(
    r: &Record<'_, 'i>,
    ui: &Identity<'_, 'i>,
    req: &Request<'_, 'i>,
    out: &'o mut String,
) -> Option<&'o str>
where
    'i: 'o,
{
    if let Some(arn) = text(req.role_arn) {
        return Some(arn);
    }
    match text(r.event_name)? {
        "SwitchRole" => get_str(r.additional_event_data, "SwitchTo").or_else(|| {
            let arn = text(ui.arn)?;
            role_of_assumed_role(arn, out)
        }),
        "AssumeRoleForPodIdentity" => {
            let arn = get_str(get(r.response_elements, "assumedRoleUser"), "arn")?;
            role_of_assumed_role(arn, out)
        }
        _ => None,
    }
}

/// `system:serviceaccount:NS:SA` of an EKS Pod Identity exchange, written into `out`.
pub(super) fn pod_identity_subject<'o>(r: &Record<'_, '_>, out: &'o mut String) -> Option<&'o str> {
    if text(r.event_name) != Some("AssumeRoleForPodIdentity") {
        return None;
    }
    let subject = get(r.response_elements, "subject");
    let namespace = get_str(subject, "namespace")?;
    let service_account = get_str(subject, "serviceAccount")?;
    out.clear();
    out.push_str("system:serviceaccount:");
    out.push_str(namespace);
    out.push(':');
    out.push_str(service_account);
    Some(out.as_str())
}

/// Whether MFA backed the call (see `mfa_used`).
pub(super) fn mfa_used(
    r: &Record<'_, '_>,
    ui: &Identity<'_, '_>,
    req: &Request<'_, '_>,
    session_mfa: Option<bool>,
) -> Option<bool> {
    match get_str(r.additional_event_data, "MFAUsed") {
        Some(s) if s.eq_ignore_ascii_case("yes") => return Some(true),
        Some(s) if s.eq_ignore_ascii_case("no") => return Some(false),
        _ => {}
    }
    if text(req.serial_number).is_some_and(|s| !s.is_empty()) {
        return Some(true);
    }
    if session_mfa.is_some() {
        return session_mfa;
    }
    // Long-term access keys cannot carry MFA: a user or root call without a session.
    let long_term =
        matches!(text(ui.kind), Some("IAMUser" | "Root")) && ui.session_context.is_none();
    long_term.then_some(false)
}

/// Result of a console sign-in event (see `signin_result`).
pub(super) fn signin_result<'i>(r: &Record<'_, 'i>) -> Option<&'i str> {
    if text(r.event_source) != Some("signin.amazonaws.com") {
        return None;
    }
    get_str(r.response_elements, "ConsoleLogin")
        .or_else(|| get_str(r.response_elements, "SwitchRole"))
}

/// The security group of a security-group call (see `security_group_id`).
pub(super) fn security_group_id<'i>(req: &Request<'_, 'i>) -> Option<&'i str> {
    text(req.group_id).or_else(|| get_str(req.modify_security_group_rules, "GroupId"))
}

/// Whether the request opens something to the whole internet (see `open_to_world`).
pub(super) fn open_to_world(r: &Record<'_, '_>, req: &Request<'_, '_>) -> Option<bool> {
    let name = text(r.event_name)?;
    if SG_RULE_EVENTS.contains(&name) {
        return Some(r.request_parameters.is_some_and(contains_world_cidr));
    }
    if name == "UpdateClusterConfig" {
        let config: Option<Json<'_, '_>> = req.resources_vpc_config;
        let public = get(config, "endpointPublicAccess").and_then(|v| v.as_bool());
        let cidrs = get(config, "publicAccessCidrs");
        return Some(match cidrs {
            Some(cidrs) if !cidrs.is_null() => contains_world_cidr_list(cidrs),
            _ => public == Some(true),
        });
    }
    None
}

/// True when a `publicAccessCidrs` list holds a `/0`.
fn contains_world_cidr_list(cidrs: Json<'_, '_>) -> bool {
    cidrs.as_array().is_some_and(|a| {
        a.iter()
            .any(|c| c.as_str().is_some_and(super::json_text::is_world_cidr))
    })
}
