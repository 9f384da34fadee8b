"""Bootstrap a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=3: the three unauthenticated
calls below create an IAM user with full access and its keys; every later request must be
signed with those keys, and moto checks the signature. Prints the keys as JSON."""
import json
import sys

import boto3

endpoint = sys.argv[1]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="funko-tests")
iam.put_user_policy(UserName="funko-tests", PolicyName="everything", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="funko-tests")["AccessKey"]
print(json.dumps({"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}))
