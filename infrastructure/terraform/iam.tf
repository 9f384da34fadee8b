# One role per function, each allowed only what its handler does, and the role SageMaker assumes
# for training jobs and the endpoint.

locals {
  # What each function's handler touches (Sources/FunkoHandlers, Sources/FunkoAPI). Every
  # function loads the champion's metadata (and in embedded mode the model) at start; only
  # predict and predict-batch call the endpoint; status reports its state (/health, /model/status).
  access = {
    "predict"         = { read_models = true, invoke_endpoint = true, describe_endpoint = false, retrain = false }
    "predict-batch"   = { read_models = true, invoke_endpoint = true, describe_endpoint = false, retrain = false }
    "history"         = { read_models = true, invoke_endpoint = false, describe_endpoint = false, retrain = false }
    "status"          = { read_models = true, invoke_endpoint = false, describe_endpoint = true, retrain = false }
    "retrain-trigger" = { read_models = false, invoke_endpoint = false, describe_endpoint = false, retrain = true }
  }
  sagemaker_arn = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}"
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each           = local.functions
  name               = "${local.function_names[each.key]}-lambda"
  description        = "Execution role of the ${local.function_names[each.key]} function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions
  name     = "${local.function_names[each.key]}-access"
  role     = aws_iam_role.function[each.key].id
  policy   = data.aws_iam_policy_document.function[each.key].json
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "ActiveTracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadDatabaseURL"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.database_url.arn]
  }

  statement {
    sid       = "DecryptDatabaseURL"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = [aws_ssm_parameter.database_url.arn]
    }
  }

  # Model metadata (both modes) and the model itself (embedded mode); ListBucket so a missing
  # object answers 404 instead of 403.
  dynamic "statement" {
    for_each = local.access[each.key].read_models ? [1] : []
    content {
      sid       = "ReadModels"
      actions   = ["s3:GetObject"]
      resources = [local.models_arn]
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].read_models || local.access[each.key].retrain ? [1] : []
    content {
      sid       = "ListArtifacts"
      actions   = ["s3:ListBucket"]
      resources = [module.artifacts_bucket.arn]
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].read_models ? [1] : []
    content {
      sid       = "DecryptArtifacts"
      actions   = ["kms:Decrypt"]
      resources = [aws_kms_key.main.arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].invoke_endpoint ? [1] : []
    content {
      sid       = "InvokeEndpoint"
      actions   = ["sagemaker:InvokeEndpoint"]
      resources = [local.endpoint_arn]
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].describe_endpoint ? [1] : []
    content {
      sid       = "DescribeEndpoint"
      actions   = ["sagemaker:DescribeEndpoint"]
      resources = [local.endpoint_arn]
    }
  }

  # retrain-trigger: datasets and models in S3, the training job, promotion to the endpoint.
  dynamic "statement" {
    for_each = local.access[each.key].retrain ? [1] : []
    content {
      sid       = "ReadWriteArtifacts"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = [local.models_arn, local.datasets_arn]
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].retrain ? [1] : []
    content {
      sid       = "ReadTrainingOutput"
      actions   = ["s3:GetObject"]
      resources = [local.training_output_arn]
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].retrain ? [1] : []
    content {
      sid       = "EncryptArtifacts"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [aws_kms_key.main.arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].retrain ? [1] : []
    content {
      sid       = "TrainingJobs"
      actions   = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob"]
      resources = ["${local.sagemaker_arn}:training-job/${local.training_job_prefix}-*"]
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].retrain ? [1] : []
    content {
      sid       = "PromoteModels"
      actions   = ["sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig", "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint"]
      resources = ["${local.sagemaker_arn}:model/${local.prefix}-*", "${local.sagemaker_arn}:endpoint-config/${local.prefix}-*", local.endpoint_arn]
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].retrain ? [1] : []
    content {
      sid       = "PassSageMakerRole"
      actions   = ["iam:PassRole"]
      resources = [aws_iam_role.sagemaker.arn]
      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["sagemaker.amazonaws.com"]
      }
    }
  }
  dynamic "statement" {
    for_each = local.access[each.key].retrain ? [1] : []
    content {
      sid       = "DeadLetterQueue"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.retrain_dlq.arn]
    }
  }
}

# --- SageMaker execution role (training jobs and the endpoint) --------------------------------

data "aws_iam_policy_document" "sagemaker_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "sagemaker" {
  name               = "${local.prefix}-sagemaker"
  description        = "Role SageMaker assumes for ${local.prefix} training jobs and endpoint models"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_assume.json
}

resource "aws_iam_role_policy" "sagemaker" {
  name   = "${local.prefix}-sagemaker-access"
  role   = aws_iam_role.sagemaker.id
  policy = data.aws_iam_policy_document.sagemaker.json
}

data "aws_iam_policy_document" "sagemaker" {
  statement {
    sid       = "ReadTrainingDataAndModels"
    actions   = ["s3:GetObject"]
    resources = [local.datasets_arn, local.models_arn]
  }
  statement {
    sid       = "WriteTrainingOutput"
    actions   = ["s3:PutObject"]
    resources = [local.training_output_arn]
  }
  statement {
    sid       = "ListArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [module.artifacts_bucket.arn]
  }
  statement {
    sid       = "EncryptArtifacts"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "PullImageToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = local.image_repository_arn == null ? [] : [1]
    content {
      sid       = "PullImage"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      resources = [local.image_repository_arn]
    }
  }
  statement {
    sid       = "WriteSageMakerLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/*"]
  }
  statement {
    sid       = "TrainingMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }
}
