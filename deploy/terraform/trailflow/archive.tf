# The Parquet archive (docs/archive.md), when archive_bucket_name is set: write access to the
# archive prefix only, a Glue database whose tables read it with partition projection (no
# crawler, no MSCK REPAIR), an Athena workgroup with a result location and a per-query scan
# limit, and a lifecycle rule that moves old files to Glacier Instant Retrieval.
# The columns come from archive_tables.json, generated from trailflow's schema (a test keeps
# it current).

locals {
  archive_on     = var.archive_bucket_name != null
  archive_root   = "s3://${coalesce(var.archive_bucket_name, "-")}/${var.archive_prefix}"
  archive_arn    = "arn:${data.aws_partition.current.partition}:s3:::${coalesce(var.archive_bucket_name, "-")}"
  archive_tables = local.archive_on ? jsondecode(file("${path.module}/archive_tables.json")) : {}
}

# trailflow writes files, and only under the archive prefix: never reads, lists or deletes there.
data "aws_iam_policy_document" "archive" {
  statement {
    sid       = "WriteArchive"
    actions   = ["s3:PutObject"]
    resources = ["${local.archive_arn}/${var.archive_prefix}/*"]
  }
}

resource "aws_iam_role_policy" "archive_irsa" {
  count  = local.archive_on && var.create_irsa_role ? 1 : 0
  name   = "${var.name}-archive"
  role   = aws_iam_role.trailflow[0].id
  policy = data.aws_iam_policy_document.archive.json
}

resource "aws_iam_role_policy" "archive_pod_identity" {
  count  = local.archive_on && var.pod_identity_cluster_name != null ? 1 : 0
  name   = "${var.name}-archive"
  role   = aws_iam_role.pod_identity[0].id
  policy = data.aws_iam_policy_document.archive.json
}

resource "aws_glue_catalog_database" "archive" {
  count       = local.archive_on ? 1 : 0
  name        = replace("${var.name}_archive", "-", "_")
  description = "trailflow's Parquet archive (${local.archive_root})"
}

resource "aws_glue_catalog_table" "archive" {
  for_each      = local.archive_tables
  name          = each.key
  database_name = aws_glue_catalog_database.archive[0].name
  table_type    = "EXTERNAL_TABLE"
  description   = "trailflow table ${each.key}: columns in docs/schema.md"

  parameters = {
    EXTERNAL                        = "TRUE"
    "classification"                = "parquet"
    "parquet.compression"           = "ZSTD"
    "projection.enabled"            = "true"
    "projection.account.type"       = "enum"
    "projection.account.values"     = join(",", var.archive_accounts)
    "projection.region.type"        = "enum"
    "projection.region.values"      = each.value.has_region ? join(",", var.archive_regions) : "unknown"
    "projection.date.type"          = "date"
    "projection.date.format"        = "yyyy-MM-dd"
    "projection.date.range"         = "${var.archive_start_date},NOW"
    "projection.date.interval"      = "1"
    "projection.date.interval.unit" = "DAYS"
    "storage.location.template"     = "${local.archive_root}/${each.key}/account=$${account}/region=$${region}/date=$${date}"
  }

  partition_keys {
    name = "account"
    type = "string"
  }
  partition_keys {
    name = "region"
    type = "string"
  }
  partition_keys {
    name = "date"
    type = "string"
  }

  storage_descriptor {
    location      = "${local.archive_root}/${each.key}/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }
    dynamic "columns" {
      for_each = each.value.columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }
}

resource "aws_athena_workgroup" "archive" {
  count         = local.archive_on ? 1 : 0
  name          = "${var.name}-archive"
  description   = "Queries over trailflow's archive, with a scan limit per query"
  force_destroy = false
  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff
    result_configuration {
      output_location = "s3://${var.archive_bucket_name}/${var.athena_results_prefix}/"
      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
  tags = var.tags
}

# This resource owns the archive bucket's whole lifecycle configuration: use a bucket of its own
# for the archive, or set archive_manage_lifecycle = false and add the rules to yours.
resource "aws_s3_bucket_lifecycle_configuration" "archive" {
  count  = local.archive_on && var.archive_manage_lifecycle ? 1 : 0
  bucket = var.archive_bucket_name

  rule {
    id     = "archive-to-glacier-instant-retrieval"
    status = "Enabled"
    filter {
      prefix = "${var.archive_prefix}/"
    }
    transition {
      days          = var.archive_glacier_ir_after_days
      storage_class = "GLACIER_IR"
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "athena-results-expire"
    status = "Enabled"
    filter {
      prefix = "${var.athena_results_prefix}/"
    }
    expiration {
      days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}
