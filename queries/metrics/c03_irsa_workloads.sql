-- metric: trailflow.irsa.assumptions
-- instrument: counter
-- unit: {assumption}
-- description: Successful IRSA role assumptions by Kubernetes namespace and service account (from the token subject system:serviceaccount:NS:SA), role and cluster (the EKS OIDC id).
-- table: cloudtrail
-- value: assumptions
-- labels: namespace, service_account, role_arn, cluster
-- serves: C3 · which pods use which roles; dual annotation during a Pod Identity migration
SELECT namespace, service_account, role_arn, "cluster", COUNT(*) AS assumptions
FROM (
    SELECT
        split_part(web_identity_subject, ':', 3) AS namespace,
        split_part(web_identity_subject, ':', 4) AS service_account,
        role_arn,
        regexp_replace(web_identity_provider, '^.*/id/', '') AS "cluster"
    FROM cloudtrail
    WHERE event_name = 'AssumeRoleWithWebIdentity'
      AND error_code IS NULL
      AND web_identity_subject LIKE 'system:serviceaccount:%'
) AS irsa
GROUP BY namespace, service_account, role_arn, "cluster"
