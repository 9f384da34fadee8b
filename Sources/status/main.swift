import FunkoHandlers
import LambdaRuntime

// The status Lambda function: GET /health and GET /model/status.
LambdaRuntime.run { try FunkoFunction.make(.modelStatus, .health, logger: $0) }
