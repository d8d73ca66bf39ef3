-- metric: trailflow.flow.control_plane_rejected
-- instrument: counter
-- unit: {flow}
-- description: Rejected flows between the EKS control plane and the nodes on the control-plane ports (`lookups.control_plane_ports`: 443, 10250 and the webhook ports 8443 and 9443), by node subnet, port and direction (control_plane_to_node, node_to_control_plane; to_node, from_node when no control-plane subnets are configured).
-- table: flowlog
-- value: flows
-- labels: subnet, port, direction, account, region
-- serves: F2 · "allow control-plane inbound on 443/10250 patterns"
-- variants: REJECT records whose one end is in `lookups.node_subnets` and, when `lookups.control_plane_subnets` is set, whose other end is in it (flow logs carry no interface description, so the control plane's interfaces are known by their subnets or /32 addresses). When the control plane shares the nodes' subnets, port 443 is read as node to API server and the others as control plane to kubelet or webhook.
-- leaves out: Node-to-node and load-balancer traffic on the same ports once control-plane subnets are configured.
SELECT subnet, port, direction, account, region, COUNT(*) AS flows
FROM (
    SELECT
        COALESCE(node_subnet(dstaddr), node_subnet(srcaddr)) AS subnet,
        CAST(dstport AS VARCHAR) AS port,
        control_plane_direction(srcaddr, dstaddr, dstport) AS direction,
        account_id AS account,
        region
    FROM flowlog
    WHERE action = 'REJECT' AND control_plane_port(dstport)
) AS rejected
WHERE direction IS NOT NULL
GROUP BY subnet, port, direction, account, region
