import AWSClients
import FunkoApp
import FunkoCore

extension App {
    /// Retraining as configured: SageMaker training jobs when `TRAINING_MODE=sagemaker`, and
    /// promotion onto the endpoint when one is named together with the SageMaker role.
    public func retrainService() throws -> RetrainService {
        var service = RetrainService(store: store, repository: repository)
        guard let aws, let role = configuration.sageMakerRoleARN else { return service }
        let client = sagemaker ?? SageMakerClient(config: aws)
        guard let image = configuration.trainingImage ?? SageMakerClient.xgboostImage(region: aws.region) else {
            throw FunkoError.badRequest(
                "no SageMaker XGBoost image is known for region \(aws.region): set TRAINING_IMAGE")
        }
        if configuration.trainingMode == .sagemaker, let s3 = repository.store as? S3ObjectStore {
            var training = SageMakerTraining(sagemaker: client, artifacts: s3, roleARN: role, image: image)
            training.instanceType = configuration.trainingInstanceType
            training.jobPrefix = configuration.trainingJobPrefix
            service.training = training
        }
        if let endpoint = configuration.endpointName {
            var deployment = EndpointDeployment(sagemaker: client, endpointName: endpoint, roleARN: role, image: image)
            deployment.instanceType = configuration.endpointInstanceType
            service.deployment = deployment
        }
        return service
    }
}
