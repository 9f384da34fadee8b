import FunkoHandlers
import LambdaRuntime

// The retrain-trigger Lambda function: see FunkoFunction for routes, events and errors.
LambdaRuntime.run { try FunkoFunction.make(.retrain, logger: $0) }
