import FunkoHandlers
import LambdaRuntime

// The history Lambda function: see FunkoFunction for routes, events and errors.
LambdaRuntime.run { try FunkoFunction.make(.history, .pops, .pop, logger: $0) }
