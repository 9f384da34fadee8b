# Every setting of the deployment. terraform.tfvars.example lists the ones an operator usually sets.

variable "aws_region" {
  description = "AWS region for every resource."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region code such as us-east-1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name. SageMaker training jobs, models and endpoint configs the retrain-trigger function creates must start with \"<name_prefix>-\" (its IAM policy allows only those)."
  type        = string
  default     = "funko"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 characters: lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen (it becomes part of S3, IAM and SageMaker names)."
  }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

# --- Storage -------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Name of the artifact bucket (datasets/ and models/). Empty: <name_prefix>-artifacts-<account id>-<region>."
  type        = string
  default     = ""

  validation {
    condition     = var.bucket_name == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be empty or a valid S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)."
  }
}

variable "model_prefix" {
  description = "Key prefix of the artifacts inside the bucket (MODEL_PREFIX of the functions and of funko artifacts/deploy). Empty, or ending with \"/\"."
  type        = string
  default     = ""

  validation {
    condition     = var.model_prefix == "" || can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/$", var.model_prefix))
    error_message = "model_prefix must be empty or a key prefix ending with \"/\", such as \"prod/\"."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days an overwritten or deleted object version is kept before S3 expires it (the bucket is versioned)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the artifact bucket with every object version in it. Leave false in production; set true for throw-away stacks."
  type        = bool
  default     = false
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the project's KMS key is deleted after terraform destroy (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be from 7 to 30."
  }
}

# --- Database ------------------------------------------------------------------------------

variable "database_url" {
  description = "PostgreSQL (Supabase) connection URL, e.g. postgresql://USER:PASSWORD@HOST:5432/postgres?sslmode=require. Written to an SSM SecureString as a write-only value: it is in neither the plan nor the state, and the functions get only the parameter name. Needed on every plan and apply (TF_VAR_database_url); to change the stored URL, also raise database_url_version."
  type        = string
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = can(regex("^postgres(ql)?://.+", var.database_url))
    error_message = "database_url must be a postgres:// or postgresql:// URL."
  }
}

variable "database_url_version" {
  description = "Raise by one to write a new database_url into SSM: Terraform keeps no copy of a write-only value to compare with."
  type        = number
  default     = 1

  validation {
    condition     = var.database_url_version >= 1 && floor(var.database_url_version) == var.database_url_version
    error_message = "database_url_version must be a whole number from 1."
  }
}

# --- Lambda functions ----------------------------------------------------------------------

variable "lambda_zip_dir" {
  description = "Folder holding <function>.zip for predict, predict-batch, history, status and retrain-trigger (scripts/package). Empty: build/lambda at the repository root."
  type        = string
  default     = ""
}

variable "lambda_memory_mb" {
  description = "Memory of each function in MB. Measured (docs/benchmarks.md): a warm predict peaks at about 53 MB RSS, so 128 MB would hold it; 256 MB is chosen because Lambda's CPU share grows with memory and halves the cold start's model load. retrain-trigger peaks at about 350-530 MB building the dataset of 1M sales (scripts/bench pipeline): 1024 MB leaves room for growth."
  type        = map(number)
  default = {
    "predict"         = 256
    "predict-batch"   = 256
    "history"         = 256
    "status"          = 256
    "retrain-trigger" = 1024
  }

  validation {
    condition     = alltrue([for f in ["predict", "predict-batch", "history", "status", "retrain-trigger"] : contains(keys(var.lambda_memory_mb), f)]) && alltrue([for v in values(var.lambda_memory_mb) : v >= 128 && v <= 10240 && floor(v) == v])
    error_message = "lambda_memory_mb needs an entry for each of predict, predict-batch, history, status and retrain-trigger, each a whole number from 128 to 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of each function in seconds. Measured (docs/benchmarks.md): a cold start takes about 65 ms and a warm embedded prediction 0.1 ms; in sagemaker mode an InvokeEndpoint attempt is capped at SAGEMAKER_TIMEOUT_SECONDS (5) and retries stop at the deadline, so 10 s covers a slow endpoint plus a database reconnect. retrain-trigger builds the dataset of 1M sales in about 5 s and, with training_mode = local, trains for minutes: 900 s, Lambda's maximum."
  type        = map(number)
  default = {
    "predict"         = 10
    "predict-batch"   = 10
    "history"         = 10
    "status"          = 10
    "retrain-trigger" = 900
  }

  validation {
    condition     = alltrue([for f in ["predict", "predict-batch", "history", "status", "retrain-trigger"] : contains(keys(var.lambda_timeout_seconds), f)]) && alltrue([for v in values(var.lambda_timeout_seconds) : v >= 1 && v <= 900 && floor(v) == v])
    error_message = "lambda_timeout_seconds needs an entry for each of predict, predict-batch, history, status and retrain-trigger, each a whole number from 1 to 900."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency per function; -1 reserves none (the function shares the account's pool). Reserving needs an account quota above 10 + the sum reserved (new accounts start at 10, where any reservation fails). The API stage throttling limits the API functions either way."
  type        = map(number)
  default = {
    "predict"         = -1
    "predict-batch"   = -1
    "history"         = -1
    "status"          = -1
    "retrain-trigger" = -1
  }

  validation {
    condition     = alltrue([for v in values(var.lambda_reserved_concurrency) : v >= -1 && floor(v) == v])
    error_message = "lambda_reserved_concurrency values must be whole numbers, -1 or more."
  }
}

variable "inference_mode" {
  description = "How the functions predict: sagemaker (call the endpoint) or embedded (load the champion model from S3 into the function; no endpoint needed)."
  type        = string
  default     = "sagemaker"

  validation {
    condition     = contains(["embedded", "sagemaker"], var.inference_mode)
    error_message = "inference_mode must be embedded or sagemaker."
  }
}

variable "training_mode" {
  description = "Where retrain-trigger trains: sagemaker (a training job) or local (libxgboost inside the function, bounded by its memory and 15-minute timeout)."
  type        = string
  default     = "sagemaker"

  validation {
    condition     = contains(["sagemaker", "local"], var.training_mode)
    error_message = "training_mode must be sagemaker or local."
  }
}

variable "sagemaker_timeout_seconds" {
  description = "Limit per InvokeEndpoint attempt (SAGEMAKER_TIMEOUT_SECONDS); each attempt also ends by the Lambda deadline."
  type        = number
  default     = 5

  validation {
    condition     = var.sagemaker_timeout_seconds > 0 && var.sagemaker_timeout_seconds <= 60
    error_message = "sagemaker_timeout_seconds must be above 0 and at most 60."
  }
}

variable "model_refresh_seconds" {
  description = "How often a warm function checks models/champion.json for a newly promoted model (MODEL_REFRESH_SECONDS)."
  type        = number
  default     = 60

  validation {
    condition     = var.model_refresh_seconds >= 0
    error_message = "model_refresh_seconds must be 0 or more."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function and API access logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

# --- HTTP API ------------------------------------------------------------------------------

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second the API stage accepts (beyond it clients get 429)."
  type        = number
  default     = 50

  validation {
    condition     = var.api_throttling_rate_limit > 0
    error_message = "api_throttling_rate_limit must be above 0."
  }
}

variable "api_throttling_burst_limit" {
  description = "Burst of concurrent requests the API stage accepts."
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttling_burst_limit > 0 && floor(var.api_throttling_burst_limit) == var.api_throttling_burst_limit
    error_message = "api_throttling_burst_limit must be a whole number above 0."
  }
}

# --- Retraining ----------------------------------------------------------------------------

variable "retrain_schedule_expression" {
  description = "When EventBridge starts the weekly retraining: a cron() or rate() expression in UTC."
  type        = string
  default     = "cron(0 3 ? * MON *)"

  validation {
    condition     = can(regex("^(cron\\(([^ ]+ ){5}[^ ]+\\)|rate\\([0-9]+ (minute|minutes|hour|hours|day|days)\\))$", var.retrain_schedule_expression))
    error_message = "retrain_schedule_expression must be cron(<6 fields>) or rate(<n> <unit>), e.g. cron(0 3 ? * MON *) or rate(7 days)."
  }
}

variable "retrain_schedule_enabled" {
  description = "Whether the weekly retraining rule is enabled."
  type        = bool
  default     = true
}

variable "training_instance_type" {
  description = "SageMaker training instance (TRAINING_INSTANCE_TYPE of retrain-trigger)."
  type        = string
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.training_instance_type))
    error_message = "training_instance_type must be a SageMaker instance type such as ml.m5.large."
  }
}

# --- SageMaker endpoint --------------------------------------------------------------------

variable "create_sagemaker_endpoint" {
  description = "Create the SageMaker model, endpoint configuration and endpoint (and its auto scaling) once sagemaker_model_key is set. false: embedded-only deployments, or emulators without SageMaker hosting."
  type        = bool
  default     = true
}

variable "sagemaker_model_key" {
  description = "Key (after model_prefix) of the model.tar.gz the endpoint starts with, e.g. models/<version>/model.tar.gz, uploaded by funko artifacts push. Empty: no endpoint yet (first apply, before any model exists). Later promotions update the endpoint outside Terraform (retrain-trigger, funko deploy); changing this does not redeploy."
  type        = string
  default     = ""

  validation {
    condition     = var.sagemaker_model_key == "" || can(regex("^models/[^/]+/model\\.tar\\.gz$", var.sagemaker_model_key))
    error_message = "sagemaker_model_key must be empty or models/<version>/model.tar.gz."
  }
}

variable "sagemaker_image" {
  description = "Container image of the endpoint. Empty: SageMaker's built-in XGBoost 1.7-1 image for the region."
  type        = string
  default     = ""
}

variable "endpoint_instance_type" {
  description = "SageMaker endpoint instance type (also ENDPOINT_INSTANCE_TYPE of retrain-trigger)."
  type        = string
  default     = "ml.t2.medium"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.endpoint_instance_type))
    error_message = "endpoint_instance_type must be a SageMaker instance type such as ml.t2.medium."
  }
}

variable "enable_autoscaling" {
  description = "Application Auto Scaling on the endpoint variant (target tracking on invocations per instance)."
  type        = bool
  default     = true
}

variable "autoscaling_min_capacity" {
  description = "Fewest endpoint instances."
  type        = number
  default     = 1

  validation {
    condition     = var.autoscaling_min_capacity >= 1
    error_message = "autoscaling_min_capacity must be at least 1."
  }
}

variable "autoscaling_max_capacity" {
  description = "Most endpoint instances."
  type        = number
  default     = 10

  validation {
    condition     = var.autoscaling_max_capacity >= 1
    error_message = "autoscaling_max_capacity must be at least 1."
  }
}

variable "autoscaling_target_invocations" {
  description = "Target of SageMakerVariantInvocationsPerInstance: InvokeEndpoint calls per instance per minute (a batch of up to 100 Pops is one call)."
  type        = number
  default     = 200

  validation {
    condition     = var.autoscaling_target_invocations > 0
    error_message = "autoscaling_target_invocations must be above 0."
  }
}

# --- Monitoring ----------------------------------------------------------------------------

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic (AWS sends a confirmation mail). Empty: no subscription."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", var.alarm_email))
    error_message = "alarm_email must be empty or an email address."
  }
}

variable "api_latency_threshold_ms" {
  description = "The API latency alarm fires when p95 latency over 5 minutes is above this (milliseconds)."
  type        = number
  default     = 5000

  validation {
    condition     = var.api_latency_threshold_ms > 0
    error_message = "api_latency_threshold_ms must be above 0."
  }
}

variable "api_4xx_threshold" {
  description = "The API 4XX alarm fires when more than this many 4XX answers come in 5 minutes."
  type        = number
  default     = 5

  validation {
    condition     = var.api_4xx_threshold >= 0
    error_message = "api_4xx_threshold must be 0 or more."
  }
}

variable "web_dir" {
  description = "Folder of the web app to upload (its vendor/chart.js is copied there by the project's scripts). Empty: web/ of this repository."
  type        = string
  default     = ""
}

variable "web_price_class" {
  description = "CloudFront price class of the web app's distribution."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.web_price_class)
    error_message = "web_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "web_extra_origins" {
  description = "More browser origins the API answers CORS for (a custom domain in front of the app, say), each https://host; never *."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.web_extra_origins : can(regex("^https://[^/*]+$", o))])
    error_message = "web_extra_origins holds origins such as https://prices.example.com: https, a host, no path, no *."
  }
}

variable "create_web_headers_policy" {
  description = "Create the app's own CloudFront response headers policy (with its Content-Security-Policy); false uses AWS's managed SecurityHeadersPolicy (the tests against moto, which lacks the headers-policy API)."
  type        = bool
  default     = true
}

variable "health_check_schedule_expression" {
  description = "How often the status function checks health and reports the data's age (EventBridge schedule expression)."
  type        = string
  default     = "rate(15 minutes)"
}

variable "data_freshness_threshold_hours" {
  description = "The data-freshness alarm fires when the newest sale in the store is older than this many hours."
  type        = number
  default     = 48

  validation {
    condition     = var.data_freshness_threshold_hours > 0
    error_message = "data_freshness_threshold_hours must be more than 0."
  }
}

variable "endpoint_latency_threshold_ms" {
  description = "The endpoint latency alarm fires when the SageMaker endpoint's average ModelLatency over 5 minutes is above this (milliseconds)."
  type        = number
  default     = 5000
}

variable "endpoint_4xx_threshold" {
  description = "The endpoint 4XX alarm fires when more than this many Invocation4XXErrors come in 5 minutes."
  type        = number
  default     = 5
}
