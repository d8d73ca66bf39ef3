variable "name" {
  description = "Prefix of every resource (queue, DLQ, table, role)."
  type        = string
  default     = "trailflow"
}

variable "log_bucket_name" {
  description = "The bucket CloudTrail and VPC Flow Logs deliver to."
  type        = string
}

variable "log_prefixes" {
  description = "Key prefixes that notify the queue (e.g. AWSLogs/ for CloudTrail and flow logs)."
  type        = list(string)
  default     = ["AWSLogs/"]
}

variable "manage_bucket_notification" {
  description = "Create the bucket's event notification here. Set false when the bucket's notifications are managed elsewhere (a bucket has one notification configuration) or EventBridge is used."
  type        = bool
  default     = true
}

variable "log_bucket_kms_key_arn" {
  description = "KMS key of the log bucket's SSE-KMS encryption, if any (trailflow needs kms:Decrypt on it)."
  type        = string
  default     = null
}

variable "create_ledger_table" {
  description = "Create the DynamoDB dedupe ledger (needed for more than one replica)."
  type        = bool
  default     = true
}

variable "visibility_timeout_seconds" {
  description = "The queue's visibility timeout; keep it equal to trailflow's source.visibility_timeout_secs."
  type        = number
  default     = 120
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "create_irsa_role" {
  description = "Create the IRSA role for the service account (EKS). Off for ECS or Lambda, which use permissions_policy_json in their own role."
  type        = bool
  default     = true
}

variable "pod_identity_cluster_name" {
  description = "Use EKS Pod Identity instead of IRSA: the cluster whose namespace/service_account gets a role through a Pod Identity association (set create_irsa_role = false; the eks-pod-identity-agent add-on must run)."
  type        = string
  default     = null
}

variable "oidc_issuer_url" {
  description = "The EKS cluster's OIDC issuer URL (aws eks describe-cluster --query cluster.identity.oidc.issuer). A trailing slash is removed."
  type        = string
  default     = ""
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider."
  type        = string
  default     = ""
}

variable "namespace" {
  description = "Kubernetes namespace of trailflow's service account."
  type        = string
  default     = "trailflow"
}

variable "service_account" {
  description = "Name of trailflow's Kubernetes service account."
  type        = string
  default     = "trailflow"
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}

variable "archive_bucket_name" {
  description = "Bucket of the Parquet archive ([archive] url = s3://BUCKET/PREFIX); null: no archive resources."
  type        = string
  default     = null
}

variable "archive_prefix" {
  description = "Key prefix of the archive in its bucket, without slashes at either end."
  type        = string
  default     = "lake"
}

variable "archive_accounts" {
  description = "Account ids Athena projects partitions for (add \"unknown\" for records without one)."
  type        = list(string)
  default     = ["unknown"]
}

variable "archive_regions" {
  description = "Regions Athena projects partitions for."
  type        = list(string)
  default     = ["us-east-1"]
}

variable "archive_start_date" {
  description = "First day of the archive (YYYY-MM-DD): the start of Athena's date projection."
  type        = string
  default     = "2026-01-01"
}

variable "archive_manage_lifecycle" {
  description = "Manage the archive bucket's lifecycle configuration (it replaces any other rules of that bucket)."
  type        = bool
  default     = true
}

variable "archive_glacier_ir_after_days" {
  description = "Days after which archive files move to Glacier Instant Retrieval."
  type        = number
  default     = 90
}

variable "athena_results_prefix" {
  description = "Key prefix, in the archive bucket, of the Athena workgroup's query results (expired after 30 days)."
  type        = string
  default     = "athena-results"
}

variable "athena_bytes_scanned_cutoff" {
  description = "Bytes one Athena query of the workgroup may scan before it is cancelled."
  type        = number
  default     = 107374182400
}
