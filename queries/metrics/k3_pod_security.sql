-- metric: trailflow.k8s.pod_security
-- instrument: counter
-- unit: {request}
-- description: Pod Security gaps, by cluster, namespace and finding: unlabelled (a namespace created or replaced without the pod-security.kubernetes.io/enforce label) or audit_violation (a request the namespace's Pod Security audit level flags, from the pod-security.kubernetes.io/audit-violations annotation).
-- table: k8s_audit
-- value: requests
-- labels: cluster, namespace, finding, account
-- fold: namespace
-- serves: K3 · "Namespaces without Pod Security labels"; Pod Security violations
-- variants: Successful create and update of namespaces whose request object (the Request level or above) lacks the enforce label; any request with the audit-violations annotation.
-- leaves out: Namespaces patched or labelled with kubectl label (the patch does not restate the labels), and namespaces that existed before trailflow started (query the cluster for those).
SELECT "cluster", namespace, finding, account, COUNT(*) AS requests
FROM (
    SELECT "cluster", COALESCE(object_name, object_namespace) AS namespace, 'unlabelled' AS finding, account
    FROM k8s_audit
    WHERE stage = 'ResponseComplete'
      AND object_resource = 'namespaces'
      AND verb IN ('create', 'update')
      AND response_code < 400
      AND pod_security_enforce = ''
    UNION ALL
    SELECT "cluster", object_namespace AS namespace, 'audit_violation' AS finding, account
    FROM k8s_audit
    WHERE stage = 'ResponseComplete'
      AND pod_security_violations IS NOT NULL
) AS findings
GROUP BY "cluster", namespace, finding, account
