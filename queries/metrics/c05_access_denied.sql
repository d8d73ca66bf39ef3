-- metric: trailflow.access_denied
-- instrument: counter
-- unit: {call}
-- description: Calls denied by IAM, by principal (the role behind a session, else the caller), service, action and cause read from the error message: permissions_boundary, service_control_policy, resource_control_policy, identity_policy, resource_policy, session_policy, implicit, unknown.
-- table: cloudtrail
-- value: denials
-- labels: principal_arn, event_source, event_name, cause, account
-- serves: C5 · "Permission boundary denies captured per CI pipeline role"; "AccessDenied from pod calling AWS APIs"; "Explicit deny on iam:PassRole"
SELECT principal_arn, event_source, event_name, cause, account, COUNT(*) AS denials
FROM (
    SELECT
        COALESCE(session_issuer_arn, identity_arn) AS principal_arn,
        event_source,
        event_name,
        CASE
            WHEN error_message LIKE '%permissions boundary%' THEN 'permissions_boundary'
            WHEN error_message LIKE '%service control polic%' THEN 'service_control_policy'
            WHEN error_message LIKE '%resource control polic%' THEN 'resource_control_policy'
            WHEN error_message LIKE '%explicit deny in an identity-based policy%' THEN 'identity_policy'
            WHEN error_message LIKE '%resource-based polic%' THEN 'resource_policy'
            WHEN error_message LIKE '%session polic%' THEN 'session_policy'
            WHEN error_message LIKE '%no identity-based policy allows%' OR error_message LIKE '%is not authorized to perform: %' THEN 'implicit'
            ELSE 'unknown'
        END AS cause,
        recipient_account_id AS account
    FROM cloudtrail
    WHERE error_code IN ('AccessDenied', 'AccessDeniedException')
       OR error_code LIKE '%UnauthorizedOperation'
       OR error_code LIKE '%AccessDeniedException'
) AS denied
GROUP BY principal_arn, event_source, event_name, cause, account
