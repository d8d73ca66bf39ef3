output "queue_url" {
  description = "trailflow's source.queue_url."
  value       = aws_sqs_queue.notifications.id
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
  value       = aws_iam_role.trailflow.arn
}
