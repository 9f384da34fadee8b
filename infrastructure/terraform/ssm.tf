# The PostgreSQL (Supabase) URL. The functions get only the parameter name (DATABASE_URL_PARAMETER)
# and read the value at initialisation with ssm:GetParameter WithDecryption.

resource "aws_ssm_parameter" "database_url" {
  name        = "/${local.prefix}/database-url"
  description = "PostgreSQL connection URL of the ${local.prefix} functions"
  type        = "SecureString"
  key_id      = aws_kms_key.main.arn
  value       = var.database_url
}
