-- metric: trailflow.irsa.assumptions
-- instrument: counter
-- unit: {assumption}
-- description: Successful role assumptions by Kubernetes workloads, by namespace, service account, role, EKS cluster and mechanism (irsa: AssumeRoleWithWebIdentity with a service-account token; pod_identity: EKS Pod Identity's AssumeRoleForPodIdentity). One service account under both mechanisms is the runbook's "dual annotation".
-- table: cloudtrail
-- value: assumptions
-- labels: namespace, service_account, role_arn, cluster, mechanism
-- fold: role_arn, service_account
-- serves: C3 · which pods use which roles; dual annotation during a Pod Identity migration
-- variants: IRSA: sts.amazonaws.com AssumeRoleWithWebIdentity whose token subject is system:serviceaccount:NS:SA, cluster from the `lookups.clusters` name of its OIDC issuer (else the issuer id). Pod Identity: eks-auth.amazonaws.com AssumeRoleForPodIdentity, namespace and service account from responseElements.subject, role from responseElements.assumedRoleUser, cluster from requestParameters.clusterName.
-- leaves out: Failed exchanges (trailflow.irsa.token_rejections) and web identities that are not Kubernetes service accounts (GitHub Actions, Cognito).
SELECT namespace, service_account, role_arn, "cluster", mechanism, COUNT(*) AS assumptions
FROM (
    SELECT
        split_part(web_identity_subject, ':', 3) AS namespace,
        split_part(web_identity_subject, ':', 4) AS service_account,
        role_arn,
        CASE
            WHEN event_name = 'AssumeRoleForPodIdentity' THEN eks_cluster_name
            ELSE cluster_name(web_identity_provider)
        END AS "cluster",
        CASE WHEN event_name = 'AssumeRoleForPodIdentity' THEN 'pod_identity' ELSE 'irsa' END AS mechanism
    FROM cloudtrail
    WHERE error_code IS NULL
      AND web_identity_subject LIKE 'system:serviceaccount:%'
      AND ((event_source = 'sts.amazonaws.com' AND event_name = 'AssumeRoleWithWebIdentity')
        OR (event_source = 'eks-auth.amazonaws.com' AND event_name = 'AssumeRoleForPodIdentity'))
) AS workloads
GROUP BY namespace, service_account, role_arn, "cluster", mechanism
