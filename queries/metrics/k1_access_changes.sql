-- metric: trailflow.k8s.access_changes
-- instrument: counter
-- unit: {request}
-- description: Changes to who may do what in a cluster, by cluster, user (the IAM ARN behind an EKS user when the authenticator gives it, else the Kubernetes user name), change (aws_auth: the kube-system/aws-auth ConfigMap; cluster_admin_binding: a role binding or cluster role binding to cluster-admin; system_masters_binding: a binding whose subjects include the group system:masters), verb and outcome (success, denied, error).
-- table: k8s_audit
-- value: requests
-- labels: cluster, user, change, verb, outcome, account
-- fold: user
-- serves: K1 · "Who edited aws-auth"; "cluster-admin or system:masters bound"
-- variants: create, update, patch and delete of the aws-auth ConfigMap at any audit level; create, update and patch of bindings whose request object names the role or group (the Request level or above, which EKS's policy logs for RBAC objects). One row per request (the ResponseComplete stage).
-- leaves out: EKS access entries (AWS API calls: trailflow.risky_changes counts them from CloudTrail); deleting a binding (the request carries no object to say what it bound); patches that do not restate roleRef or subjects.
SELECT "cluster", "user", change, verb, outcome, account, COUNT(*) AS requests
FROM (
    SELECT
        "cluster",
        COALESCE(user_arn, user_username) AS "user",
        CASE
            WHEN object_resource = 'configmaps' AND object_namespace = 'kube-system' AND object_name = 'aws-auth' THEN 'aws_auth'
            WHEN object_resource IN ('rolebindings', 'clusterrolebindings') AND role_ref = 'cluster-admin' THEN 'cluster_admin_binding'
            WHEN object_resource IN ('rolebindings', 'clusterrolebindings') AND ',' || subjects || ',' LIKE '%,Group:system:masters,%' THEN 'system_masters_binding'
        END AS change,
        verb,
        CASE
            WHEN response_code < 400 THEN 'success'
            WHEN response_code IN (401, 403) THEN 'denied'
            ELSE 'error'
        END AS outcome,
        account
    FROM k8s_audit
    WHERE stage = 'ResponseComplete'
      AND verb IN ('create', 'update', 'patch', 'delete')
      AND object_resource IN ('configmaps', 'rolebindings', 'clusterrolebindings')
) AS changes
WHERE change IS NOT NULL
GROUP BY "cluster", "user", change, verb, outcome, account
