# trailflow on ECS Fargate: the queue, DLQ and ledger from the module, a task role with the same
# least-privilege policy (trusted by ECS tasks instead of IRSA), and a service of two tasks.
# A sketch to adapt: the cluster, subnets and image are yours.

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

variable "cluster_arn" {
  description = "The ECS cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the tasks (with a route to SQS, S3, DynamoDB and the collector)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the tasks (egress to AWS APIs and the collector only)."
  type        = list(string)
}

variable "image" {
  description = "The trailflow image (docker build -t ... . from the repository root)."
  type        = string
}

variable "otlp_endpoint" {
  description = "The OpenTelemetry collector, e.g. http://otel-collector.internal:4317."
  type        = string
}

data "aws_region" "current" {}

# The module creates the queue, the DLQ, the bucket notification and the ledger; on ECS the
# task role below carries its permissions instead of an IRSA role.
module "trailflow" {
  source           = "../trailflow"
  log_bucket_name  = var.log_bucket_name
  create_irsa_role = false
}

data "aws_iam_policy_document" "tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "task" {
  name               = "trailflow-task"
  assume_role_policy = data.aws_iam_policy_document.tasks.json
}

resource "aws_iam_role_policy" "task" {
  name   = "trailflow"
  role   = aws_iam_role.task.id
  policy = module.trailflow.permissions_policy_json
}

resource "aws_iam_role" "execution" {
  name               = "trailflow-execution"
  assume_role_policy = data.aws_iam_policy_document.tasks.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_cloudwatch_log_group" "trailflow" {
  # checkov:skip=CKV_AWS_158:the daemon never logs secrets (credentials are dropped at decode); CloudWatch's own encryption is enough for an example, set kms_key_id for a CMK
  name              = "/ecs/trailflow"
  retention_in_days = 365
}

resource "aws_ecs_task_definition" "trailflow" {
  family                   = "trailflow"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 1024
  memory                   = 2048
  task_role_arn            = aws_iam_role.task.arn
  execution_role_arn       = aws_iam_role.execution.arn

  container_definitions = jsonencode([{
    name      = "trailflow"
    image     = var.image
    essential = true
    # The image's default configuration, with the deployment's values from the environment.
    environment = [
      { name = "TRAILFLOW_SOURCE__QUEUE_URL", value = module.trailflow.queue_url },
      { name = "TRAILFLOW_LEDGER__KIND", value = "dynamodb" },
      { name = "TRAILFLOW_LEDGER__TABLE", value = module.trailflow.ledger_table },
      { name = "TRAILFLOW_EXPORT__KIND", value = "otlp" },
      { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = var.otlp_endpoint },
      { name = "TRAILFLOW_LOG", value = "info" },
    ]
    portMappings = [{ containerPort = 8080, protocol = "tcp" }]
    healthCheck = {
      command     = ["CMD", "/usr/local/bin/trailflow", "healthcheck"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }
    # Above daemon.shutdown_grace_secs (25 s): the drain exports and deletes before the kill.
    stopTimeout = 40
    user        = "65532:65532"

    # With the DynamoDB ledger the daemon writes nothing to disk.
    readonlyRootFilesystem = true
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.trailflow.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "trailflow"
      }
    }
  }])
}

resource "aws_ecs_service" "trailflow" {
  name            = "trailflow"
  cluster         = var.cluster_arn
  task_definition = aws_ecs_task_definition.trailflow.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
}
