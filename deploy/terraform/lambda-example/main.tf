# trailflow as a Lambda function: the queue, DLQ and ledger from the module, the service's
# own image running `trailflow lambda`, an execution role with the module's least-privilege policy,
# and an SQS event source mapping that reports partial batch failures. A sketch to adapt: the
# image (in ECR), the subnets and the collector are yours.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
  }
}

variable "log_bucket_name" {
  description = "The bucket CloudTrail and VPC Flow Logs deliver to."
  type        = string
}

variable "image_uri" {
  description = "The trailflow image in ECR (Lambda runs images from ECR only), by digest."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets with a route to SQS, S3, DynamoDB and the collector."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the function (egress to AWS APIs and the collector only)."
  type        = list(string)
}

variable "otlp_endpoint" {
  description = "The OpenTelemetry collector, e.g. http://otel-collector.internal:4317."
  type        = string
}

variable "timeout_seconds" {
  description = "The function's timeout. The queue's visibility timeout is six times this, as AWS recommends for SQS event sources."
  type        = number
  default     = 120
}

variable "max_concurrency" {
  description = "Most concurrent invocations the event source starts (also the reserved concurrency)."
  type        = number
  default     = 10
}

module "trailflow" {
  source                     = "../trailflow"
  log_bucket_name            = var.log_bucket_name
  create_irsa_role           = false
  visibility_timeout_seconds = var.timeout_seconds * 6
}

data "aws_iam_policy_document" "lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = "trailflow-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda.json
}

# The module's policy covers what the event source mapping needs too (receive, delete,
# change visibility and read the attributes of the queue).
resource "aws_iam_role_policy" "function" {
  name   = "trailflow"
  role   = aws_iam_role.function.id
  policy = module.trailflow.permissions_policy_json
}

# Logs and the network interfaces of a function in a VPC.
resource "aws_iam_role_policy_attachment" "vpc" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_cloudwatch_log_group" "function" {
  # checkov:skip=CKV_AWS_158:the function never logs secrets (credentials are dropped at decode); CloudWatch's own encryption is enough for an example, set kms_key_id for a CMK
  name              = "/aws/lambda/trailflow"
  retention_in_days = 365
}

resource "aws_lambda_function" "trailflow" {
  # checkov:skip=CKV_AWS_116:an SQS-triggered function's failures go to the queue's own dead-letter queue (the module's redrive policy), not to a function DLQ
  # checkov:skip=CKV_AWS_173:the environment holds names and endpoints, no secrets
  # checkov:skip=CKV_AWS_272:the function runs a container image, which Lambda code signing does not cover
  # checkov:skip=CKV_AWS_50:trailflow emits metrics and logs, not X-Ray traces
  function_name                  = "trailflow"
  role                           = aws_iam_role.function.arn
  package_type                   = "Image"
  image_uri                      = var.image_uri
  timeout                        = var.timeout_seconds
  memory_size                    = 1024
  reserved_concurrent_executions = var.max_concurrency

  # The image's binary with the command `lambda` is its own Lambda runtime client.
  image_config {
    command = ["lambda"]
  }

  environment {
    variables = {
      TRAILFLOW_CONFIG = "/etc/trailflow/trailflow.toml"

      # Lambda environments come and go: the ledger must be shared, so DynamoDB.
      TRAILFLOW_LEDGER__KIND      = "dynamodb"
      TRAILFLOW_LEDGER__TABLE     = module.trailflow.ledger_table
      TRAILFLOW_EXPORT__KIND      = "otlp"
      OTEL_EXPORTER_OTLP_ENDPOINT = var.otlp_endpoint
      TRAILFLOW_LOG               = "info"
    }
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = var.security_group_ids
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  depends_on = [aws_iam_role_policy.function, aws_iam_role_policy_attachment.vpc]
}

# Batches of up to 10 notifications (each names one object), gathered for up to 5 s; the
# function answers with the messages that must come back (ReportBatchItemFailures) instead
# of failing the whole batch.
resource "aws_lambda_event_source_mapping" "queue" {
  event_source_arn                   = module.trailflow.queue_arn
  function_name                      = aws_lambda_function.trailflow.arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 5
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.max_concurrency
  }
}

output "function_arn" {
  description = "The function."
  value       = aws_lambda_function.trailflow.arn
}

output "queue_url" {
  description = "The queue the bucket notifies and the function consumes."
  value       = module.trailflow.queue_url
}
