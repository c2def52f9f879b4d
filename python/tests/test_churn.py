"""Churn classifiers from Python: the CLI's training and scores."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import retain
from conftest import ROOT, run

TELCO = ROOT / "tests" / "data" / "telco_churn.csv"


def test_train_churn_and_score_equal_the_cli(cli, tmp_path):
    table = pd.read_csv(TELCO, dtype=str)
    model = retain.train_churn(table, target="churn", positive="Yes",
                               model="logistic", folds=3)
    assert model.kind == "churn"
    assert model.cv_report[0]["model"] == "logistic"
    path = tmp_path / "telco.json"
    model.save(path)
    py = model.score(table, drivers=2)
    out = tmp_path / "cli.parquet"
    run(cli, "score", "--model", str(path), "--data", str(TELCO), "--drivers", "2",
        "--output", str(out))
    cli_scores = pq.read_table(out).to_pandas()
    assert list(py.columns) == list(cli_scores.columns)
    np.testing.assert_allclose(py["churn_probability"], cli_scores["churn_probability"],
                               rtol=1e-12, atol=1e-12)
    assert json.loads(run(cli, "inspect", str(path), "--json"))["version"] == retain.load(path).version
