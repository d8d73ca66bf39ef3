# trailflow on EKS with IRSA: the module's queue, DLQ, ledger and role, and the file that wires
# them into the Kubernetes manifests. After `terraform apply`, `kubectl apply -k
# deploy/kubernetes/overlays/irsa` deploys with these resources. A sketch to adapt: the
# cluster is yours (here from terraform-aws-modules/eks outputs passed in as variables).

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
    local = {
      source  = "hashicorp/local"
      version = ">= 2.4"
    }
  }
}

variable "log_bucket_name" {
  description = "The bucket CloudTrail and VPC Flow Logs deliver to."
  type        = string
}

variable "cluster_oidc_issuer_url" {
  description = "The cluster's OIDC issuer URL (module.eks.cluster_oidc_issuer_url, or aws eks describe-cluster --query cluster.identity.oidc.issuer)."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider (module.eks.oidc_provider_arn)."
  type        = string
}

module "trailflow" {
  source            = "../trailflow"
  log_bucket_name   = var.log_bucket_name
  oidc_issuer_url   = var.cluster_oidc_issuer_url
  oidc_provider_arn = var.oidc_provider_arn
}

# The manifests read the queue, the table and the role ARN from this file (the base's
# trailflow-aws ConfigMap; the IRSA overlay copies the role into the service account).
resource "local_file" "kubernetes_env" {
  filename        = "${path.module}/../../kubernetes/base/aws.env"
  content         = module.trailflow.kubernetes_env
  file_permission = "0644"
}

output "role_arn" {
  description = "The IRSA role (also written to deploy/kubernetes/base/aws.env)."
  value       = module.trailflow.role_arn
}
