import FunkoHandlers
import LambdaRuntime

// The predict Lambda function: see FunkoFunction for routes, events and errors.
LambdaRuntime.run { try FunkoFunction.make(.predict, logger: $0) }
