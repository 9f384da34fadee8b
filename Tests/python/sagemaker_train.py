"""Trains the way SageMaker's built-in XGBoost 1.7-1 container does on a dataset written by
`funko pipeline`: CSV channels read with label_column=0 (empty field = missing), the job's
hyperparameters, early stopping on the validation channel, the booster saved as `xgboost-model`
inside model.tar.gz. moto accepts CreateTrainingJob but trains nothing, so the tests put this
model where the job's output would be.

usage: sagemaker_train.py TRAIN_CSV VALIDATION_CSV HYPERPARAMETERS_JSON OUT_MODEL_TAR_GZ
"""
import json
import os
import sys
import tarfile
import tempfile

import xgboost as xgb

train_csv, valid_csv, hp_path, out = sys.argv[1:5]
hp = json.load(open(hp_path))
num_round = int(hp.pop("num_round"))
early = hp.pop("early_stopping_rounds", None)
dtrain = xgb.DMatrix(f"{train_csv}?format=csv&label_column=0")
dvalid = xgb.DMatrix(f"{valid_csv}?format=csv&label_column=0")
params = {k: v for k, v in hp.items()}
booster = xgb.train(params, dtrain, num_boost_round=num_round, evals=[(dtrain, "train"), (dvalid, "validation")],
                    early_stopping_rounds=int(early) if early else None, verbose_eval=False)
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "xgboost-model")
    booster.save_model(path)
    with tarfile.open(out, "w:gz") as tar:
        tar.add(path, arcname="xgboost-model")
print(json.dumps({"rounds": booster.num_boosted_rounds(), "best_iteration": int(booster.attr("best_iteration") or -1)}))
