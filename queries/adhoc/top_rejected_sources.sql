-- name: top_rejected_sources
-- description: Top rejected source addresses, ports and protocols for one network interface (ENI).
-- table: flowlog
-- param: eni · the interface id, e.g. eni-0a1b2c3d4e5f67890
-- param: limit · how many rows (default 20)
SELECT srcaddr, dstport, protocol, COUNT(*) AS flows, SUM(packets) AS packets, MIN("start") AS first_seen, MAX("end") AS last_seen
FROM flowlog
WHERE action = 'REJECT' AND interface_id = '${eni}'
GROUP BY srcaddr, dstport, protocol
ORDER BY flows DESC, srcaddr
LIMIT ${limit:20}
