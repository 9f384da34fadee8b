# Retraining triggers (docs/architecture.md, "The retraining path"): the weekly schedule, and SageMaker telling retrain-trigger that
# one of its training jobs ended (it then evaluates the candidate and decides on promotion).

resource "aws_cloudwatch_event_rule" "weekly_retrain" {
  name                = "${local.prefix}-weekly-retrain"
  description         = "Weekly retraining of the ${local.prefix} price model"
  schedule_expression = var.retrain_schedule_expression
  state               = var.retrain_schedule_enabled ? "ENABLED" : "DISABLED"
}

# No input override: the function gets the "Scheduled Event" itself (events/retrain-schedule.json),
# which it logs as trigger "schedule" and answers with a retraining run.
resource "aws_cloudwatch_event_target" "weekly_retrain" {
  rule      = aws_cloudwatch_event_rule.weekly_retrain.name
  target_id = "retrain-trigger"
  arn       = aws_lambda_function.function["retrain-trigger"].arn
}

resource "aws_cloudwatch_event_rule" "training_job_state" {
  name        = "${local.prefix}-training-job-state"
  description = "A ${local.prefix} SageMaker training job finished, failed or was stopped"
  event_pattern = jsonencode({
    source      = ["aws.sagemaker"]
    detail-type = ["SageMaker Training Job State Change"]
    detail = {
      TrainingJobName   = [{ prefix = "${local.training_job_prefix}-" }]
      TrainingJobStatus = ["Completed", "Failed", "Stopped"]
    }
  })
}

resource "aws_cloudwatch_event_target" "training_job_state" {
  rule      = aws_cloudwatch_event_rule.training_job_state.name
  target_id = "retrain-trigger"
  arn       = aws_lambda_function.function["retrain-trigger"].arn
}

resource "aws_lambda_permission" "weekly_retrain" {
  statement_id  = "AllowWeeklyRetrainRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["retrain-trigger"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.weekly_retrain.arn
}

resource "aws_lambda_permission" "training_job_state" {
  statement_id  = "AllowTrainingJobStateRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["retrain-trigger"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.training_job_state.arn
}

# A health check every 15 minutes: the status function reports the age of the newest sale
# (DataAgeHours), which the data-freshness alarm watches, and exercises the store and the model.
resource "aws_cloudwatch_event_rule" "health_check" {
  name                = "${local.prefix}-health-check"
  description         = "Health check of ${local.prefix}: database, model, endpoint and data freshness"
  schedule_expression = var.health_check_schedule_expression
}

resource "aws_cloudwatch_event_target" "health_check" {
  rule      = aws_cloudwatch_event_rule.health_check.name
  target_id = "status"
  arn       = aws_lambda_function.function["status"].arn
  input     = jsonencode({ action = "health" })
}

resource "aws_lambda_permission" "health_check" {
  statement_id  = "AllowHealthCheckRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["status"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.health_check.arn
}
