# trailflow's AWS side: the notification queue and its dead-letter queue, the log bucket's
# notification, the DynamoDB ledger, and the IAM role its Kubernetes service account assumes
# through IRSA, with a least-privilege policy.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  # The issuer as IAM's condition keys spell it: no scheme, no trailing slash. A trailing
  # slash makes every AssumeRoleWithWebIdentity fail with "No OpenIDConnect provider found".
  oidc_issuer = trimsuffix(trimprefix(var.oidc_issuer_url, "https://"), "/")
  subject     = "system:serviceaccount:${var.namespace}:${var.service_account}"
  bucket_arn  = "arn:${data.aws_partition.current.partition}:s3:::${var.log_bucket_name}"
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-notifications-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "notifications" {
  name                       = "${var.name}-notifications"
  visibility_timeout_seconds = var.visibility_timeout_seconds
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = var.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.notifications.arn]
  })
}

# S3 may send to the queue, for this bucket only.
data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "S3Notifications"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.notifications.arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.bucket_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "notifications" {
  queue_url = aws_sqs_queue.notifications.id
  policy    = data.aws_iam_policy_document.queue.json
}

resource "aws_s3_bucket_notification" "logs" {
  count  = var.manage_bucket_notification ? 1 : 0
  bucket = var.log_bucket_name

  dynamic "queue" {
    for_each = var.log_prefixes
    content {
      queue_arn     = aws_sqs_queue.notifications.arn
      events        = ["s3:ObjectCreated:*"]
      filter_prefix = queue.value
    }
  }

  depends_on = [aws_sqs_queue_policy.notifications]
}

resource "aws_dynamodb_table" "ledger" {
  # checkov:skip=CKV_AWS_119:the ledger holds object keys and counts, no log content; DynamoDB's default encryption at rest covers it
  count        = var.create_ledger_table ? 1 : 0
  name         = "${var.name}-ledger"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "object"

  attribute {
    name = "object"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}
