-- metric: trailflow.irsa.token_rejections
-- instrument: counter
-- unit: {rejection}
-- description: AssumeRoleWithWebIdentity calls STS rejected, by role, OIDC provider, EKS cluster and reason: audience_mismatch, subject_or_trust_mismatch, expired, provider_not_found, idp_unreachable, invalid_token.
-- table: cloudtrail
-- value: rejections
-- labels: role_arn, oidc_provider, cluster, reason
-- fold: role_arn
-- serves: C2 · "IRSA JWT audience mismatch occurrences"; "fix trust :sub string mismatches"; "Broken OIDC discovery"
-- variants: Failed AssumeRoleWithWebIdentity with errorCode InvalidIdentityToken, AccessDenied, IDPCommunicationError, IDPRejectedClaim or ExpiredTokenException; the reason is read from the error message ("Incorrect token audience", "No OpenIDConnect provider found", "expired"). The cluster is the `lookups.clusters` name of the provider's issuer, else its id.
-- leaves out: Throttled exchanges (a throttle is not a token rejection: see trailflow.sts.calls) and EKS Pod Identity, which exchanges no OIDC token with STS.
SELECT role_arn, oidc_provider, "cluster", reason, COUNT(*) AS rejections
FROM (
    SELECT
        role_arn,
        regexp_replace(web_identity_provider, '^(arn:aws[a-z-]*:iam::[0-9]+:oidc-provider/|https://)', '') AS oidc_provider,
        cluster_name(web_identity_provider) AS "cluster",
        CASE
            WHEN error_message LIKE '%Incorrect token audience%' THEN 'audience_mismatch'
            WHEN error_code = 'ExpiredTokenException' OR lower(error_message) LIKE '%expired%' THEN 'expired'
            WHEN error_message LIKE '%No OpenIDConnect provider found%' THEN 'provider_not_found'
            WHEN error_code = 'IDPCommunicationError' THEN 'idp_unreachable'
            WHEN error_code = 'AccessDenied' THEN 'subject_or_trust_mismatch'
            ELSE 'invalid_token'
        END AS reason
    FROM cloudtrail
    WHERE event_name = 'AssumeRoleWithWebIdentity'
      AND error_code IN ('InvalidIdentityToken', 'AccessDenied', 'IDPCommunicationError', 'IDPRejectedClaim', 'ExpiredTokenException')
) AS rejected
GROUP BY role_arn, oidc_provider, "cluster", reason
