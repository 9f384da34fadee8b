"""The Python reference for scripts/bench: the same work as the Swift code, on the same data,
timed in the same run.

  features DIR   -- the 18 documented features with pandas from DIR/sales.csv + DIR/catalog.csv
  train DIR N    -- N rounds of the Swift trainer's parameters with the xgboost package
  sign N         -- N SigV4 signatures of an InvokeEndpoint request with botocore

Prints one JSON line. Loading files is not timed; the work is.
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def features(folder):
    sales = pd.read_csv(f"{folder}/sales.csv")
    catalog = pd.read_csv(f"{folder}/catalog.csv")
    start = time.perf_counter()
    df = sales.sort_values(["pop", "sold_at"], kind="stable").reset_index(drop=True)
    ts = pd.to_datetime(df["sold_at"], unit="s")
    df["ts"] = ts
    # Windows over the Pop's sales strictly before each sale: closed="left" is [t - w, t).
    rolling = df.set_index("ts").groupby("pop", sort=False)["price"]
    out = pd.DataFrame(index=df.index)
    for w in (7, 30, 90):
        out[f"avg_price_{w}d"] = rolling.rolling(f"{w}D", closed="left").mean().to_numpy()
    out["price_volatility_30d"] = rolling.rolling("30D", closed="left").std().to_numpy()
    cat = catalog.set_index("pop").loc[df["pop"]].reset_index(drop=True)
    out["days_since_release"] = (df["sold_at"] - cat["release_date"]) // 86400
    out["release_month"] = pd.to_datetime(cat["release_date"], unit="s").dt.month
    out["sale_month"] = ts.dt.month.to_numpy()
    out["sale_day_of_week"] = ts.dt.dayofweek.to_numpy()
    out["is_weekend_sale"] = (out["sale_day_of_week"] >= 5).astype(np.int8)
    out["is_chase"] = cat["is_chase"]
    out["is_exclusive"] = cat["is_exclusive"]
    vaulted_date = cat["vaulted_date"]
    out["is_vaulted"] = ((cat["is_vaulted"] == 1) & (vaulted_date.isna() | (vaulted_date <= df["sold_at"]))).astype(np.int8)
    out["funko_number"] = cat["funko_number"]
    out["series_encoded"] = cat["series"]
    out["character_encoded"] = cat["character"]
    out["marketplace_encoded"] = df["marketplace"] + 1
    out["condition_score"] = df["condition"]
    out["base_estimated_value"] = cat["base_estimated_value"]
    seconds = time.perf_counter() - start
    assert out.shape[1] == 18
    print(json.dumps({"sales": len(df), "features": out.shape[1], "seconds": seconds, "sales_per_second": len(df) / seconds}))


def train(folder, rounds):
    import xgboost as xgb

    shape = json.load(open(f"{folder}/shape.json"))
    x = np.fromfile(f"{folder}/features.f32", dtype=np.float32).reshape(shape["rows"], shape["columns"])
    y = np.fromfile(f"{folder}/labels.f32", dtype=np.float32)
    params = json.load(open(f"{folder}/params.json"))
    start = time.perf_counter()
    d = xgb.DMatrix(x, label=y, missing=np.nan)
    matrix = time.perf_counter() - start
    xgb.train(params, d, num_boost_round=rounds)
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": shape["rows"], "columns": shape["columns"], "rounds": rounds, "seconds": seconds,
                      "matrix_seconds": matrix, "xgboost": xgb.__version__}))


def sign(count):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    auth = SigV4Auth(Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "sagemaker", "us-east-1")
    body = ("1,2.5,,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26\n" * 14).encode()
    start = time.perf_counter()
    for _ in range(count):
        r = AWSRequest(method="POST", url="https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/funko/invocations",
                       data=body, headers={"Content-Type": "text/csv", "Accept": "text/csv"})
        auth.add_auth(r)
    seconds = time.perf_counter() - start
    print(json.dumps({"count": count, "microseconds_per_request": seconds / count * 1e6}))


def scan_sql(words, placeholder):
    """The catalog search without its index: every word must start a word of name, character or
    number, found by scanning each row's text (words are split on spaces only)."""
    text = "(' ' || lower(name) || ' ' || lower(character) || ' ' || funko_number)"
    where = " AND ".join(f"{text} LIKE {placeholder}" for _ in words) or "TRUE"
    return (f"SELECT id, name FROM funko_pops WHERE {where} ORDER BY name, id LIMIT 20",
            [f"% {w}%" for w in words])


def search_scan(store, queries, rounds):
    """Median time of each query as a table scan: in-process for SQLite, the server's own
    execution time (EXPLAIN ANALYZE) for PostgreSQL."""
    import statistics
    import subprocess
    out = {}
    for q in queries:
        words = q.lower().split()
        if store.startswith("sqlite:"):
            import sqlite3
            con = sqlite3.connect(store[len("sqlite:"):])
            sql, params = scan_sql(words, "?")
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                con.execute(sql, params).fetchall()
                times.append((time.perf_counter() - start) * 1000)
        else:
            sql, params = scan_sql(words, "%s")
            literal = sql % tuple("'" + p.replace("'", "''") + "'" for p in params)
            times = []
            for _ in range(rounds):
                plan = subprocess.run(["psql", store, "-At", "-c", f"EXPLAIN (ANALYZE, FORMAT JSON) {literal}"],
                                      check=True, capture_output=True, text=True).stdout
                times.append(json.loads(plan)[0]["Execution Time"])
        out[q] = statistics.median(times)
    print(json.dumps({"median_ms": statistics.median(out.values()), "queries": out}))


if __name__ == "__main__":
    if sys.argv[1] == "search-scan":
        search_scan(sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "features":
        features(sys.argv[2])
    elif sys.argv[1] == "sign":
        sign(int(sys.argv[2]))
    else:
        train(sys.argv[2], int(sys.argv[3]))
