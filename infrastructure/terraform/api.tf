# API Gateway HTTP API (docs/api.md): seven routes onto four functions, throttled, with JSON access
# logs, answering CORS (preflights included) for the web app's origin only.

resource "aws_apigatewayv2_api" "http" {
  name          = "${local.prefix}-api"
  description   = "Funko Pop price prediction API"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins  = local.web_origins
    allow_methods  = ["GET", "POST", "OPTIONS"]
    allow_headers  = ["content-type", "accept"]
    expose_headers = ["x-request-id"]
    max_age        = 600
  }
}

resource "aws_apigatewayv2_integration" "function" {
  for_each               = toset(distinct(values(local.routes)))
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.function[each.key].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "route" {
  for_each = local.routes
  #checkov:skip=CKV_AWS_309:A public, read-only price API with no user accounts; abuse is bounded by stage throttling.
  api_id    = aws_apigatewayv2_api.http.id
  route_key = each.key
  target    = "integrations/${aws_apigatewayv2_integration.function[each.value].id}"
}

resource "aws_cloudwatch_log_group" "api_access" {
  #checkov:skip=CKV_AWS_338:Access logs of a small API; retention is var.log_retention_days (30 by default) to bound cost. Set 365 or more where an audit trail is required.
  name              = "/aws/apigateway/${local.prefix}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.api_throttling_rate_limit
    throttling_burst_limit = var.api_throttling_burst_limit
    # Per-route request counts, latency and errors for the dashboard (dimension Route).
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      path               = "$context.path"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integrationErrorMessage"
      errorMessage       = "$context.error.message"
    })
  }
}

# API Gateway may invoke each function only for its own routes on this API.
resource "aws_lambda_permission" "api" {
  for_each      = local.routes
  statement_id  = "AllowApiGateway-${replace(replace(each.key, "/[^A-Za-z0-9]+/", "-"), "/-$/", "")}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.value].function_name
  principal     = "apigateway.amazonaws.com"
  # arn:...:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH; a path parameter matches as "*".
  source_arn = "${aws_apigatewayv2_api.http.execution_arn}/*/${split(" ", each.key)[0]}${replace(split(" ", each.key)[1], "/\\{[^}]+\\}/", "*")}"
}
