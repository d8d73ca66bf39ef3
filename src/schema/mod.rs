//! The only place where trailflow's Arrow schemas and column names are defined:
//! one table per log kind. `docs/schema.md` documents them column by column
//! (a test keeps it in step with these definitions).

pub mod cloudtrail;
pub mod columns;
pub mod docs;
pub mod elb;
pub mod flowlog;
pub mod k8s_audit;
mod nulls;
pub(crate) mod table;
pub mod waf;

use std::fmt;
use std::str::FromStr;

pub use nulls::null_column;
pub use table::DESCRIPTION_KEY;

/// The kinds of log record trailflow decodes, each with its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    /// CloudTrail management and data events (`AwsApiCall`, `AwsServiceEvent`, ...).
    CloudTrail,
    /// CloudTrail Insights events (`eventCategory: Insight`).
    CloudTrailInsight,
    /// CloudTrail digest files: the log files each digest vouches for.
    CloudTrailDigest,
    /// VPC Flow Log records.
    FlowLog,
    /// Elastic Load Balancing access and connection logs.
    ElbAccess,
    /// AWS WAF logs.
    Waf,
    /// Kubernetes audit events from EKS.
    K8sAudit,
}

impl LogKind {
    /// Every kind, in table order.
    pub const ALL: [LogKind; 7] = [
        LogKind::CloudTrail,
        LogKind::CloudTrailInsight,
        LogKind::CloudTrailDigest,
        LogKind::FlowLog,
        LogKind::ElbAccess,
        LogKind::Waf,
        LogKind::K8sAudit,
    ];

    /// The SQL table name of this kind.
    pub fn table_name(self) -> &'static str {
        match self {
            LogKind::CloudTrail => "cloudtrail",
            LogKind::CloudTrailInsight => "cloudtrail_insight",
            LogKind::CloudTrailDigest => "cloudtrail_digest",
            LogKind::FlowLog => "flowlog",
            LogKind::ElbAccess => "elb_access",
            LogKind::Waf => "waf",
            LogKind::K8sAudit => "k8s_audit",
        }
    }

    /// The canonical schema of this kind's table.
    pub fn schema(self) -> arrow::datatypes::SchemaRef {
        match self {
            LogKind::CloudTrail => cloudtrail::event_schema(),
            LogKind::CloudTrailInsight => cloudtrail::insight_schema(),
            LogKind::CloudTrailDigest => cloudtrail::digest_schema(),
            LogKind::FlowLog => flowlog::schema(),
            LogKind::ElbAccess => elb::elb_schema(),
            LogKind::Waf => waf::waf_schema(),
            LogKind::K8sAudit => k8s_audit::audit_schema(),
        }
    }
}

/// True when a column mask keeps column `index`: every column without a mask, and any column
/// past its end. The one rule for decoders, builders and the column selection.
pub fn mask_keeps(mask: Option<&[bool]>, index: usize) -> bool {
    mask.is_none_or(|m| m.get(index).copied().unwrap_or(true))
}

impl fmt::Display for LogKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.table_name())
    }
}

impl FromStr for LogKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LogKind::ALL
            .into_iter()
            .find(|k| k.table_name() == s)
            .ok_or_else(|| format!("unknown log kind `{s}`"))
    }
}
