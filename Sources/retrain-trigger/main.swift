import LambdaRuntime
import RetrainHandler

// The retrain-trigger Lambda function: see RetrainFunction for the events it takes.
LambdaRuntime.run { try RetrainFunction.make(logger: $0) }
