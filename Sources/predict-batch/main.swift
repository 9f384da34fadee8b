import FunkoHandlers
import LambdaRuntime

// The predict-batch Lambda function: see FunkoFunction for routes, events and errors.
LambdaRuntime.run { try FunkoFunction.make(.predictBatch, logger: $0) }
