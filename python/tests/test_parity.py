"""The Python package gives the CLI's numbers: fits, scores, and artefacts both ways."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import retain
from conftest import CDNOW, CDNOW_FLAGS, MODEL, run


def cli_scores(cli, tmp_path, *args) -> pd.DataFrame:
    out = tmp_path / "cli_scores.parquet"
    run(cli, "score", *args, "--output", str(out), "--quiet")
    return pq.read_table(out).to_pandas()


def assert_same_scores(py: pd.DataFrame, cli: pd.DataFrame) -> None:
    assert list(py.columns) == list(cli.columns)
    assert len(py) == len(cli)
    py = py.sort_values("customer_id").reset_index(drop=True)
    cli = cli.sort_values("customer_id").reset_index(drop=True)
    for c in cli.columns:
        a, b = py[c], cli[c]
        if pd.api.types.is_float_dtype(b):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12, atol=1e-12, err_msg=c)
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), c


def test_fit_on_cdnow_equals_the_cli_parameters(cli, tmp_path, cdnow):
    # The CLI fits every model on the 39-week calibration period of the sample.
    out = tmp_path / "cli_model"
    run(cli, "train", "clv", "--transactions", str(CDNOW), *CDNOW_FLAGS, "--time-unit", "week",
        "--calibration-end", "1997-09-30", "--observation-end", "1998-06-30", "--model", "all",
        "--out", str(out))
    art = json.loads((tmp_path / "cli_model.json").read_text())
    summaries = retain.summarise(cdnow, date_format="%Y%m%d", time_unit="week",
                                 calibration_end="1997-09-30",
                                 observation_end="1998-06-30")
    assert isinstance(summaries, pd.DataFrame)
    assert len(summaries) == art["data"]["customers"] == 2357
    for candidate in art["candidates"]:
        kind = candidate["model"]["kind"]
        model = retain.fit_clv(summaries, model=kind, time_unit="week")
        assert model.model == kind
        expected = {p["name"]: p["value"] for p in candidate["fit"]["params"]}
        for name, value in expected.items():
            assert model.params[name] == pytest.approx(value, rel=1e-9), (kind, name)
        assert model.log_likelihood == pytest.approx(candidate["fit"]["log_likelihood"], rel=1e-12)
        spend = {p["name"]: p["value"] for p in art["spend_fit"]["params"]}
        for name, value in spend.items():
            assert model.params[name] == pytest.approx(value, rel=1e-9), name
    # BG/NBD on CDNOW, Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426.
    bg = retain.fit_clv(summaries, model="bgnbd", time_unit="week")
    assert [round(bg.params[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    assert set(bg.standard_errors) == set(bg.params)
    assert "bgnbd" in bg.summary()


def test_score_equals_the_cli_column_by_column(cli, tmp_path, cdnow):
    model = retain.load(MODEL)
    py = model.score(cdnow, as_of="1998-06-30", horizon="52w", date_format="%Y%m%d")
    expected = cli_scores(cli, tmp_path, "--model", str(MODEL), "--transactions", str(CDNOW),
                          "--as-of", "1998-06-30", "--horizon", "52w")
    assert_same_scores(py, expected)
    assert "dert" in py.columns and "rfm_segment" in py.columns


def test_summaries_score_equals_the_cli(cli, tmp_path, cdnow):
    model = retain.load(MODEL)
    summaries = retain.summarise(cdnow, date_format="%Y%m%d", time_unit="week",
                                 calibration_end="1998-06-30")
    path = tmp_path / "summaries.parquet"
    pq.write_table(pa.Table.from_pandas(summaries, preserve_index=False), path)
    py = model.score(summaries, horizon="26w", discount="8%/year")
    expected = cli_scores(cli, tmp_path, "--model", str(MODEL), "--summaries", str(path),
                          "--summary-unit", "week", "--horizon", "26w", "--discount", "8%/year")
    assert_same_scores(py, expected)


def test_save_load_and_cli_score_round_trip(cli, tmp_path, cdnow):
    summaries = retain.summarise(cdnow, date_format="%Y%m%d", time_unit="week",
                                 calibration_end="1998-06-30")
    model = retain.fit_clv(summaries, model="pareto-nbd", time_unit="week")
    path = tmp_path / "py_model.json"
    model.save(path)
    loaded = retain.load(path)
    assert loaded.params == model.params
    assert loaded.version == model.version
    inspect = run(cli, "inspect", str(path), "--json")
    assert json.loads(inspect)["version"] == model.version
    py = loaded.score(cdnow, as_of="1998-06-30", date_format="%Y%m%d")
    expected = cli_scores(cli, tmp_path, "--model", str(path), "--transactions", str(CDNOW),
                          *CDNOW_FLAGS, "--as-of", "1998-06-30")
    assert_same_scores(py, expected)


def test_pattern_counts_fit_equals_the_summaries_fit(cdnow):
    summaries = retain.summarise(cdnow, date_format="%Y%m%d", time_unit="week",
                                 calibration_end="1997-09-30",
                                 observation_end="1998-06-30")
    whole = retain.fit_clv(summaries, model="bgnbd", time_unit="week")
    s = summaries.rename(columns={"recency_weeks": "recency", "T_weeks": "T"})
    # Two halves aggregated apart, their pattern tables concatenated unmerged.
    halves = [s.iloc[: len(s) // 2], s.iloc[len(s) // 2:]]
    counts = pd.concat(
        [h.groupby(["frequency", "recency", "T"]).size().rename("count").reset_index() for h in halves]
    )
    repeat = s[s["frequency"] > 0]
    spend = repeat.groupby(["frequency", "monetary_value"]).size().rename("count").reset_index()
    merged = retain.fit_clv(counts, model="bgnbd", time_unit="week", count_col="count",
                            spend_table=spend)
    for k, v in whole.params.items():
        assert merged.params[k] == pytest.approx(v, rel=1e-9), k
    # Weights: every customer twice as heavy gives the same maximum.
    weighted = retain.fit_clv(s.assign(w=2.0), model="bgnbd", time_unit="week", weights="w")
    for k in ("r", "alpha", "a", "b"):
        assert weighted.params[k] == pytest.approx(whole.params[k], rel=1e-6), k


def test_frames_come_back_in_the_callers_type(cdnow):
    import polars as pl

    model = retain.load(MODEL)
    table = pa.Table.from_pandas(cdnow, preserve_index=False)
    as_arrow = model.score(table, as_of="1998-06-30", date_format="%Y%m%d")
    as_polars = model.score(pl.from_pandas(cdnow), as_of="1998-06-30", date_format="%Y%m%d")
    as_batch = model.score(table.combine_chunks().to_batches()[0], as_of="1998-06-30",
                           date_format="%Y%m%d")
    assert isinstance(as_arrow, pa.Table)
    assert isinstance(as_polars, pl.DataFrame)
    assert isinstance(as_batch, pa.RecordBatch)
    assert as_arrow.num_rows == as_polars.height == as_batch.num_rows == 2357
    total = sum(as_arrow.column("clv_52_weeks").to_pylist())
    assert math.isclose(total, as_polars["clv_52_weeks"].sum(), rel_tol=1e-12)
