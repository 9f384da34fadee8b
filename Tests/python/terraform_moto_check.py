"""Reads back what `terraform apply` created in moto, through the AWS APIs, for TerraformTests.swift.

Usage: terraform_moto_check.py PREFIX API_ID STATE_JSON (`terraform show -json`)
Environment: MOTO_ENDPOINT (signature-checking server), MOTO_OPEN_ENDPOINT (the server Lambda,
API Gateway v2, CloudFront, IAM and S3 went to: moto 5.2.1 cannot verify some signed requests, see
infrastructure/terraform/tests/moto_override.tf.example), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.

Prints one JSON object of facts; the Swift test makes the assertions.
"""
import json
import os
import sys

import boto3

prefix, api_id = sys.argv[1], sys.argv[2]
signed, open_ = os.environ["MOTO_ENDPOINT"], os.environ["MOTO_OPEN_ENDPOINT"]


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


apigw = client("apigatewayv2", open_)
lam = client("lambda", open_)
iam = client("iam", open_)
events = client("events", signed)
cloudwatch = client("cloudwatch", signed)
s3 = client("s3", open_)
ssm = client("ssm", signed)
sagemaker = client("sagemaker", signed)
logs = client("logs", signed)

facts = {}

# HTTP API: routes and the function behind each, stage throttling and access logs.
integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api_id)["Items"]}
routes = {}
for r in apigw.get_routes(ApiId=api_id)["Items"]:
    uri = integrations[r["Target"].split("/", 1)[1]]["IntegrationUri"]
    routes[r["RouteKey"]] = {
        "function": next(part for part in uri.split(":") if part.startswith(prefix + "-")).split("/")[0],
        "payload": integrations[r["Target"].split("/", 1)[1]].get("PayloadFormatVersion"),
    }
facts["routes"] = routes
stage = apigw.get_stage(ApiId=api_id, StageName="$default")
facts["stage"] = {
    "throttling": stage.get("DefaultRouteSettings", {}),
    "access_log_destination": stage.get("AccessLogSettings", {}).get("DestinationArn"),
    "access_log_format": stage.get("AccessLogSettings", {}).get("Format"),
}

# Functions: configuration, environment names, who may invoke them.
functions = {}
for name in ["predict", "predict-batch", "history", "status", "retrain-trigger"]:
    c = lam.get_function_configuration(FunctionName=f"{prefix}-{name}")
    try:
        policy = json.loads(lam.get_policy(FunctionName=f"{prefix}-{name}")["Policy"])
        permissions = [
            {"principal": s["Principal"]["Service"], "source_arn": s.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")}
            for s in policy["Statement"]
        ]
    except lam.exceptions.ResourceNotFoundException:
        permissions = []
    functions[name] = {
        "runtime": c["Runtime"], "handler": c["Handler"], "architectures": c.get("Architectures"),
        "memory": c["MemorySize"], "timeout": c["Timeout"], "role": c["Role"],
        "environment": c.get("Environment", {}).get("Variables", {}),
        "tracing": c.get("TracingConfig", {}).get("Mode"),
        "dead_letter": c.get("DeadLetterConfig", {}).get("TargetArn"),
        "permissions": permissions,
    }
facts["functions"] = functions

# IAM: the actions each role's inline policy allows.
roles = {}
for role in [f"{prefix}-{n}-lambda" for n in functions] + [f"{prefix}-sagemaker"]:
    names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    statements = []
    for n in names:
        doc = iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        statements += doc["Statement"]
    actions = sorted({a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])})
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    roles[role] = {"actions": actions, "statements": statements,
                   "trusted": sorted({s["Principal"]["Service"] for s in trust["Statement"]})}
facts["roles"] = roles

# EventBridge: the schedule and the training-job rule, and their targets.
rules = {}
for r in events.list_rules(NamePrefix=prefix)["Rules"]:
    rules[r["Name"]] = {
        "schedule": r.get("ScheduleExpression"), "state": r.get("State"),
        "pattern": json.loads(r["EventPattern"]) if r.get("EventPattern") else None,
        "targets": [{"arn": t["Arn"], "input": t.get("Input")} for t in events.list_targets_by_rule(Rule=r["Name"])["Targets"]],
    }
facts["rules"] = rules

# CloudWatch alarms.
alarms = {}
for a in cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]:
    alarms[a["AlarmName"]] = {
        "namespace": a.get("Namespace"), "metric": a.get("MetricName"), "threshold": a.get("Threshold"),
        "comparison": a.get("ComparisonOperator"), "period": a.get("Period"),
        "statistic": a.get("Statistic") or a.get("ExtendedStatistic"),
        "dimensions": {d["Name"]: d["Value"] for d in a.get("Dimensions", [])},
        "actions": a.get("AlarmActions", []),
        "missing": a.get("TreatMissingData"),
        "queries": [
            {"id": q["Id"], "expression": q.get("Expression"),
             "metric": q.get("MetricStat", {}).get("Metric", {}).get("MetricName"),
             "namespace": q.get("MetricStat", {}).get("Metric", {}).get("Namespace"),
             "dimensions": {d["Name"]: d["Value"] for d in q.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])}}
            for q in a.get("Metrics", [])
        ],
    }
facts["alarms"] = alarms

# The operations dashboard, as CloudWatch stores it.
facts["dashboard"] = json.loads(cloudwatch.get_dashboard(DashboardName=f"{prefix}-operations")["DashboardBody"])

# Log groups: retention and key.
facts["log_groups"] = {
    g["logGroupName"]: {"retention": g.get("retentionInDays"), "kms": g.get("kmsKeyId")}
    for p in [f"/aws/lambda/{prefix}-", f"/aws/apigateway/{prefix}-"]
    for g in logs.describe_log_groups(logGroupNamePrefix=p)["logGroups"]
}

# Bucket: versioning, encryption, public access block.
bucket = functions["predict"]["environment"]["MODEL_BUCKET"]
facts["bucket"] = {
    "name": bucket,
    "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
    "encryption": s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
    "public_access_block": s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
}

# The database URL parameter.
parameter = functions["predict"]["environment"]["DATABASE_URL_PARAMETER"]
p = ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]
facts["parameter"] = {"name": parameter, "type": p["Type"], "value": p["Value"]}

# SageMaker endpoint.
endpoint = functions["predict"]["environment"]["SAGEMAKER_ENDPOINT_NAME"]
try:
    e = sagemaker.describe_endpoint(EndpointName=endpoint)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=e["EndpointConfigName"])
    facts["endpoint"] = {"name": endpoint, "status": e["EndpointStatus"],
                         "variants": [{"name": v["VariantName"], "instance_type": v["InstanceType"]} for v in config["ProductionVariants"]]}
except sagemaker.exceptions.ClientError:
    facts["endpoint"] = None

# The web app: its bucket, its files' content types and config.js, the CloudFront distribution and
# its origin access control, and the API's CORS configuration. moto keeps the distribution but
# drops the origin's OriginAccessControlId, so the link between them is read from Terraform's
# state (`terraform show -json`, the third argument).
cloudfront = client("cloudfront", open_)
web_bucket = f"{prefix}-web-123456789012-us-east-1"
objects = {}
for o in s3.list_objects_v2(Bucket=web_bucket).get("Contents", []):
    head = s3.head_object(Bucket=web_bucket, Key=o["Key"])
    objects[o["Key"]] = {"content_type": head["ContentType"], "cache_control": head.get("CacheControl")}
state = json.load(open(sys.argv[3]))
state_distribution = next(
    r["values"] for r in state["values"]["root_module"]["resources"] if r["address"] == "aws_cloudfront_distribution.web")
state_origin = state_distribution["origin"][0]
distribution = cloudfront.get_distribution(Id=state_distribution["id"])["Distribution"]
config = distribution["DistributionConfig"]
controls = cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
control = next((c for c in controls if c["Name"] == f"{prefix}-web"), None)
facts["web"] = {
    "public_access_block": s3.get_public_access_block(Bucket=web_bucket)["PublicAccessBlockConfiguration"],
    "policy": json.loads(s3.get_bucket_policy(Bucket=web_bucket)["Policy"]),
    "objects": objects,
    "config_js": s3.get_object(Bucket=web_bucket, Key="config.js")["Body"].read().decode(),
    "distribution": {
        "id": distribution["Id"], "arn": distribution["ARN"], "domain": distribution["DomainName"],
        "comment": config.get("Comment"),
        "default_root_object": config.get("DefaultRootObject"),
        "viewer_protocol_policy": config["DefaultCacheBehavior"]["ViewerProtocolPolicy"],
        "response_headers_policy": config["DefaultCacheBehavior"].get("ResponseHeadersPolicyId"),
        "origin_domain": config["Origins"]["Items"][0]["DomainName"],
    },
    "origin_access_control": control,
    "state_origin_access_control_id": state_origin.get("origin_access_control_id"),
    "cors": apigw.get_api(ApiId=api_id).get("CorsConfiguration"),
}

print(json.dumps(facts, indent=1, sort_keys=True))
