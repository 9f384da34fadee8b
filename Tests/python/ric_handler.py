"""A real Lambda handler for lambda-local's conformance test: it runs under AWS's own Python
runtime interface client (awslambdaric), so the Runtime API is exercised by the official client."""


class HandlerError(Exception):
    """Raised on request, so the test can check the error type lambda-local reports."""


def handler(event, context):
    if isinstance(event, dict) and "raise" in event:
        raise HandlerError(event["raise"])
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
    }
