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
  description = "The eks.amazonaws.com/role-arn annotation of the service account (deploy/kubernetes/overlays/irsa)."
  value       = var.create_irsa_role ? aws_iam_role.trailflow[0].arn : null
}

output "permissions_policy_json" {
  description = "trailflow's least-privilege policy, for a role of your own (ECS task role, Lambda)."
  value       = data.aws_iam_policy_document.trailflow.json
}
