# The five functions: provided.al2023 zips from scripts/package (bootstrap plus its libraries).

locals {
  # The environment every handler reads (Sources/FunkoHandlers/Settings.swift).
  common_environment = {
    INFERENCE_MODE            = var.inference_mode
    SAGEMAKER_ENDPOINT_NAME   = var.create_sagemaker_endpoint ? local.endpoint_name : "" # empty: promotions only move champion.json
    SAGEMAKER_TIMEOUT_SECONDS = tostring(var.sagemaker_timeout_seconds)
    MODEL_BUCKET              = module.artifacts_bucket.id
    MODEL_PREFIX              = var.model_prefix
    MODEL_REFRESH_SECONDS     = tostring(var.model_refresh_seconds)
    DATABASE_URL_PARAMETER    = aws_ssm_parameter.database_url.name
  }
  retrain_environment = merge(
    {
      TRAINING_MODE          = var.training_mode
      SAGEMAKER_ROLE_ARN     = aws_iam_role.sagemaker.arn
      TRAINING_INSTANCE_TYPE = var.training_instance_type
      ENDPOINT_INSTANCE_TYPE = var.endpoint_instance_type
      TRAINING_JOB_PREFIX    = local.training_job_prefix
    },
    var.sagemaker_image != "" ? { TRAINING_IMAGE = var.sagemaker_image } : {},
  )
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions
  #checkov:skip=CKV_AWS_338:Operational logs of a small API; retention is var.log_retention_days (30 by default) to bound cost. Set 365 or more where an audit trail is required.
  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_lambda_function" "function" {
  for_each = local.functions
  #checkov:skip=CKV_AWS_117:No VPC: the functions reach Supabase, S3, SSM and SageMaker over AWS's public endpoints with TLS; a VPC would add NAT gateway cost and cold-start latency for nothing private.
  #checkov:skip=CKV_AWS_272:The zips come from scripts/package in this repository, not from AWS Signer; code signing would need a signing profile and a signed-upload step.
  #checkov:skip=CKV_AWS_173:The environment holds only names and settings; the one secret (the database URL) is in SSM as a SecureString under the project key.
  function_name    = local.function_names[each.key]
  description      = local.functions[each.key].description
  role             = aws_iam_role.function[each.key].arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = ["x86_64"]
  filename         = "${local.zip_dir}/${each.key}.zip"
  source_code_hash = filebase64sha256("${local.zip_dir}/${each.key}.zip")
  memory_size      = var.lambda_memory_mb[each.key]
  timeout          = var.lambda_timeout_seconds[each.key]

  reserved_concurrent_executions = lookup(var.lambda_reserved_concurrency, each.key, -1)

  environment {
    variables = each.key == "retrain-trigger" ? merge(local.common_environment, local.retrain_environment) : local.common_environment
  }

  tracing_config {
    mode = "Active"
  }

  # Only retrain-trigger is invoked asynchronously (EventBridge); the API functions answer
  # synchronously, so a failed request is the caller's 5xx, not a queued event.
  dynamic "dead_letter_config" {
    for_each = each.key == "retrain-trigger" ? [1] : []
    content {
      target_arn = aws_sqs_queue.retrain_dlq.arn
    }
  }

  lifecycle {
    precondition {
      condition     = var.inference_mode == "embedded" || var.create_sagemaker_endpoint
      error_message = "inference_mode = \"sagemaker\" needs create_sagemaker_endpoint = true: the functions would call an endpoint that never exists."
    }
  }

  # The log group (retention, key) exists before the first invocation could create it.
  depends_on = [aws_iam_role_policy.function, aws_cloudwatch_log_group.function]
}

# A weekly run that fails is not retried (a second full retraining or training job right after a
# failure rarely helps); the event lands in the dead-letter queue and the alarm tells someone.
resource "aws_lambda_function_event_invoke_config" "retrain" {
  function_name                = aws_lambda_function.function["retrain-trigger"].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}

resource "aws_sqs_queue" "retrain_dlq" {
  name                      = "${local.prefix}-retrain-trigger-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}
