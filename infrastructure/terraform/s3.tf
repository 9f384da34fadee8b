# The artifact bucket (docs/architecture.md, "Where state lives"): datasets/<version>/...,
# models/<version>/..., models/champion.json. Private, encrypted with the project key, versioned
# (a bad promotion can be rolled back even if champion.json was overwritten).

module "artifacts_bucket" {
  source                  = "./modules/private_bucket"
  name                    = local.bucket_name
  force_destroy           = var.force_destroy
  kms_key_arn             = aws_kms_key.main.arn
  noncurrent_version_days = var.noncurrent_version_retention_days
}

# Deployments made before the bucket became a module keep their bucket.
moved {
  from = aws_s3_bucket.artifacts
  to   = module.artifacts_bucket.aws_s3_bucket.this
}
moved {
  from = aws_s3_bucket_ownership_controls.artifacts
  to   = module.artifacts_bucket.aws_s3_bucket_ownership_controls.this
}
moved {
  from = aws_s3_bucket_public_access_block.artifacts
  to   = module.artifacts_bucket.aws_s3_bucket_public_access_block.this
}
moved {
  from = aws_s3_bucket_versioning.artifacts
  to   = module.artifacts_bucket.aws_s3_bucket_versioning.this
}
moved {
  from = aws_s3_bucket_server_side_encryption_configuration.artifacts
  to   = module.artifacts_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}
moved {
  from = aws_s3_bucket_lifecycle_configuration.artifacts
  to   = module.artifacts_bucket.aws_s3_bucket_lifecycle_configuration.this
}
moved {
  from = aws_s3_bucket_policy.artifacts
  to   = module.artifacts_bucket.aws_s3_bucket_policy.this
}
