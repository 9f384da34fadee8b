# The PostgreSQL (Supabase) URL. The functions get only the parameter name (DATABASE_URL_PARAMETER)
# and read the value at initialisation with ssm:GetParameter WithDecryption.

resource "aws_ssm_parameter" "database_url" {
  name        = "/${local.prefix}/database-url"
  description = "PostgreSQL connection URL of the ${local.prefix} functions"
  type        = "SecureString"
  key_id      = aws_kms_key.main.arn
  # Write-only (Terraform 1.11+): the URL is sent to SSM and kept in neither plan nor state.
  value_wo         = var.database_url
  value_wo_version = var.database_url_version
}
