# Shared names and facts. One file per concern: s3.tf, kms.tf, ssm.tf, iam.tf, lambda.tf,
# api.tf, web.tf, eventbridge.tf, sagemaker.tf, monitoring.tf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  prefix     = var.name_prefix

  bucket_name  = var.bucket_name != "" ? var.bucket_name : "${local.prefix}-artifacts-${local.account_id}-${local.region}"
  zip_dir      = var.lambda_zip_dir != "" ? var.lambda_zip_dir : "${path.module}/../../build/lambda"
  models_arn   = "${module.artifacts_bucket.arn}/${var.model_prefix}models/*"
  datasets_arn = "${module.artifacts_bucket.arn}/${var.model_prefix}datasets/*"
  # Where SageMaker training jobs write (Sources/FunkoRetrain/SageMakerTraining.swift):
  # training-output/<job>/output/model.tar.gz.
  training_output_arn = "${module.artifacts_bucket.arn}/${var.model_prefix}training-output/*"
  # Training job names: <prefix>-train-<version> (TRAINING_JOB_PREFIX of retrain-trigger).
  training_job_prefix = "${local.prefix}-train"

  # The endpoint name is fixed so the functions know it before the endpoint exists.
  endpoint_name   = "${local.prefix}-endpoint"
  endpoint_arn    = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint/${local.endpoint_name}"
  create_endpoint = var.create_sagemaker_endpoint && var.sagemaker_model_key != ""
  # SageMaker's production variant name; SageMakerClient.createEndpointConfig uses the same, so
  # promotions keep the auto scaling target.
  variant_name = "AllTraffic"

  # The five functions (Sources/<name>/main.swift) and the routes each serves (Sources/FunkoHandlers/Routes.swift).
  functions = {
    "predict"         = { description = "POST /predict: one price prediction" }
    "predict-batch"   = { description = "POST /predict/batch: up to 100 predictions in one model call" }
    "history"         = { description = "GET /history/{funko_pop_id}, GET /pops, GET /pops/{funko_pop_id}: sales history and catalog search" }
    "status"          = { description = "GET /health and GET /model/status" }
    "retrain-trigger" = { description = "Weekly retraining: collect, quality gate, train, evaluate, promote" }
  }
  function_names = { for f, _ in local.functions : f => "${local.prefix}-${f}" }

  routes = {
    "GET /health"                 = "status"
    "GET /model/status"           = "status"
    "POST /predict"               = "predict"
    "POST /predict/batch"         = "predict-batch"
    "GET /history/{funko_pop_id}" = "history"
    "GET /pops"                   = "history"
    "GET /pops/{funko_pop_id}"    = "history"
  }

  # SageMaker's built-in XGBoost 1.7-1 image registry per region (the same table as
  # SageMakerClient.xgboostImage in Sources/AWSClients).
  xgboost_accounts = {
    "us-east-1"      = "683313688378"
    "us-east-2"      = "257758044811"
    "us-west-1"      = "746614075791"
    "us-west-2"      = "246618743249"
    "ca-central-1"   = "341280168497"
    "eu-west-1"      = "141502667606"
    "eu-west-2"      = "764974769150"
    "eu-west-3"      = "659782779980"
    "eu-central-1"   = "492215442770"
    "eu-north-1"     = "662702820516"
    "ap-northeast-1" = "354813040037"
    "ap-northeast-2" = "366743142698"
    "ap-southeast-1" = "121021644041"
    "ap-southeast-2" = "783357654285"
    "ap-south-1"     = "720646828776"
    "sa-east-1"      = "737474898029"
  }
  xgboost_image = lookup(local.xgboost_accounts, local.region, null) == null ? null : "${local.xgboost_accounts[local.region]}.dkr.ecr.${local.region}.amazonaws.com/sagemaker-xgboost:1.7-1"
  image         = var.sagemaker_image != "" ? var.sagemaker_image : local.xgboost_image
  # ECR repository the SageMaker role may pull from: the one the image lives in (an ECR image is required).
  image_parts          = local.image == null ? null : try(regex("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?/([^:@]+)", local.image), null)
  image_repository_arn = local.image_parts == null ? null : "arn:${local.partition}:ecr:${local.image_parts[1]}:${local.image_parts[0]}:repository/${local.image_parts[3]}"
}
