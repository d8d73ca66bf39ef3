-- metric: trailflow.k8s.auth_failures
-- instrument: counter
-- unit: {request}
-- description: Requests that could not authenticate (401: a token the API server rejects, e.g. an expired one, or an IAM principal without an access entry or aws-auth mapping) and requests by system:anonymous, by cluster, kind (unauthenticated, anonymous) and outcome (allowed, denied).
-- table: k8s_audit
-- value: requests
-- labels: cluster, kind, outcome, account
-- serves: K5 · "Authentication failures and anonymous requests"
-- variants: ResponseComplete events with code 401, and any event of user system:anonymous.
-- leaves out: Requests refused by authorization (403), which are authenticated.
SELECT "cluster", kind, outcome, account, COUNT(*) AS requests
FROM (
    SELECT
        "cluster",
        CASE WHEN response_code = 401 THEN 'unauthenticated' ELSE 'anonymous' END AS kind,
        CASE WHEN response_code < 400 THEN 'allowed' ELSE 'denied' END AS outcome,
        account
    FROM k8s_audit
    WHERE stage = 'ResponseComplete'
      AND (response_code = 401 OR user_username = 'system:anonymous')
) AS failures
GROUP BY "cluster", kind, outcome, account
