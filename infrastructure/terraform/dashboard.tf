# One CloudWatch dashboard for the operator (docs/operations.md walks through it): the API by
# route, each function, the endpoint when hosted, what the model predicts and how far it drifts,
# which model serves, how fresh the data is, and what retraining decided.

locals {
  # The endpoint's widgets, when this stack hosts one.
  endpoint_widgets = [
    {
      type = "metric", title = "Endpoint invocations and errors"
      properties = {
        stat    = "Sum", period = 300
        metrics = [for m in ["Invocations", "Invocation4XXErrors", "Invocation5XXErrors"] : ["AWS/SageMaker", m, "EndpointName", local.endpoint_name, "VariantName", local.variant_name]]
      }
    },
    {
      type = "metric", title = "Endpoint model latency (microseconds): average and p99"
      properties = {
        period  = 300
        metrics = [for s in ["Average", "p99"] : ["AWS/SageMaker", "ModelLatency", "EndpointName", local.endpoint_name, "VariantName", local.variant_name, { stat = s }]]
      }
    },
  ]
  api_functions = ["predict", "predict-batch", "history", "status"]
  # Widgets are 12 wide (two a row) and 6 high, placed in order.
  dashboard_widgets = concat(
    [
      {
        type = "metric", title = "API requests by route"
        properties = {
          stat    = "Sum", period = 300
          metrics = [for r in keys(local.routes) : ["AWS/ApiGateway", "Count", "ApiId", aws_apigatewayv2_api.http.id, "Stage", "$default", "Route", r]]
        }
      },
      {
        type = "metric", title = "API latency (ms): p50, p90, p99"
        properties = {
          period  = 300
          metrics = [for p in ["p50", "p90", "p99"] : ["AWS/ApiGateway", "Latency", "ApiId", aws_apigatewayv2_api.http.id, { stat = p, label = p }]]
        }
      },
      {
        type = "metric", title = "API errors by route: 4XX and 5XX"
        properties = {
          stat = "Sum", period = 300
          metrics = concat([for r in keys(local.routes) : [
            ["AWS/ApiGateway", "4xx", "ApiId", aws_apigatewayv2_api.http.id, "Stage", "$default", "Route", r],
            ["AWS/ApiGateway", "5xx", "ApiId", aws_apigatewayv2_api.http.id, "Stage", "$default", "Route", r],
          ]]...)
        }
      },
      {
        type = "metric", title = "Handler latency (ms, p99), errors and client errors by function"
        properties = {
          period = 300
          metrics = concat([for f in keys(local.functions) : [
            [local.emf_namespace, "Latency", "Function", local.function_names[f], { stat = "p99" }],
            [local.emf_namespace, "Errors", "Function", local.function_names[f], { stat = "Sum" }],
            [local.emf_namespace, "ClientErrors", "Function", local.function_names[f], { stat = "Sum" }],
          ]]...)
        }
      },
      {
        type = "metric", title = "Function duration (ms, p99)"
        properties = {
          stat    = "p99", period = 300
          metrics = [for f in keys(local.functions) : ["AWS/Lambda", "Duration", "FunctionName", local.function_names[f]]]
        }
      },
      {
        type = "metric", title = "Function errors and throttles"
        properties = {
          stat = "Sum", period = 300
          metrics = concat([for f in keys(local.functions) : [
            ["AWS/Lambda", "Errors", "FunctionName", local.function_names[f]],
            ["AWS/Lambda", "Throttles", "FunctionName", local.function_names[f]],
          ]]...)
        }
      },
      {
        type = "log", title = "Cold starts (init duration, ms) by function"
        properties = {
          view = "table"
          query = join(" | ", [
            join(" | ", [for f in keys(local.functions) : "SOURCE '/aws/lambda/${local.function_names[f]}'"]),
            "filter @type = \"REPORT\" and ispresent(@initDuration)",
            "stats count(*) as coldStarts, avg(@initDuration) as avgInitMs, max(@initDuration) as maxInitMs by @log",
          ])
        }
      },
      {
        type = "metric", title = "Predicted prices ($): p10, p50, p90"
        properties = {
          period = 3600
          metrics = concat([for f in ["predict", "predict-batch"] : [
            for p in ["p10", "p50", "p90"] : [local.emf_namespace, "PredictedPrice", "Function", local.function_names[f], { stat = p, label = "${f} ${p}" }]
          ]]...)
        }
      },
      {
        type = "metric", title = "Drift: PSI of predictions and of the most drifted feature (above 0.2 is drift)"
        properties = {
          stat = "Maximum", period = 3600
          metrics = concat([for f in ["predict", "predict-batch"] : [
            [local.emf_namespace, "PredictionPSI", "Function", local.function_names[f]],
            [local.emf_namespace, "MaxFeaturePSI", "Function", local.function_names[f]],
            [local.emf_namespace, "DriftDetected", "Function", local.function_names[f]],
          ]]...)
          annotations = { horizontal = [{ value = 0.2, label = "drift" }] }
        }
      },
      {
        type = "log", title = "Serving model version (the newest loads)"
        properties = {
          view = "table"
          query = join(" | ", [
            join(" | ", [for f in local.api_functions : "SOURCE '/aws/lambda/${local.function_names[f]}'"]),
            "filter message in [\"model loaded\", \"model reloaded\"]",
            "stats latest(modelVersion) as modelVersion, max(@timestamp) as loadedAt by @log",
          ])
        }
      },
      {
        type = "metric", title = "Data freshness: hours since the newest sale"
        properties = {
          stat = "Maximum", period = 900
          metrics = [
            for f in ["status", "retrain-trigger"] : [local.emf_namespace, "DataAgeHours", "Function", local.function_names[f]]
          ]
          annotations = { horizontal = [{ value = var.data_freshness_threshold_hours, label = "alarm" }] }
        }
      },
      {
        type = "metric", title = "Retraining outcomes per day"
        properties = {
          stat = "Sum", period = 86400, view = "bar"
          metrics = concat([for m in ["RetrainPromoted", "RetrainKeptChampion", "RetrainRefused", "RetrainFailed"] : [
            for t in ["schedule", "manual", "job"] : [local.emf_namespace, m, "Function", local.function_names["retrain-trigger"], "Trigger", t, { label = "${m} (${t})" }]
          ]]...)
        }
      },
      {
        type = "metric", title = "Retraining: candidate and champion MAE on the same held-out sales ($)"
        properties = {
          stat = "Average", period = 86400
          metrics = concat([for m in ["CandidateMAE", "ChampionMAE"] : [
            for t in ["schedule", "manual", "job"] : [local.emf_namespace, m, "Function", local.function_names["retrain-trigger"], "Trigger", t, { label = "${m} (${t})" }]
          ]]...)
        }
      },
    ],
    [for w in local.endpoint_widgets : w if local.create_endpoint],
  )
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = "${local.prefix}-operations"
  dashboard_body = jsonencode({
    widgets = [
      for i, w in local.dashboard_widgets : {
        type       = w.type
        x          = (i % 2) * 12
        y          = floor(i / 2) * 6
        width      = 12
        height     = 6
        properties = merge({ title = w.title, region = local.region }, w.type == "metric" ? { view = "timeSeries" } : {}, w.properties)
      }
    ]
  })
}
