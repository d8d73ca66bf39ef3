//! Table `flowlog`: every field AWS publishes for VPC Flow Logs (versions 2 to 8),
//! in AWS's order, under AWS's names with hyphens turned into underscores (the
//! same names AWS uses in its Parquet delivery). A file's header picks a subset
//! in any order; the fields it lacks are null.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// How a flow-log field is typed in Arrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text (`Utf8`).
    Text,
    /// 32-bit integer (ports, protocol, flags, version, traffic path).
    Int32,
    /// 64-bit integer (packets, bytes).
    Int64,
    /// Unix seconds, stored as `Timestamp(Second, UTC)`.
    UnixSeconds,
}

impl FieldType {
    /// The Arrow type of a column of this field type.
    pub fn data_type(self) -> DataType {
        match self {
            FieldType::Text => DataType::Utf8,
            FieldType::Int32 => DataType::Int32,
            FieldType::Int64 => DataType::Int64,
            FieldType::UnixSeconds => DataType::Timestamp(TimeUnit::Second, Some("+00:00".into())),
        }
    }
}

/// One published flow-log field.
#[derive(Debug, Clone, Copy)]
pub struct KnownField {
    /// The name in a flow log's header line, e.g. `log-status`.
    pub aws_name: &'static str,
    /// The column name in trailflow's schema, e.g. `log_status`.
    pub column: &'static str,
    /// Its type.
    pub ty: FieldType,
    /// Inclusive range accepted for integer fields.
    pub range: (i64, i64),
    /// The first flow-log version that has it.
    pub since_version: u8,
    /// What it holds.
    pub description: &'static str,
}

const fn field(
    aws_name: &'static str,
    column: &'static str,
    ty: FieldType,
    since_version: u8,
    description: &'static str,
) -> KnownField {
    let range = match ty {
        FieldType::Int32 => (0, i32::MAX as i64),
        FieldType::Int64 | FieldType::UnixSeconds => (0, i64::MAX),
        FieldType::Text => (0, 0),
    };
    KnownField {
        aws_name,
        column,
        ty,
        range,
        since_version,
        description,
    }
}

const fn ranged(f: KnownField, min: i64, max: i64) -> KnownField {
    KnownField {
        range: (min, max),
        ..f
    }
}

use FieldType::{Int32, Int64, Text, UnixSeconds};

/// Every published field, in AWS's documented order.
pub const KNOWN_FIELDS: &[KnownField] = &[
    ranged(
        field("version", "version", Int32, 2, "Flow log version (2 to 8)."),
        0,
        255,
    ),
    field(
        "account-id",
        "account_id",
        Text,
        2,
        "AWS account that owns the source network interface.",
    ),
    field(
        "interface-id",
        "interface_id",
        Text,
        2,
        "Network interface (ENI) id.",
    ),
    field(
        "srcaddr",
        "srcaddr",
        Text,
        2,
        "Source address of incoming traffic or the interface's address for outgoing traffic (IPv4 or IPv6).",
    ),
    field(
        "dstaddr",
        "dstaddr",
        Text,
        2,
        "Destination address of outgoing traffic or the interface's address for incoming traffic.",
    ),
    ranged(
        field("srcport", "srcport", Int32, 2, "Source port (0 to 65535)."),
        0,
        65535,
    ),
    ranged(
        field(
            "dstport",
            "dstport",
            Int32,
            2,
            "Destination port (0 to 65535).",
        ),
        0,
        65535,
    ),
    ranged(
        field(
            "protocol",
            "protocol",
            Int32,
            2,
            "IANA protocol number (6 TCP, 17 UDP, 1 ICMP).",
        ),
        0,
        255,
    ),
    field(
        "packets",
        "packets",
        Int64,
        2,
        "Packets transferred during the flow.",
    ),
    field(
        "bytes",
        "bytes",
        Int64,
        2,
        "Bytes transferred during the flow.",
    ),
    field(
        "start",
        "start",
        UnixSeconds,
        2,
        "When the first packet of the flow was received within the aggregation interval (UTC). Quote it in SQL: \"start\".",
    ),
    field(
        "end",
        "end",
        UnixSeconds,
        2,
        "When the last packet of the flow was received within the aggregation interval (UTC). Quote it in SQL: \"end\".",
    ),
    field(
        "action",
        "action",
        Text,
        2,
        "`ACCEPT` or `REJECT` (null on `NODATA`/`SKIPDATA` records).",
    ),
    field(
        "log-status",
        "log_status",
        Text,
        2,
        "`OK`, `NODATA` (no traffic in the interval) or `SKIPDATA` (records skipped).",
    ),
    field("vpc-id", "vpc_id", Text, 3, "VPC of the network interface."),
    field(
        "subnet-id",
        "subnet_id",
        Text,
        3,
        "Subnet of the network interface.",
    ),
    field(
        "instance-id",
        "instance_id",
        Text,
        3,
        "Instance that owns the interface, if any.",
    ),
    ranged(
        field(
            "tcp-flags",
            "tcp_flags",
            Int32,
            3,
            "Bitmask of TCP flags seen in the interval (FIN 1, SYN 2, RST 4, SYN-ACK 18).",
        ),
        0,
        255,
    ),
    field(
        "type",
        "type",
        Text,
        3,
        "Traffic type: `IPv4`, `IPv6` or `EFA`.",
    ),
    field(
        "pkt-srcaddr",
        "pkt_srcaddr",
        Text,
        3,
        "Packet-level (original) source address.",
    ),
    field(
        "pkt-dstaddr",
        "pkt_dstaddr",
        Text,
        3,
        "Packet-level (original) destination address.",
    ),
    field(
        "region",
        "region",
        Text,
        4,
        "Region of the network interface; for formats without it, the region of the object's key (`.../vpcflowlogs/<region>/...`).",
    ),
    field(
        "az-id",
        "az_id",
        Text,
        4,
        "Availability Zone id of the network interface, e.g. `use1-az1`.",
    ),
    field(
        "sublocation-type",
        "sublocation_type",
        Text,
        4,
        "`wavelength`, `outpost` or `localzone`.",
    ),
    field(
        "sublocation-id",
        "sublocation_id",
        Text,
        4,
        "Id of the sublocation.",
    ),
    field(
        "pkt-src-aws-service",
        "pkt_src_aws_service",
        Text,
        5,
        "AWS service of `pkt_srcaddr` (e.g. `S3`, `AMAZON`).",
    ),
    field(
        "pkt-dst-aws-service",
        "pkt_dst_aws_service",
        Text,
        5,
        "AWS service of `pkt_dstaddr`.",
    ),
    field(
        "flow-direction",
        "flow_direction",
        Text,
        5,
        "`ingress` or `egress`, relative to the interface.",
    ),
    ranged(
        field(
            "traffic-path",
            "traffic_path",
            Int32,
            5,
            "Path egress traffic takes (1 to 8: another resource in the VPC, internet gateway, VGW, ...).",
        ),
        0,
        255,
    ),
    field(
        "ecs-cluster-arn",
        "ecs_cluster_arn",
        Text,
        7,
        "ECS cluster ARN of the task.",
    ),
    field(
        "ecs-cluster-name",
        "ecs_cluster_name",
        Text,
        7,
        "ECS cluster name.",
    ),
    field(
        "ecs-container-instance-arn",
        "ecs_container_instance_arn",
        Text,
        7,
        "ECS container instance ARN (EC2 launch type).",
    ),
    field(
        "ecs-container-instance-id",
        "ecs_container_instance_id",
        Text,
        7,
        "ECS container instance id.",
    ),
    field(
        "ecs-container-id",
        "ecs_container_id",
        Text,
        7,
        "Docker id of the first container of the task.",
    ),
    field(
        "ecs-second-container-id",
        "ecs_second_container_id",
        Text,
        7,
        "Docker id of the second container of the task.",
    ),
    field(
        "ecs-service-name",
        "ecs_service_name",
        Text,
        7,
        "ECS service name.",
    ),
    field(
        "ecs-task-definition-arn",
        "ecs_task_definition_arn",
        Text,
        7,
        "ECS task definition ARN.",
    ),
    field("ecs-task-arn", "ecs_task_arn", Text, 7, "ECS task ARN."),
    field("ecs-task-id", "ecs_task_id", Text, 7, "ECS task id."),
    field(
        "reject-reason",
        "reject_reason",
        Text,
        8,
        "Why a flow was rejected, e.g. `BPA` (VPC Block Public Access); null otherwise.",
    ),
];

/// The default (version 2) format, assumed when a file has no header line.
pub const DEFAULT_V2_FIELDS: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// Looks a field up by its header name (`log-status`) or column name (`log_status`).
pub fn known_field(name: &str) -> Option<(usize, &'static KnownField)> {
    static INDEX: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, f) in KNOWN_FIELDS.iter().enumerate() {
            m.insert(f.aws_name, i);
            m.insert(f.column, i);
        }
        m
    });
    index.get(name).map(|&i| (i, &KNOWN_FIELDS[i]))
}

/// Column name for a header field that trailflow does not know: hyphens become underscores.
pub fn extra_column_name(aws_name: &str) -> String {
    aws_name.replace('-', "_")
}

/// The canonical `flowlog` schema: every known field, nullable, with its description.
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(
                KNOWN_FIELDS
                    .iter()
                    .map(|f| {
                        Field::new(f.column, f.ty.data_type(), true).with_metadata(HashMap::from([
                            (
                                super::DESCRIPTION_KEY.to_string(),
                                format!(
                                    "`{}` (v{}+). {}",
                                    f.aws_name, f.since_version, f.description
                                ),
                            ),
                        ]))
                    })
                    .collect::<Vec<_>>(),
            ))
        })
        .clone()
}
