"""retain: churn prediction and customer lifetime value, in Rust, from Python.

The same code as the ``retain`` CLI and gRPC server (the numbers are equal to theirs): BG/NBD,
Pareto/NBD and MBG/NBD purchase models with Gamma-Gamma spend, churn classifiers, RFM segments
and value × risk tiers. Tables go in and come out as pyarrow, polars or pandas (the type you
pass), through Arrow without copies where possible; the GIL is released while Rust works.

>>> import retain
>>> summaries = retain.summarise(log, time_unit="week", calibration_end="1997-09-30")
>>> model = retain.fit_clv(summaries, model="bgnbd")
>>> model.params
>>> scores = model.score(log, as_of="1998-06-30", horizon="52w")
>>> model.save("models/mine.json")      # retain score --model models/mine.json ... reads it

Scale-out: :mod:`retain.spark` and :mod:`retain.dask`.
"""

from ._fit import fit_clv, summarise, train_churn
from ._model import ChurnModel, ClvModel, Model, load, loads
from ._retain import __version__

__all__ = [
    "ChurnModel",
    "ClvModel",
    "Model",
    "__version__",
    "fit_clv",
    "load",
    "loads",
    "summarise",
    "train_churn",
]
