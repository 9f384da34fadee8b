# The SageMaker endpoint the functions call in sagemaker mode (ml.t2.medium, auto scaling 1-10).
# It starts from var.sagemaker_model_key; promotions (retrain-trigger) and funko deploy later point
# it at new endpoint configurations, which Terraform leaves alone (ignore_changes below).

resource "aws_sagemaker_model" "initial" {
  count                    = local.create_endpoint ? 1 : 0
  name                     = "${local.endpoint_name}-initial"
  execution_role_arn       = aws_iam_role.sagemaker.arn
  enable_network_isolation = true

  primary_container {
    image          = local.image
    model_data_url = "s3://${module.artifacts_bucket.id}/${var.model_prefix}${var.sagemaker_model_key}"
  }

  lifecycle {
    precondition {
      condition     = local.image != null
      error_message = "No built-in XGBoost image is known for region ${var.aws_region}: set sagemaker_image."
    }
  }

  depends_on = [aws_iam_role_policy.sagemaker]
}

resource "aws_sagemaker_endpoint_configuration" "initial" {
  count = local.create_endpoint ? 1 : 0
  #checkov:skip=CKV_AWS_98:Endpoint configurations made at each promotion (retrain-trigger, funko deploy) pass no KMS key, so a key here would cover only the first; the instance volume then uses SageMaker's default encryption and holds only the public-feature model.
  name = "${local.endpoint_name}-initial"

  production_variants {
    variant_name           = local.variant_name
    model_name             = aws_sagemaker_model.initial[0].name
    instance_type          = var.endpoint_instance_type
    initial_instance_count = var.autoscaling_min_capacity
    initial_variant_weight = 1
  }
}

resource "aws_sagemaker_endpoint" "main" {
  count                = local.create_endpoint ? 1 : 0
  name                 = local.endpoint_name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.initial[0].name

  lifecycle {
    # Promotions switch the endpoint to newer configurations; re-applying must not roll it back.
    ignore_changes = [endpoint_config_name]
  }
}

resource "aws_appautoscaling_target" "endpoint" {
  count              = local.create_endpoint && var.enable_autoscaling ? 1 : 0
  service_namespace  = "sagemaker"
  resource_id        = "endpoint/${aws_sagemaker_endpoint.main[0].name}/variant/${local.variant_name}"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  min_capacity       = var.autoscaling_min_capacity
  max_capacity       = var.autoscaling_max_capacity

  lifecycle {
    precondition {
      condition     = var.autoscaling_max_capacity >= var.autoscaling_min_capacity
      error_message = "autoscaling_max_capacity must be at least autoscaling_min_capacity."
    }
  }
}

resource "aws_appautoscaling_policy" "endpoint" {
  count              = local.create_endpoint && var.enable_autoscaling ? 1 : 0
  name               = "${local.endpoint_name}-invocations"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.endpoint[0].service_namespace
  resource_id        = aws_appautoscaling_target.endpoint[0].resource_id
  scalable_dimension = aws_appautoscaling_target.endpoint[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling_target_invocations
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "SageMakerVariantInvocationsPerInstance"
    }
  }
}
