"""retain on Spark and Dask at scale, in local mode: a simulated base of --customers (default
100,000) scored by Spark local[2], Spark local[1] and a Dask local cluster, each compared with
the CLI's single-machine scores (to 1e-12, every column) and the fits with retain.fit_clv on
the whole base's summaries (to 1e-9); wall-clock times side by side.

    python3 python/bench/scale_out.py [--customers 100000] [--skip-dask]

Needs the `retain` package, pyspark and dask installed in the running interpreter (e.g.
target/python-ci after .ci/run) and target/release/retain (or $RETAIN_BIN).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import retain

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "cdnow.json"
AS_OF = "1998-06-30"


def cli(*args: str) -> None:
    binary = os.environ.get("RETAIN_BIN", str(ROOT / "target" / "release" / "retain"))
    subprocess.run([binary, *args], cwd=ROOT, check=True, capture_output=True)


def read_dir(d: Path) -> pd.DataFrame:
    return pd.concat(pq.read_table(p).to_pandas() for p in sorted(d.glob("*.parquet")))


def same(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest absolute difference over the float columns; text columns must be equal."""
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    a = a.sort_values("customer_id").reset_index(drop=True)
    b = b.sort_values("customer_id").reset_index(drop=True)
    worst = 0.0
    for c in b.columns:
        if pd.api.types.is_float_dtype(b[c]):
            worst = max(worst, float(np.max(np.abs(a[c].to_numpy(float) - b[c].to_numpy(float)))))
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c
    return worst


def spark_run(cores: int, log_dir: Path):
    from pyspark.sql import SparkSession

    import retain.spark as rs

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(f"local[{cores}]").appName(f"retain-{cores}")
             .config("spark.sql.shuffle.partitions", str(4 * cores))
             .config("spark.ui.enabled", "false").getOrCreate())
    try:
        df = spark.read.parquet(str(log_dir))
        df.count()  # read once before the clock starts
        start = time.perf_counter()
        scores = rs.score(df, retain.load(MODEL), as_of=AS_OF).toPandas()
        t_score = time.perf_counter() - start
        start = time.perf_counter()
        model = rs.fit_clv(df, time_unit="week", calibration_end=AS_OF, model="bgnbd")
        t_fit = time.perf_counter() - start
    finally:
        spark.stop()
    return scores, t_score, model, t_fit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "target") as tmp:
        d = Path(tmp)
        cli("simulate", "--model", str(MODEL), "--customers", str(args.customers),
            "--partitions", "8", "--format", "parquet", "--seed", "11", "--out", str(d / "log"))
        start = time.perf_counter()
        cli("score", "--model", str(MODEL), "--transactions", str(d / "log"), "--customer-col",
            "customer_id", "--date-col", "date", "--amount-col", "amount", "--date-format",
            "%Y-%m-%d", "--delimiter", ",", "--as-of", AS_OF, "--output", str(d / "scores"),
            "--quiet")
        t_cli = time.perf_counter() - start
        expected = read_dir(d / "scores")
        log = read_dir(d / "log").reset_index(drop=True)
        whole = retain.fit_clv(retain.summarise(log, time_unit="week", calibration_end=AS_OF),
                               model="bgnbd", time_unit="week")
        print(f"{args.customers:,} customers, {len(log):,} transactions; CLI score {t_cli:.1f} s")
        rows = []
        for cores in (2, 1):
            scores, t_score, model, t_fit = spark_run(cores, d / "log")
            worst = same(scores, expected)
            rel = max(abs(model.params[k] / v - 1) for k, v in whole.params.items())
            rows.append((f"Spark local[{cores}]", t_score, t_fit, worst, rel))
        if not args.skip_dask:
            import dask.dataframe as dd
            import distributed

            import retain.dask as rdask

            with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                          dashboard_address=None) as c, distributed.Client(c):
                ddf = dd.read_parquet(str(d / "log"))
                start = time.perf_counter()
                scores = rdask.score(ddf, retain.load(MODEL), as_of=AS_OF).compute()
                t_score = time.perf_counter() - start
                start = time.perf_counter()
                model = rdask.fit_clv(ddf, time_unit="week", calibration_end=AS_OF,
                                      model="bgnbd")
                t_fit = time.perf_counter() - start
            rows.append(("Dask, 2 workers", t_score, t_fit, same(scores, expected),
                         max(abs(model.params[k] / v - 1) for k, v in whole.params.items())))
        print("\n| engine | score (s) | fit_clv (s) | max score diff vs CLI | max param rel. diff |")
        print("| --- | --- | --- | --- | --- |")
        for name, ts, tf, worst, rel in rows:
            print(f"| {name} | {ts:.1f} | {tf:.1f} | {worst:.1e} | {rel:.1e} |")
        speedup = rows[1][1] / rows[0][1]
        print(f"\nSpark scoring local[1] / local[2]: {speedup:.2f}×")
        ok = all(r[3] <= 1e-12 and r[4] <= 1e-9 for r in rows)
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
