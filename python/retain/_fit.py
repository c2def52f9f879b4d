"""Summaries, CLV fits and churn training: DataFrames in, models or DataFrames out."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from . import _frames
from . import _retain
from ._model import ChurnModel, ClvModel, wrap


def summarise(
    transactions: Any,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    time_unit: str = "week",
    calibration_end: str = "",
    observation_end: Optional[str] = None,
    date_format: Optional[str] = None,
    timezone: Optional[str] = None,
) -> Any:
    """One row per customer, as ``retain summarise`` writes it (lifetimes' layout with units in
    the names): ``customer_id, frequency, recency_<unit>s, T_<unit>s, monetary_value`` and,
    with ``observation_end``, ``frequency_holdout, monetary_value_holdout,
    duration_holdout_<unit>s``. ``calibration_end`` and ``observation_end`` are inclusive days
    (``YYYY-MM-DD``). Purchases on one day count once; amounts are netted per day. Returned in
    the type of ``transactions``."""
    if not calibration_end:
        raise ValueError("calibration_end: the last day of the calibration period is required")
    arrow, kind = _frames.to_arrow(transactions)
    out = _retain.summarise(
        _frames.stream(arrow), _frames.source_name(kind), customer_col, date_col, amount_col,
        date_format, timezone, time_unit, calibration_end, observation_end,
    )
    return _frames.from_stream(out, kind)


def fit_clv(
    summaries_or_patterns: Any,
    model: str = "all",
    spend: Optional[bool] = None,
    time_unit: str = "week",
    weights: Optional[str] = None,
    count_col: Optional[str] = None,
    customer_col: str = "customer_id",
    penalty: float = 0.0,
    clv_step: str = "1mo",
    discount: str = "10%/year",
    name: str = "model",
    spend_table: Any = None,
) -> ClvModel:
    """Fits buy-till-you-die models by maximum likelihood.

    ``summaries_or_patterns`` is either per-customer summaries (``frequency``, ``recency``,
    ``T`` and, for spend, ``monetary_value``; ``recency_weeks``-style names as
    :func:`retain.summarise` writes them are found too), or a pattern table with a count
    column (``count_col``, e.g. ``"count"``: columns ``frequency``, ``recency``, ``T``,
    ``count``; identical rows are merged exactly, so pattern tables of several partitions may
    simply be concatenated). Times are in ``time_unit``.

    ``model``: ``bgnbd``, ``pareto-nbd``, ``mbgnbd`` or ``all`` (the lowest BIC wins: there is
    no holdout here). ``spend`` fits Gamma-Gamma on the repeat buyers (default: yes for
    summaries, no for patterns). ``weights`` names a column of per-row weights (purchase
    model only). ``clv_step`` and ``discount`` are the defaults stored for scoring.
    ``spend_table`` (``frequency``, ``monetary_value`` and optionally ``count_col``: the repeat
    buyers' mean spend, aggregated) fits spend beside a pattern table."""
    arrow, kind = _frames.to_arrow(summaries_or_patterns)
    patterns = count_col is not None
    if spend is None:
        spend = spend_table is not None or (not patterns and weights is None)
    spend_stream = None
    if spend_table is not None:
        spend_stream = _frames.stream(_frames.to_arrow(spend_table)[0])
    call = (
        f"retain.fit_clv(model={model!r}, spend={spend!r}, time_unit={time_unit!r}, "
        f"weights={weights!r}, count_col={count_col!r}, penalty={penalty!r})"
    )
    inner = _retain.fit_clv(
        _frames.stream(arrow), _frames.source_name(kind), patterns,
        None if patterns else customer_col, count_col, weights, time_unit, model, bool(spend),
        float(penalty), clv_step, discount, name, call, spend_stream,
    )
    return wrap(inner)  # type: ignore[return-value]


def train_churn(
    table: Any,
    target: str,
    positive: str,
    id: Optional[str] = None,
    drop: Sequence[str] = (),
    categorical: Sequence[str] = (),
    model: str = "auto",
    metric: str = "roc-auc",
    folds: int = 5,
    seed: int = 42,
    alpha: float = 1.0,
    calibrate: bool = True,
    margin: Optional[str] = None,
    margin_rate: float = 1.0,
    period: str = "1mo",
    discount: str = "10%/year",
    horizon: Optional[str] = None,
    high_risk: float = 0.5,
    medium_risk: float = 0.2,
    name: str = "model",
) -> ChurnModel:
    """Trains churn classifiers as ``retain train churn`` does: every candidate of ``model``
    (``auto`` = logistic, gbdt, forest) cross-validated (``folds``-fold stratified, ``seed``),
    the best by ``metric`` calibrated and refitted on all rows. ``target`` is the churn column
    and ``positive`` its value meaning "churned"; ``margin`` (a column) × ``margin_rate`` per
    ``period`` gives the subscription CLV. The CV report is :attr:`ChurnModel.cv_report`."""
    arrow, kind = _frames.to_arrow(table)
    call = f"retain.train_churn(target={target!r}, positive={positive!r}, model={model!r})"
    inner = _retain.train_churn(
        _frames.stream(arrow), _frames.source_name(kind), target, str(positive), id,
        list(drop), list(categorical), model, metric, int(folds), int(seed), float(alpha),
        bool(calibrate), margin, float(margin_rate), period, discount, horizon,
        float(high_risk), float(medium_risk), name, call,
    )
    return wrap(inner)  # type: ignore[return-value]
