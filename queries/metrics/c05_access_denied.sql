-- metric: trailflow.access_denied
-- instrument: counter
-- unit: {call}
-- description: Calls denied by IAM, by principal (the role behind a session, the role a web identity or SAML user tried, else the caller), service, action, cause read from the error message (permissions_boundary, service_control_policy, resource_control_policy, vpc_endpoint_policy, identity_policy, resource_policy, session_policy, implicit, encoded, unknown), account and copy.
-- table: cloudtrail
-- value: denials
-- labels: principal_arn, event_source, event_name, cause, account, copy
-- fold: principal_arn, event_name
-- serves: C5 · "Permission boundary denies captured per CI pipeline role"; "AccessDenied from pod calling AWS APIs"; "Explicit deny on iam:PassRole"
-- variants: errorCode AccessDenied, *AccessDeniedException and *UnauthorizedOperation (EC2's Client.UnauthorizedOperation). The cause follows IAM's documented messages ("... because no permissions boundary allows", "with an explicit deny in a service control policy", "... VPC endpoint policy", ...); EC2's "Encoded authorization failure message" is `encoded` (decode it with sts:DecodeAuthorizationMessage). Matching ignores case.
-- leaves out: S3's bare "Access Denied" carries no cause (`unknown`). Denials never reach CloudTrail for data events a trail does not log.
SELECT principal_arn, event_source, event_name, cause, account, copy, COUNT(*) AS denials
FROM (
    SELECT
        principal_arn,
        event_source,
        event_name,
        CASE
            WHEN message LIKE '%encoded authorization failure message%' THEN 'encoded'
            WHEN message LIKE '%permissions boundary%' THEN 'permissions_boundary'
            WHEN message LIKE '%service control polic%' THEN 'service_control_policy'
            WHEN message LIKE '%resource control polic%' THEN 'resource_control_policy'
            WHEN message LIKE '%vpc endpoint polic%' THEN 'vpc_endpoint_policy'
            WHEN message LIKE '%explicit deny in an identity-based policy%' THEN 'identity_policy'
            WHEN message LIKE '%resource-based polic%' THEN 'resource_policy'
            WHEN message LIKE '%session polic%' THEN 'session_policy'
            WHEN message LIKE '%no identity-based policy allows%' OR message LIKE '%is not authorized to perform: %' THEN 'implicit'
            ELSE 'unknown'
        END AS cause,
        account,
        copy
    FROM (
        SELECT
            CASE
                WHEN identity_type IN ('WebIdentityUser', 'SAMLUser') THEN role_arn
                ELSE COALESCE(session_issuer_arn, identity_arn)
            END AS principal_arn,
            event_source,
            event_name,
            lower(error_message) AS message,
            recipient_account_id AS account,
            counted_copy(event_copy, identity_account_id) AS copy
        FROM cloudtrail
        WHERE access_denied(error_code)
    ) AS denied
) AS classified
GROUP BY principal_arn, event_source, event_name, cause, account, copy
