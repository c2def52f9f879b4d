"""retain on Spark: score a base partition by partition (``DataFrame.mapInArrow``) and fit
CLV models from pattern counts aggregated in Spark.

The four steps of scaling out:

1. aggregate in the engine: each customer's transactions → a summary, by retain's own
   summary rules, on the executors (``mapInArrow`` after ``repartition`` by customer), then
   (x, t_x, T) pattern counts and the repeat buyers' (x, mean spend) counts by Spark SQL
   ``groupBy().count()``;
2. fit on the driver from those counts only (their size grows with the distinct patterns, not
   with the base; pattern counts merge exactly, so the fit equals the fit on the whole base);
3. broadcast the artefact (its JSON text) to the executors once;
4. score each partition with ``mapInArrow``: Arrow batches in, Arrow batches out.

The summaries are computed by retain rather than re-expressed in Spark SQL so that the rules
(purchases on one day counted once, amounts netted per day, refund-only days, time units)
have one home.

>>> import retain, retain.spark
>>> log = spark.read.parquet("base/")                       # customer_id, date, amount
>>> model = retain.spark.fit_clv(log, time_unit="week", calibration_end="1998-06-30")
>>> scores = retain.spark.score(log, model, as_of="1998-06-30")
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

import pyarrow as pa

from ._fit import fit_clv as _fit_clv
from ._model import ClvModel
from ._scale import (
    artefact_text,
    empty_scores,
    pattern_names,
    score_table,
    summaries_of,
)


def _spark_schema(table: pa.Table) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(table.schema)


def score(
    df: Any,
    model: Any,
    as_of: Optional[str] = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    repartition: bool = True,
    **score_kwargs: Any,
) -> Any:
    """Scores a Spark DataFrame of transactions (give ``as_of``) or of summaries; returns a
    Spark DataFrame with the columns of ``retain score``. ``score_kwargs`` are those of
    :meth:`retain.ClvModel.score`. A log is first repartitioned by customer
    (``repartition=False`` if each customer's rows are already in one partition)."""
    text = artefact_text(model)
    kwargs = dict(score_kwargs, customer_col=customer_col, date_col=date_col)
    if as_of is not None:
        kwargs["as_of"] = as_of
    schema = _spark_schema(empty_scores(text, kwargs))
    shipped = df.sparkSession.sparkContext.broadcast(text)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        # One table per partition: a customer's rows may span several Arrow batches.
        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        yield from score_table(shipped.value, table, kwargs).to_batches()

    if date_col in df.columns and repartition:
        df = df.repartition(customer_col)
    return df.mapInArrow(run, schema)


def fit_clv(
    df: Any,
    time_unit: str = "week",
    calibration_end: str = "",
    model: str = "all",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    date_format: Optional[str] = None,
    timezone: Optional[str] = None,
    **fit_kwargs: Any,
) -> ClvModel:
    """Fits a CLV model on a Spark DataFrame of transactions: summaries on the executors,
    pattern and spend counts by Spark SQL, the fit on the driver (see the module's steps).
    ``fit_kwargs`` are those of :func:`retain.fit_clv`."""
    from pyspark.sql.types import DoubleType, StructField, StructType

    kwargs = dict(
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        date_format=date_format,
        timezone=timezone,
        time_unit=time_unit,
        calibration_end=calibration_end,
    )
    columns = ["frequency", "recency", "T", "monetary_value"]
    schema = StructType([StructField(c, DoubleType()) for c in columns])

    def summarise(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        s = summaries_of(pa.Table.from_batches(list(batches)), kwargs)
        if s is None:
            return
        names = pattern_names(time_unit)
        out = s.select(list(names) + ["monetary_value"]).rename_columns(columns)
        yield from out.cast(pa.schema([(c, pa.float64()) for c in columns])).to_batches()

    rows = df.repartition(customer_col).mapInArrow(summarise, schema)
    patterns = rows.groupBy("frequency", "recency", "T").count().toPandas()
    spend = (
        rows.where("frequency > 0").groupBy("frequency", "monetary_value").count().toPandas()
    )
    return _fit_clv(
        patterns,
        model=model,
        time_unit=time_unit,
        count_col="count",
        spend_table=spend if len(spend) else None,
        **fit_kwargs,
    )
