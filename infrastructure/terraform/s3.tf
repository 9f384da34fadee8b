# The artifact bucket (docs/architecture.md, "Where state lives"): datasets/<version>/..., models/<version>/..., models/champion.json.
# Private, encrypted with the project key, versioned (a bad promotion can be rolled back even if
# champion.json was overwritten).

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_18:Access logs would need a second bucket (itself unlogged); only the pipeline and the functions' roles touch this one. Enable CloudTrail S3 data events for an audit trail.
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for artifacts that retraining can rebuild from the database.
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events: functions poll models/champion.json (MODEL_REFRESH_SECONDS).
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    # One data key per bucket instead of one KMS call per object.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    id     = "expire-old-versions-and-failed-uploads"
    status = "Enabled"
    # Every object (an empty prefix).
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    # funko artifacts push uses multipart uploads above 8 MiB; an interrupted one leaves parts.
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.artifacts]
}

resource "aws_s3_bucket_policy" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.artifacts]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyPlainHTTP"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.artifacts.arn,
      "${aws_s3_bucket.artifacts.arn}/*",
    ]
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
