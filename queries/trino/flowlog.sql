-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE TABLE IF NOT EXISTS {{schema}}."flowlog" (
  "version" integer COMMENT '`version` (v2+). Flow log version (2 to 8).',
  "account_id" varchar COMMENT '`account-id` (v2+). AWS account that owns the source network interface.',
  "interface_id" varchar COMMENT '`interface-id` (v2+). Network interface (ENI) id.',
  "srcaddr" varchar COMMENT '`srcaddr` (v2+). Source address of incoming traffic or the interface''s address for outgoing traffic (IPv4 or IPv6).',
  "dstaddr" varchar COMMENT '`dstaddr` (v2+). Destination address of outgoing traffic or the interface''s address for incoming traffic.',
  "srcport" integer COMMENT '`srcport` (v2+). Source port (0 to 65535).',
  "dstport" integer COMMENT '`dstport` (v2+). Destination port (0 to 65535).',
  "protocol" integer COMMENT '`protocol` (v2+). IANA protocol number (6 TCP, 17 UDP, 1 ICMP).',
  "packets" bigint COMMENT '`packets` (v2+). Packets transferred during the flow.',
  "bytes" bigint COMMENT '`bytes` (v2+). Bytes transferred during the flow.',
  "start" bigint COMMENT '`start` (v2+). When the first packet of the flow was received within the aggregation interval (UTC). Quote it in SQL: "start".',
  "end" bigint COMMENT '`end` (v2+). When the last packet of the flow was received within the aggregation interval (UTC). Quote it in SQL: "end".',
  "action" varchar COMMENT '`action` (v2+). `ACCEPT` or `REJECT` (null on `NODATA`/`SKIPDATA` records).',
  "log_status" varchar COMMENT '`log-status` (v2+). `OK`, `NODATA` (no traffic in the interval) or `SKIPDATA` (records skipped).',
  "vpc_id" varchar COMMENT '`vpc-id` (v3+). VPC of the network interface.',
  "subnet_id" varchar COMMENT '`subnet-id` (v3+). Subnet of the network interface.',
  "instance_id" varchar COMMENT '`instance-id` (v3+). Instance that owns the interface, if any.',
  "tcp_flags" integer COMMENT '`tcp-flags` (v3+). Bitmask of TCP flags seen in the interval (FIN 1, SYN 2, RST 4, SYN-ACK 18).',
  "type" varchar COMMENT '`type` (v3+). Traffic type: `IPv4`, `IPv6` or `EFA`.',
  "pkt_srcaddr" varchar COMMENT '`pkt-srcaddr` (v3+). Packet-level (original) source address.',
  "pkt_dstaddr" varchar COMMENT '`pkt-dstaddr` (v3+). Packet-level (original) destination address.',
  "az_id" varchar COMMENT '`az-id` (v4+). Availability Zone id of the network interface, e.g. `use1-az1`.',
  "sublocation_type" varchar COMMENT '`sublocation-type` (v4+). `wavelength`, `outpost` or `localzone`.',
  "sublocation_id" varchar COMMENT '`sublocation-id` (v4+). Id of the sublocation.',
  "pkt_src_aws_service" varchar COMMENT '`pkt-src-aws-service` (v5+). AWS service of `pkt_srcaddr` (e.g. `S3`, `AMAZON`).',
  "pkt_dst_aws_service" varchar COMMENT '`pkt-dst-aws-service` (v5+). AWS service of `pkt_dstaddr`.',
  "flow_direction" varchar COMMENT '`flow-direction` (v5+). `ingress` or `egress`, relative to the interface.',
  "traffic_path" integer COMMENT '`traffic-path` (v5+). Path egress traffic takes (1 to 8: another resource in the VPC, internet gateway, VGW, ...).',
  "ecs_cluster_arn" varchar COMMENT '`ecs-cluster-arn` (v7+). ECS cluster ARN of the task.',
  "ecs_cluster_name" varchar COMMENT '`ecs-cluster-name` (v7+). ECS cluster name.',
  "ecs_container_instance_arn" varchar COMMENT '`ecs-container-instance-arn` (v7+). ECS container instance ARN (EC2 launch type).',
  "ecs_container_instance_id" varchar COMMENT '`ecs-container-instance-id` (v7+). ECS container instance id.',
  "ecs_container_id" varchar COMMENT '`ecs-container-id` (v7+). Docker id of the first container of the task.',
  "ecs_second_container_id" varchar COMMENT '`ecs-second-container-id` (v7+). Docker id of the second container of the task.',
  "ecs_service_name" varchar COMMENT '`ecs-service-name` (v7+). ECS service name.',
  "ecs_task_definition_arn" varchar COMMENT '`ecs-task-definition-arn` (v7+). ECS task definition ARN.',
  "ecs_task_arn" varchar COMMENT '`ecs-task-arn` (v7+). ECS task ARN.',
  "ecs_task_id" varchar COMMENT '`ecs-task-id` (v7+). ECS task id.',
  "reject_reason" varchar COMMENT '`reject-reason` (v8+). Why a flow was rejected, e.g. `BPA` (VPC Block Public Access); null otherwise.',
  "account" varchar,
  "region" varchar,
  "date" varchar
)
WITH (
  external_location = '{{archive_url}}/flowlog',
  format = 'PARQUET',
  partitioned_by = ARRAY['account', 'region', 'date']
);
-- New partitions appear after a sync (run it daily, or after `trailflow archive`):
CALL system.sync_partition_metadata('{{schema}}', 'flowlog', 'ADD');
