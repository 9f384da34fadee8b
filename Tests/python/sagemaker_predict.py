"""Predict the way SageMaker's XGBoost 1.7-1 container serves a model.

Usage: sagemaker_predict.py MODEL_TAR_GZ ROWS_CSV

Like the container: extract model.tar.gz, load `xgboost-model` (pickle first, then
Booster.load_model), parse the text/csv payload with empty fields as NaN, predict.
Prints the xgboost version on the first line, then one prediction per line.
"""
import pickle
import sys
import tarfile
import tempfile

import numpy as np
import xgboost as xgb


def load_model(archive):
    with tempfile.TemporaryDirectory() as d:
        with tarfile.open(archive) as tar:
            tar.extractall(d)
        path = f"{d}/xgboost-model"
        try:
            with open(path, "rb") as f:
                return pickle.load(f)
        except Exception:
            booster = xgb.Booster()
            booster.load_model(path)
            return booster


def csv_to_dmatrix(text):
    rows = [line for line in text.split("\n") if line]
    values = [["nan" if x == "" else x for x in line.split(",")] for line in rows]
    return xgb.DMatrix(np.array(values).astype(np.float32))


def main():
    booster = load_model(sys.argv[1])
    with open(sys.argv[2]) as f:
        dmatrix = csv_to_dmatrix(f.read())
    print(xgb.__version__)
    for p in booster.predict(dmatrix, validate_features=False):
        print(repr(float(p)))


if __name__ == "__main__":
    main()
