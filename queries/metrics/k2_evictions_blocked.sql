-- metric: trailflow.k8s.evictions_blocked
-- instrument: counter
-- unit: {request}
-- description: Pod evictions the API server refused with 429 Too Many Requests because a PodDisruptionBudget allows no more disruptions, by cluster and namespace: the node drains (upgrades, Karpenter consolidation, the cluster autoscaler) that a PDB is holding up.
-- table: k8s_audit
-- value: requests
-- labels: cluster, namespace, account
-- serves: K2 · "Node drains stuck on PodDisruptionBudgets"
-- variants: create of the pods/eviction subresource answered 429 (the ResponseComplete stage), from kubectl drain, Karpenter or any controller.
-- leaves out: Evictions refused for other reasons (a 500 from a misconfigured PDB is an error, not a block), and deletions that bypass the eviction API.
SELECT "cluster", object_namespace AS namespace, account, COUNT(*) AS requests
FROM k8s_audit
WHERE stage = 'ResponseComplete'
  AND object_resource = 'pods'
  AND object_subresource = 'eviction'
  AND verb = 'create'
  AND response_code = 429
GROUP BY "cluster", object_namespace, account
