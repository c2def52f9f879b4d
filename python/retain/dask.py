"""retain on Dask: score a base partition by partition (``map_partitions``) and fit CLV
models from pattern counts aggregated across partitions.

The artefact's JSON text is the only thing shipped: it is one node of the task graph, sent
once to each worker and parsed once per worker process. Scores equal the CLI's for every
customer (same code) when the model has a reference sample of its training base (models
trained by ``retain train clv`` or :func:`retain.fit_clv` on summaries have one).

>>> import dask.dataframe as dd, retain, retain.dask
>>> log = dd.read_parquet("base/")                      # customer_id, date, amount
>>> model = retain.dask.fit_clv(log, time_unit="week", calibration_end="1998-06-30")
>>> scores = retain.dask.score(log, model, as_of="1998-06-30")   # a dask DataFrame
"""

from __future__ import annotations

from typing import Any, Optional

import pyarrow as pa

from . import _frames
from ._fit import fit_clv as _fit_clv
from ._model import ClvModel
from ._scale import (
    artefact_text,
    empty_scores,
    pattern_names,
    score_table,
    summaries_of,
)


def _score_partition(pdf: Any, text: str, kwargs: dict) -> Any:
    table = pa.Table.from_pandas(pdf, preserve_index=False)
    return _frames.to_pandas(score_table(text, table, kwargs))


def score(
    ddf: Any,
    model: Any,
    as_of: Optional[str] = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    shuffle: bool = True,
    **score_kwargs: Any,
) -> Any:
    """Scores a Dask DataFrame of transactions (one row per purchase; give ``as_of``) or of
    summaries, returning a Dask DataFrame with the columns of ``retain score``.
    ``score_kwargs`` are those of :meth:`retain.ClvModel.score`. A log is first shuffled by
    customer (``shuffle=False`` if each customer's rows are already in one partition)."""
    import dask

    text = artefact_text(model)
    kwargs = dict(score_kwargs, customer_col=customer_col, date_col=date_col)
    if as_of is not None:
        kwargs["as_of"] = as_of
    if date_col in ddf.columns and shuffle:
        ddf = ddf.shuffle(on=customer_col)
    meta = _frames.to_pandas(empty_scores(text, kwargs))
    shipped = dask.delayed(text, pure=True)
    return ddf.map_partitions(_score_partition, shipped, kwargs, meta=meta)


def _patterns_partition(pdf: Any, kwargs: dict, unit: str) -> Any:
    import pandas as pd

    s = summaries_of(pa.Table.from_pandas(pdf, preserve_index=False), kwargs)
    columns = ["frequency", "recency", "T", "monetary_value"]
    if s is None:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    names = pattern_names(unit)
    return s.select(list(names) + ["monetary_value"]).rename_columns(columns).to_pandas()


def fit_clv(
    ddf: Any,
    time_unit: str = "week",
    calibration_end: str = "",
    model: str = "all",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    date_format: Optional[str] = None,
    timezone: Optional[str] = None,
    shuffle: bool = True,
    **fit_kwargs: Any,
) -> ClvModel:
    """Fits a CLV model on a Dask DataFrame of transactions: summaries per customer on the
    workers (retain's own summary rules), then (x, t_x, T) pattern counts and the repeat
    buyers' (x, mean spend) counts aggregated across partitions; only those tables reach
    the client, where the model is fitted. The fit equals :func:`retain.fit_clv` on the whole
    base's summaries (pattern counts merge exactly)."""
    kwargs = dict(
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        date_format=date_format,
        timezone=timezone,
        time_unit=time_unit,
        calibration_end=calibration_end,
    )
    if shuffle:
        ddf = ddf.shuffle(on=customer_col)
    import pandas as pd

    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in ["frequency", "recency", "T", "monetary_value"]})
    rows = ddf.map_partitions(_patterns_partition, kwargs, time_unit, meta=meta)
    patterns = (
        rows.groupby(["frequency", "recency", "T"]).size().rename("count").reset_index()
    )
    repeat = rows[rows["frequency"] > 0]
    spend = (
        repeat.groupby(["frequency", "monetary_value"]).size().rename("count").reset_index()
    )
    import dask

    patterns, spend = dask.compute(patterns, spend)
    return _fit_clv(
        patterns,
        model=model,
        time_unit=time_unit,
        count_col="count",
        spend_table=spend if len(spend) else None,
        **fit_kwargs,
    )
