output "api_url" {
  description = "Base URL of the HTTP API (e.g. curl $API_URL/health)."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "web_url" {
  description = "The web app: open it in a browser."
  value       = local.web_origin
}

output "web_bucket_name" {
  description = "Private bucket holding the web app's files (read only by the CloudFront distribution)."
  value       = module.web_bucket.id
}

output "bucket_name" {
  description = "Artifact bucket: MODEL_BUCKET for funko artifacts push and funko deploy (--bucket)."
  value       = module.artifacts_bucket.id
}

output "model_prefix" {
  description = "Key prefix of the artifacts in the bucket (MODEL_PREFIX)."
  value       = var.model_prefix
}

output "endpoint_name" {
  description = "SageMaker endpoint the functions call (SAGEMAKER_ENDPOINT_NAME; funko deploy --endpoint-name)."
  value       = local.endpoint_name
}

output "endpoint_created" {
  description = "Whether this stack created the endpoint (false until sagemaker_model_key is set)."
  value       = local.create_endpoint
}

output "sagemaker_role_arn" {
  description = "Role SageMaker assumes for training jobs and models (SAGEMAKER_ROLE_ARN; funko deploy --role-arn)."
  value       = aws_iam_role.sagemaker.arn
}

output "function_names" {
  description = "Lambda function names by handler."
  value       = { for f, fn in aws_lambda_function.function : f => fn.function_name }
}

output "database_url_parameter" {
  description = "SSM SecureString parameter holding the database URL (DATABASE_URL_PARAMETER)."
  value       = aws_ssm_parameter.database_url.name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms publish to."
  value       = aws_sns_topic.alarms.arn
}

output "retrain_dead_letter_queue_url" {
  description = "Events retrain-trigger failed to handle."
  value       = aws_sqs_queue.retrain_dlq.url
}

output "kms_key_arn" {
  description = "Project key encrypting the bucket, logs, alarm topic and database URL."
  value       = aws_kms_key.main.arn
}

output "dashboard_url" {
  description = "The operations dashboard in the CloudWatch console (docs/operations.md)."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards:name=${aws_cloudwatch_dashboard.main.dashboard_name}"
}
