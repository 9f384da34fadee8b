# A private, versioned, encrypted S3 bucket that only TLS requests may use: the artifact bucket
# and the web app's bucket are both one of these (s3.tf, web.tf).

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "name" {
  description = "Bucket name."
  type        = string
}

variable "force_destroy" {
  description = "Let terraform destroy delete the bucket with its objects."
  type        = bool
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; empty for SSE-S3 (objects a CloudFront origin access control reads)."
  type        = string
  default     = ""
}

variable "noncurrent_version_days" {
  description = "Days a replaced or deleted object's old version is kept."
  type        = number
}

variable "policy_documents" {
  description = "More bucket policy statements (JSON policy documents), merged with the deny of plain HTTP."
  type        = list(string)
  default     = []
}

variable "deny_plain_http" {
  description = "Deny every request not made over TLS. Only the tests against moto, which has no TLS, turn it off."
  type        = bool
  default     = true
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Access logs would need a second bucket (itself unlogged); only the project's roles and CloudFront read these. Enable CloudTrail S3 data events for an audit trail.
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for objects the project can rebuild (models and datasets from the database, the app from the repository).
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events: functions poll models/champion.json, CloudFront reads on demand.
  #checkov:skip=CKV_AWS_145:SSE-KMS with the project key where kms_key_arn is given (the artifacts); the web app's public files use SSE-S3 so CloudFront's origin access control can read them.
  #checkov:skip=CKV2_AWS_61:Old versions and unfinished uploads are expired by the lifecycle rule below (checkov does not follow it into the module).
  #checkov:skip=CKV2_AWS_6:The public access block below blocks everything (checkov does not follow it into the module).
  #checkov:skip=CKV_AWS_19:Encrypted by the configuration below, SSE-KMS or SSE-S3 (checkov does not resolve its conditional algorithm).
  bucket        = var.name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == "" ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn == "" ? null : var.kms_key_arn
    }
    # One data key per bucket instead of one KMS call per object.
    bucket_key_enabled = var.kms_key_arn != ""
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-old-versions-and-failed-uploads"
    status = "Enabled"
    # Every object (an empty prefix).
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }

    # Multipart uploads (funko artifacts push above 8 MiB) that were interrupted leave parts.
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

data "aws_iam_policy_document" "this" {
  source_policy_documents = var.policy_documents

  dynamic "statement" {
    for_each = var.deny_plain_http ? [1] : []
    content {
      sid       = "DenyPlainHTTP"
      effect    = "Deny"
      actions   = ["s3:*"]
      resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
      principals {
        type        = "*"
        identifiers = ["*"]
      }
      condition {
        test     = "Bool"
        variable = "aws:SecureTransport"
        values   = ["false"]
      }
    }
  }
}

output "id" {
  value = aws_s3_bucket.this.id
}

output "arn" {
  value = aws_s3_bucket.this.arn
}

output "regional_domain_name" {
  value = aws_s3_bucket.this.bucket_regional_domain_name
}

output "versioning" {
  description = "The versioning resource, for resources that must wait for it."
  value       = aws_s3_bucket_versioning.this.id
}
