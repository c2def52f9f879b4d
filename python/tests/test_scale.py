"""Dask (local cluster) and Spark (local[2]) give the CLI's scores and the single-machine fit.
A small simulated base here; the 100k+ case is python/bench/scale_out.py."""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import retain
from conftest import MODEL, run
from test_parity import assert_same_scores

CUSTOMERS = 3000
AS_OF = "1998-06-30"


@pytest.fixture(scope="module")
def base(cli, tmp_path_factory):
    """A simulated base in 3 Parquet partitions and the CLI's scores of it."""
    d = tmp_path_factory.mktemp("base")
    run(cli, "simulate", "--model", str(MODEL), "--customers", str(CUSTOMERS),
        "--partitions", "3", "--format", "parquet", "--seed", "7", "--out", str(d / "log"))
    run(cli, "score", "--model", str(MODEL), "--transactions", str(d / "log"),
        "--customer-col", "customer_id", "--date-col", "date", "--amount-col", "amount",
        "--date-format", "%Y-%m-%d", "--delimiter", ",", "--as-of", AS_OF,
        "--output", str(d / "scores"), "--quiet")
    scores = pd.concat(
        pq.read_table(p).to_pandas() for p in sorted((d / "scores").glob("*.parquet"))
    )
    log = pd.concat(pq.read_table(p).to_pandas() for p in sorted((d / "log").glob("*.parquet")))
    return d, log.reset_index(drop=True), scores


def whole_fit(log):
    s = retain.summarise(log, time_unit="week", calibration_end=AS_OF)
    return retain.fit_clv(s, model="bgnbd", time_unit="week")


def test_dask_scores_and_fit_equal_single_machine(base):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    d, log, expected = base
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(log, npartitions=4)
        import retain.dask as rd

        scores = rd.score(ddf, retain.load(MODEL), as_of=AS_OF).compute()
        assert_same_scores(scores.reset_index(drop=True), expected)
        model = rd.fit_clv(ddf, time_unit="week", calibration_end=AS_OF, model="bgnbd")
    whole = whole_fit(log)
    for k, v in whole.params.items():
        assert model.params[k] == pytest.approx(v, rel=1e-9), k


def test_spark_scores_and_fit_equal_single_machine(base):
    pyspark = pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    d, log, expected = base
    # Spark's Python workers run this interpreter (the one with retain and pyarrow).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]").appName("retain-test")
        .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    try:
        import retain.spark as rs

        df = spark.read.parquet(str(d / "log"))
        scores = rs.score(df, retain.load(MODEL), as_of=AS_OF).toPandas()
        assert_same_scores(scores, expected)
        model = rs.fit_clv(df, time_unit="week", calibration_end=AS_OF, model="bgnbd")
    finally:
        spark.stop()
    whole = whole_fit(log)
    for k, v in whole.params.items():
        assert model.params[k] == pytest.approx(v, rel=1e-9), k
    assert np.isfinite(list(model.params.values())).all()
