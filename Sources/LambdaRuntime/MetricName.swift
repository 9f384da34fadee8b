/// Every metric the functions write (EMF lines, namespace `FunkoPrice`): the one list. The alarms
/// and the dashboard in infrastructure/terraform name only these, and every one of these appears
/// there (FunkoIntegrationTests.TerraformTests checks both directions); docs/operations.md says
/// what each means for an operator.
public enum MetricName: String, CaseIterable, Sendable {
    /// Every invocation: milliseconds in the handler.
    case latency = "Latency"
    /// Every invocation: 1 when it answered 5xx or failed.
    case errors = "Errors"
    /// Every invocation: 1 when it answered 4xx.
    case clientErrors = "ClientErrors"
    /// predict, predict-batch: each predicted price of the answer.
    case predictedPrice = "PredictedPrice"
    /// predict, predict-batch: drift of the served predictions and features (PSI) once enough rows were served.
    case predictionPSI = "PredictionPSI"
    case maxFeaturePSI = "MaxFeaturePSI"
    /// 1 when a PSI is above 0.2 (the drift alarm).
    case driftDetected = "DriftDetected"
    /// status (each health check) and retrain-trigger (each run): hours since the newest sale in the store.
    case dataAgeHours = "DataAgeHours"
    /// retrain-trigger: what a run decided, 1 for the outcome and 0 for the others (dimension Trigger).
    case retrainPromoted = "RetrainPromoted"
    case retrainKeptChampion = "RetrainKeptChampion"
    case retrainRefused = "RetrainRefused"
    case retrainFailed = "RetrainFailed"
    /// retrain-trigger: the held-out MAE of the candidate and of the champion on the same sales.
    case candidateMAE = "CandidateMAE"
    case championMAE = "ChampionMAE"
}
