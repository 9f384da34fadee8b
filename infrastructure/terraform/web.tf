# The web app (web/): its files in a private bucket that only CloudFront reads (origin access
# control), served over HTTPS with security headers, and a generated config.js that points the app
# at this stack's API. The API answers CORS for the distribution's origin only (api.tf).

locals {
  web_dir = var.web_dir != "" ? var.web_dir : "${path.module}/../../web"
  # Every file of the app but the notes and config.js (which is generated below).
  web_files = toset([
    for f in fileset(local.web_dir, "**") : f
    if !endswith(f, ".md") && !startswith(basename(f), ".") && f != "config.js"
  ])
  web_content_types = {
    html  = "text/html; charset=utf-8"
    js    = "text/javascript; charset=utf-8"
    css   = "text/css; charset=utf-8"
    svg   = "image/svg+xml"
    png   = "image/png"
    ico   = "image/x-icon"
    json  = "application/json"
    woff2 = "font/woff2"
  }
  web_origin  = "https://${aws_cloudfront_distribution.web.domain_name}"
  web_origins = concat([local.web_origin], var.web_extra_origins)
  # The app's own files, pictures over HTTPS, and API Gateway in this region: nothing else (the
  # policy funko serve sends, with the API on another origin). The API's own host is not named:
  # its CORS setting names this distribution, which would make the two depend on each other.
  web_csp = join("; ", [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: data:",
    "connect-src 'self' https://*.execute-api.${local.region}.amazonaws.com", "object-src 'none'",
    "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'",
  ])
  # AWS's managed SecurityHeadersPolicy (HSTS, nosniff, frame options, referrer policy, XSS
  # protection) when the stack does not create its own (create_web_headers_policy = false).
  managed_security_headers_policy_id = "67f7725c-6f97-4210-82d7-5512b31e9d03"
  # AWS's managed CachingOptimized cache policy.
  managed_caching_optimized_policy_id = "658327ea-f89d-4fab-a63d-7e88639e58f6"
}

module "web_bucket" {
  source                  = "./modules/private_bucket"
  name                    = "${local.prefix}-web-${local.account_id}-${local.region}"
  force_destroy           = true # only files that terraform apply uploads from web/
  noncurrent_version_days = 30
  policy_documents        = [data.aws_iam_policy_document.web_bucket.json]
}

# Only this distribution may read the files (and, as for every private bucket, only over TLS).
data "aws_iam_policy_document" "web_bucket" {
  statement {
    sid       = "CloudFrontReadsTheApp"
    actions   = ["s3:GetObject"]
    resources = ["${module.web_bucket.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.web.arn]
    }
  }
}

resource "aws_cloudfront_origin_access_control" "web" {
  name                              = "${local.prefix}-web"
  description                       = "CloudFront signs its requests for the app's files"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "web" {
  count   = var.create_web_headers_policy ? 1 : 0
  name    = "${local.prefix}-web-security-headers"
  comment = "The app's Content-Security-Policy and the usual security headers"

  security_headers_config {
    content_security_policy {
      content_security_policy = local.web_csp
      override                = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }
}

resource "aws_cloudfront_distribution" "web" {
  #checkov:skip=CKV_AWS_68:No WAF in front of static files; the API has its own throttling.
  #checkov:skip=CKV_AWS_86:Standard logs need a log bucket with ACLs; enable them per deployment when request logs are wanted.
  #checkov:skip=CKV_AWS_174:The default *.cloudfront.net certificate has no minimum-protocol setting; a custom domain's certificate would set TLSv1.2_2021.
  #checkov:skip=CKV_AWS_310:One origin: the bucket is regional and highly available; a failover origin would be a second copy of the same files.
  #checkov:skip=CKV_AWS_374:A price guide for collectors everywhere: no geo restriction.
  #checkov:skip=CKV2_AWS_32:The response headers policy is attached below (a custom one, or AWS's managed SecurityHeadersPolicy).
  #checkov:skip=CKV2_AWS_42:The default *.cloudfront.net certificate; a custom domain brings its own ACM certificate.
  #checkov:skip=CKV2_AWS_47:No WAF (see CKV_AWS_68): static files only.
  enabled             = true
  comment             = "${local.prefix} web app"
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.web_price_class

  origin {
    origin_id                = "app"
    domain_name              = module.web_bucket.regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.web.id
  }

  default_cache_behavior {
    target_origin_id           = "app"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.managed_caching_optimized_policy_id
    response_headers_policy_id = var.create_web_headers_policy ? aws_cloudfront_response_headers_policy.web[0].id : local.managed_security_headers_policy_id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

# The app's files, each with its content type; the page and config.js are revalidated on every
# visit, the rest cached for five minutes.
resource "aws_s3_object" "web" {
  for_each      = local.web_files
  bucket        = module.web_bucket.id
  key           = each.key
  source        = "${local.web_dir}/${each.key}"
  source_hash   = filemd5("${local.web_dir}/${each.key}")
  content_type  = lookup(local.web_content_types, lower(reverse(split(".", each.key))[0]), "application/octet-stream")
  cache_control = endswith(each.key, ".html") ? "no-cache" : "public, max-age=300"
  depends_on    = [module.web_bucket]
}

resource "aws_s3_object" "web_config" {
  bucket        = module.web_bucket.id
  key           = "config.js"
  content       = "// Written by terraform apply: the API this app calls.\nwindow.FUNKO_CONFIG = { apiBase: ${jsonencode(aws_apigatewayv2_api.http.api_endpoint)} };\n"
  content_type  = "text/javascript; charset=utf-8"
  cache_control = "no-cache"
  depends_on    = [module.web_bucket]
}
