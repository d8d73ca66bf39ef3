//! Flow-log records written in any published field layout.

use std::fmt::Write;

/// One flow record; `None` fields are written as `-`.
#[derive(Debug, Clone, Default)]
pub struct Flow {
    /// `version`.
    pub version: u8,
    /// `account-id`.
    pub account_id: String,
    /// `interface-id`.
    pub interface_id: String,
    /// `srcaddr`.
    pub srcaddr: Option<String>,
    /// `dstaddr`.
    pub dstaddr: Option<String>,
    /// `srcport`.
    pub srcport: Option<u16>,
    /// `dstport`.
    pub dstport: Option<u16>,
    /// `protocol`.
    pub protocol: Option<u8>,
    /// `packets`.
    pub packets: Option<u64>,
    /// `bytes`.
    pub bytes: Option<u64>,
    /// `start` (Unix seconds).
    pub start: i64,
    /// `end` (Unix seconds).
    pub end: i64,
    /// `action`.
    pub action: Option<&'static str>,
    /// `log-status`.
    pub log_status: &'static str,
    /// `vpc-id`.
    pub vpc_id: Option<String>,
    /// `subnet-id`.
    pub subnet_id: Option<String>,
    /// `instance-id`.
    pub instance_id: Option<String>,
    /// `tcp-flags`.
    pub tcp_flags: Option<u8>,
    /// `region`.
    pub region: Option<String>,
    /// `az-id`.
    pub az_id: Option<String>,
    /// `pkt-src-aws-service`.
    pub pkt_src_aws_service: Option<&'static str>,
    /// `pkt-dst-aws-service`.
    pub pkt_dst_aws_service: Option<&'static str>,
    /// `flow-direction`.
    pub flow_direction: Option<&'static str>,
    /// `traffic-path`.
    pub traffic_path: Option<u8>,
    /// `reject-reason`.
    pub reject_reason: Option<&'static str>,
}

fn put<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
    match v {
        Some(v) => {
            let _ = write!(out, "{v}");
        }
        None => out.push('-'),
    }
}

impl Flow {
    /// Appends this record as a line in the layout `fields` (header names).
    pub fn write_line(&self, fields: &[&str], out: &mut String) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            match *field {
                "version" => put(out, Some(self.version)),
                "account-id" => out.push_str(&self.account_id),
                "interface-id" => out.push_str(&self.interface_id),
                "srcaddr" | "pkt-srcaddr" => put(out, self.srcaddr.as_deref()),
                "dstaddr" | "pkt-dstaddr" => put(out, self.dstaddr.as_deref()),
                "srcport" => put(out, self.srcport),
                "dstport" => put(out, self.dstport),
                "protocol" => put(out, self.protocol),
                "packets" => put(out, self.packets),
                "bytes" => put(out, self.bytes),
                "start" => put(out, Some(self.start)),
                "end" => put(out, Some(self.end)),
                "action" => put(out, self.action),
                "log-status" => out.push_str(self.log_status),
                "vpc-id" => put(out, self.vpc_id.as_deref()),
                "subnet-id" => put(out, self.subnet_id.as_deref()),
                "instance-id" => put(out, self.instance_id.as_deref()),
                "tcp-flags" => put(out, self.tcp_flags),
                "type" => put(
                    out,
                    self.srcaddr
                        .as_ref()
                        .map(|a| if a.contains(':') { "IPv6" } else { "IPv4" }),
                ),
                "region" => put(out, self.region.as_deref()),
                "az-id" => put(out, self.az_id.as_deref()),
                "pkt-src-aws-service" => put(out, self.pkt_src_aws_service),
                "pkt-dst-aws-service" => put(out, self.pkt_dst_aws_service),
                "flow-direction" => put(out, self.flow_direction),
                "traffic-path" => put(out, self.traffic_path),
                "reject-reason" => put(out, self.reject_reason),
                _ => out.push('-'),
            }
        }
        out.push('\n');
    }
}

/// A flow-log object: the header line, then one line per record.
pub fn log_file(fields: &[&str], flows: &[Flow]) -> Vec<u8> {
    let mut out = fields.join(" ");
    out.push('\n');
    for f in flows {
        f.write_line(fields, &mut out);
    }
    out.into_bytes()
}
