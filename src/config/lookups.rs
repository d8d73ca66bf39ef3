//! `[lookups]`: what trailflow cannot read from the logs about your environment. Role patterns
//! tell controllers, nodes and break-glass roles apart; subnets, endpoints and ports give flow
//! records their meaning; clusters name OIDC issuers; logged accounts decide which copy of a
//! cross-account call counts. Registered as SQL tables and functions by the engine.

use serde::{Deserialize, Serialize};

/// A subnet and the Availability Zone it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetAz {
    /// CIDR block, e.g. `10.0.1.0/24`.
    pub cidr: String,
    /// Availability Zone, e.g. `eu-west-1a`.
    pub az: String,
}

/// A subnet where Kubernetes nodes run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSubnet {
    /// CIDR block.
    pub cidr: String,
    /// A name for the `subnet` label (default: the CIDR).
    #[serde(default)]
    pub name: Option<String>,
}

/// An interface address of a VPC endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    /// The endpoint ENI's private address.
    pub address: String,
    /// The service, e.g. `sts` or `ecr.api`.
    pub service: String,
}

/// An EKS cluster and its IAM OIDC issuer, for the `cluster` label of IRSA metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// The cluster's name.
    pub name: String,
    /// Its OIDC issuer: the URL (`https://oidc.eks.REGION.amazonaws.com/id/ID`), the provider
    /// ARN, or the id alone.
    pub oidc_issuer: String,
}

/// A port or port range that matters, written `443`, `30000-32767` or `nodeport=30000-32767`:
/// flows to it are labelled with its name (default: the port or range as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServicePort {
    /// The name, when given.
    pub name: Option<String>,
    /// First port of the range.
    pub first: u16,
    /// Last port of the range (inclusive).
    pub last: u16,
}

impl ServicePort {
    /// The label value of ports in this class.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None if self.first == self.last => self.first.to_string(),
            None => format!("{}-{}", self.first, self.last),
        }
    }
}

impl TryFrom<String> for ServicePort {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let (name, range) = match text.split_once('=') {
            Some((name, range)) => (Some(name.trim().to_string()), range),
            None => (None, text.as_str()),
        };
        let bad = || format!("`{text}` is not a port, a range `A-B` or `name=A-B`");
        let (first, last) = range.split_once('-').unwrap_or((range, range));
        let first: u16 = first.trim().parse().map_err(|_| bad())?;
        let last: u16 = last.trim().parse().map_err(|_| bad())?;
        if first > last || name.as_deref().is_some_and(str::is_empty) {
            return Err(bad());
        }
        Ok(Self { name, first, last })
    }
}

impl From<ServicePort> for String {
    fn from(p: ServicePort) -> String {
        let range = if p.first == p.last {
            p.first.to_string()
        } else {
            format!("{}-{}", p.first, p.last)
        };
        match p.name {
            Some(name) => format!("{name}={range}"),
            None => range,
        }
    }
}

/// Role patterns and network facts, registered as SQL lookup tables and functions.
/// Role patterns are globs over role ARNs (`*` matches any run of characters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lookups {
    /// Node instance roles (EKS managed node groups, eksctl, Karpenter naming).
    pub node_role_patterns: Vec<String>,
    /// The AWS Load Balancer Controller's role.
    pub lb_controller_role_patterns: Vec<String>,
    /// ExternalDNS's role.
    pub external_dns_role_patterns: Vec<String>,
    /// Cluster Autoscaler's role.
    pub cluster_autoscaler_role_patterns: Vec<String>,
    /// Karpenter's controller role (not its node role, which is a node role).
    pub karpenter_role_patterns: Vec<String>,
    /// Break-glass roles.
    pub break_glass_role_patterns: Vec<String>,
    /// Subnet CIDR to Availability Zone, for the AZ of image pulls.
    pub subnet_azs: Vec<SubnetAz>,
    /// Subnets of the nodes, for control-plane rejects.
    pub node_subnets: Vec<NodeSubnet>,
    /// Subnets (CIDRs) where EKS places the cluster's control-plane network interfaces (the
    /// subnets given at cluster creation), or those interfaces' `/32` addresses: flow logs do
    /// not carry an interface's description, so this tells control-plane traffic apart.
    pub control_plane_subnets: Vec<String>,
    /// Ports on which the control plane and the nodes must reach each other: the API server
    /// (443), the kubelet (10250) and admission webhooks (8443, 9443 by default).
    pub control_plane_ports: Vec<u16>,
    /// VPC endpoint addresses (STS, ECR, ...), for rejects toward AWS APIs.
    pub vpc_endpoints: Vec<VpcEndpoint>,
    /// Ports that get their own value in the `port` label of rejected flows; others are `other`.
    pub service_ports: Vec<ServicePort>,
    /// EKS clusters by OIDC issuer, for the `cluster` label (default: the issuer's id).
    pub clusters: Vec<Cluster>,
    /// Accounts (globs) whose CloudTrail reaches trailflow: with an organization trail, every
    /// account (`*`, the default). The owner's copy of a cross-account call whose caller is in
    /// one of them is a duplicate of the caller's copy and is labelled `copy="duplicate"`;
    /// callers outside them (a vendor's account) are counted from the owner's copy.
    pub logged_accounts: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Default for Lookups {
    fn default() -> Self {
        Self {
            node_role_patterns: strings(&[
                "*NodeInstanceRole*",
                "*AmazonEKSNodeRole*",
                "*eks-node-group*",
                "*eks-node-role*",
                "*KarpenterNodeRole*",
            ]),
            lb_controller_role_patterns: strings(&[
                "*load-balancer-controller*",
                "*AWSLoadBalancerController*",
                "*aws-lb-controller*",
            ]),
            external_dns_role_patterns: strings(&[
                "*external-dns*",
                "*ExternalDNS*",
                "*externaldns*",
            ]),
            cluster_autoscaler_role_patterns: strings(&[
                "*cluster-autoscaler*",
                "*ClusterAutoscaler*",
            ]),
            karpenter_role_patterns: strings(&[
                "*KarpenterController*",
                "*karpenter-controller*",
                "*-karpenter",
            ]),
            break_glass_role_patterns: strings(&["*break-glass*", "*BreakGlass*", "*breakglass*"]),
            subnet_azs: Vec::new(),
            node_subnets: Vec::new(),
            control_plane_subnets: Vec::new(),
            control_plane_ports: vec![443, 10250, 8443, 9443],
            vpc_endpoints: Vec::new(),
            service_ports: [
                "22",
                "53",
                "80",
                "443",
                "2049",
                "3306",
                "5432",
                "6443",
                "8443",
                "9443",
                "10250",
                "10256",
                "nodeport=30000-32767",
            ]
            .iter()
            .filter_map(|p| ServicePort::try_from(p.to_string()).ok())
            .collect(),
            clusters: Vec::new(),
            logged_accounts: strings(&["*"]),
        }
    }
}

/// True when `cidr` is an IPv4 or IPv6 CIDR block.
fn is_cidr(cidr: &str) -> bool {
    cidr.split_once('/').is_some_and(|(ip, len)| {
        ip.parse::<std::net::IpAddr>().is_ok()
            && len
                .parse::<u8>()
                .is_ok_and(|l| l <= if ip.contains(':') { 128 } else { 32 })
    })
}

impl Lookups {
    /// The role pattern globs by kind, as `role_is(kind, arn)` and `role_patterns` see them.
    pub fn role_kinds(&self) -> Vec<(&'static str, Vec<String>)> {
        vec![
            ("node", self.node_role_patterns.clone()),
            ("lb_controller", self.lb_controller_role_patterns.clone()),
            ("external_dns", self.external_dns_role_patterns.clone()),
            (
                "cluster_autoscaler",
                self.cluster_autoscaler_role_patterns.clone(),
            ),
            ("karpenter", self.karpenter_role_patterns.clone()),
            ("break_glass", self.break_glass_role_patterns.clone()),
        ]
    }

    /// Checks CIDRs, addresses and names.
    pub fn validate(&self) -> Result<(), String> {
        let cidrs = self
            .subnet_azs
            .iter()
            .map(|s| &s.cidr)
            .chain(self.node_subnets.iter().map(|s| &s.cidr))
            .chain(&self.control_plane_subnets);
        for cidr in cidrs {
            if !is_cidr(cidr) {
                return Err(format!("`{cidr}` is not a CIDR block"));
            }
        }
        for ep in &self.vpc_endpoints {
            if ep.address.parse::<std::net::IpAddr>().is_err() {
                return Err(format!(
                    "vpc endpoint address `{}` is not an IP address",
                    ep.address
                ));
            }
        }
        if let Some(c) = self
            .clusters
            .iter()
            .find(|c| c.name.is_empty() || c.oidc_issuer.is_empty())
        {
            return Err(format!(
                "lookups.clusters: `{}` needs both a name and an oidc_issuer",
                c.name
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_ports_parse_and_print_back() {
        let p = ServicePort::try_from("nodeport=30000-32767".to_string()).unwrap();
        assert_eq!(
            (p.first, p.last, p.label()),
            (30000, 32767, "nodeport".to_string())
        );
        assert_eq!(String::from(p), "nodeport=30000-32767");
        let p = ServicePort::try_from("443".to_string()).unwrap();
        assert_eq!(p.label(), "443");
        for bad in ["x", "5-3", "=22", "70000", "1-"] {
            assert!(ServicePort::try_from(bad.to_string()).is_err(), "{bad}");
        }
        let l: Lookups = toml::from_str("service_ports = [\"22\", \"dns=53\"]").unwrap();
        assert_eq!(l.service_ports[1].label(), "dns");
        assert!(toml::from_str::<Lookups>("service_ports = [\"http\"]").is_err());
        assert_eq!(Lookups::default().service_ports.len(), 13);
    }

    #[test]
    fn lookups_are_validated() {
        let bad: Lookups = toml::from_str("control_plane_subnets = [\"10.0.0.0/40\"]").unwrap();
        assert!(bad.validate().unwrap_err().contains("10.0.0.0/40"));
        let bad: Lookups =
            toml::from_str("[[clusters]]\nname = \"\"\noidc_issuer = \"x\"").unwrap();
        assert!(bad.validate().is_err());
        assert!(Lookups::default().validate().is_ok());
    }
}
