-- metric: trailflow.flow.control_plane_rejected
-- instrument: counter
-- unit: {flow}
-- description: Rejected flows to or from the node subnets (the node_subnets lookup) on 443 and 10250, the ports the EKS control plane needs to reach kubelets and webhooks, by subnet, port and direction (to_node, from_node).
-- table: flowlog
-- value: flows
-- labels: subnet, port, direction
-- serves: F2 · "allow control-plane inbound on 443/10250 patterns"
SELECT subnet, port, direction, COUNT(*) AS flows
FROM (
    SELECT
        COALESCE(node_subnet(dstaddr), node_subnet(srcaddr)) AS subnet,
        CAST(dstport AS VARCHAR) AS port,
        CASE WHEN node_subnet(dstaddr) IS NOT NULL THEN 'to_node' ELSE 'from_node' END AS direction
    FROM flowlog
    WHERE action = 'REJECT' AND dstport IN (443, 10250)
) AS rejected
WHERE subnet IS NOT NULL
GROUP BY subnet, port, direction
