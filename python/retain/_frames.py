"""Tables in and out: any supported DataFrame → a pyarrow Table → the Rust extension through
the Arrow C stream interface, and back into the type the caller passed."""

from __future__ import annotations

from typing import Any, Tuple

import pyarrow as pa


def to_arrow(data: Any) -> Tuple[pa.Table, str]:
    """The table as pyarrow and the caller's kind: ``pyarrow``, ``record_batch``, ``polars``
    or ``pandas``."""
    if isinstance(data, pa.Table):
        return data, "pyarrow"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), "record_batch"
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all(), "pyarrow"
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        if type(data).__name__ == "LazyFrame":
            data = data.collect()
        if type(data).__name__ == "DataFrame":
            return data.to_arrow(), "polars"
    if module == "pandas" and type(data).__name__ == "DataFrame":
        return pa.Table.from_pandas(data, preserve_index=False), "pandas"
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data), "pyarrow"
    raise TypeError(
        "expected a pyarrow Table or RecordBatch, a polars DataFrame or a pandas DataFrame, "
        f"got {type(data).__module__}.{type(data).__name__}"
    )


def source_name(kind: str) -> str:
    """How error messages name an in-memory table (where a file would be named)."""
    return {
        "pyarrow": "pyarrow Table",
        "record_batch": "pyarrow RecordBatch",
        "polars": "polars DataFrame",
        "pandas": "pandas DataFrame",
    }[kind]


def stream(table: pa.Table) -> Any:
    """The table as an ``arrow_array_stream`` PyCapsule for the extension."""
    return table.__arrow_c_stream__()


class _Stream:
    """Wraps a capsule from the extension so pyarrow's public API can read it."""

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._capsule


def from_stream(capsule: Any, kind: str) -> Any:
    """The extension's result in the caller's kind of table."""
    table = pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()
    if kind == "pandas":
        return to_pandas(table)
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if kind == "record_batch":
        table = table.combine_chunks()
        batches = table.to_batches()
        if batches:
            return batches[0]
        return pa.RecordBatch.from_pylist([], schema=table.schema)
    return table


def to_pandas(table: pa.Table) -> Any:
    """The table as a pandas DataFrame, one block per column: pandas' default consolidates the
    float columns into one 2-D block, a copy that cost 0.65 s of 1M rows x 15 columns here
    (about 0 s with ``split_blocks``); the frame behaves the same."""
    return table.to_pandas(split_blocks=True)


def columns(table: pa.Table) -> list:
    return list(table.column_names)
