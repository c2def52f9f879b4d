"""What the Spark and Dask adapters share: the artefact as text (the only thing shipped to
workers), the output schema, and the per-partition steps, each a call into retain itself."""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Union

import pyarrow as pa

from ._fit import summarise
from ._model import ClvModel, Model, cached, load

PATTERN_COLUMNS = ["frequency", "recency", "T"]


def artefact_text(model: Union[Model, str, "os.PathLike[str]"]) -> str:
    """The artefact's JSON text, from a model or an artefact file."""
    if isinstance(model, Model):
        return model.to_json()
    return load(model).to_json()


def clv_model(text: str) -> ClvModel:
    model = cached(text)
    if not isinstance(model, ClvModel):
        raise ValueError("retain.spark and retain.dask score and fit CLV models")
    return model


def empty_scores(text: str, kwargs: Dict[str, Any]) -> pa.Table:
    """The schema of the scores (no rows), from scoring one summary row with the same
    settings: the columns depend on the model (Pareto/NBD adds DERT), the horizon and whether
    spend was fitted."""
    model = clv_model(text)
    probe = pa.table(
        {
            "customer_id": ["probe"],
            "frequency": [1.0],
            "recency": [1.0],
            "T": [2.0],
            "monetary_value": [1.0],
        }
    )
    summary_kwargs = {k: v for k, v in kwargs.items() if k not in LOG_ONLY}
    summary_kwargs["customer_col"] = "customer_id"
    summary_kwargs["summary_unit"] = model.time_unit
    return plain(model.score(probe, **summary_kwargs)).slice(0, 0)


LOG_ONLY = ("as_of", "date_col", "amount_col", "date_format", "timezone", "summary_unit")


def plain(table: pa.Table) -> pa.Table:
    """Types every engine reads: text for dictionaries and large strings, signed integers."""
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_dictionary(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            t = pa.string()
        elif pa.types.is_unsigned_integer(t):
            t = pa.int64()
        fields.append(pa.field(f.name, t))
    return table.cast(pa.schema(fields))


def score_table(text: str, table: pa.Table, kwargs: Dict[str, Any]) -> pa.Table:
    """One partition's scores (every customer's rows are in one partition)."""
    if table.num_rows == 0:
        return empty_scores(text, kwargs)
    return plain(clv_model(text).score(table, **kwargs))


def summaries_of(table: pa.Table, kwargs: Dict[str, Any]) -> Optional[pa.Table]:
    """One partition's customer summaries, by retain's own rules (None when empty)."""
    if table.num_rows == 0:
        return None
    return plain(summarise(table, **kwargs))


def pattern_names(unit: str) -> Dict[str, str]:
    """Summary columns (as :func:`retain.summarise` names them) → pattern table columns."""
    plural = f"{unit}s"
    return {
        "frequency": "frequency",
        f"recency_{plural}": "recency",
        f"T_{plural}": "T",
    }
