-- metric: trailflow.k8s.request.duration
-- instrument: histogram
-- unit: s
-- description: How long the API server took to answer, from receiving a request to completing its response (stage_time - request_received_time of the ResponseComplete stage), by cluster, verb, resource and response code. Slow mutating requests are the usual sign of a slow admission webhook.
-- table: k8s_audit
-- value: seconds
-- labels: cluster, verb, resource, code, account
-- serves: K4 · "Slow API requests behind admission webhooks"
-- variants: Every request with both timestamps.
-- leaves out: watch requests and long-running subresources (log, exec, attach, portforward, proxy), whose duration is the session's, not the API server's.
SELECT
    "cluster",
    verb,
    COALESCE(object_resource, 'none') AS resource,
    CAST(response_code AS VARCHAR) AS code,
    account,
    CAST(CAST(stage_time AS BIGINT) - CAST(request_received_time AS BIGINT) AS DOUBLE) / 1000000.0 AS seconds
FROM k8s_audit
WHERE stage = 'ResponseComplete'
  AND stage_time IS NOT NULL
  AND request_received_time IS NOT NULL
  AND verb <> 'watch'
  AND COALESCE(object_subresource, '') NOT IN ('log', 'exec', 'attach', 'portforward', 'proxy')
