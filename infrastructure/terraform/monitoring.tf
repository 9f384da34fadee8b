# CloudWatch alarms into one SNS topic: API latency and 4XX/5XX, Lambda errors per function, the
# SageMaker endpoint's latency and errors, drift and data freshness and retraining outcomes (the
# functions' EMF metrics, namespace FunkoPrice: Sources/LambdaRuntime/MetricName.swift lists them),
# and the retrain dead letters. docs/operations.md says what to do when each fires.

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
  # The namespace of the functions' own metrics (MetricsLogger.namespace).
  emf_namespace = "FunkoPrice"
}

resource "aws_cloudwatch_metric_alarm" "api_latency" {
  alarm_name          = "${local.prefix}-api-latency"
  alarm_description   = "p95 API latency above ${var.api_latency_threshold_ms} ms over 5 minutes"
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = { ApiId = aws_apigatewayv2_api.http.id }
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_latency_threshold_ms
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "api_4xx" {
  alarm_name          = "${local.prefix}-api-4xx"
  alarm_description   = "More than ${var.api_4xx_threshold} 4XX answers in 5 minutes"
  namespace           = "AWS/ApiGateway"
  metric_name         = "4xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.http.id }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_4xx_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.prefix}-api-5xx"
  alarm_description   = "Any 5XX answer in 5 minutes (503: model, endpoint or database unavailable; 500: a bug)"
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.http.id }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each            = local.functions
  alarm_name          = "${local.function_names[each.key]}-errors"
  alarm_description   = "${local.function_names[each.key]} failed an invocation (crash, timeout, or a function error) in 5 minutes"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.function[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# DriftDetected (0 or 1) is written by the predict functions as EMF: namespace FunkoPrice,
# dimension Function = the function name.
resource "aws_cloudwatch_metric_alarm" "drift" {
  for_each            = toset(["predict", "predict-batch"])
  alarm_name          = "${local.function_names[each.key]}-drift"
  alarm_description   = "${local.function_names[each.key]} saw feature or prediction drift (PSI) against the model's training data in the last hour"
  namespace           = local.emf_namespace
  metric_name         = "DriftDetected"
  dimensions          = { Function = aws_lambda_function.function[each.key].function_name }
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "retrain_dead_letters" {
  alarm_name          = "${local.prefix}-retrain-dead-letters"
  alarm_description   = "A scheduled or training-job event for retrain-trigger failed and is in ${aws_sqs_queue.retrain_dlq.name}"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.retrain_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The newest sale is older than the threshold: imports stopped (or the store is unreachable and
# the health checks report nothing, which counts as breaching).
resource "aws_cloudwatch_metric_alarm" "data_freshness" {
  alarm_name          = "${local.prefix}-data-freshness"
  alarm_description   = "The newest sale in the store is more than ${var.data_freshness_threshold_hours} hours old (or the health checks stopped reporting)"
  namespace           = local.emf_namespace
  metric_name         = "DataAgeHours"
  dimensions          = { Function = aws_lambda_function.function["status"].function_name }
  statistic           = "Minimum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.data_freshness_threshold_hours
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# A scheduled retraining run failed (the run itself, or the training job it started) or the
# quality gate refused its data. Manual runs are left to the person who started them.
resource "aws_cloudwatch_metric_alarm" "retraining" {
  alarm_name          = "${local.prefix}-retraining"
  alarm_description   = "A scheduled retraining run failed or its data was refused by the quality gate"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "problems"
    expression  = "FILL(refused, 0) + FILL(failed, 0) + FILL(job_failed, 0)"
    label       = "Scheduled runs failed or refused"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = {
      refused    = { metric = "RetrainRefused", trigger = "schedule" }
      failed     = { metric = "RetrainFailed", trigger = "schedule" }
      job_failed = { metric = "RetrainFailed", trigger = "job" }
    }
    content {
      id = metric_query.key
      metric {
        namespace   = local.emf_namespace
        metric_name = metric_query.value.metric
        dimensions = {
          Function = aws_lambda_function.function["retrain-trigger"].function_name
          Trigger  = metric_query.value.trigger
        }
        stat   = "Sum"
        period = 3600
      }
    }
  }
}

# The SageMaker endpoint itself, when this stack hosts one: latency, and client and server errors
# on its variant.
locals {
  endpoint_dimensions = { EndpointName = local.endpoint_name, VariantName = local.variant_name }
  endpoint_alarms = local.create_endpoint ? {
    latency = {
      metric      = "ModelLatency", statistic = "Average", comparison = "GreaterThanThreshold"
      threshold   = var.endpoint_latency_threshold_ms * 1000 # ModelLatency is in microseconds
      description = "The endpoint's average model latency is above ${var.endpoint_latency_threshold_ms} ms over 5 minutes"
    }
    errors-4xx = {
      metric    = "Invocation4XXErrors", statistic = "Sum", comparison = "GreaterThanThreshold"
      threshold = var.endpoint_4xx_threshold, description = "More than ${var.endpoint_4xx_threshold} 4XX answers from the endpoint in 5 minutes"
    }
    errors-5xx = {
      metric    = "Invocation5XXErrors", statistic = "Sum", comparison = "GreaterThanThreshold"
      threshold = 0, description = "Any 5XX answer from the endpoint in 5 minutes"
    }
  } : {}
}

resource "aws_cloudwatch_metric_alarm" "endpoint" {
  for_each            = local.endpoint_alarms
  alarm_name          = "${local.endpoint_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/SageMaker"
  metric_name         = each.value.metric
  dimensions          = local.endpoint_dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
