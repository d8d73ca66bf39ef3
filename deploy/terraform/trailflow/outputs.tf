output "queue_url" {
  description = "trailflow's source.queue_url."
  value       = aws_sqs_queue.notifications.id
}

output "queue_arn" {
  description = "The queue, for an event source mapping (Lambda) or an EventBridge target."
  value       = aws_sqs_queue.notifications.arn
}

output "dead_letter_queue_url" {
  description = "The dead-letter queue (trailflow finds it from the redrive policy too)."
  value       = aws_sqs_queue.dlq.id
}

output "ledger_table" {
  description = "trailflow's ledger.table (kind = \"dynamodb\"), if created."
  value       = var.create_ledger_table ? aws_dynamodb_table.ledger[0].name : null
}

output "role_arn" {
  description = "The role trailflow's pods assume: through IRSA (the eks.amazonaws.com/role-arn annotation of deploy/kubernetes/overlays/irsa) or through the Pod Identity association."
  value = (
    var.create_irsa_role ? aws_iam_role.trailflow[0].arn :
    var.pod_identity_cluster_name != null ? aws_iam_role.pod_identity[0].arn : null
  )
}

output "kubernetes_env" {
  description = "deploy/kubernetes/base/aws.env: the queue, the table and the IRSA role as the container's variables (write it with local_file, as deploy/terraform/eks-example does)."
  value = join("", [
    "TRAILFLOW_SOURCE__QUEUE_URL=${aws_sqs_queue.notifications.id}\n",
    var.create_ledger_table ? "TRAILFLOW_LEDGER__TABLE=${aws_dynamodb_table.ledger[0].name}\n" : "",
    var.create_irsa_role ? "TRAILFLOW_IRSA_ROLE_ARN=${aws_iam_role.trailflow[0].arn}\n" : "",
  ])
}

output "permissions_policy_json" {
  description = "trailflow's least-privilege policy, for a role of your own (ECS task role, Lambda)."
  value       = data.aws_iam_policy_document.trailflow.json
}

output "archive_url" {
  description = "trailflow's archive.url, if the archive is set up."
  value       = local.archive_on ? local.archive_root : null
}

output "archive_glue_database" {
  description = "The Glue database of the archive's tables (query it in the archive workgroup)."
  value       = local.archive_on ? aws_glue_catalog_database.archive[0].name : null
}

output "archive_athena_workgroup" {
  description = "The Athena workgroup for the archive, with its scan limit."
  value       = local.archive_on ? aws_athena_workgroup.archive[0].name : null
}
